#!/usr/bin/env bash
# Online runs interrupted at every step (issue 21), on a throwaway cluster of its own (it is
# stopped with -m immediate).  Seeded: the seed is printed, ONLINE_SEED=N repeats a run,
# ONLINE_ROUNDS=N changes the number of rounds (30).
#
# test/fixtures/online's second migration runs online on a table of 20000 rows: concurrent index
# builds in the background worker, constraints added NOT VALID then validated, NOT NULL through a
# validated check, keys through unique indexes built concurrently.  Each round interrupts it at a
# random moment within the time one uninterrupted online run takes (pg_terminate_backend, or the
# server stopped with -m immediate), then runs migrate again: it resumes at the first step not
# done (migrator.online_progress) and must end in exactly the schema (pg_dump -s) and journal
# (versions, checksums, statement counts) of a plain, uninterrupted run.  The statement and step
# each interrupt left are printed; the rounds must have cut the run at several of them.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
ROUNDS=${ONLINE_ROUNDS:-30}
LIMIT=${CRASH_TIMEOUT:-120}
SEED=${ONLINE_SEED:-$(date +%s)}
RANDOM=$SEED
FIX=$ROOT/test/fixtures/online

work=$(mktemp -d /tmp/migrator-online.XXXXXX)
chmod 755 "$work"
if ((EUID == 0)); then OWNER=postgres; else OWNER=$(id -un); fi
as_owner() { if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi; }
PGBIN=$(dirname "$(command -v pg_ctl)")
DATA=$work/data
WRAPPER=${MIGRATOR_SERVER_WRAPPER:-}
ctl() {
	as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$work/server.log" -t "${MIGRATOR_START_TIMEOUT:-60}" \
		${WRAPPER:+-p "$WRAPPER"} "$@" >/dev/null 2>&1
}
cleanup() { ctl -m immediate stop; rm -rf "$work"; }
trap cleanup EXIT

PORT=55442
mkdir -p "$work/run" && chown "$OWNER" "$work" "$work/run"
export PGHOST=$work/run PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
as_owner "$PGBIN/initdb" -D "$DATA" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
	--no-instructions >"$work/initdb.log" 2>&1 || { echo "1..0 # SKIP initdb failed"; exit 0; }
cat >>"$DATA/postgresql.conf" <<EOC
port = $PORT
listen_addresses = ''
unix_socket_directories = '$work/run'
fsync = off
max_worker_processes = 16
log_min_messages = fatal
EOC
ctl -w start || { echo "1..0 # SKIP the cluster did not start"; exit 0; }

echo "1..$((ROUNDS + 2))"
echo "# seed $SEED (ONLINE_SEED=$SEED repeats this run), $ROUNDS rounds"
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }

fresh() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null 2>&1
	q -c "CREATE EXTENSION migrator"
	q -c "SET migrator.lint = off" -c "CALL migrator.migrate('$FIX', '20240101000000_init')" 2>/dev/null
	q -c "INSERT INTO author SELECT g, 'a' || g FROM generate_series(1, 100) g" \
		-c "INSERT INTO book SELECT g, 't' || g, 'i' || g, 1 + g % 100, g FROM generate_series(1, 20000) g"
}
dump() { pg_dump -s --no-owner --no-privileges -N migrator "$db" | sed -e '/^--/d' -e '/^$/d' -e '/^\\\(un\)\?restrict /d'; }
journal() { q -c "SELECT version, checksum, statements FROM migrator.journal ORDER BY id"; }
migrate() { # migrate APPNAME ARGS: the folder, online, under the bound
	PGAPPNAME=$1 timeout "$LIMIT" psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET migrator.lint = off" \
		-c "CALL migrator.migrate('$FIX'$2)"
}

# the reference: a plain run; and how long one online run takes, to spread the interrupts over
db=online_ref
fresh
migrate plain "" >"$work/ref.log" 2>&1
dump >"$work/ref.sql"
journal >"$work/ref.journal"
fresh
start=$(date +%s%N)
migrate online ", online => true" >"$work/online.log" 2>&1
span=$((($(date +%s%N) - start) / 1000000))
dump >"$work/online.sql"
check "an uninterrupted online run ends in the plain run's schema and journal (${span} ms)" \
	'diff -q "$work/ref.sql" "$work/online.sql" >/dev/null && [[ $(journal) == "$(cat "$work/ref.journal")" ]]'

db=online_resume
declare -A cut_at
for r in $(seq 1 "$ROUNDS"); do
	fresh
	migrate online_resume ", online => true" >"$work/run.log" 2>&1 &
	pid=$!
	delay=$((RANDOM % (span + 1)))
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	if ((RANDOM % 2 == 0)); then
		psql -X -q -At -d postgres -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = 'online_resume'" >/dev/null 2>&1
		how="terminated after $delay ms"
	else
		ctl -m immediate stop
		ctl -w start
		how="crashed the server after $delay ms"
	fi
	wait "$pid"
	at=$(q -c "SELECT CASE WHEN EXISTS (SELECT FROM migrator.journal WHERE version = '20240102000000_keys') THEN 'done'
		ELSE coalesce((SELECT format('statement %s step %s', stmt + 1, step) FROM migrator.online_progress), 'not begun') END")
	cut_at[$at]=1
	rc=0
	migrate rerun ", online => true" >"$work/rerun.log" 2>&1 || rc=$?
	if ((rc == 0)) && dump | diff -q "$work/ref.sql" - >/dev/null && [[ $(journal) == "$(cat "$work/ref.journal")" &&
		$(q -c "SELECT count(*) FROM migrator.online_progress") == 0 ]]; then
		ok "round $r ($how, at $at): the rerun resumed and ended in the plain run's schema and journal"
	else
		not_ok "round $r ($how, at $at): the rerun did not end in the plain run's schema and journal"
		grep -E 'ERROR|DETAIL|CONTEXT' "$work/rerun.log" | head -4 | sed 's/^/#   /'
		dump | diff "$work/ref.sql" - | head -10 | sed 's/^/#   /'
	fi
done
points=$(printf '%s\n' "${!cut_at[@]}" | grep -c '^statement')
echo "# interrupted at: $(printf '%s; ' "${!cut_at[@]}")"
check "the interrupts cut the online run at $points different statements and steps" '((points >= 3))'
