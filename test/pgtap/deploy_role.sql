-- deploy_role.sql: a role made a deployer with migrator.grant_deploy(), in a
-- session of its own (dblink, a real login): every deploy function works on
-- what it owns, and each refusal is the right one -- tables it does not own
-- (42501 naming the table, nothing changed), migrator's tables, server
-- folders, granting itself more; after revoke_deploy() it is refused again.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(91);

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'migrator_tap_deployer') THEN
		CREATE ROLE migrator_tap_deployer LOGIN;
	END IF;
END
$$;
ALTER ROLE migrator_tap_deployer LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB;
CREATE SCHEMA app AUTHORIZATION migrator_tap_deployer;
CREATE TABLE public.theirs (id bigint PRIMARY KEY, n int);
INSERT INTO public.theirs SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE public.before (rows_before bigint);

-- the deployer's session: a real login, its search_path on its schema
SELECT dblink_connect('dep', format('dbname=%s user=migrator_tap_deployer host=%s port=%s', current_database(),
	trim(split_part(current_setting('unix_socket_directories'), ',', 1)), current_setting('port'))) \g /dev/null
SELECT dblink_exec('dep', 'SET search_path = app, public') \g /dev/null
CREATE FUNCTION pg_temp.dep(sql text, cols text DEFAULT 'r text') RETURNS text LANGUAGE sql AS $f$
	SELECT format('SELECT * FROM dblink(%L, %L) AS t(%s)', 'dep', sql, cols)
$f$;
CREATE FUNCTION pg_temp.dep_exec(sql text) RETURNS text LANGUAGE sql AS $f$
	SELECT format('SELECT dblink_exec(%L, %L)', 'dep', sql)
$f$;
-- a SELECT in the deployer's session (dblink_exec takes no statement returning rows)
CREATE FUNCTION pg_temp.dep_run(sql text) RETURNS text LANGUAGE sql AS $f$
	SELECT format('SELECT * FROM dblink(%L, %L) AS t(r text)', 'dep', 'SELECT count(*)::text FROM (' || sql || ') s')
$f$;
-- the status of a query sent with dblink_send_query, the connection made ready again
CREATE FUNCTION pg_temp.dep_result() RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	r text;
BEGIN
	SELECT s INTO r FROM dblink_get_result('dep') AS t(s text);
	PERFORM FROM dblink_get_result('dep') AS t(s text);
	RETURN r;
END
$f$;
SELECT set_config('tap.app', jsonb_build_object(
	'V1__tables.sql', E'CREATE TABLE app.accounts (id bigint PRIMARY KEY, email text, score int);\nINSERT INTO app.accounts SELECT g, g || ''@x'', g FROM generate_series(1, 1000) g;',
	'V2__index.sql', 'CREATE INDEX accounts_score ON app.accounts (score);',
	'V3__column.sql', 'ALTER TABLE app.accounts ADD COLUMN name text;',
	'U3__column.sql', 'ALTER TABLE app.accounts DROP COLUMN name;')::text, false) \g /dev/null
CREATE FUNCTION pg_temp.app(extra jsonb DEFAULT '{}') RETURNS text LANGUAGE sql AS $f$
	SELECT (current_setting('tap.app')::jsonb || extra)::text
$f$;

------------------------------------------------------------------------------
-- before grant_deploy: nothing
------------------------------------------------------------------------------
SELECT throws_ok(pg_temp.dep(format('SELECT state FROM migrator.status(%L::jsonb)', pg_temp.app())),
	'42501', 'permission denied for function status', 'not a deployer yet: no bundle forms');
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.expand('early', '{"add_column": {"table": "accounts", "column": {"name": "x", "type": "int"}}}')$$),
	'42501', 'permission denied for function expand', 'not a deployer yet: no expand');

------------------------------------------------------------------------------
-- grant_deploy: who may, for whom
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT migrator.grant_deploy('migrator_tap_no_such_role')$$,
	'42704', 'role "migrator_tap_no_such_role" does not exist', 'grant_deploy: an unknown role');
SELECT throws_ok($$SELECT migrator.grant_deploy(NULL)$$,
	'22004', 'the role must not be NULL', 'grant_deploy: NULL');
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.grant_deploy('migrator_tap_deployer')$$),
	'42501', 'permission denied for function grant_deploy', 'a role cannot make itself a deployer');
GRANT EXECUTE ON FUNCTION migrator.grant_deploy(text), migrator.revoke_deploy(text) TO migrator_tap_deployer;
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.grant_deploy('migrator_tap_deployer')$$),
	'42501', 'permission denied to grant deploy privileges to role "migrator_tap_deployer"',
	'not even when granted EXECUTE: only the extension''s owner and superusers');
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.revoke_deploy('postgres')$$),
	'42501', 'permission denied to revoke deploy privileges from role "postgres"',
	'nor revoke');
REVOKE EXECUTE ON FUNCTION migrator.grant_deploy(text), migrator.revoke_deploy(text) FROM migrator_tap_deployer;
SELECT lives_ok($$SELECT migrator.grant_deploy('migrator_tap_deployer')$$, 'grant_deploy by a superuser');
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FROM pg_proc p
		   WHERE p.pronamespace = 'migrator'::regnamespace
			 AND has_function_privilege('migrator_tap_deployer', p.oid, 'EXECUTE')
			 AND NOT has_function_privilege('public', p.oid, 'EXECUTE')),
	ARRAY['migrator.abort(text)', 'migrator.accept_drift()', 'migrator.adopt(jsonb)', 'migrator.apply(jsonb,text,boolean)',
		  'migrator.backfill(text,integer,integer)', 'migrator.backfill_slice(text,integer,integer)',
		  'migrator.baseline(jsonb,text)', 'migrator.contract(text)', 'migrator.expand(text,jsonb)',
		  'migrator.explain(jsonb)', 'migrator.generate(text,text)', 'migrator.lint_dir(jsonb)',
		  'migrator.migrate(jsonb,text,boolean)',
		  'migrator.repair(jsonb)', 'migrator.resolve(jsonb,text,text)', 'migrator.revert(jsonb,integer)',
		  'migrator.revert_to(jsonb,text)', 'migrator.run_backfill(text,integer,interval)',
		  'migrator.schedule_backfill(text,text,integer)', 'migrator.status(jsonb)', 'migrator.verify(jsonb)'],
	'the deployer may run exactly the routines PUBLIC may not, but grant_deploy and revoke_deploy');
SELECT ok(NOT has_database_privilege('migrator_tap_deployer', current_database(), 'CREATE'),
	'and it has no CREATE on the database');

------------------------------------------------------------------------------
-- taking over a database: baseline and adopt (bundles)
------------------------------------------------------------------------------
SELECT lives_ok(pg_temp.dep_exec('CREATE TABLE app.base (id int)'), 'the deployer made a table by hand');
SELECT results_eq(pg_temp.dep($$SELECT action FROM migrator.baseline('{"V1__base.sql": "CREATE TABLE app.base (id int);"}'::jsonb, '1')$$),
	$$VALUES ('baselined')$$, 'baseline(bundle)');
SELECT is((SELECT origin || ' ' || applied_by FROM migrator.journal), 'baseline migrator_tap_deployer',
	'recorded, by the deployer');
DELETE FROM migrator.journal;
SELECT lives_ok(pg_temp.dep_exec($$CREATE TABLE app.schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
	INSERT INTO app.schema_migrations VALUES (1, false)$$), 'a golang-migrate history of its own');
SELECT results_eq(pg_temp.dep($$SELECT action FROM migrator.adopt('{"1_base.up.sql": "CREATE TABLE app.base (id int);", "1_base.down.sql": "DROP TABLE app.base;"}'::jsonb)$$),
	$$VALUES ('adopted')$$, 'adopt(bundle)');
DELETE FROM migrator.journal;
SELECT lives_ok(pg_temp.dep_exec('DROP TABLE app.base, app.schema_migrations'), 'and that history put away');

------------------------------------------------------------------------------
-- migrations with bundles
------------------------------------------------------------------------------
SELECT results_eq(pg_temp.dep(format('SELECT state FROM migrator.status(%L::jsonb)', pg_temp.app())),
	$$VALUES ('pending'), ('pending'), ('pending')$$, 'status(bundle)');
SELECT results_eq(pg_temp.dep(format('SELECT action FROM migrator.apply(%L::jsonb, %L)', pg_temp.app(), '1')),
	$$VALUES ('applied')$$, 'apply(bundle)');
SELECT results_eq(pg_temp.dep(format('SELECT DISTINCT rule FROM migrator.lint_dir(%L::jsonb) WHERE path = %L',
								  pg_temp.app(), 'V2__index.sql')),
	$$VALUES ('require-concurrent-index-creation')$$, 'lint_dir(bundle): V2 pending on a table V1 made');
SELECT lives_ok(pg_temp.dep_exec(format('CALL migrator.migrate(%L::jsonb)', pg_temp.app())), 'CALL migrate(bundle)');
SELECT is((SELECT format('%s %s', count(*), string_agg(DISTINCT applied_by, ',')) FROM migrator.journal),
	'3 migrator_tap_deployer', 'all three applied, by the deployer');
SELECT lives_ok(pg_temp.dep_run(format('SELECT migrator.verify(%L::jsonb)', pg_temp.app())), 'verify(bundle)');
SELECT set_config('tap.app', pg_temp.app(jsonb_build_object('V2__index.sql',
	E'-- the score index\nCREATE INDEX accounts_score ON app.accounts (score);')), false) \g /dev/null
SELECT results_eq(pg_temp.dep(format('SELECT version FROM migrator.repair(%L::jsonb)', pg_temp.app())),
	$$VALUES ('2')$$, 'repair(bundle) after an edit of V2');
SELECT lives_ok(pg_temp.dep_run(format('SELECT migrator.verify(%L::jsonb)', pg_temp.app())), 'and it verifies again');
SELECT results_eq(pg_temp.dep(format('SELECT action FROM migrator.revert(%L::jsonb)', pg_temp.app())),
	$$VALUES ('reverted')$$, 'revert(bundle)');
SELECT hasnt_column('app', 'accounts', 'name', 'the undo script ran');
SELECT lives_ok(pg_temp.dep_run(format('SELECT migrator.resolve(%L::jsonb, %L, %L)', pg_temp.app(), '3', 'rolled-back')),
	'resolve(bundle, rolled-back)');
SELECT lives_ok(pg_temp.dep_exec('ALTER TABLE app.accounts ADD COLUMN name text'), 'V3 finished by hand');
SELECT lives_ok(pg_temp.dep_run(format('SELECT migrator.resolve(%L::jsonb, %L, %L)', pg_temp.app(), '3', 'applied')),
	'resolve(bundle, applied)');
SELECT is((SELECT origin FROM migrator.journal WHERE version = '3'), 'resolved', 'recorded as resolved');
SELECT lives_ok(pg_temp.dep_exec(format('CALL migrator.revert_to(%L::jsonb, %L)', pg_temp.app(), '2')),
	'CALL revert_to(bundle)');
SELECT is((SELECT string_agg(version, ',' ORDER BY version) FROM migrator.journal), '1,2', 'V3 reverted');
SELECT lives_ok(pg_temp.dep_exec(format('CALL migrator.migrate(%L::jsonb)', pg_temp.app())), 'and migrated again');
SELECT is((SELECT string_agg(DISTINCT run_by, ',') FROM migrator.events), 'migrator_tap_deployer',
	'every event names the deployer');

------------------------------------------------------------------------------
-- zero-downtime changes on its own table
------------------------------------------------------------------------------
SELECT lives_ok(pg_temp.dep_run($$SELECT migrator.expand('dep_score', '{"alter_column": {"table": "accounts", "column": "score", "type": "bigint"}}')$$),
	'expand');
SELECT is((SELECT state || ' ' || started_by FROM migrator.changes WHERE name = 'dep_score'),
	'expanded migrator_tap_deployer', 'the change is recorded, started by the deployer');
SELECT is((SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'app_dep_score'),
	(SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'migrator'),
	'its version schema belongs to the extension''s owner');
SELECT ok(has_schema_privilege('public', 'app_dep_score', 'USAGE')
		  AND NOT has_schema_privilege('migrator_tap_deployer', 'app_dep_score', 'CREATE'),
	'everyone may use it; the deployer may not create in it once expand is done');
SELECT is((SELECT viewowner::text FROM pg_views WHERE schemaname = 'app_dep_score' AND viewname = 'accounts'),
	'migrator_tap_deployer', 'its view belongs to the deployer');
SELECT lives_ok(pg_temp.dep_exec($$SET search_path = app_dep_score, app; UPDATE accounts SET score = 4000000 WHERE id = 1;
	SET search_path = app, public$$), 'the deployer writes through the new shape');
SELECT results_eq(pg_temp.dep($$SELECT (migrator.backfill('dep_score', 100, 2) > 0)::text$$),
	$$VALUES ('true')$$, 'backfill');
-- a procedure that waits for older transactions (as run_backfill does) is
-- sent without waiting: this session must not sit in a transaction meanwhile
SELECT dblink_send_query('dep', $$CALL migrator.run_backfill('dep_score', 300)$$) \g /dev/null
\o /dev/null
SELECT 'SELECT pg_sleep(CASE WHEN dblink_is_busy(''dep'') = 1 THEN 0.2 ELSE 0 END)' FROM generate_series(1, 600) \gexec
\o
SELECT is(pg_temp.dep_result(), 'CALL', 'CALL run_backfill');
SELECT is((SELECT state FROM migrator.changes WHERE name = 'dep_score'), 'backfilled', 'backfilled');
SELECT lives_ok(pg_temp.dep_run($$SELECT migrator.contract('dep_score')$$), 'contract');
SELECT is((SELECT format('%s %s %s', c.state, to_regnamespace('app_dep_score') IS NULL, format_type(a.atttypid, a.atttypmod))
		   FROM migrator.changes c, pg_attribute a
		   WHERE c.name = 'dep_score' AND a.attrelid = 'app.accounts'::regclass AND a.attname = 'score'),
	'contracted t bigint', 'contracted: the version schema gone, the column bigint');
SELECT is((SELECT score FROM app.accounts WHERE id = 1), 4000000::bigint, 'the write through the new shape kept');
SELECT lives_ok(pg_temp.dep_run($$SELECT migrator.expand('dep_idx', '{"create_index": {"table": "accounts", "name": "accounts_email", "columns": ["email"]}}')$$),
	'expand with an index to build');
SELECT dblink_send_query('dep', $$CALL migrator.run_backfill('dep_idx')$$) \g /dev/null
\o /dev/null
SELECT 'SELECT pg_sleep(CASE WHEN dblink_is_busy(''dep'') = 1 THEN 0.2 ELSE 0 END)' FROM generate_series(1, 600) \gexec
\o
SELECT is(pg_temp.dep_result(), 'CALL', 'run_backfill builds it concurrently');
SELECT ok((SELECT indisvalid FROM pg_index WHERE indexrelid = 'app.accounts_email'::regclass), 'a valid index');
SELECT lives_ok(pg_temp.dep_run($$SELECT migrator.contract('dep_idx')$$), 'and contracts');
SELECT lives_ok(pg_temp.dep_run($$SELECT migrator.expand('dep_drop', '[{"rename_column": {"table": "accounts", "from": "name", "to": "full_name"}}, {"add_column": {"table": "accounts", "column": {"name": "x", "type": "int"}}}]')$$),
	'expand again');
SELECT lives_ok(pg_temp.dep_run($$SELECT migrator.abort('dep_drop')$$), 'abort');
SELECT is((SELECT format('%s %s', state, to_regnamespace('app_dep_drop') IS NULL) FROM migrator.changes WHERE name = 'dep_drop'),
	'aborted t', 'aborted: the version schema gone');
SELECT is((SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.accounts'::regclass AND attname LIKE '\_migrator%' AND NOT attisdropped),
	0::bigint, 'no _migrator_ column left');
-- EXECUTE is granted: the refusal is the change's state, not a permission (the run itself, with
-- pg_cron: test/tap/deploy_role.sh)
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.schedule_backfill('dep_drop')$$),
	'55000', 'cannot backfill change "dep_drop": it is already aborted',
	'schedule_backfill is the deployer''s to call');

------------------------------------------------------------------------------
-- schema knowledge
------------------------------------------------------------------------------
SELECT results_eq(pg_temp.dep($$SELECT statement FROM migrator.generate('CREATE TABLE accounts (id bigint PRIMARY KEY, email text, score bigint, name text, extra int);', 'app') WHERE statement LIKE 'ALTER TABLE%'$$),
	$$VALUES ('ALTER TABLE app.accounts ADD COLUMN extra integer')$$, 'generate');
SELECT ok(to_regnamespace('migrator_generate_' || (SELECT r FROM dblink('dep', 'SELECT pg_backend_pid()::text') AS t(r text))) IS NULL,
	'its scratch schema is gone');
SELECT results_eq(pg_temp.dep($$SELECT count(*)::text FROM migrator.diff('app', 'app')$$), $$VALUES ('0')$$, 'diff(source, target)');
SELECT lives_ok(pg_temp.dep_run($$SELECT count(*) FROM migrator.diff()$$), 'diff() (drift)');
SELECT results_eq(pg_temp.dep($$SELECT (migrator.snapshot(ARRAY['app']) ? 'app')::text$$), $$VALUES ('true')$$, 'snapshot');
SELECT results_eq(pg_temp.dep($$SELECT DISTINCT rule FROM migrator.lint('CREATE INDEX i ON app.accounts (email);')$$),
	$$VALUES ('require-concurrent-index-creation')$$, 'lint');

------------------------------------------------------------------------------
-- tables it does not own: refused by name, before anything is done
------------------------------------------------------------------------------
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.expand('steal', '{"add_column": {"table": "theirs", "column": {"name": "x", "type": "int"}}}')$$),
	'42501', 'must be owner of table public.theirs', 'expand a table it does not own');
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.expand('steal2', '[{"add_column": {"table": "accounts", "column": {"name": "y", "type": "int"}}}, {"rename_column": {"schema": "public", "table": "theirs", "from": "n", "to": "m"}}]')$$),
	'42501', 'must be owner of table public.theirs', 'expand its own table and, second, one it does not own');
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.expand('steal3', '[{"create_table": {"table": "mine", "columns": [{"name": "id", "type": "int"}]}}, {"drop_index": {"name": "theirs_pkey", "schema": "public"}}]')$$),
	'42501', 'must be owner of table public.theirs', 'drop an index of a table it does not own');
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.expand('steal4', '{"rename_table": {"from": "theirs", "to": "ours"}}')$$),
	'42501', 'must be owner of table public.theirs', 'rename a table it does not own');
SELECT is((SELECT count(*) FROM migrator.changes WHERE name LIKE 'steal%'), 0::bigint, 'no change recorded');
SELECT ok(to_regnamespace('public_steal') IS NULL AND to_regnamespace('app_steal2') IS NULL
		  AND to_regnamespace('app_steal3') IS NULL AND to_regnamespace('public_steal4') IS NULL,
	'no version schema');
SELECT is((SELECT count(*) FROM pg_attribute WHERE attrelid IN ('app.accounts'::regclass, 'public.theirs'::regclass)
			 AND (attname LIKE '\_migrator%' OR attname IN ('x', 'y', 'm')) AND NOT attisdropped),
	0::bigint, 'no column added to either table');
SELECT ok(to_regclass('app.mine') IS NULL AND to_regclass('public.theirs_pkey') IS NOT NULL,
	'no table created, the index still there');
-- a change a superuser started on a table the deployer does not own
SELECT migrator.expand('theirs_n', '{"alter_column": {"table": "theirs", "column": "n", "type": "bigint"}}') \g /dev/null
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.backfill('theirs_n')$$),
	'42501', 'must be owner of table public.theirs', 'backfill a change of a table it does not own');
SELECT throws_ok(pg_temp.dep_exec($$CALL migrator.run_backfill('theirs_n')$$),
	'42501', 'must be owner of table public.theirs', 'run_backfill it');
SELECT throws_ok(pg_temp.dep_exec($$CALL migrator.backfill_slice('theirs_n', 1000, 5)$$),
	'42501', 'must be owner of table public.theirs', 'run its pg_cron procedure');
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.contract('theirs_n')$$),
	'42501', 'must be owner of table public.theirs', 'contract it');
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.abort('theirs_n')$$),
	'42501', 'must be owner of table public.theirs', 'abort it');
SELECT is((SELECT format('%s %s %s', state, rows_done, to_regnamespace('public_theirs_n') IS NOT NULL) FROM migrator.changes WHERE name = 'theirs_n'),
	'expanded 0 t', 'that change untouched');
SELECT is((SELECT count(*) FROM public.theirs WHERE _migrator_new_n IS NOT NULL), 0::bigint, 'no row of it backfilled');
SELECT migrator.abort('theirs_n') \g /dev/null

------------------------------------------------------------------------------
-- migrator's tables and server files: never
------------------------------------------------------------------------------
SELECT throws_ok(pg_temp.dep_exec($$INSERT INTO migrator.journal (version, name, path, checksum, duration, statements)
	VALUES ('9', 'forged', 'x.sql', repeat('0', 64), '0', 0)$$),
	'42501', 'permission denied for table journal', 'write the journal');
SELECT throws_ok(pg_temp.dep_exec('DELETE FROM migrator.events'), '42501', 'permission denied for table events', 'erase the events');
SELECT throws_ok(pg_temp.dep_exec($$UPDATE migrator.changes SET state = 'backfilled'$$),
	'42501', 'permission denied for table changes', 'change a change''s state');
SELECT throws_ok(pg_temp.dep_exec('DELETE FROM migrator.change_tables'), '42501', 'permission denied for table change_tables',
	'forget a change''s tables');
SELECT throws_ok(pg_temp.dep_exec('UPDATE migrator.change_columns SET up = NULL'), '42501', 'permission denied for table change_columns',
	'rewrite a change''s columns');
SELECT throws_ok(pg_temp.dep_exec($$UPDATE migrator.change_steps SET abort_sql = 'DROP TABLE public.theirs'$$),
	'42501', 'permission denied for table change_steps', 'rewrite a change''s steps');
SELECT throws_ok(pg_temp.dep_exec($$INSERT INTO migrator.snapshots (action, snapshot) VALUES ('forged', '{}')$$),
	'42501', 'permission denied for table snapshots', 'forge a snapshot');
SELECT throws_ok(pg_temp.dep(format('SELECT version FROM migrator.status(%L)', :'fixtures' || '/flyway')),
	'42501', 'permission denied to read migration files on the server', 'status(dir)');
SELECT throws_ok(pg_temp.dep(format('SELECT action FROM migrator.apply(%L)', :'fixtures' || '/flyway')),
	'42501', 'permission denied to read migration files on the server', 'apply(dir)');
SELECT throws_ok(pg_temp.dep(format('SELECT rule FROM migrator.lint_dir(%L)', :'fixtures' || '/flyway')),
	'42501', 'permission denied to read migration files on the server', 'lint_dir(dir)');

------------------------------------------------------------------------------
-- revoke_deploy: refused again
------------------------------------------------------------------------------
SELECT lives_ok($$SELECT migrator.revoke_deploy('migrator_tap_deployer')$$, 'revoke_deploy');
SELECT is((SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'migrator'::regnamespace
			 AND has_function_privilege('migrator_tap_deployer', p.oid, 'EXECUTE')
			 AND NOT has_function_privilege('public', p.oid, 'EXECUTE')),
	0::bigint, 'no routine left to it but PUBLIC''s');
SELECT throws_ok(pg_temp.dep(format('SELECT action FROM migrator.apply(%L::jsonb)', pg_temp.app())),
	'42501', 'permission denied for function apply', 'apply(bundle) refused again');
SELECT throws_ok(pg_temp.dep_run($$SELECT migrator.expand('late', '{"add_column": {"table": "accounts", "column": {"name": "x", "type": "int"}}}')$$),
	'42501', 'permission denied for function expand', 'expand refused again');
SELECT throws_ok(pg_temp.dep($$SELECT statement FROM migrator.generate('CREATE TABLE t (id int);', 'app')$$),
	'42501', 'permission denied for function generate', 'generate refused again');

SELECT dblink_disconnect('dep') \g /dev/null
DROP SCHEMA app CASCADE;
DROP TABLE public.theirs, public.before;
SELECT * FROM finish();
