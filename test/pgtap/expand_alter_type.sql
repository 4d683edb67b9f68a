-- expand_alter_type.sql: alter_column type int -> bigint (default up/down casts) and text -> integer
-- (up nullif(trim(code), '')::int, down lpad(code::text, 4, '0')), through contract and through abort;
-- an up expression whose function writes the same table (the trigger called within itself).
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(81);

------------------------------------------------------------------------------
-- int -> bigint, contracted
------------------------------------------------------------------------------
CREATE TABLE counters (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0, label text);
INSERT INTO counters SELECT i, i * 10, 'c' || i FROM generate_series(1, 12) i;

SELECT lives_ok(
	$$SELECT migrator.expand('hits_bigint',
		'[{"alter_column": {"table": "counters", "column": "hits", "type": "bigint"}}]')$$,
	'int->bigint: expand without up/down (plain casts)');
SELECT is(pg_temp.state('hits_bigint'), 'expanded', 'int->bigint: state expanded');
SELECT is(pg_temp.cols('public_hits_bigint.counters'), 'hits bigint, id integer, label text',
	'int->bigint: the new shape has hits bigint');
SELECT is(pg_temp.cols('public.counters', '{id,hits,label}'), 'hits integer, id integer, label text',
	'int->bigint: the old shape keeps hits integer');

-- writes before the backfill (to rows past the first batch)
INSERT INTO counters (id, hits, label) VALUES (13, 130, 'old shape');
UPDATE counters SET hits = 111 WHERE id = 11;
SET search_path = public_hits_bigint, public;
SELECT lives_ok($$INSERT INTO counters (id, hits, label) VALUES (14, 0, 'new shape')$$,
	'int->bigint: insert through the new shape');
SELECT is(pg_temp.sqlstate_of($$INSERT INTO counters (id, label) VALUES (16, 'new shape, no hits')$$), NULL,
	'int->bigint: insert through the new shape without hits (NOT NULL, DEFAULT 0)');
SELECT is((SELECT hits FROM counters WHERE id = 16), 0::bigint,
	'int->bigint: the column default 0 is carried over to the new shape');
DELETE FROM counters WHERE id = 16;
SELECT lives_ok($$UPDATE counters SET hits = 1200 WHERE id = 12$$,
	'int->bigint: update through the new shape');
SELECT ok(pg_temp.sqlstate_of($$INSERT INTO counters (id, hits) VALUES (15, NULL)$$) IN ('23502', '23514'),
	'int->bigint: the new shape keeps hits NOT NULL');
SELECT results_eq($$SELECT id, hits FROM counters WHERE id IN (11, 13, 14) ORDER BY id$$,
	$$VALUES (11, 111::bigint), (13, 130::bigint), (14, 0::bigint)$$,
	'int->bigint: the new shape sees the old shape''s writes');
RESET search_path;
SELECT results_eq($$SELECT id, hits FROM counters WHERE id IN (12, 14) ORDER BY id$$,
	$$VALUES (12, 1200), (14, 0)$$,
	'int->bigint: the old shape sees the new shape''s writes (down = cast)');

SELECT is(pg_temp.bf('hits_bigint', 5, 1), 5::bigint, 'int->bigint: one batch of 5 fills 5 rows');
SELECT is(pg_temp.state('hits_bigint'), 'backfilling', 'int->bigint: state backfilling');
SELECT ok(pg_temp.bf('hits_bigint', 5) > 0, 'int->bigint: the resumed backfill fills the rest');
SELECT is(pg_temp.bf('hits_bigint', 5), 0::bigint, 'int->bigint: then 0');
SELECT is(pg_temp.state('hits_bigint'), 'backfilled', 'int->bigint: state backfilled');
SET search_path = public_hits_bigint, public;
SELECT results_eq($$SELECT id, hits FROM counters ORDER BY id$$,
	$$SELECT i, CASE i WHEN 11 THEN 111 WHEN 12 THEN 1200 WHEN 13 THEN 130 WHEN 14 THEN 0 ELSE i * 10 END::bigint
	  FROM generate_series(1, 14) i$$,
	'int->bigint: every row has its value in the new shape');
RESET search_path;

SELECT lives_ok($$SELECT migrator.contract('hits_bigint')$$, 'int->bigint: contract');
SELECT is(pg_temp.state('hits_bigint'), 'contracted', 'int->bigint: state contracted');
SELECT is(pg_temp.cols('public.counters'), 'hits bigint, id integer, label text',
	'int->bigint: hits is bigint under its own name, no other column left');
SELECT col_not_null('public', 'counters', 'hits', 'int->bigint: hits is still NOT NULL');
SELECT col_default_is('public', 'counters', 'hits', '0', 'int->bigint: hits still defaults to 0');
SELECT is(pg_temp.triggers('public.counters'), '', 'int->bigint: no trigger left');
SELECT hasnt_schema('public_hits_bigint', 'int->bigint: no version schema left');
SELECT results_eq($$SELECT id, hits FROM counters ORDER BY id$$,
	$$SELECT i, CASE i WHEN 11 THEN 111 WHEN 12 THEN 1200 WHEN 13 THEN 130 WHEN 14 THEN 0 ELSE i * 10 END::bigint
	  FROM generate_series(1, 14) i$$,
	'int->bigint: the values after contract');
SELECT lives_ok($$INSERT INTO counters (id, hits) VALUES (15, 5000000000)$$,
	'int->bigint: a value past int range fits now');

------------------------------------------------------------------------------
-- text -> integer with non-trivial up and down, contracted
------------------------------------------------------------------------------
CREATE TABLE parts (id int PRIMARY KEY, code text);
INSERT INTO parts VALUES (1, ' 12'), (2, '7 '), (3, ''), (4, NULL), (5, '0042'), (6, '300');

SELECT lives_ok(
	$$SELECT migrator.expand('code_int', '[{"alter_column": {"table": "parts", "column": "code",
		"type": "integer", "up": "nullif(trim(code), '''')::int", "down": "lpad(code::text, 4, ''0'')"}}]')$$,
	'text->int: expand');
SELECT is(pg_temp.cols('public_code_int.parts'), 'code integer, id integer',
	'text->int: the new shape has code integer');
SELECT is(pg_temp.cols('public.parts', '{id,code}'), 'code text, id integer',
	'text->int: the old shape keeps code text');

INSERT INTO parts VALUES (7, '  9 ');
SET search_path = public_code_int, public;
SELECT lives_ok($$INSERT INTO parts VALUES (8, 5)$$, 'text->int: insert through the new shape');
SELECT lives_ok($$UPDATE parts SET code = 99 WHERE id = 6$$, 'text->int: update through the new shape');
SELECT is((SELECT code FROM parts WHERE id = 7), 9, 'text->int: up converted the old shape''s write');
RESET search_path;
SELECT results_eq($$SELECT id, code FROM parts WHERE id IN (6, 8) ORDER BY id$$,
	$$VALUES (6, '0099'), (8, '0005')$$,
	'text->int: down converted the new shape''s writes for the old shape');

-- (rows written meanwhile may or may not be counted by the backfill: no exact count here)
SELECT ok(pg_temp.bf_all('code_int', 2) >= 0, 'text->int: backfill in batches of 2 to the end');
SELECT is(pg_temp.state('code_int'), 'backfilled', 'text->int: state backfilled');
SET search_path = public_code_int, public;
SELECT results_eq($$SELECT id, code FROM parts ORDER BY id$$,
	$$VALUES (1, 12), (2, 7), (3, NULL), (4, NULL), (5, 42), (6, 99), (7, 9), (8, 5)$$,
	'text->int: the new shape after the backfill');
RESET search_path;
SELECT lives_ok($$SELECT migrator.contract('code_int')$$, 'text->int: contract');
SELECT col_type_is('public', 'parts', 'code', 'integer', 'text->int: parts.code is integer');
SELECT is(pg_temp.cols('public.parts'), 'code integer, id integer', 'text->int: no other column left');
SELECT results_eq($$SELECT id, code FROM parts ORDER BY id$$,
	$$VALUES (1, 12), (2, 7), (3, NULL), (4, NULL), (5, 42), (6, 99), (7, 9), (8, 5)$$,
	'text->int: the values after contract');

------------------------------------------------------------------------------
-- int -> bigint, aborted
------------------------------------------------------------------------------
CREATE TABLE gauges (id int PRIMARY KEY, level int NOT NULL DEFAULT 1, note text CHECK (note <> ''));
CREATE INDEX gauges_note_idx ON gauges (note);
INSERT INTO gauges SELECT i, i, 'g' || i FROM generate_series(1, 8) i;
SELECT pg_temp.shape('public.gauges') AS gauges_before \gset

SELECT lives_ok(
	$$SELECT migrator.expand('level_bigint',
		'[{"alter_column": {"table": "gauges", "column": "level", "type": "bigint"}}]')$$,
	'abort int->bigint: expand');
SELECT is(pg_temp.bf('level_bigint', 3, 1), 3::bigint, 'abort int->bigint: one batch of 3');
SET search_path = public_level_bigint, public;
SELECT lives_ok($$INSERT INTO gauges (id, level, note) VALUES (9, 1, 'new shape')$$,
	'abort int->bigint: insert through the new shape');
SELECT is(pg_temp.sqlstate_of($$INSERT INTO gauges (id, note) VALUES (10, 'no level')$$), NULL,
	'abort int->bigint: insert through the new shape without level (NOT NULL, DEFAULT 1)');
DELETE FROM gauges WHERE id = 10;
SELECT lives_ok($$UPDATE gauges SET level = 500 WHERE id = 2$$,
	'abort int->bigint: update through the new shape');
RESET search_path;
UPDATE gauges SET level = 600 WHERE id = 7;
SELECT lives_ok($$SELECT migrator.abort('level_bigint')$$, 'abort int->bigint: abort');
SELECT is(pg_temp.state('level_bigint'), 'aborted', 'abort int->bigint: state aborted');
SELECT is(pg_temp.shape('public.gauges'), :'gauges_before',
	'abort int->bigint: columns, types, defaults, constraints and index as before');
SELECT hasnt_schema('public_level_bigint', 'abort int->bigint: no version schema left');
SELECT results_eq($$SELECT id, level FROM gauges ORDER BY id$$,
	$$VALUES (1, 1), (2, 500), (3, 3), (4, 4), (5, 5), (6, 6), (7, 600), (8, 8), (9, 1)$$,
	'abort int->bigint: writes through both shapes kept in the old column');

------------------------------------------------------------------------------
-- text -> integer, aborted
------------------------------------------------------------------------------
CREATE TABLE skus (id int PRIMARY KEY, code text NOT NULL DEFAULT '0000');
INSERT INTO skus VALUES (1, '0010'), (2, ' 20'), (3, '30 ');
SELECT pg_temp.shape('public.skus') AS skus_before \gset

SELECT lives_ok(
	$$SELECT migrator.expand('sku_int', '[{"alter_column": {"table": "skus", "column": "code",
		"type": "integer", "up": "nullif(trim(code), '''')::int", "down": "lpad(code::text, 4, ''0'')"}}]')$$,
	'abort text->int: expand');
SELECT ok(pg_temp.bf_all('sku_int', 2) >= 0, 'abort text->int: backfill to the end');
SET search_path = public_sku_int, public;
SELECT lives_ok($$INSERT INTO skus VALUES (4, 40)$$, 'abort text->int: insert through the new shape');
SELECT lives_ok($$UPDATE skus SET code = 21 WHERE id = 2$$, 'abort text->int: update through the new shape');
SELECT results_eq($$SELECT id, code FROM skus ORDER BY id$$,
	$$VALUES (1, 10), (2, 21), (3, 30), (4, 40)$$,
	'abort text->int: the new shape before the abort');
RESET search_path;
SELECT lives_ok($$SELECT migrator.abort('sku_int')$$, 'abort text->int: abort');
SELECT is(pg_temp.shape('public.skus'), :'skus_before', 'abort text->int: the table as before');
SELECT hasnt_schema('public_sku_int', 'abort text->int: no version schema left');
SELECT results_eq($$SELECT id, code FROM skus ORDER BY id$$,
	$$VALUES (1, '0010'), (2, '0021'), (3, '30 '), (4, '0040')$$,
	'abort text->int: old column has the old values and down() of the new shape''s writes');
SELECT throws_ok($$SELECT migrator.backfill('sku_int')$$, '55000', NULL,
	'abort text->int: backfill of an aborted change is 55000');

------------------------------------------------------------------------------
-- a type change with a new default; a default alone
------------------------------------------------------------------------------
CREATE TABLE tallies (id int PRIMARY KEY, n int NOT NULL DEFAULT 5, tag text);
INSERT INTO tallies VALUES (1, 1, 'a');
SELECT lives_ok(
	$$SELECT migrator.expand('tally_n', '[{"alter_column": {"table": "tallies", "column": "n", "type": "bigint",
		"default": "7"}}]')$$,
	'new default: expand (type bigint, default 7)');
SET search_path = public_tally_n, public;
SELECT lives_ok($$INSERT INTO tallies (id) VALUES (2)$$, 'new default: insert through the new shape without n');
RESET search_path;
INSERT INTO tallies (id) VALUES (3);
SELECT ok(pg_temp.bf_all('tally_n') >= 0, 'new default: backfill');
SELECT results_eq($$SELECT id, n FROM public_tally_n.tallies ORDER BY id$$,
	$$VALUES (1, 1::bigint), (2, 7), (3, 5)$$,
	'new default: the new shape''s insert got 7, the old shape''s 5');
SELECT lives_ok($$SELECT migrator.contract('tally_n')$$, 'new default: contract');
SELECT col_default_is('public', 'tallies', 'n', '7', 'new default: n defaults to 7');
SELECT lives_ok(
	$$SELECT migrator.expand('tally_tag', '[{"alter_column": {"table": "tallies", "column": "tag",
		"default": "''none''"}}]')$$,
	'default alone: expand');
SET search_path = public_tally_tag, public;
SELECT lives_ok($$INSERT INTO tallies (id) VALUES (4)$$, 'default alone: insert through the new shape without tag');
RESET search_path;
SELECT is((SELECT tag FROM tallies WHERE id = 4), 'none', 'default alone: it got the new default');
SELECT ok(pg_temp.bf_all('tally_tag') >= 0, 'default alone: backfill');
SELECT lives_ok($$SELECT migrator.contract('tally_tag')$$, 'default alone: contract');
SELECT col_default_is('public', 'tallies', 'tag', 'none', 'default alone: tag defaults to ''none''');
SELECT results_eq($$SELECT id, n, tag FROM tallies ORDER BY id$$,
	$$VALUES (1, 1::bigint, 'a'), (2, 7, NULL), (3, 5, NULL), (4, 7, 'none')$$,
	'default alone: values');

------------------------------------------------------------------------------
-- a type change of a column with a CHECK constraint and an index on it: both are carried over
------------------------------------------------------------------------------
CREATE TABLE meters (id int PRIMARY KEY, reading int NOT NULL CHECK (reading >= 0));
CREATE INDEX meters_reading_idx ON meters (reading);
INSERT INTO meters SELECT i, i * 3 FROM generate_series(1, 5) i;
SELECT lives_ok(
	$$SELECT migrator.expand('reading_bigint',
		'[{"alter_column": {"table": "meters", "column": "reading", "type": "bigint"}}]')$$,
	'constrained column: expand of int->bigint on a column with a CHECK and an index');
-- the index on the column is rebuilt concurrently: that takes run_backfill (a procedure)
CALL migrator.run_backfill('reading_bigint');
SELECT is((SELECT state FROM migrator.changes WHERE name = 'reading_bigint'), 'backfilled',
	'constrained column: backfilled, index rebuilt');
SELECT lives_ok($$SELECT migrator.contract('reading_bigint')$$, 'constrained column: contract');
SELECT col_type_is('public', 'meters', 'reading', 'bigint', 'constrained column: reading is bigint');
SELECT is((SELECT sum(reading)::int FROM meters), 45, 'constrained column: values intact');

------------------------------------------------------------------------------
-- up calls a function that writes the same table: the trigger runs within itself, each call
-- with its own row
------------------------------------------------------------------------------
CREATE TABLE reservoirs (id int PRIMARY KEY, level int);
INSERT INTO reservoirs SELECT i, i * 10 FROM generate_series(1, 3) i;
-- writes gauge 3 (its trigger fires there) while gauge 1's up is being evaluated
CREATE FUNCTION bump_other(v int, id_ int) RETURNS int LANGUAGE plpgsql AS $f$
BEGIN
	IF id_ = 1 THEN
		UPDATE reservoirs SET level = level + 1 WHERE id = 3;
	END IF;
	RETURN v;
END
$f$;
SELECT lives_ok(
	$$SELECT migrator.expand('reservoir_level', '[{"alter_column": {"table": "reservoirs", "column": "level",
		"type": "bigint", "up": "bump_other(level, id)::bigint * 2", "down": "(level / 2)::int"}}]')$$,
	'nested: expand with an up that writes the table');
UPDATE reservoirs SET level = 7 WHERE id = 1;
SELECT results_eq($$SELECT id, level FROM public_reservoir_level.reservoirs ORDER BY id$$,
	$$VALUES (1, 14::bigint), (2, NULL), (3, 62)$$,
	'nested: the outer row got up(7) = 14, the row written within got up(31) = 62, the other none');
SELECT lives_ok($$SELECT migrator.abort('reservoir_level')$$, 'nested: abort');

SELECT * FROM finish();
