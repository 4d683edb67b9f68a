-- diff_kinds_drift.sql: the standalone kinds (an aggregate, an operator)
-- in drift: a snapshot leaves out the kinds it has none of, and the
-- baseline a run records keeps a hand-dropped aggregate as drift even when
-- the run's own snapshot has no aggregates left.
\set QUIET 1
SET client_min_messages = warning;

SELECT plan(5);
SET migrator.lint = off;

CREATE FUNCTION pg_temp.drift() RETURNS SETOF text LANGUAGE sql AS $f$
	SELECT statement FROM migrator.diff() WHERE statement !~ '^SET ' ORDER BY seq
$f$;
CREATE TABLE pg_temp.files (path text PRIMARY KEY, body text);
CREATE FUNCTION pg_temp.bundle(path text, body text) RETURNS jsonb LANGUAGE sql AS $f$
	INSERT INTO pg_temp.files VALUES (path, body);
	SELECT jsonb_object_agg(f.path, f.body) FROM pg_temp.files f;
$f$;

SELECT ok(NOT (migrator.snapshot('{public}')->'public' ? 'aggregates'), 'no aggregates: no key');
SELECT is((SELECT count(*)::int FROM migrator.apply(pg_temp.bundle('1_init.sql',
	'CREATE AGGREGATE total(integer) (SFUNC = int4pl, STYPE = integer);
	 CREATE TABLE t (id int);'))), 1, '1 applied');
SELECT is((SELECT count(*)::int FROM pg_temp.drift()), 0, 'no drift after a run');

-- by hand: the aggregate goes, an operator comes; then a run changes something else
DROP AGGREGATE total(integer);
CREATE OPERATOR === (FUNCTION = int4eq, LEFTARG = integer, RIGHTARG = integer);
SELECT is((SELECT count(*)::int FROM migrator.apply(pg_temp.bundle('2_t.sql', 'ALTER TABLE t ADD COLUMN b int;'))), 1,
	'2 applied despite the drift');
SELECT results_eq('SELECT * FROM pg_temp.drift()',
	$$VALUES ('CREATE OPERATOR public.=== (FUNCTION = pg_catalog.int4eq, LEFTARG = integer, RIGHTARG = integer)'),
		('DROP AGGREGATE public.total(integer)')$$,
	'after the run, diff() still shows the hand-dropped aggregate and the hand-made operator');

SELECT * FROM finish();
