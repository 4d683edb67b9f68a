/*-------------------------------------------------------------------------
 *
 * diff_kinds.c
 *	  migrator.diff() for the standalone kinds: collations, text-search
 *	  parsers, templates, dictionaries and configurations, aggregates,
 *	  operators, operator families and classes, event triggers,
 *	  publications (the database's objects that the schema's snapshot
 *	  holds: their names are not qualified), security labels (their
 *	  snapshot: snapshot_kinds.h).
 *
 *	  Each object is created whole from its "definition" (CREATE <kind>
 *	  schema.name <definition>), dropped and created again when that
 *	  changes or when something it depends on is re-created (an operator
 *	  class after its operator's function changed its result type), and
 *	  dropped when the target lacks it.  Its "members" (an operator
 *	  family's loose operators and functions, a text-search
 *	  configuration's mappings, what of the schema a publication
 *	  publishes) are added and dropped one by one with ALTER; an event
 *	  trigger's "state" is set with ALTER.  The order is that of depends (an aggregate after its
 *	  functions, an operator class after its family and operators, an
 *	  index after its operator class, a column after its collation); the
 *	  order of emission, for snapshots without depends: collations and
 *	  text search before types and tables, the others after the functions
 *	  that do not use a relation's row type.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "diff.h"

typedef struct StandaloneKind
{
	const char *key;			/* of the snapshot */
	const char *noun;			/* of depends */
	const char *sql;			/* CREATE <sql> ..., DROP <sql> ..., COMMENT ON <sql> */
	const char *grant_on;		/* GRANT ... ON <grant_on> (NULL: none) */
	int			phase;			/* 0: before types; 1: after functions */
	bool		global;			/* of the database: its name is not qualified */
	const char *state_reset;	/* ALTER ... <state>, and the state by default */
	bool		alter_set;		/* a definition " WITH (options)" changes in
								 * place: ALTER ... SET (options) */
} StandaloneKind;

/* in the order they are created (and dropped, the other way round) */
static const StandaloneKind standalone_kinds[] = {
	{"collations", "collation", "COLLATION", NULL, 0, false, NULL, false},
	{"ts_parsers", "tsparser", "TEXT SEARCH PARSER", NULL, 0, false, NULL, false},
	{"ts_templates", "tstemplate", "TEXT SEARCH TEMPLATE", NULL, 0, false, NULL, false},
	{"ts_dictionaries", "tsdictionary", "TEXT SEARCH DICTIONARY", NULL, 0, false, NULL, false},
	{"ts_configurations", "tsconfig", "TEXT SEARCH CONFIGURATION", NULL, 0, false, NULL, false},
	{"operators", "operator", "OPERATOR", NULL, 1, false, NULL, false},
	{"aggregates", "aggregate", "AGGREGATE", "FUNCTION", 1, false, NULL, false},
	{"operator_families", "opfamily", "OPERATOR FAMILY", NULL, 1, false, NULL, false},
	{"operator_classes", "opclass", "OPERATOR CLASS", NULL, 1, false, NULL, false},
	{"event_triggers", "eventtrigger", "EVENT TRIGGER", NULL, 1, true, "ENABLE", false},
	/* (after the tables whose members they are: the order of depends) */
	{"publications", "publication", "PUBLICATION", NULL, 1, true, NULL, true},
};

static JsonbContainer *
objects_of(Snap *snap, const StandaloneKind *k)
{
	return diff_get_obj(snap->root, k->key);
}

/* schema.name, the object's name qualified with the source schema */
static char *
qualified(DiffOut *out, const StandaloneKind *k, JsonbContainer *o)
{
	if (k->global)
		return diff_need_text(o, "name");
	return psprintf("%s.%s", quote_identifier(out->schema), diff_need_text(o, "name"));
}

/* what DROP and COMMENT ON name: schema.name<identity> */
static char *
target(DiffOut *out, const StandaloneKind *k, JsonbContainer *o)
{
	return psprintf("%s%s", qualified(out, k, o), diff_need_text(o, "identity"));
}

/* members: those of s that d lacks or has otherwise dropped, then d's added */
static void
diff_members(DiffOut *out, const StandaloneKind *k, JsonbContainer *s, JsonbContainer *d)
{
	JsonbContainer *sm = diff_get_obj(s, "members");
	JsonbContainer *dm = diff_get_obj(d, "members");
	ListCell   *lc;

	if (diff_same(s, d, "members"))
		return;
	foreach(lc, diff_keys_of(sm))
		if (!diff_same(sm, dm, lfirst(lc)))
			diff_emit(out, NULL, "ALTER %s %s DROP %s", k->sql, target(out, k, s), (char *) lfirst(lc));
	foreach(lc, diff_keys_of(dm))
		if (!diff_same(sm, dm, lfirst(lc)))
			diff_emit(out, NULL, "ALTER %s %s ADD %s", k->sql, target(out, k, d),
					  diff_need_text(dm, lfirst(lc)));
}

static void
create_kind(Diff *diff, const StandaloneKind *k)
{
	DiffOut    *out = diff->out;
	JsonbContainer *src = objects_of(&diff->src, k);
	JsonbContainer *dst = objects_of(&diff->dst, k);
	ListCell   *lc;

	foreach(lc, diff_keys_of(dst))
	{
		char	   *key = lfirst(lc);
		JsonbContainer *d = diff_get_obj(dst, key);
		JsonbContainer *s = diff_get_obj(src, key);

		if (s && k->alter_set && !diff_same(s, d, "definition"))
		{
			const char *def = diff_need_text(d, "definition");

			if (strncmp(def, " WITH ", 6) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("malformed snapshot"),
						 errdetail("The definition of %s \"%s\" has no options.", k->noun, key),
						 errhint("Pass what migrator.snapshot() returns.")));
			diff_on(out, ACT_ALTER, k->noun, key);
			diff_emit(out, NULL, "ALTER %s %s SET %s", k->sql, target(out, k, d), def + 6);
		}
		else if (s && (!diff_same(s, d, "definition") || diff_is_rebuilt(diff, k->noun, key)))
		{
			diff_on(out, ACT_DROP, k->noun, key);
			diff_emit(out, NULL, "DROP %s %s", k->sql, target(out, k, s));
			s = NULL;
		}
		diff_on(out, s ? ACT_ALTER : ACT_CREATE, k->noun, key);
		if (s == NULL)
			diff_emit(out, NULL, "CREATE %s %s%s", k->sql, qualified(out, k, d),
					  diff_need_text(d, "definition"));
		diff_members(out, k, s, d);
		if (k->state_reset && !diff_same(s, d, "state") &&
			(s != NULL || diff_get_text(d, "state") != NULL))
		{
			char	   *state = diff_get_text(d, "state");

			diff_emit(out, NULL, "ALTER %s %s %s", k->sql, target(out, k, d),
					  state ? state : k->state_reset);
		}
		diff_emit_comment(out, k->sql, target(out, k, d), s, d);
		if (k->grant_on)
			diff_emit_grants(out, psprintf("%s %s", k->grant_on, target(out, k, d)), NULL, s, d);
	}
}

/*
 * The kinds of one phase, new and changed: 0, before the types (a domain,
 * range or column may use a collation, a default a text-search
 * configuration); 1, after the functions (that aggregates, operators and
 * operator classes call)
 */
void
diff_kinds_create(Diff *diff, int phase)
{
	for (size_t i = 0; i < lengthof(standalone_kinds); i++)
		if (standalone_kinds[i].phase == phase)
			create_kind(diff, &standalone_kinds[i]);
}

/* what the target lacks, the kinds the other way round */
void
diff_kinds_drop(Diff *diff)
{
	for (size_t i = lengthof(standalone_kinds); i-- > 0;)
	{
		const StandaloneKind *k = &standalone_kinds[i];
		JsonbContainer *dst = objects_of(&diff->dst, k);
		JsonbContainer *src = objects_of(&diff->src, k);
		ListCell   *lc;

		foreach(lc, diff_keys_of(src))
			if (!diff_has_key(dst, lfirst(lc)))
			{
				diff_on(diff->out, ACT_DROP, k->noun, lfirst(lc));
				diff_emit(diff->out, NULL, "DROP %s %s", k->sql,
						  target(diff->out, k, diff_get_obj(src, lfirst(lc))));
			}
	}
}

/* the objects both have whose definition changes (as depends names them) */
List *
diff_kinds_changed(Diff *diff)
{
	List	   *result = NIL;

	for (size_t i = 0; i < lengthof(standalone_kinds); i++)
	{
		const StandaloneKind *k = &standalone_kinds[i];
		JsonbContainer *dst = objects_of(&diff->dst, k);
		JsonbContainer *src = objects_of(&diff->src, k);
		ListCell   *lc;

		foreach(lc, diff_keys_of(dst))
		{
			JsonbContainer *s = diff_get_obj(src, lfirst(lc));

			if (s && !k->alter_set && !diff_same(s, diff_get_obj(dst, lfirst(lc)), "definition"))
				result = lappend(result, psprintf("%s %s", k->noun, (char *) lfirst(lc)));
		}
	}
	return result;
}

/*
 * Is "noun name" an object of these kinds that both have (and so can be
 * dropped and created again)?  -1: not of these kinds.
 */
int
diff_kinds_rebuildable(Diff *diff, const char *noun, const char *name)
{
	for (size_t i = 0; i < lengthof(standalone_kinds); i++)
	{
		const StandaloneKind *k = &standalone_kinds[i];

		if (strcmp(noun, k->noun) == 0)
			return diff_has_key(objects_of(&diff->src, k), name) &&
				diff_has_key(objects_of(&diff->dst, k), name);
	}
	return -1;
}

/* ---------------------------------------------------------------------
 * Security labels
 * ---------------------------------------------------------------------
 */

/* does the target have object "noun name" (as depends names it)? */
static bool
target_has(Diff *diff, const char *object)
{
	const char *sp = strchr(object, ' ');
	char	   *noun;
	const char *name;
	Snap	   *d = &diff->dst;

	if (sp == NULL)
		return true;
	noun = pnstrdup(object, sp - object);
	name = sp + 1;
	if (strcmp(noun, "relation") == 0)
		return diff_has_key(d->tables, name) || diff_has_key(d->views, name) ||
			diff_has_key(d->sequences, name);
	if (strcmp(noun, "function") == 0)
		return diff_has_key(d->functions, name);
	if (strcmp(noun, "aggregate") == 0)
		return diff_has_key(diff_get_obj(d->root, "aggregates"), name);
	if (strcmp(noun, "type") == 0)
		return diff_has_key(d->enums, name) || diff_has_key(d->domains, name) ||
			diff_has_key(d->composites, name) || diff_has_key(d->ranges, name);
	return true;
}

static void
emit_label(DiffOut *out, JsonbContainer *l, bool set)
{
	char	   *object = diff_get_text(l, "object");
	const char *sp = object ? strchr(object, ' ') : NULL;

	if (sp)
		diff_on(out, ACT_ALTER, pnstrdup(object, sp - object), sp + 1);
	else
		out->object = NULL;
	out->meta = true;
	diff_emit(out, NULL, "SECURITY LABEL FOR %s ON %s IS %s",
			  quote_identifier(diff_need_text(l, "provider")), diff_need_text(l, "target"),
			  set ? quote_literal_cstr(diff_need_text(l, "label")) : "NULL");
	out->meta = false;
}

/*
 * Labels set, changed or taken away (but with the object they are on),
 * once the objects are there; a label on an object re-created is set again
 */
void
diff_kinds_labels(Diff *diff)
{
	JsonbContainer *src = diff_get_obj(diff->src.root, "security_labels");
	JsonbContainer *dst = diff_get_obj(diff->dst.root, "security_labels");
	ListCell   *lc;

	foreach(lc, diff_keys_of(src))
	{
		JsonbContainer *s = diff_get_obj(src, lfirst(lc));
		char	   *object = diff_get_text(s, "object");

		if (!diff_has_key(dst, lfirst(lc)) && (object == NULL || target_has(diff, object)))
			emit_label(diff->out, s, false);
	}
	foreach(lc, diff_keys_of(dst))
	{
		JsonbContainer *s = diff_get_obj(src, lfirst(lc));
		JsonbContainer *d = diff_get_obj(dst, lfirst(lc));
		char	   *object = diff_get_text(d, "object");
		const char *sp = object ? strchr(object, ' ') : NULL;

		if (s == NULL || !diff_same(s, d, "label") ||
			(sp && diff_is_rebuilt(diff, pnstrdup(object, sp - object), sp + 1)))
			emit_label(diff->out, d, true);
	}
}
