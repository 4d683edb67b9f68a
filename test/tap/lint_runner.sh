#!/usr/bin/env bash
# The runner's lint on generated SQL (issue 19): style findings (serial, timestamp, json, ...) are
# summed up once per run, a line per rule, where safety findings come one by one; a table created
# earlier in the same run draws no lock or rewrite finding, one that exists says how big it is in
# the database being migrated; migrator.lint = error refuses on safety findings only, unless
# migrator.lint_style = error; lint() gives each finding its class.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
db=migrator_lint_runner
# the server (OS user postgres) reads the migration folder: a world-readable temp dir
TMP=$(mktemp -d)
chmod 755 "$TMP"
trap 'rm -rf "$TMP"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null' EXIT
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null 2>&1
echo "1..23"

q <<'SQL'
CREATE EXTENSION migrator;
-- sizes must hold still: no autovacuum adding its maps halfway through; VACUUM makes them now
CREATE TABLE books (id bigint PRIMARY KEY, title text) WITH (autovacuum_enabled = off);
INSERT INTO books SELECT g, 'title ' || g FROM generate_series(1, 20000) g;
VACUUM ANALYZE books;
CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') WITH (autovacuum_enabled = off);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') WITH (autovacuum_enabled = off);
INSERT INTO events SELECT g, date '2025-03-01' + (g % 600) FROM generate_series(1, 3000) g;
VACUUM ANALYZE events;
CREATE TABLE fresh (id bigint);
SQL
mig=$TMP/app
mkdir -p "$mig"
# what drizzle-kit and Prisma generate: serial keys, timestamp columns, in three migrations
cat >"$mig/V1__authors.sql" <<'EOF2'
CREATE TABLE authors (id serial PRIMARY KEY, name text, created_at timestamp);
CREATE TABLE posts (id serial PRIMARY KEY, author_id integer, created_at timestamp);
EOF2
cat >"$mig/V2__posts.sql" <<'EOF2'
CREATE INDEX posts_author ON posts (author_id);
ALTER TABLE posts ADD COLUMN slug text NOT NULL;
ALTER TABLE posts ADD CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES authors (id);
CREATE TABLE tags (id serial PRIMARY KEY, at timestamp);
EOF2
cat >"$mig/V3__books.sql" <<'EOF2'
CREATE INDEX books_title ON books (title);
EOF2
chmod 644 "$mig"/*

# run MODE STYLE [APPLY]: the runner's messages (stderr) of apply() -- a dry run unless APPLY
run() {
	# shellcheck disable=SC2069 # stderr alone: the runner's messages
	psql -X -q -At -d "$db" -c "SET migrator.lint = $1" -c "SET migrator.lint_style = $2" \
		-c "SELECT count(*) FROM migrator.apply('$mig', dry_run => ${3:-true})" 2>&1 >/dev/null
}
books_size=$(q -c "SELECT pg_size_pretty(pg_total_relation_size('books'))")

out=$(run warn summary)
warnings=$(grep -c '^WARNING:' <<<"$out")
check "default: 4 WARNINGs for 10 findings (1 safety, 3 style rules) (got $warnings)" '((warnings == 4))'
check "one line for prefer-identity's 3 serial columns, with the first's file and line" \
	'grep -qxF "WARNING:  style: prefer-identity: 3 findings, the first at V1__authors.sql:1:26: column \"id\" is serial" <<<"$out"'
check "one line for prefer-timestamptz's 3 columns" \
	'grep -qxF "WARNING:  style: prefer-timestamptz: 3 findings, the first at V1__authors.sql:1:68: column \"created_at\" is timestamp without time zone" <<<"$out"'
check "one line for prefer-bigint-key" '[[ $(grep -c "^WARNING:  style: prefer-bigint-key: 3 findings" <<<"$out") == 1 ]]'
check "each summary has one hint: the rule's, and how to see every finding" \
	'[[ $(grep -c "^HINT:  Use .* SET migrator.lint_style = full reports each style finding, off none\.$" <<<"$out") == 3 ]]'
check "no style finding of its own" '! grep -q "^WARNING:  V[0-9]__[a-z]*\.sql:[0-9:]* prefer-" <<<"$out"'
check "posts, created by V1 of the same run: no finding in V2 (index, NOT NULL column, foreign key)" \
	'! grep -qF "\"posts\"" <<<"$out" && ! grep -q "^WARNING:  V2__posts" <<<"$out"'
check "books exists: its index is a safety finding with its rows and bytes" \
	'grep -qxF "WARNING:  V3__books.sql:1:29: require-concurrent-index-creation: CREATE INDEX on \"books\" blocks writes to the table while the index builds (books: ~20K rows, $books_size)" <<<"$out"'

out=$(run warn full)
check "lint_style = full: a WARNING per finding (10)" '[[ $(grep -c "^WARNING:" <<<"$out") == 10 ]]'
check "lint_style = full: each with its file and line" \
	'grep -qxF "WARNING:  V2__posts.sql:4:23: prefer-identity: column \"id\" is serial" <<<"$out"'
out=$(run warn off)
check "lint_style = off: the safety finding alone" '[[ $(grep -c "^WARNING:" <<<"$out") == 1 ]] && grep -q "books" <<<"$out"'

out=$(run error summary)
check "lint = error refuses the run for the index on books (ML001)" \
	'grep -q "^ERROR:  lint found 1 error in the pending migrations; nothing was run" <<<"$out"'
check "... its DETAIL lists the safety finding and the style summaries" \
	'grep -qF "style: prefer-identity: 3 findings, the first at V1__authors.sql:1:26" <<<"$out" && grep -qF "require-concurrent-index-creation" <<<"$out"'
rm "$mig/V3__books.sql"
out=$(run error summary)
check "lint = error runs a folder with style findings only" \
	'! grep -q "^ERROR" <<<"$out" && [[ $(grep -c "^WARNING:  style:" <<<"$out") == 3 ]]'
out=$(run error error)
check "lint_style = error: lint = error refuses style findings too (9 errors)" \
	'grep -q "^ERROR:  lint found 9 errors in the pending migrations; nothing was run" <<<"$out"'
check "... nothing ran" '[[ $(q -c "SELECT count(*) FROM migrator.journal") == 0 && -z $(q -c "SELECT to_regclass(\$\$authors\$\$)") ]]'
out=$(run error summary false)
check "lint = error, default style: the migrations run" \
	'! grep -q "^ERROR" <<<"$out" && [[ $(q -c "SELECT count(*) FROM migrator.journal") == 2 ]]'

# lint(): the class of every rule, and sizes
classes=$(q -c "SELECT string_agg(DISTINCT class || ':' || rule, ' ' ORDER BY class || ':' || rule) FROM migrator.lint(\$\$
CREATE TABLE t (id serial PRIMARY KEY, a timestamp, b json, c varchar(9), d char(2),
	\"an_identifier_that_is_much_longer_than_the_sixty_three_bytes_allowed\" int);
ALTER TABLE books ADD COLUMN n int NOT NULL;
DROP TABLE fresh;
\$\$)")
check "lint(): class style for prefer-*, ban-char-field, identifier-too-long; safety for the rest ($classes)" \
	'[[ $classes == "safety:adding-not-null-field safety:dropping-table safety:statement-after-access-exclusive style:ban-char-field style:identifier-too-long style:prefer-bigint-key style:prefer-identity style:prefer-jsonb style:prefer-text-field style:prefer-timestamptz" ]]'
msg=$(q -c "SELECT message FROM migrator.lint('ALTER TABLE books ADD COLUMN n int NOT NULL')")
check "lint(): the size of an existing table ends the message ($msg)" \
	'[[ $msg == *"to \"books\" fails as soon as the table has a row (books: ~20K rows, $books_size)" ]]'
events_size=$(q -c "SELECT pg_size_pretty(sum(pg_total_relation_size(c))::bigint) FROM unnest(ARRAY['events_2025', 'events_2026']::regclass[]) c")
msg=$(q -c "SELECT message FROM migrator.lint('CREATE INDEX ON events (at)')")
check "lint(): a partitioned table's size sums its partitions ($msg)" \
	'[[ $msg == *"(events: ~3K rows, $events_size)" ]]'
msg=$(q -c "SELECT message FROM migrator.lint('DROP INDEX books_pkey')")
check "lint(): an index's finding gives its table's size ($msg)" '[[ $msg == *"(books: ~20K rows, $books_size)" ]]'
msg=$(q -c "SELECT message FROM migrator.lint('CREATE INDEX ON fresh (id)')")
check "lint(): a table never analyzed says so ($msg)" '[[ $msg == *"(fresh: never analyzed, 0 bytes)" ]]'
n_found=$(q -c "SELECT count(*) FROM migrator.lint(\$\$CREATE TABLE tt (a int, b text);
CREATE INDEX ON tt (a, lower(b));
CREATE INDEX ON tt ((a + 1));
DROP INDEX tt_a_lower_idx;
DROP INDEX tt_expr_idx;
DROP INDEX books_pkey;\$\$)")
check "lint(): an index created without a name, under the name PostgreSQL gives it, is new too ($n_found finding)" '((n_found == 1))'
