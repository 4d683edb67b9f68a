CREATE TABLE t (id serial, v text);
CREATE TABLE kept (id int);
CREATE VIEW w AS SELECT id FROM t;
CREATE MATERIALIZED VIEW mw AS SELECT id FROM t;
CREATE SEQUENCE s;
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b int);
CREATE TYPE span AS RANGE (SUBTYPE = int4);
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE PROCEDURE p(n int) LANGUAGE sql AS $$ SELECT n $$;
CREATE STATISTICS t_stats ON id, v FROM t;
CREATE TABLE parted (id int) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
ALTER TABLE kept OWNER TO rt_owner;
ALTER MATERIALIZED VIEW mw OWNER TO rt_owner;
ALTER SEQUENCE s OWNER TO rt_owner;
ALTER DOMAIN posint OWNER TO rt_owner;
ALTER TYPE pair OWNER TO rt_owner;
ALTER TYPE span OWNER TO rt_owner;
ALTER FUNCTION f() OWNER TO rt_owner;
ALTER PROCEDURE p(int) OWNER TO rt_owner;
ALTER STATISTICS t_stats OWNER TO rt_owner;
ALTER TABLE parted OWNER TO rt_owner;
ALTER TABLE parted_1 OWNER TO rt_owner;
GRANT SELECT ON kept TO rt_reader;
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_foreign_data_wrapper WHERE fdwname = 'rt_fdw') THEN
		CREATE FOREIGN DATA WRAPPER rt_fdw;
	END IF;
END
$$;
CREATE SERVER IF NOT EXISTS rt_remote FOREIGN DATA WRAPPER rt_fdw OPTIONS (host 'remote.example');
CREATE FOREIGN TABLE remote_rows (id int) SERVER rt_remote;
ALTER FOREIGN TABLE remote_rows OWNER TO rt_owner;
