/*-------------------------------------------------------------------------
 *
 * ops.c
 *	  Reading the operations of a change: each is a jsonb object with one
 *	  key, its name, whose value holds its members ({"add_column": {...}}).
 *
 *	  The members' readers (strings, booleans, objects, lists of names),
 *	  the table an operation names, a column's "references" as SQL, the
 *	  one-open-change-per-table check, and the error every malformed
 *	  operation raises.  expand.c (column and index operations) and
 *	  tableops.c (table and constraint operations) both read their
 *	  operations through these, and never through each other.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "change.h"
#include "migrator.h"

void
migrator_bad_op(int i, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("operation %d of the change is malformed", i + 1),
			 errdetail("%s", why)));
}

/*
 * Operation i, {"name": {members}}: its name in *opname, its members
 * returned.
 */
JsonbContainer *
migrator_op_body(JsonbContainer *op, int i, char **opname)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (JsonContainerSize(op) != 1)
		migrator_bad_op(i, "An operation is an object with exactly one key, its name.");
	it = JsonbIteratorInit(op);
	tok = JsonbIteratorNext(&it, &k, false);	/* WJB_BEGIN_OBJECT */
	tok = JsonbIteratorNext(&it, &k, true);
	Assert(tok == WJB_KEY);
	(void) tok;
	*opname = pnstrdup(k.val.string.val, k.val.string.len);
	tok = JsonbIteratorNext(&it, &v, true);
	if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
		migrator_bad_op(i, psprintf("\"%s\" must be an object.", *opname));
	return v.val.binary.data;
}

/* a non-empty string member; NULL when absent (an error when required) */
char *
migrator_op_string(JsonbContainer *obj, const char *key, bool required, int i,
				   const char *opname)
{
	JsonbValue	v;

	if (!getKeyJsonValueFromContainer(obj, key, strlen(key), &v) ||
		v.type == jbvNull)
	{
		if (required)
			migrator_bad_op(i, psprintf("\"%s\" needs a \"%s\" string.", opname, key));
		return NULL;
	}
	if (v.type != jbvString)
		migrator_bad_op(i, psprintf("\"%s\" of \"%s\" must be a string.", key, opname));
	if (v.val.string.len == 0)
		migrator_bad_op(i, psprintf("\"%s\" of \"%s\" is empty.", key, opname));
	return pnstrdup(v.val.string.val, v.val.string.len);
}

/* a boolean member: -1 absent (or null), 0 false, 1 true */
int
migrator_op_bool(JsonbContainer *obj, const char *key, int i, const char *opname)
{
	JsonbValue	v;

	if (!getKeyJsonValueFromContainer(obj, key, strlen(key), &v) ||
		v.type == jbvNull)
		return -1;
	if (v.type != jbvBool)
		migrator_bad_op(i, psprintf("\"%s\" of \"%s\" must be true or false.", key, opname));
	return v.val.boolean ? 1 : 0;
}

/* an object member, required */
JsonbContainer *
migrator_op_object(JsonbContainer *obj, const char *key, int i, const char *opname)
{
	JsonbValue	v;

	if (!getKeyJsonValueFromContainer(obj, key, strlen(key), &v) ||
		v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
		migrator_bad_op(i, psprintf("\"%s\" needs a \"%s\" object.", opname, key));
	return v.val.binary.data;
}

/* a JSON array of names as a quoted, comma-separated column list */
char *
migrator_op_names(JsonbContainer *obj, const char *key, int i, const char *opname)
{
	JsonbValue	v;
	StringInfoData s;
	int			n;

	if (!getKeyJsonValueFromContainer(obj, key, strlen(key), &v) ||
		v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data) ||
		(n = JsonContainerSize(v.val.binary.data)) == 0)
		migrator_bad_op(i, psprintf("\"%s\" of \"%s\" must be a non-empty array of column names.", key, opname));
	initStringInfo(&s);
	for (int k = 0; k < n; k++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(v.val.binary.data, k);

		if (e->type != jbvString || e->val.string.len == 0)
			migrator_bad_op(i, psprintf("\"%s\" of \"%s\" must hold column names.", key, opname));
		appendStringInfo(&s, "%s%s", k ? ", " : "",
						 quote_identifier(pnstrdup(e->val.string.val, e->val.string.len)));
	}
	return s.data;
}

/*
 * The table tab (in schema nsp, else on the search_path) that operation i
 * names, literally; its schema and name as the catalog has them.
 */
Oid
migrator_op_find_table(const char *tab, const char *nsp, int i, const char *opname,
					   char **schema, char **name)
{
	Oid			relid;

	if (nsp)
		relid = get_relname_relid(tab, get_namespace_oid(nsp, false));
	else
		relid = RelnameGetRelid(tab);
	if (!OidIsValid(relid) || get_rel_relkind(relid) == RELKIND_VIEW)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"%s\" does not exist", tab),
				 errdetail("Named by operation %d (\"%s\"); names are taken literally, without SQL quoting.",
						   i + 1, opname)));
	*schema = get_namespace_name(get_rel_namespace(relid));
	*name = get_rel_name(relid);
	return relid;
}

/* the table of an operation's "table" (and optional "schema") members */
Oid
migrator_op_table(JsonbContainer *obj, int i, const char *opname, char **schema,
				  char **name)
{
	char	   *tab = migrator_op_string(obj, "table", true, i, opname);
	char	   *nsp = migrator_op_string(obj, "schema", false, i, opname);

	return migrator_op_find_table(tab, nsp, i, opname, schema, name);
}

/* "authors(id)" or "authors" -> quoted SQL for REFERENCES */
char *
migrator_references_sql(const char *refs, const char *column)
{
	const char *paren = strchr(refs, '(');
	char	   *table = paren ? pnstrdup(refs, paren - refs) : pstrdup(refs);
	char	   *col = NULL;
	Oid			relid;
	int			len;

	len = strlen(table);
	while (len > 0 && table[len - 1] == ' ')
		table[--len] = '\0';
	if (paren)
	{
		const char *close = strchr(paren, ')');

		if (close == NULL || close[1] != '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"references\" of column \"%s\" must be \"table\" or \"table(column)\"", column)));
		col = pnstrdup(paren + 1, close - paren - 1);
	}
	relid = RelnameGetRelid(table);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"%s\" referenced by column \"%s\" does not exist", table, column)));
	if (col && get_attnum(relid, col) == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table \"%s\" referenced by column \"%s\" does not exist",
						col, table, column)));
	return psprintf("%s%s%s%s",
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											   get_rel_name(relid)),
					col ? " (" : "", col ? quote_identifier(col) : "", col ? ")" : "");
}

/* one open change per table: refuse a table another open change holds */
void
migrator_check_no_open_change(Oid relid)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1];
	char	   *other;

	values[0] = ObjectIdGetDatum(relid);
	other = migrator_spi_text("SELECT c.name FROM migrator.change_tables t JOIN migrator.changes c "
							  "ON c.name OPERATOR(pg_catalog.=) t.change "
							  "WHERE t.relid OPERATOR(pg_catalog.=) $1::pg_catalog.regclass "
							  "AND c.state OPERATOR(pg_catalog.<>) ALL ('{contracted,aborted}')",
							  1, types, values, false);
	if (other)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("table \"%s\" already has an open change, \"%s\"", get_rel_name(relid), other),
				 errhint("Contract or abort \"%s\" first.", other)));
}
