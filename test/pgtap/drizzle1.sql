-- drizzle1.sql: drizzle-kit 1.0 folders, offline (a hand-written folder in test/fixtures/drizzle1
-- and bundles; test/tap/drizzle1.sh does the same with the real drizzle-kit).  One folder per
-- migration, <yyyymmddhhmmss>_<name>/migration.sql beside snapshot.json ("id", "prevIds"): the
-- layout is told from Prisma's by the snapshot; a migration generated on a branch (earlier name,
-- its parents applied) runs as drizzle-orm 1.0 runs it; adopt() reads drizzle-orm 1.0's history
-- (by name) and 0.x rows it has not upgraded (its created_at / hash rule); a folder rewritten by
-- "drizzle-kit up" keeps the history of the 0.x folder it was (journal rows carried over by
-- checksum).
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SET migrator.lint = off;
CREATE FUNCTION pg_temp.error_of(stmt text, OUT state text, OUT detail text)
LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE stmt;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, detail = PG_EXCEPTION_DETAIL;
END
$f$;

\set d1 :fixtures/drizzle1
\set prisma :fixtures/prisma

SELECT plan(35);

CREATE FUNCTION pg_temp.sha_text(t text) RETURNS text LANGUAGE sql AS $f$
	SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex')
$f$;
-- a snapshot.json as drizzle-kit 1.0 writes it (only id and prevIds matter)
CREATE FUNCTION pg_temp.snap(id text, VARIADIC prev text[]) RETURNS text LANGUAGE sql AS $f$
	SELECT jsonb_build_object('version', '9', 'dialect', 'postgres', 'id', id,
							  'prevIds', to_jsonb(prev), 'ddl', '[]'::jsonb)::text
$f$;
-- the fixture folder as a bundle, plus extra entries
CREATE FUNCTION pg_temp.d1_bundle(dir text, extra jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $f$
	SELECT jsonb_object_agg(f || '/' || g, pg_read_file(dir || '/' || f || '/' || g)) || extra
	FROM pg_ls_dir(dir) f, unnest(ARRAY['migration.sql', 'snapshot.json']) g
$f$;

------------------------------------------------------------------------------
-- the layout
------------------------------------------------------------------------------
SELECT results_eq(format('SELECT version, name, state FROM migrator.status(%L)', :'d1'),
	$$VALUES ('20240101000000_init', 'init', 'pending'), ('20240201000000_tags', 'tags', 'pending'),
			 ('20240301000000_posts', 'posts', 'pending'), ('20240401000000_merge', 'merge', 'pending')$$,
	'drizzle-kit 1.0: one migration per folder, versions are the folder names, in name order');
SELECT throws_ok(format('SELECT * FROM migrator.adopt(%L)', :'d1'), '42P01',
	'no history of a tool that writes drizzle-kit 1.0 folders was found in this database',
	'the folder is recognised as drizzle-kit 1.0''s (snapshot.json beside migration.sql), not Prisma''s');
SELECT throws_ok(format('SELECT * FROM migrator.adopt(%L)', :'prisma'), '42P01',
	'no history of a tool that writes prisma folders was found in this database',
	'a folder of migration.sql without snapshot.json is still Prisma''s');
SELECT throws_ok($$SELECT * FROM migrator.adopt(jsonb_build_object(
		'20240101000000_a/migration.sql', 'SELECT 1;',
		'20240201000000_b/migration.sql', 'SELECT 2;',
		'20240201000000_b/snapshot.json', pg_temp.snap('b', 'a')))$$, '42P01',
	'no history of a tool that writes drizzle-kit 1.0 folders was found in this database',
	'one snapshot.json makes the folder drizzle-kit 1.0''s; the hand-written one beside it is a migration too');
SELECT throws_ok($$SELECT * FROM migrator.status(jsonb_build_object(
		'20240101000000_a/migration.sql', 'SELECT 1;',
		'20240101000000_a/snapshot.json', '{"id": "a", "prevIds": "x"}'))$$, '22P02',
	'drizzle-kit snapshot "20240101000000_a/snapshot.json" is malformed',
	'a snapshot without a prevIds array is refused, naming it');
SELECT throws_ok($$SELECT * FROM migrator.status(jsonb_build_object(
		'20240101000000_a/migration.sql', 'SELECT 1;',
		'20240101000000_a/snapshot.json', '{"id": '))$$, '22P02', NULL,
	'a snapshot that is not JSON is refused');

------------------------------------------------------------------------------
-- a branch migration: sorts before an applied one, its parents applied
------------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM migrator.apply(:'d1')), 4, 'the folder applies');
SELECT has_column('public', 'd1_posts', 'tag_id', 'the merge migration ran last');
-- as if tags came from a branch merged after posts and merge were applied
DELETE FROM migrator.journal WHERE version = '20240201000000_tags';
ALTER TABLE d1_posts DROP COLUMN tag_id;
DROP TABLE d1_tags;
SELECT results_eq(format('SELECT version, state FROM migrator.status(%L)', :'d1'),
	$$VALUES ('20240101000000_init', 'applied'), ('20240201000000_tags', 'pending'),
			 ('20240301000000_posts', 'applied'), ('20240401000000_merge', 'applied')$$,
	'status: the branch migration is pending, not out of order (its parent init is applied)');
SELECT lives_ok(format('SELECT migrator.verify(%L)', :'d1'), 'verify passes');
SELECT results_eq(format('SELECT version, action FROM migrator.apply(%L)', :'d1'),
	$$VALUES ('20240201000000_tags', 'applied')$$,
	'apply runs it, as drizzle-orm 1.0 would');
SELECT results_eq('SELECT version FROM migrator.journal ORDER BY id',
	$$VALUES ('20240101000000_init'), ('20240301000000_posts'), ('20240401000000_merge'),
			 ('20240201000000_tags')$$,
	'the journal shows the order they ran in');
SELECT has_table('public', 'd1_tags', 'the branch migration created its table');

-- a parent not applied: out of order, as for every layout
CREATE TEMP TABLE orphan AS SELECT pg_temp.d1_bundle(:'d1', jsonb_build_object(
	'20240115000000_orphan/migration.sql', 'CREATE TABLE d1_orphan (id int);',
	'20240115000000_orphan/snapshot.json', pg_temp.snap('55555555-5555-4555-8555-555555555555',
														'99999999-9999-4999-8999-999999999999'))) AS b;
SELECT results_eq('SELECT s.version, s.state FROM orphan, migrator.status(b) s WHERE s.state <> ''applied''',
	$$VALUES ('20240115000000_orphan', 'pending (out of order)')$$,
	'a branch migration whose parent is not in the folder is pending (out of order)');
SELECT throws_ok('SELECT * FROM orphan, migrator.apply(b)', '55000', NULL, 'apply refuses it');
SELECT ok((pg_temp.error_of('SELECT * FROM orphan, migrator.verify(b)')).detail
		  LIKE '20240115000000_orphan/migration.sql: pending, but sorts before migrations already applied',
	'verify names it');
SET migrator.out_of_order = on;
SELECT results_eq('SELECT a.version, a.action FROM orphan, migrator.apply(b) a',
	$$VALUES ('20240115000000_orphan', 'applied')$$,
	'with migrator.out_of_order = on it runs');
RESET migrator.out_of_order;
-- a child of a pending branch migration runs after it, in the same run
DELETE FROM migrator.journal WHERE version IN ('20240201000000_tags', '20240115000000_orphan');
DROP TABLE d1_tags, d1_orphan;
CREATE TEMP TABLE chain AS SELECT pg_temp.d1_bundle(:'d1', jsonb_build_object(
	'20240202000000_tag_color/migration.sql', 'ALTER TABLE d1_tags ADD COLUMN color text;',
	'20240202000000_tag_color/snapshot.json', pg_temp.snap('66666666-6666-4666-8666-666666666666',
														   '22222222-2222-4222-8222-222222222222'))) AS b;
SELECT results_eq('SELECT s.version, s.state FROM chain, migrator.status(b) s WHERE s.state <> ''applied''',
	$$VALUES ('20240201000000_tags', 'pending'), ('20240202000000_tag_color', 'pending')$$,
	'a migration whose parent is a pending branch migration before it is pending too');
SELECT results_eq('SELECT a.version FROM chain, migrator.apply(b) a',
	$$VALUES ('20240201000000_tags'), ('20240202000000_tag_color')$$,
	'apply runs both, parent first');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- adopt: drizzle-orm 1.0's history (by name)
------------------------------------------------------------------------------
CREATE SCHEMA drizzle;
CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint,
										   name text, applied_at timestamptz DEFAULT now());
CREATE TABLE d1_users (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE d1_tags (id serial PRIMARY KEY, label text NOT NULL);
INSERT INTO drizzle.__drizzle_migrations (hash, created_at, name)
VALUES (pg_temp.sha(:'d1' || '/20240101000000_init/migration.sql'), 1704067200000, '20240101000000_init'),
	   (pg_temp.sha(:'d1' || '/20240201000000_tags/migration.sql'), 1706745600000, '20240201000000_tags');
CREATE TEMP TABLE edited AS SELECT pg_temp.d1_bundle(:'d1', jsonb_build_object(
	'20240201000000_tags/migration.sql', 'CREATE TABLE d1_tags (id int);')) AS b;
SELECT throws_ok('SELECT * FROM edited, migrator.adopt(b)', '55000',
	'drizzle-kit''s history in drizzle.__drizzle_migrations does not match the migration folder: 1 problem',
	'adopt refuses a migration edited after drizzle applied it');
SELECT is((pg_temp.error_of('SELECT * FROM edited, migrator.adopt(b)')).detail,
	'20240201000000_tags/migration.sql: modified since drizzle-kit applied it (hashes differ)',
	'naming it');
SELECT results_eq(format('SELECT version, action FROM migrator.adopt(%L)', :'d1'),
	$$VALUES ('20240101000000_init', 'adopted'), ('20240201000000_tags', 'adopted')$$,
	'adopt takes exactly the rows drizzle-orm 1.0 recorded, by name');
SELECT results_eq(format('SELECT version, action FROM migrator.apply(%L)', :'d1'),
	$$VALUES ('20240301000000_posts', 'applied'), ('20240401000000_merge', 'applied')$$,
	'apply runs the rest');
SELECT lives_ok(format('SELECT migrator.verify(%L)', :'d1'), 'verify passes');
SELECT pg_temp.reset_db() \gset
-- a name the folder lacks
INSERT INTO drizzle.__drizzle_migrations (hash, created_at, name)
VALUES (pg_temp.sha_text('x'), 1, '20230101000000_gone');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.adopt(%L)', :'d1'))).detail,
	'20230101000000_gone: applied, but the folder has no such migration',
	'adopt refuses a history naming a migration the folder lacks');
SELECT pg_temp.reset_db() \gset
TRUNCATE drizzle.__drizzle_migrations;

------------------------------------------------------------------------------
-- adopt: a 0.x table drizzle-orm 1.0 has not upgraded (no name column)
------------------------------------------------------------------------------
ALTER TABLE drizzle.__drizzle_migrations DROP COLUMN name, DROP COLUMN applied_at;
-- drizzle 0.x recorded the journal's "when": the folder's second plus some milliseconds;
-- init's row by its second, tags' row (a "when" of another second) by its hash
INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
VALUES (pg_temp.sha(:'d1' || '/20240101000000_init/migration.sql'), 1704067200789),
	   (pg_temp.sha(:'d1' || '/20240201000000_tags/migration.sql'), 1600000000000);
SELECT results_eq(format('SELECT version, action FROM migrator.adopt(%L)', :'d1'),
	$$VALUES ('20240101000000_init', 'adopted'), ('20240201000000_tags', 'adopted')$$,
	'0.x rows: matched by created_at rounded down to the second, then by hash');
SELECT pg_temp.reset_db() \gset
-- a row whose second is init's but whose hash is not: refused, not taken on trust
UPDATE drizzle.__drizzle_migrations SET hash = pg_temp.sha_text('other') WHERE created_at = 1704067200789;
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.adopt(%L)', :'d1'))).detail,
	'20240101000000_init/migration.sql: modified since drizzle-kit applied it (hashes differ)',
	'a 0.x row of init''s second with another hash is a modified migration');
SELECT pg_temp.reset_db() \gset
DROP SCHEMA drizzle CASCADE;

------------------------------------------------------------------------------
-- drizzle-kit up: a 0.x folder migrator applied, rewritten as 1.0 folders (same SQL bytes)
------------------------------------------------------------------------------
CREATE TEMP TABLE v0 AS SELECT jsonb_build_object(
	'meta/_journal.json', '{"version":"7","dialect":"postgresql","entries":[
		{"idx":0,"version":"7","when":1704067200123,"tag":"0000_init","breakpoints":true},
		{"idx":1,"version":"7","when":1706745600456,"tag":"0001_tags","breakpoints":true}]}',
	'0000_init.sql', pg_read_file(:'d1' || '/20240101000000_init/migration.sql'),
	'0001_tags.sql', pg_read_file(:'d1' || '/20240201000000_tags/migration.sql')) AS b;
CREATE TEMP TABLE v1 AS SELECT jsonb_build_object(
	'20240101000000_init/migration.sql', pg_read_file(:'d1' || '/20240101000000_init/migration.sql'),
	'20240101000000_init/snapshot.json', pg_read_file(:'d1' || '/20240101000000_init/snapshot.json'),
	'20240201000000_tags/migration.sql', pg_read_file(:'d1' || '/20240201000000_tags/migration.sql'),
	'20240201000000_tags/snapshot.json', pg_read_file(:'d1' || '/20240201000000_tags/snapshot.json'),
	'20240301000000_posts/migration.sql', pg_read_file(:'d1' || '/20240301000000_posts/migration.sql'),
	'20240301000000_posts/snapshot.json', pg_read_file(:'d1' || '/20240301000000_posts/snapshot.json')) AS b;
SELECT is((SELECT count(*)::int FROM v0, migrator.apply(b)), 2, 'the 0.x folder applied');
SELECT results_eq('SELECT s.version, s.state FROM v1, migrator.status(b) s',
	$$VALUES ('20240101000000_init', 'applied'), ('20240201000000_tags', 'applied'),
			 ('20240301000000_posts', 'pending')$$,
	'after drizzle-kit up, status maps the 0.x rows to the 1.0 folders of the same checksum');
SELECT lives_ok('SELECT migrator.verify(b) FROM v1', 'verify is clean');
SELECT results_eq('SELECT version FROM migrator.journal ORDER BY id', $$VALUES ('0000'), ('0001')$$,
	'status and verify wrote nothing');
SELECT results_eq('SELECT a.version, a.action FROM v1, migrator.apply(b) a',
	$$VALUES ('20240301000000_posts', 'applied')$$, 'apply re-runs nothing and runs the new one');
SELECT results_eq('SELECT version, path, origin FROM migrator.journal ORDER BY id',
	$$VALUES ('20240101000000_init', '20240101000000_init/migration.sql', 'applied'),
			 ('20240201000000_tags', '20240201000000_tags/migration.sql', 'applied'),
			 ('20240301000000_posts', '20240301000000_posts/migration.sql', 'applied')$$,
	'the run carried the 0.x rows over to the 1.0 names');
SELECT is((SELECT count(*)::int FROM migrator.events WHERE action = 'carry over' AND outcome = 'success'),
	2, 'each carry-over is in the event log');
SELECT ok((SELECT bool_and(state = 'applied') FROM v1, migrator.status(b)), 'all applied');

SELECT * FROM finish();
