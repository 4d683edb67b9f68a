/*-------------------------------------------------------------------------
 *
 * run.c
 *	  The SQL entry points: apply(), migrate(), status() and verify().
 *
 *	  A run reads and checks every file it will execute before executing
 *	  any, takes the runners' advisory lock, plans against the journal, and
 *	  executes each statement through SPI with an error context that names
 *	  the migration file, the line and the SQLSTATE.  apply() is one
 *	  transaction (the caller's); migrate() is a nonatomic procedure that
 *	  commits after each migration and logs a failure in a transaction of
 *	  its own before re-raising it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "migrator.h"
#include "online.h"

PG_FUNCTION_INFO_V1(migrator_apply);
PG_FUNCTION_INFO_V1(migrator_migrate);
PG_FUNCTION_INFO_V1(migrator_status);
PG_FUNCTION_INFO_V1(migrator_verify);
PG_FUNCTION_INFO_V1(migrator_revert);
PG_FUNCTION_INFO_V1(migrator_revert_to);

/* what a run is about to execute */
typedef struct RunStep
{
	Migration  *migration;
	Script	   *script;
} RunStep;

typedef struct RunErrorState
{
	Script	   *script;
	int			stmt;
} RunErrorState;

static void
run_error_callback(void *arg)
{
	RunErrorState *st = (RunErrorState *) arg;
	ScriptStmt *ss = &st->script->stmts[st->stmt];

	errcontext("migration \"%s\", line %d, SQLSTATE %s",
			   st->script->path, ss->line, unpack_sql_state(geterrcode()));
}

/*
 * Execute one migration's statements; returns its duration in ms.
 * Settings the migration changes (SET search_path, SET ROLE, ...) end with
 * it, as they would with the end of a psql session.
 */
static double
run_script(Script *s)
{
	RunErrorState st;
	ErrorContextCallback cb;
	MemoryContext stmtcxt;
	MemoryContext old;
	instr_time	start,
				elapsed;
	int			nest;

	INSTR_TIME_SET_CURRENT(start);
	stmtcxt = AllocSetContextCreate(CurrentMemoryContext, "migrator statement",
									ALLOCSET_DEFAULT_SIZES);
	st.script = s;
	st.stmt = 0;
	cb.callback = run_error_callback;
	cb.arg = &st;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	nest = NewGUCNestLevel();

	/* wait briefly for locks: a migration never queues long in front of others */
	(void) set_config_option("lock_timeout",
							 s->lock_timeout ? s->lock_timeout : psprintf("%d", migrator_lock_timeout),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	if (s->statement_timeout || migrator_statement_timeout > 0)
		(void) set_config_option("statement_timeout",
								 s->statement_timeout ? s->statement_timeout :
								 psprintf("%d", migrator_statement_timeout),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);

	/* the migration's statements may not touch migrator's own objects */
	migrator_guard_level++;
	PG_TRY();
	{
		for (int i = 0; i < s->nstmts; i++)
		{
			ScriptStmt *ss = &s->stmts[i];
			char	   *sql;
			int			rc;

			st.stmt = i;
			old = MemoryContextSwitchTo(stmtcxt);
			sql = pnstrdup(s->text + ss->offset, ss->len);
			rc = SPI_execute(sql, false, 0);
			if (rc < 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("statement cannot run in a migration: %s",
								SPI_result_code_string(rc))));
			SPI_freetuptable(SPI_tuptable);
			MemoryContextSwitchTo(old);
			MemoryContextReset(stmtcxt);
			CHECK_FOR_INTERRUPTS();
		}
	}
	PG_FINALLY();
	{
		migrator_guard_level--;
	}
	PG_END_TRY();

	AtEOXact_GUC(false, nest);
	error_context_stack = cb.previous;
	MemoryContextDelete(stmtcxt);
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	return INSTR_TIME_GET_MILLISEC(elapsed);
}

/*
 * Read the folder, lock, plan, and check every file that will run.
 * Returns the steps to execute, in order.
 */
static List *
prepare_run(const MigrationSource *src, const char *target, const char *action,
			bool lock, MigrationSet **setp)
{
	MigrationSet *set = source_read(src);
	RunPlan	   *plan;
	int			last;
	List	   *steps = NIL;
	LintState  *ls;

	/* migrate() holds its session lock already */
	if (lock && strcmp(action, "migrate") != 0)
		journal_lock();
	plan = plan_build(set);
	plan_check(plan, action);
	if (lock)
		plan_carry_over(plan, src->dir);
	last = target ? plan_find_target(plan, target) : set->count - 1;

	ls = lint_pending_begin();
	for (int i = 0; i < set->count; i++)
	{
		PlanEntry  *e = &plan->entries[i];
		RunStep    *step;

		if (e->state != STATE_PENDING)
			continue;
		/* a target stops after it; repeatables run only in a full run */
		if (i > last || (target && e->migration->kind == MIGRATION_REPEATABLE))
			continue;
		if (e->out_of_order)
			ereport(NOTICE,
					(errmsg("applying %s out of order: it sorts before migrations already applied",
							e->migration->path),
					 errdetail("migrator.out_of_order is on.")));
		step = palloc(sizeof(RunStep));
		step->migration = e->migration;
		step->script = script_parse_keep(e->migration);
		if (step->script->isolation && strcmp(action, "migrate") != 0 &&
			strcmp(step->script->isolation, "read committed") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("migration \"%s\" sets its transaction's isolation level to %s",
							e->migration->path, step->script->isolation),
					 errdetail("migrator.apply() runs it in the current transaction, which is READ COMMITTED."),
					 errhint("CALL migrator.migrate() runs each migration in a transaction of its own, at the level it asks for.")));
		if (step->script->no_transaction && strcmp(action, "migrate") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("migration \"%s\" must run outside a transaction block",
							e->migration->path),
					 errdetail("%s at line %d.", step->script->no_transaction_why,
							   step->script->no_transaction_line),
					 errhint("migrator.apply() runs everything in the current transaction; CALL migrator.migrate() runs such a migration one statement at a time, outside any transaction.")));
		/* linted from the trees just parsed, which go once it is done */
		lint_pending_add(ls, step->script);
		script_drop_parse(step->script);
		steps = lappend(steps, step);
	}
	lint_pending_end(ls);
	*setp = set;
	return steps;
}

void
migrator_check_isolation(void)
{
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("migrator needs a READ COMMITTED transaction"),
				 errdetail("Under REPEATABLE READ or SERIALIZABLE the journal is read with a snapshot taken before migrator's lock, so a concurrent run could go unseen."),
				 errhint("Run it with SET TRANSACTION ISOLATION LEVEL READ COMMITTED.")));
}

static char *
arg_cstring(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

void
migrator_put_row(ReturnSetInfo *rsinfo, Migration *m, const char *action,
			  double ms, bool has_ms)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (m->version)
		values[0] = CStringGetTextDatum(m->version);
	else
		nulls[0] = true;
	values[1] = CStringGetTextDatum(m->name);
	values[2] = CStringGetTextDatum(action);
	values[3] = Float8GetDatum(ms);
	nulls[3] = !has_ms;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

char *
migrator_summary(const char *verb, int n)
{
	return psprintf("%s %d migration%s", verb, n, n == 1 ? "" : "s");
}

/* one migration apply() ran, reported once the whole run has succeeded */
typedef struct ApplyDone
{
	Migration  *migration;
	double		ms;
} ApplyDone;

typedef struct ApplyRun
{
	const MigrationSource *src;
	List	   *steps;
	RunStep    *current;		/* the step running (names a lock timeout) */
	List	   *done;			/* ApplyDone, in order */
} ApplyRun;

static void
apply_all_fn(void *arg)
{
	ApplyRun   *run = (ApplyRun *) arg;
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext stepcxt = AllocSetContextCreate(outer, "migrator step",
												  ALLOCSET_DEFAULT_SIZES);
	ListCell   *lc;

	run->done = NIL;
	journal_batch_begin();
	foreach(lc, run->steps)
	{
		RunStep    *step = lfirst(lc);
		ApplyDone  *d = palloc(sizeof(ApplyDone));

		run->current = step;
		d->migration = step->migration;
		/* what a step allocates goes with it: memory stays flat over the folder */
		MemoryContextSwitchTo(stepcxt);
		d->ms = run_script(step->script);
		journal_record(step->migration, d->ms, step->script->nstmts);
		journal_log_event("apply", run->src->dir, step->migration, true, NULL,
						  migrator_summary("applied", 1), NULL, NULL);
		MemoryContextSwitchTo(outer);
		MemoryContextReset(stepcxt);
		run->done = lappend(run->done, d);
	}
	journal_batch_end();
	MemoryContextDelete(stepcxt);
}

/*
 * The shared lock table is full ("out of shared memory", with the hint to
 * raise max_locks_per_transaction): apply() holds every lock its
 * migrations take until the caller's transaction ends, and a folder that
 * creates thousands of tables and indexes takes more than the default
 * table holds (psql --single-transaction fails the same way).  Say so, and
 * what needs a lock table of ordinary size.  True when edata was changed.
 */
static bool
apply_lock_table_hint(ErrorData *edata)
{
	if (edata->sqlerrcode != ERRCODE_OUT_OF_MEMORY || edata->hint == NULL ||
		strstr(edata->hint, "max_locks_per_transaction") == NULL)
		return false;
	edata->hint = psprintf("%s migrator.apply() runs every pending migration in one transaction, which holds the locks of all of them to its end; CALL migrator.migrate() commits after each migration, or apply fewer at a time with a target.",
						   edata->hint);
	return true;
}

/*
 * migrator.apply(dir, target, dry_run): all pending migrations, in the
 * caller's transaction.
 *
 * They run in one subtransaction, not one each: when a migration times out
 * waiting for a lock, the whole run is rolled back -- releasing every lock
 * it took, so nothing waits behind it meanwhile -- and retried from its
 * first migration after a backoff.  apply() is all or nothing, so a retry
 * from the start is the same run.  One subtransaction per migration would
 * cost more with every migration (each subtransaction's commit walks the
 * transaction's pending relation files, locks and relcache entries:
 * quadratic over thousands of migrations) and would overflow the 64
 * subtransaction ids a backend shares with every snapshot.
 */
Datum
migrator_apply(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MigrationSource *src;
	char	   *target = arg_cstring(fcinfo, 1);
	bool		dry_run = PG_ARGISNULL(2) ? false : PG_GETARG_BOOL(2);
	MigrationSet *set;
	List	   *steps;
	ListCell   *lc;
	ApplyRun	run;

	src = migrator_source_arg(fcinfo, 0);
	migrator_check_isolation();
	InitMaterializedSRF(fcinfo, 0);

	steps = prepare_run(src, target, "apply", !dry_run, &set);

	if (dry_run)
	{
		foreach(lc, steps)
			migrator_put_row(rsinfo, ((RunStep *) lfirst(lc))->migration,
							 "would apply", 0, false);
		return (Datum) 0;
	}

	if (steps != NIL)
		drift_before_run("apply");
	migrator_spi_connect(0);
	run.src = src;
	run.steps = steps;
	run.current = NULL;
	run.done = NIL;
	if (steps != NIL)
	{
		MemoryContext cxt = CurrentMemoryContext;

		PG_TRY();
		{
			for (int attempt = 0;; attempt++)
			{
				if (migrator_subxact_try(apply_all_fn, &run,
										 attempt >= migrator_lock_retries))
					break;
				migrator_lock_backoff(attempt, run.current->migration->path);
			}
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			if (!apply_lock_table_hint(edata))
				PG_RE_THROW();
			FlushErrorState();
			ReThrowError(edata);
		}
		PG_END_TRY();
	}
	foreach(lc, run.done)
	{
		ApplyDone  *d = lfirst(lc);

		migrator_put_row(rsinfo, d->migration, "applied", d->ms, true);
	}
	journal_log_event("apply", src->dir, NULL, true, NULL,
					  migrator_summary("applied", list_length(steps)), NULL, NULL);
	if (steps != NIL)
		snapshot_record("apply");
	SPI_finish();

	return (Datum) 0;
}

/*
 * One piece of migrate()'s work, in a subtransaction of the procedure's
 * current transaction.  On failure the subtransaction is rolled back, the
 * failure is logged (about m, or about the whole run when m is NULL) and
 * committed, and the error is raised again.
 */
typedef void (*MigrateWork) (void *arg);

static bool migrate_guarded_once(const char *action, const MigrationSource *src, Migration *m,
								 MigrateWork work, void *arg, bool last);

static void
migrate_guarded(const char *action, const MigrationSource *src, Migration *m, MigrateWork work,
				void *arg)
{
	/* a migration that timed out waiting for a lock is retried after a backoff */
	for (int attempt = 0;; attempt++)
	{
		if (migrate_guarded_once(action, src, m, work, arg,
								 m == NULL || attempt >= migrator_lock_retries))
			return;
		migrator_lock_backoff(attempt, m->path);
	}
}

/* one attempt; false when it timed out on a lock and may be retried */
static bool
migrate_guarded_once(const char *action, const MigrationSource *src, Migration *m,
					 MigrateWork work, void *arg, bool last)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool retry = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);

	PG_TRY();
	{
		work(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;

		if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE && !last)
		{
			FreeErrorData(edata);
			retry = true;
		}
		else
		{
			journal_log_event(action, src->dir, m, false,
							  unpack_sql_state(edata->sqlerrcode), edata->message,
							  edata->detail, edata->context);
			SPI_commit();
			MemoryContextSwitchTo(oldcontext);
			ReThrowError(edata);
		}
	}
	PG_END_TRY();
	return !retry;
}

typedef struct MigrateState
{
	const MigrationSource *src;
	const char *target;
	MigrationSet *set;
	List	   *steps;
	RunStep    *step;
} MigrateState;

static void
migrate_prepare(void *arg)
{
	MigrateState *ms = (MigrateState *) arg;

	ms->steps = prepare_run(ms->src, ms->target, "migrate", true, &ms->set);
}

static void
migrate_step(void *arg)
{
	MigrateState *ms = (MigrateState *) arg;
	RunStep    *step = ms->step;
	double		duration = run_script(step->script);

	journal_batch_begin();
	journal_record(step->migration, duration, step->script->nstmts);
	journal_log_event("migrate", ms->src->dir, step->migration, true, NULL,
					  migrator_summary("applied", 1), NULL, NULL);
	journal_batch_end();
}

/* the index a concurrent build of ss creates, if it exists (in its table's schema) */
static Oid
built_index(const ScriptStmt *ss)
{
	Oid			table;

	if (ss->index_name == NULL)
		return InvalidOid;
	table = RangeVarGetRelid(makeRangeVar(ss->index_table_schema, ss->index_table, -1),
							 NoLock, true);
	if (!OidIsValid(table))
		return InvalidOid;
	return get_relname_relid(ss->index_name, get_rel_namespace(table));
}

/* the shape of a built index, as script.c describes a statement's; NULL if not plain */
static char *
built_shape(HeapTuple tup)
{
	Form_pg_index ind = (Form_pg_index) GETSTRUCT(tup);
	StringInfoData buf;
	HeapTuple	reltup;
	char	   *am;

	if (ind->indnatts != ind->indnkeyatts ||
		!heap_attisnull(tup, Anum_pg_index_indexprs, NULL) ||
		!heap_attisnull(tup, Anum_pg_index_indpred, NULL))
		return NULL;
	reltup = SearchSysCache1(RELOID, ObjectIdGetDatum(ind->indexrelid));
	if (!HeapTupleIsValid(reltup))
		return NULL;
	am = get_am_name(((Form_pg_class) GETSTRUCT(reltup))->relam);
	ReleaseSysCache(reltup);
	initStringInfo(&buf);
	appendStringInfo(&buf, "%s %s", am, ind->indisunique ? "unique " : "");
	for (int i = 0; i < ind->indnkeyatts; i++)
		appendStringInfo(&buf, "%s%s", i ? "," : "",
						 get_attname(ind->indrelid, ind->indkey.values[i], false));
	return buf.data;
}

/*
 * Before a concurrent index build of a migration outside a transaction
 * block, what an interrupted earlier run may have left: its index,
 * invalid (the build was cut short), or valid (the build finished, the
 * session was cut short before recording the migration).  An invalid one
 * is dropped -- concurrently, as PostgreSQL's documentation prescribes --
 * and built again; a valid one of the very shape the statement builds (a
 * plain column index) is taken as built: returns true, and the statement
 * is skipped.  Anything else is left to the statement, which then fails
 * naming the index.
 */
static bool
settle_leftover_index(const ScriptStmt *ss, const char *path)
{
	Oid			indexoid = built_index(ss);
	HeapTuple	tup;
	Form_pg_index ind;
	char	   *shape;
	char	   *sql;

	if (!OidIsValid(indexoid))
		return false;
	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(tup))
		return false;
	ind = (Form_pg_index) GETSTRUCT(tup);
	if (ind->indisvalid)
	{
		shape = built_shape(tup);
		ReleaseSysCache(tup);
		if (shape == NULL || ss->index_shape == NULL || strcmp(shape, ss->index_shape) != 0)
			return false;
		ereport(NOTICE,
				(errmsg("index \"%s\" of migration \"%s\", line %d, is already built: an interrupted run built it",
						ss->index_name, path, ss->line)));
		return true;
	}
	ReleaseSysCache(tup);
	ereport(NOTICE,
			(errmsg("dropping the invalid index \"%s\" left by a failed or interrupted build of migration \"%s\", line %d",
					ss->index_name, path, ss->line)));
	sql = psprintf("DROP INDEX CONCURRENTLY %s",
				   quote_qualified_identifier(get_namespace_name(get_rel_namespace(indexoid)),
											  get_rel_name(indexoid)));
	/* the drop waits for every transaction with a snapshot: end ours */
	SPI_commit();
	migrator_run_top_level(sql);
	return false;
}

/*
 * A migration that must run outside a transaction block: each statement
 * at top level in a background worker, while this session holds nothing
 * (no snapshot, no lock) that a concurrent index build would wait for.
 * Statements before a failing one stay done, as with psql; nothing is
 * recorded for the migration, and an invalid index is named.
 */
static void
migrate_no_transaction(const MigrationSource *src, RunStep *step, const char *action)
{
	Script	   *s = step->script;
	instr_time	start,
				elapsed;

	INSTR_TIME_SET_CURRENT(start);
	journal_no_transaction_begin();
	for (int i = 0; i < s->nstmts; i++)
	{
		ScriptStmt *ss = &s->stmts[i];
		char	   *sql = pnstrdup(s->text + ss->offset, ss->len);
		ErrorData  *err;
		Oid			existing;
		Oid			left;

		if (settle_leftover_index(ss, s->path))
			continue;
		existing = built_index(ss);
		/* no snapshot, not even the catalog's, for the build to wait for */
		SPI_commit();
		err = migrator_try_top_level(sql);
		if (err)
		{
			StringInfoData detail;
			char	   *context = psprintf("migration \"%s\", line %d, SQLSTATE %s", s->path,
										   ss->line, unpack_sql_state(err->sqlerrcode));

			initStringInfo(&detail);
			if (err->detail)
				appendStringInfoString(&detail, err->detail);
			/* see what the worker did, not what the caches knew before */
			AcceptInvalidationMessages();
			left = built_index(ss);
			if (OidIsValid(left) && left != existing)
				appendStringInfo(&detail, "%sThe failed build left the invalid index \"%s\" behind; running the migration again drops it (DROP INDEX CONCURRENTLY) and builds it anew.",
								 detail.len ? "\n" : "", ss->index_name);
			if (i > 0)
				appendStringInfo(&detail, "%sThe migration ran outside a transaction block: its statements before line %d are done, and it is not recorded as applied.",
								 detail.len ? "\n" : "", ss->line);
			journal_no_transaction_end();
			journal_log_event(action, src->dir, step->migration, false,
							  unpack_sql_state(err->sqlerrcode), err->message,
							  detail.len ? detail.data : NULL, context);
			SPI_commit();
			ereport(ERROR,
					(errcode(err->sqlerrcode),
					 errmsg_internal("%s", err->message),
					 detail.len ? errdetail_internal("%s", detail.data) : 0,
					 err->hint ? errhint("%s", err->hint) : 0,
					 errcontext("%s", context)));
		}
	}
	journal_no_transaction_end();
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	if (strcmp(action, "revert") == 0)
		journal_forget(step->migration);
	else
		journal_record(step->migration, INSTR_TIME_GET_MILLISEC(elapsed), s->nstmts);
	journal_log_event(action, src->dir, step->migration, true, NULL,
					  migrator_summary(strcmp(action, "revert") == 0 ? "reverted" : "applied", 1),
					  NULL, NULL);
}

/*
 * CALL migrator.migrate(dir, target): commits after each migration.
 */
Datum
migrator_migrate(PG_FUNCTION_ARGS)
{
	bool		nonatomic = fcinfo->context && IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;
	MigrationSource *src;
	char	   *target = arg_cstring(fcinfo, 1);
	int			online = PG_NARGS() > 2 && !PG_ARGISNULL(2) ? PG_GETARG_BOOL(2) : -1;
	MemoryContext runcxt;
	MemoryContext stepcxt;
	MemoryContext oldcxt;
	MigrateState ms;
	ListCell   *lc;
	int			applied = 0;

	if (!nonatomic)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("migrator.migrate() cannot run inside a transaction block"),
				 errdetail("It commits after each migration."),
				 errhint("CALL it on its own, or use migrator.apply() to apply everything inside the current transaction.")));
	src = migrator_source_arg(fcinfo, 0);
	migrator_check_isolation();

	/* survives the commits: the CALL's portal context is kept over them */
	runcxt = AllocSetContextCreate(CurrentMemoryContext, "migrator migrate",
								   ALLOCSET_DEFAULT_SIZES);
	stepcxt = AllocSetContextCreate(runcxt, "migrator step", ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(runcxt);

	migrator_spi_connect(SPI_OPT_NONATOMIC);
	MemoryContextSwitchTo(runcxt);

	/* wait for other runners holding no snapshot, then keep the lock to the end */
	SPI_commit();
	journal_lock_session();
	PG_TRY();
	{
		/* a run refused before any migration is logged too */
		ms.src = src;
		ms.target = target;
		migrate_guarded("migrate", src, NULL, migrate_prepare, &ms);
		SPI_commit();
		MemoryContextSwitchTo(runcxt);
		if (ms.steps != NIL)
		{
			/* its queries end with their transaction: the first step's is fresh */
			drift_before_run("migrate");
			SPI_commit();
		}

		foreach(lc, ms.steps)
		{
			RunStep    *step = lfirst(lc);

			/* what a step allocates goes with it: memory stays flat over the folder */
			MemoryContextSwitchTo(stepcxt);
			if (step->script->no_transaction)
				migrate_no_transaction(src, step, "migrate");
			else if (migrator_online_wanted(step->script, online) ||
					 migrator_online_pending(step->migration, step->script))
				migrator_online_migrate(src, step->migration, step->script);
			else
			{
				/* a fresh transaction, no snapshot yet: its level may be set */
				if (step->script->isolation)
					(void) set_config_option("transaction_isolation", step->script->isolation,
											 PGC_USERSET, PGC_S_SESSION,
											 GUC_ACTION_SET, true, 0, false);
				ms.step = step;
				migrate_guarded("migrate", src, step->migration, migrate_step, &ms);
			}
			ereport(NOTICE,
					(errmsg("applied %s", step->migration->path)));
			applied++;
			SPI_commit();
			MemoryContextSwitchTo(runcxt);
			MemoryContextReset(stepcxt);
		}
		journal_log_event("migrate", src->dir, NULL, true, NULL,
						  migrator_summary("applied", applied), NULL, NULL);
		if (applied > 0)
			snapshot_record("migrate");
	}
	PG_FINALLY();
	{
		journal_unlock_session();
	}
	PG_END_TRY();

	SPI_finish();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(runcxt);
	PG_RETURN_VOID();
}

/*
 * migrator.status(dir): one row per migration of the folder or journal.
 */
Datum
migrator_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MigrationSource *src;
	MigrationSet *set;
	RunPlan	   *plan;

	src = migrator_source_arg(fcinfo, 0);
	InitMaterializedSRF(fcinfo, 0);

	set = source_read(src);
	plan = plan_build(set);

	for (int i = 0; i < plan->count; i++)
	{
		PlanEntry  *e = &plan->entries[i];
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		const char *version = e->migration ? e->migration->version : e->applied->version;
		const char *name = e->migration ? e->migration->name : e->applied->name;

		if (version)
			values[0] = CStringGetTextDatum(version);
		else
			nulls[0] = true;
		values[1] = CStringGetTextDatum(name);
		values[2] = CStringGetTextDatum(plan_entry_state(e));
		if (e->applied && e->state != STATE_PENDING)
			values[3] = TimestampTzGetDatum(e->applied->applied_at);
		else
			nulls[3] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * migrator.verify(dir): the CI gate.
 */
Datum
migrator_verify(PG_FUNCTION_ARGS)
{
	MigrationSource *src;
	MigrationSet *set;
	RunPlan	   *plan;

	src = migrator_source_arg(fcinfo, 0);

	set = source_read(src);
	plan = plan_build(set);
	plan_check(plan, "verify");
	journal_log_event("verify", src->dir, NULL, true, NULL,
					  migrator_summary("verified", set->count), NULL, NULL);
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * Revert: down scripts, newest first
 * ---------------------------------------------------------------------
 */

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
		if (target && !everything &&
			layout_compare_versions(set->layout, e->migration->version, target) <= 0)
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
			RunStep    *step = palloc(sizeof(RunStep));
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
		double		ms = run_script(step->script);

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

	(void) run_script(step->script);
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

	if (!(fcinfo->context && IsA(fcinfo->context, CallContext) &&
		  !castNode(CallContext, fcinfo->context)->atomic))
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("migrator.revert_to() cannot run inside a transaction block"),
				 errdetail("It commits after each migration it reverts."),
				 errhint("CALL it on its own, or use migrator.revert() inside a transaction.")));
	src = migrator_source_arg(fcinfo, 0);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("revert_to needs a version")));
	version = arg_cstring(fcinfo, 1);
	migrator_check_isolation();

	runcxt = AllocSetContextCreate(CurrentMemoryContext, "migrator revert",
								   ALLOCSET_DEFAULT_SIZES);
	stepcxt = AllocSetContextCreate(runcxt, "migrator step", ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(runcxt);
	migrator_spi_connect(SPI_OPT_NONATOMIC);
	MemoryContextSwitchTo(runcxt);
	SPI_commit();
	journal_lock_session();
	PG_TRY();
	{
		ms.src = src;
		ms.target = version;
		ra.ms = &ms;
		ra.version = version;
		migrate_guarded("revert", src, NULL, revert_prepare, &ra);
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
				migrate_no_transaction(src, step, "revert");
			else
			{
				ms.step = step;
				migrate_guarded("revert", src, step->migration, revert_step, &ms);
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
	SPI_finish();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(runcxt);
	PG_RETURN_VOID();
}

/* online.c's concurrent builds settle what an interrupted run left, as above */
bool
migrator_online_settle_index(const ScriptStmt *ss, const char *path)
{
	return settle_leftover_index(ss, path);
}
