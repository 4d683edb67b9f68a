/*-------------------------------------------------------------------------
 *
 * diff.c
 *	  migrator.diff(): the DDL that turns one schema into another, with the
 *	  hazard of each statement, from two snapshots (snapshot.c).
 *
 *	  Statements are qualified with the source schema; the expressions
 *	  inside them (defaults, checks, view and index definitions) are
 *	  resolved through the search_path the first statement sets.  Online
 *	  forms are used where they exist (see diff_tables.c).  The parts, one
 *	  file a kind: diff_tables.c, diff_views.c, diff_types.c (enum, domain,
 *	  composite, range), diff_objects.c (the schema, extensions, sequences,
 *	  functions), diff_util.c (reading snapshots, comments, grants);
 *	  renames first (diff_renames.c).
 *
 *	  The order is a topological sort of the statements over pg_depend
 *	  (diff_order.c), which first finds what must be re-created around a
 *	  change of what it depends on.  The parts emit by kind, in an order
 *	  that the sort keeps wherever dependencies leave a choice: views (readers
 *	  first) and foreign keys go before the tables and keys they use;
 *	  extensions, types, sequences and functions come before tables; tables
 *	  (partitions after their table) before their keys, all keys before all
 *	  foreign keys (so cycles work); views last, re-created if anything they
 *	  read changes; what goes, at the end.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "executor/spi.h"
#include "utils/memutils.h"
#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/resowner.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "migrator.h"
#include "diff.h"

PG_FUNCTION_INFO_V1(migrator_diff_schemas);
PG_FUNCTION_INFO_V1(migrator_diff_snapshots);
PG_FUNCTION_INFO_V1(migrator_drift);
PG_FUNCTION_INFO_V1(migrator_generate);

static Snap
open_snap(JsonbContainer *c)
{
	Snap		s;

	s.schema = diff_get_obj(c, "schema");
	s.extensions = diff_get_obj(c, "extensions");
	s.tables = diff_get_obj(c, "tables");
	s.views = diff_get_obj(c, "views");
	s.sequences = diff_get_obj(c, "sequences");
	s.enums = diff_get_obj(c, "enums");
	s.domains = diff_get_obj(c, "domains");
	s.composites = diff_get_obj(c, "composites");
	s.ranges = diff_get_obj(c, "ranges");
	s.functions = diff_get_obj(c, "functions");
	s.depends = diff_get_obj(c, "depends");
	s.root = c;
	s.statistics = diff_get_obj(c, "statistics");
	s.default_privileges = diff_get_obj(c, "default_privileges");
	s.foreign_servers = diff_get_obj(c, "foreign_servers");
	s.identity = diff_get_obj(c, "identity");
	return s;
}

/* a statement at position start, on no object */
static void
prepend(DiffOut *out, int start, char *statement)
{
	out->statements = list_insert_nth(out->statements, start, statement);
	out->hazards = list_insert_nth(out->hazards, start, NULL);
	out->objects = list_insert_nth(out->objects, start, NIL);
	out->acts = list_insert_nth_int(out->acts, start, ACT_META);
	out->needs = list_insert_nth(out->needs, start, NIL);
}

/* the renames (diff_renames.c) at position start, before anything else */
static void
insert_renamed(DiffOut *out, int start, List *renamed)
{
	ListCell   *lc;

	foreach(lc, renamed)
	{
		char	   *s = lfirst(lc);
		/* an index is renamed under SHARE UPDATE EXCLUSIVE, a type or function without a table's lock */
		bool		relation = !(strncmp(s, "ALTER TYPE ", 11) == 0 || strncmp(s, "ALTER DOMAIN ", 13) == 0 ||
								 strncmp(s, "ALTER FUNCTION ", 15) == 0 ||
								 strncmp(s, "ALTER PROCEDURE ", 16) == 0 ||
								 strncmp(s, "ALTER INDEX ", 12) == 0);
		int			at = start + foreach_current_index(lc);

		prepend(out, at, s);
		if (relation)
			list_nth_cell(out->hazards, at)->ptr_value = "blocking-lock";
	}
}

/*
 * The DDL that makes a schema of snapshot srcc like that of dstc, in
 * phases that put what a statement needs before it: extensions, types and
 * functions before the tables that use them; tables before their keys,
 * all keys before foreign keys (so cycles work); views dropped before what
 * they read changes and created, in the order of what they read, after.
 */
static void
diff_snapshots(DiffOut *out, JsonbContainer *srcc, JsonbContainer *dstc)
{
	Diff		diff = {0};
	int			start = list_length(out->statements);
	Jsonb	   *renamed;

	diff.out = out;
	diff.src = open_snap(srcc);
	diff.dst = open_snap(dstc);
	/* renamed first; the rest from the source as the renames leave it */
	renamed = diff_renames(&diff, srcc, out->rename_hints);
	if (renamed)
		diff.src = open_snap(&renamed->root);
	out->default_privileges = diff.src.default_privileges;

	diff_find_recreated_enums(&diff);
	diff_find_rebuilt(&diff);
	diff_functions_drop_dependent(&diff);
	diff_views_drop(&diff);
	diff_statistics_drop(&diff);
	diff_tables_drop_foreign_keys(&diff);
	diff_tables_drop(&diff);
	diff_tables_drop_parts(&diff);
	diff_extensions_create(&diff);
	diff_kinds_create(&diff, 0);
	diff_types_create(&diff);
	diff_sequences_create(&diff);
	diff_servers_create(&diff);
	diff_functions_create(&diff, 0);
	diff_kinds_create(&diff, 1);
	diff_domains_complete(&diff);
	diff_tables_create(&diff);
	diff_tables_alter(&diff);
	diff_enums_drop_old(&diff);
	diff_tables_add_parts(&diff);
	diff_statistics_create(&diff);
	diff_functions_create(&diff, 1);
	diff_views_create(&diff);
	diff_functions_create(&diff, 2);
	diff_sequences_own(&diff);
	diff_kinds_labels(&diff);
	if (!diff_schema_absent(diff.dst.schema))
	{
		diff_schema(&diff);
		diff_default_privileges(&diff);
	}
	diff_domains_detach(&diff);
	diff_kinds_drop(&diff);
	diff_objects_drop(&diff);
	diff_types_drop(&diff);
	diff_extensions_drop(&diff);
	diff_owners(&diff, start);

	diff_order(out, start, diff.src.depends, diff.dst.depends);
	insert_renamed(out, start, diff.renamed);
	diff_schema_create_drop(&diff, start);

	/* statements resolve names in the source schema; function bodies later */
	if (list_length(out->statements) > start)
	{
		prepend(out, start, psprintf("SET check_function_bodies = false"));
		prepend(out, start, psprintf("SET search_path = %s, pg_catalog",
									 quote_identifier(out->schema)));
	}
}

static void
return_rows(FunctionCallInfo fcinfo, DiffOut *out)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;
	ListCell   *lh;

	InitMaterializedSRF(fcinfo, 0);
	forboth(lc, out->statements, lh, out->hazards)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, lfirst(lh) == NULL};

		values[0] = Int32GetDatum(foreach_current_index(lc) + 1);
		values[1] = CStringGetTextDatum(lfirst(lc));
		values[2] = lfirst(lh) ? CStringGetTextDatum(lfirst(lh)) : (Datum) 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * migrator.diff(source text, target text, owners boolean): the DDL that
 * makes schema source like schema target (and its objects' owners, if
 * asked).
 */
Datum
migrator_diff_schemas(PG_FUNCTION_ARGS)
{
	char	   *source = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *target = text_to_cstring(PG_GETARG_TEXT_PP(1));
	SnapshotMemo *memo = snapshot_memo_create();
	Jsonb	   *a;
	Jsonb	   *b;
	DiffOut		out = {.schema = source};

	snapshot_memo_set_owners(memo, PG_NARGS() > 2 && PG_GETARG_BOOL(2));
	a = (Jsonb *) snapshot_schema_memo(source, memo);
	b = (Jsonb *) snapshot_schema_memo(target, memo);
	diff_snapshots(&out, &a->root, &b->root);
	return_rows(fcinfo, &out);
	return (Datum) 0;
}

/*
 * A snapshot is {schema: {kind: {name: {...}}}}: three levels of objects
 * whose members are objects (but the kind "schema", the schema's own
 * comment and grants).  Anything else is refused, naming where.
 */
static void
check_snapshot_level(JsonbContainer *c, int depth, const char *path,
					 const char *which)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JsonContainerIsObject(c))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("malformed %s snapshot", which),
				 errdetail("%s is not an object.", path),
				 errhint("Pass what migrator.snapshot() returns.")));
	/* below a kind, each object's definition: an object or an array */
	if (depth == 2)
	{
		it = JsonbIteratorInit(c);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
				key = pnstrdup(v.val.string.val, v.val.string.len);
			else if (tok == WJB_VALUE && v.type != jbvBinary)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("malformed %s snapshot", which),
						 errdetail("%s > \"%s\" is not an object or an array.", path, key),
						 errhint("Pass what migrator.snapshot() returns.")));
		}
		return;
	}
	it = JsonbIteratorInit(c);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			char	   *sub = depth ? psprintf("%s > \"%s\"", path, key) : psprintf("\"%s\"", key);

			if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("malformed %s snapshot", which),
						 errdetail("%s is not an object.", sub),
						 errhint("Pass what migrator.snapshot() returns.")));
			if (!(depth == 1 && strcmp(key, "schema") == 0))
				check_snapshot_level(v.val.binary.data, depth + 1, sub, which);
		}
	}
}

/* does schema x of snapshot j (NULL: absent) use schema y (its "depends")? */
static bool
schema_uses(JsonbContainer *j, const char *x, const char *y)
{
	JsonbContainer *depends = diff_get_obj(diff_get_obj(j, x), "depends");

	return diff_str_member(diff_array_of(depends, psprintf("schema %s", x)), psprintf("schema %s", y));
}

/*
 * The schemas in the order their diffs go: one after those its objects use
 * in the target (created first), and before those its objects used in the
 * source only (its drops first).  A cycle is broken by the order given.
 */
static List *
order_schemas(List *schemas, JsonbContainer *a, JsonbContainer *b)
{
	int			n = list_length(schemas);
	bool	   *done = palloc0(sizeof(bool) * n);
	List	   *result = NIL;

	while (list_length(result) < n)
	{
		int			pick = -1;

		for (int i = 0; i < n && pick < 0; i++)
		{
			const char *x = list_nth(schemas, i);
			bool		ready = !done[i];

			for (int k = 0; k < n && ready; k++)
			{
				const char *y = list_nth(schemas, k);

				/* y must go before x: x uses y in the target, or y used x in the source only */
				if (!done[k] && k != i &&
					(schema_uses(b, x, y) || (schema_uses(a, y, x) && !schema_uses(b, y, x))))
					ready = false;
			}
			if (ready)
				pick = i;
		}
		for (int i = 0; i < n && pick < 0; i++)
			if (!done[i])
				pick = i;		/* a cycle */
		done[pick] = true;
		result = lappend(result, list_nth(schemas, pick));
	}
	return result;
}

/*
 * every schema of either snapshot, as source and target have it (one that a
 * snapshot lacks is absent from it: created or dropped), each after those
 * it uses (order_schemas())
 */
static void
diff_all(DiffOut *out, Jsonb *a, Jsonb *b)
{
	ListCell   *lc;
	List	   *schemas = diff_keys_of(&b->root);
	Jsonb	   *none = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
														  CStringGetDatum("{\"schema\": {\"absent\": true}}")));

	foreach(lc, diff_keys_of(&a->root))
		if (!diff_str_member(schemas, lfirst(lc)))
			schemas = lappend(schemas, lfirst(lc));
	foreach(lc, order_schemas(schemas, &a->root, &b->root))
	{
		char	   *schema = lfirst(lc);
		JsonbContainer *sa = diff_get_obj(&a->root, schema);
		JsonbContainer *sb = diff_get_obj(&b->root, schema);

		out->schema = schema;
		sa = sa ? sa : &none->root;
		sb = sb ? sb : &none->root;
		if (diff_schema_absent(diff_get_obj(sa, "schema")) &&
			diff_schema_absent(diff_get_obj(sb, "schema")))
			continue;
		diff_snapshots(out, sa, sb);
	}
}

/*
 * migrator.diff(source jsonb, target jsonb): the same between two
 * snapshots, schema by schema.
 */
Datum
migrator_diff_snapshots(PG_FUNCTION_ARGS)
{
	DiffOut		out = {0};
	Jsonb	   *source = PG_GETARG_JSONB_P(0);
	Jsonb	   *target = PG_GETARG_JSONB_P(1);

	check_snapshot_level(&source->root, 0, "The snapshot", "source");
	check_snapshot_level(&target->root, 0, "The snapshot", "target");
	/* renames (0.3): hints, "[KIND] OLD -> NEW" each */
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		out.rename_hints = diff_rename_hints_of_array(PG_GETARG_JSONB_P(2));
	diff_all(&out, source, target);
	diff_rename_hints_check(out.rename_hints);
	return_rows(fcinfo, &out);
	return (Datum) 0;
}

/*
 * migrator.diff(): drift, from the schema as the last successful run left
 * it (migrator.snapshots) to the live one.  No rows: nothing changed.
 */
Datum
migrator_drift(PG_FUNCTION_ARGS)
{
	DiffOut		out = {0};
	Jsonb	   *recorded = NULL;
	MemoryContext caller = CurrentMemoryContext;
	bool		isnull;

	migrator_spi_connect(0);
	if (SPI_execute("SELECT snapshot FROM migrator.snapshots ORDER BY id DESC LIMIT 1", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.snapshots");
	if (SPI_processed == 1)
	{
		Jsonb	   *j = DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

		recorded = MemoryContextAlloc(caller, VARSIZE(j));
		memcpy(recorded, j, VARSIZE(j));
	}
	SPI_finish();
	if (recorded == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no schema has been recorded yet"),
				 errdetail("migrator records the schema after each run of apply() or migrate() that applies something."),
				 errhint("Apply migrations first, or compare two schemas with migrator.diff(source, target).")));
	diff_all(&out, (Jsonb *) drift_without_changes(recorded),
			 (Jsonb *) drift_without_changes(snapshot_database()));
	return_rows(fcinfo, &out);
	return (Datum) 0;
}

static Oid
schema_owner(const char *schema)
{
	HeapTuple	tup = SearchSysCache1(NAMESPACEOID,
									  ObjectIdGetDatum(get_namespace_oid(schema, false)));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for schema \"%s\"", schema);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * migrator.generate(desired_sql, schema): load a desired-state schema file
 * into a scratch schema inside a subtransaction that is always rolled back
 * (desired.c), and return the migration from the live schema to it.  Of
 * the schema itself, only what the file sets (comment, grants, owner) is
 * compared: the scratch schema has none of the live one's.
 */
Datum
migrator_generate(PG_FUNCTION_ARGS)
{
	char	   *desired = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *schema = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *scratch = psprintf("migrator_generate_%d", MyProcPid);
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	DiffOut		out = {.schema = schema};
	SnapshotMemo *memo = snapshot_memo_create();
	Jsonb	   *live = (Jsonb *) snapshot_schema_memo(schema, memo);
	Jsonb	   *want;
	Jsonb	   *volatile copy = NULL;
	DesiredSchema ds;

	/* "-- migrator:renamed" hints (diff_renames.c), malformed ones refused first */
	out.rename_hints = diff_rename_hints_of_file(desired);

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		int			nest = NewGUCNestLevel();

		migrator_spi_connect(0);
		migrator_scratch_schema_create(scratch);
		(void) set_config_option("search_path", quote_identifier(scratch), PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
		/* it may change nothing but its scratch schema */
		migrator_guard_scratch = get_namespace_oid(scratch, false);
		desired_load(desired, schema, scratch, &ds);
		migrator_guard_scratch = InvalidOid;
		SPI_finish();
		AtEOXact_GUC(true, nest);
		want = (Jsonb *) snapshot_schema_memo(scratch, memo);
		copy = MemoryContextAlloc(caller, VARSIZE(want));
		memcpy(copy, want, VARSIZE(want));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		migrator_guard_scratch = InvalidOid;
		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
		ReThrowError(edata);
	}
	PG_END_TRY();
	/* nothing of the desired schema is ever kept */
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(caller);
	CurrentResourceOwner = owner;

	/* the schema's own properties: those the file sets */
	out.keep_schema_comment = !ds.sets_comment;
	out.keep_schema_grants = !ds.sets_grants;
	/* an extension lives once in a database: the scratch schema lacks those installed */
	out.keep_extensions = true;
	/* the scratch schema has none: they are the live schema's to keep */
	out.keep_default_privileges = true;
	if (ds.sets_owner && ds.owner != schema_owner(schema))
		out.schema_owner = GetUserNameFromId(ds.owner, false);
	diff_snapshots(&out, &live->root, &copy->root);
	diff_rename_hints_check(out.rename_hints);
	return_rows(fcinfo, &out);
	return (Datum) 0;
}
