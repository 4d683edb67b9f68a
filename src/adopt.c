/*-------------------------------------------------------------------------
 *
 * adopt.c
 *	  Taking over a database: baseline() and adopt().
 *
 *	  baseline() records every migration of a folder up to a version as
 *	  applied, without running it.  adopt() imports the history of the tool
 *	  the team used before, read from that tool's own table in this
 *	  database: drizzle-kit's drizzle.__drizzle_migrations (0.x: matched by
 *	  the journal's "when", then the SHA-256 of the file; 1.0: by folder
 *	  name, as drizzle-orm 1.0 does, hashes compared), Prisma's _prisma_migrations (finished, not rolled
 *	  back; checksums compared), Flyway's flyway_schema_history (successful
 *	  rows, baselines included), golang-migrate's schema_migrations (refused
 *	  when dirty), dbmate's schema_migrations, Sqitch's sqitch.changes (by
 *	  change id, script hashes compared) and graphile-migrate's
 *	  graphile_migrate.migrations (hashes compared).  One reader per tool,
 *	  behind the table of histories.  Afterwards apply() runs exactly what
 *	  the old tool had not, and verify() passes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "migrator.h"

PG_FUNCTION_INFO_V1(migrator_baseline);
PG_FUNCTION_INFO_V1(migrator_adopt);

/* record pending migrations of the plan marked in take[], as origin */
static int
record_taken(ReturnSetInfo *rsinfo, RunPlan *plan, const bool *take,
			 const char *origin, const char *action)
{
	int			n = 0;

	for (int i = 0; i < plan->set->count; i++)
	{
		PlanEntry  *e = &plan->entries[i];

		if (!take[i] || e->state != STATE_PENDING)
			continue;
		journal_record_origin(e->migration, 0, 0, origin);
		migrator_put_row(rsinfo, e->migration, action, 0, false);
		n++;
	}
	return n;
}

static RunPlan *
locked_plan(const MigrationSource *src, const char *action)
{
	MigrationSet *set = source_read(src);
	RunPlan    *plan;

	journal_lock();
	plan = plan_build(set);
	plan_check(plan, action);
	plan_carry_over(plan, src->dir);
	return plan;
}

/*
 * migrator.baseline(dir, version): migrations up to version are recorded
 * as applied (origin 'baseline') without running them.
 */
Datum
migrator_baseline(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MigrationSource *src;
	char	   *version;
	RunPlan    *plan;
	bool	   *take;
	int			last;
	int			n;

	src = migrator_source_arg(fcinfo, 0);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("baseline needs a version")));
	version = text_to_cstring(PG_GETARG_TEXT_PP(1));
	migrator_check_isolation();
	InitMaterializedSRF(fcinfo, 0);

	plan = locked_plan(src, "baseline");
	last = plan_find_target(plan, version);
	take = palloc0(sizeof(bool) * Max(plan->set->count, 1));
	for (int i = 0; i <= last; i++)
		take[i] = plan->set->items[i]->kind == MIGRATION_VERSIONED;

	migrator_spi_connect(0);
	n = record_taken(rsinfo, plan, take, "baseline", "baselined");
	journal_log_event("baseline", src->dir, NULL, true, NULL,
					  migrator_summary("baselined", n), NULL, NULL);
	SPI_finish();
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * The peers' history tables
 * ---------------------------------------------------------------------
 */

typedef struct History History;

/* a tool's reader: marks take[] from its rows, collecting what does not match */
typedef void (*HistoryReader) (const History *h, RunPlan *plan, bool *take,
							   StringInfo problems, int *nproblems);

struct History
{
	const char *tool;
	const char *table;			/* to_regclass() text */
	HistoryReader read;
};

static bool
relation_exists(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	bool		isnull;

	values[0] = CStringGetTextDatum(name);
	if (SPI_execute_with_args("SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1, types, values,
							  NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look for %s", name);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

static int
find_version(RunPlan *plan, const char *version)
{
	for (int i = 0; i < plan->set->count; i++)
	{
		Migration  *m = plan->set->items[i];

		if (m->kind == MIGRATION_VERSIONED &&
			layout_compare_versions(plan->set->layout, m->version, version) == 0)
			return i;
	}
	return -1;
}

static void
history_mismatch(const History *h, StringInfo problems, int n)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("%s's history in %s does not match the migration folder: %d problem%s",
					h->tool, h->table, n, n == 1 ? "" : "s"),
			 errdetail_internal("%s", problems->data),
			 errhint("Nothing was adopted. Restore the files as the old tool applied them, then adopt again.")));
}

static void
problem(StringInfo s, int *n, const char *fmt, const char *a, const char *b)
{
	if (*n < 50)
		appendStringInfo(s, "%s", s->len ? "\n" : "");
	if (*n < 50)
		appendStringInfo(s, fmt, a, b);
	(*n)++;
}

/* one query of a reader; its rows in SPI_tuptable */
static void
history_query(const History *h, const char *sql)
{
	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s", h->table);
}

/* does the history table have this column (drizzle's name, golang's dirty)? */
static bool
history_has_column(const char *table, const char *column)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	bool		isnull;

	values[0] = CStringGetTextDatum(table);
	values[1] = CStringGetTextDatum(column);
	if (SPI_execute_with_args("SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute "
							  "WHERE attrelid OPERATOR(pg_catalog.=) $1::pg_catalog.regclass "
							  "AND attname OPERATOR(pg_catalog.=) $2 AND NOT attisdropped)",
							  2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s", table);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * drizzle-kit: the file a history row stands for -- the one whose journal
 * "when" is the row's created_at, else the first file not taken yet with
 * the row's hash; -1 if none.
 */
static int
drizzle_row_file(RunPlan *plan, const bool *take, const char *hash, int64 when)
{
	for (int i = 0; i < plan->set->count; i++)
		if (when >= 0 && plan->set->items[i]->journal_when == when)
			return i;
	for (int i = 0; i < plan->set->count; i++)
		if (!take[i] && hash && strcmp(plan->set->items[i]->checksum, hash) == 0)
			return i;
	return -1;
}

/*
 * drizzle-orm 1.0's rule for a row without a name (a 0.x row it has not
 * upgraded yet): the folder whose timestamp is created_at rounded down to
 * the second -- the one with the row's hash when several share it -- else a
 * folder with the row's hash; -1 if none.
 */
static int
drizzle1_unnamed_row_file(RunPlan *plan, const bool *take, const char *hash,
						  int64 when)
{
	int			found = -1;
	int			nsame = 0;

	for (int i = 0; when >= 0 && i < plan->set->count; i++)
	{
		if (drizzle1_folder_millis(plan->set->items[i]->version) != when - when % 1000)
			continue;
		if (nsame++ == 0)
			found = i;
		else if (hash && strcmp(plan->set->items[i]->checksum, hash) == 0)
			found = i;
	}
	if (nsame > 1 && (hash == NULL || strcmp(plan->set->items[found]->checksum, hash) != 0))
		found = -1;
	if (nsame > 0 && found >= 0)
		return found;
	for (int i = 0; i < plan->set->count; i++)
		if (!take[i] && hash && strcmp(plan->set->items[i]->checksum, hash) == 0)
			return i;
	return -1;
}

/*
 * drizzle-kit 1.0: drizzle-orm 1.0 decides by name (the folder name);
 * rows of a 0.x table it has not upgraded have none and are matched as it
 * would match them.  Hashes are compared either way.
 */
static void
read_drizzle1_history(const History *h, RunPlan *plan, bool *take,
					  StringInfo problems, int *nproblems)
{
	TupleDesc	desc;
	bool		isnull;

	history_query(h, history_has_column("drizzle.__drizzle_migrations", "name") ?
				  "SELECT hash, created_at::pg_catalog.int8, name FROM drizzle.__drizzle_migrations ORDER BY id" :
				  "SELECT hash, created_at::pg_catalog.int8, NULL::pg_catalog.text FROM drizzle.__drizzle_migrations ORDER BY id");
	desc = SPI_tuptable->tupdesc;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		char	   *hash = SPI_getvalue(SPI_tuptable->vals[r], desc, 1);
		Datum		when = SPI_getbinval(SPI_tuptable->vals[r], desc, 2, &isnull);
		char	   *name = SPI_getvalue(SPI_tuptable->vals[r], desc, 3);
		int			i;

		if (name)
			i = find_version(plan, name);
		else
			i = drizzle1_unnamed_row_file(plan, take, hash, isnull ? -1 : DatumGetInt64(when));
		if (i < 0 && name)
			problem(problems, nproblems, "%s%s: applied, but the folder has no such migration", name, "");
		else if (i < 0)
			problem(problems, nproblems, "applied migration with hash %.12s%s matches no folder",
					hash ? hash : "(null)", "…");
		else if (hash == NULL || strcmp(plan->set->items[i]->checksum, hash) != 0)
			problem(problems, nproblems, "%s%s: modified since drizzle-kit applied it (hashes differ)",
					plan->set->items[i]->path, "");
		else
			take[i] = true;
	}
}

/*
 * drizzle-kit 0.x: each row is one migration: drizzle records the journal
 * entry's "when" as created_at (that is how it decides what is applied)
 * and the file's SHA-256 as hash.  Two files may have the same contents
 * (drizzle-kit generate --custom), so a row matches one file only.
 */
static void
read_drizzle_history(const History *h, RunPlan *plan, bool *take,
					 StringInfo problems, int *nproblems)
{
	TupleDesc	desc;

	if (plan->set->layout == LAYOUT_DRIZZLE1)
	{
		read_drizzle1_history(h, plan, take, problems, nproblems);
		return;
	}
	history_query(h, "SELECT hash, created_at::pg_catalog.int8 FROM drizzle.__drizzle_migrations ORDER BY id");
	desc = SPI_tuptable->tupdesc;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		char	   *hash = SPI_getvalue(SPI_tuptable->vals[r], desc, 1);
		bool		isnull;
		Datum		when = SPI_getbinval(SPI_tuptable->vals[r], desc, 2, &isnull);
		int			i = drizzle_row_file(plan, take, hash, isnull ? -1 : DatumGetInt64(when));

		if (i < 0)
			problem(problems, nproblems, "applied migration with hash %.12s%s matches no file",
					hash ? hash : "(null)", "…");
		else if (hash == NULL || strcmp(plan->set->items[i]->checksum, hash) != 0)
			problem(problems, nproblems, "%s%s: modified since drizzle-kit applied it (hashes differ)",
					plan->set->items[i]->path, "");
		else
			take[i] = true;
	}
}

/* Prisma: finished, not rolled back rows; checksums compared */
static void
read_prisma_history(const History *h, RunPlan *plan, bool *take,
					StringInfo problems, int *nproblems)
{
	TupleDesc	desc;

	history_query(h, "SELECT migration_name, checksum FROM _prisma_migrations "
				  "WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name");
	desc = SPI_tuptable->tupdesc;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		char	   *name = SPI_getvalue(SPI_tuptable->vals[r], desc, 1);
		char	   *checksum = SPI_getvalue(SPI_tuptable->vals[r], desc, 2);
		int			i = find_version(plan, name);

		if (i < 0)
			problem(problems, nproblems, "%s%s: applied, but the folder has no such migration", name, "");
		else if (checksum && strcmp(checksum, plan->set->items[i]->checksum) != 0)
			problem(problems, nproblems, "%s%s: modified since Prisma applied it (checksums differ)",
					plan->set->items[i]->path, "");
		else
			take[i] = true;
	}
}

/* Flyway: successful rows; its own BASELINE row counts for every version up to it */
static void
read_flyway_history(const History *h, RunPlan *plan, bool *take,
					StringInfo problems, int *nproblems)
{
	TupleDesc	desc;

	history_query(h, "SELECT version, type, script FROM flyway_schema_history WHERE success "
				  "ORDER BY installed_rank");
	desc = SPI_tuptable->tupdesc;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		char	   *version = SPI_getvalue(SPI_tuptable->vals[r], desc, 1);
		char	   *type = SPI_getvalue(SPI_tuptable->vals[r], desc, 2);
		char	   *script = SPI_getvalue(SPI_tuptable->vals[r], desc, 3);
		int			i;

		if (version == NULL)
		{
			/* a repeatable one: by its script's file name */
			for (i = 0; i < plan->set->count; i++)
				if (script && strcmp(plan->set->items[i]->path, script) == 0)
					take[i] = true;
			continue;
		}
		if (type && strcmp(type, "BASELINE") == 0)
		{
			/* Flyway's own baseline: everything up to it counts as applied */
			for (i = 0; i < plan->set->count; i++)
				if (plan->set->items[i]->kind == MIGRATION_VERSIONED &&
					layout_compare_versions(plan->set->layout, plan->set->items[i]->version, version) <= 0)
					take[i] = true;
			continue;
		}
		i = find_version(plan, version);
		if (i < 0)
			problem(problems, nproblems, "version %s%s: applied, but the folder has no such migration",
					version, "");
		else
			take[i] = true;
	}
}

/* golang-migrate: one row, the version reached; refused while dirty */
static void
read_golang_history(const History *h, RunPlan *plan, bool *take,
					StringInfo problems, int *nproblems)
{
	TupleDesc	desc;
	char	   *version;
	bool		dirty;
	bool		isnull;

	history_query(h, "SELECT version::pg_catalog.text, dirty FROM schema_migrations");
	if (SPI_processed == 0)
		return;
	desc = SPI_tuptable->tupdesc;
	version = SPI_getvalue(SPI_tuptable->vals[0], desc, 1);
	dirty = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], desc, 2, &isnull));
	if (dirty)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("golang-migrate left this database dirty at version %s", version),
				 errdetail("A migration failed half-way; its changes may be partly applied."),
				 errhint("Repair the schema by hand, then mark it clean (migrate force %s) and adopt again.",
						 version)));
	if (find_version(plan, version) < 0)
		problem(problems, nproblems, "version %s%s: applied, but the folder has no such migration", version, "");
	for (int i = 0; i < plan->set->count; i++)
		if (layout_compare_versions(plan->set->layout, plan->set->items[i]->version, version) <= 0)
			take[i] = true;
}

/* dbmate: one row per applied version */
static void
read_dbmate_history(const History *h, RunPlan *plan, bool *take,
					StringInfo problems, int *nproblems)
{
	TupleDesc	desc;

	history_query(h, "SELECT version::pg_catalog.text FROM schema_migrations ORDER BY 1");
	desc = SPI_tuptable->tupdesc;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		char	   *version = SPI_getvalue(SPI_tuptable->vals[r], desc, 1);
		int			i = find_version(plan, version);

		if (i < 0)
			problem(problems, nproblems, "version %s%s: applied, but the folder has no such migration",
					version, "");
		else
			take[i] = true;
	}
}

/*
 * Sqitch: the project's rows of sqitch.changes, matched by change id (as
 * sqitch.c computes it from the plan, as Sqitch does), the SHA-1 of the
 * deploy script compared with script_hash.
 */
static void
read_sqitch_history(const History *h, RunPlan *plan, bool *take,
					StringInfo problems, int *nproblems)
{
	const MigrationSource *src = plan->set->src;
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	TupleDesc	desc;

	values[0] = CStringGetTextDatum(sqitch_project(src));
	if (SPI_execute_with_args("SELECT change_id, change, script_hash FROM sqitch.changes "
							  "WHERE project OPERATOR(pg_catalog.=) $1 ORDER BY committed_at, change_id",
							  1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s", h->table);
	desc = SPI_tuptable->tupdesc;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		char	   *id = SPI_getvalue(SPI_tuptable->vals[r], desc, 1);
		char	   *change = SPI_getvalue(SPI_tuptable->vals[r], desc, 2);
		char	   *hash = SPI_getvalue(SPI_tuptable->vals[r], desc, 3);
		int			i;

		for (i = 0; i < plan->set->count; i++)
			if (strcmp(plan->set->items[i]->tool_id, id) == 0)
				break;
		if (i == plan->set->count)
		{
			problem(problems, nproblems, find_version(plan, change) >= 0 ?
					"%s (change id %.12s…): deployed, but its line in sqitch.plan was changed since (a new id)" :
					"%s (change id %.12s…): deployed, but sqitch.plan has no such change", change, id);
			continue;
		}
		if (hash)
		{
			int			len;
			char	   *bytes = source_read_file(src, plan->set->items[i]->path, &len, false);
			char		hex[41];

			source_sha1_hex(bytes, len, hex);
			if (strcmp(hex, hash) != 0)
			{
				problem(problems, nproblems, "%s%s: modified since sqitch deployed it (script hashes differ)",
						plan->set->items[i]->path, "");
				continue;
			}
		}
		take[i] = true;
	}
}

/* graphile-migrate: rows by file number, hash and previous hash compared */
static void
read_graphile_history(const History *h, RunPlan *plan, bool *take,
					  StringInfo problems, int *nproblems)
{
	TupleDesc	desc;

	history_query(h, "SELECT filename, hash, previous_hash FROM graphile_migrate.migrations ORDER BY filename");
	desc = SPI_tuptable->tupdesc;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		char	   *filename = SPI_getvalue(SPI_tuptable->vals[r], desc, 1);
		char	   *hash = SPI_getvalue(SPI_tuptable->vals[r], desc, 2);
		char	   *previous = SPI_getvalue(SPI_tuptable->vals[r], desc, 3);
		char	   *version = pnstrdup(filename, strspn(filename, "0123456789"));
		int			i = version[0] ? find_version(plan, version) : -1;
		Migration  *m;

		if (i < 0)
		{
			problem(problems, nproblems, "%s%s: applied, but committed/ has no such migration", filename, "");
			continue;
		}
		m = plan->set->items[i];
		if (hash == NULL || strcmp(hash, m->tool_id) != 0)
			problem(problems, nproblems, "%s%s: modified since graphile-migrate applied it (hashes differ)",
					m->path, "");
		else if ((previous == NULL) != (m->tool_parent == NULL) ||
				 (previous && strcmp(previous, m->tool_parent) != 0))
			problem(problems, nproblems, "%s%s: its previous hash differs from the one graphile-migrate recorded",
					m->path, "");
		else
			take[i] = true;
	}
}

static const History histories[] = {
	{"drizzle-kit", "drizzle.__drizzle_migrations", read_drizzle_history},
	{"prisma", "_prisma_migrations", read_prisma_history},
	{"flyway", "flyway_schema_history", read_flyway_history},
	{"golang-migrate", "schema_migrations", read_golang_history},
	{"dbmate", "schema_migrations", read_dbmate_history},
	{"sqitch", "sqitch.changes", read_sqitch_history},
	{"graphile-migrate", "graphile_migrate.migrations", read_graphile_history},
};

/* the history a folder of this layout would have been applied with */
static const History *
find_history(MigratorLayout layout)
{
	const char *want[3] = {NULL, NULL, NULL};

	switch (layout)
	{
		case LAYOUT_DRIZZLE:
		case LAYOUT_DRIZZLE1:
			want[0] = "drizzle-kit";
			break;
		case LAYOUT_PRISMA:
			want[0] = "prisma";
			break;
		case LAYOUT_FLYWAY:
			want[0] = "flyway";
			break;
		case LAYOUT_GOLANG:
			want[0] = "golang-migrate";
			break;
		case LAYOUT_NUMBERED:
			want[0] = "dbmate";
			want[1] = "drizzle-kit";
			want[2] = "golang-migrate";
			break;
		case LAYOUT_SQITCH:
			want[0] = "sqitch";
			break;
		case LAYOUT_GRAPHILE:
			want[0] = "graphile-migrate";
			break;
		default:
			break;
	}
	for (int w = 0; w < 3 && want[w]; w++)
		for (int i = 0; i < (int) lengthof(histories); i++)
		{
			if (strcmp(histories[i].tool, want[w]) != 0 || !relation_exists(histories[i].table))
				continue;
			/* golang-migrate's table has "dirty", dbmate's not */
			if (strcmp(histories[i].table, "schema_migrations") == 0 &&
				history_has_column("schema_migrations", "dirty") !=
				(strcmp(histories[i].tool, "golang-migrate") == 0))
				continue;
			return &histories[i];
		}
	return NULL;
}

/* every table adopt() looks for, for the error that none was found */
static char *
history_tables(void)
{
	StringInfoData s;
	int			n = 0;

	initStringInfo(&s);
	for (int i = 0; i < (int) lengthof(histories); i++)
	{
		if (i > 0 && strcmp(histories[i].table, histories[i - 1].table) == 0)
			continue;
		n++;
	}
	for (int i = 0, k = 0; i < (int) lengthof(histories); i++)
	{
		if (i > 0 && strcmp(histories[i].table, histories[i - 1].table) == 0)
			continue;
		k++;
		appendStringInfo(&s, "%s%s", k == 1 ? "" : k == n ? " and " : ", ", histories[i].table);
	}
	return s.data;
}

/* mark take[] from the old tool's rows; refuse when they do not match */
static void
read_history(const History *h, RunPlan *plan, bool *take)
{
	StringInfoData problems;
	int			nproblems = 0;

	initStringInfo(&problems);
	h->read(h, plan, take, &problems, &nproblems);
	if (nproblems > 0)
		history_mismatch(h, &problems, nproblems);
}

/*
 * migrator.adopt(dir): import the previous tool's history for this folder.
 */
Datum
migrator_adopt(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MigrationSource *src;
	RunPlan    *plan;
	const History *h;
	bool	   *take;
	int			n;

	src = migrator_source_arg(fcinfo, 0);
	migrator_check_isolation();
	InitMaterializedSRF(fcinfo, 0);

	plan = locked_plan(src, "adopt");
	take = palloc0(sizeof(bool) * Max(plan->set->count, 1));

	migrator_spi_connect(0);
	h = find_history(plan->set->layout);
	if (h == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("no history of a tool that writes %s folders was found in this database",
						layout_name(plan->set->layout)),
				 errdetail("Looked for %s on the search_path.", history_tables()),
				 errhint("Use migrator.baseline(dir, version) to record what is already applied.")));
	read_history(h, plan, take);
	n = record_taken(rsinfo, plan, take, psprintf("adopted from %s", h->tool), "adopted");
	journal_log_event("adopt", src->dir, NULL, true, NULL,
					  psprintf("adopted %d migration%s from %s", n, n == 1 ? "" : "s", h->table),
					  NULL, NULL);
	SPI_finish();
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Repairs
 * ---------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(migrator_repair);
PG_FUNCTION_INFO_V1(migrator_resolve);

/*
 * migrator.repair(dir): after an intentional edit of applied files, record
 * their checksums as they are now.  Missing files are reported, not
 * forgotten.
 */
Datum
migrator_repair(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MigrationSource *src;
	MigrationSet *set;
	RunPlan    *plan;
	int			n = 0;

	src = migrator_source_arg(fcinfo, 0);
	migrator_check_isolation();
	InitMaterializedSRF(fcinfo, 0);

	set = source_read(src);
	journal_lock();
	plan = plan_build(set);
	migrator_spi_connect(0);
	for (int i = 0; i < plan->count; i++)
	{
		PlanEntry  *e = &plan->entries[i];
		Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
		Datum		values[3];

		if (e->state == STATE_MISSING)
		{
			ereport(NOTICE,
					(errmsg("%s is applied but missing; its journal row is kept", e->applied->path)));
			continue;
		}
		if (e->state != STATE_MODIFIED)
			continue;
		values[0] = CStringGetTextDatum(e->migration->version);
		values[1] = CStringGetTextDatum(e->migration->checksum);
		values[2] = CStringGetTextDatum(e->migration->path);
		migrator_exec_as_owner("UPDATE migrator.journal SET checksum = $2, path = $3 "
							   "WHERE version OPERATOR(pg_catalog.=) $1", 3, types, values, NULL);
		journal_log_event("repair", src->dir, e->migration, true, NULL,
						  psprintf("checksum %.12s… recorded (was %.12s…)", e->migration->checksum,
								   e->applied->checksum), NULL, NULL);
		migrator_put_row(rsinfo, e->migration, "repaired", 0, false);
		n++;
	}
	journal_log_event("repair", src->dir, NULL, true, NULL, migrator_summary("repaired", n), NULL, NULL);
	SPI_finish();
	return (Datum) 0;
}

/*
 * migrator.resolve(dir, version, outcome): settle a migration that failed
 * half-way outside a transaction block — 'applied' records it as applied
 * (its remaining statements were run by hand), 'rolled-back' confirms it
 * is not (its done statements were undone by hand).
 */
Datum
migrator_resolve(PG_FUNCTION_ARGS)
{
	MigrationSource *src;
	char	   *version;
	char	   *outcome;
	MigrationSet *set;
	RunPlan    *plan;
	PlanEntry  *e;

	src = migrator_source_arg(fcinfo, 0);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("resolve needs a version and an outcome")));
	version = text_to_cstring(PG_GETARG_TEXT_PP(1));
	outcome = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (strcmp(outcome, "applied") != 0 && strcmp(outcome, "rolled-back") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("outcome must be 'applied' or 'rolled-back', not '%s'", outcome)));
	migrator_check_isolation();

	set = source_read(src);
	journal_lock();
	plan = plan_build(set);
	e = &plan->entries[plan_find_target(plan, version)];
	if (strcmp(outcome, "applied") == 0 && e->state != STATE_PENDING)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration %s is %s, not pending", e->migration->path, plan_state_name(e->state))));
	if (strcmp(outcome, "rolled-back") == 0 && e->state != STATE_PENDING)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration %s is recorded as %s", e->migration->path, plan_state_name(e->state)),
				 errhint("Use migrator.revert() to undo an applied migration.")));

	migrator_spi_connect(0);
	if (strcmp(outcome, "applied") == 0)
		journal_record_origin(e->migration, 0, 0, "resolved");
	journal_log_event("resolve", src->dir, e->migration, true, NULL,
					  psprintf("resolved as %s", outcome), NULL, NULL);
	SPI_finish();
	PG_RETURN_VOID();
}
