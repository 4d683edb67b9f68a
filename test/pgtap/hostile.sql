-- hostile.sql: hostile input, each case with its expected error and the
-- journal and schema left as they were.  Paths, sizes, encodings, names,
-- migrations that go after migrator's own objects or another identity,
-- malformed JSON, and injection attempts through every text argument.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(160);

-- what a refused call must leave alone: migrator's and public's relations,
-- columns and functions, and the journal
CREATE FUNCTION pg_temp.fingerprint() RETURNS text LANGUAGE sql AS $f$
	SELECT md5(concat_ws('|',
		(SELECT string_agg(format('%s.%s:%s', n.nspname, c.relname, c.relkind), ',' ORDER BY 1)
		 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname IN ('public', 'migrator') OR n.nspname LIKE 'public\_%'),
		(SELECT string_agg(format('%s.%s.%s', a.attrelid::regclass, a.attname, a.atttypid::regtype), ','
						   ORDER BY 1)
		 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		 JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname IN ('public', 'migrator') AND a.attnum > 0 AND NOT a.attisdropped),
		(SELECT string_agg(p.oid::regprocedure::text, ',' ORDER BY 1) FROM pg_proc p
		 WHERE p.pronamespace = 'migrator'::regnamespace),
		(SELECT string_agg(nspname, ',' ORDER BY 1) FROM pg_namespace),
		(SELECT string_agg(format('%s %s %s', version, name, checksum), ',' ORDER BY id)
		 FROM migrator.journal),
		(SELECT count(*) FROM pg_extension WHERE extname = 'migrator')))
$f$;

-- two tests: sql fails with SQLSTATE state and a message LIKE msg; nothing changed
CREATE FUNCTION pg_temp.refused(sql text, state text, msg text, what text) RETURNS SETOF text
LANGUAGE plpgsql AS $f$
DECLARE
	before text := pg_temp.fingerprint();
	got_state text;
	got_msg text;
BEGIN
	BEGIN
		EXECUTE sql;
	EXCEPTION WHEN OTHERS THEN
		got_state := SQLSTATE;
		got_msg := SQLERRM;
	END;
	RETURN NEXT ok(got_state = state AND got_msg LIKE msg,
				   format('%s -> %s %s', what, coalesce(got_state, 'no error'), got_msg));
	RETURN NEXT is(pg_temp.fingerprint(), before, what || ': journal and schema unchanged');
END
$f$;

-- a migration in a bundle that must be refused
CREATE FUNCTION pg_temp.migration_refused(body text, state text, msg text, what text)
RETURNS SETOF text LANGUAGE sql AS $f$
	SELECT pg_temp.refused(format('SELECT * FROM migrator.apply(%L::jsonb)',
								  jsonb_build_object('V900__hostile.sql', body)), state, msg, what)
$f$;

-- run a shell command on the server (as the server's OS user)
CREATE FUNCTION pg_temp.sh(cmd text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'cat > /dev/null; ' || cmd);
END
$f$;

SELECT set_config('tap.base', current_setting('data_directory') || '/migrator_hostile', false) \g /dev/null
SELECT pg_temp.sh(format('rm -rf %1$s && mkdir -p %1$s/outside && echo "SELECT 1;" > %1$s/outside/secret.sql',
						 current_setting('tap.base')));
CREATE TABLE victim (id int);
SELECT lives_ok($$SELECT * FROM migrator.apply('{"V1__base.sql": "CREATE TABLE base (id int);"}'::jsonb)$$,
	'a first migration, so that the journal has something to lose');

------------------------------------------------------------------------------
-- paths
------------------------------------------------------------------------------
SELECT pg_temp.refused($$SELECT * FROM migrator.status('migrations')$$, '22023',
	'migration folder "migrations" is not an absolute path', 'a relative path');
SELECT pg_temp.refused($$SELECT * FROM migrator.status('{"V1__a.sql": "SELECT 1;"}')$$, '22023',
	'migration folder "{%" is not an absolute path', 'a bundle passed as text');
SELECT pg_temp.refused($$SELECT * FROM migrator.status(NULL::text)$$, '22004',
	'migration folder must not be NULL', 'a NULL folder');
SELECT pg_temp.refused($$SELECT * FROM migrator.status('/nonexistent/migrator/folder')$$, '58P01',
	'could not open migration folder "/nonexistent/migrator/folder"%', 'a folder that does not exist');
SELECT pg_temp.refused(format('SELECT * FROM migrator.status(%L)', current_setting('tap.base') || '/outside/secret.sql'),
	'42809', 'could not open migration folder %: Not a directory', 'a file given as the folder');
SELECT pg_temp.sh(format('mkdir -p %1$s/link_out && ln -s %1$s/outside/secret.sql %1$s/link_out/V1__secret.sql',
						 current_setting('tap.base')));
SELECT pg_temp.refused(format('SELECT * FROM migrator.status(%L)', current_setting('tap.base') || '/link_out'),
	'22023', 'migration file "V1__secret.sql" leads out of the migration folder',
	'a symbolic link to a file outside the folder');
SELECT pg_temp.sh(format('mkdir -p %1$s/outside/20240101000000_x %1$s/link_dir && echo "SELECT 1;" > %1$s/outside/20240101000000_x/migration.sql && ln -s %1$s/outside/20240101000000_x %1$s/link_dir/20240101000000_x',
						 current_setting('tap.base')));
SELECT pg_temp.refused(format('SELECT * FROM migrator.status(%L)', current_setting('tap.base') || '/link_dir'),
	'22023', 'migration file "20240101000000_x/migration.sql" leads out of the migration folder',
	'a symbolic link to a Prisma migration folder outside');
SELECT pg_temp.sh(format('mkdir -p %1$s/link_in/shared && echo "SELECT 1;" > %1$s/link_in/shared/one.sql && ln -s shared/one.sql %1$s/link_in/V1__base.sql',
						 current_setting('tap.base')));
SELECT results_eq(format('SELECT version, state FROM migrator.status(%L)', current_setting('tap.base') || '/link_in'),
	$$VALUES ('1', 'modified')$$, 'a symbolic link inside the folder is followed');
SELECT results_eq(format('SELECT version, state FROM migrator.status(%L)', current_setting('tap.base') || '/../migrator_hostile/link_in'),
	$$VALUES ('1', 'modified')$$, 'a folder path with .. is canonicalised');
SELECT pg_temp.refused($$SELECT * FROM migrator.status('{"../outside/V1__x.sql": "SELECT 1;"}'::jsonb)$$, '22023',
	'migration bundle entry "../outside/V1__x.sql" has an empty, "." or ".." path component', 'a bundle path with ..');
SELECT pg_temp.refused($$SELECT * FROM migrator.status('{"/etc/V1__x.sql": "SELECT 1;"}'::jsonb)$$, '22023',
	'migration bundle entry "/etc/V1__x.sql" is an absolute path', 'an absolute bundle path');

------------------------------------------------------------------------------
-- sizes and encodings
------------------------------------------------------------------------------
SELECT pg_temp.sh(format('mkdir -p %1$s/big && head -c 3000 /dev/zero | tr "\0" " " > %1$s/big/V2__big.sql && echo "SELECT 1;" >> %1$s/big/V2__big.sql',
						 current_setting('tap.base')));
SET migrator.max_file_size = 2;
SELECT pg_temp.refused(format('SELECT * FROM migrator.apply(%L)', current_setting('tap.base') || '/big'),
	'54000', 'migration file "V2__big.sql" is too large', 'a file over migrator.max_file_size');
SELECT pg_temp.refused(format('SELECT * FROM migrator.apply(%L::jsonb)', jsonb_build_object('V2__big.sql', repeat(' ', 3000) || 'SELECT 1;')),
	'54000', 'migration file "V2__big.sql" is too large', 'a bundle entry over migrator.max_file_size');
RESET migrator.max_file_size;
SELECT pg_temp.refused($$SET migrator.max_file_size = 0$$, '22023', '%', 'max_file_size 0');
SELECT pg_temp.sh(format($$mkdir -p %1$s/nul && printf 'SELECT 1;\n\0SELECT 2;\n' > %1$s/nul/V2__nul.sql$$, current_setting('tap.base')));
SELECT pg_temp.refused(format('SELECT * FROM migrator.apply(%L)', current_setting('tap.base') || '/nul'),
	'22021', 'migration file "V2__nul.sql" contains a NUL byte at line 2', 'a NUL byte');
SELECT pg_temp.sh(format($$mkdir -p %1$s/latin1 && printf 'SELECT 1;\n-- caf\351\n' > %1$s/latin1/V2__latin1.sql$$, current_setting('tap.base')));
SELECT pg_temp.refused(format('SELECT * FROM migrator.apply(%L)', current_setting('tap.base') || '/latin1'),
	'22021', 'migration file "V2__latin1.sql" is not valid UTF-8 at line 2', 'invalid UTF-8');
SELECT pg_temp.refused($$SELECT * FROM migrator.apply('{"V2__nul.sql": "SELECT 1;\u0000"}'::jsonb)$$,
	'22P05', '%', 'a NUL in a bundle (jsonb refuses it)');
-- accepted: a BOM and CRLF line endings; the checksum is over the bytes as they are
SELECT pg_temp.sh(format($$mkdir -p %1$s/bom && printf 'CREATE TABLE base (id int);' > %1$s/bom/V1__base.sql && printf '\357\273\277CREATE TABLE bom_t (id int);\r\nCREATE TABLE crlf_t (id int);\r\n' > %1$s/bom/V2__bom_crlf.sql$$,
						 current_setting('tap.base')));
SELECT results_eq(format('SELECT version, action FROM migrator.apply(%L)', current_setting('tap.base') || '/bom'),
	$$VALUES ('2', 'applied')$$, 'a BOM and CRLF line endings are accepted');
SELECT is((SELECT checksum FROM migrator.journal WHERE version = '2'),
	encode(sha256(pg_read_binary_file(current_setting('tap.base') || '/bom/V2__bom_crlf.sql')), 'hex'),
	'the checksum covers the BOM and the CRs');
SELECT ok(to_regclass('bom_t') IS NOT NULL AND to_regclass('crlf_t') IS NOT NULL, 'both statements ran');

------------------------------------------------------------------------------
-- many files, odd names
------------------------------------------------------------------------------
SELECT set_config('tap.many', (SELECT jsonb_object_agg(format('%s_m%s.sql', 100000 + g, g), 'SELECT 1;')
	FROM generate_series(1, 10000) g)::text, false) \g /dev/null
SELECT is((SELECT count(*) FROM migrator.status(current_setting('tap.many')::jsonb) WHERE state = 'pending'),
	10000::bigint, '10,000 files: every one is listed');
SELECT pg_temp.reset_db();
SELECT is((SELECT count(*) FROM migrator.apply(current_setting('tap.many')::jsonb)), 10000::bigint,
	'10,000 files: every one is applied');
SELECT is((SELECT min(version) || ' ' || max(version) FROM migrator.journal), '100001 110000',
	'in order');
SELECT pg_temp.reset_db();
CREATE TABLE victim (id int);
SELECT results_eq($$SELECT version, name FROM migrator.apply(jsonb_build_object(
		'V1__create users.sql', 'CREATE TABLE "user table" (id int);',
		'V2__it''s "quoted".sql', 'SELECT 1;',
		'V3__créer_événements.sql', 'SELECT 2;',
		'V4__x''); DROP TABLE victim; --.sql', 'SELECT 3;'))$$,
	$$VALUES ('1', 'create users'), ('2', 'it''s "quoted"'), ('3', 'créer_événements'),
			 ('4', 'x''); DROP TABLE victim; --')$$,
	'names with spaces, quotes, non-ASCII letters and SQL are names');
SELECT ok(to_regclass('victim') IS NOT NULL AND to_regclass('"user table"') IS NOT NULL,
	'and nothing was injected');
SELECT pg_temp.reset_db();
CREATE TABLE victim (id int);

------------------------------------------------------------------------------
-- migrations that go after migrator's own objects
------------------------------------------------------------------------------
SELECT pg_temp.migration_refused('DROP SCHEMA migrator CASCADE;', '42501',
	'a migration must not change migrator''s own objects', 'DROP SCHEMA migrator');
SELECT pg_temp.migration_refused('DROP EXTENSION migrator;', '42501',
	'a migration must not change migrator''s own objects', 'DROP EXTENSION migrator');
SELECT pg_temp.migration_refused('DELETE FROM migrator.journal;', '42501',
	'a migration must not change migrator''s own objects', 'DELETE FROM the journal');
SELECT pg_temp.migration_refused($$INSERT INTO migrator.journal (version, name, path, checksum, duration, statements)
	VALUES ('999', 'forged', 'x.sql', repeat('0', 64), '0', 0);$$, '42501',
	'a migration must not change migrator''s own objects', 'INSERT INTO the journal');
SELECT pg_temp.migration_refused($$UPDATE migrator.journal SET checksum = repeat('0', 64);$$, '42501',
	'a migration must not change migrator''s own objects', 'UPDATE the journal');
SELECT pg_temp.migration_refused('DELETE FROM migrator.events;', '42501',
	'a migration must not change migrator''s own objects', 'DELETE FROM the events');
SELECT pg_temp.migration_refused('TRUNCATE migrator.events;', '42501',
	'a migration must not change migrator''s own objects', 'TRUNCATE the events');
SELECT pg_temp.migration_refused('ALTER TABLE migrator.journal ADD COLUMN x int;', '42501',
	'a migration must not change migrator''s own objects', 'ALTER TABLE the journal ADD COLUMN');
SELECT pg_temp.migration_refused('ALTER TABLE migrator.journal RENAME TO journal_old;', '42501',
	'a migration must not change migrator''s own objects', 'RENAME the journal');
SELECT pg_temp.migration_refused('DROP TABLE migrator.events;', '2BP01',
	'cannot drop table migrator.events because extension migrator requires it', 'DROP TABLE the events');
SELECT pg_temp.migration_refused('CREATE TABLE migrator.extra (id int);', '42501',
	'a migration must not change migrator''s own objects', 'CREATE TABLE in schema migrator');
SELECT pg_temp.migration_refused('CREATE INDEX ON migrator.journal (name);', '42501',
	'a migration must not change migrator''s own objects', 'CREATE INDEX on the journal');
SELECT pg_temp.migration_refused('CREATE FUNCTION migrator.apply(int) RETURNS int LANGUAGE sql AS ''SELECT 1'';', '42501',
	'a migration must not change migrator''s own objects', 'CREATE FUNCTION in schema migrator');
SELECT pg_temp.migration_refused('ALTER FUNCTION migrator.verify(text) RENAME TO verify_old;', '42501',
	'a migration must not change migrator''s own objects', 'ALTER FUNCTION of migrator');
SELECT pg_temp.migration_refused('CREATE TRIGGER forge BEFORE INSERT ON migrator.journal FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();',
	'42501', 'a migration must not change migrator''s own objects', 'CREATE TRIGGER on the journal');
SELECT pg_temp.migration_refused('CREATE TABLE pins (v text REFERENCES migrator.journal (version));', '42501',
	'a migration must not change migrator''s own objects', 'a foreign key to the journal');
SELECT pg_temp.migration_refused('DO $$ BEGIN EXECUTE ''DELETE FROM migrator.journal''; END $$;', '42501',
	'a migration must not change migrator''s own objects', 'DELETE through dynamic SQL');
SELECT pg_temp.migration_refused('CREATE FUNCTION public.wipe() RETURNS void LANGUAGE sql AS ''DELETE FROM migrator.journal''; SELECT public.wipe();',
	'42501', 'a migration must not change migrator''s own objects', 'DELETE through a function');
SELECT pg_temp.migration_refused('SET SESSION AUTHORIZATION DEFAULT;', '42501',
	'SET SESSION AUTHORIZATION is not allowed in migration "V900__hostile.sql"', 'SET SESSION AUTHORIZATION');

-- SET ROLE in a migration is checked as PostgreSQL checks it, against the
-- session's own role: from a session of an ordinary role (over dblink)
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'migrator_tap_other') THEN
		CREATE ROLE migrator_tap_other NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'migrator_tap_lowly') THEN
		CREATE ROLE migrator_tap_lowly LOGIN;
	END IF;
END
$$;
ALTER ROLE migrator_tap_lowly LOGIN;
SET client_min_messages = error;
REVOKE migrator_tap_other FROM migrator_tap_lowly;
SET client_min_messages = warning;
GRANT EXECUTE ON FUNCTION migrator.apply(jsonb, text, boolean) TO migrator_tap_lowly;
GRANT CREATE ON SCHEMA public TO migrator_tap_lowly, migrator_tap_other;
CREATE FUNCTION pg_temp.as_lowly(bundle text) RETURNS text LANGUAGE sql AS $f$
	SELECT format('SELECT * FROM dblink(%L, %L) AS t(action text)',
				  format('dbname=%s user=migrator_tap_lowly host=%s port=%s', current_database(),
						 trim(split_part(current_setting('unix_socket_directories'), ',', 1)),
						 current_setting('port')),
				  format('SELECT action FROM migrator.apply(%L::jsonb)', bundle))
$f$;
SELECT pg_temp.refused(pg_temp.as_lowly('{"V900__role.sql": "SET ROLE migrator_tap_other; CREATE TABLE as_other (id int);"}'),
	'42501', 'permission denied to set role "migrator_tap_other"', 'SET ROLE to a role the caller is not a member of');
SELECT pg_temp.refused(pg_temp.as_lowly('{"V900__role.sql": "SET ROLE postgres; DELETE FROM migrator.journal;"}'),
	'42501', 'permission denied to set role "postgres"', 'SET ROLE to a superuser');
SELECT pg_temp.refused(pg_temp.as_lowly('{"V900__role.sql": "SET SESSION AUTHORIZATION postgres;"}'),
	'42501', 'SET SESSION AUTHORIZATION is not allowed in migration "V900__role.sql"',
	'SET SESSION AUTHORIZATION from an ordinary role');
GRANT migrator_tap_other TO migrator_tap_lowly;
SELECT results_eq(pg_temp.as_lowly('{"V5__role.sql": "SET ROLE migrator_tap_other; CREATE TABLE made_by_other (id int);"}'),
	$$VALUES ('applied')$$, 'SET ROLE to a role the caller belongs to is allowed');
SELECT is((SELECT tableowner::text FROM pg_tables WHERE tablename = 'made_by_other'), 'migrator_tap_other',
	'the statements after it ran as that role');
SELECT is((SELECT applied_by::text FROM migrator.journal WHERE version = '5'), 'migrator_tap_lowly',
	'the journal names the caller');
SET client_min_messages = error;
REVOKE migrator_tap_other FROM migrator_tap_lowly;
SET client_min_messages = warning;

------------------------------------------------------------------------------
-- malformed JSON
------------------------------------------------------------------------------
SELECT pg_temp.refused($$SELECT migrator.expand('bad_json', 'not json')$$, '22P02', 'invalid input syntax for type json',
	'ops that are not JSON');
SELECT pg_temp.refused($$SELECT migrator.expand('bad_ops', '42')$$, '22023', '%', 'ops that are a number');
SELECT pg_temp.refused($$SELECT migrator.expand('bad_ops', '{"frobnicate": {}}')$$, '22023', '%', 'an unknown operation');
SELECT pg_temp.refused($$SELECT migrator.expand('bad_ops', '{"add_column": {"table": 5}}')$$, '22023', '%',
	'a table name that is a number');
SELECT pg_temp.refused($$SELECT migrator.expand('bad_ops', '{"add_column": {"table": "victim"}}')$$, '22023', '%',
	'add_column without a column');
SELECT pg_temp.refused($$SELECT * FROM migrator.status('[{"V1__a.sql": "SELECT 1;"}]'::jsonb)$$, '22023',
	'migration bundle must be a jsonb object', 'a bundle that is an array');
SELECT pg_temp.refused($$SELECT * FROM migrator.status('{"V1__a.sql": {"sql": "SELECT 1;"}}'::jsonb)$$, '22023',
	'migration bundle entry "V1__a.sql" is not a string', 'a bundle entry that is an object');
SELECT pg_temp.refused($$SELECT * FROM migrator.diff('{"tables": 5}'::jsonb, '{}'::jsonb)$$, '22023',
	'malformed source snapshot', 'a snapshot that is not one');
SELECT pg_temp.refused($$SELECT * FROM migrator.diff('{}'::jsonb, '{"public": {"tables": {"t": 1}}}'::jsonb)$$, '22023',
	'malformed target snapshot', 'a snapshot whose table is not an object');
SELECT pg_temp.refused($$SELECT * FROM migrator.status('{"0000_a.sql": "SELECT 1;", "meta/_journal.json": "{not json"}'::jsonb)$$,
	'22P02', 'invalid input syntax for type json', 'a drizzle journal that is not JSON');

------------------------------------------------------------------------------
-- injection through every text argument
------------------------------------------------------------------------------
SELECT pg_temp.reset_db();
CREATE TABLE victim (id int);
SELECT set_config('tap.bundle', '{"V1__create users.sql": "CREATE TABLE \"user table\" (id int);"}', false) \g /dev/null
SELECT pg_temp.refused($$SELECT * FROM migrator.apply(current_setting('tap.bundle')::jsonb, '1''; DROP TABLE victim; --')$$,
	'22023', 'target version "1''; DROP TABLE victim; --" is not a version of the migration folder', 'apply(target)');
SELECT pg_temp.refused($$SELECT * FROM migrator.status('x''; DROP TABLE victim; --')$$, '22023', '%not an absolute path',
	'status(dir)');
SELECT pg_temp.refused($$SELECT * FROM migrator.status('/tmp/x''; DROP TABLE victim; --')$$, '58P01', 'could not open migration folder%',
	'status(absolute dir)');
SELECT pg_temp.refused($$SELECT * FROM migrator.baseline(current_setting('tap.bundle')::jsonb, '1; DROP TABLE victim')$$,
	'22023', 'target version "1; DROP TABLE victim" is not a version of the migration folder', 'baseline(version)');
SELECT pg_temp.refused($$SELECT migrator.resolve(current_setting('tap.bundle')::jsonb, '1', 'applied''; DROP TABLE victim; --')$$,
	'22023', 'outcome must be ''applied'' or ''rolled-back''%', 'resolve(outcome)');
SELECT pg_temp.refused($$SELECT migrator.resolve(current_setting('tap.bundle')::jsonb, '1); DROP TABLE victim; --', 'applied')$$,
	'22023', 'target version%', 'resolve(version)');
SELECT pg_temp.refused($$SELECT * FROM migrator.revert(current_setting('tap.bundle')::jsonb, 99)$$, '22023', 'cannot revert 99 migrations%',
	'revert(steps) beyond what is applied');
SELECT pg_temp.refused($$SELECT migrator.backfill('x''; DROP TABLE victim; --')$$, '42704', '%', 'backfill(change)');
SELECT pg_temp.refused($$SELECT migrator.contract('x''; DROP TABLE victim; --')$$, '42704', '%', 'contract(change)');
SELECT pg_temp.refused($$SELECT migrator.abort('x''; DROP TABLE victim; --')$$, '42704', '%', 'abort(change)');
SELECT pg_temp.refused($$SELECT migrator.expand('inj', '{"add_column": {"table": "victim; DROP TABLE victim", "column": {"name": "c", "type": "int"}}}')$$,
	'42P01', '%', 'expand(table name)');
SELECT pg_temp.refused($$SELECT migrator.expand('inj', '{"add_column": {"table": "victim", "column": {"name": "c", "type": "int; DROP TABLE victim"}}}')$$,
	'42601', '%', 'expand(column type)');
SELECT pg_temp.refused($$SELECT migrator.expand('inj', '{"alter_column": {"table": "victim", "column": "id", "type": "bigint", "up": "id); DROP TABLE victim; --", "down": "id"}}')$$,
	'42601', '%', 'expand(up expression)');
SELECT pg_temp.refused($$SELECT * FROM migrator.diff('public; DROP TABLE victim', 'public')$$, '3F000', '%', 'diff(schema)');
-- (a schema the database lacks is described as absent, not refused)
SELECT is(migrator.snapshot(ARRAY['x''; DROP TABLE victim; --']) -> 'x''; DROP TABLE victim; --' -> 'schema',
	'{"absent": true}'::jsonb, 'snapshot(schemas) of a name that is no schema: absent');
SELECT has_table('victim', 'snapshot(schemas): victim stands');
-- generate() for schema hostile_gen: public is outside its scratch schema
CREATE SCHEMA hostile_gen;
SELECT pg_temp.refused($$SELECT * FROM migrator.generate('DROP TABLE public.victim;', 'hostile_gen')$$, '42501',
	'the desired schema must not change anything outside its scratch schema', 'generate() dropping a live table');
SELECT pg_temp.refused($$SELECT * FROM migrator.generate('CREATE TABLE t (id int); INSERT INTO public.victim VALUES (1);', 'hostile_gen')$$, '42501',
	'the desired schema must not change anything outside its scratch schema', 'generate() writing a live table');
SELECT pg_temp.refused($$SELECT * FROM migrator.generate('CREATE TABLE public.t (id int);', 'hostile_gen')$$, '42501',
	'the desired schema must not change anything outside its scratch schema', 'generate() creating in another schema');
SELECT pg_temp.refused($$SELECT * FROM migrator.generate('ALTER TABLE public.victim ADD COLUMN x int;', 'hostile_gen')$$, '42501',
	'the desired schema must not change anything outside its scratch schema', 'generate() altering a live table');
SELECT pg_temp.refused($$SELECT * FROM migrator.generate('CREATE ROLE migrator_tap_generated;')$$, '42501',
	'the desired schema must not change anything outside its scratch schema', 'generate() creating a role');
SELECT pg_temp.refused($$SELECT * FROM migrator.generate('CREATE TABLE t (id int); DELETE FROM migrator.journal;')$$, '42501',
	'the desired schema must not change anything outside its scratch schema', 'generate() writing the journal');
SELECT pg_temp.refused($$SELECT * FROM migrator.generate('SET search_path = hostile_gen; CREATE TABLE t (id int);')$$, '42501',
	'the desired schema must not change anything outside its scratch schema', 'generate() creating in a schema it sets as search_path');
-- for schema public, public.victim is the scratch schema's: the live one is never reached
SELECT pg_temp.refused($$SELECT * FROM migrator.generate('DROP TABLE public.victim;')$$, '42P01',
	'table "victim" does not exist', 'generate() dropping public.victim for schema public drops the scratch''s');
SELECT pg_temp.refused($$SELECT * FROM migrator.generate('CREATE TABLE t (id int);', 'nope''; DROP TABLE victim; --')$$, '3F000', '%',
	'generate(schema)');
-- a change name and a column name full of SQL are names
SELECT lives_ok($$SELECT migrator.expand('x"; DROP TABLE victim; --', '{"add_column": {"table": "victim", "column": {"name": "c\"; DROP TABLE victim; --", "type": "int"}}}')$$,
	'a change and a column named with SQL');
SELECT ok(to_regclass('victim') IS NOT NULL AND EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'victim'::regclass
	AND attname = '_migrator_new_c"; DROP TABLE victim; --'), 'are quoted: the new column has that name and victim stands');
SELECT ok(EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public_x"; DROP TABLE victim; --'),
	'and so is the version schema');
SELECT lives_ok($$SELECT migrator.abort('x"; DROP TABLE victim; --')$$, 'and the change aborts');

-- clean up what is cluster-wide
REVOKE EXECUTE ON FUNCTION migrator.apply(jsonb, text, boolean) FROM migrator_tap_lowly;
REVOKE CREATE ON SCHEMA public FROM migrator_tap_lowly, migrator_tap_other;
SELECT pg_temp.sh(format('rm -rf %s', current_setting('tap.base')));
SELECT * FROM finish();
