/*-------------------------------------------------------------------------
 *
 * diff_util.c
 *	  Helpers of migrator.diff(): reading snapshots, emitting statements,
 *	  and the comments and grants every kind of object has.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "diff.h"

void
diff_emit(DiffOut *out, const char *hazard, const char *fmt,...)
{
	StringInfoData s;

	initStringInfo(&s);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&s, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&s, needed);
	}
	out->statements = lappend(out->statements, s.data);
	out->hazards = lappend(out->hazards, (void *) hazard);
	out->objects = lappend(out->objects, out->object ? list_make1(out->object) : NIL);
	out->acts = lappend_int(out->acts, out->meta ? ACT_META : out->act);
	out->needs = lappend(out->needs, NIL);
}

/*
 * The statements emitted next act on object "kind name" (a name of the
 * snapshot's "depends"), as act says.
 */
void
diff_on(DiffOut *out, char act, const char *kind, const char *name)
{
	out->object = psprintf("%s %s", kind, name);
	out->act = act;
}

/* ... on "kind owner.name", a part of owner (a constraint, trigger, policy) */
void
diff_on_part(DiffOut *out, char act, const char *kind, const char *owner, const char *name)
{
	out->object = psprintf("%s %s.%s", kind, quote_identifier(owner), quote_identifier(name));
	out->act = act;
}

/* the statement emitted last also acts on "kind name" */
void
diff_also(DiffOut *out, const char *kind, const char *name)
{
	ListCell   *last = list_last_cell(out->objects);

	lfirst(last) = lappend(lfirst(last), psprintf("%s %s", kind, name));
}

/* the statement emitted last also needs "kind name" to be there */
void
diff_needs(DiffOut *out, const char *kind, const char *name)
{
	ListCell   *last = list_last_cell(out->needs);

	lfirst(last) = lappend(lfirst(last), psprintf("%s %s", kind, name));
}

/* ---------------------------------------------------------------------
 * Reading snapshots
 * ---------------------------------------------------------------------
 */

/* member key of object c (NULL, or not an object: none) */
static bool
lookup(JsonbContainer *c, const char *key, JsonbValue *v)
{
	return c != NULL && JsonContainerIsObject(c) &&
		getKeyJsonValueFromContainer(c, key, strlen(key), v) != NULL;
}

JsonbContainer *
diff_get_obj(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	if (!lookup(c, key, &v) || v.type != jbvBinary)
		return NULL;
	return v.val.binary.data;
}

/* a member as canonical text, to compare two of them or to print one */
char *
diff_get_text(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	if (!lookup(c, key, &v))
		return NULL;
	if (v.type == jbvBinary)
		return JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
	if (v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	if (v.type == jbvNull)
		return NULL;
	return pstrdup(v.type == jbvBool ? (v.val.boolean ? "true" : "false") :
				   DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric))));
}

/* a member every object of its kind has: a snapshot without it is refused */
char *
diff_need_text(JsonbContainer *c, const char *key)
{
	char	   *s = diff_get_text(c, key);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("malformed snapshot"),
				 errdetail("An object has no \"%s\".", key),
				 errhint("Pass what migrator.snapshot() returns.")));
	return s;
}

bool
diff_get_bool(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	return lookup(c, key, &v) && v.type == jbvBool && v.val.boolean;
}

int
diff_get_int(JsonbContainer *c, const char *key)
{
	char	   *s = diff_get_text(c, key);

	return s ? atoi(s) : 0;
}

/*
 * Whether a member is the same in a and b, as canonical text (a missing
 * member is null).  Two strings, or two containers of the same bytes, are
 * compared without being made text.
 */
bool
diff_same(JsonbContainer *a, JsonbContainer *b, const char *key)
{
	JsonbValue	v;
	JsonbValue	w;
	bool		has_v = lookup(a, key, &v) && v.type != jbvNull;
	bool		has_w = lookup(b, key, &w) && w.type != jbvNull;
	char	   *x;
	char	   *y;

	if (!has_v || !has_w)
		return has_v == has_w;
	if (v.type == jbvString && w.type == jbvString)
		return v.val.string.len == w.val.string.len &&
			memcmp(v.val.string.val, w.val.string.val, v.val.string.len) == 0;
	if (v.type == jbvBinary && w.type == jbvBinary && v.val.binary.len == w.val.binary.len &&
		memcmp(v.val.binary.data, w.val.binary.data, v.val.binary.len) == 0)
		return true;
	x = diff_get_text(a, key);
	y = diff_get_text(b, key);
	return strcmp(x, y) == 0;
}

/* the keys of an object, in jsonb's order (by length, then bytes) */
List *
diff_keys_of(JsonbContainer *c)
{
	List	   *keys = NIL;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (c == NULL)
		return NIL;
	it = JsonbIteratorInit(c);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_KEY)
			keys = lappend(keys, pnstrdup(v.val.string.val, v.val.string.len));
	return keys;
}

/* the strings of an array member (NIL: none, or null) */
List *
diff_array_of(JsonbContainer *c, const char *key)
{
	JsonbContainer *a = diff_get_obj(c, key);
	List	   *result = NIL;

	if (a == NULL || !JsonContainerIsArray(a))
		return NIL;
	for (int i = 0; i < (int) JsonContainerSize(a); i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(a, i);

		if (v->type == jbvString)
			result = lappend(result, pnstrdup(v->val.string.val, v->val.string.len));
	}
	return result;
}

bool
diff_has_key(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	return lookup(c, key, &v);
}

bool
diff_str_member(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
		if (strcmp(lfirst(lc), s) == 0)
			return true;
	return false;
}

/* a name of the source schema, qualified */
char *
diff_q(DiffOut *out, const char *name)
{
	return quote_qualified_identifier(out->schema, name);
}

const char *
diff_literal_or_null(const char *s)
{
	return s ? quote_literal_cstr(s) : "NULL";
}

/* ---------------------------------------------------------------------
 * Orders
 * ---------------------------------------------------------------------
 */

typedef struct Positioned
{
	char	   *name;
	int			position;
} Positioned;

static int
cmp_position(const ListCell *a, const ListCell *b)
{
	return ((Positioned *) lfirst(a))->position - ((Positioned *) lfirst(b))->position;
}

/* the names of columns (or attributes), in their table's order */
List *
diff_by_position(JsonbContainer *columns)
{
	List	   *cols = NIL;
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, diff_keys_of(columns))
	{
		Positioned *p = palloc(sizeof(Positioned));

		p->name = lfirst(lc);
		p->position = diff_get_int(diff_get_obj(columns, p->name), "position");
		cols = lappend(cols, p);
	}
	list_sort(cols, cmp_position);
	foreach(lc, cols)
		result = lappend(result, ((Positioned *) lfirst(lc))->name);
	return result;
}

static void
visit(const char *name, List *names, JsonbContainer *objects, const char *deps_key,
	  List **done, List **result)
{
	ListCell   *lc;

	if (diff_str_member(*done, name))
		return;
	*done = lappend(*done, (void *) name);
	foreach(lc, diff_array_of(diff_get_obj(objects, name), deps_key))
		if (diff_str_member(names, lfirst(lc)))
			visit(lfirst(lc), names, objects, deps_key, done, result);
	*result = lappend(*result, (void *) name);
}

/*
 * names, each after those of them its object depends on (deps_key: the
 * member of each object that lists them).  Cycles cannot occur among
 * views; where they would, the order is jsonb's.
 */
List *
diff_sort_by_deps(List *names, JsonbContainer *objects, const char *deps_key)
{
	List	   *done = NIL;
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, names)
		visit(lfirst(lc), names, objects, deps_key, &done, &result);
	return result;
}

/* ---------------------------------------------------------------------
 * Comments and grants
 * ---------------------------------------------------------------------
 */

/*
 * COMMENT ON kind target, when the comment of d differs from that of s
 * (NULL: an object just created, without one).
 */
void
diff_emit_comment(DiffOut *out, const char *kind, const char *target,
			 JsonbContainer *s, JsonbContainer *d)
{
	if (!diff_same(s, d, "comment"))
	{
		out->meta = true;
		diff_emit(out, NULL, "COMMENT ON %s %s IS %s", kind, target, diff_literal_or_null(diff_get_text(d, "comment")));
		out->meta = false;
	}
}

/*
 * A grant of a snapshot's "grants", "+grantee=PRIVILEGE" or
 * "-grantee=PRIVILEGE" (* when grantable): given or taken away (undo).
 */
static void
emit_grant(DiffOut *out, const char *on, const char *column, const char *entry, bool undo)
{
	char	   *grantee = pstrdup(entry + 1);
	char	   *priv = strrchr(grantee, '=');
	bool		option;
	bool		give = (entry[0] == '+') != undo;
	const char *col = column ? psprintf(" (%s)", column) : "";

	*priv++ = '\0';
	option = priv[strlen(priv) - 1] == '*';
	if (option)
		priv[strlen(priv) - 1] = '\0';
	if (give)
		diff_emit(out, NULL, "GRANT %s%s ON %s TO %s%s", priv, col, on, grantee,
			 option ? " WITH GRANT OPTION" : "");
	else
		diff_emit(out, NULL, "REVOKE %s%s ON %s FROM %s", priv, col, on, grantee);
}

/*
 * What an object the diff creates ("on": "TABLE s.t", ...) is granted by
 * the source schema's default privileges, for the role that runs the diff
 * (who creates it).
 */
static List *
default_grants(DiffOut *out, const char *on)
{
	static const char *const kinds[][2] = {
		{"TABLE ", "TABLES"}, {"SEQUENCE ", "SEQUENCES"}, {"FUNCTION ", "FUNCTIONS"},
		{"PROCEDURE ", "FUNCTIONS"}, {"TYPE ", "TYPES"}, {"DOMAIN ", "TYPES"}};

	if (out->default_privileges == NULL)
		return NIL;
	for (size_t i = 0; i < lengthof(kinds); i++)
		if (strncmp(on, kinds[i][0], strlen(kinds[i][0])) == 0)
			return diff_array_of(diff_get_obj(out->default_privileges,
											  psprintf("%s %s", GetUserNameFromId(GetUserId(), false),
													   kinds[i][1])),
								 "grants");
	return NIL;
}

/*
 * s's grants as they are once the object has d's owner (snapshots with
 * owners): ALTER ... OWNER TO hands the old owner's privileges to the new
 * one, whose own grants are lost in them.
 */
static List *
grants_after_owner(List *from, JsonbContainer *s, JsonbContainer *d)
{
	char	   *old = diff_get_text(s, "owner");
	char	   *new = diff_get_text(d, "owner");
	List	   *result = NIL;
	ListCell   *lc;

	if (old == NULL || new == NULL || strcmp(old, new) == 0)
		return from;
	foreach(lc, from)
	{
		char	   *e = lfirst(lc);
		const char *grantee = e + 1;
		size_t		len = strcspn(grantee, "=");

		if (e[0] == '+' && len == strlen(new) && strncmp(grantee, new, len) == 0)
			continue;
		if (e[0] == '-' && len == strlen(old) && strncmp(grantee, old, len) == 0)
			e = psprintf("-%s%s", new, grantee + len);
		result = lappend(result, e);
	}
	return result;
}

/*
 * The GRANTs and REVOKEs that give "on" (say "TABLE s.t"; column: a
 * column of it, quoted, or NULL) d's privileges where it has s's (NULL: an
 * object just created, with the default ones, and those the schema's
 * default privileges give it).  What goes goes first.
 */
void
diff_emit_grants(DiffOut *out, const char *on, const char *column,
			JsonbContainer *s, JsonbContainer *d)
{
	List	   *from = s == NULL && column == NULL ? default_grants(out, on) : NIL;
	List	   *to;
	ListCell   *lc;

	/* the same grants: nothing to do (the usual case, made quick) */
	if (from == NIL && diff_same(s, d, "grants"))
		return;
	if (s)
		from = grants_after_owner(diff_array_of(s, "grants"), s, d);
	to = diff_array_of(d, "grants");
	out->meta = true;
	foreach(lc, from)
		if (!diff_str_member(to, lfirst(lc)))
			emit_grant(out, on, column, lfirst(lc), true);
	foreach(lc, to)
		if (!diff_str_member(from, lfirst(lc)))
			emit_grant(out, on, column, lfirst(lc), false);
	out->meta = false;
}
