#!/usr/bin/env bash
# bench/diff.sh -- the schema knowledge benchmark: migrator.snapshot() and migrator.diff() of a
# generated schema (bench/diff_schema.sql: 1,000 tables, 10,000 columns, 3,000 indexes, 500
# functions, 200 views) against a copy with 5% of its objects changed, with `pg_dump --schema-only`
# of the same schema timed beside them, in one run on the local test cluster (test/setup).
# A script, never a timed test: it prints a results table and writes $OUT/diff.txt.
#
#   bench/diff.sh               7 runs of each, medians
#   RUNS=3 bench/diff.sh        a quick look
#
# It calls test/setup, which builds and installs migrator into the PostgreSQL that MIGRATOR_PGBIN
# names (the system's when unset): in a checkout tested beside others, set it as for test/setup.
#
# Each timed command runs in a session of its own and is timed end to end from the shell
# (connection included, as for pg_dump); the three take turns, their order rotating every round.
# Targets (the issue): diff end to end <= 1 s, and <= pg_dump's time.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$ROOT/bench/results}
RUNS=${RUNS:-7}
DB=migrator_bench_diff
say() { echo "bench: $*" >&2; }
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 ]] || { echo "bench: RUNS must be a number >= 1" >&2; exit 1; }

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!bench' 2>/dev/null | awk '{ print $2 }' | paste -sd ' ' -)
if [[ $DIRTY ]]; then BUILT="HEAD $COMMIT + uncommitted changes to $DIRTY"; else BUILT="HEAD $COMMIT, no uncommitted changes"; fi
"$ROOT/test/setup"
# shellcheck source=/dev/null
. "$ROOT/.cluster/env"
export PGDATABASE=$DB
psql_() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

say "generating schemas s1 and s2 (5% changed) in database $DB"
psql_ -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
psql_ -c "CREATE EXTENSION migrator" -f "$ROOT/bench/diff_schema.sql" \
	-c "CALL bench_schema('s1', false)" -c "CALL bench_schema('s2', true)" -c "VACUUM ANALYZE"
COUNTS=$(psql_ -c "SELECT format('%s tables, %s columns, %s indexes, %s functions, %s views',
	(SELECT count(*) FROM pg_class WHERE relnamespace = 's1'::regnamespace AND relkind = 'r'),
	(SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.relnamespace = 's1'::regnamespace AND c.relkind = 'r' AND a.attnum > 0),
	(SELECT count(*) FROM pg_class WHERE relnamespace = 's1'::regnamespace AND relkind = 'i'),
	(SELECT count(*) FROM pg_proc WHERE pronamespace = 's1'::regnamespace),
	(SELECT count(*) FROM pg_class WHERE relnamespace = 's1'::regnamespace AND relkind = 'v'))")
STATEMENTS=$(psql_ -c "SELECT count(*) FROM migrator.diff('s1', 's2')")
HAZARDS=$(psql_ -c "SELECT string_agg(format('%s %s', n, h), ', ' ORDER BY h) FROM
	(SELECT coalesce(hazard, 'none') h, count(*) n FROM migrator.diff('s1', 's2') GROUP BY 1) x")
say "s1: $COUNTS; diff('s1', 's2'): $STATEMENTS statements"

# the check that the plan is right: run it against a copy of s1 and compare
psql_ -c "CALL bench_schema('s3', false)"
psql_ -c "SELECT statement FROM migrator.diff('s3', 's2') ORDER BY seq" -o /dev/null
psql_ <<<"SELECT statement FROM migrator.diff('s3', 's2') ORDER BY seq \\gexec" >/dev/null
LEFT=$(psql_ -c "SELECT count(*) FROM migrator.diff('s3', 's2')")
psql_ -c "DROP SCHEMA s3 CASCADE"

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
declare -A TIMES
run() {
	local what=$1 t0
	t0=$(date +%s%N)
	case $what in
	diff) psql_ -c "SELECT count(*) FROM migrator.diff('s1', 's2')" >/dev/null ;;
	snapshot) psql_ -c "SELECT length(migrator.snapshot('{s1}')::text)" >/dev/null ;;
	pg_dump) pg_dump --schema-only --schema=s1 -d "$DB" >/dev/null ;;
	esac
	TIMES[$what]+="$(ms "$t0") "
}
ORDER=(diff snapshot pg_dump)
for ((r = 0; r < RUNS; r++)); do
	for ((k = 0; k < 3; k++)); do run "${ORDER[(r + k) % 3]}"; done
	last=(${TIMES[diff]})
	say "round $((r + 1))/$RUNS: diff ${last[-1]} ms"
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
range() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo " .. " hi }'; }
D=$(median "${TIMES[diff]}") S=$(median "${TIMES[snapshot]}") P=$(median "${TIMES[pg_dump]}")
verdict() { if (($1)); then echo PASS; else echo FAIL; fi; }

mkdir -p "$OUT"
{
	echo "bench/diff.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), migrator from the working tree: $BUILT"
	echo "machine: nproc $(nproc), $(psql_ -c 'SELECT version()' | cut -d, -f1); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "schema s1: $COUNTS; s2: the same with 5% changed"
	echo "diff('s1', 's2'): $STATEMENTS statements ($HAZARDS); run against a copy of s1, it left $LEFT to do"
	echo
	printf '%-44s %8s   %s\n' "what (median of $RUNS, end to end)" "ms" "min .. max"
	printf '%-44s %8s   %s\n' "migrator.diff('s1', 's2') (2 snapshots + diff)" "$D" "$(range "${TIMES[diff]}")"
	printf '%-44s %8s   %s\n' "migrator.snapshot('{s1}')" "$S" "$(range "${TIMES[snapshot]}")"
	printf '%-44s %8s   %s\n' "pg_dump --schema-only --schema=s1" "$P" "$(range "${TIMES[pg_dump]}")"
	echo
	echo "diff / pg_dump: $(awk -v d="$D" -v p="$P" 'BEGIN { printf "%.2f", d / p }')"
	echo "target diff <= 1000 ms: $(verdict "D <= 1000")"
	echo "target diff <= pg_dump: $(verdict "D <= P")"
} | tee "$OUT/diff.txt"
psql_ -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
