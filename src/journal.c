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
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
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
	return migrator_subxact_try(xact_lock_fn, NULL, migrator_lock_failed);
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

/* this session holds the journal lock (either kind): it is in a run */
bool
journal_lock_held(void)
{
	LOCKTAG		tag;

	/* as pg_advisory_lock(bigint) and pg_advisory_xact_lock(bigint) set it */
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (MIGRATOR_LOCK_KEY >> 32),
						 (uint32) MIGRATOR_LOCK_KEY, 1);
	return compat_LockHeldByMe(&tag, ExclusiveLock);
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
		migrator_spi_connect(0);
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

/* ---------------------------------------------------------------------
 * Direct row writes during a run
 *
 * A run writes two rows per migration, its journal row and its event.
 * Through SPI each INSERT started an executor of its own, which read
 * every CHECK constraint of the table back from its stored text and
 * planned it again (for the journal, four): a third of what the rows
 * cost.  Between journal_batch_begin() and journal_batch_end() (run.c,
 * around a run's migrations) the rows go instead straight into the table
 * the way logical replication's apply worker inserts them
 * (ExecSimpleRelationInsert: constraints, the table's unique indexes),
 * through one executor state per table kept for the batch, so that
 * constraints and column defaults are prepared once per batch; and the
 * constraints' and defaults' expression trees are kept for the session
 * (until the table's relcache entry is invalidated), so that even a
 * batch of one migration (migrate(), a transaction each) does not read
 * them back from text.
 *
 * The rows and what checks them are the same: the same NOT NULL and
 * CHECK constraints, unique indexes and defaults (identity, clock
 * timestamps), evaluated as the table's owner.  A table that has
 * triggers, rules or row-level security, or that its owner may not
 * insert into, is written through SPI as before; so is a repeatable
 * migration's row (INSERT ... ON CONFLICT).
 * ---------------------------------------------------------------------
 */

/* a column migrator fills, with the type its value has */
typedef struct RowColumn
{
	const char *name;
	Oid			type;
} RowColumn;

#define JOURNAL_NCOLS 9
static const RowColumn journal_columns[JOURNAL_NCOLS] = {
	{"version", TEXTOID}, {"name", TEXTOID}, {"kind", TEXTOID}, {"path", TEXTOID},
	{"checksum", TEXTOID}, {"duration", INTERVALOID}, {"statements", INT4OID},
	{"applied_by", NAMEOID}, {"origin", TEXTOID}
};

#define EVENTS_NCOLS 9
static const RowColumn events_columns[EVENTS_NCOLS] = {
	{"action", TEXTOID}, {"dir", TEXTOID}, {"version", TEXTOID}, {"path", TEXTOID},
	{"outcome", TEXTOID}, {"sqlstate", TEXTOID}, {"message", TEXTOID},
	{"detail", TEXTOID}, {"run_by", NAMEOID}
};

#define ROW_JOURNAL 0
#define ROW_EVENTS 1
#define ROW_TABLES 2

static const char *const row_table_names[ROW_TABLES] = {"journal", "events"};
static const RowColumn *const row_table_columns[ROW_TABLES] = {journal_columns, events_columns};
static const int row_table_ncols[ROW_TABLES] = {JOURNAL_NCOLS, EVENTS_NCOLS};

/* what a table's rows need, kept for the session (CacheMemoryContext) */
typedef struct RowShape
{
	Oid			relid;			/* InvalidOid: not known (or invalidated) */
	MemoryContext cxt;
	bool		direct;			/* may be written directly */
	int			natts;
	AttrNumber	attnums[JOURNAL_NCOLS]; /* of the columns migrator fills */
	Node	  **defaults;		/* per attribute, NULL: none or filled */
	int			ncheck;
	Node	  **checks;			/* the CHECK constraints, in the relcache's order */
} RowShape;

/* one table's executor state for a batch */
typedef struct RowWriter
{
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;
	ExprState **defaults;		/* per attribute */
} RowWriter;

StaticAssertDecl(JOURNAL_NCOLS >= EVENTS_NCOLS, "attnums too small");

static RowShape row_shapes[ROW_TABLES];
static bool row_callbacks_registered = false;

static bool batch_active = false;
static SubTransactionId batch_subid = InvalidSubTransactionId;
static MemoryContext batch_cxt = NULL;
static RowWriter *batch_writers[ROW_TABLES];

static void
row_shape_invalidate(Datum arg, Oid relid)
{
	for (int t = 0; t < ROW_TABLES; t++)
	{
		RowShape   *shape = &row_shapes[t];

		if (OidIsValid(shape->relid) && (relid == InvalidOid || relid == shape->relid))
		{
			shape->relid = InvalidOid;
			/* its trees may be in use by a writer now: freed on the next build */
		}
	}
}

/* the column's attribute number, if it has the type migrator gives it */
static AttrNumber
row_column_attnum(TupleDesc desc, const RowColumn *col)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), col->name) == 0)
			return att->atttypid == col->type ? att->attnum : InvalidAttrNumber;
	}
	return InvalidAttrNumber;
}

/* build table t's shape from its open relation */
static void
row_shape_build(int t, Relation rel, Oid owner)
{
	RowShape   *shape = &row_shapes[t];
	TupleDesc	desc = RelationGetDescr(rel);
	TupleConstr *constr = desc->constr;
	MemoryContext old;
	bool		filled[MaxHeapAttributeNumber];

	if (shape->cxt)
		MemoryContextDelete(shape->cxt);
	shape->cxt = AllocSetContextCreate(CacheMemoryContext, "migrator row shape",
									   ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(shape->cxt);
	shape->natts = desc->natts;
	shape->direct = rel->rd_rel->relkind == RELKIND_RELATION &&
		!rel->rd_rel->relispartition &&
		rel->trigdesc == NULL && rel->rd_rules == NULL &&
		!rel->rd_rel->relrowsecurity &&
		pg_class_aclcheck(RelationGetRelid(rel), owner, ACL_INSERT) == ACLCHECK_OK;
	memset(filled, 0, sizeof(filled));
	for (int c = 0; c < row_table_ncols[t]; c++)
	{
		shape->attnums[c] = row_column_attnum(desc, &row_table_columns[t][c]);
		if (shape->attnums[c] == InvalidAttrNumber)
			shape->direct = false;
		else
			filled[shape->attnums[c] - 1] = true;
	}
	shape->defaults = palloc0(sizeof(Node *) * desc->natts);
	for (int i = 0; shape->direct && i < desc->natts; i++)
	{
		if (!TupleDescAttr(desc, i)->attisdropped && !filled[i])
			shape->defaults[i] = build_column_default(rel, i + 1);
		/* a generated column is computed by the insert, not given a default */
		if (TupleDescAttr(desc, i)->attgenerated)
			shape->defaults[i] = NULL;
	}
	shape->ncheck = constr ? constr->num_check : 0;
	shape->checks = palloc0(sizeof(Node *) * Max(shape->ncheck, 1));
	for (int i = 0; i < shape->ncheck; i++)
		shape->checks[i] = stringToNode(constr->check[i].ccbin);
	MemoryContextSwitchTo(old);
	shape->relid = RelationGetRelid(rel);
}

/* is table t's shape current for this relation? */
static bool
row_shape_current(int t, Relation rel)
{
	RowShape   *shape = &row_shapes[t];
	TupleConstr *constr = RelationGetDescr(rel)->constr;

	return shape->relid == RelationGetRelid(rel) &&
		shape->natts == RelationGetDescr(rel)->natts &&
		shape->ncheck == (constr ? constr->num_check : 0);
}

static void
row_batch_forget(void)
{
	batch_active = false;
	batch_subid = InvalidSubTransactionId;
	batch_cxt = NULL;			/* freed with the (sub)transaction's memory */
	for (int t = 0; t < ROW_TABLES; t++)
		batch_writers[t] = NULL;
}

static void
row_writer_close(RowWriter *w)
{
	if (w->slot)
		ExecDropSingleTupleTableSlot(w->slot);
	if (w->rri)
		ExecCloseIndices(w->rri);
	if (w->estate)
		FreeExecutorState(w->estate);
	/* the lock is kept to the end of the transaction, as for any INSERT */
	table_close(w->rel, NoLock);
}

static void
row_batch_close(void)
{
	for (int t = 0; t < ROW_TABLES; t++)
		if (batch_writers[t] && batch_writers[t]->rel)
			row_writer_close(batch_writers[t]);
	if (batch_cxt)
		MemoryContextDelete(batch_cxt);
	row_batch_forget();
}

static void
row_xact_callback(XactEvent event, void *arg)
{
	if (!batch_active)
		return;
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE ||
		event == XACT_EVENT_PARALLEL_PRE_COMMIT)
		row_batch_close();		/* journal_batch_end() was not called */
	else
		row_batch_forget();
}

static void
row_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	if (!batch_active || mySubid > batch_subid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		row_batch_forget();		/* resource owners release the relations */
	else if (event == SUBXACT_EVENT_PRE_COMMIT_SUB)
		row_batch_close();
}

/*
 * From here to journal_batch_end(), journal rows and events written in
 * this same (sub)transaction go straight into their tables.  An error
 * ends the batch with the (sub)transaction it aborts.
 */
void
journal_batch_begin(void)
{
	if (!row_callbacks_registered)
	{
		CacheRegisterRelcacheCallback(row_shape_invalidate, (Datum) 0);
		RegisterXactCallback(row_xact_callback, NULL);
		RegisterSubXactCallback(row_subxact_callback, NULL);
		row_callbacks_registered = true;
	}
	if (batch_active)
		row_batch_close();
	batch_cxt = AllocSetContextCreate(CurTransactionContext, "migrator journal batch",
									  ALLOCSET_SMALL_SIZES);
	batch_subid = GetCurrentSubTransactionId();
	batch_active = true;
}

void
journal_batch_end(void)
{
	if (batch_active)
		row_batch_close();
}

/* the batch's writer for table t, opened on first use; NULL: use SPI */
static RowWriter *
row_writer(int t, Oid relid, Oid owner)
{
	RowWriter  *w = batch_writers[t];
	RowShape   *shape = &row_shapes[t];
	MemoryContext old;
	RangeTblEntry *rte;

	if (!batch_active || GetCurrentSubTransactionId() != batch_subid)
		return NULL;
	if (w)
		return w->rel && RelationGetRelid(w->rel) == relid ? w : NULL;

	old = MemoryContextSwitchTo(batch_cxt);
	w = palloc0(sizeof(RowWriter));
	batch_writers[t] = w;
	w->rel = table_open(relid, RowExclusiveLock);
	if (!row_shape_current(t, w->rel))
		row_shape_build(t, w->rel, owner);
	if (!shape->direct)
	{
		table_close(w->rel, NoLock);
		w->rel = NULL;
		MemoryContextSwitchTo(old);
		return NULL;
	}

	w->estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = w->rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
#if PG_VERSION_NUM >= 180000
	ExecInitRangeTable(w->estate, list_make1(rte), NIL, bms_make_singleton(1));
#elif PG_VERSION_NUM >= 160000
	ExecInitRangeTable(w->estate, list_make1(rte), NIL);
#else
	rte->requiredPerms = ACL_INSERT;
	ExecInitRangeTable(w->estate, list_make1(rte));
#endif
	w->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(w->rri, w->rel, 1, NULL, 0);
	ExecOpenIndices(w->rri, false);
	w->slot = MakeSingleTupleTableSlot(RelationGetDescr(w->rel), &TTSOpsVirtual);

	/* the CHECK constraints and defaults, planned for this batch */
	MemoryContextSwitchTo(w->estate->es_query_cxt);
	w->rri->ri_ConstraintExprs = palloc(sizeof(ExprState *) * Max(shape->ncheck, 1));
	for (int i = 0; i < shape->ncheck; i++)
		w->rri->ri_ConstraintExprs[i] =
			ExecPrepareExpr((Expr *) copyObject(shape->checks[i]), w->estate);
	w->defaults = palloc0(sizeof(ExprState *) * shape->natts);
	for (int i = 0; i < shape->natts; i++)
		if (shape->defaults[i])
			w->defaults[i] = ExecPrepareExpr((Expr *) copyObject(shape->defaults[i]),
											 w->estate);
	MemoryContextSwitchTo(old);
	return w;
}

/*
 * Insert one row of table t (values in the order of its RowColumns), as
 * the table's owner.  False when the batch cannot: the caller uses SPI.
 */
static bool
row_insert(int t, Datum *values, const char *nulls)
{
	RowShape   *shape = &row_shapes[t];
	Oid			nsp;
	Oid			relid;
	Oid			owner;
	HeapTuple	tup;
	RowWriter  *w;
	TupleTableSlot *slot;
	ExprContext *econtext;
	Oid			save_userid;
	int			save_sec;
	bool		pushed = false;

	if (!batch_active || GetCurrentSubTransactionId() != batch_subid)
		return false;
	nsp = get_namespace_oid(MIGRATOR_SCHEMA, true);
	relid = OidIsValid(nsp) ? get_relname_relid(row_table_names[t], nsp) : InvalidOid;
	if (!OidIsValid(relid))
		return false;			/* SPI says what is missing */
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return false;
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	w = row_writer(t, relid, owner);
	if (w == NULL)
	{
		SetUserIdAndSecContext(save_userid, save_sec);
		return false;
	}
	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed = true;
	}
	slot = w->slot;
	econtext = GetPerTupleExprContext(w->estate);
	ExecClearTuple(slot);
	for (int i = 0; i < shape->natts; i++)
	{
		slot->tts_isnull[i] = true;
		slot->tts_values[i] = (Datum) 0;
		if (w->defaults[i])
			slot->tts_values[i] = ExecEvalExprSwitchContext(w->defaults[i], econtext,
															&slot->tts_isnull[i]);
	}
	for (int c = 0; c < row_table_ncols[t]; c++)
	{
		int			i = shape->attnums[c] - 1;

		slot->tts_isnull[i] = (nulls[c] == 'n');
		slot->tts_values[i] = slot->tts_isnull[i] ? (Datum) 0 : values[c];
	}
	ExecStoreVirtualTuple(slot);
	w->estate->es_output_cid = GetCurrentCommandId(true);
	ExecSimpleRelationInsert(w->rri, w->estate, slot);
	ResetPerTupleExprContext(w->estate);
	if (pushed)
		PopActiveSnapshot();
	SetUserIdAndSecContext(save_userid, save_sec);
	/* visible to what follows, as after an INSERT through SPI */
	CommandCounterIncrement();
	return true;
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

	migrator_spi_connect(0);
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
	char		nulls[] = "        ";
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
	{
		Datum		row[JOURNAL_NCOLS];
		char		rownulls[JOURNAL_NCOLS];

		/* in journal_columns' order */
		row[0] = values[0];
		row[1] = values[1];
		row[2] = CStringGetTextDatum("versioned");
		row[3] = values[2];
		row[4] = values[3];
		row[5] = values[4];
		row[6] = values[5];
		row[7] = DirectFunctionCall1(namein, CStringGetDatum(current_user_name()));
		row[8] = values[7];
		memset(rownulls, ' ', sizeof(rownulls));
		rownulls[0] = nulls[0];
		if (row_insert(ROW_JOURNAL, row, rownulls))
			return;
	}
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

	migrator_spi_connect(0);
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

	{
		Datum		row[EVENTS_NCOLS];

		/* events_columns' order is the statement's, run_by a name */
		memcpy(row, values, sizeof(row));
		row[8] = DirectFunctionCall1(namein, CStringGetDatum(current_user_name()));
		if (row_insert(ROW_EVENTS, row, nulls))
			return;
	}

	exec_as_owner(&event_plan, "INSERT INTO migrator.events "
					 "(action, dir, version, path, outcome, sqlstate, message, detail, run_by) "
					 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
					 9, types, values, nulls);
}
