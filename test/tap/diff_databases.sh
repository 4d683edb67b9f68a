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
q() {
	local db=$1
	shift
	PGOPTIONS="-c client_min_messages=error" psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"
}

n=0
ok_if() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"
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
		psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" -c "CREATE DATABASE $d" 2>>"$TMP/why" &&
			q "$d" -c "CREATE EXTENSION migrator" -c "CREATE SCHEMA rt_schema" 2>>"$TMP/why" || return 1
	done
}
# load FILE DB
load() {
	[[ -z $1 ]] && return 0
	{ echo "SET search_path = rt_schema;"; cat "$1"; } | q "$2" -f - >/dev/null 2>>"$TMP/why"
}
snapshot() { q "$1" -c "SELECT migrator.snapshot(ARRAY['rt_schema'])"; }
# the diff from A's schema to B's, between their snapshots
plan() {
	snapshot $A >"$TMP/a.json" 2>>"$TMP/why" && snapshot $B >"$TMP/b.json" 2>>"$TMP/why" || return 1
	echo "SELECT statement || ';' FROM migrator.diff(:'a'::jsonb, :'b'::jsonb) ORDER BY seq" |
		q $A -v a="$(<"$TMP/a.json")" -v b="$(<"$TMP/b.json")" -f -
}
# migrate: run the plan against A, in a transaction
migrate() {
	plan >"$TMP/plan" 2>>"$TMP/why" || return 1
	{ echo "BEGIN;"; cat "$TMP/plan"; echo "COMMIT;"; } | q $A -f - >/dev/null 2>>"$TMP/why" && return 0
	echo "the plan:" >>"$TMP/why"
	cat "$TMP/plan" >>"$TMP/why"
	return 1
}
# the whole database's pg_dump, without comments, blank lines and \restrict keys, grants sorted
dump() {
	pg_dump --schema-only -d "$1" | sed -e '/^--/d' -e '/^$/d' -e '/^\\\(un\)\{0,1\}restrict /d' |
		perl -ne 'if (/^(GRANT|REVOKE) /) { push @acl, $_; next }
			print sort @acl; @acl = (); print;
			END { print sort @acl }'
}
same_dump() {
	dump $A >"$TMP/a.dump"
	dump $B >"$TMP/b.dump"
	diff -u "$TMP/a.dump" "$TMP/b.dump" >>"$TMP/why" && return 0
	echo "the plan:" >>"$TMP/why"
	cat "$TMP/plan" >>"$TMP/why"
	return 1
}
no_rows() {
	plan >"$TMP/plan" 2>>"$TMP/why" || return 1
	[[ ! -s $TMP/plan ]] && return 0
	cat "$TMP/plan" >>"$TMP/why"
	return 1
}
round_trip() {
	fresh && load "$1" $A && load "$2" $B && migrate && same_dump
}

mapfile -t cases < <(find "$CASES" -mindepth 2 -maxdepth 2 -name databases -printf '%h\n' | xargs -n1 basename | sort)
echo "1..$((${#cases[@]} * 5))"
: >"$TMP/why"
for c in "${cases[@]}"; do
	a=$CASES/$c/a.sql b=$CASES/$c/b.sql
	ok_if "$c: a -> b, pg_dump equal" round_trip "$a" "$b"
	ok_if "$c: a -> b, nothing left to diff" no_rows
	ok_if "$c: b -> a, pg_dump equal" round_trip "$b" "$a"
	ok_if "$c: empty -> b" round_trip "" "$b"
	ok_if "$c: b -> empty" round_trip "$b" ""
done
