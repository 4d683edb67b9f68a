-- columns of every sort; b changes types, defaults, NOT NULL, collation, and adds and drops
-- columns (at the end: ALTER TABLE ADD COLUMN cannot put one elsewhere)
CREATE TABLE people (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name varchar(100),
	email text,
	born date DEFAULT '2000-01-01',
	score integer NOT NULL DEFAULT 0,
	code text COLLATE "C",
	legacy text
);
CREATE TABLE counters (
	id serial PRIMARY KEY,
	n bigint DEFAULT 1,
	level text DEFAULT '1'
);
CREATE TABLE gone (id int, what text);
CREATE TABLE "Mixed Case" ("Col One" int, "select" text);
