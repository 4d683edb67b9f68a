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
trap 'rm -f "$TMP" "$TMP".*; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>/dev/null' EXIT

{
	echo "| corpus | migrations | rule | class | findings |"
	echo "|---|---:|---|---|---:|"
} >"$TMP.rules"
{
	echo "| corpus | findings (safety + style) | WARNING lines before | WARNING lines now | runner's dry run |"
	echo "|---|---:|---:|---:|---|"
} >"$TMP.lines"
status=0
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
done
{
	cat "$TMP.lines"
	echo
	cat "$TMP.rules"
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
