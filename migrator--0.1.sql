/* migrator--0.1.sql: tables, views and SQL-callable declarations. Logic lives in C (src/). */

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
	checksum	text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
	applied_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	applied_by	name NOT NULL DEFAULT current_user,
	duration	interval NOT NULL,
	statements	integer NOT NULL CHECK (statements >= 0),
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

-- The functions check in C that the caller is a superuser or a member of
-- pg_read_server_files before reading any file.

CREATE FUNCTION migrator.apply(dir text, target text DEFAULT NULL,
							   dry_run boolean DEFAULT false)
RETURNS TABLE(version text, name text, action text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrator_apply'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.apply(text, text, boolean) IS
	'apply the pending migrations of a server folder inside the current transaction';

CREATE PROCEDURE migrator.migrate(dir text, target text DEFAULT NULL)
AS 'MODULE_PATHNAME', 'migrator_migrate'
LANGUAGE C;

COMMENT ON PROCEDURE migrator.migrate(text, text) IS
	'apply the pending migrations of a server folder, committing after each one';

CREATE FUNCTION migrator.status(dir text)
RETURNS TABLE(version text, name text, state text, applied_at timestamptz)
AS 'MODULE_PATHNAME', 'migrator_status'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.status(text) IS
	'applied, pending, modified and missing migrations of a server folder';

CREATE FUNCTION migrator.verify(dir text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrator_verify'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.verify(text) IS
	'raise an error when applied migrations were modified or are missing, or a pending one sorts before an applied one';
