-- expand_migrations.sql: expand, backfill and contract inside migration files run by migrator.apply
-- and migrator.migrate (folders written by this test on the server, under /tmp).
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(30);

SELECT '/tmp/migrator_expand_' || pg_backend_pid() || '_' || (random() * 1e9)::bigint AS base \gset
\set dir1 :base/typed
\set dir2 :base/migrated
\set dir3 :base/renamed
\set dir4 :base/backfilled

-- typed: 1 creates mbooks, 2 expands (a rename and a type change: needs a backfill), 3 contracts
SELECT pg_temp.write_file(:'dir1' || '/1_create_mbooks.sql', $m$
CREATE TABLE mbooks (id int PRIMARY KEY, title text NOT NULL, published_year int, pages int);
INSERT INTO mbooks SELECT i, 'Book ' || i, 1900 + i, i * 10 FROM generate_series(1, 12) i;
$m$) AS w \gset
SELECT pg_temp.write_file(:'dir1' || '/2_expand_mbooks.sql', $m$
SELECT migrator.expand('mbooks_v2', '[
	{"rename_column": {"table": "mbooks", "from": "published_year", "to": "publication_year"}},
	{"alter_column": {"table": "mbooks", "column": "pages", "type": "bigint"}}]');
$m$) AS w \gset
SELECT pg_temp.write_file(:'dir1' || '/3_contract_mbooks.sql', $m$
SELECT migrator.contract('mbooks_v2');
$m$) AS w \gset

------------------------------------------------------------------------------
-- apply: all at once is refused by the contract (no backfill yet) and undone as a whole
------------------------------------------------------------------------------
SELECT throws_ok(format('SELECT * FROM migrator.apply(%L)', :'dir1'), '55000', NULL,
	'apply of 1..3 at once: the contract in 3 refuses (55000)');
SELECT hasnt_table('public', 'mbooks', 'nothing of 1 is left');
SELECT is(pg_temp.traces('mbooks_v2'), '', 'nothing of the expand in 2 is left');
SELECT is((SELECT count(*)::int FROM migrator.journal), 0, 'no journal row');

-- expand in one apply, backfill, contract in the next apply
SELECT results_eq(format('SELECT version, action FROM migrator.apply(%L, %L)', :'dir1', '2'),
	$$VALUES ('1', 'applied'), ('2', 'applied')$$, 'apply up to 2: create and expand');
SELECT is(pg_temp.state('mbooks_v2'), 'expanded', 'the change is open after the migration');
SELECT has_view('public_mbooks_v2', 'mbooks', 'its new shape is there');
SELECT is(pg_temp.cols('public_mbooks_v2.mbooks'), 'id integer, pages bigint, publication_year integer, title text',
	'the new shape''s columns');
SELECT is(pg_temp.bf_all('mbooks_v2', 5), 12::bigint, 'backfill of the 12 rows');
SELECT results_eq(format('SELECT version, action FROM migrator.apply(%L)', :'dir1'),
	$$VALUES ('3', 'applied')$$, 'apply: the contract in 3');
SELECT is(pg_temp.state('mbooks_v2'), 'contracted', 'contracted');
SELECT is(pg_temp.cols('public.mbooks'), 'id integer, pages bigint, publication_year integer, title text',
	'mbooks has the new shape');
SELECT results_eq($$SELECT count(*)::int, bool_and(publication_year = 1900 + id), bool_and(pages = id * 10) FROM mbooks$$,
	$$VALUES (12, true, true)$$, 'values intact');
SELECT hasnt_schema('public_mbooks_v2', 'no version schema left');
SELECT results_eq(format('SELECT version, state FROM migrator.status(%L)', :'dir1'),
	$$VALUES ('1', 'applied'), ('2', 'applied'), ('3', 'applied')$$, 'status: all applied');

DELETE FROM migrator.journal;

------------------------------------------------------------------------------
-- migrate (commits per migration): stops at the contract, resumes after a backfill
------------------------------------------------------------------------------
SELECT pg_temp.write_file(:'dir2' || '/1_create_mtags.sql', $m$
CREATE TABLE mtags (id int PRIMARY KEY, tag text);
INSERT INTO mtags SELECT i, ' T' || i || ' ' FROM generate_series(1, 7) i;
$m$) AS w \gset
SELECT pg_temp.write_file(:'dir2' || '/2_expand_mtags.sql', $m$
SELECT migrator.expand('mtags_v2', '[{"alter_column": {"table": "mtags", "column": "tag", "nullable": false,
	"up": "lower(trim(coalesce(tag, '''')))"}}]');
$m$) AS w \gset
SELECT pg_temp.write_file(:'dir2' || '/3_contract_mtags.sql', $m$
SELECT migrator.contract('mtags_v2');
$m$) AS w \gset

SELECT throws_ok(pg_temp.remote_migrate(:'dir2'), '55000', NULL, 'migrate: the contract in 3 refuses (55000)');
SELECT results_eq($$SELECT version FROM migrator.journal ORDER BY id$$, $$VALUES ('1'), ('2')$$,
	'migrate: 1 and 2 stay applied');
SELECT is(pg_temp.state('mtags_v2'), 'expanded', 'migrate: the change expanded by 2 is open');
SELECT is(pg_temp.bf_all('mtags_v2', 3), 7::bigint, 'backfill the 7 rows');
CALL migrator.migrate(:'dir2');
SELECT results_eq($$SELECT version FROM migrator.journal ORDER BY id$$, $$VALUES ('1'), ('2'), ('3')$$,
	'migrate again: 3 applied');
SELECT is(pg_temp.state('mtags_v2'), 'contracted', 'contracted by migrate');
SELECT col_not_null('public', 'mtags', 'tag', 'mtags.tag NOT NULL');
SELECT is((SELECT string_agg(tag, ',' ORDER BY id) FROM mtags), 't1,t2,t3,t4,t5,t6,t7', 'up''s values');

DELETE FROM migrator.journal;

------------------------------------------------------------------------------
-- a change that needs no backfill: expand and contract in one apply
------------------------------------------------------------------------------
SELECT pg_temp.write_file(:'dir3' || '/1_create_mnotes.sql', $m$
CREATE TABLE mnotes (id int PRIMARY KEY, body text, junk text);
INSERT INTO mnotes VALUES (1, 'a', 'x'), (2, 'b', 'y');
$m$) AS w \gset
SELECT pg_temp.write_file(:'dir3' || '/2_expand_mnotes.sql', $m$
SELECT migrator.expand('mnotes_v2', '[{"rename_column": {"table": "mnotes", "from": "body", "to": "text"}},
	{"drop_column": {"table": "mnotes", "column": "junk", "down": "NULL"}}]');
$m$) AS w \gset
SELECT pg_temp.write_file(:'dir3' || '/3_contract_mnotes.sql', $m$
SELECT migrator.contract('mnotes_v2');
$m$) AS w \gset
SELECT results_eq(format('SELECT version FROM migrator.apply(%L)', :'dir3'), $$VALUES ('1'), ('2'), ('3')$$,
	'rename + drop: expand and contract in one apply');
SELECT is(pg_temp.cols('public.mnotes'), 'id integer, text text', 'mnotes has the new shape');
SELECT is(pg_temp.state('mnotes_v2'), 'contracted', 'contracted');

DELETE FROM migrator.journal;

------------------------------------------------------------------------------
-- backfill and contract in one migration
------------------------------------------------------------------------------
SELECT pg_temp.write_file(:'dir4' || '/1_create_mprices.sql', $m$
CREATE TABLE mprices (id int PRIMARY KEY, cents int);
INSERT INTO mprices SELECT i, i * 100 FROM generate_series(1, 9) i;
$m$) AS w \gset
SELECT pg_temp.write_file(:'dir4' || '/2_expand_mprices.sql', $m$
SELECT migrator.expand('mprices_v2', '{"alter_column": {"table": "mprices", "column": "cents", "type": "numeric(12,2)",
	"up": "cents / 100.0", "down": "(cents * 100)::int"}}');
$m$) AS w \gset
SELECT pg_temp.write_file(:'dir4' || '/3_contract_mprices.sql', $m$
SELECT migrator.backfill('mprices_v2', 2);
SELECT migrator.contract('mprices_v2');
$m$) AS w \gset
SELECT results_eq(format('SELECT version FROM migrator.apply(%L)', :'dir4'), $$VALUES ('1'), ('2'), ('3')$$,
	'expand in 2, backfill and contract in 3, one apply');
SELECT col_type_is('public', 'mprices', 'cents', 'numeric(12,2)', 'mprices.cents is numeric(12,2)');
SELECT is((SELECT sum(cents) FROM mprices), 45.00, 'values converted by up');
SELECT is(pg_temp.state('mprices_v2'), 'contracted', 'contracted');

-- clean up the folders
SELECT format('cat > /dev/null; rm -rf %s', quote_literal(:'base')) AS cleanup \gset
COPY (SELECT 1) TO PROGRAM :'cleanup';

SELECT * FROM finish();
