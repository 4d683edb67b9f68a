#!/usr/bin/env bash
# Scheduled backfills never fail silently or forever (issue 17, item 5).
#
# A. On the test cluster (pg_cron in cron.database_name = 'postgres', background workers on), in both
#    layouts: a change of the postgres database itself, and a change of another database (scheduled
#    there with cron.schedule_in_database by a background worker).  The job's own command (what
#    pg_cron runs each minute) backfills, then unschedules the job from pg_cron's database once the
#    change is backfilled, and also when the change was contracted or aborted meanwhile; rows_done
#    is the rows filled, finished_at is set; migrator.change_status shows the job.  One real
#    scheduled run in the other-database layout.
# B. On a throwaway cluster of its own without cron.use_background_workers, listening on a socket
#    only: schedule_backfill refuses (55000) while cron.host cannot reach the server (the default
#    localhost, a directory with no socket), accepts cron.host = the socket directory, and a real
#    run there backfills; a job whose runs fail to connect shows 'failed' and pg_cron's message in
#    migrator.change_status.
# pg_cron 1.4 runs jobs on minute boundaries: the real runs take up to ~2 minutes.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
MAIN_HOST=$PGHOST MAIN_PORT=$PGPORT
other=migrator_cron_other

echo "1..33"

# setup DB PREFIX: a table of 3000 rows and three changes on copies of it (c1 for the backfill,
# c2 to contract, c3 to abort, c4 for a real scheduled run)
setup() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" >/dev/null <<SQL
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS migrator CASCADE;
CREATE EXTENSION migrator;
DROP TABLE IF EXISTS ${2}_1, ${2}_2, ${2}_3, ${2}_4 CASCADE;
DROP SCHEMA IF EXISTS public_c1, public_c2, public_c3, public_c4 CASCADE;
CREATE TABLE ${2}_1 (id bigint PRIMARY KEY, y int);
INSERT INTO ${2}_1 SELECT g, g FROM generate_series(1, 3000) g;
CREATE TABLE ${2}_2 AS SELECT * FROM ${2}_1; ALTER TABLE ${2}_2 ADD PRIMARY KEY (id);
CREATE TABLE ${2}_3 AS SELECT * FROM ${2}_1; ALTER TABLE ${2}_3 ADD PRIMARY KEY (id);
CREATE TABLE ${2}_4 AS SELECT * FROM ${2}_1; ALTER TABLE ${2}_4 ADD PRIMARY KEY (id);
ANALYZE;
SELECT migrator.expand('c1', '{"alter_column": {"table": "${2}_1", "column": "y", "type": "bigint", "up": "y * 2"}}');
SELECT migrator.expand('c2', '{"alter_column": {"table": "${2}_2", "column": "y", "type": "bigint"}}');
SELECT migrator.expand('c3', '{"alter_column": {"table": "${2}_3", "column": "y", "type": "bigint"}}');
SELECT migrator.expand('c4', '{"alter_column": {"table": "${2}_4", "column": "y", "type": "bigint", "up": "y * 3"}}');
-- 100 rows written by the application: the backfill does not fill them
UPDATE ${2}_1 SET y = y WHERE id <= 100;
SQL
}
jobs_of() { psql -X -q -At -d postgres -c "SELECT count(*) FROM cron.job WHERE jobname = 'migrator backfill $2' AND database = '$1'"; }

# layout DB JOBNAME-SUFFIX PREFIX: the checks of part A in database DB
layout() {
	local db=$1 sfx=$2 p=$3 what=$4
	setup "$db" "$p"
	q -c "SELECT migrator.schedule_backfill('c1')" >/dev/null
	check "$what: schedule_backfill creates the job in pg_cron's database" "[[ \$(jobs_of $db 'c1$sfx') == 1 ]]"
	check "$what: migrator.change_status shows it scheduled, not run yet" \
		"[[ \$(q -c \"SELECT cron_scheduled, cron_status IS NULL FROM migrator.change_status WHERE name = 'c1'\") == 't|t' ]]"
	# what pg_cron runs each minute (the job's command); 1000-row batches for 3 × 50 s at most
	q -c "SET migrator.backfill_progress = 0" -c "CALL migrator.backfill_slice('c1', 1000, 50)" 2>"$tmp/notices" >/dev/null
	check "$what: the job's command backfills the change" \
		"[[ \$(q -c \"SELECT state FROM migrator.changes WHERE name = 'c1'\") == backfilled ]]"
	check "$what: rows_done is the rows it filled (3000 less the 100 written), finished_at is set" \
		"[[ \$(q -c \"SELECT rows_done, finished_at IS NOT NULL FROM migrator.changes WHERE name = 'c1'\") == '2900|t' ]]"
	check "$what: it reported its progress and its end" \
		"grep -q 'backfill of change \"c1\": 900 of about 3000 rows' $tmp/notices && grep -q 'backfill of change \"c1\" is done: 2900 rows filled' $tmp/notices"
	check "$what: then unscheduled its job" "[[ \$(jobs_of $db 'c1$sfx') == 0 ]]"
	check "$what: every row holds up(old)" \
		"[[ \$(q -c \"SELECT count(*) FROM ${p}_1 WHERE _migrator_new_y IS DISTINCT FROM y * 2 AND id > 100\") == 0 ]]"

	# contracted, aborted meanwhile: the next run unschedules the job and succeeds
	q -c "SELECT migrator.schedule_backfill('c2')" -c "CALL migrator.run_backfill('c2')" \
		-c "SELECT migrator.contract('c2')" >/dev/null 2>&1
	check "$what: a job of a contracted change runs without error" \
		"q -c \"CALL migrator.backfill_slice('c2', 1000, 50)\" >/dev/null 2>&1"
	check "$what: and unschedules itself" "[[ \$(jobs_of $db 'c2$sfx') == 0 ]]"
	q -c "SELECT migrator.schedule_backfill('c3')" -c "SELECT migrator.abort('c3')" >/dev/null
	check "$what: a job of an aborted change runs without error and unschedules itself" \
		"q -c \"CALL migrator.backfill_slice('c3', 1000, 50)\" >/dev/null 2>&1 && [[ \$(jobs_of $db 'c3$sfx') == 0 ]]"
}

tmp=$(mktemp -d /tmp/migrator-cron.XXXXXX)
chmod 755 "$tmp"
if ((EUID == 0)); then OWNER=postgres; else OWNER=$(id -un); fi
as_owner() { if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi; }
PGBIN=$(dirname "$(command -v pg_ctl)")
work=$tmp/cluster
DATA=$work/data
ctl() { as_owner "$PGBIN/pg_ctl" -D "$DATA" -l "$work/server.log" -t 60 "$@" >/dev/null 2>&1; }
cleanup() {
	ctl -m immediate stop
	PGHOST=$MAIN_HOST PGPORT=$MAIN_PORT psql -X -q -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $other" \
		-c "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'migrator backfill %'" \
		-c "DROP TABLE IF EXISTS cron_same_1, cron_same_2, cron_same_3, cron_same_4 CASCADE" \
		-c "DROP SCHEMA IF EXISTS public_c1, public_c2, public_c3, public_c4 CASCADE" \
		-c "DROP EXTENSION IF EXISTS migrator CASCADE" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pg_cron" \
	-c "DROP DATABASE IF EXISTS $other" -c "CREATE DATABASE $other" >/dev/null
db=postgres layout postgres "" cron_same "same database"
db=$other layout "$other" " in $other" cron_other "other database"

# a real scheduled run, other database (checked after part B, which waits too)
db=$other
real_job=$(q -c "SELECT migrator.schedule_backfill('c4')")

# --- B. no background workers, socket only ---------------------------------------------------
mkdir -p "$work/run" && chown "$OWNER" "$work" "$work/run"
as_owner "$PGBIN/initdb" -D "$DATA" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
	--no-instructions >"$work/initdb.log" 2>&1
cat >>"$DATA/postgresql.conf" <<EOF
port = 55433
listen_addresses = ''
unix_socket_directories = '$work/run'
fsync = off
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = off
EOF
# runs of role cronfail cannot connect
printf 'local all cronfail reject\n%s\n' "$(cat "$DATA/pg_hba.conf")" >"$DATA/pg_hba.conf.new" &&
	mv "$DATA/pg_hba.conf.new" "$DATA/pg_hba.conf" && chown "$OWNER" "$DATA/pg_hba.conf"
ctl -w start
export PGHOST=$work/run PGPORT=55433
db=app
psql -X -q -d postgres -c "CREATE EXTENSION pg_cron" -c "CREATE DATABASE app" -c "CREATE ROLE cronfail SUPERUSER" >/dev/null
setup app tb
out=$(q -v VERBOSITY=verbose -c "SELECT migrator.schedule_backfill('c1')" 2>&1)
check "no background workers, cron.host localhost, no TCP: schedule_backfill refuses" \
	"[[ \$out == *'pg_cron cannot run the backfill of change \"c1\"'* && \$out == *'listen_addresses is empty'* ]]"
check "its hint names the fix: background workers or cron.host = the socket directory" \
	"[[ \$out == *\"cron.use_background_workers = on, or cron.host = '$work/run'\"* ]]"
check "the refusal is 55000, nothing scheduled" \
	"[[ \$out == *'ERROR:  55000: pg_cron cannot run'* && \$(psql -X -At -d postgres -c 'SELECT count(*) FROM cron.job') == 0 ]]"

echo "cron.host = '/nonexistent/dir'" >>"$DATA/postgresql.conf"
ctl -w restart
out=$(q -c "SELECT migrator.schedule_backfill('c1')" 2>&1)
check "cron.host a directory without this server's socket: refused" \
	"[[ \$out == *'a directory that holds none of this server'* ]]"

echo "cron.host = '$work/run'" >>"$DATA/postgresql.conf"
ctl -w restart
check "cron.host = the socket directory: schedule_backfill accepts" \
	"[[ \$(q -c \"SELECT migrator.schedule_backfill('c1')\") =~ ^[0-9]+\$ ]]"
q -c "SET ROLE cronfail" -c "SELECT migrator.schedule_backfill('c2')" >/dev/null

# the runs: c1 over the socket (libpq), c2 as a role that may not connect
state= failed=
for _ in $(seq 1 36); do
	state=$(q -c "SELECT state FROM migrator.changes WHERE name = 'c1'")
	failed=$(q -c "SELECT cron_status FROM migrator.change_status WHERE name = 'c2'")
	[[ $state == backfilled && $failed == failed ]] && break
	sleep 5
done
check "a real run over cron.host = the socket directory backfilled the change" "[[ \$state == backfilled ]]"
check "and its job is gone" "[[ \$(psql -X -At -d postgres -c \"SELECT count(*) FROM cron.job WHERE jobname = 'migrator backfill c1 in app'\") == 0 ]]"
check "a job whose runs cannot connect: migrator.change_status shows status failed" "[[ \$failed == failed ]]"
check "and pg_cron's message" \
	"[[ \$(q -c \"SELECT cron_message FROM migrator.change_status WHERE name = 'c2'\") == *'connection failed'* ]]"
check "and the failed runs, the job still scheduled" \
	"[[ \$(q -c \"SELECT cron_failed_runs > 0, cron_scheduled FROM migrator.change_status WHERE name = 'c2'\") == 't|t' ]]"
ctl -m fast stop

# --- A, the real run of the other database's job
export PGHOST=$MAIN_HOST PGPORT=$MAIN_PORT
db=$other
state=
for _ in $(seq 1 30); do
	state=$(q -c "SELECT state FROM migrator.changes WHERE name = 'c4'")
	[[ $state == backfilled && $(jobs_of "$other" "c4 in $other") == 0 ]] && break
	sleep 5
done
check "other database, real run of job $real_job: the change is backfilled" "[[ \$state == backfilled ]]"
check "the job unscheduled itself from pg_cron's database" "[[ \$(jobs_of $other 'c4 in $other') == 0 ]]"
check "every row holds up(old)" \
	"[[ \$(q -c \"SELECT count(*) FROM cron_other_4 WHERE _migrator_new_y IS DISTINCT FROM y * 3\") == 0 ]]"
