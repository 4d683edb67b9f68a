#!/usr/bin/env bash
# generate() with the real outputs of pg_dump --schema-only --schema=public and of drizzle-kit export
# (issue 17, item 6): against a database that holds that schema it returns nothing; against an
# empty one, the statements that make it, after which it returns nothing and the two schemas dump
# the same; public's own comment and USAGE for PUBLIC are never touched.  drizzle-kit comes from
# npm, installed into test/.npm as test/tap/drizzle_adopt.sh installs it (the same packages,
# shared); without npm or the network its tests are skipped, the pg_dump ones still run.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
. "$ROOT/test/tap/lib.sh"
NPM=$ROOT/test/.npm
DBS="migrator_gen_src migrator_gen_empty migrator_gen_dz_gen migrator_gen_dz_own"
TMP=$(mktemp -d)
dropdbs() { for d in $DBS; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" 2>/dev/null; done; }
trap 'rm -rf "$TMP"; dropdbs; psql -X -q -d postgres -c "DROP ROLE IF EXISTS migrator_gen_reader" 2>/dev/null' EXIT

n=0
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
: >"$TMP/err"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>"$TMP/err"; }
# gen DB FILE: generate(FILE's text) in DB, its statements one per line (errors to $TMP/err)
gen() {
	printf '%s\n' "\\set f \`cat '$2'\`" "SELECT statement FROM migrator.generate(:'f') ORDER BY seq;" |
		psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" 2>"$TMP/err"
}
# apply_gen DB FILE: run generate(FILE)'s statements in DB, each at top level as psql's \gexec does
apply_gen() {
	printf '%s\n' "\\set f \`cat '$2'\`" "SELECT statement FROM migrator.generate(:'f') ORDER BY seq \\gexec" |
		psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" >/dev/null 2>"$TMP/err"
}
# dump DB: its schema public as pg_dump writes it, without the random \restrict keys
dump() { pg_dump --schema-only --schema=public "$1" 2>"$TMP/err" | grep -v '^\\\(un\)\?restrict '; }
# public_state DB: public's comment, owner and whether PUBLIC may use it
public_state() {
	q "$1" "SELECT obj_description('public'::regnamespace, 'pg_namespace'), nspowner::regrole,
		has_schema_privilege('public', 'public', 'USAGE') FROM pg_namespace WHERE nspname = 'public'"
}
newdb() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" 2>"$TMP/err" &&
		q "$1" "CREATE EXTENSION migrator"
}

echo "1..12"
dropdbs
psql -X -q -d postgres -c "DO \$\$ BEGIN CREATE ROLE migrator_gen_reader; EXCEPTION WHEN duplicate_object THEN END \$\$" 2>/dev/null

# --- pg_dump --schema-only --schema=public of a database ----------------------------------------
SRC=migrator_gen_src
newdb $SRC
psql -X -q -v ON_ERROR_STOP=1 -d $SRC >/dev/null 2>"$TMP/err" <<'EOF'
CREATE TYPE status AS ENUM ('draft', 'published');
CREATE DOMAIN positive AS numeric CHECK (VALUE > 0);
CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE);
CREATE TABLE books (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	author_id int REFERENCES authors (id) ON DELETE CASCADE,
	title text NOT NULL DEFAULT 'untitled',
	price positive,
	status status NOT NULL DEFAULT 'draft',
	CHECK (length(title) < 200));
CREATE INDEX books_title ON books (lower(title)) WHERE status = 'published';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.title := trim(NEW.title); RETURN NEW; END $$;
CREATE TRIGGER books_touch BEFORE INSERT ON books FOR EACH ROW EXECUTE FUNCTION touch();
CREATE VIEW published AS SELECT b.id, b.title, a.name FROM books b JOIN authors a ON a.id = b.author_id
	WHERE b.status = 'published';
COMMENT ON TABLE books IS 'the public.books of the shop';
GRANT SELECT ON books TO migrator_gen_reader;
EOF
dump $SRC >"$TMP/dump.sql"
ok_if "pg_dump wrote its preamble, CREATE SCHEMA public, public.* names and nextval('public.…'::regclass)" eval '
	grep -q "^CREATE SCHEMA public;" "$TMP/dump.sql" &&
	grep -q "^SELECT pg_catalog.set_config('"'"'search_path'"'"', '"''"', false);" "$TMP/dump.sql" &&
	grep -q "^CREATE TABLE public.books" "$TMP/dump.sql" &&
	grep -q "nextval('"'"'public.authors_id_seq'"'"'::regclass)" "$TMP/dump.sql"'
got=$(gen $SRC "$TMP/dump.sql") || got="failed"
ok_if "generate(the dump) against the database it was dumped from: nothing" same "" "$got"

EMPTY=migrator_gen_empty
newdb $EMPTY
before=$(public_state $EMPTY)
got=$(gen $EMPTY "$TMP/dump.sql")
printf '%s\n' "$got" >"$TMP/out"
ok_if "against an empty public: the CREATE statements, and none on schema public itself" eval '
	[[ $(grep -c "^CREATE TABLE public\." <<<"$got") == 2 && $(grep -c "^CREATE VIEW public.published" <<<"$got") == 1 &&
	   $(grep -c "^CREATE TRIGGER books_touch" <<<"$got") == 1 && $(grep -c "SCHEMA public" <<<"$got") == 0 ]]'
apply_gen $EMPTY "$TMP/dump.sql" && applied=yes || applied=no
got=$(gen $EMPTY "$TMP/dump.sql") || got="failed"
ok_if "once they ran, generate(the dump) returns nothing" same "yes" "$applied$got"
diff <(dump $SRC) <(dump $EMPTY) >"$TMP/out"
ok_if "and the two databases dump the same schema public" test ! -s "$TMP/out"
ok_if "public's comment, owner and USAGE for PUBLIC are as they were" same "yes $before" "$applied $(public_state $EMPTY)"

# --- drizzle-kit export --------------------------------------------------------------------------
installed() {
	[[ -x $NPM/node_modules/.bin/drizzle-kit && -f $NPM/node_modules/drizzle-orm/package.json &&
		-f $NPM/node_modules/pg/package.json ]]
}
why=
if ! npm_install "$NPM" installed drizzle-kit@0.31 drizzle-orm@0.45 pg@8; then
	why="$npm_why: cannot run the real drizzle-kit"
fi
if [[ -n $why ]]; then
	for _ in 1 2 3 4 5 6; do skip "$why"; done
	exit 0
fi

P=$TMP/proj
mkdir "$P"
ln -s "$NPM/node_modules" "$P/node_modules"
cat >"$P/drizzle.config.ts" <<'EOF'
import { defineConfig } from 'drizzle-kit';
export default defineConfig({ dialect: 'postgresql', schema: './schema.ts' });
EOF
cat >"$P/schema.ts" <<'EOF'
import { pgTable, pgEnum, serial, text, integer, index, uniqueIndex, timestamp, boolean } from 'drizzle-orm/pg-core';
export const mood = pgEnum('dzg_mood', ['happy', 'sad']);
export const authors = pgTable('dzg_authors', { id: serial('id').primaryKey(), name: text('name').notNull(),
	email: text('email').unique(), mood: mood('mood').default('happy') });
export const books = pgTable('dzg_books', { id: serial('id').primaryKey(), title: text('title').notNull(),
	authorId: integer('author_id').references(() => authors.id, { onDelete: 'cascade' }),
	createdAt: timestamp('created_at').defaultNow().notNull(), published: boolean('published').default(false) },
	(t) => [index('dzg_books_title_idx').on(t.title), uniqueIndex('dzg_books_author_title').on(t.authorId, t.title)]);
EOF
(cd "$P" && ./node_modules/.bin/drizzle-kit export >"$TMP/export.sql" 2>"$TMP/err")
ok_if "drizzle-kit export wrote the schema, with REFERENCES \"public\".\"dzg_authors\"" eval '
	grep -q "^CREATE TABLE \"dzg_books\"" "$TMP/export.sql" &&
	grep -q "REFERENCES \"public\".\"dzg_authors\"(\"id\")" "$TMP/export.sql" &&
	grep -q "^CREATE TYPE \"public\".\"dzg_mood\"" "$TMP/export.sql"'
GEN=migrator_gen_dz_gen OWN=migrator_gen_dz_own
newdb $GEN
newdb $OWN
got=$(gen $GEN "$TMP/export.sql")
printf '%s\n' "$got" >"$TMP/out"
ok_if "generate(the export) against an empty public: its CREATE statements, none on schema public" eval '
	[[ $(grep -c "^CREATE TABLE public\.dzg_" <<<"$got") == 2 && $(grep -c "^CREATE TYPE public.dzg_mood" <<<"$got") == 1 &&
	   $(grep -c "FOREIGN KEY (author_id) REFERENCES dzg_authors(id) ON DELETE CASCADE" <<<"$got") == 1 &&
	   $(grep -c "SCHEMA public" <<<"$got") == 0 ]]'
apply_gen $GEN "$TMP/export.sql" && applied=yes || applied=no
got=$(gen $GEN "$TMP/export.sql") || got="failed"
ok_if "once they ran, generate(the export) returns nothing" same "yes" "$applied$got"
psql -X -q -v ON_ERROR_STOP=1 -d $OWN -f "$TMP/export.sql" >/dev/null 2>"$TMP/err"
got=$(gen $OWN "$TMP/export.sql") || got="failed"
ok_if "against a database that ran the export itself: nothing" same "" "$got"
diff <(dump $GEN) <(dump $OWN) >"$TMP/out"
ok_if "generate()'s statements and the export make the same schema public" test ! -s "$TMP/out"
ok_if "public's comment, owner and USAGE for PUBLIC are as they were" same "yes $before" "$applied $(public_state $GEN)"
