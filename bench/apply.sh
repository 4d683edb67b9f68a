#!/usr/bin/env bash
# bench/apply.sh -- migrator's runner against psql and the peers (issue 8, items 1-3), on the local
# test cluster (test/setup).  A script, never a timed test: it prints a table and writes
# $OUT/apply.txt, apply.csv (every run's figure) and, with gnuplot, apply.png.  See bench/README.md.
#
#   bench/apply.sh                       all three parts with the defaults (~15 min on 2 cores)
#   PARTS=2 RUNS2=21 bench/apply.sh      the no-op part only, more runs
#   SCALE="100 1000" bench/apply.sh      part 3 without the 10,000
#
# One logical set of N migrations (bench/migrations.awk: create table, add column, create index,
# add foreign key, create function; three statements each), written in each tool's format.
#   1. apply N migrations to a fresh empty database, end to end from the command a user runs:
#        apply    psql -c "SELECT ... FROM migrator.apply('/dir')"   (the server reads the folder)
#        migrate  psql -c "CALL migrator.migrate('/dir')"             (a commit per migration)
#        client   migrator apply DIR                                   (the client sends a bundle)
#        psql_1tx psql --single-transaction -f (every statement)      } the floor: the faster
#        psql_each psql -f, BEGIN/COMMIT around each migration        } of the two
#        dbmate, drizzle-kit (migrate), drizzle-orm (migrate() in a node script), node-pg-migrate,
#        sqitch -- each its own CLI on its own folder format
#      The alternatives take turns, the order rotating every round; medians of RUNS rounds.
#   2. a no-op run over the same N files, everything applied: the same commands, on a database each
#      tool migrated once (untimed); medians of RUNS2 rounds.
#   3. scaling: SCALE migrations (100, 1,000, 10,000) by migrator.apply and CALL migrator.migrate
#      (and psql as the reference: --single-transaction, as apply, and a transaction per file, as
#      migrate, the server's own growth): ms per migration and the backend's peak
#      memory (VmHWM, and its anonymous memory sampled every 20 ms: RssAnon; shared_buffers pages
#      it touches count in VmHWM but not in RssAnon).  Medians of RUNS3 rounds.
#
# Environment: N (1000), RUNS (5), RUNS2 (11), RUNS3 (3), SCALE ("100 1000 10000"), PARTS ("1 2 3"),
# ALTS (the part-1/2 alternatives, default all), OUT (bench/results), QUIET / QUIET_WAIT (see lib.sh).
# Peers are installed by the script: npm packages into bench/peers/ (not committed), sqitch from
# Debian (apt-get install sqitch) when missing; one that cannot be installed is left out, and said so.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init apply

N=${N:-1000}
RUNS=${RUNS:-5}
RUNS2=${RUNS2:-11}
RUNS3=${RUNS3:-3}
SCALE=${SCALE:-100 1000 10000}
PARTS=${PARTS:-1 2 3}
ALTS=${ALTS:-apply migrate client psql_1tx psql_each dbmate drizzle_kit drizzle_orm node_pg_migrate sqitch}
PEERS=$BENCH/peers
BENCH_DBS='^(migrator_bench_apply|template1)' # fresh_db drops and creates from template1
part() { [[ " $PARTS " == *" $1 "* ]]; }
[[ $N =~ ^[0-9]+$ && $N -ge 5 ]] || die "N must be a number >= 5"

bench_cluster
TMP=$(mktemp -d /tmp/migrator-apply-bench.XXXXXX)
chmod 755 "$TMP" # the server (OS user postgres when we are root) reads the migration folders here
WATCHER=
trap 'if [[ $WATCHER ]]; then kill "$WATCHER" 2>/dev/null; fi; rm -rf "$TMP"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
bench_gnuplot
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# --- the peers -----------------------------------------------------------------------------------
have() { [[ " $ALTS " == *" $1 "* ]]; }
drop_alt() { ALTS=$(tr ' ' '\n' <<<"$ALTS" | grep -vx "$1" | paste -sd ' ' -); say "no $1: $2"; }
NODE_PKGS="dbmate drizzle-kit drizzle-orm pg node-pg-migrate"
if have dbmate || have drizzle_kit || have drizzle_orm || have node_pg_migrate; then
	if [[ ! -x $PEERS/node_modules/.bin/drizzle-kit || ! -x $PEERS/node_modules/.bin/dbmate ||
		! -x $PEERS/node_modules/.bin/node-pg-migrate || ! -d $PEERS/node_modules/drizzle-orm ]]; then
		if command -v npm >/dev/null; then
			say "installing $NODE_PKGS into bench/peers (npm)"
			npm install --prefix "$PEERS" --no-audit --no-fund $NODE_PKGS >"$TMP/npm.log" 2>&1 ||
				say "npm install failed: $(tail -n 3 "$TMP/npm.log")"
		fi
	fi
	[[ -x $PEERS/node_modules/.bin/dbmate ]] || { have dbmate && drop_alt dbmate "not installed (npm dbmate)"; }
	[[ -x $PEERS/node_modules/.bin/drizzle-kit ]] || { have drizzle_kit && drop_alt drizzle_kit "not installed (npm drizzle-kit)"; }
	[[ -d $PEERS/node_modules/drizzle-orm ]] || { have drizzle_orm && drop_alt drizzle_orm "not installed (npm drizzle-orm)"; }
	[[ -x $PEERS/node_modules/.bin/node-pg-migrate ]] || { have node_pg_migrate && drop_alt node_pg_migrate "not installed (npm node-pg-migrate)"; }
fi
if have sqitch && ! command -v sqitch >/dev/null; then
	say "installing sqitch (Debian)"
	if ((EUID == 0)); then AS_ROOT=(); else AS_ROOT=(sudo -n); fi
	{ "${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q sqitch libdbd-pg-perl ||
		{ "${AS_ROOT[@]}" apt-get update -q &&
			"${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q sqitch libdbd-pg-perl; }; } >"$TMP/apt-sqitch.log" 2>&1 || true
	command -v sqitch >/dev/null || drop_alt sqitch "apt-get install sqitch failed"
fi
version_of() { node -p "require('$PEERS/node_modules/$1/package.json').version" 2>/dev/null; }
VERSIONS="psql $(psql --version | awk '{ print $3 }')"
have dbmate && VERSIONS+=", dbmate $(version_of dbmate)"
have drizzle_kit && VERSIONS+=", drizzle-kit $(version_of drizzle-kit)"
have drizzle_orm && VERSIONS+=", drizzle-orm $(version_of drizzle-orm) + pg $(version_of pg)"
have node_pg_migrate && VERSIONS+=", node-pg-migrate $(version_of node-pg-migrate)"
have sqitch && VERSIONS+=", sqitch $(sqitch --version | awk '{ print $NF }')"
VERSIONS+=", node $(node --version 2>/dev/null || echo none)"
# drizzle-orm's migrate() as an application calls it
cat >"$PEERS/bench-drizzle-migrate.mjs" <<'EOF'
// written by bench/apply.sh: drizzle-orm's runtime migrator, as an application runs it
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
const [folder, host, port, database] = process.argv.slice(2);
const client = new pg.Client({ host, port: Number(port), user: 'postgres', database });
await client.connect();
try { await migrate(drizzle(client), { migrationsFolder: folder }); } finally { await client.end(); }
EOF

# --- the migration sets --------------------------------------------------------------------------
gen() { # N: the set of N migrations under $TMP/mN
	local d=$TMP/m$1
	[[ -d $d ]] && return 0
	mkdir -p "$d"/{flyway,psql,dbmate,drizzle/meta,pgmigrate,sqitch/deploy}
	awk -v n="$1" -v out="$d" -f "$BENCH/migrations.awk" || die "could not write the migrations"
	chmod -R a+rX "$d"
}

# --- one run of one alternative ------------------------------------------------------------------
fresh_db() { # DB ALT: an empty database (with the extension for migrator's alternatives)
	q -d template1 -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" 2>/dev/null
	case $2 in apply | migrate | client) q -d "$1" -c "CREATE EXTENSION migrator" ;; esac
	q -d "$1" -c "CHECKPOINT"
}
url() { echo "postgresql://postgres@localhost/$1?host=$PGHOST&port=$PGPORT"; }
run_alt() { # ALT DB DIR: the command a user runs, output to $TMP/out
	local alt=$1 db=$2 d=$3
	case $alt in
	apply) psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SELECT count(*) FROM migrator.apply('$d/flyway')" ;;
	migrate) psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL migrator.migrate('$d/flyway')" ;;
	client) migrator apply "$d/flyway" "dbname=$db" ;;
	psql_1tx) psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$db" -f "$d/psql/all.sql" ;;
	psql_each) psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$d/psql/perfile.sql" ;;
	dbmate) "$PEERS/node_modules/.bin/dbmate" --url "postgres://postgres@:$PGPORT/$db?socket=$PGHOST&sslmode=disable" \
		--migrations-dir "$d/dbmate" --no-dump-schema up ;;
	drizzle_kit)
		printf "module.exports = { dialect: 'postgresql', out: '%s', dbCredentials: { url: '%s' } };\n" \
			"$d/drizzle" "$(url "$db")" >"$TMP/drizzle.config.js"
		(cd "$PEERS" && node_modules/.bin/drizzle-kit migrate --config "$TMP/drizzle.config.js") ;;
	drizzle_orm) (cd "$PEERS" && node bench-drizzle-migrate.mjs "$d/drizzle" "$PGHOST" "$PGPORT" "$db") ;;
	node_pg_migrate) (cd "$PEERS" && DATABASE_URL=$(url "$db") node_modules/.bin/node-pg-migrate up \
		-m "$d/pgmigrate" --verbose false) ;;
	sqitch) SQITCH_FULLNAME=bench SQITCH_EMAIL=bench@example.com sqitch --chdir "$d/sqitch" deploy "db:pg://postgres@/$db" ;;
	*) die "unknown alternative $alt" ;;
	esac >"$TMP/out" 2>&1
}
tables_in() { psql -X -At -d "$1" -c "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname ~ '^t[0-9]+\$'"; }
timed() { # ALT DB DIR: ms of run_alt, end to end
	local t0 t1
	t0=$(date +%s%N)
	run_alt "$@" || { tail -n 5 "$TMP/out" >&2; die "$1 failed on $2"; }
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'
}
CSV=$TMP/apply.csv
echo "part,alt,n,run,metric,value" >"$CSV"
record() { echo "$1,$2,$3,$4,$5,$6" >>"$CSV"; }
rotate() { # R ALT...: the alternatives, starting with number R (mod their count)
	local r=$1
	shift
	local a=("$@") i
	for ((i = 0; i < ${#a[@]}; i++)); do printf '%s ' "${a[(r + i) % ${#a[@]}]}"; done
}
# attempt PART ALT N RUN CMD...: CMD after a calm spell; again (twice at most) when other work ran meanwhile
REPEATS=0 KEPT=0
attempt() {
	local p=$1 a=$2 n=$3 r=$4 try t0
	shift 4
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
		say "   other work on the machine during this run: once more"
		REPEATS=$((REPEATS + 1))
		awk -F, -v p="$p" -v a="$a" -v n="$n" -v r="$r" '!($1 == p && $2 == a && $3 == n && $4 == r)' "$CSV" >"$CSV.new"
		mv "$CSV.new" "$CSV"
	done
}

bench_watch
read -r -a ALT_LIST <<<"$ALTS"

# --- 1. apply N migrations to an empty database ---------------------------------------------------
run1() { # ALT RUN
	local alt=$1 r=$2 db=migrator_bench_apply_$1 ms t
	fresh_db "$db" "$alt"
	ms=$(timed "$alt" "$db" "$TMP/m$N")
	t=$(tables_in "$db")
	[[ $t == $((N / 5 + (N % 5 > 0))) ]] || die "$alt: $t tables after applying $N migrations"
	say "1. run $r $alt: $ms ms"
	record 1 "$alt" "$N" "$r" ms "$ms"
}
if part 1 || part 2; then
	gen "$N"
fi
if part 1; then
	say "1. $N migrations to an empty database, $RUNS rounds: ${ALT_LIST[*]}"
	for ((r = 1; r <= RUNS; r++)); do
		for alt in $(rotate $((r - 1)) "${ALT_LIST[@]}"); do
			attempt 1 "$alt" "$N" "$r" run1 "$alt" "$r"
		done
	done
fi

# --- 2. a no-op run: everything applied -----------------------------------------------------------
NOOP_ALTS=()
for alt in "${ALT_LIST[@]}"; do [[ $alt == psql_* ]] || NOOP_ALTS+=("$alt"); done
run2() { # ALT RUN
	local alt=$1 r=$2 ms
	ms=$(timed "$alt" "migrator_bench_apply_noop_$alt" "$TMP/m$N")
	record 2 "$alt" "$N" "$r" ms "$ms"
}
if part 2; then
	say "2. no-op runs over $N applied migrations, $RUNS2 rounds: ${NOOP_ALTS[*]}"
	for alt in "${NOOP_ALTS[@]}"; do
		fresh_db "migrator_bench_apply_noop_$alt" "$alt"
		run_alt "$alt" "migrator_bench_apply_noop_$alt" "$TMP/m$N" || { tail -n 5 "$TMP/out" >&2; die "$alt failed"; }
		run_alt "$alt" "migrator_bench_apply_noop_$alt" "$TMP/m$N" # warm-up
	done
	for ((r = 1; r <= RUNS2; r++)); do
		for alt in $(rotate $((r - 1)) "${NOOP_ALTS[@]}"); do
			attempt 2 "$alt" "$N" "$r" run2 "$alt" "$r"
		done
	done
	for alt in "${NOOP_ALTS[@]}"; do say "2. $alt: median $(awk -F, -v a="$alt" '$1 == 2 && $2 == a { print $6 }' "$CSV" | median) ms"; done
fi

# --- 3. scaling -----------------------------------------------------------------------------------
# one psql session: note the backend's pid for the sampler, run, then read the backend's VmHWM
run3() { # ALT SIZE RUN
	local alt=$1 n=$2 r=$3 db=migrator_bench_apply_scale sql pid t0 t1 ok=1 hwm anon
	fresh_db "$db" "$alt"
	case $alt in
	apply) sql="SELECT count(*) FROM migrator.apply('$TMP/m$n/flyway');" ;;
	migrate) sql="CALL migrator.migrate('$TMP/m$n/flyway');" ;;
	psql_1tx) sql="BEGIN;
\\i $TMP/m$n/psql/all.sql
COMMIT;" ;;
	psql_each) sql="\\i $TMP/m$n/psql/perfile.sql" ;;
	esac
	rm -f "$TMP/pid" "$TMP/anon"
	cat >"$TMP/scale.sql" <<EOF
\\set ON_ERROR_STOP 1
\\o $TMP/pid
SELECT pg_backend_pid();
\\o
SELECT pg_sleep(0.3);
\\o $TMP/t0
SELECT extract(epoch FROM clock_timestamp());
\\o
$sql
\\o $TMP/t1
SELECT extract(epoch FROM clock_timestamp());
\\o $TMP/hwm
SELECT substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\\s*(\\d+)');
EOF
	psql -X -q -At -d "$db" -f "$TMP/scale.sql" >"$TMP/out" 2>&1 &
	local psql_pid=$!
	while [[ ! -s $TMP/pid ]] && kill -0 "$psql_pid" 2>/dev/null; do sleep 0.01; done
	pid=$(tr -d ' \n' <"$TMP/pid" 2>/dev/null || true)
	while kill -0 "$psql_pid" 2>/dev/null; do
		awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null >>"$TMP/anon" || true
		sleep 0.02
	done
	wait "$psql_pid" || ok=
	if [[ ! $ok ]]; then
		local err
		err=$(grep -m1 'ERROR' "$TMP/out" | sed 's/^.*ERROR: *//' | cut -c1-60)
		say "3. run $r $alt $n: failed: $err"
		record 3 "$alt" "$n" "$r" failed "\"$err\""
		return 0
	fi
	t0=$(cat "$TMP/t0") t1=$(cat "$TMP/t1")
	hwm=$(cat "$TMP/hwm")
	anon=$(sort -n "$TMP/anon" | tail -n 1)
	record 3 "$alt" "$n" "$r" ms_per_migration "$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.4f", (b - a) * 1000 / n }')"
	record 3 "$alt" "$n" "$r" vmhwm_mb "$(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }')"
	record 3 "$alt" "$n" "$r" rssanon_peak_mb "$(awk -v k="${anon:-0}" 'BEGIN { printf "%.1f", k / 1024 }')"
	say "3. run $r $alt $n: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }') ms, VmHWM $((hwm / 1024)) MB, RssAnon peak $((${anon:-0} / 1024)) MB"
}
if part 3; then
	read -r -a SIZES <<<"$SCALE"
	for n in "${SIZES[@]}"; do gen "$n"; done
	say "3. scaling: ${SIZES[*]} migrations, $RUNS3 rounds"
	for ((r = 1; r <= RUNS3; r++)); do
		for n in "${SIZES[@]}"; do
			for alt in $(rotate $((r - 1)) apply migrate psql_1tx psql_each); do
				attempt 3 "$alt" "$n" "$r" run3 "$alt" "$n" "$r"
			done
		done
	done
fi
for db in $(psql -X -At -d postgres -c "SELECT datname FROM pg_database WHERE datname ~ '^migrator_bench_apply'"); do
	q -d postgres -c "DROP DATABASE $db WITH (FORCE)"
done

# --- report ----------------------------------------------------------------------------------------
mkdir -p "$OUT"
cp "$CSV" "$OUT/apply.csv"
[[ $(md5sum <"$SO") == "$SO_SUM" ]] ||
	BUILT+="; WARNING: migrator.so was reinstalled during the run (another test/setup?), figures may mix builds"
if [[ -s $TMP/busy ]]; then
	say "other work seen on the machine (seconds seen, what):"
	busy_report >&2
fi
med() { awk -F, -v p="$1" -v a="$2" -v n="$3" -v m="$4" '$1 == p && $2 == a && $3 == n && $5 == m { print $6 }' "$CSV" | median; }
range() { awk -F, -v p="$1" -v a="$2" -v n="$3" -v m="$4" '$1 == p && $2 == a && $3 == n && $5 == m { v = $6 + 0; if (!c++ || v < lo) lo = v; if (c == 1 || v > hi) hi = v } END { if (c) printf "%s .. %s", lo, hi }' "$CSV"; }
label() {
	case $1 in
	apply) echo "migrator.apply('/dir') (psql -c)" ;;
	migrate) echo "CALL migrator.migrate('/dir') (psql -c)" ;;
	client) echo "migrator apply DIR (client, bundle)" ;;
	psql_1tx) echo "psql --single-transaction -f" ;;
	psql_each) echo "psql -f, a transaction per file" ;;
	dbmate) echo "dbmate up" ;;
	drizzle_kit) echo "drizzle-kit migrate" ;;
	drizzle_orm) echo "drizzle-orm migrate() (node)" ;;
	node_pg_migrate) echo "node-pg-migrate up" ;;
	sqitch) echo "sqitch deploy" ;;
	esac
}
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "PASS" : "FAIL") }'; }
{
	echo "migrator runner benchmark (bench/apply.sh), $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(bench_machine); $(psql -X -At -c "SELECT split_part(version(), ' on ', 1)")"
	echo "cluster: test/setup's (shared_buffers $(psql -X -At -c 'SHOW shared_buffers'), fsync $(psql -X -At -c 'SHOW fsync'), synchronous_commit $(psql -X -At -c 'SHOW synchronous_commit'), max_locks_per_transaction $(psql -X -At -c 'SHOW max_locks_per_transaction'))"
	echo "migrator: built by test/setup from the working tree at $BUILT"
	echo "peers: $VERSIONS"
	echo "runs repeated because other work ran on the machine: $REPEATS; kept though disturbed: $KEPT; waited for calm: $WAITED s; load before: $LOAD0; the run took $((SECONDS - START)) s"
	if part 1; then
		echo
		echo "1. $N migrations (about $((3 * N)) statements) to an empty database, end to end; medians of $RUNS rounds, ms"
		FLOOR=$(for a in psql_1tx psql_each; do have $a && med 1 $a "$N" ms; done | sort -g | head -n 1)
		FASTEST=$(for a in "${ALT_LIST[@]}"; do case $a in apply | migrate | client) ;; *) med 1 "$a" "$N" ms ;; esac; done | sort -g | head -n 1)
		for a in "${ALT_LIST[@]}"; do
			m=$(med 1 "$a" "$N" ms)
			printf '  %-42s %9.0f ms  (%s)  %5.2f x the fastest other\n' "$(label "$a")" "$m" "$(range 1 "$a" "$N" ms)" \
				"$(awk -v a="$m" -v b="$FASTEST" 'BEGIN { print a / b }')"
		done
		echo "  the floor (the faster psql): $FLOOR ms; the fastest of psql and the peers: $FASTEST ms"
		for a in apply migrate client; do
			have $a || continue
			m=$(med 1 $a "$N" ms)
			printf '  target: %-40s no slower than %s ms: %s (ratio %.2f)\n' "$(label $a)" "$FASTEST" \
				"$(verdict "$m" "$FASTEST")" "$(awk -v a="$m" -v b="$FASTEST" 'BEGIN { print a / b }')"
		done
	fi
	if part 2; then
		echo
		echo "2. a no-op run over the same $N applied migrations, end to end; medians of $RUNS2 rounds, ms"
		for a in "${NOOP_ALTS[@]}"; do
			printf '  %-42s %9.1f ms  (%s)\n' "$(label "$a")" "$(med 2 "$a" "$N" ms)" "$(range 2 "$a" "$N" ms)"
		done
		for a in client apply; do
			have $a || continue
			m=$(med 2 $a "$N" ms)
			printf '  target: %-40s <= 50 ms: %s (%s ms)\n' "$(label $a)" "$(verdict "$m" 50)" "$m"
		done
	fi
	if part 3; then
		echo
		echo "3. scaling, medians of $RUNS3 rounds: ms per migration; the backend's VmHWM / peak RssAnon, MB"
		printf '  %-34s' ""
		for n in "${SIZES[@]}"; do printf '%26s' "$n migrations"; done
		echo
		for a in apply migrate psql_1tx psql_each; do
			printf '  %-34s' "$(label $a)"
			for n in "${SIZES[@]}"; do
				m=$(med 3 $a "$n" ms_per_migration)
				if [[ $m ]]; then
					printf '%26s' "$(printf '%.3f ms, %s/%s MB' "$m" "$(med 3 $a "$n" vmhwm_mb)" "$(med 3 $a "$n" rssanon_peak_mb)")"
				else
					printf '%26s' " failed: $(awk -F, -v a="$a" -v n="$n" '$1 == 3 && $2 == a && $3 == n && $5 == "failed" { print $6; exit }' "$CSV" | tr -d '"' | cut -c1-20)"
				fi
			done
			echo
		done
		first=${SIZES[0]}
		for a in apply migrate; do
			lo=$(med 3 $a "$first" ms_per_migration)
			big=$(for n in "${SIZES[@]}"; do if [[ $(med 3 $a "$n" ms_per_migration) ]]; then echo "$n"; fi; done | tail -n 1)
			[[ $lo && $big && $big != "$first" ]] || continue
			hi=$(med 3 $a "$big" ms_per_migration)
			printf '  target: %-40s per migration at %s within 1.5x of at %s: %s (%.2f x)\n' "$(label $a)" "$big" "$first" \
				"$(awk -v a="$hi" -v b="$lo" 'BEGIN { print (a <= 1.5 * b ? "PASS" : "FAIL") }')" "$(awk -v a="$hi" -v b="$lo" 'BEGIN { print a / b }')"
		done
	fi
} | tee "$OUT/apply.txt"

# --- chart ----------------------------------------------------------------------------------------
if command -v gnuplot >/dev/null; then
	plots= panels=0
	if part 1; then
		for a in "${ALT_LIST[@]}"; do printf '"%s"\t%s\n' "$(label "$a" | sed 's/ (/\\n(/')" "$(awk -v m="$(med 1 "$a" "$N" ms)" 'BEGIN { print m / 1000 }')"; done >"$TMP/c1.dat"
		panels=$((panels + 1))
		plots+="set title \"1. $N migrations to an empty database (lower is better)\"; set ylabel \"seconds (median of $RUNS), log scale\"; set logscale y; set yrange [0.1:*]; set xrange [-0.6:$(wc -l <"$TMP/c1.dat")-0.4]; set xtics rotate by 30 right
plot \"$TMP/c1.dat\" using 0:2:xtic(1) with boxes lc rgb \"#4477aa\", '' using 0:2:(sprintf(\"%.2f\", \$2)) with labels offset 0,0.8
"
	fi
	if part 2; then
		for a in "${NOOP_ALTS[@]}"; do printf '"%s"\t%s\n' "$(label "$a" | sed 's/ (/\\n(/')" "$(med 2 "$a" "$N" ms)"; done >"$TMP/c2.dat"
		panels=$((panels + 1))
		plots+="set title \"2. no-op run over $N applied migrations (lower is better)\"; set ylabel \"ms (median of $RUNS2)\"; unset logscale y; set yrange [0:*]; set xrange [-0.6:$(wc -l <"$TMP/c2.dat")-0.4]; set xtics rotate by 30 right
plot \"$TMP/c2.dat\" using 0:2:xtic(1) with boxes lc rgb \"#228833\", '' using 0:2:(sprintf(\"%.0f\", \$2)) with labels offset 0,0.8, 50 with lines dt 2 lc rgb \"#cc6677\"
"
	fi
	if part 3; then
		for n in "${SIZES[@]}"; do printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$(med 3 apply "$n" ms_per_migration)" "$(med 3 migrate "$n" ms_per_migration)" "$(med 3 psql_1tx "$n" ms_per_migration)" "$(med 3 psql_each "$n" ms_per_migration)"; done |
			awk -F'\t' -v OFS='\t' '{ for (i = 2; i <= 5; i++) if ($i == "") $i = "NaN"; print }' >"$TMP/c3.dat"
		panels=$((panels + 1))
		plots+="set title \"3. time per migration as the folder grows (flat is the target)\"; set ylabel \"ms per migration (median of $RUNS3)\"; unset logscale y; set yrange [0:*]; set logscale x; set xrange [${SIZES[0]} * 0.7:${SIZES[-1]} * 1.4]; set xtics norotate; set xtics (${SCALE// /, }); set key top left
plot \"$TMP/c3.dat\" using 1:2 with linespoints lw 2 title \"migrator.apply\", '' using 1:3 with linespoints lw 2 title \"CALL migrator.migrate\", '' using 1:4 with linespoints lw 2 title \"psql --single-transaction\", '' using 1:5 with linespoints lw 2 title \"psql, a transaction per file\"
"
	fi
	if ((panels > 0)); then
		gnuplot <<EOF || say "gnuplot failed: no chart"
set terminal pngcairo size $((600 * panels + 100)),620 font ",10"
set output "$OUT/apply.png"
set datafile separator "\t"
set multiplot layout 1,$panels title "migrator's runner vs psql and peers ($(date +%F), $(nproc) CPUs, HEAD $COMMIT)"
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set bmargin 7
set lmargin 12
set offsets 0, 0, graph 0.12, 0
unset key
$plots
unset multiplot
EOF
		[[ -s $OUT/apply.png ]] && say "chart: $OUT/apply.png"
	fi
fi
say "done: $OUT/apply.txt, $OUT/apply.csv"
