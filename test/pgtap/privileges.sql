-- privileges.sql: reading server folders needs superuser or
-- pg_read_server_files; PUBLIC may read but not write the journal and events.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

\set flyway :fixtures/flyway
\set numbered :fixtures/numbered

-- roles are cluster-wide: create them only if an earlier run left none
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'migrator_tap_plain') THEN
		CREATE ROLE migrator_tap_plain NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'migrator_tap_reader') THEN
		CREATE ROLE migrator_tap_reader NOLOGIN;
	END IF;
END
$$;
GRANT pg_read_server_files TO migrator_tap_reader;

SELECT plan(32);

------------------------------------------------------------------------------
-- a role that may not read server files
------------------------------------------------------------------------------
SET ROLE migrator_tap_plain;
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L)', :'numbered'), '42501', NULL,
	'apply without pg_read_server_files is 42501');
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L, NULL, true)', :'numbered'), '42501', NULL,
	'dry-run apply without pg_read_server_files is 42501');
SELECT throws_ok(format('SELECT * FROM migrator.status(%L)', :'numbered'), '42501', NULL,
	'status without pg_read_server_files is 42501');
SELECT throws_ok(format('SELECT migrator.verify(%L)', :'numbered'), '42501', NULL,
	'verify without pg_read_server_files is 42501');
-- before looking at the folder at all
SELECT throws_ok($$SELECT * FROM migrator.status('/nonexistent/folder')$$, '42501', NULL,
	'status of a missing folder without the privilege is 42501, not 58P01');

SELECT lives_ok('SELECT * FROM migrator.journal', 'PUBLIC can read the journal');
SELECT lives_ok('SELECT * FROM migrator.events', 'PUBLIC can read the events');
SELECT throws_ok(
	$$INSERT INTO migrator.journal (version, name, path, checksum, duration, statements)
	  VALUES ('99', 'forged', 'x.sql', repeat('0', 64), '0', 0)$$,
	'42501', NULL, 'PUBLIC cannot INSERT into the journal');
SELECT throws_ok($$UPDATE migrator.journal SET name = 'x'$$, '42501', NULL,
	'PUBLIC cannot UPDATE the journal');
SELECT throws_ok($$DELETE FROM migrator.journal$$, '42501', NULL,
	'PUBLIC cannot DELETE from the journal');
SELECT throws_ok(
	$$INSERT INTO migrator.events (action, outcome) VALUES ('apply', 'success')$$,
	'42501', NULL, 'PUBLIC cannot INSERT into the events');
SELECT throws_ok($$UPDATE migrator.events SET outcome = 'success'$$, '42501', NULL,
	'PUBLIC cannot UPDATE the events');
SELECT throws_ok($$DELETE FROM migrator.events$$, '42501', NULL,
	'PUBLIC cannot DELETE from the events');
SELECT throws_ok($$TRUNCATE migrator.journal$$, '42501', NULL,
	'PUBLIC cannot TRUNCATE the journal');
RESET ROLE;

-- CALL must be the only statement of its query to be allowed to commit, so
-- SET ROLE goes first on a named connection
SELECT is(dblink_connect('plain', pg_temp.connstr()), 'OK', 'connect for migrate as the plain role');
SELECT is(dblink_exec('plain', 'SET ROLE migrator_tap_plain'), 'SET', 'SET ROLE on that connection');
SELECT throws_ok(
	format('SELECT dblink_exec(%L, %L)', 'plain', format('CALL migrator.migrate(%L)', :'numbered')),
	'42501', NULL, 'migrate without pg_read_server_files is 42501');
SELECT is(dblink_disconnect('plain'), 'OK', 'disconnect');
SELECT hasnt_table('public', 'nb_a', 'nothing was applied by the refused calls');
SELECT is((SELECT count(*)::int FROM migrator.journal), 0, 'nothing was recorded');

------------------------------------------------------------------------------
-- a member of pg_read_server_files
------------------------------------------------------------------------------
SET ROLE migrator_tap_reader;
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'numbered'),
	$$VALUES ('1', 'pending'), ('2', 'pending'), ('9', 'pending'), ('10', 'pending')$$,
	'a member of pg_read_server_files may call status');
SELECT lives_ok(format('SELECT migrator.verify(%L)', :'numbered'),
	'a member of pg_read_server_files may call verify');
SELECT results_eq(
	format('SELECT version, action FROM migrator.apply(%L, NULL, true)', :'numbered'),
	$$VALUES ('1', 'would apply'), ('2', 'would apply'), ('9', 'would apply'), ('10', 'would apply')$$,
	'a member of pg_read_server_files may dry-run apply');
SELECT throws_ok(
	$$INSERT INTO migrator.journal (version, name, path, checksum, duration, statements)
	  VALUES ('99', 'forged', 'x.sql', repeat('0', 64), '0', 0)$$,
	'42501', NULL, 'a member of pg_read_server_files still cannot INSERT into the journal');
SELECT throws_ok($$DELETE FROM migrator.events$$, '42501', NULL,
	'a member of pg_read_server_files still cannot DELETE events');
RESET ROLE;

------------------------------------------------------------------------------
-- the superuser
------------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM migrator.apply(:'numbered')), 4, 'the superuser may apply');
SELECT ok((SELECT bool_and(applied_by = session_user) FROM migrator.journal),
	'journal records the superuser as applied_by');
SET ROLE migrator_tap_plain;
SELECT is((SELECT count(*)::int FROM migrator.journal), 4, 'PUBLIC sees the journal rows');
SELECT throws_ok(format('SELECT * FROM migrator.status(%L)', :'numbered'), '42501', NULL,
	'status is still refused to PUBLIC once migrations are applied');
RESET ROLE;

------------------------------------------------------------------------------
-- the grants as declared
------------------------------------------------------------------------------
SELECT ok(NOT has_table_privilege('migrator_tap_plain', 'migrator.journal', 'INSERT,UPDATE,DELETE,TRUNCATE'),
	'no write privilege on the journal for PUBLIC');
SELECT ok(NOT has_table_privilege('migrator_tap_plain', 'migrator.events', 'INSERT,UPDATE,DELETE,TRUNCATE'),
	'no write privilege on the events for PUBLIC');
SELECT ok(has_table_privilege('migrator_tap_plain', 'migrator.journal', 'SELECT')
		  AND has_table_privilege('migrator_tap_plain', 'migrator.events', 'SELECT'),
	'SELECT on journal and events for PUBLIC');

SELECT * FROM finish();

RESET ROLE;
DELETE FROM migrator.journal;
DROP ROLE IF EXISTS migrator_tap_plain;
DROP ROLE IF EXISTS migrator_tap_reader;
