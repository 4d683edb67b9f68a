#!/usr/bin/env bash
# bench/lint_corpus.sh [DIR] -- what the runner's lint says about real projects' migration folders
# (the acceptance corpus, ../shared/corpus beside the project, see test/corpus): for each folder, a
# fresh database, then migrator.lint_dir() of its migrations -- every migration pending, as in a CI
# run against a fresh database -- counted per rule and class, and the WARNING lines the runner
# prints for them: before (a WARNING per finding, as up to 0.1) and now (migrator.lint_style =
# summary, the default: safety findings each, one line per style rule).  Where apply(dry_run) can
# read the folder (no migration that must run outside a transaction), the WARNINGs of a real dry
# run are counted too and must match.
# Writes $OUT/lint_corpus.txt (a markdown table, also in bench/README.md); with CHECK=1, compares
# it with the recorded file instead and fails on a difference.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$(cd "${1:-$ROOT/../shared/corpus}" && pwd)
OUT=${OUT:-$ROOT/bench/results}
DB=migrator_lint_corpus

"$ROOT/test/setup" >/dev/null
# shellcheck source=/dev/null
. "$ROOT/.cluster/env"
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
TMP=$(mktemp)
status=0
trap 'rm -f "$TMP" "$TMP".*; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>/dev/null' EXIT

{
	echo "| corpus | migrations | rule | class | findings |"
	echo "|---|---:|---|---|---:|"
} >"$TMP.rules"
{
	echo "| corpus | findings (safety + style) | WARNING lines, one per finding (before) | WARNING lines now | runner's dry run |"
	echo "|---|---:|---:|---:|---|"
} >"$TMP.lines"
# stepwise NAME FOLDER N: one deploy per migration, on the database the earlier ones built (as
# production gets them): CALL migrate(folder, target) for each version in turn, with the defaults.
# Safety findings are WARNINGs of their own ("file:line:col: rule: ..."), style ones a line per rule
# and deploy ("style: rule: N findings, ..."): counted per rule into $TMP.steps, and the WARNING
# lines before (one per finding) and now into $TMP.steplines.
STEPWISE=${STEPWISE:-0}
stepwise() {
	psql_ -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
	psql_ -d "$DB" -c "CREATE EXTENSION migrator"
	psql_ -d "$DB" -At -c "SELECT format('CALL migrator.migrate(%L, %L);', '$2', version)
		FROM migrator.status('$2') WHERE version IS NOT NULL" >"$TMP.calls"
	# a deploy that fails stops the folder there (its findings were reported before it ran): noted
	if ! psql -X -q -d "$DB" -v ON_ERROR_STOP=1 -f "$TMP.calls" 2>"$TMP.err" >/dev/null; then
		echo "- $1: deploy $(sed -nE 's/^psql:[^:]*:([0-9]+): ERROR: .*/\1/p' "$TMP.err" | head -1) of $(grep -c . "$TMP.calls") failed:" \
			"\`$(sed -nE 's/^psql:[^ ]*: ERROR:  //p' "$TMP.err" | head -1)\`" >>"$TMP.failed"
	fi
	sed -nE 's/^(psql:[^ ]*: )?(WARNING:  )/\2/p' "$TMP.err" >"$TMP.found"
	awk -v c="$1" -v n="$3" '
		/^WARNING:  style: / { split($0, f, ": "); split(f[4], m, " "); style[f[3]] += m[1]; lines++; next }
		{ split($0, f, ": "); if (f[3] !~ /^[a-z-]+$/) next; safety[f[3]]++; nsafety++; lines++ }
		END {
			for (r in safety) printf "| %s | %s | `%s` | safety | %d |\n", c, n, r, safety[r]
			for (r in style) { printf "| %s | %s | `%s` | style | %d |\n", c, n, r, style[r]; nstyle += style[r] }
			printf "| %s | %d (%d + %d) | %d | %d | - |\n", c, nsafety + nstyle, nsafety, nstyle,
				nsafety + nstyle, lines > "/dev/stderr"
		}' "$TMP.found" 2>>"$TMP.steplines" | sort -t'|' -k5,5 -k6,6nr >>"$TMP.steps"
}

for d in "$DIR"/*/; do
	name=$(basename "$d")
	[[ -d $d/migrations ]] || continue
	psql_ -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
	psql_ -d "$DB" -c "CREATE EXTENSION migrator"
	n=$(wc -l <"$d/order.txt")
	psql_ -d "$DB" -At -F '|' -c "SELECT rule, class, count(*) FROM migrator.lint_dir('${d%/}/migrations')
		GROUP BY rule, class ORDER BY class, count(*) DESC, rule" >"$TMP.counts"
	awk -F'|' -v c="$name" -v n="$n" '{ printf "| %s | %s | `%s` | %s | %d |\n", c, n, $1, $2, $3 }' "$TMP.counts" >>"$TMP.rules"
	read -r safety style rules < <(awk -F'|' '$2 == "safety" { s += $3 } $2 == "style" { t += $3; r++ }
		END { print s + 0, t + 0, r + 0 }' "$TMP.counts")
	before=$((safety + style))
	now=$((safety + rules))
	dry="-"
	if [[ ! -e $d/needs-no-transaction.txt ]]; then
		warnings=$(psql_ -d "$DB" -c "SELECT count(*) FROM migrator.apply('${d%/}/migrations', dry_run => true)" 2>&1 >/dev/null |
			grep -c '^WARNING:' || true)
		dry="$warnings WARNINGs"
		if ((warnings != now)); then
			echo "lint_corpus: $name: the dry run printed $warnings WARNINGs, expected $now" >&2
			status=1
		fi
	fi
	echo "| $name | $before ($safety + $style) | $before | $now | $dry |" >>"$TMP.lines"
	((STEPWISE)) && stepwise "$name" "${d%/}/migrations" "$n"
done
{
	cat "$TMP.lines"
	echo
	cat "$TMP.rules"
	if ((STEPWISE)); then
		echo
		echo "Deployed one migration at a time (STEPWISE=1):"
		echo
		head -2 "$TMP.lines"
		cat "$TMP.steplines"
		echo
		head -2 "$TMP.rules"
		cat "$TMP.steps"
		if [[ -s $TMP.failed ]]; then
			echo
			cat "$TMP.failed"
		fi
	fi
} >"$TMP"
if [[ ${CHECK:-0} == 1 ]]; then
	if diff -u "$OUT/lint_corpus.txt" "$TMP"; then
		echo "lint_corpus: the counts match $OUT/lint_corpus.txt"
	else
		echo "lint_corpus: the counts differ from $OUT/lint_corpus.txt" >&2
		status=1
	fi
else
	mkdir -p "$OUT"
	cp "$TMP" "$OUT/lint_corpus.txt"
	cat "$TMP"
fi
exit $status
