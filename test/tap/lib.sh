# shellcheck shell=bash
# test/tap/lib.sh -- helpers shared by the shell TAP tests, sourced after db= is set.  Not
# executable: test/run runs only the executable test/tap/*.sh.

# q ARGS...: psql on the test's database $db, unaligned, quiet, stopping at the first error
# shellcheck disable=SC2154 # db: set by the test that sources this
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

# check DESCRIPTION CONDITION: the next TAP line, "ok" when CONDITION (a shell expression) holds
n=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
