/*-------------------------------------------------------------------------
 *
 * explain.c
 *	  migrator.explain(dir): EXPLAIN for a migration.  For every statement
 *	  of the pending migrations, in the order they would run: the lock it
 *	  takes and on which relation, the table's live size, whether it
 *	  rewrites or scans the table, the form an online run would give it
 *	  (online.c decides it, the same function for both), and the lint's
 *	  findings on it.  Nothing runs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "online.h"

PG_FUNCTION_INFO_V1(migrator_explain);

#define EXPLAIN_COLS 10

static void
explain_row(ReturnSetInfo *rsinfo, Script *s, int i, List *findings)
{
	ScriptStmt *ss = &s->stmts[i];
	char	   *sql = pnstrdup(s->text + ss->offset, ss->len);
	OnlineForm *f = migrator_online_form(sql, migrator_online_parse(sql), NULL, false);
	Datum		values[EXPLAIN_COLS];
	bool		nulls[EXPLAIN_COLS];
	char	   *lint;

	memset(nulls, 0, sizeof(nulls));
	values[0] = CStringGetTextDatum(s->path);
	values[1] = Int32GetDatum(ss->line);
	values[2] = CStringGetTextDatum(sql);
	nulls[3] = f->lock == NoLock || f->rel == NULL;
	if (!nulls[3])
		values[3] = CStringGetTextDatum(GetLockmodeName(DEFAULT_LOCKMETHOD, f->lock));
	nulls[4] = f->rel == NULL;
	if (!nulls[4])
		values[4] = CStringGetTextDatum(f->rel->schemaname ?
										psprintf("%s.%s", f->rel->schemaname, f->rel->relname) :
										f->rel->relname);
	nulls[5] = !OidIsValid(f->relid) || f->rows < 0;
	if (!nulls[5])
		values[5] = Int64GetDatum((int64) f->rows);
	nulls[6] = !OidIsValid(f->relid);
	if (!nulls[6])
		values[6] = Int64GetDatum(f->bytes);
	nulls[7] = f->effect == NULL;
	if (!nulls[7])
		values[7] = CStringGetTextDatum(f->effect);
	values[8] = CStringGetTextDatum(migrator_online_form_text(f));
	lint = migrator_lint_findings_text(findings, s->path, ss->line,
									   i + 1 < s->nstmts ? s->stmts[i + 1].line : 0);
	nulls[9] = lint == NULL;
	if (lint)
		values[9] = CStringGetTextDatum(lint);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * migrator.explain(dir): one row per statement of the pending migrations.
 */
Datum
migrator_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MigrationSource *src = migrator_source_arg(fcinfo, 0);
	MigrationSet *set;
	RunPlan    *plan;
	List	   *findings;

	InitMaterializedSRF(fcinfo, 0);
	set = source_read(src);
	plan = plan_build(set);
	findings = migrator_lint_set(set);
	for (int i = 0; i < set->count; i++)
	{
		Script	   *s;

		if (plan->entries[i].state != STATE_PENDING)
			continue;
		s = script_parse(plan->entries[i].migration);
		for (int j = 0; j < s->nstmts; j++)
			explain_row(rsinfo, s, j, findings);
	}
	return (Datum) 0;
}
