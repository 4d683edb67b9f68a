/*-------------------------------------------------------------------------
 *
 * dualwrite.c
 *	  The dual-write trigger of an open change, in C.
 *
 *	  BEFORE INSERT OR UPDATE FOR EACH ROW on every table a change touches.
 *	  A write through the old shape (the table) sets each new column to
 *	  up(row); a write through the new shape (the version schema's view,
 *	  picked by putting that schema first on search_path) sets each old
 *	  column to down(row).  Every write clears the row's backfill marker, so
 *	  the backfill never overwrites it with a stale value.
 *
 *	  The up/down expressions are cooked once per backend and trigger (as
 *	  PostgreSQL cooks CHECK constraints) and evaluated per row with no SPI
 *	  or PL round trip.  The cache is dropped on any relcache invalidation
 *	  of the table, e.g. when contract() or abort() alters it.
 *
 *	  Per row the trigger does no lookup (the cache entry hangs off the
 *	  trigger's FmgrInfo) and no allocation of its own: the row is deformed
 *	  once in its slot, where the expressions read it too, its values are
 *	  copied into arrays of the cache entry, the targets replaced, and the
 *	  new tuple formed from them.  A call made while another one evaluates
 *	  its expressions (a function in an expression that writes the table)
 *	  uses arrays of its own and leaves the expression memory to the outer
 *	  call to reset.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/varlena.h"

#include "change.h"
#include "dualwrite.h"
#include "migrator.h"

PG_FUNCTION_INFO_V1(migrator_dual_write);

static HTAB *dual_write_cache = NULL;

/* calls of the trigger evaluating expressions now (more than one: nested) */
static int	dual_write_depth = 0;

static void
invalidate_callback(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	DualWriteEntry *e;

	if (dual_write_cache == NULL)
		return;
	hash_seq_init(&status, dual_write_cache);
	while ((e = hash_seq_search(&status)) != NULL)
		if (relid == InvalidOid || e->relid == relid)
			e->valid = false;
}

static HTAB *
get_cache(void)
{
	if (dual_write_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(DualWriteEntry);
		ctl.hcxt = CacheMemoryContext;
		dual_write_cache = hash_create("migrator dual-write triggers", 16, &ctl,
									   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterRelcacheCallback(invalidate_callback, (Datum) 0);
	}
	return dual_write_cache;
}

static char *
spi_text(HeapTuple tup, TupleDesc desc, int col)
{
	return SPI_getvalue(tup, desc, col);
}

/*
 * Read the change's columns for this table (migrator.change_columns) into
 * the caller's memory context.
 */
static ChangeColumn *
load_columns(const char *change, Oid relid, char **version_schema,
			 char **marker, int *ncols)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[2] = {TEXTOID, OIDOID};
	Datum		values[2];
	ChangeColumn *cols;
	int			rc;

	values[0] = CStringGetTextDatum(change);
	values[1] = ObjectIdGetDatum(relid);
	migrator_spi_connect(0);
	rc = SPI_execute_with_args(
							   "SELECT c.version_schema, t.marker, cc.column_name, cc.final_name, "
							   "cc.tmp_name, cc.up, cc.down "
							   "FROM migrator.change_columns cc "
							   "JOIN migrator.changes c ON c.name OPERATOR(pg_catalog.=) cc.change "
							   "JOIN migrator.change_tables t ON t.change OPERATOR(pg_catalog.=) cc.change "
							   " AND t.relid OPERATOR(pg_catalog.=) cc.relid "
							   "WHERE cc.change OPERATOR(pg_catalog.=) $1 "
							   "AND cc.relid OPERATOR(pg_catalog.=) $2::pg_catalog.regclass "
							   "AND c.state OPERATOR(pg_catalog.<>) ALL ('{contracted,aborted}') "
							   "ORDER BY cc.ord",
							   2, types, values, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));

	MemoryContextSwitchTo(caller);
	*ncols = (int) SPI_processed;
	cols = palloc0(sizeof(ChangeColumn) * Max(*ncols, 1));
	*version_schema = NULL;
	*marker = NULL;
	for (int i = 0; i < *ncols; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		*version_schema = spi_text(tup, desc, 1);
		*marker = spi_text(tup, desc, 2);
		cols[i].column_name = spi_text(tup, desc, 3);
		cols[i].final_name = spi_text(tup, desc, 4);
		cols[i].tmp_name = spi_text(tup, desc, 5);
		cols[i].up = spi_text(tup, desc, 6);
		cols[i].down = spi_text(tup, desc, 7);
	}
	SPI_finish();
	return cols;
}

static AttrNumber
column_attnum(Relation rel, const char *name)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(rel), name);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table \"%s\" is gone, but change triggers still use it",
						name, RelationGetRelationName(rel)),
				 errhint("Abort the change with migrator.abort().")));
	return attnum;
}

static void
add_action(DualWriteEntry *e, Relation rel, const Shape *shape,
		   const char *target, const char *sql, bool new_side, const char *what)
{
	AttrNumber	attnum = column_attnum(rel, target);
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	Expr	   *expr = shape_cook_expression(rel, shape, sql, att->atttypid,
											 att->atttypmod, what);
	DualWriteAction *a = &e->actions[e->nactions++];

	a->target = attnum;
	a->new_side = new_side;
	a->expr = expr;
	a->state = ExecInitExpr(expr, NULL);
}

/*
 * (Re)build a cache entry: everything in its own memory context, which
 * lives as long as the entry.
 */
static void
build_entry(DualWriteEntry *e, Relation rel, const char *change)
{
	MemoryContext old;
	ChangeColumn *cols;
	int			ncols;
	char	   *marker;
	Shape	   *old_shape;
	Shape	   *new_shape;

	if (e->cxt)
		MemoryContextDelete(e->cxt);
	e->cxt = AllocSetContextCreate(CacheMemoryContext, "migrator dual-write",
								   ALLOCSET_SMALL_SIZES);
	e->valid = false;
	e->relid = RelationGetRelid(rel);
	old = MemoryContextSwitchTo(e->cxt);

	cols = load_columns(change, e->relid, &e->version_schema, &marker, &ncols);
	e->marker = marker ? column_attnum(rel, marker) : InvalidAttrNumber;
	e->actions = palloc0(sizeof(DualWriteAction) * Max(ncols * 2, 1));
	e->nactions = 0;
	old_shape = shape_old(rel);
	new_shape = shape_new(rel, cols, ncols);

	for (int i = 0; i < ncols; i++)
	{
		ChangeColumn *c = &cols[i];

		if (c->tmp_name && c->up)
			add_action(e, rel, old_shape, c->tmp_name, c->up, false,
					   psprintf("up expression of column \"%s\"", c->final_name));
		if (c->column_name && c->down && (c->tmp_name || c->final_name == NULL))
			add_action(e, rel, new_shape, c->column_name, c->down, true,
					   psprintf("down expression of column \"%s\"", c->column_name));
	}
	e->econtext = CreateStandaloneExprContext();
	e->natts = RelationGetDescr(rel)->natts;
	e->values = palloc(sizeof(Datum) * Max(e->natts, 1));
	e->nulls = palloc(sizeof(bool) * Max(e->natts, 1));
	e->filled = MakeSingleTupleTableSlot(CreateTupleDescCopy(RelationGetDescr(rel)),
										 &TTSOpsVirtual);
	e->seen_path = NULL;
	MemoryContextSwitchTo(old);
	e->valid = true;
}

/* is this write coming through the new shape (its schema first on the path)? */
static bool
writes_new_shape(DualWriteEntry *e)
{
	char	   *copy;
	List	   *elems;
	bool		result = false;

	if (e->version_schema == NULL || namespace_search_path == NULL)
		return false;
	if (e->seen_path && strcmp(e->seen_path, namespace_search_path) == 0)
		return e->seen_new_side;

	copy = pstrdup(namespace_search_path);
	if (SplitIdentifierString(copy, ',', &elems) && elems != NIL)
		result = strcmp((char *) linitial(elems), e->version_schema) == 0;
	if (e->seen_path)
		pfree(e->seen_path);
	e->seen_path = MemoryContextStrdup(e->cxt, namespace_search_path);
	e->seen_new_side = result;
	return result;
}

/* does this UPDATE write the column (is it in its SET list)? */
static bool
column_written(TriggerData *td, AttrNumber attnum)
{
	return bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, td->tg_updatedcols);
}

/*
 * The cache entry of a dual-write trigger of rel, built if need be;
 * dynahash never moves an entry.  Also used when planning an UPDATE
 * (dualwrite_plan.c).
 */
DualWriteEntry *
dual_write_entry(Relation rel, Trigger *tg)
{
	bool		found;
	DualWriteEntry *e;

	e = hash_search(get_cache(), &tg->tgoid, HASH_ENTER, &found);
	if (!found)
	{
		e->cxt = NULL;
		e->valid = false;
	}
	if (!e->valid || e->natts != RelationGetDescr(rel)->natts)
		build_entry(e, rel, tg->tgargs[0]);
	return e;
}

/* does a write now go through the new shape (not while backfilling)? */
bool
dual_write_new_side(DualWriteEntry *e)
{
	return !migrator_backfill_active && writes_new_shape(e);
}

/*
 * The trigger's cache entry.  The FmgrInfo of a trigger lives as long as
 * the query (one per trigger and result relation), so it remembers it.
 */
static DualWriteEntry *
get_entry(FunctionCallInfo fcinfo, Relation rel, Trigger *tg)
{
	DualWriteEntry *e = (DualWriteEntry *) fcinfo->flinfo->fn_extra;

	if (e == NULL || e->tgoid != tg->tgoid || !e->valid ||
		e->natts != RelationGetDescr(rel)->natts)
	{
		dual_write_first_fire();
		e = dual_write_entry(rel, tg);
		fcinfo->flinfo->fn_extra = e;
	}
	return e;
}

/*
 * Evaluate the expressions this write needs into values / nulls (the new
 * row's, indexed by attnum - 1); true if any.  With fill, only the up
 * expressions of the new columns the UPDATE does not write (a pending row
 * filled as the backfill would); else those of the write's side.
 * dual_write_depth counts the calls evaluating, also when an expression
 * fails.
 */
static pg_noinline bool
evaluate_actions(DualWriteEntry *e, TriggerData *td, TupleTableSlot *slot,
				 bool new_side, bool fill, Datum *values, bool *nulls)
{
	volatile bool any = false;

	dual_write_depth++;
	PG_TRY();
	{
		for (int i = 0; i < e->nactions; i++)
		{
			DualWriteAction *a = &e->actions[i];

			if (fill ? a->new_side || column_written(td, a->target) :
				a->new_side != new_side)
				continue;
			/* set for each: a nested call may have used the same context */
			e->econtext->ecxt_scantuple = slot;
			values[a->target - 1] = ExecEvalExprSwitchContext(a->state, e->econtext,
															  &nulls[a->target - 1]);
			any = true;
		}
	}
	PG_FINALLY();
	{
		dual_write_depth--;
	}
	PG_END_TRY();
	return any;
}

/*
 * The row as written with its new columns filled (values / nulls), for the
 * down expressions to read: a pending row written through the new shape
 * gets down(the row as the backfill would have left it and the UPDATE
 * changed it), the same as once the backfill has reached it.  A nested call
 * gets a slot of its own.
 */
static TupleTableSlot *
filled_row(DualWriteEntry *e, bool nested, Datum *values, bool *nulls)
{
	TupleTableSlot *slot = e->filled;

	if (nested)
		slot = MakeSingleTupleTableSlot(e->filled->tts_tupleDescriptor, &TTSOpsVirtual);
	ExecClearTuple(slot);
	memcpy(slot->tts_values, values, sizeof(Datum) * e->natts);
	memcpy(slot->tts_isnull, nulls, sizeof(bool) * e->natts);
	return ExecStoreVirtualTuple(slot);
}

Datum
migrator_dual_write(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	Trigger    *tg;
	DualWriteEntry *e;
	bool		new_side;
	HeapTuple	tuple;
	TupleTableSlot *slot;
	bool		changed;
	bool		nested;
	Datum	   *values;
	bool	   *nulls;
	HeapTuple	result;
	bool		fill_pending;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("migrator.dual_write() must be a BEFORE INSERT OR UPDATE FOR EACH ROW trigger")));
	rel = td->tg_relation;
	tg = td->tg_trigger;
	if (tg->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("migrator.dual_write() takes the change's name as its one argument")));
	e = get_entry(fcinfo, rel, tg);

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		tuple = td->tg_newtuple;
		slot = td->tg_newslot;
	}
	else
	{
		tuple = td->tg_trigtuple;
		slot = td->tg_trigslot;
	}

	new_side = dual_write_new_side(e);

	/*
	 * A row the backfill has not reached yet, updated through the new shape
	 * without writing a new column: that column is filled from the row as
	 * it now is, as the backfill would have, before the down expressions
	 * read it.
	 */
	fill_pending = new_side && TRIGGER_FIRED_BY_UPDATE(td->tg_event) &&
		e->marker != InvalidAttrNumber &&
		DatumGetBool(slot_getattr(td->tg_trigslot, e->marker, &isnull)) && !isnull;

	/*
	 * The row as written, deformed once: the expressions read it from the
	 * slot, the new tuple is formed from a copy with the targets replaced.
	 */
	nested = dual_write_depth > 0;
	if (!nested)
	{
		values = e->values;
		nulls = e->nulls;
	}
	else
	{
		values = palloc(sizeof(Datum) * e->natts);
		nulls = palloc(sizeof(bool) * e->natts);
	}
	slot_getallattrs(slot);
	memcpy(values, slot->tts_values, sizeof(Datum) * e->natts);
	memcpy(nulls, slot->tts_isnull, sizeof(bool) * e->natts);
	changed = false;
	if (fill_pending &&
		evaluate_actions(e, td, slot, new_side, true, values, nulls))
	{
		slot = filled_row(e, nested, values, nulls);
		changed = true;
	}
	changed |= evaluate_actions(e, td, slot, new_side, false, values, nulls);
	if (e->marker != InvalidAttrNumber)
	{
		values[e->marker - 1] = BoolGetDatum(false);
		nulls[e->marker - 1] = false;
		changed = true;
	}
	if (!changed)
		return PointerGetDatum(tuple);

	/* as heap_modify_tuple() does, keep the row's identity */
	result = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	result->t_data->t_ctid = tuple->t_data->t_ctid;
	result->t_self = tuple->t_self;
	result->t_tableOid = tuple->t_tableOid;
	if (!nested)
		ResetExprContext(e->econtext);
	return PointerGetDatum(result);
}
