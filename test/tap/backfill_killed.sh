#!/usr/bin/env bash
# The books rename (published_year -> publication_year, also widened to bigint) under concurrent
# writes through both shapes, with a backfill that is killed once (pg_terminate_backend) and
# resumed: afterwards every row has new = up(old); after contract only the new shape remains and no
# row or value is lost.  Writers are pgbench on the unix socket, bounded in time.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
db=migrator_killed
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"

echo "1..8"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>/dev/null
q >/dev/null <<'SQL'
CREATE EXTENSION migrator;
CREATE TABLE books (id bigint PRIMARY KEY, title text NOT NULL, published_year int);
INSERT INTO books SELECT g, 'book ' || g, 1900 + g % 120 FROM generate_series(1, 200000) g;
ANALYZE books;
SELECT migrator.expand('year', '[
  {"rename_column": {"table": "books", "from": "published_year", "to": "publication_year"}},
  {"alter_column": {"table": "books", "column": "publication_year", "type": "bigint"}}]');
SQL

# the old application writes published_year; the new one publication_year
cat >"$work/old.sql" <<'SQL'
\set id random(1, 200000)
UPDATE books SET published_year = 2000 + :id % 20 WHERE id = :id;
SQL
cat >"$work/new.sql" <<'SQL'
\set id random(1, 200000)
UPDATE books SET publication_year = 3000 + :id % 20 WHERE id = :id;
SQL
pgbench -n -f "$work/old.sql" -c 2 -T 12 "$db" >"$work/old.log" 2>&1 &
old_pid=$!
PGOPTIONS='-c search_path=public_year,public' pgbench -n -f "$work/new.sql" -c 2 -T 12 "$db" >"$work/new.log" 2>&1 &
new_pid=$!

# a backfill, killed once it has made progress ...
psql -X -q -d "$db" -c "CALL migrator.run_backfill('year', 500, '2 ms')" >"$work/bf1.log" 2>&1 &
bf_pid=$!
for _ in $(seq 1 100); do
	[[ $(q -c "SELECT rows_done > 0 FROM migrator.changes WHERE name = 'year'") == t ]] && break
	sleep 0.1
done
q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND query LIKE 'CALL migrator.run_backfill%'" >/dev/null
wait "$bf_pid" || true
done_at_kill=$(q -c "SELECT rows_done FROM migrator.changes WHERE name = 'year'")
key_at_kill=$(q -c "SELECT last_key[1] FROM migrator.change_tables WHERE change = 'year'")
check "the killed backfill had made progress ($done_at_kill rows) and stopped" \
	"[[ $done_at_kill -gt 0 && \$(q -c \"SELECT state FROM migrator.changes WHERE name = 'year'\") == backfilling ]]"

# ... and resumed while both applications keep writing
q -c "CALL migrator.run_backfill('year', 500)" >/dev/null
check "the resumed backfill completed" \
	"[[ \$(q -c \"SELECT state FROM migrator.changes WHERE name = 'year'\") == backfilled ]]"
wait "$old_pid" "$new_pid"
check "both applications wrote throughout ($(grep -o 'number of transactions actually processed: [0-9]*' "$work/old.log" | grep -o '[0-9]*$') old, $(grep -o 'number of transactions actually processed: [0-9]*' "$work/new.log" | grep -o '[0-9]*$') new)" \
	"grep -q 'number of failed transactions: 0' '$work/old.log' && grep -q 'number of failed transactions: 0' '$work/new.log'"
check "the kill kept the committed batches' key position (id $key_at_kill), where the resumed run went on" \
	"[[ -n '$key_at_kill' && $key_at_kill -ge 500 ]]"
check "every row has new = up(old)" \
	"[[ \$(q -c 'SELECT count(*) FROM books WHERE _migrator_new_published_year IS DISTINCT FROM published_year::bigint') == 0 ]]"
check "writes through the new shape survived the backfill" \
	"[[ \$(q -c 'SELECT count(*) FROM books WHERE _migrator_new_published_year >= 3000') -gt 0 ]]"
before=$(q -c "SELECT count(*) || ':' || sum(_migrator_new_published_year) FROM books")
q -c "SELECT migrator.contract('year')" >/dev/null
check "after contract only the new shape remains" \
	"[[ \$(q -c \"SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'books'::regclass AND attnum > 0 AND NOT attisdropped\") == 'id bigint, title text, publication_year bigint' ]]"
check "no row or value was lost" \
	"[[ \$(q -c \"SELECT count(*) || ':' || sum(publication_year) FROM books\") == '$before' ]]"

psql -X -q -d postgres -c "DROP DATABASE $db WITH (FORCE)"
