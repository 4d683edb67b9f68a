# shellcheck shell=bash
# test/tap/lib_dbdiff.sh -- a database rebuilt from snapshots alone, proven with pg_dump: the
# helpers of the whole-database round trips (test/tap/diff_roundtrip.sh's cases with a file
# `database`, test/tap/real_schemas.sh).  Sourced, not executable; needs $TMP (a folder) and the
# cluster's environment (.cluster/env).
#
# Two databases, each with only the extension migrator: SQL loaded into one is rebuilt in the other
# by migrator.diff(snapshot of it, snapshot of the first), the snapshots taken in each database of
# the schemas either has (so a schema one lacks is absent from its snapshot: created or dropped).

# dbq DB ARGS...: psql on DB, unaligned, quiet, stopping at the first error
dbq() {
	local db=$1
	shift
	PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# db_fresh DB: DB made anew, with the extension migrator only
db_fresh() {
	dbq postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" &&
		dbq "$1" -c "CREATE EXTENSION migrator"
}

# db_load DB FILE: FILE's SQL run in DB (nothing when FILE is empty)
db_load() {
	[[ -z $2 ]] && return 0
	dbq "$1" -f "$2" >/dev/null
}

# the schemas of a database a snapshot describes: all but the system's and migrator's
DB_SCHEMAS="SELECT string_agg(quote_literal(nspname), ',' ORDER BY nspname) FROM pg_namespace
	WHERE nspname !~ '^pg_' AND nspname NOT IN ('information_schema', 'migrator')"

# db_plan SRC DST [nodeps]: the statements of migrator.diff(snapshot of SRC, snapshot of DST), run
# in SRC, into $TMP/plan (one a line: seq, hazard) and $TMP/script (as a runner runs them: in a
# transaction, but those that cannot run in one, or whose effect must be committed before it is
# used, on their own); nodeps: the snapshots without their depends
db_plan() {
	local list
	list=$({ dbq "$1" -c "$DB_SCHEMAS" && dbq "$2" -c "$DB_SCHEMAS"; } | grep . | paste -sd,) || return 1
	dbq "$1" -c "SELECT migrator.snapshot(ARRAY[$list]::text[])" >"$TMP/src.json" || return 1
	dbq "$2" -c "SELECT migrator.snapshot(ARRAY[$list]::text[])" >"$TMP/dst.json" || return 1
	local strip="x"
	[[ ${3:-} != nodeps ]] || strip="(SELECT jsonb_object_agg(e.key, e.value - 'depends') FROM jsonb_each(x) e)"
	cat >"$TMP/diff.sql" <<-EOF
		\\set src \`cat $TMP/src.json\`
		\\set dst \`cat $TMP/dst.json\`
		CREATE TEMP TABLE plan AS SELECT d.* FROM migrator.diff(
			(SELECT $strip FROM (SELECT :'src'::jsonb) s(x)),
			(SELECT $strip FROM (SELECT :'dst'::jsonb) s(x))) d;
		\\o $TMP/plan
		SELECT seq || ' ' || coalesce(hazard, '-') || ' ' || statement FROM plan ORDER BY seq;
		\\o $TMP/script
		SELECT CASE WHEN statement ~ '^((CREATE (UNIQUE )?INDEX|DROP INDEX) CONCURRENTLY|ALTER TYPE .* ADD VALUE )'
			THEN E'COMMIT;\\n' || statement || E';\\nBEGIN;' ELSE statement || ';' END
		FROM plan ORDER BY seq;
	EOF
	dbq "$1" -f "$TMP/diff.sql"
}

# db_migrate SRC DST [nodeps]: SRC made like DST by the diff, run as a runner would
db_migrate() {
	db_plan "$@" || return 1
	{ echo "BEGIN;"; cat "$TMP/script"; echo "COMMIT;"; } >"$TMP/run.sql"
	dbq "$1" -f "$TMP/run.sql" >/dev/null && return 0
	echo "the plan:"
	cat "$TMP/plan"
	return 1
}

# db_no_rows SRC DST: the diff between them is empty
db_no_rows() {
	db_plan "$1" "$2" || return 1
	[[ ! -s $TMP/plan ]] && return 0
	echo "left to diff:"
	head -n 40 "$TMP/plan"
	return 1
}

# db_dump DB: its pg_dump --schema-only, without comments, blank lines and the \restrict keys of
# newer pg_dump; the items of an ACL and of a WITH (...) list are sets, which pg_dump prints in the
# order they were granted or set: sorted
db_dump() {
	pg_dump --schema-only -d "$1" |
		sed -e '/^--/d' -e '/^$/d' -e '/^\\\(un\)\{0,1\}restrict /d' |
		perl -ne 's/WITH \((.*)\)/"WITH (" . join(", ", sort split(m{, }, $1)) . ")"/e;
			if (/^(GRANT|REVOKE) /) { push @acl, $_; next }
			print sort @acl; @acl = (); print;
			END { print sort @acl }'
}

# db_same_dump A B: the pg_dumps of A and B are the same
db_same_dump() {
	db_dump "$1" >"$TMP/a.dump" && db_dump "$2" >"$TMP/b.dump" || return 1
	diff -u "$TMP/a.dump" "$TMP/b.dump" >"$TMP/dump.diff" && return 0
	head -n 80 "$TMP/dump.diff"
	[[ ! -f $TMP/plan ]] || { echo "the plan:"; head -n 60 "$TMP/plan"; }
	return 1
}
