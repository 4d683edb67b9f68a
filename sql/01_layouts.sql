-- Each layout a folder can have, and the order its tool applies it in.
\set QUIET on
-- lint findings (sql/11_lint.sql tests them) are noise here
SET migrator.lint = off;
SET client_min_messages = notice;

-- Flyway: versions compare part by part as numbers; R__ after all
-- versioned ones; U (undo) never runs forward.
CALL regress.reset('flyway');
CALL regress.write('flyway', 'V1_10__ten.sql', 'CREATE TABLE fw_ten (id int);');
CALL regress.write('flyway', 'V1_9__nine.sql', 'CREATE TABLE fw_nine (id int);');
CALL regress.write('flyway', 'V2__two.sql', 'CREATE TABLE fw_two (id int);');
CALL regress.write('flyway', 'V1.1__one_one.sql', 'CREATE TABLE fw_one_one (id int);');
CALL regress.write('flyway', 'U2__two.sql', 'DROP TABLE fw_two;');
CALL regress.write('flyway', 'R__view.sql', 'CREATE OR REPLACE VIEW fw_view AS SELECT id FROM fw_two;');
CALL regress.write('flyway', 'README.md', 'not a migration');
SELECT version, name, action FROM migrator.apply(regress.dir('flyway'));
SELECT version, name, kind, path, statements FROM migrator.journal ORDER BY id;
SELECT to_regclass('fw_view') IS NOT NULL AS view_exists;

-- numbered (drizzle-kit without its journal, plain): numeric order
CALL regress.forget();
CALL regress.reset('numbered');
CALL regress.write('numbered', '10_ten.sql', 'CREATE TABLE nb_ten (id int);');
CALL regress.write('numbered', '9_nine.sql', 'CREATE TABLE nb_nine (id int);');
CALL regress.write('numbered', '0001_one.sql', 'CREATE TABLE nb_one (id int);');
SELECT version, name, action FROM migrator.apply(regress.dir('numbered'));

-- drizzle-kit: meta/_journal.json decides order and membership;
-- statements are separated by "--> statement-breakpoint"
CALL regress.forget();
CALL regress.reset('drizzle');
CALL regress.write('drizzle', 'meta/_journal.json', '{"version":"7","dialect":"postgresql","entries":[
 {"idx":0,"version":"7","when":1700000000000,"tag":"0000_first","breakpoints":true},
 {"idx":1,"version":"7","when":1700000000001,"tag":"0001_second","breakpoints":true}]}');
CALL regress.write('drizzle', '0000_first.sql', 'CREATE TABLE "dz_users" ("id" serial PRIMARY KEY);--> statement-breakpoint
CREATE FUNCTION dz_f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;--> statement-breakpoint
CREATE TABLE "dz_posts" ("id" serial PRIMARY KEY, "user_id" integer REFERENCES "dz_users");');
CALL regress.write('drizzle', '0001_second.sql', 'ALTER TABLE "dz_users" ADD COLUMN "email" text;');
CALL regress.write('drizzle', '0001_abandoned.sql', 'THIS WOULD FAIL;');
SELECT version, name, action FROM migrator.apply(regress.dir('drizzle'));
SELECT version, name, statements FROM migrator.journal ORDER BY id;

-- golang-migrate: .up.sql runs, .down.sql does not
CALL regress.forget();
CALL regress.reset('golang');
CALL regress.write('golang', '1_init.up.sql', 'BEGIN; CREATE TABLE gm_a (id int); COMMIT;');
CALL regress.write('golang', '1_init.down.sql', 'DROP TABLE gm_a;');
CALL regress.write('golang', '20_more.up.sql', 'ALTER TABLE gm_a ADD COLUMN b int;');
CALL regress.write('golang', '20_more.down.sql', 'ALTER TABLE gm_a DROP COLUMN b;');
CALL regress.write('golang', 'atlas.sum', 'h1:xyz');
SELECT version, name, action FROM migrator.apply(regress.dir('golang'));
SELECT version, name, statements FROM migrator.journal ORDER BY id;

-- dbmate: only the "-- migrate:up" section runs
CALL regress.forget();
CALL regress.reset('dbmate');
CALL regress.write('dbmate', '20240101000000_users.sql', '-- migrate:up
CREATE TABLE dbm_users (id int);

-- migrate:down
DROP TABLE dbm_users;
');
SELECT version, name, action FROM migrator.apply(regress.dir('dbmate'));
SELECT to_regclass('dbm_users') IS NOT NULL AS up_ran;

-- Prisma: one folder per migration, ordered by folder name
CALL regress.forget();
CALL regress.reset('prisma');
CALL regress.write('prisma', 'migration_lock.toml', 'provider = "postgresql"');
CALL regress.write('prisma', '20230101000000_init/migration.sql', '-- CreateTable
CREATE TABLE "pr_users" ("id" TEXT NOT NULL, CONSTRAINT "pr_users_pkey" PRIMARY KEY ("id"));');
CALL regress.write('prisma', '20230101000000_init copy/migration.sql', 'ALTER TABLE "pr_users" ADD COLUMN "copy" int;');
CALL regress.write('prisma', '20230201_short/migration.sql', 'ALTER TABLE "pr_users" ADD COLUMN "short" int;');
SELECT version, name, action FROM migrator.apply(regress.dir('prisma'));

-- diesel: version = the part before the first "_" without dashes; a
-- comment-only up.sql is a migration with no statements
CALL regress.forget();
CALL regress.reset('diesel');
CALL regress.write('diesel', '00000000000000_diesel_initial_setup/up.sql', 'CREATE TABLE ds_setup (id int);');
CALL regress.write('diesel', '00000000000000_diesel_initial_setup/down.sql', 'DROP TABLE ds_setup;');
CALL regress.write('diesel', '2017-09-26-200549_dashed/up.sql', 'ALTER TABLE ds_setup ADD COLUMN dashed int;');
CALL regress.write('diesel', '20170308140537_plain/up.sql', 'ALTER TABLE ds_setup ADD COLUMN plain int;');
CALL regress.write('diesel', '2026-07-30-140000-0000_long/up.sql', '-- nothing to do');
CALL regress.write('diesel', 'README.md', 'docs');
SELECT version, name, action FROM migrator.apply(regress.dir('diesel'));
SELECT version, path, statements FROM migrator.journal ORDER BY id;

-- an empty folder has nothing to apply
CALL regress.forget();
CALL regress.reset('nothing');
SELECT count(*) FROM migrator.apply(regress.dir('nothing'));
SELECT count(*) FROM migrator.status(regress.dir('nothing'));
