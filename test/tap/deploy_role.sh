#!/usr/bin/env bash
# A login role made a deployer with migrator.grant_deploy() deploys through the migrator client
# (bundles) and runs a zero-downtime change whose backfill pg_cron runs as that role; after
# revoke_deploy() the client is refused again.  pg_cron lives in cron.database_name (the harness
# sets it to 'postgres'), so this test uses that database and leaves nothing of its own behind.
# It waits at most 150 s for the scheduled backfill (pg_cron 1.4 runs jobs on minute boundaries).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
BIN=$("$PG_CONFIG" --bindir)/migrator
db=$(psql -X -At -d postgres -c "SHOW cron.database_name")
ROLE=migrator_tap_cron_deployer
AS_DEP="dbname=$db user=$ROLE"
TMP=$(mktemp -d)
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
# d ARGS...: psql as the deployer
d() { psql -X -q -At -v ON_ERROR_STOP=1 "$AS_DEP" "$@"; }
cleanup() {
	rm -rf "$TMP"
	q >/dev/null 2>&1 <<SQL
SET client_min_messages = warning;
SELECT cron.unschedule(jobid) FROM cron.job WHERE username = '$ROLE';
DROP SCHEMA IF EXISTS deploy_app, deploy_app_deploy_year CASCADE;
DROP EXTENSION IF EXISTS migrator CASCADE;
DROP OWNED BY $ROLE;
DROP ROLE IF EXISTS $ROLE;
SQL
}
trap cleanup EXIT
# client COMMAND [ARGS...]: the client as the deployer; its exit status in $rc, output in $TMP/out
client() { rc=0; "$BIN" "$1" "${@:2}" "$TMP/app" "$AS_DEP" >"$TMP/out" 2>&1 || rc=$?; }

echo "1..20"
cleanup
TMP=$(mktemp -d)
q >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION migrator;
CREATE ROLE $ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE SCHEMA deploy_app AUTHORIZATION $ROLE;
SQL
mkdir -p "$TMP/app"
cat >"$TMP/app/V1__books.sql" <<'SQL'
CREATE TABLE deploy_app.books (id bigint PRIMARY KEY, year int);
INSERT INTO deploy_app.books SELECT g, 1900 + g % 100 FROM generate_series(1, 20000) g;
SQL
echo 'ALTER TABLE deploy_app.books ADD COLUMN title text;' >"$TMP/app/V2__title.sql"
echo 'ALTER TABLE deploy_app.books DROP COLUMN title;' >"$TMP/app/U2__title.sql"

client status
check "not a deployer yet: the client is refused (exit 1)" '((rc == 1)) && grep -q "permission denied for function status" "$TMP/out"'
q -c "SELECT migrator.grant_deploy('$ROLE')" >/dev/null
check "grant_deploy gives it USAGE on pg_cron's schema" \
	'[[ $(q -c "SELECT has_schema_privilege('"'$ROLE'"', '"'cron'"', '"'USAGE'"')") == t ]]'
check "and no CREATE on the database" \
	'[[ $(q -c "SELECT has_database_privilege('"'$ROLE'"', current_database(), '"'CREATE'"')") == f ]]'
client status
check "client status" '((rc == 0)) && [[ $(grep -c "| pending" "$TMP/out") == 2 ]]'
client lint
check "client lint" '((rc == 0))'
client apply --target=1
check "client apply --target=1" '((rc == 0)) && grep -q "applied" "$TMP/out"'
client migrate
check "client migrate" '((rc == 0))'
check "both applied, by the deployer" \
	'[[ $(q -c "SELECT count(*) || '"' '"' || string_agg(DISTINCT applied_by, '"','"') FROM migrator.journal") == "2 $ROLE" ]]'
client verify
check "client verify" '((rc == 0))'
client revert
check "client revert" '((rc == 0)) && [[ $(q -c "SELECT count(*) FROM migrator.journal") == 1 ]]'
client migrate
check "client migrate again" '((rc == 0)) && [[ $(q -c "SELECT count(*) FROM migrator.journal") == 2 ]]'

# a zero-downtime change, backfilled by pg_cron as the deployer
d -c "SELECT migrator.expand('deploy_year', '{\"alter_column\": {\"schema\": \"deploy_app\", \"table\": \"books\",
  \"column\": \"year\", \"type\": \"bigint\", \"up\": \"year * 10\", \"down\": \"(year / 10)::int\"}}')" >/dev/null
check "expand as the deployer" '[[ $(q -c "SELECT started_by FROM migrator.changes WHERE name = '"'deploy_year'"'") == "$ROLE" ]]'
job=$(d -c "SELECT migrator.schedule_backfill('deploy_year', '* * * * *', 1000)")
check "schedule_backfill as the deployer" '[[ $job =~ ^[0-9]+$ ]]'
check "the pg_cron job runs as the deployer" \
	'[[ $(q -c "SELECT username FROM cron.job WHERE jobid = ${job:-0}") == "$ROLE" ]]'
state=
for _ in $(seq 1 30); do
	state=$(q -c "SELECT state FROM migrator.changes WHERE name = 'deploy_year'")
	[[ $state == backfilled && $(q -c "SELECT count(*) FROM cron.job WHERE jobid = ${job:-0}") == 0 ]] && break
	sleep 5
done
check "the scheduled backfill completed as the deployer" '[[ $state == backfilled ]]'
check "its job unscheduled itself" '[[ $(q -c "SELECT count(*) FROM cron.job WHERE jobid = ${job:-0}") == 0 ]]'
check "every row holds up(old)" \
	'[[ $(q -c "SELECT count(*) FROM deploy_app.books WHERE _migrator_new_year IS DISTINCT FROM year * 10") == 0 ]]'
d -c "SELECT migrator.contract('deploy_year')" >/dev/null
check "contract as the deployer" \
	'[[ $(q -c "SELECT state || '"' '"' || (to_regnamespace('"'deploy_app_deploy_year'"') IS NULL) FROM migrator.changes WHERE name = '"'deploy_year'"'") == "contracted true" ]]'

# revoke_deploy: refused again
q -c "SELECT migrator.revoke_deploy('$ROLE')" >/dev/null
client status
check "after revoke_deploy the client is refused again (exit 1)" \
	'((rc == 1)) && grep -q "permission denied for function status" "$TMP/out"'
check "and its USAGE on pg_cron's schema is gone" \
	'[[ $(q -c "SELECT has_schema_privilege('"'$ROLE'"', '"'cron'"', '"'USAGE'"')") == f ]]'
