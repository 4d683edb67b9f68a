#!/usr/bin/env bash
# pg_dump keeps migrator's state: a database with applied migrations and an open change (expanded,
# partly backfilled) is dumped and restored three ways -- pg_dump -Fc + pg_restore into a new
# database (the restore creates the extension), plain pg_dump through psql, and a partial dump of
# the application's schemas with --extension=migrator -- and each copy has the same journal,
# events, snapshots and changes (by content) and sequences.  In the copies: status shows every
# migration applied, apply has nothing to do, new journal/event/snapshot rows do not collide, the
# open change works (dual writes both ways, backfill continues, contract; abort in another copy),
# and a first DROP EXTENSION in a new session (migrator not loaded yet) is refused.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
src=migrator_dump_src
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
fresh() { psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" 2>/dev/null; }
# the migrations: examples/books, and a third one applied only to the copies
mkdir "$work/m" "$work/m3"
cp "$ROOT"/examples/books/*.sql "$work/m/"
cp "$ROOT"/examples/books/*.sql "$work/m3/"
echo 'CREATE TABLE readers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);' >"$work/m3/0003_readers.sql"
chmod -R a+rX "$work"

# state DB: migrator's tables by content (each table's rows as text, sorted), its sequences, and
# what diff() reports against the last snapshot
state() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
SELECT 'journal', md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')), count(*) FROM migrator.journal t;
SELECT 'events', md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')), count(*) FROM migrator.events t;
SELECT 'snapshots', md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')), count(*) FROM migrator.snapshots t;
SELECT 'changes', md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')), count(*) FROM migrator.changes t;
SELECT 'change_tables', md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')), count(*) FROM migrator.change_tables t;
SELECT 'change_columns', md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')), count(*) FROM migrator.change_columns t;
SELECT 'change_steps', md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')), count(*) FROM migrator.change_steps t;
SELECT 'sequences', last_value, is_called FROM migrator.journal_id_seq;
SELECT 'sequences', last_value, is_called FROM migrator.events_id_seq;
SELECT 'sequences', last_value, is_called FROM migrator.snapshots_id_seq;
SELECT 'drift', md5(coalesce(string_agg(statement, E'\n' ORDER BY seq), '')), count(*) FROM migrator.diff();
SQL
}
# shape DB: books' columns and triggers, and whether its version schema exists
shape() {
	psql -X -q -At -d "$1" -c "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
		FROM pg_attribute WHERE attrelid = 'public.books'::regclass AND attnum > 0 AND NOT attisdropped" \
		-c "SELECT 'triggers: ' || coalesce(string_agg(tgname, ', '), '') FROM pg_trigger WHERE tgrelid = 'public.books'::regclass AND NOT tgisinternal" \
		-c "SELECT 'schemas: ' || coalesce(string_agg(nspname, ', '), '') FROM pg_namespace WHERE nspname = 'public_yr'"
}

echo "1..38"
fresh $src
db=$src
q >/dev/null <<SQL
CREATE EXTENSION migrator;
SELECT * FROM migrator.apply('$work/m');
INSERT INTO authors (name) VALUES ('Austen'), ('Woolf');
INSERT INTO books (title, author_id, published_year)
	SELECT 'book ' || g, 1 + g % 2, 1800 + g % 200 FROM generate_series(1, 5000) g;
SQL
shape $src >"$work/shape_before"
q >/dev/null <<'SQL'
SELECT migrator.expand('yr', '[{"alter_column": {"table": "books", "column": "published_year",
  "type": "bigint", "up": "published_year * 10", "down": "(published_year / 10)::int"}}]');
SELECT migrator.backfill('yr', 1000, 2);
-- a table without a key: its backfill walks blocks, whose numbers a restore changes
CREATE TABLE notes (n int, body text) WITH (autovacuum_enabled = false);
INSERT INTO notes SELECT g, repeat('x', 50) FROM generate_series(1, 10000) g;
SELECT migrator.expand('nk', '[{"alter_column": {"table": "notes", "column": "n", "type": "bigint"}}]');
SELECT migrator.backfill('nk', 1000, 3);
SQL
state $src >"$work/state_src"
check "the source: 2 migrations applied, change yr backfilling with 2000 rows filled" \
	"[[ \$(q -c \"SELECT count(*) FROM migrator.journal\") == 2 &&
	    \$(q -c \"SELECT state || ' ' || rows_done FROM migrator.changes WHERE name = 'yr'\") == 'backfilling 2000' ]]"
check "the source: change nk (no key) walked part of its blocks" \
	"[[ \$(q -c \"SELECT state FROM migrator.changes JOIN migrator.change_tables ON change = name WHERE name = 'nk' AND next_block > 0\") == backfilling ]]"

# --- pg_dump -Fc, pg_restore into a new database ------------------------------------------------
pg_dump -Fc -d $src -f "$work/src.dump"
fresh migrator_dump_c
rc=0
pg_restore -d migrator_dump_c "$work/src.dump" >"$work/restore.log" 2>&1 || rc=$?
check "pg_restore into a new database succeeds (the restore creates the extension)" "[[ $rc == 0 ]]"
state migrator_dump_c >"$work/state_c"
check "pg_restore: journal, events, snapshots, changes, change_tables/columns/steps, sequences and diff() as dumped" \
	"diff '$work/state_src' '$work/state_c' >&2"
db=migrator_dump_c
err=$(psql -X -q -d $db -c 'DROP EXTENSION migrator' 2>&1 || true)
check "a first DROP EXTENSION migrator in a new session is refused: the change is open" \
	"[[ \$err == *'cannot drop extension migrator: changes \"yr\", \"nk\" are open'* ]]"
check "status: every migration applied" \
	"[[ \$(q -c \"SELECT string_agg(version || ' ' || state, ',' ORDER BY version) FROM migrator.status('$work/m')\") == '0001 applied,0002 applied' ]]"
check "apply finds nothing to do" "[[ \$(q -c \"SELECT count(*) FROM migrator.apply('$work/m')\") == 0 ]]"
check "verify passes" "q -c \"SELECT migrator.verify('$work/m')\" >/dev/null"
max_event=$(q -c "SELECT max(id) FROM migrator.events")
max_snapshot=$(q -c "SELECT max(id) FROM migrator.snapshots")
check "a new migration applies: its journal row takes the next id" \
	"[[ \$(q -c \"SELECT version FROM migrator.apply('$work/m3')\") == 0003 &&
	    \$(q -c \"SELECT id FROM migrator.journal WHERE version = '0003'\") == 3 ]]"
check "new event and snapshot rows continue the dumped sequences" \
	"[[ \$(q -c \"SELECT count(*) FROM migrator.events WHERE id > $max_event\") -ge 2 &&
	    \$(q -c \"SELECT max(id) FROM migrator.snapshots\") -gt $max_snapshot ]]"
check "status of the longer folder: all three applied" \
	"[[ \$(q -c \"SELECT count(*) FROM migrator.status('$work/m3') WHERE state = 'applied'\") == 3 ]]"
# the open change after the restore
q -c "UPDATE books SET published_year = 1999 WHERE id = 4000" >/dev/null
check "dual write, old shape to new: an UPDATE of published_year sets the new column" \
	"[[ \$(q -c 'SELECT concat_ws(chr(32), _migrator_new_published_year, _migrator_needs_backfill) FROM books WHERE id = 4000') == '19990 f' ]]"
q -c "SET search_path = public_yr, public" -c "UPDATE books SET published_year = 20250 WHERE id = 4001" >/dev/null
check "dual write, new shape to old: an UPDATE through the version schema's view sets published_year" \
	"[[ \$(q -c 'SELECT concat_ws(chr(32), published_year, _migrator_new_published_year) FROM books WHERE id = 4001') == '2025 20250' ]]"
q -c "INSERT INTO books (title, author_id, published_year) VALUES ('new', 1, 2000)" >/dev/null
check "an INSERT after the restore takes a new id and is dual-written" \
	"[[ \$(q -c \"SELECT id || ' ' || _migrator_new_published_year FROM books WHERE title = 'new'\") == '5001 20000' ]]"
q -c "CALL migrator.run_backfill('yr')" >/dev/null
check "the backfill continues to completion" \
	"[[ \$(q -c \"SELECT state FROM migrator.changes WHERE name = 'yr'\") == backfilled &&
	    \$(q -c 'SELECT count(*) FROM books WHERE _migrator_new_published_year IS DISTINCT FROM published_year * 10') == 0 ]]"
rows=$(q -c "SELECT rows_done FROM migrator.changes WHERE name = 'yr'")
check "rows_done went on from the dumped 2000 to about all 5000 rows ($rows)" "(( rows >= 4990 && rows <= 5001 ))"
q -c "SELECT migrator.contract('yr')" >/dev/null
check "contract works: published_year is bigint with the new values, nothing of the change left" \
	"[[ \$(shape $db | tr '\n' '|') == 'id bigint, title text, author_id bigint, created_at timestamp with time zone, published_year bigint|triggers: |schemas: |' &&
	    \$(q -c 'SELECT published_year FROM books WHERE id = 4000') == 19990 ]]"
check "and the change is contracted" "[[ \$(q -c \"SELECT state FROM migrator.changes WHERE name = 'yr'\") == contracted ]]"
q -c "SELECT migrator.backfill('nk')" >/dev/null
check "a block walk continued after the restore fills every row, also those the restore moved behind it" \
	"[[ \$(q -c \"SELECT state FROM migrator.changes WHERE name = 'nk'\") == backfilled &&
	    \$(q -c 'SELECT count(*) FROM notes WHERE _migrator_needs_backfill OR _migrator_new_n IS DISTINCT FROM n') == 0 ]]"
q -c "SELECT migrator.contract('nk')" >/dev/null
check "DROP EXTENSION migrator then works" "q -c 'DROP EXTENSION migrator' >/dev/null"

# --- plain pg_dump through psql; abort there -----------------------------------------------------
fresh migrator_dump_p
rc=0
pg_dump -d $src | psql -X -q -v ON_ERROR_STOP=1 -d migrator_dump_p >"$work/plain.log" 2>&1 || rc=$?
check "plain pg_dump | psql restores without an error" "[[ $rc == 0 ]]"
state migrator_dump_p >"$work/state_p"
check "plain: migrator's tables and sequences as dumped" "diff '$work/state_src' '$work/state_p' >&2"
db=migrator_dump_p
check "plain: status shows every migration applied" \
	"[[ \$(q -c \"SELECT count(*) FROM migrator.status('$work/m') WHERE state = 'applied'\") == 2 ]]"
check "plain: apply finds nothing to do" "[[ \$(q -c \"SELECT count(*) FROM migrator.apply('$work/m')\") == 0 ]]"
q -c "UPDATE books SET published_year = 1777 WHERE id = 4500" >/dev/null
check "plain: the dual writes work" \
	"[[ \$(q -c 'SELECT _migrator_new_published_year FROM books WHERE id = 4500') == 17770 ]]"
q -c "SET search_path = public_yr, public" -c "UPDATE books SET published_year = 18880 WHERE id = 4501" >/dev/null
q -c "SELECT migrator.backfill('yr', 500, 1)" >/dev/null
check "plain: the backfill continues where the source stopped" \
	"[[ \$(q -c \"SELECT last_key::text FROM migrator.change_tables WHERE change = 'yr'\") == '{2500}' ]]"
q -c "SELECT migrator.abort('yr')" >/dev/null
check "plain: abort works: books as before the change" "diff '$work/shape_before' <(shape $db) >&2"
check "plain: the writes made meanwhile are kept, through either shape" \
	"[[ \$(q -c 'SELECT string_agg(published_year::text, chr(44) ORDER BY id) FROM books WHERE id IN (4500, 4501)') == '1777,1888' ]]"
check "plain: the change is aborted" "[[ \$(q -c \"SELECT state FROM migrator.changes WHERE name = 'yr'\") == aborted ]]"

# --- a partial dump: the application's schemas and the extension ---------------------------------
fresh migrator_dump_n
rc=0
# a dump that names schema public creates it: a new database's own public schema goes first
psql -X -q -d migrator_dump_n -c "DROP SCHEMA public"
pg_dump -d $src -n public -n 'public_*' -n migrator --extension=migrator |
	psql -X -q -v ON_ERROR_STOP=1 -d migrator_dump_n >"$work/partial.log" 2>&1 || rc=$?
check "pg_dump -n public -n 'public_*' -n migrator --extension=migrator restores without an error" \
	"[[ $rc == 0 ]] || { cat '$work/partial.log' >&2; false; }"
state migrator_dump_n >"$work/state_n"
# (diff() differs here: schema public, dropped and created again, lost its default grant)
check "partial: migrator's tables and sequences as dumped" \
	"diff <(grep -v '^drift' '$work/state_src') <(grep -v '^drift' '$work/state_n') >&2"
db=migrator_dump_n
q -c "SET search_path = public_yr, public" -c "UPDATE books SET published_year = 16660 WHERE id = 4502" >/dev/null
check "partial: the version schema came along and the dual writes work" \
	"[[ \$(q -c 'SELECT published_year FROM books WHERE id = 4502') == 1666 ]]"
q -c "CALL migrator.run_backfill('yr')" -c "SELECT migrator.contract('yr')" >/dev/null
check "partial: backfill and contract work" \
	"[[ \$(q -c \"SELECT state FROM migrator.changes WHERE name = 'yr'\") == contracted &&
	    \$(q -c 'SELECT published_year FROM books WHERE id = 4502') == 16660 ]]"

# --- pg_restore --clean over a copy that has the open change --------------------------------------
fresh migrator_dump_cl
pg_restore -d migrator_dump_cl "$work/src.dump" >/dev/null 2>&1
db=migrator_dump_cl
q -c "SELECT migrator.verify('$work/m')" >/dev/null
rc=0
pg_restore --clean --if-exists -d migrator_dump_cl "$work/src.dump" >"$work/clean.log" 2>&1 || rc=$?
check "pg_restore --clean over a copy with the open change succeeds (its tables go before the extension)" \
	"[[ $rc == 0 ]] || { cat '$work/clean.log' >&2; false; }"
state migrator_dump_cl >"$work/state_cl"
check "--clean: migrator's tables and sequences as dumped (the verify logged since is gone)" \
	"diff '$work/state_src' '$work/state_cl' >&2"
check "--clean: the change still works" \
	"q -c 'UPDATE books SET published_year = 1555 WHERE id = 4600' >/dev/null &&
	 [[ \$(q -c 'SELECT _migrator_new_published_year FROM books WHERE id = 4600') == 15550 ]]"

# --- a restore where the dump left the extension out ----------------------------------------------
fresh migrator_dump_x
db=migrator_dump_x
rc=0
pg_dump -d $src -n public | psql -X -q -d migrator_dump_x >"$work/noext.log" 2>&1 || rc=$?
check "pg_dump -n public without the extension: the dual-write trigger cannot be restored (README)" \
	"grep -q 'ERROR:  schema \"migrator\" does not exist' '$work/noext.log' &&
	 [[ \$(q -c \"SELECT count(*) FROM pg_trigger WHERE tgrelid = 'books'::regclass AND NOT tgisinternal\") == 0 ]]"
check "pg_dump -n public: the open change's columns are restored as plain columns" \
	"[[ \$(q -c \"SELECT count(*) FROM pg_attribute WHERE attrelid = 'books'::regclass AND left(attname, 10) = '_migrator_'\") == 2 ]]"

for d in $src migrator_dump_c migrator_dump_p migrator_dump_n migrator_dump_cl migrator_dump_x; do
	psql -X -q -d postgres -c "DROP DATABASE $d WITH (FORCE)"
done
echo "# $n checks" >&2
