#!/usr/bin/env bash
# bench/online.sh -- what an ordinary Prisma-style migration costs the application, run plain and
# run online (migrator.online, issue 21), side by side.  A script, never a timed test: it prints a
# results table and writes $OUT/online.txt, online.csv (every run's figures), online_seconds.csv
# (per-second latency of every run) and, when gnuplot is installed, online.png.  See
# bench/README.md.
#
#   bench/online.sh                       1,000,000 rows, 4 clients, 3 rounds
#   SIZE=20000 RUNS=1 bench/online.sh     a smoke run (proves the script, measures nothing)
#
# Environment: SIZE (1000000 rows), CLIENTS (4), RUNS (3 rounds of one plain and one online run,
# their order alternating), WARM (5 s of pgbench before the migration), TAIL (5 s of pgbench after
# it), OUT (bench/results), QUIET / QUIET_WAIT (see lib.sh).
#
# Each run: a fresh database, the folder's first migration (tables author and books), SIZE books
# loaded and analyzed; pgbench (CLIENTS clients, each transaction a point SELECT and a point UPDATE
# of a random book, per-transaction log) runs while CALL migrator.migrate applies the second
# migration as Prisma writes it: CREATE INDEX, ADD FOREIGN KEY, ADD CHECK, SET NOT NULL and
# CREATE UNIQUE INDEX on books -- plain, or with online => true.  The figure is the longest
# application transaction that ended between the migration's start and 1 s after its end.
# Targets (issue 21): the median over rounds of the online runs' longest transaction at most 1/5 of
# the plain runs'; no failed application transaction in any run.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init online

SIZE=${SIZE:-1000000}
CLIENTS=${CLIENTS:-4}
RUNS=${RUNS:-3}
WARM=${WARM:-5}
TAIL=${TAIL:-5}
DB=migrator_bench_online
BENCH_DBS="^$DB\$"
[[ $SIZE =~ ^[0-9]+$ && $SIZE -ge 1000 ]] || die "SIZE must be a number >= 1000"

bench_cluster
export PGDATABASE=$DB
TMP=$(mktemp -d /tmp/migrator-bench.XXXXXX)
chmod 755 "$TMP"
WATCHER=
PGB=
trap 'if [[ $WATCHER ]]; then kill "$WATCHER" 2>/dev/null; fi; if [[ $PGB ]]; then kill "$PGB" 2>/dev/null; fi; rm -rf "$TMP"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
bench_watch
bench_gnuplot

q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }

# the folder: tables first, then what Prisma writes for a table that holds rows
FOLDER=$TMP/migrations
mkdir -p "$FOLDER/20240101000000_init" "$FOLDER/20240102000000_constraints"
cat >"$FOLDER/20240101000000_init/migration.sql" <<'SQL'
-- CreateTable
CREATE TABLE "author" ("id" INTEGER NOT NULL, "name" TEXT, CONSTRAINT "author_pkey" PRIMARY KEY ("id"));
-- CreateTable
CREATE TABLE "books" ("id" INTEGER NOT NULL, "title" TEXT, "isbn" TEXT, "authorId" INTEGER,
    "pages" INTEGER, CONSTRAINT "books_pkey" PRIMARY KEY ("id"));
SQL
cat >"$FOLDER/20240102000000_constraints/migration.sql" <<'SQL'
-- CreateIndex
CREATE INDEX "books_title_idx" ON "books"("title");
-- AddForeignKey
ALTER TABLE "books" ADD CONSTRAINT "books_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "author"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- AddCheck
ALTER TABLE "books" ADD CONSTRAINT "books_pages_check" CHECK ("pages" > 0);
-- AlterTable
ALTER TABLE "books" ALTER COLUMN "title" SET NOT NULL;
-- CreateIndex
CREATE UNIQUE INDEX "books_isbn_key" ON "books"("isbn");
SQL
cat >"$TMP/app.sql" <<'SQL'
\set id1 random(1, :rows)
\set id2 random(1, :rows)
SELECT title, "authorId", pages FROM books WHERE id = :id1;
UPDATE books SET pages = pages + 1 WHERE id = :id2;
SQL
chmod -R a+rX "$TMP"

fresh() {
	q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
	q -v rows="$SIZE" -v dir="$FOLDER" >/dev/null 2>&1 <<'SQL'
CREATE EXTENSION migrator;
SET migrator.lint = off;
CALL migrator.migrate(:'dir', '20240101000000_init');
INSERT INTO author SELECT g, 'author ' || g FROM generate_series(1, 5000) g;
INSERT INTO books SELECT g, 'Book title number ' || g, 'isbn-' || g, g % 5000 + 1, 100 + g % 900
FROM generate_series(1, :rows) g;
VACUUM ANALYZE books;
CHECKPOINT;
SQL
}

# one run: MODE (plain or online), round R: pgbench's log and the migration's start and end in RUN_DIR
run() {
	local mode=$1 r=$2 t0 t1 online=false
	[[ $mode == online ]] && online=true
	RUN_DIR=$TMP/$mode.$r
	mkdir -p "$RUN_DIR"
	fresh
	wait_quiet
	say "round $r: $mode"
	pgbench -n -c "$CLIENTS" -j 1 -T 3600 -D rows="$SIZE" -f "$TMP/app.sql" -l \
		--log-prefix="$RUN_DIR/app" "$DB" >"$RUN_DIR/pgbench.out" 2>&1 &
	PGB=$!
	sleep "$WARM"
	t0=$(now)
	q -c "SET migrator.lint = off" -c "CALL migrator.migrate('$FOLDER', online => $online)" >"$RUN_DIR/migrate.out" 2>&1 ||
		{ say "   the migration FAILED: $(grep -m1 ERROR "$RUN_DIR/migrate.out")"; echo failed >"$RUN_DIR/migrate_failed"; }
	t1=$(now)
	sleep "$TAIL"
	# pgbench in the background ignores SIGINT: its sessions are ended instead, after the window
	q -d postgres -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = '$DB' AND application_name = 'pgbench'" >/dev/null
	wait "$PGB" || true
	PGB=
	echo "$t0 $t1" >"$RUN_DIR/window"
	say "   migration: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", b - a }')"
	disturbed "${t0%.*}" "$(date +%s)" && echo disturbed >"$RUN_DIR/disturbed"
	return 0
}

# figures DIR: "max_ms failed" of the transactions that ended in [start, end + 1 s]
figures() {
	read -r t0 t1 <"$1/window"
	cat "$1"/app.* | awk -v f="$t0" -v t="$t1" '
		{ d = $5 + $6 / 1e6 }
		d >= f && d <= t + 1 && $3 ~ /^[0-9]+$/ && $3 / 1000 > m { m = $3 / 1000 }
		d >= f && d <= t + 1 && $3 !~ /^[0-9]+$/ { failed++ }
		END { printf "%.1f %d\n", m, failed }'
}

# seconds DIR MODE R: per second from the migration's start (-WARM .. end + TAIL): the slowest
# transaction and the mean latency, as CSV lines
seconds() {
	read -r t0 _ <"$1/window"
	cat "$1"/app.* | awk -v f="$t0" -v mode="$2" -v r="$3" '
		$3 ~ /^[0-9]+$/ { s = int($5 + $6 / 1e6 - f + 1000) - 1000; n[s]++; sum[s] += $3 / 1000; if ($3 / 1000 > m[s]) m[s] = $3 / 1000 }
		END { for (s in n) printf "%s,%d,%d,%.1f,%.2f\n", mode, r, s, m[s], sum[s] / n[s] }' | sort -t, -k3,3n
}

for ((r = 1; r <= RUNS; r++)); do
	if ((r % 2)); then run plain "$r"; run online "$r"; else run online "$r"; run plain "$r"; fi
done
q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null

# --- report --------------------------------------------------------------------------------------
mkdir -p "$OUT"
CSV=$OUT/online.csv
SEC=$OUT/online_seconds.csv
TXT=$OUT/online.txt
echo "round,mode,migration_s,max_ms,failed,disturbed" >"$CSV"
echo "mode,round,second,max_ms,mean_ms" >"$SEC"
{
	echo "an ordinary migration under load, plain and online (bench/online.sh), $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(bench_machine); $(q -d postgres -At -c 'SELECT split_part(version(), $$ on $$, 1)')"
	echo "migrator: built by test/setup from the working tree at $BUILT"
	echo "$SIZE rows; pgbench $CLIENTS clients (a point SELECT and a point UPDATE of books); $RUNS round(s)"
	echo "load average before: $LOAD0; the run took $((SECONDS - START)) s"
	echo
	printf '  %-5s %-7s %12s %14s %7s\n' round mode "migration s" "longest tx ms" failed
	bad=0
	for ((r = 1; r <= RUNS; r++)); do
		for mode in plain online; do
			dir=$TMP/$mode.$r
			read -r t0 t1 <"$dir/window"
			read -r max failed < <(figures "$dir")
			secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
			dist=no
			[[ -e $dir/disturbed ]] && dist=yes
			printf '  %-5s %-7s %12s %14s %7s%s\n' "$r" "$mode" "$secs" "$max" "$failed" "$([[ $dist == yes ]] && echo '  (other work ran meanwhile)')"
			echo "$r,$mode,$secs,$max,$failed,$dist" >>"$CSV"
			seconds "$dir" "$mode" "$r" >>"$SEC"
			((failed == 0)) && [[ ! -e $dir/migrate_failed ]] || bad=1
			[[ ! -e $dir/migrate_failed ]] || echo "  the $mode migration of round $r failed: $(grep -m1 ERROR "$dir/migrate.out")"
		done
	done
	mp=$(awk -F, '$2 == "plain" { print $4 }' "$CSV" | median)
	mo=$(awk -F, '$2 == "online" { print $4 }' "$CSV" | median)
	echo
	echo "  median longest transaction: plain $mp ms, online $mo ms"
	awk -v p="$mp" -v o="$mo" 'BEGIN { exit !(o * 5 <= p) }' && v=met || v="NOT MET"
	echo "  target: online at most 1/5 of plain: $v"
	((bad == 0)) && v=met || v="NOT MET"
	echo "  target: no failed application transaction, every migration applied: $v"
} | tee "$TXT"
if command -v gnuplot >/dev/null; then
	gnuplot <<GP
set terminal pngcairo size 900,450
set output "$OUT/online.png"
set datafile separator ","
set title "slowest application transaction per second, round 1 (the migration starts at 0)"
set xlabel "seconds from the migration's start"
set ylabel "ms (log)"
set logscale y
plot "< awk -F, '\$1 == \"plain\" && \$2 == 1' $SEC" using 3:4 with steps title "plain", \
     "< awk -F, '\$1 == \"online\" && \$2 == 1' $SEC" using 3:4 with steps title "online"
GP
	say "wrote $OUT/online.png"
else
	say "no gnuplot: no chart (online_seconds.csv has the per-second figures)"
fi
say "wrote $TXT, $CSV and $SEC"
