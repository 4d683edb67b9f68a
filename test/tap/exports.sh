#!/usr/bin/env bash
# Symbol hygiene: the installed migrator.so exports only what PostgreSQL calls by name --
# Pg_magic_func, _PG_init, each C function the SQL script names (AS 'MODULE_PATHNAME', 'sym')
# with its pg_finfo_ record, and the background worker's entry point -- all prefixed migrator_,
# so that no helper of ours binds to another library's namesake in a backend (or theirs to ours).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
SO=$("$PG_CONFIG" --pkglibdir)/migrator.so

if ! command -v nm >/dev/null; then
	echo "1..0 # SKIP nm (binutils) is not installed"
	exit 0
fi
echo "1..4"
n=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }

exported=$(nm -D --defined-only "$SO" | awk '$2 ~ /^[TDBRVWi]$/ {print $3}' | sort)
# the C symbols the SQL script calls, and the bgworker entry points the C code names
called=$(grep -ohE "MODULE_PATHNAME' *, *'[A-Za-z0-9_]+'" "$ROOT"/migrator--*.sql |
	sed -E "s/.*'([A-Za-z0-9_]+)'$/\1/" | sort -u)
workers=$(grep -ohE 'bgw_function_name, "[A-Za-z0-9_]+"' "$ROOT"/src/*.c |
	sed -E 's/.*"([A-Za-z0-9_]+)"$/\1/' | sort -u)
wanted=$(printf '%s\n' Pg_magic_func _PG_init $called $workers $(printf 'pg_finfo_%s\n' $called) |
	sort -u)

check "the SQL script names C functions ($(wc -w <<<"$called")) and a background worker" \
	'[[ -n $called && -n $workers ]]'
extra=$(comm -23 <(echo "$exported") <(echo "$wanted"))
check "nothing else is exported" '[[ -z $extra ]]'
[[ -z $extra ]] || echo "$extra" | head -n 20 | sed 's/^/#   exported: /'
missing=$(comm -13 <(echo "$exported") <(echo "$wanted"))
check "everything PostgreSQL calls by name is exported" '[[ -z $missing ]]'
[[ -z $missing ]] || echo "$missing" | sed 's/^/#   missing: /'
check "each exported name but PostgreSQL's two is prefixed migrator_ (or pg_finfo_migrator_)" \
	'! grep -vxE "Pg_magic_func|_PG_init|(pg_finfo_)?migrator_[A-Za-z0-9_]+" <<<"$exported" >/dev/null'
