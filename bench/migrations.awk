# bench/migrations.awk -- one logical set of N schema migrations, written in each tool's own format.
# Used by bench/apply.sh:  awk -v n=1000 -v out=DIR -f bench/migrations.awk
#
# Deterministic.  Migrations come in cycles of five, each on the cycle's own table t<c>, about three
# statements each -- the mix a growing application's history shows:
#   1. create table   CREATE TABLE (identity key, text, smallint, timestamptz), an index, a comment
#   2. add column     three ALTER TABLE ... ADD COLUMN (one with a constant default)
#   3. create index   a unique index, a descending one, a partial one
#   4. foreign key    ADD COLUMN, ADD CONSTRAINT ... FOREIGN KEY to the previous cycle's table, its index
#   5. function       a PL/pgSQL trigger function and its trigger, an SQL function
# Written under OUT:
#   flyway/V<i>__<name>.sql                           migrator (it reads Flyway folders as they are)
#   psql/all.sql                                      every statement, for psql --single-transaction
#   psql/perfile.sql                                  BEGIN; <migration>; COMMIT; for each migration
#   dbmate/<00001>_<name>.sql                         -- migrate:up / -- migrate:down sections
#   drizzle/<0000>_<name>.sql + meta/_journal.json    --> statement-breakpoint between statements
#   pgmigrate/<00001>_<name>.sql                      node-pg-migrate: -- Up Migration / -- Down Migration
#   sqitch/sqitch.conf, sqitch.plan, deploy/<m00001_name>.sql   (BEGIN; ... COMMIT; as sqitch's template)
BEGIN {
	if (n < 1 || out == "")
		exit 2
	kinds[0] = "create_table"; kinds[1] = "add_columns"; kinds[2] = "create_indexes"
	kinds[3] = "add_foreign_key"; kinds[4] = "create_functions"
	all = out "/psql/all.sql"
	perfile = out "/psql/perfile.sql"
	journal = out "/drizzle/meta/_journal.json"
	plan = out "/sqitch/sqitch.plan"
	printf "%%syntax-version=1.0.0\n%%project=migrator_bench\n\n" > plan
	printf "{\n  \"version\": \"7\",\n  \"dialect\": \"postgresql\",\n  \"entries\": [\n" > journal
	printf "[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n\ttop_dir = .\n" > (out "/sqitch/sqitch.conf")
	close(out "/sqitch/sqitch.conf")
	for (i = 1; i <= n; i++) {
		k = (i - 1) % 5
		c = int((i - 1) / 5)
		t = "t" c
		name = kinds[k] "_" t
		nst = statements(k, c, t)
		body = ""
		brk = ""
		for (s = 1; s <= nst; s++) {
			body = body st[s] "\n"
			brk = brk (s > 1 ? "--> statement-breakpoint\n" : "") st[s] "\n"
		}

		emit(out "/flyway/V" i "__" name ".sql", body)
		printf "%s", body > all
		printf "BEGIN;\n%sCOMMIT;\n", body > perfile
		emit(out "/dbmate/" sprintf("%05d", i) "_" name ".sql", "-- migrate:up\n" body "\n-- migrate:down\n")
		tag = sprintf("%04d", i - 1) "_" name
		emit(out "/drizzle/" tag ".sql", brk)
		printf "    {\n      \"idx\": %d,\n      \"version\": \"7\",\n      \"when\": %.0f,\n      \"tag\": \"%s\",\n      \"breakpoints\": true\n    }%s\n",
			i - 1, 1700000000000 + i * 1000, tag, (i < n ? "," : "") > journal
		emit(out "/pgmigrate/" sprintf("%05d", i) "_" name ".sql", "-- Up Migration\n" body "\n-- Down Migration\n")
		change = sprintf("m%05d", i) "_" name
		emit(out "/sqitch/deploy/" change ".sql", "BEGIN;\n\n" body "\nCOMMIT;\n")
		printf "%s 2024-01-01T00:00:00Z Bench <bench@example.com> # %s\n", change, name > plan
	}
	printf "  ]\n}\n" > journal
}

function emit(path, text) {
	printf "%s", text > path
	close(path)
}

# the statements of migration kind k on cycle c's table t, into st[]; returns their count
function statements(k, c, t,    p) {
	if (k == 0) {
		st[1] = "CREATE TABLE " t " (\n\tid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n\tname text NOT NULL,\n\tstatus smallint NOT NULL DEFAULT 0,\n\tcreated_at timestamptz NOT NULL DEFAULT now()\n);"
		st[2] = "CREATE INDEX " t "_created_at_idx ON " t " (created_at);"
		st[3] = "COMMENT ON TABLE " t " IS 'table " c " of the benchmark';"
		return 3
	}
	if (k == 1) {
		st[1] = "ALTER TABLE " t " ADD COLUMN email text;"
		st[2] = "ALTER TABLE " t " ADD COLUMN score integer NOT NULL DEFAULT 0;"
		st[3] = "ALTER TABLE " t " ADD COLUMN updated_at timestamptz;"
		return 3
	}
	if (k == 2) {
		st[1] = "CREATE UNIQUE INDEX " t "_email_key ON " t " (email);"
		st[2] = "CREATE INDEX " t "_score_idx ON " t " (score DESC);"
		st[3] = "CREATE INDEX " t "_status_idx ON " t " (status) WHERE status <> 0;"
		return 3
	}
	if (k == 3) {
		p = c > 0 ? "t" (c - 1) : t
		st[1] = "ALTER TABLE " t " ADD COLUMN parent_id bigint;"
		st[2] = "ALTER TABLE " t " ADD CONSTRAINT " t "_parent_fk FOREIGN KEY (parent_id) REFERENCES " p " (id);"
		st[3] = "CREATE INDEX " t "_parent_idx ON " t " (parent_id);"
		return 3
	}
	st[1] = "CREATE FUNCTION " t "_touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n\tNEW.updated_at := now();\n\tRETURN NEW;\nEND\n$$;"
	st[2] = "CREATE TRIGGER " t "_touch BEFORE UPDATE ON " t " FOR EACH ROW EXECUTE FUNCTION " t "_touch();"
	st[3] = "CREATE FUNCTION " t "_score(p_id bigint) RETURNS integer LANGUAGE sql STABLE AS $$ SELECT score FROM " t " WHERE id = p_id $$;"
	return 3
}
