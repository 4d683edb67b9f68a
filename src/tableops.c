/*-------------------------------------------------------------------------
 *
 * tableops.c
 *	  The operations of a change that work on whole tables and constraints:
 *	  create_table, rename_table, drop_table, add_constraint,
 *	  drop_constraint and sql.
 *
 *	  Each becomes a step: SQL run now (at expand), SQL run at contract and
 *	  SQL run at abort, all rendered here from validated, quoted names and
 *	  stored in migrator.change_steps, so that contract() and abort() run
 *	  exactly what expand() planned.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "change.h"

static char *
namespace_of(JsonbContainer *obj, int i, const char *opname)
{
	char	   *nsp = migrator_op_string(obj, "schema", false, i, opname);

	if (nsp == NULL)
	{
		Oid			creation = RangeVarGetCreationNamespace(makeRangeVar(NULL, "x", -1));

		nsp = get_namespace_name(creation);
	}
	else
		(void) get_namespace_oid(nsp, false);
	return nsp;
}

/* an existing table, by literal name (and optional schema), with no open change */
static Oid
existing_table(JsonbContainer *obj, const char *key, int i, const char *opname,
			   char **schema, char **name)
{
	char	   *tab = migrator_op_string(obj, key, false, i, opname);
	char	   *nsp = migrator_op_string(obj, "schema", false, i, opname);
	Oid			relid;

	/* drop_table {name} as well as {table} */
	if (tab == NULL && strcmp(key, "table") == 0)
		tab = migrator_op_string(obj, "name", false, i, opname);
	if (tab == NULL)
		migrator_bad_op(i, psprintf("\"%s\" needs a \"%s\" string.", opname, key));
	relid = migrator_op_find_table(tab, nsp, i, opname, schema, name);
	migrator_check_no_open_change(relid);
	return relid;
}

/* one expression, parsed to prove it is one: returned as given */
static char *
expression(JsonbContainer *obj, const char *key, bool required, int i,
		   const char *opname)
{
	char	   *sql = migrator_op_string(obj, key, required, i, opname);

	if (sql)
		(void) shape_parse_expression(sql, psprintf("\"%s\" of operation %d", key, i + 1));
	return sql;
}

static ChangeStep *
new_step(const char *schema)
{
	ChangeStep *s = palloc0(sizeof(ChangeStep));

	s->schema = schema ? pstrdup(schema) : NULL;
	return s;
}

/* create_table {table, schema?, columns: [{name, type, nullable, default, check, references, primary_key, unique}]} */
static ChangeStep *
create_table(JsonbContainer *body, int i)
{
	const char *opname = "create_table";
	char	   *tab = migrator_op_string(body, "table", false, i, opname);
	char	   *nsp = namespace_of(body, i, opname);
	char	   *qtab;
	JsonbValue	v;
	StringInfoData sql;
	int			n;
	ChangeStep *s = new_step(nsp);

	if (tab == NULL)
		tab = migrator_op_string(body, "name", true, i, opname);	/* {name} works too */
	qtab = quote_qualified_identifier(nsp, tab);
	if (OidIsValid(get_relname_relid(tab, get_namespace_oid(nsp, false))))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("table \"%s\" already exists", tab)));
	if (!getKeyJsonValueFromContainer(body, "columns", 7, &v) || v.type != jbvBinary ||
		!JsonContainerIsArray(v.val.binary.data) ||
		(n = JsonContainerSize(v.val.binary.data)) == 0)
		migrator_bad_op(i, "\"create_table\" needs a non-empty \"columns\" array.");

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TABLE %s (", qtab);
	for (int k = 0; k < n; k++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(v.val.binary.data, k);
		JsonbContainer *col;
		char	   *name;
		char	   *type;
		char	   *dflt;
		char	   *check;
		char	   *refs;
		Oid			typid;
		int32		typmod;

		if (e->type != jbvBinary || !JsonContainerIsObject(e->val.binary.data))
			migrator_bad_op(i, "Each of \"columns\" is an object {name, type, ...}.");
		col = e->val.binary.data;
		name = migrator_op_string(col, "name", true, i, opname);
		type = migrator_op_string(col, "type", true, i, opname);
		typenameTypeIdAndMod(NULL, compat_type_string_to_name(type), &typid, &typmod);
		appendStringInfo(&sql, "%s%s %s", k ? ", " : "", quote_identifier(name),
						 format_type_with_typemod(typid, typmod));
		if (migrator_op_bool(col, "primary_key", i, opname) == 1)
			appendStringInfoString(&sql, " PRIMARY KEY");
		else if (migrator_op_bool(col, "nullable", i, opname) == 0)
			appendStringInfoString(&sql, " NOT NULL");
		if (migrator_op_bool(col, "unique", i, opname) == 1)
			appendStringInfoString(&sql, " UNIQUE");
		if ((dflt = expression(col, "default", false, i, opname)) != NULL)
			appendStringInfo(&sql, " DEFAULT (%s)", dflt);
		if ((check = expression(col, "check", false, i, opname)) != NULL)
			appendStringInfo(&sql, " CHECK (%s)", check);
		if ((refs = migrator_op_string(col, "references", false, i, opname)) != NULL)
			appendStringInfo(&sql, " REFERENCES %s", migrator_references_sql(refs, name));
	}
	appendStringInfoChar(&sql, ')');
	s->expand_sql = sql.data;
	s->abort_sql = psprintf("DROP TABLE %s", qtab);
	return s;
}

/* add_constraint {table, name, check | foreign_key: {columns, references}} */
static ChangeStep *
add_constraint(JsonbContainer *body, int i)
{
	const char *opname = "add_constraint";
	char	   *schema;
	char	   *tabname;
	Oid			relid = existing_table(body, "table", i, opname, &schema, &tabname);
	char	   *qtab = quote_qualified_identifier(schema, tabname);
	char	   *name = migrator_op_string(body, "name", true, i, opname);
	const char *qname = quote_identifier(name);
	char	   *check = expression(body, "check", false, i, opname);
	JsonbValue	v;
	ChangeStep *s = new_step(schema);

	(void) relid;
	if (getKeyJsonValueFromContainer(body, "unique", 6, &v))
	{
		/* a unique index built concurrently by run_backfill, attached at contract */
		char	   *cols = migrator_op_names(body, "unique", i, opname);

		s->build_sql = psprintf("CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s)",
								qname, qtab, cols);
		s->contract_sql = psprintf("ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s",
								   qtab, qname, qname);
		s->abort_sql = psprintf("DROP INDEX IF EXISTS %s", quote_qualified_identifier(schema, name));
		return s;
	}
	if (check)
		s->expand_sql = psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s) NOT VALID",
								 qtab, qname, check);
	else if (getKeyJsonValueFromContainer(body, "foreign_key", 11, &v) &&
			 v.type == jbvBinary && JsonContainerIsObject(v.val.binary.data))
	{
		char	   *cols = migrator_op_names(v.val.binary.data, "columns", i, opname);
		char	   *refs = migrator_op_string(v.val.binary.data, "references", true, i, opname);

		s->expand_sql = psprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s NOT VALID",
								 qtab, qname, cols, migrator_references_sql(refs, name));
	}
	else
		migrator_bad_op(i, "\"add_constraint\" needs \"check\", \"unique\" or \"foreign_key\".");
	s->contract_sql = psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", qtab, qname);
	s->abort_sql = psprintf("ALTER TABLE %s DROP CONSTRAINT %s", qtab, qname);
	return s;
}

/*
 * Read one table-level operation into a step; NULL when opname is not one
 * of them.
 */
ChangeStep *
tableops_read(const char *opname, JsonbContainer *body, int i)
{
	char	   *schema;
	char	   *tabname;
	ChangeStep *s;

	if (strcmp(opname, "create_table") == 0)
		return create_table(body, i);
	if (strcmp(opname, "add_constraint") == 0)
		return add_constraint(body, i);
	if (strcmp(opname, "drop_constraint") == 0)
	{
		char	   *name;

		(void) existing_table(body, "table", i, opname, &schema, &tabname);
		name = migrator_op_string(body, "name", true, i, opname);
		s = new_step(schema);
		s->contract_sql = psprintf("ALTER TABLE %s DROP CONSTRAINT %s",
								   quote_qualified_identifier(schema, tabname),
								   quote_identifier(name));
		return s;
	}
	if (strcmp(opname, "rename_table") == 0)
	{
		char	   *to;

		(void) existing_table(body, "from", i, opname, &schema, &tabname);
		to = migrator_op_string(body, "to", true, i, opname);
		if (OidIsValid(get_relname_relid(to, get_namespace_oid(schema, false))))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("table \"%s\" already exists", to)));
		s = new_step(schema);
		s->view_table = tabname;
		s->view_name = to;
		s->contract_sql = psprintf("ALTER TABLE %s RENAME TO %s",
								   quote_qualified_identifier(schema, tabname),
								   quote_identifier(to));
		return s;
	}
	if (strcmp(opname, "drop_table") == 0)
	{
		(void) existing_table(body, "table", i, opname, &schema, &tabname);
		s = new_step(schema);
		s->contract_sql = psprintf("DROP TABLE %s", quote_qualified_identifier(schema, tabname));
		return s;
	}
	if (strcmp(opname, "sql") == 0)
	{
		s = new_step(NULL);
		s->expand_sql = migrator_op_string(body, "up", true, i, opname);
		s->abort_sql = migrator_op_string(body, "down", false, i, opname);
		s->is_sql = true;
		return s;
	}
	return NULL;
}
