-- concurrency.sql: a second apply waits for the first one's transaction,
-- then finds nothing pending (or only what the first left pending).
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

\set numbered :fixtures/numbered

CREATE FUNCTION pg_temp.apply_sql(dir text, target text DEFAULT NULL) RETURNS text
LANGUAGE sql AS $f$
	SELECT format('SELECT version, name, action, duration_ms FROM migrator.apply(%L, %L)', dir, target)
$f$;

SELECT plan(31);

SELECT is(dblink_connect('a', pg_temp.connstr()), 'OK', 'connection A');
SELECT is(dblink_connect('b', pg_temp.connstr()), 'OK', 'connection B');

------------------------------------------------------------------------------
-- A applies everything and holds its transaction open; B waits, then
-- finds nothing pending
------------------------------------------------------------------------------
SELECT is(dblink_exec('a', 'BEGIN'), 'BEGIN', 'A: BEGIN');
SELECT results_eq(
	format('SELECT version FROM dblink(%L, %L) AS t(version text, name text, action text, duration_ms float8)',
		   'a', pg_temp.apply_sql(:'numbered')),
	$$VALUES ('1'), ('2'), ('9'), ('10')$$,
	'A: apply inside its open transaction applied 1, 2, 9, 10');
SELECT is(dblink_send_query('b', pg_temp.apply_sql(:'numbered')), 1, 'B: apply sent');
SELECT is(dblink_is_busy('b'), 1, 'B: still waiting for A after 0.5 s') FROM pg_sleep(0.5);
SELECT is((SELECT count(*)::int FROM migrator.journal), 0, 'A''s journal rows are not visible yet');
SELECT ok(EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity s USING (pid)
				  WHERE l.locktype = 'advisory' AND NOT l.granted AND s.datname = current_database()),
	'B waits on an advisory lock');
SELECT is(dblink_exec('a', 'COMMIT'), 'COMMIT', 'A: COMMIT');
SELECT is_empty(
	$$SELECT * FROM dblink_get_result('b') AS t(version text, name text, action text, duration_ms float8)$$,
	'B: once A committed, its apply found nothing pending');
SELECT is_empty(
	$$SELECT * FROM dblink_get_result('b') AS t(version text, name text, action text, duration_ms float8)$$,
	'B: no further result');
SELECT results_eq(
	$$SELECT version, count(*)::int FROM migrator.journal GROUP BY version ORDER BY min(id)$$,
	$$VALUES ('1', 1), ('2', 1), ('9', 1), ('10', 1)$$,
	'journal has each version once');
SELECT results_eq($$SELECT x FROM dblink('b', 'SELECT 1') AS t(x int)$$, $$VALUES (1)$$,
	'B: connection still usable');

-- reset
DELETE FROM migrator.journal;
DROP TABLE nb_b, nb_a, nb_nine;

------------------------------------------------------------------------------
-- A applies up to 2; B (full apply) waits, then applies only 9 and 10
------------------------------------------------------------------------------
SELECT is(dblink_exec('a', 'BEGIN'), 'BEGIN', 'A: BEGIN');
SELECT results_eq(
	format('SELECT version FROM dblink(%L, %L) AS t(version text, name text, action text, duration_ms float8)',
		   'a', pg_temp.apply_sql(:'numbered', '2')),
	$$VALUES ('1'), ('2')$$,
	'A: apply with target 2');
SELECT is(dblink_send_query('b', pg_temp.apply_sql(:'numbered')), 1, 'B: full apply sent');
SELECT is(dblink_is_busy('b'), 1, 'B: waiting for A') FROM pg_sleep(0.5);
SELECT is(dblink_exec('a', 'COMMIT'), 'COMMIT', 'A: COMMIT');
SELECT results_eq(
	$$SELECT version, action FROM dblink_get_result('b') AS t(version text, name text, action text, duration_ms float8)$$,
	$$VALUES ('9', 'applied'), ('10', 'applied')$$,
	'B: applied only what A left pending');
SELECT is_empty(
	$$SELECT * FROM dblink_get_result('b') AS t(version text, name text, action text, duration_ms float8)$$,
	'B: no further result');
SELECT results_eq(
	$$SELECT version FROM migrator.journal ORDER BY id$$,
	$$VALUES ('1'), ('2'), ('9'), ('10')$$,
	'journal has each version once, in order');

-- reset
DELETE FROM migrator.journal;
DROP TABLE nb_b, nb_a, nb_nine;

------------------------------------------------------------------------------
-- A rolls back: B then applies everything itself
------------------------------------------------------------------------------
SELECT is(dblink_exec('a', 'BEGIN'), 'BEGIN', 'A: BEGIN');
SELECT is(
	(SELECT count(*)::int FROM dblink('a', pg_temp.apply_sql(:'numbered'))
		AS t(version text, name text, action text, duration_ms float8)),
	4, 'A: applied 4 in its transaction');
SELECT is(dblink_send_query('b', pg_temp.apply_sql(:'numbered')), 1, 'B: apply sent');
SELECT is(dblink_is_busy('b'), 1, 'B: waiting for A') FROM pg_sleep(0.5);
SELECT is(dblink_exec('a', 'ROLLBACK'), 'ROLLBACK', 'A: ROLLBACK');
SELECT results_eq(
	$$SELECT version FROM dblink_get_result('b') AS t(version text, name text, action text, duration_ms float8)$$,
	$$VALUES ('1'), ('2'), ('9'), ('10')$$,
	'B: applied all four after A rolled back');
SELECT is_empty(
	$$SELECT * FROM dblink_get_result('b') AS t(version text, name text, action text, duration_ms float8)$$,
	'B: no further result');
SELECT results_eq(
	$$SELECT version FROM migrator.journal ORDER BY id$$,
	$$VALUES ('1'), ('2'), ('9'), ('10')$$,
	'journal has B''s four rows');

SELECT is(dblink_disconnect('a'), 'OK', 'disconnect A');
SELECT is(dblink_disconnect('b'), 'OK', 'disconnect B');

SELECT * FROM finish();
