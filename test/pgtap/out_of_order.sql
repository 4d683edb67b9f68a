-- out_of_order.sql: a migration merged from a branch after later ones were applied sorts before
-- them.  For every layout: status() shows it as 'pending (out of order)', verify(), apply() and
-- migrate() refuse it while migrator.out_of_order is off (the default); with it on, a run applies
-- the pending ones in version order and verify() passes.  Bundles: the same folder before and
-- after the merge.
\set QUIET 1
SET client_min_messages = warning;
SET migrator.lint = off;
\ir helpers.psql

SELECT plan(58);

-- layout, the bundle before the merge (versions A and C), the merged file (version B), and the
-- versions in order
CREATE TEMP TABLE cases (layout text, before jsonb, merged jsonb, va text, vb text, vc text);
INSERT INTO cases VALUES
('flyway', '{"V1__a.sql": "CREATE TABLE oo_a (id int);", "V3__c.sql": "CREATE TABLE oo_c (id int);"}',
 '{"V2__b.sql": "CREATE TABLE oo_b (id int);"}', '1', '2', '3'),
('golang-migrate', '{"1_a.up.sql": "CREATE TABLE oo_a (id int);", "1_a.down.sql": "DROP TABLE oo_a;",
   "3_c.up.sql": "CREATE TABLE oo_c (id int);"}',
 '{"2_b.up.sql": "CREATE TABLE oo_b (id int);"}', '1', '2', '3'),
('dbmate', '{"20240101000000_a.sql": "-- migrate:up\nCREATE TABLE oo_a (id int);\n-- migrate:down\nDROP TABLE oo_a;\n",
   "20240301000000_c.sql": "-- migrate:up\nCREATE TABLE oo_c (id int);\n"}',
 '{"20240201000000_b.sql": "-- migrate:up\nCREATE TABLE oo_b (id int);\n"}',
 '20240101000000', '20240201000000', '20240301000000'),
('prisma', '{"migration_lock.toml": "provider = \"postgresql\"\n",
   "20240101000000_a/migration.sql": "CREATE TABLE oo_a (id int);",
   "20240301000000_c/migration.sql": "CREATE TABLE oo_c (id int);"}',
 '{"20240201000000_b/migration.sql": "CREATE TABLE oo_b (id int);"}',
 '20240101000000_a', '20240201000000_b', '20240301000000_c'),
('diesel', '{"2024-01-01-000000_a/up.sql": "CREATE TABLE oo_a (id int);",
   "2024-03-01-000000_c/up.sql": "CREATE TABLE oo_c (id int);"}',
 '{"2024-02-01-000000_b/up.sql": "CREATE TABLE oo_b (id int);"}',
 '20240101000000', '20240201000000', '20240301000000'),
('drizzle-kit 0.x', '{"meta/_journal.json": "{\"version\":\"7\",\"dialect\":\"postgresql\",\"entries\":[{\"idx\":0,\"version\":\"7\",\"when\":1,\"tag\":\"0000_a\",\"breakpoints\":true},{\"idx\":1,\"version\":\"7\",\"when\":3,\"tag\":\"0002_c\",\"breakpoints\":true}]}",
   "0000_a.sql": "CREATE TABLE oo_a (id int);", "0002_c.sql": "CREATE TABLE oo_c (id int);"}',
 '{"meta/_journal.json": "{\"version\":\"7\",\"dialect\":\"postgresql\",\"entries\":[{\"idx\":0,\"version\":\"7\",\"when\":1,\"tag\":\"0000_a\",\"breakpoints\":true},{\"idx\":1,\"version\":\"7\",\"when\":2,\"tag\":\"0001_b\",\"breakpoints\":true},{\"idx\":2,\"version\":\"7\",\"when\":3,\"tag\":\"0002_c\",\"breakpoints\":true}]}",
   "0001_b.sql": "CREATE TABLE oo_b (id int);"}', '0000', '0001', '0002');

-- runs the scenario for each layout
CREATE FUNCTION pg_temp.scenario(l text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
	c cases;
	merged jsonb;
	st text;
BEGIN
	SELECT * INTO c FROM cases WHERE layout = l;
	merged := c.before || c.merged;
	PERFORM pg_temp.reset_db();
	RETURN NEXT is((SELECT count(*)::int FROM migrator.apply(c.before)), 2, l || ': the folder before the merge applies');
	RETURN NEXT results_eq(format('SELECT version, state FROM migrator.status(%L::jsonb)', merged),
		format('VALUES (%L, %L), (%L, %L), (%L, %L)', c.va, 'applied', c.vb, 'pending (out of order)',
			   c.vc, 'applied'),
		l || ': status shows the merged migration as pending (out of order)');
	RETURN NEXT throws_ok(format('SELECT migrator.verify(%L::jsonb)', merged), '55000', NULL,
		l || ': verify refuses it (55000)');
	RETURN NEXT throws_ok(format('SELECT * FROM migrator.apply(%L::jsonb)', merged), '55000', NULL,
		l || ': apply refuses it while migrator.out_of_order is off');
	RETURN NEXT is(to_regclass('oo_b')::text, NULL, l || ': nothing ran');
	PERFORM set_config('migrator.out_of_order', 'on', true);
	RETURN NEXT lives_ok(format('SELECT migrator.verify(%L::jsonb)', merged),
		l || ': with migrator.out_of_order = on, verify lets it through');
	RETURN NEXT results_eq(format('SELECT version, action FROM migrator.apply(%L::jsonb)', merged),
		format('VALUES (%L, %L)', c.vb, 'applied'), l || ': and apply runs it');
	PERFORM set_config('migrator.out_of_order', 'off', true);
	RETURN NEXT results_eq('SELECT version FROM migrator.journal ORDER BY id',
		format('VALUES (%L), (%L), (%L)', c.va, c.vc, c.vb), l || ': the journal shows the order they ran in');
	RETURN NEXT ok((SELECT bool_and(state = 'applied') FROM migrator.status(merged)) AND
				   to_regclass('oo_b') IS NOT NULL, l || ': all applied, its table exists');
END
$f$;

SELECT * FROM pg_temp.scenario('flyway');
SELECT * FROM pg_temp.scenario('golang-migrate');
SELECT * FROM pg_temp.scenario('dbmate');
SELECT * FROM pg_temp.scenario('prisma');
SELECT * FROM pg_temp.scenario('diesel');
SELECT * FROM pg_temp.scenario('drizzle-kit 0.x');

-- migrate() (a procedure, on its own connection) follows the setting too
SELECT pg_temp.reset_db() \gset
SELECT is((SELECT count(*)::int FROM migrator.apply((SELECT before FROM cases WHERE layout = 'flyway'))), 2,
	'flyway again: before the merge');
SELECT format('CALL migrator.migrate(%L::jsonb)', before || merged) AS call FROM cases WHERE layout = 'flyway' \gset
SELECT throws_ok(format('SELECT dblink_exec(pg_temp.connstr(), %L)', :'call'), '55000', NULL,
	'migrate refuses the out-of-order one by default');
SELECT lives_ok(format('SELECT dblink_exec(pg_temp.connstr() || %L, %L)',
		' options=''-c migrator.out_of_order=on''', :'call'),
	'with migrator.out_of_order = on, migrate runs');
SELECT results_eq('SELECT version FROM migrator.journal ORDER BY id', $$VALUES ('1'), ('3'), ('2')$$,
	'migrate applied it after the others');

SELECT * FROM finish();
