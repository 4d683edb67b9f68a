-- lint.sql: migrator.lint(), lint_dir() and the runner's lint in migrate() (the procedure, on a
-- connection of its own) and apply(); folders written by this test on the server, under /tmp.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(16);

SELECT '/tmp/migrator_lint_' || pg_backend_pid() || '_' || (random() * 1e9)::bigint AS base \gset
\set dir :base/app
\set bad :base/bad

CREATE TABLE lt_accounts (id bigint PRIMARY KEY, email text, plan text);
INSERT INTO lt_accounts VALUES (1, 'a@example.com', 'free');

-- CALL migrator.migrate on a connection of its own, with migrator.lint set there
CREATE FUNCTION pg_temp.migrate_with(dir text, mode text) RETURNS text LANGUAGE sql AS $f$
	SELECT format('SELECT dblink_exec(%L, %L)',
				  pg_temp.connstr() || format(' options=''-c migrator.lint=%s''', mode),
				  format('CALL migrator.migrate(%L)', dir))
$f$;

SELECT pg_temp.write_file(:'dir' || '/1_plans.sql', $m$
CREATE TABLE lt_plans (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE INDEX lt_plans_name ON lt_plans (name);
$m$);
SELECT pg_temp.write_file(:'dir' || '/2_accounts.sql', $m$
-- plans get a price (a new table: no finding), accounts an email
ALTER TABLE lt_plans ADD COLUMN price numeric(10,2) NOT NULL;
ALTER TABLE lt_accounts ALTER COLUMN email SET NOT NULL;
$m$);

------------------------------------------------------------------------------
-- lint() and lint_dir()
------------------------------------------------------------------------------
SELECT results_eq(
	$$SELECT line, rule, severity FROM migrator.lint('ALTER TABLE lt_accounts RENAME COLUMN plan TO tier;
CREATE INDEX lt_accounts_email ON lt_accounts (email)') ORDER BY line, rule$$,
	$$VALUES (1, 'renaming-column', 'error'), (2, 'require-concurrent-index-creation', 'error'),
			 (2, 'statement-after-access-exclusive', 'warning')$$,
	'lint(): each finding with its line and severity');
SELECT is((SELECT hint FROM migrator.lint('ALTER TABLE lt_accounts RENAME COLUMN plan TO tier')),
	$$migrator.expand's rename_column: the old version keeps the old name, the new version sees the new one through a view, until contract.$$,
	'lint(): the hint names the safe alternative');
SELECT results_eq(
	format('SELECT path, line, rule FROM migrator.lint_dir(%L)', :'dir'),
	$$VALUES ('2_accounts.sql', 4, 'setting-not-null')$$,
	'lint_dir(): lt_plans is created by 1_plans.sql, so only the existing table''s SET NOT NULL is found');
SELECT is_empty($$SELECT * FROM migrator.lint('-- migrator:allow all
DROP TABLE lt_accounts')$$,
	'lint(): "-- migrator:allow all" in the first lines allows everything');

SELECT pg_temp.write_file(:'bad' || '/1_ok.sql', 'SELECT 1;');
SELECT pg_temp.write_file(:'bad' || '/2_typo.sql', E'SELECT 1;\n\nALTR TABLE lt_accounts ADD COLUMN x int;');
SELECT throws_ok(format('SELECT * FROM migrator.lint_dir(%L)', :'bad'), '42601', NULL,
	'lint_dir(): a syntax error is 42601 (the file and line are in its context)');
SELECT throws_ok($$SELECT * FROM migrator.lint_dir('tmp/x')$$, '22023', NULL,
	'lint_dir(): a relative folder is 22023, as for status()');

------------------------------------------------------------------------------
-- migrate() in error mode: refused before anything runs, the failure logged
------------------------------------------------------------------------------
SELECT throws_ok(pg_temp.migrate_with(:'dir', 'error'), 'ML001', NULL,
	'migrate() with migrator.lint = error refuses a folder with an error finding');
SELECT hasnt_table('public', 'lt_plans', 'nothing ran: 1_plans.sql, before the finding, did not either');
SELECT is((SELECT count(*)::int FROM migrator.journal), 0, 'the journal stays empty');
SELECT results_eq(
	$$SELECT sqlstate, detail FROM migrator.events WHERE outcome = 'failure' ORDER BY id DESC LIMIT 1$$,
	$$SELECT 'ML001'::text, format('2_accounts.sql:4:13: setting-not-null: SET NOT NULL on column "email" of "lt_accounts" scans the whole table under an ACCESS EXCLUSIVE lock (lt_accounts: never analyzed, %s) (error)',
								  pg_size_pretty(pg_total_relation_size('lt_accounts')))$$,
	'the refused run is logged in migrator.events with every finding');
SET migrator.lint = error;
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L)', :'dir'), 'ML001', NULL,
	'apply() with migrator.lint = error refuses it too');
RESET migrator.lint;

------------------------------------------------------------------------------
-- allowed, it runs in error mode; warn mode runs it with warnings
------------------------------------------------------------------------------
SELECT pg_temp.write_file(:'dir' || '/2_accounts.sql', $m$
-- plans get a price (a new table: no finding), accounts an email
ALTER TABLE lt_plans ADD COLUMN price numeric(10,2) NOT NULL;
-- lt_accounts is small: the scan is short
-- migrator:allow setting-not-null
ALTER TABLE lt_accounts ALTER COLUMN email SET NOT NULL;
$m$);
SELECT is_empty(format('SELECT * FROM migrator.lint_dir(%L) WHERE severity = %L', :'dir', 'error'),
	'lint_dir(): no error finding left once allowed');
SELECT lives_ok(pg_temp.migrate_with(:'dir', 'error'), 'migrate() in error mode runs the folder now');
SELECT has_table('public', 'lt_plans', 'the migrations ran');
SELECT is((SELECT count(*)::int FROM migrator.journal), 2, 'both are recorded');
SELECT is_empty(format('SELECT * FROM migrator.lint_dir(%L)', :'dir'),
	'lint_dir(): applied migrations are not linted');

-- clean up the folders
SELECT format('cat > /dev/null; rm -rf %s', quote_literal(:'base')) AS cleanup \gset
COPY (SELECT 1) TO PROGRAM :'cleanup';

SELECT * FROM finish();
