-- expand_rename.sql: rename_column on books (published_year -> publication_year): the new shape is
-- a view in public_rename_year, writes through either shape show in the other, backfill has
-- nothing to do, contract renames in place; then a rename plus an added column, backfilled in
-- batches (max_batches, resumed) while both shapes write; then a rename that is aborted.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(66);

CREATE TABLE authors (
	id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text NOT NULL
);
CREATE TABLE books (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	title          text NOT NULL,
	author_id      bigint NOT NULL REFERENCES authors (id),
	published_year integer,
	created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX books_author_id_idx ON books (author_id);
INSERT INTO authors (name) VALUES ('Austen'), ('Tolstoy'), ('Woolf');
INSERT INTO books (title, author_id, published_year) VALUES
	('Emma', 1, 1815), ('Persuasion', 1, 1817), ('War and Peace', 2, 1869),
	('Anna Karenina', 2, 1878), ('Orlando', 3, 1928), ('The Waves', 3, 1931), ('Untitled', 3, NULL);
SELECT pg_temp.shape('public.books') AS books_before \gset

------------------------------------------------------------------------------
-- A. a plain rename
------------------------------------------------------------------------------
SELECT lives_ok(
	$$SELECT migrator.expand('rename_year',
		'[{"rename_column": {"table": "books", "from": "published_year", "to": "publication_year"}}]')$$,
	'A: expand rename_year');
SELECT results_eq(
	$$SELECT state::text, version_schema::text, started_at IS NOT NULL, ops::text LIKE '%publication_year%'
	  FROM migrator.changes WHERE name = 'rename_year'$$,
	$$VALUES ('backfilled', 'public_rename_year', true, true)$$,
	'A: a rename needs no backfill: state backfilled at once, version schema public_rename_year, ops kept');
SELECT has_view('public_rename_year', 'books', 'A: the new shape is the view public_rename_year.books');
SELECT ok(
	(SELECT array_to_string(reloptions, ',') ~ 'security_invoker=(true|on|1|yes)'
	 FROM pg_class WHERE oid = to_regclass('public_rename_year.books')),
	'A: the view is security_invoker');
SELECT is(pg_temp.cols('public_rename_year.books'),
	'author_id bigint, created_at timestamp with time zone, id bigint, publication_year integer, title text',
	'A: the new shape has publication_year instead of published_year');
SELECT is(pg_temp.cols('public.books', '{id,title,author_id,published_year,created_at}'),
	'author_id bigint, created_at timestamp with time zone, id bigint, published_year integer, title text',
	'A: the old shape (the table) keeps its columns and types');

-- writes through the old shape, before any backfill
INSERT INTO books (title, author_id, published_year) VALUES ('Mrs Dalloway', 3, 1925);
UPDATE books SET published_year = 1816 WHERE title = 'Emma';

-- the new shape
SET search_path = public_rename_year, public;
SELECT results_eq(
	$$SELECT title, publication_year FROM books WHERE title IN ('Emma', 'Mrs Dalloway') ORDER BY id$$,
	$$VALUES ('Emma', 1816), ('Mrs Dalloway', 1925)$$,
	'A: the new shape sees the old shape''s writes under the new name');
SELECT throws_ok($$SELECT published_year FROM books$$, '42703', NULL,
	'A: the new shape has no published_year');
SELECT lives_ok(
	$$INSERT INTO books (title, author_id, publication_year) VALUES ('Middlemarch', 1, 1871)$$,
	'A: insert through the new shape (identity and created_at left to their defaults)');
SELECT lives_ok($$UPDATE books SET publication_year = 1870 WHERE title = 'War and Peace'$$,
	'A: update through the new shape');
SELECT results_eq(
	$$SELECT id IS NOT NULL, created_at IS NOT NULL FROM books WHERE title = 'Middlemarch'$$,
	$$VALUES (true, true)$$,
	'A: the row inserted through the new shape got its identity and default');
RESET search_path;

SELECT results_eq(
	$$SELECT title, published_year FROM books WHERE title IN ('War and Peace', 'Middlemarch') ORDER BY id$$,
	$$VALUES ('War and Peace', 1870), ('Middlemarch', 1871)$$,
	'A: the old shape sees the new shape''s writes under the old name');
SELECT is(pg_temp.bf('rename_year', 2, 1), 0::bigint, 'A: backfill has nothing to fill');
SELECT is(pg_temp.state('rename_year'), 'backfilled', 'A: still backfilled');

-- writes after the backfill, through both shapes
UPDATE books SET published_year = 1818 WHERE title = 'Persuasion';
SET search_path = public_rename_year, public;
SELECT lives_ok($$UPDATE books SET publication_year = 1929 WHERE title = 'Orlando'$$,
	'A: update through the new shape after the backfill');
RESET search_path;

SELECT lives_ok($$SELECT migrator.contract('rename_year')$$, 'A: contract rename_year');
SELECT results_eq(
	$$SELECT state::text, finished_at IS NOT NULL AND finished_at >= started_at
	  FROM migrator.changes WHERE name = 'rename_year'$$,
	$$VALUES ('contracted', true)$$,
	'A: state contracted, finished_at set');
SELECT hasnt_schema('public_rename_year', 'A: the version schema is gone');
SELECT has_column('public', 'books', 'publication_year', 'A: books.publication_year exists');
SELECT hasnt_column('public', 'books', 'published_year', 'A: books.published_year is gone');
SELECT is(pg_temp.shape('public.books'), replace(:'books_before', 'published_year', 'publication_year'),
	'A: the table is as before but for the name (same position, type, constraints, index, no trigger)');
SELECT results_eq(
	$$SELECT title, publication_year FROM books ORDER BY id$$,
	$$VALUES ('Emma', 1816), ('Persuasion', 1818), ('War and Peace', 1870), ('Anna Karenina', 1878),
			 ('Orlando', 1929), ('The Waves', 1931), ('Untitled', NULL::int), ('Mrs Dalloway', 1925),
			 ('Middlemarch', 1871)$$,
	'A: every value written through either shape is there');
SELECT throws_ok($$UPDATE books SET published_year = 1 WHERE false$$, '42703', NULL,
	'A: the old name is gone for writers too');
SELECT lives_ok($$INSERT INTO books (title, author_id, publication_year) VALUES ('Ulysses', 3, 1922)$$,
	'A: an insert with the new name after contract');

------------------------------------------------------------------------------
-- B. a rename and an added column (needs a backfill), in batches
------------------------------------------------------------------------------
SELECT lives_ok(
	$$SELECT migrator.expand('year_decade', '[
		{"rename_column": {"table": "books", "from": "publication_year", "to": "pub_year"}},
		{"add_column": {"table": "books", "column": {"name": "decade", "type": "integer"},
						"up": "publication_year / 10 * 10"}}]')$$,
	'B: expand year_decade (rename + add_column)');
SELECT results_eq(
	$$SELECT state::text, version_schema::text, rows_done, finished_at IS NULL
	  FROM migrator.changes WHERE name = 'year_decade'$$,
	$$VALUES ('expanded', 'public_year_decade', 0::bigint, true)$$,
	'B: state expanded, nothing done yet, not finished');
SELECT is(pg_temp.cols('public_year_decade.books'),
	'author_id bigint, created_at timestamp with time zone, decade integer, id bigint, pub_year integer, title text',
	'B: the new shape has pub_year and decade');
SELECT is(pg_temp.cols('public.books', '{id,title,author_id,publication_year,created_at}'),
	'author_id bigint, created_at timestamp with time zone, id bigint, publication_year integer, title text',
	'B: the old shape keeps publication_year');
SELECT throws_ok($$SELECT decade FROM public.books$$, '42703', NULL,
	'B: decade is not part of the old shape');

-- before the backfill: the old shape writes Emma (id 1), the new shape The Waves (id 6)
UPDATE books SET publication_year = 1815 WHERE title = 'Emma';
SET search_path = public_year_decade, public;
SELECT lives_ok($$UPDATE books SET decade = 1 WHERE title = 'The Waves'$$,
	'B: before the backfill, the new shape sets The Waves'' decade to 1');
SELECT results_eq($$SELECT pub_year, decade FROM books WHERE title = 'Emma'$$,
	$$VALUES (1815, 1810)$$,
	'B: a write through the old shape filled decade with up (1815 -> 1810)');
RESET search_path;

-- one batch of 3
SELECT pg_temp.bf('year_decade', 3, 1) AS bf1 \gset
SELECT ok(:bf1 BETWEEN 1 AND 3, 'B: backfill with max_batches 1, batch_size 3 filled 1 to 3 rows');
SELECT results_eq(
	$$SELECT state::text, rows_done FROM migrator.changes WHERE name = 'year_decade'$$,
	format('VALUES (%L, %s::bigint)', 'backfilling', :bf1),
	'B: state backfilling, rows_done is what the batch filled');

-- during the backfill
INSERT INTO books (title, author_id, publication_year) VALUES ('To the Lighthouse', 3, 1927);
SET search_path = public_year_decade, public;
SELECT lives_ok($$UPDATE books SET pub_year = 1927, decade = 1900 WHERE title = 'Orlando'$$,
	'B: during the backfill, the new shape writes Orlando (pub_year 1927, decade 1900)');
SELECT lives_ok($$INSERT INTO books (title, author_id, pub_year, decade) VALUES ('Beloved', 3, 1987, 1980)$$,
	'B: during the backfill, an insert through the new shape');
RESET search_path;
SELECT is((SELECT publication_year FROM books WHERE title = 'Orlando'), 1927,
	'B: the old shape sees Orlando''s new year');

-- resume
SELECT pg_temp.bf('year_decade', 3) AS bf2 \gset
SELECT ok(:bf2 > 0, 'B: the resumed backfill filled the rest');
SELECT is(pg_temp.bf('year_decade', 3), 0::bigint, 'B: a further backfill fills nothing');
SELECT results_eq(
	$$SELECT state::text, rows_done FROM migrator.changes WHERE name = 'year_decade'$$,
	format('VALUES (%L, %s::bigint)', 'backfilled', :bf1 + :bf2),
	'B: state backfilled, rows_done is the sum of both calls');

SET search_path = public_year_decade, public;
SELECT results_eq(
	$$SELECT title, pub_year, decade FROM books ORDER BY id$$,
	$$VALUES ('Emma', 1815, 1810), ('Persuasion', 1818, 1810), ('War and Peace', 1870, 1870),
			 ('Anna Karenina', 1878, 1870), ('Orlando', 1927, 1900), ('The Waves', 1931, 1),
			 ('Untitled', NULL::int, NULL::int), ('Mrs Dalloway', 1925, 1920), ('Middlemarch', 1871, 1870),
			 ('Ulysses', 1922, 1920), ('To the Lighthouse', 1927, 1920), ('Beloved', 1987, 1980)$$,
	'B: every row filled; values written through the new shape (The Waves, Orlando, Beloved) kept');
RESET search_path;

-- after the backfill
UPDATE books SET publication_year = 2000 WHERE title = 'Untitled';
SET search_path = public_year_decade, public;
SELECT results_eq($$SELECT pub_year, decade FROM books WHERE title = 'Untitled'$$,
	$$VALUES (2000, 2000)$$,
	'B: after the backfill, an old-shape write still fills decade');
SELECT lives_ok($$UPDATE books SET pub_year = 1926 WHERE title = 'Ulysses'$$,
	'B: after the backfill, a write through the new shape');
RESET search_path;
SELECT is((SELECT publication_year FROM books WHERE title = 'Ulysses'), 1926,
	'B: the old shape sees it');

SELECT lives_ok($$SELECT migrator.contract('year_decade')$$, 'B: contract year_decade');
SELECT is(pg_temp.state('year_decade'), 'contracted', 'B: state contracted');
SELECT hasnt_schema('public_year_decade', 'B: the version schema is gone');
SELECT is(pg_temp.cols('public.books'),
	'author_id bigint, created_at timestamp with time zone, decade integer, id bigint, pub_year integer, title text',
	'B: the table has the new shape, nothing else');
SELECT is(pg_temp.triggers('public.books'), '', 'B: no trigger left');
SELECT ok(NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = 'public.books'::regclass AND NOT convalidated),
	'B: no NOT VALID constraint left');
SELECT results_eq(
	$$SELECT title, pub_year, decade FROM books ORDER BY id$$,
	$$VALUES ('Emma', 1815, 1810), ('Persuasion', 1818, 1810), ('War and Peace', 1870, 1870),
			 ('Anna Karenina', 1878, 1870), ('Orlando', 1927, 1900), ('The Waves', 1931, 1),
			 ('Untitled', 2000, 2000), ('Mrs Dalloway', 1925, 1920), ('Middlemarch', 1871, 1870),
			 ('Ulysses', 1926, 1920), ('To the Lighthouse', 1927, 1920), ('Beloved', 1987, 1980)$$,
	'B: the values after contract');
SELECT lives_ok($$INSERT INTO books (title, author_id, pub_year, decade) VALUES ('Jazz', 3, 1992, 1990)$$,
	'B: insert with the final names');

------------------------------------------------------------------------------
-- C. a rename, aborted
------------------------------------------------------------------------------
SELECT pg_temp.shape('public.books') AS books_c \gset
CREATE TEMP TABLE books_rows_c AS SELECT id, title, pub_year FROM books;
SELECT lives_ok(
	$$SELECT migrator.expand('rename_title', '{"rename_column": {"table": "books", "from": "title", "to": "name"}}')$$,
	'C: expand rename_title (a single object, not an array)');
SELECT is(pg_temp.cols('public_rename_title.books', '{name,title}'), 'name text',
	'C: the new shape has name, not title');
SET search_path = public_rename_title, public;
SELECT lives_ok($$INSERT INTO books (name, author_id, pub_year) VALUES ('Dubliners', 3, 1914)$$,
	'C: insert through the new shape');
SELECT lives_ok($$UPDATE books SET name = 'Emma.' WHERE name = 'Emma'$$,
	'C: update through the new shape');
RESET search_path;
UPDATE books SET title = 'Jazz!' WHERE title = 'Jazz';
SELECT lives_ok($$SELECT migrator.abort('rename_title')$$, 'C: abort rename_title');
SELECT results_eq(
	$$SELECT state::text, finished_at IS NOT NULL FROM migrator.changes WHERE name = 'rename_title'$$,
	$$VALUES ('aborted', true)$$,
	'C: state aborted, finished_at set');
SELECT hasnt_schema('public_rename_title', 'C: the version schema is gone');
SELECT is(pg_temp.shape('public.books'), :'books_c', 'C: the table is exactly as before the expand');
SELECT results_eq(
	$$SELECT title, pub_year FROM books WHERE title IN ('Dubliners', 'Emma.', 'Jazz!') ORDER BY id$$,
	$$VALUES ('Emma.', 1815), ('Jazz!', 1992), ('Dubliners', 1914)$$,
	'C: the writes made meanwhile through both shapes are kept');
SELECT is((SELECT count(*)::int FROM books), (SELECT count(*)::int + 1 FROM books_rows_c),
	'C: one row more than before, nothing lost');
SELECT throws_ok($$SELECT migrator.contract('rename_title')$$, '55000', NULL,
	'C: an aborted change cannot be contracted');

-- the table is free for a new change after an abort
SELECT lives_ok(
	$$SELECT migrator.expand('rename_title_2', '{"rename_column": {"table": "books", "from": "title", "to": "name"}}')$$,
	'C: a new change on books after the abort');
SELECT lives_ok($$SELECT migrator.contract('rename_title_2')$$, 'C: and its contract right away');
SELECT has_column('public', 'books', 'name', 'C: books.name');
SELECT is((SELECT count(*)::int FROM books WHERE name IN ('Dubliners', 'Emma.', 'Jazz!')), 3,
	'C: values kept by that rename');

SELECT * FROM finish();
