-- sqitch.sql: Sqitch projects, offline.  test/fixtures/sqitch was written by the real sqitch
-- (1.3.1, Debian 12: sqitch init/add/tag/rework); the change ids and script hashes below are the
-- ones the real sqitch recorded in sqitch.changes when it deployed that project (test/tap/sqitch.sh
-- does the same live).  Plan order, tags, rework (deploy/users@v1.0.sql), requires, verify scripts
-- (a failure rolls the change back), revert scripts, the plan grammar's errors, and adopt().
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SET migrator.lint = off;
SET migrator.drift = off;
CREATE FUNCTION pg_temp.error_of(stmt text, OUT state text, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE stmt;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
		detail = PG_EXCEPTION_DETAIL;
END
$f$;

\set sq :fixtures/sqitch

-- the fixture as a bundle, with some entries replaced or added
CREATE FUNCTION pg_temp.sq_bundle(dir text, extra jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $f$
	SELECT jsonb_object_agg(f, pg_read_file(dir || '/' || f)) || extra
	FROM unnest(ARRAY['sqitch.plan', 'sqitch.conf',
		'deploy/appschema.sql', 'deploy/users@v1.0.sql', 'deploy/users.sql',
		'revert/appschema.sql', 'revert/users@v1.0.sql', 'revert/users.sql',
		'verify/appschema.sql', 'verify/users@v1.0.sql', 'verify/users.sql']) f
$f$;
-- a small project: a plan body after the pragmas, and scripts
CREATE FUNCTION pg_temp.proj(body text, files jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $f$
	SELECT jsonb_build_object('sqitch.plan', E'%syntax-version=1.0.0\n%project=p\n\n' || body) || files
$f$;
CREATE FUNCTION pg_temp.clean() RETURNS void LANGUAGE sql AS $f$
	DELETE FROM migrator.journal;
	DROP SCHEMA IF EXISTS flipr CASCADE;
	DROP SCHEMA IF EXISTS sqitch CASCADE;
	DROP TABLE IF EXISTS public.a, public.b;
$f$;

SELECT plan(26);

------------------------------------------------------------------------------
-- the layout: plan order, rework
------------------------------------------------------------------------------
SELECT results_eq(format('SELECT version, name, state FROM migrator.status(%L)', :'sq'),
	$$VALUES ('appschema', 'appschema', 'pending'), ('users@v1.0', 'users', 'pending'),
			 ('users', 'users', 'pending')$$,
	'sqitch: the plan''s changes in plan order; the reworked change''s earlier instance is users@v1.0');
SELECT results_eq(format('SELECT version, action FROM migrator.apply(%L)', :'sq'),
	$$VALUES ('appschema', 'applied'), ('users@v1.0', 'applied'), ('users', 'applied')$$,
	'apply runs the deploy scripts in plan order (their BEGIN; ... COMMIT; read as groupings)');
SELECT results_eq($$SELECT version, path FROM migrator.journal ORDER BY applied_at, id$$,
	$$VALUES ('appschema', 'deploy/appschema.sql'), ('users@v1.0', 'deploy/users@v1.0.sql'),
			 ('users', 'deploy/users.sql')$$,
	'the earlier instance ran from deploy/users@v1.0.sql, the reworked one from deploy/users.sql');
SELECT has_column('flipr', 'users', 'created', 'the reworked change ran: flipr.users.created');
SELECT results_eq(format('SELECT version, action FROM migrator.revert(%L)', :'sq'),
	$$VALUES ('users', 'reverted')$$, 'revert undoes the last change ...');
SELECT hasnt_column('flipr', 'users', 'created', '... with its revert/ script');
SELECT results_eq(format('SELECT version, state FROM migrator.status(%L)', :'sq'),
	$$VALUES ('appschema', 'applied'), ('users@v1.0', 'applied'), ('users', 'pending')$$,
	'and it is pending again');
SELECT pg_temp.clean();

------------------------------------------------------------------------------
-- verify scripts
------------------------------------------------------------------------------
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.apply(%L::jsonb)',
		pg_temp.sq_bundle(:'sq', jsonb_build_object('verify/users.sql',
			E'BEGIN;\nSELECT nickname, password, created, missing FROM flipr.users WHERE FALSE;\nROLLBACK;\n'))))).state,
	'42703', 'a verify script that fails fails the run, with its error');
SELECT hasnt_schema('flipr', '... and nothing of the run stays (the failed change rolled back with it)');
SELECT is((SELECT count(*) FROM migrator.journal), 0::bigint, '... nor in the journal');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.apply(%L::jsonb)',
		pg_temp.sq_bundle(:'sq', jsonb_build_object('verify/users.sql',
			E'BEGIN;\nSELECT 1/0;\nROLLBACK;\n'))))).message,
	'division by zero', 'the verify error is the one the run reports');
SELECT results_eq(format('SELECT version FROM migrator.apply(%L::jsonb)',
		pg_temp.proj(E'a 2024-01-01T00:00:00Z A <a@x>\n', jsonb_build_object(
			'deploy/a.sql', 'CREATE TABLE a (x int);',
			'verify/a.sql', E'BEGIN;\nINSERT INTO a VALUES (1);\nSELECT x FROM a;\nROLLBACK;\n'))),
	$$VALUES ('a')$$, 'a verify script that passes lets the change be recorded ...');
SELECT is((SELECT count(*) FROM a), 0::bigint, '... and what it did is rolled back, as its ROLLBACK says');
SELECT pg_temp.clean();

------------------------------------------------------------------------------
-- requires and the plan grammar
------------------------------------------------------------------------------
SELECT is(pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.proj(
		E'a [b] 2024-01-01T00:00:00Z A <a@x>\nb 2024-01-02T00:00:00Z A <a@x>\n',
		'{"deploy/a.sql": "SELECT 1;", "deploy/b.sql": "SELECT 2;"}'))),
	ROW('42P17'::text, 'change "a" requires "b", which is not planned before it'::text, 'sqitch.plan line 4.'::text),
	'a change requiring one planned after it is refused, naming both and the line');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.proj(
		E'a [nope] 2024-01-01T00:00:00Z A <a@x>\n', '{"deploy/a.sql": "SELECT 1;"}')))).message,
	'change "a" requires "nope", which is not planned before it', 'so is one requiring an unknown change');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.proj(
		E'a 2024-01-01T00:00:00Z A <a@x>\nb [a@v1] 2024-01-02T00:00:00Z A <a@x>\n@v1 2024-01-03T00:00:00Z A <a@x>\n',
		'{"deploy/a.sql": "SELECT 1;", "deploy/b.sql": "SELECT 2;"}')))).message,
	'change "b" requires "a@v1", which is not planned before it', 'and "change@tag" before that tag is planned');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.proj(
		E'a 2024-01-01T00:00:00Z A <a@x>\nb [a other:x] 2024-01-02T00:00:00Z A <a@x>\n',
		'{"deploy/a.sql": "SELECT 1;", "deploy/b.sql": "SELECT 2;"}')))).state,
	NULL, 'a change requiring an earlier one, or another project''s, is fine');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.proj(
		E'a 2024-01-01T00:00:00Z\n', '{"deploy/a.sql": "SELECT 1;"}')))).message,
	'syntax error in sqitch.plan at line 4: Missing planner name and email', 'a change line without its planner');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.proj(
		E'a A <a@x>\n', '{"deploy/a.sql": "SELECT 1;"}')))).message,
	'syntax error in sqitch.plan at line 4: Missing timestamp', 'a change line without its timestamp');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.proj(
		E'a 2024-01-01T00:00:00Z A <a@x>\na 2024-01-02T00:00:00Z A <a@x>\n', '{"deploy/a.sql": "SELECT 1;"}')))).message,
	'syntax error in sqitch.plan at line 5: Change "a" duplicates earlier declaration on line 4',
	'the same change twice without a tag between (no rework)');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', jsonb_build_object(
		'sqitch.plan', E'%syntax-version=1.0.0\n\na 2024-01-01T00:00:00Z A <a@x>\n', 'deploy/a.sql', 'SELECT 1;')))).message,
	'missing %project pragma in sqitch.plan', 'a plan without %project');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.proj(
		E'a 2024-01-01T00:00:00Z A <a@x>\n', '{}')))).detail,
	'Expected "deploy/a.sql" (sqitch.plan line 4).', 'a planned change without its deploy script');

------------------------------------------------------------------------------
-- adopt: sqitch.changes as the real sqitch left it after deploying the fixture
------------------------------------------------------------------------------
CREATE SCHEMA sqitch;
CREATE TABLE sqitch.changes (change_id text PRIMARY KEY, script_hash text, change text NOT NULL,
	project text NOT NULL, committed_at timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO sqitch.changes (change_id, change, project, script_hash) VALUES
	('88d27ccaf6f0822ec7dd51756c69e429e247df04', 'appschema', 'flipr', '5c4b2be44e4ed974a8268c671621c7a5904bd2b7'),
	('28bd7e15ad1105897acfc6fcf8b01f9ac4abc115', 'users', 'flipr', '523b2e43f891bbbf92609225dc3b0d895e46c87f'),
	('3eb4bb8f9ae9d8bea4d1b4ec1c3e29aa9a7c8f4a', 'other', 'another-project', NULL);
SELECT results_eq(format('SELECT version, action FROM migrator.adopt(%L)', :'sq'),
	$$VALUES ('appschema', 'adopted'), ('users@v1.0', 'adopted')$$,
	'adopt matches the project''s rows by Sqitch''s change id (computed from the plan) and script hash');
SELECT results_eq(format('SELECT version, state FROM migrator.status(%L)', :'sq'),
	$$VALUES ('appschema', 'applied'), ('users@v1.0', 'applied'), ('users', 'pending')$$,
	'what sqitch had not deployed is pending');
DELETE FROM migrator.journal;
SELECT is(pg_temp.error_of(format('SELECT * FROM migrator.adopt(%L::jsonb)',
		pg_temp.sq_bundle(:'sq', '{"deploy/users@v1.0.sql": "CREATE TABLE flipr.users (nickname text);"}'))),
	ROW('55000'::text, 'sqitch''s history in sqitch.changes does not match the migration folder: 1 problem'::text,
		'deploy/users@v1.0.sql: modified since sqitch deployed it (script hashes differ)'::text),
	'a deploy script edited since sqitch deployed it is refused; nothing adopted');
SELECT is((SELECT count(*) FROM migrator.journal), 0::bigint, '... nothing');

SELECT * FROM finish();
