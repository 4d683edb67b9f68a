-- expand_concurrency.sql: writes from other sessions (dblink) through the new shape (search_path
-- set to the version schema) and through the old shape, while a backfill is stopped between
-- batches or blocked on the writer's row lock: the backfill never overwrites them with stale values.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(40);

CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO accounts SELECT i, i FROM generate_series(1, 20) i;

SELECT is(dblink_connect('a', pg_temp.connstr()), 'OK', 'connection A');
SELECT is(dblink_connect('b', pg_temp.connstr()), 'OK', 'connection B');

------------------------------------------------------------------------------
-- backfill stopped between batches; A writes through the new shape; backfill resumes
------------------------------------------------------------------------------
SELECT lives_ok(
	$$SELECT migrator.expand('cents', '[{"add_column": {"table": "accounts", "column": {"name": "cents",
		"type": "bigint"}, "up": "balance * 100"}}]')$$,
	'expand cents (up = balance * 100)');
SELECT is(pg_temp.bf('cents', 5, 1), 5::bigint, 'one batch of 5 (ids 1..5), then the backfill stops');
SELECT is(dblink_exec('a', 'SET search_path = public_cents, public'), 'SET', 'A: search_path = public_cents, public');
SELECT is(dblink_exec('a', 'UPDATE accounts SET cents = 999 WHERE id = 15'), 'UPDATE 1',
	'A: through the new shape, cents = 999 on id 15 (not yet backfilled)');
SELECT is(dblink_exec('a', 'UPDATE accounts SET cents = 333 WHERE id = 3'), 'UPDATE 1',
	'A: through the new shape, cents = 333 on id 3 (backfilled)');
SELECT is(dblink_exec('a', 'INSERT INTO accounts (id, balance, cents) VALUES (100, 1, 777)'), 'INSERT 0 1',
	'A: through the new shape, insert id 100 with cents 777');
SELECT is(dblink_exec('b', 'UPDATE accounts SET balance = 70 WHERE id = 7'), 'UPDATE 1',
	'B: through the old shape, balance = 70 on id 7');
SELECT results_eq($$SELECT * FROM dblink('b', 'SELECT current_schemas(false)::text') AS t(s text)$$,
	$$VALUES ('{public}')$$, 'B is on the old shape');
SELECT ok(pg_temp.bf('cents', 5) > 0, 'the backfill resumes to the end');
SELECT is(pg_temp.state('cents'), 'backfilled', 'backfilled');
SELECT results_eq($$SELECT id, cents FROM public_cents.accounts WHERE id IN (3, 7, 15, 100) ORDER BY id$$,
	$$VALUES (3, 333::bigint), (7, 7000), (15, 999), (100, 777)$$,
	'A''s values through the new shape survived the backfill; B''s old-shape write is in the new column');
SELECT is((SELECT count(*)::int FROM public_cents.accounts
		   WHERE id NOT IN (3, 7, 15, 100) AND cents IS DISTINCT FROM balance * 100), 0,
	'every other row has up''s value');
SELECT results_eq($$SELECT * FROM dblink('a', 'SELECT balance, cents FROM accounts WHERE id = 15') AS t(b int, c bigint)$$,
	$$VALUES (15, 999::bigint)$$, 'A reads its own value through the new shape');
SELECT lives_ok($$SELECT migrator.contract('cents')$$, 'contract');
SELECT results_eq($$SELECT id, cents FROM accounts WHERE id IN (3, 7, 15, 100) ORDER BY id$$,
	$$VALUES (3, 333::bigint), (7, 7000), (15, 999), (100, 777)$$, 'the values after contract');
SELECT is(dblink_exec('a', 'RESET search_path'), 'RESET', 'A: RESET search_path');

------------------------------------------------------------------------------
-- A holds an uncommitted new-shape write; B's backfill meets it, then A commits
------------------------------------------------------------------------------
CREATE TABLE wallets (id int PRIMARY KEY, points int NOT NULL);
INSERT INTO wallets SELECT i, i FROM generate_series(1, 10) i;
SELECT lives_ok(
	$$SELECT migrator.expand('double', '[{"add_column": {"table": "wallets", "column": {"name": "points2",
		"type": "int"}, "up": "points * 2"}}]')$$,
	'expand double (up = points * 2)');
SELECT is(dblink_exec('a', 'BEGIN'), 'BEGIN', 'A: BEGIN');
SELECT is(dblink_exec('a', 'SET LOCAL search_path = public_double, public'), 'SET', 'A: SET LOCAL search_path');
SELECT is(dblink_exec('a', 'UPDATE wallets SET points2 = -1 WHERE id = 2'), 'UPDATE 1',
	'A: through the new shape, points2 = -1 on id 2, not committed');
SELECT is(dblink_send_query('b', $$SELECT migrator.backfill('double', 100)$$), 1,
	'B: a backfill of everything in one batch sent');
SELECT pg_sleep(0.5) AS slept \gset
SELECT is(dblink_exec('a', 'COMMIT'), 'COMMIT', 'A: COMMIT');
SELECT is((SELECT n FROM dblink_get_result('b') AS t(n bigint)), 9::bigint,
	'B: the backfill finished and filled the 9 rows A''s write had not');
SELECT is_empty($$SELECT * FROM dblink_get_result('b') AS t(n bigint)$$, 'B: no further result');
SELECT is(pg_temp.bf_all('double'), 0::bigint, 'nothing was left to backfill');
SELECT results_eq($$SELECT id, points2 FROM public_double.wallets ORDER BY id$$,
	$$VALUES (1, 2), (2, -1), (3, 6), (4, 8), (5, 10), (6, 12), (7, 14), (8, 16), (9, 18), (10, 20)$$,
	'A''s committed new-shape value survived the concurrent backfill');

------------------------------------------------------------------------------
-- the same with an old-shape write: the backfill must not write a value computed from the old row
------------------------------------------------------------------------------
SELECT lives_ok($$SELECT migrator.abort('double')$$, 'abort double');
SELECT lives_ok(
	$$SELECT migrator.expand('double2', '[{"add_column": {"table": "wallets", "column": {"name": "points2",
		"type": "int"}, "up": "points * 2"}}]')$$,
	'expand double2');
SELECT is(dblink_exec('a', 'BEGIN'), 'BEGIN', 'A: BEGIN');
SELECT is(dblink_exec('a', 'UPDATE wallets SET points = 50 WHERE id = 3'), 'UPDATE 1',
	'A: through the old shape, points = 50 on id 3, not committed');
SELECT is(dblink_send_query('b', $$SELECT migrator.backfill('double2', 100)$$), 1, 'B: backfill sent');
SELECT pg_sleep(0.5) AS slept \gset
SELECT is(dblink_exec('a', 'COMMIT'), 'COMMIT', 'A: COMMIT');
SELECT is((SELECT n FROM dblink_get_result('b') AS t(n bigint)), 9::bigint,
	'B: the backfill finished and filled the 9 rows A''s write had not');
SELECT is_empty($$SELECT * FROM dblink_get_result('b') AS t(n bigint)$$, 'B: no further result');
SELECT is(pg_temp.bf_all('double2'), 0::bigint, 'nothing was left to backfill');
SELECT results_eq($$SELECT id, points, points2 FROM public_double2.wallets WHERE id IN (2, 3) ORDER BY id$$,
	$$VALUES (2, 2, 4), (3, 50, 100)$$,
	'id 3 has up of A''s committed row (100), not of the row the backfill first saw (6)');

SELECT is(dblink_disconnect('a'), 'OK', 'disconnect A');
SELECT is(dblink_disconnect('b'), 'OK', 'disconnect B');

SELECT * FROM finish();
