/*-------------------------------------------------------------------------
 *
 * snapshot.c
 *	  migrator.snapshot(): a canonical description of the objects of some
 *	  schemas, as jsonb.
 *
 *	  Objects are keyed by name (jsonb sorts keys), so physical column order,
 *	  OIDs and creation order do not show.  Definitions come from the
 *	  server's own deparsers (format_type, pg_get_constraintdef,
 *	  pg_get_indexdef, pg_get_viewdef, pg_get_expr) with search_path set to
 *	  the schema alone, so that names inside it are unqualified and two
 *	  schemas holding the same objects give the same snapshot.
 *
 *	  Covered: the schema (comment, grants), extensions, tables and
 *	  partitions (columns with their position, type, NOT NULL, default,
 *	  identity, generated expression, collation; constraints; indexes;
 *	  triggers; policies; row-level security; storage parameters), views
 *	  and materialized views (with the relations they read), sequences and
 *	  their owning column, enum, domain, composite and range types,
 *	  functions and procedures; comments and grants on all of them.
 *	  Columns keep their rank among the table's live columns ("position"):
 *	  dropped columns do not show, the order of the others does, as it does
 *	  in SELECT * and pg_dump.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "migrator.h"

PG_FUNCTION_INFO_V1(migrator_snapshot);

/*
 * The snapshot of one schema, one query; $1 is the schema's oid, $2 its name
 * quoted.  It is built as json text, its null members left out (a member
 * missing is null), and made jsonb once, at the end: cheaper than jsonb
 * built level by level.  It runs with search_path "pg_catalog, <schema>":
 * the catalog's names and operators come first, and the deparsers leave
 * the schema's own names unqualified.
 */

/* the comment on an object, without the cost of a call of obj_description() */
#define DESCRIPTION(oid, catalog, sub) \
"(SELECT ds.description FROM pg_description ds WHERE ds.objoid = " oid			\
" AND ds.classoid = '" catalog "'::regclass AND ds.objsubid = " sub ")"

/* not a member of an extension (its script makes it, not the schema's DDL) */
#define NOT_IN_EXTENSION(catalog, oid) \
"NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = '" catalog "'::regclass"	\
" AND x.objid = " oid " AND x.deptype = 'e')"

/* a privilege as text: grantee=PRIVILEGE, with * when grantable */
#define ACL_ENTRY \
"CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END"	\
" || '=' || a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END"

/*
 * An object's privileges as they differ from the default for its kind and
 * owner: "+grantee=PRIV" granted beyond it, "-grantee=PRIV" revoked from it;
 * NULL when they are the default (acl NULL: the default, not looked at).
 */
#define GRANTS(acl, kind, owner) \
"CASE WHEN " acl " IS NOT NULL THEN (SELECT json_agg(e ORDER BY e) FROM ("		\
"  (SELECT '+' || " ACL_ENTRY " FROM aclexplode(" acl ") a"						\
"   EXCEPT SELECT '+' || " ACL_ENTRY " FROM aclexplode(acldefault('" kind "', " owner ")) a)"	\
"  UNION ALL"																		\
"  (SELECT '-' || " ACL_ENTRY " FROM aclexplode(acldefault('" kind "', " owner ")) a"	\
"   EXCEPT SELECT '-' || " ACL_ENTRY " FROM aclexplode(" acl ") a)"				\
") g(e)) END"

/*
 * The parts of the relations of the schema, one row per relation (oid) of
 * the given relkinds with a json object (v) of its parts, to be joined:
 * one pass over each catalog rather than a query per relation.  They are
 * materialized CTEs, computed once whatever the plan: catalog statistics
 * are often stale just after a migration (a new schema's rows estimated at
 * one), and a nested loop would compute them again for every relation.
 */

/* columns of tables, attributes of composite types, each with its rank */
#define COLUMNS_BY_REL(kinds) \
"(SELECT a.attrelid AS oid, json_object_agg(a.attname, json_build_object("		\
"   'position', a.position,"														\
"   'type', format_type(a.atttypid, a.atttypmod),"								\
"   'not_null', a.attnotnull,"														\
"   'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END," \
"   'generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END," \
"   'identity', NULLIF(a.attidentity, ''),"										\
"   'collation', CASE WHEN a.attcollation <> t.typcollation"						\
"      THEN (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = a.attcollation) END," \
"   'comment', ds.description,"														\
"   'grants', " GRANTS("a.attacl", "c", "a.relowner") ")) AS v"						\
" FROM (SELECT a.*, r.relowner, rank() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS position" \
"       FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid"				\
"       WHERE r.relnamespace = $1 AND r.relkind IN (" kinds ")"					\
"       AND a.attnum > 0 AND NOT a.attisdropped) a"								\
" JOIN pg_type t ON t.oid = a.atttypid"											\
" LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"		\
" LEFT JOIN pg_description ds ON ds.objoid = a.attrelid"							\
"   AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum"			\
" GROUP BY a.attrelid)"

/* indexes that no constraint owns; ON ONLY (of a partitioned table) is cut */
#define INDEXES_BY_REL(kinds) \
"(SELECT i.indrelid AS oid, json_object_agg(ic.relname, json_build_object("		\
"   'definition', replace(replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ' || $2 || '.', ' ON '), ' ON ' || $2 || '.', ' ON '),"	\
"   'comment', ds.description)) AS v"												\
" FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"						\
" JOIN pg_class r ON r.oid = i.indrelid"											\
" LEFT JOIN pg_description ds ON ds.objoid = i.indexrelid"						\
"   AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0"					\
" WHERE r.relnamespace = $1 AND r.relkind IN (" kinds ") AND NOT ic.relispartition" \
" AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)" \
" GROUP BY i.indrelid)"

/* constraints of tables (not those a partition has from its table) */
#define CONSTRAINTS_BY_REL \
"(SELECT k.conrelid AS oid, json_object_agg(k.conname, json_build_object("		\
"   'type', k.contype, 'definition', pg_get_constraintdef(k.oid, true),"			\
"   'comment', ds.description)) AS v"												\
" FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid"					\
" LEFT JOIN pg_description ds ON ds.objoid = k.oid"								\
"   AND ds.classoid = 'pg_constraint'::regclass AND ds.objsubid = 0"			\
" WHERE r.relnamespace = $1 AND k.conislocal AND k.conparentid = 0 AND k.contype <> 't'" \
" GROUP BY k.conrelid)"

static const char *const schema_query =
"WITH col AS MATERIALIZED " COLUMNS_BY_REL("'r', 'p', 'c'") ","
" con AS MATERIALIZED " CONSTRAINTS_BY_REL ","
" ix AS MATERIALIZED " INDEXES_BY_REL("'r', 'p', 'm'")
" SELECT pg_catalog.jsonb(json_strip_nulls(json_build_object("
"'schema', (SELECT json_build_object("
"   'comment', " DESCRIPTION("n.oid", "pg_namespace", "0") ","
"   'grants', " GRANTS("n.nspacl", "n", "n.nspowner") ")"
"   FROM pg_namespace n WHERE n.oid = $1),"
"'extensions', (SELECT COALESCE(json_object_agg(x.extname, json_build_object("
"   'comment', " DESCRIPTION("x.oid", "pg_extension", "0") ")), '{}')"
"   FROM pg_extension x WHERE x.extnamespace = $1),"
"'tables', (SELECT COALESCE(json_object_agg(c.relname, json_build_object("
"   'kind', CASE c.relkind WHEN 'p' THEN 'partitioned table' ELSE 'table' END,"
"   'unlogged', c.relpersistence = 'u',"
"   'options', (SELECT json_agg(o ORDER BY o) FROM unnest(c.reloptions) o),"
"   'partition_by', CASE c.relkind WHEN 'p' THEN pg_get_partkeydef(c.oid) END,"
"   'partition_of', (SELECT p.relname FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent"
"      WHERE c.relispartition AND h.inhrelid = c.oid),"
"   'bound', CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,"
"   'row_security', c.relrowsecurity,"
"   'force_row_security', c.relforcerowsecurity,"
"   'comment', " DESCRIPTION("c.oid", "pg_class", "0") ","
"   'grants', " GRANTS("c.relacl", "r", "c.relowner") ","
"   'columns', COALESCE(col.v, '{}'),"
"   'constraints', COALESCE(con.v, '{}'),"
"   'indexes', COALESCE(ix.v, '{}'),"
"   'triggers', (SELECT COALESCE(json_object_agg(tg.tgname, json_build_object("
"        'definition', pg_get_triggerdef(tg.oid, true),"
"        'comment', " DESCRIPTION("tg.oid", "pg_trigger", "0") ")), '{}')"
"      FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal AND tg.tgparentid = 0),"
"   'policies', (SELECT COALESCE(json_object_agg(po.polname, json_build_object("
"        'permissive', po.polpermissive,"
"        'command', CASE po.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'"
"                   WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,"
"        'roles', (SELECT string_agg(CASE r WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END, ', ' ORDER BY 1)"
"                  FROM unnest(po.polroles) r),"
"        'using', pg_get_expr(po.polqual, po.polrelid),"
"        'check', pg_get_expr(po.polwithcheck, po.polrelid),"
"        'comment', " DESCRIPTION("po.oid", "pg_policy", "0") ")), '{}')"
"      FROM pg_policy po WHERE po.polrelid = c.oid))), '{}')"
"   FROM pg_class c"
"   LEFT JOIN col ON col.oid = c.oid"
"   LEFT JOIN con ON con.oid = c.oid"
"   LEFT JOIN ix ON ix.oid = c.oid"
"   WHERE c.relnamespace = $1 AND c.relkind IN ('r', 'p')"
"   AND " NOT_IN_EXTENSION("pg_class", "c.oid") "),"
"'views', (SELECT COALESCE(json_object_agg(c.relname, json_build_object("
"   'materialized', c.relkind = 'm',"
"   'definition', pg_get_viewdef(c.oid, true),"
"   'options', (SELECT json_agg(o ORDER BY o) FROM unnest(c.reloptions) o),"
"   'depends', (SELECT json_agg(DISTINCT r.relname ORDER BY r.relname)"
"      FROM pg_rewrite rw JOIN pg_depend x ON x.classid = 'pg_rewrite'::regclass AND x.objid = rw.oid"
"      JOIN pg_class r ON x.refclassid = 'pg_class'::regclass AND r.oid = x.refobjid"
"      WHERE rw.ev_class = c.oid AND r.oid <> c.oid AND r.relnamespace = $1),"
"   'indexes', COALESCE(ix.v, '{}'),"
"   'comment', " DESCRIPTION("c.oid", "pg_class", "0") ","
"   'column_comments', (SELECT json_object_agg(a.attname, " DESCRIPTION("c.oid", "pg_class", "a.attnum") ")"
"      FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0"
"      AND " DESCRIPTION("c.oid", "pg_class", "a.attnum") " IS NOT NULL),"
"   'grants', " GRANTS("c.relacl", "r", "c.relowner") ")), '{}')"
"   FROM pg_class c LEFT JOIN ix ON ix.oid = c.oid"
"   WHERE c.relnamespace = $1 AND c.relkind IN ('v', 'm')"
"   AND " NOT_IN_EXTENSION("pg_class", "c.oid") "),"
"'sequences', (SELECT COALESCE(json_object_agg(c.relname, json_build_object("
"   'type', format_type(s.seqtypid, NULL), 'increment', s.seqincrement, 'min', s.seqmin,"
"   'max', s.seqmax, 'start', s.seqstart, 'cache', s.seqcache, 'cycle', s.seqcycle,"
"   'owned_by', (SELECT quote_ident(r.relname) || '.' || quote_ident(a.attname)"
"      FROM pg_depend x JOIN pg_class r ON r.oid = x.refobjid"
"      JOIN pg_attribute a ON a.attrelid = x.refobjid AND a.attnum = x.refobjsubid"
"      WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'a'"
"      AND x.refclassid = 'pg_class'::regclass),"
"   'comment', " DESCRIPTION("c.oid", "pg_class", "0") ","
"   'grants', " GRANTS("c.relacl", "s", "c.relowner") ")), '{}')"
"   FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid"
"   WHERE c.relnamespace = $1 AND NOT EXISTS (SELECT FROM pg_depend x"
"     WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype IN ('i', 'e'))),"
"'enums', (SELECT COALESCE(json_object_agg(t.typname, json_build_object("
"   'labels', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),"
"   'comment', " DESCRIPTION("t.oid", "pg_type", "0") ")), '{}')"
"   FROM pg_type t WHERE t.typnamespace = $1 AND t.typtype = 'e'"
"   AND " NOT_IN_EXTENSION("pg_type", "t.oid") "),"
"'domains', (SELECT COALESCE(json_object_agg(t.typname, json_build_object("
"   'type', format_type(t.typbasetype, t.typtypmod),"
"   'not_null', t.typnotnull,"
"   'default', t.typdefault,"
"   'collation', CASE WHEN t.typcollation <> b.typcollation"
"      THEN (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = t.typcollation) END,"
"   'constraints', (SELECT COALESCE(json_object_agg(k.conname, json_build_object("
"        'type', k.contype, 'definition', pg_get_constraintdef(k.oid, true),"
"        'comment', " DESCRIPTION("k.oid", "pg_constraint", "0") ")), '{}')"
"      FROM pg_constraint k WHERE k.contypid = t.oid),"
"   'comment', " DESCRIPTION("t.oid", "pg_type", "0") ")), '{}')"
"   FROM pg_type t JOIN pg_type b ON b.oid = t.typbasetype"
"   WHERE t.typnamespace = $1 AND t.typtype = 'd'"
"   AND " NOT_IN_EXTENSION("pg_type", "t.oid") "),"
"'composites', (SELECT COALESCE(json_object_agg(t.typname, json_build_object("
"   'attributes', COALESCE(col.v, '{}'),"
"   'comment', " DESCRIPTION("t.oid", "pg_type", "0") ")), '{}')"
"   FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'"
"   LEFT JOIN col ON col.oid = c.oid"
"   WHERE t.typnamespace = $1 AND t.typtype = 'c'"
"   AND " NOT_IN_EXTENSION("pg_type", "t.oid") "),"
"'ranges', (SELECT COALESCE(json_object_agg(t.typname, json_build_object("
"   'definition', concat_ws(', ', 'SUBTYPE = ' || format_type(r.rngsubtype, NULL),"
"      CASE WHEN NOT oc.opcdefault THEN 'SUBTYPE_OPCLASS = ' || quote_ident(oc.opcname) END,"
"      CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN 'COLLATION = '"
"        || (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = r.rngcollation) END,"
"      CASE WHEN r.rngcanonical <> 0 THEN 'CANONICAL = ' || r.rngcanonical::regproc::text END,"
"      CASE WHEN r.rngsubdiff <> 0 THEN 'SUBTYPE_DIFF = ' || r.rngsubdiff::regproc::text END,"
"      'MULTIRANGE_TYPE_NAME = ' || quote_ident(mt.typname)),"
"   'comment', " DESCRIPTION("t.oid", "pg_type", "0") ")), '{}')"
"   FROM pg_type t JOIN pg_range r ON r.rngtypid = t.oid JOIN pg_opclass oc ON oc.oid = r.rngsubopc"
"   JOIN pg_type st ON st.oid = r.rngsubtype JOIN pg_type mt ON mt.oid = r.rngmultitypid"
"   WHERE t.typnamespace = $1 AND t.typtype = 'r'"
"   AND " NOT_IN_EXTENSION("pg_type", "t.oid") "),"
"'functions', (SELECT COALESCE(json_object_agg(p.proname || '(' ||"
"     pg_get_function_identity_arguments(p.oid) || ')', json_build_object("
"   'kind', p.prokind,"
"   'arguments', pg_get_function_arguments(p.oid),"
"   'result', pg_get_function_result(p.oid),"
"   'definition', substr(pg_get_functiondef(p.oid), length('CREATE OR REPLACE ' ||"
"      CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END || ' ' || $2 || '.') + 1),"
"   'comment', " DESCRIPTION("p.oid", "pg_proc", "0") ","
"   'grants', " GRANTS("p.proacl", "f", "p.proowner") ")), '{}')"
"   FROM pg_proc p WHERE p.pronamespace = $1 AND p.prokind IN ('f', 'p', 'w')"
"   AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_proc'::regclass"
"     AND x.objid = p.oid AND x.deptype IN ('e', 'i'))))))";

/*
 * One schema's snapshot.  Its names are deparsed with search_path set to
 * pg_catalog and that schema only.
 */
void *
snapshot_schema_jsonb(const char *schema)
{
	Oid			nspid = get_namespace_oid(schema, false);
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	int			nest = NewGUCNestLevel();
	Jsonb	   *result;
	bool		isnull;

	(void) set_config_option("search_path", psprintf("pg_catalog, %s", quote_identifier(schema)),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	/* the query is costly in the planner's eyes: JIT would take longer than it */
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	values[0] = ObjectIdGetDatum(nspid);
	/*
	 * pg_get_indexdef always qualifies the table: the schema is cut out.  Not
	 * read_only: a fresh snapshot sees what this transaction just created.
	 */
	values[1] = CStringGetTextDatum(quote_identifier(schema));
	SPI_connect();
	if (SPI_execute_with_args(schema_query, 2, types, values, NULL, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not describe schema \"%s\"", schema);
	{
		Jsonb	   *j = DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

		/* copied out of SPI's memory, which SPI_finish() frees */
		result = (Jsonb *) SPI_palloc(VARSIZE(j));
		memcpy(result, j, VARSIZE(j));
	}
	SPI_finish();
	AtEOXact_GUC(true, nest);
	return result;
}


/*
 * The schemas a database's migrations manage: every schema but the
 * system's, migrator's own, version schemas of changes, and those that
 * belong to extensions.
 */
static List *
user_schemas(void)
{
	List	   *result = NIL;
	MemoryContext caller = CurrentMemoryContext;

	SPI_connect();
	if (SPI_execute("SELECT n.nspname FROM pg_catalog.pg_namespace n "
					"WHERE n.nspname OPERATOR(pg_catalog.!~) '^pg_' "
					"AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{information_schema,migrator}') "
					"AND NOT EXISTS (SELECT FROM migrator.changes c "
					"  WHERE c.version_schema OPERATOR(pg_catalog.=) n.nspname) "
					"AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d "
					"  WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass "
					"  AND d.objid OPERATOR(pg_catalog.=) n.oid AND d.deptype OPERATOR(pg_catalog.=) 'e') "
					"ORDER BY 1", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list schemas");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(caller);

		result = lappend(result, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return result;
}

static Jsonb *
snapshot_of(List *schemas)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	ListCell   *lc;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	foreach(lc, schemas)
	{
		char	   *schema = lfirst(lc);
		Jsonb	   *snap = (Jsonb *) snapshot_schema_jsonb(schema);
		JsonbValue	key;
		JsonbValue	val;

		key.type = jbvString;
		key.val.string.val = schema;
		key.val.string.len = strlen(schema);
		pushJsonbValue(&state, WJB_KEY, &key);
		val.type = jbvBinary;
		val.val.binary.data = &snap->root;
		val.val.binary.len = VARSIZE(snap) - VARHDRSZ;
		pushJsonbValue(&state, WJB_VALUE, &val);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/* the managed schemas now */
void *
snapshot_database(void)
{
	return snapshot_of(user_schemas());
}

/* after a run that applied something: the schema as it left it */
void
snapshot_record(const char *action)
{
	Oid			types[2] = {TEXTOID, JSONBOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(action);
	values[1] = JsonbPGetDatum(snapshot_database());
	migrator_exec_as_owner("INSERT INTO migrator.snapshots (action, snapshot) VALUES ($1, $2)",
						   2, types, values, NULL);
}

/*
 * migrator.snapshot(schemas text[]): {"schema": {...}, ...}
 */
Datum
migrator_snapshot(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *schemas = NIL;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("schema names must not be NULL")));
		schemas = lappend(schemas, TextDatumGetCString(elems[i]));
	}
	PG_RETURN_JSONB_P(snapshot_of(schemas));
}
