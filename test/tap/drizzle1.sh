#!/usr/bin/env bash
# drizzle-kit 1.0 (issue 19), with the real tools: drizzle-kit@1.0.0-rc.5 writes one folder per
# migration (<yyyymmddhhmmss>_<name>/migration.sql + snapshot.json), drizzle-orm@1.0.0-rc.5's
# migrator applies them by name.
#   1. generate two migrations, apply them with drizzle-orm 1.0, adopt, apply the third;
#   2. a migration generated on a branch (earlier timestamp, its parent applied) merged after a
#      later one was applied: migrator applies it, as drizzle-orm 1.0 does;
#   3. a 0.x folder (the real drizzle-kit@0.31) applied by migrator, then `drizzle-kit up`:
#      nothing pending or missing, verify clean, the journal rows carried over;
#   4. the same folder applied by drizzle-orm 0.x, then `drizzle-kit up`: adopt reads the 0.x
#      history as drizzle-orm 1.0 upgrades it (names filled in), and before it does.
# The packages are installed once into test/.npm-1 (git-ignored) and reused; without npm, or when
# the install fails (no network), the whole test is skipped with `1..0 # SKIP`.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
NPM1=$ROOT/test/.npm-1/v1
NPM0=$ROOT/test/.npm-1/v0
DB=migrator_drizzle1
DB2=migrator_drizzle1_b
DB3=migrator_drizzle1_c
DB4=migrator_drizzle1_d
DB5=migrator_drizzle1_e
DB6=migrator_drizzle1_f
TMP=$(mktemp -d)
chmod 755 "$TMP"
dropdbs() {
	for d in "$DB" "$DB2" "$DB3" "$DB4" "$DB5" "$DB6"; do
		psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" 2>/dev/null
	done
}
trap 'rm -rf "$TMP"; dropdbs' EXIT

# --- the real drizzle packages ----------------------------------------------------------------
. "$ROOT/test/tap/lib.sh"
installed() {
	[[ -x $1/node_modules/.bin/drizzle-kit && -f $1/node_modules/drizzle-orm/package.json &&
		-f $1/node_modules/pg/package.json ]]
}
install() {
	local dir=$1
	shift
	if ! npm_install "$dir" "installed $dir" "$@"; then
		echo "1..0 # SKIP $npm_why: cannot run the real drizzle-kit"
		exit 0
	fi
}
install "$NPM1" drizzle-kit@1.0.0-rc.5 drizzle-orm@1.0.0-rc.5 pg@8
install "$NPM0" drizzle-kit@0.31 drizzle-orm@0.45 pg@8

n=0
: >"$TMP/err"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "SET migrator.lint = off" -c "$2" 2>"$TMP/err"; }
# states DB FOLDER: migrator.status as name|state,... in folder order
states() { q "$1" "SELECT string_agg(name || '|' || state, ',') FROM migrator.status('$2')"; }

# project NAME NPM: a drizzle project using those packages
project() {
	mkdir -p "$TMP/$1"
	ln -s "$2/node_modules" "$TMP/$1/node_modules"
	cat >"$TMP/$1/drizzle.config.ts" <<'EOF'
import { defineConfig } from 'drizzle-kit';
export default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle' });
EOF
	cat >"$TMP/$1/migrate.mjs" <<'EOF'
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
const pool = new pg.Pool({ host: process.env.PGHOST, port: Number(process.env.PGPORT),
	user: process.env.PGUSER, database: process.argv[2] });
try {
	await migrate(drizzle({ client: pool }), { migrationsFolder: process.argv[3] });
} finally {
	await pool.end();
}
EOF
}
# generate PROJECT NAME TABLES...: schema.ts with these tables (id, name), then drizzle-kit generate;
# drizzle-kit names folders by the second, so wait for a new one first
generate() {
	local p=$TMP/$1 name=$2
	shift 2
	{
		echo "import { pgTable, integer, text } from 'drizzle-orm/pg-core';"
		for t in "$@"; do
			echo "export const $t = pgTable('$t', { id: integer('id').primaryKey(), name: text('name') });"
		done
	} >"$p/schema.ts"
	local s=$(date +%s)
	while [[ $(date +%s) == "$s" ]]; do sleep 0.2; done
	(cd "$p" && ./node_modules/.bin/drizzle-kit generate --name="$name") >"$TMP/gen.log" 2>&1
	chmod -R a+rX "$p"
}
# folders PROJECT: the migration folders, by name
folders() { (cd "$TMP/$1/drizzle" && ls -d */ | tr -d / | paste -sd,); }

echo "1..21"
dropdbs
for d in "$DB" "$DB2" "$DB3" "$DB4" "$DB5" "$DB6"; do
	psql -X -q -d postgres -c "CREATE DATABASE $d" 2>"$TMP/err" && q "$d" "CREATE EXTENSION migrator"
done

# --- 1. drizzle-orm 1.0 applies two, adopt, migrator applies the third -----------------------
project a "$NPM1"
generate a init dz1_a
generate a second dz1_a dz1_b
F=$TMP/a/drizzle
cp "$TMP/gen.log" "$TMP/err"
ok_if "drizzle-kit 1.0 wrote two folders, each with migration.sql and snapshot.json, no meta/" eval '
	[[ $(folders a) =~ ^[0-9]{14}_init,[0-9]{14}_second$ ]] &&
	[[ -f $(ls -d "$F"/*_second)/migration.sql && -f $(ls -d "$F"/*_second)/snapshot.json && ! -e $F/meta ]]'
node "$TMP/a/migrate.mjs" "$DB" "$F" >"$TMP/err" 2>&1
ok_if "drizzle-orm 1.0 applied them, recording name, hash and created_at" same \
	"$(folders a)|dz1_a|dz1_b" "$(q "$DB" "SELECT string_agg(name, ',' ORDER BY id), to_regclass('dz1_a'),
		to_regclass('dz1_b') FROM drizzle.__drizzle_migrations")"
generate a third dz1_a dz1_b dz1_c
ok_if "status before adopt: drizzle-kit 1.0's folders, all pending" same "init|pending,second|pending,third|pending" \
	"$(states "$DB" "$F")"
ok_if "adopt adopts exactly init and second" same "init|adopted,second|adopted" \
	"$(q "$DB" "SELECT string_agg(name || '|' || action, ',') FROM migrator.adopt('$F')")"
ok_if "apply applies the third" same "third|applied" \
	"$(q "$DB" "SELECT string_agg(name || '|' || action, ',') FROM migrator.apply('$F')")"
q "$DB" "SELECT migrator.verify('$F')" >/dev/null && vrc=0 || vrc=$?
ok_if "verify passes; dz1_c exists" same "0|dz1_c" "$vrc|$(q "$DB" "SELECT to_regclass('dz1_c')")"

# --- 2. a branch migration ----------------------------------------------------------------------
project b "$NPM1"
generate b init dz2_a
# the branch: a copy of the folder that adds a table, generated first (the earlier timestamp)
cp -r "$TMP/b" "$TMP/branch"
generate branch tags dz2_a dz2_tags
# main: another table, generated later, and applied by migrator before the branch is merged
generate b posts dz2_a dz2_posts
F=$TMP/b/drizzle
q "$DB2" "SELECT count(*) FROM migrator.apply('$F')" >"$TMP/out"
tags=$(cd "$TMP/branch/drizzle" && ls -d *_tags)
cp -r "$TMP/branch/drizzle/$tags" "$F/"
chmod -R a+rX "$F"
ok_if "the branch's migration sorts before main's posts, its parent (prevIds) is init" eval '
	[[ $(folders b) =~ _init,[0-9]{14}_tags,[0-9]{14}_posts$ ]] &&
	grep -q "$(node -e "console.log(require(process.argv[1]).id)" "$(ls -d "$F"/*_init)/snapshot.json")" "$F/$tags/snapshot.json"'
ok_if "status: tags pending (its parent is applied), not out of order" same \
	"init|applied,tags|pending,posts|applied" "$(states "$DB2" "$F")"
# the client sends the snapshots too: the same status from a bundle of the local folder
"$("$PG_CONFIG" --bindir)/migrator" status "$F" "dbname=$DB2" >"$TMP/client.out" 2>"$TMP/err"
ok_if "the migrator client's status (a bundle with the snapshots) agrees" eval '
	grep -q "| tags  *| pending  *|" "$TMP/client.out" && ! grep -q "out of order" "$TMP/client.out"'
ok_if "apply applies it, as drizzle-orm 1.0 would" same "tags|applied" \
	"$(q "$DB2" "SELECT string_agg(name || '|' || action, ',') FROM migrator.apply('$F')")"
ok_if "the journal shows the order they ran in" same "init,posts,tags|dz2_tags" \
	"$(q "$DB2" "SELECT string_agg(name, ',' ORDER BY id), to_regclass('dz2_tags') FROM migrator.journal")"
# drizzle-orm 1.0 does the same on its own: the merged folder onto a database at init + posts
mkdir "$TMP/b_main" && cp -r "$F" "$TMP/b_main/" && rm -r "$TMP/b_main/drizzle/$tags"
node "$TMP/b/migrate.mjs" "$DB3" "$TMP/b_main/drizzle" >"$TMP/err" 2>&1
node "$TMP/b/migrate.mjs" "$DB3" "$F" >>"$TMP/err" 2>&1
ok_if "(drizzle-orm 1.0 applies the branch migration after posts too)" same "init,posts,tags" \
	"$(q "$DB3" "SELECT string_agg(split_part(name, '_', 2), ',' ORDER BY id) FROM drizzle.__drizzle_migrations")"
ok_if "adopt of drizzle-orm's history in that order, then verify" same "3|" \
	"$(q "$DB3" "SELECT count(*) FROM migrator.adopt('$F')")|$(q "$DB3" "SELECT migrator.verify('$F')")"

# --- 3. a 0.x folder migrator applied, then drizzle-kit up -------------------------------------
project c "$NPM0"
generate c init dz3_a
generate c second dz3_a dz3_b
F=$TMP/c/drizzle
cp "$TMP/gen.log" "$TMP/err"
ok_if "drizzle-kit 0.31 wrote a 0.x folder (meta/_journal.json)" eval '
	[[ -f $F/meta/_journal.json && -f $F/0000_init.sql && -f $F/0001_second.sql ]]'
q "$DB4" "SELECT count(*) FROM migrator.apply('$F')" >"$TMP/out"
for d in "$DB5" "$DB6"; do
	node "$TMP/c/migrate.mjs" "$d" "$F" >"$TMP/err" 2>&1
done
sums=$(cd "$F" && sha256sum 0000_init.sql 0001_second.sql | cut -c1-64 | paste -sd,)
rm "$TMP/c/node_modules" && ln -s "$NPM1/node_modules" "$TMP/c/node_modules"
(cd "$TMP/c" && ./node_modules/.bin/drizzle-kit up) >"$TMP/err" 2>&1
chmod -R a+rX "$F"
ok_if "drizzle-kit up rewrote it as 1.0 folders with the same SQL bytes, meta/ gone" eval '
	same "$sums" "$(cd "$F" && sha256sum */migration.sql | cut -c1-64 | paste -sd,)" && [[ ! -e $F/meta ]]'
ok_if "status: both applied, nothing pending or missing" same "init|applied,second|applied" \
	"$(states "$DB4" "$F")"
q "$DB4" "SELECT migrator.verify('$F')" >/dev/null && vrc=0 || vrc=$?
ok_if "verify is clean, apply runs nothing" same "0|0" "$vrc|$(q "$DB4" "SELECT count(*) FROM migrator.apply('$F')")"
ok_if "the journal rows were carried over to the 1.0 folder names" same "$(folders c)" \
	"$(q "$DB4" "SELECT string_agg(version, ',' ORDER BY version) FROM migrator.journal WHERE path LIKE '%/migration.sql' AND name IN ('init', 'second')")"

# --- 4. drizzle-orm 0.x's history, after drizzle-kit up ---------------------------------------
node "$TMP/a/migrate.mjs" "$DB5" "$F" >"$TMP/err" 2>&1
ok_if "drizzle-orm 1.0 upgraded the 0.x history in place: names filled in" same "$(folders c)" \
	"$(q "$DB5" "SELECT string_agg(name, ',' ORDER BY id) FROM drizzle.__drizzle_migrations")"
ok_if "adopt of the upgraded history adopts both, verify passes" same "init|adopted,second|adopted|" \
	"$(q "$DB5" "SELECT string_agg(name || '|' || action, ',') FROM migrator.adopt('$F')")|$(q "$DB5" "SELECT migrator.verify('$F')")"
ok_if "adopt of the 0.x history drizzle-orm 1.0 has not upgraded (created_at, then hash) adopts both" \
	same "init|adopted,second|adopted|" \
	"$(q "$DB6" "SELECT string_agg(name || '|' || action, ',') FROM migrator.adopt('$F')")|$(q "$DB6" "SELECT migrator.verify('$F')")"
