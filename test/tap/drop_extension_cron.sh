#!/usr/bin/env bash
# DROP EXTENSION migrator unschedules the pg_cron jobs of this database that run scheduled backfills
# (their procedure goes with the extension: left behind, they would fail every minute), those of
# schedule_backfill() and those scheduled by hand with CALL migrator.backfill_slice; other jobs
# stay.  pg_cron lives in cron.database_name (the harness sets it to 'postgres'), so this test uses
# that database and leaves nothing of its own behind.  The jobs are scheduled for January 1st: none
# of them runs while the test does.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
db=$(psql -X -At -d postgres -c "SHOW cron.database_name")
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
jobs_named() { q -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'drop\_cron%' OR jobname = 'migrator backfill drop_cron_year'"; }

echo "1..7"
q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
DROP EXTENSION IF EXISTS migrator CASCADE;
SELECT cron.unschedule(jobid) FROM cron.job
	WHERE jobname LIKE 'drop\_cron%' OR jobname = 'migrator backfill drop_cron_year';
CREATE EXTENSION migrator;
DROP SCHEMA IF EXISTS public_drop_cron_year CASCADE;
DROP TABLE IF EXISTS drop_cron_books;
CREATE TABLE drop_cron_books (id bigint PRIMARY KEY, published_year int);
INSERT INTO drop_cron_books SELECT g, 1900 + g % 100 FROM generate_series(1, 100) g;
SELECT migrator.expand('drop_cron_year', '{"alter_column": {"table": "drop_cron_books",
  "column": "published_year", "type": "bigint"}}');
SELECT migrator.schedule_backfill('drop_cron_year', '0 0 1 1 *');
SELECT cron.schedule('drop_cron_by_hand', '0 0 1 1 *', 'CALL migrator.backfill_slice(''other'', 1000, 50)');
SELECT cron.schedule('drop_cron_other', '0 0 1 1 *', 'SELECT 1');
SQL
check "three jobs scheduled: schedule_backfill's, one by hand, one unrelated" "[[ \$(jobs_named) == 3 ]]"
err=$(q -c "DROP EXTENSION migrator" 2>&1 || true)
check "DROP EXTENSION migrator is refused while the change is open" \
	"[[ \$err == *'cannot drop extension migrator: change \"drop_cron_year\" is open'* ]]"
check "and the jobs are still there" "[[ \$(jobs_named) == 3 ]]"
out=$(q -c "SET client_min_messages = notice" -c "DROP EXTENSION migrator CASCADE" 2>&1)
check "DROP EXTENSION migrator CASCADE aborts the change and unschedules the two backfill jobs" \
	"[[ \$out == *'aborted open change \"drop_cron_year\"'* && \$out == *'unscheduled 2 pg_cron backfill jobs'* ]]"
check "the backfill jobs are gone" \
	"[[ \$(q -c \"SELECT count(*) FROM cron.job WHERE command LIKE '%migrator.backfill_slice%'\") == 0 ]]"
check "the unrelated job stays" "[[ \$(q -c \"SELECT count(*) FROM cron.job WHERE jobname = 'drop_cron_other'\") == 1 ]]"
cols=$(q -c "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
	FROM pg_attribute WHERE attrelid = 'drop_cron_books'::regclass AND attnum > 0 AND NOT attisdropped")
check "the table is as before the change ($cols)" "[[ \$cols == 'id bigint, published_year integer' ]]"

q >/dev/null <<'SQL'
SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'drop\_cron%';
DROP TABLE drop_cron_books;
SQL
