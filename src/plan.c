/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  Join a folder's migrations with the journal: applied, pending,
 *	  modified (applied, file changed since) and missing (applied, no file),
 *	  plus pending migrations that sort before an applied one.
 *
 *	  A pending migration that sorts before an applied one is out of order:
 *	  refused, unless migrator.out_of_order = on, or -- drizzle-kit 1.0 --
 *	  all its parents (snapshot.json's prevIds) are applied, as drizzle-orm
 *	  applies a migration generated on a branch.  A drizzle-kit 1.0 folder
 *	  rewritten by "drizzle-kit up" from a 0.x folder keeps its SQL bytes:
 *	  journal rows of the 0.x files are matched to the 1.0 migrations of
 *	  the same checksum, and carried over to them by the next run.
 *
 *	  status(), verify(), apply() and migrate() all read this one plan, so
 *	  they can never disagree.  The join is a sort-merge on version strings:
 *	  O(n log n) however long the history.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "migrator.h"

/* migrator.out_of_order: apply pending migrations that sort before applied ones */
static bool migrator_out_of_order = false;

void
plan_define_gucs(void)
{
	DefineCustomBoolVariable("migrator.out_of_order",
							 "Apply pending migrations that sort before applied ones.",
							 "Off: such a migration (a branch merged late) stops the run. On: it runs, in version order, named in a NOTICE.",
							 &migrator_out_of_order,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

/* keys of the join: versioned by version, repeatable by name */
static const char *
migration_key(const Migration *m)
{
	return m->kind == MIGRATION_VERSIONED ? m->version : m->name;
}

static const char *
row_key(const JournalRow *r)
{
	return r->repeatable ? r->name : r->version;
}

static int
migration_key_cmp(const void *a, const void *b)
{
	const Migration *ma = *(Migration *const *) a;
	const Migration *mb = *(Migration *const *) b;

	if (ma->kind != mb->kind)
		return ma->kind < mb->kind ? -1 : 1;
	return strcmp(migration_key(ma), migration_key(mb));
}

static int
row_key_cmp(const void *a, const void *b)
{
	const JournalRow *ra = *(JournalRow *const *) a;
	const JournalRow *rb = *(JournalRow *const *) b;

	if (ra->repeatable != rb->repeatable)
		return ra->repeatable ? 1 : -1;
	return strcmp(row_key(ra), row_key(rb));
}

const char *
plan_state_name(MigrationState state)
{
	switch (state)
	{
		case STATE_APPLIED:
			return "applied";
		case STATE_PENDING:
			return "pending";
		case STATE_MODIFIED:
			return "modified";
		case STATE_MISSING:
			return "missing";
	}
	return "unknown";
}

/* what status() shows: the state, and whether a pending one is out of order */
const char *
plan_entry_state(const PlanEntry *e)
{
	if (e->out_of_order)
		return "pending (out of order)";
	return plan_state_name(e->state);
}

/* a journal row of a drizzle-kit 0.x file: version digits, path "<digits>_<name>.sql" */
static bool
drizzle0_row(const JournalRow *r)
{
	return r->version && r->path && strchr(r->path, '/') == NULL &&
		layout_classify_file(r->path) == LAYOUT_NUMBERED;
}

/*
 * drizzle-kit up rewrote a 0.x folder as 1.0 folders with the same SQL
 * bytes: a 0.x journal row no migration has stands for the unmatched 1.0
 * migration of its checksum (the first, in folder order).
 */
static void
match_drizzle_up(MigrationSet *set, JournalRow **rows, int nrows,
				 JournalRow **bymig, bool *carried)
{
	for (int j = 0; j < nrows; j++)
	{
		JournalRow *r = rows[j];

		if (r->matched || !drizzle0_row(r))
			continue;
		for (int i = 0; i < set->count; i++)
		{
			Migration  *m = set->items[i];

			if (bymig[i] == NULL && m->kind == MIGRATION_VERSIONED &&
				strcmp(m->checksum, r->checksum) == 0)
			{
				bymig[i] = r;
				r->matched = true;
				carried[i] = true;
				break;
			}
		}
	}
}

RunPlan *
plan_build(MigrationSet *set)
{
	RunPlan	   *plan = palloc0(sizeof(RunPlan));
	List	   *journal = journal_read();
	int			nrows = list_length(journal);
	JournalRow **rows = palloc(sizeof(JournalRow *) * Max(nrows, 1));
	JournalRow **bymig = palloc0(sizeof(JournalRow *) * Max(set->count, 1));
	Migration **migs = palloc(sizeof(Migration *) * Max(set->count, 1));
	int			i,
				j,
				n;
	int			last_applied = -1;
	bool	   *carried;
	ListCell   *lc;

	i = 0;
	foreach(lc, journal)
		rows[i++] = lfirst(lc);
	memcpy(migs, set->items, sizeof(Migration *) * set->count);

	/* sort-merge; rows[] is re-sorted, so remember journal order separately */
	{
		JournalRow **sorted = palloc(sizeof(JournalRow *) * Max(nrows, 1));

		memcpy(sorted, rows, sizeof(JournalRow *) * nrows);
		if (nrows > 1)
			qsort(sorted, nrows, sizeof(JournalRow *), row_key_cmp);
		if (set->count > 1)
			qsort(migs, set->count, sizeof(Migration *), migration_key_cmp);

		i = j = 0;
		while (i < set->count && j < nrows)
		{
			Migration  *m = migs[i];
			JournalRow *r = sorted[j];
			int			c;

			if (m->kind != MIGRATION_VERSIONED && !r->repeatable)
				c = 1;
			else if (m->kind == MIGRATION_VERSIONED && r->repeatable)
				c = -1;
			else
				c = strcmp(migration_key(m), row_key(r));
			if (c < 0)
				i++;
			else if (c > 0)
				j++;
			else
			{
				bymig[m->ordinal] = r;
				r->matched = true;
				i++;
				j++;
			}
		}
	}

	carried = palloc0(sizeof(bool) * Max(set->count, 1));
	if (set->layout == LAYOUT_DRIZZLE1)
		match_drizzle_up(set, rows, nrows, bymig, carried);

	plan->set = set;
	plan->entries = palloc0(sizeof(PlanEntry) * (set->count + nrows));
	n = 0;
	for (i = 0; i < set->count; i++)
	{
		Migration  *m = set->items[i];
		PlanEntry  *e = &plan->entries[n++];
		JournalRow *r = bymig[i];

		e->migration = m;
		e->applied = r;
		e->carried = carried[i];
		if (r == NULL)
			e->state = STATE_PENDING;
		else if (strcmp(r->checksum, m->checksum) == 0)
			e->state = STATE_APPLIED;
		else if (m->kind == MIGRATION_REPEATABLE)
			e->state = STATE_PENDING;	/* changed: runs again */
		else
			e->state = STATE_MODIFIED;
		if (r != NULL && m->kind == MIGRATION_VERSIONED)
			last_applied = i;
	}
	for (i = 0; i < nrows; i++)
	{
		if (rows[i]->matched)
			continue;
		plan->entries[n].applied = rows[i];
		plan->entries[n].state = STATE_MISSING;
		n++;
	}
	plan->count = n;

	for (i = 0; i < n; i++)
	{
		PlanEntry  *e = &plan->entries[i];

		if (e->state == STATE_PENDING && e->migration->kind == MIGRATION_VERSIONED &&
			e->migration->ordinal < last_applied)
			e->out_of_order = set->layout != LAYOUT_DRIZZLE1 ||
				!drizzle1_parents_applied(plan, i);
		if (e->state == STATE_MODIFIED || e->state == STATE_MISSING ||
			(e->out_of_order && !migrator_out_of_order))
			plan->nproblems++;
	}
	return plan;
}

/*
 * Rewrite the journal rows of drizzle-kit 0.x files that a 1.0 folder has
 * under new names (plan_build matched them by checksum): each takes the
 * 1.0 migration's version, name and path, keeping when and how it was
 * applied.  Called by the runs that hold the journal lock; dir is for the
 * event log.
 */
void
plan_carry_over(RunPlan *plan, const char *dir)
{
	for (int i = 0; i < plan->set->count; i++)
	{
		PlanEntry  *e = &plan->entries[i];
		Migration  *m = e->migration;
		Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
		Datum		values[4];
		char	   *was;

		if (!e->carried)
			continue;
		migrator_spi_connect(0);
		was = e->applied->path;
		values[0] = CStringGetTextDatum(m->version);
		values[1] = CStringGetTextDatum(m->name);
		values[2] = CStringGetTextDatum(m->path);
		values[3] = CStringGetTextDatum(e->applied->version);
		migrator_exec_as_owner("UPDATE migrator.journal SET version = $1, name = $2, path = $3 "
							   "WHERE version OPERATOR(pg_catalog.=) $4", 4, types, values, NULL);
		journal_log_event("carry over", dir, m, true, NULL,
						  psprintf("journal row of %s carried over: drizzle-kit up moved it, same checksum %.12s…",
								   was, m->checksum), NULL, NULL);
		SPI_finish();
		e->applied->version = m->version;
		e->applied->name = m->name;
		e->applied->path = m->path;
		e->carried = false;
	}
}

/* the folder position of a versioned migration, -1 when there is none */
int
plan_find_version(RunPlan *plan, const char *version)
{
	MigrationSet *set = plan->set;

	for (int i = 0; i < set->count; i++)
	{
		Migration  *m = set->items[i];

		if (m->kind == MIGRATION_VERSIONED &&
			layout_compare_versions(set->layout, m->version, version) == 0)
			return i;
	}
	return -1;
}

/*
 * Index (in apply order) of the migration a target version names.
 */
int
plan_find_target(RunPlan *plan, const char *target)
{
	int			i = plan_find_version(plan, target);

	if (i >= 0)
		return i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("target version \"%s\" is not a version of the migration folder",
					target),
			 errhint("Run migrator.status() to list the folder's versions.")));
	return -1;					/* keep compiler quiet */
}

/*
 * Refuse to go on when the folder and the journal disagree.  The detail
 * lists every offending file.
 */
void
plan_check(RunPlan *plan, const char *action)
{
	StringInfoData detail;
	int			shown = 0;
	bool		out_of_order = false;
	const char *hint;

	if (plan->nproblems == 0)
		return;

	initStringInfo(&detail);
	for (int i = 0; i < plan->count; i++)
	{
		PlanEntry  *e = &plan->entries[i];
		const char *problem = NULL;

		if (e->state == STATE_MODIFIED)
			problem = psprintf("%s: modified since it was applied (checksum %.12s…, journal %.12s…)",
							   e->migration->path, e->migration->checksum,
							   e->applied->checksum);
		else if (e->state == STATE_MISSING)
			problem = e->applied->version ?
				psprintf("%s: applied as version %s but the file is missing",
						 e->applied->path, e->applied->version) :
				psprintf("%s: applied as the repeatable migration \"%s\" but the file is missing",
						 e->applied->path, e->applied->name);
		else if (e->out_of_order)
		{
			problem = psprintf("%s: pending, but sorts before migrations already applied",
							   e->migration->path);
			out_of_order = true;
		}
		if (problem == NULL)
			continue;
		if (shown < 50)
			appendStringInfo(&detail, "%s%s", shown ? "\n" : "", problem);
		shown++;
	}
	if (shown > 50)
		appendStringInfo(&detail, "\n… and %d more", shown - 50);

	hint = strcmp(action, "verify") == 0 ?
		"Restore applied migrations as they were applied; add changes as new migrations." :
		"Nothing was applied. Restore applied migrations as they were applied and add changes as new migrations; run migrator.status() for details.";
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("migration folder does not match the journal: %d problem%s",
					plan->nproblems, plan->nproblems == 1 ? "" : "s"),
			 errdetail_internal("%s", detail.data),
			 errhint("%s%s", hint,
					 out_of_order ?
					 " To apply migrations merged from a branch, SET migrator.out_of_order = on." : "")));
}
