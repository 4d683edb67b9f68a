-- expand_quoting.sql: identifiers that need quoting ("Order Items", "Unit Price", a quote, an
-- apostrophe, non-ASCII) through expand, writes through both shapes, backfill, contract and abort.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(24);

CREATE TABLE "Order Items" (
	"Item ID"    int PRIMARY KEY,
	"Item Name"  text,
	"Unit Price" numeric(10, 2) NOT NULL,
	"Qty"        int,
	"Old Col"    text NOT NULL DEFAULT 'old'
);
INSERT INTO "Order Items" VALUES (1, 'Bolt', 0.25, 100, 'a'), (2, 'Nut', 0.10, NULL, 'b'), (3, 'Gear', 12.50, 3, 'c');

SELECT lives_ok($$SELECT migrator.expand('order_items_fix', $j$[
	{"rename_column": {"table": "Order Items", "from": "Item Name", "to": "Product's Name"}},
	{"alter_column": {"table": "Order Items", "column": "Unit Price", "type": "bigint",
					  "up": "round(\"Unit Price\" * 100)::bigint", "down": "\"Unit Price\" / 100.0"}},
	{"add_column": {"table": "Order Items", "column": {"name": "Line \"Total\"", "type": "numeric"},
					"up": "\"Unit Price\" * \"Qty\""}},
	{"drop_column": {"table": "Order Items", "column": "Old Col", "down": "'dropped'"}},
	{"alter_column": {"table": "Order Items", "column": "Qty", "nullable": false, "check": "\"Qty\" > 0",
					  "up": "coalesce(\"Qty\", 1)"}}]$j$)$$,
	'expand on "Order Items" with quoted names everywhere');
SELECT is(pg_temp.state('order_items_fix'), 'expanded', 'state expanded');
SELECT has_view('public_order_items_fix', 'Order Items', 'the new shape is public_order_items_fix."Order Items"');
SELECT is(pg_temp.cols('public_order_items_fix."Order Items"'),
	'Item ID integer, Line "Total" numeric, Product''s Name text, Qty integer, Unit Price bigint',
	'the new shape''s columns');

SET search_path = public_order_items_fix, public;
SELECT lives_ok($$INSERT INTO "Order Items" ("Item ID", "Product's Name", "Unit Price", "Qty", "Line ""Total""")
				  VALUES (10, 'Widget''s', 1999, 2, 39.98)$$,
	'insert through the new shape');
SELECT throws_ok($$INSERT INTO "Order Items" ("Item ID", "Unit Price", "Qty") VALUES (11, 1, 0)$$, '23514', NULL,
	'the new shape checks "Qty" > 0');
RESET search_path;
SELECT results_eq($$SELECT "Item Name", "Unit Price", "Qty", "Old Col" FROM "Order Items" WHERE "Item ID" = 10$$,
	$$VALUES ('Widget''s', 19.99::numeric(10, 2), 2, 'dropped')$$,
	'the old shape sees it (down for "Unit Price" and "Old Col")');
UPDATE "Order Items" SET "Unit Price" = 5.25 WHERE "Item ID" = 1;

SELECT ok(pg_temp.bf_all('order_items_fix', 2) >= 0, 'backfill');
SELECT is(pg_temp.state('order_items_fix'), 'backfilled', 'state backfilled');
SET search_path = public_order_items_fix, public;
SELECT results_eq($$SELECT "Item ID", "Product's Name", "Unit Price", "Qty", "Line ""Total""" FROM "Order Items" ORDER BY 1$$,
	$$VALUES (1, 'Bolt', 525::bigint, 100, 525.00::numeric), (2, 'Nut', 10, 1, NULL), (3, 'Gear', 1250, 3, 37.50),
			 (10, 'Widget''s', 1999, 2, 39.98)$$,
	'the new shape after the backfill');
RESET search_path;
SELECT lives_ok($$SELECT migrator.contract('order_items_fix')$$, 'contract');
SELECT is(pg_temp.cols('public."Order Items"'),
	'Item ID integer, Line "Total" numeric, Product''s Name text, Qty integer, Unit Price bigint',
	'the table has the new shape');
SELECT col_not_null('public', 'Order Items', 'Qty', '"Qty" NOT NULL');
SELECT col_not_null('public', 'Order Items', 'Unit Price', '"Unit Price" still NOT NULL');
SELECT results_eq($$SELECT "Item ID", "Product's Name", "Unit Price", "Qty", "Line ""Total""" FROM "Order Items" ORDER BY 1$$,
	$$VALUES (1, 'Bolt', 525::bigint, 100, 525.00::numeric), (2, 'Nut', 10, 1, NULL), (3, 'Gear', 1250, 3, 37.50),
			 (10, 'Widget''s', 1999, 2, 39.98)$$,
	'the values after contract');
SELECT hasnt_schema('public_order_items_fix', 'no version schema left');

------------------------------------------------------------------------------
-- aborted, with non-ASCII names
------------------------------------------------------------------------------
CREATE TABLE "Sales Data" ("Id" int PRIMARY KEY CHECK ("Id" > 0), "Amount (EUR)" numeric NOT NULL, "Région" text);
INSERT INTO "Sales Data" VALUES (1, 10, 'Île-de-France'), (2, 20.5, NULL);
SELECT pg_temp.shape('public."Sales Data"') AS sales_before \gset
SELECT lives_ok($$SELECT migrator.expand('sales_fix', $j$[
	{"rename_column": {"table": "Sales Data", "from": "Région", "to": "Région (ISO)"}},
	{"alter_column": {"table": "Sales Data", "column": "Amount (EUR)", "type": "bigint",
					  "up": "round(\"Amount (EUR)\" * 100)::bigint", "down": "\"Amount (EUR)\" / 100.0"}}]$j$)$$,
	'expand on "Sales Data"');
SELECT is(pg_temp.cols('public_sales_fix."Sales Data"'), 'Amount (EUR) bigint, Id integer, Région (ISO) text',
	'the new shape''s columns');
SET search_path = public_sales_fix, public;
SELECT lives_ok($$INSERT INTO "Sales Data" VALUES (3, 150, 'Bretagne')$$, 'insert through the new shape');
RESET search_path;
SELECT ok(pg_temp.bf_all('sales_fix') >= 0, 'backfill');
SELECT lives_ok($$SELECT migrator.abort('sales_fix')$$, 'abort');
SELECT is(pg_temp.shape('public."Sales Data"'), :'sales_before', 'the table as before');
SELECT results_eq($$SELECT "Id", "Amount (EUR)", "Région" FROM "Sales Data" ORDER BY 1$$,
	$$VALUES (1, 10::numeric, 'Île-de-France'), (2, 20.5, NULL), (3, 1.50, 'Bretagne')$$,
	'rows kept, the new shape''s insert converted by down');
SELECT hasnt_schema('public_sales_fix', 'no version schema left');

SELECT * FROM finish();
