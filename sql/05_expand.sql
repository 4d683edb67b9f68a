-- Zero-downtime changes: expand, writes through both shapes, backfill,
-- contract and abort, and the errors.
\set QUIET on
CREATE SCHEMA lib;
SET search_path = lib;
CREATE TABLE authors (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	title text NOT NULL,
	author_id bigint NOT NULL REFERENCES authors,
	published_year int,
	created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO authors (name) VALUES ('Ursula K. Le Guin'), ('Italo Calvino');
INSERT INTO books (title, author_id, published_year)
SELECT 'book ' || g, 1 + g % 2, 1950 + g % 50 FROM generate_series(1, 25) g;
ANALYZE books;

-- the rename, and a type change with a fill expression, in one change
SELECT migrator.expand('rename_year', '[
  {"rename_column": {"table": "books", "from": "published_year", "to": "publication_year"}},
  {"alter_column": {"table": "books", "column": "title", "type": "varchar(100)",
                    "up": "left(title, 100)", "down": "title::text"}}]');
SELECT name, state, version_schema, rows_done, rows_total FROM migrator.changes;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'lib_rename_year.books'::regclass AND attnum > 0 ORDER BY attnum;

-- the old application writes the table; the new one its view
INSERT INTO books (title, author_id, published_year) VALUES ('The Dispossessed', 1, 1974);
SET search_path = lib_rename_year, lib;
INSERT INTO books (title, author_id, publication_year) VALUES ('Invisible Cities', 2, 1972);
UPDATE books SET publication_year = 1973 WHERE title = 'book 1';
SET search_path = lib;
SELECT title, published_year, _migrator_new_title, _migrator_needs_backfill
FROM books WHERE title IN ('The Dispossessed', 'Invisible Cities', 'book 1', 'book 2') ORDER BY title;

-- backfill in batches; progress is kept
SELECT migrator.backfill('rename_year', 10, 1) AS filled;
SELECT state, rows_done FROM migrator.changes WHERE name = 'rename_year';
SELECT migrator.backfill('rename_year', 10) AS filled;
SELECT migrator.backfill('rename_year', 10) AS filled_when_done;
SELECT state, rows_done FROM migrator.changes WHERE name = 'rename_year';
SELECT count(*) FILTER (WHERE _migrator_new_title IS DISTINCT FROM title) AS stale FROM books;

-- contract: only the new shape remains, nothing lost
SELECT migrator.contract('rename_year');
SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
WHERE attrelid = 'books'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT count(*) AS books, count(publication_year) AS with_year FROM books;
SELECT title, publication_year FROM books WHERE title IN ('The Dispossessed', 'Invisible Cities', 'book 1') ORDER BY title;
SELECT to_regnamespace('lib_rename_year') AS version_schema, state FROM migrator.changes WHERE name = 'rename_year';
SELECT tgname FROM pg_trigger WHERE tgrelid = 'books'::regclass AND NOT tgisinternal;

-- NOT NULL with a fill, a check and a new column with a foreign key; then abort
CREATE TEMP TABLE before_abort AS
SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull FROM pg_attribute
WHERE attrelid = 'books'::regclass AND attnum > 0 AND NOT attisdropped;
UPDATE books SET publication_year = NULL WHERE title = 'book 3';
SELECT migrator.expand('tighten', '[
  {"alter_column": {"table": "books", "column": "publication_year", "nullable": false,
                    "check": "publication_year > 1800", "up": "coalesce(publication_year, 1900)"}},
  {"add_column": {"table": "books", "column": {"name": "translator_id", "type": "bigint",
                  "references": "authors(id)"}}}]');
SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'books'::regclass AND contype IN ('c', 'f') ORDER BY conname;
SET search_path = lib_tighten, lib;
\set VERBOSITY terse
INSERT INTO books (title, author_id, publication_year) VALUES ('too old', 1, 1500);
\set VERBOSITY default
INSERT INTO books (title, author_id, publication_year, translator_id) VALUES ('translated', 2, 1980, 1);
SET search_path = lib;
UPDATE books SET publication_year = 2001 WHERE title = 'book 4';
SELECT migrator.abort('tighten');
SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull FROM pg_attribute
WHERE attrelid = 'books'::regclass AND attnum > 0 AND NOT attisdropped
EXCEPT SELECT * FROM before_abort;
SELECT title, publication_year FROM books WHERE title IN ('translated', 'book 3', 'book 4') ORDER BY title;
SELECT state FROM migrator.changes WHERE name = 'tighten';

-- drop a column: the new shape does without it, down fills it
SELECT migrator.expand('drop_created', '{"drop_column": {"table": "books", "column": "created_at", "down": "now()"}}');
SELECT state FROM migrator.changes WHERE name = 'drop_created';
SET search_path = lib_drop_created, lib;
INSERT INTO books (title, author_id, publication_year) VALUES ('no timestamp', 1, 2020);
SET search_path = lib;
SELECT created_at IS NOT NULL AS filled_by_down FROM books WHERE title = 'no timestamp';
SELECT migrator.contract('drop_created');
SELECT count(*) AS created_at_columns FROM pg_attribute WHERE attrelid = 'books'::regclass AND attname = 'created_at';

-- errors: nothing is half-applied
SELECT migrator.expand('e1', '{"rename_column": {"table": "nope", "from": "a", "to": "b"}}');
SELECT migrator.expand('e2', '{"rename_column": {"table": "books", "from": "nope", "to": "b"}}');
SELECT migrator.expand('e3', '{"alter_column": {"table": "books", "column": "title", "type": "int", "up": "title +* 1"}}');
SELECT migrator.expand('e4', '{"alter_column": {"table": "books", "column": "title", "type": "int", "up": "missing_col"}}');
SELECT migrator.expand('e5', '{"alter_column": {"table": "books", "column": "title", "type": "int", "up": "title"}}');
SELECT migrator.expand('e6', '{"alter_column": {"table": "books", "column": "title", "type": "int", "up": "1) FROM pg_authid --"}}');
SELECT migrator.expand('e7', '[{"rename_column": {"table": "books", "from": "title", "to": "name"}}, {"drop_column": {"table": "books", "column": "name"}}]');
SELECT migrator.expand('e8', '[{"bogus": {}}]');
SELECT migrator.expand('e9', '[{"rename_column": {"table": "books"}, "extra": 1}]');
SELECT migrator.expand('e10', '{"create_index": {"table": "books", "name": "i", "columns": ["nope"]}}');
SELECT migrator.expand('e11', '{"rename_column": {"table": "books; DROP TABLE books", "from": "a", "to": "b"}}');
SELECT migrator.expand('e12', '{"alter_column": {"table": "books", "column": "author_id", "type": "int"}}');
SELECT migrator.expand('e13', '{"rename_column": {"table": "books", "from": "title", "to": "_migrator_x"}}');
SELECT migrator.expand('e14', '{"alter_column": {"table": "books", "column": "title", "type": "no_such_type"}}');
SELECT migrator.expand('e15', '{"alter_column": {"table": "books", "column": "title", "type": "int", "up": "(SELECT 1)"}}');
SELECT migrator.expand('rename_year', '{"rename_column": {"table": "books", "from": "title", "to": "name"}}');
SELECT migrator.expand('e16', 'not json');
SELECT count(*) AS changes, count(*) FILTER (WHERE name LIKE 'e%') AS failed_ones FROM migrator.changes;
SELECT count(*) AS leftover_columns FROM pg_attribute WHERE attrelid = 'books'::regclass AND attname LIKE '\_migrator%' AND NOT attisdropped;
SELECT nspname FROM pg_namespace WHERE nspname LIKE 'lib\_e%';

-- state errors
SELECT migrator.contract('nope');
SELECT migrator.contract('rename_year');
SELECT migrator.expand('busy', '{"alter_column": {"table": "books", "column": "title", "type": "text"}}');
SELECT migrator.expand('busy2', '{"rename_column": {"table": "books", "from": "title", "to": "name"}}');
SELECT migrator.contract('busy');
SELECT migrator.abort('busy');
SELECT migrator.abort('busy');
BEGIN;
CALL migrator.run_backfill('busy');
ROLLBACK;

-- names that need quoting
CREATE TABLE "Order Items" (id int PRIMARY KEY, "Unit Price" numeric(10,2));
INSERT INTO "Order Items" VALUES (1, 9.99), (2, 20);
SELECT migrator.expand('money', '{"alter_column": {"table": "Order Items", "column": "Unit Price", "type": "bigint", "up": "round(\"Unit Price\" * 100)", "down": "\"Unit Price\" / 100.0"}}');
SELECT migrator.backfill('money');
SELECT migrator.contract('money');
SELECT * FROM "Order Items" ORDER BY id;

-- a table without any key is walked by ctid
CREATE TABLE nokey (a int, b text);
INSERT INTO nokey SELECT g, g::text FROM generate_series(1, 1000) g;
SELECT migrator.expand('nokey', '{"alter_column": {"table": "nokey", "column": "b", "type": "int", "up": "nullif(trim(b), '''')::int", "down": "b::text"}}');
SELECT migrator.backfill('nokey', 100, 3) > 0 AS some, migrator.backfill('nokey') > 0 AS rest, migrator.backfill('nokey') AS none;
SELECT migrator.contract('nokey');
SELECT count(*), sum(b) FROM nokey;

-- table-level operations: created tables, renamed tables, constraints, raw sql
CREATE TABLE shelves (id bigint PRIMARY KEY, label text, capacity int);
INSERT INTO shelves VALUES (1, 'A', 10), (2, 'B', -1);
SELECT migrator.expand('reshelve', '[
  {"create_table": {"table": "loans", "columns": [
     {"name": "id", "type": "bigint", "primary_key": true},
     {"name": "shelf_id", "type": "bigint", "nullable": false, "references": "shelves(id)"},
     {"name": "days", "type": "int", "check": "days between 1 and 60", "default": "14"}]}},
  {"rename_table": {"from": "shelves", "to": "racks"}},
  {"rename_column": {"table": "shelves", "from": "label", "to": "name"}},
  {"add_constraint": {"table": "shelves", "name": "capacity_positive", "check": "capacity > 0"}},
  {"sql": {"up": "CREATE FUNCTION lib.loan_days() RETURNS int LANGUAGE sql AS $$ SELECT 14 $$", "down": "DROP FUNCTION lib.loan_days()"}}]');
SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = 'lib_reshelve'::regnamespace ORDER BY 1;
SET search_path = lib_reshelve, lib;
SELECT id, name, capacity FROM racks ORDER BY id;
INSERT INTO loans (id, shelf_id) VALUES (1, 1) RETURNING days, loan_days();
SET search_path = lib;
SELECT migrator.contract('reshelve');
UPDATE shelves SET capacity = 1 WHERE id = 2;
SELECT migrator.contract('reshelve');
SELECT relname FROM pg_class WHERE relname IN ('shelves', 'racks', 'loans') AND relnamespace = 'lib'::regnamespace ORDER BY 1;
SELECT attname FROM pg_attribute WHERE attrelid = 'racks'::regclass AND attnum > 0 ORDER BY attnum;
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'racks'::regclass AND contype = 'c';

-- abort undoes them all, newest first
SELECT migrator.expand('undo_me', '[
  {"create_table": {"table": "fines", "columns": [{"name": "id", "type": "bigint", "primary_key": true}]}},
  {"add_constraint": {"table": "racks", "name": "name_not_empty", "check": "name <> ''''"}},
  {"sql": {"up": "COMMENT ON TABLE lib.racks IS ''racks''", "down": "COMMENT ON TABLE lib.racks IS NULL"}}]');
SELECT migrator.abort('undo_me');
SELECT to_regclass('lib.fines') AS fines, obj_description('lib.racks'::regclass) AS comment,
       (SELECT count(*) FROM pg_constraint WHERE conname = 'name_not_empty') AS constraints;
-- an sql operation without down cannot be aborted; the change stays open
SELECT migrator.expand('one_way', '{"sql": {"up": "COMMENT ON TABLE lib.racks IS ''one way''"}}');
SELECT migrator.abort('one_way');
SELECT state FROM migrator.changes WHERE name = 'one_way';
SELECT migrator.expand('drop_loans', '{"drop_table": {"table": "loans"}}');
SELECT migrator.contract('drop_loans');
SELECT to_regclass('lib.loans') AS loans;

-- indexes are built concurrently by run_backfill (a procedure: outside any
-- transaction, in a background worker); unique columns become constraints
SELECT migrator.expand('idx', '[
  {"create_index": {"table": "racks", "name": "racks_name", "columns": ["name"], "where": "capacity > 0"}},
  {"add_column": {"table": "racks", "column": {"name": "code", "type": "text", "unique": true}, "up": "''R'' || id"}}]');
SELECT migrator.backfill('idx');
SELECT state FROM migrator.changes WHERE name = 'idx';
CALL migrator.run_backfill('idx');
SELECT state FROM migrator.changes WHERE name = 'idx';
SELECT indexrelid::regclass AS index, indisvalid, indisunique FROM pg_index
WHERE indrelid = 'racks'::regclass ORDER BY indexrelid::regclass::text;
SELECT migrator.contract('idx');
SELECT conname, contype FROM pg_constraint WHERE conrelid = 'racks'::regclass AND contype = 'u';
SELECT id, code FROM racks ORDER BY id;
-- a build that fails leaves no invalid index behind, and says why
SELECT migrator.expand('dup', '{"create_index": {"table": "racks", "name": "racks_capacity_key", "columns": ["capacity"], "unique": true}}');
UPDATE racks SET capacity = 1;
CALL migrator.run_backfill('dup');
SELECT count(*) AS invalid_indexes FROM pg_index WHERE indrelid = 'racks'::regclass AND NOT indisvalid;
SELECT migrator.abort('dup');

-- a new column computed from others: a write through the new shape to a row the
-- backfill has not reached fills it from the row as written, unless it writes it
CREATE TABLE people (id int PRIMARY KEY, first text, last text);
INSERT INTO people SELECT g, 'f' || g, 'l' || g FROM generate_series(1, 5) g;
SELECT migrator.expand('full_name', '{"add_column": {"table": "people", "column": {"name": "full_name", "type": "text"}, "up": "first || '' '' || last"}}');
SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'people'::regclass AND NOT tgisinternal;
SET search_path = lib_full_name, lib;
UPDATE people SET first = 'Ann' WHERE id = 1;
UPDATE people SET full_name = 'Written' WHERE id = 2;
UPDATE people SET full_name = NULL WHERE id = 3;
SET search_path = lib;
UPDATE people SET last = 'Old' WHERE id = 4;
SELECT migrator.backfill('full_name');
SELECT id, first, last, _migrator_new_full_name FROM people ORDER BY id;
SELECT migrator.abort('full_name');

-- a unique constraint over existing columns: its index is built concurrently
SELECT migrator.expand('unique_title', '{"add_constraint": {"table": "people", "name": "people_first_last_key", "unique": ["first", "last"]}}');
CALL migrator.run_backfill('unique_title');
SELECT migrator.contract('unique_title');
SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'people'::regclass AND contype = 'u';

-- scheduling from a database without pg_cron: the job goes to pg_cron's database
-- (cron.database_name); a schedule that does not fire during the test
SELECT migrator.expand('later', '{"alter_column": {"table": "people", "column": "last", "type": "varchar(50)"}}');
SELECT migrator.schedule_backfill('later', '0 0 1 1 *') > 0 AS scheduled;
SELECT cron_scheduled FROM migrator.change_status WHERE name = 'later';
SELECT migrator.abort('later');
-- the job's next run finds the change aborted and unschedules itself
CALL migrator.backfill_slice('later', 1000, 50);
SELECT cron_scheduled FROM migrator.change_status WHERE name = 'later';
