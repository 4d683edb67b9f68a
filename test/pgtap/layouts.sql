-- layouts.sql: every supported folder layout is detected and applied the way
-- its own tool would: versions, names, which files run, what they create.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

\set flyway :fixtures/flyway
\set drizzle :fixtures/drizzle
\set golang :fixtures/golang
\set dbmate :fixtures/dbmate
\set prisma :fixtures/prisma
\set diesel :fixtures/diesel
\set numbered :fixtures/numbered

SELECT plan(68);

------------------------------------------------------------------------------
-- Flyway: V<ver>__desc, R__desc (after all versioned), U<ver>__desc (never)
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, name, action FROM migrator.apply(%L)', :'flyway'),
	$$VALUES ('1', 'create_users', 'applied'),
			 ('1.1', 'add_email', 'applied'),
			 ('1.9', 'create_orders', 'applied'),
			 ('1.10', 'add_order_total', 'applied'),
			 ('2', 'create_items', 'applied'),
			 (NULL, 'user_emails_view', 'applied')$$,
	'flyway: apply runs V1, V1_1, V1_9, V1_10, V2 then R__, with dotted versions and names as written');
SELECT has_table('public', 'fw_users', 'flyway: V1 created fw_users');
SELECT has_column('public', 'fw_users', 'email', 'flyway: V1_1 added fw_users.email');
SELECT has_table('public', 'fw_orders', 'flyway: V1_9 created fw_orders');
SELECT has_column('public', 'fw_orders', 'total', 'flyway: V1_10 added fw_orders.total');
SELECT has_table('public', 'fw_items', 'flyway: V2 created fw_items and the U2 undo script did not drop it');
SELECT has_view('public', 'fw_user_emails', 'flyway: the repeatable R__ created its view');
SELECT results_eq(
	$$SELECT version, name, kind FROM migrator.journal ORDER BY id$$,
	$$VALUES ('1', 'create_users', 'versioned'),
			 ('1.1', 'add_email', 'versioned'),
			 ('1.9', 'create_orders', 'versioned'),
			 ('1.10', 'add_order_total', 'versioned'),
			 ('2', 'create_items', 'versioned'),
			 (NULL, 'user_emails_view', 'repeatable')$$,
	'flyway: journal has the 5 versioned migrations and the repeatable one, in apply order, no undo');
SELECT is(
	(SELECT checksum FROM migrator.journal WHERE version = '1.10'),
	pg_temp.sha(:'flyway' || '/V1_10__add_order_total.sql'),
	'flyway: journal checksum is the sha256 of the file bytes');
SELECT is(
	(SELECT checksum FROM migrator.journal WHERE kind = 'repeatable'),
	pg_temp.sha(:'flyway' || '/R__user_emails_view.sql'),
	'flyway: repeatable journal checksum is the sha256 of its file');
SELECT ok(
	(SELECT bool_and(path LIKE '%' || CASE version WHEN '1' THEN 'V1__create_users.sql'
												   WHEN '1.10' THEN 'V1_10__add_order_total.sql'
												   ELSE '.sql' END)
	 FROM migrator.journal),
	'flyway: journal path names the migration file');
SELECT is(
	(SELECT statements FROM migrator.journal WHERE version = '2'),
	2, 'flyway: V2 has 2 statements');
SELECT ok(
	(SELECT bool_and(applied_by = current_user AND applied_at IS NOT NULL
					 AND duration >= interval '0') FROM migrator.journal),
	'flyway: journal rows record who, when and how long');
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'flyway'),
	$$VALUES ('1', 'applied'), ('1.1', 'applied'), ('1.9', 'applied'),
			 ('1.10', 'applied'), ('2', 'applied'), (NULL, 'applied')$$,
	'flyway: status shows every migration applied (the undo file is not listed)');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- drizzle-kit: meta/_journal.json decides order and membership
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, name, action FROM migrator.apply(%L)', :'drizzle'),
	$$VALUES ('0000', 'first', 'applied'),
			 ('0001', 'func', 'applied'),
			 ('0002', 'third', 'applied')$$,
	'drizzle: apply runs the three journal entries; 0003 (not in the journal) is skipped');
SELECT has_table('public', 'dz_accounts', 'drizzle: 0000 first statement ran');
SELECT has_table('public', 'dz_sessions', 'drizzle: 0000 statement after the breakpoint ran');
SELECT has_function('public', 'dz_answer', ARRAY[]::name[], 'drizzle: 0001 created the $$ function');
SELECT is(dz_answer(), 42, 'drizzle: the $$ body with semicolons was kept whole');
SELECT has_table('public', 'dz_settings', 'drizzle: 0001 statement after the function ran');
SELECT has_column('public', 'dz_accounts', 'name', 'drizzle: 0002 ran');
SELECT col_is_fk('public', 'dz_sessions', 'account_id', 'drizzle: 0002 first statement (before the breakpoint) ran');
SELECT results_eq(
	$$SELECT version, statements FROM migrator.journal ORDER BY id$$,
	$$VALUES ('0000', 2), ('0001', 2), ('0002', 2)$$,
	'drizzle: statement-breakpoints split each file into 2 statements');
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'drizzle'),
	$$VALUES ('0000', 'applied'), ('0001', 'applied'), ('0002', 'applied')$$,
	'drizzle: status lists only the journal entries');
SELECT is_empty(
	format('SELECT * FROM migrator.apply(%L)', :'drizzle'),
	'drizzle: nothing pending afterwards (the unlisted file stays skipped)');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- golang-migrate: N_name.up.sql runs, N_name.down.sql never
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, name, action FROM migrator.apply(%L)', :'golang'),
	$$VALUES ('000001', 'create_gm_users', 'applied'),
			 ('000002', 'add_gm_users_active', 'applied'),
			 ('000003', 'create_gm_groups', 'applied')$$,
	'golang: apply runs the three up migrations');
SELECT has_table('public', 'gm_users', 'golang: gm_users exists (no down script ran)');
SELECT has_column('public', 'gm_users', 'active', 'golang: 000002 up ran and its down did not');
SELECT has_table('public', 'gm_groups', 'golang: 000003 up ran');
SELECT has_index('public', 'gm_groups', 'gm_groups_title_idx', 'golang: second statement of 000003 ran');
SELECT is((SELECT count(*)::int FROM migrator.journal), 3, 'golang: 3 journal rows, none for down files');
SELECT is(
	(SELECT checksum FROM migrator.journal WHERE version = '000002'),
	pg_temp.sha(:'golang' || '/000002_add_gm_users_active.up.sql'),
	'golang: checksum is that of the .up.sql file');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- dbmate: only the -- migrate:up section runs
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, name, action FROM migrator.apply(%L)', :'dbmate'),
	$$VALUES ('20230101120000', 'create_dm_notes', 'applied'),
			 ('20230102120000', 'create_dm_tags', 'applied')$$,
	'dbmate: apply runs both migrations');
SELECT has_table('public', 'dm_notes', 'dbmate: dm_notes exists (down sections did not run)');
SELECT has_table('public', 'dm_tags', 'dbmate: dm_tags created');
SELECT has_column('public', 'dm_notes', 'tag_id', 'dbmate: second up statement ran');
SELECT results_eq(
	$$SELECT version, statements FROM migrator.journal ORDER BY id$$,
	$$VALUES ('20230101120000', 1), ('20230102120000', 2)$$,
	'dbmate: only up-section statements are counted');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- Prisma: <folder>/migration.sql, version = folder name
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, action FROM migrator.apply(%L)', :'prisma'),
	$$VALUES ('20230101000000_init', 'applied'),
			 ('20230201000000_add posts', 'applied'),
			 ('20230301000000_wrapped', 'applied')$$,
	'prisma: apply runs the three folders, version is the folder name (space kept)');
SELECT has_table('public', 'pr_user', 'prisma: init ran');
SELECT has_index('public', 'pr_user', 'pr_user_email_key', 'prisma: init second statement ran');
SELECT has_table('public', 'pr_post', 'prisma: folder with a space ran');
SELECT col_is_fk('public', 'pr_post', 'authorId', 'prisma: foreign key of "add posts" ran');
SELECT has_table('public', 'pr_tag', 'prisma: migration wrapped in BEGIN;/COMMIT; ran');
SELECT has_column('public', 'pr_post', 'tagId', 'prisma: whole wrapped body ran');
SELECT is(
	(SELECT checksum FROM migrator.journal WHERE version = '20230201000000_add posts'),
	pg_temp.sha(:'prisma' || '/20230201000000_add posts/migration.sql'),
	'prisma: checksum is that of <folder>/migration.sql');
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'prisma'),
	$$VALUES ('20230101000000_init', 'applied'),
			 ('20230201000000_add posts', 'applied'),
			 ('20230301000000_wrapped', 'applied')$$,
	'prisma: status lists the three folders (migration_lock.toml ignored)');
SELECT pg_temp.reset_db() \gset

-- loose files beside Prisma's folders are no migrations, whatever their name, as for Prisma itself
-- (issue 17: a loose 0001_x1.sql was refused as "mixes layouts")
SELECT results_eq($$SELECT version, action FROM migrator.apply('{
		"migration_lock.toml": "provider = \"postgresql\"",
		"20230101000000_init/migration.sql": "CREATE TABLE pr_loose (id int);",
		"0001_x1.sql": "CREATE TABLE pr_loose_numbered (id int);",
		"V1__x.sql": "CREATE TABLE pr_loose_flyway (id int);",
		"notes.sql": "CREATE TABLE pr_loose_notes (id int);"}'::jsonb)$$,
	$$VALUES ('20230101000000_init', 'applied')$$,
	'prisma: loose 0001_x1.sql, V1__x.sql and notes.sql beside the folders are skipped, not "mixes layouts"');
SELECT ok(to_regclass('pr_loose') IS NOT NULL AND to_regclass('pr_loose_numbered') IS NULL
	AND to_regclass('pr_loose_flyway') IS NULL AND to_regclass('pr_loose_notes') IS NULL,
	'prisma: only the folder''s migration ran');
SELECT throws_ok($$SELECT * FROM migrator.status('{
		"20230101000000_init/migration.sql": "SELECT 1;", "2023-01-01-000000_d/up.sql": "SELECT 1;"}'::jsonb)$$,
	'42602', 'migration folder mixes layouts', 'prisma and diesel folders side by side still mix layouts');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- diesel: <version>_<name>/up.sql, version without dashes
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, name, action FROM migrator.apply(%L)', :'diesel'),
	$$VALUES ('20170308140537', 'create_ds_authors', 'applied'),
			 ('20170926200549', 'create_ds_books', 'applied'),
			 ('20180101000000', 'comment_only', 'applied')$$,
	'diesel: apply runs the up.sql files, versions with dashes removed');
SELECT has_table('public', 'ds_authors', 'diesel: ds_authors exists (no down.sql ran)');
SELECT has_table('public', 'ds_books', 'diesel: ds_books created after ds_authors');
SELECT results_eq(
	$$SELECT version, statements FROM migrator.journal ORDER BY id$$,
	$$VALUES ('20170308140537', 1), ('20170926200549', 1), ('20180101000000', 0)$$,
	'diesel: the comment-only up.sql is recorded with 0 statements');
SELECT is(
	(SELECT checksum FROM migrator.journal WHERE version = '20170926200549'),
	pg_temp.sha(:'diesel' || '/2017-09-26-200549_create_ds_books/up.sql'),
	'diesel: checksum is that of <folder>/up.sql');
SELECT pg_temp.reset_db() \gset
SELECT results_eq($$SELECT version FROM migrator.status('{
		"2023-01-01-000000_init/up.sql": "SELECT 1;", "2023-01-01-000000_init/down.sql": "SELECT 1;",
		"0001_loose.up.sql": "SELECT 1;"}'::jsonb)$$,
	$$VALUES ('20230101000000')$$,
	'diesel: a loose golang-migrate-named file beside the folders is skipped');

------------------------------------------------------------------------------
-- numbered: <digits>_<name>.sql, version as written
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, name, action FROM migrator.apply(%L)', :'numbered'),
	$$VALUES ('1', 'create_nb_a', 'applied'),
			 ('2', 'create_nb_b', 'applied'),
			 ('9', 'create_nb_nine', 'applied'),
			 ('10', 'alter_nb_nine', 'applied')$$,
	'numbered: apply runs 1, 2, 9, 10');
SELECT has_table('public', 'nb_a', 'numbered: nb_a created');
SELECT has_table('public', 'nb_b', 'numbered: nb_b created');
SELECT has_table('public', 'nb_nine', 'numbered: nb_nine created');
SELECT has_column('public', 'nb_nine', 'ten', 'numbered: 10 ran after 9');
SELECT is_empty(
	format('SELECT * FROM migrator.apply(%L)', :'numbered'),
	'numbered: a second apply returns no rows');
SELECT is((SELECT count(*)::int FROM migrator.journal), 4, 'numbered: 4 journal rows');

------------------------------------------------------------------------------
-- non-migration files are ignored
------------------------------------------------------------------------------
SELECT pg_temp.reset_db() \gset
SELECT is(
	(SELECT count(*)::int FROM migrator.status(:'flyway')), 6,
	'flyway: README.md and the undo file are not migrations');
SELECT is(
	(SELECT count(*)::int FROM migrator.status(:'drizzle')), 3,
	'drizzle: meta/*.json and the unlisted .sql are not migrations');
SELECT is(
	(SELECT count(*)::int FROM migrator.status(:'prisma')), 3,
	'prisma: migration_lock.toml is not a migration');
SELECT is(
	(SELECT count(*)::int FROM migrator.status(:'diesel')), 3,
	'diesel: down.sql files are not migrations');
SELECT is(
	(SELECT count(*)::int FROM migrator.status(:'numbered')), 4,
	'numbered: atlas.sum is not a migration');
SELECT is(
	(SELECT count(*)::int FROM migrator.status(:'golang')), 3,
	'golang: .down.sql files are not migrations');

SELECT * FROM finish();
