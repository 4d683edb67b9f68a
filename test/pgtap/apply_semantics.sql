-- apply_semantics.sql: re-apply is a no-op, dry run, target, repeatables,
-- apply's all-or-nothing vs migrate's commit per migration, events.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

\set flyway :fixtures/flyway
\set numbered :fixtures/numbered
\set empty :fixtures/empty
\set fail_second :fixtures/fail_second

SELECT plan(74);

------------------------------------------------------------------------------
-- empty folder, re-apply
------------------------------------------------------------------------------
SELECT is_empty(format('SELECT * FROM migrator.apply(%L)', :'empty'),
	'an empty folder has nothing to apply');
SELECT is_empty(format('SELECT * FROM migrator.status(%L)', :'empty'),
	'an empty folder has no status rows');

SELECT results_eq(
	format('SELECT count(*)::int, bool_and(action = %L), bool_and(duration_ms >= 0) FROM migrator.apply(%L)',
		   'applied', :'numbered'),
	$$VALUES (4, true, true)$$,
	'first apply applies 4 migrations, each with a duration');
SELECT ok((SELECT bool_and(duration >= interval '0') FROM migrator.journal),
	'journal durations are not negative');
SELECT is_empty(format('SELECT * FROM migrator.apply(%L)', :'numbered'),
	're-apply returns no rows');
SELECT is((SELECT count(*)::int FROM migrator.journal), 4,
	're-apply adds no journal rows');
SELECT is_empty(format('SELECT * FROM migrator.apply(%L, NULL, true)', :'numbered'),
	'dry run with nothing pending returns no rows');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- dry run
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, name, action FROM migrator.apply(%L, dry_run => true)', :'numbered'),
	$$VALUES ('1', 'create_nb_a', 'would apply'), ('2', 'create_nb_b', 'would apply'),
			 ('9', 'create_nb_nine', 'would apply'), ('10', 'alter_nb_nine', 'would apply')$$,
	'dry run lists the pending migrations as would apply');
SELECT hasnt_table('public', 'nb_a', 'dry run executed nothing');
SELECT is((SELECT count(*)::int FROM migrator.journal), 0, 'dry run wrote no journal row');
SELECT results_eq(
	format('SELECT version, name, action FROM migrator.apply(%L, NULL, true)', :'flyway'),
	$$VALUES ('1', 'create_users', 'would apply'), ('1.1', 'add_email', 'would apply'),
			 ('1.9', 'create_orders', 'would apply'), ('1.10', 'add_order_total', 'would apply'),
			 ('2', 'create_items', 'would apply'), (NULL, 'user_emails_view', 'would apply')$$,
	'flyway dry run includes the repeatable, last');
SELECT results_eq(
	format('SELECT version, action FROM migrator.apply(%L, %L, true)', :'numbered', '2'),
	$$VALUES ('1', 'would apply'), ('2', 'would apply')$$,
	'dry run honours target');
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'numbered'),
	$$VALUES ('1', 'pending'), ('2', 'pending'), ('9', 'pending'), ('10', 'pending')$$,
	'after dry runs everything is still pending');

------------------------------------------------------------------------------
-- target, numbered layout ('2' = '0002', '09' = '9')
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, action FROM migrator.apply(%L, %L)', :'numbered', '0002'),
	$$VALUES ('1', 'applied'), ('2', 'applied')$$,
	'numbered: target 0002 stops after version 2');
SELECT has_table('public', 'nb_b', 'numbered: 2 ran');
SELECT hasnt_table('public', 'nb_nine', 'numbered: 9 did not run');
SELECT results_eq(
	format('SELECT version FROM migrator.apply(%L, %L)', :'numbered', '09'),
	$$VALUES ('9')$$,
	'numbered: target 09 applies 9 only');
SELECT hasnt_column('public', 'nb_nine', 'ten', 'numbered: 10 did not run');
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'numbered'),
	$$VALUES ('1', 'applied'), ('2', 'applied'), ('9', 'applied'), ('10', 'pending')$$,
	'numbered: status after targeted applies');
SELECT throws_ok(
	format('SELECT * FROM migrator.apply(%L, %L)', :'numbered', '11'),
	'22023', NULL, 'numbered: an unknown target is 22023');
SELECT throws_ok(
	format('SELECT * FROM migrator.apply(%L, %L, true)', :'numbered', '3'),
	'22023', NULL, 'numbered: an unknown target is 22023 in a dry run too');
SELECT results_eq(
	format('SELECT version FROM migrator.apply(%L, %L)', :'numbered', '10'),
	$$VALUES ('10')$$,
	'numbered: target 10 applies the rest');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- target, Flyway ('1_9' = '1.9'); repeatables only without target
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, name FROM migrator.apply(%L, %L)', :'flyway', '1_9'),
	$$VALUES ('1', 'create_users'), ('1.1', 'add_email'), ('1.9', 'create_orders')$$,
	'flyway: target 1_9 stops after 1.9, repeatable not run');
SELECT hasnt_column('public', 'fw_orders', 'total', 'flyway: 1.10 not run');
SELECT hasnt_view('public', 'fw_user_emails', 'flyway: the repeatable did not run with a target');
SELECT results_eq(
	format('SELECT version FROM migrator.apply(%L, %L)', :'flyway', '1.10'),
	$$VALUES ('1.10')$$,
	'flyway: target 1.10 (dotted form) applies 1.10 only');
SELECT throws_ok(
	format('SELECT * FROM migrator.apply(%L, %L)', :'flyway', '3'),
	'22023', NULL, 'flyway: unknown target 3 is 22023');
SELECT throws_ok(
	format('SELECT * FROM migrator.apply(%L, %L)', :'flyway', 'user_emails_view'),
	'22023', NULL, 'flyway: a repeatable''s name is not a target');
SELECT results_eq(
	format('SELECT version, name FROM migrator.apply(%L, %L)', :'flyway', '2'),
	$$VALUES ('2', 'create_items')$$,
	'flyway: target 2 applies 2, still no repeatable');
SELECT hasnt_view('public', 'fw_user_emails', 'flyway: repeatable still not run');
SELECT results_eq(
	format('SELECT version, name, action FROM migrator.apply(%L)', :'flyway'),
	$$VALUES (NULL, 'user_emails_view', 'applied')$$,
	'flyway: apply without target runs the pending repeatable (version NULL)');
SELECT has_view('public', 'fw_user_emails', 'flyway: repeatable ran');
SELECT is_empty(format('SELECT * FROM migrator.apply(%L)', :'flyway'),
	'flyway: unchanged repeatable is not run again');

-- a repeatable whose checksum changed runs again
UPDATE migrator.journal SET checksum = repeat('0', 64) WHERE kind = 'repeatable';
SELECT results_eq(
	format('SELECT version, name, state FROM migrator.status(%L) WHERE version IS NULL', :'flyway'),
	$$VALUES (NULL::text, 'user_emails_view', 'pending')$$,
	'flyway: a changed repeatable shows pending');
SELECT lives_ok(format('SELECT migrator.verify(%L)', :'flyway'),
	'flyway: verify accepts a changed repeatable');
SELECT is_empty(format('SELECT * FROM migrator.apply(%L, %L)', :'flyway', '2'),
	'flyway: with a target the changed repeatable is not run');
SELECT results_eq(
	format('SELECT version, name, action FROM migrator.apply(%L)', :'flyway'),
	$$VALUES (NULL, 'user_emails_view', 'applied')$$,
	'flyway: the changed repeatable runs again');
SELECT is(
	(SELECT checksum FROM migrator.journal WHERE kind = 'repeatable'),
	encode(sha256(pg_read_binary_file(:'flyway' || '/R__user_emails_view.sql')), 'hex'),
	'flyway: its journal checksum is updated');
SELECT is((SELECT count(*)::int FROM migrator.journal WHERE kind = 'repeatable'), 1,
	'flyway: still one journal row for the repeatable');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- apply runs in the caller's transaction
------------------------------------------------------------------------------
BEGIN;
SELECT count(*) AS in_txn FROM migrator.apply(:'numbered') \gset
ROLLBACK;
SELECT is(:'in_txn'::int, 4, 'apply inside BEGIN ran 4 migrations');
SELECT hasnt_table('public', 'nb_a', 'ROLLBACK undid the migrations');
SELECT is((SELECT count(*)::int FROM migrator.journal), 0, 'ROLLBACK undid the journal rows');

-- all or nothing: a failure in migration 2 leaves nothing behind
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L)', :'fail_second'), '42P07', NULL,
	'apply: a duplicate table in migration 2 raises 42P07');
SELECT hasnt_table('public', 'fs_a', 'apply: migration 1 was rolled back too');
SELECT hasnt_table('public', 'fs_b', 'apply: the first statement of migration 2 was rolled back');
SELECT is((SELECT count(*)::int FROM migrator.journal), 0, 'apply: no journal rows after a failure');

------------------------------------------------------------------------------
-- migrate: one commit per migration
------------------------------------------------------------------------------
SELECT coalesce(max(id), 0) AS ev0 FROM migrator.events \gset
SELECT throws_ok(pg_temp.remote_migrate(:'fail_second'), '42P07', NULL,
	'migrate: a duplicate table in migration 2 raises 42P07');
SELECT has_table('public', 'fs_a', 'migrate: migration 1 stays applied');
SELECT hasnt_table('public', 'fs_b', 'migrate: migration 2 was rolled back as a whole');
SELECT hasnt_table('public', 'fs_c', 'migrate: migration 3 did not run');
SELECT results_eq($$SELECT version FROM migrator.journal ORDER BY id$$, $$VALUES ('1')$$,
	'migrate: only migration 1 is in the journal');
SELECT results_eq(
	format('SELECT action, version, outcome, sqlstate FROM migrator.events WHERE id > %s AND version IS NOT NULL ORDER BY id', :ev0),
	$$VALUES ('migrate', '1', 'success', NULL), ('migrate', '2', 'failure', '42P07')$$,
	'migrate: one event per migration; the failure event survived with its sqlstate');
SELECT ok(
	(SELECT message LIKE '%fs_a%already exists%' AND dir LIKE '%/fail_second' AND path LIKE '%2_duplicate.sql'
	 FROM migrator.events WHERE id > :ev0 AND outcome = 'failure'),
	'migrate: the failure event has the message, folder and file');
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'fail_second'),
	$$VALUES ('1', 'applied'), ('2', 'pending'), ('3', 'pending')$$,
	'migrate: status after the failure');
SELECT pg_temp.reset_db() \gset

-- a successful migrate, at top level
SELECT coalesce(max(id), 0) AS ev0 FROM migrator.events \gset
CALL migrator.migrate(:'numbered', '2');
SELECT results_eq($$SELECT version FROM migrator.journal ORDER BY id$$, $$VALUES ('1'), ('2')$$,
	'migrate with target 2 applied 1 and 2');
CALL migrator.migrate(:'numbered');
SELECT results_eq($$SELECT version FROM migrator.journal ORDER BY id$$,
	$$VALUES ('1'), ('2'), ('9'), ('10')$$,
	'migrate without target applied the rest');
SELECT has_column('public', 'nb_nine', 'ten', 'migrate ran migration 10');
CALL migrator.migrate(:'numbered');
SELECT is((SELECT count(*)::int FROM migrator.journal), 4, 'migrate again is a no-op');
SELECT results_eq(
	format('SELECT action, version, outcome FROM migrator.events WHERE id > %s AND version IS NOT NULL ORDER BY id', :ev0),
	$$VALUES ('migrate', '1', 'success'), ('migrate', '2', 'success'),
			 ('migrate', '9', 'success'), ('migrate', '10', 'success')$$,
	'migrate logged a success event per migration');
SELECT ok(
	(SELECT bool_and(dir LIKE '%/numbered' AND run_by = current_user AND at IS NOT NULL)
	 FROM migrator.events WHERE id > :ev0),
	'migrate events record folder and user');
SELECT throws_ok(pg_temp.remote_migrate(:'numbered', '42'), '22023', NULL,
	'migrate: unknown target is 22023');
SELECT pg_temp.reset_db() \gset

-- migrate commits per migration also for a BEGIN;/COMMIT;-wrapped file and a
-- comment-only one
\set prisma :fixtures/prisma
\set diesel :fixtures/diesel
CALL migrator.migrate(:'prisma');
SELECT has_table('public', 'pr_tag', 'migrate ran the BEGIN;/COMMIT;-wrapped prisma migration');
SELECT is((SELECT count(*)::int FROM migrator.journal), 3, 'migrate recorded the 3 prisma migrations');
DELETE FROM migrator.journal;
CALL migrator.migrate(:'diesel');
SELECT results_eq($$SELECT version, statements FROM migrator.journal ORDER BY id$$,
	$$VALUES ('20170308140537', 1), ('20170926200549', 1), ('20180101000000', 0)$$,
	'migrate ran the diesel migrations, the comment-only one with 0 statements');
SELECT pg_temp.reset_db() \gset

-- migrate in an explicit transaction block
SELECT is(dblink_connect('txn', pg_temp.connstr()), 'OK', 'dblink connection for BEGIN; CALL');
SELECT is(dblink_exec('txn', 'BEGIN'), 'BEGIN', 'BEGIN on the connection');
SELECT throws_ok(
	format('SELECT dblink_exec(%L, %L)', 'txn', format('CALL migrator.migrate(%L)', :'numbered')),
	'25001', NULL, 'migrate inside BEGIN is 25001');
SELECT is(dblink_exec('txn', 'ROLLBACK'), 'ROLLBACK', 'ROLLBACK on the connection');
SELECT is(dblink_disconnect('txn'), 'OK', 'dblink disconnect');
SELECT hasnt_table('public', 'nb_a', 'nothing applied by the refused migrate');

------------------------------------------------------------------------------
-- events of apply
------------------------------------------------------------------------------
SELECT coalesce(max(id), 0) AS ev0 FROM migrator.events \gset
SELECT is((SELECT count(*)::int FROM migrator.apply(:'numbered')), 4, 'apply for events');
SELECT results_eq(
	format('SELECT action, outcome, dir LIKE %L FROM migrator.events WHERE id > %s AND version IS NULL',
		   '%/numbered', :ev0),
	$$VALUES ('apply', 'success', true)$$,
	'one apply run logs one run-level success event');
SELECT ok(
	(SELECT bool_and(action = 'apply' AND outcome = 'success') FROM migrator.events WHERE id > :ev0),
	'every event of that run is an apply success');
SELECT ok(
	(SELECT bool_and(run_by = current_user AND sqlstate IS NULL) FROM migrator.events WHERE id > :ev0),
	'the apply event has the user and no sqlstate');

SELECT * FROM finish();
