-- graphile.sql: graphile-migrate folders, offline.  test/fixtures/graphile was written by the real
-- graphile-migrate (1.4.1, `graphile-migrate commit` twice): committed/000001.sql and
-- 000002-add-email.sql with their "--! Previous:" / "--! Hash:" headers, and current.sql, which
-- is not a committed migration.  The hash chain is checked as graphile-migrate checks it (a broken
-- chain or a hash that does not match the body is refused, naming the file and line), and adopt()
-- reads graphile_migrate.migrations (test/tap/graphile.sh does the same with the real tool).
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SET migrator.lint = off;
SET migrator.drift = off;
CREATE FUNCTION pg_temp.error_of(stmt text, OUT state text, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE stmt;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
		detail = PG_EXCEPTION_DETAIL;
END
$f$;

\set gm :fixtures/graphile

-- the fixture as a bundle, with some entries replaced or added
CREATE FUNCTION pg_temp.gm_bundle(dir text, extra jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $f$
	SELECT jsonb_object_agg(f, pg_read_file(dir || '/' || f)) || extra
	FROM unnest(ARRAY['committed/000001.sql', 'committed/000002-add-email.sql', 'current.sql']) f
$f$;
CREATE FUNCTION pg_temp.first() RETURNS text LANGUAGE sql AS $f$
	SELECT pg_read_file(current_setting('gm.dir') || '/committed/000001.sql')
$f$;
CREATE FUNCTION pg_temp.second() RETURNS text LANGUAGE sql AS $f$
	SELECT pg_read_file(current_setting('gm.dir') || '/committed/000002-add-email.sql')
$f$;
SELECT set_config('gm.dir', :'gm', false) \gset

SELECT plan(14);

SELECT results_eq(format('SELECT version, name, state FROM migrator.status(%L)', :'gm'),
	$$VALUES ('000001', '000001', 'pending'), ('000002', 'add-email', 'pending')$$,
	'graphile-migrate: committed/ in number order; current.sql is no committed migration');
SELECT results_eq(format('SELECT version, action FROM migrator.apply(%L)', :'gm'),
	$$VALUES ('000001', 'applied'), ('000002', 'applied')$$, 'apply runs them');
SELECT has_index('public', 'users', 'users_email', 'the second one ran');
SELECT results_eq($$SELECT path FROM migrator.journal ORDER BY applied_at, id$$,
	$$VALUES ('committed/000001.sql'), ('committed/000002-add-email.sql')$$, 'the journal names the files');
SELECT pg_temp.reset_db();

-- the chain
SELECT is(pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.gm_bundle(:'gm',
		jsonb_build_object('committed/000002-add-email.sql',
			replace(pg_temp.second(), '--! Previous: sha1:2b56', '--! Previous: sha1:0000'))))),
	ROW('22P02'::text, 'graphile-migrate migration "committed/000002-add-email.sql" breaks the hash chain at line 1'::text,
		'Its "--! Previous:" is sha1:0000170c58447d061a90983686d9123dc4589a0c, but the migration before it, "committed/000001.sql", has hash sha1:2b56170c58447d061a90983686d9123dc4589a0c.'::text),
	'a Previous that is not the hash of the file before is refused, naming the file and line');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', jsonb_build_object(
		'committed/000002-add-email.sql', pg_temp.second())))).message,
	'graphile-migrate migration "committed/000002-add-email.sql" breaks the hash chain at line 1',
	'so is a chain whose first file is missing');
SELECT is(pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.gm_bundle(:'gm',
		jsonb_build_object('committed/000002-add-email.sql',
			replace(pg_temp.second(), 'email text', 'email varchar(100)'))))),
	ROW('22P02'::text, 'graphile-migrate migration "committed/000002-add-email.sql" does not match its hash at line 2'::text,
		'The header says sha1:8afe64514a9493e9ed8c74ea0a530e75d2e2254e; the file''s body hashes to sha1:6eb4e23ac3f3684b787fcf7bb03c844562a968cf.'::text),
	'a body edited after commit is refused, naming the file and the Hash line (the hash is graphile-migrate''s calculateHash of the edited file)');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.gm_bundle(:'gm',
		jsonb_build_object('committed/000002-add-email.sql',
			replace(replace(pg_temp.second(), 'email text', 'email varchar(100)'),
					'--! Message: add email', E'--! Message: add email\n--! AllowInvalidHash')))))).state,
	NULL, '... unless its header says --! AllowInvalidHash, as graphile-migrate allows');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.gm_bundle(:'gm',
		jsonb_build_object('committed/000002-add-email.sql', E'\n\n' || pg_temp.second()))))).message,
	'graphile-migrate migration "committed/000002-add-email.sql" is malformed at line 1',
	'a committed file without its header is refused');
SELECT is((pg_temp.error_of(format('SELECT * FROM migrator.status(%L::jsonb)', pg_temp.gm_bundle(:'gm',
		jsonb_build_object('committed/000002-add-email.sql',
			replace(pg_temp.second(), E'add email\n\n', E'add email\nALTER TABLE x;\n')))))).detail,
	'There should be a blank line after the header lines ("--! Previous:", "--! Hash:").',
	'the header ends with a blank line');

-- adopt: graphile_migrate.migrations as the real tool left it
CREATE SCHEMA graphile_migrate;
CREATE TABLE graphile_migrate.migrations (hash text PRIMARY KEY,
	previous_hash text REFERENCES graphile_migrate.migrations, filename text NOT NULL,
	date timestamptz NOT NULL DEFAULT now());
INSERT INTO graphile_migrate.migrations (hash, previous_hash, filename) VALUES
	('sha1:2b56170c58447d061a90983686d9123dc4589a0c', NULL, '000001.sql');
SELECT results_eq(format('SELECT version, action FROM migrator.adopt(%L)', :'gm'),
	$$VALUES ('000001', 'adopted')$$, 'adopt takes graphile-migrate''s rows, hashes compared');
SELECT results_eq(format('SELECT version, state FROM migrator.status(%L)', :'gm'),
	$$VALUES ('000001', 'applied'), ('000002', 'pending')$$, 'what it had not run is pending');
DELETE FROM migrator.journal;
INSERT INTO graphile_migrate.migrations (hash, previous_hash, filename) VALUES
	('sha1:1111111111111111111111111111111111111111', 'sha1:2b56170c58447d061a90983686d9123dc4589a0c', '000002.sql'),
	('sha1:2222222222222222222222222222222222222222', 'sha1:1111111111111111111111111111111111111111', '000003.sql');
SELECT is(pg_temp.error_of(format('SELECT * FROM migrator.adopt(%L)', :'gm')),
	ROW('55000'::text, 'graphile-migrate''s history in graphile_migrate.migrations does not match the migration folder: 2 problems'::text,
		E'committed/000002-add-email.sql: modified since graphile-migrate applied it (hashes differ)\n000003.sql: applied, but committed/ has no such migration'::text),
	'rows whose hash differs, or with no file, are refused; nothing adopted');
SELECT is((SELECT count(*) FROM migrator.journal), 0::bigint, '... nothing');

SELECT * FROM finish();
