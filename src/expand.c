/*-------------------------------------------------------------------------
 *
 * expand.c
 *	  Zero-downtime changes: expand(), contract() and abort().
 *
 *	  expand() turns a change's operations into DDL that keeps the old shape
 *	  of each table working while adding the new one: a changed column is
 *	  duplicated into a temporary column, constraints on it are added NOT
 *	  VALID, a backfill marker column and the C dual-write trigger are
 *	  installed, and a version schema of security_invoker views shows the
 *	  new shape.  contract() validates and swaps the new columns into place;
 *	  abort() removes everything expand() added.  Every name reaching SQL is
 *	  quoted; every DDL statement waits at most migrator.lock_timeout for
 *	  its lock and is retried with backoff (migrator.lock_retries); contract
 *	  and abort take all their locks up front, views before tables, and
 *	  retry as a whole (locking.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "access/sysattr.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "change.h"
#include "migrator.h"

PG_FUNCTION_INFO_V1(migrator_expand);
PG_FUNCTION_INFO_V1(migrator_contract);
PG_FUNCTION_INFO_V1(migrator_abort);

/* One table of a change, with the columns it touches. */
typedef struct ChangeTable
{
	Oid			relid;
	char	   *schema;
	char	   *name;
	int			ncols;
	int			cap;
	ChangeColumn *cols;
	bool		needs_backfill;
	char	   *view_name;		/* its name in the new shape */
} ChangeTable;

static void conflict(ChangeTable *t, const char *column, int i,
					 const char *opname, const char *why);

/* ---------------------------------------------------------------------
 * DDL with a short lock_timeout, retried with backoff
 * ---------------------------------------------------------------------
 */

static void
ddl_once(const char *sql)
{
	int			nest = NewGUCNestLevel();
	int			rc;

	(void) set_config_option("lock_timeout",
							 psprintf("%d", migrator_lock_timeout),
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	rc = SPI_execute(sql, false, 0);
	if (rc < 0)
		elog(ERROR, "SPI_execute failed for \"%s\": %s", sql,
			 SPI_result_code_string(rc));
	AtEOXact_GUC(true, nest);
}

static void
ddl_once_arg(void *arg)
{
	ddl_once((const char *) arg);
}

/*
 * Run one DDL statement.  When its lock is not granted within
 * migrator.lock_timeout (so that the statement never queues for long in
 * front of everyone else), it is retried after an exponential backoff
 * with jitter, up to migrator.lock_retries times.
 */
void
migrator_ddl(const char *sql)
{
	/* inside migrator_run_locked(): one try, a lock timeout ends the attempt */
	if (migrator_in_locked_run)
	{
		ddl_once(sql);
		return;
	}
	migrator_retry_on_lock(ddl_once_arg, (void *) sql, NULL);
}

/* ---------------------------------------------------------------------
 * Names
 * ---------------------------------------------------------------------
 */

static char *
qualified(const char *schema, const char *name)
{
	return quote_qualified_identifier(schema, name);
}

/* prefix + name, cut to NAMEDATALEN - 1 bytes on a character boundary */
static char *
make_name(const char *prefix, const char *name)
{
	char	   *s = psprintf("%s%s", prefix, name);
	int			len = pg_mbcliplen(s, strlen(s), NAMEDATALEN - 1);

	s[len] = '\0';
	return s;
}

/* ---------------------------------------------------------------------
 * The tables and columns the ops name (their members are read by ops.c)
 * ---------------------------------------------------------------------
 */

static ChangeTable *
table_for(List **tables, Oid relid, const char *schema, const char *name)
{
	ListCell   *lc;
	ChangeTable *t;

	foreach(lc, *tables)
	{
		t = lfirst(lc);
		if (t->relid == relid)
			return t;
	}
	t = palloc0(sizeof(ChangeTable));
	t->relid = relid;
	t->schema = pstrdup(schema);
	t->name = pstrdup(name);
	t->cap = 8;
	t->cols = palloc0(sizeof(ChangeColumn) * t->cap);
	*tables = lappend(*tables, t);
	return t;
}

/* the change's entry for a column by its current new-shape name, or NULL */
static ChangeColumn *
find_column(ChangeTable *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].final_name && strcmp(t->cols[i].final_name, name) == 0)
			return &t->cols[i];
	return NULL;
}

static ChangeColumn *
new_column(ChangeTable *t)
{
	if (t->ncols == t->cap)
	{
		t->cap *= 2;
		t->cols = repalloc(t->cols, sizeof(ChangeColumn) * t->cap);
	}
	memset(&t->cols[t->ncols], 0, sizeof(ChangeColumn));
	return &t->cols[t->ncols++];
}

/*
 * The column an operation names, as the new shape stands after the
 * change's earlier operations: an entry of the change, or a column of the
 * table the change has not touched yet.
 */
static ChangeColumn *
column_for(ChangeTable *t, const char *name, int i, const char *opname)
{
	ChangeColumn *c = find_column(t, name);
	AttrNumber	attnum;

	if (c)
		return c;
	for (int j = 0; j < t->ncols; j++)
		if (t->cols[j].column_name && strcmp(t->cols[j].column_name, name) == 0)
			conflict(t, name, i, opname,
					 "An earlier operation of this change renamed or dropped the column; later operations name it as the new shape has it.");
	attnum = get_attnum(t->relid, name);
	if (attnum == InvalidAttrNumber || attnum < 0 || shape_is_internal_column(name))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table \"%s\" does not exist", name, t->name),
				 errdetail("Named by operation %d (\"%s\").", i + 1, opname)));
	c = new_column(t);
	c->column_name = pstrdup(name);
	c->final_name = pstrdup(name);
	return c;
}

static void
check_new_name(ChangeTable *t, const char *name, int i, const char *opname)
{
	bool		taken = find_column(t, name) != NULL;

	/* a column of the table the change renames away or drops frees its name */
	if (!taken && get_attnum(t->relid, name) != InvalidAttrNumber)
	{
		taken = true;
		for (int j = 0; j < t->ncols; j++)
			if (t->cols[j].column_name && strcmp(t->cols[j].column_name, name) == 0)
				taken = false;
	}
	if (taken)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column \"%s\" of table \"%s\" already exists", name, t->name),
				 errdetail("Operation %d (\"%s\") would create it.", i + 1, opname)));
	if (shape_is_internal_column(name))
		ereport(ERROR,
				(errcode(ERRCODE_RESERVED_NAME),
				 errmsg("column name \"%s\" is reserved for migrator", name)));
}

static bool
column_not_null(Oid relid, const char *column)
{
	HeapTuple	tup = SearchSysCacheAttName(relid, column);
	bool		result;

	if (!HeapTupleIsValid(tup))
		return false;
	result = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
	ReleaseSysCache(tup);
	return result;
}

/* canonical SQL for a type name given by the user */
static char *
canonical_type(const char *type, Oid *typid, int32 *typmod)
{
	typenameTypeIdAndMod(NULL, compat_type_string_to_name(type), typid, typmod);
	return format_type_with_typemod(*typid, *typmod);
}

static void
conflict(ChangeTable *t, const char *column, int i, const char *opname,
		 const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("operation %d (\"%s\") conflicts with an earlier operation on column \"%s\" of table \"%s\"",
					i + 1, opname, column, t->name),
			 errdetail("%s", why),
			 errhint("Combine them into one operation, or use two changes.")));
}

/* the column attributes add_column and alter_column share */
static void
read_column_attributes(JsonbContainer *obj, ChangeColumn *c, int i,
					   const char *opname)
{
	int			nullable = migrator_op_bool(obj, "nullable", i, opname);
	char	   *dflt = migrator_op_string(obj, "default", false, i, opname);
	char	   *check = migrator_op_string(obj, "check", false, i, opname);
	char	   *refs = migrator_op_string(obj, "references", false, i, opname);

	if (migrator_op_bool(obj, "unique", i, opname) == 1)
		c->unique = true;
	if (nullable == 0)
		c->not_null = true;
	if (dflt)
		c->default_expr = dflt;
	if (check)
		c->check_expr = check;
	if (refs)
		c->references = refs;
}

/* a column of an index, by its new-shape name: the column that holds it now */
static const char *
index_column(List *tables, Oid relid, const char *name, int i)
{
	ListCell   *lc;

	foreach(lc, tables)
	{
		ChangeTable *t = lfirst(lc);
		ChangeColumn *c;

		if (t->relid != relid)
			continue;
		c = find_column(t, name);
		if (c)
			return c->tmp_name ? c->tmp_name : c->column_name;
	}
	if (get_attnum(relid, name) == InvalidAttrNumber || shape_is_internal_column(name))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table \"%s\" does not exist", name, get_rel_name(relid)),
				 errdetail("Named by operation %d (\"create_index\").", i + 1)));
	return name;
}

/*
 * create_index {table, name, columns | expression, unique, where, method}:
 * built concurrently by run_backfill() (a procedure: the build cannot run
 * inside expand()'s transaction), dropped by abort().
 */
static ChangeStep *
create_index_step(List *tables, JsonbContainer *body, int i)
{
	const char *opname = "create_index";
	char	   *schema;
	char	   *tabname;
	Oid			relid = migrator_op_table(body, i, opname, &schema, &tabname);
	char	   *name = migrator_op_string(body, "name", true, i, opname);
	char	   *expr = migrator_op_string(body, "expression", false, i, opname);
	char	   *where = migrator_op_string(body, "where", false, i, opname);
	char	   *method = migrator_op_string(body, "method", false, i, opname);
	bool		unique = migrator_op_bool(body, "unique", i, opname) == 1;
	ChangeStep *st = palloc0(sizeof(ChangeStep));
	StringInfoData cols;
	JsonbValue	v;

	migrator_check_no_open_change(relid);
	initStringInfo(&cols);
	if (expr)
	{
		(void) shape_parse_expression(expr, psprintf("expression of index \"%s\"", name));
		appendStringInfo(&cols, "(%s)", expr);
	}
	else if (getKeyJsonValueFromContainer(body, "columns", 7, &v) && v.type == jbvBinary &&
			 JsonContainerIsArray(v.val.binary.data) && JsonContainerSize(v.val.binary.data) > 0)
	{
		for (int k = 0; k < (int) JsonContainerSize(v.val.binary.data); k++)
		{
			JsonbValue *e = getIthJsonbValueFromContainer(v.val.binary.data, k);

			if (e->type != jbvString)
				migrator_bad_op(i, "\"columns\" of \"create_index\" holds column names.");
			appendStringInfo(&cols, "%s%s", k ? ", " : "",
							 quote_identifier(index_column(tables, relid,
														   pnstrdup(e->val.string.val, e->val.string.len), i)));
		}
	}
	else
		migrator_bad_op(i, "\"create_index\" needs \"columns\" or \"expression\".");
	if (where)
		(void) shape_parse_expression(where, psprintf("where of index \"%s\"", name));
	if (method)
		(void) get_am_oid(method, false);
	if (OidIsValid(get_relname_relid(name, get_namespace_oid(schema, false))))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s\" already exists", name),
				 errdetail("Operation %d (\"create_index\") would create it.", i + 1)));

	st->schema = schema;
	st->build_sql = psprintf("CREATE %sINDEX CONCURRENTLY %s ON %s USING %s (%s)%s%s%s",
							 unique ? "UNIQUE " : "", quote_identifier(name),
							 qualified(schema, tabname),
							 quote_identifier(method ? method : "btree"), cols.data,
							 where ? " WHERE (" : "", where ? where : "", where ? ")" : "");
	st->abort_sql = psprintf("DROP INDEX IF EXISTS %s", qualified(schema, name));
	return st;
}

/* drop_index {name, schema?}: dropped at contract */
static ChangeStep *
drop_index_step(JsonbContainer *body, int i)
{
	char	   *name = migrator_op_string(body, "name", true, i, "drop_index");
	char	   *nsp = migrator_op_string(body, "schema", false, i, "drop_index");
	Oid			relid = nsp ? get_relname_relid(name, get_namespace_oid(nsp, false))
		: RelnameGetRelid(name);
	ChangeStep *st = palloc0(sizeof(ChangeStep));

	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index \"%s\" does not exist", name),
				 errdetail("Named by operation %d (\"drop_index\").", i + 1)));
	st->schema = get_namespace_name(get_rel_namespace(relid));
	st->contract_sql = psprintf("DROP INDEX %s", qualified(st->schema, name));
	return st;
}

static void
read_op(List **tables, List **steps, JsonbContainer *op, int i)
{
	char	   *opname;
	JsonbContainer *body = migrator_op_body(op, i, &opname);
	char	   *schema;
	char	   *tabname;
	Oid			relid;
	ChangeTable *t;

	if (strcmp(opname, "create_index") == 0)
	{
		*steps = lappend(*steps, create_index_step(*tables, body, i));
		return;
	}
	if (strcmp(opname, "drop_index") == 0)
	{
		*steps = lappend(*steps, drop_index_step(body, i));
		return;
	}

	/* table-level operations take effect now, so later ones can use them */
	{
		ChangeStep *step = tableops_read(opname, body, i);

		if (step)
		{
			if (step->expand_sql)
				migrator_ddl(step->expand_sql);
			CommandCounterIncrement();
			*steps = lappend(*steps, step);
			return;
		}
	}
	if (strcmp(opname, "add_column") != 0 && strcmp(opname, "alter_column") != 0 &&
		strcmp(opname, "rename_column") != 0 && strcmp(opname, "drop_column") != 0)
		migrator_bad_op(i, psprintf("Unknown operation \"%s\".", opname));

	relid = migrator_op_table(body, i, opname, &schema, &tabname);
	t = table_for(tables, relid, schema, tabname);

	if (strcmp(opname, "rename_column") == 0)
	{
		char	   *from = migrator_op_string(body, "from", true, i, opname);
		char	   *to = migrator_op_string(body, "to", true, i, opname);
		ChangeColumn *c = column_for(t, from, i, opname);

		check_new_name(t, to, i, opname);
		c->final_name = to;
	}
	else if (strcmp(opname, "drop_column") == 0)
	{
		char	   *col = migrator_op_string(body, "column", true, i, opname);
		ChangeColumn *c = column_for(t, col, i, opname);

		if (c->column_name == NULL || c->tmp_name != NULL ||
			strcmp(c->column_name, c->final_name) != 0)
			conflict(t, col, i, opname, "A column added, altered or renamed by this change cannot also be dropped by it.");
		c->final_name = NULL;
		c->down = migrator_op_string(body, "down", false, i, opname);
	}
	else if (strcmp(opname, "add_column") == 0)
	{
		JsonbContainer *colobj = migrator_op_object(body, "column", i, opname);
		char	   *name = migrator_op_string(colobj, "name", true, i, opname);
		char	   *type = migrator_op_string(colobj, "type", true, i, opname);
		ChangeColumn *c;
		Oid			typid;
		int32		typmod;

		check_new_name(t, name, i, opname);
		c = new_column(t);
		c->final_name = name;
		c->new_type = canonical_type(type, &typid, &typmod);
		c->tmp_name = make_name(MIGRATOR_COLUMN_PREFIX "new_", name);
		read_column_attributes(colobj, c, i, opname);
		c->up = migrator_op_string(body, "up", false, i, opname);
		if (c->up == NULL && c->default_expr != NULL)
			c->up = c->default_expr;	/* existing rows get the default */
		if (c->not_null && c->up == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" added NOT NULL needs \"up\" or \"default\" to fill existing rows",
							name)));
	}
	else						/* alter_column */
	{
		char	   *col = migrator_op_string(body, "column", true, i, opname);
		char	   *type = migrator_op_string(body, "type", false, i, opname);
		ChangeColumn *c = column_for(t, col, i, opname);
		Oid			oldtyp;
		int32		oldmod;
		Oid			typid;
		int32		typmod;

		if (c->column_name == NULL || c->tmp_name != NULL)
			conflict(t, col, i, opname, "The column is already added or altered by this change.");
		get_atttypetypmodcoll(relid, get_attnum(relid, c->column_name),
							  &oldtyp, &oldmod, &typid);
		if (type)
			c->new_type = canonical_type(type, &typid, &typmod);
		else
			c->new_type = format_type_with_typemod(oldtyp, oldmod);
		c->tmp_name = make_name(MIGRATOR_COLUMN_PREFIX "new_", c->column_name);
		read_column_attributes(body, c, i, opname);
		/* the new column keeps NOT NULL unless "nullable": true says otherwise */
		if (migrator_op_bool(body, "nullable", i, opname) == -1 && column_not_null(relid, c->column_name))
			c->not_null = true;
		if (!type && migrator_op_bool(body, "nullable", i, opname) == -1 && !c->default_expr &&
			!c->check_expr && !c->references && !c->unique)
			migrator_bad_op(i, "\"alter_column\" needs at least one of type, nullable, default, check, unique or references.");
		c->up = migrator_op_string(body, "up", false, i, opname);
		c->down = migrator_op_string(body, "down", false, i, opname);
		if (c->up == NULL)
			c->up = type ? psprintf("CAST(%s AS %s)", quote_identifier(c->column_name), c->new_type)
				: pstrdup(quote_identifier(c->column_name));
		if (c->down == NULL)
			c->down = type ? psprintf("CAST(%s AS %s)", quote_identifier(c->final_name),
									  format_type_with_typemod(oldtyp, oldmod))
				: pstrdup(quote_identifier(c->final_name));
	}
}

static List *
read_ops(Jsonb *ops, List **steps)
{
	List	   *tables = NIL;
	JsonbContainer *root = &ops->root;

	if (JB_ROOT_IS_SCALAR(ops))
		migrator_bad_op(0, "ops must be an array of operations (or one operation object).");
	if (JB_ROOT_IS_OBJECT(ops))
		read_op(&tables, steps, root, 0);
	else
	{
		int			n = JsonContainerSize(root);

		if (n == 0)
			migrator_bad_op(0, "ops is an empty array.");
		for (int i = 0; i < n; i++)
		{
			JsonbValue *v = getIthJsonbValueFromContainer(root, i);

			if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
				migrator_bad_op(i, "An operation is an object with exactly one key, its name.");
			read_op(&tables, steps, v->val.binary.data, i);
		}
	}
	return tables;
}

/* ---------------------------------------------------------------------
 * The change's bookkeeping rows
 * ---------------------------------------------------------------------
 */

static char *
change_state(const char *change)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	char	   *state;
	MigratorOwnerSwitch s;

	values[0] = CStringGetTextDatum(change);
	/* FOR UPDATE needs UPDATE on the table: as its owner */
	migrator_owner_begin(&s);
	state = migrator_spi_text("SELECT state FROM migrator.changes "
							  "WHERE name OPERATOR(pg_catalog.=) $1 FOR UPDATE",
							  1, types, values, false);
	migrator_owner_end(&s);
	return state;
}

/*
 * The change's state, or an error when it does not exist or is closed.
 */
char *
migrator_open_change(const char *change, const char *action)
{
	char	   *state = change_state(change);

	if (state == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("change \"%s\" does not exist", change),
				 errhint("migrator.changes lists the changes.")));
	if (strcmp(state, "contracted") == 0 || strcmp(state, "aborted") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot %s change \"%s\": it is already %s", action, change, state)));
	migrator_check_change_owned(change);
	return state;
}

static void
record_change(const char *change, Jsonb *ops, const char *version_schema,
			  List *tables)
{
	ListCell   *lc;
	bool		needs_backfill = false;

	foreach(lc, tables)
		needs_backfill |= ((ChangeTable *) lfirst(lc))->needs_backfill;

	{
		Oid			types[5] = {TEXTOID, JSONBOID, TEXTOID, TEXTOID, TEXTOID};
		Datum		values[5];

		values[0] = CStringGetTextDatum(change);
		values[1] = JsonbPGetDatum(ops);
		values[2] = CStringGetTextDatum(version_schema);
		values[3] = CStringGetTextDatum(needs_backfill ? "expanded" : "backfilled");
		values[4] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
		migrator_exec_as_owner("INSERT INTO migrator.changes (name, ops, version_schema, state, started_by) "
							   "VALUES ($1, $2, $3, $4, $5)", 5, types, values, NULL);
	}

	foreach(lc, tables)
	{
		ChangeTable *t = lfirst(lc);
		Oid			ttypes[4] = {TEXTOID, OIDOID, TEXTOID, INT8OID};
		Datum		tvalues[4];
		char		tnulls[] = "    ";

		tvalues[0] = CStringGetTextDatum(change);
		tvalues[1] = ObjectIdGetDatum(t->relid);
		tvalues[2] = CStringGetTextDatum(MIGRATOR_MARKER_COLUMN);
		tnulls[2] = t->needs_backfill ? ' ' : 'n';
		tvalues[3] = Int64GetDatum(0);
		migrator_exec_as_owner("INSERT INTO migrator.change_tables (change, relid, marker, done) "
							   "VALUES ($1, $2::pg_catalog.regclass, $3, $3 IS NULL)",
							   3, ttypes, tvalues, tnulls);

		for (int i = 0; i < t->ncols; i++)
		{
			ChangeColumn *c = &t->cols[i];
			Oid			ctypes[13] = {TEXTOID, OIDOID, INT4OID, TEXTOID, TEXTOID,
				TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, TEXTOID, TEXTOID, TEXTOID};
			Datum		cv[13];
			char		cn[13];
			const char *strs[13] = {NULL, NULL, NULL, c->column_name, c->final_name,
				c->tmp_name, c->new_type, c->up, c->down, NULL, c->default_expr,
			c->check_name, c->fk_name};

			memset(cn, ' ', sizeof(cn));
			for (int k = 3; k < 13; k++)
			{
				if (k == 9)
					continue;
				cn[k] = strs[k] ? ' ' : 'n';
				cv[k] = strs[k] ? CStringGetTextDatum(strs[k]) : (Datum) 0;
			}
			cv[0] = CStringGetTextDatum(change);
			cv[1] = ObjectIdGetDatum(t->relid);
			cv[2] = Int32GetDatum(i);
			cv[9] = BoolGetDatum(c->not_null);
			migrator_exec_as_owner("INSERT INTO migrator.change_columns (change, relid, ord, column_name, "
								   "final_name, tmp_name, new_type, up, down, not_null, default_expr, "
								   "check_name, fk_name) "
								   "VALUES ($1, $2::pg_catalog.regclass, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
								   13, ctypes, cv, cn);
		}
	}

	/* the planner's row estimate of what the backfill will touch */
	{
		Oid			types[1] = {TEXTOID};
		Datum		values[1];

		values[0] = CStringGetTextDatum(change);
		migrator_exec_as_owner("UPDATE migrator.changes SET rows_total = ("
							   "SELECT pg_catalog.sum(CASE WHEN c.reltuples OPERATOR(pg_catalog.>=) 0 "
							   "THEN c.reltuples END)::pg_catalog.int8 "
							   "FROM migrator.change_tables t JOIN pg_catalog.pg_class c "
							   "ON c.oid OPERATOR(pg_catalog.=) t.relid "
							   "WHERE t.change OPERATOR(pg_catalog.=) $1 AND t.marker IS NOT NULL) "
							   "WHERE name OPERATOR(pg_catalog.=) $1", 1, types, values, NULL);
	}
}

/* ---------------------------------------------------------------------
 * expand()
 * ---------------------------------------------------------------------
 */

/* default of a column as SQL, or NULL */
static char *
column_default_sql(Oid relid, const char *column)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];

	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(column);
	return migrator_spi_text("SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) "
							 "FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_attribute a "
							 "ON a.attrelid OPERATOR(pg_catalog.=) d.adrelid "
							 "AND a.attnum OPERATOR(pg_catalog.=) d.adnum "
							 "WHERE d.adrelid OPERATOR(pg_catalog.=) $1 "
							 "AND a.attname OPERATOR(pg_catalog.=) $2 "
							 "AND a.attgenerated OPERATOR(pg_catalog.=) ''",
							 2, types, values, true);
}

/*
 * What depends on a column that is about to be swapped for a new one.
 * CHECK constraints and plain indexes (and the unique constraints they
 * back) are carried over to the new column; anything else (a primary or
 * foreign key, an exclusion constraint, an expression or partial index, a
 * view) cannot be yet, and is refused before anything changes.  A NOT NULL
 * constraint (catalogued from 18 on, contype 'n') is carried over as the
 * column's attnotnull is.
 */
static void
check_not_depended_on(ChangeTable *t, ChangeColumn *c)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	char	   *what;

	values[0] = ObjectIdGetDatum(t->relid);
	values[1] = CStringGetTextDatum(c->column_name);
	what = migrator_spi_text("SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) "
							  "FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attribute a "
							  "ON a.attrelid OPERATOR(pg_catalog.=) d.refobjid "
							  "AND a.attnum OPERATOR(pg_catalog.=) d.refobjsubid "
							  "LEFT JOIN pg_catalog.pg_constraint k ON d.classid OPERATOR(pg_catalog.=) "
							  "  'pg_catalog.pg_constraint'::pg_catalog.regclass AND k.oid OPERATOR(pg_catalog.=) d.objid "
							  "LEFT JOIN pg_catalog.pg_index i ON d.classid OPERATOR(pg_catalog.=) "
							  "  'pg_catalog.pg_class'::pg_catalog.regclass AND i.indexrelid OPERATOR(pg_catalog.=) d.objid "
							  "WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
							  "AND d.refobjid OPERATOR(pg_catalog.=) $1 "
							  "AND a.attname OPERATOR(pg_catalog.=) $2 "
							  "AND d.deptype OPERATOR(pg_catalog.=) ANY ('{n,a}') "
							  "AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_attrdef'::pg_catalog.regclass) "
							  "AND NOT (k.contype IS NOT NULL AND k.contype OPERATOR(pg_catalog.=) ANY ('{c,n,u}') "
							  "         AND k.conrelid OPERATOR(pg_catalog.=) $1) "
							  "AND NOT (i.indexrelid IS NOT NULL AND i.indexprs IS NULL AND i.indpred IS NULL) "
							  "ORDER BY 1 LIMIT 1",
							  2, types, values, true);
	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot alter column \"%s\" of table \"%s\" yet: %s uses it",
						c->column_name, t->name, what),
				 errhint("CHECK constraints and plain indexes are carried over to the new column; primary and foreign keys, expression or partial indexes and views are not yet. Drop the dependent object first, or change the column with plain DDL.")));
}

/*
 * Carry the column's CHECK constraints (added NOT VALID now, validated and
 * renamed at contract) and its plain indexes and unique constraints (built
 * concurrently by run_backfill, renamed or attached at contract) over to
 * its new column.
 */
static void
carry_dependents(ChangeTable *t, ChangeColumn *c, List **steps)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	char	   *tab = qualified(t->schema, t->name);
	Relation	rel;
	Shape	   *shape;
	int			k;
	List	   *checks = NIL;
	List	   *indexes = NIL;
	List	   *adds = NIL;
	ListCell   *lc;
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spicxt;

	values[0] = ObjectIdGetDatum(t->relid);
	values[1] = CStringGetTextDatum(c->column_name);
	migrator_spi_connect(0);
	/* what is read here must outlive SPI_finish() */
	spicxt = MemoryContextSwitchTo(caller);
	MemoryContextSwitchTo(spicxt);
	if (SPI_execute_with_args("SELECT k.conname, pg_catalog.pg_get_expr(k.conbin, k.conrelid) "
							  "FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_attribute a "
							  "ON a.attrelid OPERATOR(pg_catalog.=) k.conrelid "
							  "AND a.attnum OPERATOR(pg_catalog.=) ANY (k.conkey) "
							  "WHERE k.conrelid OPERATOR(pg_catalog.=) $1 AND k.contype OPERATOR(pg_catalog.=) 'c' "
							  "AND a.attname OPERATOR(pg_catalog.=) $2 ORDER BY 1",
							  2, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read constraints");
	MemoryContextSwitchTo(caller);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		char	  **pair = palloc(sizeof(char *) * 2);

		pair[0] = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		pair[1] = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2);
		checks = lappend(checks, pair);
	}
	MemoryContextSwitchTo(spicxt);
	if (SPI_execute_with_args("SELECT ic.relname, i.indisunique, am.amname, k.conname, k.contype "
							  "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid "
							  "JOIN pg_catalog.pg_am am ON am.oid OPERATOR(pg_catalog.=) ic.relam "
							  "LEFT JOIN pg_catalog.pg_constraint k ON k.conindid OPERATOR(pg_catalog.=) i.indexrelid "
							  "  AND k.conrelid OPERATOR(pg_catalog.=) i.indrelid "
							  "WHERE i.indrelid OPERATOR(pg_catalog.=) $1 AND i.indexprs IS NULL AND i.indpred IS NULL "
							  "AND EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) $1 "
							  "  AND a.attname OPERATOR(pg_catalog.=) $2 AND a.attnum OPERATOR(pg_catalog.=) ANY (i.indkey::pg_catalog.int2[])) "
							  "ORDER BY 1",
							  2, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read indexes");
	MemoryContextSwitchTo(caller);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *contype = SPI_getvalue(tup, desc, 5);
		char	  **row = palloc(sizeof(char *) * 4);

		if (contype && strcmp(contype, "u") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot alter column \"%s\" of table \"%s\" yet: it is part of %s \"%s\"",
							c->column_name, t->name,
							strcmp(contype, "p") == 0 ? "the primary key" : "constraint",
							SPI_getvalue(tup, desc, 4)),
					 errhint("Changing the columns of a primary key or exclusion constraint is not supported yet.")));
		row[0] = SPI_getvalue(tup, desc, 1);	/* index */
		row[1] = SPI_getvalue(tup, desc, 2);	/* unique? */
		row[2] = SPI_getvalue(tup, desc, 3);	/* access method */
		row[3] = SPI_getvalue(tup, desc, 4);	/* the unique constraint it backs */
		indexes = lappend(indexes, row);
	}
	MemoryContextSwitchTo(spicxt);
	SPI_finish();

	rel = table_open(t->relid, AccessShareLock);
	shape = shape_old(rel);
	k = shape_find(shape, c->column_name);
	shape->physical[k] = pstrdup(c->tmp_name);

	foreach(lc, checks)
	{
		char	  **pair = lfirst(lc);
		char	   *newname = make_name("", psprintf("%s_new", pair[0]));
		Expr	   *expr = shape_cook_expression(rel, shape, pair[1], BOOLOID, -1,
												 psprintf("check constraint \"%s\"", pair[0]));
		char	   *sql = deparse_expression((Node *) expr, deparse_context_for(t->name, t->relid),
											 false, false);
		ChangeStep *st = palloc0(sizeof(ChangeStep));

		/* run once the table is closed: ALTER TABLE refuses an open one */
		adds = lappend(adds, psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s) NOT VALID",
									  tab, quote_identifier(newname), sql));
		st->schema = t->schema;
		st->contract_sql = psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s; "
									"ALTER TABLE %s RENAME CONSTRAINT %s TO %s",
									tab, quote_identifier(newname), tab,
									quote_identifier(newname), quote_identifier(pair[0]));
		*steps = lappend(*steps, st);
	}

	foreach(lc, indexes)
	{
		char	  **row = lfirst(lc);
		char	   *newname = make_name("", psprintf("%s_new", row[0]));
		Oid			indexoid = get_relname_relid(row[0], get_namespace_oid(t->schema, false));
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
		StringInfoData cols;
		ChangeStep *st = palloc0(sizeof(ChangeStep));

		initStringInfo(&cols);
		for (int n = 0; n < idx->indnkeyatts; n++)
		{
			char	   *att = get_attname(t->relid, idx->indkey.values[n], false);

			appendStringInfo(&cols, "%s%s", n ? ", " : "",
							 quote_identifier(strcmp(att, c->column_name) == 0 ? c->tmp_name : att));
		}
		ReleaseSysCache(tup);
		st->schema = t->schema;
		st->build_sql = psprintf("CREATE %sINDEX CONCURRENTLY %s ON %s USING %s (%s)",
								 strcmp(row[1], "t") == 0 ? "UNIQUE " : "",
								 quote_identifier(newname), tab, quote_identifier(row[2]), cols.data);
		if (row[3])				/* it backs a unique constraint */
			st->contract_sql = psprintf("ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s",
										tab, quote_identifier(row[3]), quote_identifier(newname));
		else
			st->contract_sql = psprintf("ALTER INDEX %s RENAME TO %s",
										qualified(t->schema, newname), quote_identifier(row[0]));
		st->abort_sql = psprintf("DROP INDEX IF EXISTS %s", qualified(t->schema, newname));
		*steps = lappend(*steps, st);
	}
	table_close(rel, AccessShareLock);
	foreach(lc, adds)
		migrator_ddl(lfirst(lc));
}

static void
expand_table(ChangeTable *t, const char *change, List **steps)
{
	char	   *tab = qualified(t->schema, t->name);

	migrator_check_no_open_change(t->relid);
	for (int i = 0; i < t->ncols; i++)
	{
		ChangeColumn *c = &t->cols[i];

		if (c->tmp_name == NULL)
			continue;
		if (c->column_name)
			check_not_depended_on(t, c);
		migrator_ddl(psprintf("ALTER TABLE %s ADD COLUMN %s %s", tab,
							  quote_identifier(c->tmp_name), c->new_type));
		if (c->default_expr == NULL && c->column_name)
		{
			char	   *old_default = column_default_sql(t->relid, c->column_name);
			Oid			oldtyp;
			int32		oldmod;
			Oid			coll;
			Oid			newtyp;
			int32		newmod;

			get_atttypetypmodcoll(t->relid, get_attnum(t->relid, c->column_name),
								  &oldtyp, &oldmod, &coll);

			typenameTypeIdAndMod(NULL, compat_type_string_to_name(c->new_type), &newtyp, &newmod);
			if (old_default && can_coerce_type(1, &oldtyp, &newtyp, COERCION_ASSIGNMENT))
				c->default_expr = old_default;
		}
		if (c->default_expr)
		{
			/* parsed on its own first: it must be one expression */
			(void) shape_parse_expression(c->default_expr, psprintf("default of column \"%s\"", c->final_name));
			migrator_ddl(psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", tab,
								  quote_identifier(c->tmp_name), c->default_expr));
		}
		if (c->up)
			t->needs_backfill = true;
	}
	if (t->needs_backfill)
		migrator_ddl(psprintf("ALTER TABLE %s ADD COLUMN %s boolean NOT NULL DEFAULT true",
							  tab, quote_identifier(MIGRATOR_MARKER_COLUMN)));
	CommandCounterIncrement();

	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].tmp_name && t->cols[i].column_name)
			carry_dependents(t, &t->cols[i], steps);

	/* constraints on the new columns, NOT VALID until contract() */
	for (int i = 0; i < t->ncols; i++)
	{
		ChangeColumn *c = &t->cols[i];

		if (c->tmp_name == NULL)
			continue;
		if (c->not_null)
			migrator_ddl(psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID",
								  tab, quote_identifier(make_name(MIGRATOR_COLUMN_PREFIX "nn_", c->final_name)),
								  quote_identifier(c->tmp_name)));
		if (c->check_expr)
		{
			Relation	rel = table_open(t->relid, AccessShareLock);
			Shape	   *shape = shape_new(rel, t->cols, t->ncols);
			Expr	   *expr = shape_cook_expression(rel, shape, c->check_expr, BOOLOID, -1,
													 psprintf("check of column \"%s\"", c->final_name));
			char	   *sql = deparse_expression((Node *) expr,
												 deparse_context_for(t->name, t->relid),
												 false, false);

			table_close(rel, AccessShareLock);
			c->check_name = make_name("", psprintf("%s_%s_check", t->name, c->final_name));
			migrator_ddl(psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s) NOT VALID",
								  tab, quote_identifier(c->check_name), sql));
		}
		if (c->references)
		{
			c->fk_name = make_name("", psprintf("%s_%s_fkey", t->name, c->final_name));
			migrator_ddl(psprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s NOT VALID",
								  tab, quote_identifier(c->fk_name), quote_identifier(c->tmp_name),
								  migrator_references_sql(c->references, c->final_name)));
		}
	}
	CommandCounterIncrement();

	/*
	 * Every up / down must cook against the shapes: errors now, not per row.
	 * The columns they read are the ones whose update fires the trigger.
	 */
	{
		Relation	rel = table_open(t->relid, AccessShareLock);
		Shape	   *old_shape = shape_old(rel);
		Shape	   *new_shape = shape_new(rel, t->cols, t->ncols);
		TupleDesc	desc = RelationGetDescr(rel);
		Bitmapset  *read = NULL;
		bool		any = false;
		StringInfoData cols;
		int			k;

		for (int i = 0; i < t->ncols; i++)
		{
			ChangeColumn *c = &t->cols[i];

			if (c->tmp_name && c->up)
			{
				Form_pg_attribute att = TupleDescAttr(desc, get_attnum(t->relid, c->tmp_name) - 1);
				Expr	   *e = shape_cook_expression(rel, old_shape, c->up, att->atttypid, att->atttypmod,
													  psprintf("up expression of column \"%s\"", c->final_name));

				pull_varattnos((Node *) e, 1, &read);
				/* a write of the new value itself clears the marker */
				read = bms_add_member(read, get_attnum(t->relid, c->tmp_name) -
									  FirstLowInvalidHeapAttributeNumber);
				any = true;
			}
			if (c->column_name && c->down && (c->tmp_name || c->final_name == NULL))
			{
				Form_pg_attribute att = TupleDescAttr(desc, get_attnum(t->relid, c->column_name) - 1);
				Expr	   *e = shape_cook_expression(rel, new_shape, c->down, att->atttypid, att->atttypmod,
													  psprintf("down expression of column \"%s\"", c->column_name));

				pull_varattnos((Node *) e, 1, &read);
				any = true;
			}
		}

		/*
		 * BEFORE INSERT OR UPDATE OF the columns the expressions read, and of
		 * the marker the backfill clears: an update of other columns changes
		 * no value the trigger computes, so it does not pay for the trigger.
		 */
		initStringInfo(&cols);
		k = -1;
		while ((k = bms_next_member(read, k)) >= 0)
		{
			AttrNumber	attnum = k + FirstLowInvalidHeapAttributeNumber;

			if (attnum > 0)
				appendStringInfo(&cols, "%s%s", cols.len ? ", " : "",
								 quote_identifier(NameStr(TupleDescAttr(desc, attnum - 1)->attname)));
		}
		if (t->needs_backfill)
			appendStringInfo(&cols, "%s%s", cols.len ? ", " : "",
							 quote_identifier(MIGRATOR_MARKER_COLUMN));
		table_close(rel, AccessShareLock);

		if (any)
			migrator_ddl(psprintf("CREATE TRIGGER %s BEFORE INSERT%s%s ON %s "
								  "FOR EACH ROW EXECUTE FUNCTION migrator.dual_write(%s)",
								  quote_identifier(MIGRATOR_TRIGGER_NAME),
								  cols.len ? " OR UPDATE OF " : "", cols.data, tab,
								  quote_literal_cstr(change)));
	}
}

/* the new shape of a table, as a writable view in the version schema */
static void
create_view(ChangeTable *t, const char *version_schema)
{
	Relation	rel = table_open(t->relid, AccessShareLock);
	Shape	   *shape = shape_new(rel, t->cols, t->ncols);
	StringInfoData sql;
	char	   *view = qualified(version_schema, t->view_name ? t->view_name : t->name);

	table_close(rel, AccessShareLock);
	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE VIEW %s", view);
	appendStringInfoString(&sql, " WITH (security_invoker = true)");
	appendStringInfoString(&sql, " AS SELECT ");
	for (int i = 0; i < shape->count; i++)
		appendStringInfo(&sql, "%s%s AS %s", i ? ", " : "",
						 quote_identifier(shape->physical[i]),
						 quote_identifier(shape->names[i]));
	appendStringInfo(&sql, " FROM %s", qualified(t->schema, t->name));
	migrator_ddl(sql.data);

	/* defaults carried over, so inserts through the view behave alike */
	for (int i = 0; i < shape->count; i++)
	{
		char	   *dflt = column_default_sql(t->relid, shape->physical[i]);

		if (dflt)
			migrator_ddl(psprintf("ALTER VIEW %s ALTER COLUMN %s SET DEFAULT %s", view,
								  quote_identifier(shape->names[i]), dflt));
	}

	/* whoever may use the table may use its new shape */
	migrator_ddl(psprintf("DO $g$ DECLARE r record; BEGIN "
						  "FOR r IN SELECT a.privilege_type, a.grantee "
						  "FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a "
						  "WHERE c.oid OPERATOR(pg_catalog.=) %u AND a.privilege_type OPERATOR(pg_catalog.=) ANY "
						  "('{SELECT,INSERT,UPDATE,DELETE}') LOOP "
						  "EXECUTE pg_catalog.format('GRANT %%s ON %%s TO %%s', r.privilege_type, %s, "
						  "CASE WHEN r.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' "
						  "ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END); "
						  "END LOOP; END $g$",
						  t->relid, quote_literal_cstr(view)));
}

static void
note_schema(char **schema, const char *this)
{
	if (*schema && strcmp(*schema, this) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the tables of one change must be in one schema"),
				 errdetail("It names tables in \"%s\" and in \"%s\".", *schema, this)));
	*schema = pstrdup(this);
}

static void
record_steps(const char *change, List *steps)
{
	ListCell   *lc;

	foreach(lc, steps)
	{
		ChangeStep *st = lfirst(lc);
		Oid			types[6] = {TEXTOID, INT4OID, TEXTOID, TEXTOID, BOOLOID, TEXTOID};
		Datum		values[6];
		char		nulls[] = "      ";

		values[0] = CStringGetTextDatum(change);
		/* contract renames tables last, after the steps that name them */
		values[1] = Int32GetDatum(foreach_current_index(lc) + (st->view_name ? 100000 : 0));
		values[2] = st->contract_sql ? CStringGetTextDatum(st->contract_sql) : (Datum) 0;
		nulls[2] = st->contract_sql ? ' ' : 'n';
		values[3] = st->abort_sql ? CStringGetTextDatum(st->abort_sql) : (Datum) 0;
		nulls[3] = st->abort_sql ? ' ' : 'n';
		values[4] = BoolGetDatum(st->is_sql);
		values[5] = st->build_sql ? CStringGetTextDatum(st->build_sql) : (Datum) 0;
		nulls[5] = st->build_sql ? ' ' : 'n';
		migrator_exec_as_owner("INSERT INTO migrator.change_steps (change, ord, contract_sql, abort_sql, is_sql, build_sql, built) "
							   "VALUES ($1, $2, $3, $4, $5, $6, $6 IS NULL)", 6, types, values, nulls);
	}
}

/* the stored steps' SQL for contract (in order) or abort (newest first) */
static List *
stored_step_sql(const char *change, bool for_abort)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	List	   *result = NIL;
	MemoryContext caller = CurrentMemoryContext;

	values[0] = CStringGetTextDatum(change);
	migrator_spi_connect(0);
	if (SPI_execute_with_args(for_abort ?
							  "SELECT abort_sql, is_sql AND abort_sql IS NULL, ord FROM migrator.change_steps "
							  "WHERE change OPERATOR(pg_catalog.=) $1 ORDER BY ord DESC" :
							  "SELECT contract_sql, false, ord FROM migrator.change_steps "
							  "WHERE change OPERATOR(pg_catalog.=) $1 ORDER BY ord",
							  1, types, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.change_steps");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		MemoryContext old;

		if (DatumGetBool(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("change \"%s\" cannot be aborted: its sql operation %d has no \"down\"",
							change, DatumGetInt32(SPI_getbinval(tup, SPI_tuptable->tupdesc, 3, &isnull)) + 1),
					 errhint("Undo that operation by hand, or contract the change.")));
		old = MemoryContextSwitchTo(caller);
		if (SPI_getvalue(tup, SPI_tuptable->tupdesc, 1) != NULL)
			result = lappend(result, SPI_getvalue(tup, SPI_tuptable->tupdesc, 1));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return result;
}

Datum
migrator_expand(PG_FUNCTION_ARGS)
{
	char	   *change;
	Jsonb	   *ops;
	List	   *tables;
	List	   *steps = NIL;
	ListCell   *lc;
	char	   *schema = NULL;
	char	   *version_schema;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("change name and ops must not be NULL")));
	change = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ops = PG_GETARG_JSONB_P(1);
	if (change[0] == '\0' || strlen(change) > 40)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a change name must have 1 to 40 bytes")));
	migrator_check_ops_owned(ops, change);
	if (change_state(change) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("change \"%s\" already exists", change),
				 errhint("Pick a new name; migrator.changes keeps every change.")));

	migrator_spi_connect(0);
	tables = read_ops(ops, &steps);

	/* one version schema: the tables of a change share a schema */
	foreach(lc, tables)
		note_schema(&schema, ((ChangeTable *) lfirst(lc))->schema);
	foreach(lc, steps)
		if (((ChangeStep *) lfirst(lc))->schema)
			note_schema(&schema, ((ChangeStep *) lfirst(lc))->schema);
	if (schema == NULL)
		schema = get_namespace_name(RangeVarGetCreationNamespace(makeRangeVar(NULL, "x", -1)));
	version_schema = make_name("", psprintf("%s_%s", schema, change));

	/* a renamed table's new shape goes by its new name */
	foreach(lc, steps)
	{
		ChangeStep *st = lfirst(lc);
		ListCell   *lc2;

		if (st->view_table == NULL)
			continue;
		foreach(lc2, tables)
		{
			ChangeTable *t = lfirst(lc2);

			if (strcmp(t->name, st->view_table) == 0)
			{
				t->view_name = st->view_name;
				st->view_table = NULL;	/* create_view() makes it */
			}
		}
	}

	/* unique columns: an index built concurrently, attached at contract */
	foreach(lc, tables)
	{
		ChangeTable *t = lfirst(lc);

		for (int k = 0; k < t->ncols; k++)
		{
			ChangeColumn *c = &t->cols[k];
			ChangeStep *st;
			char	   *idx;

			if (!c->unique)
				continue;
			idx = make_name("", psprintf("%s_%s_key", t->name, c->final_name));
			st = palloc0(sizeof(ChangeStep));
			st->schema = t->schema;
			st->build_sql = psprintf("CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s)",
									 quote_identifier(idx), qualified(t->schema, t->name),
									 quote_identifier(c->tmp_name));
			st->contract_sql = psprintf("ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s",
										qualified(t->schema, t->name), quote_identifier(idx),
										quote_identifier(idx));
			st->abort_sql = psprintf("DROP INDEX IF EXISTS %s", qualified(t->schema, idx));
			steps = lappend(steps, st);
		}
	}

	foreach(lc, tables)
		expand_table(lfirst(lc), change, &steps);
	migrator_version_schema_create(version_schema);
	foreach(lc, tables)
		create_view(lfirst(lc), version_schema);
	foreach(lc, steps)
	{
		ChangeStep *st = lfirst(lc);
		ChangeTable tt;

		if (st->view_table == NULL)
			continue;
		memset(&tt, 0, sizeof(tt));
		tt.relid = get_relname_relid(st->view_table, get_namespace_oid(st->schema, false));
		tt.schema = st->schema;
		tt.name = st->view_table;
		tt.view_name = st->view_name;
		create_view(&tt, version_schema);
	}
	migrator_version_schema_ready(version_schema);
	record_change(change, ops, version_schema, tables);
	record_steps(change, steps);
	foreach(lc, steps)
	{
		if (((ChangeStep *) lfirst(lc))->build_sql)
		{
			/* an index still to build: not backfilled yet */
			Oid			types[1] = {TEXTOID};
			Datum		values[1];

			values[0] = CStringGetTextDatum(change);
			migrator_exec_as_owner("UPDATE migrator.changes SET state = 'expanded' "
								   "WHERE name OPERATOR(pg_catalog.=) $1", 1, types, values, NULL);
			break;
		}
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * contract() and abort()
 * ---------------------------------------------------------------------
 */

typedef struct StoredTable
{
	Oid			relid;
	char	   *marker;
	int			ncols;
	ChangeColumn *cols;
} StoredTable;

static List *
stored_tables(const char *change)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	List	   *result = NIL;
	MemoryContext caller = CurrentMemoryContext;
	StoredTable *cur = NULL;

	values[0] = CStringGetTextDatum(change);
	migrator_spi_connect(0);
	if (SPI_execute_with_args("SELECT t.relid::pg_catalog.oid, t.marker, c.column_name, c.final_name, "
							  "c.tmp_name, c.not_null, c.check_name, c.fk_name "
							  "FROM migrator.change_tables t LEFT JOIN migrator.change_columns c "
							  "ON c.change OPERATOR(pg_catalog.=) t.change AND c.relid OPERATOR(pg_catalog.=) t.relid "
							  "WHERE t.change OPERATOR(pg_catalog.=) $1 ORDER BY t.relid, c.ord",
							  1, types, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.change_tables");
	MemoryContextSwitchTo(caller);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		ChangeColumn *c;

		if (cur == NULL || cur->relid != relid)
		{
			cur = palloc0(sizeof(StoredTable));
			cur->relid = relid;
			cur->marker = SPI_getvalue(tup, desc, 2);
			cur->cols = palloc0(sizeof(ChangeColumn) * SPI_processed);
			result = lappend(result, cur);
		}
		if (SPI_getvalue(tup, desc, 3) == NULL && SPI_getvalue(tup, desc, 4) == NULL)
			continue;			/* LEFT JOIN: no columns */
		c = &cur->cols[cur->ncols++];
		c->column_name = SPI_getvalue(tup, desc, 3);
		c->final_name = SPI_getvalue(tup, desc, 4);
		c->tmp_name = SPI_getvalue(tup, desc, 5);
		c->not_null = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
		c->check_name = SPI_getvalue(tup, desc, 7);
		c->fk_name = SPI_getvalue(tup, desc, 8);
	}
	SPI_finish();
	return result;
}

static char *
version_schema_of(const char *change)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(change);
	return migrator_spi_text("SELECT version_schema FROM migrator.changes "
							 "WHERE name OPERATOR(pg_catalog.=) $1", 1, types, values, false);
}

static void
close_change(const char *change, const char *state)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(change);
	values[1] = CStringGetTextDatum(state);
	migrator_exec_as_owner("UPDATE migrator.changes SET state = $2, finished_at = pg_catalog.clock_timestamp() "
						   "WHERE name OPERATOR(pg_catalog.=) $1", 2, types, values, NULL);
	drift_after_change(state);
}

/* what both contract and abort remove first: the trigger and the views */
static void
remove_dual_shape(List *tables, const char *change)
{
	ListCell   *lc;
	char	   *vschema = version_schema_of(change);

	foreach(lc, tables)
	{
		StoredTable *t = lfirst(lc);
		char	   *name = get_rel_name(t->relid);

		if (OidIsValid(get_trigger_oid(t->relid, MIGRATOR_TRIGGER_NAME, true)))
			migrator_ddl(psprintf("DROP TRIGGER %s ON %s",
								  quote_identifier(MIGRATOR_TRIGGER_NAME),
								  qualified(get_namespace_name(get_rel_namespace(t->relid)), name)));
	}
	/* its views, and anything else put in the version schema, go with it */
	{
		int			nest = NewGUCNestLevel();
		MigratorOwnerSwitch s;

		(void) set_config_option("client_min_messages", "warning",
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		migrator_owner_begin(&s);	/* the schema is the extension owner's */
		migrator_ddl(psprintf("DROP SCHEMA IF EXISTS %s CASCADE", quote_identifier(vschema)));
		migrator_owner_end(&s);
		AtEOXact_GUC(true, nest);
	}
}

/* a change's end (contract or abort): what it works on */
typedef struct ChangeEnd
{
	const char *change;
	List	   *tables;			/* StoredTable */
	List	   *step_sql;
	List	   *validations;	/* contract: VALIDATE CONSTRAINT statements */
} ChangeEnd;

/* the tables a change's end locks: its own, and those its steps alter */
static List *
end_relids(ChangeEnd *end)
{
	List	   *relids = NIL;
	ListCell   *lc;

	foreach(lc, end->tables)
		relids = list_append_unique_oid(relids, ((StoredTable *) lfirst(lc))->relid);
	return list_concat_unique_oid(relids, migrator_sql_relations(end->step_sql));
}

/*
 * Run a change's end under its locks: first the validations, which scan
 * the tables under SHARE UPDATE EXCLUSIVE (writes go on), then work under
 * ACCESS EXCLUSIVE on the views and the tables, taken as applications take
 * them; see locking.c.
 */
static void
run_end(ChangeEnd *end, const char *action, void (*validate) (void *arg),
		void (*work) (void *arg))
{
	List	   *relids = end_relids(end);
	char	   *what = psprintf("%s of change \"%s\"", action, end->change);

	if (end->validations != NIL)
		migrator_run_locked(relids, false, ShareUpdateExclusiveLock, NULL,
							validate, end, what);
	migrator_run_locked(relids, true, AccessExclusiveLock, version_schema_of(end->change),
						work, end, what);
}

/* the constraints expand() added NOT VALID to the new columns */
static List *
column_validations(List *tables)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, tables)
	{
		StoredTable *t = lfirst(lc);
		char	   *tab = qualified(get_namespace_name(get_rel_namespace(t->relid)),
									get_rel_name(t->relid));

		for (int i = 0; i < t->ncols; i++)
		{
			ChangeColumn *c = &t->cols[i];

			if (c->check_name)
				result = lappend(result, psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", tab,
												  quote_identifier(c->check_name)));
			if (c->fk_name)
				result = lappend(result, psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", tab,
												  quote_identifier(c->fk_name)));
			if (c->not_null)
				result = lappend(result, psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", tab,
												  quote_identifier(make_name(MIGRATOR_COLUMN_PREFIX "nn_",
																			 c->final_name))));
		}
	}
	return result;
}

static void
contract_validate(void *arg)
{
	ListCell   *lc;

	foreach(lc, ((ChangeEnd *) arg)->validations)
		migrator_ddl(lfirst(lc));
}

/*
 * The work of a change's end under its exclusive locks, no table scan:
 * the trigger and the views go, then for each table its columns (contract
 * swaps the new ones into place, abort drops them) and the backfill marker,
 * then the SQL the steps stored for this end.
 */
static void
end_locked(ChangeEnd *end, void (*columns) (const char *tab, StoredTable *t))
{
	ListCell   *lc;

	remove_dual_shape(end->tables, end->change);
	foreach(lc, end->tables)
	{
		StoredTable *t = lfirst(lc);
		char	   *tab = qualified(get_namespace_name(get_rel_namespace(t->relid)),
									get_rel_name(t->relid));

		columns(tab, t);
		if (t->marker)
			migrator_ddl(psprintf("ALTER TABLE %s DROP COLUMN %s", tab, quote_identifier(t->marker)));
	}
	foreach(lc, end->step_sql)
		migrator_ddl(lfirst(lc));
}

/* contract: each new column takes the place of its old one */
static void
contract_columns(const char *tab, StoredTable *t)
{
	for (int i = 0; i < t->ncols; i++)
	{
		ChangeColumn *c = &t->cols[i];

		if (c->not_null)
		{
			/* SET NOT NULL skips its scan: the CHECK validated first proves it */
			const char *nn = quote_identifier(make_name(MIGRATOR_COLUMN_PREFIX "nn_", c->final_name));

			migrator_ddl(psprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", tab,
								  quote_identifier(c->tmp_name)));
			migrator_ddl(psprintf("ALTER TABLE %s DROP CONSTRAINT %s", tab, nn));
		}
		if (c->final_name == NULL)
			migrator_ddl(psprintf("ALTER TABLE %s DROP COLUMN %s", tab,
								  quote_identifier(c->column_name)));
		else if (c->tmp_name)
		{
			if (c->column_name)
				migrator_ddl(psprintf("ALTER TABLE %s DROP COLUMN %s", tab,
									  quote_identifier(c->column_name)));
			migrator_ddl(psprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", tab,
								  quote_identifier(c->tmp_name), quote_identifier(c->final_name)));
		}
		else if (strcmp(c->column_name, c->final_name) != 0)
			migrator_ddl(psprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", tab,
								  quote_identifier(c->column_name), quote_identifier(c->final_name)));
	}
}

static void
contract_locked(void *arg)
{
	end_locked(arg, contract_columns);
}

Datum
migrator_contract(PG_FUNCTION_ARGS)
{
	char	   *change = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *state;
	ChangeEnd	end;

	migrator_spi_connect(0);
	state = migrator_open_change(change, "contract");
	if (strcmp(state, "backfilled") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("change \"%s\" is not backfilled yet", change),
				 errdetail("It is %s.", state),
				 errhint("Run SELECT migrator.backfill('%s') or CALL migrator.run_backfill('%s') until it is done.",
						 change, change)));
	end.change = change;
	end.tables = stored_tables(change);
	end.step_sql = stored_step_sql(change, false);
	end.validations = list_concat(column_validations(end.tables),
								  migrator_sql_validations(end.step_sql));
	drift_before_change("contracted");
	run_end(&end, "contract", contract_validate, contract_locked);
	close_change(change, "contracted");
	SPI_finish();
	PG_RETURN_VOID();
}

/* abort: dropping a new column drops the constraints expand() put on it */
static void
abort_columns(const char *tab, StoredTable *t)
{
	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].tmp_name)
			migrator_ddl(psprintf("ALTER TABLE %s DROP COLUMN %s", tab,
								  quote_identifier(t->cols[i].tmp_name)));
}

static void
abort_locked(void *arg)
{
	end_locked(arg, abort_columns);
}

Datum
migrator_abort(PG_FUNCTION_ARGS)
{
	char	   *change = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ChangeEnd	end;

	migrator_spi_connect(0);
	(void) migrator_open_change(change, "abort");
	end.change = change;
	end.step_sql = stored_step_sql(change, true);	/* refuses before anything runs */
	end.tables = stored_tables(change);
	end.validations = NIL;
	drift_before_change("aborted");
	run_end(&end, "abort", NULL, abort_locked);
	close_change(change, "aborted");
	SPI_finish();
	PG_RETURN_VOID();
}
