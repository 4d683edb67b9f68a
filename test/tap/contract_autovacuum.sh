#!/usr/bin/env bash
# contract clears an autovacuum in its way.  After a backfill, autovacuum vacuums the table and holds
# SHARE UPDATE EXCLUSIVE on it; PostgreSQL cancels an autovacuum that blocks a lock request only
# after deadlock_timeout (1 s), longer than migrator.lock_timeout (500 ms), so contract used to
# wait through every retry.  Here autovacuum is made to vacuum the table very slowly (cost limit 1,
# delay 100 ms: minutes), and contract must cancel it (as pg_repack does) and succeed, logging
# that it did.  The cluster's autovacuum_naptime is set to 1 s for the test and reset afterwards.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
db=migrator_autovacuum
trap 'psql -X -q -d postgres -c "ALTER SYSTEM RESET autovacuum_naptime" -c "SELECT pg_reload_conf()" >/dev/null
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null' EXIT
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
LOG=$ROOT/.cluster/server.log

echo "1..4"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>/dev/null
q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION migrator;
CREATE TABLE books (id bigint PRIMARY KEY, price int) WITH (autovacuum_enabled = false);
INSERT INTO books SELECT g, g % 100 FROM generate_series(1, 20000) g;
SELECT migrator.expand('slow_av', '[{"alter_column": {"table": "books", "column": "price", "type": "bigint"}}]');
CALL migrator.run_backfill('slow_av', 5000);
-- every dead row version calls for a vacuum, which crawls
ALTER TABLE books SET (autovacuum_enabled = true, autovacuum_vacuum_threshold = 0,
	autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_cost_limit = 1, autovacuum_vacuum_cost_delay = 100);
SQL
psql -X -q -d postgres -c "ALTER SYSTEM SET autovacuum_naptime = '1s'" -c "SELECT pg_reload_conf()" >/dev/null
started=0
for _ in $(seq 1 600); do # at most 60 s for the launcher to start a worker on the table
	av=$(q -c "SELECT pid FROM pg_stat_progress_vacuum WHERE relid = 'books'::regclass")
	[[ -n $av ]] && started=1 && break
	sleep 0.1
done
check "an autovacuum worker vacuums the table (pid ${av:-none})" "[[ $started == 1 ]]"

log0=$(stat -c %s "$LOG")
q -c "SELECT migrator.contract('slow_av')" >/tmp/migrator_autovacuum.$$ 2>&1
rc=$?
check "contract succeeds beside it" "[[ $rc == 0 ]]"
((rc == 0)) || sed 's/^/#   /' /tmp/migrator_autovacuum.$$ | tail -3
rm -f /tmp/migrator_autovacuum.$$
check "having cancelled that autovacuum (server log)" \
	"tail -c +$((log0 + 1)) '$LOG' | grep -q 'migrator: cancelling autovacuum (pid ${av:-0}) of table'"
check "the change is contracted" "[[ \$(q -c \"SELECT state FROM migrator.changes WHERE name = 'slow_av'\") == contracted ]]"
