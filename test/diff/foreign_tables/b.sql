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
CREATE FOREIGN TABLE ft (id int NOT NULL, name text OPTIONS (column_name 'full_name'), n int NOT NULL, extra int DEFAULT 0)
	SERVER rt_remote OPTIONS (schema_name 'public', table_name 'ft2', updatable 'false');
CREATE FOREIGN TABLE fresh (a int CHECK (a > 0), b text OPTIONS (column_name 'bee')) SERVER rt_other;
COMMENT ON FOREIGN TABLE fresh IS 'new';
GRANT SELECT ON fresh TO rt_reader;
CREATE TABLE parted (id int) PARTITION BY RANGE (id);
CREATE FOREIGN TABLE parted_remote PARTITION OF parted FOR VALUES FROM (0) TO (10) SERVER rt_remote;
