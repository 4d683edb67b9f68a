#!/usr/bin/env bash
# bench/contract.sh -- what each phase of a zero-downtime change costs the application: its
# throughput and slowest transaction during expand, backfill, contract and abort, side by side with
# the same seconds of a run without migrator calls.  A script, never a timed test: it prints a
# results table and writes $OUT/contract.txt and contract.csv (every run's figures).  See
# bench/README.md.
#
#   bench/contract.sh                     2,000,000 rows, 8 clients, 1 round (~15 min on 2 cores)
#   SIZE=200000 bench/contract.sh         a quick look (the published figures use the defaults)
#
# Environment: SIZE (2000000 rows), CLIENTS (8: half through the new shape, search_path = the
# version schema then public, half through the old shape, the table), RUNS (1 round of the three
# runs below), PGBENCH_T (pgbench's seconds; default 30 + SIZE / 10000, which must outlast the
# backfill), WARM (5 s of pgbench before expand), GAP (3 s between phases), MINWIN (2 s: a phase
# shorter than that is measured over MINWIN seconds from its start, so that a stall and the queue it
# leaves both count), OUT (bench/results), QUIET / QUIET_WAIT (see lib.sh).
#
# Three runs a round, their order rotating: control (pgbench alone), contract (expand, run_backfill,
# contract) and abort (expand, run_backfill, abort), each on a freshly loaded table with autovacuum
# on (as in production: after a backfill it wants the table) and migrator preloaded in the database
# (session_preload_libraries, as the README advises).  The application is bench/pgbench_books.sql
# (a point SELECT and a point UPDATE of random books), pgbench's per-transaction log (-l) giving
# each transaction's end and latency: a phase's window is [its start, max(its end, start + MINWIN)],
# and the control's figures are those of the same seconds counted from pgbench's start.  "vs before"
# compares a phase's window with the MINWIN seconds just before it in the same run: after a
# backfill the table carries a dead version of every row and autovacuum works on it, which the
# control run never has; this column shows what the phase itself changes.
# Targets (issue 17): during contract and abort, TPS >= 80% of the control's and no transaction
# slower than 2 x migrator.lock_timeout; no failed application transaction in any run.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init contract

SIZE=${SIZE:-2000000}
CLIENTS=${CLIENTS:-8}
RUNS=${RUNS:-1}
PGBENCH_T=${PGBENCH_T:-$((30 + SIZE / 10000))}
WARM=${WARM:-5}
GAP=${GAP:-3}
MINWIN=${MINWIN:-2}
DB=migrator_bench_contract
BENCH_DBS="^$DB\$"
OPS='[{"alter_column": {"table":"books","column":"published_year","type":"bigint","up":"published_year::bigint","down":"published_year::int"}}]'
[[ $SIZE =~ ^[0-9]+$ && $SIZE -ge 10000 ]] || die "SIZE must be a number >= 10000"
[[ $CLIENTS =~ ^[0-9]+$ && $CLIENTS -ge 2 ]] || die "CLIENTS must be a number >= 2"

bench_cluster
export PGDATABASE=$DB
TMP=$(mktemp -d /tmp/migrator-bench.XXXXXX)
chmod 755 "$TMP"
WATCHER=
trap 'if [[ $WATCHER ]]; then kill "$WATCHER" 2>/dev/null; fi; rm -rf "$TMP"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
bench_watch

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
LOCK_TIMEOUT_MS=$(q -At -c "LOAD 'migrator'" -c "SELECT setting FROM pg_settings WHERE name = 'migrator.lock_timeout'" -d postgres)

say "database $DB, $SIZE rows, $CLIENTS clients, pgbench $PGBENCH_T s a run"
q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
q -d postgres -c "ALTER DATABASE $DB SET session_preload_libraries = 'migrator'" >/dev/null
q -v rows="$SIZE" >/dev/null <<'SQL'
CREATE EXTENSION migrator;
CREATE TABLE tmpl WITH (autovacuum_enabled = false) AS
SELECT g::bigint AS id, 'Book title number ' || g AS title, (g % 5000 + 1)::bigint AS author_id,
       (1900 + g % 125)::int AS published_year,
       timestamptz '2024-01-01' - g * interval '1 minute' AS created_at
FROM generate_series(1, :rows) g;
SQL

# a fresh books table from tmpl, vacuumed and analyzed, then a checkpoint
reset_books() {
	q >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT migrator.abort(name) FROM migrator.changes WHERE state NOT IN ('contracted', 'aborted');
DROP TABLE IF EXISTS books CASCADE;
CREATE TABLE books (id bigint PRIMARY KEY, title text, author_id bigint, published_year int,
	created_at timestamptz);
INSERT INTO books SELECT * FROM tmpl;
VACUUM ANALYZE books;
CHECKPOINT;
SQL
}

# phase NAME SQL: run SQL, noting the phase's start and end (epoch seconds) in $RUN_DIR/phases
phase() {
	local t0 t1
	t0=$(now)
	if ! q -c "$2" >"$RUN_DIR/$1.out" 2>&1; then
		say "   $1 FAILED: $(grep -m1 ERROR "$RUN_DIR/$1.out")"
		echo "$1: $(grep -m1 ERROR "$RUN_DIR/$1.out")" >>"$RUN_DIR/failed_phases"
	fi
	t1=$(now)
	echo "$1 $t0 $t1" >>"$RUN_DIR/phases"
	say "   $1: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f s", b - a }')$(grep -c 'retrying in' "$RUN_DIR/$1.out" | awk '$1 > 0 { printf ", %d retries", $1 }')"
}

# one run: ALT (control, contract or abort), round R; pgbench's logs and the phases in RUN_DIR
run() {
	local alt=$1 r=$2 change="${1}_$2" half=$((CLIENTS / 2)) p_new p_old
	RUN_DIR=$TMP/$alt.$r
	mkdir -p "$RUN_DIR"
	reset_books
	wait_quiet
	say "run $r: $alt"
	echo "start $(now)" >"$RUN_DIR/phases"
	PGOPTIONS="-c search_path=public_$change,public" pgbench -n -c "$half" -j 1 -T "$PGBENCH_T" -D rows="$SIZE" \
		-f "$BENCH/pgbench_books.sql" -l --log-prefix="$RUN_DIR/new" "$DB" >"$RUN_DIR/pgbench_new.out" 2>&1 &
	p_new=$!
	pgbench -n -c "$((CLIENTS - half))" -j 1 -T "$PGBENCH_T" -D rows="$SIZE" \
		-f "$BENCH/pgbench_books.sql" -l --log-prefix="$RUN_DIR/old" "$DB" >"$RUN_DIR/pgbench_old.out" 2>&1 &
	p_old=$!
	if [[ $alt != control ]]; then
		sleep "$WARM"
		phase expand "SELECT migrator.expand('$change', '$OPS')"
		sleep "$GAP"
		phase backfill "CALL migrator.run_backfill('$change')"
		sleep "$GAP"
		phase "$alt" "SELECT migrator.$alt('$change')"
		kill -0 "$p_new" 2>/dev/null && kill -0 "$p_old" 2>/dev/null ||
			say "   pgbench ended before $alt did: raise PGBENCH_T"
	fi
	wait "$p_new" || true
	wait "$p_old" || true
	echo "end $(now)" >>"$RUN_DIR/phases"
	disturbed "$(cut -d' ' -f2 "$RUN_DIR/phases" | head -n 1 | cut -d. -f1)" "$(date +%s)" &&
		echo disturbed >"$RUN_DIR/disturbed"
	return 0
}

# window DIR FROM TO: the transactions of DIR's pgbench logs that ended in [FROM, TO]:
# "count tps p99_ms max_ms failed"
window() {
	cat "$1"/new.* "$1"/old.* | awk -v f="$2" -v t="$3" '
		{ d = $5 + $6 / 1e6 }
		d >= f && d <= t && $3 ~ /^[0-9]+$/ { print $3 / 1000 }
		d >= f && d <= t && $3 !~ /^[0-9]+$/ { print "failed" }' >"$TMP/win"
	grep -v failed "$TMP/win" | sort -g >"$TMP/win.ok" || true
	awk -v f="$2" -v t="$3" -v failed="$(grep -c failed "$TMP/win" || true)" '
		{ v[NR] = $1 }
		END { n = NR; p = (n ? v[int(n * 0.99) > 0 ? int(n * 0.99) : 1] : 0)
		      printf "%d %.0f %.2f %.2f %d\n", n, n / (t - f), p, (n ? v[n] : 0), failed }' "$TMP/win.ok"
}

# failures DIR: what went wrong for the application in a run (aborted clients, failed transactions)
failures() {
	cat "$1"/pgbench_*.out | grep -E 'aborted|ERROR|number of failed transactions: [1-9]' | sort | uniq -c | head -n 5 || true
	awk '$3 !~ /^[0-9]+$/ { n++ } END { if (n) print n " failed transactions in the logs" }' "$1"/new.* "$1"/old.*
}

for ((r = 1; r <= RUNS; r++)); do
	alts=(control contract abort)
	for ((i = 0; i < 3; i++)); do run "${alts[(r - 1 + i) % 3]}" "$r"; done
done

# --- report --------------------------------------------------------------------------------------
mkdir -p "$OUT"
CSV=$OUT/contract.csv
TXT=$OUT/contract.txt
echo "round,run,phase,seconds,window_s,tps,tps_control,tps_ratio,tps_before,tps_ratio_before,p99_ms,p99_ms_control,max_ms,max_ms_control,failed" >"$CSV"
MACHINE=$(bench_machine)
{
	echo "migrator zero-downtime phases under load (bench/contract.sh), $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $MACHINE; $(q -At -c 'SELECT split_part(version(), $$ on $$, 1)')"
	echo "cluster: test/setup's (shared_buffers $(q -At -c 'SHOW shared_buffers'), fsync $(q -At -c 'SHOW fsync')); migrator preloaded; autovacuum on"
	echo "migrator: built by test/setup from the working tree at $BUILT"
	echo "$SIZE rows; pgbench $CLIENTS clients ($((CLIENTS / 2)) through the new shape, $((CLIENTS - CLIENTS / 2)) through the old), $PGBENCH_T s a run, simple protocol; $RUNS round(s); migrator.lock_timeout $LOCK_TIMEOUT_MS ms"
	echo "load average before: $LOAD0; the run took $((SECONDS - START)) s"
	echo
	printf '  %-5s %-9s %-9s %8s %9s %9s %7s %10s %9s %9s %9s %9s\n' round run phase "phase s" "window s" TPS "vs ctl" "vs before" "p99 ms" "ctl p99" "max ms" "ctl max"
	verdict=met
	for ((r = 1; r <= RUNS; r++)); do
		ctl=$TMP/control.$r
		c0=$(awk '$1 == "start" { print $2 }' "$ctl/phases")
		for alt in contract abort; do
			dir=$TMP/$alt.$r
			s0=$(awk '$1 == "start" { print $2 }' "$dir/phases")
			while read -r name t0 t1; do
				[[ $name == start || $name == end ]] && continue
				t1w=$(awk -v a="$t0" -v b="$t1" -v m="$MINWIN" 'BEGIN { printf "%.6f", (b - a < m ? a + m : b) }')
				read -r _ tps p99 max failed < <(window "$dir" "$t0" "$t1w")
				# the same seconds of the control run, counted from pgbench's start
				f=$(awk -v a="$t0" -v s="$s0" -v c="$c0" 'BEGIN { printf "%.6f", c + a - s }')
				t=$(awk -v a="$t1w" -v s="$s0" -v c="$c0" 'BEGIN { printf "%.6f", c + a - s }')
				read -r _ ctps cp99 cmax _ < <(window "$ctl" "$f" "$t")
				ratio=$(awk -v a="$tps" -v b="$ctps" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')
				# the same run's MINWIN seconds just before the phase: what the phase itself changes
				read -r _ btps _ _ _ < <(window "$dir" "$(awk -v a="$t0" -v m="$MINWIN" 'BEGIN { printf "%.6f", a - m }')" "$t0")
				bratio=$(awk -v a="$tps" -v b="$btps" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')
				secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
				win=$(awk -v a="$t0" -v b="$t1w" 'BEGIN { printf "%.1f", b - a }')
				printf '  %-5s %-9s %-9s %8s %9s %9s %6s%% %9s%% %9s %9s %9s %9s\n' "$r" "$alt" "$name" "$secs" "$win" "$tps" "$ratio" "$bratio" "$p99" "$cp99" "$max" "$cmax"
				echo "$r,$alt,$name,$secs,$win,$tps,$ctps,$ratio,$btps,$bratio,$p99,$cp99,$max,$cmax,$failed" >>"$CSV"
				if [[ $name == contract || $name == abort ]]; then
					awk -v r="$ratio" -v m="$max" -v l="$LOCK_TIMEOUT_MS" 'BEGIN { exit !(r >= 80 && m <= 2 * l) }' ||
						verdict="NOT MET"
				fi
			done <"$dir/phases"
		done
	done
	echo
	for dir in "$TMP"/*.*/; do
		if [[ -s $dir/failed_phases ]]; then
			echo "  in the $(basename "$dir") run, failed: $(cat "$dir/failed_phases")"
			verdict="NOT MET"
		fi
	done
	echo "  target: during contract and abort, TPS >= 80% of the control's and max latency <= $((2 * LOCK_TIMEOUT_MS)) ms: $verdict"
	bad=
	for dir in "$TMP"/*.*/; do
		f=$(failures "$dir" | sed "s|^ *|  $(basename "$dir"): |")
		[[ -z $f ]] || bad+="$f"$'\n'
		[[ ! -e $dir/disturbed ]] || echo "  note: other work ran on the machine during $(basename "$dir")"
	done
	if [[ -z $bad ]]; then
		echo "  target: no failed application transaction in any run: met"
	else
		echo "  target: no failed application transaction in any run: NOT MET"
		printf '%s' "$bad"
	fi
} | tee "$TXT"
say "wrote $TXT and $CSV"
