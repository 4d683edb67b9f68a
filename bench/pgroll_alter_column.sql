-- bench/pgroll_alter_column.sql -- what pgroll installs on `books` for the alter_column
--   {"alter_column": {"table": "books", "column": "published_year", "type": "bigint",
--                     "up": "published_year::bigint", "down": "published_year::int"}}
-- written after pgroll's templates (xataio/pgroll: pkg/backfill/templates/function.go and
-- trigger.go, pkg/migrations/op_alter_column.go), so that the benchmark compares migrator's C
-- trigger with the PL/pgSQL pair pgroll runs for the same change.  Per row, each function
--   * copies every column of NEW into a local variable (so up/down can name columns),
--   * reads search_path with a query (SELECT current_setting INTO search_path FROM current_setting(...)),
--   * compares it with the version schema's name: the "up" trigger fires for writes NOT through the
--     version schema, the "down" trigger for writes through it,
--   * sets the other side's column and clears the _pgroll_needs_backfill marker.
-- Both triggers fire on every row (BEFORE INSERT OR UPDATE FOR EACH ROW); one of them does work.
--
-- psql variable: latest -- the version schema's name (pgroll: <schema>_<migration name>).
-- The table shape (temporary column + marker column) is the same as migrator's expand:
ALTER TABLE books ADD COLUMN _pgroll_new_published_year bigint,
	ADD COLUMN _pgroll_needs_backfill boolean NOT NULL DEFAULT true;

SELECT format($fn$
CREATE OR REPLACE FUNCTION "_pgroll_trigger_books_published_year"()
    RETURNS TRIGGER
    LANGUAGE PLPGSQL
    AS $$
    DECLARE
      "author_id" "public"."books"."author_id"%%TYPE := NEW."author_id";
      "created_at" "public"."books"."created_at"%%TYPE := NEW."created_at";
      "id" "public"."books"."id"%%TYPE := NEW."id";
      "published_year" "public"."books"."published_year"%%TYPE := NEW."published_year";
      "title" "public"."books"."title"%%TYPE := NEW."title";
      latest_schema text;
      search_path text;
    BEGIN
      SELECT current_setting
        INTO search_path
        FROM current_setting('search_path');

      IF search_path != %1$L THEN
        NEW."_pgroll_new_published_year" = published_year::bigint;
        NEW."_pgroll_needs_backfill" = false;
      END IF;

      RETURN NEW;
    END; $$
$fn$, :'latest') \gexec

SELECT format($fn$
CREATE OR REPLACE FUNCTION "_pgroll_trigger_books__pgroll_new_published_year"()
    RETURNS TRIGGER
    LANGUAGE PLPGSQL
    AS $$
    DECLARE
      "author_id" "public"."books"."author_id"%%TYPE := NEW."author_id";
      "created_at" "public"."books"."created_at"%%TYPE := NEW."created_at";
      "id" "public"."books"."id"%%TYPE := NEW."id";
      "published_year" "public"."books"."_pgroll_new_published_year"%%TYPE := NEW."_pgroll_new_published_year";
      "title" "public"."books"."title"%%TYPE := NEW."title";
      latest_schema text;
      search_path text;
    BEGIN
      SELECT current_setting
        INTO search_path
        FROM current_setting('search_path');

      IF search_path = %1$L THEN
        NEW."published_year" = published_year::int;
        NEW."_pgroll_needs_backfill" = false;
      END IF;

      RETURN NEW;
    END; $$
$fn$, :'latest') \gexec

CREATE OR REPLACE TRIGGER "_pgroll_trigger_books_published_year"
    BEFORE UPDATE OR INSERT
    ON "books"
    FOR EACH ROW
    EXECUTE PROCEDURE "_pgroll_trigger_books_published_year"();

CREATE OR REPLACE TRIGGER "_pgroll_trigger_books__pgroll_new_published_year"
    BEFORE UPDATE OR INSERT
    ON "books"
    FOR EACH ROW
    EXECUTE PROCEDURE "_pgroll_trigger_books__pgroll_new_published_year"();
