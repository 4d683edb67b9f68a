#!/usr/bin/env bash
# A backfill cleans up behind itself (src/prune.c): on a table whose pages are full, as after a
# bulk load, every new row version goes elsewhere; run_backfill prunes the blocks of each batch once
# it has committed and records their free space, so that the next batch's versions fill them and
# the table grows by what the rows gained (here the new bigint and the line pointers pruning
# leaves) instead of doubling.  Keyset (primary key) and ctid walks (no key) alike.  Nothing a
# running snapshot can still see is pruned: beside a REPEATABLE READ transaction opened before it,
# the backfill prunes nothing (the table grows as it would without pruning: the measure the other
# two are compared with), and that transaction still reads every old row.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
db=migrator_prune
work=$(mktemp -d)
holder=
trap '[[ -n $holder ]] && kill "$holder" 2>/dev/null; rm -rf "$work"' EXIT
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
ROWS=20000
# load TABLE KEY: a fresh table of $ROWS rows with full pages, expanded (year int -> bigint)
load() {
	q >/dev/null <<SQL
CREATE TABLE $1 (id bigint $2, title text, year int) WITH (autovacuum_enabled = false);
INSERT INTO $1 SELECT g, 'title ' || g, 1900 + g % 120 FROM generate_series(1, $ROWS) g;
VACUUM (ANALYZE) $1;
SELECT migrator.expand('$1', '[{"alter_column": {"table": "$1", "column": "year", "type": "bigint"}}]');
SQL
}
size() { q -c "SELECT pg_relation_size('$1')"; }
backfill() { q -c "CALL migrator.run_backfill('$1', 1000)"; }
filled() { [[ $(q -c "SELECT count(*) FROM $1 WHERE _migrator_new_year IS DISTINCT FROM year::bigint") == 0 ]]; }

echo "1..9"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>/dev/null
q -c "CREATE EXTENSION migrator" >/dev/null

# a snapshot older than the backfill: what it can see stays
load held "PRIMARY KEY"
before=$(size held)
psql -X -q -At -d "$db" >"$work/holder.out" 2>&1 <<'SQL' &
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM held WHERE _migrator_new_year IS NULL;
SELECT pg_sleep(4);
SELECT count(*) FROM held WHERE _migrator_new_year IS NULL;
COMMIT;
SQL
holder=$!
for _ in $(seq 1 100); do
	[[ $(q -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(4);' AND state = 'active'") == 1 ]] && break
	sleep 0.1
done
backfill held
after=$(size held)
wait "$holder"
holder=
check "beside an older snapshot: every row filled" "filled held"
check "the older snapshot read all $ROWS rows unfilled before the backfill" "[[ \$(sed -n 1p '$work/holder.out') == $ROWS ]]"
check "and still after it: nothing it could see was pruned" "[[ \$(sed -n 3p '$work/holder.out') == $ROWS ]]"
grown=$((after - before))
check "so the table grew (nothing prunable: $before -> $after bytes)" "(( after * 3 > before * 4 ))"

load keyed "PRIMARY KEY"
before=$(size keyed)
backfill keyed
after=$(size keyed)
check "keyset walk: every row filled" "filled keyed"
check "keyset walk: the table grew by at most half as much as without pruning ($before -> $after bytes, +$grown without)" \
	"(( (after - before) * 2 <= grown ))"

load nokey ""
before=$(size nokey)
backfill nokey
after=$(size nokey)
check "ctid walk: every row filled" "filled nokey"
check "ctid walk: the same ($before -> $after bytes)" "(( (after - before) * 2 <= grown ))"

q -c "VACUUM held" >/dev/null
check "after the snapshot is gone, VACUUM finds every row filled" "filled held"

psql -X -q -d postgres -c "DROP DATABASE $db WITH (FORCE)"
