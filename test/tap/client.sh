#!/usr/bin/env bash
# The migrator client program against the test cluster over its socket: it sends a local folder
# as a bundle, prints results as psql does, and exits 0 (success), 1 (a migration failed or the
# server refused) or 2 (usage, a local folder or file that cannot be read or is not UTF-8, or a
# connection error).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
BIN=$("$PG_CONFIG" --bindir)/migrator
FIX=$ROOT/test/fixtures
DB=migrator_client
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>/dev/null' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
fresh() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" 2>/dev/null
	[[ ${1:-} == bare ]] || q -c "CREATE EXTENSION migrator"
}

n=0
# check DESCRIPTION EXPECTED_RC COMMAND...: runs the client, keeping stdout and stderr in
# $TMP/out and $TMP/err, and passes when its exit status is EXPECTED_RC.
check() {
	local what=$1 want=$2 rc=0
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	n=$((n + 1))
	if ((rc == want)); then echo "ok $n - $what (exit $rc)"
	else
		echo "not ok $n - $what: exit $rc, wanted $want"
		sed 's/^/#   /' "$TMP/out" "$TMP/err"
	fi
}
# ok_if DESCRIPTION CONDITION...: one more test, passing when the condition holds.
ok_if() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		sed 's/^/#   /' "$TMP/out" "$TMP/err"
	fi
}
has() { grep -qF -- "$2" "$TMP/$1"; }

echo "1..43"
fresh

# --- usage and local errors: 2 ----------------------------------------------------------------
check "--help" 0 "$BIN" --help
ok_if "--help shows the usage" has out "Usage:"
check "no arguments" 2 "$BIN"
ok_if "it says what is missing, and where to look" has err 'expected a command and a folder'
check "an unknown command" 2 "$BIN" frobnicate "$FIX/flyway" "dbname=$DB"
ok_if "it names the command" has err 'unknown command "frobnicate"'
check "a folder that does not exist" 2 "$BIN" status "$TMP/nope" "dbname=$DB"
ok_if "it names the folder" has err "could not open migration folder \"$TMP/nope\""
check "--steps=0" 2 "$BIN" revert --steps=0 "$FIX/golang" "dbname=$DB"
check "--dry-run with status" 2 "$BIN" status --dry-run "$FIX/golang" "dbname=$DB"

# --- connection errors: 2 ---------------------------------------------------------------------
check "a database that does not exist" 2 "$BIN" status "$FIX/flyway" "dbname=migrator_no_such_db"
ok_if "libpq's message is shown" has err 'database "migrator_no_such_db" does not exist'
fresh bare
check "a database without the extension" 2 "$BIN" status "$FIX/flyway" "dbname=$DB"
ok_if "it says to CREATE EXTENSION" has err 'CREATE EXTENSION migrator'
fresh

# --- apply, status, verify: 0 -----------------------------------------------------------------
check "apply --dry-run" 0 "$BIN" apply --dry-run "$FIX/flyway" "dbname=$DB"
ok_if "dry run lists what it would apply, and applies nothing" \
	eval 'has out "would apply" && [[ $(q -c "SELECT count(*) FROM migrator.journal") == 0 ]]'
check "apply a Flyway folder" 0 "$BIN" apply "$FIX/flyway" "dbname=$DB"
ok_if "a psql table of what was applied" \
	eval 'grep -qE "^ version +\| +name +\| +action +\| duration_ms" "$TMP/out" && has out "(6 rows)"'
ok_if "the journal has the six migrations" eval '[[ $(q -c "SELECT count(*) FROM migrator.journal") == 6 ]]'
check "status, with a URI" 0 "$BIN" status "$FIX/flyway" "postgresql:///$DB?host=$PGHOST&port=$PGPORT"
ok_if "all applied" eval '[[ $(grep -c "| applied |" "$TMP/out") == 6 ]]'
check "verify" 0 "$BIN" verify "$FIX/flyway" "dbname=$DB"

# --- the server refuses: 1 --------------------------------------------------------------------
cp -r "$FIX/flyway" "$TMP/edited"
echo "-- edited after it was applied" >>"$TMP/edited/V1__create_users.sql"
check "verify an edited folder" 1 "$BIN" verify "$TMP/edited" "dbname=$DB"
ok_if "the error is printed as psql does, with its detail" \
	eval 'grep -q "^ERROR:  migration folder does not match the journal" "$TMP/err" && grep -q "^DETAIL:  V1__create_users.sql: modified" "$TMP/err"'

fresh
mkdir "$TMP/failing"
printf 'CREATE TABLE cl_a (id int);\n' >"$TMP/failing/V1__a.sql"
printf 'CREATE TABLE cl_b (id int);\n\nINSERT INTO cl_missing VALUES (1);\n' >"$TMP/failing/V2__b.sql"
check "apply with a failing migration" 1 "$BIN" apply "$TMP/failing" "dbname=$DB"
ok_if "ERROR and CONTEXT name the relation, the file and the line" \
	eval 'grep -q "^ERROR:  relation \"cl_missing\" does not exist" "$TMP/err" && grep -q "migration \"V2__b.sql\", line 3" "$TMP/err"'
ok_if "and nothing was applied" test "$(q -c "SELECT count(*), to_regclass('cl_a') FROM migrator.journal")" = "0|"
printf 'SELECT 1;\n-- caf\xe9\n' >"$TMP/failing/V3__latin1.sql"
check "a file that is not UTF-8: bad local input, exit 2 as the README says" 2 "$BIN" status "$TMP/failing" "dbname=$DB"
ok_if "it names the file and the line" has err 'migration file "V3__latin1.sql" is not valid UTF-8 at line 2'

# --- migrate and revert -----------------------------------------------------------------------
fresh
check "migrate --target" 0 "$BIN" migrate --target=000002 "$FIX/golang" "dbname=$DB"
ok_if "NOTICEs say what was applied, then the status table" \
	eval 'has err "NOTICE:  applied 000002_add_gm_users_active.up.sql" && [[ $(grep -c "| applied |" "$TMP/out") == 2 ]] && has out "| pending |"'
check "revert" 0 "$BIN" revert "$FIX/golang" "dbname=$DB"
ok_if "revert printed the reverted migration" eval 'grep -qE "^ 000002 +\| add_gm_users_active +\| reverted" "$TMP/out"'
ok_if "and the journal lost it" test "$(q -c "SELECT string_agg(version, ',') FROM migrator.journal")" = 000001

# --- lint ------------------------------------------------------------------------------------
fresh
check "lint of a folder with warnings only" 0 "$BIN" lint "$FIX/flyway" "dbname=$DB"
ok_if "the findings are a table" eval 'grep -qE "^ +path +\| line \| col \| +rule" "$TMP/out" && has out "prefer-bigint-key"'
mkdir "$TMP/lint"
printf 'CREATE TABLE cl_l (id bigint PRIMARY KEY, v text);\n' >"$TMP/lint/V1__t.sql"
printf '\nALTER TABLE cl_l ALTER COLUMN v SET NOT NULL;\n' >"$TMP/lint/V2__nn.sql"
q -c "CREATE TABLE cl_l (id bigint PRIMARY KEY, v text)"
printf 'CREATE TABLE cl_l (id bigint PRIMARY KEY, v text);\n' >"$TMP/lint/V1__t.sql"
q -c "SELECT * FROM migrator.baseline('{\"V1__t.sql\": \"CREATE TABLE cl_l (id bigint PRIMARY KEY, v text);\\n\"}'::jsonb, '1')" >/dev/null
check "lint of a folder with an error finding" 1 "$BIN" lint "$TMP/lint" "dbname=$DB"
ok_if "it names the file, line and rule" eval 'grep -qE "^ V2__nn.sql +\| +2 \|.*setting-not-null +\| error" "$TMP/out"'

# --- folder-per-migration layouts and large folders -------------------------------------------
fresh
check "a Prisma folder (subfolders, a space in a name)" 0 "$BIN" apply "$FIX/prisma" "dbname=$DB"
ok_if "its three migrations were applied" eval '[[ $(q -c "SELECT count(*) FROM migrator.journal") == 3 ]]'
fresh
mkdir "$TMP/many"
for i in $(seq 1 130); do printf 'CREATE TABLE cl_t%d (id int);\n' "$i" >"$TMP/many/$(printf '%04d' "$i")_t$i.sql"; done
check "130 migrations (several jsonb_build_object calls)" 0 "$BIN" migrate "$TMP/many" "dbname=$DB"
ok_if "all 130 are applied, in order" test "$(q -c "SELECT count(*), string_agg(version, ',' ORDER BY id)
	= string_agg(version, ',' ORDER BY version) FROM migrator.journal")" = "130|t"
ok_if "and their checksums are those of the files" \
	test "$(q -c "SELECT checksum FROM migrator.journal WHERE version = '0042'")" = \
	"$(sha256sum "$TMP/many/0042_t42.sql" | cut -c1-64)"
