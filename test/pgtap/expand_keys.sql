-- expand_keys.sql: backfill without a primary key (ctid ranges, duplicate rows), with only a unique
-- NOT NULL key, with a composite primary key, on a table with identity and generated columns;
-- each contracted and each aborted.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(61);

------------------------------------------------------------------------------
-- no primary key, no unique key: ctid ranges
------------------------------------------------------------------------------
-- wide rows (a few per page) and duplicates
CREATE TABLE logs (msg text, level text, pad text);
INSERT INTO logs SELECT 'm' || (i % 50), (ARRAY['info', 'warn', 'error'])[i % 3 + 1], repeat('x', 1000)
FROM generate_series(1, 200) i;
-- 10 exact duplicates of the first 10 rows
INSERT INTO logs SELECT 'm' || (i % 50), (ARRAY['info', 'warn', 'error'])[i % 3 + 1], repeat('x', 1000)
FROM generate_series(1, 10) i;
ANALYZE logs;

SELECT lives_ok(
	$$SELECT migrator.expand('logs_level', '[{"alter_column": {"table": "logs", "column": "level",
		"type": "smallint",
		"up": "CASE level WHEN ''info'' THEN 1 WHEN ''warn'' THEN 2 WHEN ''error'' THEN 3 END",
		"down": "(ARRAY[''info'', ''warn'', ''error''])[level]"}}]')$$,
	'no key: expand');
SELECT pg_temp.bf('logs_level', 10, 1) AS logs_bf1 \gset
SELECT ok(:logs_bf1 BETWEEN 1 AND 209, 'no key: one batch fills part of the table');
SELECT results_eq($$SELECT state::text, rows_done FROM migrator.changes WHERE name = 'logs_level'$$,
	format('VALUES (%L, %s::bigint)', 'backfilling', :logs_bf1),
	'no key: state backfilling, rows_done is what was filled');
SELECT ok((SELECT rows_total BETWEEN 100 AND 500 FROM migrator.changes WHERE name = 'logs_level'),
	'no key: rows_total is an estimate of the 210 rows');
SET search_path = public_logs_level, public;
SELECT lives_ok($$INSERT INTO logs (msg, level) VALUES ('new shape', 3)$$, 'no key: insert through the new shape');
RESET search_path;
INSERT INTO logs (msg, level) VALUES ('old shape', 'warn');
SELECT pg_temp.bf_all('logs_level', 10) AS logs_bf2 \gset
SELECT ok(:logs_bf2 > 0, 'no key: the backfill resumed to the end');
SELECT ok((SELECT rows_done >= 210 - 1 AND state = 'backfilled' FROM migrator.changes WHERE name = 'logs_level'),
	'no key: backfilled, rows_done covers the table');
SET search_path = public_logs_level, public;
SELECT results_eq(
	$$SELECT level, count(*)::int FROM logs GROUP BY level ORDER BY level$$,
	$$SELECT CASE l WHEN 'info' THEN 1 WHEN 'warn' THEN 2 ELSE 3 END::smallint, c
	  FROM (SELECT level, count(*)::int FROM public.logs GROUP BY level) s(l, c) ORDER BY 1$$,
	'no key: every row (duplicates too) has its new value in the new shape');
SELECT is((SELECT count(*)::int FROM logs WHERE level IS NULL), 0, 'no key: no row left unfilled');
RESET search_path;
SELECT lives_ok($$SELECT migrator.contract('logs_level')$$, 'no key: contract');
SELECT is(pg_temp.cols('public.logs'), 'level smallint, msg text, pad text', 'no key: level is smallint');
SELECT results_eq($$SELECT level, count(*)::int FROM logs GROUP BY level ORDER BY level$$,
	$$VALUES (1::smallint, 69), (2::smallint, 72), (3::smallint, 71)$$,
	'no key: the values after contract');

-- aborted
CREATE TABLE logs2 (msg text, n int);
INSERT INTO logs2 SELECT 'same', 1 FROM generate_series(1, 30);
SELECT pg_temp.shape('public.logs2') AS logs2_before \gset
SELECT lives_ok(
	$$SELECT migrator.expand('logs2_n', '[{"alter_column": {"table": "logs2", "column": "n", "type": "bigint",
		"up": "n * 10", "down": "(n / 10)::int"}}]')$$,
	'abort no key: expand');
SELECT ok(pg_temp.bf('logs2_n', 5, 1) > 0, 'abort no key: one batch');
SET search_path = public_logs2_n, public;
SELECT lives_ok($$INSERT INTO logs2 VALUES ('new', 70)$$, 'abort no key: insert through the new shape');
RESET search_path;
SELECT lives_ok($$SELECT migrator.abort('logs2_n')$$, 'abort no key: abort');
SELECT is(pg_temp.shape('public.logs2'), :'logs2_before', 'abort no key: the table as before');
SELECT results_eq($$SELECT msg, n, count(*)::int FROM logs2 GROUP BY msg, n ORDER BY msg$$,
	$$VALUES ('new', 7, 1), ('same', 1, 30)$$,
	'abort no key: old values kept, down of the new shape''s insert');

------------------------------------------------------------------------------
-- only a unique NOT NULL key: keyset on it, exact batches
------------------------------------------------------------------------------
CREATE TABLE codes (code text NOT NULL UNIQUE, n int, note text UNIQUE);
INSERT INTO codes SELECT 'k' || lpad(i::text, 3, '0'), i, NULL FROM generate_series(1, 30) i;
SELECT lives_ok(
	$$SELECT migrator.expand('codes_n2', '[{"add_column": {"table": "codes", "column": {"name": "n2",
		"type": "int", "nullable": false}, "up": "n * 2"}}]')$$,
	'unique key: expand');
SELECT is(pg_temp.bf('codes_n2', 7, 1), 7::bigint, 'unique key: one batch of 7');
SELECT is(pg_temp.bf('codes_n2', 7, 2), 14::bigint, 'unique key: two batches of 7');
SELECT is(pg_temp.bf('codes_n2', 7), 9::bigint, 'unique key: the rest, 9');
SELECT is(pg_temp.bf('codes_n2', 7), 0::bigint, 'unique key: then 0');
SELECT results_eq($$SELECT state::text, rows_done FROM migrator.changes WHERE name = 'codes_n2'$$,
	$$VALUES ('backfilled', 30::bigint)$$, 'unique key: backfilled, 30 rows done');
SELECT lives_ok($$SELECT migrator.contract('codes_n2')$$, 'unique key: contract');
SELECT results_eq($$SELECT count(*)::int, bool_and(n2 = n * 2) FROM codes$$, $$VALUES (30, true)$$,
	'unique key: every row filled');
SELECT col_not_null('public', 'codes', 'n2', 'unique key: n2 NOT NULL');

-- aborted
CREATE TABLE codes2 (code text NOT NULL, n int, UNIQUE (code));
INSERT INTO codes2 SELECT 'k' || i, i FROM generate_series(1, 10) i;
SELECT pg_temp.shape('public.codes2') AS codes2_before \gset
SELECT lives_ok(
	$$SELECT migrator.expand('codes2_n', '[{"alter_column": {"table": "codes2", "column": "n",
		"nullable": false, "check": "n > 0", "up": "coalesce(n, 1)"}}]')$$,
	'abort unique key: expand');
SELECT is(pg_temp.bf('codes2_n', 4, 1), 4::bigint, 'abort unique key: one batch of 4');
SELECT lives_ok($$SELECT migrator.abort('codes2_n')$$, 'abort unique key: abort while backfilling');
SELECT is(pg_temp.shape('public.codes2'), :'codes2_before', 'abort unique key: the table as before');

------------------------------------------------------------------------------
-- composite primary key
------------------------------------------------------------------------------
CREATE TABLE pairs (a int, b int, v int, PRIMARY KEY (a, b));
INSERT INTO pairs SELECT a, b, a * 10 + b FROM generate_series(1, 5) a, generate_series(1, 5) b;
SELECT lives_ok(
	$$SELECT migrator.expand('pairs_v', '[{"alter_column": {"table": "pairs", "column": "v", "type": "bigint"}}]')$$,
	'composite key: expand');
SELECT is(pg_temp.bf('pairs_v', 10, 1), 10::bigint, 'composite key: one batch of 10');
SELECT is(pg_temp.bf('pairs_v', 10, 1), 10::bigint, 'composite key: another batch of 10');
SELECT is(pg_temp.bf('pairs_v', 10, 1), 5::bigint, 'composite key: the last 5');
SELECT is(pg_temp.bf('pairs_v', 10, 1), 0::bigint, 'composite key: then 0');
SELECT lives_ok($$SELECT migrator.contract('pairs_v')$$, 'composite key: contract');
SELECT results_eq($$SELECT count(*)::int, bool_and(v = a * 10 + b), pg_typeof(min(v))::text FROM pairs$$,
	$$VALUES (25, true, 'bigint')$$, 'composite key: every row, bigint');
SELECT col_is_pk('public', 'pairs', ARRAY['a', 'b'], 'composite key: the primary key is still (a, b)');

------------------------------------------------------------------------------
-- identity and generated columns
------------------------------------------------------------------------------
CREATE TABLE gen (
	id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	n     int NOT NULL,
	label text,
	n2    int GENERATED ALWAYS AS (n * 2) STORED
);
INSERT INTO gen (n, label) SELECT i, CASE WHEN i % 2 = 0 THEN 'l' || i END FROM generate_series(1, 9) i;
SELECT pg_temp.shape('public.gen') AS gen_before \gset

SELECT lives_ok(
	$$SELECT migrator.expand('gen_label', '[
		{"alter_column": {"table": "gen", "column": "label", "nullable": false, "up": "coalesce(label, ''none'')"}},
		{"add_column": {"table": "gen", "column": {"name": "n3", "type": "int"}, "up": "n * 3"}}]')$$,
	'identity: expand');
SELECT is(pg_temp.bf('gen_label', 4, 1), 4::bigint, 'identity: a batch of 4 on a GENERATED ALWAYS identity key');
SET search_path = public_gen_label, public;
SELECT lives_ok($$INSERT INTO gen (n, label, n3) VALUES (100, 'new', 300)$$,
	'identity: insert through the new shape (identity and generated left to the table)');
RESET search_path;
INSERT INTO gen (n, label) VALUES (200, NULL);
SELECT ok(pg_temp.bf_all('gen_label', 4) >= 0, 'identity: backfill to the end');
SELECT is(pg_temp.state('gen_label'), 'backfilled', 'identity: state backfilled');
SELECT lives_ok($$SELECT migrator.contract('gen_label')$$, 'identity: contract');
SELECT results_eq($$SELECT id, n, label, n2, n3 FROM gen ORDER BY id$$,
	$$VALUES (1::bigint, 1, 'none', 2, 3), (2, 2, 'l2', 4, 6), (3, 3, 'none', 6, 9), (4, 4, 'l4', 8, 12),
			 (5, 5, 'none', 10, 15), (6, 6, 'l6', 12, 18), (7, 7, 'none', 14, 21), (8, 8, 'l8', 16, 24),
			 (9, 9, 'none', 18, 27), (10, 100, 'new', 200, 300), (11, 200, 'none', 400, 600)$$,
	'identity: ids from the identity, generated n2 right, label filled, n3 filled');
SELECT ok((SELECT attidentity = 'a' FROM pg_attribute WHERE attrelid = 'public.gen'::regclass AND attname = 'id'),
	'identity: id is still GENERATED ALWAYS AS IDENTITY');
SELECT ok((SELECT attgenerated = 's' FROM pg_attribute WHERE attrelid = 'public.gen'::regclass AND attname = 'n2'),
	'identity: n2 is still a generated column');
SELECT col_not_null('public', 'gen', 'label', 'identity: label NOT NULL');
SELECT lives_ok($$INSERT INTO gen (n, label) VALUES (1, 'x')$$, 'identity: the identity still works after contract');

-- aborted
CREATE TABLE gen2 (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	n  int,
	n2 int GENERATED ALWAYS AS (n * 2) STORED
);
INSERT INTO gen2 (n) SELECT i FROM generate_series(1, 5) i;
SELECT pg_temp.shape('public.gen2') AS gen2_before \gset
SELECT lives_ok(
	$$SELECT migrator.expand('gen2_n', '[{"alter_column": {"table": "gen2", "column": "n", "nullable": false,
		"up": "coalesce(n, 0)"}}]')$$,
	'abort identity: expand');
SELECT ok(pg_temp.bf_all('gen2_n', 2) >= 0, 'abort identity: backfill');
SET search_path = public_gen2_n, public;
SELECT lives_ok($$INSERT INTO gen2 (n) VALUES (6)$$, 'abort identity: insert through the new shape');
RESET search_path;
SELECT lives_ok($$SELECT migrator.abort('gen2_n')$$, 'abort identity: abort');
SELECT is(pg_temp.shape('public.gen2'), :'gen2_before', 'abort identity: the table as before (identity, generated)');
SELECT results_eq($$SELECT id, n, n2 FROM gen2 ORDER BY id$$,
	$$VALUES (1::bigint, 1, 2), (2, 2, 4), (3, 3, 6), (4, 4, 8), (5, 5, 10), (6, 6, 12)$$,
	'abort identity: rows kept');

------------------------------------------------------------------------------
-- backfill returns 0 only once complete, also when every row of a batch was written meanwhile
------------------------------------------------------------------------------
CREATE TABLE touched (id int PRIMARY KEY, v int);
INSERT INTO touched SELECT i, i FROM generate_series(1, 6) i;
SELECT lives_ok(
	$$SELECT migrator.expand('touched_v2', '[{"add_column": {"table": "touched", "column": {"name": "v2",
		"type": "int"}, "up": "v * 2"}}]')$$,
	'0 once complete: expand');
UPDATE touched SET v = v + 10 WHERE id IN (3, 4);	-- through the old shape: filled by the trigger
SELECT is(pg_temp.bf('touched_v2', 2, 1), 2::bigint, '0 once complete: the first batch (ids 1, 2)');
SELECT pg_temp.bf('touched_v2', 2, 1) AS touched_bf \gset
SELECT ok(:touched_bf > 0 OR pg_temp.state('touched_v2') = 'backfilled',
	'0 once complete: the next call (ids 3, 4, both written meanwhile) does not return 0 while ids 5, 6 are left');
SELECT ok(pg_temp.bf_all('touched_v2', 2) >= 0, '0 once complete: backfill to the end');
SELECT results_eq($$SELECT count(*)::int, bool_and(v2 = v * 2) FROM public_touched_v2.touched$$,
	$$VALUES (6, true)$$, '0 once complete: every row filled');

SELECT * FROM finish();
