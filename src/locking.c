/*-------------------------------------------------------------------------
 *
 * locking.c
 *	  Taking the locks of a change's end (contract, abort) without failing
 *	  or stalling the application.
 *
 *	  Applications reach a table through a view (the new shape's, in the
 *	  change's version schema, or one of their own) or directly, so they
 *	  lock views before tables.  migrator_run_locked() takes its locks in
 *	  that order, all of them up front: every view of the version schema and
 *	  every view on the tables (outermost first), then the tables.  One
 *	  attempt is one subtransaction in which every lock wait is bounded by
 *	  migrator.lock_timeout; when a lock is not granted in time the whole
 *	  attempt is rolled back, so no lock it took is held while it waits out
 *	  its backoff, and it is tried again.  Before each attempt an autovacuum
 *	  that holds one of the tables is cancelled, as pg_repack does:
 *	  PostgreSQL itself cancels it only after deadlock_timeout, while every
 *	  application query queues behind the waiting lock.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "storage/lmgr.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "change.h"
#include "migrator.h"

/* true while the work of an attempt runs: migrator_ddl() then tries once */
bool		migrator_in_locked_run = false;

typedef struct LockedRun
{
	List	   *relids;
	bool		views_first;
	LOCKMODE	lockmode;
	const char *version_schema;
	void		(*work) (void *arg);
	void	   *arg;
	List	   *wraparound;		/* pids already reported */
} LockedRun;

static Datum
oid_array(List *oids)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(oids), 1));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, oids)
		elems[n++] = ObjectIdGetDatum(lfirst_oid(lc));
	return PointerGetDatum(construct_array(elems, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
}

/* ---------------------------------------------------------------------
 * Autovacuum in the way
 * ---------------------------------------------------------------------
 */

/*
 * Cancel an autovacuum worker as PostgreSQL's lock manager does when one
 * blocks a lock request (ProcSleep): SIGINT, unless it is an anti-wraparound
 * vacuum, which would only start again at once and must be waited for.
 */
static void
cancel_autovacuum(LockedRun *run, int pid, const char *relname)
{
	PGPROC	   *proc;
	uint8		flags = 0;

	LWLockAcquire(ProcArrayLock, LW_SHARED);
	proc = BackendPidGetProcWithLock(pid);
	if (proc != NULL)
		flags = ProcGlobal->statusFlags[proc->pgxactoff];
	LWLockRelease(ProcArrayLock);
	if (!(flags & PROC_IS_AUTOVACUUM))
		return;					/* never an application session */
	if (flags & PROC_VACUUM_FOR_WRAPAROUND)
	{
		if (list_member_int(run->wraparound, pid))
			return;
		run->wraparound = lappend_int(run->wraparound, pid);
		ereport(NOTICE,
				(errmsg("an autovacuum to prevent wraparound (pid %d) holds table \"%s\"; it is not cancelled",
						pid, relname),
				 errdetail("Cancelled, it would start again at once; the lock is retried until it ends."),
				 errhint("Let it finish (VACUUM FREEZE the table beforehand next time), or raise migrator.lock_retries.")));
		return;
	}
	ereport(LOG,
			(errmsg("migrator: cancelling autovacuum (pid %d) of table \"%s\", which holds a lock migrator needs",
					pid, relname)));
	if (kill(pid, SIGINT) < 0)
		ereport(LOG,
				(errmsg("could not send signal to process %d: %m", pid)));
}

/* cancel every autovacuum that holds a lock on one of the tables (or their TOAST) */
static void
cancel_autovacuums(LockedRun *run)
{
	Oid			types[1] = {OIDARRAYOID};
	Datum		values[1];
	MemoryContext caller = CurrentMemoryContext;
	int			n;
	int		   *pids;
	char	  **relnames;

	values[0] = oid_array(run->relids);
	migrator_spi_connect(0);
	if (SPI_execute_with_args("SELECT DISTINCT l.pid, l.relation::pg_catalog.regclass::pg_catalog.text "
							  "FROM pg_catalog.pg_stat_activity a JOIN pg_catalog.pg_locks l "
							  "ON l.pid OPERATOR(pg_catalog.=) a.pid "
							  "WHERE a.backend_type OPERATOR(pg_catalog.=) 'autovacuum worker' "
							  "AND l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.granted "
							  "AND l.database OPERATOR(pg_catalog.=) "
							  "(SELECT oid FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database()) "
							  "AND (l.relation OPERATOR(pg_catalog.=) ANY ($1) OR l.relation IN "
							  "(SELECT reltoastrelid FROM pg_catalog.pg_class WHERE oid OPERATOR(pg_catalog.=) ANY ($1)))",
							  1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_locks");
	n = (int) SPI_processed;
	pids = MemoryContextAlloc(caller, sizeof(int) * Max(n, 1));
	relnames = MemoryContextAlloc(caller, sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		bool		isnull;

		pids[i] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		relnames[i] = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[i],
															   SPI_tuptable->tupdesc, 2));
	}
	SPI_finish();
	for (int i = 0; i < n; i++)
		cancel_autovacuum(run, pids[i], relnames[i]);
}

/* ---------------------------------------------------------------------
 * One attempt
 * ---------------------------------------------------------------------
 */

/*
 * The views to lock before the tables, outermost first (a view on a view
 * before the view it reads): those of the version schema and every view
 * that reads one of the tables, directly or through other views.
 */
static List *
views_to_lock(LockedRun *run)
{
	Oid			types[2] = {OIDARRAYOID, TEXTOID};
	Datum		values[2];
	char		nulls[] = "  ";
	List	   *result = NIL;
	MemoryContext caller = CurrentMemoryContext;

	values[0] = oid_array(run->relids);
	values[1] = run->version_schema ? CStringGetTextDatum(run->version_schema) : (Datum) 0;
	nulls[1] = run->version_schema ? ' ' : 'n';
	migrator_spi_connect(0);
	if (SPI_execute_with_args("WITH RECURSIVE v(oid, depth) AS ("
							  " SELECT c.oid, 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
							  " ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
							  " WHERE n.nspname OPERATOR(pg_catalog.=) $2 AND c.relkind OPERATOR(pg_catalog.=) 'v'"
							  " UNION"
							  " SELECT r.ev_class, 1 FROM pg_catalog.pg_depend d"
							  " JOIN pg_catalog.pg_rewrite r ON r.oid OPERATOR(pg_catalog.=) d.objid"
							  " WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
							  " AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
							  " AND d.refobjid OPERATOR(pg_catalog.=) ANY ($1)"
							  " UNION"
							  " SELECT r.ev_class, v.depth OPERATOR(pg_catalog.+) 1 FROM v JOIN pg_catalog.pg_depend d"
							  " ON d.refobjid OPERATOR(pg_catalog.=) v.oid"
							  " AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
							  " AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
							  " JOIN pg_catalog.pg_rewrite r ON r.oid OPERATOR(pg_catalog.=) d.objid"
							  " WHERE r.ev_class OPERATOR(pg_catalog.<>) v.oid AND v.depth OPERATOR(pg_catalog.<) 100)"
							  " SELECT v.oid FROM v JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) v.oid"
							  " WHERE c.relkind OPERATOR(pg_catalog.=) 'v'"
							  " GROUP BY v.oid ORDER BY pg_catalog.max(v.depth) DESC, v.oid",
							  2, types, values, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the views on the tables");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			oid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 1, &isnull));
		MemoryContext old = MemoryContextSwitchTo(caller);

		result = lappend_oid(result, oid);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return result;
}

static void
locked_attempt(void *arg)
{
	LockedRun  *run = arg;
	int			nest = NewGUCNestLevel();
	ListCell   *lc;

	cancel_autovacuums(run);
	(void) set_config_option("lock_timeout", psprintf("%d", migrator_lock_timeout),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	if (run->views_first)
		foreach(lc, views_to_lock(run))
			LockRelationOid(lfirst_oid(lc), run->lockmode);
	foreach(lc, run->relids)
		LockRelationOid(lfirst_oid(lc), run->lockmode);
	PG_TRY();
	{
		migrator_in_locked_run = true;
		run->work(run->arg);
	}
	PG_FINALLY();
	{
		migrator_in_locked_run = false;
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nest);
}

/*
 * Run work(arg) holding lockmode on the tables relids, taken after the same
 * lock on the views over them and on those of version_schema when
 * views_first, in one subtransaction per attempt.  Every lock wait in an
 * attempt, the DDL of work included, is bounded by migrator.lock_timeout;
 * an attempt that times out (or is chosen as a deadlock's victim) is rolled
 * back whole and retried after a backoff, up to migrator.lock_retries times
 * (migrator_retry_on_lock()).  Each attempt first cancels an autovacuum in
 * the way.  what names the work in the retry NOTICEs.
 */
void
migrator_run_locked(List *relids, bool views_first, int lockmode,
					const char *version_schema,
					void (*work) (void *arg), void *arg, const char *what)
{
	LockedRun	run;

	run.relids = relids;
	run.views_first = views_first;
	run.lockmode = lockmode;
	run.version_schema = version_schema;
	run.work = work;
	run.arg = arg;
	run.wraparound = NIL;
	migrator_retry_on_lock(locked_attempt, &run, what);
}

/* ---------------------------------------------------------------------
 * What stored DDL touches
 * ---------------------------------------------------------------------
 */

/* the parse trees of the statements of every string of sqls, in order */
static List *
parsed_statements(List *sqls)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, sqls)
	{
		ListCell   *lc2;

		foreach(lc2, raw_parser(lfirst(lc), RAW_PARSE_DEFAULT))
			result = lappend(result, ((RawStmt *) lfirst(lc2))->stmt);
	}
	return result;
}

/* the table a statement's relation names: an index's table; InvalidOid if none */
static Oid
table_of(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	if (OidIsValid(relid) && get_rel_relkind(relid) == RELKIND_INDEX)
		relid = IndexGetRelation(relid, true);
	if (!OidIsValid(relid))
		return InvalidOid;
	if (get_rel_relkind(relid) != RELKIND_RELATION &&
		get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return InvalidOid;
	return relid;
}

static List *
statement_relations(Node *stmt, List *result)
{
	ListCell   *lc;

	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			return list_append_unique_oid(result, table_of(((AlterTableStmt *) stmt)->relation));
		case T_RenameStmt:
			if (((RenameStmt *) stmt)->relation)
				return list_append_unique_oid(result, table_of(((RenameStmt *) stmt)->relation));
			return result;
		case T_IndexStmt:
			return list_append_unique_oid(result, table_of(((IndexStmt *) stmt)->relation));
		case T_DropStmt:
			if (((DropStmt *) stmt)->removeType != OBJECT_TABLE &&
				((DropStmt *) stmt)->removeType != OBJECT_INDEX)
				return result;
			foreach(lc, ((DropStmt *) stmt)->objects)
				result = list_append_unique_oid(result,
												table_of(makeRangeVarFromNameList(lfirst(lc))));
			return result;
		default:
			return result;
	}
}

/*
 * The tables that the statements (the stored DDL of a change's steps)
 * alter, rename or drop, or whose indexes they touch: these too are locked
 * up front, after their views.  Statements of other
 * kinds (a "sql" operation's own "down") add nothing: they still run
 * within the attempt, their lock waits bounded as every other.
 */
List *
migrator_sql_relations(List *sqls)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, parsed_statements(sqls))
		result = statement_relations(lfirst(lc), result);
	return list_delete_oid(result, InvalidOid);
}

/*
 * The VALIDATE CONSTRAINT commands among the statements, each as a
 * statement of its own: contract runs them before it takes its exclusive
 * locks, as they scan the table under a lock that lets writes through.
 */
List *
migrator_sql_validations(List *sqls)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, parsed_statements(sqls))
	{
		Node	   *stmt = lfirst(lc);
		AlterTableStmt *at;
		ListCell   *lc2;

		if (!IsA(stmt, AlterTableStmt))
			continue;
		at = (AlterTableStmt *) stmt;
		foreach(lc2, at->cmds)
		{
			AlterTableCmd *cmd = lfirst(lc2);

			if (cmd->subtype == AT_ValidateConstraint)
				result = lappend(result,
								 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s",
										  quote_qualified_identifier(at->relation->schemaname,
																	 at->relation->relname),
										  quote_identifier(cmd->name)));
		}
	}
	return result;
}
