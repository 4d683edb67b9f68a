-- ordering.sql: the order migrations are listed and applied in, per layout.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

\set flyway :fixtures/flyway
\set drizzle :fixtures/drizzle
\set prisma :fixtures/prisma
\set diesel :fixtures/diesel
\set numbered :fixtures/numbered
\set golang :fixtures/golang

SELECT plan(17);

------------------------------------------------------------------------------
-- Flyway: version parts compared as numbers, repeatables last
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, name, state FROM migrator.status(%L)', :'flyway'),
	$$VALUES ('1', 'create_users', 'pending'),
			 ('1.1', 'add_email', 'pending'),
			 ('1.9', 'create_orders', 'pending'),
			 ('1.10', 'add_order_total', 'pending'),
			 ('2', 'create_items', 'pending'),
			 (NULL, 'user_emails_view', 'pending')$$,
	'flyway: status lists 1 < 1.1 < 1.9 < 1.10 < 2, then the repeatable, all pending');
SELECT ok(
	(SELECT bool_and(applied_at IS NULL) FROM migrator.status(:'flyway')),
	'flyway: pending migrations have no applied_at');
SELECT results_eq(
	format('SELECT version FROM migrator.apply(%L)', :'flyway'),
	$$VALUES ('1'), ('1.1'), ('1.9'), ('1.10'), ('2'), (NULL)$$,
	'flyway: apply order is V1, V1_1, V1_9, V1_10, V2, R__ (R__ sorts first by name but runs last)');
SELECT results_eq(
	$$SELECT version FROM migrator.journal ORDER BY applied_at, id$$,
	$$VALUES ('1'), ('1.1'), ('1.9'), ('1.10'), ('2'), (NULL)$$,
	'flyway: journal records them in that order');
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'flyway'),
	$$VALUES ('1', 'applied'), ('1.1', 'applied'), ('1.9', 'applied'),
			 ('1.10', 'applied'), ('2', 'applied'), (NULL, 'applied')$$,
	'flyway: status keeps the same order once applied');
SELECT results_eq(
	format('SELECT version, applied_at FROM migrator.status(%L) WHERE version IS NOT NULL', :'flyway'),
	$$SELECT version, applied_at FROM migrator.journal WHERE version IS NOT NULL ORDER BY id$$,
	'flyway: status applied_at is the journal''s');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- numbered: 9 before 10 (numeric, not byte order)
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'numbered'),
	$$VALUES ('1', 'pending'), ('2', 'pending'), ('9', 'pending'), ('10', 'pending')$$,
	'numbered: status lists 1, 2, 9, 10');
SELECT results_eq(
	format('SELECT version FROM migrator.apply(%L)', :'numbered'),
	$$VALUES ('1'), ('2'), ('9'), ('10')$$,
	'numbered: apply order is 1, 2, 9, 10');
SELECT results_eq(
	$$SELECT version FROM migrator.journal ORDER BY id$$,
	$$VALUES ('1'), ('2'), ('9'), ('10')$$,
	'numbered: journal order is 1, 2, 9, 10');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- golang-migrate: zero-padded numbers
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version FROM migrator.apply(%L)', :'golang'),
	$$VALUES ('000001'), ('000002'), ('000003')$$,
	'golang: apply order is 000001, 000002, 000003');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- diesel: dashes removed before comparing
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version, state FROM migrator.status(%L)', :'diesel'),
	$$VALUES ('20170308140537', 'pending'), ('20170926200549', 'pending'),
			 ('20180101000000', 'pending')$$,
	'diesel: 20170308140537_a < 2017-09-26-200549_b < 20180101000000_c (not folder byte order)');
SELECT results_eq(
	format('SELECT version FROM migrator.apply(%L)', :'diesel'),
	$$VALUES ('20170308140537'), ('20170926200549'), ('20180101000000')$$,
	'diesel: apply follows the same order');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- Prisma: folder name byte order
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version FROM migrator.status(%L)', :'prisma'),
	$$VALUES ('20230101000000_init'), ('20230201000000_add posts'), ('20230301000000_wrapped')$$,
	'prisma: status in folder-name order');
SELECT results_eq(
	format('SELECT version FROM migrator.apply(%L)', :'prisma'),
	$$VALUES ('20230101000000_init'), ('20230201000000_add posts'), ('20230301000000_wrapped')$$,
	'prisma: apply in folder-name order');
SELECT pg_temp.reset_db() \gset

------------------------------------------------------------------------------
-- drizzle-kit: journal entry order
------------------------------------------------------------------------------
SELECT results_eq(
	format('SELECT version FROM migrator.status(%L)', :'drizzle'),
	$$VALUES ('0000'), ('0001'), ('0002')$$,
	'drizzle: status in journal order');
SELECT results_eq(
	format('SELECT version FROM migrator.apply(%L)', :'drizzle'),
	$$VALUES ('0000'), ('0001'), ('0002')$$,
	'drizzle: apply in journal order');
SELECT results_eq(
	$$SELECT version FROM migrator.journal ORDER BY id$$,
	$$VALUES ('0000'), ('0001'), ('0002')$$,
	'drizzle: journal in the same order');

SELECT * FROM finish();
