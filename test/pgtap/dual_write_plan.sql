-- dual_write_plan.sql: UPDATEs planned with the dual writes (src/dualwrite_plan.c) leave the
-- same rows as the C trigger does, and pay no trigger.  Two identical tables get the same change;
-- the control one also has a no-op BEFORE UPDATE row trigger of its own, so that its UPDATEs are
-- never planned with the dual writes and migrator's trigger does the work.  The same statements run
-- on both, through both shapes, before, during and after a backfill; the tables must stay equal.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(55);

CREATE FUNCTION pg_temp.noop() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN RETURN NEW; END$f$;

CREATE TABLE dw_plan (id int PRIMARY KEY, title text, published_year int, rating int);
CREATE TABLE dw_trig (id int PRIMARY KEY, title text, published_year int, rating int);
INSERT INTO dw_plan SELECT i, 'b' || i, 1900 + i, i % 10 FROM generate_series(1, 60) i;
INSERT INTO dw_trig SELECT * FROM dw_plan;
CREATE TRIGGER zz_noop BEFORE UPDATE ON dw_trig FOR EACH ROW EXECUTE FUNCTION pg_temp.noop();

-- two alter_columns on one table, with up/down that are not the identity
CREATE FUNCTION pg_temp.ops(tab text) RETURNS jsonb LANGUAGE sql AS $f$
	SELECT jsonb_build_array(
		jsonb_build_object('alter_column', jsonb_build_object('table', tab, 'column', 'published_year',
			'type', 'bigint', 'up', 'published_year::bigint * 10', 'down', '(published_year / 10)::int')),
		jsonb_build_object('alter_column', jsonb_build_object('table', tab, 'column', 'rating',
			'type', 'numeric', 'up', 'rating::numeric / 2 + length(title)', 'down',
			'(rating * 2)::int')))
$f$;
SELECT lives_ok($$SELECT migrator.expand('dw_plan', pg_temp.ops('dw_plan'))$$, 'expand the planned table');
SELECT lives_ok($$SELECT migrator.expand('dw_trig', pg_temp.ops('dw_trig'))$$, 'expand the control table');

-- run a statement written for table %1$I (and version schema %2$I) on both tables, the shape
-- chosen by search_path as an application would; true if migrator's trigger ran on dw_plan
CREATE FUNCTION pg_temp.both(stmt text, new_shape boolean DEFAULT false) RETURNS boolean
LANGUAGE plpgsql AS $f$
DECLARE
	fired boolean;
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['dw_trig', 'dw_plan'] LOOP
		IF new_shape THEN
			PERFORM set_config('search_path',
							   (SELECT quote_ident(version_schema) FROM migrator.changes WHERE name = t)
							   || ', public', true);
		END IF;
		fired := pg_temp.fires(format(stmt, t));
		PERFORM set_config('search_path', 'public', true);
	END LOOP;
	RETURN fired;
END
$f$;

-- every column, migrator's own ones too, equal in both tables
CREATE FUNCTION pg_temp.same() RETURNS SETOF text LANGUAGE sql AS $f$
	(SELECT format('%s', p) FROM dw_plan p EXCEPT ALL SELECT format('%s', t) FROM dw_trig t)
	UNION ALL
	(SELECT format('%s', t) FROM dw_trig t EXCEPT ALL SELECT format('%s', p) FROM dw_plan p)
$f$;

-- the statements: [statement, new shape?, expected to run the trigger on dw_plan?]
CREATE TEMP TABLE stmts (n int, stmt text, new_shape boolean, fires boolean);
INSERT INTO stmts VALUES
	(1, 'UPDATE %1$I SET published_year = published_year + 1 WHERE id %% 3 = 0', false, false),
	(2, 'UPDATE %1$I SET title = title || ''!'' WHERE id %% 5 = 0', false, false),
	(3, 'UPDATE %1$I SET rating = rating + 1, published_year = 2000 WHERE id %% 7 = 0', false, false),
	(4, 'UPDATE %1$I SET title = upper(title), rating = length(title) WHERE id %% 4 = 3', false, false),
	(5, 'UPDATE %1$I x SET published_year = x.published_year + o.n FROM (VALUES (2, 5), (4, 6)) o(id, n) WHERE x.id = o.id', false, false),
	(6, 'UPDATE %1$I SET published_year = (SELECT max(published_year) FROM %1$I) WHERE id = 1', false, true),
	(7, 'UPDATE %1$I SET rating = (random() * 0)::int + 3 WHERE id = 6', false, true),
	(8, 'UPDATE %1$I SET rating = NULL, published_year = NULL WHERE id = 8', false, false),
	(9, 'UPDATE %1$I SET published_year = 30000 WHERE id %% 4 = 1', true, false),
	(10, 'UPDATE %1$I SET rating = 7.5 WHERE id %% 6 = 2', true, false),
	(11, 'UPDATE %1$I SET title = ''n'' || id WHERE id %% 9 = 0', true, false),
	(12, 'UPDATE %1$I SET rating = rating + 1, title = ''r'' WHERE id %% 11 = 0', true, false),
	(13, 'INSERT INTO %1$I VALUES (8, ''conflict'', 1999, 4) ON CONFLICT (id) DO UPDATE SET published_year = excluded.published_year', false, true),
	(14, 'WITH u AS (UPDATE %1$I SET published_year = 1 WHERE id = 3 RETURNING id) SELECT count(*) FROM u', false, true);

-- round 1: nothing backfilled yet; round 2: after one batch of 20 rows; round 3: after the whole
-- backfill
CREATE FUNCTION pg_temp.round(r int) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
	s record;
	fired boolean;
BEGIN
	FOR s IN SELECT * FROM stmts ORDER BY n LOOP
		fired := pg_temp.both(s.stmt, s.new_shape);
		RETURN NEXT is(fired, s.fires,
					   format('round %s, statement %s: migrator''s trigger %s', r, s.n,
							  CASE WHEN s.fires THEN 'runs' ELSE 'does not run' END));
	END LOOP;
END
$f$;

SELECT * FROM pg_temp.round(1);
SELECT is_empty($$SELECT * FROM pg_temp.same()$$, 'round 1: both tables hold the same rows');

SELECT is(migrator.backfill('dw_plan', 20, 1), migrator.backfill('dw_trig', 20, 1),
	'one batch of 20 keys: as many rows left to fill in each');
SELECT * FROM pg_temp.round(2);
SELECT is_empty($$SELECT * FROM pg_temp.same()$$, 'round 2: both tables hold the same rows');

SELECT cmp_ok(migrator.backfill('dw_plan', 1000) + migrator.backfill('dw_trig', 1000), '>', 0::bigint,
	'the rest backfilled');
SELECT is_empty($$SELECT * FROM pg_temp.same()$$, 'backfilled: both tables hold the same rows');

SELECT * FROM pg_temp.round(3);
SELECT is_empty($$SELECT * FROM pg_temp.same()$$, 'round 3: both tables hold the same rows');

-- and what they hold is what the change says once every row is written through the old shape:
-- every new column is up(old), no row left to fill
SELECT is(pg_temp.both('UPDATE %1$I SET published_year = published_year, rating = rating'), false,
	'every row written through the old shape, with no trigger');
SELECT is_empty($$SELECT * FROM pg_temp.same()$$, 'then too both tables hold the same rows');
SELECT is_empty($$SELECT id FROM dw_plan
	WHERE _migrator_new_published_year IS DISTINCT FROM published_year::bigint * 10
	   OR _migrator_new_rating IS DISTINCT FROM rating::numeric / 2 + length(title)
	   OR _migrator_needs_backfill$$,
	'every row of the planned table has new = up(old)');

-- a backend where migrator is not loaded yet plans its UPDATEs without the dual writes; the
-- trigger's first call loads migrator and has the backend's cached plans made again
SELECT dblink_connect('fresh', pg_temp.connstr());
SELECT dblink_exec('fresh', 'PREPARE u AS UPDATE dw_plan SET published_year = published_year + 1 WHERE id < 10');
SELECT dblink_exec('fresh', 'EXECUTE u');
SELECT is((SELECT count(*) FROM dblink('fresh', 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE u')
				AS t(line text) WHERE line LIKE 'Trigger _migrator_dual_write:%'), 0::bigint,
	'a prepared UPDATE from before migrator was loaded is planned again, with the dual writes');
SELECT dblink_disconnect('fresh');
SELECT is_empty($$SELECT id FROM dw_plan
	WHERE _migrator_new_published_year IS DISTINCT FROM published_year::bigint * 10$$,
	'and every row it wrote has new = up(old)');

SELECT finish();
