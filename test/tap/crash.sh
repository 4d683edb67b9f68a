#!/usr/bin/env bash
# Crash safety, on a throwaway cluster of its own (it is stopped with -m immediate).  Seeded: the
# seed is printed, CRASH_SEED=N repeats a run, CRASH_ROUNDS=N changes the number of rounds (50),
# CRASH_TIMEOUT=S the bound on each migrate or backfill call (120 s; test/sanitize raises it).
#
# A. CALL migrator.migrate of a folder of 12 migrations (one builds an index concurrently, outside
#    a transaction block) is interrupted at a random moment, by pg_terminate_backend or by stopping
#    the server with -m immediate.  After restart the journal matches the schema exactly: every
#    recorded migration's table exists with all its rows, no unrecorded migration's table exists,
#    and the index exists and is valid when its migration is recorded.  The one exception is
#    PostgreSQL's: a concurrent build cannot be atomic with anything, so an interrupted one may
#    leave its index (invalid, or valid when only the recording was cut short) with its migration
#    unrecorded; the rerun settles it (drops and rebuilds an invalid one, takes a valid one of the
#    very shape as built) and completes, recording all 12.
# B. CALL migrator.run_backfill is interrupted the same way.  After restart no row marked filled
#    holds anything but up(old); a resumed backfill completes and every row holds up(old).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
ROUNDS=${CRASH_ROUNDS:-50}
LIMIT=${CRASH_TIMEOUT:-120}
SEED=${CRASH_SEED:-$(date +%s)}
RANDOM=$SEED

work=$(mktemp -d /tmp/migrator-crash.XXXXXX)
chmod 755 "$work"
if ((EUID == 0)); then OWNER=postgres; else OWNER=$(id -un); fi
as_owner() { if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi; }
PGBIN=$(dirname "$(command -v pg_ctl)")
DATA=$work/data
# the server runs as test/setup's does: through MIGRATOR_SERVER_WRAPPER when one is set (the
# sanitizer and valgrind checks, whose instrumented migrator.so needs their runtime)
WRAPPER=${MIGRATOR_SERVER_WRAPPER:-}
ctl() {
	as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$work/server.log" -t "${MIGRATOR_START_TIMEOUT:-60}" \
		${WRAPPER:+-p "$WRAPPER"} "$@" >/dev/null 2>&1
}
cleanup() { ctl -m immediate stop; rm -rf "$work"; }
trap cleanup EXIT

# the port: the first one without a socket lock in our socket dir
PORT=55432
mkdir -p "$work/run" && chown "$OWNER" "$work" "$work/run"
export PGHOST=$work/run PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
as_owner "$PGBIN/initdb" -D "$DATA" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
	--no-instructions >"$work/initdb.log" 2>&1 || { echo "1..0 # SKIP initdb failed"; exit 0; }
cat >>"$DATA/postgresql.conf" <<EOF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$work/run'
fsync = off
max_worker_processes = 16
log_min_messages = fatal
EOF
ctl -w start || { echo "1..0 # SKIP the crash cluster did not start"; exit 0; }

echo "1..$((ROUNDS * 2 + 2))"
echo "# seed $SEED (CRASH_SEED=$SEED repeats this run), $ROUNDS rounds each"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"

# interrupt APPNAME: after a random 0..1.5 s, terminate the backends of APPNAME, or stop the
# server with -m immediate and start it again.  Prints what it did.
interrupt() {
	local delay=$((RANDOM % 1500)) how=$((RANDOM % 2))
	sleep "$(printf '0.%03d' "$delay")"
	if ((how == 0)); then
		psql -X -q -At -d postgres -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = '$1'" >/dev/null 2>&1
		echo "terminated after ${delay} ms"
	else
		ctl -m immediate stop
		ctl -w start
		echo "crashed the server after ${delay} ms"
	fi
}

# --- A. migrate ------------------------------------------------------------------------------
dir=$work/migrations
mkdir "$dir"
for i in $(seq 1 12); do
	if ((i == 6)); then
		printf -- '-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY crash_idx ON crash_3 (v);\n' >"$dir/V6__index.sql"
	else
		printf 'CREATE TABLE crash_%d (id int PRIMARY KEY, v text);\nINSERT INTO crash_%d SELECT g, md5(g::text) FROM generate_series(1, 40000) g;\n' \
			"$i" "$i" >"$dir/V${i}__table_$i.sql"
	fi
done
chmod -R a+rX "$dir"

# consistent: prints nothing when the journal matches the schema, else what does not
consistent() {
	q <<'SQL'
WITH recorded AS (SELECT version::int AS v FROM migrator.journal),
	 tables AS (SELECT replace(relname, 'crash_', '')::int AS v FROM pg_class
				WHERE relname ~ '^crash_[0-9]+$' AND relkind = 'r')
SELECT format('V%s recorded but crash_%s missing', v, v) FROM recorded WHERE v <> 6 AND v NOT IN (SELECT v FROM tables)
UNION ALL
SELECT format('crash_%s exists but V%s is not recorded', v, v) FROM tables WHERE v NOT IN (SELECT v FROM recorded)
UNION ALL
SELECT format('crash_%s has %s rows', v, n) FROM tables,
	LATERAL (SELECT (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM crash_%s', v), false, true, '')))[1]::text::int AS n) c
WHERE n <> 40000
UNION ALL
SELECT 'V6 recorded but crash_idx is missing or invalid' FROM recorded
WHERE v = 6 AND NOT EXISTS (SELECT FROM pg_index WHERE indexrelid = to_regclass('crash_idx') AND indisvalid)
UNION ALL
SELECT 'crash_idx exists but the migration before it, V5, is not recorded'
WHERE NOT EXISTS (SELECT FROM recorded WHERE v = 5) AND to_regclass('crash_idx') IS NOT NULL;
SQL
}

db=crash_migrate
cut=0 # rounds whose interrupt came before the run had recorded all 12
for r in $(seq 1 "$ROUNDS"); do
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null 2>&1
	q -c "CREATE EXTENSION migrator"
	PGAPPNAME=crash_migrate timeout "$LIMIT" psql -X -q -d "$db" -c "CALL migrator.migrate('$dir')" >"$work/migrate.log" 2>&1 &
	pid=$!
	how=$(interrupt crash_migrate)
	wait "$pid"
	recorded=$(q -c "SELECT count(*) FROM migrator.journal")
	((recorded >= 12)) || cut=$((cut + 1))
	leftover=$(q -c "SELECT CASE WHEN NOT EXISTS (SELECT FROM migrator.journal WHERE version = '6')
		THEN (SELECT CASE WHEN indisvalid THEN ', a valid index left unrecorded' ELSE ', an invalid index left' END
			  FROM pg_index WHERE indexrelid = to_regclass('crash_idx')) END")
	problems=$(consistent 2>&1)
	if [[ -n $problems ]]; then
		not_ok "migrate round $r ($how, $recorded recorded): the journal does not match the schema"
		echo "$problems" | head -5 | sed 's/^/#   /'
		continue
	fi
	rc=0
	PGAPPNAME=rerun timeout "$LIMIT" psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL migrator.migrate('$dir')" >"$work/rerun.log" 2>&1 || rc=$?
	((rc != 124)) || echo "timed out after $LIMIT s (CRASH_TIMEOUT)" >>"$work/rerun.log"
	if ((rc == 0)) && [[ $(q -c "SELECT count(*) FROM migrator.journal") == 12 && -z $(consistent) ]]; then
		ok "migrate round $r ($how, $recorded of 12 recorded$leftover): journal and schema agree; the rerun completed"
	else
		not_ok "migrate round $r ($how, $recorded recorded): the rerun did not complete"
		grep -E 'ERROR|DETAIL|timed out' "$work/rerun.log" | head -3 | sed 's/^/#   /'
	fi
done
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
# The rounds above prove something only if some interrupts came before the run had finished.
check "migrate: $cut of $ROUNDS rounds were interrupted before all 12 were recorded" '((cut > 0))'

# --- B. run_backfill -------------------------------------------------------------------------
db=crash_backfill
cut=0 # rounds whose interrupt came before every row was filled
for r in $(seq 1 "$ROUNDS"); do
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null 2>&1
	q >/dev/null <<'SQL'
CREATE EXTENSION migrator;
CREATE TABLE books (id bigint PRIMARY KEY, published_year int);
INSERT INTO books SELECT g, 1900 + g % 120 FROM generate_series(1, 150000) g;
SELECT migrator.expand('year', '{"alter_column": {"table": "books", "column": "published_year",
	"type": "bigint", "up": "published_year::bigint * 10", "down": "(published_year / 10)::int"}}');
SQL
	PGAPPNAME=crash_backfill timeout "$LIMIT" psql -X -q -d "$db" -c "CALL migrator.run_backfill('year', 1000)" >"$work/backfill.log" 2>&1 &
	pid=$!
	how=$(interrupt crash_backfill)
	wait "$pid"
	done_rows=$(q -c "SELECT count(*) FROM books WHERE NOT _migrator_needs_backfill")
	((done_rows >= 150000)) || cut=$((cut + 1))
	wrong=$(q -c "SELECT count(*) FROM books WHERE NOT _migrator_needs_backfill
		AND _migrator_new_published_year IS DISTINCT FROM published_year::bigint * 10")
	if [[ $wrong != 0 ]]; then
		not_ok "backfill round $r ($how): $wrong rows marked filled hold something else"
		continue
	fi
	if timeout "$LIMIT" psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL migrator.run_backfill('year', 1000)" >"$work/resume.log" 2>&1 &&
		[[ $(q -c "SELECT count(*) FILTER (WHERE _migrator_new_published_year IS DISTINCT FROM published_year::bigint * 10),
			count(*) FROM books") == "0|150000" && $(q -c "SELECT state FROM migrator.changes") == backfilled ]]; then
		ok "backfill round $r ($how, $done_rows rows filled before): none wrong; resumed, every row holds up(old)"
	else
		not_ok "backfill round $r ($how): the resumed backfill did not complete"
		grep -E 'ERROR|DETAIL' "$work/resume.log" | head -3 | sed 's/^/#   /'
	fi
done
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
check "run_backfill: $cut of $ROUNDS rounds were interrupted before every row was filled" '((cut > 0))'
