-- expand_constraints.sql: alter_column nullable=false with a fill expression, check (with and
-- without up), references (foreign key); each contracted and each aborted.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(61);

------------------------------------------------------------------------------
-- NOT NULL with a fill expression
------------------------------------------------------------------------------
CREATE TABLE stock (id int PRIMARY KEY, qty int);
INSERT INTO stock VALUES (1, 5), (2, NULL), (3, 0), (4, NULL), (5, 9);

SELECT lives_ok(
	$$SELECT migrator.expand('qty_not_null', '[{"alter_column": {"table": "stock", "column": "qty",
		"nullable": false, "up": "coalesce(qty, 0)"}}]')$$,
	'not null: expand');
SELECT is(pg_temp.state('qty_not_null'), 'expanded', 'not null: state expanded');
SELECT lives_ok($$INSERT INTO stock VALUES (6, NULL)$$,
	'not null: the old shape still takes a NULL');
SET search_path = public_qty_not_null, public;
SELECT ok(pg_temp.sqlstate_of($$INSERT INTO stock VALUES (7, NULL)$$) IN ('23502', '23514'),
	'not null: the new shape refuses a NULL');
SELECT ok(pg_temp.sqlstate_of($$UPDATE stock SET qty = NULL WHERE id = 1$$) IN ('23502', '23514'),
	'not null: the new shape refuses an update to NULL');
SELECT lives_ok($$INSERT INTO stock VALUES (8, 3)$$, 'not null: the new shape takes a value');
SELECT is((SELECT qty FROM stock WHERE id = 6), 0, 'not null: the old shape''s NULL is 0 in the new shape');
RESET search_path;
SELECT ok(pg_temp.bf_all('qty_not_null', 2) >= 0, 'not null: backfill to the end');
SELECT is(pg_temp.state('qty_not_null'), 'backfilled', 'not null: state backfilled');
SELECT lives_ok($$SELECT migrator.contract('qty_not_null')$$, 'not null: contract');
SELECT col_not_null('public', 'stock', 'qty', 'not null: stock.qty is NOT NULL');
SELECT ok(NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'public.stock'::regclass AND NOT convalidated),
	'not null: no NOT VALID constraint left');
SELECT is(pg_temp.cols('public.stock'), 'id integer, qty integer', 'not null: no other column left');
SELECT results_eq($$SELECT id, qty FROM stock ORDER BY id$$,
	$$VALUES (1, 5), (2, 0), (3, 0), (4, 0), (5, 9), (6, 0), (8, 3)$$,
	'not null: the NULLs were filled with 0');
SELECT throws_ok($$INSERT INTO stock VALUES (9, NULL)$$, '23502', NULL, 'not null: a NULL is refused now');

------------------------------------------------------------------------------
-- NOT NULL, aborted
------------------------------------------------------------------------------
CREATE TABLE stock2 (id int PRIMARY KEY, qty int DEFAULT 7, CHECK (id > 0));
INSERT INTO stock2 VALUES (1, 5), (2, NULL);
SELECT pg_temp.shape('public.stock2') AS stock2_before \gset
SELECT lives_ok(
	$$SELECT migrator.expand('qty2_not_null', '[{"alter_column": {"table": "stock2", "column": "qty",
		"nullable": false, "up": "coalesce(qty, 0)"}}]')$$,
	'abort not null: expand');
SELECT ok(pg_temp.bf_all('qty2_not_null', 1) >= 0, 'abort not null: backfill');
SET search_path = public_qty2_not_null, public;
SELECT lives_ok($$INSERT INTO stock2 (id) VALUES (3)$$, 'abort not null: insert through the new shape (default)');
RESET search_path;
INSERT INTO stock2 VALUES (4, NULL);
SELECT lives_ok($$SELECT migrator.abort('qty2_not_null')$$, 'abort not null: abort');
SELECT is(pg_temp.shape('public.stock2'), :'stock2_before', 'abort not null: the table as before');
SELECT results_eq($$SELECT id, qty FROM stock2 ORDER BY id$$,
	$$VALUES (1, 5), (2, NULL), (3, 7), (4, NULL)$$,
	'abort not null: old values kept, NULLs still NULL, the new shape''s insert kept');

------------------------------------------------------------------------------
-- add a check, with up fixing the rows that break it
------------------------------------------------------------------------------
CREATE TABLE prices (id int PRIMARY KEY, amount int NOT NULL);
INSERT INTO prices VALUES (1, 10), (2, -5), (3, 0), (4, -1);
SELECT lives_ok(
	$$SELECT migrator.expand('amount_check', '[{"alter_column": {"table": "prices", "column": "amount",
		"check": "amount >= 0", "up": "greatest(amount, 0)"}}]')$$,
	'check: expand');
SET search_path = public_amount_check, public;
SELECT throws_ok($$INSERT INTO prices VALUES (5, -3)$$, '23514', NULL, 'check: the new shape refuses -3');
SELECT lives_ok($$INSERT INTO prices VALUES (6, 4)$$, 'check: the new shape takes 4');
RESET search_path;
SELECT lives_ok($$INSERT INTO prices VALUES (7, -8)$$, 'check: the old shape still takes -8');
SELECT ok(pg_temp.bf_all('amount_check', 3) >= 0, 'check: backfill');
SET search_path = public_amount_check, public;
SELECT results_eq($$SELECT id, amount FROM prices ORDER BY id$$,
	$$VALUES (1, 10), (2, 0), (3, 0), (4, 0), (6, 4), (7, 0)$$,
	'check: the new shape holds up''s values');
RESET search_path;
SELECT lives_ok($$SELECT migrator.contract('amount_check')$$, 'check: contract');
SELECT ok(EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'public.prices'::regclass AND contype = 'c'
				  AND convalidated AND pg_get_constraintdef(oid) LIKE '%amount >= 0%'),
	'check: prices has a validated CHECK (amount >= 0)');
SELECT col_not_null('public', 'prices', 'amount', 'check: amount is still NOT NULL');
SELECT is(pg_temp.cols('public.prices'), 'amount integer, id integer', 'check: no other column left');
SELECT results_eq($$SELECT id, amount FROM prices ORDER BY id$$,
	$$VALUES (1, 10), (2, 0), (3, 0), (4, 0), (6, 4), (7, 0)$$,
	'check: the values after contract');
SELECT throws_ok($$INSERT INTO prices VALUES (8, -1)$$, '23514', NULL, 'check: -1 is refused now');

-- a check without up over rows that already satisfy it: the values are taken as they are
CREATE TABLE ratings (id int PRIMARY KEY, stars int);
INSERT INTO ratings VALUES (1, 1), (2, 5), (3, NULL);
SELECT lives_ok(
	$$SELECT migrator.expand('stars_check', '[{"alter_column": {"table": "ratings", "column": "stars",
		"check": "stars BETWEEN 1 AND 5"}}]')$$,
	'check without up: expand');
SELECT ok(pg_temp.bf_all('stars_check') >= 0, 'check without up: backfill');
SELECT lives_ok($$SELECT migrator.contract('stars_check')$$, 'check without up: contract');
SELECT results_eq($$SELECT id, stars FROM ratings ORDER BY id$$, $$VALUES (1, 1), (2, 5), (3, NULL)$$,
	'check without up: values unchanged');
SELECT throws_ok($$INSERT INTO ratings VALUES (4, 6)$$, '23514', NULL, 'check without up: 6 is refused now');

------------------------------------------------------------------------------
-- check, aborted
------------------------------------------------------------------------------
CREATE TABLE prices2 (id int PRIMARY KEY, amount int);
INSERT INTO prices2 VALUES (1, 10), (2, -5);
SELECT pg_temp.shape('public.prices2') AS prices2_before \gset
SELECT lives_ok(
	$$SELECT migrator.expand('amount2_check', '[{"alter_column": {"table": "prices2", "column": "amount",
		"check": "amount >= 0", "up": "greatest(amount, 0)"}}]')$$,
	'abort check: expand');
SET search_path = public_amount2_check, public;
SELECT lives_ok($$UPDATE prices2 SET amount = 3 WHERE id = 1$$, 'abort check: update through the new shape');
RESET search_path;
SELECT lives_ok($$SELECT migrator.abort('amount2_check')$$, 'abort check: abort before any backfill');
SELECT is(pg_temp.shape('public.prices2'), :'prices2_before', 'abort check: the table as before (no check)');
SELECT results_eq($$SELECT id, amount FROM prices2 ORDER BY id$$, $$VALUES (1, 3), (2, -5)$$,
	'abort check: old values kept, the new shape''s write kept');

------------------------------------------------------------------------------
-- add a foreign key
------------------------------------------------------------------------------
CREATE TABLE writers (id int PRIMARY KEY, name text);
INSERT INTO writers VALUES (1, 'Austen'), (2, 'Woolf');
CREATE TABLE novels (id int PRIMARY KEY, title text, writer_id int);
INSERT INTO novels VALUES (1, 'Emma', 1), (2, 'Orlando', 2), (3, 'Anonymous', 0), (4, 'Nobody''s', NULL);

SELECT lives_ok(
	$$SELECT migrator.expand('novel_fk', '[{"alter_column": {"table": "novels", "column": "writer_id",
		"references": "writers(id)", "up": "nullif(writer_id, 0)"}}]')$$,
	'fk: expand');
SET search_path = public_novel_fk, public;
SELECT throws_ok($$INSERT INTO novels VALUES (5, 'Ghost', 99)$$, '23503', NULL,
	'fk: the new shape refuses a writer that does not exist');
SELECT lives_ok($$INSERT INTO novels VALUES (6, 'Mrs Dalloway', 2)$$, 'fk: the new shape takes writer 2');
RESET search_path;
SELECT lives_ok($$INSERT INTO novels VALUES (7, 'Unsigned', 0)$$, 'fk: the old shape still takes writer 0');
SELECT ok(pg_temp.bf_all('novel_fk', 2) >= 0, 'fk: backfill');
SET search_path = public_novel_fk, public;
SELECT results_eq($$SELECT id, writer_id FROM novels ORDER BY id$$,
	$$VALUES (1, 1), (2, 2), (3, NULL), (4, NULL), (6, 2), (7, NULL)$$,
	'fk: the new shape holds up''s values (0 -> NULL)');
RESET search_path;
SELECT lives_ok($$SELECT migrator.contract('novel_fk')$$, 'fk: contract');
SELECT ok(EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'public.novels'::regclass AND contype = 'f'
				  AND confrelid = 'public.writers'::regclass AND convalidated
				  AND pg_get_constraintdef(oid) LIKE 'FOREIGN KEY (writer_id) REFERENCES writers(id)%'),
	'fk: novels.writer_id has a validated foreign key to writers(id)');
SELECT is(pg_temp.cols('public.novels'), 'id integer, title text, writer_id integer', 'fk: no other column left');
SELECT throws_ok($$INSERT INTO novels VALUES (8, 'Ghost', 99)$$, '23503', NULL, 'fk: enforced now');
SELECT throws_ok($$DELETE FROM writers WHERE id = 2$$, '23503', NULL, 'fk: enforced from the other side');

------------------------------------------------------------------------------
-- foreign key, aborted
------------------------------------------------------------------------------
CREATE TABLE novels2 (id int PRIMARY KEY, writer_id int);
INSERT INTO novels2 VALUES (1, 1), (2, 0);
SELECT pg_temp.shape('public.novels2') AS novels2_before \gset
SELECT lives_ok(
	$$SELECT migrator.expand('novel2_fk', '[{"alter_column": {"table": "novels2", "column": "writer_id",
		"references": "writers(id)", "up": "nullif(writer_id, 0)"}}]')$$,
	'abort fk: expand');
SELECT ok(pg_temp.bf_all('novel2_fk') >= 0, 'abort fk: backfill');
SET search_path = public_novel2_fk, public;
SELECT lives_ok($$INSERT INTO novels2 VALUES (3, 2)$$, 'abort fk: insert through the new shape');
RESET search_path;
SELECT lives_ok($$SELECT migrator.abort('novel2_fk')$$, 'abort fk: abort after the backfill');
SELECT is(pg_temp.shape('public.novels2'), :'novels2_before', 'abort fk: the table as before (no foreign key)');
SELECT results_eq($$SELECT id, writer_id FROM novels2 ORDER BY id$$, $$VALUES (1, 1), (2, 0), (3, 2)$$,
	'abort fk: old values kept (0 stays 0), the new shape''s insert kept');
SELECT ok(NOT EXISTS (SELECT FROM pg_constraint WHERE confrelid = 'public.writers'::regclass
					  AND conrelid = 'public.novels2'::regclass),
	'abort fk: no constraint from novels2 to writers');

SELECT * FROM finish();
