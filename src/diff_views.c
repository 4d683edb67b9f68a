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
 *	  order of what they read.
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
	/* indexes of materialized views that stay */
	foreach(lc, diff_keys_of(diff->src.views))
		if (diff_has_key(diff->dst.views, lfirst(lc)) && !diff_str_member(gone, lfirst(lc)))
			diff_drop_indexes(diff, diff_get_obj(diff->src.views, lfirst(lc)),
						 diff_get_obj(diff->dst.views, lfirst(lc)), true);
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
	}
}
