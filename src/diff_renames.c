/*-------------------------------------------------------------------------
 *
 * diff_renames.c
 *	  Renames in migrator.diff(): an object whose name changes is renamed
 *	  (ALTER ... RENAME), not dropped and created again.
 *
 *	  A rename is known in two ways:
 *	  - by identity, between two snapshots of the same database (drift, the
 *	    snapshots migrator records after a run): each carries "identity"
 *	    (snapshot.c), the oid of each object (a column's table oid and
 *	    attnum) and "database", the system identifier and database oid.
 *	    When both snapshots have the same "database", an object of the
 *	    source missing from the target and one of the target missing from
 *	    the source with the same oid are one object renamed.  Otherwise
 *	    identity is not looked at: two databases' oids mean nothing.
 *	  - by hints: "-- migrator:renamed [KIND] OLD -> NEW" lines of
 *	    generate()'s desired file, or the renames argument of
 *	    diff(source jsonb, target jsonb, renames jsonb), an array of the
 *	    same "[KIND] OLD -> NEW" texts.
 *
 *	  Renames are emitted first.  The source snapshot is then rewritten as
 *	  the renames leave it (names, and the names inside the definitions
 *	  that depend on what was renamed, as "depends" says), and the diff goes
 *	  on from it as usual: a column renamed and retyped is a RENAME COLUMN
 *	  and then an ALTER COLUMN ... TYPE.
 *
 *	  Without identity or a hint, a table or column that goes while one of
 *	  the same shape comes has a hazard that says it may be a rename, and
 *	  which hint would make it one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/varlena.h"

#include "diff.h"

/* one rename: an object of a kind, or a part of an object */
typedef struct Rename
{
	const char *kind;			/* the snapshot's key: "tables", ..., or the
								 * part's: "columns", "constraints", ... */
	const char *owner_kind;		/* a part's: "tables", "views", "domains" */
	const char *owner;			/* a part's owner, as the source names it */
	const char *from;
	const char *to;
} Rename;

/* the kinds of objects that can be renamed, and how to say it */
static const char *const object_kinds[] = {
	"tables", "views", "sequences", "enums", "domains", "composites", "ranges", "functions"
};

/* the parts, in their owners */
static const char *const part_kinds[] = {
	"columns", "constraints", "indexes", "triggers", "policies"
};

static JsonbContainer *
snap_kind(Snap *s, const char *kind)
{
	if (strcmp(kind, "tables") == 0)
		return s->tables;
	if (strcmp(kind, "views") == 0)
		return s->views;
	if (strcmp(kind, "sequences") == 0)
		return s->sequences;
	if (strcmp(kind, "enums") == 0)
		return s->enums;
	if (strcmp(kind, "domains") == 0)
		return s->domains;
	if (strcmp(kind, "composites") == 0)
		return s->composites;
	if (strcmp(kind, "ranges") == 0)
		return s->ranges;
	if (strcmp(kind, "functions") == 0)
		return s->functions;
	return NULL;
}

static bool
is_type_kind(const char *kind)
{
	return strcmp(kind, "enums") == 0 || strcmp(kind, "domains") == 0 ||
		strcmp(kind, "composites") == 0 || strcmp(kind, "ranges") == 0;
}

/* the name "depends" gives an object of a kind */
static char *
depends_name_of(const char *kind, const char *name)
{
	if (strcmp(kind, "functions") == 0)
		return psprintf("function %s", name);
	if (is_type_kind(kind))
		return psprintf("type %s", name);
	return psprintf("relation %s", name);
}

/* ... and a part */
static char *
depends_part_name(const char *kind, const char *owner, const char *name)
{
	if (strcmp(kind, "indexes") == 0)
		return psprintf("index %s", name);
	return psprintf("%s %s.%s", strcmp(kind, "columns") == 0 ? "column" :
					strcmp(kind, "constraints") == 0 ? "constraint" :
					strcmp(kind, "triggers") == 0 ? "trigger" : "policy",
					quote_identifier(owner), quote_identifier(name));
}

/* a function's key "name(args)": its name, and its arguments */
static char *
function_name(const char *key)
{
	return pnstrdup(key, strcspn(key, "("));
}

/* indexes are named in the schema, not in their table */
static bool
schema_wide(const char *kind)
{
	return strcmp(kind, "indexes") == 0;
}

/* the renames found so far */
typedef struct Renames
{
	List	   *list;			/* Rename * */
	List	   *function_keys;	/* pairs: source key, key once renamed */
} Renames;

static Rename *
find_rename(Renames *rs, const char *kind, const char *owner, const char *from)
{
	ListCell   *lc;

	foreach(lc, rs->list)
	{
		Rename	   *r = lfirst(lc);

		if (strcmp(r->kind, kind) == 0 && strcmp(r->from, from) == 0 &&
			(schema_wide(kind) || (owner == NULL && r->owner == NULL) ||
			 (owner && r->owner && strcmp(owner, r->owner) == 0)))
			return r;
	}
	return NULL;
}

/* is name the target's name of something renamed (so taken)? */
static bool
renamed_to(Renames *rs, const char *kind, const char *owner, const char *to)
{
	ListCell   *lc;

	foreach(lc, rs->list)
	{
		Rename	   *r = lfirst(lc);

		if (strcmp(r->kind, kind) == 0 && strcmp(r->to, to) == 0 &&
			(schema_wide(kind) || (owner == NULL && r->owner == NULL) ||
			 (owner && r->owner && strcmp(owner, r->owner) == 0)))
			return true;
	}
	return false;
}

/* an object's name once renamed (the same if it is not) */
static const char *
new_name(Renames *rs, const char *kind, const char *owner, const char *name)
{
	Rename	   *r = find_rename(rs, kind, owner, name);

	return r ? r->to : name;
}

/* the object kind of a relation or type name renamed ("tables", ...), or NULL */
static Rename *
find_object_rename(Renames *rs, const char *name, bool types)
{
	for (size_t k = 0; k < lengthof(object_kinds); k++)
	{
		Rename	   *r;

		if (strcmp(object_kinds[k], "functions") == 0 || is_type_kind(object_kinds[k]) != types)
			continue;
		if ((r = find_rename(rs, object_kinds[k], NULL, name)) != NULL)
			return r;
	}
	return NULL;
}

static void
add_rename(Renames *rs, const char *kind, const char *owner_kind, const char *owner,
		   const char *from, const char *to)
{
	Rename	   *r = palloc(sizeof(Rename));

	r->kind = kind;
	r->owner_kind = owner_kind;
	r->owner = owner;
	r->from = from;
	r->to = to;
	rs->list = lappend(rs->list, r);
}

/* ---------------------------------------------------------------------
 * Renames known by identity
 * ---------------------------------------------------------------------
 */

/* both snapshots are of one database: identity means something */
static bool
same_database(Diff *diff)
{
	char	   *a = diff_get_text(diff->src.identity, "database");

	return a != NULL && diff_same(diff->src.identity, diff->dst.identity, "database");
}

/*
 * Of the names in s not in d and those in d not in s, pairs with the same
 * identity ("prefix NAME" in each snapshot's identity): each is added as
 * a rename unless one was already found for either.
 */
static void
match_by_identity(Diff *diff, Renames *rs, const char *kind, const char *owner_kind,
				  const char *src_owner, const char *dst_owner,
				  JsonbContainer *s, JsonbContainer *d)
{
	List	   *gone = NIL;
	List	   *come = NIL;
	ListCell   *lc;
	ListCell   *ld;
	bool		part = owner_kind != NULL;

	foreach(lc, diff_keys_of(s))
		if (!diff_has_key(d, lfirst(lc)))
			gone = lappend(gone, lfirst(lc));
	foreach(lc, diff_keys_of(d))
		if (!diff_has_key(s, lfirst(lc)))
			come = lappend(come, lfirst(lc));
	if (gone == NIL || come == NIL)
		return;
	foreach(lc, come)
	{
		char	   *key = part && !schema_wide(kind) ?
			psprintf("%s %s.%s", kind, quote_identifier(dst_owner), quote_identifier(lfirst(lc))) :
			psprintf("%s %s", kind, (char *) lfirst(lc));
		char	   *id = diff_get_text(diff->dst.identity, key);

		if (id == NULL || renamed_to(rs, kind, part ? src_owner : NULL, lfirst(lc)))
			continue;
		foreach(ld, gone)
		{
			char	   *skey = part && !schema_wide(kind) ?
				psprintf("%s %s.%s", kind, quote_identifier(src_owner), quote_identifier(lfirst(ld))) :
				psprintf("%s %s", kind, (char *) lfirst(ld));
			char	   *sid = diff_get_text(diff->src.identity, skey);

			if (sid && strcmp(sid, id) == 0 &&
				!find_rename(rs, kind, part ? src_owner : NULL, lfirst(ld)))
			{
				add_rename(rs, kind, owner_kind, part ? src_owner : NULL, lfirst(ld), lfirst(lc));
				break;
			}
		}
	}
}

/* the parts of each object of a kind both have (under its name in each) */
static void
match_parts(Diff *diff, Renames *rs, const char *owner_kind, JsonbContainer *src_objects,
			JsonbContainer *dst_objects, bool by_identity)
{
	ListCell   *lc;

	foreach(lc, diff_keys_of(src_objects))
	{
		const char *sname = lfirst(lc);
		const char *dname = new_name(rs, owner_kind, NULL, sname);
		JsonbContainer *so = diff_get_obj(src_objects, sname);
		JsonbContainer *dobj = diff_get_obj(dst_objects, dname);

		if (dobj == NULL)
			continue;
		for (size_t k = 0; k < lengthof(part_kinds); k++)
		{
			JsonbContainer *sp = diff_get_obj(so, part_kinds[k]);
			JsonbContainer *dp = diff_get_obj(dobj, part_kinds[k]);

			if (by_identity && sp && dp)
				match_by_identity(diff, rs, part_kinds[k], owner_kind, sname, dname, sp, dp);
		}
	}
}

static void
find_by_identity(Diff *diff, Renames *rs)
{
	if (!same_database(diff))
		return;
	for (size_t k = 0; k < lengthof(object_kinds); k++)
		match_by_identity(diff, rs, object_kinds[k], NULL, NULL, NULL,
						  snap_kind(&diff->src, object_kinds[k]), snap_kind(&diff->dst, object_kinds[k]));
	match_parts(diff, rs, "tables", diff->src.tables, diff->dst.tables, true);
	match_parts(diff, rs, "views", diff->src.views, diff->dst.views, true);
	match_parts(diff, rs, "domains", diff->src.domains, diff->dst.domains, true);
}

/* ---------------------------------------------------------------------
 * Renames named by hints
 * ---------------------------------------------------------------------
 */

/* a hint: "[KIND] OLD -> NEW", from line (or element) where of what */
typedef struct Hint
{
	const char *text;
	int			line;
	bool		desired;		/* of generate()'s file (else diff()'s renames) */
	const char *kind;			/* NULL: a column if dotted, else a relation or type */
	char	   *owner;			/* of a part */
	char	   *old;
	char	   *new;
	bool		used;
} Hint;

static const char *
hint_where(Hint *h)
{
	return h->desired ? psprintf("line %d of the desired schema", h->line) :
		psprintf("element %d of renames", h->line);
}

static void
hint_syntax_error(Hint *h, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("malformed rename hint at %s: %s", hint_where(h), what),
			 errdetail("The hint: %s", h->text),
			 errhint("Write [KIND] OLD -> NEW: \"books.published_year -> publication_year\" (a column), "
					 "\"books -> volumes\" (a table), \"index books_idx -> volumes_idx\", "
					 "\"function f(integer) -> g\".")));
}

static void
skip_spaces(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\r')
		(*p)++;
}

static bool
ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* an identifier as SQL reads it: "quoted" kept, unquoted folded */
static char *
read_ident(Hint *h, const char **p)
{
	const char *s = *p;
	StringInfoData buf;

	skip_spaces(&s);
	if (*s == '"')
	{
		initStringInfo(&buf);
		for (s++;; s++)
		{
			if (*s == '\0')
				hint_syntax_error(h, "unterminated quoted identifier");
			if (*s == '"' && s[1] == '"')
				appendStringInfoChar(&buf, *s++);
			else if (*s == '"')
				break;
			else
				appendStringInfoChar(&buf, *s);
		}
		*p = s + 1;
		if (buf.len == 0)
			hint_syntax_error(h, "zero-length identifier");
		return buf.data;
	}
	if (!ident_char((unsigned char) *s) || isdigit((unsigned char) *s))
		hint_syntax_error(h, "a name was expected");
	*p = s;
	while (ident_char((unsigned char) **p))
		(*p)++;
	return downcase_identifier(s, *p - s, false, true);
}

/* the words of a hint's kind, and the snapshot's kind they name (NULL: any type) */
static const struct
{
	const char *word;
	const char *kind;
}			hint_kinds[] = {
	{"table", "tables"}, {"materialized view", "views"}, {"view", "views"},
	{"sequence", "sequences"}, {"type", "types"}, {"domain", "domains"},
	{"function", "functions"}, {"procedure", "functions"}, {"index", "indexes"},
	{"column", "columns"}, {"constraint", "constraints"}, {"trigger", "triggers"},
	{"policy", "policies"},
};

static void
parse_hint(Hint *h)
{
	const char *p = h->text;

	skip_spaces(&p);
	h->kind = NULL;
	for (size_t i = 0; i < lengthof(hint_kinds); i++)
	{
		size_t		n = strlen(hint_kinds[i].word);

		if (pg_strncasecmp(p, hint_kinds[i].word, n) == 0 && (p[n] == ' ' || p[n] == '\t'))
		{
			h->kind = hint_kinds[i].kind;
			p += n;
			break;
		}
	}
	h->owner = NULL;
	h->old = read_ident(h, &p);
	skip_spaces(&p);
	if (h->kind && strcmp(h->kind, "functions") == 0)
	{
		const char *close = strchr(p, ')');

		if (*p != '(' || close == NULL)
			hint_syntax_error(h, "a function is named with its argument types: f(integer, text)");
		h->old = psprintf("%s%s", h->old, pnstrdup(p, close - p + 1));
		p = close + 1;
	}
	else if (*p == '.')
	{
		p++;
		h->owner = h->old;
		h->old = read_ident(h, &p);
		if (h->kind == NULL)
			h->kind = "columns";
	}
	skip_spaces(&p);
	if (strncmp(p, "->", 2) != 0)
		hint_syntax_error(h, "\"->\" was expected after the old name");
	p += 2;
	h->new = read_ident(h, &p);
	skip_spaces(&p);
	if (*p != '\0' && *p != '\n')
		hint_syntax_error(h, "the hint goes on after the new name");
	if (h->kind && h->owner == NULL &&
		(strcmp(h->kind, "columns") == 0 || strcmp(h->kind, "constraints") == 0 ||
		 strcmp(h->kind, "triggers") == 0 || strcmp(h->kind, "policies") == 0))
		hint_syntax_error(h, "a part is named with its table: TABLE.NAME");
	if (h->owner && h->kind && !(strcmp(h->kind, "columns") == 0 || strcmp(h->kind, "constraints") == 0 ||
								 strcmp(h->kind, "triggers") == 0 || strcmp(h->kind, "policies") == 0))
		hint_syntax_error(h, "only a column, constraint, trigger or policy is named TABLE.NAME");
}

/* "-- migrator:renamed ..." lines of a desired-state file, as hints */
List *
diff_rename_hints_of_file(const char *text)
{
	const char *directive = "-- migrator:renamed";
	List	   *hints = NIL;
	int			line = 1;

	for (const char *p = text; *p; line++)
	{
		const char *eol = strchr(p, '\n');
		const char *s = p;

		skip_spaces(&s);
		if (strncmp(s, directive, strlen(directive)) == 0 &&
			(s[strlen(directive)] == ' ' || s[strlen(directive)] == '\t'))
		{
			Hint	   *h = palloc0(sizeof(Hint));
			const char *t = s + strlen(directive);
			char	   *text;

			skip_spaces(&t);
			text = pnstrdup(t, eol ? (size_t) (eol - t) : strlen(t));
			/* a CRLF file's line ends at its \r */
			if (strlen(text) > 0 && text[strlen(text) - 1] == '\r')
				text[strlen(text) - 1] = '\0';
			h->text = text;
			h->line = line;
			h->desired = true;
			parse_hint(h);
			hints = lappend(hints, h);
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return hints;
}

/* diff()'s renames: an array of "[KIND] OLD -> NEW" texts */
List *
diff_rename_hints_of_array(Jsonb *renames)
{
	List	   *hints = NIL;

	if (!JB_ROOT_IS_ARRAY(renames) || JB_ROOT_IS_SCALAR(renames))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("renames must be a JSON array of texts"),
				 errhint("For example: '[\"books.published_year -> publication_year\", \"books -> volumes\"]'.")));
	for (int i = 0; i < (int) JsonContainerSize(&renames->root); i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(&renames->root, i);
		Hint	   *h = palloc0(sizeof(Hint));

		if (v->type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("element %d of renames is not a text", i + 1),
					 errhint("Each is a hint such as \"books.published_year -> publication_year\".")));
		h->text = pnstrdup(v->val.string.val, v->val.string.len);
		h->line = i + 1;
		parse_hint(h);
		hints = lappend(hints, h);
	}
	return hints;
}

/* functions are named by their arguments as written, spaces aside */
static bool
same_function(const char *key, const char *named)
{
	for (;;)
	{
		while (*key == ' ')
			key++;
		while (*named == ' ' || *named == '\t')
			named++;
		if (*key != *named)
			return false;
		if (*key == '\0')
			return true;
		key++;
		named++;
	}
}

/* the key of c that is name (a function: as named); NULL: none */
static char *
key_named(JsonbContainer *c, const char *kind, const char *name)
{
	ListCell   *lc;

	if (strcmp(kind, "functions") != 0)
		return diff_has_key(c, name) ? pstrdup(name) : NULL;
	foreach(lc, diff_keys_of(c))
		if (same_function(lfirst(lc), name))
			return lfirst(lc);
	return NULL;
}

/*
 * A hint on an object of kind in s and d: a rename (true), done already
 * (the source has the new name and not the old: false), or nothing it
 * names (error, unless quiet: false).
 */
static char *substitute(const char *s, List *list);

/* the renames the hints on objects other than functions name, as they name them */
static List *
hinted_renames(List *hints)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, hints)
	{
		Hint	   *h = lfirst(lc);
		Rename	   *r;

		if (h->owner || (h->kind && (strcmp(h->kind, "functions") == 0 || strcmp(h->kind, "indexes") == 0)))
			continue;
		r = palloc0(sizeof(Rename));
		r->kind = "types";
		r->from = h->old;
		r->to = h->new;
		result = lappend(result, r);
	}
	return result;
}

static bool
hint_applies(Renames *rs, Hint *h, const char *kind, JsonbContainer *s, JsonbContainer *d,
			 char **from, char **to, List *hints)
{
	char	   *old = key_named(s, kind, h->old);

	*from = old;
	/* a function's arguments in the target: of the types renamed */
	if (strcmp(kind, "functions") == 0)
		*to = old ? psprintf("%s%s", h->new, substitute(old + strlen(function_name(old)), rs->list)) : NULL;
	else
		*to = h->new;
	if (old && *to && diff_has_key(d, *to) && !diff_has_key(s, *to) && !diff_has_key(d, old))
		return true;
	/* done: the source has the new name already (a function: with the arguments named) */
	if (old == NULL && strcmp(kind, "functions") == 0 &&
		key_named(s, kind, psprintf("%s%s", h->new, substitute(h->old + strlen(function_name(h->old)),
															   hinted_renames(hints)))))
		h->used = true;
	else if (old == NULL && *to && diff_has_key(s, *to))
		h->used = true;
	return false;
}

/* hints on objects of the schema (not parts), kind by kind: functions last, their types renamed */
static void
apply_object_hints(Diff *diff, Renames *rs, List *hints)
{
	for (size_t k = 0; k < lengthof(object_kinds); k++)
	{
		const char *kind = object_kinds[k];
		ListCell   *lc;

		foreach(lc, hints)
		{
			Hint	   *h = lfirst(lc);
			char	   *from;
			char	   *to;

			if (h->owner || (h->kind && strcmp(h->kind, "indexes") == 0) ||
				find_rename(rs, kind, NULL, h->old))
				continue;
			if (h->kind && strcmp(h->kind, kind) != 0 &&
				!(strcmp(h->kind, "types") == 0 && is_type_kind(kind)))
				continue;
			if (h->kind == NULL && strcmp(kind, "functions") == 0)
				continue;
			if (!hint_applies(rs, h, kind, snap_kind(&diff->src, kind), snap_kind(&diff->dst, kind), &from, &to,
							  hints))
				continue;
			add_rename(rs, kind, NULL, NULL, from, to);
			h->used = true;
		}
	}
}

/* the index named name among the tables' and materialized views' (its owner) */
static const char *
index_owner(JsonbContainer *objects, const char *name)
{
	ListCell   *lc;

	foreach(lc, diff_keys_of(objects))
		if (diff_has_key(diff_get_obj(diff_get_obj(objects, lfirst(lc)), "indexes"), name))
			return lfirst(lc);
	return NULL;
}

/* hints on parts: columns, constraints, triggers, policies (of tables, domains), indexes */
static void
apply_part_hints(Diff *diff, Renames *rs, List *hints)
{
	ListCell   *lc;

	foreach(lc, hints)
	{
		Hint	   *h = lfirst(lc);
		const char *owner_kind = "tables";
		const char *owner = h->owner;
		JsonbContainer *so;
		JsonbContainer *dobj;
		char	   *from;
		char	   *to;

		if (h->kind == NULL || !(h->owner || strcmp(h->kind, "indexes") == 0))
			continue;
		if (strcmp(h->kind, "indexes") == 0)
		{
			owner = index_owner(diff->src.tables, h->old);
			if (owner == NULL && (owner = index_owner(diff->src.views, h->old)) != NULL)
				owner_kind = "views";
			if (owner == NULL)
				continue;
		}
		else if (strcmp(h->kind, "constraints") == 0 && !diff_has_key(diff->src.tables, owner) &&
				 diff_has_key(diff->src.domains, owner))
			owner_kind = "domains";
		so = diff_get_obj(snap_kind(&diff->src, owner_kind), owner);
		/* an owner the source has under the new name a hint gives it: renamed already */
		if (so == NULL)
		{
			ListCell   *lo;

			foreach(lo, hints)
			{
				Hint	   *o = lfirst(lo);

				if (o->owner == NULL && (o->kind == NULL || strcmp(o->kind, owner_kind) == 0) &&
					strcmp(o->old, owner) == 0 && diff_has_key(snap_kind(&diff->src, owner_kind), o->new))
				{
					owner = o->new;
					so = diff_get_obj(snap_kind(&diff->src, owner_kind), owner);
					break;
				}
			}
		}
		dobj = diff_get_obj(snap_kind(&diff->dst, owner_kind), new_name(rs, owner_kind, NULL, owner));
		if (so == NULL || dobj == NULL)
			continue;
		if (!hint_applies(rs, h, h->kind, diff_get_obj(so, h->kind), diff_get_obj(dobj, h->kind), &from, &to, NIL))
			continue;
		add_rename(rs, h->kind, owner_kind, owner, from, to);
		h->used = true;
	}
}

/* a hint that named nothing in any schema */
void
diff_rename_hints_check(List *hints)
{
	ListCell   *lc;

	foreach(lc, hints)
	{
		Hint	   *h = lfirst(lc);

		if (!h->used)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("rename hint at %s names nothing to rename", hint_where(h)),
					 errdetail("The hint: %s.  The source must have %s%s%s and not %s; the target %s and not %s%s%s.",
							   h->text, h->owner ? h->owner : "", h->owner ? "." : "", h->old,
							   h->new, h->new, h->owner ? h->owner : "", h->owner ? "." : "", h->old),
					 errhint("Name the object as the live schema does (a function with its argument types), "
							 "or remove the hint.")));
	}
}

/* ---------------------------------------------------------------------
 * The source as the renames leave it
 * ---------------------------------------------------------------------
 */

/* an identifier of a definition as written in it */
static char *
token_of(const char *kind, const char *name)
{
	return pstrdup(quote_identifier(strcmp(kind, "functions") == 0 ? function_name(name) : name));
}

/*
 * s with each name a rename of list changes (a whole identifier, outside
 * string literals) written as that rename leaves it.
 */
static char *
substitute(const char *s, List *list)
{
	StringInfoData buf;
	const char *p = s;

	if (list == NIL)
		return pstrdup(s);
	initStringInfo(&buf);
	while (*p)
	{
		const char *start = p;
		ListCell   *lc;
		char	   *tok;

		if (*p == '\'')
		{
			bool		escapes = p > s && (p[-1] == 'E' || p[-1] == 'e');

			for (p++; *p; p++)
			{
				if (escapes && *p == '\\' && p[1])
					p++;
				else if (*p == '\'' && p[1] == '\'')
					p++;
				else if (*p == '\'')
				{
					p++;
					break;
				}
			}
			appendBinaryStringInfo(&buf, start, p - start);
			continue;
		}
		if (*p == '"')
		{
			for (p++; *p; p++)
			{
				if (*p == '"' && p[1] == '"')
					p++;
				else if (*p == '"')
				{
					p++;
					break;
				}
			}
		}
		else if (ident_char((unsigned char) *p))
			while (ident_char((unsigned char) *p))
				p++;
		else
		{
			appendStringInfoChar(&buf, *p++);
			continue;
		}
		tok = pnstrdup(start, p - start);
		foreach(lc, list)
		{
			Rename	   *r = lfirst(lc);

			if (strcmp(tok, token_of(r->kind, r->from)) == 0)
			{
				tok = token_of(r->kind, r->to);
				break;
			}
		}
		appendStringInfoString(&buf, tok);
	}
	return buf.data;
}

/* a source's "depends" name once renamed */
static char *
rename_depends_name(Renames *rs, const char *name)
{
	const char *sp = strchr(name, ' ');
	char	   *noun;
	const char *rest;

	if (sp == NULL)
		return pstrdup(name);
	noun = pnstrdup(name, sp - name);
	rest = sp + 1;
	if (strcmp(noun, "relation") == 0 || strcmp(noun, "type") == 0)
	{
		Rename	   *r = find_object_rename(rs, rest, false);

		if (r == NULL)
			r = find_object_rename(rs, rest, true);
		return r ? psprintf("%s %s", noun, r->to) : pstrdup(name);
	}
	if (strcmp(noun, "function") == 0)
	{
		for (int i = 0; i + 1 < list_length(rs->function_keys); i += 2)
			if (strcmp(list_nth(rs->function_keys, i), rest) == 0)
				return psprintf("function %s", (char *) list_nth(rs->function_keys, i + 1));
		return pstrdup(name);
	}
	if (strcmp(noun, "index") == 0)
		return psprintf("index %s", new_name(rs, "indexes", NULL, rest));
	/* "column T.C", "constraint T.K", ...: both quoted */
	{
		List	   *parts = NIL;
		char	   *copy = pstrdup(rest);
		const char *kind = strcmp(noun, "column") == 0 ? "columns" :
			strcmp(noun, "constraint") == 0 ? "constraints" :
			strcmp(noun, "trigger") == 0 ? "triggers" : "policies";
		Rename	   *owner;
		const char *part;

		if (!SplitIdentifierString(copy, '.', &parts) || list_length(parts) != 2)
			return pstrdup(name);
		owner = find_object_rename(rs, linitial(parts), false);
		if (owner == NULL)
			owner = find_object_rename(rs, linitial(parts), true);
		part = new_name(rs, kind, linitial(parts), lsecond(parts));
		return psprintf("%s %s.%s", noun, quote_identifier(owner ? owner->to : linitial(parts)),
						quote_identifier(part));
	}
}


/* the source's objects and parts, rewritten as the renames leave them */
typedef struct Walk
{
	Renames    *rs;
	JsonbContainer *depends;	/* the source's */
	JsonbParseState *st;
	List	   *kept_not_nulls; /* KeptNotNull: 18's NOT NULL names a rename keeps */
	List	   *plain_not_nulls;	/* KeptNotNull: ... and those it makes plain */
} Walk;

/*
 * PostgreSQL 18 names a column's NOT NULL constraint TABLE_COLUMN_not_null
 * and keeps that name when the table or column is renamed: the snapshot
 * then shows a constraint of that name instead of not_null (snapshot.c).
 * One the target keeps is shown so in the source too; one the target has
 * as a plain not_null is renamed along.
 */
typedef struct KeptNotNull
{
	const char *table;			/* the source's names */
	const char *column;
	const char *name;			/* the constraint's */
	const char *definition;		/* "NOT NULL column", its new name */
} KeptNotNull;

#if PG_VERSION_NUM >= 180000
static KeptNotNull *
not_null_of(const char *table, const char *column, const char *name, const char *definition)
{
	KeptNotNull *k = palloc(sizeof(KeptNotNull));

	k->table = table;
	k->column = column;
	k->name = name;
	k->definition = definition;
	return k;
}
#endif

static void
find_not_nulls(Diff *diff, Walk *w)
{
#if PG_VERSION_NUM >= 180000
	ListCell   *lc;
	ListCell   *lk;

	foreach(lc, diff_keys_of(diff->src.tables))
	{
		const char *t = lfirst(lc);
		const char *u = new_name(w->rs, "tables", NULL, t);
		JsonbContainer *st = diff_get_obj(diff->src.tables, t);
		JsonbContainer *dt = diff_get_obj(diff->dst.tables, u);
		JsonbContainer *sc = diff_get_obj(st, "columns");

		if (dt == NULL || diff_get_text(st, "partition_of"))
			continue;
		/* a constraint of its own that the renames name as PostgreSQL would: plain again */
		foreach(lk, diff_keys_of(sc))
		{
			const char *c = lfirst(lk);
			const char *c2 = new_name(w->rs, "columns", t, c);
			JsonbContainer *sk = diff_get_obj(st, "constraints");
			ListCell   *lx;

			foreach(lx, diff_keys_of(sk))
			{
				const char *k = lfirst(lx);
				char	   *def = diff_get_text(diff_get_obj(sk, k), "definition");

				if (def && strcmp(def, psprintf("NOT NULL %s", quote_identifier(c))) == 0 &&
					strcmp(k, psprintf("%s_%s_not_null", t, c)) != 0 &&
					strcmp(new_name(w->rs, "constraints", t, k), psprintf("%s_%s_not_null", u, c2)) == 0)
					w->plain_not_nulls = lappend(w->plain_not_nulls, not_null_of(t, c, k, def));
			}
		}
		foreach(lk, diff_keys_of(sc))
		{
			const char *c = lfirst(lk);
			const char *c2 = new_name(w->rs, "columns", t, c);
			JsonbContainer *col = diff_get_obj(sc, c);
			char	   *old;
			char	   *now;

			if ((strcmp(t, u) == 0 && strcmp(c, c2) == 0) || !diff_get_bool(col, "not_null") ||
				diff_get_text(col, "not_null_name"))
				continue;
			old = psprintf("%s_%s_not_null", t, c);
			now = psprintf("%s_%s_not_null", u, c2);
			if (diff_has_key(diff_get_obj(dt, "constraints"), old))
				w->kept_not_nulls = lappend(w->kept_not_nulls,
											not_null_of(t, c, old, psprintf("NOT NULL %s", quote_identifier(c2))));
			else if (diff_get_bool(diff_get_obj(diff_get_obj(dt, "columns"), c2), "not_null"))
				diff->renamed = lappend(diff->renamed,
										psprintf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s",
												 diff_q(diff->out, u), quote_identifier(old),
												 quote_identifier(now)));
		}
	}
#endif
}

static KeptNotNull *
kept_not_null(List *list, const char *table, const char *column, const char *name)
{
	ListCell   *lc;

	foreach(lc, list)
	{
		KeptNotNull *k = lfirst(lc);

		if (strcmp(k->table, table) == 0 && (column == NULL || strcmp(k->column, column) == 0) &&
			(name == NULL || strcmp(k->name, name) == 0))
			return k;
	}
	return NULL;
}

/*
 * The renames that show in the definitions of object name of kind (and of
 * its part pn, a name as "depends" gives it, or NULL): its own and its
 * parts', and those of what it depends on.
 */
static List *
changes_for(Walk *w, const char *kind, const char *name, const char *pn)
{
	List	   *deps = list_concat(diff_array_of(w->depends, depends_name_of(kind, name)),
								   pn ? diff_array_of(w->depends, pn) : NIL);
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, w->rs->list)
	{
		Rename	   *r = lfirst(lc);
		bool		own = r->owner_kind ?
			(strcmp(r->owner_kind, kind) == 0 && strcmp(r->owner, name) == 0) :
			(strcmp(r->kind, kind) == 0 && strcmp(r->from, name) == 0);
		char	   *rn = r->owner_kind ? depends_part_name(r->kind, r->owner, r->from) :
			depends_name_of(r->kind, r->from);

		if (own || diff_str_member(deps, rn))
			result = lappend(result, r);
	}
	return result;
}

static void
push_str(JsonbParseState **st, JsonbIteratorToken tok, const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	(void) pushJsonbValue(st, tok, &v);
}

/* a function's definition: its header (name, arguments, result) renamed, never its body */
static char *
function_header(const char *def, List *changes)
{
	const char *const ends[] = {"\nAS ", "\nBEGIN ATOMIC", "\nRETURN "};
	const char *end = def + strlen(def);

	for (size_t i = 0; i < lengthof(ends); i++)
	{
		const char *e = strstr(def, ends[i]);

		if (e && e < end)
			end = e;
	}
	return psprintf("%s%s", substitute(pnstrdup(def, end - def), changes), end);
}

/* a sequence's owner "TABLE.COLUMN", renamed */
static char *
owned_by(Renames *rs, const char *value)
{
	List	   *parts = NIL;
	char	   *copy = pstrdup(value);

	if (!SplitIdentifierString(copy, '.', &parts) || list_length(parts) != 2)
		return pstrdup(value);
	return psprintf("%s.%s", quote_identifier(new_name(rs, "tables", NULL, linitial(parts))),
					quote_identifier(new_name(rs, "columns", linitial(parts), lsecond(parts))));
}

/*
 * A text member of object name of kind, or (partkind not NULL) of its part
 * part, once renamed.
 */
static char *
member_value(Walk *w, const char *kind, const char *name, const char *partkind,
			 const char *part, const char *member, const char *value)
{
	static const char *const expressions[] = {
		"definition", "using", "check", "default", "generated", "partition_by", "arguments", "result"
	};
	bool		expression = false;

	/* the members that hold names (a constraint's type is a letter) */
	for (size_t i = 0; i < lengthof(expressions); i++)
		if (strcmp(member, expressions[i]) == 0)
			expression = true;
	if (strcmp(member, "type") == 0 && !(partkind && strcmp(partkind, "constraints") == 0))
		expression = true;
	if (strcmp(member, "partition_of") == 0)
		return pstrdup(new_name(w->rs, "tables", NULL, value));
	if (strcmp(member, "owned_by") == 0)
		return owned_by(w->rs, value);
	if (!expression)
		return pstrdup(value);
	if (strcmp(kind, "functions") == 0 && strcmp(member, "definition") == 0)
		return function_header(value, changes_for(w, kind, name, NULL));
	return substitute(value, changes_for(w, kind, name,
										 partkind ? depends_part_name(partkind, name, part) : NULL));
}

/* an element of an array: "depends" of a view or function (relations) or domain (functions) */
static char *
element_value(Walk *w, int level, const char *kind, const char *member, const char *value)
{
	if (level == 2 && strcmp(kind, "depends") == 0)
		return rename_depends_name(w->rs, value);
	if (level == 3 && strcmp(member, "depends") == 0)
	{
		const char *noun = strcmp(kind, "domains") == 0 ? "function" : "relation";

		return rename_depends_name(w->rs, psprintf("%s %s", noun, value)) + strlen(noun) + 1;
	}
	return pstrdup(value);
}

/* a key, once renamed: of an object (level 1) or a part (level 3) */
static char *
key_value(Walk *w, int level, const char *kind, const char *name, const char *member,
		  const char *key)
{
	if (level == 1 && strcmp(kind, "depends") == 0)
		return rename_depends_name(w->rs, key);
	if (level == 1 && strcmp(kind, "functions") == 0)
		return rename_depends_name(w->rs, psprintf("function %s", key)) + strlen("function ");
	if (level == 1)
		return pstrdup(new_name(w->rs, kind, NULL, key));
	if (level == 3 && (strcmp(member, "columns") == 0 || strcmp(member, "constraints") == 0 ||
					   strcmp(member, "indexes") == 0 || strcmp(member, "triggers") == 0 ||
					   strcmp(member, "policies") == 0))
		return pstrdup(new_name(w->rs, member, name, key));
	return pstrdup(key);
}

/*
 * Container c of the source schema's snapshot into w->st, renamed.  Its
 * level: 0 the schema's snapshot, 1 a kind, 2 an object, 3 a member of it
 * (parts of a kind, an array), 4 a part, 5 a member of a part.
 */
static JsonbValue *
copy_container(Walk *w, JsonbContainer *c, int level, const char *kind, const char *name,
			   const char *member, const char *part)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue *res = NULL;
	JsonbValue	v;
	bool		skip = false;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_BEGIN_OBJECT || tok == WJB_BEGIN_ARRAY)
			(void) pushJsonbValue(&w->st, tok, tok == WJB_BEGIN_ARRAY ? &v : NULL);
		else if (tok == WJB_END_OBJECT || tok == WJB_END_ARRAY)
		{
			/* a table's constraints: with the NOT NULL ones a rename kept named */
			if (level == 3 && strcmp(kind, "tables") == 0 && strcmp(member, "constraints") == 0)
			{
				ListCell   *lk;

				foreach(lk, w->kept_not_nulls)
				{
					KeptNotNull *k = lfirst(lk);

					if (strcmp(k->table, name) != 0)
						continue;
					push_str(&w->st, WJB_KEY, k->name);
					(void) pushJsonbValue(&w->st, WJB_BEGIN_OBJECT, NULL);
					push_str(&w->st, WJB_KEY, "definition");
					push_str(&w->st, WJB_VALUE, k->definition);
					push_str(&w->st, WJB_KEY, "type");
					push_str(&w->st, WJB_VALUE, "n");
					(void) pushJsonbValue(&w->st, WJB_END_OBJECT, NULL);
				}
			}
			res = pushJsonbValue(&w->st, tok, NULL);
		}
		else if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			skip = level == 3 && strcmp(kind, "tables") == 0 && strcmp(member, "constraints") == 0 &&
				kept_not_null(w->plain_not_nulls, name, NULL, key);
			if (!skip)
				push_str(&w->st, WJB_KEY, key_value(w, level, kind, name, member, key));
		}
		else if (skip)
			skip = false;		/* a NOT NULL plain again: its column's not_null */
		else if (v.type == jbvBinary)
		{
			/* the schema itself and identity are left as they are */
			if (level == 0 && (strcmp(key, "schema") == 0 || strcmp(key, "identity") == 0))
				(void) pushJsonbValue(&w->st, tok, &v);
			else if (tok == WJB_ELEM)
				copy_container(w, v.val.binary.data, level + 1, kind, name, member, part);
			else
				copy_container(w, v.val.binary.data, level + 1,
							   level == 0 ? key : kind, level == 1 ? key : name,
							   level == 2 ? key : member, level == 3 ? key : part);
		}
		else if (v.type == jbvBool && level == 4 && strcmp(key, "not_null") == 0 &&
				 strcmp(kind, "tables") == 0 && strcmp(member, "columns") == 0 &&
				 (kept_not_null(w->kept_not_nulls, name, part, NULL) ||
				  kept_not_null(w->plain_not_nulls, name, part, NULL)))
		{
			/* its NOT NULL is a constraint of its own now, or plain again */
			v.val.boolean = kept_not_null(w->plain_not_nulls, name, part, NULL) != NULL;
			(void) pushJsonbValue(&w->st, tok, &v);
		}
		else if (v.type != jbvString || strcmp(kind ? kind : "", "schema") == 0)
			(void) pushJsonbValue(&w->st, tok, &v);
		else
		{
			char	   *s = pnstrdup(v.val.string.val, v.val.string.len);

			if (tok == WJB_ELEM)
				s = element_value(w, level, kind, member, s);
			else if (level == 2 && strcmp(key, "grants") != 0)
				s = member_value(w, kind, name, NULL, NULL, key, s);
			else if (level == 4 && strcmp(member, "column_comments") != 0 &&
					 strcmp(member, "attributes") != 0)
				s = member_value(w, kind, name, member, part, key, s);
			push_str(&w->st, tok, s);
		}
	}
	return res;
}

/* each function's key once renamed (its name, the types of its arguments) */
static void
rename_function_keys(Walk *w, JsonbContainer *functions)
{
	ListCell   *lc;
	ListCell   *lr;

	foreach(lc, diff_keys_of(functions))
	{
		char	   *key = lfirst(lc);
		const char *name = function_name(new_name(w->rs, "functions", NULL, key));
		List	   *changes = NIL;
		char	   *renamed;

		foreach(lr, changes_for(w, "functions", key, NULL))
			if (strcmp(((Rename *) lfirst(lr))->kind, "functions") != 0)
				changes = lappend(changes, lfirst(lr));
		renamed = psprintf("%s%s", name, substitute(key + strlen(function_name(key)), changes));
		if (strcmp(renamed, key) != 0)
			w->rs->function_keys = lappend(lappend(w->rs->function_keys, key), renamed);
	}
}

/* ---------------------------------------------------------------------
 * The statements
 * ---------------------------------------------------------------------
 */

static const char *
object_noun(JsonbContainer *obj, const char *kind)
{
	if (strcmp(kind, "tables") == 0)
		return "TABLE";
	if (strcmp(kind, "views") == 0)
		return diff_get_bool(obj, "materialized") ? "MATERIALIZED VIEW" : "VIEW";
	if (strcmp(kind, "sequences") == 0)
		return "SEQUENCE";
	if (strcmp(kind, "domains") == 0)
		return "DOMAIN";
	if (strcmp(kind, "functions") == 0)
		return strcmp(diff_get_text(obj, "kind") ? diff_get_text(obj, "kind") : "f", "p") == 0 ?
			"PROCEDURE" : "FUNCTION";
	return "TYPE";
}

/* the statement of one rename (objects first: a part's owner has its new name) */
static char *
rename_statement(Diff *diff, Renames *rs, Rename *r)
{
	DiffOut    *out = diff->out;
	JsonbContainer *obj = diff_get_obj(snap_kind(&diff->src, r->owner_kind ? r->owner_kind : r->kind),
									   r->owner ? r->owner : r->from);
	const char *owner = r->owner ? diff_q(out, new_name(rs, r->owner_kind, NULL, r->owner)) : NULL;

	if (strcmp(r->kind, "functions") == 0)
	{
		const char *key = r->from;

		for (int i = 0; i + 1 < list_length(rs->function_keys); i += 2)
			if (strcmp(list_nth(rs->function_keys, i), r->from) == 0)
				key = list_nth(rs->function_keys, i + 1);
		return psprintf("ALTER %s %s%s RENAME TO %s", object_noun(obj, r->kind),
						diff_q(out, function_name(r->from)), key + strlen(function_name(key)),
						quote_identifier(function_name(r->to)));
	}
	if (r->owner_kind == NULL)
		return psprintf("ALTER %s %s RENAME TO %s", object_noun(obj, r->kind), diff_q(out, r->from),
						quote_identifier(r->to));
	if (strcmp(r->kind, "indexes") == 0)
		return psprintf("ALTER INDEX %s RENAME TO %s", diff_q(out, r->from), quote_identifier(r->to));
	if (strcmp(r->kind, "columns") == 0)
		return psprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", owner,
						quote_identifier(r->from), quote_identifier(r->to));
	if (strcmp(r->kind, "constraints") == 0)
		return psprintf("ALTER %s %s RENAME CONSTRAINT %s TO %s",
						strcmp(r->owner_kind, "domains") == 0 ? "DOMAIN" : "TABLE", owner,
						quote_identifier(r->from), quote_identifier(r->to));
	return psprintf("ALTER %s %s ON %s RENAME TO %s", strcmp(r->kind, "triggers") == 0 ? "TRIGGER" : "POLICY",
					quote_identifier(r->from), owner, quote_identifier(r->to));
}

/* ---------------------------------------------------------------------
 * What may be a rename
 * ---------------------------------------------------------------------
 */

/* the types of a table's columns in order: its shape */
static char *
table_shape(JsonbContainer *t)
{
	JsonbContainer *cols = diff_get_obj(t, "columns");
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, diff_by_position(cols))
		appendStringInfo(&s, "%s,", diff_need_text(diff_get_obj(cols, lfirst(lc)), "type"));
	return s.data;
}

static void
note(Diff *diff, const char *what, const char *from, const char *to, const char *hint)
{
	diff->maybe_renames = lappend(diff->maybe_renames, psprintf("%s %s", what, from));
	diff->maybe_renames = lappend(diff->maybe_renames,
								  psprintf("data-loss (or a rename of %s %s to %s? If so, say so: "
										   "-- migrator:renamed %s)", what, from, to, hint));
}

/*
 * Without identity: a table that goes while a new one has the same column
 * types in the same order, a column that goes while a new one of the same
 * type comes in the same table, may be renames.
 */
static void
find_maybe_renames(Diff *diff)
{
	ListCell   *lc;
	ListCell   *ld;
	List	   *created = NIL;
	List	   *shapes = NIL;

	/* the new tables and their shapes, worked out once */
	foreach(lc, diff_keys_of(diff->dst.tables))
		if (!diff_has_key(diff->src.tables, lfirst(lc)))
		{
			created = lappend(created, lfirst(lc));
			shapes = lappend(shapes, table_shape(diff_get_obj(diff->dst.tables, lfirst(lc))));
		}
	foreach(lc, diff_keys_of(diff->src.tables))
	{
		JsonbContainer *st = diff_get_obj(diff->src.tables, lfirst(lc));
		JsonbContainer *dt = diff_get_obj(diff->dst.tables, lfirst(lc));

		if (dt == NULL)
		{
			char	   *shape = created ? table_shape(st) : NULL;

			foreach(ld, created)
				if (strcmp(shape, list_nth(shapes, foreach_current_index(ld))) == 0)
				{
					note(diff, "table", quote_identifier(lfirst(lc)), quote_identifier(lfirst(ld)),
						 psprintf("%s -> %s", quote_identifier(lfirst(lc)), quote_identifier(lfirst(ld))));
					break;
				}
			continue;
		}
		{
			JsonbContainer *sc = diff_get_obj(st, "columns");
			JsonbContainer *dc = diff_get_obj(dt, "columns");
			ListCell   *lx;

			foreach(ld, diff_keys_of(sc))
			{
				if (diff_has_key(dc, lfirst(ld)))
					continue;
				foreach(lx, diff_keys_of(dc))
					if (!diff_has_key(sc, lfirst(lx)) &&
						diff_same(diff_get_obj(sc, lfirst(ld)), diff_get_obj(dc, lfirst(lx)), "type"))
					{
						char	   *from = psprintf("%s.%s", quote_identifier(lfirst(lc)),
													quote_identifier(lfirst(ld)));

						note(diff, "column", from, quote_identifier(lfirst(lx)),
							 psprintf("%s -> %s", from, quote_identifier(lfirst(lx))));
						break;
					}
			}
		}
	}
}

/*
 * The hazard of a statement that drops "what name" (a table, or a column
 * "table.column", quoted): data-loss, and whether it may be a rename.
 */
const char *
diff_drop_hazard(Diff *diff, const char *what, const char *name)
{
	char	   *key = psprintf("%s %s", what, name);

	for (int i = 0; i + 1 < list_length(diff->maybe_renames); i += 2)
		if (strcmp(list_nth(diff->maybe_renames, i), key) == 0)
			return list_nth(diff->maybe_renames, i + 1);
	return "data-loss";
}

/* ---------------------------------------------------------------------
 * The entry point
 * ---------------------------------------------------------------------
 */

/*
 * The renames from the source to the target of diff (by identity, and by
 * the hints of diff->out): their statements in diff->renamed, and the
 * source as they leave it (NULL: no rename).  Without any, the drops that
 * may be renames are noted for their hazard.
 */
Jsonb *
diff_renames(Diff *diff, JsonbContainer *srcc, List *hints)
{
	Renames		rs = {0};
	Walk		w;
	ListCell   *lc;
	JsonbValue *res;

	apply_object_hints(diff, &rs, hints);
	apply_part_hints(diff, &rs, hints);
	find_by_identity(diff, &rs);
	if (rs.list == NIL)
	{
		if (!same_database(diff))
			find_maybe_renames(diff);
		return NULL;
	}
	w.rs = &rs;
	w.depends = diff->src.depends;
	w.st = NULL;
	w.kept_not_nulls = NIL;
	w.plain_not_nulls = NIL;
	rename_function_keys(&w, diff->src.functions);
	/* objects first, then their parts (named in their owners' new names), kind by kind */
	for (size_t k = 0; k < lengthof(object_kinds) + lengthof(part_kinds); k++)
	{
		const char *kind = k < lengthof(object_kinds) ? object_kinds[k] :
			part_kinds[k - lengthof(object_kinds)];

		foreach(lc, rs.list)
			if (strcmp(((Rename *) lfirst(lc))->kind, kind) == 0)
				diff->renamed = lappend(diff->renamed, rename_statement(diff, &rs, lfirst(lc)));
	}
	find_not_nulls(diff, &w);
	res = copy_container(&w, srcc, 0, NULL, NULL, NULL, NULL);
	return JsonbValueToJsonb(res);
}
