#!/usr/bin/env bash
# Sixteen sessions at once on one migration folder: apply and CALL migrate racing, with status and
# verify beside them.  Every migration is applied exactly once, every caller ends without an error,
# nothing deadlocks (each session is bounded by a timeout).  Then the same with sixteen migrate
# callers on a folder holding a CREATE INDEX CONCURRENTLY migration, which migrate runs outside a
# transaction block.  Then two open zero-downtime changes on two tables, with writers through both
# shapes of both while both backfills run: every row ends with new = up(old), and both contract.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
db=migrator_concurrency
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null' EXIT
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
fresh() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>/dev/null
	q -c "CREATE EXTENSION migrator"
}
# wait_all PID...: wait for background sessions; bad = how many failed or timed out
wait_all() {
	local pid
	bad=0
	for pid in "$@"; do wait "$pid" || bad=$((bad + 1)); done
}

echo "1..13"

# --- 1. apply and migrate racing, status and verify beside them ------------------------------------
fresh
dir=$work/race
mkdir "$dir"
for i in $(seq 1 30); do
	printf 'CREATE TABLE race_%d (id int PRIMARY KEY, v text);\nINSERT INTO race_%d SELECT g, md5(g::text) FROM generate_series(1, 2000) g;\nSELECT pg_sleep(0.01);\n' \
		"$i" "$i" >"$dir/V$i""__race_$i.sql"
done
chmod -R a+rX "$dir"
pids=()
for s in $(seq 1 16); do
	case $((s % 4)) in
	0) timeout 300 psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SELECT count(*) FROM migrator.apply('$dir')" ;;
	1) timeout 300 psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL migrator.migrate('$dir')" ;;
	2) timeout 300 psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SELECT count(*) FROM migrator.status('$dir')" \
		-c "SELECT pg_sleep(0.05)" -c "SELECT count(*) FROM migrator.status('$dir')" ;;
	3) timeout 300 psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SELECT migrator.verify('$dir')" \
		-c "SELECT pg_sleep(0.05)" -c "SELECT migrator.verify('$dir')" ;;
	esac >"$work/race.$s.out" 2>"$work/race.$s.err" &
	pids+=($!)
done
wait_all "${pids[@]}"
check "16 sessions (4 apply, 4 migrate, 4 status, 4 verify) all end without an error or a timeout" '[[ $bad == 0 ]]'
((bad == 0)) || grep -h ERROR "$work"/race.*.err | sort | uniq -c | head -5 | sed 's/^/#   /'
check "the journal has each of the 30 migrations exactly once" \
	'[[ $(q -c "SELECT count(*), count(DISTINCT version) FROM migrator.journal") == "30|30" ]]'
check "each ran once: every table holds its 2000 rows, once" \
	'[[ $(q -c "SELECT bool_and(n = 2000) FROM (SELECT (xpath('"'"'/row/c/text()'"'"', query_to_xml(format('"'"'SELECT count(*) AS c FROM %I'"'"', tablename), false, true, '"'"''"'"')))[1]::text::int AS n FROM pg_tables WHERE tablename LIKE '"'"'race\_%'"'"') s") == t ]]'
check "the events log one success per migration" \
	'[[ $(q -c "SELECT count(*), count(DISTINCT version) FROM migrator.events WHERE version IS NOT NULL AND outcome = '"'"'success'"'"'") == "30|30" ]]'
check "verify passes afterwards" 'q -c "SELECT migrator.verify('"'"'$dir'"'"')" >/dev/null'

# --- 2. sixteen migrate callers, one migration building an index concurrently ----------------------
fresh
dir=$work/cic
mkdir "$dir"
printf 'CREATE TABLE cic_t (id int PRIMARY KEY, v text);\nINSERT INTO cic_t SELECT g, md5(g::text) FROM generate_series(1, 50000) g;\n' >"$dir/V1__table.sql"
printf 'CREATE INDEX CONCURRENTLY cic_t_v ON cic_t (v);\n' >"$dir/V2__index.sql"
printf 'CREATE TABLE cic_after (id int);\n' >"$dir/V3__after.sql"
chmod -R a+rX "$dir"
pids=()
for s in $(seq 1 16); do
	timeout 300 psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL migrator.migrate('$dir')" \
		>"$work/cic.$s.out" 2>"$work/cic.$s.err" &
	pids+=($!)
done
wait_all "${pids[@]}"
check "16 concurrent migrate callers on a folder with a concurrent index build all succeed" '[[ $bad == 0 ]]'
((bad == 0)) || grep -h ERROR "$work"/cic.*.err | sort | uniq -c | head -5 | sed 's/^/#   /'
check "each migration once, the index valid" \
	'[[ $(q -c "SELECT count(*), count(DISTINCT version) FROM migrator.journal") == "3|3" && $(q -c "SELECT indisvalid FROM pg_index WHERE indexrelid = '"'"'cic_t_v'"'"'::regclass") == t ]]'

# --- 3. two open changes on two tables, writers through both shapes of both ---------------------
fresh
q >/dev/null <<'SQL'
CREATE TABLE orders (id bigint PRIMARY KEY, amount_cents int NOT NULL);
CREATE TABLE users (id bigint PRIMARY KEY, full_name text);
INSERT INTO orders SELECT g, g % 10000 FROM generate_series(1, 60000) g;
INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 60000) g;
SELECT migrator.expand('orders_big', '{"alter_column": {"table": "orders", "column": "amount_cents",
	"type": "bigint", "up": "amount_cents::bigint * 10", "down": "(amount_cents / 10)::int"}}');
SELECT migrator.expand('users_name', '{"rename_column": {"table": "users", "from": "full_name", "to": "display_name"}}');
SQL
cat >"$work/orders_old.sql" <<'SQL'
\set id random(1, 60000)
UPDATE orders SET amount_cents = :id % 777 WHERE id = :id;
SQL
cat >"$work/orders_new.sql" <<'SQL'
\set id random(1, 60000)
UPDATE orders SET amount_cents = (:id % 777) * 10 WHERE id = :id;
SQL
cat >"$work/users_old.sql" <<'SQL'
\set id random(1, 60000)
UPDATE users SET full_name = 'old ' || :id WHERE id = :id;
SQL
cat >"$work/users_new.sql" <<'SQL'
\set id random(1, 60000)
UPDATE users SET display_name = 'new ' || :id WHERE id = :id;
SQL
ov=$(q -c "SELECT version_schema FROM migrator.changes WHERE name = 'orders_big'")
uv=$(q -c "SELECT version_schema FROM migrator.changes WHERE name = 'users_name'")
pids=()
pgbench -n -f "$work/orders_old.sql" -c 2 -T 10 "$db" >"$work/w1.log" 2>&1 & pids+=($!)
PGOPTIONS="-c search_path=$ov,public" pgbench -n -f "$work/orders_new.sql" -c 2 -T 10 "$db" >"$work/w2.log" 2>&1 & pids+=($!)
pgbench -n -f "$work/users_old.sql" -c 2 -T 10 "$db" >"$work/w3.log" 2>&1 & pids+=($!)
PGOPTIONS="-c search_path=$uv,public" pgbench -n -f "$work/users_new.sql" -c 2 -T 10 "$db" >"$work/w4.log" 2>&1 & pids+=($!)
sleep 1
timeout 300 psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL migrator.run_backfill('orders_big', 500)" >"$work/b1.log" 2>&1 & b1=$!
timeout 300 psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL migrator.run_backfill('users_name', 500)" >"$work/b2.log" 2>&1 & b2=$!
wait_all "${pids[@]}"
check "four pgbench writers (old and new shape of each table) ran without an error" \
	'[[ $bad == 0 ]] && ! grep -q "ERROR\|aborted" "$work"/w[1-4].log'
grep -h "ERROR" "$work"/w[1-4].log 2>/dev/null | head -3 | sed 's/^/#   /'
wait_all "$b1" "$b2"
check "both backfills, side by side, completed" \
	'[[ $bad == 0 && $(q -c "SELECT string_agg(state, '"'"','"'"' ORDER BY name) FROM migrator.changes") == "backfilled,backfilled" ]]'
check "orders: every row holds up(old) in the new column" \
	'[[ $(q -c "SELECT count(*) FROM orders WHERE _migrator_new_amount_cents IS DISTINCT FROM amount_cents::bigint * 10") == 0 ]]'
check "both changes contract" \
	'q -c "SELECT migrator.contract('"'"'orders_big'"'"')" -c "SELECT migrator.contract('"'"'users_name'"'"')" >/dev/null'
check "after contract: orders.amount_cents is bigint, users.display_name exists, no row lost" \
	'[[ $(q -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '"'"'orders'"'"'::regclass AND attname = '"'"'amount_cents'"'"'") == bigint && $(q -c "SELECT count(*) FROM users WHERE display_name IS NOT NULL") == 60000 && $(q -c "SELECT count(*) FROM orders") == 60000 ]]'
check "every amount went through up() or was written in the new shape: all are multiples of 10" \
	'[[ $(q -c "SELECT count(*) FROM orders WHERE amount_cents % 10 <> 0") == 0 ]]'
