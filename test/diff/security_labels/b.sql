-- t's label changes, the column's goes; v is re-created (another
-- definition) and keeps its label; gone goes with its label; a new table
-- comes with one; the enum's label goes, the domain's changes
CREATE TABLE t (id integer, secret text);
CREATE VIEW v AS SELECT id, secret FROM t;
CREATE SEQUENCE s;
CREATE FUNCTION f() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE total(integer) (SFUNC = int4pl, STYPE = integer);
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN code AS text;
CREATE TABLE "New" (id integer);
SECURITY LABEL FOR migrator_test ON TABLE t IS 'confidential';
SECURITY LABEL FOR migrator_test ON VIEW v IS 'public';
SECURITY LABEL FOR migrator_test ON SEQUENCE s IS 'internal';
SECURITY LABEL FOR migrator_test ON FUNCTION f() IS 'trusted';
SECURITY LABEL FOR migrator_test ON AGGREGATE total(integer) IS 'public';
SECURITY LABEL FOR migrator_test ON DOMAIN code IS 'public';
SECURITY LABEL FOR migrator_test ON TABLE "New" IS 'it''s new';
