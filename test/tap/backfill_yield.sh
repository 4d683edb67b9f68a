#!/usr/bin/env bash
# A backfill yields to the application: run_backfill looks after each batch whether another client
# session is running a query and, if one is, keeps its batches to migrator.backfill_yield percent of
# the time (default 20); alone it runs at migrator.backfill_share (default 100, full speed).  What is
# checked is the decision, which the backfill reports at DEBUG1 when it changes, never a duration.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
db=migrator_yield
work=$(mktemp -d)
sleeper=
trap '[[ -n $sleeper ]] && kill "$sleeper" 2>/dev/null; rm -rf "$work"' EXIT
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
# backfill CHANGE [SETTINGS]: run_backfill with DEBUG1 messages, which go to $work/CHANGE.log
backfill() {
	PGOPTIONS="-c client_min_messages=debug1 ${2:-}" \
		psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL migrator.run_backfill('$1', 200)" >"$work/$1.log" 2>&1
}
state() { q -c "SELECT state FROM migrator.changes WHERE name = '$1'"; }

echo "1..8"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>/dev/null
q >/dev/null <<'SQL'
CREATE EXTENSION migrator;
CREATE TABLE alone (id bigint PRIMARY KEY, year int);
CREATE TABLE busy (id bigint PRIMARY KEY, year int);
CREATE TABLE never (id bigint PRIMARY KEY, year int);
INSERT INTO alone SELECT g, 1900 + g % 120 FROM generate_series(1, 4000) g;
INSERT INTO busy SELECT * FROM alone;
INSERT INTO never SELECT * FROM alone;
SELECT migrator.expand(t, jsonb_build_array(jsonb_build_object('alter_column',
	jsonb_build_object('table', t, 'column', 'year', 'type', 'bigint'))))
FROM unnest(ARRAY['alone', 'busy', 'never']) t;
SQL

backfill alone
check "alone, the backfill completes" "[[ \$(state alone) == backfilled ]]"
# the negative checks need the positive one: the backfill says its share at the first batch
check "alone, it runs at full speed and never yields" \
	"grep -q 'backfill of change \"alone\": batches take 100% of the time' '$work/alone.log' && ! grep -q 'yields to' '$work/alone.log'"

# another session running a query (as pg_stat_activity shows it: active)
psql -X -q -d "$db" -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
sleeper=$!
for _ in $(seq 1 100); do
	[[ $(q -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(120)' AND state = 'active'") == 1 ]] && break
	sleep 0.1
done
backfill busy
check "beside a running session, the backfill completes" "[[ \$(state busy) == backfilled ]]"
check "and yields to it: batches take 20% of the time" \
	"grep -q 'backfill of change \"busy\" yields to 1 running session: batches take 20% of the time' '$work/busy.log'"

backfill never "-c migrator.backfill_yield=100"
check "with migrator.backfill_yield = 100 it completes" "[[ \$(state never) == backfilled ]]"
check "and runs at full speed, never yielding" \
	"grep -q 'backfill of change \"never\": batches take 100% of the time' '$work/never.log' && ! grep -q 'yields to' '$work/never.log'"
q -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(120)'" >/dev/null
wait "$sleeper" 2>/dev/null || true
sleeper=

check "every row of the three tables has new = up(old)" \
	"[[ \$(q -c 'SELECT (SELECT count(*) FROM alone WHERE _migrator_new_year IS DISTINCT FROM year::bigint) + (SELECT count(*) FROM busy WHERE _migrator_new_year IS DISTINCT FROM year::bigint) + (SELECT count(*) FROM never WHERE _migrator_new_year IS DISTINCT FROM year::bigint)') == 0 ]]"
check "a backfill_yield out of range is refused" \
	"! q -c \"LOAD 'migrator'\" -c 'SET migrator.backfill_yield = 0' 2>'$work/range.err' && grep -q '0 is outside the valid range for parameter \"migrator.backfill_yield\"' '$work/range.err'"

psql -X -q -d postgres -c "DROP DATABASE $db WITH (FORCE)"
