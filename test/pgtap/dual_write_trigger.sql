-- dual_write_trigger.sql: the C trigger's UPDATE path on its own.  Where migrator is loaded, an
-- UPDATE is planned with the dual writes and the trigger is bypassed (dual_write_plan.sql); a
-- backend that has not loaded migrator (no session_preload_libraries) plans its first UPDATE
-- without them, and the trigger does the work.  Each statement below runs as the first statement
-- of a fresh connection, and must both run the trigger and leave the rows the change defines.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(17);

CREATE TABLE dw_books (id int PRIMARY KEY, title text, published_year int, rating int);
INSERT INTO dw_books SELECT i, 'b' || i, 1900 + i, i % 10 FROM generate_series(1, 40) i;
SELECT lives_ok($$SELECT migrator.expand('dwt', jsonb_build_array(
		jsonb_build_object('alter_column', jsonb_build_object('table', 'dw_books', 'column', 'published_year',
			'type', 'bigint', 'up', 'published_year::bigint * 10', 'down', '(published_year / 10)::int')),
		jsonb_build_object('alter_column', jsonb_build_object('table', 'dw_books', 'column', 'rating',
			'type', 'numeric', 'up', 'rating::numeric / 2 + length(title)', 'down', '(rating * 2)::int'))))$$,
	'expand dwt: two alter_columns whose up/down are not the identity');
SELECT version_schema AS vs FROM migrator.changes WHERE name = 'dwt' \gset

-- fresh(stmt, new_shape): runs stmt as the first statement of a new connection (through the new
-- shape's search_path when asked); true when migrator's trigger ran for it
CREATE FUNCTION pg_temp.fresh(stmt text, new_shape boolean DEFAULT false) RETURNS boolean
LANGUAGE plpgsql AS $f$
DECLARE
	fired bigint;
BEGIN
	PERFORM dblink_connect('fresh', pg_temp.connstr() ||
		CASE WHEN new_shape THEN format(' options=''-csearch_path=%s,public''',
			(SELECT version_schema FROM migrator.changes WHERE name = 'dwt')) ELSE '' END);
	SELECT count(*) INTO fired
	  FROM dblink('fresh', 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || stmt) AS t(line text)
	 WHERE line ~ '^Trigger _migrator_dual_write: .*calls=[1-9]';
	PERFORM dblink_disconnect('fresh');
	RETURN fired > 0;
END
$f$;

-- rows whose new columns are not up(old), among those marked filled
CREATE FUNCTION pg_temp.wrong_new() RETURNS SETOF int LANGUAGE sql AS $f$
	SELECT id FROM dw_books WHERE NOT _migrator_needs_backfill
	   AND (_migrator_new_published_year IS DISTINCT FROM published_year::bigint * 10
			OR _migrator_new_rating IS DISTINCT FROM rating::numeric / 2 + length(title))
$f$;

-- the old shape, as the application before the change writes it
SELECT ok(pg_temp.fresh('UPDATE dw_books SET published_year = 2000 + id WHERE id <= 5'),
	'old shape, first statement of a fresh backend: the trigger runs');
SELECT results_eq($$SELECT id, published_year, _migrator_new_published_year, _migrator_needs_backfill
	FROM dw_books WHERE id <= 5 ORDER BY id$$,
	$$SELECT i, 2000 + i, (2000 + i)::bigint * 10, false FROM generate_series(1, 5) i$$,
	'old shape: the new column holds up(new value), the row is marked filled');
SELECT ok(pg_temp.fresh('UPDATE dw_books SET title = title || ''-long'' WHERE id BETWEEN 6 AND 8'),
	'an UPDATE of a column only up() reads: the trigger runs');
SELECT results_eq($$SELECT id, _migrator_new_rating FROM dw_books WHERE id BETWEEN 6 AND 8 ORDER BY id$$,
	$$SELECT i, (i % 10)::numeric / 2 + length('b' || i || '-long') FROM generate_series(6, 8) i$$,
	'the new rating is up() of the row as written (the longer title)');
SELECT ok(pg_temp.fresh('UPDATE dw_books b SET rating = 7 FROM (VALUES (9), (10)) v(id) WHERE b.id = v.id'),
	'an UPDATE ... FROM: the trigger runs');
SELECT is_empty($$SELECT * FROM pg_temp.wrong_new()$$, 'every row marked filled holds up(old) in both new columns');

-- the new shape, as the application after the change writes it
SELECT ok(pg_temp.fresh('UPDATE dw_books SET published_year = 20255 WHERE id = 11', true),
	'new shape, first statement of a fresh backend: the trigger runs');
SELECT results_eq($$SELECT published_year, _migrator_new_published_year, _migrator_needs_backfill
	FROM dw_books WHERE id = 11$$,
	$$VALUES (2025, 20255::bigint, false)$$,
	'new shape: the old column holds down(new value)');
SELECT ok(pg_temp.fresh('UPDATE dw_books SET rating = 4.5 WHERE id IN (12, 13)', true),
	'new shape, a numeric rating: the trigger runs');
SELECT results_eq($$SELECT id, rating, _migrator_new_rating FROM dw_books WHERE id IN (12, 13) ORDER BY id$$,
	$$VALUES (12, 9, 4.5), (13, 9, 4.5)$$,
	'the old rating holds down(4.5) = 9, the new one 4.5 as written');
SELECT ok(pg_temp.fresh('UPDATE dw_books SET title = ''t14'' WHERE id = 14', true),
	'new shape, a column the change does not touch, a row not yet backfilled: the trigger runs');
-- the row as the backfill would have left it (new = up(old), with the new title), then the write:
-- old = down(new), as for a row the backfill had reached; never down(NULL)
SELECT results_eq($$SELECT title, published_year, _migrator_new_published_year, rating, _migrator_new_rating,
		_migrator_needs_backfill FROM dw_books WHERE id = 14$$,
	$$VALUES ('t14', 1914, 19140::bigint, 10, 4::numeric / 2 + 3, false)$$,
	'the new columns are filled with up(old) and the old ones get down(filled), not NULL');
-- the same statement planned with the dual writes (this session has migrator loaded)
SET search_path = :"vs", public;
SELECT ok(NOT pg_temp.fires('UPDATE dw_books SET title = ''t15'' WHERE id = 15'),
	'the same UPDATE where migrator is loaded: planned, no trigger');
RESET search_path;
SELECT results_eq($$SELECT title, published_year, _migrator_new_published_year, rating, _migrator_new_rating,
		_migrator_needs_backfill FROM dw_books WHERE id = 15$$,
	$$VALUES ('t15', 1915, 19150::bigint, 11, 5::numeric / 2 + 3, false)$$,
	'planned: the same row as the trigger leaves');

-- after the backfill, both shapes read the same values
SELECT is(pg_temp.bf_all('dwt'), 25::bigint, 'the backfill fills the 25 rows no UPDATE wrote');
-- (rows 11-15 were written through the new shape: their old columns hold down(new), and with
-- this change's lossy down, up(down(new)) is not new)
SELECT is_empty($$SELECT * FROM pg_temp.wrong_new() WHERE wrong_new NOT BETWEEN 11 AND 15
	UNION ALL SELECT id FROM dw_books WHERE _migrator_needs_backfill$$,
	'after the backfill every other row holds up(old)');

SELECT finish();
