-- Taking over a database another tool migrated: baseline() and adopt().
-- Afterwards apply runs exactly what the old tool had not, and verify passes.
\set QUIET on
CALL regress.forget();

-- baseline: record up to a version without running anything
CALL regress.reset('base');
CALL regress.write('base', 'V1__a.sql', 'CREATE TABLE base_a (id int);');
CALL regress.write('base', 'V2__b.sql', 'CREATE TABLE base_b (id int);');
CALL regress.write('base', 'V3__c.sql', 'CREATE TABLE base_c (id int);');
SELECT version, name, action FROM migrator.baseline(regress.dir('base'), '2');
SELECT to_regclass('base_a') AS not_run;
SELECT version, action FROM migrator.apply(regress.dir('base'));
SELECT version, origin, statements FROM migrator.journal ORDER BY id;
SELECT migrator.verify(regress.dir('base'));
SELECT * FROM migrator.baseline(regress.dir('base'), '9');
DROP TABLE base_c;

-- Prisma: finished, not rolled back; checksums compared
CALL regress.forget();
CALL regress.reset('pr');
CALL regress.write('pr', '20240101000000_init/migration.sql', 'CREATE TABLE pr_a (id int);');
CALL regress.write('pr', '20240102000000_next/migration.sql', 'CREATE TABLE pr_b (id int);');
CALL regress.write('pr', '20240103000000_last/migration.sql', 'CREATE TABLE pr_c (id int);');
CREATE TABLE _prisma_migrations (id text PRIMARY KEY, checksum text NOT NULL, finished_at timestamptz,
	migration_name text NOT NULL, logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(),
	applied_steps_count int NOT NULL DEFAULT 0);
CREATE TABLE pr_a (id int);
INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at)
SELECT g::text, encode(sha256(pg_read_binary_file(regress.dir('pr') || '/' || n || '/migration.sql')), 'hex'), f, n, rb
FROM (VALUES (1, '20240101000000_init', now(), NULL::timestamptz),
             (2, '20240102000000_next', NULL, NULL),
             (3, '20240102000000_next', now(), now())) v(g, n, f, rb);
SELECT version, action FROM migrator.adopt(regress.dir('pr'));
SELECT version, action FROM migrator.apply(regress.dir('pr'));
SELECT version, origin FROM migrator.journal ORDER BY id;
SELECT migrator.verify(regress.dir('pr'));
-- a checksum that differs is refused, and nothing is adopted
CALL regress.forget();
UPDATE _prisma_migrations SET checksum = repeat('0', 64) WHERE migration_name = '20240101000000_init';
SELECT * FROM migrator.adopt(regress.dir('pr'));
SELECT count(*) AS journal_rows FROM migrator.journal;
DROP TABLE _prisma_migrations, pr_a, pr_b, pr_c;

-- Flyway: successful rows, its own baseline included
CALL regress.reset('fw');
CALL regress.write('fw', 'V1__a.sql', 'CREATE TABLE fw_a (id int);');
CALL regress.write('fw', 'V1_1__b.sql', 'CREATE TABLE fw_b (id int);');
CALL regress.write('fw', 'V2__c.sql', 'CREATE TABLE fw_c (id int);');
CALL regress.write('fw', 'V3__d.sql', 'CREATE TABLE fw_d (id int);');
CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200),
	type varchar(20), script varchar(1000), checksum int, success boolean NOT NULL);
INSERT INTO flyway_schema_history VALUES
	(1, '1.1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, true),
	(2, '2', 'c', 'SQL', 'V2__c.sql', 12345, true),
	(3, '3', 'd', 'SQL', 'V3__d.sql', 12345, false);
SELECT version, action FROM migrator.adopt(regress.dir('fw'));
SELECT version, action FROM migrator.apply(regress.dir('fw'));
DROP TABLE flyway_schema_history, fw_d;

-- golang-migrate: one row; a dirty database is refused
CALL regress.forget();
CALL regress.reset('gm');
CALL regress.write('gm', '1_a.up.sql', 'CREATE TABLE gm_a (id int);');
CALL regress.write('gm', '2_b.up.sql', 'CREATE TABLE gm_b (id int);');
CALL regress.write('gm', '3_c.up.sql', 'CREATE TABLE gm_c (id int);');
CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (2, true);
SELECT * FROM migrator.adopt(regress.dir('gm'));
UPDATE schema_migrations SET dirty = false;
SELECT version, action FROM migrator.adopt(regress.dir('gm'));
SELECT version, action FROM migrator.apply(regress.dir('gm'));
DROP TABLE schema_migrations, gm_c;

-- dbmate: the versions it applied
CALL regress.forget();
CALL regress.reset('dbm');
CALL regress.write('dbm', '20240101000000_a.sql', E'-- migrate:up\nCREATE TABLE dbm_a (id int);\n-- migrate:down\nDROP TABLE dbm_a;');
CALL regress.write('dbm', '20240102000000_b.sql', E'-- migrate:up\nCREATE TABLE dbm_b (id int);\n-- migrate:down\nDROP TABLE dbm_b;');
CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
INSERT INTO schema_migrations VALUES ('20240101000000');
SELECT version, action FROM migrator.adopt(regress.dir('dbm'));
SELECT version, action FROM migrator.apply(regress.dir('dbm'));
DROP TABLE schema_migrations, dbm_b;

-- drizzle-kit: rows carry the SHA-256 of each file
CALL regress.forget();
CALL regress.reset('dz');
CALL regress.write('dz', 'meta/_journal.json', '{"entries":[{"idx":0,"tag":"0000_a","when":1},{"idx":1,"tag":"0001_b","when":2}]}');
CALL regress.write('dz', '0000_a.sql', 'CREATE TABLE dz_a (id int);');
CALL regress.write('dz', '0001_b.sql', 'CREATE TABLE dz_b (id int);');
CREATE SCHEMA drizzle;
CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
VALUES (encode(sha256(pg_read_binary_file(regress.dir('dz') || '/0000_a.sql')), 'hex'), 1);
SELECT version, action FROM migrator.adopt(regress.dir('dz'));
SELECT version, action FROM migrator.apply(regress.dir('dz'));
DROP SCHEMA drizzle CASCADE;
DROP TABLE dz_b;

-- drizzle-kit: a row stands for one file (its journal "when"), also when
-- two files are alike (generate --custom writes the same template)
CALL regress.forget();
CALL regress.reset('dzc');
CALL regress.write('dzc', 'meta/_journal.json', '{"entries":[{"idx":0,"tag":"0000_a","when":10},{"idx":1,"tag":"0001_custom","when":20},{"idx":2,"tag":"0002_custom","when":30}]}');
CALL regress.write('dzc', '0000_a.sql', 'CREATE TABLE dzc_a (id int);');
CALL regress.write('dzc', '0001_custom.sql', '-- Custom SQL migration file, put your code below! --');
CALL regress.write('dzc', '0002_custom.sql', '-- Custom SQL migration file, put your code below! --');
CREATE SCHEMA drizzle;
CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
VALUES (encode(sha256(pg_read_binary_file(regress.dir('dzc') || '/0000_a.sql')), 'hex'), 10),
	   (encode(sha256(pg_read_binary_file(regress.dir('dzc') || '/0001_custom.sql')), 'hex'), 20);
SELECT version, action FROM migrator.adopt(regress.dir('dzc'));
SELECT version, state FROM migrator.status(regress.dir('dzc'));
DROP SCHEMA drizzle CASCADE;

-- no history at all
CALL regress.forget();
SELECT * FROM migrator.adopt(regress.dir('dz'));
CALL regress.forget();
