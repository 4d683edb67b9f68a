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
