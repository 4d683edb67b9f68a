-- app changes; legacy is gone; utils and "Events" are new, with their comment, grants and objects
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'the application, v2';
GRANT USAGE ON SCHEMA app TO rt_writer;
CREATE TABLE app.accounts (id bigint PRIMARY KEY, name text NOT NULL, email text);
CREATE SCHEMA utils;
COMMENT ON SCHEMA utils IS 'helpers';
GRANT USAGE ON SCHEMA utils TO PUBLIC;
CREATE FUNCTION utils.slug(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT lower(t)$$;
CREATE SCHEMA "Events";
REVOKE USAGE ON SCHEMA "Events" FROM PUBLIC;
GRANT USAGE ON SCHEMA "Events" TO rt_reader WITH GRANT OPTION;
CREATE TYPE "Events".kind AS ENUM ('in', 'out');
CREATE TABLE "Events".log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, k "Events".kind, at timestamptz DEFAULT now());
CREATE INDEX log_at ON "Events".log (at);
CREATE VIEW "Events".recent AS SELECT id, k FROM "Events".log WHERE at > now() - interval '1 day';
CREATE SCHEMA empty_one;
CREATE TABLE public.notes (id int PRIMARY KEY, body text);
-- what one schema's objects use of another's: "Events" (before public in jsonb's order of keys)
-- points at public, and public at utils
ALTER TABLE "Events".log ADD COLUMN note_id int REFERENCES public.notes;
CREATE TABLE public.tags (id int PRIMARY KEY, slug text DEFAULT utils.slug('x'));
