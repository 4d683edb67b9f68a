/* migrator--0.2--0.3.sql: what changed in the SQL objects from 0.2 to 0.3 (CHANGELOG.md). */

\echo Use "ALTER EXTENSION migrator UPDATE TO '0.3'" to load this file. \quit

-- Renames (issue 20): the snapshots migrator records carry each object's identity ("identity", not an
-- object: snapshot_objects() leaves it out, keep_drift() keeps both snapshots'), and diff() between
-- snapshots takes rename hints.
DROP FUNCTION migrator.diff(jsonb, jsonb);

CREATE FUNCTION migrator.diff(source jsonb, target jsonb, renames jsonb DEFAULT '[]')
RETURNS TABLE(seq integer, statement text, hazard text)
AS 'MODULE_PATHNAME', 'migrator_diff_snapshots'
LANGUAGE C IMMUTABLE STRICT;

COMMENT ON FUNCTION migrator.diff(jsonb, jsonb, jsonb) IS
	'the DDL between two snapshots; renames: hints such as ["books.published_year -> publication_year"]';

CREATE OR REPLACE FUNCTION migrator.snapshot_objects(snapshot jsonb, raw boolean DEFAULT false)
RETURNS TABLE(schema text, kind text, name text, definition jsonb)
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog
AS $$
SELECT s.key, k.key, o.key,
	CASE WHEN k.key = 'tables' AND NOT raw THEN migrator.without_change_parts(o.value) ELSE o.value END
FROM jsonb_each(snapshot) s,
	jsonb_each(s.value) k,
	jsonb_each(CASE WHEN k.key = 'schema' THEN jsonb_build_object('', k.value) ELSE k.value END) o
WHERE jsonb_typeof(s.value) = 'object' AND jsonb_typeof(k.value) = 'object'
  AND k.key NOT IN ('depends', 'identity')
$$;

-- issue 20 (standalone kinds of the diff): a snapshot leaves out the kinds
-- it has none of (aggregates, operators, collations, ...), so the baseline a
-- run records takes the kinds of the recorded baseline as well as those of
-- the run's own snapshot: a hand-dropped aggregate stays drift
CREATE OR REPLACE FUNCTION migrator.keep_drift(baseline jsonb, before jsonb, after jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog
AS $$
WITH kept AS (
	SELECT d.schema, d.kind, d.name
	FROM migrator.drifted_objects(baseline, before) d
	LEFT JOIN migrator.snapshot_objects(before, true) l
		ON (l.schema, l.kind, l.name) = (d.schema, d.kind, d.name)
	LEFT JOIN migrator.snapshot_objects(after, true) a
		ON (a.schema, a.kind, a.name) = (d.schema, d.kind, d.name)
	WHERE l.definition IS NOT DISTINCT FROM a.definition
	   OR (d.kind = 'tables' AND migrator.without_change_parts(l.definition)
								 IS NOT DISTINCT FROM migrator.without_change_parts(a.definition))),
objs AS (
	SELECT a.* FROM migrator.snapshot_objects(after, true) a
	WHERE NOT EXISTS (SELECT FROM kept k WHERE (k.schema, k.kind, k.name) = (a.schema, a.kind, a.name))
	UNION ALL
	SELECT b.* FROM migrator.snapshot_objects(baseline, true) b
	WHERE EXISTS (SELECT FROM kept k WHERE (k.schema, k.kind, k.name) = (b.schema, b.kind, b.name)))
SELECT coalesce(jsonb_object_agg(s.schema, (
	SELECT jsonb_object_agg(kk.kind, CASE
		WHEN kk.kind = 'schema' THEN s.definition
		WHEN kk.kind = 'depends' THEN coalesce(after->s.schema->'depends', baseline->s.schema->'depends', '{}')
		WHEN kk.kind = 'identity' THEN coalesce(baseline->s.schema->'identity', '{}') || coalesce(after->s.schema->'identity', '{}')
		ELSE coalesce((SELECT jsonb_object_agg(o.name, o.definition) FROM objs o
					   WHERE o.schema = s.schema AND o.kind = kk.kind), '{}') END)
	-- (a kind of either: a snapshot leaves out the standalone kinds it has none of)
	FROM jsonb_object_keys(coalesce(baseline->s.schema, '{}') || coalesce(after->s.schema, '{}')) AS kk(kind))), '{}')
FROM objs s
WHERE s.kind = 'schema'
$$;

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

-- online runs (issue 21): migrate() takes online; the old call forms stay valid
-- through the defaults, and the roles that could EXECUTE the old procedures can
-- EXECUTE the new ones.
SELECT pg_catalog.set_config('migrator_upgrade.migrate_grants', coalesce(string_agg(
		format('GRANT EXECUTE ON PROCEDURE migrator.migrate(%s, text, boolean) TO %s',
			   CASE WHEN p.proargtypes[0] = 'jsonb'::regtype THEN 'jsonb' ELSE 'text' END,
			   a.grantee::regrole::text), ';'), ''), true)
  FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
 WHERE p.oid IN ('migrator.migrate(text, text)'::regprocedure,
				 'migrator.migrate(jsonb, text)'::regprocedure)
   AND a.privilege_type = 'EXECUTE' AND a.grantee <> 0
   AND a.grantee <> p.proowner;

DROP PROCEDURE migrator.migrate(text, text);
DROP PROCEDURE migrator.migrate(jsonb, text);
CREATE PROCEDURE migrator.migrate(dir text, target text DEFAULT NULL,
								   online boolean DEFAULT NULL)
AS 'MODULE_PATHNAME', 'migrator_migrate'
LANGUAGE C;

COMMENT ON PROCEDURE migrator.migrate(text, text, boolean) IS
	'apply the pending migrations of a server folder, committing after each one (online: lock-safe forms, NULL: migrator.online)';

CREATE PROCEDURE migrator.migrate(bundle jsonb, target text DEFAULT NULL,
								   online boolean DEFAULT NULL)
AS 'MODULE_PATHNAME', 'migrator_migrate'
LANGUAGE C;

COMMENT ON PROCEDURE migrator.migrate(jsonb, text, boolean) IS
	'apply the pending migrations of a bundle, committing after each one (online: lock-safe forms, NULL: migrator.online)';
REVOKE ALL ON PROCEDURE migrator.migrate(jsonb, text, boolean) FROM PUBLIC;

DO $$
DECLARE
	g text;
BEGIN
	FOREACH g IN ARRAY string_to_array(current_setting('migrator_upgrade.migrate_grants'), ';') LOOP
		EXECUTE g;
	END LOOP;
END
$$;

-- online runs (migrator.online): how far an interrupted one got, and explain()
CREATE TABLE migrator.online_progress (
	path		text NOT NULL,
	checksum	text NOT NULL,
	stmt		integer NOT NULL,	/* the statements before it are done */
	step		integer NOT NULL,	/* the steps of its online form done */
	online		boolean NOT NULL,	/* it was begun in its online form */
	name		text,				/* the index or constraint name the form chose */
	updated_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (path, checksum)
);
REVOKE ALL ON migrator.online_progress FROM PUBLIC;
GRANT SELECT ON migrator.online_progress TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrator.online_progress', '');

CREATE FUNCTION migrator.explain(dir text)
RETURNS TABLE(path text, line integer, statement text, lock text, relation text,
			  rows bigint, bytes bigint, effect text, online text, lint text)
AS 'MODULE_PATHNAME', 'migrator_explain'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.explain(text) IS
	'every statement of the pending migrations of a folder: its lock, table size, rewrite or scan, online form and lint finding';

CREATE FUNCTION migrator.explain(bundle jsonb)
RETURNS TABLE(path text, line integer, statement text, lock text, relation text,
			  rows bigint, bytes bigint, effect text, online text, lint text)
AS 'MODULE_PATHNAME', 'migrator_explain'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.explain(jsonb) IS
	'every statement of the pending migrations of a bundle: its lock, table size, rewrite or scan, online form and lint finding';
REVOKE ALL ON FUNCTION migrator.explain(jsonb) FROM PUBLIC;
