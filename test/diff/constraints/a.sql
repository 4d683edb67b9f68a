CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE, price numeric CHECK (price > 0));
CREATE TABLE child (
	id int PRIMARY KEY,
	parent_id int REFERENCES parent ON DELETE CASCADE,
	qty int,
	during tsrange
);
CREATE TABLE loose (a int, b int);
