/*-------------------------------------------------------------------------
 *
 * journal.c
 *	  migrator.journal (what is applied) and migrator.events (what happened),
 *	  and the advisory lock that serialises runners.
 *
 *	  Callers may read the journal (SELECT is granted to PUBLIC) but only its
 *	  owner may write it, so rows are written as the table's owner, with
 *	  search_path pinned to pg_catalog, recording the caller's name.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "migrator.h"

/*
 * Transaction-scoped advisory lock key taken by every runner: the bytes of
 * "migrator" read as a big-endian int8 (visible in pg_locks as classid
 * 1835624295, objid 1918989426).
 */
#define MIGRATOR_LOCK_KEY INT64CONST(0x6d69677261746f72)

/* held while a migration runs outside a transaction block ("migrator!") */
#define MIGRATOR_NOTX_KEY INT64CONST(0x6d69677261746f21)

/*
 * Whether another session holds KEY exclusively.  The probe takes the key in
 * share mode, which never conflicts with another prober's: two sessions
 * probing at the same instant must not each see the other's probe as a
 * holder.
 */
static bool
key_is_held_elsewhere(int64 key)
{
	if (!DatumGetBool(DirectFunctionCall1(pg_try_advisory_lock_shared_int8,
										  Int64GetDatum(key))))
		return true;
	DirectFunctionCall1(pg_advisory_unlock_shared_int8, Int64GetDatum(key));
	return false;
}

static void
xact_lock_fn(void *arg)
{
	int			nest = NewGUCNestLevel();

	(void) set_config_option("lock_timeout", "100", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	DirectFunctionCall1(pg_advisory_xact_lock_int8, Int64GetDatum(MIGRATOR_LOCK_KEY));
	AtEOXact_GUC(true, nest);
}

/*
 * One wait for the transaction-scoped lock, of at most 100 ms, in a
 * subtransaction (the lock, once granted, passes to the transaction).
 */
static bool
xact_lock_attempt(void)
{
	return migrator_subxact_try(xact_lock_fn, NULL, false);
}

/*
 * apply(): transaction-scoped, so it also works behind a transaction pooler.
 * It waits inside the caller's transaction, which holds a snapshot: were
 * the holder running a migration outside a transaction block, its
 * concurrent index build would wait for this transaction in turn, forever
 * (Flyway #1654).  So it waits in short slices and gives up with a clear
 * error as soon as it sees that.
 */
void
journal_lock(void)
{
	while (!xact_lock_attempt())
	{
		if (key_is_held_elsewhere(MIGRATOR_NOTX_KEY))
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("another session is running a migration outside a transaction block"),
					 errdetail("Waiting for it inside this transaction would make its concurrent index build wait for this transaction in turn."),
					 errhint("Try again when it is done, or use CALL migrator.migrate(), which waits without holding a snapshot.")));
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * migrate(): for the whole CALL, across its commits (one statement, so a
 * transaction-mode pooler keeps the connection).  The caller has just
 * committed and holds no snapshot, so its wait delays no index build.
 * Released by journal_unlock_session(), also on error.
 */
void
journal_lock_session(void)
{
	DirectFunctionCall1(pg_advisory_lock_int8, Int64GetDatum(MIGRATOR_LOCK_KEY));
}

void
journal_unlock_session(void)
{
	DirectFunctionCall1(pg_advisory_unlock_int8, Int64GetDatum(MIGRATOR_LOCK_KEY));
}

/*
 * Taken exclusively, waiting if need be: only probers hold it otherwise
 * (journal_lock(), for an instant, in share mode), and the caller holds the
 * journal lock, so no other session runs a migration outside a transaction
 * block.
 */
void
journal_no_transaction_begin(void)
{
	DirectFunctionCall1(pg_advisory_lock_int8, Int64GetDatum(MIGRATOR_NOTX_KEY));
}

void
journal_no_transaction_end(void)
{
	DirectFunctionCall1(pg_advisory_unlock_int8, Int64GetDatum(MIGRATOR_NOTX_KEY));
}

/* the plans of the rows written for every migration (exec_as_owner) */
static SPIPlanPtr versioned_plan = NULL;
static SPIPlanPtr repeatable_plan = NULL;
static SPIPlanPtr event_plan = NULL;

static Oid
journal_owner(void)
{
	Oid			nsp = get_namespace_oid(MIGRATOR_SCHEMA, false);
	Oid			rel = get_relname_relid("journal", nsp);
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(rel))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"%s.journal\" does not exist", MIGRATOR_SCHEMA),
				 errhint("Re-create the extension: DROP EXTENSION migrator; CREATE EXTENSION migrator;")));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", rel);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

static void exec_as_owner(SPIPlanPtr *plan, const char *sql, int nargs,
						  Oid *types, Datum *values, const char *nulls);

/*
 * Run one statement as the journal's owner with a pinned search_path.
 */
void
migrator_exec_as_owner(const char *sql, int nargs, Oid *types, Datum *values,
				 const char *nulls)
{
	exec_as_owner(NULL, sql, nargs, types, values, nulls);
}

/*
 * The same, with the statement's plan prepared on first use and kept in
 * *plan for the rest of the session: for the journal and event rows
 * written once per migration (always under the same owner and
 * search_path; the plan cache re-plans after a DROP EXTENSION).
 */
static void
exec_as_owner(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types,
			  Datum *values, const char *nulls)
{
	Oid			owner = journal_owner();
	Oid			save_userid;
	int			save_sec;
	int			nest;
	int			rc;
	int			guard;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	/* migrator's own write: the guard on its objects is lifted meanwhile */
	guard = migrator_guard_level;
	migrator_guard_level = 0;
	PG_TRY();
	{
		SPI_connect();
		if (plan == NULL)
			rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
		else
		{
			if (*plan == NULL)
			{
				SPIPlanPtr	p = SPI_prepare(sql, nargs, types);

				if (p == NULL)
					elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
				if (SPI_keepplan(p) != 0)
					elog(ERROR, "SPI_keepplan failed");
				*plan = p;
			}
			rc = SPI_execute_plan(*plan, values, nulls, false, 0);
		}
		if (rc < 0)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
		SPI_finish();
	}
	PG_FINALLY();
	{
		migrator_guard_level = guard;
	}
	PG_END_TRY();

	AtEOXact_GUC(true, nest);
	SetUserIdAndSecContext(save_userid, save_sec);
}

static char *
current_user_name(void)
{
	return GetUserNameFromId(GetUserId(), false);
}

static Datum
text_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/*
 * Every journal row, oldest first, in the caller's memory context.
 *
 * Journal reads are not read_only for SPI: that makes SPI take a fresh
 * snapshot, so that a read after waiting for the lock sees the rows the
 * previous holder committed (a read_only query would reuse the calling
 * statement's snapshot, taken before the wait).
 */
List *
journal_read(void)
{
	MemoryContext caller = CurrentMemoryContext;
	List	   *rows = NIL;
	int			rc;

	SPI_connect();
	rc = SPI_execute("SELECT version, name, path, checksum, applied_at, "
					 "kind OPERATOR(pg_catalog.=) 'repeatable' "
					 "FROM migrator.journal ORDER BY id", false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));

	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(caller);
		JournalRow *r = palloc0(sizeof(JournalRow));
		bool		isnull;

		r->version = SPI_getvalue(tup, desc, 1);
		r->name = SPI_getvalue(tup, desc, 2);
		r->path = SPI_getvalue(tup, desc, 3);
		r->checksum = SPI_getvalue(tup, desc, 4);
		r->applied_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 5, &isnull));
		r->repeatable = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
		rows = lappend(rows, r);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return rows;
}

/*
 * Record an applied migration (a repeatable one replaces its earlier row).
 */
void
journal_record(const Migration *m, double duration_ms, int nstmts)
{
	journal_record_origin(m, duration_ms, nstmts, "applied");
}

/* the same, saying how the migration came to be recorded */
void
journal_record_origin(const Migration *m, double duration_ms, int nstmts,
					  const char *origin)
{
	Oid			types[8] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, INTERVALOID,
	INT4OID, TEXTOID, TEXTOID};
	Datum		values[8];
	char		nulls[8] = "        ";
	Interval   *iv = palloc0(sizeof(Interval));

	iv->time = (int64) (duration_ms * 1000.0);
	values[0] = text_or_null(m->version, &nulls[0]);
	values[1] = CStringGetTextDatum(m->name);
	values[2] = CStringGetTextDatum(m->path);
	values[3] = CStringGetTextDatum(m->checksum);
	values[4] = IntervalPGetDatum(iv);
	values[5] = Int32GetDatum(nstmts);
	values[6] = CStringGetTextDatum(current_user_name());
	values[7] = CStringGetTextDatum(origin);

	if (m->kind == MIGRATION_VERSIONED)
		exec_as_owner(&versioned_plan, "INSERT INTO migrator.journal "
						 "(version, name, kind, path, checksum, duration, statements, applied_by, origin) "
						 "VALUES ($1, $2, 'versioned', $3, $4, $5, $6, $7, $8)",
						 8, types, values, nulls);
	else
		exec_as_owner(&repeatable_plan, "INSERT INTO migrator.journal AS j "
						 "(version, name, kind, path, checksum, duration, statements, applied_by, origin) "
						 "VALUES ($1, $2, 'repeatable', $3, $4, $5, $6, $7, $8) "
						 "ON CONFLICT (name) WHERE kind OPERATOR(pg_catalog.=) 'repeatable' "
						 "DO UPDATE SET path = EXCLUDED.path, checksum = EXCLUDED.checksum, "
						 "duration = EXCLUDED.duration, statements = EXCLUDED.statements, "
						 "applied_by = EXCLUDED.applied_by, origin = EXCLUDED.origin, "
						 "applied_at = pg_catalog.clock_timestamp()",
						 8, types, values, nulls);
}

/*
 * The first column of the first row of a query, as text in the caller's
 * memory context, or NULL when there is no row (or it is NULL).
 */
char *
migrator_spi_text(const char *sql, int nargs, Oid *types, Datum *values,
				  bool read_only)
{
	MemoryContext caller = CurrentMemoryContext;
	char	   *result = NULL;

	SPI_connect();
	if (SPI_execute_with_args(sql, nargs, types, values, NULL, read_only, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not run \"%s\"", sql);
	if (SPI_processed > 0)
	{
		MemoryContext old = MemoryContextSwitchTo(caller);

		result = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return result;
}

/* a reverted migration leaves the journal */
void
journal_forget(const Migration *m)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(m->version);
	migrator_exec_as_owner("DELETE FROM migrator.journal WHERE version OPERATOR(pg_catalog.=) $1",
						   1, types, values, NULL);
}

/*
 * Append to migrator.events.  m may be NULL for an event about a whole run.
 */
void
journal_log_event(const char *action, const char *dir, const Migration *m,
				  bool success, const char *sqlstate, const char *message,
				  const char *detail, const char *context)
{
	Oid			types[9] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[9];
	char		nulls[9];
	StringInfoData det;

	initStringInfo(&det);
	if (detail)
		appendStringInfoString(&det, detail);
	if (context)
		appendStringInfo(&det, "%s%s", det.len ? "\n" : "", context);

	values[0] = CStringGetTextDatum(action);
	values[1] = text_or_null(dir, &nulls[1]);
	values[2] = text_or_null(m ? m->version : NULL, &nulls[2]);
	values[3] = text_or_null(m ? m->path : NULL, &nulls[3]);
	values[4] = CStringGetTextDatum(success ? "success" : "failure");
	values[5] = text_or_null(sqlstate, &nulls[5]);
	values[6] = text_or_null(message, &nulls[6]);
	values[7] = text_or_null(det.len ? det.data : NULL, &nulls[7]);
	values[8] = CStringGetTextDatum(current_user_name());
	nulls[0] = nulls[4] = nulls[8] = ' ';

	exec_as_owner(&event_plan, "INSERT INTO migrator.events "
					 "(action, dir, version, path, outcome, sqlstate, message, detail, run_by) "
					 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
					 9, types, values, nulls);
}
