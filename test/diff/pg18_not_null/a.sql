-- PostgreSQL 18 (min_version): NOT NULL constraints are catalogued (a name of their own, NOT VALID),
-- generated columns may be virtual (the default), uuidv7() is a default.  a: the plain forms
CREATE TABLE t (id bigint PRIMARY KEY, a int, b int NOT NULL, c int, u uuid,
	g int GENERATED ALWAYS AS (b * 2) STORED);
CREATE TABLE v (x int NOT NULL, y int GENERATED ALWAYS AS (x + 1) STORED);
