/*-------------------------------------------------------------------------
 *
 * dualwrite.h
 *	  The dual writes of an open change: the cache of its cooked up/down
 *	  expressions (dualwrite.c), shared by the C trigger and by the
 *	  planner hook that writes them into UPDATEs (dualwrite_plan.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATOR_DUALWRITE_H
#define MIGRATOR_DUALWRITE_H

#include "postgres.h"

#include "nodes/execnodes.h"
#include "utils/rel.h"

typedef struct DualWriteAction
{
	AttrNumber	target;			/* column to set */
	bool		new_side;		/* on writes through the new shape? */
	Expr	   *expr;			/* the cooked expression; Vars are varno 1 */
	ExprState  *state;
} DualWriteAction;

typedef struct DualWriteEntry
{
	Oid			tgoid;			/* hash key */
	Oid			relid;
	bool		valid;
	MemoryContext cxt;
	char	   *version_schema;
	AttrNumber	marker;			/* InvalidAttrNumber if none */
	int			nactions;
	DualWriteAction *actions;
	ExprContext *econtext;
	int			natts;			/* the table's, when built */
	Datum	   *values;			/* per-row scratch: the new row's values */
	bool	   *nulls;
	TupleTableSlot *filled;		/* a pending row with its new columns filled */
	char	   *seen_path;		/* search_path last looked at */
	bool		seen_new_side;
} DualWriteEntry;

/* dualwrite.c */
extern DualWriteEntry *dual_write_entry(Relation rel, Trigger *tg);
extern bool dual_write_new_side(DualWriteEntry *e);

/* dualwrite_plan.c */
extern void dual_write_plan_init(void);
extern bool dual_write_is_ours(Trigger *tg);
extern void dual_write_first_fire(void);

#endif							/* MIGRATOR_DUALWRITE_H */
