-- expand_locks.sql: every DDL step of a change waits at most migrator.lock_timeout for its lock and
-- is retried with backoff up to migrator.lock_retries times, so it never queues for long in front
-- of other sessions; when the lock frees up in time it succeeds.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(9);

CREATE TABLE busy (id int PRIMARY KEY, v int);
INSERT INTO busy VALUES (1, 1);

SELECT is(dblink_connect('holder', pg_temp.connstr()), 'OK', 'a session that will hold a lock');
SELECT is(dblink_connect('runner', pg_temp.connstr()), 'OK', 'a session that runs expand');
SELECT is(dblink_exec('runner', 'SET migrator.lock_timeout = ''50ms''; SET migrator.lock_retries = 2'), 'SET',
	'runner: lock_timeout 50ms, 2 retries');

-- the table stays locked: expand gives up with 55P03 after its retries, having changed nothing
SELECT is(dblink_exec('holder', 'BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE'), 'LOCK TABLE', 'holder locks busy');
SELECT throws_ok(
	$$SELECT dblink_exec('runner', $q$SELECT migrator.expand('widen', '{"alter_column": {"table": "busy", "column": "v", "type": "bigint"}}')$q$)$$,
	'55P03', NULL, 'expand gives up with lock_not_available after its retries');
SELECT is((SELECT count(*)::int FROM migrator.changes), 0, 'nothing of the change was recorded');
SELECT is((SELECT count(*)::int FROM pg_attribute WHERE attrelid = 'busy'::regclass AND attname LIKE '\_migrator%' AND NOT attisdropped), 0,
	'nothing of the change was added to the table');

-- the lock is released while expand is backing off: it then succeeds
SELECT is(dblink_exec('runner', 'SET migrator.lock_retries = 50'), 'SET', 'runner: 50 retries');
SELECT dblink_send_query('runner', $q$SELECT migrator.expand('widen', '{"alter_column": {"table": "busy", "column": "v", "type": "bigint"}}')$q$);
SELECT pg_sleep(0.4);
SELECT dblink_exec('holder', 'COMMIT');
SELECT * FROM dblink_get_result('runner') AS t(r text);
SELECT is((SELECT state FROM migrator.changes WHERE name = 'widen'), 'expanded',
	'expand went through once the lock was released');

SELECT dblink_disconnect('holder');
SELECT dblink_disconnect('runner');
SELECT * FROM finish();
