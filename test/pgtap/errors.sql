-- errors.sql: every error case and its SQLSTATE; errors in file content are
-- found before any migration of the run executes.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

\set fx :fixtures
\set flyway :fixtures/flyway
\set numbered :fixtures/numbered
\set nowhere :fixtures/no_such_folder

CREATE FUNCTION pg_temp.apply_sql(fixture text) RETURNS text LANGUAGE sql AS $f$
	SELECT format('SELECT * FROM migrator.apply(%L)', current_setting('tap.fixtures') || '/' || fixture)
$f$;

SELECT set_config('tap.fixtures', :'fx', false) \gset

SELECT plan(79);

------------------------------------------------------------------------------
-- the folder argument
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM migrator.apply('test/fixtures/flyway')$$, '22023', NULL,
	'apply: a relative folder is 22023');
SELECT throws_ok($$SELECT * FROM migrator.status('flyway')$$, '22023', NULL,
	'status: a relative folder is 22023');
SELECT throws_ok($$SELECT migrator.verify('./flyway')$$, '22023', NULL,
	'verify: a relative folder is 22023');
SELECT throws_ok(pg_temp.remote_migrate('flyway'), '22023', NULL,
	'migrate: a relative folder is 22023');
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L)', :'nowhere'), '58P01', NULL,
	'apply: a missing folder is 58P01');
SELECT throws_ok(format('SELECT * FROM migrator.status(%L)', :'nowhere'), '58P01', NULL,
	'status: a missing folder is 58P01');
SELECT throws_ok(format('SELECT migrator.verify(%L)', :'nowhere'), '58P01', NULL,
	'verify: a missing folder is 58P01');
SELECT throws_ok(pg_temp.remote_migrate(:'nowhere'), '58P01', NULL,
	'migrate: a missing folder is 58P01');
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L, NULL, true)', :'nowhere'), '58P01', NULL,
	'apply dry run: a missing folder is 58P01');

------------------------------------------------------------------------------
-- folder contents that do not fit
------------------------------------------------------------------------------
SELECT throws_ok(pg_temp.apply_sql('bad_duplicate'), '42710', NULL,
	'apply: 1_a.sql and 01_b.sql share a version: 42710');
SELECT throws_ok(format('SELECT * FROM migrator.status(%L)', :'fx' || '/bad_duplicate'), '42710', NULL,
	'status: duplicate version is 42710');
SELECT throws_ok(format('SELECT migrator.verify(%L)', :'fx' || '/bad_duplicate'), '42710', NULL,
	'verify: duplicate version is 42710');
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_duplicate'), '42710', NULL,
	'migrate: duplicate version is 42710');
SELECT throws_ok(pg_temp.apply_sql('bad_duplicate_flyway'), '42710', NULL,
	'apply: Flyway V1.1 and V1_1 share a version: 42710');
SELECT hasnt_table('public', 'bdf_base', 'apply: nothing of bad_duplicate_flyway ran');
SELECT throws_ok(pg_temp.apply_sql('bad_name'), '42602', NULL,
	'apply: oops.sql next to V1__ok.sql is 42602');
SELECT throws_ok(format('SELECT * FROM migrator.status(%L)', :'fx' || '/bad_name'), '42602', NULL,
	'status: a .sql file that fits no layout is 42602');
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_name'), '42602', NULL,
	'migrate: a .sql file that fits no layout is 42602');
SELECT hasnt_table('public', 'bnm_ok', 'nothing of bad_name ran');
SELECT throws_ok(pg_temp.apply_sql('bad_mixed'), '42602', NULL,
	'apply: Flyway and numbered files in one folder is 42602');
SELECT throws_ok(pg_temp.apply_sql('bad_drizzle_missing'), '58P01', NULL,
	'apply: a drizzle journal entry without its file is 58P01');
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_drizzle_missing'), '58P01', NULL,
	'migrate: a drizzle journal entry without its file is 58P01');
SELECT hasnt_table('public', 'bdm_present', 'nothing of bad_drizzle_missing ran');

------------------------------------------------------------------------------
-- file contents (each folder: 1 is fine, 2 is bad)
------------------------------------------------------------------------------
SELECT throws_ok(pg_temp.apply_sql('bad_utf8'), '22021', NULL,
	'apply: a non-UTF-8 byte is 22021');
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_utf8'), '22021', NULL,
	'migrate: a non-UTF-8 byte is 22021');
SELECT hasnt_table('public', 'bu_ok', 'migrate: migration 1 of bad_utf8 did not run');

SELECT throws_ok(pg_temp.apply_sql('bad_nul'), '22021', NULL,
	'apply: a NUL byte is 22021');
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_nul'), '22021', NULL,
	'migrate: a NUL byte is 22021');
SELECT hasnt_table('public', 'bn_ok', 'migrate: migration 1 of bad_nul did not run');

SELECT throws_ok(pg_temp.apply_sql('bad_meta'), '42601', NULL,
	'apply: a \i line is 42601');
SELECT throws_ok(pg_temp.apply_sql('bad_meta_set'), '42601', NULL,
	'apply: a \set line is 42601');
SELECT throws_ok(pg_temp.apply_sql('bad_meta_connect'), '42601', NULL,
	'apply: a \c line is 42601');
-- what each meta-command's hint says fits it; a psql variable is named as one (issue 17)
CREATE FUNCTION pg_temp.error_parts(sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	st text;
	msg text;
	hint text;
BEGIN
	EXECUTE sql;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
	RETURN st || ' ' || msg || ' / ' || hint;
END
$f$;
SELECT is(pg_temp.error_parts(pg_temp.apply_sql('bad_meta_set')),
	'42601 psql meta-command "\set" is not supported in migration "2_set.sql" / migrator does not substitute psql variables: write the value itself where the migration uses it.',
	'apply: the hint of a \set line is about psql variables, not \i');
SELECT is(pg_temp.error_parts(pg_temp.apply_sql('bad_meta')),
	'42601 psql meta-command "\i" is not supported in migration "2_include.sql" / Replace it with SQL: inline the file it would include.',
	'apply: the hint of a \i line is to inline the file');
SELECT is(pg_temp.error_parts($$SELECT * FROM migrator.apply('{"V1__a.sql": "CREATE TABLE pv (id int);\nDELETE FROM pv WHERE id = :wanted;"}'::jsonb)$$),
	'42601 psql variable ":wanted" is not supported in migration "V1__a.sql" / Write the value itself in the migration.',
	'apply: a psql variable :wanted is named as one, not a bare syntax error');
SELECT is(pg_temp.error_parts($$SELECT * FROM migrator.apply('{"V1__a.sql": "INSERT INTO pv VALUES (:''v'');"}'::jsonb)$$),
	'42601 psql variable ":''v''" is not supported in migration "V1__a.sql" / Write the value itself in the migration.',
	'apply: :''v'' too');
SELECT is(pg_temp.error_parts($$SELECT * FROM migrator.status('{"V1__a.sql": "CREATE TABLE :\"tbl\" (id int);"}'::jsonb)$$),
	'no error', 'status does not parse the files');
SELECT is(pg_temp.error_parts($$SELECT * FROM migrator.apply('{"V1__a.sql": "CREATE TABLE :\"tbl\" (id int);"}'::jsonb)$$),
	'42601 psql variable ":"tbl"" is not supported in migration "V1__a.sql" / Write the value itself in the migration.',
	'apply: :"tbl" too');
SELECT is(pg_temp.error_parts($$SELECT * FROM migrator.apply('{"V1__a.sql": "SELECT (ARRAY[1,2])[1:n] FROM (SELECT 2 n) x;\nSELECT (;"}'::jsonb)$$),
	'42601 syntax error at or near ";" / ',
	'apply: an array slice [1:n] is SQL, and another syntax error stays one');
SELECT hasnt_table('public', 'pv', 'nothing of those migrations ran');
-- pg_dump's \restrict/\unrestrict lines around a plain dump are no meta-commands to refuse;
-- what applies is rolled back (the journal must stay as the tests below expect it)
CREATE FUNCTION pg_temp.applied_then_undone(sql text, tbl text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	result text;
BEGIN
	BEGIN
		EXECUTE sql;
		result := CASE WHEN to_regclass(tbl) IS NULL THEN 'applied, without ' || tbl ELSE 'applied' END;
		RAISE EXCEPTION USING ERRCODE = 'P0004', MESSAGE = 'undo';
	EXCEPTION
		WHEN assert_failure THEN
			RETURN result;
		WHEN OTHERS THEN
			RETURN SQLSTATE || ' ' || SQLERRM;
	END;
END
$f$;
SELECT is(pg_temp.applied_then_undone($$SELECT * FROM migrator.apply('{"V1__dump.sql": "--\n-- PostgreSQL database dump\n--\n\n\\restrict Ab12cD\n\nCREATE TABLE rs (id int);\n\n\\unrestrict Ab12cD\n"}'::jsonb)$$, 'rs'),
	'applied', 'apply: a plain pg_dump''s \restrict and \unrestrict lines are passed over, the dump between them runs');
SELECT is(pg_temp.error_parts($$SELECT * FROM migrator.apply('{"V1__dump.sql": "\\restrict Ab12cD\nCREATE TABLE rs2 (id int);\n\\i other.sql\n\\unrestrict Ab12cD\n"}'::jsonb)$$),
	'42601 psql meta-command "\i" is not supported in migration "V1__dump.sql" / Replace it with SQL: inline the file it would include.',
	'apply: another meta-command between them is still refused');
SELECT is(pg_temp.error_parts($$SELECT * FROM migrator.apply('{"V1__dump.sql": "\\restrict Ab12cD; DROP TABLE pv;\nCREATE TABLE rs3 (id int);\n"}'::jsonb)$$),
	'42601 psql meta-command "\restrict" is not supported in migration "V1__dump.sql" / Replace it with SQL.',
	'apply: a \restrict line with more than its key is refused');
SELECT hasnt_table('public', 'rs3', 'and nothing of it ran');
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_meta'), '42601', NULL,
	'migrate: a \i line is 42601');
SELECT hasnt_table('public', 'bm_ok', 'migrate: migration 1 of bad_meta did not run');
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_meta_connect'), '42601', NULL,
	'migrate: a \c line is 42601');
SELECT hasnt_table('public', 'bmc_ok', 'migrate: migration 1 of bad_meta_connect did not run');

SELECT throws_ok(pg_temp.apply_sql('bad_empty'), '22023', NULL,
	'apply: an empty file is 22023');
SELECT throws_ok(pg_temp.apply_sql('bad_blank'), '22023', NULL,
	'apply: a whitespace-only file is 22023');
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_empty'), '22023', NULL,
	'migrate: an empty file is 22023');
SELECT hasnt_table('public', 'be_ok', 'migrate: migration 1 of bad_empty did not run');
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_blank'), '22023', NULL,
	'migrate: a whitespace-only file is 22023');
SELECT hasnt_table('public', 'bb_ok', 'migrate: migration 1 of bad_blank did not run');

SELECT throws_ok(pg_temp.apply_sql('bad_commit'), '2D000', NULL,
	'apply: COMMIT inside a migration is 2D000');
SELECT throws_ok(pg_temp.apply_sql('bad_rollback'), '2D000', NULL,
	'apply: ROLLBACK inside a migration is 2D000');
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_commit'), '2D000', NULL,
	'migrate: COMMIT inside a migration is 2D000');
SELECT hasnt_table('public', 'bc_ok', 'migrate: migration 1 of bad_commit did not run');
SELECT hasnt_table('public', 'bc_first', 'migrate: nothing of the COMMIT migration ran');
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_rollback'), '2D000', NULL,
	'migrate: ROLLBACK inside a migration is 2D000');
SELECT hasnt_table('public', 'br_first', 'migrate: nothing of the ROLLBACK migration ran');

SELECT throws_ok(pg_temp.apply_sql('bad_cic'), '25001', NULL,
	'apply: CREATE INDEX CONCURRENTLY is 25001');
SELECT hasnt_table('public', 'bcic_t', 'apply refused before running migration 1');
SELECT throws_ok(pg_temp.apply_sql('bad_vacuum'), '25001', NULL,
	'apply: VACUUM is 25001');
-- migrate runs them outside a transaction block.  Called here at top level: a concurrent index
-- build waits for every older snapshot, such as that of a statement waiting on dblink.
CALL migrator.migrate(:'fx' || '/bad_cic');
SELECT has_index('public', 'bcic_t', 'bcic_t_v_idx', 'migrate built the concurrent index');
DELETE FROM migrator.journal;
CALL migrator.migrate(:'fx' || '/bad_vacuum');
SELECT is((SELECT count(*)::int FROM migrator.journal WHERE path LIKE '%vacuum%'), 1,
	'migrate ran the VACUUM migration and recorded it');
DELETE FROM migrator.journal;
DROP TABLE IF EXISTS bcic_t, bvac_t;

SELECT throws_ok(pg_temp.apply_sql('bad_syntax_third'), '42601', NULL,
	'apply: a syntax error in migration 3 is 42601');
SELECT coalesce(max(id), 0) AS ev0 FROM migrator.events \gset
SELECT throws_ok(pg_temp.remote_migrate(:'fx' || '/bad_syntax_third'), '42601', NULL,
	'migrate: a syntax error in migration 3 is 42601');
SELECT hasnt_table('public', 'bst_a', 'migrate: migration 1 did not run');
SELECT hasnt_table('public', 'bst_b', 'migrate: migration 2 did not run');
SELECT is((SELECT count(*)::int FROM migrator.journal), 0, 'migrate: no journal rows');
SELECT ok(
	EXISTS (SELECT FROM migrator.events WHERE id > :ev0 AND action = 'migrate'
			AND outcome = 'failure' AND sqlstate = '42601'),
	'migrate: the syntax error left a failure event with 42601');

------------------------------------------------------------------------------
-- a failing statement keeps its own SQLSTATE
------------------------------------------------------------------------------
SELECT throws_ok(pg_temp.apply_sql('fail_second'), '42P07', NULL,
	'apply: duplicate table keeps 42P07');
SELECT throws_like(pg_temp.apply_sql('fail_second'), '%fs_a%already exists%',
	'apply: duplicate table keeps its message');
SELECT hasnt_table('public', 'fs_a', 'apply: nothing of fail_second stayed');

------------------------------------------------------------------------------
-- nothing above left a trace
------------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM migrator.journal), 0, 'journal is empty after all the errors');
SELECT is_empty($$SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace
				  AND relkind = 'r'$$, 'no table was left behind');

------------------------------------------------------------------------------
-- wrappers and comment-only files are not errors
------------------------------------------------------------------------------
SELECT lives_ok(format('SELECT * FROM migrator.apply(%L)', :'fx' || '/prisma'),
	'a BEGIN;/COMMIT; wrapper around a whole file is accepted');
DELETE FROM migrator.journal;
SELECT lives_ok(format('SELECT * FROM migrator.apply(%L)', :'fx' || '/diesel'),
	'a comment-only migration is accepted');

SELECT * FROM finish();
