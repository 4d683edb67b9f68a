/*-------------------------------------------------------------------------
 *
 * diff_views.c
 *	  migrator.diff() for views and materialized views.
 *
 *	  The snapshot lists the relations each view reads (pg_depend of its
 *	  rewrite rule).  A view is dropped and re-created around a change it
 *	  could not survive: its own definition or options, a table it reads
 *	  that goes or whose columns change type, a view it reads that is
 *	  re-created.  Views are dropped readers first and created in the
 *	  order of what they read.  Their triggers (INSTEAD OF, statement
 *	  triggers) go with them, and are created after them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "diff.h"

static bool
view_changes(JsonbContainer *s, JsonbContainer *d)
{
	return !(diff_same(s, d, "definition") && diff_same(s, d, "materialized") && diff_same(s, d, "options"));
}

/* does view v of the source read one of the relations in list? */
static bool
reads_any(Snap *src, const char *v, List *list)
{
	ListCell   *lc;

	foreach(lc, diff_array_of(diff_get_obj(src->views, v), "depends"))
		if (diff_str_member(list, lfirst(lc)))
			return true;
	return false;
}

/*
 * The views that go or are re-created (also those that depend on something
 * re-created: diff_find_rebuilt()), and the tables they cannot outlive
 */
List *
diff_views_to_drop(Diff *diff)
{
	Snap	   *src = &diff->src;
	Snap	   *dst = &diff->dst;
	List	   *gone = NIL;
	List	   *views = diff_keys_of(src->views);
	ListCell   *lc;
	bool		more = true;

	foreach(lc, diff_keys_of(src->tables))
	{
		char	   *t = lfirst(lc);

		if (!diff_has_key(dst->tables, t) ||
			diff_columns_change(diff, diff_get_obj(src->tables, t), diff_get_obj(dst->tables, t)))
			gone = lappend(gone, t);
	}
	foreach(lc, views)
	{
		char	   *v = lfirst(lc);

		if (!diff_has_key(dst->views, v) || view_changes(diff_get_obj(src->views, v), diff_get_obj(dst->views, v)) ||
			diff_is_rebuilt(diff, "relation", v))
			gone = lappend(gone, v);
	}
	/* and their readers, and theirs */
	while (more)
	{
		more = false;
		foreach(lc, views)
			if (!diff_str_member(gone, lfirst(lc)) && reads_any(src, lfirst(lc), gone))
			{
				gone = lappend(gone, lfirst(lc));
				more = true;
			}
	}
	return gone;
}

/*
 * The triggers of view v that go or change (keep_new: those of the target
 * that are new or change), the view staying; all of the target's when s is
 * NULL (a view just created)
 */
static List *
changed_triggers(Diff *diff, const char *v, JsonbContainer *s, JsonbContainer *d, bool keep_new)
{
	JsonbContainer *st = diff_get_obj(s, "triggers");
	JsonbContainer *dt = diff_get_obj(d, "triggers");
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, diff_keys_of(keep_new ? dt : st))
	{
		JsonbContainer *x = diff_get_obj(st, lfirst(lc));
		JsonbContainer *y = diff_get_obj(dt, lfirst(lc));

		if (s == NULL || x == NULL || y == NULL || !diff_same(x, y, "definition") ||
			diff_is_rebuilt_part(diff, "trigger", v, lfirst(lc)))
			result = lappend(result, lfirst(lc));
	}
	return result;
}

/* views that go or must be re-created around what changes, readers first */
void
diff_views_drop(Diff *diff)
{
	DiffOut    *out = diff->out;
	List	   *gone = diff_views_to_drop(diff);
	List	   *drop = NIL;
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->src.views))
		if (diff_str_member(gone, lfirst(lc)))
			drop = lappend(drop, lfirst(lc));
	drop = diff_sort_by_deps(drop, diff->src.views, "depends");
	for (int i = list_length(drop) - 1; i >= 0; i--)
	{
		char	   *v = list_nth(drop, i);

		diff_on(out, ACT_DROP, "relation", v);
		diff_emit(out, "blocking-lock", "DROP %sVIEW %s",
			 diff_get_bool(diff_get_obj(diff->src.views, v), "materialized") ? "MATERIALIZED " : "", diff_q(out, v));
		if (diff_has_key(diff->dst.views, v))
			diff->rebuilt_views = lappend(diff->rebuilt_views, v);
	}
	/* indexes of materialized views that stay, triggers of views that stay */
	foreach(lc, diff_keys_of(diff->src.views))
		if (diff_has_key(diff->dst.views, lfirst(lc)) && !diff_str_member(gone, lfirst(lc)))
		{
			char	   *v = lfirst(lc);
			JsonbContainer *s = diff_get_obj(diff->src.views, v);
			ListCell   *lt;

			diff_drop_indexes(diff, s, diff_get_obj(diff->dst.views, v), true);
			foreach(lt, changed_triggers(diff, v, s, diff_get_obj(diff->dst.views, v), false))
			{
				diff_on_part(out, ACT_DROP, "trigger", v, lfirst(lt));
				diff_emit(out, "blocking-lock", "DROP TRIGGER %s ON %s", quote_identifier(lfirst(lt)),
						  diff_q(out, v));
			}
		}
}

/* the triggers of view v, new or changed (s NULL: a view just created) */
static void
add_triggers(Diff *diff, const char *v, JsonbContainer *s, JsonbContainer *d)
{
	DiffOut    *out = diff->out;
	JsonbContainer *tg = diff_get_obj(d, "triggers");
	List	   *add = changed_triggers(diff, v, s, d, true);
	ListCell   *lc;

	foreach(lc, diff_keys_of(tg))
	{
		char	   *name = lfirst(lc);
		bool		fresh = diff_str_member(add, name);

		diff_on_part(out, ACT_CREATE, "trigger", v, name);
		if (fresh)
			diff_emit(out, s ? "blocking-lock" : NULL, "%s", diff_need_text(diff_get_obj(tg, name), "definition"));
		diff_emit_comment(out, "TRIGGER", psprintf("%s ON %s", quote_identifier(name), diff_q(out, v)),
						  fresh ? NULL : diff_get_obj(diff_get_obj(s, "triggers"), name), diff_get_obj(tg, name));
	}
}

static void
create_view(DiffOut *out, const char *v, JsonbContainer *d)
{
	char	   *def = diff_need_text(d, "definition");
	List	   *options = diff_array_of(d, "options");
	StringInfoData with;
	ListCell   *lc;
	size_t		len = strlen(def);

	/* pg_get_viewdef ends with a semicolon */
	while (len > 0 && (def[len - 1] == ';' || def[len - 1] == ' ' || def[len - 1] == '\n'))
		def[--len] = '\0';
	initStringInfo(&with);
	foreach(lc, options)
		appendStringInfo(&with, "%s%s", foreach_current_index(lc) ? ", " : " WITH (", (char *) lfirst(lc));
	if (options)
		appendStringInfoChar(&with, ')');
	diff_on(out, ACT_CREATE, "relation", v);
	diff_emit(out, NULL, "CREATE %sVIEW %s%s AS %s", diff_get_bool(d, "materialized") ? "MATERIALIZED " : "",
		 diff_q(out, v), with.data, def);
}

/* comments on the columns of a view (s NULL: a view just created) */
static void
column_comments(DiffOut *out, const char *v, JsonbContainer *s, JsonbContainer *d)
{
	JsonbContainer *sc = diff_get_obj(s, "column_comments");
	JsonbContainer *dc = diff_get_obj(d, "column_comments");
	ListCell   *lc;

	foreach(lc, diff_keys_of(sc))
		if (!diff_has_key(dc, lfirst(lc)))
			diff_emit(out, NULL, "COMMENT ON COLUMN %s.%s IS NULL", diff_q(out, v), quote_identifier(lfirst(lc)));
	foreach(lc, diff_keys_of(dc))
		if (!diff_same(sc, dc, lfirst(lc)))
			diff_emit(out, NULL, "COMMENT ON COLUMN %s.%s IS %s", diff_q(out, v), quote_identifier(lfirst(lc)),
				 quote_literal_cstr(diff_get_text(dc, lfirst(lc))));
}

/* views, new and re-created, after what they read; comments and grants */
void
diff_views_create(Diff *diff)
{
	DiffOut    *out = diff->out;
	List	   *create = NIL;
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->dst.views))
		if (!diff_has_key(diff->src.views, lfirst(lc)) || diff_str_member(diff->rebuilt_views, lfirst(lc)))
			create = lappend(create, lfirst(lc));
	foreach(lc, diff_sort_by_deps(create, diff->dst.views, "depends"))
		create_view(out, lfirst(lc), diff_get_obj(diff->dst.views, lfirst(lc)));
	foreach(lc, diff_keys_of(diff->dst.views))
	{
		char	   *v = lfirst(lc);
		JsonbContainer *d = diff_get_obj(diff->dst.views, v);
		JsonbContainer *s = diff_str_member(create, v) ? NULL : diff_get_obj(diff->src.views, v);
		const char *kind = diff_get_bool(d, "materialized") ? "MATERIALIZED VIEW" : "VIEW";

		diff_indexes(diff, v, s, d, s != NULL);
		diff_on(out, ACT_ALTER, "relation", v);
		diff_emit_comment(out, kind, diff_q(out, v), s, d);
		column_comments(out, v, s, d);
		diff_emit_grants(out, psprintf("TABLE %s", diff_q(out, v)), NULL, s, d);
		add_triggers(diff, v, s, d);
	}
}
