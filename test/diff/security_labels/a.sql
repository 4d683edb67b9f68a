-- security labels (provider migrator_test: test/seclabel, loaded for this
-- case as its file "provider" says) on a table, a column, a view, a
-- sequence, a function, an aggregate, an enum and a domain
CREATE TABLE t (id integer, secret text);
CREATE VIEW v AS SELECT id FROM t;
CREATE SEQUENCE s;
CREATE FUNCTION f() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION gone() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE total(integer) (SFUNC = int4pl, STYPE = integer);
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN code AS text;
SECURITY LABEL FOR migrator_test ON TABLE t IS 'internal';
SECURITY LABEL FOR migrator_test ON COLUMN t.secret IS 'secret';
SECURITY LABEL FOR migrator_test ON VIEW v IS 'public';
SECURITY LABEL FOR migrator_test ON SEQUENCE s IS 'internal';
SECURITY LABEL FOR migrator_test ON FUNCTION f() IS 'trusted';
SECURITY LABEL FOR migrator_test ON FUNCTION gone() IS 'trusted';
SECURITY LABEL FOR migrator_test ON AGGREGATE total(integer) IS 'public';
SECURITY LABEL FOR migrator_test ON TYPE mood IS 'public';
SECURITY LABEL FOR migrator_test ON DOMAIN code IS 'internal';
