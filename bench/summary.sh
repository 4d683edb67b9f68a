#!/usr/bin/env bash
# bench/summary.sh -- the summary table: every benchmark's targets and verdicts, from the result
# files present under bench/results/ (OUT): apply.txt, apply_quiet.txt and apply_part3.txt (later
# runs of some of apply.sh's parts: a part is shown from the latest file that has it), lint.txt,
# trigger.txt and trigger_prune.txt (parts 2 and 3 again, after the backfill learned to prune: the
# same rule), trigger_sb512.txt (part 3 with shared_buffers 512MB, shown beside), contract.txt, diff.txt.  Writes
# summary.txt and summary.csv (benchmark, date of its last run, target line, verdict).  bench/run
# calls it after the benchmarks; run it alone to rebuild the table.
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$BENCH/results}
CSV=$OUT/summary.csv
TXT=$OUT/summary.txt
# date_of FILE: the first date in it ("2026-11-23 17:59 UTC"), which sorts as text
date_of() { grep -o -m1 '20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:]*' "$1" || echo 0; }
echo "benchmark,run,target,verdict" >"$CSV"
{
	echo "migrator benchmarks: the targets and the last measured figures ($(date -u '+%Y-%m-%d %H:%M UTC'))"
	echo "each benchmark's full table, CSV and chart: bench/results/<name>.txt, .csv, .png"
	for b in apply apply_quiet apply_part3 lint trigger trigger_prune trigger_sb512 contract diff; do
		f=$OUT/$b.txt
		[[ -s $f ]] || continue
		# a part measured again later, in another file of the same benchmark and cluster, is shown
		# from there only
		skip=" " family=
		case $b in
		apply*) family="apply apply_quiet apply_part3" ;;
		trigger | trigger_prune) family="trigger trigger_prune" ;;
		esac
		if [[ $family ]]; then
			for later in $family; do
				[[ $later != "$b" && -s $OUT/$later.txt ]] || continue
				[[ $(date_of "$OUT/$later.txt") > $(date_of "$f") ]] || continue
				skip+=$(grep -o -E '^[0-9]+\. ' "$OUT/$later.txt" | tr -d ' ' | tr '\n' ' ')
			done
		fi
		when=$(grep -o -m1 '20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:]* [A-Z]*' "$f" || echo unknown)
		echo
		echo "$b ($when): $(head -n 1 "$f")"
		# a target line, its continuation ("with pause ..."), or a PASS/FAIL line
		awk -v skip="$skip" '/^[0-9]+[a-z]?\. / { sec = $1 " " } sec != "" && index(skip, " " sec) { next }
			/target:/ || /^target / || /^(PASS|FAIL)/ || /^ +with / { sub(/^ +/, ""); print sec $0 }' "$f" | while IFS= read -r line; do
			verdict=$(grep -o -E '\b(PASS|FAIL|NOT MET|met)\b' <<<"$line" | tail -n 1 || true)
			case $verdict in met) verdict=PASS ;; "NOT MET") verdict=FAIL ;; esac
			printf '  %-5s %s\n' "${verdict:-?}" "$line"
			printf '%s,%s,"%s",%s\n' "$b" "$when" "${line//\"/\"\"}" "${verdict:-}" >>"$CSV"
		done
	done
} >"$TXT"
cat "$TXT"
