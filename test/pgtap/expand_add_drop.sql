-- expand_add_drop.sql: add_column (NOT NULL, default, check, references, up) and drop_column (down),
-- each contracted and each aborted.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(49);

CREATE TABLE categories (id int PRIMARY KEY, name text);
INSERT INTO categories VALUES (1, 'misc'), (2, 'tools');

------------------------------------------------------------------------------
-- add_column, contracted
------------------------------------------------------------------------------
CREATE TABLE items (id int PRIMARY KEY, title text NOT NULL, qty int);
INSERT INTO items SELECT i, 'Item ' || i, i FROM generate_series(1, 6) i;

SELECT lives_ok(
	$$SELECT migrator.expand('items_slug', '[
		{"add_column": {"table": "items", "column": {"name": "slug", "type": "text", "nullable": false,
			"default": "''none''", "check": "slug <> ''''"}, "up": "lower(title)"}},
		{"add_column": {"table": "items", "column": {"name": "category_id", "type": "int", "nullable": true,
			"references": "categories(id)"}, "up": "1"}}]')$$,
	'add: expand two add_column');
SELECT is(pg_temp.state('items_slug'), 'expanded', 'add: state expanded');
SELECT is(pg_temp.cols('public_items_slug.items'),
	'category_id integer, id integer, qty integer, slug text, title text',
	'add: the new shape has slug and category_id');
SELECT is(pg_temp.cols('public.items', '{id,title,qty}'), 'id integer, qty integer, title text',
	'add: the old shape keeps its columns');
SELECT throws_ok($$SELECT slug FROM public.items$$, '42703', NULL,
	'add: slug is not part of the old shape (the table) while the change is open');

SET search_path = public_items_slug, public;
SELECT lives_ok($$INSERT INTO items (id, title) VALUES (20, 'New')$$,
	'add: insert through the new shape without slug');
SELECT results_eq($$SELECT slug, category_id FROM items WHERE id = 20$$, $$VALUES ('none', NULL::int)$$,
	'add: the default is carried over to the new shape');
SELECT throws_ok($$INSERT INTO items (id, title, slug) VALUES (21, 'x', '')$$, '23514', NULL,
	'add: the new shape checks slug <> ''''');
SELECT ok(pg_temp.sqlstate_of($$INSERT INTO items (id, title, slug) VALUES (22, 'x', NULL)$$) IN ('23502', '23514'),
	'add: the new shape refuses a NULL slug');
SELECT throws_ok($$INSERT INTO items (id, title, category_id) VALUES (23, 'x', 999)$$, '23503', NULL,
	'add: the new shape checks the foreign key');
SELECT lives_ok($$INSERT INTO items (id, title, slug, category_id) VALUES (24, 'Saw', 'saw', 2)$$,
	'add: a full insert through the new shape');
RESET search_path;
INSERT INTO items (id, title, qty) VALUES (10, 'Hello World', 1);
SELECT ok(pg_temp.bf_all('items_slug', 4) >= 0, 'add: backfill');
SELECT is(pg_temp.state('items_slug'), 'backfilled', 'add: state backfilled');
SET search_path = public_items_slug, public;
SELECT results_eq($$SELECT id, slug, category_id FROM items ORDER BY id$$,
	$$VALUES (1, 'item 1', 1), (2, 'item 2', 1), (3, 'item 3', 1), (4, 'item 4', 1), (5, 'item 5', 1),
			 (6, 'item 6', 1), (10, 'hello world', 1), (20, 'none', NULL), (24, 'saw', 2)$$,
	'add: up filled the old rows and the old shape''s insert; the new shape''s rows kept');
RESET search_path;
SELECT lives_ok($$SELECT migrator.contract('items_slug')$$, 'add: contract');
SELECT is(pg_temp.cols('public.items'), 'category_id integer, id integer, qty integer, slug text, title text',
	'add: the table has both columns under their names');
SELECT col_not_null('public', 'items', 'slug', 'add: slug NOT NULL');
SELECT col_is_null('public', 'items', 'category_id', 'add: category_id nullable');
SELECT is((SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef
		   WHERE adrelid = 'public.items'::regclass
			 AND adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = 'public.items'::regclass AND attname = 'slug')),
	'''none''::text', 'add: slug defaults to ''none''');
SELECT throws_ok($$INSERT INTO items (id, title, slug) VALUES (30, 'x', '')$$, '23514', NULL,
	'add: the check holds after contract');
SELECT throws_ok($$INSERT INTO items (id, title, category_id) VALUES (31, 'x', 999)$$, '23503', NULL,
	'add: the foreign key holds after contract');
SELECT ok(NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'public.items'::regclass AND NOT convalidated),
	'add: every constraint validated');
SELECT is(pg_temp.triggers('public.items'), '', 'add: no trigger left');
SELECT hasnt_schema('public_items_slug', 'add: no version schema left');

------------------------------------------------------------------------------
-- add_column, aborted
------------------------------------------------------------------------------
CREATE TABLE items2 (id int PRIMARY KEY, title text NOT NULL);
INSERT INTO items2 VALUES (1, 'A'), (2, 'B');
SELECT pg_temp.shape('public.items2') AS items2_before \gset
SELECT lives_ok(
	$$SELECT migrator.expand('items2_slug', '[{"add_column": {"table": "items2", "column": {"name": "slug",
		"type": "text", "nullable": false, "default": "''none''", "check": "slug <> ''''"},
		"up": "lower(title)"}},
		{"add_column": {"table": "items2", "column": {"name": "category_id", "type": "int",
		"references": "categories(id)"}, "up": "2"}}]')$$,
	'abort add: expand');
SELECT ok(pg_temp.bf_all('items2_slug', 1) >= 0, 'abort add: backfill');
SET search_path = public_items2_slug, public;
SELECT lives_ok($$INSERT INTO items2 (id, title, slug, category_id) VALUES (3, 'C', 'c', 1)$$,
	'abort add: insert through the new shape');
RESET search_path;
INSERT INTO items2 VALUES (4, 'D');
SELECT lives_ok($$SELECT migrator.abort('items2_slug')$$, 'abort add: abort');
SELECT is(pg_temp.state('items2_slug'), 'aborted', 'abort add: state aborted');
SELECT is(pg_temp.shape('public.items2'), :'items2_before', 'abort add: the table as before (no slug, no category_id)');
SELECT results_eq($$SELECT id, title FROM items2 ORDER BY id$$, $$VALUES (1, 'A'), (2, 'B'), (3, 'C'), (4, 'D')$$,
	'abort add: rows written through both shapes kept');
SELECT hasnt_schema('public_items2_slug', 'abort add: no version schema left');

------------------------------------------------------------------------------
-- drop_column with down, contracted right away
------------------------------------------------------------------------------
CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, nickname text NOT NULL);
INSERT INTO people VALUES (1, 'Ann', 'Annie'), (2, 'Bob', 'Bobby');
SELECT lives_ok(
	$$SELECT migrator.expand('drop_nick', '[{"drop_column": {"table": "people", "column": "nickname",
		"down": "''nick:'' || name"}}]')$$,
	'drop: expand');
SELECT is(pg_temp.state('drop_nick'), 'backfilled', 'drop: nothing to backfill, state backfilled');
SELECT is(pg_temp.cols('public_drop_nick.people'), 'id integer, name text', 'drop: the new shape has no nickname');
SELECT has_column('public', 'people', 'nickname', 'drop: the old shape still has nickname');
SET search_path = public_drop_nick, public;
SELECT lives_ok($$INSERT INTO people VALUES (3, 'Cleo')$$,
	'drop: insert through the new shape (nickname is NOT NULL in the old shape)');
SELECT lives_ok($$UPDATE people SET name = 'Bea' WHERE id = 2$$, 'drop: update through the new shape');
RESET search_path;
INSERT INTO people VALUES (4, 'Dan', 'Danny');
SELECT results_eq($$SELECT id, name, nickname FROM people ORDER BY id$$,
	$$VALUES (1, 'Ann', 'Annie'), (2, 'Bea', 'nick:Bea'), (3, 'Cleo', 'nick:Cleo'), (4, 'Dan', 'Danny')$$,
	'drop: down filled nickname for the rows written through the new shape');
SELECT lives_ok($$SELECT migrator.contract('drop_nick')$$, 'drop: contract without a backfill');
SELECT hasnt_column('public', 'people', 'nickname', 'drop: nickname is gone');
SELECT is(pg_temp.cols('public.people'), 'id integer, name text', 'drop: the table has the new shape');
SELECT results_eq($$SELECT id, name FROM people ORDER BY id$$,
	$$VALUES (1, 'Ann'), (2, 'Bea'), (3, 'Cleo'), (4, 'Dan')$$, 'drop: the rows are there');
SELECT is(pg_temp.triggers('public.people'), '', 'drop: no trigger left');

------------------------------------------------------------------------------
-- drop_column, aborted
------------------------------------------------------------------------------
CREATE TABLE people2 (id int PRIMARY KEY, name text NOT NULL, nickname text NOT NULL CHECK (nickname <> ''));
INSERT INTO people2 VALUES (1, 'Ann', 'Annie');
SELECT pg_temp.shape('public.people2') AS people2_before \gset
SELECT lives_ok(
	$$SELECT migrator.expand('drop_nick2', '[{"drop_column": {"table": "people2", "column": "nickname",
		"down": "upper(name)"}}]')$$,
	'abort drop: expand');
SET search_path = public_drop_nick2, public;
SELECT lives_ok($$INSERT INTO people2 VALUES (2, 'Bob')$$, 'abort drop: insert through the new shape');
RESET search_path;
SELECT lives_ok($$SELECT migrator.abort('drop_nick2')$$, 'abort drop: abort');
SELECT is(pg_temp.shape('public.people2'), :'people2_before', 'abort drop: the table as before');
SELECT results_eq($$SELECT id, name, nickname FROM people2 ORDER BY id$$,
	$$VALUES (1, 'Ann', 'Annie'), (2, 'Bob', 'BOB')$$,
	'abort drop: nickname kept, down''s value for the new shape''s insert');

SELECT * FROM finish();
