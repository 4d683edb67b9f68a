/* migrator--0.3.sql: tables, views and SQL-callable declarations. Logic lives in C (src/). */

\echo Use "CREATE EXTENSION migrator" to load this file. \quit

/*
 * The journal: one row per applied migration.  Versioned migrations are
 * keyed by version; repeatable ones (Flyway R__) have no version and are
 * keyed by name, their row updated each time they are re-applied.
 */
CREATE TABLE migrator.journal (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	version		text,
	name		text NOT NULL,
	kind		text NOT NULL DEFAULT 'versioned'
				CHECK (kind IN ('versioned', 'repeatable')),
	path		text NOT NULL,
	checksum	text NOT NULL CHECK (length(checksum) = 64 AND checksum !~ '[^0-9a-f]'),
	applied_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	applied_by	name NOT NULL DEFAULT current_user,
	duration	interval NOT NULL,
	statements	integer NOT NULL CHECK (statements >= 0),
	origin		text NOT NULL DEFAULT 'applied',	/* applied | baseline | adopted from <tool> */
	CHECK ((kind = 'versioned') = (version IS NOT NULL))
);
CREATE UNIQUE INDEX journal_version_key ON migrator.journal (version);
CREATE UNIQUE INDEX journal_repeatable_key ON migrator.journal (name)
	WHERE kind = 'repeatable';

COMMENT ON TABLE migrator.journal IS
	'migrations applied by migrator, one row each (written only by migrator''s functions)';

/*
 * The event log: every apply / migrate / verify, successful or not.
 * Append-only: migrator never updates or deletes a row.
 */
CREATE TABLE migrator.events (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at			timestamptz NOT NULL DEFAULT clock_timestamp(),
	action		text NOT NULL,
	dir			text,
	version		text,
	path		text,
	outcome		text NOT NULL CHECK (outcome IN ('success', 'failure')),
	sqlstate	text,
	message		text,
	detail		text,
	run_by		name NOT NULL DEFAULT current_user
);

COMMENT ON TABLE migrator.events IS
	'append-only log of migrator runs and their outcome';

REVOKE ALL ON migrator.journal, migrator.events FROM PUBLIC;
GRANT SELECT ON migrator.journal, migrator.events TO PUBLIC;
GRANT USAGE ON SCHEMA migrator TO PUBLIC;

-- Every function that reads a migration folder comes in two forms.  The
-- folder form (dir text) reads a folder on the database server: the
-- functions check in C that the caller is a superuser or a member of
-- pg_read_server_files before reading any file.  The bundle form (bundle
-- jsonb: {"relative/path": "contents", ...}, what the migrator client
-- sends) reads no file; it is not executable by PUBLIC: an administrator
-- grants EXECUTE to the roles that deploy.

CREATE FUNCTION migrator.apply(dir text, target text DEFAULT NULL,
							   dry_run boolean DEFAULT false)
RETURNS TABLE(version text, name text, action text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrator_apply'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.apply(text, text, boolean) IS
	'apply the pending migrations of a server folder inside the current transaction';

CREATE FUNCTION migrator.apply(bundle jsonb, target text DEFAULT NULL,
							   dry_run boolean DEFAULT false)
RETURNS TABLE(version text, name text, action text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrator_apply'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.apply(jsonb, text, boolean) IS
	'apply the pending migrations of a bundle inside the current transaction';
REVOKE ALL ON FUNCTION migrator.apply(jsonb, text, boolean) FROM PUBLIC;

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

CREATE FUNCTION migrator.status(dir text)
RETURNS TABLE(version text, name text, state text, applied_at timestamptz)
AS 'MODULE_PATHNAME', 'migrator_status'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.status(text) IS
	'applied, pending, modified and missing migrations of a server folder';

CREATE FUNCTION migrator.status(bundle jsonb)
RETURNS TABLE(version text, name text, state text, applied_at timestamptz)
AS 'MODULE_PATHNAME', 'migrator_status'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.status(jsonb) IS
	'applied, pending, modified and missing migrations of a bundle';
REVOKE ALL ON FUNCTION migrator.status(jsonb) FROM PUBLIC;

CREATE FUNCTION migrator.verify(dir text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrator_verify'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.verify(text) IS
	'raise an error when applied migrations were modified or are missing, or a pending one sorts before an applied one';

CREATE FUNCTION migrator.verify(bundle jsonb)
RETURNS void
AS 'MODULE_PATHNAME', 'migrator_verify'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.verify(jsonb) IS
	'raise an error when applied migrations were modified or are missing, or a pending one sorts before an applied one (bundle form)';
REVOKE ALL ON FUNCTION migrator.verify(jsonb) FROM PUBLIC;

/*
 * Zero-downtime changes (expand / backfill / contract).  One row per change;
 * change_tables and change_columns hold what expand() did, for the C
 * trigger, backfill(), contract() and abort().
 */
CREATE TABLE migrator.changes (
	name		text PRIMARY KEY,
	state		text NOT NULL DEFAULT 'expanded'
				CHECK (state IN ('expanded', 'backfilling', 'backfilled',
								 'contracted', 'aborted')),
	ops			jsonb NOT NULL,
	version_schema text NOT NULL,
	rows_done	bigint NOT NULL DEFAULT 0,
	rows_total	bigint,
	started_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	finished_at timestamptz,
	cron_job	bigint,
	started_by	name NOT NULL DEFAULT current_user
);

CREATE TABLE migrator.change_tables (
	change		text NOT NULL REFERENCES migrator.changes ON UPDATE CASCADE,
	relid		regclass NOT NULL,
	marker		name,				/* backfill marker column, if any */
	key_columns name[],				/* keyset columns; NULL: ctid ranges */
	last_key	text[],				/* keyset progress */
	next_block	bigint,				/* ctid progress */
	end_block	bigint,
	done		boolean NOT NULL DEFAULT false,
	PRIMARY KEY (change, relid)
);

CREATE TABLE migrator.change_columns (
	change		text NOT NULL REFERENCES migrator.changes ON UPDATE CASCADE,
	relid		regclass NOT NULL,
	ord			integer NOT NULL,
	column_name name,				/* the old column; NULL for add_column */
	final_name	name,				/* its name in the new shape; NULL if dropped */
	tmp_name	name,				/* column holding the new values, if any */
	new_type	text,
	up			text,				/* old row -> new value */
	down		text,				/* new row -> old value */
	not_null	boolean NOT NULL DEFAULT false,
	default_expr text,
	check_name	name,
	fk_name		name,
	PRIMARY KEY (change, relid, ord)
);

REVOKE ALL ON migrator.changes, migrator.change_tables, migrator.change_columns FROM PUBLIC;
-- the dual-write trigger reads its columns as whoever writes the table
GRANT SELECT ON migrator.changes, migrator.change_tables, migrator.change_columns TO PUBLIC;

CREATE FUNCTION migrator.dual_write()
RETURNS trigger
AS 'MODULE_PATHNAME', 'migrator_dual_write'
LANGUAGE C;

CREATE FUNCTION migrator.expand(change text, ops jsonb)
RETURNS void
AS 'MODULE_PATHNAME', 'migrator_expand'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.expand(text, jsonb) IS
	'start a zero-downtime change: the old and the new shape of its tables work at once';

CREATE FUNCTION migrator.backfill(change text, batch_size integer DEFAULT 1000,
								  max_batches integer DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'migrator_backfill'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.backfill(text, integer, integer) IS
	'fill existing rows of an open change, in key order; returns the rows filled, 0 when done';

CREATE PROCEDURE migrator.run_backfill(change text, batch_size integer DEFAULT 1000,
									   pause interval DEFAULT '0')
AS 'MODULE_PATHNAME', 'migrator_run_backfill'
LANGUAGE C;

COMMENT ON PROCEDURE migrator.run_backfill(text, integer, interval) IS
	'backfill an open change to completion, committing after every batch';

CREATE FUNCTION migrator.contract(change text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrator_contract'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.contract(text) IS
	'finish a backfilled change: only the new shape remains';

CREATE FUNCTION migrator.abort(change text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrator_abort'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.abort(text) IS
	'undo an open change: the tables are as before, writes made meanwhile kept';

CREATE FUNCTION migrator.schedule_backfill(change text, schedule text DEFAULT '* * * * *',
										   batch_size integer DEFAULT 1000)
RETURNS bigint
AS 'MODULE_PATHNAME', 'migrator_schedule_backfill'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.schedule_backfill(text, text, integer) IS
	'backfill an open change from a pg_cron job that unschedules itself when done';

CREATE PROCEDURE migrator.backfill_slice(change text, batch_size integer, seconds integer)
AS 'MODULE_PATHNAME', 'migrator_backfill_slice'
LANGUAGE C;

COMMENT ON PROCEDURE migrator.backfill_slice(text, integer, integer) IS
	'what a scheduled backfill job runs: batches for a bounded time, then unschedule when done';

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

-- changes are made by superusers and by the roles made deployers (grant_deploy)
REVOKE ALL ON FUNCTION migrator.expand(text, jsonb), migrator.backfill(text, integer, integer),
	migrator.schedule_backfill(text, text, integer), migrator.contract(text), migrator.abort(text)
	FROM PUBLIC;
REVOKE ALL ON PROCEDURE migrator.run_backfill(text, integer, interval),
	migrator.backfill_slice(text, integer, integer) FROM PUBLIC;

-- table- and constraint-level operations: the SQL contract() and abort() run
CREATE TABLE migrator.change_steps (
	change		text NOT NULL REFERENCES migrator.changes ON UPDATE CASCADE,
	ord			integer NOT NULL,
	contract_sql text,
	abort_sql	text,
	is_sql		boolean NOT NULL DEFAULT false,
	build_sql	text,				/* an index built concurrently, by run_backfill() */
	built		boolean NOT NULL DEFAULT true,
	PRIMARY KEY (change, ord)
);
REVOKE ALL ON migrator.change_steps FROM PUBLIC;
GRANT SELECT ON migrator.change_steps TO PUBLIC;

/*
 * Schema knowledge: snapshots and the DDL between two schemas.
 */
CREATE FUNCTION migrator.snapshot(schemas text[] DEFAULT ARRAY['public'], owners boolean DEFAULT false)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'migrator_snapshot'
LANGUAGE C STABLE STRICT;

COMMENT ON FUNCTION migrator.snapshot(text[], boolean) IS
	'a canonical description of the objects of some schemas (with their owners if asked)';

CREATE FUNCTION migrator.diff(source text, target text, owners boolean DEFAULT false)
RETURNS TABLE(seq integer, statement text, hazard text)
AS 'MODULE_PATHNAME', 'migrator_diff_schemas'
LANGUAGE C STABLE STRICT;

COMMENT ON FUNCTION migrator.diff(text, text, boolean) IS
	'the DDL that makes schema source like schema target, with each statement''s hazard (and owners if asked)';

CREATE FUNCTION migrator.diff(source jsonb, target jsonb, renames jsonb DEFAULT '[]')
RETURNS TABLE(seq integer, statement text, hazard text)
AS 'MODULE_PATHNAME', 'migrator_diff_snapshots'
LANGUAGE C IMMUTABLE STRICT;

COMMENT ON FUNCTION migrator.diff(jsonb, jsonb, jsonb) IS
	'the DDL between two snapshots; renames: hints such as ["books.published_year -> publication_year"]';

-- the schema as each successful run left it: what diff() compares the live schema with
CREATE TABLE migrator.snapshots (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	taken_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	action		text NOT NULL,
	snapshot	jsonb NOT NULL
);
REVOKE ALL ON migrator.snapshots FROM PUBLIC;
GRANT SELECT ON migrator.snapshots TO PUBLIC;

CREATE FUNCTION migrator.diff()
RETURNS TABLE(seq integer, statement text, hazard text)
AS 'MODULE_PATHNAME', 'migrator_drift'
LANGUAGE C STABLE;

COMMENT ON FUNCTION migrator.diff() IS
	'drift: the DDL from the schema as the last successful run left it to the live schema';

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
  AND k.key NOT IN ('depends', 'identity')
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
		WHEN kk.kind = 'identity' THEN coalesce(baseline->s.schema->'identity', '{}') || coalesce(after->s.schema->'identity', '{}')
		ELSE coalesce((SELECT jsonb_object_agg(o.name, o.definition) FROM objs o
					   WHERE o.schema = s.schema AND o.kind = kk.kind), '{}') END)
	-- (a kind of either: a snapshot leaves out the standalone kinds it has none of)
	FROM jsonb_object_keys(coalesce(baseline->s.schema, '{}') || coalesce(after->s.schema, '{}')) AS kk(kind))), '{}')
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

CREATE FUNCTION migrator.generate(desired_sql text, schema text DEFAULT 'public')
RETURNS TABLE(seq integer, statement text, hazard text)
AS 'MODULE_PATHNAME', 'migrator_generate'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION migrator.generate(text, text) IS
	'the migration from the live schema to a desired-state schema file (loaded and rolled back)';
REVOKE ALL ON FUNCTION migrator.generate(text, text) FROM PUBLIC;

-- taking over a database: record what is already applied
CREATE FUNCTION migrator.baseline(dir text, version text)
RETURNS TABLE(version text, name text, action text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrator_baseline'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.baseline(text, text) IS
	'record every migration up to version as applied, without running it';

CREATE FUNCTION migrator.baseline(bundle jsonb, version text)
RETURNS TABLE(version text, name text, action text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrator_baseline'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.baseline(jsonb, text) IS
	'record every migration up to version as applied, without running it (bundle form)';
REVOKE ALL ON FUNCTION migrator.baseline(jsonb, text) FROM PUBLIC;

CREATE FUNCTION migrator.adopt(dir text)
RETURNS TABLE(version text, name text, action text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrator_adopt'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.adopt(text) IS
	'import the history of drizzle-kit, Prisma, Flyway, golang-migrate or dbmate for this folder';

CREATE FUNCTION migrator.adopt(bundle jsonb)
RETURNS TABLE(version text, name text, action text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrator_adopt'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.adopt(jsonb) IS
	'import the history of drizzle-kit, Prisma, Flyway, golang-migrate or dbmate for this folder (bundle form)';
REVOKE ALL ON FUNCTION migrator.adopt(jsonb) FROM PUBLIC;

-- revert: down scripts, newest first
CREATE FUNCTION migrator.revert(dir text, steps integer DEFAULT 1)
RETURNS TABLE(version text, name text, action text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrator_revert'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.revert(text, integer) IS
	'run the down scripts of the newest applied migrations, in the current transaction';

CREATE FUNCTION migrator.revert(bundle jsonb, steps integer DEFAULT 1)
RETURNS TABLE(version text, name text, action text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrator_revert'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.revert(jsonb, integer) IS
	'run the down scripts of the newest applied migrations, in the current transaction (bundle form)';
REVOKE ALL ON FUNCTION migrator.revert(jsonb, integer) FROM PUBLIC;

CREATE PROCEDURE migrator.revert_to(dir text, version text)
AS 'MODULE_PATHNAME', 'migrator_revert_to'
LANGUAGE C;

COMMENT ON PROCEDURE migrator.revert_to(text, text) IS
	'revert every migration applied after version, newest first, committing after each';

CREATE PROCEDURE migrator.revert_to(bundle jsonb, version text)
AS 'MODULE_PATHNAME', 'migrator_revert_to'
LANGUAGE C;

COMMENT ON PROCEDURE migrator.revert_to(jsonb, text) IS
	'revert every migration applied after version, newest first, committing after each (bundle form)';
REVOKE ALL ON PROCEDURE migrator.revert_to(jsonb, text) FROM PUBLIC;

-- repairs
CREATE FUNCTION migrator.repair(dir text)
RETURNS TABLE(version text, name text, action text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrator_repair'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.repair(text) IS
	'record the checksums of applied files as they are now, after an intentional edit';

CREATE FUNCTION migrator.repair(bundle jsonb)
RETURNS TABLE(version text, name text, action text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrator_repair'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.repair(jsonb) IS
	'record the checksums of applied files as they are now, after an intentional edit (bundle form)';
REVOKE ALL ON FUNCTION migrator.repair(jsonb) FROM PUBLIC;

CREATE FUNCTION migrator.resolve(dir text, version text, outcome text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrator_resolve'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.resolve(text, text, text) IS
	'settle a migration that failed half-way outside a transaction: applied or rolled-back';

CREATE FUNCTION migrator.resolve(bundle jsonb, version text, outcome text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrator_resolve'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.resolve(jsonb, text, text) IS
	'settle a migration that failed half-way outside a transaction: applied or rolled-back (bundle form)';
REVOKE ALL ON FUNCTION migrator.resolve(jsonb, text, text) FROM PUBLIC;

-- safety lint
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
