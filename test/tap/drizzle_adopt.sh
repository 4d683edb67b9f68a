#!/usr/bin/env bash
# adopt() takes over a database migrated by the real drizzle-kit (issue 5): the npm packages
# drizzle-kit generate the migrations (SQL, meta/_journal.json, snapshots) from a schema that
# changes twice, and drizzle-orm's own migrator applies the first two through node-postgres.
# After migrator.adopt(), apply() runs exactly the third one and verify() passes; a file edited
# after drizzle applied it is refused, and nothing is adopted.
# The packages are installed once into test/.npm (git-ignored) and reused; without npm, or when
# the install fails (no network), the whole test is skipped with `1..0 # SKIP`.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
NPM=$ROOT/test/.npm
DB=migrator_drizzle
DB2=migrator_drizzle_edited
# the server (OS user postgres) reads the migration folders: a world-readable temp dir
TMP=$(mktemp -d)
chmod 755 "$TMP"
dropdbs() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
		-c "DROP DATABASE IF EXISTS $DB2 WITH (FORCE)" 2>/dev/null
}
trap 'rm -rf "$TMP"; dropdbs' EXIT

# --- the real drizzle packages ----------------------------------------------------------------
. "$ROOT/test/tap/lib.sh"
installed() {
	[[ -x $NPM/node_modules/.bin/drizzle-kit && -f $NPM/node_modules/drizzle-orm/package.json &&
		-f $NPM/node_modules/pg/package.json ]]
}
if ! npm_install "$NPM" installed drizzle-kit@0.31 drizzle-orm@0.45 pg@8; then
	echo "1..0 # SKIP $npm_why: cannot run the real drizzle-kit"
	exit 0
fi

n=0
: >"$TMP/err"
# q DB SQL: one query, unaligned, stopping at the first error; errors go to $TMP/err
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>"$TMP/err"; }
# states DB FOLDER: what migrator.status says, as version|state,...
states() { q "$1" "SELECT string_agg(version || '|' || state, ',' ORDER BY version) FROM migrator.status('$2')"; }

# --- a drizzle project ------------------------------------------------------------------------
P=$TMP/proj
mkdir "$P"
ln -s "$NPM/node_modules" "$P/node_modules"
cat >"$P/drizzle.config.ts" <<'EOF'
import { defineConfig } from 'drizzle-kit';
export default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle' });
EOF
# drizzle-orm's runtime migrator, through node-postgres on the cluster's Unix socket
cat >"$P/migrate.mjs" <<'EOF'
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
const pool = new pg.Pool({ host: process.env.PGHOST, port: Number(process.env.PGPORT),
	user: process.env.PGUSER, database: process.argv[2] });
try {
	await migrate(drizzle(pool), { migrationsFolder: process.argv[3] });
} finally {
	await pool.end();
}
EOF
# generate NAME: the real `drizzle-kit generate` for the current schema.ts
generate() { (cd "$P" && ./node_modules/.bin/drizzle-kit generate --name="$1") >"$TMP/gen.log" 2>&1; }
# journal_tags: the tags of drizzle's meta/_journal.json, comma-separated
journal_tags() {
	node -e 'const j = require(process.argv[1]); console.log(j.entries.map(e => e.tag).join(","))' \
		"$P/drizzle/meta/_journal.json" 2>"$TMP/err"
}

echo "1..14"

cat >"$P/schema.ts" <<'EOF'
import { pgTable, serial, text, integer } from 'drizzle-orm/pg-core';
export const authors = pgTable('dz_authors', { id: serial('id').primaryKey(), name: text('name').notNull() });
export const books = pgTable('dz_books', { id: serial('id').primaryKey(), title: text('title').notNull(),
	authorId: integer('author_id').references(() => authors.id) });
EOF
generate init
# the second version: a column and a table
cat >"$P/schema.ts" <<'EOF'
import { pgTable, serial, text, integer } from 'drizzle-orm/pg-core';
export const authors = pgTable('dz_authors', { id: serial('id').primaryKey(), name: text('name').notNull(),
	email: text('email') });
export const books = pgTable('dz_books', { id: serial('id').primaryKey(), title: text('title').notNull(),
	authorId: integer('author_id').references(() => authors.id) });
export const shelves = pgTable('dz_shelves', { id: serial('id').primaryKey(), label: text('label').notNull().unique() });
EOF
generate add_email_and_shelves
cp "$TMP/gen.log" "$TMP/err"
got=$(journal_tags)
ok_if "drizzle-kit generate wrote 0000 and 0001, with their journal and snapshots" eval '
	same "0000_init,0001_add_email_and_shelves" "$got" && [[ -f $P/drizzle/0000_init.sql &&
	-f $P/drizzle/0001_add_email_and_shelves.sql && -f $P/drizzle/meta/0001_snapshot.json ]]'

# two databases with the extension, migrated by drizzle-orm's migrator while the folder holds
# only 0000 and 0001
dropdbs
psql -X -q -d postgres -c "CREATE DATABASE $DB" -c "CREATE DATABASE $DB2" 2>"$TMP/err"
q "$DB" "CREATE EXTENSION migrator" && q "$DB2" "CREATE EXTENSION migrator"
: >"$TMP/node.log"
for d in "$DB" "$DB2"; do
	node "$P/migrate.mjs" "$d" "$P/drizzle" >>"$TMP/node.log" 2>&1
done
sums=$(cd "$P/drizzle" && sha256sum 0000_init.sql 0001_add_email_and_shelves.sql | cut -c1-64 | paste -sd,)
got=$(for d in "$DB" "$DB2"; do
	q "$d" "SELECT string_agg(hash, ',' ORDER BY id), to_regclass('dz_authors'), to_regclass('dz_books'),
		to_regclass('dz_shelves') FROM drizzle.__drizzle_migrations"
done)
cp "$TMP/node.log" "$TMP/err"
ok_if "drizzle's migrate applied both: its history holds the files' SHA-256, the tables exist" \
	same "$sums|dz_authors|dz_books|dz_shelves
$sums|dz_authors|dz_books|dz_shelves" "$got"
h1=${sums#*,}

# the third version, generated after drizzle migrated: a column and an index
cat >"$P/schema.ts" <<'EOF'
import { pgTable, serial, text, integer, index } from 'drizzle-orm/pg-core';
export const authors = pgTable('dz_authors', { id: serial('id').primaryKey(), name: text('name').notNull(),
	email: text('email') });
export const books = pgTable('dz_books', { id: serial('id').primaryKey(), title: text('title').notNull(),
	authorId: integer('author_id').references(() => authors.id), publishedYear: integer('published_year') },
	(t) => [index('dz_books_year_idx').on(t.publishedYear)]);
export const shelves = pgTable('dz_shelves', { id: serial('id').primaryKey(), label: text('label').notNull().unique() });
EOF
generate book_year
cp "$TMP/gen.log" "$TMP/err"
got=$(journal_tags)
ok_if "drizzle-kit generate wrote 0002, adding the column and the index" eval '
	same "0000_init,0001_add_email_and_shelves,0002_book_year" "$got" &&
	grep -q "ADD COLUMN \"published_year\"" "$P/drizzle/0002_book_year.sql" &&
	grep -q "CREATE INDEX \"dz_books_year_idx\"" "$P/drizzle/0002_book_year.sql"'
chmod -R a+rX "$P/drizzle"
F=$P/drizzle

# --- adopt, then apply what drizzle had not ---------------------------------------------------
ok_if "before adopt, migrator knows nothing: all three pending" \
	same "0000|pending,0001|pending,0002|pending" "$(states "$DB" "$F")"
ok_if "adopt adopted exactly 0000 and 0001" same "0000|init|adopted
0001|add_email_and_shelves|adopted" "$(q "$DB" "SELECT version, name, action FROM migrator.adopt('$F')")"
ok_if "the journal has them adopted from drizzle-kit, nothing run, checksums = drizzle's hashes" \
	same "0000|adopted from drizzle-kit|0|1
0001|adopted from drizzle-kit|0|2" "$(q "$DB" "SELECT j.version, j.origin, j.statements, d.id
		FROM migrator.journal j LEFT JOIN drizzle.__drizzle_migrations d ON d.hash = j.checksum ORDER BY j.id")"
ok_if "status: 0000 and 0001 applied, 0002 pending" \
	same "0000|applied,0001|applied,0002|pending" "$(states "$DB" "$F")"
ok_if "adopting again adopts nothing" same "0|2" \
	"$(q "$DB" "SELECT (SELECT count(*) FROM migrator.adopt('$F')), (SELECT count(*) FROM migrator.journal)")"
ok_if "apply applied exactly 0002" \
	same "0002|book_year|applied" "$(q "$DB" "SELECT version, name, action FROM migrator.apply('$F')")"
ok_if "0002 ran: the column and the index exist; journaled as applied, its two statements" \
	same "integer|dz_books_year_idx|applied|2" "$(q "$DB" "SELECT
		(SELECT format_type(atttypid, atttypmod) FROM pg_attribute
		 WHERE attrelid = 'dz_books'::regclass AND attname = 'published_year'),
		to_regclass('dz_books_year_idx'), origin, statements FROM migrator.journal WHERE version = '0002'")"
q "$DB" "SELECT migrator.verify('$F')" >/dev/null && vrc=0 || vrc=$?
ok_if "verify passes, and nothing is left to apply" same "0|0|0000|applied,0001|applied,0002|applied" \
	"$vrc|$(q "$DB" "SELECT count(*) FROM migrator.apply('$F')")|$(states "$DB" "$F")"

# --- a file edited after drizzle applied it -----------------------------------------------------
E=$TMP/edited
cp -r "$F" "$E"
printf '\nALTER TABLE "dz_authors" ADD COLUMN "phone" text;\n' >>"$E/0001_add_email_and_shelves.sql"
chmod -R a+rX "$E"
q "$DB2" "SELECT * FROM migrator.adopt('$E')" >"$TMP/out"
ok_if "adopt refuses a folder whose 0001 was edited after drizzle applied it, naming the file" eval '
	grep -q "^ERROR:  drizzle-kit.s history in drizzle.__drizzle_migrations does not match the migration folder: 1 problem" "$TMP/err" &&
	grep -q "^DETAIL:  0001_add_email_and_shelves.sql: modified since drizzle-kit applied it (hashes differ)" "$TMP/err" &&
	grep -q "^HINT:  Nothing was adopted" "$TMP/err"'
ok_if "and nothing was adopted" same "0|" \
	"$(q "$DB2" "SELECT count(*), to_regclass('dz_books_year_idx') FROM migrator.journal")"
cp "$F/0001_add_email_and_shelves.sql" "$E/"
got=$(q "$DB2" "SELECT string_agg(version || '|' || action, ',' ORDER BY version) FROM migrator.adopt('$E')")
got+=" $(q "$DB2" "SELECT string_agg(version || '|' || action, ',' ORDER BY version) FROM migrator.apply('$E')")"
q "$DB2" "SELECT migrator.verify('$E')" >/dev/null && got+=" verified"
ok_if "with the file restored, adopt takes 0000 and 0001, apply runs 0002, verify passes" \
	same "0000|adopted,0001|adopted 0002|applied verified" "$got"
