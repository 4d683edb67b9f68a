-- the roles the cases' grants and policies name (roles belong to the cluster: made once)
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rt_reader') THEN
		CREATE ROLE rt_reader;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rt_writer') THEN
		CREATE ROLE rt_writer;
	END IF;
END
$$;
-- the role that owns objects in the owners case (diff(..., owners => true))
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rt_owner') THEN
		CREATE ROLE rt_owner;
	END IF;
END
$$;
