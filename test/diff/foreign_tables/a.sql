-- foreign tables: server, options, column options, constraints, a foreign partition; the wrapper
-- and servers belong to the database (made once, IF NOT EXISTS)
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_foreign_data_wrapper WHERE fdwname = 'rt_fdw') THEN
		CREATE FOREIGN DATA WRAPPER rt_fdw;
	END IF;
END
$$;
CREATE SERVER IF NOT EXISTS rt_remote FOREIGN DATA WRAPPER rt_fdw OPTIONS (host 'remote.example');
CREATE SERVER IF NOT EXISTS rt_other TYPE 'test' VERSION '1' FOREIGN DATA WRAPPER rt_fdw;
CREATE FOREIGN TABLE ft (id int NOT NULL, name text OPTIONS (column_name 'nm'), n int)
	SERVER rt_remote OPTIONS (schema_name 'public', table_name 'ft');
CREATE FOREIGN TABLE gone (x int) SERVER rt_other;
CREATE TABLE parted (id int) PARTITION BY RANGE (id);
COMMENT ON FOREIGN TABLE ft IS 'remote rows';
