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


/* one statement of a migration, through SPI as it is written */
void
migrator_exec_statement(const char *sql)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("statement cannot run in a migration: %s",
						SPI_result_code_string(rc))));
	SPI_freetuptable(SPI_tuptable);
}
/*
 * Execute one migration's statements; returns its duration in ms.
 * Settings the migration changes (SET search_path, SET ROLE, ...) end with
 * it, as they would with the end of a psql session.
 */
double
migrator_run_script(Script *s)
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

			st.stmt = i;
			old = MemoryContextSwitchTo(stmtcxt);
			sql = pnstrdup(s->text + ss->offset, ss->len);
			migrator_exec_statement(sql);
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

static void
verify_error_callback(void *arg)
{
	errcontext("verify script of sqitch change \"%s\": the change is rolled back",
			   ((RunStep *) arg)->migration->name);
}

static void
verify_script(void *arg)
{
	(void) migrator_run_script(((RunStep *) arg)->verify);
}

/*
 * A Sqitch change's verify script, run after its deploy script in the
 * same transaction, inside a subtransaction that is always rolled back
 * (as the script's own BEGIN; ... ROLLBACK; would).  An error in it ends
 * the run: the deploy is rolled back with the change's transaction.
 */
static void
run_verify(RunStep *step)
{
	ErrorContextCallback cb;

	cb.callback = verify_error_callback;
	cb.arg = step;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	migrator_subxact_discard(verify_script, step);
	error_context_stack = cb.previous;
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
		step = palloc0(sizeof(RunStep));
		step->migration = e->migration;
		step->script = script_parse_keep(e->migration);
		if (e->migration->verify_path)
			step->verify = script_parse(source_read_verify(set, e->migration));
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
	char	   *what;			/* the step running (names a lock timeout) */
	List	   *done;			/* ApplyDone, in order */
} ApplyRun;

/* room for the longest path of the steps */
static char *
longest_path(List *steps)
{
	size_t		longest = 0;
	ListCell   *lc;

	foreach(lc, steps)
		longest = Max(longest, strlen(((RunStep *) lfirst(lc))->migration->path));
	return palloc0(longest + 1);
}

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

		strcpy(run->what, step->migration->path);
		d->migration = step->migration;
		/* what a step allocates goes with it: memory stays flat over the folder */
		MemoryContextSwitchTo(stepcxt);
		d->ms = migrator_run_script(step->script);
		if (step->verify)
			run_verify(step);
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
	run.what = longest_path(steps);
	run.done = NIL;
	if (steps != NIL)
	{
		MemoryContext cxt = CurrentMemoryContext;

		PG_TRY();
		{
			migrator_retry_on_lock(apply_all_fn, &run, run.what);
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
 * One piece of migrate()'s (or revert_to()'s) work, in a subtransaction of
 * the procedure's current transaction; a migration's is retried after a
 * lock timeout (retry.c).  On failure the subtransaction is rolled back,
 * the failure is logged (about m, or about the whole run when m is NULL)
 * and committed, and the error is raised again.
 */
void
migrator_migrate_guarded(const char *action, const MigrationSource *src, Migration *m,
						 MigratorWork work, void *arg)
{
	MemoryContext oldcontext = CurrentMemoryContext;

	PG_TRY();
	{
		/* a migration that timed out waiting for a lock is retried after a backoff */
		if (m == NULL)
			(void) migrator_subxact_try(work, arg, NULL);
		else
			migrator_retry_on_lock_timeout(work, arg, m->path);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		journal_log_event(action, src->dir, m, false,
						  unpack_sql_state(edata->sqlerrcode), edata->message,
						  edata->detail, edata->context);
		SPI_commit();
		MemoryContextSwitchTo(oldcontext);
		ReThrowError(edata);
	}
	PG_END_TRY();
}

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
	double		duration = migrator_run_script(step->script);

	if (step->verify)
		run_verify(step);
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
void
migrator_run_no_transaction(const MigrationSource *src, RunStep *step, const char *action)
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
 * The skeleton migrate() and revert_to() share.  They are procedures that
 * commit after each migration: refused inside a transaction block.
 */
void
migrator_procedure_check(FunctionCallInfo fcinfo, const char *call, const char *detail,
						 const char *hint)
{
	if (!(fcinfo->context && IsA(fcinfo->context, CallContext) &&
		  !castNode(CallContext, fcinfo->context)->atomic))
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", call),
				 errdetail("%s", detail),
				 errhint("%s", hint)));
}

/*
 * Their opening: a context for the run (*runcxt, current on return) and one
 * for each step in it (*stepcxt), both kept over the commits (the CALL's
 * portal context is); a nonatomic SPI session; and, once other runners
 * are waited for holding no snapshot, the runners' session lock, which the
 * caller releases (journal_unlock_session()) before migrator_procedure_end().
 */
void
migrator_procedure_begin(const char *name, MemoryContext *runcxt, MemoryContext *stepcxt,
						 MemoryContext *oldcxt)
{
	/* name is a string constant, as AllocSetContextCreate() asserts of its own */
	*runcxt = AllocSetContextCreateInternal(CurrentMemoryContext, name, ALLOCSET_DEFAULT_SIZES);
	*stepcxt = AllocSetContextCreate(*runcxt, "migrator step", ALLOCSET_DEFAULT_SIZES);
	*oldcxt = MemoryContextSwitchTo(*runcxt);
	migrator_spi_connect(SPI_OPT_NONATOMIC);
	MemoryContextSwitchTo(*runcxt);
	SPI_commit();
	journal_lock_session();
}

/* ... and their close */
void
migrator_procedure_end(MemoryContext runcxt, MemoryContext oldcxt)
{
	SPI_finish();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(runcxt);
}

/*
 * CALL migrator.migrate(dir, target): commits after each migration.
 */
Datum
migrator_migrate(PG_FUNCTION_ARGS)
{
	MigrationSource *src;
	char	   *target = arg_cstring(fcinfo, 1);
	int			online = PG_NARGS() > 2 && !PG_ARGISNULL(2) ? PG_GETARG_BOOL(2) : -1;
	MemoryContext runcxt;
	MemoryContext stepcxt;
	MemoryContext oldcxt;
	MigrateState ms;
	ListCell   *lc;
	int			applied = 0;

	migrator_procedure_check(fcinfo, "migrator.migrate()", "It commits after each migration.",
							 "CALL it on its own, or use migrator.apply() to apply everything inside the current transaction.");
	src = migrator_source_arg(fcinfo, 0);
	migrator_check_isolation();

	/* the lock is kept to the end */
	migrator_procedure_begin("migrator migrate", &runcxt, &stepcxt, &oldcxt);
	PG_TRY();
	{
		/* a run refused before any migration is logged too */
		ms.src = src;
		ms.target = target;
		migrator_migrate_guarded("migrate", src, NULL, migrate_prepare, &ms);
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
				migrator_run_no_transaction(src, step, "migrate");
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
				migrator_migrate_guarded("migrate", src, step->migration, migrate_step, &ms);
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

	migrator_procedure_end(runcxt, oldcxt);
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
/* online.c's concurrent builds settle what an interrupted run left, as above */
bool
migrator_online_settle_index(const ScriptStmt *ss, const char *path)
{
	return settle_leftover_index(ss, path);
}
