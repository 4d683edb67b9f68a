-- What a run does: re-apply is a no-op, dry run, target, all-or-nothing
-- apply, per-migration commits in migrate, repeatables, status and verify.
\set QUIET on
CALL regress.forget();
CALL regress.reset('books');
CALL regress.write('books', 'V1__authors.sql', 'CREATE TABLE authors (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);');
CALL regress.write('books', 'V2__books.sql', '-- books belong to authors
CREATE TABLE books (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title text NOT NULL,
    author_id bigint NOT NULL REFERENCES authors
);
CREATE INDEX books_author_id_idx ON books (author_id);');
CALL regress.write('books', 'V3__country.sql', 'ALTER TABLE authors ADD COLUMN country text;');

-- dry run: nothing executed, nothing recorded
SELECT version, name, action, duration_ms FROM migrator.apply(regress.dir('books'), dry_run => true);
SELECT to_regclass('authors') AS authors, count(*) AS journal_rows FROM migrator.journal;

-- target: stop after version 2
SELECT version, name, action, duration_ms >= 0 AS timed FROM migrator.apply(regress.dir('books'), target => '2');
SELECT version, name, state, applied_at IS NOT NULL AS has_applied_at FROM migrator.status(regress.dir('books'));

-- the rest, then again: nothing pending means no rows and no change
SELECT version, name, action FROM migrator.apply(regress.dir('books'));
SELECT version, name, action FROM migrator.apply(regress.dir('books'));
SELECT version, path, checksum = encode(sha256(pg_read_binary_file(regress.dir('books') || '/' || path)), 'hex') AS checksum_ok,
       applied_by, duration >= interval '0' AS timed, statements
FROM migrator.journal ORDER BY id;
SELECT migrator.verify(regress.dir('books'));

-- status and verify see a modified file, a missing file, and a pending one
-- sorting before applied ones; apply refuses to run then
CALL regress.write('books', 'V2__books.sql', 'CREATE TABLE books (id int);');
CALL regress.remove('books', 'V3__country.sql');
CALL regress.write('books', 'V1_5__late.sql', 'CREATE TABLE late (id int);');
SELECT version, name, state FROM migrator.status(regress.dir('books'));
SELECT migrator.verify(regress.dir('books'));
SELECT * FROM migrator.apply(regress.dir('books'));
SELECT to_regclass('late') AS late_not_created;

-- apply is all or nothing: migration 5 fails, 4 is rolled back with it
CALL regress.forget();
CALL regress.reset('atomic');
CALL regress.write('atomic', '4_ok.sql', 'CREATE TABLE atomic_ok (id int);');
CALL regress.write('atomic', '5_fails.sql', 'CREATE TABLE atomic_ok (id int);');
SELECT * FROM migrator.apply(regress.dir('atomic'));
SELECT to_regclass('atomic_ok') AS atomic_ok, count(*) AS journal_rows FROM migrator.journal;

-- migrate commits after each migration: 4 stays applied, the failure of 5
-- is logged in migrator.events and survives
TRUNCATE migrator.events;
CALL migrator.migrate(regress.dir('atomic'));
SELECT to_regclass('atomic_ok') AS atomic_ok;
SELECT version, name, state FROM migrator.status(regress.dir('atomic'));
SELECT action, version, path, outcome, sqlstate, message, detail FROM migrator.events ORDER BY id;

-- migrate commits: it cannot run inside a transaction block
BEGIN;
CALL migrator.migrate(regress.dir('atomic'));
ROLLBACK;

-- settings a migration changes end with it
CALL regress.forget();
CALL regress.reset('settings');
CALL regress.write('settings', '1_set.sql', 'SET search_path = nowhere; SET work_mem = ''77kB''; CREATE TABLE public.settings_t (id int);');
SELECT version, action FROM migrator.apply(regress.dir('settings'));
SELECT current_setting('search_path') AS search_path, current_setting('work_mem') AS work_mem;

-- repeatable migrations run again when their checksum changes
CALL regress.forget();
CALL regress.reset('repeat');
CALL regress.write('repeat', 'V1__t.sql', 'CREATE TABLE rep_t (id int);');
CALL regress.write('repeat', 'R__v.sql', 'CREATE OR REPLACE VIEW rep_v AS SELECT id FROM rep_t;');
SELECT version, name, action FROM migrator.apply(regress.dir('repeat'));
SELECT version, name, action FROM migrator.apply(regress.dir('repeat'));
CALL regress.write('repeat', 'R__v.sql', 'CREATE OR REPLACE VIEW rep_v AS SELECT id, id + 1 AS next FROM rep_t;');
SELECT version, name, state FROM migrator.status(regress.dir('repeat'));
SELECT version, name, action FROM migrator.apply(regress.dir('repeat'));
SELECT name, kind, path FROM migrator.journal WHERE kind = 'repeatable';
SELECT attname FROM pg_attribute WHERE attrelid = 'rep_v'::regclass AND attnum > 0 ORDER BY attnum;

-- a target names a version of the folder, compared as the layout compares
SELECT version, action FROM migrator.apply(regress.dir('repeat'), target => '1.0');
SELECT * FROM migrator.apply(regress.dir('repeat'), target => '7');
