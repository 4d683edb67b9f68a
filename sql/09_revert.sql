-- Revert: down scripts (golang-migrate .down.sql, diesel down.sql, dbmate
-- "-- migrate:down", Flyway U files), newest first, removing journal rows.
\set QUIET on
CALL regress.forget();
CALL regress.reset('rv');
CALL regress.write('rv', '1_a.up.sql', 'CREATE TABLE rv_a (id int);');
CALL regress.write('rv', '1_a.down.sql', 'DROP TABLE rv_a;');
CALL regress.write('rv', '2_b.up.sql', 'CREATE TABLE rv_b (id int);');
CALL regress.write('rv', '2_b.down.sql', 'DROP TABLE rv_b;');
CALL regress.write('rv', '3_c.up.sql', 'ALTER TABLE rv_b ADD COLUMN c int;');
CALL regress.write('rv', '3_c.down.sql', 'ALTER TABLE rv_b DROP COLUMN c;');
SELECT version, action FROM migrator.apply(regress.dir('rv'));
SELECT version, name, action FROM migrator.revert(regress.dir('rv'));
SELECT count(*) AS c_columns FROM pg_attribute WHERE attrelid = 'rv_b'::regclass AND attname = 'c';
SELECT version, state FROM migrator.status(regress.dir('rv'));
SELECT * FROM migrator.revert(regress.dir('rv'), 5);
CALL migrator.revert_to(regress.dir('rv'), '1');
SELECT to_regclass('rv_b') AS rv_b, to_regclass('rv_a') AS rv_a;
SELECT version FROM migrator.journal;
SELECT action, version, outcome FROM migrator.events WHERE action = 'revert' ORDER BY id;
-- a missing down script is reported before anything runs
CALL regress.remove('rv', '1_a.down.sql');
SELECT * FROM migrator.revert(regress.dir('rv'));
SELECT to_regclass('rv_a') AS still_there;

-- dbmate sections and diesel folders
CALL regress.forget();
CALL regress.reset('rvd');
CALL regress.write('rvd', '20240101000000_a.sql', E'-- migrate:up\nCREATE TABLE rvd_a (id int);\n\n-- migrate:down\nDROP TABLE rvd_a;\n');
SELECT version, action FROM migrator.apply(regress.dir('rvd'));
SELECT version, action FROM migrator.revert(regress.dir('rvd'));
SELECT to_regclass('rvd_a') AS gone;
CALL regress.forget();
CALL regress.reset('rvs');
CALL regress.write('rvs', '2024-01-01-000000_a/up.sql', 'CREATE TABLE rvs_a (id int);');
CALL regress.write('rvs', '2024-01-01-000000_a/down.sql', E'-- a concurrent drop must run outside a transaction\nDROP TABLE rvs_a;');
CALL regress.write('rvs', '2024-01-02-000000_b/up.sql', 'CREATE INDEX rvs_a_id ON rvs_a (id);');
CALL regress.write('rvs', '2024-01-02-000000_b/down.sql', 'DROP INDEX CONCURRENTLY rvs_a_id;');
SELECT version, action FROM migrator.apply(regress.dir('rvs'));
SELECT * FROM migrator.revert(regress.dir('rvs'));
CALL migrator.revert_to(regress.dir('rvs'), '20240101000000');
SELECT to_regclass('rvs_a_id') AS index_gone, to_regclass('rvs_a') AS table_kept;
CALL migrator.revert_to(regress.dir('rvs'), '19990101000000');
-- '0', not a version of the folder, is the empty database
CALL migrator.revert_to(regress.dir('rvs'), '0');
SELECT to_regclass('rvs_a') AS table_gone, count(*) AS journal_rows FROM migrator.journal;
CALL regress.forget();
