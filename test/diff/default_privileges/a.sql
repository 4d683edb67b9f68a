-- default privileges of the schema (ALTER DEFAULT PRIVILEGES [FOR ROLE r] IN SCHEMA s GRANT ...),
-- set for the schema the file is loaded into (current_schema())
CREATE TABLE t (id int);
DO $$
BEGIN
	EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO rt_reader', current_schema());
	EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE ON SEQUENCES TO rt_reader', current_schema());
	EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE rt_writer IN SCHEMA %I GRANT INSERT, UPDATE ON TABLES TO rt_reader',
		current_schema());
END
$$;
