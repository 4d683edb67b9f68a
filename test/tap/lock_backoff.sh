#!/usr/bin/env bash
# Lock retries wait as announced.  A session holds a lock on the table a migration alters: held for
# 15 s, the migration waits it out (with the default migrator.lock_timeout and lock_retries) and
# applies; held longer than the whole budget, the migration fails cleanly (55P03, nothing applied)
# after the total its NOTICEs announce, plus one lock_timeout per attempt, within 20% -- the one
# timing assertion (before the fix each sleep was cut short by the deadlock_timeout alarm left armed
# by the failed lock wait: ~10 s instead of 15.5 + 3).  No announced sleep exceeds 10 s, and a
# cancel ends a sleep.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
db=migrator_backoff
work=$(mktemp -d)
chmod 755 "$work"
holder=
trap '[[ -n $holder ]] && kill "$holder" 2>/dev/null; rm -rf "$work"
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null' EXIT
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"

# hold SECONDS: a session (application_name holder) holding ACCESS EXCLUSIVE on books for SECONDS
hold() {
	PGAPPNAME=holder psql -X -q -d "$db" -c "BEGIN" -c "LOCK TABLE books" -c "SELECT pg_sleep($1)" \
		-c "COMMIT" >/dev/null 2>&1 &
	holder=$!
	for _ in $(seq 1 200); do
		[[ $(q -c "SELECT count(*) FROM pg_locks WHERE relation = 'books'::regclass AND mode = 'AccessExclusiveLock' AND granted") == 1 ]] && return
		sleep 0.05
	done
}
release() {
	q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder'" >/dev/null
	wait "$holder" 2>/dev/null
	holder=
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# announced FILE: the sum of the sleeps the NOTICEs of FILE announce, in ms, and their count
announced() { grep -o 'retrying in [0-9]* ms' "$1" | awk '{ s += $3; n++ } END { print s + 0, n + 0 }'; }
# migration N SQL: migration N added to the folder $work/m
migration() {
	mkdir -p "$work/m"
	printf '%s\n' "$2" >"$work/m/V$1__m.sql"
	chmod -R a+rX "$work/m"
}

echo "1..9"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>/dev/null
q -c "CREATE EXTENSION migrator" -c "CREATE TABLE books (id int PRIMARY KEY, title text)"

# --- 1. a 15 s lock: waited out with the defaults --------------------------------------------------
migration 1 "ALTER TABLE books ADD COLUMN note text;"
hold 15
q -c "SELECT count(*) FROM migrator.apply('$work/m')" >"$work/wait.out" 2>&1
rc=$?
release
read -r total count < <(announced "$work/wait.out")
check "held 15 s, the migration waits it out and applies" "[[ $rc == 0 && \$(q -c \"SELECT count(*) FROM pg_attribute WHERE attrelid = 'books'::regclass AND attname = 'note'\") == 1 ]]"
((rc == 0)) || sed 's/^/#   /' "$work/wait.out" | tail -3
check "after retrying (announced: $count sleeps, $total ms)" "((count >= 1 && total >= 10000))"

# --- 2. held longer than the budget: a clean failure after the announced total ----------------------
migration 2 "ALTER TABLE books ADD COLUMN isbn text;"
hold 300
t0=$(now_ms)
PGOPTIONS="-c migrator.lock_retries=5" q -c "\\set VERBOSITY verbose" \
	-c "SELECT count(*) FROM migrator.apply('$work/m')" >"$work/fail.out" 2>&1
rc=$?
t1=$(now_ms)
release
read -r total count < <(announced "$work/fail.out")
elapsed=$((t1 - t0))
expected=$((total + 6 * 500)) # 6 attempts of lock_timeout each, 5 sleeps
check "held past the budget, the migration fails with 55P03" "[[ $rc != 0 ]] && grep -q 55P03 '$work/fail.out'"
check "after 5 retries" "[[ $count == 5 ]]"
check "in the time announced: ${elapsed} ms for ${expected} ms (sleeps + attempts), within 20%" \
	"((elapsed * 10 >= expected * 8 && elapsed * 10 <= expected * 12))"
check "nothing applied: no column, no journal entry" \
	"[[ \$(q -c \"SELECT (SELECT count(*) FROM pg_attribute WHERE attrelid = 'books'::regclass AND attname = 'isbn') + (SELECT count(*) FROM migrator.journal WHERE version = '2')\") == 0 ]]"

# --- 3. the cap: no announced sleep over 10 s, whatever the jitter -----------------------------------
check "no announced sleep exceeds 10000 ms" \
	"! grep -ho 'retrying in [0-9]* ms' '$work/wait.out' '$work/fail.out' | awk '\$3 > 10000 { bad = 1 } END { exit !bad }'"

# --- 4. a cancel ends a sleep --------------------------------------------------------------------
hold 300
PGAPPNAME=waiter psql -X -q -d "$db" -c "SELECT count(*) FROM migrator.apply('$work/m')" >"$work/cancel.out" 2>&1 &
waiter=$!
for _ in $(seq 1 400); do # until it sleeps between two attempts
	[[ $(q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'waiter' AND wait_event_type = 'Extension'") == 1 ]] && break
	sleep 0.05
done
q -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'waiter'" >/dev/null
wait "$waiter"
release
check "a cancel during a sleep ends the migration with the cancel's error" \
	"grep -q 'canceling statement due to user request' '$work/cancel.out'"
check "and nothing applied" "[[ \$(q -c \"SELECT count(*) FROM pg_attribute WHERE attrelid = 'books'::regclass AND attname = 'isbn'\") == 0 ]]"
