-- status_verify.sql: status states and verify / apply / migrate refusing to
-- run when applied files were modified or are missing, or a pending file
-- sorts before the newest applied one.  Fixture files are read-only, so a
-- modified file is simulated by changing its journal checksum, a missing one
-- by a journal row without a file, out-of-order by deleting a middle row.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

\set flyway :fixtures/flyway
\set numbered :fixtures/numbered

-- the SQLSTATE and DETAIL of the error a statement raises (NULLs if none)
CREATE FUNCTION pg_temp.error_of(stmt text, OUT state text, OUT detail text)
LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE stmt;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, detail = PG_EXCEPTION_DETAIL;
END
$f$;

SELECT plan(43);

------------------------------------------------------------------------------
-- clean states
------------------------------------------------------------------------------
SELECT lives_ok(format('SELECT migrator.verify(%L)', :'flyway'),
	'verify is quiet on a fresh database (all pending, in order)');
SELECT results_eq(
	format('SELECT version FROM migrator.apply(%L, %L)', :'flyway', '1.9'),
	$$VALUES ('1'), ('1.1'), ('1.9')$$,
	'apply up to 1.9');
SELECT results_eq(
	format('SELECT version, state, applied_at IS NOT NULL FROM migrator.status(%L)', :'flyway'),
	$$VALUES ('1', 'applied', true), ('1.1', 'applied', true), ('1.9', 'applied', true),
			 ('1.10', 'pending', false), ('2', 'pending', false), (NULL, 'pending', false)$$,
	'status: applied ones with applied_at, pending ones without');
SELECT lives_ok(format('SELECT migrator.verify(%L)', :'flyway'),
	'verify is quiet when the pending ones all sort after the applied ones');
SELECT coalesce(max(id), 0) AS ev0 FROM migrator.events \gset
SELECT migrator.verify(:'flyway') IS NULL AS verified \gset
SELECT results_eq(
	format('SELECT action, outcome FROM migrator.events WHERE id > %s', :ev0),
	$$VALUES ('verify', 'success')$$,
	'a verify run logs one success event');
SELECT is((SELECT count(*)::int FROM migrator.apply(:'flyway')), 3, 'apply the rest (1.10, 2, R__)');
SELECT lives_ok(format('SELECT migrator.verify(%L)', :'flyway'), 'verify is quiet when all applied');

------------------------------------------------------------------------------
-- modified
------------------------------------------------------------------------------
UPDATE migrator.journal SET checksum = repeat('0', 64) WHERE version = '1.1';
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'flyway'),
	$$VALUES ('1', 'applied'), ('1.1', 'modified'), ('1.9', 'applied'),
			 ('1.10', 'applied'), ('2', 'applied'), (NULL, 'applied')$$,
	'status: a changed checksum shows modified');
SELECT throws_ok(format('SELECT migrator.verify(%L)', :'flyway'), '55000', NULL,
	'verify: a modified file is 55000');
SELECT ok((pg_temp.error_of(format('SELECT migrator.verify(%L)', :'flyway'))).detail LIKE '%V1_1__add_email.sql%',
	'verify: the error detail names the modified file');
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L)', :'flyway'), '55000', NULL,
	'apply refuses (55000) with a modified file');
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L, NULL, true)', :'flyway'), '55000', NULL,
	'a dry run refuses (55000) too');
SELECT throws_ok(pg_temp.remote_migrate(:'flyway'), '55000', NULL,
	'migrate refuses (55000) with a modified file');

-- refused before running anything: 1.10 and 2 pending, 1.1 modified
DELETE FROM migrator.journal WHERE version IN ('1.10', '2') OR kind = 'repeatable';
ALTER TABLE fw_orders DROP COLUMN total;
DROP VIEW fw_user_emails;
DROP TABLE fw_items;
DELETE FROM fw_users;
SELECT throws_ok(pg_temp.remote_migrate(:'flyway'), '55000', NULL,
	'migrate with pending migrations and a modified file is 55000');
SELECT hasnt_column('public', 'fw_orders', 'total', 'migrate ran nothing (1.10 not applied)');
SELECT is((SELECT count(*)::int FROM migrator.journal), 3, 'migrate recorded nothing');
UPDATE migrator.journal SET checksum = pg_temp.sha(:'flyway' || '/V1_1__add_email.sql') WHERE version = '1.1';
SELECT lives_ok(format('SELECT migrator.verify(%L)', :'flyway'), 'verify is quiet again once the checksum matches');
SELECT is((SELECT count(*)::int FROM migrator.apply(:'flyway')), 3, 'apply runs 1.10, 2 and R__ again');

------------------------------------------------------------------------------
-- missing
------------------------------------------------------------------------------
INSERT INTO migrator.journal (version, name, kind, path, checksum, duration, statements)
VALUES ('3', 'gone', 'versioned', 'V3__gone.sql', repeat('a', 64), interval '1 ms', 1);
SELECT results_eq(
	format('SELECT version, name, state FROM migrator.status(%L)', :'flyway'),
	$$VALUES ('1', 'create_users', 'applied'), ('1.1', 'add_email', 'applied'),
			 ('1.9', 'create_orders', 'applied'), ('1.10', 'add_order_total', 'applied'),
			 ('2', 'create_items', 'applied'), (NULL, 'user_emails_view', 'applied'),
			 ('3', 'gone', 'missing')$$,
	'status: a journal row without a file shows missing, after the folder''s rows');
SELECT ok((SELECT applied_at IS NOT NULL FROM migrator.status(:'flyway') WHERE state = 'missing'),
	'status: a missing migration keeps its applied_at');
SELECT throws_ok(format('SELECT migrator.verify(%L)', :'flyway'), '55000', NULL,
	'verify: a missing file is 55000');
SELECT ok((pg_temp.error_of(format('SELECT migrator.verify(%L)', :'flyway'))).detail LIKE '%V3__gone.sql%',
	'verify: the error detail names the missing file');
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L)', :'flyway'), '55000', NULL,
	'apply refuses (55000) with a missing file');
SELECT throws_ok(pg_temp.remote_migrate(:'flyway'), '55000', NULL,
	'migrate refuses (55000) with a missing file');
DELETE FROM migrator.journal WHERE version = '3';
SELECT lives_ok(format('SELECT migrator.verify(%L)', :'flyway'), 'verify is quiet once the row is gone');

-- both problems at once: the detail lists both files
UPDATE migrator.journal SET checksum = repeat('0', 64) WHERE version = '1';
INSERT INTO migrator.journal (version, name, kind, path, checksum, duration, statements)
VALUES ('0.5', 'vanished', 'versioned', 'V0_5__vanished.sql', repeat('b', 64), interval '1 ms', 1);
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L) WHERE state <> %L', :'flyway', 'applied'),
	$$VALUES ('1', 'modified'), ('0.5', 'missing')$$,
	'status: modified in folder order, then the missing one');
SELECT ok((pg_temp.error_of(format('SELECT migrator.verify(%L)', :'flyway'))).detail
		  ~ 'V1__create_users\.sql(.|\n)*V0_5__vanished\.sql|V0_5__vanished\.sql(.|\n)*V1__create_users\.sql',
	'verify: the detail lists the modified and the missing file');
SELECT is((pg_temp.error_of(format('SELECT migrator.verify(%L)', :'flyway'))).state, '55000',
	'verify: 55000 for both');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- out of order: a pending file sorts before the newest applied one
------------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM migrator.apply(:'numbered')), 4, 'numbered applied');
DELETE FROM migrator.journal WHERE version = '2';
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'numbered'),
	$$VALUES ('1', 'applied'), ('2', 'pending (out of order)'), ('9', 'applied'), ('10', 'applied')$$,
	'status: the deleted middle row is pending (out of order)');
SELECT throws_ok(format('SELECT migrator.verify(%L)', :'numbered'), '55000', NULL,
	'verify: a pending file before the newest applied one is 55000');
SELECT ok((pg_temp.error_of(format('SELECT migrator.verify(%L)', :'numbered'))).detail LIKE '%2_create_nb_b.sql%',
	'verify: the detail names the out-of-order file');
-- nb_b still exists, so running 2 would fail with 42P07: 55000 proves nothing ran
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L)', :'numbered'), '55000', NULL,
	'apply refuses (55000) out-of-order, before running 2');
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L, NULL, true)', :'numbered'), '55000', NULL,
	'a dry run refuses (55000) out-of-order');
SELECT throws_ok(pg_temp.remote_migrate(:'numbered'), '55000', NULL,
	'migrate refuses (55000) out-of-order, before running 2');
SELECT is((SELECT count(*)::int FROM migrator.journal), 3, 'nothing recorded');
SELECT coalesce(max(id), 0) AS ev0 FROM migrator.events \gset
SELECT throws_ok(pg_temp.remote_migrate(:'numbered'), '55000', NULL, 'migrate refuses again');
SELECT results_eq(
	format('SELECT outcome, sqlstate FROM migrator.events WHERE id > %s AND action = %L', :ev0, 'migrate'),
	$$VALUES ('failure', '55000')$$,
	'the refused migrate logged one failure event with 55000');

-- the only pending ones sort after the applied ones: fine
DELETE FROM migrator.journal WHERE version IN ('9', '10');
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'numbered'),
	$$VALUES ('1', 'applied'), ('2', 'pending'), ('9', 'pending'), ('10', 'pending')$$,
	'status after removing the rows of 9 and 10');
SELECT lives_ok(format('SELECT migrator.verify(%L)', :'numbered'),
	'verify is quiet when pending ones only follow the applied ones');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- a changed repeatable is pending, not modified
------------------------------------------------------------------------------
SELECT pg_temp.reset_db() \gset
SELECT is((SELECT count(*)::int FROM migrator.apply(:'flyway')), 6, 'flyway applied');
UPDATE migrator.journal SET checksum = repeat('0', 64) WHERE kind = 'repeatable';
SELECT results_eq(
	format('SELECT version, name, state FROM migrator.status(%L) WHERE state <> %L', :'flyway', 'applied'),
	$$VALUES (NULL::text, 'user_emails_view', 'pending')$$,
	'status: a repeatable whose file changed is pending');
SELECT lives_ok(format('SELECT migrator.verify(%L)', :'flyway'),
	'verify: a changed repeatable is not an error');

SELECT * FROM finish();
