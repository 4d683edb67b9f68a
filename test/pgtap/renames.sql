-- renames.sql: renames as renames (issue 20).  Between two snapshots of the same database (drift,
-- the snapshots migrator records) a renamed table, column, index, constraint, view, function, type,
-- trigger or policy is matched by its identity (oid, attnum) and emitted as ALTER ... RENAME, also
-- combined with another change of the same object; identity means nothing between databases, nor
-- in a snapshot without it.  Between unrelated schemas and in generate(), hints say what is a
-- rename ("-- migrator:renamed ..." lines, diff()'s renames); without one, a drop+add pair says in
-- its hazard that it may be a rename.
\set QUIET 1
SET client_min_messages = warning;
BEGIN;

SELECT plan(30);

-- the statements of a diff but its SET lines, one per line
CREATE FUNCTION pg_temp.lines(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	r text;
BEGIN
	EXECUTE format('SELECT coalesce(string_agg(statement, E''\n'' ORDER BY seq), '''') FROM (%s) d '
				   'WHERE statement NOT LIKE ''SET %%''', q) INTO r;
	RETURN r;
END
$f$;
-- run a diff's statements in this transaction
CREATE FUNCTION pg_temp.run(q text) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
	s text;
	path text := current_setting('search_path');
BEGIN
	FOR s IN EXECUTE format('SELECT statement FROM (%s) d ORDER BY seq', q) LOOP
		EXECUTE replace(s, 'INDEX CONCURRENTLY', 'INDEX');
	END LOOP;
	PERFORM set_config('search_path', path, true);
END
$f$;
CREATE FUNCTION pg_temp.recorded(back int DEFAULT 0) RETURNS jsonb LANGUAGE sql AS $f$
	SELECT snapshot FROM migrator.snapshots ORDER BY id DESC LIMIT 1 OFFSET back
$f$;

CREATE TABLE books (id int PRIMARY KEY, title text NOT NULL CONSTRAINT books_title_check CHECK (title <> ''),
					published_year int);
CREATE INDEX books_title ON books (title);
CREATE TABLE reviews (id int PRIMARY KEY, book_id int REFERENCES books (id), stars int);
CREATE VIEW recent AS SELECT id, stars FROM reviews;
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE FUNCTION f(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER books_touch BEFORE UPDATE ON books FOR EACH ROW EXECUTE FUNCTION touch();
CREATE POLICY readers ON reviews USING (stars > 0);
INSERT INTO books VALUES (1, 'Dune', 1965);

-- 1-3: the recorded snapshot carries identity; snapshot() does not
SELECT migrator.accept_drift();
SELECT ok(pg_temp.recorded()->'public'->'identity' ? 'columns books.published_year'
		  AND pg_temp.recorded()->'public'->'identity'->'database' IS NOT NULL,
		  'a recorded snapshot has the identity of its objects and of its database');
SELECT ok(NOT migrator.snapshot('{public}')->'public' ? 'identity',
		  'snapshot() has none: two schemas of the same objects give the same snapshot');
SELECT is(pg_temp.lines('SELECT * FROM migrator.diff()'), '', 'no drift');

-- 4-5: renamed by hand, one of them retyped too
ALTER TABLE books RENAME TO volumes;
ALTER TABLE volumes RENAME COLUMN published_year TO publication_year;
ALTER TABLE volumes ALTER COLUMN publication_year TYPE bigint;
ALTER INDEX books_title RENAME TO volumes_title;
ALTER TABLE volumes RENAME CONSTRAINT books_title_check TO title_given;
ALTER VIEW recent RENAME TO recent_books;
ALTER TYPE mood RENAME TO feeling;
ALTER FUNCTION f(feeling) RENAME TO g;
ALTER TRIGGER books_touch ON volumes RENAME TO volumes_touch;
ALTER POLICY readers ON reviews RENAME TO stars_readers;
SELECT is(pg_temp.lines('SELECT * FROM migrator.diff()'),
$$ALTER TABLE public.books RENAME TO volumes
ALTER VIEW public.recent RENAME TO recent_books
ALTER TYPE public.mood RENAME TO feeling
ALTER FUNCTION public.f(m feeling) RENAME TO g
ALTER TABLE public.volumes RENAME COLUMN published_year TO publication_year
ALTER TABLE public.volumes RENAME CONSTRAINT books_title_check TO title_given
ALTER INDEX public.books_title RENAME TO volumes_title
ALTER TRIGGER books_touch ON public.volumes RENAME TO volumes_touch
ALTER POLICY readers ON public.reviews RENAME TO stars_readers
ALTER TABLE public.volumes ALTER COLUMN publication_year TYPE bigint USING publication_year::bigint$$,
	'drift: each rename by hand is a RENAME, the retyped column renamed then altered');
SELECT is((SELECT count(*)::int FROM migrator.diff() WHERE hazard LIKE 'data-loss%'), 0,
		  'no data-loss hazard');

-- 6-9: the two recorded snapshots of one database, both ways: renames back, and forth again
SELECT migrator.accept_drift();
SELECT is(pg_temp.lines('SELECT * FROM migrator.diff(pg_temp.recorded(), pg_temp.recorded(1))'),
$$ALTER TABLE public.volumes RENAME TO books
ALTER VIEW public.recent_books RENAME TO recent
ALTER TYPE public.feeling RENAME TO mood
ALTER FUNCTION public.g(m mood) RENAME TO f
ALTER TABLE public.books RENAME COLUMN publication_year TO published_year
ALTER TABLE public.books RENAME CONSTRAINT title_given TO books_title_check
ALTER INDEX public.volumes_title RENAME TO books_title
ALTER TRIGGER volumes_touch ON public.books RENAME TO books_touch
ALTER POLICY stars_readers ON public.reviews RENAME TO readers
ALTER TABLE public.books ALTER COLUMN published_year TYPE integer USING published_year::integer$$,
	'between recorded snapshots: the renames back');
SELECT pg_temp.run('SELECT * FROM migrator.diff(pg_temp.recorded(), pg_temp.recorded(1))');
SELECT is(migrator.snapshot('{public}')->'public', (pg_temp.recorded(1)->'public') - 'identity',
		  'run, they make the schema what it was');
SELECT is((SELECT title FROM books WHERE published_year = 1965), 'Dune', 'the rows stay');
SELECT pg_temp.run('SELECT * FROM migrator.diff(pg_temp.recorded(1), pg_temp.recorded())');
SELECT is(migrator.snapshot('{public}')->'public', (pg_temp.recorded()->'public') - 'identity',
		  'and forth again');

-- 10-12: identity counts only between snapshots of the same database, and old ones have none
SELECT is(pg_temp.lines($$SELECT * FROM migrator.diff(
		jsonb_set(pg_temp.recorded(1), '{public,identity,database}', '["1", 1]'), pg_temp.recorded())$$)
		  ~ 'RENAME', false, 'another database''s snapshot: no rename by identity');
SELECT ok(EXISTS (SELECT FROM migrator.diff(jsonb_set(pg_temp.recorded(1), '{public,identity,database}', '["1", 1]'),
			  pg_temp.recorded()) WHERE statement = 'DROP TABLE public.books'),
		  '... but a drop and a create');
SELECT is(pg_temp.lines($$SELECT * FROM migrator.diff(pg_temp.recorded(1) #- '{public,identity}', pg_temp.recorded())$$),
		  pg_temp.lines($$SELECT * FROM migrator.diff(pg_temp.recorded(1) #- '{public,identity}', pg_temp.recorded() #- '{public,identity}')$$),
		  'a snapshot without identity (recorded before 0.3) diffs as before');

-- 13-16: generate() with hints
CREATE SCHEMA gen;
CREATE TABLE gen.books (id int CONSTRAINT books_pkey PRIMARY KEY, title text, published_year int);
CREATE INDEX books_year ON gen.books (published_year);
CREATE VIEW gen.titles AS SELECT id, title FROM gen.books;
INSERT INTO gen.books VALUES (1, 'Dune', 1965);
-- (18 names the NOT NULL of id books_id_not_null, and it is renamed along: that line is left out)
SELECT is(replace(replace(pg_temp.lines($$SELECT * FROM migrator.generate($d$
-- migrator:renamed books -> volumes
-- migrator:renamed books.published_year -> publication_year
  -- migrator:renamed index books_year -> "Volumes year"
-- migrator:renamed view titles -> volume_titles
CREATE TABLE volumes (id int CONSTRAINT books_pkey PRIMARY KEY, title text, publication_year bigint);
CREATE INDEX "Volumes year" ON volumes (publication_year);
CREATE VIEW volume_titles AS SELECT id, title FROM volumes;
$d$, 'gen')$$), 'volumes.', ''),	-- 16+ deparses a view of one table unqualified
	E'\nALTER TABLE gen.volumes RENAME CONSTRAINT books_id_not_null TO volumes_id_not_null', ''),
$$ALTER TABLE gen.books RENAME TO volumes
ALTER VIEW gen.titles RENAME TO volume_titles
ALTER TABLE gen.volumes RENAME COLUMN published_year TO publication_year
ALTER INDEX gen.books_year RENAME TO "Volumes year"
DROP VIEW gen.volume_titles
ALTER TABLE gen.volumes ALTER COLUMN publication_year TYPE bigint USING publication_year::bigint
CREATE VIEW gen.volume_titles AS  SELECT id,
    title
   FROM volumes$$,
	'generate: hinted renames are RENAMEs, a renamed column also retyped');
SELECT pg_temp.run($$SELECT * FROM migrator.generate($d$
-- migrator:renamed books -> volumes
-- migrator:renamed books.published_year -> publication_year
CREATE TABLE volumes (id int CONSTRAINT books_pkey PRIMARY KEY, title text, publication_year int);
CREATE INDEX books_year ON volumes (publication_year);
CREATE VIEW titles AS SELECT id, title FROM volumes;
$d$, 'gen')$$);
SELECT is((SELECT publication_year FROM gen.volumes), 1965, 'run, the data stays');
SELECT is(pg_temp.lines($$SELECT * FROM migrator.generate($d$
-- migrator:renamed books -> volumes
-- migrator:renamed books.published_year -> publication_year
CREATE TABLE volumes (id int CONSTRAINT books_pkey PRIMARY KEY, title text, publication_year int);
CREATE INDEX books_year ON volumes (publication_year);
CREATE VIEW titles AS SELECT id, title FROM volumes;
$d$, 'gen')$$), '', 'hints already applied are no error: the file may keep them');
CREATE SCHEMA gen2;
CREATE TYPE gen2.mood AS ENUM ('happy');
CREATE FUNCTION gen2.f(m gen2.mood) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION gen2.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TABLE gen2.volumes (id int PRIMARY KEY, title text);
CREATE TRIGGER t1 BEFORE UPDATE ON gen2.volumes FOR EACH ROW EXECUTE FUNCTION gen2.touch();
CREATE POLICY p ON gen2.volumes USING (id > 0);
SELECT is(pg_temp.lines($$SELECT * FROM migrator.generate($d$
-- migrator:renamed function f(m mood) -> g
-- migrator:renamed type mood -> feeling
-- migrator:renamed trigger volumes.t1 -> t2
-- migrator:renamed constraint volumes.volumes_pkey -> volumes_key
-- migrator:renamed policy volumes.p -> q
CREATE TYPE feeling AS ENUM ('happy');
CREATE FUNCTION g(m feeling) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TABLE volumes (id int CONSTRAINT volumes_key PRIMARY KEY, title text);
CREATE TRIGGER t2 BEFORE UPDATE ON volumes FOR EACH ROW EXECUTE FUNCTION touch();
CREATE POLICY q ON volumes USING (id > 0);
$d$, 'gen2')$$),
$$ALTER TYPE gen2.mood RENAME TO feeling
ALTER FUNCTION gen2.f(m feeling) RENAME TO g
ALTER TABLE gen2.volumes RENAME CONSTRAINT volumes_pkey TO volumes_key
ALTER TRIGGER t1 ON gen2.volumes RENAME TO t2
ALTER POLICY p ON gen2.volumes RENAME TO q$$,
	'generate: hinted renames of a type, function, constraint, trigger and policy');

SELECT pg_temp.run($$SELECT * FROM migrator.generate($d$
-- migrator:renamed function f(m mood) -> g
-- migrator:renamed type mood -> feeling
CREATE TYPE feeling AS ENUM ('happy');
CREATE FUNCTION g(m feeling) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TABLE volumes (id int PRIMARY KEY, title text);
CREATE TRIGGER t1 BEFORE UPDATE ON volumes FOR EACH ROW EXECUTE FUNCTION touch();
CREATE POLICY p ON volumes USING (id > 0);
$d$, 'gen2')$$);
SELECT is(pg_temp.lines($$SELECT * FROM migrator.generate($d$
-- migrator:renamed function f(m mood) -> g
-- migrator:renamed type mood -> feeling
CREATE TYPE feeling AS ENUM ('happy');
CREATE FUNCTION g(m feeling) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TABLE volumes (id int PRIMARY KEY, title text);
CREATE TRIGGER t1 BEFORE UPDATE ON volumes FOR EACH ROW EXECUTE FUNCTION touch();
CREATE POLICY p ON volumes USING (id > 0);
$d$, 'gen2')$$), '', 'a type and function hint already applied: nothing, and no error');

-- 17-18: without a hint, the drop+add pair says it may be a rename, and which hint makes it one
SELECT is((SELECT hazard FROM migrator.generate($d$
CREATE TABLE volumes (id int CONSTRAINT books_pkey PRIMARY KEY, title text, year int);
CREATE INDEX books_year ON volumes (year);
CREATE VIEW titles AS SELECT id, title FROM volumes;
$d$, 'gen') WHERE statement LIKE '%DROP COLUMN%'),
	'data-loss (or a rename of column volumes.publication_year to year? If so, say so: -- migrator:renamed volumes.publication_year -> year)',
	'a column dropped and one of its type added: may be a rename');
SELECT is((SELECT hazard FROM migrator.generate($d$
CREATE TABLE tomes (id int PRIMARY KEY, title text, publication_year int);
$d$, 'gen') WHERE statement LIKE 'DROP TABLE%'),
	'data-loss (or a rename of table volumes to tomes? If so, say so: -- migrator:renamed volumes -> tomes)',
	'a table dropped and one of its columns'' types created: may be a rename');

-- 19-22: hints that name nothing, malformed ones
SELECT throws_ok($$SELECT * FROM migrator.generate($d$
CREATE TABLE volumes (id int PRIMARY KEY, title text, publication_year int);

-- migrator:renamed volumes.nope -> title2
$d$, 'gen')$$, '42704', 'rename hint at line 4 of the desired schema names nothing to rename',
	'a hint naming no column: 42704, with its line');
SELECT throws_ok($$SELECT * FROM migrator.generate($d$
-- migrator:renamed nothing -> something
CREATE TABLE volumes (id int PRIMARY KEY, title text, publication_year int);
$d$, 'gen')$$, '42704', 'rename hint at line 2 of the desired schema names nothing to rename',
	'a hint naming no table: 42704');
SELECT throws_ok($$SELECT * FROM migrator.generate($d$
-- migrator:renamed volumes.title title2
$d$, 'gen')$$, '42601', 'malformed rename hint at line 2 of the desired schema: "->" was expected after the old name',
	'a malformed hint: 42601, with its line');
SELECT throws_ok($$SELECT * FROM migrator.generate($d$
-- migrator:renamed function f -> g
$d$, 'gen')$$, '42601', 'malformed rename hint at line 2 of the desired schema: a function is named with its argument types: f(integer, text)',
	'a function without its arguments: 42601');

-- 23-27: diff() between snapshots of unrelated schemas takes hints too; the old call form works
CREATE SCHEMA s_a;
CREATE SCHEMA s_b;
CREATE TABLE s_a.books (id int, published_year int);
CREATE TABLE s_b.volumes (id int, publication_year int);
CREATE FUNCTION pg_temp.snap(s text) RETURNS jsonb LANGUAGE sql AS $f$
	SELECT jsonb_build_object('x', migrator.snapshot(ARRAY[s])->s)
$f$;
SELECT is(pg_temp.lines($$SELECT * FROM migrator.diff(pg_temp.snap('s_a'), pg_temp.snap('s_b'),
		renames => '["books -> volumes", "column books.published_year -> publication_year"]')$$),
$$ALTER TABLE x.books RENAME TO volumes
ALTER TABLE x.volumes RENAME COLUMN published_year TO publication_year$$,
	'diff(a, b, renames): the hinted renames');
SELECT is(pg_temp.lines($$SELECT * FROM migrator.diff(pg_temp.snap('s_a'), pg_temp.snap('s_b'))$$),
$$DROP TABLE x.books
CREATE TABLE x.volumes (id integer, publication_year integer)$$,
	'diff(a, b) without renames: as before');
SELECT throws_ok($$SELECT * FROM migrator.diff(pg_temp.snap('s_a'), pg_temp.snap('s_b'), renames => '["books.nope -> x"]')$$,
	'42704', 'rename hint at element 1 of renames names nothing to rename', 'a hint naming nothing: 42704');
SELECT throws_ok($$SELECT * FROM migrator.diff(pg_temp.snap('s_a'), pg_temp.snap('s_b'), renames => '{"books": "volumes"}')$$,
	'22023', 'renames must be a JSON array of texts', 'renames not an array: 22023');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE proname = 'diff' AND pronamespace = 'migrator'::regnamespace),
		  3, 'diff() has its three forms (the one of snapshots takes renames)');

-- 28-29: a run keeps the drift it did not make, renames included, in the snapshot it records
SET migrator.lint = off;
SET client_min_messages = error;
SELECT migrator.accept_drift();
ALTER TABLE s_a.books RENAME TO tomes;
SELECT is((SELECT count(*)::int FROM migrator.apply('{"1_a.sql": "CREATE TABLE run_made (x int);"}'::jsonb)), 1,
		  'a run after a rename by hand');
SELECT is(pg_temp.lines('SELECT * FROM migrator.diff()'), 'ALTER TABLE s_a.books RENAME TO tomes',
		  'after it, diff() still shows the rename, as a rename');

SELECT * FROM finish();
ROLLBACK;
