#!/usr/bin/env bash
# contract and abort under application writers: pgbench clients update the table through the new
# shape (search_path = the version schema, public: they lock the view, then the table) and through
# the old shape (the table itself) while contract or abort runs, for a rename, a type change and a
# multi-operation change.  No application transaction may fail: pgbench 15 counts a deadlock as a
# failed transaction and aborts a client on any other error (exit status 2), and both are checked.
# Each writer sets only columns that exist in its shape both before and after the end of the
# change.  Also: an application session holding a lock contract needs is waited for, never
# cancelled, and contract then fails cleanly (nothing half-done).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
db=migrator_traffic
work=$(mktemp -d)
chmod 755 "$work"
bg=()
trap 'for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null' EXIT
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
ROWS=2000
SECS=${MIGRATOR_TRAFFIC_SECS:-8} # of traffic per case; contract or abort starts once it flows

# a fresh books table with ROWS rows, expanded by change $1 with ops $2 and backfilled
reset() {
	q -v change="$1" -v ops="$2" -v rows="$ROWS" >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS books CASCADE;
CREATE TABLE books (id bigint PRIMARY KEY, title text NOT NULL, price int, stock int NOT NULL DEFAULT 0);
INSERT INTO books SELECT g, 'title ' || g, g % 100, 0 FROM generate_series(1, :rows) g;
VACUUM ANALYZE books;
SELECT migrator.expand(:'change', :'ops');
CALL migrator.run_backfill(:'change');
SQL
}
# writer NAME SEARCH_PATH SET-LIST CLIENTS: a pgbench updating random books for SECS seconds
writer() {
	printf '\\set id random(1, %d)\nUPDATE books SET %s WHERE id = :id;\n' "$ROWS" "$3" >"$work/$1.sql"
	PGOPTIONS="-c search_path=$2" pgbench -n -c "$4" -T "$SECS" -f "$work/$1.sql" "$db" >"$work/$1.out" 2>&1 &
	bg+=($!)
}
updates() { q -c "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'books'"; }
# failed OUT: the failures a pgbench output reports (aborted clients, failed transactions)
failed() {
	grep -E 'aborted|ERROR|number of failed transactions: [1-9]' "$1" | head -3
	grep -q '^number of transactions actually processed: [1-9]' "$1" || echo "no transaction processed"
}

# run_case CHANGE OPS END NEW-SET OLD-SET CHECK-SQL: expand and backfill, writers through both
# shapes, END (contract or abort) under their traffic; CHECK-SQL must then return t
run_case() {
	local change=$1 ops=$2 end=$3 before pid_new pid_old rc=0 during=1 bad=""
	reset "$change" "$ops"
	before=$(updates)
	writer "$change.new" "public_$change,public" "$4" 4
	pid_new=$!
	writer "$change.old" "public" "$5" 2
	pid_old=$!
	# the traffic flows: both pgbench runs connected, updates counted
	for _ in $(seq 1 200); do
		[[ $(q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench' AND datname = '$db'") -ge 6 &&
			$(updates) -gt $before ]] && break
		sleep 0.05
	done
	q -c "SELECT migrator.$end('$change')" >"$work/$change.end" 2>&1 || rc=$?
	kill -0 "$pid_new" 2>/dev/null && kill -0 "$pid_old" 2>/dev/null || during=0
	wait "$pid_new" || bad+="new-shape pgbench exit $? "
	wait "$pid_old" || bad+="old-shape pgbench exit $? "
	bg=()
	bad+=$(failed "$work/$change.new.out")$(failed "$work/$change.old.out")
	check "$change: $end under writers through both shapes succeeds" "[[ $rc == 0 ]]"
	((rc == 0)) || sed 's/^/#   /' "$work/$change.end" | tail -3
	check "$change: it ran while the writers ran" "[[ $during == 1 ]]"
	check "$change: 0 failed application transactions" "[[ -z \"\$bad\" ]]"
	[[ -z $bad ]] || echo "#   $bad" | head -3
	check "$change: the table as $end leaves it" "[[ \$(q -c \"$6\") == t ]]"
}

echo "1..28"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>/dev/null
q -c "CREATE EXTENSION migrator"

RENAME='[{"rename_column": {"table": "books", "from": "price", "to": "cost"}}]'
RETYPE='[{"alter_column": {"table": "books", "column": "price", "type": "bigint"}}]'
MULTI='[{"rename_column": {"table": "books", "from": "title", "to": "name"}},
	{"alter_column": {"table": "books", "column": "price", "type": "bigint", "nullable": false, "check": "price >= 0"}},
	{"add_column": {"table": "books", "column": {"name": "isbn", "type": "text", "default": "'"''"'"}}}]'
cols="SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attname) FROM pg_attribute WHERE attrelid = 'books'::regclass AND attnum > 0 AND NOT attisdropped"

run_case rename_c "$RENAME" contract "cost = cost + 1, stock = stock + 1" "stock = stock + 1" \
	"SELECT ($cols) = 'cost integer, id bigint, stock integer, title text'"
run_case rename_a "$RENAME" abort "stock = stock + 1" "price = price + 1, stock = stock + 1" \
	"SELECT ($cols) = 'id bigint, price integer, stock integer, title text'"
run_case retype_c "$RETYPE" contract "price = price + 1, stock = stock + 1" "price = price + 1, stock = stock + 1" \
	"SELECT ($cols) = 'id bigint, price bigint, stock integer, title text'"
run_case retype_a "$RETYPE" abort "price = price + 1, stock = stock + 1" "price = price + 1, stock = stock + 1" \
	"SELECT ($cols) = 'id bigint, price integer, stock integer, title text'"
run_case multi_c "$MULTI" contract "name = name || '', price = price + 1, isbn = 'x'" "price = price + 1, stock = stock + 1" \
	"SELECT ($cols) = 'id bigint, isbn text, name text, price bigint, stock integer' AND (SELECT attnotnull FROM pg_attribute WHERE attrelid = 'books'::regclass AND attname = 'price')"
run_case multi_a "$MULTI" abort "price = price + 1, stock = stock + 1" "title = title || '', price = price + 1" \
	"SELECT ($cols) = 'id bigint, price integer, stock integer, title text'"

# an application session holding a lock contract needs: waited for, never cancelled
reset held "$RETYPE"
PGAPPNAME=holder psql -X -q -d "$db" -c "BEGIN" -c "LOCK TABLE books IN SHARE UPDATE EXCLUSIVE MODE" -c "SELECT pg_sleep(300)" >/dev/null 2>&1 &
holder=$!
bg+=("$holder")
for _ in $(seq 1 200); do
	[[ $(q -c "SELECT count(*) FROM pg_locks WHERE relation = 'books'::regclass AND mode = 'ShareUpdateExclusiveLock' AND granted") == 1 ]] && break
	sleep 0.05
done
PGOPTIONS="-c migrator.lock_retries=2" q -c "\\set VERBOSITY verbose" -c "SELECT migrator.contract('held')" >"$work/held.out" 2>&1
check "contract behind an application's lock gives up with 55P03" "grep -q '55P03' '$work/held.out'"
check "and leaves the application's session alone" "kill -0 $holder 2>/dev/null"
check "and the change open and whole: trigger, view, new column" \
	"[[ \$(q -c \"SELECT (SELECT state FROM migrator.changes WHERE name = 'held') || ' ' || (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'books'::regclass AND tgname = '_migrator_dual_write') || ' ' || (SELECT count(*) FROM pg_views WHERE schemaname = 'public_held') || ' ' || ($cols)\") == 'backfilled 1 1 _migrator_needs_backfill boolean, _migrator_new_price bigint, id bigint, price integer, stock integer, title text' ]]"
q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder'" >/dev/null
wait "$holder" 2>/dev/null
bg=()
check "once the session is gone, contract succeeds" "q -c \"SELECT migrator.contract('held')\" >/dev/null 2>&1"
