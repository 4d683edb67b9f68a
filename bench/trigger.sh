#!/usr/bin/env bash
# bench/trigger.sh -- the zero-downtime change benchmark: what migrator's dual-write trigger and
# backfill cost, side by side with the alternatives, on the local test cluster (test/setup).
# A script, never a timed test: it prints a results table and writes $OUT/trigger.txt, trigger.csv
# (every run's figures) and, with gnuplot, trigger.png.  See bench/README.md.
#
#   bench/trigger.sh                          1,000,000 rows, 5 runs of everything (~25 min on 2 cores)
#   ROWS=100000 RUNS=3 bench/trigger.sh       a quick look (the published figures use the defaults)
#   PARTS=3 BACKFILL_PAUSE='10 ms' OUT=/tmp/b bench/trigger.sh    part 3 only, another pause
#
# Environment: ROWS (1000000), RUNS (5: medians of RUNS runs), BATCH (1000, backfill batch size),
# PGBENCH_C (4 clients), PGBENCH_T (40 s; the throttled backfill may outlast it), BACKFILL_PAUSE
# ('5 ms': part 3's second backfill runs with that pause between batches), BACKFILL_SHARE (20: its
# third runs with SET migrator.backfill_share to that; either set but empty: no such alternative),
# PARTS ("1 2 3"), OUT (bench/results), QUIET / QUIET_WAIT (see lib.sh), SHARED_BUFFERS (empty:
# test/setup's cluster as it is, initdb's 128MB; set, say 512MB: test/setup restarts the cluster with
# it, and a later plain test/setup restarts it without).
#
# 1. two UPDATEs of every row through the old shape, per-row cost with
#      (a)   no trigger, the table as before the change;
#      (a')  the expanded shape (new column + marker, as expand adds them), no trigger;
#      (a'') that shape with contrib's moddatetime, a small C trigger that sets one column;
#      (b)   migrator.expand's C dual-write trigger, in a session that has not loaded migrator;
#      (b')  the same in a session that has (session_preload_libraries): the dual writes are
#            planned into the UPDATE and the trigger is left out (src/dualwrite_plan.c);
#      (c)   the two PL/pgSQL triggers pgroll installs for the same alter_column
#            (bench/pgroll_alter_column.sql), on the same table shape as (b).
#    1a. UPDATE books SET title = title || '': a column the change does not touch.  migrator's
#        trigger is BEFORE UPDATE OF the columns it reads, so it does not fire; the others do.
#    1b. UPDATE books SET published_year = published_year: the altered column, every trigger fires.
# 2. filling a freshly expanded table: one UPDATE of every row vs CALL migrator.run_backfill, and a
#    loop of one-batch transactions that times each batch (how long a batch holds its row locks).
# 3. pgbench (bench/pgbench_books.sql: a point SELECT and a point UPDATE on random books) on the
#    expanded table, without and during CALL migrator.run_backfill on the same table: at full speed,
#    with BACKFILL_PAUSE between batches, and throttled by migrator.backfill_share = BACKFILL_SHARE
#    (after each batch a sleep of (100 - share) / share times the batch's duration).
# Every run starts from a freshly loaded, vacuumed and checkpointed table (autovacuum off on it);
# the alternatives take turns, their order rotating every round.  Unix socket only.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init trigger

ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
BATCH=${BATCH:-1000}
PGBENCH_C=${PGBENCH_C:-4}
PGBENCH_T=${PGBENCH_T:-40}
PGBENCH_DELAY=3 # seconds of pgbench before the backfill starts
BACKFILL_PAUSE=${BACKFILL_PAUSE-} # empty (the default): no paused alternative
BACKFILL_SHARE=${BACKFILL_SHARE-} # empty (the default): no throttled alternative
PARTS=${PARTS:-1 2 3}
DB=migrator_bench
BENCH_DBS="^$DB\$" # the watcher: a busy session of any other database is other work
OPS='[{"alter_column": {"table":"books","column":"published_year","type":"bigint","up":"published_year::bigint","down":"published_year::int"}}]'

part() { [[ " $PARTS " == *" $1 "* ]]; }
[[ $ROWS =~ ^[0-9]+$ && $ROWS -ge 10000 ]] || die "ROWS must be a number >= 10000"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 ]] || die "RUNS must be a number >= 1"
[[ $BATCH =~ ^[0-9]+$ && $BATCH -ge 1 ]] || die "BATCH must be a number >= 1"
[[ -z $BACKFILL_SHARE || ($BACKFILL_SHARE =~ ^[0-9]+$ && $BACKFILL_SHARE -ge 1 && $BACKFILL_SHARE -le 100) ]] ||
	die "BACKFILL_SHARE must be a number from 1 to 100 (or empty)"
((RUNS >= 5)) || say "RUNS=$RUNS: fewer than 5 runs, the medians are rough"

# --- the cluster ---------------------------------------------------------------------------------
# test/setup builds and installs migrator from the working tree (BUILT says what that was; SO is the
# library every new session loads: another test/setup that reinstalls it mid-run would mix builds)
SHARED_BUFFERS=${SHARED_BUFFERS-}
export MIGRATOR_SHARED_BUFFERS=$SHARED_BUFFERS
bench_cluster
export PGDATABASE=$DB
TMP=$(mktemp -d /tmp/migrator-bench.XXXXXX)
chmod 755 "$TMP" # the server (OS user postgres when we are root) reads nothing here, psql does
WATCHER=
trap 'if [[ $WATCHER ]]; then kill "$WATCHER" 2>/dev/null; fi; rm -rf "$TMP"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# --- other work on the machine -------------------------------------------------------------------
# lib.sh's watcher notes every second whether something else is at work (see there).  Each run
# first waits for QUIET seconds of calm (at most QUIET_WAIT seconds in all), and is repeated, up to
# twice (until that budget is spent), when other work ran during it.
REPEATS=0 KEPT=0
# attempt CLEANUP-SQL CMD...: CMD (one run: set up, measure, record) after a calm spell; when other
# work ran meanwhile, CLEANUP-SQL deletes what it recorded and it runs again (three tries at most)
attempt() {
	local cleanup=$1 try t0
	shift
	for try in 1 2 3; do
		wait_quiet
		t0=$(date +%s)
		"$@"
		disturbed "$t0" "$(($(date +%s) + 1))" || return 0
		if ((try == 3 || WAITED >= QUIET_WAIT)); then
			say "   other work on the machine during this run again: kept as it is"
			KEPT=$((KEPT + 1))
			return 0
		fi
		say "   other work on the machine during this run ($(awk -v a="$t0" '$1 >= a { $1 = ""; print substr($0, 2); exit }' "$TMP/busy")): once more"
		REPEATS=$((REPEATS + 1))
		q -c "$cleanup" >/dev/null
	done
}

# gnuplot for the chart; without it there is no PNG, the rest still runs
bench_gnuplot

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
# timed_ms SQL: run SQL in a session of its own and print its duration in ms (psql's \timing)
timed_ms() {
	local out
	out=$(q -c '\timing on' -c "$1") || die "failed: $1"
	sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$out" | tail -n 1
}
record() { # PART ALT RUN METRIC VALUE-EXPRESSION
	q -c "INSERT INTO bench_result VALUES ($1, '$2', $3, '$4', $5)" >/dev/null
}
# rotate R ALT...: the alternatives, starting with number R (mod their count)
rotate() {
	local r=$1
	shift
	local a=("$@") i
	for ((i = 0; i < ${#a[@]}; i++)); do printf '%s ' "${a[(r + i) % ${#a[@]}]}"; done
}
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a - b }'; } # a - b
fmin() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", (a < b ? a : b) }'; }

# --- the database --------------------------------------------------------------------------------
say "database $DB, $ROWS rows"
q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
q -v rows="$ROWS" >/dev/null <<'SQL'
CREATE EXTENSION migrator;
-- the rows every run starts from
CREATE TABLE tmpl WITH (autovacuum_enabled = false) AS
SELECT g::bigint AS id, 'Book title number ' || g AS title, (g % 5000 + 1)::bigint AS author_id,
       (1900 + g % 125)::int AS published_year,
       timestamptz '2024-01-01' - g * interval '1 minute' AS created_at
FROM generate_series(1, :rows) g;
VACUUM (ANALYZE) tmpl;
CREATE TABLE bench_result (part int, alt text, run int, metric text, value float8);
CREATE TABLE bench_batch (run int, batch int, rows bigint, call_ms float8, txn_ms float8);
CREATE TABLE bench_lat (latency_us float8);
-- part 2: one batch per transaction, each timed.  A batch's row locks are held from its UPDATE to
-- its COMMIT: txn_ms (the call and the commit) bounds that from above.
CREATE PROCEDURE bench_batches(change text, batch_size int, run int) LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	t1 timestamptz;
	n bigint;
	ns bigint[] := '{}';
	calls float8[] := '{}';
	txns float8[] := '{}';
BEGIN
	LOOP
		t0 := clock_timestamp();
		n := migrator.backfill(change, batch_size, 1);
		t1 := clock_timestamp();
		COMMIT;
		EXIT WHEN n = 0;
		ns := ns || n;
		calls := calls || extract(epoch FROM t1 - t0) * 1000;
		txns := txns || extract(epoch FROM clock_timestamp() - t0) * 1000;
	END LOOP;
	INSERT INTO bench_batch SELECT run, o, r, c, t FROM unnest(ns, calls, txns) WITH ORDINALITY u(r, c, t, o);
END $$;
SQL
HAVE_MODDATETIME=1
q -c "CREATE EXTENSION moddatetime" >/dev/null 2>&1 || {
	HAVE_MODDATETIME=
	say "contrib's moddatetime is not installed: no (a'') alternative"
}

# reset_books ALT: a fresh books table (loaded, vacuumed), set up for ALT, then a checkpoint.
# Sets CHANGE, the name of this run's change (migrator's; pgroll's version schema is public_$CHANGE).
NCHANGE=0
reset_books() {
	NCHANGE=$((NCHANGE + 1))
	CHANGE=bench_$NCHANGE
	local shape="ALTER TABLE books ADD COLUMN _migrator_new_published_year bigint,
		ADD COLUMN _migrator_needs_backfill boolean NOT NULL DEFAULT true;" setup
	case $1 in
	plain) setup= ;;
	shape) setup=$shape ;;
	moddatetime) setup="$shape CREATE TRIGGER moddatetime BEFORE INSERT OR UPDATE ON books
		FOR EACH ROW EXECUTE PROCEDURE moddatetime(created_at);" ;;
	pgroll) setup="\\i $BENCH/pgroll_alter_column.sql" ;;
	migrator | migrator_loaded | update | run_backfill | batches | baseline | backfill | backfill_full | backfill_paused | backfill_share)
		setup="SELECT migrator.expand(:'change', :'ops');" ;;
	*) die "unknown alternative $1" ;;
	esac
	q -v change="$CHANGE" -v latest="public_$CHANGE" -v ops="$OPS" >/dev/null <<SQL
SET client_min_messages = warning;
SELECT migrator.abort(name) FROM migrator.changes WHERE state NOT IN ('contracted', 'aborted');
DROP TABLE IF EXISTS books CASCADE;
DROP FUNCTION IF EXISTS "_pgroll_trigger_books_published_year"(), "_pgroll_trigger_books__pgroll_new_published_year"();
CREATE TABLE books (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	title text,
	author_id bigint,
	published_year int,
	created_at timestamptz NOT NULL DEFAULT now()
) WITH (autovacuum_enabled = false);
INSERT INTO books OVERRIDING SYSTEM VALUE SELECT * FROM tmpl;
VACUUM (ANALYZE) books;
$setup
CHECKPOINT;
SQL
}

# check_filled ALT [COLUMN]: every row's new column holds up(row) (not timed)
check_filled() {
	local col=${2:-_migrator_new_published_year} bad
	bad=$(q -At -c "SELECT count(*) FROM books WHERE $col IS DISTINCT FROM published_year::bigint")
	[[ $bad == 0 ]] || die "$1: $bad rows without their new value in $col"
}

bench_watch # from here on, anything at work outside migrator_bench is someone else's
say "warm-up"
reset_books plain
timed_ms "UPDATE books SET title = title || ''" >/dev/null

# --- 1. bulk UPDATEs: per-row cost of each trigger ------------------------------------------------
# Two UPDATEs of every row through the old shape, each on its own fresh table:
#   title: a column the change does not touch.  migrator's trigger is BEFORE UPDATE OF the columns
#          its expressions read (plus the new column and the marker), so it does not fire at all;
#          pgroll's pair (BEFORE UPDATE, no column list) and moddatetime fire for every row.
#   year:  the altered column itself, so every trigger fires for every row: migrator's slow path.
# shellcheck disable=SC2034 # read through ${!sql} in run1
UPD_title="UPDATE books SET title = title || ''"
# shellcheck disable=SC2034
UPD_year="UPDATE books SET published_year = published_year"
# check_untouched ALT: migrator's trigger did not fire: no row has its new value, every row is marked
check_untouched() {
	local bad
	bad=$(q -At -c "SELECT count(*) FROM books WHERE _migrator_new_published_year IS NOT NULL OR NOT _migrator_needs_backfill")
	[[ $bad == 0 ]] || die "$1: migrator's trigger fired on $bad rows of an UPDATE of a column it does not read"
}
run1() { # UPDATE ALT RUN
	local upd=$1 alt=$2 r=$3 sql=UPD_$1 ms
	reset_books "$alt"
	if [[ $alt == migrator_loaded ]]; then
		# migrator loaded when the session starts, as the README advises: the dual writes are planned
		# into the UPDATE (src/dualwrite_plan.c) and the trigger is left out
		ms=$(PGOPTIONS="-c session_preload_libraries=migrator" timed_ms "${!sql}")
	else
		ms=$(timed_ms "${!sql}")
	fi
	say "1. run $r $upd $alt: $ms ms"
	record 1 "$alt" "$r" "us_per_row_$upd" "$ms * 1000.0 / $ROWS"
	case $upd:$alt in
	title:migrator | title:migrator_loaded) check_untouched "$alt" ;;
	year:migrator | year:migrator_loaded) check_filled "$alt" ;;
	*:pgroll) check_filled "$alt" _pgroll_new_published_year ;;
	esac
}
if part 1; then
	ALTS1=(plain shape migrator migrator_loaded pgroll)
	[[ $HAVE_MODDATETIME ]] && ALTS1=(plain shape moddatetime migrator migrator_loaded pgroll)
	for ((r = 1; r <= RUNS; r++)); do
		# each round starts with another alternative, and the two UPDATEs swap places every round
		ITEMS1=()
		for alt in "${ALTS1[@]}"; do
			if ((r % 2)); then ITEMS1+=("title:$alt" "year:$alt"); else ITEMS1+=("year:$alt" "title:$alt"); fi
		done
		for item in $(rotate $((2 * (r - 1))) "${ITEMS1[@]}"); do
			upd=${item%%:*} alt=${item#*:}
			attempt "DELETE FROM bench_result WHERE part = 1 AND alt = '$alt' AND run = $r AND metric = 'us_per_row_$upd'" \
				run1 "$upd" "$alt" "$r"
		done
	done
fi

# --- 2. backfill: batches vs one UPDATE ----------------------------------------------------------
run2() { # ALT RUN
	local alt=$1 r=$2 ms
	reset_books "$alt"
	case $alt in
	update) ms=$(timed_ms "UPDATE books SET _migrator_new_published_year = published_year::bigint") ;;
	run_backfill) ms=$(timed_ms "CALL migrator.run_backfill('$CHANGE', $BATCH)") ;;
	batches)
		ms=$(timed_ms "CALL bench_batches('$CHANGE', $BATCH, $r)")
		q >/dev/null <<SQL
INSERT INTO bench_result
SELECT 2, 'batches', $r, x.m, x.v
FROM (SELECT max(txn_ms) mx, percentile_cont(0.99) WITHIN GROUP (ORDER BY txn_ms) p99,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY txn_ms) p50, count(*) n
      FROM bench_batch WHERE run = $r) s,
     LATERAL (VALUES ('batch_max_ms', s.mx), ('batch_p99_ms', s.p99), ('batch_p50_ms', s.p50),
                     ('batches', s.n)) x(m, v);
SQL
		;;
	esac
	check_filled "$alt"
	[[ $alt == update ]] || [[ $(q -At -c "SELECT state FROM migrator.changes WHERE name = '$CHANGE'") == backfilled ]] ||
		die "$alt: change $CHANGE is not backfilled"
	say "2. run $r $alt: $ms ms"
	record 2 "$alt" "$r" rows_per_s "$ROWS / ($ms / 1000.0)"
}
if part 2; then
	for ((r = 1; r <= RUNS; r++)); do
		for alt in $(rotate $((r - 1)) update run_backfill batches); do
			attempt "DELETE FROM bench_result WHERE part = 2 AND alt = '$alt' AND run = $r;
			         DELETE FROM bench_batch WHERE run = $r" run2 "$alt" "$r"
		done
	done
fi

# --- 3. pgbench with and without a concurrent backfill -------------------------------------------
# window_stats ALT RUN FROM TO: the transactions that completed in [FROM, TO] (epoch seconds),
# from pgbench's per-transaction logs: TPS and latency percentiles; prints the TPS
window_stats() {
	local alt=$1 run=$2 from=$3 to=$4
	cat "$TMP"/pgb/log.* |
		awk -v f="$from" -v t="$to" '$3 ~ /^[0-9]+$/ { d = $5 + $6 / 1e6; if (d >= f && d <= t) print $3 }' \
			>"$TMP/lat.txt"
	q >/dev/null <<SQL
TRUNCATE bench_lat;
\\copy bench_lat FROM '$TMP/lat.txt'
INSERT INTO bench_result
SELECT 3, '$alt', $run, x.m, x.v
FROM (SELECT count(*) / ($to - $from) tps,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_us) / 1000 p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_us) / 1000 p99
      FROM bench_lat) s,
     LATERAL (VALUES ('tps', s.tps), ('lat_p50_ms', s.p50), ('lat_p99_ms', s.p99),
                     ('window_s', $to - $from)) x(m, v);
SQL
	q -At -c "SELECT round(value::numeric) FROM bench_result WHERE part = 3 AND alt = '$alt' AND run = $run AND metric = 'tps'"
}

run3() { # ALT RUN
	local alt=$1 r=$2 t0 pid pause share yield b0 b1 t_end tps
	reset_books "$alt"
	rm -rf "$TMP/pgb"
	mkdir "$TMP/pgb"
	t0=$(date +%s.%N)
	pgbench -n -M prepared -c "$PGBENCH_C" -j 2 -T "$PGBENCH_T" -D rows="$ROWS" \
		-f "$BENCH/pgbench_books.sql" -l --log-prefix="$TMP/pgb/log" "$DB" >"$TMP/pgb/out" 2>&1 &
	pid=$!
	if [[ $alt != baseline ]]; then
		# backfill: migrator's defaults (it yields to running sessions, migrator.backfill_yield 20);
		# the others never yield (backfill_yield 100): at full speed, paused, or at a fixed share
		pause=0 share=100 yield=100
		[[ $alt == backfill ]] && yield=20
		[[ $alt == backfill_paused ]] && pause=$BACKFILL_PAUSE
		[[ $alt == backfill_share ]] && share=$BACKFILL_SHARE
		sleep "$PGBENCH_DELAY"
		b0=$(date +%s.%N)
		PGOPTIONS="-c migrator.backfill_share=$share -c migrator.backfill_yield=$yield" q -c "CALL migrator.run_backfill('$CHANGE', $BATCH, '$pause')" >/dev/null
		b1=$(date +%s.%N)
	fi
	wait "$pid" || { cat "$TMP/pgb/out" >&2; die "pgbench failed"; }
	t_end=$(awk '$3 ~ /^[0-9]+$/ { d = $5 + $6 / 1e6; if (d > m) m = d } END { printf "%.6f", m }' "$TMP"/pgb/log.*)
	if [[ $alt == baseline ]]; then
		tps=$(window_stats "$alt" "$r" "$(awk -v a="$t0" -v d="$PGBENCH_DELAY" 'BEGIN { printf "%.6f", a + d }')" \
			"$(fsub "$t_end" 1)")
		say "3. run $r $alt: $tps TPS"
	else
		check_filled "$alt"
		tps=$(window_stats "$alt" "$r" "$b0" "$(fmin "$b1" "$t_end")")
		record 3 "$alt" "$r" backfill_s "$b1 - $b0"
		record 3 "$alt" "$r" backfill_rows_per_s "$ROWS / ($b1 - $b0)"
		say "3. run $r $alt: $tps TPS during the backfill ($(fsub "$b1" "$b0") s)"
		[[ $(fsub "$b1" "$t_end") == -* ]] ||
			say "   the backfill outlasted pgbench: its TPS is over the $(fsub "$t_end" "$b0") s they overlapped (raise PGBENCH_T)"
	fi
	# the table and its index after the run: a backfill that did not prune behind itself doubles them
	record 3 "$alt" "$r" table_mb "pg_relation_size('books') / 1048576.0"
	record 3 "$alt" "$r" index_mb "pg_indexes_size('books') / 1048576.0"
	record 3 "$alt" "$r" tps_pgbench_whole_run "$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$TMP/pgb/out" | head -n 1)"
}
if part 3; then
	ALTS3=(baseline backfill backfill_full)
	[[ $BACKFILL_PAUSE ]] && ALTS3+=(backfill_paused)
	[[ $BACKFILL_SHARE ]] && ALTS3+=(backfill_share)
	for ((r = 1; r <= RUNS; r++)); do
		for alt in $(rotate $((r - 1)) "${ALTS3[@]}"); do
			attempt "DELETE FROM bench_result WHERE part = 3 AND alt = '$alt' AND run = $r" run3 "$alt" "$r"
		done
	done
fi

# --- report --------------------------------------------------------------------------------------
mkdir -p "$OUT"
say "report"
[[ $(md5sum <"$SO") == "$SO_SUM" ]] ||
	BUILT+="; WARNING: migrator.so was reinstalled during the run (another test/setup?), figures may mix builds"
if [[ -s $TMP/busy ]]; then
	say "other work seen on the machine (seconds seen, what):"
	busy_report >&2
fi
OTHER="runs repeated because other work ran on the machine: $REPEATS; kept though disturbed: $KEPT; waited for calm: $WAITED s"
MACHINE=$(bench_machine)
{
	cat <<'SQL'
CREATE TEMP VIEW med AS
SELECT part, alt, metric, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS v,
       min(value) AS lo, max(value) AS hi, count(*) AS n
FROM bench_result GROUP BY part, alt, metric;
CREATE FUNCTION pg_temp.m(p int, a text, k text) RETURNS float8 LANGUAGE sql
	AS $$ SELECT v FROM med WHERE part = p AND alt = a AND metric = k $$;
CREATE FUNCTION pg_temp.signed(x float8, digits int) RETURNS text LANGUAGE sql
	AS $$ SELECT CASE WHEN x >= 0 THEN '+' ELSE '' END || round(x::numeric, digits) $$;
CREATE FUNCTION pg_temp.verdict(ok boolean) RETURNS text LANGUAGE sql
	AS $$ SELECT CASE WHEN ok THEN 'met' WHEN NOT ok THEN 'NOT MET' END $$;
CREATE FUNCTION pg_temp.line(p int, a text, k text, label text, unit text, digits int) RETURNS SETOF text LANGUAGE sql
	AS $$ SELECT format('  %-46s %10s %-7s (%s .. %s)', label, round(v::numeric, digits), unit,
	                    round(lo::numeric, digits), round(hi::numeric, digits))
	      FROM med WHERE part = p AND alt = a AND metric = k $$;
SELECT format('migrator zero-downtime change benchmark (bench/trigger.sh), %s', to_char(now(), 'YYYY-MM-DD HH24:MI TZ'));
SELECT format('machine: %s; %s', :'machine', split_part(version(), ' on ', 1));
SELECT format('cluster: test/setup''s (shared_buffers %s, fsync %s, synchronous_commit %s, max_wal_size %s)',
              current_setting('shared_buffers'), current_setting('fsync'),
              current_setting('synchronous_commit'), current_setting('max_wal_size'));
SELECT format('migrator: built by test/setup from the working tree at %s', :'built');
SELECT format('%s rows; medians of %s runs, min .. max in brackets; the run took %s s', :'rows', :'runs', :'elapsed');
SELECT format('%s; load average before the run: %s', :'other', :'load');
SQL
	if part 1; then
		for upd in title year; do
			if [[ $upd == title ]]; then
				heading="1a. an UPDATE of a column the change does not touch: UPDATE books SET title = title || '''' on every row"
				note="migrator''s trigger does not fire (UPDATE OF the columns it reads); pgroll''s pair and moddatetime fire on every row"
			else
				heading="1b. an UPDATE of the altered column, through the old shape: UPDATE books SET published_year = published_year on every row"
				note="every trigger fires on every row (migrator''s sets the new column and clears the marker)"
			fi
			cat <<SQL
SELECT '';
SELECT '$heading';
SELECT '  $note';
SQL
			# @M@: this UPDATE's metric
			sed "s/@M@/us_per_row_$upd/g" <<'SQL'
SELECT pg_temp.line(1, 'plain', '@M@', '(a)   no trigger', 'µs/row', 3);
SELECT pg_temp.line(1, 'shape', '@M@', '(a'')  expanded shape, no trigger', 'µs/row', 3);
SELECT pg_temp.line(1, 'moddatetime', '@M@', '(a'''') expanded shape, moddatetime C trigger', 'µs/row', 3);
SELECT pg_temp.line(1, 'migrator', '@M@', '(b)   migrator C trigger (expand)', 'µs/row', 3);
SELECT pg_temp.line(1, 'migrator_loaded', '@M@', '(b'')  migrator loaded: dual writes planned', 'µs/row', 3);
SELECT pg_temp.line(1, 'pgroll', '@M@', '(c)   pgroll''s PL/pgSQL trigger pair', 'µs/row', 3);
WITH x AS (SELECT pg_temp.m(1, 'plain', '@M@') a, pg_temp.m(1, 'shape', '@M@') s,
                  pg_temp.m(1, 'moddatetime', '@M@') md,
                  pg_temp.m(1, 'migrator', '@M@') b, pg_temp.m(1, 'migrator_loaded', '@M@') bl,
                  pg_temp.m(1, 'pgroll', '@M@') c)
SELECT concat_ws(E'\n',
  format('  overhead over (a): migrator %s µs/row (%s%%), pgroll %s µs/row (%s%%)%s',
         pg_temp.signed(b - a, 3), pg_temp.signed(100 * (b - a) / a, 0),
         pg_temp.signed(c - a, 3), pg_temp.signed(100 * (c - a) / a, 0),
         CASE WHEN md IS NOT NULL THEN format(', moddatetime %s µs/row (%s%%)', pg_temp.signed(md - a, 3),
                                              pg_temp.signed(100 * (md - a) / a, 0)) END),
  format('  overhead over (a''), the triggers alone: migrator %s, pgroll %s µs/row',
         pg_temp.signed(b - s, 3), pg_temp.signed(c - s, 3)),
  format('  target: migrator''s overhead <= 1/3 of pgroll''s      %s         %s',
         round(((b - a) / nullif(c - a, 0))::numeric, 2), pg_temp.verdict((b - a) <= (c - a) / 3)),
  format('  target: (b) throughput >= 85%% of (a)               %s%%        %s',
         round((100 * a / b)::numeric), pg_temp.verdict(a / b >= 0.85)),
  format('  target: (b'') overhead <= 1/3 of pgroll''s           %s         %s',
         round(((bl - a) / nullif(c - a, 0))::numeric, 2), pg_temp.verdict((bl - a) <= (c - a) / 3)),
  format('  target: (b'') throughput >= 85%% of (a)              %s%%        %s',
         round((100 * a / bl)::numeric), pg_temp.verdict(a / bl >= 0.85)))
FROM x;
SQL
		done
	fi
	part 2 && cat <<'SQL'
SELECT '';
SELECT format('2. Filling a freshly expanded table (batch size %s)', :'batch');
SELECT pg_temp.line(2, 'update', 'rows_per_s', 'one UPDATE of every row (trigger on)', 'rows/s', 0);
SELECT pg_temp.line(2, 'run_backfill', 'rows_per_s', 'CALL migrator.run_backfill', 'rows/s', 0);
SELECT pg_temp.line(2, 'batches', 'rows_per_s', 'backfill(change, n, 1) + COMMIT, in a loop', 'rows/s', 0);
SELECT pg_temp.line(2, 'batches', 'batch_p50_ms', '  one batch (call + commit), median', 'ms', 2);
SELECT pg_temp.line(2, 'batches', 'batch_p99_ms', '  one batch, p99', 'ms', 2);
SELECT pg_temp.line(2, 'batches', 'batch_max_ms', '  one batch, longest', 'ms', 2);
SELECT format('  longest of all %s batches: %s ms', count(*), round(max(txn_ms)::numeric, 2)) FROM bench_batch;
SELECT concat_ws(E'\n',
  format('  target: run_backfill >= 50%% of one UPDATE         %s%%        %s',
         round((100 * pg_temp.m(2, 'run_backfill', 'rows_per_s') / pg_temp.m(2, 'update', 'rows_per_s'))::numeric),
         pg_temp.verdict(pg_temp.m(2, 'run_backfill', 'rows_per_s') >= 0.5 * pg_temp.m(2, 'update', 'rows_per_s'))),
  format('  target: a batch holds its row locks <= 100 ms      max %s ms %s',
         round((SELECT max(txn_ms) FROM bench_batch)::numeric, 1),
         pg_temp.verdict((SELECT max(txn_ms) FROM bench_batch) <= 100)));
SQL
	part 3 && cat <<'SQL'
SELECT '';
SELECT format('3. pgbench -c %s -T %s (point SELECT + point UPDATE), expanded table; TPS of the backfill''s window', :'clients', :'secs');
SELECT pg_temp.line(3, 'baseline', 'tps', 'no backfill', 'TPS', 0);
SELECT pg_temp.line(3, 'backfill', 'tps', 'during CALL migrator.run_backfill (yields)', 'TPS', 0);
SELECT pg_temp.line(3, 'backfill_full', 'tps', 'during run_backfill, backfill_yield 100', 'TPS', 0);
SELECT pg_temp.line(3, 'backfill_paused', 'tps', format('during run_backfill, pause %s', :'pause'), 'TPS', 0);
SELECT pg_temp.line(3, 'backfill_share', 'tps', format('during run_backfill, backfill_share %s', :'share'), 'TPS', 0);
SELECT pg_temp.line(3, 'baseline', 'lat_p99_ms', '  latency p99, no backfill', 'ms', 2);
SELECT pg_temp.line(3, 'backfill', 'lat_p99_ms', '  latency p99, during the backfill', 'ms', 2);
SELECT pg_temp.line(3, 'backfill_full', 'lat_p99_ms', '  latency p99, during the full-speed backfill', 'ms', 2);
SELECT pg_temp.line(3, 'backfill_paused', 'lat_p99_ms', '  latency p99, during the paused backfill', 'ms', 2);
SELECT pg_temp.line(3, 'backfill_share', 'lat_p99_ms', '  latency p99, during the throttled backfill', 'ms', 2);
SELECT pg_temp.line(3, 'backfill', 'backfill_rows_per_s', '  backfill rate under load', 'rows/s', 0);
SELECT pg_temp.line(3, 'backfill_full', 'backfill_rows_per_s', '  full-speed backfill rate under load', 'rows/s', 0);
SELECT pg_temp.line(3, 'backfill_paused', 'backfill_rows_per_s', '  paused backfill rate under load', 'rows/s', 0);
SELECT pg_temp.line(3, 'backfill_share', 'backfill_rows_per_s', '  throttled backfill rate under load', 'rows/s', 0);
SELECT pg_temp.line(3, 'backfill', 'backfill_s', '  backfill duration under load', 's', 1);
SELECT pg_temp.line(3, 'backfill_full', 'backfill_s', '  full-speed backfill duration under load', 's', 1);
SELECT pg_temp.line(3, 'backfill_paused', 'backfill_s', '  paused backfill duration under load', 's', 1);
SELECT pg_temp.line(3, 'backfill_share', 'backfill_s', '  throttled backfill duration under load', 's', 1);
SELECT pg_temp.line(3, 'baseline', 'table_mb', '  table after the run (no backfill)', 'MB', 0);
SELECT pg_temp.line(3, 'backfill', 'table_mb', '  table after the backfill', 'MB', 0);
SELECT pg_temp.line(3, 'backfill_full', 'table_mb', '  table after the full-speed backfill', 'MB', 0);
SELECT pg_temp.line(3, 'baseline', 'index_mb', '  its index (no backfill)', 'MB', 0);
SELECT pg_temp.line(3, 'backfill', 'index_mb', '  its index after the backfill', 'MB', 0);
SELECT format('  target: TPS during a backfill >= 80%% of without   %s%%        %s',
              round((100 * pg_temp.m(3, 'backfill', 'tps') / pg_temp.m(3, 'baseline', 'tps'))::numeric),
              pg_temp.verdict(pg_temp.m(3, 'backfill', 'tps') >= 0.8 * pg_temp.m(3, 'baseline', 'tps')));
SELECT format('          with backfill_yield = 100 (full speed)  %s%%        %s',
              round((100 * pg_temp.m(3, 'backfill_full', 'tps') / pg_temp.m(3, 'baseline', 'tps'))::numeric),
              pg_temp.verdict(pg_temp.m(3, 'backfill_full', 'tps') >= 0.8 * pg_temp.m(3, 'baseline', 'tps')))
WHERE pg_temp.m(3, 'backfill_full', 'tps') IS NOT NULL;
SELECT format('          with pause %s                             %s%%        %s', :'pause',
              round((100 * pg_temp.m(3, 'backfill_paused', 'tps') / pg_temp.m(3, 'baseline', 'tps'))::numeric),
              pg_temp.verdict(pg_temp.m(3, 'backfill_paused', 'tps') >= 0.8 * pg_temp.m(3, 'baseline', 'tps')))
WHERE pg_temp.m(3, 'backfill_paused', 'tps') IS NOT NULL;
SELECT format('          with migrator.backfill_share = %s          %s%%        %s', :'share',
              round((100 * pg_temp.m(3, 'backfill_share', 'tps') / pg_temp.m(3, 'baseline', 'tps'))::numeric),
              pg_temp.verdict(pg_temp.m(3, 'backfill_share', 'tps') >= 0.8 * pg_temp.m(3, 'baseline', 'tps')))
WHERE pg_temp.m(3, 'backfill_share', 'tps') IS NOT NULL;
SQL
	: # the group's status is psql's input, not the last part test
} | q -At -v rows="$ROWS" -v runs="$RUNS" -v batch="$BATCH" -v machine="$MACHINE" -v built="$BUILT" -v other="$OTHER" -v load="$LOAD0" -v pause="$BACKFILL_PAUSE" -v share="$BACKFILL_SHARE" \
	-v clients="$PGBENCH_C" -v secs="$PGBENCH_T" -v elapsed="$((SECONDS - START))" >"$OUT/trigger.txt"
q -c "\\copy (SELECT part, alt, run, metric, round(value::numeric, 4) AS value FROM bench_result ORDER BY part, metric, alt, run) TO '$OUT/trigger.csv' CSV HEADER"
cat "$OUT/trigger.txt"

# --- chart: one panel per part -------------------------------------------------------------------
if command -v gnuplot >/dev/null; then
	# part, label, value (part 1: the title UPDATE's), part 1 only: the published_year UPDATE's
	q -At -F $'\t' -v pause="$BACKFILL_PAUSE" -v share="$BACKFILL_SHARE" >"$TMP/chart.dat" <<'SQL'
WITH med AS (SELECT part, alt, metric, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) v
             FROM bench_result GROUP BY 1, 2, 3)
SELECT t.part, t.label, m.v / t.scale, m2.v / t.scale
FROM (VALUES (1, 1, 'plain', 'us_per_row_title', 'no\ntrigger', 1),
             (1, 2, 'shape', 'us_per_row_title', 'expanded shape,\nno trigger', 1),
             (1, 3, 'moddatetime', 'us_per_row_title', 'contrib\nmoddatetime', 1),
             (1, 4, 'migrator', 'us_per_row_title', 'migrator', 1),
             (1, 5, 'migrator_loaded', 'us_per_row_title', 'migrator\nloaded', 1),
             (1, 6, 'pgroll', 'us_per_row_title', 'pgroll''s\nPL/pgSQL pair', 1),
             (2, 1, 'update', 'rows_per_s', 'one UPDATE', 1000),
             (2, 2, 'run_backfill', 'rows_per_s', 'run\\_backfill', 1000),
             (2, 3, 'batches', 'rows_per_s', 'one batch per\ntransaction', 1000),
             (3, 1, 'baseline', 'tps', 'no backfill', 1),
             (3, 2, 'backfill', 'tps', 'during\nrun\\_backfill', 1),
             (3, 5, 'backfill_full', 'tps', 'during run\\_backfill,\nbackfill\\_yield 100', 1),
             (3, 3, 'backfill_paused', 'tps', 'during run\\_backfill,\npause ' || :'pause', 1),
             (3, 4, 'backfill_share', 'tps', 'during run\\_backfill,\nbackfill\\_share ' || :'share', 1)) t(part, ord, alt, metric, label, scale)
JOIN med m USING (part, alt, metric)
LEFT JOIN med m2 ON t.part = 1 AND m2.part = 1 AND m2.alt = t.alt AND m2.metric = 'us_per_row_year'
ORDER BY t.part, t.ord;
SQL
	panels=0
	plots=
	for p in 1 2 3; do
		awk -F'\t' -v p=$p -v OFS='\t' '$1 == p { print "\"" $2 "\"", $3, $4 }' "$TMP/chart.dat" >"$TMP/chart$p.dat"
		n=$(wc -l <"$TMP/chart$p.dat")
		((n > 0)) || continue
		panels=$((panels + 1))
		case $p in
		1) title="1. bulk UPDATE through the old shape: cost per row (lower is better)" ylabel="µs per row" fmt="%.2f" color="#4477aa" ;;
		2) title="2. filling the new column (higher is better)" ylabel="thousand rows per second" fmt="%.0f" color="#228833" ;;
		3) title="3. pgbench TPS (higher is better)" ylabel="transactions per second" fmt="%.0f" color="#cc6677" ;;
		esac
		if ((p == 1)); then
			# two bars per alternative: the UPDATE of title (migrator's trigger does not fire) and of
			# published_year (every trigger fires)
			plots+="set title \"$title\"; set ylabel \"$ylabel\"; set xrange [-0.6:$n-0.4]; set key top left; set boxwidth 0.38
plot \"$TMP/chart$p.dat\" using (\$0-0.2):2 with boxes lc rgb \"#88aadd\" title \"UPDATE … SET title (a column the change does not touch)\", \
 '' using (\$0+0.2):3 with boxes lc rgb \"$color\" title \"UPDATE … SET published\\\\_year (the altered column)\", \
 '' using (\$0-0.2):2:(sprintf(\"$fmt\", \$2)) with labels offset 0,0.8 notitle, \
 '' using (\$0+0.2):3:(sprintf(\"$fmt\", \$3)) with labels offset 0,0.8 notitle, \
 '' using 0:(0):(\"\"):xtic(1) with labels notitle
set boxwidth 0.6; unset key
"
		else
			plots+="set title \"$title\"; set ylabel \"$ylabel\"; set xrange [-0.6:$n-0.4]
plot \"$TMP/chart$p.dat\" using 0:2:xtic(1) with boxes lc rgb \"$color\", '' using 0:2:(sprintf(\"$fmt\", \$2)) with labels offset 0,0.8
"
		fi
	done
	if ((panels > 0)); then
		gnuplot <<EOF2 || say "gnuplot failed: no chart"
set terminal pngcairo size $((560 * panels + 240)),600 font ",10"
set output "$OUT/trigger.png"
set datafile separator "\t"
set multiplot layout 1,$panels title "migrator zero-downtime change benchmark: $ROWS rows, medians of $RUNS runs ($(date +%F), $(nproc) CPUs, HEAD $COMMIT)"
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set xtics nomirror
set bmargin 4
set offsets 0, 0, graph 0.15, 0
unset key
$plots
unset multiplot
EOF2
		[[ -s $OUT/trigger.png ]] && say "chart: $OUT/trigger.png"
	fi
fi
say "done: $OUT/trigger.txt, $OUT/trigger.csv"
