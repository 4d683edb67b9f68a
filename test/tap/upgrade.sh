#!/usr/bin/env bash
# The upgrade path, walked: every earlier version's install script, then ALTER EXTENSION migrator
# UPDATE, must give the same extension as a fresh install of the current version -- the same
# objects with the same definitions, grants, comments, config-dump marks -- and keep what the
# database held: a journal filled by apply, and a change left open (expanded and half backfilled)
# that still dual-writes, backfills and contracts after the update (as pg_stat_statements' upgrade
# tests compare an updated extension with a fresh one).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
fresh=migrator_upgrade_fresh
old=migrator_upgrade_old
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" -c "DROP DATABASE IF EXISTS $old WITH (FORCE)" 2>/dev/null' EXIT
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"

current=$(sed -nE "s/^default_version = '(.*)'/\1/p" "$ROOT/migrator.control")
# the versions with an install script, oldest first, but the current one
mapfile -t earlier < <(find "$ROOT" -maxdepth 1 -name 'migrator--*.sql' ! -name 'migrator--*--*' -printf '%f\n' |
	sed -E 's/^migrator--(.*)\.sql$/\1/' | grep -vxF "$current" | sort -V)
echo "1..$((${#earlier[@]} * 7 + 1))"
check "earlier versions to update from: ${earlier[*]:-none}" '((${#earlier[@]} > 0))'

# describe: every object of the extension with what defines it, one line each, sorted
describe() {
	q <<'SQL'
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'migrator'),
members AS (
	SELECT d.classid, d.objid, d.objsubid FROM pg_depend d, ext
	WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e')
SELECT line FROM (
	SELECT pg_describe_object(classid, objid, objsubid) || ': ' || coalesce(CASE
		WHEN classid = 'pg_proc'::regclass THEN
			(SELECT pg_get_functiondef(objid) || ' acl=' || coalesce(proacl::text, '-') FROM pg_proc WHERE oid = objid)
		WHEN classid = 'pg_class'::regclass THEN
			(SELECT relkind::text || ' acl=' || coalesce(relacl::text, '-') || ' ' || coalesce(pg_get_viewdef(oid), '') ||
				coalesce((SELECT string_agg(format('%s %s%s%s', attname, format_type(atttypid, atttypmod),
							CASE WHEN attnotnull THEN ' not null' ELSE '' END,
							coalesce(' default ' || pg_get_expr(adbin, adrelid), '') ||
							CASE WHEN attidentity <> '' THEN ' identity ' || attidentity::text ELSE '' END),
							', ' ORDER BY attnum)
						  FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum
						  WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped), '') ||
				coalesce((SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', ' ORDER BY conname)
						  FROM pg_constraint WHERE conrelid = c.oid), '') ||
				coalesce((SELECT string_agg(pg_get_indexdef(indexrelid), ', ' ORDER BY 1)
						  FROM pg_index WHERE indrelid = c.oid), '') ||
				coalesce((SELECT string_agg(pg_get_triggerdef(t.oid), ', ' ORDER BY 1)
						  FROM pg_trigger t WHERE tgrelid = c.oid AND NOT tgisinternal), '')
			 FROM pg_class c WHERE oid = objid)
		WHEN classid = 'pg_type'::regclass THEN
			(SELECT format_type(oid, NULL) || ' ' || typtype::text FROM pg_type WHERE oid = objid)
		WHEN classid = 'pg_event_trigger'::regclass THEN
			(SELECT evtevent || ' ' || evtfoid::regproc || ' ' || coalesce(evttags::text, '') FROM pg_event_trigger WHERE oid = objid)
		ELSE '' END, '?') ||
		coalesce(' comment=' || obj_description(objid, (SELECT relname FROM pg_class WHERE oid = classid)), '')
	FROM members
	UNION ALL
	SELECT 'config dump: ' || u.cfg::regclass::text || ' ' || coalesce(u.cond, '')
	FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(cfg, cond) WHERE e.extname = 'migrator'
	UNION ALL
	SELECT 'schema migrator acl=' || coalesce(nspacl::text, '-') FROM pg_namespace WHERE nspname = 'migrator'
) s(line) ORDER BY line;
SQL
}

dir=$work/migrations
mkdir "$dir"
printf 'CREATE TABLE books (id bigint PRIMARY KEY, title text, published_year int);\n' >"$dir/V1__books.sql"
printf 'INSERT INTO books SELECT g, %s, 1900 + g %% 120 FROM generate_series(1, 3000) g;\n' "'b' || g" >"$dir/V2__rows.sql"
chmod -R a+rX "$work"

psql -X -q -d postgres -c 'SET client_min_messages = warning' -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" -c "CREATE DATABASE $fresh" >/dev/null
db=$fresh q -c "CREATE EXTENSION migrator"
db=$fresh describe >"$work/fresh.txt"

for v in "${earlier[@]}"; do
	psql -X -q -d postgres -c 'SET client_min_messages = warning' -c "DROP DATABASE IF EXISTS $old WITH (FORCE)" -c "CREATE DATABASE $old" >/dev/null
	db=$old
	q -c "CREATE EXTENSION migrator VERSION '$v'"
	# what a database at that version holds: a journal, and a change open and half backfilled
	q -c "SELECT count(*) FROM migrator.apply('$dir')" >/dev/null
	q >/dev/null <<'SQL'
SELECT migrator.expand('year', '{"alter_column": {"table": "books", "column": "published_year",
	"type": "bigint", "up": "published_year::bigint * 10", "down": "(published_year / 10)::int"}}');
SELECT migrator.backfill('year', 1000, 1);
SQL
	journal_before=$(q -c "SELECT string_agg(concat_ws('|', version, name, checksum, origin), ',' ORDER BY id) FROM migrator.journal")
	q -c "ALTER EXTENSION migrator UPDATE"
	check "$v -> $current: ALTER EXTENSION UPDATE reaches $current" "[[ \$(q -c \"SELECT extversion FROM pg_extension WHERE extname = 'migrator'\") == '$current' ]]"
	describe >"$work/updated.txt"
	check "$v -> $current: the extension's objects are those of a fresh $current install" \
		"diff -u '$work/fresh.txt' '$work/updated.txt' | sed 's/^/# /'; cmp -s '$work/fresh.txt' '$work/updated.txt'"
	check "$v -> $current: the journal is as it was" \
		"[[ \$(q -c \"SELECT string_agg(concat_ws('|', version, name, checksum, origin), ',' ORDER BY id) FROM migrator.journal\") == '$journal_before' ]]"
	check "$v -> $current: status shows both migrations applied, apply finds nothing to do" \
		"[[ \$(q -c \"SELECT string_agg(state, ',') FROM migrator.status('$dir')\") == applied,applied && \$(q -c \"SELECT count(*) FROM migrator.apply('$dir')\") == 0 ]]"
	q -c "UPDATE books SET published_year = 2001 WHERE id = 2999" -c "SET search_path = public_year, public" \
		-c "UPDATE books SET published_year = 20025 WHERE id = 3000"
	check "$v -> $current: the open change still dual-writes through both shapes" \
		"[[ \$(q -c 'SELECT string_agg(concat_ws(chr(58), published_year, _migrator_new_published_year), chr(44) ORDER BY id) FROM books WHERE id >= 2999') == '2001:20010,2002:20025' ]]"
	q -c "CALL migrator.run_backfill('year')" 2>/dev/null
	check "$v -> $current: the backfill completes, every row new = up(old)" \
		"[[ \$(q -c \"SELECT state FROM migrator.changes WHERE name = 'year'\") == backfilled && \$(q -c 'SELECT count(*) FROM books WHERE id < 2999 AND _migrator_new_published_year IS DISTINCT FROM published_year::bigint * 10') == 0 ]]"
	q -c "SELECT migrator.contract('year')" >/dev/null
	check "$v -> $current: contract leaves books.published_year bigint" \
		"[[ \$(q -c \"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'books'::regclass AND attname = 'published_year'\") == bigint ]]"
done
