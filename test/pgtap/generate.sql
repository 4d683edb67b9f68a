-- generate.sql: generate() changes only what the desired file mentions (issue 17, item 6).
-- The schema's own comment, grants and owner are compared only when the file sets them; names
-- qualified with the target schema (drizzle-kit export, pg_dump, Prisma's migrate diff --script)
-- are that schema's; errors name the line of the file.  The real outputs of drizzle-kit and
-- pg_dump are in test/tap/generate_real.sh.
\set QUIET 1
SET client_min_messages = warning;
-- in one transaction: the roles it creates go with it
BEGIN;

-- the statements of generate(file [, schema]) but its SET lines, in order, one per line
CREATE FUNCTION pg_temp.gen(file text, schema text DEFAULT 'public') RETURNS text LANGUAGE sql AS $f$
	SELECT coalesce(string_agg(statement, E'\n' ORDER BY seq), '')
	FROM migrator.generate(file, schema) WHERE statement NOT LIKE 'SET %'
$f$;
-- run generate(file)'s statements, as a runner would (in this transaction)
CREATE FUNCTION pg_temp.run(file text, schema text DEFAULT 'public') RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
	s text;
BEGIN
	FOR s IN SELECT statement FROM migrator.generate(file, schema) ORDER BY seq LOOP
		EXECUTE replace(s, 'CREATE INDEX CONCURRENTLY', 'CREATE INDEX');
	END LOOP;
END
$f$;
-- the error of generate(file): SQLSTATE, message and context, one per line
CREATE FUNCTION pg_temp.error_of(file text, schema text DEFAULT 'public') RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	st text;
	msg text;
	ctx text;
BEGIN
	PERFORM migrator.generate(file, schema);
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, ctx = PG_EXCEPTION_CONTEXT;
	-- the context of generate()'s own, not of this function calling it
	RETURN st || E'\n' || msg || E'\n' ||
		split_part(ctx, E'\nSQL statement "SELECT migrator.generate(file, schema)"', 1);
END
$f$;

SELECT plan(30);

CREATE ROLE gen_tap_reader;
CREATE ROLE gen_tap_owner;

------------------------------------------------------------------------------
-- the schema's own comment, grants and owner: only when the file sets them
------------------------------------------------------------------------------
SELECT is(pg_temp.gen('CREATE TABLE t (id int); CREATE TABLE u (id int);'),
	E'CREATE TABLE public.t (id integer)\nCREATE TABLE public.u (id integer)',
	'a file of tables: their CREATE TABLEs, nothing on schema public (its comment and USAGE for PUBLIC stay)');
SELECT is(pg_temp.gen($$COMMENT ON SCHEMA public IS 'ours';$$), $$COMMENT ON SCHEMA public IS 'ours'$$,
	'COMMENT ON SCHEMA public in the file: compared');
SELECT is(pg_temp.gen($$COMMENT ON SCHEMA "public" IS 'standard public schema';$$), '',
	'the comment public has: nothing to do');
SELECT is(pg_temp.gen('REVOKE USAGE ON SCHEMA public FROM PUBLIC;'), 'REVOKE USAGE ON SCHEMA public FROM PUBLIC',
	'REVOKE ON SCHEMA public in the file: compared');
SELECT is(pg_temp.gen('GRANT USAGE ON SCHEMA public TO gen_tap_reader;'), 'GRANT USAGE ON SCHEMA public TO gen_tap_reader',
	'GRANT ON SCHEMA public: added to public''s initial privileges, as pg_dump writes them (PUBLIC keeps USAGE)');
SELECT is(pg_temp.gen('GRANT USAGE ON SCHEMA public TO public;'), '',
	'GRANT USAGE ... TO public: the grantee PUBLIC is a role, not the schema; public has it already');
SELECT is(pg_temp.gen('ALTER SCHEMA public OWNER TO gen_tap_owner;'), 'ALTER SCHEMA public OWNER TO gen_tap_owner',
	'ALTER SCHEMA public OWNER TO in the file: compared');
SELECT is(pg_temp.gen('CREATE SCHEMA public; ALTER SCHEMA public OWNER TO pg_database_owner;'), '',
	'CREATE SCHEMA public and the owner public has (pg_dump''s lines): nothing to do');
SELECT is(pg_temp.gen('CREATE SCHEMA IF NOT EXISTS "public" AUTHORIZATION gen_tap_owner;'),
	'ALTER SCHEMA public OWNER TO gen_tap_owner', 'CREATE SCHEMA public AUTHORIZATION sets the owner');
SELECT is(pg_temp.gen('ALTER TABLE ONLY public.t OWNER TO gen_tap_owner; CREATE TABLE public.t (id int);
	ALTER TABLE public.t OWNER TO no_such_role; ALTER TYPE public.ty OWNER TO no_such_role;'),
	'CREATE TABLE public.t (id integer)', 'owners of the schema''s objects are not compared: their OWNER TO is skipped');

SELECT is(pg_temp.gen('CREATE EXTENSION IF NOT EXISTS dblink WITH SCHEMA public; CREATE TABLE t (id int);'),
	'CREATE TABLE public.t (id integer)',
	'extensions installed in public (pgtap, dblink: one per database, never in the scratch schema) are kept');

------------------------------------------------------------------------------
-- names qualified with the target schema
------------------------------------------------------------------------------
-- the desired files: drizzle-kit export's form, Prisma's migrate diff --script's, pg_dump's
CREATE TEMP TABLE files (name text PRIMARY KEY, body text);
INSERT INTO files VALUES ('drizzle', $f$CREATE TYPE "public"."gen_mood" AS ENUM('happy', 'sad');
CREATE TABLE "gen_authors" (
	"id" serial PRIMARY KEY NOT NULL,
	"mood" "gen_mood" DEFAULT 'happy'
);

CREATE TABLE "gen_books" (
	"id" serial PRIMARY KEY NOT NULL,
	"author_id" integer
);

ALTER TABLE "gen_books" ADD CONSTRAINT "gen_books_author_id_gen_authors_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."gen_authors"("id") ON DELETE cascade ON UPDATE no action;
CREATE INDEX "gen_books_author_idx" ON "gen_books" USING btree ("author_id");
$f$), ('prisma', $f$-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "public"."Role" AS ENUM ('USER', 'ADMIN');

-- CreateTable
CREATE TABLE "public"."User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "role" "public"."Role" NOT NULL DEFAULT 'USER',

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "public"."User"("email");
$f$), ('pgdump', $f$\restrict AbC123
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
CREATE TABLE public.gen_dumped (
    id integer NOT NULL,
    note text DEFAULT 'public.kept'::text
);
ALTER TABLE public.gen_dumped OWNER TO postgres;
CREATE SEQUENCE public.gen_dumped_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.gen_dumped_id_seq OWNED BY public.gen_dumped.id;
ALTER TABLE ONLY public.gen_dumped ALTER COLUMN id SET DEFAULT nextval('public.gen_dumped_id_seq'::regclass);
CREATE FUNCTION public.gen_f() RETURNS text
    LANGUAGE sql
    AS $$ SELECT 'public.kept'::text FROM public.gen_dumped $$;
\unrestrict AbC123
$f$);
CREATE FUNCTION pg_temp.file(name text) RETURNS text LANGUAGE sql AS $f$
	SELECT body FROM files WHERE files.name = file.name
$f$;

SELECT ok(pg_temp.gen(pg_temp.file('drizzle')) LIKE '%CREATE TABLE public.gen_books%FOREIGN KEY (author_id) REFERENCES gen_authors(id) ON DELETE CASCADE%',
	'drizzle-kit export''s REFERENCES "public"."gen_authors": accepted');
SAVEPOINT applied;
SELECT pg_temp.run(pg_temp.file('drizzle'));
SELECT is(pg_temp.gen(pg_temp.file('drizzle')), '', 'once applied, the same file: nothing to do');
ROLLBACK TO SAVEPOINT applied;
SELECT ok(pg_temp.gen(pg_temp.file('prisma')) LIKE E'CREATE TYPE public."Role" AS ENUM (\'USER\', \'ADMIN\')%CREATE TABLE public."User"%',
	'Prisma''s migrate diff --script form (CREATE SCHEMA IF NOT EXISTS "public", "public"."User"): accepted');
SAVEPOINT applied;
SELECT pg_temp.run(pg_temp.file('prisma'));
SELECT is(pg_temp.gen(pg_temp.file('prisma')), '', 'once applied, the same file: nothing to do');
ROLLBACK TO SAVEPOINT applied;
SELECT ok(pg_temp.gen(pg_temp.file('pgdump')) LIKE '%CREATE TABLE public.gen_dumped (id integer DEFAULT nextval(''gen_dumped_id_seq''::regclass) NOT NULL, note text DEFAULT ''public.kept''::text)%',
	'pg_dump''s form (its preamble, \restrict): nextval(''public.seq''::regclass) is the scratch''s sequence; a string literal is left alone');
SELECT ok(pg_temp.gen(pg_temp.file('pgdump')) LIKE '%$function$ SELECT ''public.kept''::text FROM public.gen_dumped $function$%',
	'a dollar-quoted body is left as written');
SAVEPOINT applied;
SELECT pg_temp.run(pg_temp.file('pgdump'));
SELECT is(pg_temp.gen(pg_temp.file('pgdump')), '', 'once applied, the same file: nothing to do');
ROLLBACK TO SAVEPOINT applied;

SELECT is(pg_temp.gen('CREATE TABLE public.gen_t (id int); SET search_path = public; CREATE TABLE gen_u (id int);
	CREATE INDEX CONCURRENTLY gen_u_id ON gen_u (id);'),
	E'CREATE TABLE public.gen_t (id integer)\nCREATE TABLE public.gen_u (id integer)\nCREATE INDEX gen_u_id ON gen_u USING btree (id)',
	'CREATE TABLE public.t where no t exists, SET search_path = public, CREATE INDEX CONCURRENTLY: the scratch schema''s');
CREATE TABLE public.gen_t (id int);
SELECT is(pg_temp.gen('CREATE TABLE public.gen_t (id int, v text);'), 'ALTER TABLE public.gen_t ADD COLUMN v text',
	'CREATE TABLE public.t where t exists: compared, not "already exists"');

CREATE SCHEMA "Gen App";
-- (a view's columns are deparsed qualified before PostgreSQL 16, unqualified since)
SELECT is(replace(pg_temp.gen('CREATE TABLE "Gen App".t (id int); CREATE VIEW "Gen App".v AS SELECT id FROM "Gen App".t;
	COMMENT ON SCHEMA "Gen App" IS ''app'';', 'Gen App'), 'SELECT t.id', 'SELECT id'),
	E'CREATE TABLE "Gen App".t (id integer)\nCREATE VIEW "Gen App".v AS  SELECT id\n   FROM t\nCOMMENT ON SCHEMA "Gen App" IS \'app\'',
	'a target schema whose name needs quoting');
CREATE SCHEMA data;
SELECT is(pg_temp.gen('CREATE TABLE data.t (id int); CREATE TABLE DATA.u (id int);', 'data'),
	E'CREATE TABLE data.t (id integer)\nCREATE TABLE data.u (id integer)',
	'a target schema named like a keyword (data), in any case');
SELECT is(pg_temp.error_of('CREATE TABLE public.t (id int); CREATE TABLE "Gen App".t (id int);'),
	E'42501\nthe desired schema must not change anything outside its scratch schema\nline 1 of the desired schema: CREATE TABLE "Gen App".t (id int)',
	'another schema is still outside: refused, naming the line and the statement');

------------------------------------------------------------------------------
-- errors name the line of the file, in its terms
------------------------------------------------------------------------------
SELECT is(pg_temp.error_of(E'CREATE TABLE gen_a (id int PRIMARY KEY);\n\nCREATE TABLE gen_b (\n  a int REFERENCES "public"."gen_missing" (id)\n);\nCREATE TABLE gen_c (id int);'),
	E'42P01\nrelation "public.gen_missing" does not exist\nline 3 of the desired schema: CREATE TABLE gen_b (\n  a int REFERENCES "public"."gen_missing" (id)\n)',
	'an error running a statement: its line and that statement alone, the target schema''s name in the message');
SELECT is(pg_temp.error_of(E'CREATE TABLE gen_a (id int);\n-- a comment\nCREATE TABLE gen_b (\n  a int DEFAULT nope()\n);'),
	E'42883\nfunction nope() does not exist\nline 4, column 17 of the desired schema: CREATE TABLE gen_b (\n  a int DEFAULT nope()\n)',
	'an error with a position: the line and column of the file');
SELECT is(pg_temp.error_of(E'CREATE TABLE gen_a (id int);\nCREATE TABLE gen_b (id int,);\nCREATE TABLE gen_c (id int);'),
	E'42601\nsyntax error at or near ")"\nline 2, column 28 of the desired schema: CREATE TABLE gen_b (id int,);',
	'a syntax error: its line and column, and that line');
SELECT is(pg_temp.error_of(E'CREATE TABLE gen_a (id int);\n\\i other.sql\n'),
	E'42601\npsql meta-command "\\i" is not supported in the desired schema\nline 2, column 1 of the desired schema: \\i other.sql',
	'a psql meta-command other than pg_dump''s \restrict: refused with its line');
SELECT is(pg_temp.error_of(E'CREATE TABLE gen_a (id int);\nCREATE SCHEMA public CREATE TABLE gen_b (id int);'),
	E'0A000\nCREATE SCHEMA public with the objects of the schema in it is not supported in the desired schema\nline 2 of the desired schema: CREATE SCHEMA public CREATE TABLE gen_b (id int)',
	'CREATE SCHEMA public with schema elements: refused with its line');
SELECT is(pg_temp.error_of(E'CREATE TABLE gen_a (id int);\nDO $$ BEGIN RAISE EXCEPTION \'boom\'; END $$;'),
	E'P0001\nboom\nPL/pgSQL function inline_code_block line 1 at RAISE\nline 2 of the desired schema: DO $$ BEGIN RAISE EXCEPTION \'boom\'; END $$',
	'an error inside a statement: its own context first, then the line of the file');
SELECT is((SELECT count(*)::int FROM pg_namespace WHERE nspname LIKE 'migrator_generate%'), 0,
	'no scratch schema is left behind');

SELECT * FROM finish();
ROLLBACK;
