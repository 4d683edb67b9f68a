-- keys of every kind, deferrable, NOT VALID, an exclusion constraint, and a foreign-key cycle
CREATE TABLE parent (id int PRIMARY KEY, code text, price numeric CHECK (price >= 0),
	CONSTRAINT parent_code_key UNIQUE (code, id) DEFERRABLE INITIALLY DEFERRED,
	favourite_child int);
CREATE TABLE child (
	id int PRIMARY KEY,
	parent_id int REFERENCES parent ON DELETE SET NULL DEFERRABLE,
	qty int CONSTRAINT qty_positive CHECK (qty > 0),
	during tsrange,
	EXCLUDE USING gist (during WITH &&)
);
ALTER TABLE parent ADD CONSTRAINT parent_favourite_fk FOREIGN KEY (favourite_child) REFERENCES child;
ALTER TABLE child ADD CONSTRAINT child_qty_small CHECK (qty < 1000) NOT VALID;
CREATE TABLE loose (a int, b int, CONSTRAINT loose_pk PRIMARY KEY (a, b), CONSTRAINT loose_b_uq UNIQUE (b) INCLUDE (a));
