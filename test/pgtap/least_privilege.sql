-- least_privilege.sql: an ordinary role that owns its schema migrates it
-- with bundles, from a session of its own (dblink): it needs no superuser
-- and no pg_read_server_files, and migrator gives it nothing more than it
-- has -- no server files, no direct journal writes, no other identity, also
-- not through the background worker that runs statements outside a
-- transaction block.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(25);

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'migrator_tap_owner') THEN
		CREATE ROLE migrator_tap_owner LOGIN;
	END IF;
END
$$;
ALTER ROLE migrator_tap_owner LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB;
CREATE SCHEMA app AUTHORIZATION migrator_tap_owner;
CREATE TABLE public.not_mine (id int);
GRANT EXECUTE ON ROUTINE migrator.apply(jsonb, text, boolean), migrator.migrate(jsonb, text, boolean),
	migrator.status(jsonb), migrator.verify(jsonb), migrator.revert(jsonb, integer),
	migrator.expand(text, jsonb)
	TO migrator_tap_owner;

-- a statement run in a session of migrator_tap_owner
CREATE FUNCTION pg_temp.owner_conn() RETURNS text LANGUAGE sql AS $f$
	SELECT format('dbname=%s user=migrator_tap_owner host=%s port=%s', current_database(),
				  trim(split_part(current_setting('unix_socket_directories'), ',', 1)),
				  current_setting('port'))
$f$;
CREATE FUNCTION pg_temp.as_owner(sql text, cols text DEFAULT 'r text') RETURNS text LANGUAGE sql AS $f$
	SELECT format('SELECT * FROM dblink(%L, %L) AS t(%s)', pg_temp.owner_conn(), sql, cols)
$f$;
CREATE FUNCTION pg_temp.app_with(path text, body text) RETURNS text LANGUAGE sql AS $f$
	SELECT (current_setting('tap.app')::jsonb || jsonb_build_object(path, body))::text
$f$;
CREATE FUNCTION pg_temp.exec_as_owner(sql text) RETURNS text LANGUAGE sql AS $f$
	SELECT format('SELECT dblink_exec(%L, %L)', pg_temp.owner_conn(), sql)
$f$;
SELECT set_config('tap.app', jsonb_build_object(
	'V1__tables.sql', E'CREATE TABLE app.accounts (id bigint PRIMARY KEY, email text);\nINSERT INTO app.accounts SELECT g, g || ''@x'' FROM generate_series(1, 1000) g;',
	'V2__index.sql', 'CREATE INDEX CONCURRENTLY accounts_email ON app.accounts (email);',
	'V3__column.sql', 'ALTER TABLE app.accounts ADD COLUMN name text;',
	'U3__column.sql', 'ALTER TABLE app.accounts DROP COLUMN name;')::text, false) \g /dev/null

------------------------------------------------------------------------------
-- what it can do: its own schema, with bundles
------------------------------------------------------------------------------
SELECT results_eq(pg_temp.as_owner(format('SELECT state FROM migrator.status(%L::jsonb)', current_setting('tap.app'))),
	$$VALUES ('pending'), ('pending'), ('pending')$$, 'status(bundle)');
-- CALL migrate in the role's session, sent without waiting: its concurrent
-- index build waits for every older transaction, so this session must not
-- sit in one (a statement waiting for dblink) meanwhile
SELECT dblink_connect('own', pg_temp.owner_conn()) \g /dev/null
SELECT dblink_send_query('own', format('CALL migrator.migrate(%L::jsonb)', current_setting('tap.app'))) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT pg_sleep(CASE WHEN dblink_is_busy('own') = 1 THEN 0.2 ELSE 0 END) \g /dev/null
SELECT is((SELECT status FROM dblink_get_result('own') AS t(status text)), 'CALL',
	'CALL migrate(bundle), with a concurrent index build run by the background worker');
SELECT dblink_disconnect('own') \g /dev/null
SELECT is((SELECT format('%s %s %s', count(*), count(DISTINCT applied_by), min(applied_by)) FROM migrator.journal),
	'3 1 migrator_tap_owner', 'all three applied, by the role');
SELECT is((SELECT tableowner::text FROM pg_tables WHERE schemaname = 'app' AND tablename = 'accounts'),
	'migrator_tap_owner', 'the table belongs to the role');
SELECT ok((SELECT indisvalid FROM pg_index WHERE indexrelid = 'app.accounts_email'::regclass),
	'the concurrently built index is valid');
SELECT lives_ok(pg_temp.as_owner(format('SELECT migrator.verify(%L::jsonb)::text', current_setting('tap.app'))),
	'verify(bundle)');
SELECT results_eq(pg_temp.as_owner(format('SELECT action FROM migrator.revert(%L::jsonb)', current_setting('tap.app'))),
	$$VALUES ('reverted')$$, 'revert(bundle)');
SELECT hasnt_column('app', 'accounts', 'name', 'the undo script ran');
SELECT is((SELECT run_by::text FROM migrator.events WHERE action = 'migrate' ORDER BY id DESC LIMIT 1),
	'migrator_tap_owner', 'the events name the role');

------------------------------------------------------------------------------
-- what it cannot do
------------------------------------------------------------------------------
SELECT throws_ok(pg_temp.as_owner(format('SELECT version FROM migrator.status(%L)', :'fixtures' || '/flyway')),
	'42501', 'permission denied to read migration files on the server', 'read a server folder');
SELECT throws_ok(pg_temp.as_owner($$SELECT version FROM migrator.baseline('{}'::jsonb, '1')$$),
	'42501', 'permission denied for function baseline', 'use a bundle function it was not granted');
SELECT throws_ok(pg_temp.exec_as_owner($$INSERT INTO migrator.journal (version, name, path, checksum, duration, statements)
	VALUES ('9', 'forged', 'x.sql', repeat('0', 64), '0', 0)$$),
	'42501', 'permission denied for table journal', 'write the journal directly');
SELECT throws_ok(pg_temp.exec_as_owner($$DELETE FROM migrator.events$$),
	'42501', 'permission denied for table events', 'erase the events');
SELECT throws_ok(pg_temp.as_owner(format('SELECT action FROM migrator.apply(%L::jsonb)', pg_temp.app_with('V9__read.sql', $b$SELECT pg_read_file('/etc/passwd');$b$))),
	'42501', 'permission denied for function pg_read_file', 'read a server file from a migration');
SELECT throws_ok(pg_temp.as_owner(format('SELECT action FROM migrator.apply(%L::jsonb)', pg_temp.app_with('V9__other.sql', $b$CREATE TABLE public.mine (id int);$b$))),
	'42501', 'permission denied for schema public', 'create where it may not');
SELECT throws_ok(pg_temp.as_owner(format('SELECT action FROM migrator.apply(%L::jsonb)', pg_temp.app_with('V9__give.sql', $b$ALTER TABLE app.accounts OWNER TO postgres;$b$))),
	'42501', CASE WHEN current_setting('server_version_num')::int >= 160000 -- PostgreSQL's wording
		THEN 'must be able to SET ROLE "postgres"' ELSE 'must be member of role "postgres"' END,
	'give its table to a superuser');
SELECT throws_ok(pg_temp.as_owner(format('SELECT action FROM migrator.apply(%L::jsonb)', pg_temp.app_with('V9__role.sql', $b$SET ROLE postgres;$b$))),
	'42501', 'permission denied to set role "postgres"', 'become a superuser');
SELECT throws_ok(pg_temp.exec_as_owner($$CALL migrator.migrate('{"V1__tables.sql": "CREATE TABLE app.accounts (id bigint PRIMARY KEY, email text);\nINSERT INTO app.accounts SELECT g, g || ''@x'' FROM generate_series(1, 1000) g;", "V2__index.sql": "CREATE INDEX CONCURRENTLY accounts_email ON app.accounts (email);", "V3__column.sql": "ALTER TABLE app.accounts ADD COLUMN name text;", "V4__theirs.sql": "CREATE INDEX CONCURRENTLY not_mine_id ON public.not_mine (id);"}'::jsonb)$$),
	'42501', 'must be owner of table not_mine',
	'the background worker runs a statement as the caller: no index on a table it does not own');
SELECT ok(to_regclass('public.not_mine_id') IS NULL, 'and the index was not built');
SELECT throws_ok(pg_temp.as_owner($$SELECT migrator.expand('steal', '{"add_column": {"schema": "public", "table": "not_mine", "column": {"name": "x", "type": "int"}}}')::text$$),
	'42501', 'must be owner of table public.not_mine', 'expand a table it does not own (granted expand: refused for the table, by name)');
SELECT ok(NOT EXISTS (SELECT FROM migrator.changes) AND to_regnamespace('public_steal') IS NULL
		  AND NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'public.not_mine'::regclass AND attname <> 'id' AND attnum > 0),
	'and nothing of it done: no change, no version schema, no column');
SELECT ok(NOT EXISTS (SELECT FROM migrator.journal WHERE version IN ('4', '9')),
	'none of this reached the journal');

------------------------------------------------------------------------------
-- migrator itself
------------------------------------------------------------------------------
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = 'migrator'::regnamespace AND prosecdef
			 AND NOT EXISTS (SELECT FROM unnest(proconfig) c WHERE c LIKE 'search\_path=%')),
	0::bigint, 'no SECURITY DEFINER function of migrator leaves search_path open');
SELECT is((SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'migrator'::regnamespace
			 AND p.proargnames[1] = 'bundle' AND has_function_privilege('public', p.oid, 'EXECUTE')),
	0::bigint, 'no bundle form is executable by PUBLIC');
SELECT is((SELECT count(*) FROM information_schema.table_privileges
			 WHERE table_schema = 'migrator' AND grantee = 'PUBLIC' AND privilege_type <> 'SELECT'),
	0::bigint, 'PUBLIC may only read migrator''s tables');

-- cluster-wide things go back as they were
REVOKE EXECUTE ON ROUTINE migrator.apply(jsonb, text, boolean), migrator.migrate(jsonb, text, boolean),
	migrator.status(jsonb), migrator.verify(jsonb), migrator.revert(jsonb, integer),
	migrator.expand(text, jsonb)
	FROM migrator_tap_owner;
DROP SCHEMA app CASCADE;
DROP TABLE public.not_mine;
SELECT * FROM finish();
