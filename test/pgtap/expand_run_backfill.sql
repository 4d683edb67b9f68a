-- expand_run_backfill.sql: CALL migrator.run_backfill commits after every batch (progress and
-- filled rows are visible from another session while it runs), runs to completion, refuses to run
-- inside BEGIN (25001); backfill progress is stored and resumable from another session; a cancel
-- ends its pause between batches at once, keeping the batches done; migrator.backfill_share
-- (1..100) throttles it and it still fills every row.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(50);

CREATE FUNCTION pg_temp.wait_rows_done(change text, n bigint) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
	FOR i IN 1..600 LOOP	-- at most 60 s
		IF (SELECT rows_done FROM migrator.changes WHERE name = change) >= n THEN
			RETURN true;
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN false;
END
$f$;

CREATE TABLE events (id int PRIMARY KEY, payload text NOT NULL);
INSERT INTO events SELECT i, repeat('p', i % 17) FROM generate_series(1, 100) i;
ANALYZE events;

SELECT lives_ok(
	$$SELECT migrator.expand('event_len', '[{"add_column": {"table": "events", "column": {"name": "len",
		"type": "int", "nullable": false}, "up": "length(payload)"}}]')$$,
	'expand event_len');
SELECT results_eq(
	$$SELECT state::text, rows_done, rows_total BETWEEN 50 AND 200, started_at IS NOT NULL, finished_at IS NULL
	  FROM migrator.changes WHERE name = 'event_len'$$,
	$$VALUES ('expanded', 0::bigint, true, true, true)$$,
	'state expanded, 0 rows done, rows_total estimates the 100 rows');

------------------------------------------------------------------------------
-- run_backfill in another session: commits after each batch
------------------------------------------------------------------------------
SELECT is(dblink_connect('runner', pg_temp.connstr()), 'OK', 'connection runner');
SELECT is(dblink_send_query('runner', $$CALL migrator.run_backfill('event_len', 10, '300 ms')$$), 1,
	'runner: run_backfill(batch_size 10, pause 300 ms) sent');
-- polled, not a fixed sleep: under valgrind the first batch alone can take seconds
SELECT ok(pg_temp.wait_rows_done('event_len', 10), 'the first batch of 10 is committed');
SELECT is(dblink_is_busy('runner'), 1, 'runner still busy after its first batch');
SELECT results_eq(
	$$SELECT state::text, rows_done BETWEEN 10 AND 90 FROM migrator.changes WHERE name = 'event_len'$$,
	$$VALUES ('backfilling', true)$$,
	'while it runs, another session sees state backfilling and committed progress (10..90 rows)');
SELECT ok((SELECT count(*) BETWEEN 10 AND 90 FROM public_event_len.events WHERE len IS NOT NULL),
	'while it runs, another session sees the filled rows of the committed batches');
SELECT ok((SELECT rows_done FROM migrator.changes WHERE name = 'event_len') <=
		  (SELECT count(*) FROM public_event_len.events WHERE len IS NOT NULL),
	'rows_done does not run ahead of the committed rows');
SELECT results_eq($$SELECT * FROM dblink_get_result('runner') AS t(status text)$$, $$VALUES ('CALL')$$,
	'runner: run_backfill completed');
SELECT is_empty($$SELECT * FROM dblink_get_result('runner') AS t(status text)$$, 'runner: no further result');
SELECT results_eq(
	$$SELECT state::text, rows_done FROM migrator.changes WHERE name = 'event_len'$$,
	$$VALUES ('backfilled', 100::bigint)$$,
	'after run_backfill: backfilled, 100 rows done');
SELECT results_eq($$SELECT count(*)::int, bool_and(len = length(payload)) FROM public_event_len.events$$,
	$$VALUES (100, true)$$, 'every row filled');
SELECT is(pg_temp.bf('event_len'), 0::bigint, 'backfill after run_backfill fills nothing');
SELECT lives_ok($$SELECT dblink_exec('runner', 'CALL migrator.run_backfill(''event_len'')')$$,
	'run_backfill of a backfilled change returns quietly');
SELECT lives_ok($$SELECT migrator.contract('event_len')$$, 'contract');
SELECT col_not_null('public', 'events', 'len', 'len is NOT NULL');

------------------------------------------------------------------------------
-- run_backfill inside BEGIN: 25001, nothing done
------------------------------------------------------------------------------
CREATE TABLE events2 (id int PRIMARY KEY, payload text);
INSERT INTO events2 SELECT i, 'x' FROM generate_series(1, 20) i;
SELECT lives_ok(
	$$SELECT migrator.expand('event2_len', '[{"add_column": {"table": "events2", "column": {"name": "len",
		"type": "int"}, "up": "length(payload)"}}]')$$,
	'expand event2_len');
SELECT is(dblink_exec('runner', 'BEGIN'), 'BEGIN', 'runner: BEGIN');
SELECT throws_ok($$SELECT dblink_exec('runner', 'CALL migrator.run_backfill(''event2_len'', 5)')$$,
	'25001', NULL, 'run_backfill inside BEGIN: 25001');
SELECT is(dblink_exec('runner', 'ROLLBACK'), 'ROLLBACK', 'runner: ROLLBACK');
SELECT results_eq($$SELECT state::text, rows_done FROM migrator.changes WHERE name = 'event2_len'$$,
	$$VALUES ('expanded', 0::bigint)$$, 'the refused run_backfill did nothing');

------------------------------------------------------------------------------
-- backfill progress is stored: resumed from another session
------------------------------------------------------------------------------
SELECT results_eq($$SELECT * FROM dblink('runner', 'SELECT migrator.backfill(''event2_len'', 5, 1)') AS t(n bigint)$$,
	$$VALUES (5::bigint)$$, 'runner: one batch of 5');
SELECT results_eq($$SELECT state::text, rows_done FROM migrator.changes WHERE name = 'event2_len'$$,
	$$VALUES ('backfilling', 5::bigint)$$, 'this session sees 5 rows done');
SELECT is(pg_temp.bf('event2_len', 5, 2), 10::bigint, 'this session resumes: two batches of 5');
SELECT results_eq($$SELECT * FROM dblink('runner', 'SELECT migrator.backfill(''event2_len'', 5)') AS t(n bigint)$$,
	$$VALUES (5::bigint)$$, 'runner: the last 5');
SELECT results_eq($$SELECT state::text, rows_done FROM migrator.changes WHERE name = 'event2_len'$$,
	$$VALUES ('backfilled', 20::bigint)$$, 'backfilled, 20 rows done, none twice');

------------------------------------------------------------------------------
-- run_backfill at top level in this session, from where backfill stopped
------------------------------------------------------------------------------
CREATE TABLE events3 (id int PRIMARY KEY, payload text);
INSERT INTO events3 SELECT i, 'abc' FROM generate_series(1, 23) i;
SELECT lives_ok(
	$$SELECT migrator.expand('event3_len', '[{"alter_column": {"table": "events3", "column": "payload",
		"type": "varchar(10)", "nullable": false, "up": "coalesce(payload, '''')"}}]')$$,
	'expand event3_len');
SELECT is(pg_temp.bf('event3_len', 4, 1), 4::bigint, 'one batch of 4');
CALL migrator.run_backfill('event3_len', 4);
SELECT results_eq($$SELECT state::text, rows_done FROM migrator.changes WHERE name = 'event3_len'$$,
	$$VALUES ('backfilled', 23::bigint)$$, 'CALL run_backfill at top level finished the job');
SELECT lives_ok($$SELECT migrator.contract('event3_len')$$, 'contract event3_len');
SELECT col_type_is('public', 'events3', 'payload', 'character varying(10)', 'payload is varchar(10)');
SELECT is((SELECT count(*)::int FROM events3 WHERE payload = 'abc'), 23, 'values intact');

------------------------------------------------------------------------------
-- a cancel during the pause between batches; then a throttled run_backfill
------------------------------------------------------------------------------
CREATE TABLE events4 (id int PRIMARY KEY, payload text);
INSERT INTO events4 SELECT i, repeat('q', i % 7) FROM generate_series(1, 30) i;
SELECT lives_ok(
	$$SELECT migrator.expand('event4_len', '[{"add_column": {"table": "events4", "column": {"name": "len",
		"type": "int"}, "up": "length(payload)"}}]')$$,
	'expand event4_len');
SELECT is(dblink_send_query('runner', $$CALL migrator.run_backfill('event4_len', 5, '10 min')$$), 1,
	'runner: run_backfill(batch_size 5, pause 10 min) sent');
SELECT ok(pg_temp.wait_rows_done('event4_len', 5), 'the first batch of 5 is committed');
SELECT is(dblink_cancel_query('runner'), 'OK', 'cancel the runner during its pause');
-- (PL/pgSQL cannot catch 57014, hence fail_on_error false and the connection's error message)
SELECT is_empty($$SELECT * FROM dblink_get_result('runner', false) AS t(status text)$$,
	'runner: run_backfill ends in its pause, not 10 minutes later, with an error');
SELECT is(dblink_error_message('runner'), 'ERROR:  canceling statement due to user request',
	'runner: the error is the cancel');
SELECT is_empty($$SELECT * FROM dblink_get_result('runner', false) AS t(status text)$$, 'runner: no further result');
SELECT results_eq($$SELECT state::text, rows_done FROM migrator.changes WHERE name = 'event4_len'$$,
	$$VALUES ('backfilling', 5::bigint)$$, 'the batch before the cancel stays done');
SELECT throws_ok($$SET migrator.backfill_share = 0$$, '22023', NULL, 'migrator.backfill_share 0: 22023');
SELECT throws_ok($$SET migrator.backfill_share = 101$$, '22023', NULL, 'migrator.backfill_share 101: 22023');
SELECT is(dblink_exec('runner', 'SET migrator.backfill_share = 25'), 'SET', 'runner: backfill_share 25');
SELECT is(dblink_exec('runner', $$CALL migrator.run_backfill('event4_len', 4)$$), 'CALL',
	'runner: the throttled run_backfill resumes and completes');
SELECT results_eq(
	$$SELECT c.state::text, c.rows_done, (SELECT bool_and(len IS NOT DISTINCT FROM length(payload)) FROM public_event4_len.events4)
	  FROM migrator.changes c WHERE c.name = 'event4_len'$$,
	$$VALUES ('backfilled', 30::bigint, true)$$, 'backfilled: 30 rows done, each holds up(row)');
SELECT lives_ok($$SELECT migrator.contract('event4_len')$$, 'contract event4_len');
SELECT lives_ok($$SELECT migrator.abort('event2_len')$$, 'abort event2_len after its backfill');
SELECT is(pg_temp.cols('public.events2'), 'id integer, payload text', 'events2 as before');
SELECT is(dblink_disconnect('runner'), 'OK', 'disconnect runner');

SELECT * FROM finish();
