-- no_transaction_race.sql: runners waiting for migrator's lock never make a concurrent index build
-- wait forever (Flyway #1654).  A runs a CREATE INDEX CONCURRENTLY migration whose build waits for
-- H's open transaction; meanwhile B (apply, inside a transaction) gives up at once with 55P03
-- instead of waiting with a snapshot the build would wait for, and C (migrate) waits holding no
-- snapshot; once H commits, A and then C finish.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql
\set race :fixtures/notx_race

SELECT plan(15);

CREATE FUNCTION pg_temp.wait_done(conn text, seconds int) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
	FOR i IN 1 .. seconds * 20 LOOP
		IF dblink_is_busy(conn) = 0 THEN
			RETURN true;
		END IF;
		PERFORM pg_sleep(0.05);
	END LOOP;
	RETURN false;
END
$f$;

CALL migrator.migrate(:'race', '1');
SELECT has_table('race_t', 'migration 1 made the table');

SELECT is(dblink_connect('h', pg_temp.connstr()), 'OK', 'H connects');
SELECT is(dblink_connect('a', pg_temp.connstr() || ' application_name=race_a'), 'OK', 'A connects');
SELECT is(dblink_connect('b', pg_temp.connstr()), 'OK', 'B connects');
SELECT is(dblink_connect('c', pg_temp.connstr() || ' application_name=race_c'), 'OK', 'C connects');

SELECT is(dblink_exec('h', 'BEGIN; INSERT INTO race_t VALUES (1, 1)'), 'INSERT 0 1', 'H writes and keeps its transaction open');
SELECT dblink_send_query('a', format('CALL migrator.migrate(%L)', :'race'));
SELECT pg_sleep(0.5);
SELECT is(dblink_is_busy('a'), 1, 'A: the concurrent build waits for H');

SELECT dblink_send_query('c', format('CALL migrator.migrate(%L)', :'race'));
SELECT dblink_exec('b', 'BEGIN');
SELECT dblink_send_query('b', format('SELECT * FROM migrator.apply(%L)', :'race'));
SELECT ok(pg_temp.wait_done('b', 5), 'B (apply in a transaction) does not wait behind the build');
SELECT is((SELECT count(*)::int FROM dblink_get_result('b', false) AS t(v text, n text, a text, d float8)), 0,
	'B got no rows');
SELECT ok(dblink_error_message('b') LIKE '%another session is running a migration outside a transaction block%',
	'B: a clear error says why');
SELECT count(*) FROM dblink_get_result('b', false) AS t(v text, n text, a text, d float8);	-- drain
SELECT dblink_exec('b', 'ROLLBACK');

SELECT dblink_exec('h', 'COMMIT');
-- wait outside any statement (this session's own snapshot would hold up the build too): another
-- session polls until A and C are idle, for at most 120 s (slow under valgrind)
\setenv RACE_DB :DBNAME
\! for i in $(seq 1200); do [ "$(psql -XAtq -d "$RACE_DB" -c "SELECT count(*) FROM pg_stat_activity WHERE application_name IN ('race_a', 'race_c') AND state <> 'idle'")" = 0 ] && break; sleep 0.1; done
SELECT ok(dblink_is_busy('a') = 0 AND dblink_is_busy('c') = 0,
	'once H commits, A''s build finishes, and C (migrate, waiting without a snapshot) too');
SELECT results_eq($$SELECT version, count(*)::int FROM migrator.journal GROUP BY version ORDER BY version$$,
	$$VALUES ('1', 1), ('2', 1)$$, 'each migration applied once');

-- Probers never mistake each other for a no-transaction migration: P holds the key the way a
-- waiting apply() probes it (share mode, for an instant), L holds the journal lock; W's apply()
-- must wait for L, not fail, and then find everything applied.
SELECT dblink_connect('p', pg_temp.connstr());
SELECT dblink_connect('l', pg_temp.connstr());
SELECT dblink_connect('w', pg_temp.connstr());
SELECT * FROM dblink('p', 'SELECT pg_advisory_lock_shared(x''6d69677261746f21''::bigint)') AS t(v text);
SELECT dblink_exec('l', 'BEGIN');
SELECT * FROM dblink('l', 'SELECT pg_advisory_xact_lock(x''6d69677261746f72''::bigint)') AS t(v text);
SELECT dblink_send_query('w', format('SELECT count(*) FROM migrator.apply(%L)', :'race'));
SELECT pg_sleep(0.5);
SELECT is(dblink_is_busy('w'), 1, 'W (apply) waits for the journal lock while another prober holds the key in share mode');
SELECT dblink_exec('l', 'COMMIT');
SELECT ok(pg_temp.wait_done('w', 10), 'W finishes once the journal lock is free');
SELECT is((SELECT n FROM dblink_get_result('w', false) AS t(n bigint)), 0::bigint,
	'W ends without an error, nothing left to apply');
SELECT dblink_disconnect('p');
SELECT dblink_disconnect('l');
SELECT dblink_disconnect('w');

SELECT dblink_disconnect('h');
SELECT dblink_disconnect('a');
SELECT dblink_disconnect('b');
SELECT dblink_disconnect('c');
SELECT * FROM finish();
