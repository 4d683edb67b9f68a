#!/usr/bin/env bash
# graphile-migrate folders with the real graphile-migrate (npm, issue 19): `graphile-migrate
# commit` writes committed/000001.sql … with their "--! Previous:" / "--! Hash:" chain (and runs
# each against a scratch database and a shadow one), `graphile-migrate migrate` applies them.
#   1. graphile-migrate applies two committed migrations; migrator.adopt() takes its history from
#      graphile_migrate.migrations (hashes compared); status is clean; a third migration committed
#      afterwards is applied by migrator, and current.sql never is.
#   2. migrator applies the folder from scratch: the same schema as graphile-migrate makes.
#   3. a committed file edited afterwards: migrator refuses the folder, naming the file and line,
#      as graphile-migrate refuses it.
# The package is installed once into test/.npm-gm (git-ignored) and reused; without npm, or when
# the install fails (no network), the whole test is skipped with `1..0 # SKIP`.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
. "$ROOT/test/tap/lib.sh"
NPM=$ROOT/test/.npm-gm
DB=migrator_gm
DB2=migrator_gm_b
DB3=migrator_gm_c
SCRATCH=migrator_gm_scratch
SHADOW=migrator_gm_shadow
TMP=$(mktemp -d)
chmod 755 "$TMP"
dropdbs() {
	for d in "$DB" "$DB2" "$DB3" "$SCRATCH" "$SHADOW"; do
		psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" 2>/dev/null
	done
}
trap 'rm -rf "$TMP"; dropdbs' EXIT

installed() { [[ -x $NPM/node_modules/.bin/graphile-migrate ]]; }
if ! npm_install "$NPM" installed graphile-migrate@1; then
	echo "1..0 # SKIP $npm_why: cannot run the real graphile-migrate"
	exit 0
fi
echo "1..10"

n=0
: >"$TMP/err"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>"$TMP/err"; }
states() { q "$1" "SELECT string_agg(version || '|' || state, ',') FROM migrator.status('$2')"; }
url() { echo "postgres://$PGUSER@/$1?host=$PGHOST&port=$PGPORT"; }
# gm DB ARGS...: graphile-migrate in the project, its main database DB
gm() {
	(cd "$P" && DATABASE_URL=$(url "$1") SHADOW_DATABASE_URL=$(url $SHADOW) \
		ROOT_DATABASE_URL=$(url postgres) "$NPM/node_modules/.bin/graphile-migrate" "${@:2}") \
		>>"$TMP/gm.log" 2>&1
}

dropdbs
for d in "$DB" "$DB2" "$DB3" "$SCRATCH" "$SHADOW"; do psql -X -q -d postgres -c "CREATE DATABASE $d"; done
for d in "$DB" "$DB2"; do q "$d" "CREATE EXTENSION migrator"; done

# --- the project: two migrations committed (run on the scratch database) ----------------------
P=$TMP/proj
M=$P/migrations
mkdir "$P"
gm $SCRATCH init
printf 'create table users (id bigint primary key, name text not null);\n' >"$M/current.sql"
gm $SCRATCH commit
printf -- '-- emails\nalter table users add column email text;\n\ncreate index users_email on users (email);\n' >"$M/current.sql"
gm $SCRATCH commit -m 'add email'
chmod -R a+rX "$P"
ok_if "graphile-migrate committed two migrations" \
	same "000001.sql 000002-add-email.sql" "$(cd "$M/committed" && echo *)"

# --- 1. graphile-migrate applies them, migrator adopts -----------------------------------------
gm "$DB" migrate
ok_if "graphile-migrate applied them" same 2 "$(q "$DB" "SELECT count(*) FROM graphile_migrate.migrations")"
got=$(q "$DB" "SELECT string_agg(version || ':' || action, ',') FROM migrator.adopt('$M')")
ok_if "adopt takes graphile-migrate's history (hashes match)" same "000001:adopted,000002:adopted" "$got"
got=$(states "$DB" "$M")$(q "$DB" "SELECT migrator.verify('$M')" >/dev/null && echo " verified")
ok_if "status is clean, verify passes" same "000001|applied,000002|applied verified" "$got"
printf 'create table posts (id bigint primary key, author bigint references users);\n' >"$M/current.sql"
gm $SCRATCH commit -m 'posts'
printf 'select 1/0; -- work in progress\n' >"$M/current.sql"
chmod -R a+rX "$P"
got=$(q "$DB" "SELECT string_agg(version || ':' || action, ',') FROM migrator.apply('$M')")
ok_if "a migration committed afterwards is applied by migrator, and only it (not current.sql)" \
	same "000003:applied" "$got"
ok_if "... posts exists" same t "$(q "$DB" "SELECT to_regclass('public.posts') IS NOT NULL")"

# --- 2. from scratch: the same schema as graphile-migrate's -------------------------------------
got=$(q "$DB2" "SELECT count(*) FROM migrator.apply('$M')")
ok_if "migrator applies the whole folder to an empty database" same 3 "$got"
printf -- '-- Enter migration here\n' >"$M/current.sql"
gm "$DB3" migrate
dump() { pg_dump --schema-only --no-owner -n public "$1" | grep -Ev '^(--|$|\\(un)?restrict )'; }
diff <(dump "$DB2") <(dump "$DB3") >"$TMP/out"
ok_if "graphile-migrate applies it to another; both dump the same schema public" test ! -s "$TMP/out"

# --- 3. an edited committed file -----------------------------------------------------------------
sed -i 's/email text/email varchar(200)/' "$M/committed/000002-add-email.sql"
q "$DB2" "SELECT * FROM migrator.status('$M')" >/dev/null
grep -q 'graphile-migrate migration "committed/000002-add-email.sql" does not match its hash at line 2' "$TMP/err"
ok_if "an edited committed file is refused, naming the file and line" test $? = 0
psql -X -q -d postgres -c "DROP DATABASE $DB3 WITH (FORCE)" -c "CREATE DATABASE $DB3"
gm "$DB3" migrate
grep -q 'Hash for 000002-add-email.sql does not match' "$TMP/gm.log"
ok_if "... as graphile-migrate refuses it (on a database it has not migrated)" test $? = 0
