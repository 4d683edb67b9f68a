/* migrator--0.2--0.3.sql: what changed in the SQL objects from 0.2 to 0.3 (CHANGELOG.md). */

\echo Use "ALTER EXTENSION migrator UPDATE TO '0.3'" to load this file. \quit

-- issue 20: ownership in snapshots and diffs, opt-in (owners => true); the old call forms still work
DROP FUNCTION migrator.snapshot(text[]);
CREATE FUNCTION migrator.snapshot(schemas text[] DEFAULT ARRAY['public'], owners boolean DEFAULT false)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'migrator_snapshot'
LANGUAGE C STABLE STRICT;

COMMENT ON FUNCTION migrator.snapshot(text[], boolean) IS
	'a canonical description of the objects of some schemas (with their owners if asked)';

DROP FUNCTION migrator.diff(text, text);
CREATE FUNCTION migrator.diff(source text, target text, owners boolean DEFAULT false)
RETURNS TABLE(seq integer, statement text, hazard text)
AS 'MODULE_PATHNAME', 'migrator_diff_schemas'
LANGUAGE C STABLE STRICT;

COMMENT ON FUNCTION migrator.diff(text, text, boolean) IS
	'the DDL that makes schema source like schema target, with each statement''s hazard (and owners if asked)';
