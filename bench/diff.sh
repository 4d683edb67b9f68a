#!/usr/bin/env bash
# bench/diff.sh -- the schema knowledge benchmark: migrator.snapshot() and migrator.diff() of a
# generated schema (bench/diff_schema.sql: 1,000 tables, 10,000 columns, 3,000 indexes, 500
# functions, 200 views) against a copy with 5% of its objects changed, with `pg_dump --schema-only`
# of the same schema timed beside them, in one run on the local test cluster (test/setup).  Also
# the largest real schema of ../shared/corpus (langfuse's final schema, prisma-langfuse's
# expected_schema.sql, loaded into a database of its own): its snapshot, and its diff from an empty
# schema (the whole schema's DDL), against pg_dump of it; skipped when the corpus is absent.
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
# Before each round it waits for calm (bench/lib.sh: no other test run, build or busy session on
# the machine for QUIET s, at most QUIET_WAIT s in all) and it counts the rounds that other work
# disturbed all the same.  Beside the wall-clock time it notes the CPU time each command took, its
# server process (the postmaster's reaped children) and its client together: on a busy machine the
# wall clock waits for the CPU, the CPU time much less so.
# Targets (the issue): diff end to end <= 1 s, and <= pg_dump's time (wall clock, medians).
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init bench/diff.sh
RUNS=${RUNS:-7}
DB=migrator_bench_diff
DBL=migrator_bench_langfuse
LANGFUSE=$ROOT/../shared/corpus/prisma-langfuse/expected_schema.sql
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 ]] || die "RUNS must be a number >= 1"
TMP=$(mktemp -d)
WATCHER=
trap '[[ $WATCHER ]] && kill "$WATCHER" 2>/dev/null; rm -rf "$TMP"' EXIT
bench_cluster
export PGDATABASE=$DB BENCH_DBS="^($DB|$DBL)\$"
psql_() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

say "generating schemas s1 and s2 (5% changed) in database $DB"
psql_ -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "DROP DATABASE IF EXISTS $DBL WITH (FORCE)" -c "CREATE DATABASE $DB"
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

# langfuse's schema, in public of a database of its own, beside an empty schema "empty"
ORDER=(diff snapshot pg_dump)
if [[ -f $LANGFUSE ]]; then
	say "loading langfuse's schema into database $DBL"
	psql_ -d postgres -c "DROP DATABASE IF EXISTS $DBL WITH (FORCE)" -c "CREATE DATABASE $DBL"
	sed -e '/^\\\(un\)\{0,1\}restrict /d' "$LANGFUSE" | psql_ -d "$DBL" -f - >/dev/null
	psql_ -d "$DBL" -c "CREATE EXTENSION migrator" -c "CREATE SCHEMA empty" -c "VACUUM ANALYZE"
	LCOUNTS=$(psql_ -d "$DBL" -c "SELECT format('%s tables, %s columns, %s indexes, %s types, %s functions',
		(SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'),
		(SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
			WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0),
		(SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'i'),
		(SELECT count(*) FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'c', 'd')),
		(SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace))")
	LSTATEMENTS=$(psql_ -d "$DBL" -c "SELECT count(*) FROM migrator.diff('empty', 'public')")
	say "langfuse: $LCOUNTS; diff('empty', 'public'): $LSTATEMENTS statements"
	ORDER+=(ldiff lsnapshot lpg_dump)
else
	say "no $LANGFUSE: langfuse's schema skipped"
fi

# the check that the plan is right: run it against a copy of s1 and compare
psql_ -c "CALL bench_schema('s3', false)"
psql_ -c "SELECT statement FROM migrator.diff('s3', 's2') ORDER BY seq" -o /dev/null
psql_ <<<"SELECT statement FROM migrator.diff('s3', 's2') ORDER BY seq \\gexec" >/dev/null
LEFT=$(psql_ -c "SELECT count(*) FROM migrator.diff('s3', 's2')")
psql_ -c "DROP SCHEMA s3 CASCADE"

# CPU time of the server processes so far: the postmaster's reaped children, in ms
PM=$(head -n 1 "$(psql_ -c 'SHOW data_directory')/postmaster.pid")
TICK=$(getconf CLK_TCK)
server_cpu() { awk -v t="$TICK" '{ print int(($16 + $17) * 1000 / t) }' "/proc/$PM/stat"; }
declare -A TIMES CPU
run() {
	local what=$1 c0 t0 t
	c0=$(server_cpu)
	t0=$(now_ms)
	# the client's own CPU time, from bash's time
	t=$( { TIMEFORMAT='%3U %3S'; time {
		case $what in
		diff) psql_ -c "SELECT count(*) FROM migrator.diff('s1', 's2')" >/dev/null ;;
		snapshot) psql_ -c "SELECT length(migrator.snapshot('{s1}')::text)" >/dev/null ;;
		pg_dump) pg_dump --schema-only --schema=s1 -d "$DB" >/dev/null ;;
		ldiff) psql_ -d "$DBL" -c "SELECT count(*) FROM migrator.diff('empty', 'public')" >/dev/null ;;
		lsnapshot) psql_ -d "$DBL" -c "SELECT length(migrator.snapshot('{public}')::text)" >/dev/null ;;
		lpg_dump) pg_dump --schema-only --schema=public -d "$DBL" >/dev/null ;;
		esac; }; } 2>&1)
	TIMES[$what]+="$(($(now_ms) - t0)) "
	sleep 0.3 # the server process has exited and been reaped
	CPU[$what]+="$(awk -v u="${t% *}" -v s="${t#* }" -v c="$(($(server_cpu) - c0))" 'BEGIN { print int(c + (u + s) * 1000) }') "
}
bench_watch
DISTURBED=0
for ((r = 0; r < RUNS; r++)); do
	wait_quiet
	t0=$(date +%s)
	for ((k = 0; k < ${#ORDER[@]}; k++)); do run "${ORDER[(r + k) % ${#ORDER[@]}]}"; done
	last=(${TIMES[diff]})
	note=
	if disturbed "$t0" "$(date +%s)"; then DISTURBED=$((DISTURBED + 1)) note=" (other work ran meanwhile)"; fi
	say "round $((r + 1))/$RUNS: diff ${last[-1]} ms$note"
done
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
range() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo " .. " hi }'; }
D=$(med "${TIMES[diff]}") S=$(med "${TIMES[snapshot]}") P=$(med "${TIMES[pg_dump]}")
DC=$(med "${CPU[diff]}") SC=$(med "${CPU[snapshot]}") PC=$(med "${CPU[pg_dump]}")
verdict() { if (($1)); then echo PASS; else echo FAIL; fi; }

mkdir -p "$OUT"
{
	echo "bench/diff.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), migrator from the working tree: $BUILT"
	echo "machine: nproc $(nproc), $(psql_ -c 'SELECT version()' | cut -d, -f1); load before: $LOAD0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "rounds that other work on the machine disturbed: $DISTURBED of $RUNS (waited $WAITED s for calm)"
	echo "schema s1: $COUNTS; s2: the same with 5% changed"
	echo "diff('s1', 's2'): $STATEMENTS statements ($HAZARDS); run against a copy of s1, it left $LEFT to do"
	echo
	printf '%-46s %8s %14s %9s\n' "what (median of $RUNS, end to end)" "wall ms" "min .. max" "CPU ms"
	printf '%-46s %8s %14s %9s\n' "migrator.diff('s1', 's2') (2 snapshots + diff)" "$D" "$(range "${TIMES[diff]}")" "$DC"
	printf '%-46s %8s %14s %9s\n' "migrator.snapshot('{s1}')" "$S" "$(range "${TIMES[snapshot]}")" "$SC"
	printf '%-46s %8s %14s %9s\n' "pg_dump --schema-only --schema=s1" "$P" "$(range "${TIMES[pg_dump]}")" "$PC"
	if [[ -n ${TIMES[ldiff]:-} ]]; then
		LD=$(med "${TIMES[ldiff]}") LS=$(med "${TIMES[lsnapshot]}") LP=$(med "${TIMES[lpg_dump]}")
		LDC=$(med "${CPU[ldiff]}") LSC=$(med "${CPU[lsnapshot]}") LPC=$(med "${CPU[lpg_dump]}")
		printf '%-46s %8s %14s %9s\n' "langfuse: migrator.diff('empty', 'public')" "$LD" "$(range "${TIMES[ldiff]}")" "$LDC"
		printf '%-46s %8s %14s %9s\n' "langfuse: migrator.snapshot('{public}')" "$LS" "$(range "${TIMES[lsnapshot]}")" "$LSC"
		printf '%-46s %8s %14s %9s\n' "langfuse: pg_dump --schema-only --schema=public" "$LP" "$(range "${TIMES[lpg_dump]}")" "$LPC"
	fi
	echo "(CPU: the server process and the client together)"
	echo
	echo "diff / pg_dump: $(awk -v d="$D" -v p="$P" 'BEGIN { printf "%.2f", d / p }') wall clock, $(awk -v d="$DC" -v p="$PC" 'BEGIN { printf "%.2f", d / p }') CPU"
	echo "target diff <= 1000 ms: $(verdict "D <= 1000")"
	echo "target diff <= pg_dump: $(verdict "D <= P")"
	if [[ -n ${TIMES[ldiff]:-} ]]; then
		echo "langfuse ($LCOUNTS): diff from an empty schema, $LSTATEMENTS statements;" \
			"diff / pg_dump: $(awk -v d="$LD" -v p="$LP" 'BEGIN { printf "%.2f", d / p }') wall clock," \
			"$(awk -v d="$LDC" -v p="$LPC" 'BEGIN { printf "%.2f", d / p }') CPU; diff <= pg_dump: $(verdict "LD <= LP")"
	fi
} | tee "$OUT/diff.txt"
psql_ -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
