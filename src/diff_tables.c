/*-------------------------------------------------------------------------
 *
 * diff_tables.c
 *	  migrator.diff() for tables and partitions: their columns, storage,
 *	  partition bounds, row-level security, constraints, indexes, triggers
 *	  and policies.
 *
 *	  On tables that exist already, online forms are used: indexes built
 *	  and dropped CONCURRENTLY (but on partitioned tables, which cannot),
 *	  CHECK and FOREIGN KEY constraints NOT VALID then VALIDATE, primary
 *	  keys and unique constraints through a concurrently built index, NOT
 *	  NULL through a validated CHECK.  New columns go at the end (ALTER
 *	  TABLE cannot put them elsewhere); new tables get the target's order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "diff.h"

/*
 * An identity column's sequence options as CREATE TABLE takes them, " (...)"
 * ("" when they are the defaults)
 */
static char *
identity_options(JsonbContainer *col)
{
	List	   *opts = diff_array_of(col, "identity_options");
	StringInfoData s;
	ListCell   *lc;

	if (opts == NIL)
		return "";
	initStringInfo(&s);
	foreach(lc, opts)
		appendStringInfo(&s, "%s%s", foreach_current_index(lc) ? " " : " (", (char *) lfirst(lc));
	appendStringInfoChar(&s, ')');
	return s.data;
}

/* the option of opts that starts with prefix (NULL: none) */
static char *
option_of(List *opts, const char *prefix)
{
	ListCell   *lc;

	foreach(lc, opts)
		if (strncmp(lfirst(lc), prefix, strlen(prefix)) == 0)
			return lfirst(lc);
	return NULL;
}

/*
 * ALTER COLUMN ... SET ... that gives an identity column's sequence d's
 * options where it has s's: every option set, to d's value or to the
 * default (START WITH the minimum, or the maximum when it counts down); a
 * sequence named otherwise is renamed.
 */
static void
alter_identity_options(DiffOut *out, const char *t, const char *c, JsonbContainer *s, JsonbContainer *d)
{
	List	   *from = diff_array_of(s, "identity_options");
	List	   *to = diff_array_of(d, "identity_options");
	static const char *const keys[] = {"INCREMENT BY ", "MINVALUE ", "MAXVALUE ", "START WITH ", "CACHE ", "CYCLE"};
	static const char *const dflt[] = {"INCREMENT BY 1", "NO MINVALUE", "NO MAXVALUE", NULL, "CACHE 1", "NO CYCLE"};
	char	   *from_name = option_of(from, "SEQUENCE NAME ");
	char	   *to_name = option_of(to, "SEQUENCE NAME ");
	char	   *incr = option_of(to, "INCREMENT BY ");
	bool		down = incr && incr[strlen("INCREMENT BY ")] == '-';
	StringInfoData set;

	if (diff_same(s, d, "identity_options"))
		return;
	initStringInfo(&set);
	for (size_t i = 0; i < lengthof(keys); i++)
	{
		char	   *o = option_of(to, keys[i]);

		if (o == NULL && dflt[i] == NULL)
		{
			/* START WITH: the minimum (or the maximum, counting down) */
			char	   *bound = option_of(to, down ? "MAXVALUE " : "MINVALUE ");

			o = bound ? psprintf("START WITH %s", strchr(bound, ' ') + 1) :
				(down ? "START WITH -1" : "START WITH 1");
		}
		appendStringInfo(&set, " SET %s", o ? o : dflt[i]);
	}
	diff_emit(out, NULL, "ALTER TABLE %s ALTER COLUMN %s%s", diff_q(out, t), quote_identifier(c), set.data);
	if (from_name == NULL)
		from_name = psprintf("SEQUENCE NAME %s", quote_identifier(psprintf("%s_%s_seq", t, c)));
	if (to_name == NULL)
		to_name = psprintf("SEQUENCE NAME %s", quote_identifier(psprintf("%s_%s_seq", t, c)));
	if (strcmp(from_name, to_name) != 0)
		diff_emit(out, NULL, "ALTER SEQUENCE %s.%s RENAME TO %s", quote_identifier(out->schema),
				  from_name + strlen("SEQUENCE NAME "), to_name + strlen("SEQUENCE NAME "));
}

/* a column as it goes into CREATE TABLE / ADD COLUMN */
static char *
column_sql(const char *name, JsonbContainer *col)
{
	StringInfoData s;
	char	   *dflt = diff_get_text(col, "default");
	char	   *identity = diff_get_text(col, "identity");
	char	   *generated = diff_get_text(col, "generated");
	char	   *collation = diff_get_text(col, "collation");

	initStringInfo(&s);
	appendStringInfo(&s, "%s %s%s", quote_identifier(name), diff_need_text(col, "type"),
					 diff_generic_options(diff_array_of(col, "options")));
	if (collation)
		appendStringInfo(&s, " COLLATE %s", collation);
	if (identity)
		appendStringInfo(&s, " GENERATED %s AS IDENTITY%s",
						 identity[0] == 'a' ? "ALWAYS" : "BY DEFAULT", identity_options(col));
	if (generated)
		appendStringInfo(&s, " GENERATED ALWAYS AS (%s) %s", generated,
						 diff_get_bool(col, "virtual") ? "VIRTUAL" : "STORED");
	if (dflt)
		appendStringInfo(&s, " DEFAULT %s", dflt);
	if (diff_get_bool(col, "not_null") && !identity)
		appendStringInfoString(&s, " NOT NULL");
	return s.data;
}

/* is changing a column from a to b free of a table rewrite? */
static bool
binary_coercible(const char *a, const char *b)
{
	int			n,
				m;

	if (strcmp(b, "text") == 0 && strncmp(a, "character varying", 17) == 0)
		return true;
	if (sscanf(a, "character varying(%d)", &n) == 1 &&
		sscanf(b, "character varying(%d)", &m) == 1)
		return m >= n;
	if (sscanf(a, "numeric(%d,%d)", &n, &m) == 2)
	{
		int			n2,
					m2;

		if (sscanf(b, "numeric(%d,%d)", &n2, &m2) == 2)
			return n2 >= n && m2 == m;
		return strcmp(b, "numeric") == 0;
	}
	return false;
}

/*
 * Is a column both have dropped and added again: it gets a generation
 * expression, or another one, or one stored instead of virtual or back
 * (PostgreSQL 15 cannot change one in place)?
 */
bool
diff_column_recreated(JsonbContainer *s, JsonbContainer *d)
{
	return diff_get_text(d, "generated") != NULL &&
		!(diff_same(s, d, "generated") && diff_same(s, d, "virtual"));
}

/*
 * Do a table's columns change in a way a view over it could not survive
 * (a column goes, or changes type or collation)?
 */
bool
diff_columns_change(Diff *diff, JsonbContainer *a, JsonbContainer *b)
{
	ListCell   *lc;
	JsonbContainer *ca = diff_get_obj(a, "columns");
	JsonbContainer *cb = diff_get_obj(b, "columns");

	foreach(lc, diff_keys_of(ca))
	{
		char	   *col = lfirst(lc);
		JsonbContainer *x = diff_get_obj(ca, col);
		JsonbContainer *y = diff_get_obj(cb, col);

		if (y == NULL || !diff_same(x, y, "type") || !diff_same(x, y, "collation") ||
			diff_is_recreated_enum(diff, diff_need_text(x, "type")) || diff_column_recreated(x, y))
			return true;
	}
	return false;
}

static bool
partitioned(JsonbContainer *t)
{
	return diff_get_text(t, "partition_by") != NULL;
}

/* ---------------------------------------------------------------------
 * What goes or changes on tables that stay
 * ---------------------------------------------------------------------
 */

/* indexes of s that d has not, or not the same (also for materialized views) */
void
diff_drop_indexes(Diff *diff, JsonbContainer *s, JsonbContainer *d, bool concurrent)
{
	JsonbContainer *si = diff_get_obj(s, "indexes");
	JsonbContainer *di = diff_get_obj(d, "indexes");
	ListCell   *lc;

	foreach(lc, diff_keys_of(si))
	{
		char	   *ix = lfirst(lc);

		if (!diff_has_key(di, ix) || !diff_same(diff_get_obj(si, ix), diff_get_obj(di, ix), "definition") ||
			diff_is_rebuilt(diff, "index", ix))
		{
			diff_on(diff->out, ACT_DROP, "index", ix);
			diff_emit(diff->out, concurrent ? NULL : "blocking-lock", "DROP INDEX %s%s",
				 concurrent ? "CONCURRENTLY " : "", diff_q(diff->out, ix));
		}
	}
}

/* do two objects of a kind differ, but for their comments? */
static bool
differs(JsonbContainer *x, JsonbContainer *y)
{
	ListCell   *lc;

	foreach(lc, diff_keys_of(y))
		if (strcmp(lfirst(lc), "comment") != 0 && !diff_same(x, y, lfirst(lc)))
			return true;
	return false;
}

/*
 * The members of a kind ("triggers", "policies", ...) of table st that go
 * or change in dt; keep_new: those of dt that are new or change.
 */
static List *
changed(Diff *diff, const char *t, JsonbContainer *st, JsonbContainer *dt, const char *kind,
		bool keep_new)
{
	JsonbContainer *s = diff_get_obj(st, kind);
	JsonbContainer *d = diff_get_obj(dt, kind);
	/* "constraints" -> "constraint", as "depends" names them */
	const char *one = strcmp(kind, "policies") == 0 ? "policy" : pnstrdup(kind, strlen(kind) - 1);
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, diff_keys_of(keep_new ? d : s))
	{
		JsonbContainer *x = diff_get_obj(s, lfirst(lc));
		JsonbContainer *y = diff_get_obj(d, lfirst(lc));

		if (x == NULL || y == NULL || differs(x, y) || diff_is_rebuilt_part(diff, one, t, lfirst(lc)))
			result = lappend(result, lfirst(lc));
	}
	return result;
}

/* the constraints of a table both have that go or change, of one type or all others */
static void
drop_constraints(Diff *diff, const char *t, JsonbContainer *st, JsonbContainer *dt, bool fkeys)
{
	DiffOut    *out = diff->out;
	JsonbContainer *sk = diff_get_obj(st, "constraints");
	ListCell   *lc;

	foreach(lc, changed(diff, t, st, dt, "constraints", false))
	{
		char	   *type = diff_get_text(diff_get_obj(sk, lfirst(lc)), "type");

		if (fkeys == (strcmp(type, "f") == 0))
		{
			diff_on_part(out, ACT_DROP, "constraint", t, lfirst(lc));
			diff_emit(out, "blocking-lock", "ALTER TABLE %s DROP CONSTRAINT %s", diff_q(out, t),
				 quote_identifier(lfirst(lc)));
		}
	}
}

/*
 * Foreign keys that go or change, on tables both have: first, since a key
 * they point at may go.
 */
void
diff_tables_drop_foreign_keys(Diff *diff)
{
	ListCell   *lc;

	foreach(lc, diff_keys_of(diff->src.tables))
	{
		JsonbContainer *dt = diff_get_obj(diff->dst.tables, lfirst(lc));

		if (dt)
			drop_constraints(diff, lfirst(lc), diff_get_obj(diff->src.tables, lfirst(lc)), dt, true);
	}
}

/*
 * On tables both have: parents they stop inheriting from; triggers,
 * policies, constraints and indexes that go or change.
 */
void
diff_tables_drop_parts(Diff *diff)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;
	ListCell   *lc2;

	foreach(lc, diff_keys_of(diff->src.tables))
	{
		char	   *t = lfirst(lc);
		JsonbContainer *st = diff_get_obj(diff->src.tables, t);
		JsonbContainer *dt = diff_get_obj(diff->dst.tables, t);

		if (dt == NULL)
			continue;			/* the whole table goes */
		/* before a parent's columns change, which would recurse to it */
		diff_on(out, ACT_ALTER, "relation", t);
		diff_inherits_detach(diff, t, st, dt);
		foreach(lc2, changed(diff, t, st, dt, "triggers", false))
		{
			diff_on_part(out, ACT_DROP, "trigger", t, lfirst(lc2));
			diff_emit(out, "blocking-lock", "DROP TRIGGER %s ON %s", quote_identifier(lfirst(lc2)), diff_q(out, t));
		}
		foreach(lc2, changed(diff, t, st, dt, "policies", false))
		{
			diff_on_part(out, ACT_DROP, "policy", t, lfirst(lc2));
			diff_emit(out, "blocking-lock", "DROP POLICY %s ON %s", quote_identifier(lfirst(lc2)), diff_q(out, t));
		}
		drop_constraints(diff, t, st, dt, false);
		diff_drop_indexes(diff, st, dt, !partitioned(st));
	}
}

/* ---------------------------------------------------------------------
 * New tables
 * ---------------------------------------------------------------------
 */

static void
create_table(Diff *diff, const char *t, JsonbContainer *dt)
{
	DiffOut    *out = diff->out;
	JsonbContainer *cols = diff_get_obj(dt, "columns");
	List	   *options = diff_array_of(dt, "options");
	char	   *parent = diff_get_text(dt, "partition_of");
	StringInfoData s;
	ListCell   *lc;

	initStringInfo(&s);
	appendStringInfo(&s, "CREATE %sTABLE %s", diff_get_bool(dt, "unlogged") ? "UNLOGGED " :
					 diff_is_foreign(dt) ? "FOREIGN " : "", diff_q(out, t));
	if (parent)
		appendStringInfo(&s, " PARTITION OF %s", diff_q(out, parent));
	/* a partition's columns are its table's, a child's those it inherits */
	if (!parent)
	{
		int			n = 0;

		foreach(lc, diff_by_position(cols))
			if (!diff_get_bool(diff_get_obj(cols, lfirst(lc)), "inherited"))
				appendStringInfo(&s, "%s%s", n++ ? ", " : " (",
								 column_sql(lfirst(lc), diff_get_obj(cols, lfirst(lc))));
		appendStringInfoString(&s, n ? ")" : " ()");
		appendStringInfoString(&s, diff_inherits_clause(out, dt));
	}
	else
		appendStringInfo(&s, " %s", diff_need_text(dt, "bound"));
	if (partitioned(dt))
		appendStringInfo(&s, " PARTITION BY %s", diff_get_text(dt, "partition_by"));
	if (diff_is_foreign(dt))
		appendStringInfo(&s, " SERVER %s%s", quote_identifier(diff_need_text(dt, "server")),
						 diff_generic_options(diff_array_of(dt, "foreign_options")));
	foreach(lc, options)
		appendStringInfo(&s, "%s%s", foreach_current_index(lc) ? ", " : " WITH (", (char *) lfirst(lc));
	if (options)
		appendStringInfoChar(&s, ')');
	diff_on(out, ACT_CREATE, "relation", t);
	diff_emit(out, NULL, "%s", s.data);
	diff_inherited_columns(diff, t, dt);
}

/* new tables, columns only; partitions after the table they belong to */
void
diff_tables_create(Diff *diff)
{
	List	   *todo = NIL;
	List	   *done = NIL;
	ListCell   *lc;
	bool		progress = true;

	foreach(lc, diff_keys_of(diff->dst.tables))
		if (!diff_has_key(diff->src.tables, lfirst(lc)))
			todo = lappend(todo, lfirst(lc));
	while (todo != NIL && progress)
	{
		List	   *left = NIL;

		progress = false;
		foreach(lc, todo)
		{
			JsonbContainer *dt = diff_get_obj(diff->dst.tables, lfirst(lc));
			char	   *parent = diff_get_text(dt, "partition_of");
			bool		wait = parent && diff_str_member(todo, parent) && !diff_str_member(done, parent);
			ListCell   *lp;

			/* and children after their parents */
			foreach(lp, diff_array_of(dt, "inherits"))
			{
				char	   *p = diff_local_parent(lfirst(lp));

				if (p && diff_str_member(todo, p) && !diff_str_member(done, p))
					wait = true;
			}
			if (wait)
				left = lappend(left, lfirst(lc));
			else
			{
				create_table(diff, lfirst(lc), dt);
				done = lappend(done, lfirst(lc));
				progress = true;
			}
		}
		todo = left;
	}
}

/* ---------------------------------------------------------------------
 * Tables both have: columns, storage, partitioning
 * ---------------------------------------------------------------------
 */

static void
alter_column(Diff *diff, const char *t, const char *c, JsonbContainer *s, JsonbContainer *d)
{
	DiffOut    *out = diff->out;
	const char *qc = quote_identifier(c);
	char	   *si = diff_get_text(s, "identity");
	char	   *di = diff_get_text(d, "identity");

	bool		had_default = diff_get_text(s, "default") != NULL;
	bool		enum_retyped = diff_is_recreated_enum(diff, diff_need_text(d, "type")) && diff_same(s, d, "type");

	/* what depends on it is re-created around it (diff_find_rebuilt()) */
	if (diff_column_recreated(s, d))
	{
		diff_emit(out, "rewrite", "ALTER TABLE %s DROP COLUMN %s", diff_q(out, t), qc);
		diff_emit(out, "rewrite", "ALTER TABLE %s ADD COLUMN %s", diff_q(out, t), column_sql(c, d));
		return;
	}
	/* the values stay: the column is an ordinary one from now on */
	if (diff_get_text(s, "generated") && !diff_get_text(d, "generated"))
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s DROP EXPRESSION", diff_q(out, t), qc);
	if (enum_retyped)
		diff_enum_columns(diff, t, c, d);	/* with d's default */
	else if (!diff_same(s, d, "type") || !diff_same(s, d, "collation"))
	{
		char	   *coll = diff_get_text(d, "collation");

		/* a default that cannot be cast automatically would fail the change */
		if (had_default && !diff_same(s, d, "type"))
		{
			diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", diff_q(out, t), qc);
			had_default = false;
		}
		diff_emit(out, binary_coercible(diff_need_text(s, "type"), diff_need_text(d, "type")) ? "blocking-lock" : "rewrite",
			 "ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s USING %s::%s", diff_q(out, t), qc,
			 diff_need_text(d, "type"), coll ? " COLLATE " : "", coll ? coll : "", qc, diff_need_text(d, "type"));
	}
	if (si && !di)
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY", diff_q(out, t), qc);
	if (!enum_retyped && (!diff_same(s, d, "default") || (!had_default && diff_get_text(d, "default"))))
	{
		if (diff_get_text(d, "default"))
			diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
				 diff_q(out, t), qc, diff_get_text(d, "default"));
		else if (had_default)
			diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", diff_q(out, t), qc);
	}
	if (diff_get_bool(d, "not_null") && !diff_get_bool(s, "not_null") &&
		diff_is_foreign(diff_get_obj(diff->dst.tables, t)))
		diff_emit(out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", diff_q(out, t), qc);
	else if (diff_get_bool(d, "not_null") && !diff_get_bool(s, "not_null"))
	{
		const char *k = quote_identifier(psprintf("%s_%s_not_null", t, c));

#if PG_VERSION_NUM >= 180000
		/* online: 18's NOT NULL NOT VALID, validated without the heavy lock */
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ADD CONSTRAINT %s NOT NULL %s NOT VALID",
			 diff_q(out, t), k, qc);
		diff_emit(out, NULL, "ALTER TABLE %s VALIDATE CONSTRAINT %s", diff_q(out, t), k);
#else
		/* online: a validated CHECK lets SET NOT NULL skip its scan */
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID",
			 diff_q(out, t), k, qc);
		diff_emit(out, NULL, "ALTER TABLE %s VALIDATE CONSTRAINT %s", diff_q(out, t), k);
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", diff_q(out, t), qc);
		diff_emit(out, "blocking-lock", "ALTER TABLE %s DROP CONSTRAINT %s", diff_q(out, t), k);
#endif
	}
	else if (!diff_get_bool(d, "not_null") && diff_get_bool(s, "not_null"))
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", diff_q(out, t), qc);
	if (di && !si)
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY%s",
			 diff_q(out, t), qc, di[0] == 'a' ? "ALWAYS" : "BY DEFAULT", identity_options(d));
	else if (di && si && di[0] != si[0])
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s",
			 diff_q(out, t), qc, di[0] == 'a' ? "ALWAYS" : "BY DEFAULT");
	if (di && si)
		alter_identity_options(out, t, c, s, d);
}

static void
alter_columns(Diff *diff, const char *t, JsonbContainer *st, JsonbContainer *dt)
{
	DiffOut    *out = diff->out;
	JsonbContainer *sc = diff_get_obj(st, "columns");
	JsonbContainer *dc = diff_get_obj(dt, "columns");
	ListCell   *lc;

	/* (an inherited column that its parent adds or drops: the parent's statement does) */
	foreach(lc, diff_by_position(sc))
		if (!diff_has_key(dc, lfirst(lc)) &&
			!(diff_get_bool(diff_get_obj(sc, lfirst(lc)), "inherited") &&
			  diff_column_comes_with_parent(diff, st, dt, lfirst(lc))))
			diff_emit(out, diff_drop_hazard(diff, "column", psprintf("%s.%s", quote_identifier(t),
																	  quote_identifier(lfirst(lc)))),
					  "ALTER TABLE %s DROP COLUMN %s", diff_q(out, t), quote_identifier(lfirst(lc)));
	foreach(lc, diff_by_position(dc))
	{
		char	   *c = lfirst(lc);
		JsonbContainer *d = diff_get_obj(dc, c);
		JsonbContainer *s = diff_get_obj(sc, c);

		if (diff_get_bool(d, "inherited") &&
			(s ? diff_get_bool(s, "inherited") && diff_inherited_via_parent(diff, st, dt, c) :
			 diff_column_comes_with_parent(diff, st, dt, c)))
		{
			/* its parent's changes recurse to it: its own default only */
			if (s && !diff_same(s, d, "default"))
				diff_emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s %s%s", diff_q(out, t),
						  quote_identifier(c), diff_get_text(d, "default") ? "SET DEFAULT " : "DROP DEFAULT",
						  diff_get_text(d, "default") ? diff_get_text(d, "default") : "");
			continue;
		}
		if (s == NULL)
			diff_emit(out, diff_get_text(d, "generated") || diff_get_text(d, "identity") ? "rewrite" : "blocking-lock",
				 "ALTER TABLE %s ADD COLUMN %s", diff_q(out, t), column_sql(c, d));
		else
			alter_column(diff, t, c, s, d);
	}
}

/* storage parameters: what goes is reset, what is new or other is set */
static void
alter_options(DiffOut *out, const char *t, JsonbContainer *st, JsonbContainer *dt)
{
	List	   *from = diff_array_of(st, "options");
	List	   *to = diff_array_of(dt, "options");
	StringInfoData reset;
	StringInfoData set;
	ListCell   *lc;

	initStringInfo(&reset);
	initStringInfo(&set);
	foreach(lc, from)
	{
		char	   *name = pnstrdup(lfirst(lc), strcspn(lfirst(lc), "="));
		bool		kept = false;
		ListCell   *lc2;

		foreach(lc2, to)
			if (strncmp(lfirst(lc2), name, strlen(name)) == 0 && ((char *) lfirst(lc2))[strlen(name)] == '=')
				kept = true;
		if (!kept)
			appendStringInfo(&reset, "%s%s", reset.len ? ", " : "", name);
	}
	foreach(lc, to)
		if (!diff_str_member(from, lfirst(lc)))
			appendStringInfo(&set, "%s%s", set.len ? ", " : "", (char *) lfirst(lc));
	if (reset.len)
		diff_emit(out, NULL, "ALTER TABLE %s RESET (%s)", diff_q(out, t), reset.data);
	if (set.len)
		diff_emit(out, NULL, "ALTER TABLE %s SET (%s)", diff_q(out, t), set.data);
}

/*
 * 18: a partition made PARTITION OF has NOT NULL constraints named after
 * its table's, and keeps those names when detached; a table that is no
 * partition in the target gets the names a fresh table would.
 */
static void
rename_detached_not_nulls(DiffOut *out, const char *t, JsonbContainer *st, JsonbContainer *dt)
{
	JsonbContainer *sc = diff_get_obj(st, "columns");
	JsonbContainer *dc = diff_get_obj(dt, "columns");
	ListCell   *lc;

	if (diff_get_text(dt, "partition_of"))
		return;
	foreach(lc, diff_keys_of(sc))
	{
		char	   *c = lfirst(lc);
		char	   *name = diff_get_text(diff_get_obj(sc, c), "not_null_name");
		JsonbContainer *d = diff_get_obj(dc, c);

		if (name && d && diff_get_bool(d, "not_null"))
			diff_emit(out, NULL, "ALTER TABLE %s RENAME CONSTRAINT %s TO %s", diff_q(out, t),
				 quote_identifier(name), quote_identifier(psprintf("%s_%s_not_null", t, c)));
	}
}

static void
alter_table(Diff *diff, const char *t, JsonbContainer *st, JsonbContainer *dt)
{
	DiffOut    *out = diff->out;

	diff_on(out, ACT_ALTER, "relation", t);
	if (diff_get_bool(st, "unlogged") != diff_get_bool(dt, "unlogged"))
		diff_emit(out, "rewrite", "ALTER TABLE %s SET %s", diff_q(out, t), diff_get_bool(dt, "unlogged") ? "UNLOGGED" : "LOGGED");
	alter_options(out, t, st, dt);
	if (diff_is_foreign(dt))
		diff_alter_generic_options(out, psprintf("ALTER FOREIGN TABLE %s", diff_q(out, t)),
								   diff_array_of(st, "foreign_options"), diff_array_of(dt, "foreign_options"));
	if (diff_get_text(st, "partition_of") && !(diff_same(st, dt, "partition_of") && diff_same(st, dt, "bound")))
	{
		diff_emit(out, "blocking-lock", "ALTER TABLE %s DETACH PARTITION %s",
			 diff_q(out, diff_get_text(st, "partition_of")), diff_q(out, t));
		rename_detached_not_nulls(out, t, st, dt);
	}
	/* a partition's columns follow its table's */
	if (!(diff_get_text(st, "partition_of") && diff_get_text(dt, "partition_of")))
		alter_columns(diff, t, st, dt);
	diff_inherits_attach(diff, t, st, dt);
	if (diff_get_text(dt, "partition_of") && !(diff_same(st, dt, "partition_of") && diff_same(st, dt, "bound")))
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ATTACH PARTITION %s %s",
			 diff_q(out, diff_get_text(dt, "partition_of")), diff_q(out, t), diff_need_text(dt, "bound"));
}

/*
 * A column's storage and compression, where they are not its type's
 * default (x NULL: a new column, with the defaults).  A change of type
 * gives the column its new type's storage.
 */
static void
column_storage(Diff *diff, const char *t, const char *c, JsonbContainer *x, JsonbContainer *y)
{
	DiffOut    *out = diff->out;
	char	   *storage = diff_get_text(y, "storage");
	char	   *compression = diff_get_text(y, "compression");
	bool		retyped = x == NULL || !diff_same(x, y, "type");
	JsonbContainer *dt = diff_get_obj(diff->dst.tables, t);
	char	   *parent = diff_get_text(dt, "partition_of");

	if (parent == NULL && diff_get_bool(y, "inherited") && diff_array_of(dt, "inherits"))
		parent = diff_local_parent(linitial(diff_array_of(dt, "inherits")));

	/*
	 * A new partition (or child) takes its storage and compression from its
	 * table's column as it is when the partition is made: from that, whatever
	 * order the two come in.
	 */
	if (x == NULL && parent)
	{
		x = diff_get_obj(diff_get_obj(diff_get_obj(diff->dst.tables, parent), "columns"), c);
		if (x && (diff_get_text(x, "storage") || diff_get_text(x, "compression")))
		{
			if (storage == NULL && diff_get_text(x, "storage"))
				storage = diff_need_text(x, "type_storage");
			if (storage)
				diff_emit(out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET STORAGE %s", diff_q(out, t),
						  quote_identifier(c), storage);
			if (compression || diff_get_text(x, "compression"))
				diff_emit(out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET COMPRESSION %s", diff_q(out, t),
						  quote_identifier(c), compression ? compression : "DEFAULT");
			return;
		}
		x = NULL;
	}

	if (storage && (retyped || !diff_same(x, y, "storage")))
		diff_emit(out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET STORAGE %s", diff_q(out, t),
				  quote_identifier(c), storage);
	else if (!storage && !retyped && diff_get_text(x, "storage"))
		diff_emit(out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET STORAGE %s", diff_q(out, t),
				  quote_identifier(c), diff_need_text(x, "type_storage"));
	if (!diff_same(x, y, "compression"))
		diff_emit(out, NULL, "ALTER TABLE %s ALTER COLUMN %s SET COMPRESSION %s", diff_q(out, t),
				  quote_identifier(c), compression ? compression : "DEFAULT");
}

/*
 * Tables both have are altered; then, on every table of the target, row
 * level security, comments and grants (st NULL: a new table).
 */
void
diff_tables_alter(Diff *diff)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;
	ListCell   *lc2;

	foreach(lc, diff_keys_of(diff->dst.tables))
	{
		char	   *t = lfirst(lc);
		JsonbContainer *st = diff_get_obj(diff->src.tables, t);
		JsonbContainer *dt = diff_get_obj(diff->dst.tables, t);
		JsonbContainer *sc = diff_get_obj(st, "columns");
		JsonbContainer *dc = diff_get_obj(dt, "columns");
		char	   *on = psprintf("TABLE %s", diff_q(out, t));

		diff_on(out, ACT_ALTER, "relation", t);
		if (st)
			alter_table(diff, t, st, dt);
		if (diff_get_bool(st, "row_security") != diff_get_bool(dt, "row_security"))
			diff_emit(out, "blocking-lock", "ALTER TABLE %s %s ROW LEVEL SECURITY", diff_q(out, t),
				 diff_get_bool(dt, "row_security") ? "ENABLE" : "DISABLE");
		if (diff_get_bool(st, "force_row_security") != diff_get_bool(dt, "force_row_security"))
			diff_emit(out, "blocking-lock", "ALTER TABLE %s %s ROW LEVEL SECURITY", diff_q(out, t),
				 diff_get_bool(dt, "force_row_security") ? "FORCE" : "NO FORCE");
		diff_emit_comment(out, diff_is_foreign(dt) ? "FOREIGN TABLE" : "TABLE", diff_q(out, t), st, dt);
		diff_emit_grants(out, on, NULL, st, dt);
		foreach(lc2, diff_keys_of(dc))
		{
			char	   *c = lfirst(lc2);
			JsonbContainer *x = diff_get_obj(sc, c);
			JsonbContainer *y = diff_get_obj(dc, c);

			if (x && diff_column_recreated(x, y))
				x = NULL;		/* added again, as new */
			column_storage(diff, t, c, x, y);
			if (x && !diff_same(x, y, "options"))
				diff_alter_generic_options(out, psprintf("ALTER FOREIGN TABLE %s ALTER COLUMN %s", diff_q(out, t),
														 quote_identifier(c)),
										   diff_array_of(x, "options"), diff_array_of(y, "options"));
			/* (the name made only when there is a comment to set) */
			if (!diff_same(x, y, "comment"))
				diff_emit_comment(out, "COLUMN", psprintf("%s.%s", diff_q(out, t), quote_identifier(c)), x, y);
			diff_emit_grants(out, on, quote_identifier(c), x, y);
		}
	}
}

/* ---------------------------------------------------------------------
 * Constraints, indexes, triggers and policies, new or changed
 * ---------------------------------------------------------------------
 */

/* a primary key or unique constraint on a table with rows: its index first */
static void
add_key_online(DiffOut *out, const char *t, const char *k, const char *type, const char *def)
{
	/* "PRIMARY KEY (a, b) INCLUDE (c) DEFERRABLE INITIALLY DEFERRED" */
	const char *cols = strchr(def, '(');
	const char *deferrable = strstr(def, " DEFERRABLE");
	char	   *index = deferrable ? pnstrdup(cols, deferrable - cols) : pstrdup(cols);

	diff_emit(out, "index-build", "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s %s",
		 quote_identifier(k), diff_q(out, t), index);
	diff_emit(out, "blocking-lock", "ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s%s",
		 diff_q(out, t), quote_identifier(k), type[0] == 'p' ? "PRIMARY KEY" : "UNIQUE",
		 quote_identifier(k), deferrable ? deferrable : "");
}

static void
add_constraint(DiffOut *out, const char *t, const char *k, JsonbContainer *d, bool existing, bool part)
{
	char	   *type = diff_need_text(d, "type");
	char	   *def = diff_need_text(d, "definition");
	bool		not_valid = strstr(def, " NOT VALID") != NULL;

	diff_on_part(out, ACT_CREATE, "constraint", t, k);
	if (!existing)
		diff_emit(out, NULL, "ALTER TABLE %s ADD CONSTRAINT %s %s", diff_q(out, t), quote_identifier(k), def);
	else if ((type[0] == 'p' || type[0] == 'u') && !part && strstr(def, "NULLS NOT DISTINCT") == NULL)
		add_key_online(out, t, k, type, def);
	else if ((type[0] == 'c' || type[0] == 'f' || type[0] == 'n') && !not_valid)
	{
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID",
			 diff_q(out, t), quote_identifier(k), def);
		diff_emit(out, NULL, "ALTER TABLE %s VALIDATE CONSTRAINT %s", diff_q(out, t), quote_identifier(k));
	}
	else
		diff_emit(out, "blocking-lock", "ALTER TABLE %s ADD CONSTRAINT %s %s", diff_q(out, t), quote_identifier(k), def);
	diff_emit_comment(out, "CONSTRAINT", psprintf("%s ON %s", quote_identifier(k), diff_q(out, t)), NULL, d);
}

/* CREATE INDEX ... -> CREATE INDEX CONCURRENTLY ... */
static char *
concurrently(const char *indexdef)
{
	if (strncmp(indexdef, "CREATE UNIQUE INDEX ", 20) == 0)
		return psprintf("CREATE UNIQUE INDEX CONCURRENTLY %s", indexdef + 20);
	if (strncmp(indexdef, "CREATE INDEX ", 13) == 0)
		return psprintf("CREATE INDEX CONCURRENTLY %s", indexdef + 13);
	return pstrdup(indexdef);
}

/*
 * Indexes of d that s has not, or not the same, with their comments; of
 * a table (or materialized view) with rows: concurrently.
 */
void
diff_indexes(Diff *diff, const char *table, JsonbContainer *s, JsonbContainer *d, bool concurrent)
{
	JsonbContainer *si = diff_get_obj(s, "indexes");
	JsonbContainer *di = diff_get_obj(d, "indexes");
	ListCell   *lc;

	foreach(lc, diff_keys_of(di))
	{
		char	   *ix = lfirst(lc);
		JsonbContainer *x = diff_get_obj(si, ix);
		JsonbContainer *y = diff_get_obj(di, ix);

		diff_on(diff->out, ACT_CREATE, "index", ix);
		if (x == NULL || !diff_same(x, y, "definition") || diff_is_rebuilt(diff, "index", ix))
		{
			char	   *def = diff_need_text(y, "definition");

			if (concurrent)
				diff_emit(diff->out, "index-build", "%s", concurrently(def));
			else
				diff_emit(diff->out, s ? "blocking-lock" : NULL, "%s", def);
			x = NULL;
		}
		diff_emit_comment(diff->out, "INDEX", diff_q(diff->out, ix), x, y);
	}
}

static void
create_policy(DiffOut *out, const char *t, const char *name, JsonbContainer *p)
{
	char	   *using = diff_get_text(p, "using");
	char	   *check = diff_get_text(p, "check");

	diff_emit(out, "blocking-lock", "CREATE POLICY %s ON %s AS %s FOR %s TO %s%s%s",
		 quote_identifier(name), diff_q(out, t), diff_get_bool(p, "permissive") ? "PERMISSIVE" : "RESTRICTIVE",
		 diff_need_text(p, "command"), diff_need_text(p, "roles"),
		 using ? psprintf(" USING (%s)", using) : "",
		 check ? psprintf(" WITH CHECK (%s)", check) : "");
}

/* triggers and policies of one table, new or changed, with their comments */
static void
add_triggers_policies(Diff *diff, const char *t, JsonbContainer *st, JsonbContainer *dt)
{
	DiffOut    *out = diff->out;
	List	   *new_triggers = changed(diff, t, st, dt, "triggers", true);
	List	   *new_policies = changed(diff, t, st, dt, "policies", true);
	JsonbContainer *tg = diff_get_obj(dt, "triggers");
	JsonbContainer *po = diff_get_obj(dt, "policies");
	ListCell   *lc;

	foreach(lc, diff_keys_of(tg))
	{
		char	   *name = lfirst(lc);
		bool		add = diff_str_member(new_triggers, name);

		diff_on_part(out, ACT_CREATE, "trigger", t, name);
		if (add)
			diff_emit(out, st ? "blocking-lock" : NULL, "%s", diff_get_text(diff_get_obj(tg, name), "definition"));
		diff_emit_comment(out, "TRIGGER", psprintf("%s ON %s", quote_identifier(name), diff_q(out, t)),
					 add ? NULL : diff_get_obj(diff_get_obj(st, "triggers"), name), diff_get_obj(tg, name));
	}
	foreach(lc, diff_keys_of(po))
	{
		char	   *name = lfirst(lc);
		bool		add = diff_str_member(new_policies, name);

		diff_on_part(out, ACT_CREATE, "policy", t, name);
		if (add)
			create_policy(out, t, name, diff_get_obj(po, name));
		diff_emit_comment(out, "POLICY", psprintf("%s ON %s", quote_identifier(name), diff_q(out, t)),
					 add ? NULL : diff_get_obj(diff_get_obj(st, "policies"), name), diff_get_obj(po, name));
	}
}

/*
 * Constraints of every table (keys first, then checks and exclusions,
 * then foreign keys: all tables exist by then, so cycles work), then
 * indexes, triggers and policies.
 */
void
diff_tables_add_parts(Diff *diff)
{
	DiffOut    *out = diff->out;
	ListCell   *lc;
	ListCell   *lc2;

	List	   *tables = diff_keys_of(diff->dst.tables);
	List	   *adds = NIL;		/* changed(), a table, worked out once */

	for (int pass = 0; pass < 3; pass++)
		foreach(lc, tables)
		{
			char	   *t = lfirst(lc);
			JsonbContainer *st = diff_get_obj(diff->src.tables, t);
			JsonbContainer *dt = diff_get_obj(diff->dst.tables, t);
			JsonbContainer *dk = diff_get_obj(dt, "constraints");
			List	   *add;

			if (pass == 0)
				adds = lappend(adds, changed(diff, t, st, dt, "constraints", true));
			add = list_nth(adds, foreach_current_index(lc));

			foreach(lc2, diff_keys_of(dk))
			{
				char	   *k = lfirst(lc2);
				JsonbContainer *d = diff_get_obj(dk, k);
				char	   *type = diff_need_text(d, "type");
				int			p = (type[0] == 'p' || type[0] == 'u') ? 0 : (type[0] == 'f' ? 2 : 1);

				if (p != pass)
					continue;
				if (diff_str_member(add, k))
					add_constraint(out, t, k, d, st != NULL && !diff_is_foreign(dt), partitioned(dt));
				else
				{
					diff_on_part(out, ACT_ALTER, "constraint", t, k);
					diff_emit_comment(out, "CONSTRAINT", psprintf("%s ON %s", quote_identifier(k), diff_q(out, t)),
								 diff_get_obj(diff_get_obj(st, "constraints"), k), d);
				}
			}
		}
	foreach(lc, tables)
	{
		char	   *t = lfirst(lc);
		JsonbContainer *st = diff_get_obj(diff->src.tables, t);
		JsonbContainer *dt = diff_get_obj(diff->dst.tables, t);

		diff_indexes(diff, t, st, dt, st != NULL && !partitioned(dt));
		add_triggers_policies(diff, t, st, dt);
	}
}

/*
 * The checks of table t, which goes, that call a function over t's row type
 * (the snapshot's "depends"): dropped before it, so that the function can
 * go before the table (a cycle the table's DROP could not break).
 */
static void
drop_cyclic_constraints(Diff *diff, const char *t)
{
	char	   *table = psprintf("relation %s", t);
	ListCell   *lc;
	ListCell   *ld;

	foreach(lc, diff_keys_of(diff_get_obj(diff_get_obj(diff->src.tables, t), "constraints")))
	{
		char	   *k = psprintf("constraint %s.%s", quote_identifier(t), quote_identifier(lfirst(lc)));

		foreach(ld, diff_array_of(diff->src.depends, k))
			if (strncmp(lfirst(ld), "function ", 9) == 0 &&
				diff_str_member(diff_array_of(diff->src.depends, lfirst(ld)), table))
			{
				diff_on_part(diff->out, ACT_DROP, "constraint", t, lfirst(lc));
				diff_emit(diff->out, "blocking-lock", "ALTER TABLE %s DROP CONSTRAINT %s",
					 diff_q(diff->out, t), quote_identifier(lfirst(lc)));
				break;
			}
	}
}

/*
 * Tables that go, all in one statement (keys between them go with them),
 * before the keys of those that stay, which their foreign keys may use.
 */
void
diff_tables_drop(Diff *diff)
{
	StringInfoData s;
	List	   *gone = NIL;
	ListCell   *lc;
	const char *hazard = "data-loss";

	initStringInfo(&s);
	/* foreign tables first, on their own (DROP TABLE refuses them): no data of theirs is here */
	foreach(lc, diff_keys_of(diff->src.tables))
		if (!diff_has_key(diff->dst.tables, lfirst(lc)) &&
			diff_is_foreign(diff_get_obj(diff->src.tables, lfirst(lc))))
		{
			diff_on(diff->out, ACT_DROP, "relation", lfirst(lc));
			diff_emit(diff->out, NULL, "DROP FOREIGN TABLE %s", diff_q(diff->out, lfirst(lc)));
		}
	foreach(lc, diff_keys_of(diff->src.tables))
		if (!diff_has_key(diff->dst.tables, lfirst(lc)) &&
			!diff_is_foreign(diff_get_obj(diff->src.tables, lfirst(lc))))
		{
			appendStringInfo(&s, "%s%s", s.len ? ", " : "", diff_q(diff->out, lfirst(lc)));
			gone = lappend(gone, lfirst(lc));
			/* one that may be a rename says so */
			if (strcmp(hazard, "data-loss") == 0)
				hazard = diff_drop_hazard(diff, "table", quote_identifier(lfirst(lc)));
		}
	if (gone == NIL)
		return;
	foreach(lc, gone)
		drop_cyclic_constraints(diff, lfirst(lc));
	diff_on(diff->out, ACT_DROP, "relation", linitial(gone));
	diff_emit(diff->out, hazard, "DROP TABLE %s", s.data);
	for_each_from(lc, gone, 1)
		diff_also(diff->out, "relation", lfirst(lc));
}
