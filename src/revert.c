/*-------------------------------------------------------------------------
 *
 * revert.c
 *	  Reverting applied migrations by their down scripts, newest first:
 *	  revert(), in the caller's transaction, and revert_to(), a procedure
 *	  that commits after each migration.
 *
 *	  Every down script is found and parsed before any runs.  Both run the
 *	  scripts as run.c runs migrations (migrator_run_script()).  revert_to()
 *	  opens and closes as migrate() does (migrator_procedure_begin() and
 *	  _end(), run.c), and runs each down script as migrate() runs a
 *	  migration: guarded (retried on a lock timeout, logged on failure), or
 *	  one statement at a time when it must run outside a transaction block.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "migrator.h"

PG_FUNCTION_INFO_V1(migrator_revert);
PG_FUNCTION_INFO_V1(migrator_revert_to);

/*
 * The applied migrations to revert, newest first, each with its parsed
 * down script: all of them checked before anything runs.
 */
static List *
prepare_revert(const MigrationSource *src, int steps, const char *target, bool atomic,
			   MigrationSet **setp)
{
	MigrationSet *set = source_read(src);
	RunPlan    *plan;
	List	   *chosen = NIL;
	StringInfoData missing;
	int			nmissing = 0;
	bool		everything = false;
	ListCell   *lc;

	if (atomic)
		journal_lock();
	plan = plan_build(set);
	plan_check(plan, "revert");
	plan_carry_over(plan, src->dir);
	/* "0", unless the folder has such a version, is the empty database */
	if (target && strcmp(target, "0") == 0 && plan_find_version(plan, target) < 0)
		everything = true;
	else if (target)
		(void) plan_find_target(plan, target);

	for (int i = set->count - 1; i >= 0; i--)
	{
		PlanEntry  *e = &plan->entries[i];

		if (e->state != STATE_APPLIED || e->migration->kind != MIGRATION_VERSIONED)
			continue;
		if (target && !everything && i <= plan_find_version(plan, target))
			break;
		if (!target && list_length(chosen) == steps)
			break;
		chosen = lappend(chosen, e->migration);
	}
	if (!target && list_length(chosen) < steps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot revert %d migration%s: only %d %s applied", steps,
						steps == 1 ? "" : "s", list_length(chosen),
						list_length(chosen) == 1 ? "is" : "are")));

	initStringInfo(&missing);
	foreach(lc, chosen)
	{
		Migration  *m = lfirst(lc);

		if (m->down_path == NULL)
		{
			appendStringInfo(&missing, "%s%s", nmissing ? "\n" : "", m->path);
			nmissing++;
		}
	}
	if (nmissing > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("%d migration%s to revert %s no down script", nmissing,
						nmissing == 1 ? "" : "s", nmissing == 1 ? "has" : "have"),
				 errdetail_internal("%s", missing.data),
				 errhint("Nothing was reverted. Write the down scripts (golang-migrate .down.sql, diesel down.sql, dbmate -- migrate:down, Flyway U files), or write the reverse as a new migration.")));

	{
		List	   *result = NIL;

		foreach(lc, chosen)
		{
			Migration  *m = lfirst(lc);
			RunStep    *step = palloc0(sizeof(RunStep));
			Migration  *down = source_read_down(set, m);

			step->migration = m;
			step->script = script_parse(down);
			if (atomic && step->script->no_transaction)
				ereport(ERROR,
						(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
						 errmsg("the down script \"%s\" must run outside a transaction block", down->path),
						 errdetail("%s at line %d.", step->script->no_transaction_why,
								   step->script->no_transaction_line),
						 errhint("CALL migrator.revert_to(), which runs such a script one statement at a time, outside any transaction.")));
			result = lappend(result, step);
		}
		*setp = set;
		return result;
	}
}

/*
 * migrator.revert(dir, steps): the newest steps applied migrations, by
 * their down scripts, in the caller's transaction.
 */
Datum
migrator_revert(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MigrationSource *src;
	int			steps = PG_ARGISNULL(1) ? 1 : PG_GETARG_INT32(1);
	MigrationSet *set;
	List	   *todo;
	ListCell   *lc;

	src = migrator_source_arg(fcinfo, 0);
	if (steps < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps must be at least 1")));
	migrator_check_isolation();
	InitMaterializedSRF(fcinfo, 0);

	todo = prepare_revert(src, steps, NULL, true, &set);
	drift_before_run("revert");
	migrator_spi_connect(0);
	foreach(lc, todo)
	{
		RunStep    *step = lfirst(lc);
		double		ms = migrator_run_script(step->script);

		journal_forget(step->migration);
		journal_log_event("revert", src->dir, step->migration, true, NULL,
						  migrator_summary("reverted", 1), NULL, NULL);
		migrator_put_row(rsinfo, step->migration, "reverted", ms, true);
	}
	snapshot_record("revert");
	SPI_finish();
	return (Datum) 0;
}

static void
revert_step(void *arg)
{
	MigrateState *ms = (MigrateState *) arg;
	RunStep    *step = ms->step;

	(void) migrator_run_script(step->script);
	journal_forget(step->migration);
	journal_log_event("revert", ms->src->dir, step->migration, true, NULL,
					  migrator_summary("reverted", 1), NULL, NULL);
}

typedef struct RevertArgs
{
	MigrateState *ms;
	const char *version;
} RevertArgs;

static void
revert_prepare(void *arg)
{
	RevertArgs *ra = (RevertArgs *) arg;

	ra->ms->steps = prepare_revert(ra->ms->src, 0, ra->version, false, &ra->ms->set);
}

/*
 * CALL migrator.revert_to(dir, version): every migration applied after
 * version, newest first, committing after each; version '0' (when the
 * folder has no such version) reverts every one, as golang-migrate's
 * "down" does.
 */
Datum
migrator_revert_to(PG_FUNCTION_ARGS)
{
	MigrationSource *src;
	char	   *version;
	MemoryContext runcxt;
	MemoryContext stepcxt;
	MemoryContext oldcxt;
	MigrateState ms;
	RevertArgs	ra;
	ListCell   *lc;

	migrator_procedure_check(fcinfo, "migrator.revert_to()",
							 "It commits after each migration it reverts.",
							 "CALL it on its own, or use migrator.revert() inside a transaction.");
	src = migrator_source_arg(fcinfo, 0);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("revert_to needs a version")));
	version = text_to_cstring(PG_GETARG_TEXT_PP(1));
	migrator_check_isolation();

	migrator_procedure_begin("migrator revert", &runcxt, &stepcxt, &oldcxt);
	PG_TRY();
	{
		ms.src = src;
		ms.target = version;
		ra.ms = &ms;
		ra.version = version;
		migrator_migrate_guarded("revert", src, NULL, revert_prepare, &ra);
		SPI_commit();
		MemoryContextSwitchTo(runcxt);
		if (ms.steps != NIL)
		{
			drift_before_run("revert");
			SPI_commit();
		}
		foreach(lc, ms.steps)
		{
			RunStep    *step = lfirst(lc);

			MemoryContextSwitchTo(stepcxt);
			if (step->script->no_transaction)
				migrator_run_no_transaction(src, step, "revert");
			else
			{
				ms.step = step;
				migrator_migrate_guarded("revert", src, step->migration, revert_step, &ms);
			}
			ereport(NOTICE, (errmsg("reverted %s", step->migration->path)));
			SPI_commit();
			MemoryContextSwitchTo(runcxt);
			MemoryContextReset(stepcxt);
		}
		if (ms.steps != NIL)
			snapshot_record("revert");
	}
	PG_FINALLY();
	{
		journal_unlock_session();
	}
	PG_END_TRY();
	migrator_procedure_end(runcxt, oldcxt);
	PG_RETURN_VOID();
}
