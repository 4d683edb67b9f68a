-- drizzle_adopt_match.sql: adopting drizzle-kit's history, offline (a bundle, no npm).  A history
-- row stands for the file whose journal "when" is the row's created_at, and only when no file has
-- that "when" for the first file not yet taken with the row's hash.  Two files of identical content
-- (drizzle-kit generate --custom writes the same template) tell the two rules apart: with the row
-- of the second one recorded, matching by hash first would adopt the first one instead.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(7);

CREATE TEMP TABLE bundle AS SELECT jsonb_build_object(
	'meta/_journal.json', '{"version":"7","dialect":"postgresql","entries":[
		{"idx":0,"version":"7","tag":"0000_a","when":10,"breakpoints":true},
		{"idx":1,"version":"7","tag":"0001_custom","when":20,"breakpoints":true},
		{"idx":2,"version":"7","tag":"0002_custom","when":30,"breakpoints":true}]}',
	'0000_a.sql', 'CREATE TABLE dzm_a (id int);',
	'0001_custom.sql', '-- Custom SQL migration file, put your code below! --',
	'0002_custom.sql', '-- Custom SQL migration file, put your code below! --') AS b;
CREATE FUNCTION pg_temp.sha_text(t text) RETURNS text LANGUAGE sql AS $f$
	SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex')
$f$;

-- drizzle applied 0000_a and 0002_custom (0001_custom came later from a branch)
CREATE SCHEMA drizzle;
CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
CREATE TABLE dzm_a (id int);
INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
VALUES (pg_temp.sha_text('CREATE TABLE dzm_a (id int);'), 10),
	   (pg_temp.sha_text('-- Custom SQL migration file, put your code below! --'), 30);

SELECT results_eq($$SELECT a.version, a.action FROM bundle, migrator.adopt(b) a ORDER BY 1$$,
	$$VALUES ('0000', 'adopted'), ('0002', 'adopted')$$,
	'the row with created_at 30 adopts 0002_custom, the file whose "when" is 30, not 0001_custom');
SELECT results_eq($$SELECT s.version, s.state FROM bundle, migrator.status(b) s ORDER BY 1$$,
	$$VALUES ('0000', 'applied'), ('0001', 'pending (out of order)'), ('0002', 'applied')$$,
	'status: 0001_custom is the one still pending');
SELECT results_eq($$SELECT version, origin FROM migrator.journal ORDER BY version$$,
	$$VALUES ('0000', 'adopted from drizzle-kit'), ('0002', 'adopted from drizzle-kit')$$,
	'the journal holds what drizzle applied');

-- a row whose created_at no file has: matched by hash, to the first file not taken yet
DELETE FROM migrator.journal;
TRUNCATE drizzle.__drizzle_migrations;
INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
VALUES (pg_temp.sha_text('CREATE TABLE dzm_a (id int);'), 11),
	   (pg_temp.sha_text('-- Custom SQL migration file, put your code below! --'), 99);
SELECT results_eq($$SELECT a.version FROM bundle, migrator.adopt(b) a ORDER BY 1$$,
	$$VALUES ('0000'), ('0001')$$,
	'created_at matching no "when": the hash decides, the first untaken file of that content');

-- two rows of the same content, both with their own created_at: both files, one each
DELETE FROM migrator.journal;
TRUNCATE drizzle.__drizzle_migrations;
INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
VALUES (pg_temp.sha_text('CREATE TABLE dzm_a (id int);'), 10),
	   (pg_temp.sha_text('-- Custom SQL migration file, put your code below! --'), 30),
	   (pg_temp.sha_text('-- Custom SQL migration file, put your code below! --'), 20);
SELECT results_eq($$SELECT a.version FROM bundle, migrator.adopt(b) a ORDER BY 1$$,
	$$VALUES ('0000'), ('0001'), ('0002')$$,
	'two rows of one content, each with its "when": each file adopted once');

-- a row whose "when" names a file of other content: refused as modified, nothing adopted
DELETE FROM migrator.journal;
TRUNCATE drizzle.__drizzle_migrations;
INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
VALUES (pg_temp.sha_text('CREATE TABLE dzm_a (id int);'), 20);
SELECT throws_ok($$SELECT * FROM bundle, migrator.adopt(b)$$, '55000',
	'drizzle-kit''s history in drizzle.__drizzle_migrations does not match the migration folder: 1 problem',
	'created_at names 0001_custom but the hash is 0000_a''s: refused (55000)');
SELECT is((SELECT count(*)::int FROM migrator.journal), 0, 'nothing adopted');

SELECT finish();
