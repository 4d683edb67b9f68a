/*-------------------------------------------------------------------------
 *
 * change.h
 *	  Zero-downtime changes: what expand(), backfill, the dual-write
 *	  trigger, contract() and abort() share.
 *
 *	  expand.c reads a change's operations (through ops.c, and tableops.c
 *	  for the table-level ones) into ChangeColumns and ChangeSteps, installs
 *	  the new shape (shape.c) and the dual-write trigger (dualwrite.c);
 *	  backfill.c fills the new columns (prune.c keeps the table from
 *	  doubling); contract and abort take their locks in locking.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATOR_CHANGE_H
#define MIGRATOR_CHANGE_H

#include "postgres.h"

#include "compat.h"

#include "nodes/pg_list.h"
#include "nodes/primnodes.h"
#include "storage/block.h"
#include "utils/relcache.h"

/*
 * Columns migrator adds to a table (temporary new columns, the backfill
 * marker) carry this prefix.
 */
#define MIGRATOR_COLUMN_PREFIX "_migrator_"
#define MIGRATOR_MARKER_COLUMN "_migrator_needs_backfill"
#define MIGRATOR_TRIGGER_NAME "_migrator_dual_write"

/* One column a change touches (a row of migrator.change_columns). */
typedef struct ChangeColumn
{
	char	   *column_name;	/* the old column; NULL for an added one */
	char	   *final_name;		/* its new-shape name; NULL when dropped */
	char	   *tmp_name;		/* column holding the new values, if any */
	char	   *new_type;		/* type of tmp_name */
	char	   *up;				/* old row -> new value */
	char	   *down;			/* new row -> old value */
	bool		not_null;
	bool		unique;
	char	   *default_expr;
	char	   *check_expr;
	char	   *references;
	char	   *check_name;
	char	   *fk_name;
} ChangeColumn;

/* A table- or constraint-level operation of a change (tableops.c). */
typedef struct ChangeStep
{
	char	   *schema;			/* of its table, NULL for sql */
	char	   *expand_sql;		/* run by expand() */
	char	   *contract_sql;	/* run by contract() */
	char	   *abort_sql;		/* run by abort(), newest step first */
	char	   *view_table;		/* rename_table: the table ... */
	char	   *view_name;		/* ... and its name in the new shape */
	bool		is_sql;			/* a raw sql operation */
	char	   *build_sql;		/* CREATE INDEX CONCURRENTLY, run by run_backfill() */
} ChangeStep;

/* A table's columns as one application version sees them. */
typedef struct Shape
{
	const char *which;			/* "old" or "new", for messages */
	int			count;
	int			cap;
	char	  **names;			/* column names in this shape */
	char	  **physical;		/* the table's column behind each */
} Shape;

/* shape.c */
extern Shape *shape_old(Relation rel);
extern Shape *shape_new(Relation rel, ChangeColumn *cols, int ncols);
extern int	shape_find(const Shape *shape, const char *name);
extern bool shape_is_internal_column(const char *name);
extern Node *shape_parse_expression(const char *sql, const char *what);
extern Expr *shape_cook_expression(Relation rel, const Shape *shape,
								   const char *sql, Oid typid, int32 typmod,
								   const char *what);

/* ops.c: reading an operation of a change */
struct JsonbContainer;
pg_noreturn extern void migrator_bad_op(int i, const char *why);
extern struct JsonbContainer *migrator_op_body(struct JsonbContainer *op, int i,
											   char **opname);
extern char *migrator_op_string(struct JsonbContainer *obj, const char *key,
								bool required, int i, const char *opname);
extern int	migrator_op_bool(struct JsonbContainer *obj, const char *key, int i,
							 const char *opname);
extern struct JsonbContainer *migrator_op_object(struct JsonbContainer *obj,
												 const char *key, int i,
												 const char *opname);
extern char *migrator_op_names(struct JsonbContainer *obj, const char *key, int i,
							   const char *opname);
extern Oid	migrator_op_find_table(const char *tab, const char *nsp, int i,
								   const char *opname, char **schema, char **name);
extern Oid	migrator_op_table(struct JsonbContainer *obj, int i, const char *opname,
							  char **schema, char **name);
extern char *migrator_references_sql(const char *refs, const char *column);
extern void migrator_check_no_open_change(Oid relid);

/* tableops.c */
extern ChangeStep *tableops_read(const char *opname, struct JsonbContainer *body,
								 int i);

/* backfill.c */
extern bool migrator_backfill_active;
extern void backfill_define_gucs(void);

/* prune.c */
extern void migrator_prune_reset(void);
extern void migrator_prune_note(Oid relid, BlockNumber block);
extern void migrator_prune_noted(void);

/* expand.c */
extern void migrator_ddl(const char *sql);
extern char *migrator_open_change(const char *change, const char *action);

/* locking.c */
extern bool migrator_in_locked_run;
extern void migrator_run_locked(List *relids, bool views_first, int lockmode,
								const char *version_schema,
								void (*work) (void *arg), void *arg, const char *what);
extern List *migrator_sql_relations(List *sqls);
extern List *migrator_sql_validations(List *sqls);

#endif							/* MIGRATOR_CHANGE_H */
