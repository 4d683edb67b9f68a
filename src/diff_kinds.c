/*-------------------------------------------------------------------------
 *
 * diff_kinds.c
 *	  migrator.diff() for the kinds of objects that hang off tables without
 *	  being written inside their CREATE TABLE, or that many kinds have:
 *	  extended statistics objects, table inheritance, default privileges.
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
