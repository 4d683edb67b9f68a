/*-------------------------------------------------------------------------
 *
 * diff_objects.c
 *	  migrator.diff() for the schema itself, its extensions, sequences,
 *	  functions and procedures.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/varlena.h"

#include "diff.h"

/*
 * The schema's own owner (generate() only), comment and grants (all but
 * what a desired file leaves alone)
 */
void
diff_schema(Diff *diff)
{
	DiffOut    *out = diff->out;
	const char *schema = quote_identifier(out->schema);

	diff_on(out, ACT_ALTER, "schema", out->schema);
	if (out->schema_owner)
		diff_emit(out, NULL, "ALTER SCHEMA %s OWNER TO %s", schema, quote_identifier(out->schema_owner));
	if (!out->keep_schema_comment)
		diff_emit_comment(out, "SCHEMA", schema, diff->src.schema, diff->dst.schema);
	if (!out->keep_schema_grants)
		diff_emit_grants(out, psprintf("SCHEMA %s", schema), NULL, diff->src.schema, diff->dst.schema);
}

/* is a schema's "schema" that of a schema the database lacks? */
bool
diff_schema_absent(JsonbContainer *schema)
{
	return diff_get_bool(schema, "absent");
}

/*
 * The schema itself, created (with its comment and grants, which
 * diff_schema() sets after it) before anything in it, or dropped after
 * everything in it; the statements from start are those of its diff, in
 * order (diff_order()).
 */
void
diff_schema_create_drop(Diff *diff, int start)
{
	DiffOut    *out = diff->out;
	bool		src_absent = diff_schema_absent(diff->src.schema);
	bool		dst_absent = diff_schema_absent(diff->dst.schema);
	char	   *statement;
	List	   *objects;

	if (src_absent == dst_absent)
		return;
	diff_on(out, src_absent ? ACT_CREATE : ACT_DROP, "schema", out->schema);
	if (dst_absent)
	{
		diff_emit(out, "data-loss", "DROP SCHEMA %s", quote_identifier(out->schema));
		return;
	}
	diff_emit(out, NULL, "CREATE SCHEMA %s", quote_identifier(out->schema));
	/* moved to the front: statements from start on may need it */
	statement = llast(out->statements);
	objects = llast(out->objects);
	out->statements = list_insert_nth(list_delete_last(out->statements), start, statement);
	out->hazards = list_insert_nth(list_delete_last(out->hazards), start, NULL);
	out->objects = list_insert_nth(list_delete_last(out->objects), start, objects);
	out->acts = list_insert_nth_int(list_delete_last(out->acts), start, ACT_CREATE);
	out->needs = list_insert_nth(list_delete_last(out->needs), start, NIL);
}

/* extensions first: types and functions of the schema may use theirs */
void
diff_extensions_create(Diff *diff)
{
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->dst.extensions))
		if (!diff_has_key(diff->src.extensions, lfirst(lc)))
		{
			diff_on(diff->out, ACT_CREATE, "extension", lfirst(lc));
			diff_emit(diff->out, NULL, "CREATE EXTENSION %s SCHEMA %s",
				 quote_identifier(lfirst(lc)), quote_identifier(diff->out->schema));
		}
}

/* ---------------------------------------------------------------------
 * Sequences
 * ---------------------------------------------------------------------
 */

static char *
sequence_options(JsonbContainer *d)
{
	return psprintf("AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %sCYCLE",
					diff_need_text(d, "type"), diff_need_text(d, "increment"), diff_need_text(d, "min"),
					diff_need_text(d, "max"), diff_need_text(d, "start"), diff_need_text(d, "cache"),
					diff_get_bool(d, "cycle") ? "" : "NO ");
}

/* new sequences and new options, before the tables whose defaults use them */
void
diff_sequences_create(Diff *diff)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->dst.sequences))
	{
		char	   *name = lfirst(lc);
		JsonbContainer *d = diff_get_obj(diff->dst.sequences, name);
		JsonbContainer *s = diff_get_obj(diff->src.sequences, name);

		diff_on(out, s ? ACT_ALTER : ACT_CREATE, "relation", name);
		if (s == NULL)
			diff_emit(out, NULL, "CREATE SEQUENCE %s %s", diff_q(out, name), sequence_options(d));
		else if (strcmp(sequence_options(s), sequence_options(d)) != 0)
			diff_emit(out, NULL, "ALTER SEQUENCE %s %s", diff_q(out, name), sequence_options(d));
	}
}

/*
 * The parts of a sequence's "owned_by", "table.column", each quoted as
 * needed: split on the dot between them (NIL: not of that form)
 */
static List *
owner_parts(const char *owner)
{
	List	   *parts = NIL;

	if (!SplitIdentifierString(pstrdup(owner), '.', &parts) || list_length(parts) != 2)
		return NIL;
	return parts;
}

static char *
owner_table(const char *owner)
{
	List	   *parts = owner_parts(owner);

	return parts ? linitial(parts) : NULL;
}

/* owning columns (once the tables are there), comments and grants */
void
diff_sequences_own(Diff *diff)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->dst.sequences))
	{
		char	   *name = lfirst(lc);
		JsonbContainer *d = diff_get_obj(diff->dst.sequences, name);
		JsonbContainer *s = diff_get_obj(diff->src.sequences, name);

		char	   *owner = diff_get_text(d, "owned_by");

		/* (what the tables need of a sequence is there already) */
		diff_on(out, ACT_META, "relation", name);
		if (!diff_same(s, d, "owned_by"))
		{
			diff_emit(out, NULL, "ALTER SEQUENCE %s OWNED BY %s", diff_q(out, name),
				 owner ? psprintf("%s.%s", quote_identifier(out->schema), owner) : "NONE");
			if (owner && owner_table(owner))
				diff_needs(out, "relation", owner_table(owner));
		}
		diff_emit_comment(out, "SEQUENCE", diff_q(out, name), s, d);
		diff_emit_grants(out, psprintf("SEQUENCE %s", diff_q(out, name)), NULL, s, d);
	}
}

/*
 * Does a sequence of the source go with the column that owns it (dropped
 * with its table or by itself)?
 */
static bool
goes_with_owner(Diff *diff, JsonbContainer *s)
{
	char	   *owner = diff_get_text(s, "owned_by");
	List	   *parts = owner ? owner_parts(owner) : NIL;
	JsonbContainer *t;

	if (parts == NIL)
		return false;
	t = diff_get_obj(diff->dst.tables, linitial(parts));
	return t == NULL || !diff_has_key(diff_get_obj(t, "columns"), lsecond(parts));
}

/* ---------------------------------------------------------------------
 * Functions and procedures
 * ---------------------------------------------------------------------
 */

/* "name(args)", the key of a function: its arguments */
static const char *
function_args(const char *key)
{
	const char *args = strchr(key, '(');

	if (args == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("malformed snapshot"),
				 errdetail("Function \"%s\" has no argument list.", key),
				 errhint("Pass what migrator.snapshot() returns.")));
	return args;
}

/* ... and its name, qualified */
static char *
function_name(DiffOut *out, const char *key)
{
	return diff_q(out, pnstrdup(key, function_args(key) - key));
}

static const char *
routine_kind(JsonbContainer *f)
{
	return strcmp(diff_need_text(f, "kind"), "p") == 0 ? "PROCEDURE" : "FUNCTION";
}

/*
 * When a function is created: 0, before the tables and views (whose
 * defaults, checks and queries may call it); 1, after the tables whose row
 * types its arguments or result use (the snapshot's "depends": those of
 * the schema's relations); 2, after the views, when one of them is a view.
 */
static int
function_phase(Diff *diff, JsonbContainer *f)
{
	List	   *depends = diff_array_of(f, "depends");
	ListCell   *lc;
	int			phase = depends ? 1 : 0;

	foreach(lc, depends)
		if (diff_has_key(diff->dst.views, lfirst(lc)))
			phase = 2;
	return phase;
}

/*
 * Does a function both have change beyond what CREATE OR REPLACE can do:
 * its result type, argument names or defaults, or kind?
 */
bool
diff_function_replaced(JsonbContainer *s, JsonbContainer *d)
{
	return !(diff_same(s, d, "result") && diff_same(s, d, "arguments") && diff_same(s, d, "kind"));
}

/*
 * Functions and procedures, new and changed, of one phase (see
 * function_phase()).  A change of result type, of argument names or of
 * defaults is beyond CREATE OR REPLACE: the old one is dropped first.
 */
void
diff_functions_create(Diff *diff, int phase)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->dst.functions))
	{
		char	   *key = lfirst(lc);
		JsonbContainer *d = diff_get_obj(diff->dst.functions, key);
		JsonbContainer *s = diff_get_obj(diff->src.functions, key);
		char	   *signature;

		if (function_phase(diff, d) != phase)
			continue;
		signature = psprintf("%s%s", function_name(out, key), function_args(key));
		if (s && (diff_function_replaced(s, d) || diff_is_rebuilt(diff, "function", key)))
		{
			diff_on(out, ACT_DROP, "function", key);
			diff_emit(out, NULL, "DROP %s %s", routine_kind(s), signature);
			s = NULL;
		}
		diff_on(out, ACT_CREATE, "function", key);
		if (s == NULL || !diff_same(s, d, "definition"))
			diff_emit(out, NULL, "CREATE OR REPLACE %s %s.%s", routine_kind(d),
				 quote_identifier(out->schema), diff_need_text(d, "definition"));
		diff_emit_comment(out, routine_kind(d), signature, s, d);
		diff_emit_grants(out, psprintf("%s %s", routine_kind(d), signature), NULL, s, d);
	}
}

/* ---------------------------------------------------------------------
 * What goes, once nothing uses it
 * ---------------------------------------------------------------------
 */

static void
drop_function(DiffOut *out, const char *key, JsonbContainer *s)
{
	diff_on(out, ACT_DROP, "function", key);
	diff_emit(out, NULL, "DROP %s %s%s", routine_kind(s), function_name(out, key), function_args(key));
}

void
diff_objects_drop(Diff *diff)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->src.sequences))
	{
		JsonbContainer *s = diff_get_obj(diff->src.sequences, lfirst(lc));

		if (!diff_has_key(diff->dst.sequences, lfirst(lc)) && !goes_with_owner(diff, s))
		{
			diff_on(out, ACT_DROP, "relation", lfirst(lc));
			diff_emit(out, "data-loss", "DROP SEQUENCE %s", diff_q(out, lfirst(lc)));
		}
	}
	foreach(lc, diff_keys_of(diff->src.functions))
	{
		char	   *key = lfirst(lc);
		JsonbContainer *s = diff_get_obj(diff->src.functions, key);

		if (!diff_has_key(diff->dst.functions, key) && diff_array_of(s, "depends") == NIL)
			drop_function(out, key, s);
	}
}

/*
 * Functions that go and use the row type of a table or view of the schema
 * (the snapshot's "depends"): first, before the views and tables they use
 * can go.
 */
void
diff_functions_drop_dependent(Diff *diff)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->src.functions))
	{
		char	   *key = lfirst(lc);
		JsonbContainer *s = diff_get_obj(diff->src.functions, key);

		if (!diff_has_key(diff->dst.functions, key) && diff_array_of(s, "depends") != NIL)
			drop_function(out, key, s);
	}
}

/* (not for generate(): a desired file need not list what is installed) */
void
diff_extensions_drop(Diff *diff)
{
	ListCell   *lc;

	if (diff->out->keep_extensions)
		return;
	foreach(lc, diff_keys_of(diff->src.extensions))
		if (!diff_has_key(diff->dst.extensions, lfirst(lc)))
		{
			diff_on(diff->out, ACT_DROP, "extension", lfirst(lc));
			diff_emit(diff->out, "data-loss", "DROP EXTENSION %s", quote_identifier(lfirst(lc)));
		}
}
