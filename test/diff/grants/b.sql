-- grants on the schema, tables, columns, views, sequences and functions, granted and revoked,
-- with and without GRANT OPTION
DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO rt_reader', current_schema()); END $$;
CREATE TABLE t (id int, v text, secret text);
GRANT SELECT ON t TO rt_reader WITH GRANT OPTION;
GRANT INSERT ON t TO rt_writer;
GRANT UPDATE (v), SELECT (id, v) ON t TO rt_writer;
REVOKE TRUNCATE ON t FROM CURRENT_USER;
CREATE SEQUENCE s;
GRANT USAGE ON SEQUENCE s TO rt_writer;
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION f() TO rt_reader;
CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;
REVOKE ALL ON PROCEDURE p() FROM PUBLIC;
CREATE VIEW w AS SELECT id FROM t;
GRANT SELECT ON w TO PUBLIC;
