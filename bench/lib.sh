# bench/lib.sh -- helpers shared by the benchmark scripts (sourced, not run).
#
#   bench_init NAME        ROOT, BENCH, OUT, START, LOAD0; say/die prefixed with NAME
#   bench_cluster          test/setup (builds and installs the working tree; MIGRATOR_PGBIN is
#                          honoured), sources .cluster/env, notes BUILT (commit, dirty files) and
#                          the installed migrator.so (SO, SO_SUM)
#   bench_watch            starts the watcher of other work on the machine (see below); TMP must exist
#   wait_quiet, disturbed  the quiet logic: wait for QUIET s of calm (at most QUIET_WAIT s in all);
#                          did other work run between two epoch seconds
#   bench_gnuplot          installs gnuplot-nox when missing (Debian), or says there will be no chart
#   bench_machine          one line: CPUs, model, RAM, kernel
#   median                 the median of the numbers on stdin
#   now_ms                 wall clock in ms (for timing a command end to end)

bench_init() {
	BENCH_NAME=$1
	ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	BENCH=$ROOT/bench
	OUT=${OUT:-$BENCH/results}
	START=$SECONDS
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
}
say() { printf '%s [%4ds] %s\n' "$BENCH_NAME" $((SECONDS - START)) "$*" >&2; }
die() { echo "$BENCH_NAME: ERROR: $*" >&2; exit 1; }

bench_cluster() {
	local dirty after
	COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!bench' 2>/dev/null | awk '{ print $2 }' | paste -sd ' ' -)
	if [[ $dirty ]]; then BUILT="HEAD $COMMIT + uncommitted changes to $dirty"; else BUILT="HEAD $COMMIT, no uncommitted changes"; fi
	say "migrator from the working tree: $BUILT"
	"$ROOT/test/setup"
	after=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	[[ $after == "$COMMIT" ]] || BUILT+=" (HEAD moved to $after during the build)"
	# shellcheck source=/dev/null
	. "$ROOT/.cluster/env"
	[[ $PGHOST == /* ]] || die "PGHOST is not a socket directory: $PGHOST (the benchmarks use the Unix socket only)"
	SO=$("$PG_CONFIG" --pkglibdir)/migrator.so
	SO_SUM=$(md5sum <"$SO")
	SO_MTIME=$(stat -c %Y "$SO")
}

# --- other work on the machine -------------------------------------------------------------------
# On a shared machine another engineer's test run or build skews whatever runs meanwhile.  The
# watcher notes every second whether something else is at work: a busy (not idle) session of a
# database other than BENCH_DBS (a regular expression), a compiler or make, pg_regress / pg_prove /
# isolationtester, test/run, test/setup or test/demo, or a newly installed migrator.so.
busy_now() { # prints what it found (the first such process), fails when nothing
	ps -eo args= | awk -v db="${BENCH_DBS:-^$}" '
		b { next }
		/^postgres: .*\[local\]/ && !/ idle$/ && $3 !~ db { b = $0 }
		/(^|\/)(cc1|cc1plus|gcc|cc|clang|make|pg_regress|pg_prove|isolationtester|pg_isolation_regress)( |$)/ { b = $0 }
		/(^|[ \/])test\/(run|setup|demo)( |$)/ { b = $0 }
		END { if (b) print substr(b, 1, 80); exit !b }'
}
watch_busy() {
	local mtime what
	while :; do
		mtime=$(stat -c %Y "$SO" 2>/dev/null || echo missing)
		if [[ $mtime != "$SO_MTIME" ]]; then
			echo "$(date +%s) migrator.so reinstalled" >>"$TMP/busy"
		elif what=$(busy_now); then
			echo "$(date +%s) $what" >>"$TMP/busy"
		fi
		SO_MTIME=$mtime
		sleep 1
	done
}
bench_watch() {
	: >"$TMP/busy"
	watch_busy &
	WATCHER=$!
}
QUIET=${QUIET:-10}
QUIET_WAIT=${QUIET_WAIT:-600}
WAITED=0
wait_quiet() {
	local last
	while ((WAITED < QUIET_WAIT)); do
		last=$(tail -n 1 "$TMP/busy" | cut -d' ' -f1)
		(($(date +%s) - ${last:-0} >= QUIET)) && return 0
		((WAITED % 30 == 0)) && say "   other work on the machine: waiting for $QUIET s of calm (waited $WAITED s so far)"
		sleep 1
		WAITED=$((WAITED + 1))
	done
}
disturbed() { awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b { f = 1 } END { exit !f }' "$TMP/busy"; }
# what other work was seen, most frequent first
busy_report() { [[ -s $TMP/busy ]] && cut -d' ' -f2- "$TMP/busy" | sort | uniq -c | sort -rn | head -n 8; }

bench_gnuplot() {
	command -v gnuplot >/dev/null && return 0
	say "installing gnuplot-nox (for the charts)"
	local as_root=()
	((EUID == 0)) || as_root=(sudo -n)
	{ "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox ||
		{ "${as_root[@]}" apt-get update -q &&
			"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox; }; } >"$TMP/apt.log" 2>&1 ||
		say "could not install gnuplot-nox, no chart: $(tail -n 3 "$TMP/apt.log")"
}

bench_machine() {
	echo "$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
