/*-------------------------------------------------------------------------
 *
 * shape.c
 *	  The two shapes of a table during a zero-downtime change, and the
 *	  `up` / `down` expressions that map one to the other.
 *
 *	  The old shape is the table's own columns (migrator's temporary ones
 *	  left out); the new shape is what the change makes of them (renamed,
 *	  retyped into a temporary column, added, dropped).  An expression is
 *	  written over one shape's column names: its raw parse tree is rewritten
 *	  to the physical column names, then cooked against the table as
 *	  PostgreSQL cooks a CHECK constraint (no subqueries, aggregates or
 *	  set-returning functions), coerced to the target column's type, and
 *	  planned once.  The dual-write trigger evaluates the result per row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "change.h"

static void
shape_add(Shape *shape, const char *name, const char *physical)
{
	if (shape->count == shape->cap)
	{
		shape->cap = shape->cap ? shape->cap * 2 : 16;
		shape->names = shape->names ? repalloc(shape->names, sizeof(char *) * shape->cap)
			: palloc(sizeof(char *) * shape->cap);
		shape->physical = shape->physical ?
			repalloc(shape->physical, sizeof(char *) * shape->cap) :
			palloc(sizeof(char *) * shape->cap);
	}
	shape->names[shape->count] = pstrdup(name);
	shape->physical[shape->count] = pstrdup(physical);
	shape->count++;
}

int
shape_find(const Shape *shape, const char *name)
{
	for (int i = 0; i < shape->count; i++)
		if (strcmp(shape->names[i], name) == 0)
			return i;
	return -1;
}

bool
shape_is_internal_column(const char *name)
{
	return strncmp(name, MIGRATOR_COLUMN_PREFIX, strlen(MIGRATOR_COLUMN_PREFIX)) == 0;
}

/* the table's columns as the old application sees them */
Shape *
shape_old(Relation rel)
{
	Shape	   *shape = palloc0(sizeof(Shape));
	TupleDesc	desc = RelationGetDescr(rel);

	shape->which = "old";
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || shape_is_internal_column(NameStr(att->attname)))
			continue;
		shape_add(shape, NameStr(att->attname), NameStr(att->attname));
	}
	return shape;
}

/* the table's columns as the new application sees them */
Shape *
shape_new(Relation rel, ChangeColumn *cols, int ncols)
{
	Shape	   *old = shape_old(rel);
	Shape	   *shape = palloc0(sizeof(Shape));

	shape->which = "new";
	for (int i = 0; i < old->count; i++)
	{
		const char *name = old->names[i];
		const char *physical = old->physical[i];
		bool		dropped = false;

		for (int j = 0; j < ncols; j++)
		{
			ChangeColumn *c = &cols[j];

			if (c->column_name == NULL || strcmp(c->column_name, physical) != 0)
				continue;
			if (c->final_name == NULL)
				dropped = true;
			else
			{
				name = c->final_name;
				if (c->tmp_name)
					physical = c->tmp_name;
			}
		}
		if (!dropped)
			shape_add(shape, name, physical);
	}
	for (int j = 0; j < ncols; j++)
		if (cols[j].column_name == NULL)
			shape_add(shape, cols[j].final_name, cols[j].tmp_name);
	return shape;
}

typedef struct RenameContext
{
	const Shape *shape;
	const char *table;
	const char *what;
} RenameContext;

/* point every column reference of a raw expression at a physical column */
static bool
rename_columns_walker(Node *node, RenameContext *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s of table \"%s\" cannot use a subquery", ctx->what, ctx->table),
				 errdetail("It is evaluated for each row written, from that row alone.")));
	if (IsA(node, ColumnRef))
	{
		ColumnRef  *ref = (ColumnRef *) node;
		String	   *field;
		int			i;

		if (list_length(ref->fields) != 1 || !IsA(linitial(ref->fields), String))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s of table \"%s\" may only name columns of the row, unqualified",
							ctx->what, ctx->table)));
		field = linitial_node(String, ref->fields);
		i = shape_find(ctx->shape, strVal(field));
		if (i < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" does not exist in the %s shape of table \"%s\"",
							strVal(field), ctx->shape->which, ctx->table),
					 errdetail("It is named in %s.", ctx->what)));
		linitial(ref->fields) = makeString(pstrdup(ctx->shape->physical[i]));
		return false;
	}
	return raw_expression_tree_walker(node, rename_columns_walker, (void *) ctx);
}

/* errors while parsing or cooking an expression say which one */
static void
expression_error_callback(void *arg)
{
	const char **what = (const char **) arg;

	if (geterrposition() > 0)
		errposition(0);
	errcontext("%s: %s", what[0], what[1]);
}

/*
 * One SQL expression, parsed with the server's parser: exactly one SELECT
 * target and nothing else, so no text can turn it into another statement.
 */
Node *
shape_parse_expression(const char *sql, const char *what)
{
	List	   *raw;
	SelectStmt *sel;
	ResTarget  *rt;
	char	   *query = psprintf("SELECT (%s\n)", sql);

	raw = raw_parser(query, RAW_PARSE_DEFAULT);
	if (list_length(raw) != 1 ||
		!IsA(linitial_node(RawStmt, raw)->stmt, SelectStmt))
		goto bad;
	sel = (SelectStmt *) linitial_node(RawStmt, raw)->stmt;
	if (list_length(sel->targetList) != 1 || sel->fromClause || sel->whereClause ||
		sel->groupClause || sel->havingClause || sel->windowClause ||
		sel->distinctClause || sel->valuesLists || sel->sortClause ||
		sel->limitCount || sel->limitOffset || sel->lockingClause ||
		sel->withClause || sel->op != SETOP_NONE || sel->intoClause)
		goto bad;
	rt = linitial_node(ResTarget, sel->targetList);
	if (rt->name != NULL)
		goto bad;
	return rt->val;

bad:
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("%s is not a single SQL expression", what),
			 errdetail("Expression: %s", sql)));
	return NULL;				/* keep compiler quiet */
}

/*
 * Cook an expression over one shape of rel into a planned expression of
 * type typid/typmod, whose Vars (varno 1) are rel's physical columns.
 */
Expr *
shape_cook_expression(Relation rel, const Shape *shape, const char *sql,
					  Oid typid, int32 typmod, const char *what)
{
	ParseState *pstate = make_parsestate(NULL);
	ParseNamespaceItem *nsitem;
	RenameContext ctx;
	Node	   *raw;
	Node	   *expr;
	Oid			exprtype;
	ErrorContextCallback cb;
	const char *cbarg[2] = {what, sql};

	cb.callback = expression_error_callback;
	cb.arg = (void *) cbarg;
	cb.previous = error_context_stack;
	error_context_stack = &cb;

	raw = shape_parse_expression(sql, what);

	ctx.shape = shape;
	ctx.table = RelationGetRelationName(rel);
	ctx.what = what;
	rename_columns_walker(raw, &ctx);

	pstate->p_sourcetext = sql;
	nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock,
										   NULL, false, true);
	addNSItemToQuery(pstate, nsitem, true, true, true);

	expr = transformExpr(pstate, raw, EXPR_KIND_CHECK_CONSTRAINT);
	exprtype = exprType(expr);
	expr = coerce_to_target_type(pstate, expr, exprtype, typid, typmod,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s of table \"%s\" gives type %s, which cannot be assigned to type %s",
						what, RelationGetRelationName(rel),
						format_type_be(exprtype), format_type_with_typemod(typid, typmod)),
				 errhint("Cast it explicitly, e.g. (%s)::%s.", sql,
						 format_type_with_typemod(typid, typmod))));
	assign_expr_collations(pstate, expr);
	free_parsestate(pstate);
	error_context_stack = cb.previous;
	return expression_planner((Expr *) expr);
}
