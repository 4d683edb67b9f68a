-- backfill_progress.sql: rows_done is the rows a backfill filled, and finished_at is set when it
-- completes, through backfill() (in the caller's transaction) and run_backfill() (committing).
-- (Scheduled runs and the progress NOTICEs: test/tap/cron_layouts.sh.)
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(8);

CREATE TABLE bp_one (id bigint PRIMARY KEY, y int);
INSERT INTO bp_one SELECT g, g FROM generate_series(1, 2500) g;
CREATE TABLE bp_two AS SELECT * FROM bp_one;
ALTER TABLE bp_two ADD PRIMARY KEY (id);
ANALYZE bp_one, bp_two;
SELECT migrator.expand('bp_1', '{"alter_column": {"table": "bp_one", "column": "y", "type": "bigint"}}');
SELECT migrator.expand('bp_2', '{"alter_column": {"table": "bp_two", "column": "y", "type": "bigint"}}');
-- written by the application meanwhile: not filled by the backfill, not counted
UPDATE bp_one SET y = y WHERE id <= 40;
UPDATE bp_two SET y = y WHERE id <= 40;

-- backfill(): two calls
SELECT migrator.backfill('bp_1', 1000, 1) AS first \gset
SELECT is((SELECT finished_at FROM migrator.changes WHERE name = 'bp_1'), NULL,
	'backfill(): finished_at is NULL while rows are left');
SELECT migrator.backfill('bp_1', 1000) AS rest \gset
SELECT is(:first::bigint + :rest::bigint, 2460::bigint, 'backfill(): the calls filled 2500 less the 40 written');
SELECT results_eq($$SELECT state, rows_done FROM migrator.changes WHERE name = 'bp_1'$$,
	$$VALUES ('backfilled', 2460::bigint)$$, 'backfill(): backfilled, rows_done is the rows it filled');
SELECT ok((SELECT finished_at BETWEEN started_at AND clock_timestamp() FROM migrator.changes WHERE name = 'bp_1'),
	'backfill(): finished_at is set when it completes');
SELECT is(migrator.backfill('bp_1'), 0::bigint, 'backfill(): done, 0');

-- run_backfill()
CALL migrator.run_backfill('bp_2', 700);
SELECT results_eq($$SELECT state, rows_done FROM migrator.changes WHERE name = 'bp_2'$$,
	$$VALUES ('backfilled', 2460::bigint)$$, 'run_backfill(): backfilled, rows_done is the rows it filled');
SELECT ok((SELECT finished_at BETWEEN started_at AND clock_timestamp() FROM migrator.changes WHERE name = 'bp_2'),
	'run_backfill(): finished_at is set when it completes');
SELECT is((SELECT count(*)::int FROM bp_two WHERE _migrator_new_y IS DISTINCT FROM y), 0,
	'run_backfill(): every row filled');

SELECT * FROM finish();
