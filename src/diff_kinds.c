/*-------------------------------------------------------------------------
 *
 * diff_kinds.c
 *	  migrator.diff() for the kinds of objects that hang off tables without
 *	  being written inside their CREATE TABLE: extended statistics objects.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

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
