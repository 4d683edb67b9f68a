/*-------------------------------------------------------------------------
 *
 * diff_types.c
 *	  migrator.diff() for enum, domain, composite and range types.
 *
 *	  New enum values go in their place (ALTER TYPE ... ADD VALUE BEFORE or
 *	  AFTER).  An enum that loses a value cannot be altered: it is renamed,
 *	  created anew, the columns of that type are converted through text
 *	  (a rewrite, and the rows holding the value lost fail it), and the old
 *	  one is dropped.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "diff.h"

/* how many labels an enum has (a snapshot that lists none: none) */
static int
n_labels(JsonbContainer *labels)
{
	return labels && JsonContainerIsArray(labels) ? (int) JsonContainerSize(labels) : 0;
}

static char *
label_at(JsonbContainer *labels, int i)
{
	JsonbValue *v = getIthJsonbValueFromContainer(labels, i);

	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("malformed snapshot"),
				 errdetail("An enum label is not a string."),
				 errhint("Pass what migrator.snapshot() returns.")));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static bool
has_label(JsonbContainer *labels, const char *label)
{
	for (int i = 0; i < n_labels(labels); i++)
		if (strcmp(label_at(labels, i), label) == 0)
			return true;
	return false;
}

/* the name an enum being re-created has meanwhile */
static char *
old_enum_name(const char *name)
{
	return psprintf("%s_migrator_old", name);
}

static void
create_enum(DiffOut *out, const char *name, JsonbContainer *labels)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < n_labels(labels); i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", quote_literal_cstr(label_at(labels, i)));
	diff_on(out, ACT_CREATE, "type", name);
	diff_emit(out, NULL, "CREATE TYPE %s AS ENUM (%s)", diff_q(out, name), s.data);
}

/* values added in their place; a value removed: the type is re-created */
static void
alter_enum(Diff *diff, const char *name, JsonbContainer *sl, JsonbContainer *dl)
{
	DiffOut    *out = diff->out;
	int			n = n_labels(dl);

	if (diff_str_member(diff->recreated_enums, name))
	{
		/* (makes room for the new one: its first step) */
		diff_on(out, ACT_CREATE, "type", name);
		diff_emit(out, "data-loss", "ALTER TYPE %s RENAME TO %s", diff_q(out, name),
			 quote_identifier(old_enum_name(name)));
		create_enum(out, name, dl);
		return;
	}
	diff_on(out, ACT_ALTER, "type", name);
	for (int i = 0; i < n; i++)
	{
		char	   *label = label_at(dl, i);

		if (has_label(sl, label))
			continue;
		if (i > 0)
			diff_emit(out, NULL, "ALTER TYPE %s ADD VALUE %s AFTER %s", diff_q(out, name),
				 quote_literal_cstr(label), quote_literal_cstr(label_at(dl, i - 1)));
		else if (n_labels(sl) == 0)
			diff_emit(out, NULL, "ALTER TYPE %s ADD VALUE %s", diff_q(out, name), quote_literal_cstr(label));
		else
			diff_emit(out, NULL, "ALTER TYPE %s ADD VALUE %s BEFORE %s", diff_q(out, name),
				 quote_literal_cstr(label), quote_literal_cstr(label_at(sl, 0)));
	}
}

/*
 * The enums that lose a value: re-created.  Known before anything is
 * emitted, since the views over their columns go first.
 */
void
diff_find_recreated_enums(Diff *diff)
{
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->dst.enums))
	{
		JsonbContainer *sl = diff_get_obj(diff_get_obj(diff->src.enums, lfirst(lc)), "labels");
		JsonbContainer *dl = diff_get_obj(diff_get_obj(diff->dst.enums, lfirst(lc)), "labels");

		for (int i = 0; i < n_labels(sl); i++)
			if (!has_label(dl, label_at(sl, i)))
			{
				diff->recreated_enums = lappend(diff->recreated_enums, lfirst(lc));
				break;
			}
	}
}

/* is type (as format_type prints it) an enum being re-created, or an array of one? */
bool
diff_is_recreated_enum(Diff *diff, const char *type)
{
	ListCell   *lc;

	if (type == NULL)
		return false;
	foreach(lc, diff->recreated_enums)
	{
		const char *e = quote_identifier(lfirst(lc));
		size_t		len = strlen(e);

		if (strncmp(type, e, len) == 0 && (type[len] == '\0' || strcmp(type + len, "[]") == 0))
			return true;
	}
	return false;
}

/*
 * A column of a re-created enum type, in a table both have: to the new
 * type, through text, with its default set again around it.
 */
void
diff_enum_columns(Diff *diff, const char *table, const char *column, JsonbContainer *d)
{
	DiffOut    *out = diff->out;
	const char *qc = quote_identifier(column);
	char	   *type = diff_need_text(d, "type");
	char	   *dflt = diff_get_text(d, "default");

	diff_on(out, ACT_ALTER, "relation", table);
	if (dflt)
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", diff_q(out, table), qc);
	diff_emit(out, "rewrite", "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::text%s::%s",
		 diff_q(out, table), qc, type, qc, strstr(type, "[]") ? "[]" : "", type);
	if (dflt)
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", diff_q(out, table), qc, dflt);
}

void
diff_enums_drop_old(Diff *diff)
{
	ListCell   *lc;

	foreach(lc, diff->recreated_enums)
	{
		diff_on(diff->out, ACT_DROP, "type", lfirst(lc));
		diff_emit(diff->out, NULL, "DROP TYPE %s", diff_q(diff->out, old_enum_name(lfirst(lc))));
	}
}

/* ---------------------------------------------------------------------
 * Domains
 * ---------------------------------------------------------------------
 */

/*
 * A new domain, without its default and checks (they may call functions
 * not created yet: diff_domains_complete() adds them)
 */
static void
create_domain(DiffOut *out, const char *name, JsonbContainer *d)
{
	char	   *coll = diff_get_text(d, "collation");

	diff_on(out, ACT_CREATE, "type", name);
	diff_emit(out, NULL, "CREATE DOMAIN %s AS %s%s%s%s", diff_q(out, name), diff_need_text(d, "type"),
		 coll ? " COLLATE " : "", coll ? coll : "",
		 diff_get_bool(d, "not_null") ? " NOT NULL" : "");
}

/*
 * whether constraint k of a domain's snapshot is a NOT NULL that this
 * server catalogues (17+; before, a snapshot has none)
 */
static bool
is_not_null(JsonbContainer *k)
{
#if PG_VERSION_NUM >= 170000
	char	   *type = diff_get_text(k, "type");

	return type && strcmp(type, "n") == 0;
#else
	return false;
#endif
}

#if PG_VERSION_NUM >= 170000
/*
 * 17+ catalogue a domain's NOT NULL as a constraint with a name: the names
 * of a domain's NOT NULL constraints in its snapshot, its not_null (named
 * as PostgreSQL names it, domain_not_null) and those of type n
 */
static List *
not_null_names(const char *name, JsonbContainer *dom)
{
	JsonbContainer *ks = diff_get_obj(dom, "constraints");
	List	   *names = NIL;
	ListCell   *lc;

	if (diff_get_bool(dom, "not_null"))
		names = lappend(names, psprintf("%s_not_null", name));
	foreach(lc, diff_keys_of(ks))
		if (is_not_null(diff_get_obj(ks, lfirst(lc))))
			names = lappend(names, lfirst(lc));
	return names;
}

/* the names of from that to has not */
static List *
names_gone(List *from, List *to)
{
	List	   *gone = NIL;
	ListCell   *lc;

	foreach(lc, from)
		if (!diff_str_member(to, lfirst(lc)))
			gone = lappend(gone, lfirst(lc));
	return gone;
}

/*
 * 17+: a domain NOT NULL before and after under another name is renamed
 * (dropping and adding it would check every value of the domain under
 * lock): *from and *to when so
 */
static bool
not_null_renamed(const char *name, JsonbContainer *s, JsonbContainer *d, char **from, char **to)
{
	List	   *sn = not_null_names(name, s);
	List	   *dn = not_null_names(name, d);
	List	   *gone = names_gone(sn, dn);
	List	   *added = names_gone(dn, sn);

	if (list_length(gone) == 1 && list_length(added) == 1)
	{
		*from = linitial(gone);
		*to = linitial(added);
		return true;
	}
	return false;
}

/*
 * 17+: a domain's NOT NULL constraints, kept, renamed, dropped or added;
 * not_null is the one named as PostgreSQL names it (SET / DROP NOT NULL)
 */
static void
alter_domain_not_nulls(DiffOut *out, const char *name, JsonbContainer *s, JsonbContainer *d)
{
	List	   *sn = not_null_names(name, s);
	List	   *dn = not_null_names(name, d);
	char	   *plain = psprintf("%s_not_null", name);
	char	   *from = NULL;
	char	   *to = NULL;
	ListCell   *lc;
	JsonbContainer *was;

	if (not_null_renamed(name, s, d, &from, &to))
	{
		diff_on_part(out, ACT_ALTER, "constraint", name, to);
		diff_emit(out, NULL, "ALTER DOMAIN %s RENAME CONSTRAINT %s TO %s", diff_q(out, name),
			 quote_identifier(from), quote_identifier(to));
		sn = dn = NIL;
	}
	/* the one named as PostgreSQL names it has no comment (a constraint with one is no such) */
	was = diff_get_obj(diff_get_obj(s, "constraints"), to && strcmp(to, plain) == 0 ? from : plain);
	if (diff_get_bool(d, "not_null") && was)
		diff_emit_comment(out, "CONSTRAINT", psprintf("%s ON DOMAIN %s", quote_identifier(plain), diff_q(out, name)), was, NULL);
	foreach(lc, names_gone(sn, dn))
	{
		diff_on_part(out, ACT_DROP, "constraint", name, lfirst(lc));
		if (strcmp(lfirst(lc), plain) == 0 && diff_get_bool(s, "not_null"))
			diff_emit(out, NULL, "ALTER DOMAIN %s DROP NOT NULL", diff_q(out, name));
		else
			diff_emit(out, NULL, "ALTER DOMAIN %s DROP CONSTRAINT %s", diff_q(out, name), quote_identifier(lfirst(lc)));
	}
	foreach(lc, names_gone(dn, sn))
	{
		diff_on_part(out, ACT_CREATE, "constraint", name, lfirst(lc));
		/* checks every value of the domain (no NOT VALID for a domain's NOT NULL) */
		if (strcmp(lfirst(lc), plain) == 0 && diff_get_bool(d, "not_null"))
			diff_emit(out, "blocking-lock", "ALTER DOMAIN %s SET NOT NULL", diff_q(out, name));
		else
			diff_emit(out, "blocking-lock", "ALTER DOMAIN %s ADD CONSTRAINT %s NOT NULL",
				 diff_q(out, name), quote_identifier(lfirst(lc)));
	}
}
#endif

/*
 * A domain both have: what can be altered is (the default and new checks
 * later, in diff_domains_complete()), else it is re-created
 */
static void
alter_domain(DiffOut *out, const char *name, JsonbContainer *s, JsonbContainer *d)
{
	JsonbContainer *sk = diff_get_obj(s, "constraints");
	JsonbContainer *dk = diff_get_obj(d, "constraints");
	ListCell   *lc;

	diff_on(out, ACT_ALTER, "type", name);
	if (!diff_same(s, d, "default") && !diff_get_text(d, "default"))
		diff_emit(out, NULL, "ALTER DOMAIN %s DROP DEFAULT", diff_q(out, name));
#if PG_VERSION_NUM >= 170000
	alter_domain_not_nulls(out, name, s, d);
#else
	if (diff_get_bool(s, "not_null") != diff_get_bool(d, "not_null"))
		diff_emit(out, diff_get_bool(d, "not_null") ? "blocking-lock" : NULL, "ALTER DOMAIN %s %s NOT NULL",
			 diff_q(out, name), diff_get_bool(d, "not_null") ? "SET" : "DROP");
#endif
	foreach(lc, diff_keys_of(sk))
		if (!is_not_null(diff_get_obj(sk, lfirst(lc))) &&
			(!diff_has_key(dk, lfirst(lc)) || !diff_same(diff_get_obj(sk, lfirst(lc)), diff_get_obj(dk, lfirst(lc)), "definition")))
		{
			diff_on_part(out, ACT_DROP, "constraint", name, lfirst(lc));
			diff_emit(out, NULL, "ALTER DOMAIN %s DROP CONSTRAINT %s", diff_q(out, name), quote_identifier(lfirst(lc)));
		}
}

static void
domain_constraints(DiffOut *out, const char *name, JsonbContainer *s, JsonbContainer *d)
{
	JsonbContainer *sk = diff_get_obj(s, "constraints");
	JsonbContainer *dk = diff_get_obj(d, "constraints");
	char	   *from = NULL;
	char	   *to = NULL;
	ListCell   *lc;

#if PG_VERSION_NUM >= 170000
	if (s)
		(void) not_null_renamed(name, s, d, &from, &to);
#endif
	foreach(lc, diff_keys_of(dk))
	{
		char	   *k = lfirst(lc);
		JsonbContainer *kd = diff_get_obj(dk, k);
		JsonbContainer *ks = diff_get_obj(sk, k);
		char	   *def = diff_need_text(kd, "definition");

		diff_on_part(out, ACT_CREATE, "constraint", name, k);
		if (s && is_not_null(kd))
		{
			/* an existing domain's: alter_domain_not_nulls() did it (or renamed it here) */
			if (to && strcmp(to, k) == 0)
				ks = diff_get_obj(sk, from);
			diff_emit_comment(out, "CONSTRAINT", psprintf("%s ON DOMAIN %s", quote_identifier(k), diff_q(out, name)), ks, kd);
		}
		else if (ks && diff_same(ks, kd, "definition"))
			diff_emit_comment(out, "CONSTRAINT", psprintf("%s ON DOMAIN %s", quote_identifier(k), diff_q(out, name)), ks, kd);
		else
		{
			/* online: NOT VALID, then VALIDATE (a new domain has no values: at once) */
			bool		later = s != NULL && strstr(def, " NOT VALID") == NULL;

			diff_emit(out, later ? "blocking-lock" : NULL, "ALTER DOMAIN %s ADD CONSTRAINT %s %s%s",
				 diff_q(out, name), quote_identifier(k), def, later ? " NOT VALID" : "");
			if (later)
				diff_emit(out, NULL, "ALTER DOMAIN %s VALIDATE CONSTRAINT %s", diff_q(out, name), quote_identifier(k));
			diff_emit_comment(out, "CONSTRAINT", psprintf("%s ON DOMAIN %s", quote_identifier(k), diff_q(out, name)), NULL, kd);
		}
	}
}

/* ---------------------------------------------------------------------
 * Composite and range types
 * ---------------------------------------------------------------------
 */

static char *
attribute_sql(JsonbContainer *a)
{
	char	   *coll = diff_get_text(a, "collation");

	return psprintf("%s%s%s", diff_need_text(a, "type"), coll ? " COLLATE " : "", coll ? coll : "");
}

static void
create_composite(DiffOut *out, const char *name, JsonbContainer *d)
{
	JsonbContainer *attrs = diff_get_obj(d, "attributes");
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	foreach(lc, diff_by_position(attrs))
		appendStringInfo(&s, "%s%s %s", foreach_current_index(lc) ? ", " : "",
						 quote_identifier(lfirst(lc)), attribute_sql(diff_get_obj(attrs, lfirst(lc))));
	diff_on(out, ACT_CREATE, "type", name);
	diff_emit(out, NULL, "CREATE TYPE %s AS (%s)", diff_q(out, name), s.data);
}

static void
alter_composite(DiffOut *out, const char *name, JsonbContainer *s, JsonbContainer *d)
{
	JsonbContainer *sa = diff_get_obj(s, "attributes");
	JsonbContainer *da = diff_get_obj(d, "attributes");
	ListCell   *lc;

	diff_on(out, ACT_ALTER, "type", name);
	foreach(lc, diff_by_position(sa))
		if (!diff_has_key(da, lfirst(lc)))
			diff_emit(out, "data-loss", "ALTER TYPE %s DROP ATTRIBUTE %s CASCADE", diff_q(out, name), quote_identifier(lfirst(lc)));
	foreach(lc, diff_by_position(da))
	{
		JsonbContainer *a = diff_get_obj(da, lfirst(lc));

		if (!diff_has_key(sa, lfirst(lc)))
			diff_emit(out, NULL, "ALTER TYPE %s ADD ATTRIBUTE %s %s CASCADE", diff_q(out, name),
				 quote_identifier(lfirst(lc)), attribute_sql(a));
		else if (strcmp(attribute_sql(diff_get_obj(sa, lfirst(lc))), attribute_sql(a)) != 0)
			diff_emit(out, "rewrite", "ALTER TYPE %s ALTER ATTRIBUTE %s TYPE %s CASCADE", diff_q(out, name),
				 quote_identifier(lfirst(lc)), attribute_sql(a));
	}
}

static void
attribute_comments(DiffOut *out, const char *name, JsonbContainer *s, JsonbContainer *d)
{
	JsonbContainer *sa = diff_get_obj(s, "attributes");
	JsonbContainer *da = diff_get_obj(d, "attributes");
	ListCell   *lc;

	foreach(lc, diff_keys_of(da))
		diff_emit_comment(out, "COLUMN", psprintf("%s.%s", diff_q(out, name), quote_identifier(lfirst(lc))),
					 diff_get_obj(sa, lfirst(lc)), diff_get_obj(da, lfirst(lc)));
}

/*
 * Types, new and changed, in an order that lets one use another: enums,
 * ranges, domains, composite types.  A range or domain whose base changes
 * is re-created (which fails while a column uses it).
 */
void
diff_types_create(Diff *diff)
{
	DiffOut    *out = diff->out;
	Snap	   *src = &diff->src;
	Snap	   *dst = &diff->dst;
	ListCell   *lc;

	foreach(lc, diff_keys_of(dst->enums))
	{
		char	   *e = lfirst(lc);
		JsonbContainer *s = diff_get_obj(src->enums, e);
		JsonbContainer *d = diff_get_obj(dst->enums, e);

		if (s == NULL)
			create_enum(out, e, diff_get_obj(d, "labels"));
		else
			alter_enum(diff, e, diff_get_obj(s, "labels"), diff_get_obj(d, "labels"));
		diff_on(out, ACT_ALTER, "type", e);
		if (diff_str_member(diff->recreated_enums, e))
			s = NULL;
		diff_emit_comment(out, "TYPE", diff_q(out, e), s, d);
		diff_emit_grants(out, psprintf("TYPE %s", diff_q(out, e)), NULL, s, d);
	}
	foreach(lc, diff_keys_of(dst->ranges))
	{
		char	   *r = lfirst(lc);
		JsonbContainer *s = diff_get_obj(src->ranges, r);
		JsonbContainer *d = diff_get_obj(dst->ranges, r);

		if (s && !diff_same(s, d, "definition"))
		{
			diff_on(out, ACT_DROP, "type", r);
			diff_emit(out, "data-loss", "DROP TYPE %s", diff_q(out, r));
			s = NULL;
		}
		diff_on(out, s ? ACT_ALTER : ACT_CREATE, "type", r);
		if (s == NULL)
			diff_emit(out, NULL, "CREATE TYPE %s AS RANGE (%s)", diff_q(out, r), diff_need_text(d, "definition"));
		diff_emit_comment(out, "TYPE", diff_q(out, r), s, d);
		diff_emit_grants(out, psprintf("TYPE %s", diff_q(out, r)), NULL, s, d);
	}
	foreach(lc, diff_keys_of(dst->domains))
	{
		char	   *name = lfirst(lc);
		JsonbContainer *s = diff_get_obj(src->domains, name);
		JsonbContainer *d = diff_get_obj(dst->domains, name);

		if (s && !(diff_same(s, d, "type") && diff_same(s, d, "collation")))
		{
			diff_on(out, ACT_DROP, "type", name);
			diff_emit(out, "data-loss", "DROP DOMAIN %s", diff_q(out, name));
			s = NULL;
		}
		if (s == NULL)
			create_domain(out, name, d);
		else
			alter_domain(out, name, s, d);
		diff_on(out, ACT_ALTER, "type", name);
		diff_emit_comment(out, "DOMAIN", diff_q(out, name), s, d);
		diff_emit_grants(out, psprintf("DOMAIN %s", diff_q(out, name)), NULL, s, d);
	}
	foreach(lc, diff_keys_of(dst->composites))
	{
		char	   *name = lfirst(lc);
		JsonbContainer *s = diff_get_obj(src->composites, name);
		JsonbContainer *d = diff_get_obj(dst->composites, name);

		if (s == NULL)
			create_composite(out, name, d);
		else
			alter_composite(out, name, s, d);
		diff_on(out, ACT_ALTER, "type", name);
		diff_emit_comment(out, "TYPE", diff_q(out, name), s, d);
		diff_emit_grants(out, psprintf("TYPE %s", diff_q(out, name)), NULL, s, d);
		attribute_comments(out, name, s, d);
	}
}

/*
 * The defaults and checks of domains, new or changed, once the functions
 * they may call exist (and before the tables that use the domains)
 */
void
diff_domains_complete(Diff *diff)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->dst.domains))
	{
		char	   *name = lfirst(lc);
		JsonbContainer *s = diff_get_obj(diff->src.domains, name);
		JsonbContainer *d = diff_get_obj(diff->dst.domains, name);
		char	   *dflt = diff_get_text(d, "default");

		/* re-created (see diff_types_create()): as new */
		if (s && !(diff_same(s, d, "type") && diff_same(s, d, "collation")))
			s = NULL;
		diff_on(out, ACT_ALTER, "type", name);
		if (dflt && !(s && diff_same(s, d, "default")))
			diff_emit(out, NULL, "ALTER DOMAIN %s SET DEFAULT %s", diff_q(out, name), dflt);
		domain_constraints(out, name, s, d);
	}
}

/* types that go, once no table, view or function uses them */
/*
 * Domains that go and whose default or checks call functions of the schema
 * (the snapshot's "depends") lose them first, before functions go (and the
 * functions whose arguments are of the domain before the domain).
 */
void
diff_domains_detach(Diff *diff)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;
	ListCell   *lk;

	foreach(lc, diff_keys_of(diff->src.domains))
	{
		char	   *name = lfirst(lc);
		JsonbContainer *s = diff_get_obj(diff->src.domains, name);

		if (diff_has_key(diff->dst.domains, name) || diff_array_of(s, "depends") == NIL)
			continue;
		diff_on(out, ACT_ALTER, "type", name);
		if (diff_get_text(s, "default"))
			diff_emit(out, NULL, "ALTER DOMAIN %s DROP DEFAULT", diff_q(out, name));
		foreach(lk, diff_keys_of(diff_get_obj(s, "constraints")))
		{
			diff_on_part(out, ACT_DROP, "constraint", name, lfirst(lk));
			diff_emit(out, NULL, "ALTER DOMAIN %s DROP CONSTRAINT %s", diff_q(out, name), quote_identifier(lfirst(lk)));
		}
	}
}

/* the types of one kind that go (DROP kind) */
static void
drop_types(DiffOut *out, JsonbContainer *src, JsonbContainer *dst, const char *kind)
{
	ListCell   *lc;

	foreach(lc, diff_keys_of(src))
		if (!diff_has_key(dst, lfirst(lc)))
		{
			diff_on(out, ACT_DROP, "type", lfirst(lc));
			diff_emit(out, "data-loss", "DROP %s %s", kind, diff_q(out, lfirst(lc)));
		}
}

void
diff_types_drop(Diff *diff)
{
	DiffOut    *out = diff->out;
	Snap	   *src = &diff->src;
	Snap	   *dst = &diff->dst;

	drop_types(out, src->composites, dst->composites, "TYPE");
	drop_types(out, src->domains, dst->domains, "DOMAIN");
	drop_types(out, src->ranges, dst->ranges, "TYPE");
	drop_types(out, src->enums, dst->enums, "TYPE");
}
