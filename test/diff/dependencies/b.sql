-- order by what uses what: functions that domain defaults and checks call exist before them (a
-- new domain, and one whose check changes); functions whose arguments or result are the row type
-- of a table, an array of it, or of a view come after those (and go before them)
CREATE TABLE keep (id int);
CREATE FUNCTION positive(numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT $1 > 0 $$;
CREATE FUNCTION one() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 1 $$;
CREATE DOMAIN amount AS numeric CHECK (positive(VALUE));
CREATE DOMAIN pos AS int DEFAULT one() CHECK (positive(VALUE));
CREATE TABLE t (id int, p pos);
CREATE FUNCTION t_id(t) RETURNS int LANGUAGE sql AS $$ SELECT $1.id $$;
CREATE FUNCTION t_count(t[]) RETURNS int LANGUAGE sql AS $$ SELECT cardinality($1) $$;
CREATE VIEW v AS SELECT id FROM t;
CREATE FUNCTION all_v() RETURNS SETOF v LANGUAGE sql AS $$ SELECT * FROM v $$;
