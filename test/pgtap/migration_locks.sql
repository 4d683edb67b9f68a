-- migration_locks.sql: a migration waits at most its lock_timeout (migrator.lock_timeout, or the
-- file's "-- migrator:lock_timeout=" directive) for a lock, then is rolled back and retried after a
-- backoff, up to migrator.lock_retries times: it never queues for long in front of other sessions.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql
\set locks :fixtures/locks

SELECT plan(13);

CREATE TABLE lock_target (id int);
SELECT is(dblink_connect('holder', pg_temp.connstr()), 'OK', 'a session that holds a lock');
SELECT is(dblink_connect('runner', pg_temp.connstr()), 'OK', 'a session that applies');

-- the table stays locked: apply gives up with 55P03 after its retries
SELECT is(dblink_exec('holder', 'BEGIN; LOCK TABLE lock_target IN ACCESS SHARE MODE'), 'LOCK TABLE', 'holder locks the table');
SELECT is(dblink_exec('runner', 'SET migrator.lock_retries = 2'), 'SET', 'runner: 2 retries');
SELECT throws_ok(format($$SELECT * FROM dblink('runner', %L) AS t(v text, n text, a text, d float8)$$,
	format('SELECT * FROM migrator.apply(%L)', :'locks')),
	'55P03', NULL, 'apply gives up with lock_not_available');
SELECT is((SELECT count(*)::int FROM migrator.journal), 0, 'nothing recorded');
SELECT hasnt_table('lock_seen', 'nothing of the migration was kept');

-- released while the runner backs off: the migration goes through, with the file's timeouts
SELECT is(dblink_exec('runner', 'SET migrator.lock_retries = 50'), 'SET', 'runner: 50 retries');
SELECT is(dblink_send_query('runner', format('SELECT * FROM migrator.apply(%L)', :'locks')), 1, 'runner: apply sent');
-- 0.5 s is ten of the file's 50 ms lock timeouts: the runner must still be at it, retrying
SELECT pg_sleep(0.5);
SELECT is(dblink_is_busy('runner'), 1, 'runner: still retrying while the table is locked');
SELECT is(dblink_exec('holder', 'COMMIT'), 'COMMIT', 'holder releases the table');
SELECT results_eq($$SELECT v, a FROM dblink_get_result('runner') AS t(v text, n text, a text, d float8)$$,
	$$VALUES ('1', 'applied')$$, 'runner: the migration was applied once the lock was free');
SELECT results_eq($$SELECT lock_timeout, statement_timeout FROM lock_seen$$,
	$$VALUES ('50ms', '20s')$$, 'the migration ran with its file''s timeouts, once the lock was free');

SELECT dblink_disconnect('holder');
SELECT dblink_disconnect('runner');
SELECT * FROM finish();
