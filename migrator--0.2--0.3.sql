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
	FROM jsonb_object_keys(coalesce(after->s.schema, baseline->s.schema)) AS kk(kind))), '{}')
FROM objs s
WHERE s.kind = 'schema'
$$;
