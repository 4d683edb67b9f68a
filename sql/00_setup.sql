\set QUIET on
-- Helpers for the regression tests: migration folders are written by the
-- server itself (lo_export writes exact bytes) under the cluster's data
-- directory, so that clusters of different users never share them.
CREATE SCHEMA regress;
CREATE TABLE regress.base AS
	SELECT current_setting('data_directory') || '/migrator_regress' AS path;
GRANT USAGE ON SCHEMA regress TO PUBLIC;
GRANT SELECT ON regress.base TO PUBLIC;

CREATE FUNCTION regress.dir(folder text) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT path || '/' || folder FROM regress.base $$;

-- The programs read COPY's output (cat > /dev/null) so that it never
-- writes to a pipe whose reader has exited (EPIPE).
CREATE PROCEDURE regress.reset(folder text)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('COPY (SELECT 1) TO PROGRAM %L',
				   format('cat > /dev/null; rm -rf %s && mkdir -p %s',
						  regress.dir(folder), regress.dir(folder)));
END $$;

CREATE PROCEDURE regress.write_bytes(folder text, file text, content bytea)
LANGUAGE plpgsql AS $$
DECLARE
	lo oid;
BEGIN
	IF file LIKE '%/%' THEN
		EXECUTE format('COPY (SELECT 1) TO PROGRAM %L',
					   format('cat > /dev/null; mkdir -p "%s/%s"', regress.dir(folder),
							  regexp_replace(file, '/[^/]*$', '')));
	END IF;
	lo := lo_from_bytea(0, content);
	PERFORM lo_export(lo, regress.dir(folder) || '/' || file);
	PERFORM lo_unlink(lo);
END $$;

CREATE PROCEDURE regress.write(folder text, file text, content text)
LANGUAGE sql AS $$
	CALL regress.write_bytes(folder, file, convert_to(content, 'UTF8'))
$$;

CREATE PROCEDURE regress.remove(folder text, file text)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('COPY (SELECT 1) TO PROGRAM %L',
				   format('cat > /dev/null; rm -f "%s/%s"', regress.dir(folder), file));
END $$;

-- start every test from an empty journal (and no recorded schema to drift from)
CREATE PROCEDURE regress.forget()
LANGUAGE sql AS $$ DELETE FROM migrator.journal; DELETE FROM migrator.snapshots $$;

\set QUIET on
CALL regress.reset('');
SELECT extname, extrelocatable, nspname
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE extname = 'migrator';
