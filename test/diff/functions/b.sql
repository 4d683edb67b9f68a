-- overloads, every attribute, a result type that changes, procedures, and a function a default
-- and a check use (it must exist before them)
CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF COST 5 AS $$ SELECT a + b $$;
CREATE FUNCTION add(a numeric, b numeric) RETURNS numeric LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT a + b $$;
CREATE FUNCTION add(a text, b text DEFAULT 'x') RETURNS text LANGUAGE sql AS $$ SELECT a || b $$;
CREATE FUNCTION shape(x int) RETURNS TABLE (y int, z text) LANGUAGE sql ROWS 10 AS $$ SELECT x, 'z' $$;
CREATE FUNCTION series(n int, OUT i int) RETURNS SETOF int LANGUAGE sql AS $$ SELECT generate_series(1, n) $$;
CREATE FUNCTION answer() RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN 42; END $$;
CREATE FUNCTION ok(int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT $1 > 0 $$;
CREATE PROCEDURE tidy(n int, m int DEFAULT 1) LANGUAGE plpgsql AS $$ BEGIN PERFORM n + m; END $$;
CREATE PROCEDURE tidy(n int) LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN PERFORM n; END $$;
CREATE TABLE t (id int, v int DEFAULT answer() CHECK (ok(v)));
