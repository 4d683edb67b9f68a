/* migrator--0.1--0.2.sql: what changed in the SQL objects from 0.1 to 0.2 (CHANGELOG.md). */

\echo Use "ALTER EXTENSION migrator UPDATE TO '0.2'" to load this file. \quit

/*
 * Backups: pg_dump leaves out the contents of an extension's tables unless
 * they are marked, and a restore would then forget every applied migration
 * and every open change.  Every table that holds state is marked, and so are
 * their identity sequences, so that new rows after a restore do not collide.
 */
SELECT pg_catalog.pg_extension_config_dump('migrator.journal', '');
SELECT pg_catalog.pg_extension_config_dump('migrator.journal_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migrator.events', '');
SELECT pg_catalog.pg_extension_config_dump('migrator.events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migrator.changes', '');
SELECT pg_catalog.pg_extension_config_dump('migrator.change_tables', '');
SELECT pg_catalog.pg_extension_config_dump('migrator.change_columns', '');
SELECT pg_catalog.pg_extension_config_dump('migrator.change_steps', '');
SELECT pg_catalog.pg_extension_config_dump('migrator.snapshots', '');
SELECT pg_catalog.pg_extension_config_dump('migrator.snapshots_id_seq', '');

/*
 * DROP EXTENSION migrator (or DROP SCHEMA migrator, or DROP OWNED BY its
 * owner) with open changes: refused unless CASCADE, which aborts them first
 * (src/dropguard.c).  The tag filter keeps every other DDL statement from
 * calling the function.
 */
CREATE FUNCTION migrator.drop_guard()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrator_drop_guard'
LANGUAGE C;

COMMENT ON FUNCTION migrator.drop_guard() IS
	'event trigger: refuse to drop migrator while changes are open, or abort them first with CASCADE';

CREATE EVENT TRIGGER migrator_drop_guard ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED')
	EXECUTE FUNCTION migrator.drop_guard();

CREATE FUNCTION migrator.cron_runs()
RETURNS TABLE(change text, cron_job bigint, cron_scheduled boolean, cron_status text,
			  cron_message text, cron_started_at timestamptz, cron_ended_at timestamptz,
			  cron_failed_runs bigint)
AS 'MODULE_PATHNAME', 'migrator_cron_runs'
LANGUAGE C STABLE;

COMMENT ON FUNCTION migrator.cron_runs() IS
	'the pg_cron job of each scheduled change: still scheduled, and its last run (read in cron.database_name)';

-- migrator.changes with the last run of each change's pg_cron job
CREATE VIEW migrator.change_status AS
SELECT c.*, r.cron_scheduled, r.cron_status, r.cron_message, r.cron_started_at,
	   r.cron_ended_at, r.cron_failed_runs
FROM migrator.changes c
LEFT JOIN migrator.cron_runs() r ON r.change = c.name;

COMMENT ON VIEW migrator.change_status IS
	'migrator.changes, with the status and error of the last run of each change''s pg_cron job';
GRANT SELECT ON migrator.change_status TO PUBLIC;

/*
 * Drift (src/drift.c): the objects of a snapshot, one row each; with open
 * changes' own parts (_migrator_* columns and triggers, the constraints
 * and indexes on those columns) left out unless raw.
 */
CREATE FUNCTION migrator.without_change_parts(tbl jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog
AS $$
SELECT tbl || coalesce((SELECT jsonb_object_agg(p.key, coalesce((
		SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(p.value) e
		WHERE CASE WHEN p.key IN ('columns', 'triggers') THEN e.key NOT LIKE '\_migrator\_%'
			  ELSE coalesce(e.value->>'definition', '') NOT LIKE '%\_migrator\_%' END), '{}'))
	FROM jsonb_each(tbl) p
	WHERE p.key IN ('columns', 'triggers', 'constraints', 'indexes')
	  AND jsonb_typeof(p.value) = 'object'), '{}')
$$;

CREATE FUNCTION migrator.snapshot_objects(snapshot jsonb, raw boolean DEFAULT false)
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
  AND k.key <> 'depends'
$$;

-- a snapshot without open changes' parts: what diff() compares
CREATE FUNCTION migrator.without_changes(snapshot jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog
AS $$
SELECT coalesce(jsonb_object_agg(s.key, (
	SELECT jsonb_object_agg(k.key, CASE
		WHEN k.key = 'tables' THEN (SELECT coalesce(jsonb_object_agg(o.key, migrator.without_change_parts(o.value)), '{}')
									FROM jsonb_each(k.value) o)
		WHEN k.key = 'depends' THEN (SELECT coalesce(jsonb_object_agg(d.key, d.value), '{}')
									 FROM jsonb_each(k.value) d
									 WHERE d.key NOT LIKE '%\_migrator\_%' AND d.value::text NOT LIKE '%\_migrator\_%')
		ELSE k.value END)
	FROM jsonb_each(s.value) k)), '{}')
FROM jsonb_each(snapshot) s
$$;

-- the objects whose definition differs between a recorded and a live snapshot
CREATE FUNCTION migrator.drifted_objects(recorded jsonb, live jsonb)
RETURNS TABLE(schema text, kind text, name text)
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog
AS $$
SELECT coalesce(b.schema, l.schema), coalesce(b.kind, l.kind), coalesce(b.name, l.name)
FROM migrator.snapshot_objects(recorded, true) b
FULL JOIN migrator.snapshot_objects(live, true) l
	ON l.schema = b.schema AND l.kind = b.kind AND l.name = b.name
WHERE b.definition IS DISTINCT FROM l.definition
  AND (coalesce(b.kind, l.kind) <> 'tables'
	   OR migrator.without_change_parts(b.definition) IS DISTINCT FROM migrator.without_change_parts(l.definition))
ORDER BY 1, 2, 3
$$;

/*
 * The baseline a run records: the schema as the run left it (after), but
 * an object that had drifted before the run (baseline against before) and
 * that the run left as it was (before = after) keeps its baseline version,
 * or its absence, so that diff() goes on showing it.
 */
CREATE FUNCTION migrator.keep_drift(baseline jsonb, before jsonb, after jsonb)
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
		ELSE coalesce((SELECT jsonb_object_agg(o.name, o.definition) FROM objs o
					   WHERE o.schema = s.schema AND o.kind = kk.kind), '{}') END)
	FROM jsonb_object_keys(coalesce(after->s.schema, baseline->s.schema)) AS kk(kind))), '{}')
FROM objs s
WHERE s.kind = 'schema'
$$;

CREATE FUNCTION migrator.accept_drift()
RETURNS void
AS 'MODULE_PATHNAME', 'migrator_accept_drift'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.accept_drift() IS
	'record the live schema as the baseline: the drift diff() shows becomes part of it';
REVOKE ALL ON FUNCTION migrator.accept_drift() FROM PUBLIC;


-- changes are made by superusers and by the roles made deployers (grant_deploy)
REVOKE ALL ON FUNCTION migrator.expand(text, jsonb), migrator.backfill(text, integer, integer),
	migrator.schedule_backfill(text, text, integer), migrator.contract(text), migrator.abort(text)
	FROM PUBLIC;
REVOKE ALL ON PROCEDURE migrator.run_backfill(text, integer, interval),
	migrator.backfill_slice(text, integer, integer) FROM PUBLIC;

REVOKE ALL ON FUNCTION migrator.generate(text, text) FROM PUBLIC;

-- a least-privilege deploy role: run by the extension's owner or a superuser
CREATE FUNCTION migrator.grant_deploy(role text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrator_grant_deploy'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.grant_deploy(text) IS
	'let a role deploy: EXECUTE on the bundle forms, the zero-downtime functions and generate (and USAGE on pg_cron''s schema)';
REVOKE ALL ON FUNCTION migrator.grant_deploy(text) FROM PUBLIC;

CREATE FUNCTION migrator.revoke_deploy(role text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrator_revoke_deploy'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.revoke_deploy(text) IS
	'take back what grant_deploy gave a role';
REVOKE ALL ON FUNCTION migrator.revoke_deploy(text) FROM PUBLIC;

/*
 * Lint findings have a class: safety (locks, rewrites, what breaks the
 * running application) or style (the prefer-* rules, ban-char-field,
 * identifier-too-long), which the runner sums up per rule
 * (migrator.lint_style).  A new result column: the functions are replaced.
 */
DROP FUNCTION migrator.lint(text);
DROP FUNCTION migrator.lint_dir(text);
DROP FUNCTION migrator.lint_dir(jsonb);

CREATE FUNCTION migrator.lint(sql text)
RETURNS TABLE(line integer, col integer, rule text, severity text, message text, hint text, class text)
AS 'MODULE_PATHNAME', 'migrator_lint'
LANGUAGE C STABLE STRICT;

COMMENT ON FUNCTION migrator.lint(text) IS
	'safety lint of a migration''s text: statements that lock, rewrite or break what runs against the database';

CREATE FUNCTION migrator.lint_dir(dir text)
RETURNS TABLE(path text, line integer, col integer, rule text, severity text, message text, hint text, class text)
AS 'MODULE_PATHNAME', 'migrator_lint_dir'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.lint_dir(text) IS
	'safety lint of every pending migration of a folder';

CREATE FUNCTION migrator.lint_dir(bundle jsonb)
RETURNS TABLE(path text, line integer, col integer, rule text, severity text, message text, hint text, class text)
AS 'MODULE_PATHNAME', 'migrator_lint_dir'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.lint_dir(jsonb) IS
	'safety lint of every pending migration of a bundle';
REVOKE ALL ON FUNCTION migrator.lint_dir(jsonb) FROM PUBLIC;
