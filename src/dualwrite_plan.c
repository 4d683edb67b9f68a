/*-------------------------------------------------------------------------
 *
 * dualwrite_plan.c
 *	  Dual writes planned into UPDATEs, so they pay no trigger.
 *
 *	  A BEFORE UPDATE row trigger costs more than its function: before
 *	  calling any, the executor locks the old row (GetTupleForTrigger), one
 *	  more WAL record and buffer access per row, whether the trigger's
 *	  column list lets it fire or not.  So in a backend where migrator is
 *	  loaded, UPDATEs of a table with an open change do without the trigger:
 *
 *	  - An UPDATE that writes a column of the trigger's list is planned with
 *		the trigger's work as more SET entries: each column the trigger
 *		would set gets its up/down expression, with the columns the UPDATE
 *		assigns replaced by what it assigns (the row as written), and the
 *		backfill marker gets false.  EvalPlanQual re-evaluates them on the
 *		newest row version, as it does any SET entry.  The plan is marked
 *		(a PlanInvalItem on migrator.dual_write) and ExecutorStart leaves the
 *		trigger out of that result relation's triggers.
 *	  - An UPDATE that writes none of those columns would never call the
 *		trigger (TriggerEnabled), so ExecutorStart leaves it out too and the
 *		row lock with it.
 *
 *	  Anything this does not cover keeps the trigger, which stays in the
 *	  catalog for it: INSERT, COPY, ON CONFLICT, MERGE, inheritance and
 *	  partitions, tables with another BEFORE UPDATE row trigger, SET
 *	  entries with volatile functions or subqueries, whole-row or generated
 *	  columns in an expression, and every backend where migrator is not
 *	  loaded yet (its first trigger call loads it, and resets the plan cache
 *	  so that the backend's cached plans are made again with the hooks;
 *	  shared_preload_libraries or session_preload_libraries makes every
 *	  backend start with them).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "change.h"
#include "dualwrite.h"
#include "migrator.h"

static planner_hook_type prev_planner_hook = NULL;
static ExecutorStart_hook_type prev_executor_start_hook = NULL;

/* oid of migrator.dual_write(), looked up when needed */
static Oid	dual_write_oid = InvalidOid;

/* the SET entries of the UPDATE being planned, by attnum - 1 */
typedef struct AssignedColumns
{
	int			rti;
	int			natts;
	Node	  **expr;			/* NULL: not assigned */
	TupleDesc	desc;
	bool		unsafe;			/* a whole-row, system or generated column */
} AssignedColumns;

static void
forget_oid(Datum arg, int cacheid, uint32 hashvalue)
{
	dual_write_oid = InvalidOid;
}

static Oid
function_oid(void)
{
	static bool registered = false;

	if (!OidIsValid(dual_write_oid))
	{
		if (!registered)
		{
			CacheRegisterSyscacheCallback(PROCOID, forget_oid, (Datum) 0);
			registered = true;
		}
		dual_write_oid = LookupFuncName(list_make2(makeString(MIGRATOR_SCHEMA),
												   makeString("dual_write")),
										0, NULL, true);
	}
	return dual_write_oid;
}

bool
dual_write_is_ours(Trigger *tg)
{
	return strcmp(tg->tgname, MIGRATOR_TRIGGER_NAME) == 0 &&
		OidIsValid(tg->tgfoid) && tg->tgfoid == function_oid();
}

/* would the trigger fire at all in this session (ENABLE / DISABLE / REPLICA)? */
static bool
trigger_enabled_here(Trigger *tg)
{
	if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA)
		return tg->tgenabled == TRIGGER_FIRES_ON_REPLICA ||
			tg->tgenabled == TRIGGER_FIRES_ALWAYS;
	return tg->tgenabled == TRIGGER_FIRES_ON_ORIGIN ||
		tg->tgenabled == TRIGGER_FIRES_ALWAYS;
}

/* is this a BEFORE UPDATE row trigger (the kind that locks the old row)? */
static bool
before_update_row(Trigger *tg)
{
	return TRIGGER_TYPE_MATCHES(tg->tgtype, TRIGGER_TYPE_ROW,
								TRIGGER_TYPE_BEFORE, TRIGGER_TYPE_UPDATE);
}

/*
 * The one BEFORE UPDATE row trigger of rel, if it is migrator's, enabled,
 * and without a WHEN clause; NULL otherwise.
 */
static Trigger *
sole_dual_write_trigger(Relation rel)
{
	TriggerDesc *td = rel->trigdesc;
	Trigger    *found = NULL;

	if (td == NULL || !td->trig_update_before_row)
		return NULL;
	for (int i = 0; i < td->numtriggers; i++)
	{
		Trigger    *tg = &td->triggers[i];

		if (!before_update_row(tg))
			continue;
		if (found || !dual_write_is_ours(tg) || tg->tgqual != NULL ||
			!trigger_enabled_here(tg))
			return NULL;
		found = tg;
	}
	return found;
}

/* does the UPDATE assign a column of the trigger's UPDATE OF list? */
static bool
fires_for(Trigger *tg, AssignedColumns *assigned)
{
	if (tg->tgnattr == 0)
		return true;
	for (int i = 0; i < tg->tgnattr; i++)
	{
		AttrNumber	attnum = tg->tgattr[i];

		if (attnum > 0 && attnum <= assigned->natts && assigned->expr[attnum - 1])
			return true;
	}
	return false;
}

/* an expression over the row as written: assigned columns replaced */
static Node *
as_written_mutator(Node *node, AssignedColumns *assigned)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		if (var->varno == assigned->rti && var->varlevelsup == 0)
		{
			if (var->varattno <= 0 || var->varattno > assigned->natts ||
				TupleDescAttr(assigned->desc, var->varattno - 1)->attgenerated)
				assigned->unsafe = true;
			else if (assigned->expr[var->varattno - 1])
				return copyObject(assigned->expr[var->varattno - 1]);
		}
		return (Node *) copyObject(var);
	}
	return expression_tree_mutator(node, as_written_mutator, (void *) assigned);
}

static Node *
as_written(Expr *cooked, AssignedColumns *assigned)
{
	Node	   *expr = copyObject((Node *) cooked);

	ChangeVarNodes(expr, 1, assigned->rti, 0);
	return as_written_mutator(expr, assigned);
}

/*
 * CASE WHEN marker THEN up(the row as written) ELSE column END: a new
 * column the UPDATE does not write, filled on a row the backfill has not
 * reached, as the trigger does.
 */
static Node *
fill_expr(DualWriteEntry *e, DualWriteAction *a, AssignedColumns *assigned)
{
	CaseExpr   *c = makeNode(CaseExpr);
	CaseWhen   *w = makeNode(CaseWhen);
	Var		   *marker = makeVar(assigned->rti, e->marker, BOOLOID, -1,
								 InvalidOid, 0);
	Form_pg_attribute att = TupleDescAttr(assigned->desc, a->target - 1);

	w->expr = (Expr *) marker;
	w->result = (Expr *) as_written(a->expr, assigned);
	w->location = -1;
	c->casetype = att->atttypid;
	c->casecollid = att->attcollation;
	c->args = list_make1(w);
	c->defresult = (Expr *) makeVar(assigned->rti, a->target, att->atttypid,
									att->atttypmod, att->attcollation, 0);
	c->location = -1;
	return (Node *) c;
}

/*
 * Write the trigger's work into the UPDATE's SET list, as the trigger
 * would do it for this session (old or new shape); false (and parse left
 * alone) where that is not the same.  Through the new shape, the new
 * columns the UPDATE does not write are filled first (see
 * migrator_dual_write()) and the down expressions read them filled.
 */
static bool
plan_into(Query *parse, Relation rel, Trigger *tg, AssignedColumns *assigned)
{
	DualWriteEntry *e = dual_write_entry(rel, tg);
	bool		new_side;
	Node	  **set;
	AssignedColumns filled;
	List	   *tlist = NIL;

	if (e->marker == InvalidAttrNumber || e->natts != assigned->natts)
		return false;
	new_side = dual_write_new_side(e);

	set = palloc0(sizeof(Node *) * assigned->natts);
	filled = *assigned;
	if (new_side)
	{
		filled.expr = palloc(sizeof(Node *) * assigned->natts);
		memcpy(filled.expr, assigned->expr, sizeof(Node *) * assigned->natts);
		for (int i = 0; i < e->nactions; i++)
		{
			DualWriteAction *a = &e->actions[i];

			if (a->new_side || assigned->expr[a->target - 1])
				continue;
			set[a->target - 1] = fill_expr(e, a, assigned);
			filled.expr[a->target - 1] = set[a->target - 1];
		}
	}
	for (int i = 0; i < e->nactions; i++)
	{
		DualWriteAction *a = &e->actions[i];

		if (a->new_side == new_side)
			set[a->target - 1] = as_written(a->expr, &filled);
	}
	set[e->marker - 1] = (Node *) makeBoolConst(false, false);
	if (assigned->unsafe || filled.unsafe)
		return false;

	/* the SET list again, in attnum order, the trigger's values winning */
	for (int i = 0; i < assigned->natts; i++)
	{
		Node	   *expr = set[i] ? set[i] : assigned->expr[i];

		if (expr == NULL)
			continue;
		tlist = lappend(tlist,
						makeTargetEntry((Expr *) expr, i + 1,
										pstrdup(NameStr(TupleDescAttr(assigned->desc, i)->attname)),
										false));
	}
	parse->targetList = tlist;
	return true;
}

/*
 * An UPDATE of a plain table whose only BEFORE UPDATE row trigger is
 * migrator's: written into the plan where that is exact.
 */
static bool
plan_dual_write(Query *parse)
{
	RangeTblEntry *rte;
	Relation	rel;
	Trigger    *tg;
	AssignedColumns assigned;
	ListCell   *lc;
	bool		planned = false;

	if (parse->commandType != CMD_UPDATE || parse->resultRelation <= 0 ||
		parse->hasTargetSRFs)
		return false;
	rte = rt_fetch(parse->resultRelation, parse->rtable);
	if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION ||
		(rte->inh && has_subclass(rte->relid)))
		return false;

	rel = table_open(rte->relid, NoLock);	/* locked by the parser */
	tg = sole_dual_write_trigger(rel);
	if (tg == NULL || rel->rd_rel->relispartition)
	{
		table_close(rel, NoLock);
		return false;
	}

	assigned.rti = parse->resultRelation;
	assigned.desc = RelationGetDescr(rel);
	assigned.natts = assigned.desc->natts;
	assigned.expr = palloc0(sizeof(Node *) * assigned.natts);
	assigned.unsafe = false;
	foreach(lc, parse->targetList)
	{
		TargetEntry *te = lfirst_node(TargetEntry, lc);

		if (te->resjunk || te->resno <= 0 || te->resno > assigned.natts ||
			contain_volatile_functions((Node *) te->expr) ||
			contain_subplans((Node *) te->expr))
			assigned.unsafe = true;
		else
			assigned.expr[te->resno - 1] = (Node *) te->expr;
	}

	/* an UPDATE that never fires the trigger is left as it is */
	if (!assigned.unsafe && fires_for(tg, &assigned))
		planned = plan_into(parse, rel, tg, &assigned);
	table_close(rel, NoLock);
	return planned;
}

static PlanInvalItem *
plan_mark(void)
{
	PlanInvalItem *item = makeNode(PlanInvalItem);

	item->cacheId = PROCOID;
	item->hashValue = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(function_oid()));
	return item;
}

static bool
plan_marked(PlannedStmt *stmt)
{
	ListCell   *lc;
	PlanInvalItem *mark = NULL;

	foreach(lc, stmt->invalItems)
	{
		PlanInvalItem *item = lfirst_node(PlanInvalItem, lc);

		if (item->cacheId != PROCOID)
			continue;
		if (mark == NULL)
			mark = plan_mark();
		if (item->hashValue == mark->hashValue)
			return true;
	}
	return false;
}

static PlannedStmt *
dual_write_planner(Query *parse, const char *query_string, int cursorOptions,
				   ParamListInfo boundParams)
{
	bool		planned = plan_dual_write(parse);
	PlannedStmt *stmt;

	if (prev_planner_hook)
		stmt = prev_planner_hook(parse, query_string, cursorOptions, boundParams);
	else
		stmt = standard_planner(parse, query_string, cursorOptions, boundParams);

	/* the plan now depends on migrator.dual_write(), and says so */
	if (planned)
		stmt->invalItems = lappend(stmt->invalItems, plan_mark());
	return stmt;
}

/* leave migrator's trigger out of this query's triggers of a result relation */
static void
drop_trigger(ResultRelInfo *rri, int which)
{
	TriggerDesc *td = rri->ri_TrigDesc;

	memmove(&td->triggers[which], &td->triggers[which + 1],
			sizeof(Trigger) * (td->numtriggers - which - 1));
	td->numtriggers--;
	td->trig_update_before_row = false;
	for (int i = 0; i < td->numtriggers; i++)
		if (before_update_row(&td->triggers[i]))
			td->trig_update_before_row = true;
}

/*
 * The triggers of an UPDATE's result relation are a copy made for this
 * query (InitResultRelInfo), and nothing has called them yet: migrator's
 * leaves if the plan does its work, or if it would never fire.
 */
static void
strip_dual_write_trigger(QueryDesc *qd)
{
	ModifyTableState *mt = (ModifyTableState *) qd->planstate;
	ModifyTable *plan = (ModifyTable *) mt->ps.plan;
	ResultRelInfo *rri;
	TriggerDesc *td;

	if (mt->operation != CMD_UPDATE || mt->mt_nrels != 1)
		return;
	rri = mt->resultRelInfo;
	td = rri->ri_TrigDesc;
	if (td == NULL || !td->trig_update_before_row ||
		rri->ri_RelationDesc->rd_rel->relkind != RELKIND_RELATION ||
		rri->ri_RelationDesc->rd_rel->relispartition)
		return;

	for (int i = 0; i < td->numtriggers; i++)
	{
		Trigger    *tg = &td->triggers[i];
		bool		leave = false;

		if (!before_update_row(tg) || !dual_write_is_ours(tg))
			continue;

		if (tg->tgnattr > 0)
		{
			Bitmapset  *updated = ExecGetAllUpdatedCols(rri, qd->estate);

			leave = true;
			for (int k = 0; k < tg->tgnattr; k++)
				if (bms_is_member(tg->tgattr[k] - FirstLowInvalidHeapAttributeNumber,
								  updated))
					leave = false;
		}
		if (!leave && plan_marked(qd->plannedstmt))
		{
			AttrNumber	marker = get_attnum(RelationGetRelid(rri->ri_RelationDesc),
											MIGRATOR_MARKER_COLUMN);

			leave = marker != InvalidAttrNumber &&
				list_member_int(linitial(plan->updateColnosLists), marker);
		}
		if (leave)
		{
			drop_trigger(rri, i);
			return;
		}
	}
}

static void
dual_write_executor_start(QueryDesc *qd, int eflags)
{
	if (prev_executor_start_hook)
		prev_executor_start_hook(qd, eflags);
	else
		standard_ExecutorStart(qd, eflags);

	if (qd->operation == CMD_UPDATE && qd->planstate &&
		IsA(qd->planstate, ModifyTableState))
		strip_dual_write_trigger(qd);
}

void
dual_write_first_fire(void)
{
	static bool done = false;

	/*
	 * The trigger's first call in this backend may have loaded migrator: its
	 * cached plans were made without the hooks, make them again.
	 */
	if (!done)
	{
		done = true;
		ResetPlanCache();
	}
}

void
dual_write_plan_init(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = dual_write_planner;
	prev_executor_start_hook = ExecutorStart_hook;
	ExecutorStart_hook = dual_write_executor_start;
}
