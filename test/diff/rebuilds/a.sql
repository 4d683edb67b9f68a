-- what must be dropped and created again around a change of what it depends on, in the order
-- pg_depend gives: a function over a view's row type around that view's re-creation; a view and
-- a check that call a function whose result type changes; a check calling a function over its
-- own table's row type (the function after the table, the check after the function)
CREATE TABLE t (id int);
CREATE VIEW v AS SELECT id FROM t;
CREATE FUNCTION all_v() RETURNS SETOF v LANGUAGE sql AS $$ SELECT * FROM v $$;
CREATE FUNCTION twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT $1 * 2 $$;
CREATE VIEW w AS SELECT twice(id) AS d FROM t;
CREATE TABLE u (n int CHECK (twice(n) < 100));
CREATE INDEX u_twice ON u (twice(n));
