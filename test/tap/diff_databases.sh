#!/usr/bin/env bash
# migrator.diff() round trips of the kinds that belong to the database rather than to a schema
# (event triggers, publications): the cases of test/diff with a file "databases".  Their names
# are the database's, so a and b cannot sit side by side in one database as in
# test/tap/diff_roundtrip.sh; here a goes into schema rt_schema of one database, b into the same
# schema of another, and the diff between the two snapshots (migrator.diff(jsonb, jsonb), as
# between a database and a copy of production) is run against the first.  Proof: pg_dump
# --schema-only of both whole databases (which has event triggers and publications; pg_dump
# --schema has not) equal, and a second diff empty.  For each case:
#   1. a -> b        2. nothing left to diff        3. b -> a
#   4. empty -> b    5. b -> empty
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
CASES=$ROOT/test/diff
A=migrator_diff_dba
B=migrator_diff_dbb
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; for d in $A $B; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" 2>/dev/null; done' EXIT
# shellcheck source=test/tap/lib_dbdiff.sh
. "$ROOT/test/tap/lib_dbdiff.sh"

n=0
ok_if() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@" >>"$TMP/why" 2>&1; then echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		head -n 60 "$TMP/why" | sed 's/^/#   /'
	fi
	: >"$TMP/why"
}

# fresh: both databases new, with migrator and an empty schema rt_schema
fresh() {
	local d
	for d in $A $B; do
		db_fresh "$d" && dbq "$d" -c "CREATE SCHEMA rt_schema" || return 1
	done
}
# load FILE DB: FILE run in DB's schema rt_schema
load() {
	[[ -z $1 ]] && return 0
	{ echo "SET search_path = rt_schema;"; cat "$1"; } | dbq "$2" -f - >/dev/null
}
# A made like B by the diff between their snapshots, proven by the pg_dumps of the whole databases
round_trip() {
	fresh && load "$1" $A && load "$2" $B && db_migrate $A $B && db_same_dump $A $B
}

mapfile -t cases < <(find "$CASES" -mindepth 2 -maxdepth 2 -name databases -printf '%h\n' | xargs -n1 basename | sort)
echo "1..$((${#cases[@]} * 5))"
: >"$TMP/why"
for c in "${cases[@]}"; do
	a=$CASES/$c/a.sql b=$CASES/$c/b.sql
	ok_if "$c: a -> b, pg_dump equal" round_trip "$a" "$b"
	ok_if "$c: a -> b, nothing left to diff" db_no_rows $A $B
	ok_if "$c: b -> a, pg_dump equal" round_trip "$b" "$a"
	ok_if "$c: empty -> b" round_trip "" "$b"
	ok_if "$c: b -> empty" round_trip "$b" ""
done
