#!/usr/bin/env bash
# Online runs (issue 21).  A Prisma-style folder (test/fixtures/online) adds to a table that holds
# rows an index, an unnamed index, a foreign key, an unnamed check, NOT NULL, a primary key, a
# unique constraint, a unique index and drops an index; a table it creates itself takes its
# statements as written.
#  - the schema (pg_dump -s) and the journal (version, checksum, statements) of a run with
#    migrate(..., online => true) equal those of a plain run, and nothing is left in
#    migrator.online_progress;
#  - the locks: while the online form builds an index or validates a constraint, another session
#    writes the table; pg_locks, polled, shows the migration holding SHARE UPDATE EXCLUSIVE and
#    nothing stronger (the plain run's ShareLock request is seen the same way, so the check can
#    tell);
#  - a statement that would rewrite a table above migrator.online_rewrite_max stops the migration
#    before anything of it runs, naming the file, the line, the table's size and migrator.expand;
#    below it, or with "-- migrator:online=off", it runs as written;
#  - explain(): the lock, table, size, scan, online form and lint finding of each pending
#    statement; the client's explain and migrate --online.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/.cluster/env"
BIN=$("$PG_CONFIG" --bindir)/migrator
FIX=$ROOT/test/fixtures/online
TMP=$(mktemp -d)
chmod 755 "$TMP"
PLAN=33
DBS="migrator_online_plain migrator_online_on migrator_online_locks migrator_online_rw"
trap 'rm -rf "$TMP"; for d in $DBS; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" 2>/dev/null; done' EXIT
# shellcheck source=test/tap/lib.sh
. "$ROOT/test/tap/lib.sh"
echo "1..$PLAN"

fresh() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null 2>&1
	psql -X -q -d "$1" -c "CREATE EXTENSION migrator" >/dev/null 2>&1
}
# seed: the first migration, then rows in its tables
seed() {
	q -c "SET migrator.lint = off" -c "CALL migrator.migrate('$FIX', '20240101000000_init')" 2>/dev/null
	q -c "INSERT INTO author SELECT g, 'a' || g FROM generate_series(1, 100) g" \
		-c "INSERT INTO book SELECT g, 't' || g, 'i' || g, 1 + g % 100, g FROM generate_series(1, 5000) g"
}
dump() { pg_dump -s --no-owner --no-privileges -N migrator "$1" | sed -e '/^--/d' -e '/^$/d' -e '/^\\\(un\)\?restrict /d'; }
journal() { psql -X -At -d "$1" -c "SELECT version, checksum, statements FROM migrator.journal ORDER BY id"; }
# is DESCRIPTION GOT WANT
is() {
	n=$((n + 1))
	if [[ $2 == "$3" ]]; then echo "ok $n - $1"; else
		echo "not ok $n - $1"
		printf '#   got:  %s\n#   want: %s\n' "$2" "$3"
	fi
}
ex() { q -c "SELECT $1 FROM migrator.explain('$FIX') WHERE line = $2"; }

# --- the same schema and journal both ways ----------------------------------------------------
db=migrator_online_plain
fresh $db
seed
q -c "SET migrator.lint = off" -c "CALL migrator.migrate('$FIX')" 2>"$TMP/plain.err"
db=migrator_online_on
fresh $db
seed
is "explain: CREATE INDEX on the table with rows takes SHARE, scans it, and runs CONCURRENTLY online" \
	"$(ex "concat_ws('|', lock, relation, bytes > 0, effect, online)" 2)" \
	'ShareLock|book|t|scan|CREATE INDEX CONCURRENTLY "book_title_idx" ON "book"("title")  -- outside a transaction'
is "explain: the unnamed index gets the name PostgreSQL would give it" \
	"$(ex online 5)" 'CREATE INDEX CONCURRENTLY book_pages_idx ON "book"("pages")  -- outside a transaction'
is "explain: the foreign key is added NOT VALID, then validated in a transaction of its own" \
	"$(ex online 8 | tail -2 | tr '\n' ' ')" 'NOT VALID ALTER TABLE public.book VALIDATE CONSTRAINT "book_authorId_fkey" '
is "explain: ... with the lint's finding" "$(ex "split_part(lint, ':', 1)" 8)" "constraint-missing-not-valid"
is "explain: the primary key through a unique index built concurrently" \
	"$(ex online 17 | tr '\n' ' ')" \
	'CREATE UNIQUE INDEX CONCURRENTLY book_pkey ON public.book (id)  -- outside a transaction ALTER TABLE public.book ADD CONSTRAINT book_pkey PRIMARY KEY USING INDEX book_pkey '
if (($(q -c "SHOW server_version_num") >= 180000)); then
	is "explain: SET NOT NULL through 18's NOT NULL ... NOT VALID, named as SET NOT NULL names it" \
		"$(ex online 14 | head -1)" 'ALTER TABLE public.book ADD CONSTRAINT book_title_not_null NOT NULL title NOT VALID'
else
	is "explain: SET NOT NULL through a validated check of a generated name" \
		"$(ex online 14 | head -1)" 'ALTER TABLE public.book ADD CONSTRAINT book_title_migrator_not_null CHECK (title IS NOT NULL) NOT VALID'
fi
is "explain: statements on the table the folder creates run as written, with no size" \
	"$(q -c "SELECT string_agg(concat_ws('|', online, bytes), ',') FROM migrator.explain('$FIX') WHERE line >= 30")" \
	"as written (a table the run creates),as written (a table the run creates)"
is "explain runs nothing" "$(q -c "SELECT count(*), to_regclass('book_title_idx') FROM migrator.journal")" "1|"
q -c "SET migrator.lint = off" -c "CALL migrator.migrate('$FIX', online => true)" 2>"$TMP/online.err"
is "the online run applied the folder" "$(q -c "SELECT count(*) FROM migrator.journal")" 2
dump migrator_online_plain >"$TMP/plain.sql"
dump migrator_online_on >"$TMP/online.sql"
is "the same schema as the plain run (pg_dump -s)" "$(diff "$TMP/plain.sql" "$TMP/online.sql" | head -5)" ""
is "... which has every object of the folder" "$(grep -o -e 'book_pkey' -e 'book_isbn_key' -e 'book_pages_check' -e 'book_authorId_fkey' -e 'book_pages_idx' -e 'book_title_isbn_key' "$TMP/online.sql" | sort -u | wc -l)" 6
is "the same journal: versions, checksums, statement counts" "$(journal migrator_online_on)" "$(journal migrator_online_plain)"
is "no progress row left, no invalid index, no migrator check left" \
	"$(q -c "SELECT (SELECT count(*) FROM migrator.online_progress) + (SELECT count(*) FROM pg_index WHERE NOT indisvalid) + (SELECT count(*) FROM pg_constraint WHERE conname LIKE '%migrator%')")" 0

# --- the locks the online forms take ----------------------------------------------------------
db=migrator_online_locks
# wait_for SQL: poll until SQL returns t (at most 60 s)
wait_for() { for _ in $(seq 1 1200); do [[ $(q -c "$1") == t ]] && return 0; sleep 0.05; done; return 1; }
# the lock modes above ACCESS SHARE the migration (application_name online_mig, or its worker) holds or awaits on book
modes() {
	q -c "SELECT coalesce(string_agg(DISTINCT l.mode || CASE WHEN l.granted THEN '' ELSE '(waiting)' END, ','), '')
		FROM pg_locks l JOIN pg_stat_activity a USING (pid)
		WHERE l.relation = 'book'::regclass AND l.mode <> 'AccessShareLock'
		  AND (a.application_name = 'online_mig' OR a.backend_type = 'migrator statement')"
}
# onefile SQL: a folder of the first migration and one of SQL; a fresh seeded database
onefile() {
	local dir=$TMP/lock$((++folders))
	mkdir -p "$dir/20240101000000_init" "$dir/20240102000000_x"
	cp "$FIX/20240101000000_init/migration.sql" "$dir/20240101000000_init/"
	printf '%s\n' "$1" >"$dir/20240102000000_x/migration.sql"
	chmod -R a+rX "$dir"
	fresh $db
	seed
	dir_=$dir
}
folders=0
# hold SQL: a session (application_name holder) that runs SQL and stays open until release
hold() {
	coproc HOLDER { PGAPPNAME=holder psql -X -q -At -d "$db" 2>&1; }
	echo "$1" >&"${HOLDER[1]}"
}
release() { echo "$1" >&"${HOLDER[1]}"; exec {HOLDER[1]}>&-; wait "$HOLDER_PID" 2>/dev/null; }

# 1. CREATE INDEX: the holder keeps a write open, so the build waits for it; meanwhile another session writes
onefile 'CREATE INDEX "book_title_idx" ON "book"("title");'
hold "BEGIN; INSERT INTO book VALUES (-1, 'h');"
wait_for "SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'holder' AND l.relation = 'book'::regclass AND l.mode = 'RowExclusiveLock')"
PGAPPNAME=online_mig psql -X -q -d $db -c "SET migrator.lint = off" -c "CALL migrator.migrate('$dir_', online => true)" >"$TMP/mig.log" 2>&1 &
mig=$!
wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'migrator statement' AND wait_event_type = 'Lock')"
is "online CREATE INDEX: the build holds SHARE UPDATE EXCLUSIVE on book, nothing stronger" "$(modes)" ShareUpdateExclusiveLock
is "... and another session writes book meanwhile" \
	"$(q -c "SET lock_timeout = '30s'" -c "INSERT INTO book VALUES (-2, 'w') RETURNING id")" -2
release "COMMIT;"
wait $mig
is "... and the index is built once the holder commits" \
	"$(q -c "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('book_title_idx')")" t
# the same plain: the check above sees the SHARE lock the plain CREATE INDEX waits for
onefile 'CREATE INDEX "book_title_idx" ON "book"("title");'
hold "BEGIN; INSERT INTO book VALUES (-1, 'h');"
wait_for "SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'holder' AND l.relation = 'book'::regclass AND l.mode = 'RowExclusiveLock')"
PGAPPNAME=online_mig psql -X -q -d $db -c "SET migrator.lint = off" -c "SET migrator.lock_timeout = '60s'" -c "CALL migrator.migrate('$dir_')" >"$TMP/mig.log" 2>&1 &
mig=$!
wait_for "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'book'::regclass AND NOT granted)"
is "plain CREATE INDEX, for contrast: it waits for SHARE, which would queue every writer" "$(modes)" "ShareLock(waiting)"
release "COMMIT;"
wait $mig

# 2. VALIDATE: the check waits on row 2500 for the holder's advisory lock: the validation is held, not timed
onefile 'ALTER TABLE "book" ADD CONSTRAINT "book_held_check" CHECK (public.held("pages"));'
q -c "CREATE FUNCTION public.held(int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS \$\$ BEGIN IF \$1 = 2500 THEN PERFORM pg_advisory_lock(42); PERFORM pg_advisory_unlock(42); END IF; RETURN \$1 <> 0; END \$\$"
hold "SELECT pg_advisory_lock(42);"
wait_for "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND objid = 42 AND granted)"
PGAPPNAME=online_mig psql -X -q -d $db -c "SET migrator.lint = off" -c "CALL migrator.migrate('$dir_', online => true)" >"$TMP/mig.log" 2>&1 &
mig=$!
wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'online_mig' AND wait_event = 'advisory')"
is "online ADD CHECK: the validation holds SHARE UPDATE EXCLUSIVE on book, nothing stronger" "$(modes)" ShareUpdateExclusiveLock
is "... the constraint is there, NOT VALID, while it validates" \
	"$(q -c "SELECT convalidated FROM pg_constraint WHERE conname = 'book_held_check'")" f
is "... and another session writes book meanwhile" \
	"$(q -c "SET lock_timeout = '30s'" -c "INSERT INTO book VALUES (-2, 'w', NULL, NULL, 7) RETURNING id")" -2
release "SELECT pg_advisory_unlock(42);"
wait $mig
is "... and the constraint ends validated" \
	"$(q -c "SELECT convalidated FROM pg_constraint WHERE conname = 'book_held_check'")" t

# --- a rewrite above migrator.online_rewrite_max ---------------------------------------------
db=migrator_online_rw
rw=$TMP/rewrite
mkdir -p "$rw/20240101000000_init" "$rw/20240102000000_widen"
cp "$FIX/20240101000000_init/migration.sql" "$rw/20240101000000_init/"
printf -- '-- an index first: nothing of the file may run before the refusal\nCREATE INDEX "book_isbn_idx" ON "book"("isbn");\n\nALTER TABLE "book" ALTER COLUMN "pages" SET DATA TYPE BIGINT;\n' \
	>"$rw/20240102000000_widen/migration.sql"
chmod -R a+rX "$rw"
fresh $db
seed
pages_type() { q -c "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'book'::regclass AND attname = 'pages'"; }
q -c "SET migrator.lint = off" -c "SET migrator.online_rewrite_max = '64kB'" -c "CALL migrator.migrate('$rw', online => true)" >"$TMP/rw.log" 2>&1
is "refused: the error names the file, the line and the table's size" \
	"$(grep -c 'ERROR:  migration "20240102000000_widen/migration.sql", line 4, rewrites table "book" ([0-9]* kB, [^)]*rows[^)]*) in an online run' "$TMP/rw.log")" 1
is "... the statement and why, and the expand/backfill/contract operations" \
	"$(grep -c -e 'DETAIL:  the type change of column "pages" is not binary-coercible; the table is larger than migrator.online_rewrite_max (64 kB). The statement: ALTER TABLE "book" ALTER COLUMN "pages" SET DATA TYPE BIGINT. Nothing of the migration ran.' -e 'HINT:  Make the same change online with migrator.expand (alter_column' "$TMP/rw.log")" 2
is "... and nothing of the migration ran" \
	"$(q -c "SELECT count(*), to_regclass('book_isbn_idx') FROM migrator.journal")|$(pages_type)" "1||integer"
is "... and the failure is in the event log" \
	"$(q -c "SELECT count(*) FROM migrator.events WHERE outcome = 'failure' AND message LIKE '%rewrites table \"book\"%'")" 1
q -c "SET migrator.lint = off" -c "CALL migrator.migrate('$rw', online => true)" >"$TMP/rw1.log" 2>&1
is "below migrator.online_rewrite_max it runs as written" "$(pages_type)" bigint
fresh $db
seed
sed -i '1i -- migrator:online=off' "$rw/20240102000000_widen/migration.sql"
q -c "SET migrator.lint = off" -c "SET migrator.online_rewrite_max = '64kB'" -c "SET migrator.online = on" -c "CALL migrator.migrate('$rw')" >"$TMP/rw2.log" 2>&1
is "a file marked -- migrator:online=off runs as written under migrator.online = on" "$(pages_type)" bigint

# --- resuming a statement begun online, at the step its progress row names --------------------
db=migrator_online_rw
# resume_case SQL STMT STEP NAME SETUP: a folder of the first migration and SQL; SETUP done by hand
# as an interrupted online run would have left it, with its progress row; then migrate again
resume_case() {
	onefile "$1"
	q -c "$5"
	q -c "INSERT INTO migrator.online_progress (path, checksum, stmt, step, online, name)
		VALUES ('20240102000000_x/migration.sql', '$(sha256sum "$dir_/20240102000000_x/migration.sql" | cut -c1-64)', $2, $3, true, $4)"
	q -c "SET migrator.lint = off" -c "CALL migrator.migrate('$dir_')" >"$TMP/resume.log" 2>&1
}
resume_case 'ALTER TABLE "book" ALTER COLUMN "title" SET NOT NULL;' 0 2 "'book_title_tmp'" \
	"ALTER TABLE book ADD CONSTRAINT book_title_tmp CHECK (title IS NOT NULL) NOT VALID; ALTER TABLE book VALIDATE CONSTRAINT book_title_tmp"
if (($(q -c "SHOW server_version_num") < 180000)); then
	is "SET NOT NULL resumed after its check was validated: NOT NULL, the check dropped, recorded" \
		"$(q -c "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'book'::regclass AND attname = 'title'")|$(q -c "SELECT count(*) FROM pg_constraint WHERE conname = 'book_title_tmp'")|$(q -c "SELECT count(*) FROM migrator.journal")|$(q -c "SELECT count(*) FROM migrator.online_progress")" \
		"t|0|2|0"
else
	is "SET NOT NULL resumed (18: the validated constraint is the NOT NULL), recorded" \
		"$(q -c "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'book'::regclass AND attname = 'title'")|$(q -c "SELECT count(*) FROM migrator.journal")|$(q -c "SELECT count(*) FROM migrator.online_progress")" \
		"t|2|0"
fi
resume_case 'DROP INDEX "book_isbn_idx";' 0 0 NULL "SET client_min_messages = warning"
is "DROP INDEX resumed after its concurrent drop had finished: recorded, no error" \
	"$(q -c "SELECT count(*) FROM migrator.journal")|$(q -c "SELECT count(*) FROM migrator.online_progress")|$(grep -c ERROR "$TMP/resume.log")" "2|0|0"
resume_case 'CREATE UNIQUE INDEX "book_isbn_key" ON "book"("isbn");' 0 0 NULL \
	"CREATE UNIQUE INDEX book_isbn_key ON book (isbn)"
is "CREATE UNIQUE INDEX resumed after its build had finished: the index kept, recorded" \
	"$(q -c "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('book_isbn_key')")|$(q -c "SELECT count(*) FROM migrator.journal")|$(grep -c 'is already built' "$TMP/resume.log")" "t|2|1"

# --- the client -------------------------------------------------------------------------------
fresh $db
seed
"$BIN" explain "$FIX" "dbname=$db" >"$TMP/explain.out" 2>&1
is "client: explain prints each statement's lock and online form" \
	"$(grep -c -e 'ShareLock' -e 'CREATE INDEX CONCURRENTLY book_pages_idx' "$TMP/explain.out")" 4
PGOPTIONS="-c migrator.lint=off" "$BIN" migrate --online "$FIX" "dbname=$db" >"$TMP/client.out" 2>&1
dump $db >"$TMP/client.sql"
is "client: migrate --online ends in the plain run's schema" "$(diff "$TMP/plain.sql" "$TMP/client.sql" | head -3)" ""
rc=0
"$BIN" explain --online "$FIX" "dbname=$db" >/dev/null 2>&1 || rc=$?
is "client: --online applies to migrate only" "$rc" 2
