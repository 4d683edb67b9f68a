# shellcheck shell=bash
# test/tap/lib.sh -- helpers shared by the shell TAP tests, sourced after db= is set.  Not
# executable: test/run runs only the executable test/tap/*.sh.

# q ARGS...: psql on the test's database $db, unaligned, quiet, stopping at the first error
# shellcheck disable=SC2154 # db: set by the test that sources this
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

# check DESCRIPTION CONDITION: the next TAP line, "ok" when CONDITION (a shell expression) holds
n=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }

# ok_if DESCRIPTION COMMAND...: the next TAP line, "ok" when COMMAND succeeds; on failure $TMP/out
# and $TMP/err (what was compared, the last errors) are shown as diagnostics
ok_if() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		sed 's/^/#   /' "$TMP/out" "$TMP/err" 2>/dev/null
	fi
}

# same WANT GOT: GOT equals WANT (both kept in $TMP/out for ok_if's diagnostics)
same() {
	printf 'got:\n%s\nwanted:\n%s\n' "$2" "$1" >"$TMP/out"
	[[ $2 == "$1" ]]
}

# npm_install DIR READY PKG...: the npm packages PKG... installed once into DIR (git-ignored) and
# reused.  READY is a shell command that succeeds when they are there.  Returns 1 with the reason
# in $npm_why when node or npm is missing or the install fails (no network): the test then skips.
npm_install() {
	local dir=$1 ready=$2 log
	shift 2
	npm_why=
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		npm_why="node or npm is not installed"
		return 1
	fi
	eval "$ready" && return 0
	mkdir -p "$dir"
	log=$(mktemp)
	if ! timeout 300 npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
		--fetch-retries=1 --fetch-retry-mintimeout=1000 --fetch-retry-maxtimeout=5000 \
		"$@" >"$log" 2>&1 || ! eval "$ready"; then
		npm_why="npm install $* failed (no network?): $(grep -m1 -i 'err' "$log" || tail -n1 "$log")"
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
}
