/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  Join a folder's migrations with the journal: applied, pending,
 *	  modified (applied, file changed since) and missing (applied, no file),
 *	  plus pending migrations that sort before an applied one.
 *
 *	  status(), verify(), apply() and migrate() all read this one plan, so
 *	  they can never disagree.  The join is a sort-merge on version strings:
 *	  O(n log n) however long the history.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "migrator.h"

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
			e->out_of_order = true;
		if (e->state == STATE_MODIFIED || e->state == STATE_MISSING || e->out_of_order)
			plan->nproblems++;
	}
	return plan;
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
			problem = psprintf("%s: pending, but sorts before migrations already applied",
							   e->migration->path);
		if (problem == NULL)
			continue;
		if (shown < 50)
			appendStringInfo(&detail, "%s%s", shown ? "\n" : "", problem);
		shown++;
	}
	if (shown > 50)
		appendStringInfo(&detail, "\n… and %d more", shown - 50);

	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("migration folder does not match the journal: %d problem%s",
					plan->nproblems, plan->nproblems == 1 ? "" : "s"),
			 errdetail_internal("%s", detail.data),
			 errhint("%s",
					 strcmp(action, "verify") == 0 ?
					 "Restore applied migrations as they were applied; add changes as new migrations." :
					 "Nothing was applied. Restore applied migrations as they were applied and add changes as new migrations; run migrator.status() for details.")));
}
