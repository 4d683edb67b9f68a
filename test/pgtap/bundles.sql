-- bundles.sql: every function that reads a migration folder also takes a
-- bundle, {"relative/path": "contents"}, with the same semantics (layout,
-- order, checksums) and without the privilege to read server files.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(71);

------------------------------------------------------------------------------
-- a folder and its bundle are the same migrations: layout, versions, order,
-- checksums (status of one after applying the other)
------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.same_as_folder(layout text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
	dir text := current_setting('tap.fixtures') || '/' || layout;
	b jsonb := pg_temp.bundle_of(dir);
BEGIN
	PERFORM pg_temp.reset_db();
	RETURN NEXT results_eq(format('SELECT * FROM migrator.status(%L::jsonb)', b),
						   format('SELECT * FROM migrator.status(%L)', dir),
						   layout || ': the bundle has the folder''s migrations, in its order');
	RETURN NEXT results_eq(
		format('SELECT version, name, action FROM migrator.apply(%L::jsonb)', b),
		format('SELECT version, name, ''applied''::text FROM migrator.status(%L)', dir),
		layout || ': apply(bundle) applies them all');
	RETURN NEXT is((SELECT count(*) FROM migrator.status(dir) s WHERE s.state <> 'applied'), 0::bigint,
				   layout || ': the folder''s checksums match what the bundle recorded');
	RETURN NEXT lives_ok(format('SELECT migrator.verify(%L)', dir),
						 layout || ': verify(folder) passes after apply(bundle)');
END
$f$;
SET tap.fixtures = :'fixtures';

SELECT pg_temp.same_as_folder('flyway');
SELECT pg_temp.same_as_folder('numbered');
SELECT pg_temp.same_as_folder('golang');
SELECT pg_temp.same_as_folder('dbmate');
SELECT pg_temp.same_as_folder('drizzle');
SELECT pg_temp.same_as_folder('prisma');
SELECT pg_temp.same_as_folder('diesel');

------------------------------------------------------------------------------
-- what a bundle may hold
------------------------------------------------------------------------------
SELECT pg_temp.reset_db();
SELECT results_eq(
	$$SELECT version, name FROM migrator.status('{"V1__a.sql": "SELECT 1;", "README.md": "# notes",
		".git/V9__x.sql": "nope", "docs/V2__y.sql": "nope"}'::jsonb)$$,
	$$VALUES ('1', 'a')$$,
	'hidden entries, other files and nested folders of a flat layout are not migrations');
SELECT is_empty($$SELECT * FROM migrator.status('{}'::jsonb)$$, 'an empty bundle has no migrations');
SELECT throws_ok($$SELECT * FROM migrator.status('[]'::jsonb)$$, '22023',
	'migration bundle must be a jsonb object', 'an array is refused');
SELECT throws_ok($$SELECT * FROM migrator.status('"V1__a.sql"'::jsonb)$$, '22023',
	'migration bundle must be a jsonb object', 'a scalar is refused');
SELECT throws_ok($$SELECT * FROM migrator.status(NULL::jsonb)$$, '22004',
	'migration bundle must not be NULL', 'NULL is refused');
SELECT throws_ok($$SELECT * FROM migrator.status('{"V1__a.sql": 1}'::jsonb)$$, '22023',
	'migration bundle entry "V1__a.sql" is not a string', 'a value that is not a string is refused');
SELECT throws_ok($$SELECT * FROM migrator.status('{"../V1__a.sql": "SELECT 1;"}'::jsonb)$$, '22023',
	'migration bundle entry "../V1__a.sql" has an empty, "." or ".." path component',
	'a path that climbs out of the folder is refused');
SELECT throws_ok($$SELECT * FROM migrator.status('{"/etc/V1__a.sql": "SELECT 1;"}'::jsonb)$$, '22023',
	'migration bundle entry "/etc/V1__a.sql" is an absolute path', 'an absolute path is refused');
SELECT throws_ok($$SELECT * FROM migrator.status('{"a//V1__a.sql": "SELECT 1;"}'::jsonb)$$, '22023',
	'migration bundle entry "a//V1__a.sql" has an empty, "." or ".." path component',
	'an empty path component is refused');
SELECT throws_ok($$SELECT * FROM migrator.status('{"x/": "SELECT 1;"}'::jsonb)$$, '22023',
	'migration bundle entry "x/" ends with "/"', 'a path ending in / is refused');
SELECT throws_ok($$SELECT * FROM migrator.status('{"20230101000000_a": "x",
		"20230101000000_a/migration.sql": "SELECT 1;"}'::jsonb)$$, '22023',
	'migration bundle entry "20230101000000_a" is both a file and a folder',
	'a name that is both a file and a folder is refused');
SELECT throws_ok($$SELECT * FROM migrator.status('{"0000_a.sql": "SELECT 1;",
		"meta/_journal.json": "{\"entries\": [{\"idx\": 0, \"tag\": \"0000_a\"}, {\"idx\": 1, \"tag\": \"0001_b\"}]}"}'::jsonb)$$,
	'58P01', 'migration "0001_b" listed in "meta/_journal.json" has no file',
	'drizzle: a journal entry without its file in the bundle is refused');
SET migrator.max_file_size = 1;
SELECT throws_ok(format('SELECT * FROM migrator.status(%L::jsonb)',
		jsonb_build_object('V1__big.sql', 'SELECT 1;' || repeat(' ', 2000))),
	'54000', 'migration file "V1__big.sql" is too large', 'migrator.max_file_size applies to bundles');
RESET migrator.max_file_size;
SELECT throws_ok($$SELECT * FROM migrator.apply('{"V1__a.sql": "CREATE TABLE bx (id int);",
		"V2__b.sql": "CREATE TABLE by (id int);\nSELECT nonsense FROM;"}'::jsonb)$$, '42601', NULL,
	'a syntax error in a bundle''s file is refused');
SELECT ok(to_regclass('bx') IS NULL AND NOT EXISTS (SELECT FROM migrator.journal),
	'and nothing of the bundle was applied');

------------------------------------------------------------------------------
-- the other functions take bundles too
------------------------------------------------------------------------------
SELECT pg_temp.reset_db();
SELECT set_config('tap.golang', pg_temp.bundle_of(:'fixtures' || '/golang')::text, false) \g /dev/null
SELECT results_eq($$SELECT version, action FROM migrator.baseline(current_setting('tap.golang')::jsonb, '000002')$$,
	$$VALUES ('000001', 'baselined'), ('000002', 'baselined')$$, 'baseline(bundle, version)');
SELECT results_eq($$SELECT version, state FROM migrator.status(current_setting('tap.golang')::jsonb)$$,
	$$VALUES ('000001', 'applied'), ('000002', 'applied'), ('000003', 'pending')$$,
	'status(bundle) after baseline');
SELECT pg_temp.reset_db();
SELECT lives_ok($$SELECT * FROM migrator.apply(current_setting('tap.golang')::jsonb, '000002')$$,
	'apply(bundle, target)');
SELECT results_eq($$SELECT version, action FROM migrator.revert(current_setting('tap.golang')::jsonb)$$,
	$$VALUES ('000002', 'reverted')$$, 'revert(bundle) runs the bundle''s down script');
SELECT hasnt_column('gm_users', 'active', 'the down script dropped gm_users.active');
SELECT results_eq(
	$$SELECT version, action FROM migrator.repair(jsonb_set(current_setting('tap.golang')::jsonb,
		'{000001_create_gm_users.up.sql}', to_jsonb('-- edited' || chr(10) ||
		(current_setting('tap.golang')::jsonb ->> '000001_create_gm_users.up.sql'))))$$,
	$$VALUES ('000001', 'repaired')$$, 'repair(bundle) re-records an edited file''s checksum');
SELECT throws_ok($$SELECT migrator.verify(current_setting('tap.golang')::jsonb)$$, '55000', NULL,
	'verify(bundle) sees the unedited file as modified now');
SELECT throws_ok($$SELECT * FROM migrator.adopt(current_setting('tap.golang')::jsonb)$$, NULL,
	'adopt(bundle) looks for the history of the tool that wrote the folder');
SELECT throws_ok($$SELECT migrator.resolve(current_setting('tap.golang')::jsonb, '000001', 'applied')$$,
	'55000', 'migration 000001_create_gm_users.up.sql is modified, not pending',
	'resolve(bundle, version, outcome) checks the bundle''s migration');
SELECT lives_ok($$SELECT migrator.resolve(current_setting('tap.golang')::jsonb, '000003', 'applied')$$,
	'resolve(bundle) records a pending migration as applied');
SELECT is((SELECT origin FROM migrator.journal WHERE version = '000003'), 'resolved',
	'with origin resolved');

-- an empty down script undoes nothing, as golang-migrate runs it; an empty up script is refused
SELECT pg_temp.reset_db();
SELECT lives_ok($$SELECT * FROM migrator.apply('{"1_a.up.sql": "CREATE TABLE ea (id int);", "1_a.down.sql": "\n"}'::jsonb)$$,
	'apply a migration whose down script is empty');
SELECT results_eq($$SELECT version, action FROM migrator.revert('{"1_a.up.sql": "CREATE TABLE ea (id int);", "1_a.down.sql": "\n"}'::jsonb)$$,
	$$VALUES ('1', 'reverted')$$, 'revert runs the empty down script');
SELECT ok(to_regclass('ea') IS NOT NULL AND NOT EXISTS (SELECT FROM migrator.journal),
	'it undid nothing, and the migration is no longer recorded');
SELECT throws_ok($$SELECT * FROM migrator.apply('{"2_b.up.sql": " \n"}'::jsonb)$$, '22023',
	'migration file "2_b.up.sql" is empty', 'an empty up script is refused');
DROP TABLE ea;

CREATE TABLE lint_old (id bigint PRIMARY KEY);
SELECT results_eq($$SELECT path, line, rule FROM migrator.lint_dir('{"V1__a.sql": "CREATE TABLE la (id bigint PRIMARY KEY);", "V2__b.sql": "CREATE INDEX ON la (id);\nCREATE INDEX ON lint_old (id);"}'::jsonb)$$,
	$$VALUES ('V2__b.sql', 2, 'require-concurrent-index-creation')$$,
	'lint_dir(bundle) lints the pending files: an index on an existing table, not on one an earlier file creates');
DROP TABLE lint_old;

-- the procedures, on a connection of their own
SELECT pg_temp.reset_db();
SELECT lives_ok(format('SELECT dblink_exec(pg_temp.connstr(), %L)',
		format('CALL migrator.migrate(%L::jsonb)', current_setting('tap.golang'))),
	'CALL migrate(bundle)');
SELECT results_eq($$SELECT count(*) FROM migrator.status(current_setting('tap.golang')::jsonb) WHERE state = 'applied'$$,
	$$VALUES (3::bigint)$$, 'migrate(bundle) applied all three');
SELECT lives_ok(format('SELECT dblink_exec(pg_temp.connstr(), %L)',
		format('CALL migrator.revert_to(%L::jsonb, %L)',
			   jsonb_set(current_setting('tap.golang')::jsonb, '{000003_create_gm_groups.down.sql}',
						 '"DROP TABLE gm_groups;"'), '000001')),
	'CALL revert_to(bundle, version)');
SELECT results_eq($$SELECT version FROM migrator.journal$$, $$VALUES ('000001')$$,
	'revert_to(bundle) reverted down to the version');
SELECT lives_ok(format('SELECT dblink_exec(pg_temp.connstr(), %L)',
		format('CALL migrator.revert_to(%L::jsonb, %L)', current_setting('tap.golang'), '0')),
	'CALL revert_to(bundle, ''0'')');
SELECT ok(NOT EXISTS (SELECT FROM migrator.journal) AND to_regclass('gm_users') IS NULL,
	'version 0 is the empty database: every migration was reverted');
SELECT ok((SELECT bool_and(dir IS NULL) FROM migrator.events WHERE action IN ('migrate', 'revert')),
	'events of bundle runs have no folder');

------------------------------------------------------------------------------
-- privileges: no file-read privilege needed; EXECUTE is granted, not PUBLIC's
------------------------------------------------------------------------------
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'migrator_tap_deployer') THEN
		CREATE ROLE migrator_tap_deployer NOLOGIN;
	END IF;
END
$$;
SELECT pg_temp.reset_db();
GRANT CREATE ON SCHEMA public TO migrator_tap_deployer;
SET ROLE migrator_tap_deployer;
SELECT throws_ok($$SELECT * FROM migrator.apply('{"V1__a.sql": "CREATE TABLE dep_a (id int);"}'::jsonb)$$,
	'42501', 'permission denied for function apply', 'PUBLIC may not run the bundle forms');
RESET ROLE;
GRANT EXECUTE ON FUNCTION migrator.apply(jsonb, text, boolean), migrator.status(jsonb)
	TO migrator_tap_deployer;
SET ROLE migrator_tap_deployer;
SELECT results_eq($$SELECT version, action FROM migrator.apply('{"V1__a.sql": "CREATE TABLE dep_a (id int);"}'::jsonb)$$,
	$$VALUES ('1', 'applied')$$, 'a role granted EXECUTE applies a bundle without pg_read_server_files');
SELECT is((SELECT tableowner::text FROM pg_tables WHERE tablename = 'dep_a'), 'migrator_tap_deployer',
	'the migration ran as that role');
SELECT throws_ok(format('SELECT * FROM migrator.status(%L)', :'fixtures' || '/flyway'), '42501',
	'permission denied to read migration files on the server', 'the folder form still needs the privilege');
RESET ROLE;
SELECT is((SELECT applied_by::text FROM migrator.journal WHERE version = '1'), 'migrator_tap_deployer',
	'the journal names the role');
DROP TABLE dep_a;
REVOKE EXECUTE ON FUNCTION migrator.apply(jsonb, text, boolean), migrator.status(jsonb)
	FROM migrator_tap_deployer;
REVOKE CREATE ON SCHEMA public FROM migrator_tap_deployer;

SELECT * FROM finish();
