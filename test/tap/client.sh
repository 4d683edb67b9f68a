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
# has_all FILE STRING...: every one of the strings is in $TMP/FILE
has_all() {
	local f=$1
	shift
	for s in "$@"; do has "$f" "$s" || return 1; done
}

echo "1..171"
fresh

# --- usage and local errors: 2 ----------------------------------------------------------------
check "--help" 0 "$BIN" --help
ok_if "--help shows the usage" has out "Usage:"
check "no arguments" 2 "$BIN"
ok_if "it says what is missing, and where to look" eval 'has err "expected a command" && has err "Try \"migrator --help\""'
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

# --- every command: its help, and its arguments checked before connecting --------------------
for c in apply migrate status verify revert revert_to baseline adopt repair resolve lint diff generate \
	expand backfill contract abort; do
	check "$c --help" 0 "$BIN" "$c" --help
	ok_if "$c --help shows its usage and an example" \
		eval 'grep -q "^  migrator \[OPTION\]\.\.\. $c" "$TMP/out" && has out "Example"'
done
check "help backfill" 0 "$BIN" help backfill
ok_if "it lists backfill's options, and only those" \
	eval 'has out "--batch-size=N" && has out "--pause=MS" && ! has out "--target"'
check "help of an unknown command" 2 "$BIN" help frobnicate
check "--help lists every command" 0 "$BIN" --help
ok_if "with their arguments" has_all out "  revert_to DIR VERSION " "  baseline DIR VERSION " "  adopt DIR " \
	"  repair DIR " "  resolve DIR VERSION applied|rolled-back " "  diff [SOURCE TARGET] " "  generate FILE " \
	"  expand CHANGE OPS.json|- " "  backfill CHANGE " "  contract CHANGE " "  abort CHANGE "
check "baseline without its version" 2 "$BIN" baseline "$FIX/golang"
ok_if "it says what baseline expects" has err 'baseline expects DIR VERSION'
check "revert_to without its version" 2 "$BIN" revert_to "$FIX/golang"
check "resolve with an unknown outcome" 2 "$BIN" resolve "$FIX/golang" 000001 maybe "dbname=$DB"
ok_if "it names the outcomes" has err 'the outcome of resolve is applied or rolled-back, not "maybe"'
check "adopt without a folder" 2 "$BIN" adopt
check "repair of a folder that does not exist" 2 "$BIN" repair "$TMP/nope" "dbname=$DB"
check "diff with four arguments" 2 "$BIN" diff a b c d
ok_if "it names the first argument too many" has err 'too many arguments, starting with "d"'
check "generate of a file that does not exist" 2 "$BIN" generate "$TMP/nope.sql" "dbname=$DB"
ok_if "it names the file" has err "could not open file \"$TMP/nope.sql\""
check "generate --schema without a value" 2 "$BIN" generate "$TMP/nope.sql" --schema
check "--schema with diff" 2 "$BIN" diff --schema=public "dbname=$DB"
ok_if "it says which command takes it" has err '--schema applies to generate, not diff'
check "expand without its operations" 2 "$BIN" expand ch
check "expand of a file that does not exist" 2 "$BIN" expand ch "$TMP/nope.json" "dbname=$DB"
check "backfill --batch-size=0" 2 "$BIN" backfill --batch-size=0 ch "dbname=$DB"
check "backfill --pause=soon" 2 "$BIN" backfill --pause=soon ch "dbname=$DB"
check "--batch-size with contract" 2 "$BIN" contract --batch-size=10 ch "dbname=$DB"
check "contract without a change" 2 "$BIN" contract
check "abort with too many arguments" 2 "$BIN" abort ch "dbname=$DB" extra

# --- baseline, adopt, repair, resolve, revert_to ----------------------------------------------
fresh
check "baseline" 0 "$BIN" baseline "$FIX/golang" 000002 "dbname=$DB"
ok_if "the two migrations are recorded, not run" \
	eval 'grep -qE "^ 000002 +\| add_gm_users_active +\| baselined" "$TMP/out" &&
	test "$(q -c "SELECT string_agg(version || '"'"':'"'"' || origin, '"'"','"'"' ORDER BY version), to_regclass('"'"'gm_users'"'"') FROM migrator.journal")" = "000001:baseline,000002:baseline|"'
check "baseline to a version the folder does not have" 1 "$BIN" baseline "$FIX/golang" 000009 "dbname=$DB"
ok_if "the server's error is shown" grep -q '^ERROR:  target version "000009" is not a version of the migration folder' "$TMP/err"

fresh
q -c "CREATE TABLE gm_users (id int); CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, true)"
check "adopt a dirty golang-migrate history" 1 "$BIN" adopt "$FIX/golang" "dbname=$DB"
ok_if "the server says why" grep -q "^ERROR:  .*dirty" "$TMP/err"
q -c "UPDATE schema_migrations SET dirty = false"
check "adopt golang-migrate's history" 0 "$BIN" adopt "$FIX/golang" "dbname=$DB"
ok_if "its two migrations are adopted" \
	eval 'test "$(grep -cE "\| adopted" "$TMP/out")" = 2 && test "$(q -c "SELECT count(*) FROM migrator.journal WHERE origin LIKE '"'"'adopted%'"'"'")" = 2'
check "adopt of a folder no tool ran" 1 "$BIN" adopt "$FIX/flyway" "dbname=$DB"

fresh
check "apply before repair" 0 "$BIN" apply "$FIX/flyway" "dbname=$DB"
cp -r "$FIX/flyway" "$TMP/repaired"
echo "-- a comment fixed after it was applied" >>"$TMP/repaired/V1__create_users.sql"
check "repair an edited folder" 0 "$BIN" repair "$TMP/repaired" "dbname=$DB"
ok_if "it names the migration it re-recorded" eval 'grep -qE "^ 1 +\| create_users +\| repaired" "$TMP/out"'
check "verify after repair" 0 "$BIN" verify "$TMP/repaired" "dbname=$DB"
q -c "CREATE ROLE migrator_client_nobody LOGIN" 2>/dev/null
check "repair as a role that may not" 1 "$BIN" repair "$TMP/repaired" "dbname=$DB user=migrator_client_nobody"
ok_if "permission denied" has err "permission denied"
q -c "DROP ROLE migrator_client_nobody"

fresh
mkdir "$TMP/resolve"
printf 'CREATE TABLE cl_r (id int, v int);\nINSERT INTO cl_r VALUES (1, 7), (2, 7);\n' >"$TMP/resolve/V1__r.sql"
printf -- '-- migrator:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY cl_r_v ON cl_r (v);\n' >"$TMP/resolve/V2__idx.sql"
check "migrate with a failing no-transaction migration" 1 "$BIN" migrate "$TMP/resolve" "dbname=$DB"
q -c "DROP INDEX IF EXISTS cl_r_v; UPDATE cl_r SET v = id; CREATE UNIQUE INDEX cl_r_v ON cl_r (v)"
check "resolve it as applied, finished by hand" 0 "$BIN" resolve "$TMP/resolve" 2 applied "dbname=$DB"
ok_if "it says so, and the journal records it" \
	eval 'has out "resolved migration 2: applied" && test "$(q -c "SELECT origin FROM migrator.journal WHERE version = '"'"'2'"'"'")" = resolved'
check "resolve an applied migration again" 1 "$BIN" resolve "$TMP/resolve" 2 rolled-back "dbname=$DB"

fresh
check "migrate golang" 0 "$BIN" migrate "$FIX/golang" "dbname=$DB"
check "revert_to 000002" 0 "$BIN" revert_to "$FIX/golang" 000002 "dbname=$DB"
ok_if "a NOTICE names the reverted migration, then the status table" \
	eval 'has err "NOTICE:  reverted 000003_create_gm_groups" && grep -qE "^ 000003 +\| create_gm_groups +\| pending" "$TMP/out" &&
	test "$(q -c "SELECT string_agg(version, '"'"','"'"' ORDER BY version) FROM migrator.journal")" = 000001,000002'
check "revert_to of a folder without down scripts" 1 "$BIN" revert_to "$TMP/resolve" 0 "dbname=$DB"

# --- diff and generate ------------------------------------------------------------------------
fresh
check "apply before diff" 0 "$BIN" apply "$FIX/flyway" "dbname=$DB"
check "diff: no drift" 0 "$BIN" diff "dbname=$DB"
ok_if "an empty table" has out "(0 rows)"
q -c "CREATE TABLE cl_by_hand (id int)"
check "diff: drift" 0 "$BIN" diff "dbname=$DB"
ok_if "the statement made by hand, in a table with its hazard" \
	eval 'grep -qE "^ +seq +\| +statement +\| +hazard" "$TMP/out" && grep -q "| CREATE TABLE public.cl_by_hand (id integer) |" "$TMP/out"'
q -c "CREATE SCHEMA cl_a; CREATE SCHEMA cl_b; CREATE TABLE cl_b.t (id bigint PRIMARY KEY)"
check "diff of two schemas" 0 "$BIN" diff cl_a cl_b "dbname=$DB"
ok_if "the DDL from the first to the second" grep -q "CREATE TABLE cl_a.t" "$TMP/out"
check "diff of a schema that does not exist" 1 "$BIN" diff cl_a cl_nope "dbname=$DB"
ok_if "the server names it" grep -q '^ERROR:  .*cl_nope' "$TMP/err"
printf 'CREATE TABLE t (id bigint PRIMARY KEY, name text);\n' >"$TMP/desired.sql"
check "generate --schema" 0 "$BIN" generate --schema=cl_a "$TMP/desired.sql" "dbname=$DB"
ok_if "the migration to the desired schema" grep -q "CREATE TABLE cl_a.t" "$TMP/out"
check "generate from standard input" 0 sh -c "\"$BIN\" generate --schema=cl_b - \"dbname=$DB\" <\"$TMP/desired.sql\""
ok_if "the column the file adds" grep -q "ADD COLUMN name text" "$TMP/out"
printf 'CREATE TABLE t (id bigint PRIMARY KEY,\n  name nonesuch);\n' >"$TMP/bad.sql"
check "generate of a file the server refuses" 1 "$BIN" generate "$TMP/bad.sql" "dbname=$DB"
ok_if "its error" grep -q '^ERROR:  type "nonesuch" does not exist' "$TMP/err"
printf 'CREATE TABLE t (id bigint);\n-- caf\xe9\n' >"$TMP/latin1.sql"
check "generate of a file that is not UTF-8: bad local input, exit 2" 2 "$BIN" generate "$TMP/latin1.sql" "dbname=$DB"
ok_if "it names the file and the line" has err "file \"$TMP/latin1.sql\" is not valid UTF-8 at line 2"

# --- zero-downtime changes: expand, backfill, contract, abort ---------------------------------
fresh
q -c "CREATE TABLE cl_bf (id bigint PRIMARY KEY, y int); INSERT INTO cl_bf SELECT g, g FROM generate_series(1, 3000) g; ANALYZE cl_bf"
printf '[{"alter_column": {"table": "cl_bf", "column": "y", "type": "bigint"}}]\n' >"$TMP/ops.json"
check "expand from a file" 0 "$BIN" expand big_y "$TMP/ops.json" "dbname=$DB"
ok_if "it names the schema of the new shape" has out 'change "big_y" is expanded: the new shape is schema "public_big_y"'
check "expand of a reused change name" 1 "$BIN" expand big_y "$TMP/ops.json" "dbname=$DB"
ok_if "the server's error" grep -q '^ERROR:  .*big_y' "$TMP/err"
check "expand of malformed JSON" 1 sh -c "echo '[{' | \"$BIN\" expand bad - \"dbname=$DB\""
ok_if "22P02 from the server" grep -q '^ERROR:  invalid input syntax for type json' "$TMP/err"
check "contract before the backfill" 1 "$BIN" contract big_y "dbname=$DB"
ok_if "the server refuses" grep -q '^ERROR:  ' "$TMP/err"
check "backfill of an unknown change" 1 "$BIN" backfill nope "dbname=$DB"

# not a terminal: a progress line every half second; the pauses make the run last 3 s or more
check "backfill, not on a terminal" 0 "$BIN" backfill --batch-size=100 --pause=100 big_y "dbname=$DB"
ok_if "progress lines: rows done of the total, percent, rate, time left" \
	grep -qE '^backfill of change "big_y": [0-9]+ of about 3000 rows \([0-9]+%\), [0-9]+ rows/s(, about [0-9]+ s left|, under a second left|, finishing)$' "$TMP/err"
ok_if "no escape sequences" eval '! grep -q $'"'"'\r'"'"' "$TMP/err"'
ok_if "the final line, and the change is backfilled" \
	eval 'has out "change \"big_y\" is backfilled: 3000 rows filled, 3000 by this run in" &&
	test "$(q -c "SELECT state, rows_done FROM migrator.changes WHERE name = '"'"'big_y'"'"'")" = "backfilled|3000"'
check "contract" 0 "$BIN" contract big_y "dbname=$DB"
ok_if "only the new shape remains" \
	eval 'has out "change \"big_y\" is contracted" && test "$(q -c "SELECT format_type(atttypid, -1) FROM pg_attribute WHERE attrelid = '"'"'cl_bf'"'"'::regclass AND attname = '"'"'y'"'"'")" = bigint'

# Ctrl-C: the CALL is cancelled on the server, the batches done stay done
check "expand from standard input" 0 sh -c "sed 's/bigint/numeric/' \"$TMP/ops.json\" | \"$BIN\" expand num_y - \"dbname=$DB\""
"$BIN" backfill --batch-size=50 --pause=200 num_y "dbname=$DB" >"$TMP/out" 2>"$TMP/err" &
pid=$!
for _ in $(seq 1 300); do
	[[ $(q -c "SELECT rows_done > 0 FROM migrator.changes WHERE name = 'num_y'") == t ]] && break
	sleep 0.1
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
n=$((n + 1))
if ((rc == 1)); then echo "ok $n - Ctrl-C during a backfill (exit 1)"; else echo "not ok $n - Ctrl-C during a backfill: exit $rc, wanted 1"; fi
ok_if "the server's cancel, and what stays done" \
	eval 'grep -q "^ERROR:  canceling statement due to user request" "$TMP/err" && has err "run it again to continue"'
ok_if "the change is still backfilling, part of it done" \
	test "$(q -c "SELECT state, rows_done BETWEEN 1 AND 2999 FROM migrator.changes WHERE name = 'num_y'")" = "backfilling|t"
for _ in $(seq 1 100); do
	[[ $(q -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CALL migrator.run_backfill%'") == 0 ]] && break
	sleep 0.1
done
ok_if "and the server runs it no more" \
	test "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CALL migrator.run_backfill%'")" = 0

# a terminal (script(1) gives one, where the machine has pseudo-terminals): a bar redrawn in place
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
	check "backfill on a terminal" 0 script -qec "\"$BIN\" backfill --batch-size=50 --pause=100 num_y \"dbname=$DB\"" /dev/null
	ok_if "a bar redrawn in place, with the rows, the rate and the time left" \
		eval 'grep -qaE $'"'"'\r\\[[#.]{20}\\] +[0-9]+%  [0-9]+ of about 3000 rows, [0-9]+ rows/s, (about [0-9]+ s left|under a second left|finishing)\e\\[K'"'"' "$TMP/out"'
	ok_if "then the final line" has out 'change "num_y" is backfilled: 3000 rows filled'
else
	for i in 1 2 3; do n=$((n + 1)); echo "ok $n # SKIP script(1) or a pseudo-terminal is missing"; done
fi
check "abort" 0 "$BIN" abort num_y "dbname=$DB"
ok_if "the table is as before" \
	eval 'has out "change \"num_y\" is aborted" && test "$(q -c "SELECT count(*) FROM migrator.changes WHERE name = '"'"'num_y'"'"' AND state = '"'"'aborted'"'"'")" = 1'
check "abort of an aborted change" 1 "$BIN" abort num_y "dbname=$DB"

# --- lint prints every column lint_dir returns, the hint too ----------------------------------
fresh
check "lint" 0 "$BIN" lint "$FIX/flyway" "dbname=$DB"
ok_if "a hint column, with the safe alternative" \
	eval 'grep -qE "\| +severity +\| +message +\| +hint" "$TMP/out" && grep -q "| Use bigint" "$TMP/out"'
