/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  Run one SQL statement at top level, in a background worker.
 *
 *	  CREATE INDEX CONCURRENTLY, VACUUM and the like refuse to run through
 *	  SPI (which runs utility statements as non-top-level) and inside a
 *	  transaction block.  A dynamic background worker connected to this
 *	  database as the calling role runs the statement the way
 *	  exec_simple_query() does, with isTopLevel = true, and reports its
 *	  error back through a dynamic shared memory segment; the caller raises
 *	  it verbatim.
 *
 *	  The caller must hold no snapshot and no lock the statement would wait
 *	  for (a concurrent index build waits for every transaction older than
 *	  itself): call it from a procedure right after a commit.
 *
 *	  migrator_query_in_database() runs a query the same way in another
 *	  database (pg_cron's, cron.database_name) and hands back the first
 *	  column of its first row as text.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "parser/analyze.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "migrator.h"

PGDLLEXPORT void migrator_worker_main(Datum arg);

#define WORKER_TEXT 2048
#define WORKER_RESULT 65536

typedef struct WorkerShared
{
	Oid			dboid;
	Oid			session_userid;	/* connects as this login role ... */
	Oid			userid;			/* ... and runs the statement as this one */
	char		search_path[WORKER_TEXT];	/* the caller's */
	int			outcome;		/* 0: no report, 1: done, 2: error */
	int			sqlerrcode;
	char		message[WORKER_TEXT];
	char		detail[WORKER_TEXT];
	char		hint[WORKER_TEXT];
	char		context[WORKER_TEXT];
	bool		query;			/* through SPI, result kept: not top level */
	bool		has_result;
	char		result[WORKER_RESULT];
	char		sql[FLEXIBLE_ARRAY_MEMBER];
} WorkerShared;

/* the statement, as exec_simple_query() would run it */
static void
execute_top_level(const char *sql)
{
	List	   *parsetrees;
	ListCell   *lc;

	/*
	 * Like exec_simple_query()'s MessageContext: the parse and plan trees
	 * must outlive the transactions a statement such as CREATE INDEX
	 * CONCURRENTLY commits and starts on its own.
	 */
	MemoryContext stmtcxt = AllocSetContextCreate(TopMemoryContext, "migrator worker statement",
												  ALLOCSET_DEFAULT_SIZES);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	MemoryContextSwitchTo(stmtcxt);
	sql = pstrdup(sql);
	parsetrees = pg_parse_query(sql);
	foreach(lc, parsetrees)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		bool		snapshot_set = false;
		List	   *querytrees;
		List	   *plantrees;
		Portal		portal;
		DestReceiver *receiver;
		QueryCompletion qc;
		int16		format = 0;

		if (analyze_requires_snapshot(raw))
		{
			PushActiveSnapshot(GetTransactionSnapshot());
			snapshot_set = true;
		}
		MemoryContextSwitchTo(stmtcxt);
		querytrees = pg_analyze_and_rewrite_fixedparams(raw, sql, NULL, 0, NULL);
		plantrees = pg_plan_queries(querytrees, sql, CURSOR_OPT_PARALLEL_OK, NULL);
		if (snapshot_set)
			PopActiveSnapshot();

		portal = CreatePortal("", true, true);
		portal->visible = false;
		PortalDefineQuery(portal, NULL, sql, CreateCommandTag(raw->stmt),
						  plantrees, NULL);
		PortalStart(portal, NULL, 0, InvalidSnapshot);
		PortalSetResultFormat(portal, 1, &format);
		receiver = CreateDestReceiver(DestNone);
		(void) compat_PortalRun(portal, FETCH_ALL, true, receiver, receiver, &qc);
		receiver->rDestroy(receiver);
		PortalDrop(portal, false);
		CommandCounterIncrement();
	}
	CommitTransactionCommand();
}

/* a query through SPI: the first column of its first row into ws->result */
static void
execute_query(WorkerShared *ws)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	migrator_spi_connect(0);
	if (SPI_execute(ws->sql, false, 0) < 0)
		elog(ERROR, "could not run: %s", ws->sql);
	if (SPI_tuptable != NULL && SPI_processed > 0)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (v != NULL)
		{
			if (strlen(v) >= WORKER_RESULT)
				elog(ERROR, "the result of \"%s\" is too long", ws->sql);
			strlcpy(ws->result, v, WORKER_RESULT);
			ws->has_result = true;
		}
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
}

void
migrator_worker_main(Datum arg)
{
	dsm_segment *seg;
	WorkerShared *ws;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	CurrentResourceOwner = ResourceOwnerCreate(NULL, "migrator worker");
	seg = dsm_attach(DatumGetUInt32(arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migrator worker could not attach to its shared memory")));
	ws = dsm_segment_address(seg);
	BackgroundWorkerInitializeConnectionByOid(ws->dboid, ws->session_userid, 0);
	if (ws->userid != ws->session_userid)
		SetUserIdAndSecContext(ws->userid, SECURITY_LOCAL_USERID_CHANGE);
	pgstat_report_appname("migrator");
	/* statements see the names the caller's session sees */
	SetConfigOption("search_path", ws->search_path, PGC_USERSET, PGC_S_SESSION);

	/* a migration's statement, or an index build of a change: never migrator's objects */
	migrator_guard_level = 1;
	PG_TRY();
	{
		if (ws->query)
			execute_query(ws);
		else
			execute_top_level(ws->sql);
		ws->outcome = 1;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(TopMemoryContext);
		edata = CopyErrorData();
		ws->sqlerrcode = edata->sqlerrcode;
		strlcpy(ws->message, edata->message ? edata->message : "", WORKER_TEXT);
		strlcpy(ws->detail, edata->detail ? edata->detail : "", WORKER_TEXT);
		strlcpy(ws->hint, edata->hint ? edata->hint : "", WORKER_TEXT);
		strlcpy(ws->context, edata->context ? edata->context : "", WORKER_TEXT);
		ws->outcome = 2;
		FlushErrorState();
		AbortCurrentTransaction();
	}
	PG_END_TRY();

	dsm_detach(seg);
	proc_exit(0);
}

/* the session stops waiting for its worker: stop the worker too */
static void
stop_worker(int code, Datum arg)
{
	TerminateBackgroundWorker((BackgroundWorkerHandle *) DatumGetPointer(arg));
}

/*
 * Run sql in a background worker connected to database dboid as the
 * current role, and wait for it: at top level, or as a query whose
 * result (first column of the first row, or NULL) goes to *result.
 * Returns NULL when it succeeded, else its error.
 */
static ErrorData *
run_worker(Oid dboid, const char *sql, char **result)
{
	Size		size = offsetof(WorkerShared, sql) + strlen(sql) + 1;
	dsm_segment *seg = dsm_create(size, 0);
	WorkerShared *ws = dsm_segment_address(seg);
	BackgroundWorker bgw;
	BackgroundWorkerHandle *handle;
	BgwHandleStatus status;
	ErrorData  *err = NULL;

	memset(ws, 0, offsetof(WorkerShared, sql));
	ws->dboid = dboid;
	ws->query = (result != NULL);
	ws->session_userid = GetSessionUserId();
	ws->userid = GetUserId();
	strlcpy(ws->search_path, namespace_search_path ? namespace_search_path : "", WORKER_TEXT);
	strcpy(ws->sql, sql);

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(bgw.bgw_library_name, "migrator", BGW_MAXLEN);
	strlcpy(bgw.bgw_function_name, "migrator_worker_main", BGW_MAXLEN);
	strlcpy(bgw.bgw_name, "migrator statement", BGW_MAXLEN);
	strlcpy(bgw.bgw_type, "migrator statement", BGW_MAXLEN);
	bgw.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	bgw.bgw_notify_pid = MyProcPid;

	if (!RegisterDynamicBackgroundWorker(&bgw, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start a background worker for a statement that must run outside a transaction"),
				 errhint("Raise max_worker_processes (now %d).", max_worker_processes)));

	/*
	 * Cancelled or terminated while waiting (also FATAL, when the session
	 * is terminated): the statement must not run on alone.
	 */
	PG_ENSURE_ERROR_CLEANUP(stop_worker, PointerGetDatum(handle));
	{
		status = WaitForBackgroundWorkerShutdown(handle);
	}
	PG_END_ENSURE_ERROR_CLEANUP(stop_worker, PointerGetDatum(handle));

	if (status == BGWH_POSTMASTER_DIED)
		ereport(FATAL,
				(errcode(ERRCODE_ADMIN_SHUTDOWN),
				 errmsg("postmaster exited while a migrator worker was running")));
	if (ws->outcome != 1)
	{
		err = palloc0(sizeof(ErrorData));
		err->elevel = ERROR;
		if (ws->outcome == 2)
		{
			err->sqlerrcode = ws->sqlerrcode;
			err->message = pstrdup(ws->message);
			err->detail = ws->detail[0] ? pstrdup(ws->detail) : NULL;
			err->hint = ws->hint[0] ? pstrdup(ws->hint) : NULL;
			err->context = ws->context[0] ? pstrdup(ws->context) : NULL;
		}
		else
		{
			err->sqlerrcode = ERRCODE_INTERNAL_ERROR;
			err->message = psprintf("the migrator worker running \"%s\" exited without reporting", sql);
			err->hint = pstrdup("See the server log.");
		}
	}
	else if (result)
		*result = ws->has_result ? pstrdup(ws->result) : NULL;
	dsm_detach(seg);
	return err;
}

/*
 * Run sql at top level in a background worker, as the current role, and
 * wait for it.  Returns NULL when it succeeded, else its error.
 */
ErrorData *
migrator_try_top_level(const char *sql)
{
	return run_worker(MyDatabaseId, sql, NULL);
}

/*
 * Run a query in database dboid, as the current role: NULL when it
 * succeeded, with its result (first column of the first row, or NULL) in
 * *result; else its error.
 */
ErrorData *
migrator_try_query_in_database(Oid dboid, const char *sql, char **result)
{
	*result = NULL;
	return run_worker(dboid, sql, result);
}

/*
 * The same, raising its error here with detail added; returns the result.
 */
char *
migrator_query_in_database(Oid dboid, const char *sql, const char *detail)
{
	char	   *result = NULL;
	ErrorData  *err = run_worker(dboid, sql, &result);

	if (err)
		migrator_raise(err, detail);
	return result;
}

/* raise an error of the worker's as it was raised there */
void
migrator_raise(ErrorData *err, const char *extra_detail)
{
	ereport(ERROR,
			(errcode(err->sqlerrcode),
			 errmsg_internal("%s", err->message),
			 (err->detail || extra_detail) ?
			 errdetail_internal("%s%s%s", err->detail ? err->detail : "",
								(err->detail && extra_detail) ? "\n" : "",
								extra_detail ? extra_detail : "") : 0,
			 err->hint ? errhint("%s", err->hint) : 0,
			 err->context ? errcontext("%s", err->context) : 0));
}

void
migrator_run_top_level(const char *sql)
{
	ErrorData  *err = migrator_try_top_level(sql);

	if (err)
		migrator_raise(err, NULL);
}
