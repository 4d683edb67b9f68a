#!/usr/bin/env bash
# bench/lint.sh -- how long migrator.lint() takes on a 10,000-statement migration, with squawk
# (npm squawk-cli) timed beside it on the same file.  A script, never a timed test: it prints the
# figures, checks the issue's target (lint of 10,000 statements <= 200 ms) as PASS/FAIL, and writes
# $OUT/lint.txt.  See bench/README.md.
#
#   bench/lint.sh                     10,000 statements, 7 runs of each (medians)
#   STATEMENTS=50000 RUNS=3 bench/lint.sh
#
# Environment: STATEMENTS (10000, a multiple of 10), RUNS (7), OUT (bench/results), SQUAWK (a
# squawk binary; default: installed with `npm install --prefix bench/.npm squawk-cli` if missing).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
OUT=${OUT:-$BENCH/results}
STATEMENTS=${STATEMENTS:-10000}
RUNS=${RUNS:-7}
TARGET_MS=200
DB=migrator_bench_lint

say() { echo "bench: $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }
[[ $STATEMENTS =~ ^[0-9]+$ && $((STATEMENTS % 10)) -eq 0 && $STATEMENTS -ge 10 ]] ||
	die "STATEMENTS must be a positive multiple of 10"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 ]] || die "RUNS must be a number >= 1"

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
"$ROOT/test/setup"
# shellcheck source=/dev/null
. "$ROOT/.cluster/env"
TMP=$(mktemp -d /tmp/migrator-lint-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# --- the file: a realistic mix, 10 statements a round ---------------------------------------------
# new tables and their indexes (nothing to report but the style of their columns), changes to two
# live tables (some safe, some not), data changes and comments
FILE=$TMP/lint_${STATEMENTS}.sql
for ((i = 1; i <= STATEMENTS / 10; i++)); do
	cat <<-EOF
		CREATE TABLE bench_t$i (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(80), doc json, created_at timestamptz NOT NULL DEFAULT now());
		CREATE INDEX bench_t${i}_name ON bench_t$i (name);
		ALTER TABLE bench_users ADD COLUMN c$i text;
		ALTER TABLE bench_users ADD COLUMN d$i uuid DEFAULT gen_random_uuid();
		ALTER TABLE bench_orders ADD CONSTRAINT bench_orders_fk$i FOREIGN KEY (user_id) REFERENCES bench_users (id) NOT VALID;
		ALTER TABLE bench_users ALTER COLUMN name TYPE varchar(200);
		UPDATE bench_users SET c$i = 'value $i' WHERE id = $i;
		INSERT INTO bench_t$i (name, doc) VALUES ('name $i', '{"n": $i}');
		CREATE INDEX bench_orders_c$i ON bench_orders (user_id, created_at);
		COMMENT ON TABLE bench_t$i IS 'table number $i';
	EOF
done >"$FILE"
say "$(wc -l <"$FILE") lines, $(wc -c <"$FILE") bytes, $STATEMENTS statements in $FILE"

psql_ -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
psql_ -d "$DB" <<-'EOF'
	CREATE EXTENSION migrator;
	CREATE TABLE bench_users (id bigint PRIMARY KEY, name varchar(100));
	CREATE TABLE bench_orders (id bigint PRIMARY KEY, user_id bigint, created_at timestamptz);
	CREATE TABLE bench_src (sql text);
	CREATE FUNCTION bench_lint(runs int) RETURNS TABLE(run int, ms float8, findings bigint)
	LANGUAGE plpgsql AS $$
	DECLARE
		t0 timestamptz;
		src text := (SELECT sql FROM bench_src);
	BEGIN
		FOR i IN 1..runs LOOP
			t0 := clock_timestamp();
			SELECT count(*) INTO findings FROM migrator.lint(src);
			run := i;
			ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
			RETURN NEXT;
		END LOOP;
	END $$;
EOF
psql_ -d "$DB" -v file="$FILE" <<-'EOF'
	\set sql `cat :file`
	INSERT INTO bench_src VALUES (:'sql');
EOF

# --- migrator.lint: in the server (the function alone), and end to end (psql: connect, send, lint)
say "migrator.lint(), $RUNS runs"
psql_ -d "$DB" -At -F ' ' -c "SELECT ms, findings FROM bench_lint($RUNS)" >"$TMP/server"
LINT_MS=$(cut -d' ' -f1 "$TMP/server" | median)
LINT_FINDINGS=$(head -n1 "$TMP/server" | cut -d' ' -f2)
for ((r = 1; r <= RUNS; r++)); do
	start=$(date +%s%N)
	psql -X -q -d "$DB" -At -c "SELECT count(*) FROM migrator.lint((SELECT sql FROM bench_src))" >/dev/null
	echo $((($(date +%s%N) - start) / 1000000))
done | median >"$TMP/e2e"
LINT_E2E_MS=$(cat "$TMP/e2e")

# --- squawk ------------------------------------------------------------------------------------
SQUAWK=${SQUAWK:-$BENCH/.npm/node_modules/.bin/squawk}
if [[ ! -x $SQUAWK ]] && command -v npm >/dev/null; then
	say "installing squawk-cli into bench/.npm"
	npm install --prefix "$BENCH/.npm" squawk-cli >/dev/null 2>&1 || true
fi
if [[ -x $SQUAWK ]] && SQUAWK_VERSION=$("$SQUAWK" --version 2>/dev/null); then
	say "$SQUAWK_VERSION, $RUNS runs"
	for ((r = 1; r <= RUNS; r++)); do
		start=$(date +%s%N)
		"$SQUAWK" --reporter gcc "$FILE" >"$TMP/squawk.out" 2>&1 || true
		echo $((($(date +%s%N) - start) / 1000000))
	done | median >"$TMP/squawk"
	SQUAWK_MS=$(cat "$TMP/squawk")
	SQUAWK_FINDINGS=$(grep -c ': warning: \|: error: ' "$TMP/squawk.out" || true)
else
	SQUAWK_VERSION="squawk: not installed (npm install --prefix bench/.npm squawk-cli failed or npm is missing)"
	SQUAWK_MS=""
fi

# --- the results -------------------------------------------------------------------------------
{
	echo "lint benchmark, migrator $COMMIT, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "file: $STATEMENTS statements, $(wc -c <"$FILE") bytes; medians of $RUNS runs"
	echo
	printf '%-44s %10s %10s\n' "" "ms" "findings"
	printf '%-44s %10s %10s\n' "migrator.lint() in the server" "$LINT_MS" "$LINT_FINDINGS"
	printf '%-44s %10s %10s\n' "migrator.lint() end to end (psql -c)" "$LINT_E2E_MS" "$LINT_FINDINGS"
	if [[ -n $SQUAWK_MS ]]; then
		printf '%-44s %10s %10s\n' "$SQUAWK_VERSION (process)" "$SQUAWK_MS" "$SQUAWK_FINDINGS"
		echo
		awk -v a="$LINT_E2E_MS" -v b="$SQUAWK_MS" 'BEGIN { if (a > 0) printf "squawk / migrator.lint (end to end): %.2f\n", b / a }'
	else
		echo "$SQUAWK_VERSION"
	fi
	echo
	if awk -v a="$LINT_MS" -v t="$TARGET_MS" 'BEGIN { exit !(a <= t) }'; then
		echo "PASS: migrator.lint() of $STATEMENTS statements took $LINT_MS ms (target <= $TARGET_MS ms)"
	else
		echo "FAIL: migrator.lint() of $STATEMENTS statements took $LINT_MS ms (target <= $TARGET_MS ms)"
	fi
} | tee "$OUT/lint.txt"
psql_ -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
