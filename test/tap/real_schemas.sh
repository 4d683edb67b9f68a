#!/usr/bin/env bash
# Real schemas rebuilt from snapshots alone: every ../shared/corpus/*/expected_schema.sql (the final
# schema of a real project, as pg_dump wrote it) and pgTAP's own install script (the pgtap--X.sql of
# the server's default version, 1,000+ functions, a composite type, run as plain SQL into a schema
# "tap", not as an extension).  For each, loaded into database A:
#   1. in an empty database B, migrator.diff(snapshot of B, snapshot of A) run statement by statement
#      (test/tap/lib_dbdiff.sh); pg_dump --schema-only of A and B identical (only pg_dump's random
#      \restrict keys, comments, blank lines and the order of ACL items are set aside)
#   2. a second diff between them empty
#   3. the reverse, A diffed to an empty database, leaves A as empty as it (pg_dump identical)
#   4. and nothing left to diff after it
# The snapshots are of the schemas either database has: one the other lacks is absent from its
# snapshot, created or dropped.  ../shared/corpus is found as test/run finds it; without it, only
# pgTAP is rebuilt (and the corpus part says it is skipped).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
CORPUS=$ROOT/../shared/corpus
A=migrator_real_a
B=migrator_real_b
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $A WITH (FORCE)" \
	-c "DROP DATABASE IF EXISTS $B WITH (FORCE)" 2>/dev/null' EXIT
. "$ROOT/test/tap/lib_dbdiff.sh"

# the schemas: NAME FILE, the file plain SQL that psql runs
names=() files=()
if [[ -d $CORPUS ]]; then
	for f in "$CORPUS"/*/expected_schema.sql; do
		[[ -f $f ]] || continue
		name=$(basename "$(dirname "$f")")
		# pg_dump's \restrict and \unrestrict are commands newer psql knows, not SQL
		sed -e '/^\\\(un\)\{0,1\}restrict /d' "$f" >"$TMP/$name.sql"
		names+=("$name") files+=("$TMP/$name.sql")
	done
fi
share=$(pg_config --sharedir)/extension
version=$(sed -nE "s/^default_version[[:space:]]*=[[:space:]]*'([^']+)'.*/\1/p" "$share/pgtap.control" 2>/dev/null)
if [[ -n $version && -f $share/pgtap--$version.sql ]]; then
	{ echo "CREATE SCHEMA tap; SET search_path = tap;"; cat "$share/pgtap--$version.sql"; } >"$TMP/pgtap.sql"
	names+=("pgtap-$version") files+=("$TMP/pgtap.sql")
fi

PER=4
skips=0
[[ -d $CORPUS ]] || skips=$((skips + 1))
[[ -f $TMP/pgtap.sql ]] || skips=$((skips + 1))
echo "1..$((${#names[@]} * PER + skips))"
n=0
[[ -d $CORPUS ]] || { n=$((n + 1)); echo "ok $n - corpus # SKIP no $CORPUS"; }
[[ -f $TMP/pgtap.sql ]] || { n=$((n + 1)); echo "ok $n - pgTAP # SKIP no pgtap--VERSION.sql in $share"; }

# ok_if DESCRIPTION COMMAND...: one more test, passing when COMMAND succeeds; its output says why not
ok_if() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@" >"$TMP/why" 2>&1; then echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		head -n 80 "$TMP/why" | sed 's/^/#   /'
	fi
}

for i in "${!names[@]}"; do
	name=${names[$i]} file=${files[$i]}
	if ! { db_fresh "$A" && db_load "$A" "$file" && db_fresh "$B"; } >"$TMP/why" 2>&1; then
		for _ in $(seq 1 "$PER"); do
			n=$((n + 1))
			echo "not ok $n - $name: could not load it"
		done
		head -n 20 "$TMP/why" | sed 's/^/#   /'
		continue
	fi
	ok_if "$name: rebuilt in an empty database from snapshots, pg_dump identical" \
		eval 'db_migrate "$B" "$A" && db_same_dump "$A" "$B"'
	ok_if "$name: a second diff is empty" db_no_rows "$B" "$A"
	ok_if "$name: diffed to an empty database, nothing is left" \
		eval 'db_fresh "$B" && db_migrate "$A" "$B" && db_same_dump "$A" "$B"'
	ok_if "$name: and then nothing is left to diff" db_no_rows "$A" "$B"
done
