/*-------------------------------------------------------------------------
 *
 * diff_relkinds.c
 *	  migrator.diff() for the kinds of objects that hang off tables without
 *	  being written inside their CREATE TABLE, or that many kinds have:
 *	  extended statistics objects, table inheritance, default privileges,
 *	  owners, foreign tables and their servers.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/varlena.h"

#include "diff.h"

/* ---------------------------------------------------------------------
 * Statistics objects (CREATE STATISTICS)
 * ---------------------------------------------------------------------
 */

/* is statistics object name of the source to be dropped (gone, changed, rebuilt)? */
static bool
statistics_go(Diff *diff, const char *name)
{
	JsonbContainer *s = diff_get_obj(diff->src.statistics, name);
	JsonbContainer *d = diff_get_obj(diff->dst.statistics, name);

	return d == NULL || !diff_same(s, d, "definition") || diff_is_rebuilt(diff, "statistics", name);
}

/*
 * Statistics objects that go or change: before the tables and columns
 * they are on can go (DROP TABLE would take them along, and a DROP
 * STATISTICS after it would fail).
 */
void
diff_statistics_drop(Diff *diff)
{
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->src.statistics))
		if (statistics_go(diff, lfirst(lc)))
		{
			diff_on(diff->out, ACT_DROP, "statistics", lfirst(lc));
			diff_emit(diff->out, NULL, "DROP STATISTICS %s", diff_q(diff->out, lfirst(lc)));
		}
}

/*
 * Statistics objects, new or changed, once their tables have their
 * columns: created, then their target and comment.
 */
void
diff_statistics_create(Diff *diff)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->dst.statistics))
	{
		char	   *name = lfirst(lc);
		JsonbContainer *s = diff_get_obj(diff->src.statistics, name);
		JsonbContainer *d = diff_get_obj(diff->dst.statistics, name);
		char	   *target = diff_get_text(d, "target");

		if (s && statistics_go(diff, name))
			s = NULL;
		diff_on(out, s ? ACT_ALTER : ACT_CREATE, "statistics", name);
		if (s == NULL)
			diff_emit(out, NULL, "CREATE STATISTICS %s%s", diff_q(out, name), diff_need_text(d, "definition"));
		if (!diff_same(s, d, "target") && (s || target))
			diff_emit(out, NULL, "ALTER STATISTICS %s SET STATISTICS %s", diff_q(out, name),
					  target ? target : "-1");
		diff_emit_comment(out, "STATISTICS", diff_q(out, name), s, d);
	}
}

/* ---------------------------------------------------------------------
 * Table inheritance (INHERITS)
 * ---------------------------------------------------------------------
 */

/*
 * A parent of a table's "inherits" (as regclass prints it: quoted, and
 * qualified when of another schema): its name in the schema, unquoted, or
 * NULL when it is of another schema.
 */
char *
diff_local_parent(const char *parent)
{
	List	   *parts = NIL;

	if (!SplitIdentifierString(pstrdup(parent), '.', &parts) || list_length(parts) != 1)
		return NULL;
	return linitial(parts);
}

/* ... as a statement names it */
static char *
parent_sql(DiffOut *out, const char *parent)
{
	char	   *local = diff_local_parent(parent);

	return local ? diff_q(out, local) : pstrdup(parent);
}

/* " INHERITS (p, ...)" of a new table ("" when it has no parent) */
char *
diff_inherits_clause(DiffOut *out, JsonbContainer *dt)
{
	List	   *parents = diff_array_of(dt, "inherits");
	StringInfoData s;
	ListCell   *lc;

	if (parents == NIL)
		return "";
	initStringInfo(&s);
	foreach(lc, parents)
		appendStringInfo(&s, "%s%s", foreach_current_index(lc) ? ", " : " INHERITS (",
						 parent_sql(out, lfirst(lc)));
	appendStringInfoChar(&s, ')');
	return s.data;
}

/*
 * Does column c of table t, which has it from a parent in both snapshots,
 * change through that parent (ALTER TABLE on the parent recurses)?  It does
 * when t inherits in both from a parent of the schema that has c in both.
 */
bool
diff_inherited_via_parent(Diff *diff, JsonbContainer *st, JsonbContainer *dt, const char *c)
{
	ListCell   *lc;

	foreach(lc, diff_array_of(dt, "inherits"))
	{
		char	   *p = diff_local_parent(lfirst(lc));

		if (p && diff_str_member(diff_array_of(st, "inherits"), lfirst(lc)) &&
			diff_has_key(diff_get_obj(diff_get_obj(diff->src.tables, p), "columns"), c) &&
			diff_has_key(diff_get_obj(diff_get_obj(diff->dst.tables, p), "columns"), c))
			return true;
	}
	return false;
}

/*
 * Is inherited column c of table t added or dropped by a change of its
 * parent (ALTER TABLE on a parent recurses)?  It is when t is in both
 * snapshots a child of a parent of the schema that has c in one only.
 */
bool
diff_column_comes_with_parent(Diff *diff, JsonbContainer *st, JsonbContainer *dt, const char *c)
{
	ListCell   *lc;

	foreach(lc, diff_array_of(dt, "inherits"))
	{
		char	   *p = diff_local_parent(lfirst(lc));

		if (p && diff_str_member(diff_array_of(st, "inherits"), lfirst(lc)) &&
			diff_has_key(diff_get_obj(diff_get_obj(diff->src.tables, p), "columns"), c) !=
			diff_has_key(diff_get_obj(diff_get_obj(diff->dst.tables, p), "columns"), c))
			return true;
	}
	return false;
}

/* NO INHERIT from the parents of st that dt has not (before t's columns change) */
void
diff_inherits_detach(Diff *diff, const char *t, JsonbContainer *st, JsonbContainer *dt)
{
	List	   *to = diff_array_of(dt, "inherits");
	ListCell   *lc;

	foreach(lc, diff_array_of(st, "inherits"))
		if (!diff_str_member(to, lfirst(lc)))
			diff_emit(diff->out, "blocking-lock", "ALTER TABLE %s NO INHERIT %s", diff_q(diff->out, t),
					  parent_sql(diff->out, lfirst(lc)));
}

/* INHERIT the parents of dt that st has not (once t has their columns) */
void
diff_inherits_attach(Diff *diff, const char *t, JsonbContainer *st, JsonbContainer *dt)
{
	List	   *from = diff_array_of(st, "inherits");
	ListCell   *lc;

	foreach(lc, diff_array_of(dt, "inherits"))
		if (!diff_str_member(from, lfirst(lc)))
			diff_emit(diff->out, "blocking-lock", "ALTER TABLE %s INHERIT %s", diff_q(diff->out, t),
					  parent_sql(diff->out, lfirst(lc)));
}

/*
 * The columns a new child has only from its parents: their default and
 * NOT NULL are the parent's (the first that has the column), unless the
 * child's differ.
 */
void
diff_inherited_columns(Diff *diff, const char *t, JsonbContainer *dt)
{
	DiffOut    *out = diff->out;
	JsonbContainer *cols = diff_get_obj(dt, "columns");
	ListCell   *lc;
	ListCell   *lp;

	foreach(lc, diff_keys_of(cols))
	{
		JsonbContainer *d = diff_get_obj(cols, lfirst(lc));
		JsonbContainer *p = NULL;
		const char *qc = quote_identifier(lfirst(lc));

		if (!diff_get_bool(d, "inherited"))
			continue;
		foreach(lp, diff_array_of(dt, "inherits"))
		{
			char	   *local = diff_local_parent(lfirst(lp));

			p = local ? diff_get_obj(diff_get_obj(diff_get_obj(diff->dst.tables, local), "columns"),
									 lfirst(lc)) : NULL;
			if (p)
				break;
		}
		if (p == NULL || diff_get_text(d, "generated"))
			continue;
		if (!diff_same(p, d, "default"))
		{
			if (diff_get_text(d, "default"))
				diff_emit(out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", diff_q(out, t), qc,
						  diff_get_text(d, "default"));
			else
				diff_emit(out, NULL, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", diff_q(out, t), qc);
		}
		if (diff_get_bool(d, "not_null") && !diff_get_bool(p, "not_null"))
			diff_emit(out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", diff_q(out, t), qc);
	}
}

/* ---------------------------------------------------------------------
 * Default privileges (ALTER DEFAULT PRIVILEGES ... IN SCHEMA)
 * ---------------------------------------------------------------------
 */

/* one "+grantee=PRIV[*]" of default privileges key, given or taken away */
static void
default_grant(Diff *diff, JsonbContainer *p, const char *entry, bool give)
{
	char	   *grantee = pstrdup(entry + 1);
	char	   *priv = strrchr(grantee, '=');
	bool		option;

	*priv++ = '\0';
	option = priv[strlen(priv) - 1] == '*';
	if (option)
		priv[strlen(priv) - 1] = '\0';
	if (give)
		diff_emit(diff->out, NULL, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT %s ON %s TO %s%s",
				  diff_need_text(p, "role"), quote_identifier(diff->out->schema), priv,
				  diff_need_text(p, "objects"), grantee, option ? " WITH GRANT OPTION" : "");
	else
		diff_emit(diff->out, NULL, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s REVOKE %s ON %s FROM %s",
				  diff_need_text(p, "role"), quote_identifier(diff->out->schema), priv,
				  diff_need_text(p, "objects"), grantee);
}

/*
 * The default privileges of the schema, by role and kind of object: what
 * goes is revoked, what is new granted (not by generate(), whose scratch
 * schema has none).
 */
void
diff_default_privileges(Diff *diff)
{
	List	   *keys = diff_keys_of(diff->src.default_privileges);
	ListCell   *lc;
	ListCell   *le;

	if (diff->out->keep_default_privileges)
		return;
	foreach(lc, diff_keys_of(diff->dst.default_privileges))
		if (!diff_str_member(keys, lfirst(lc)))
			keys = lappend(keys, lfirst(lc));
	foreach(lc, keys)
	{
		JsonbContainer *s = diff_get_obj(diff->src.default_privileges, lfirst(lc));
		JsonbContainer *d = diff_get_obj(diff->dst.default_privileges, lfirst(lc));
		List	   *from = diff_array_of(s, "grants");
		List	   *to = diff_array_of(d, "grants");

		if (diff_same(s, d, "grants"))
			continue;
		diff_on(diff->out, ACT_META, "default privileges", lfirst(lc));
		foreach(le, from)
			if (!diff_str_member(to, lfirst(le)))
				default_grant(diff, s, lfirst(le), false);
		foreach(le, to)
			if (!diff_str_member(from, lfirst(le)))
				default_grant(diff, d, lfirst(le), true);
	}
}

/* ---------------------------------------------------------------------
 * Owners (snapshots taken with owners => true)
 * ---------------------------------------------------------------------
 */

/* was an object ("kind name", as "depends" names it) created by statements from start on? */
static bool
created(DiffOut *out, int start, const char *object)
{
	for (int i = start; i < list_length(out->statements); i++)
		if (list_nth_int(out->acts, i) == ACT_CREATE)
		{
			ListCell   *lc;

			foreach(lc, (List *) list_nth(out->objects, i))
				if (strcmp(lfirst(lc), object) == 0)
					return true;
		}
	return false;
}

/*
 * The statement emitted last, moved before the first GRANT or REVOKE on
 * its object from start on (if any): privileges given to or taken from the
 * owner are the new owner's (ALTER ... OWNER TO hands the old owner's
 * over).
 */
static void
before_grants(DiffOut *out, int start)
{
	int			last = list_length(out->statements) - 1;
	const char *object = linitial((List *) llast(out->objects));

	for (int i = start; i < last; i++)
	{
		const char *st = list_nth(out->statements, i);
		List	   *objects = list_nth(out->objects, i);

		if ((strncmp(st, "GRANT ", 6) == 0 || strncmp(st, "REVOKE ", 7) == 0) &&
			objects != NIL && strcmp(linitial(objects), object) == 0)
		{
			out->statements = list_insert_nth(out->statements, i, llast(out->statements));
			out->hazards = list_insert_nth(out->hazards, i, llast(out->hazards));
			out->objects = list_insert_nth(out->objects, i, llast(out->objects));
			out->acts = list_insert_nth_int(out->acts, i, llast_int(out->acts));
			out->needs = list_insert_nth(out->needs, i, llast(out->needs));
			out->statements = list_delete_last(out->statements);
			out->hazards = list_delete_last(out->hazards);
			out->objects = list_delete_last(out->objects);
			out->acts = list_delete_last(out->acts);
			out->needs = list_delete_last(out->needs);
			return;
		}
	}
}

/*
 * ALTER <what> <target> OWNER TO <d's owner>, when d has one (a snapshot
 * with owners) and it is not s's, or the object was created (again) by
 * this diff: whoever runs the diff owns what it creates.
 */
static void
owner_of(Diff *diff, int start, const char *noun, const char *name, const char *what,
		 const char *target, JsonbContainer *s, JsonbContainer *d)
{
	char	   *owner = diff_get_text(d, "owner");

	if (owner == NULL)
		return;
	if (s && diff_same(s, d, "owner") && !created(diff->out, start, psprintf("%s %s", noun, name)))
		return;
	diff_on(diff->out, ACT_META, noun, name);
	diff_emit(diff->out, NULL, "ALTER %s %s OWNER TO %s", what, target, owner);
	before_grants(diff->out, start);
}

/* the objects of one kind of the snapshots, each of them named by what and target */
static void
owners_of_kind(Diff *diff, int start, JsonbContainer *src, JsonbContainer *dst,
			   const char *noun, const char *what)
{
	ListCell   *lc;

	foreach(lc, diff_keys_of(dst))
	{
		char	   *name = lfirst(lc);

		owner_of(diff, start, noun, name, what, diff_q(diff->out, name),
				 diff_get_obj(src, name), diff_get_obj(dst, name));
	}
}

/*
 * The owners of the schema and its objects, last (a snapshot taken
 * without owners has none: nothing is emitted).  A sequence owned by a
 * column has its table's owner, and follows it; indexes follow their
 * table.
 */
void
diff_owners(Diff *diff, int start)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;

	owner_of(diff, start, "schema", out->schema, "SCHEMA", quote_identifier(out->schema),
			 diff->src.schema, diff->dst.schema);
	foreach(lc, diff_keys_of(diff->dst.tables))
	{
		JsonbContainer *d = diff_get_obj(diff->dst.tables, lfirst(lc));

		owner_of(diff, start, "relation", lfirst(lc), diff_is_foreign(d) ? "FOREIGN TABLE" : "TABLE",
				 diff_q(out, lfirst(lc)), diff_get_obj(diff->src.tables, lfirst(lc)), d);
	}
	foreach(lc, diff_keys_of(diff->dst.views))
	{
		JsonbContainer *d = diff_get_obj(diff->dst.views, lfirst(lc));

		owner_of(diff, start, "relation", lfirst(lc),
				 diff_get_bool(d, "materialized") ? "MATERIALIZED VIEW" : "VIEW",
				 diff_q(out, lfirst(lc)), diff_get_obj(diff->src.views, lfirst(lc)), d);
	}
	foreach(lc, diff_keys_of(diff->dst.sequences))
	{
		JsonbContainer *d = diff_get_obj(diff->dst.sequences, lfirst(lc));

		if (diff_get_text(d, "owned_by") == NULL)
			owner_of(diff, start, "relation", lfirst(lc), "SEQUENCE", diff_q(out, lfirst(lc)),
					 diff_get_obj(diff->src.sequences, lfirst(lc)), d);
	}
	owners_of_kind(diff, start, diff->src.enums, diff->dst.enums, "type", "TYPE");
	owners_of_kind(diff, start, diff->src.ranges, diff->dst.ranges, "type", "TYPE");
	owners_of_kind(diff, start, diff->src.composites, diff->dst.composites, "type", "TYPE");
	owners_of_kind(diff, start, diff->src.domains, diff->dst.domains, "type", "DOMAIN");
	owners_of_kind(diff, start, diff->src.statistics, diff->dst.statistics, "statistics", "STATISTICS");
	foreach(lc, diff_keys_of(diff->dst.functions))
	{
		char	   *key = lfirst(lc);
		JsonbContainer *d = diff_get_obj(diff->dst.functions, key);
		const char *args = strchr(key, '(');

		if (args == NULL)
			continue;			/* refused by the functions' own diff */
		owner_of(diff, start, "function", key,
				 strcmp(diff_need_text(d, "kind"), "p") == 0 ? "PROCEDURE" : "FUNCTION",
				 psprintf("%s%s", diff_q(out, pnstrdup(key, args - key)), args),
				 diff_get_obj(diff->src.functions, key), d);
	}
}

/* ---------------------------------------------------------------------
 * Foreign tables, their servers and user mappings
 * ---------------------------------------------------------------------
 */

bool
diff_is_foreign(JsonbContainer *t)
{
	char	   *kind = diff_get_text(t, "kind");

	return kind && strcmp(kind, "foreign table") == 0;
}

/* "name=value" of a catalog's options, split (value NULL: no "=") */
static char *
option_value(const char *option, char **name)
{
	const char *eq = strchr(option, '=');

	*name = eq ? pnstrdup(option, eq - option) : pstrdup(option);
	return eq ? pstrdup(eq + 1) : NULL;
}

/* " OPTIONS (name 'value', ...)" of options ("" when there are none) */
char *
diff_generic_options(List *options)
{
	StringInfoData s;
	ListCell   *lc;

	if (options == NIL)
		return "";
	initStringInfo(&s);
	foreach(lc, options)
	{
		char	   *name;
		char	   *value = option_value(lfirst(lc), &name);

		appendStringInfo(&s, "%s%s %s", foreach_current_index(lc) ? ", " : " OPTIONS (",
						 quote_identifier(name), quote_literal_cstr(value ? value : ""));
	}
	appendStringInfoChar(&s, ')');
	return s.data;
}

/* the value of option name in options (NULL: none) */
static char *
option_named(List *options, const char *name, bool *found)
{
	ListCell   *lc;

	*found = false;
	foreach(lc, options)
	{
		char	   *n;
		char	   *v = option_value(lfirst(lc), &n);

		if (strcmp(n, name) == 0)
		{
			*found = true;
			return v;
		}
	}
	return NULL;
}

/* "<prefix> OPTIONS (DROP a, SET b 'x', ADD c 'y')" that makes options from into to */
void
diff_alter_generic_options(DiffOut *out, const char *prefix, List *from, List *to)
{
	StringInfoData s;
	ListCell   *lc;
	bool		found;

	initStringInfo(&s);
	foreach(lc, from)
	{
		char	   *name;

		(void) option_value(lfirst(lc), &name);
		(void) option_named(to, name, &found);
		if (!found)
			appendStringInfo(&s, "%sDROP %s", s.len ? ", " : "", quote_identifier(name));
	}
	foreach(lc, to)
	{
		char	   *name;
		char	   *value = option_value(lfirst(lc), &name);
		char	   *old = option_named(from, name, &found);

		if (!found)
			appendStringInfo(&s, "%sADD %s %s", s.len ? ", " : "", quote_identifier(name),
							 quote_literal_cstr(value ? value : ""));
		else if (strcmp(old ? old : "", value ? value : "") != 0)
			appendStringInfo(&s, "%sSET %s %s", s.len ? ", " : "", quote_identifier(name),
							 quote_literal_cstr(value ? value : ""));
	}
	if (s.len)
		diff_emit(out, NULL, "%s OPTIONS (%s)", prefix, s.data);
}

/*
 * The servers the target's foreign tables use, and their user mappings,
 * where the source has none of them: servers and mappings belong to the
 * database, not to the schema, so they are made only if missing (IF NOT
 * EXISTS: another schema's tables may use them already), never changed
 * nor dropped; their wrapper must be there (CREATE EXTENSION postgres_fdw,
 * say).  A mapping's password is not in the snapshot: it is to be added by
 * hand.
 */
void
diff_servers_create(Diff *diff)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;
	ListCell   *lm;

	foreach(lc, diff_keys_of(diff->dst.foreign_servers))
	{
		char	   *name = lfirst(lc);
		JsonbContainer *d = diff_get_obj(diff->dst.foreign_servers, name);
		JsonbContainer *s = diff_get_obj(diff->src.foreign_servers, name);
		JsonbContainer *dm = diff_get_obj(d, "user_mappings");
		char	   *type = diff_get_text(d, "type");
		char	   *version = diff_get_text(d, "version");

		diff_on(out, s ? ACT_ALTER : ACT_CREATE, "server", name);
		if (s == NULL)
			diff_emit(out, NULL, "CREATE SERVER IF NOT EXISTS %s%s%s FOREIGN DATA WRAPPER %s%s",
					  quote_identifier(name), type ? psprintf(" TYPE %s", quote_literal_cstr(type)) : "",
					  version ? psprintf(" VERSION %s", quote_literal_cstr(version)) : "",
					  quote_identifier(diff_need_text(d, "wrapper")),
					  diff_generic_options(diff_array_of(d, "options")));
		foreach(lm, diff_keys_of(dm))
			if (!diff_has_key(diff_get_obj(s, "user_mappings"), lfirst(lm)))
				diff_emit(out, NULL, "CREATE USER MAPPING IF NOT EXISTS FOR %s SERVER %s%s",
						  (char *) lfirst(lm), quote_identifier(name),
						  diff_generic_options(diff_array_of(diff_get_obj(dm, lfirst(lm)), "options")));
	}
}
