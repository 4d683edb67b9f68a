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
 *	  Covered now: tables (kind, columns with type, NOT NULL, default,
 *	  identity, generated expression, collation; constraints; indexes;
 *	  triggers; comments), views and materialized views, sequences, enum
 *	  types, functions and procedures.
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

/* one schema's objects; $1 is the schema's oid */
static const char *const schema_query =
"SELECT pg_catalog.jsonb_build_object("
"'tables', (SELECT COALESCE(pg_catalog.jsonb_object_agg(c.relname, pg_catalog.jsonb_build_object("
"   'kind', CASE c.relkind WHEN 'p' THEN 'partitioned table' ELSE 'table' END,"
"   'unlogged', c.relpersistence OPERATOR(pg_catalog.=) 'u',"
"   'comment', pg_catalog.obj_description(c.oid, 'pg_class'),"
"   'columns', (SELECT COALESCE(pg_catalog.jsonb_object_agg(a.attname, pg_catalog.jsonb_build_object("
"        'type', pg_catalog.format_type(a.atttypid, a.atttypmod),"
"        'not_null', a.attnotnull,"
"        'default', CASE WHEN a.attgenerated OPERATOR(pg_catalog.=) '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,"
"        'generated', CASE WHEN a.attgenerated OPERATOR(pg_catalog.<>) '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,"
"        'identity', NULLIF(a.attidentity, ''),"
"        'collation', CASE WHEN a.attcollation OPERATOR(pg_catalog.<>) t.typcollation"
"                     THEN (SELECT co.collname FROM pg_catalog.pg_collation co WHERE co.oid OPERATOR(pg_catalog.=) a.attcollation) END,"
"        'comment', pg_catalog.col_description(c.oid, a.attnum))), '{}')"
"      FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid"
"      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) a.attrelid AND d.adnum OPERATOR(pg_catalog.=) a.attnum"
"      WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped),"
"   'constraints', (SELECT COALESCE(pg_catalog.jsonb_object_agg(k.conname, pg_catalog.jsonb_build_object("
"        'type', k.contype, 'definition', pg_catalog.pg_get_constraintdef(k.oid, true))), '{}')"
"      FROM pg_catalog.pg_constraint k WHERE k.conrelid OPERATOR(pg_catalog.=) c.oid),"
"   'indexes', (SELECT COALESCE(pg_catalog.jsonb_object_agg(ic.relname,"
"        pg_catalog.replace(pg_catalog.pg_get_indexdef(i.indexrelid), ' ON ' OPERATOR(pg_catalog.||) $2 OPERATOR(pg_catalog.||) '.', ' ON ')), '{}')"
"      FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid"
"      WHERE i.indrelid OPERATOR(pg_catalog.=) c.oid AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k"
"        WHERE k.conindid OPERATOR(pg_catalog.=) i.indexrelid AND k.conrelid OPERATOR(pg_catalog.=) c.oid)),"
"   'triggers', (SELECT COALESCE(pg_catalog.jsonb_object_agg(tg.tgname, pg_catalog.pg_get_triggerdef(tg.oid, true)), '{}')"
"      FROM pg_catalog.pg_trigger tg WHERE tg.tgrelid OPERATOR(pg_catalog.=) c.oid AND NOT tg.tgisinternal))), '{}')"
"   FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) $1 AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}')"
"   AND NOT c.relispartition),"
"'views', (SELECT COALESCE(pg_catalog.jsonb_object_agg(c.relname, pg_catalog.jsonb_build_object("
"   'materialized', c.relkind OPERATOR(pg_catalog.=) 'm',"
"   'definition', pg_catalog.pg_get_viewdef(c.oid, true),"
"   'comment', pg_catalog.obj_description(c.oid, 'pg_class'))), '{}')"
"   FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) $1 AND c.relkind OPERATOR(pg_catalog.=) ANY ('{v,m}')),"
"'sequences', (SELECT COALESCE(pg_catalog.jsonb_object_agg(c.relname, pg_catalog.jsonb_build_object("
"   'type', pg_catalog.format_type(s.seqtypid, NULL), 'increment', s.seqincrement, 'min', s.seqmin,"
"   'max', s.seqmax, 'start', s.seqstart, 'cache', s.seqcache, 'cycle', s.seqcycle)), '{}')"
"   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_sequence s ON s.seqrelid OPERATOR(pg_catalog.=) c.oid"
"   WHERE c.relnamespace OPERATOR(pg_catalog.=) $1 AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend dep"
"     WHERE dep.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
"     AND dep.objid OPERATOR(pg_catalog.=) c.oid AND dep.deptype OPERATOR(pg_catalog.=) ANY ('{a,i}'))),"
"'enums', (SELECT COALESCE(pg_catalog.jsonb_object_agg(t.typname, (SELECT pg_catalog.jsonb_agg(e.enumlabel ORDER BY e.enumsortorder)"
"     FROM pg_catalog.pg_enum e WHERE e.enumtypid OPERATOR(pg_catalog.=) t.oid)), '{}')"
"   FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) $1 AND t.typtype OPERATOR(pg_catalog.=) 'e'),"
"'functions', (SELECT COALESCE(pg_catalog.jsonb_object_agg(p.proname OPERATOR(pg_catalog.||) '(' OPERATOR(pg_catalog.||)"
"     pg_catalog.pg_get_function_identity_arguments(p.oid) OPERATOR(pg_catalog.||) ')', pg_catalog.jsonb_build_object("
"   'kind', p.prokind, 'arguments', pg_catalog.pg_get_function_arguments(p.oid),"
"   'result', pg_catalog.pg_get_function_result(p.oid),"
"   'language', (SELECT l.lanname FROM pg_catalog.pg_language l WHERE l.oid OPERATOR(pg_catalog.=) p.prolang),"
"   'body', p.prosrc, 'volatility', p.provolatile, 'strict', p.proisstrict,"
"   'security_definer', p.prosecdef, 'config', p.proconfig)), '{}')"
"   FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) $1"
"   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend dep WHERE dep.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass"
"     AND dep.objid OPERATOR(pg_catalog.=) p.oid AND dep.deptype OPERATOR(pg_catalog.=) 'e')))";

/*
 * One schema's snapshot.  Its names are deparsed with search_path set to
 * that schema (and pg_catalog) only.
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

	(void) set_config_option("search_path", quote_identifier(schema),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
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
