#!/usr/bin/env bash
# A backfill scheduled with pg_cron completes by itself and unschedules its job.
# pg_cron lives in cron.database_name (the harness sets it to 'postgres'), so this test uses that
# database and leaves nothing of its own behind.  It waits at most 150 s (pg_cron 1.4 runs jobs on
# minute boundaries).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
db=$(psql -X -At -d postgres -c "SHOW cron.database_name")
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"

echo "1..6"
q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
DROP EXTENSION IF EXISTS migrator CASCADE;
CREATE EXTENSION migrator;
DROP TABLE IF EXISTS cron_books;
DROP SCHEMA IF EXISTS public_cron_year CASCADE;
CREATE TABLE cron_books (id bigint PRIMARY KEY, published_year int);
INSERT INTO cron_books SELECT g, 1900 + g % 100 FROM generate_series(1, 30000) g;
SELECT migrator.expand('cron_year', '{"alter_column": {"table": "cron_books", "column": "published_year",
  "type": "bigint", "up": "published_year * 10", "down": "(published_year / 10)::int"}}');
SQL
job=$(q -c "SELECT migrator.schedule_backfill('cron_year', '* * * * *', 1000)")
[[ $(q -c "SELECT count(*) FROM cron.job WHERE jobid = $job AND command LIKE 'CALL migrator.backfill_slice(%'") == 1 ]] &&
	echo "ok 1 - schedule_backfill created pg_cron job $job" || echo "not ok 1 - no pg_cron job"
[[ $(q -c "SELECT cron_job FROM migrator.changes WHERE name = 'cron_year'") == "$job" ]] &&
	echo "ok 2 - the job is recorded in migrator.changes" || echo "not ok 2 - job not recorded"

state=
for _ in $(seq 1 30); do
	state=$(q -c "SELECT state FROM migrator.changes WHERE name = 'cron_year'")
	[[ $state == backfilled && $(q -c "SELECT count(*) FROM cron.job WHERE jobid = $job") == 0 ]] && break
	sleep 5
done
[[ $state == backfilled ]] && echo "ok 3 - the scheduled backfill completed by itself" ||
	echo "not ok 3 - state is '$state' after 150 s"
[[ $(q -c "SELECT count(*) FROM cron.job WHERE jobid = $job") == 0 ]] &&
	echo "ok 4 - the job unscheduled itself" || echo "not ok 4 - job $job is still scheduled"
[[ $(q -c "SELECT count(*) FROM cron_books WHERE _migrator_new_published_year IS DISTINCT FROM published_year * 10") == 0 ]] &&
	echo "ok 5 - every row holds up(old)" || echo "not ok 5 - some rows were not backfilled"

q -c "SELECT migrator.contract('cron_year')" >/dev/null &&
	[[ $(q -c "SELECT state FROM migrator.changes WHERE name = 'cron_year'") == contracted ]] &&
	echo "ok 6 - the change contracts once backfilled" || echo "not ok 6 - contract failed"

q <<'SQL'
SET client_min_messages = warning;
DROP TABLE cron_books CASCADE;
DROP EXTENSION migrator CASCADE;
SQL
