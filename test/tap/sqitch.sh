#!/usr/bin/env bash
# Sqitch projects with the real sqitch (Debian's package, issue 19): sqitch init/add/tag/rework
# write the project (sqitch.plan, deploy/ revert/ verify/, a reworked change kept as
# deploy/users@v1.0.sql), and sqitch deploys it.
#   1. sqitch deploys the project; migrator.adopt() takes its history from sqitch.changes
#      (change ids computed from the plan as sqitch computes them, script hashes compared);
#      status is clean; a change added with `sqitch add` afterwards is applied by migrator
#      (its verify script run), and its revert script undoes it.
#   2. migrator applies the project from scratch: the same schema as sqitch deploy makes.
#   3. a deploy script edited after sqitch deployed it: adopt refuses, nothing adopted.
# Without sqitch or its PostgreSQL driver (libdbd-pg-perl) the test is skipped with `1..0 # SKIP`.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
DB=migrator_sqitch
DB2=migrator_sqitch_b
DB3=migrator_sqitch_c
# the server (OS user postgres) reads the project: a world-readable temp dir
TMP=$(mktemp -d)
chmod 755 "$TMP"
dropdbs() {
	for d in "$DB" "$DB2" "$DB3"; do
		psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" 2>/dev/null
	done
}
trap 'rm -rf "$TMP"; dropdbs' EXIT

if ! command -v sqitch >/dev/null || ! perl -MDBD::Pg -e 1 2>/dev/null; then
	echo "1..0 # SKIP sqitch or libdbd-pg-perl is not installed (test/setup installs both)"
	exit 0
fi
echo "1..13"

n=0
: >"$TMP/err"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>"$TMP/err"; }
states() { q "$1" "SELECT string_agg(version || '|' || state, ',') FROM migrator.status('$2')"; }
# sqitch, with a user of its own (no ~/.sqitch), quiet
export HOME=$TMP/home SQITCH_FULLNAME='Ann Dev' SQITCH_EMAIL=ann@example.com
mkdir -p "$HOME"
sq() { (cd "$P" && sqitch --quiet "$@") >>"$TMP/sqitch.log" 2>&1; }

dropdbs
for d in "$DB" "$DB2" "$DB3"; do psql -X -q -d postgres -c "CREATE DATABASE $d"; done
for d in "$DB" "$DB2"; do q "$d" "CREATE EXTENSION migrator"; done

# --- the project, as sqitch writes it ---------------------------------------------------------
P=$TMP/flipr
mkdir "$P"
sq init flipr --engine pg
sq add appschema -n 'App schema'
printf 'BEGIN;\nCREATE SCHEMA flipr;\nCOMMIT;\n' >"$P/deploy/appschema.sql"
printf "BEGIN;\nSELECT pg_catalog.has_schema_privilege('flipr', 'usage');\nROLLBACK;\n" >"$P/verify/appschema.sql"
printf 'BEGIN;\nDROP SCHEMA flipr;\nCOMMIT;\n' >"$P/revert/appschema.sql"
sq add users --requires appschema -n 'Users'
printf 'BEGIN;\nCREATE TABLE flipr.users (nickname text PRIMARY KEY, password text NOT NULL);\nCOMMIT;\n' >"$P/deploy/users.sql"
printf 'BEGIN;\nSELECT nickname, password FROM flipr.users WHERE FALSE;\nROLLBACK;\n' >"$P/verify/users.sql"
printf 'BEGIN;\nDROP TABLE flipr.users;\nCOMMIT;\n' >"$P/revert/users.sql"
sq tag v1.0 -n 'Tag v1.0'
sq rework users -n 'Users get a created column'
printf 'BEGIN;\nALTER TABLE flipr.users ADD COLUMN created timestamptz NOT NULL DEFAULT now();\nCOMMIT;\n' >"$P/deploy/users.sql"
printf 'BEGIN;\nSELECT created FROM flipr.users WHERE FALSE;\nROLLBACK;\n' >"$P/verify/users.sql"
printf 'BEGIN;\nALTER TABLE flipr.users DROP COLUMN created;\nCOMMIT;\n' >"$P/revert/users.sql"
chmod -R a+rX "$P"
ok_if "sqitch wrote the project: a plan with a tag and a reworked change (deploy/users@v1.0.sql)" \
	test -f "$P/sqitch.plan" -a -f "$P/deploy/users@v1.0.sql" -a "$(grep -c '^users ' "$P/sqitch.plan")" = 2

# --- 1. sqitch deploys, migrator adopts --------------------------------------------------------
sq deploy --verify "db:pg:$DB"
got=$(q "$DB" "SELECT count(*) FROM sqitch.changes WHERE project = 'flipr'")
ok_if "sqitch deployed its three changes" same 3 "$got"
got=$(q "$DB" "SELECT string_agg(version || ':' || action, ',') FROM migrator.adopt('$P')")
ok_if "adopt takes sqitch's history (change ids and script hashes match)" \
	same "appschema:adopted,users@v1.0:adopted,users:adopted" "$got"
got=$(states "$DB" "$P")$(q "$DB" "SELECT migrator.verify('$P')" >/dev/null && echo " verified")
ok_if "status is clean, verify passes" \
	same "appschema|applied,users@v1.0|applied,users|applied verified" "$got"
sq add widgets --requires users -n 'Widgets'
printf 'BEGIN;\nCREATE TABLE flipr.widgets (id bigint PRIMARY KEY, owner text REFERENCES flipr.users);\nCOMMIT;\n' >"$P/deploy/widgets.sql"
printf 'BEGIN;\nSELECT id, owner FROM flipr.widgets WHERE FALSE;\nROLLBACK;\n' >"$P/verify/widgets.sql"
printf 'BEGIN;\nDROP TABLE flipr.widgets;\nCOMMIT;\n' >"$P/revert/widgets.sql"
chmod -R a+rX "$P"
got=$(q "$DB" "SELECT string_agg(version || ':' || action, ',') FROM migrator.apply('$P')")
ok_if "a change added with sqitch add is applied by migrator, and only it" same "widgets:applied" "$got"
got=$(q "$DB" "SELECT to_regclass('flipr.widgets') IS NOT NULL")$(states "$DB" "$P")
ok_if "... the table exists, everything applied" \
	same "tappschema|applied,users@v1.0|applied,users|applied,widgets|applied" "$got"
got=$(q "$DB" "SELECT string_agg(version, ',') FROM migrator.revert('$P')")$(q "$DB" "SELECT to_regclass('flipr.widgets') IS NULL")
ok_if "revert runs revert/widgets.sql" same "widgetst" "$got"

# --- 2. from scratch: the same schema as sqitch's ---------------------------------------------
got=$(q "$DB2" "SELECT count(*) FROM migrator.apply('$P')")
ok_if "migrator applies the whole project to an empty database" same 4 "$got"
sq deploy --verify "db:pg:$DB3"
ok_if "sqitch deploys it to another" same 4 "$(q "$DB3" "SELECT count(*) FROM sqitch.changes")"
dump() { pg_dump --schema-only --no-owner -n flipr "$1" | grep -Ev '^(--|$|\\(un)?restrict )'; }
diff <(dump "$DB2") <(dump "$DB3") >"$TMP/out"
ok_if "both dump the same schema flipr" test ! -s "$TMP/out"

BIN=$("$PG_CONFIG" --bindir)/migrator
"$BIN" status "$P" "dbname=$DB2" >"$TMP/out" 2>"$TMP/err"
ok_if "the migrator client sends the project (sqitch.plan and the scripts) as a bundle: all applied" \
	test "$(grep -cE '^ *(appschema|users@v1.0|users|widgets) *\| .*applied' "$TMP/out")" = 4

# --- 3. an edited deploy script ---------------------------------------------------------------
q "$DB3" "CREATE EXTENSION migrator"
printf -- '-- edited\n' >>"$P/deploy/appschema.sql"
q "$DB3" "SELECT * FROM migrator.adopt('$P')" >/dev/null
grep -q 'modified since sqitch deployed it (script hashes differ)' "$TMP/err" && grep -q 'deploy/appschema.sql' "$TMP/err"
ok_if "a deploy script edited after sqitch deployed it: adopt refuses, naming it" test $? = 0
ok_if "... and adopts nothing" same 0 "$(q "$DB3" "SELECT count(*) FROM migrator.journal")"
