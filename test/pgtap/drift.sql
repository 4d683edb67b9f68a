-- drift.sql: drift (a schema changed by hand since the last recorded run) is
-- reported by the next apply or migrate (migrator.drift: warn, error, off) and
-- stays visible in diff() after it, until a migration makes it its own or
-- accept_drift() records it; open changes' own objects are never drift.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(34);
SET migrator.lint = off;

CREATE FUNCTION pg_temp.drift() RETURNS SETOF text LANGUAGE sql AS $f$
	SELECT statement FROM migrator.diff() WHERE statement !~ '^SET ' ORDER BY seq
$f$;

-- each call applies the bundle made of all the migrations given so far
CREATE TABLE pg_temp.files (path text PRIMARY KEY, body text);
CREATE FUNCTION pg_temp.bundle(path text, body text) RETURNS jsonb LANGUAGE sql AS $f$
	INSERT INTO pg_temp.files VALUES (path, body);
	SELECT jsonb_object_agg(f.path, f.body) FROM pg_temp.files f;
$f$;

-- CALL migrator.migrate(bundle) on a connection of its own, with migrator.drift set there
CREATE FUNCTION pg_temp.remote_migrate_bundle(b jsonb, drift text DEFAULT 'warn') RETURNS text
LANGUAGE sql AS $f$
	SELECT format('SELECT dblink_exec(%L, %L)',
				  pg_temp.connstr() || format(' options=''-cmigrator.drift=%s -cmigrator.lint=off''', drift),
				  format('CALL migrator.migrate(%L::jsonb)', b))
$f$;

SELECT is((SELECT count(*)::int FROM migrator.apply(pg_temp.bundle('1_init.sql',
	'CREATE TABLE dt (id bigint PRIMARY KEY, a int); CREATE TABLE du (id bigint PRIMARY KEY); '
	'CREATE SCHEMA dsch; CREATE TABLE dsch.t (id int);'))), 1,
	'1 applied');
SELECT is((SELECT count(*)::int FROM pg_temp.drift()), 0, 'no drift after a run');
SELECT ok((SELECT snapshot ? 'dsch' FROM migrator.snapshots ORDER BY id DESC LIMIT 1),
	'the snapshot recorded after apply() has the schema the run created (in the same transaction)');

-- drift by hand: a column, a table, an index
ALTER TABLE dt ADD COLUMN hand int;
CREATE TABLE dhand (x int);
SELECT results_eq('SELECT * FROM pg_temp.drift()',
	$$VALUES ('CREATE TABLE public.dhand (x integer)'), ('ALTER TABLE public.dt ADD COLUMN hand integer')$$,
	'diff() lists the hand-made changes');

-- migrator.drift = error: refused before anything is applied, naming what drifted
SET migrator.drift = error;
SELECT throws_ok($$SELECT * FROM migrator.apply(pg_temp.bundle('2_du.sql', 'ALTER TABLE du ADD COLUMN b int;'))$$,
	'55000', 'the schema has drifted since the last recorded run: 2 objects changed by hand',
	'drift = error refuses the apply (55000)');
SELECT hasnt_column('du', 'b', 'nothing of 2 was applied');
SELECT is((SELECT count(*)::int FROM migrator.journal WHERE version = '2'), 0, 'no journal row for 2');
SELECT throws_like(pg_temp.remote_migrate_bundle(pg_temp.bundle('2_du.sql', 'ALTER TABLE du ADD COLUMN b int;'), 'error'),
	'%drifted since the last recorded run%', 'drift = error refuses migrate too');
SELECT hasnt_column('du', 'b', 'nothing of 2 was migrated');

-- warn (the default): the run goes on, and the drift stays in diff() after it
RESET migrator.drift;
SELECT is((SELECT count(*)::int FROM migrator.apply(pg_temp.bundle('3_du.sql', 'ALTER TABLE du ADD COLUMN c int;'))), 2,
	'drift = warn: 2 and 3 applied');
SELECT has_column('du', 'c', 'the migration ran');
SELECT results_eq('SELECT * FROM pg_temp.drift()',
	$$VALUES ('CREATE TABLE public.dhand (x integer)'), ('ALTER TABLE public.dt ADD COLUMN hand integer')$$,
	'after the apply, diff() still shows exactly the hand-made changes');

-- migrate keeps it too
SELECT lives_ok(pg_temp.remote_migrate_bundle(pg_temp.bundle('4_du.sql', 'ALTER TABLE du ADD COLUMN d int;')),
	'migrate with drift, warn: applies');
SELECT results_eq('SELECT * FROM pg_temp.drift()',
	$$VALUES ('CREATE TABLE public.dhand (x integer)'), ('ALTER TABLE public.dt ADD COLUMN hand integer')$$,
	'after migrate, diff() still shows the hand-made changes');

-- a migration that makes a hand-made change its own ends that drift
SELECT is((SELECT count(*)::int FROM migrator.apply(pg_temp.bundle('5_dhand.sql', 'DROP TABLE dhand;'))), 1,
	'5 applied');
SELECT results_eq('SELECT * FROM pg_temp.drift()',
	$$VALUES ('ALTER TABLE public.dt ADD COLUMN hand integer')$$,
	'the table a migration dropped is no longer drift; the column still is');

-- accept_drift(): the live schema becomes the baseline
SELECT lives_ok('SELECT migrator.accept_drift()', 'accept_drift()');
SELECT is((SELECT count(*)::int FROM pg_temp.drift()), 0, 'no drift after accept_drift()');
SELECT is((SELECT action FROM migrator.snapshots ORDER BY id DESC LIMIT 1), 'accept_drift',
	'accept_drift() recorded a snapshot');
SELECT ok(NOT has_function_privilege('public', 'migrator.accept_drift()', 'EXECUTE'),
	'accept_drift() is not for PUBLIC');

-- an open change's own objects are never drift
INSERT INTO dt SELECT g, g FROM generate_series(1, 10) g;
ALTER TABLE dt ADD CONSTRAINT dt_a_check CHECK (a > 0);
CREATE INDEX dt_a_idx ON dt (a);
SELECT migrator.accept_drift();
SELECT migrator.expand('dt_big', '{"alter_column": {"table": "dt", "column": "a", "type": "bigint"}}');
SELECT is((SELECT count(*)::int FROM pg_temp.drift()), 0,
	'after expand (new column, marker, trigger, check on the new column): diff() is empty');
SET migrator.drift = error;
SELECT is((SELECT count(*)::int FROM migrator.apply(pg_temp.bundle('6_dw.sql', 'CREATE TABLE dw (id bigint);'))), 1,
	'apply with an open change finds no drift (drift = error)');
CALL migrator.run_backfill('dt_big');
SELECT is((SELECT count(*)::int FROM pg_temp.drift()), 0,
	'after the backfill (index built on the new column): diff() is empty');
RESET migrator.drift;

-- contract and abort outside a run: the baseline takes what they changed, and only that
ALTER TABLE du ADD COLUMN hand2 int;
SELECT lives_ok($$SELECT migrator.contract('dt_big')$$, 'contract');
SELECT results_eq('SELECT * FROM pg_temp.drift()',
	$$VALUES ('ALTER TABLE public.du ADD COLUMN hand2 integer')$$,
	'after contract: its table change is not drift, the hand-made column still is');
INSERT INTO dw SELECT g FROM generate_series(1, 10) g;
SELECT migrator.expand('dw_num', '{"alter_column": {"table": "dw", "column": "id", "type": "numeric"}}');
SELECT lives_ok($$SELECT migrator.abort('dw_num')$$, 'abort');
SELECT results_eq('SELECT * FROM pg_temp.drift()',
	$$VALUES ('ALTER TABLE public.du ADD COLUMN hand2 integer')$$,
	'after abort: the same');

-- revert keeps drift too
DELETE FROM migrator.journal;
SELECT migrator.accept_drift();
SELECT is((SELECT count(*)::int FROM migrator.apply('{"1_r.up.sql": "CREATE TABLE dr (id bigint);", "1_r.down.sql": "DROP TABLE dr;",
	"2_r.up.sql": "ALTER TABLE dr ADD COLUMN b int;", "2_r.down.sql": "ALTER TABLE dr DROP COLUMN b;"}'::jsonb)), 2,
	'a folder with down migrations applied');
CREATE TABLE drhand (x int);
SELECT is((SELECT count(*)::int FROM migrator.revert('{"1_r.up.sql": "CREATE TABLE dr (id bigint);", "1_r.down.sql": "DROP TABLE dr;",
	"2_r.up.sql": "ALTER TABLE dr ADD COLUMN b int;", "2_r.down.sql": "ALTER TABLE dr DROP COLUMN b;"}'::jsonb)), 1,
	'revert of 2 with drift');
SELECT results_eq('SELECT * FROM pg_temp.drift()', $$VALUES ('CREATE TABLE public.drhand (x integer)')$$,
	'after revert, diff() still shows the hand-made table (and not what revert undid)');

-- a schema made or dropped by hand is drift too: created before what is in it, dropped after
DROP TABLE drhand;
SELECT migrator.accept_drift();
CREATE SCHEMA dhand_s;
COMMENT ON SCHEMA dhand_s IS 'by hand';
CREATE TABLE dhand_s.t (x int);
SELECT results_eq('SELECT * FROM pg_temp.drift()',
	$$VALUES ('CREATE SCHEMA dhand_s'), ('CREATE TABLE dhand_s.t (x integer)'),
		('COMMENT ON SCHEMA dhand_s IS ''by hand''')$$,
	'a schema made by hand: diff() creates it, then what is in it');
SET migrator.drift = error;
SELECT throws_ok($$SELECT * FROM migrator.apply('{"1_r.up.sql": "CREATE TABLE dr (id bigint);", "1_r.down.sql": "DROP TABLE dr;",
	"2_r.up.sql": "ALTER TABLE dr ADD COLUMN b int;", "2_r.down.sql": "ALTER TABLE dr DROP COLUMN b;"}'::jsonb)$$,
	'55000', 'the schema has drifted since the last recorded run: 2 objects changed by hand',
	'the schema made by hand is drift to apply (the schema and its table)');
RESET migrator.drift;
SELECT migrator.accept_drift();
DROP SCHEMA dhand_s CASCADE;
SELECT results_eq('SELECT * FROM pg_temp.drift()',
	$$VALUES ('DROP TABLE dhand_s.t'), ('DROP SCHEMA dhand_s')$$,
	'a schema dropped by hand: diff() drops what was in it, then the schema');
SELECT is((SELECT hazard FROM migrator.diff() WHERE statement = 'DROP SCHEMA dhand_s'), 'data-loss',
	'dropping a schema is a data-loss hazard');

SELECT * FROM finish();
