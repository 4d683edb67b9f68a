-- table inheritance: INHERITS, columns inherited or local, defaults of children, INHERIT / NO INHERIT
-- (a table that gains or loses a parent keeps its columns, as its own: those the cases declare;
-- on PostgreSQL 18 its NOT NULL constraints too: the parents it gains or loses have none)
CREATE TABLE base (id int, created date DEFAULT current_date, note text);
CREATE TABLE child (extra text) INHERITS (base);
CREATE TABLE other (id int, created date, note text, added int, tag text);
CREATE TABLE loner (id int, created date, note text) INHERITS (base);
CREATE TABLE audit (at timestamptz);
CREATE TABLE leaving (at timestamptz, x int) INHERITS (audit);
CREATE TABLE strict (code text NOT NULL);
CREATE TABLE strict_child (x int) INHERITS (strict);
