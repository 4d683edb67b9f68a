#!/usr/bin/env bash
# migrator.diff() round trips, proven with pg_dump.  Each case is a folder test/diff/<case>/ with
# a.sql and b.sql: schema-less DDL (no schema names), loaded with search_path set to the schema it
# goes into.  For each case, in a database of its own:
#   1. a -> b   a in rt_src, b in rt_dst; every statement of migrator.diff('rt_src', 'rt_dst') is
#               run against the database in order, in a transaction, but those that cannot run in
#               one (CONCURRENTLY) or whose effect must be committed before it is used (ALTER TYPE
#               ... ADD VALUE) on their own between transactions, as a runner would run them; then
#               `pg_dump --schema-only` of rt_src
#               must equal that of rt_dst once rt_dst is renamed rt_src (sed), and a second diff
#               must be empty
#   2. b -> a   the same the other way
#   3. identity a in both schemas, then b in both: diff yields no rows
#   4. empty -> b and b -> empty, as in 1
# A case with a file `database` holds whole-database DDL instead (schemas named, made and dropped):
# a.sql and b.sql are loaded each into a database of its own, and the same eight checks are made
# between the two databases with migrator.diff(snapshot, snapshot) (test/tap/lib_dbdiff.sh).
# test/diff/roles.sql (run once) makes the roles that grants and policies name.  A kind of object
# the diff misses shows as a pg_dump difference: that is the point of the test.  A case with a file
# min_version (a server_version_num) is skipped on an older server, one with a file databases
# (event triggers, publications) here: test/tap/diff_databases.sh runs it.  A file provider names a
# security label provider of test/seclabel, built, installed and loaded in the case's sessions.  One
# with a file diff_args passes its text to diff() and snapshot() after their schemas (", owners => true").
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
CASES=$ROOT/test/diff
DB=migrator_diff_rt
DB2=migrator_diff_rt2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
	-c "DROP DATABASE IF EXISTS $DB2 WITH (FORCE)" 2>/dev/null' EXIT
. "$ROOT/test/tap/lib_dbdiff.sh"
q() { PGOPTIONS="-c client_min_messages=warning ${CASE_OPTIONS:-}" psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
# provider NAME: the security label provider test/seclabel/NAME.c built and installed (once)
provider() {
	[[ -f $TMP/provider.$1 ]] && return 0
	{ make -C "$ROOT/test/seclabel" -s PG_CONFIG="$PG_CONFIG" with_llvm=no &&
		make -C "$ROOT/test/seclabel" -s PG_CONFIG="$PG_CONFIG" with_llvm=no install; } >"$TMP/why" 2>&1 &&
		: >"$TMP/provider.$1"
}

n=0
# ok_if DESCRIPTION CONDITION...: one more test, passing when the condition holds; on failure
# $TMP/why says why.
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

# reset: both schemas empty (a fresh database for each case)
reset() {
	q -c "DROP SCHEMA IF EXISTS rt_src, rt_dst CASCADE" -c "CREATE SCHEMA rt_src" -c "CREATE SCHEMA rt_dst" 2>"$TMP/why"
}
# load FILE SCHEMA
load() {
	[[ -z $1 ]] && return 0
	{ echo "SET search_path = $2;"; cat "$1"; } | q -f - >/dev/null 2>>"$TMP/why"
}
# migrate [ARGS]: run diff(ARGS) against the database as a runner would; ARGS: 'rt_src', 'rt_dst'
migrate() {
	local args=${1:-"'rt_src', 'rt_dst'$EXTRA"}
	q -c "SELECT statement, hazard FROM migrator.diff($args) ORDER BY seq" >"$TMP/plan" 2>>"$TMP/why" || return 1
	q -c "SELECT CASE WHEN statement ~ '^((CREATE (UNIQUE )?INDEX|DROP INDEX) CONCURRENTLY|ALTER TYPE .* ADD VALUE )'
			THEN E'COMMIT;\n' || statement || E';\nBEGIN;' ELSE statement || ';' END
		FROM migrator.diff($args) ORDER BY seq" >"$TMP/script" 2>>"$TMP/why" || return 1
	{ echo "BEGIN;"; cat "$TMP/script"; echo "COMMIT;"; } >"$TMP/run.sql"
	q -f "$TMP/run.sql" >/dev/null 2>>"$TMP/why" && return 0
	echo "the plan:" >>"$TMP/why"
	cat "$TMP/plan" >>"$TMP/why"
	return 1
}
# dump SCHEMA: its pg_dump, named rt_src, without comments, blank lines and \restrict keys.  The
# items of an ACL and of a WITH (storage parameters) list are sets; pg_dump prints them in the
# order they were granted or set, which is no part of the schema: they are sorted.
dump() {
	pg_dump --schema-only --schema="$1" -d "$DB" |
		sed -e 's/\brt_dst\b/rt_src/g' -e '/^--/d' -e '/^$/d' -e '/^\\\(un\)\{0,1\}restrict /d' |
		if [[ -n $NN_NAMES_FREE ]]; then sed -E 's/ CONSTRAINT ("[^"]+"|[^ ]+) NOT NULL/ NOT NULL/'; else cat; fi |
		perl -ne 's/WITH \((.*)\)/"WITH (" . join(", ", sort split(m{, }, $1)) . ")"/e;
			if (/^(GRANT|REVOKE) /) { push @acl, $_; next }
			print sort @acl; @acl = (); print;
			END { print sort @acl }'
}
# same_dump: pg_dump of rt_src equals rt_dst's
same_dump() {
	dump rt_src >"$TMP/src.dump"
	dump rt_dst >"$TMP/dst.dump"
	diff -u "$TMP/src.dump" "$TMP/dst.dump" >>"$TMP/why" && return 0
	echo "the plan:" >>"$TMP/why"
	cat "$TMP/plan" >>"$TMP/why"
	return 1
}
no_rows() {
	local rows
	rows=$(q -c "SELECT count(*) FROM migrator.diff('rt_src', 'rt_dst'$EXTRA)" 2>>"$TMP/why") || return 1
	[[ $rows == 0 ]] && return 0
	q -c "SELECT statement FROM migrator.diff('rt_src', 'rt_dst'$EXTRA) ORDER BY seq" >>"$TMP/why" 2>&1
	return 1
}
# round_trip A B: A into rt_src, B into rt_dst, run the diff, compare
round_trip() {
	reset && load "$1" rt_src && load "$2" rt_dst && migrate && same_dump
}
# SNAPSHOTS: the jsonb form of the diff between the two schemas' snapshots taken without their
# depends (as a snapshot stored by hand or by another version may be): the order must then come
# from the kinds of statement alone (a foreign key after the key it references, ...)
snapshots() {
	SNAPSHOTS="migrator.snapshot(ARRAY['rt_src']$EXTRA) #- '{rt_src,depends}',
	replace((migrator.snapshot(ARRAY['rt_dst']$EXTRA) #- '{rt_dst,depends}')::text, '\"rt_dst', '\"rt_src')::jsonb"
}

# db_pair A B: A loaded into $DB and B into $DB2, each a fresh database
db_pair() {
	db_fresh "$DB" && db_fresh "$DB2" && db_load "$DB" "$1" && db_load "$DB2" "$2"
}
# db_round_trip A B [nodeps]: $DB made like $DB2 by the diff of their snapshots
db_round_trip() {
	db_pair "$1" "$2" && db_migrate "$DB" "$DB2" "${3:-}" && db_same_dump "$DB" "$DB2"
}
# database_case A B: the eight checks of a case with a file `database`
database_case() {
	local a=$1 b=$2 c=$3
	ok_if "$c: a -> b, pg_dump equal" eval 'db_round_trip "$a" "$b" >>"$TMP/why" 2>&1'
	ok_if "$c: a -> b, nothing left to diff" eval 'db_no_rows "$DB" "$DB2" >>"$TMP/why" 2>&1'
	ok_if "$c: b -> a, pg_dump equal" eval 'db_round_trip "$b" "$a" >>"$TMP/why" 2>&1'
	ok_if "$c: identity, a and b against themselves" eval '{ db_pair "$a" "$a" && db_no_rows "$DB" "$DB2" &&
		db_pair "$b" "$b" && db_no_rows "$DB" "$DB2"; } >>"$TMP/why" 2>&1'
	ok_if "$c: empty -> b" eval 'db_round_trip "" "$b" >>"$TMP/why" 2>&1'
	ok_if "$c: b -> empty" eval 'db_round_trip "$b" "" >>"$TMP/why" 2>&1'
	ok_if "$c: empty -> a -> b" eval '{ db_round_trip "" "$a" && db_fresh "$DB2" && db_load "$DB2" "$b" &&
		db_migrate "$DB" "$DB2" && db_same_dump "$DB" "$DB2"; } >>"$TMP/why" 2>&1'
	if [[ $NEEDS_DEPENDS == *" $c "* ]]; then
		n=$((n + 1))
		echo "ok $n - $c: empty -> b, snapshots without depends # SKIP its order needs pg_depend"
	else
		ok_if "$c: empty -> b, snapshots without depends" eval 'db_round_trip "" "$b" nodeps >>"$TMP/why" 2>&1'
	fi
}

# DIFF_CASES="a b": only those cases
if [[ -n ${DIFF_CASES:-} ]]; then read -ra cases <<<"$DIFF_CASES"
else mapfile -t cases < <(find "$CASES" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
fi
# the cases whose order needs pg_depend (SQL-standard function bodies calling each other, views
# re-created under functions over their row type, schemas using each other's objects);
# NEEDS_DEPENDS="" tries them anyway: no round trip without depends
NEEDS_DEPENDS=${NEEDS_DEPENDS-" chains rebuilds schemas "}
PER_CASE=8 # the checks of each case below
echo "1..$((${#cases[@]} * PER_CASE))"
psql -X -q -d postgres -f "$CASES/roles.sql" >/dev/null 2>&1
: >"$TMP/why"
version=$(psql -X -At -d postgres -c "SHOW server_version_num")
for c in "${cases[@]}"; do
	a=$CASES/$c/a.sql b=$CASES/$c/b.sql
	# a file "databases": kinds of the database, not of a schema (test/tap/diff_databases.sh)
	if [[ -f $CASES/$c/databases ]]; then
		for _ in $(seq 1 "$PER_CASE"); do
			n=$((n + 1))
			echo "ok $n - $c # SKIP across two databases: test/tap/diff_databases.sh"
		done
		continue
	fi
	if [[ -f $CASES/$c/min_version ]] && ((version < $(<"$CASES/$c/min_version"))); then
		for _ in $(seq 1 "$PER_CASE"); do
			n=$((n + 1))
			echo "ok $n - $c # SKIP needs server_version_num $(<"$CASES/$c/min_version")"
		done
		continue
	fi
	if [[ -f $CASES/$c/database ]]; then
		database_case "$a" "$b" "$c"
		continue
	fi
	CASE_OPTIONS=
	if [[ -f $CASES/$c/provider ]]; then
		provider "$(<"$CASES/$c/provider")" || echo "# the label provider could not be built: $(head -c 300 "$TMP/why")"
		CASE_OPTIONS="-c session_preload_libraries=$(<"$CASES/$c/provider")"
	fi
	# a file diff_args holds more arguments of diff() and snapshot(), as ", owners => true"
	EXTRA=
	[[ ! -f $CASES/$c/diff_args ]] || EXTRA=$(<"$CASES/$c/diff_args")
	snapshots
	# a file ignore_not_null_names says why that case leaves out the names of NOT NULL constraints
	NN_NAMES_FREE=
	[[ ! -f $CASES/$c/ignore_not_null_names ]] || NN_NAMES_FREE=1
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" 2>/dev/null
	q -c "CREATE EXTENSION migrator"
	ok_if "$c: a -> b, pg_dump equal" round_trip "$a" "$b"
	ok_if "$c: a -> b, nothing left to diff" no_rows
	ok_if "$c: b -> a, pg_dump equal" round_trip "$b" "$a"
	ok_if "$c: identity, a and b against themselves" eval 'reset && load "$a" rt_src && load "$a" rt_dst && no_rows &&
		reset && load "$b" rt_src && load "$b" rt_dst && no_rows'
	ok_if "$c: empty -> b" round_trip "" "$b"
	ok_if "$c: b -> empty" round_trip "$b" ""
	ok_if "$c: empty -> a -> b" eval 'round_trip "" "$a" && q -c "DROP SCHEMA rt_dst CASCADE" -c "CREATE SCHEMA rt_dst" 2>>"$TMP/why" &&
		load "$b" rt_dst && migrate && same_dump'
	if [[ $NEEDS_DEPENDS == *" $c "* ]]; then
		n=$((n + 1))
		echo "ok $n - $c: empty -> b, snapshots without depends # SKIP its order needs pg_depend"
	else
		ok_if "$c: empty -> b, snapshots without depends" eval 'reset && load "$b" rt_dst && migrate "$SNAPSHOTS" && same_dump'
	fi
done
