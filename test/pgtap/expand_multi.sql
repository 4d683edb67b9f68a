-- expand_multi.sql: several operations on one table in one change (rename, type change, added
-- column, dropped column, check): aborted first, then the same operations again, contracted.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(32);

CREATE TABLE orders (
	id          int PRIMARY KEY,
	note        text,
	qty         text,
	price_cents int NOT NULL DEFAULT 0,
	legacy      text NOT NULL DEFAULT 'L'
);
CREATE INDEX orders_note_idx ON orders (note);
INSERT INTO orders VALUES (1, 'a', ' 2', 100, 'x'), (2, 'b', '', 250, 'y'), (3, NULL, '3', -5, 'z'),
	(4, 'd', NULL, 0, 'w');
SELECT pg_temp.shape('public.orders') AS orders_before \gset

CREATE TEMP TABLE orders_ops AS SELECT $j$[
	{"rename_column": {"table": "orders", "from": "note", "to": "comment"}},
	{"alter_column": {"table": "orders", "column": "qty", "type": "integer",
					  "up": "nullif(trim(qty), '')::int", "down": "qty::text"}},
	{"add_column": {"table": "orders", "column": {"name": "total_cents", "type": "bigint"},
					"up": "price_cents::bigint * coalesce(nullif(trim(qty), '')::int, 0)"}},
	{"drop_column": {"table": "orders", "column": "legacy", "down": "'new:' || id"}},
	{"alter_column": {"table": "orders", "column": "price_cents", "check": "price_cents >= 0",
					  "up": "greatest(price_cents, 0)"}}
]$j$::jsonb AS ops;

------------------------------------------------------------------------------
-- aborted
------------------------------------------------------------------------------
SELECT lives_ok($$SELECT migrator.expand('orders_try', (SELECT ops FROM orders_ops))$$,
	'abort: expand five operations');
SELECT is(pg_temp.cols('public_orders_try.orders'),
	'comment text, id integer, price_cents integer, qty integer, total_cents bigint',
	'abort: the new shape');
SELECT is(pg_temp.cols('public.orders', '{id,note,qty,price_cents,legacy}'),
	'id integer, legacy text, note text, price_cents integer, qty text',
	'abort: the old shape');
SELECT is(pg_temp.bf('orders_try', 2, 1), 2::bigint, 'abort: one batch of 2');
SET search_path = public_orders_try, public;
SELECT lives_ok($$INSERT INTO orders (id, comment, qty, price_cents, total_cents) VALUES (10, 'n', 3, 250, 750)$$,
	'abort: insert through the new shape');
SELECT lives_ok($$UPDATE orders SET comment = 'A', qty = 7 WHERE id = 1$$, 'abort: update through the new shape');
RESET search_path;
INSERT INTO orders VALUES (11, 'o', ' 4 ', -10, 'L2');
SELECT lives_ok($$SELECT migrator.abort('orders_try')$$, 'abort: abort');
SELECT is(pg_temp.shape('public.orders'), :'orders_before',
	'abort: the table exactly as before (columns, types, defaults, NOT NULL, constraints, index)');
SELECT hasnt_schema('public_orders_try', 'abort: no version schema left');
SELECT results_eq($$SELECT id, note, qty, price_cents, legacy FROM orders ORDER BY id$$,
	$$VALUES (1, 'A', '7', 100, 'new:1'), (2, 'b', '', 250, 'y'), (3, NULL, '3', -5, 'z'), (4, 'd', NULL, 0, 'w'),
			 (10, 'n', '3', 250, 'new:10'), (11, 'o', ' 4 ', -10, 'L2')$$,
	'abort: writes through both shapes kept in the old columns (down applied)');

------------------------------------------------------------------------------
-- the same operations, contracted
------------------------------------------------------------------------------
SELECT lives_ok($$SELECT migrator.expand('orders_v2', (SELECT ops FROM orders_ops))$$,
	'expand the same operations again');
SELECT is(pg_temp.state('orders_v2'), 'expanded', 'state expanded');
SET search_path = public_orders_v2, public;
SELECT lives_ok($$INSERT INTO orders (id, comment, qty, total_cents) VALUES (12, 'm', 2, 5)$$,
	'insert through the new shape (price_cents left to its default)');
SELECT ok(pg_temp.sqlstate_of($$INSERT INTO orders (id, price_cents) VALUES (14, NULL)$$) IN ('23502', '23514'),
	'the new shape keeps price_cents NOT NULL');
SELECT throws_ok($$INSERT INTO orders (id, price_cents) VALUES (15, -1)$$, '23514', NULL,
	'the new shape checks price_cents >= 0');
SELECT throws_ok($$SELECT legacy FROM orders$$, '42703', NULL, 'the new shape has no legacy');
RESET search_path;
SELECT results_eq($$SELECT note, qty, price_cents, legacy FROM orders WHERE id = 12$$,
	$$VALUES ('m', '2', 0, 'new:12')$$,
	'the old shape sees the insert (down for qty and legacy)');
INSERT INTO orders VALUES (13, 'p', '5', 20, 'L');
UPDATE orders SET qty = '6' WHERE id = 2;

SELECT pg_temp.bf('orders_v2', 3, 1) AS bf1 \gset
SELECT ok(:bf1 BETWEEN 1 AND 3, 'one batch of 3');
SELECT is(pg_temp.state('orders_v2'), 'backfilling', 'state backfilling');
SELECT ok(pg_temp.bf_all('orders_v2', 3) >= 0, 'the backfill resumed to the end');
SELECT is(pg_temp.state('orders_v2'), 'backfilled', 'state backfilled');

SET search_path = public_orders_v2, public;
SELECT results_eq($$SELECT id, comment, qty, price_cents, total_cents FROM orders ORDER BY id$$,
	$$VALUES (1, 'A', 7, 100, 700::bigint), (2, 'b', 6, 250, 1500), (3, NULL, 3, 0, -15), (4, 'd', NULL, 0, 0),
			 (10, 'n', 3, 250, 750), (11, 'o', 4, 0, -40), (12, 'm', 2, 0, 5), (13, 'p', 5, 20, 100)$$,
	'the new shape after the backfill');
RESET search_path;

SELECT lives_ok($$SELECT migrator.contract('orders_v2')$$, 'contract');
SELECT is(pg_temp.state('orders_v2'), 'contracted', 'state contracted');
SELECT is(pg_temp.cols('public.orders'),
	'comment text, id integer, price_cents integer, qty integer, total_cents bigint',
	'the table has the new shape and nothing else');
SELECT col_not_null('public', 'orders', 'price_cents', 'price_cents still NOT NULL');
SELECT col_default_is('public', 'orders', 'price_cents', '0', 'price_cents still defaults to 0');
SELECT col_is_pk('public', 'orders', 'id', 'the primary key is untouched');
SELECT ok(EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'public.orders'::regclass AND contype = 'c'
				  AND convalidated AND pg_get_constraintdef(oid) LIKE '%price_cents >= 0%'),
	'the check on price_cents is there, validated');
SELECT results_eq($$SELECT id, comment, qty, price_cents, total_cents FROM orders ORDER BY id$$,
	$$VALUES (1, 'A', 7, 100, 700::bigint), (2, 'b', 6, 250, 1500), (3, NULL, 3, 0, -15), (4, 'd', NULL, 0, 0),
			 (10, 'n', 3, 250, 750), (11, 'o', 4, 0, -40), (12, 'm', 2, 0, 5), (13, 'p', 5, 20, 100)$$,
	'the values after contract');
SELECT is(pg_temp.triggers('public.orders'), '', 'no trigger left');
SELECT hasnt_schema('public_orders_v2', 'no version schema left');

SELECT * FROM finish();
