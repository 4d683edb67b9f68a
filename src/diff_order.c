/*-------------------------------------------------------------------------
 *
 * diff_order.c
 *	  The order of migrator.diff()'s statements: a topological sort of them
 *	  over what depends on what in the two schemas (pg_depend, as the
 *	  snapshot's "depends" gives it).
 *
 *	  Each statement acts on one object (diff_on()): creates it, alters it,
 *	  drops it, or sets its comment or grants.  A statement comes after
 *	  - the statements before it on the same object (in the order emitted);
 *	  - when it creates or alters an object: those that create or alter
 *	    what that object depends on in the target schema (a view after the
 *	    function it calls, a check after the function over its table's row
 *	    type);
 *	  - when it drops an object: those that drop or alter what depends on
 *	    it in the source schema (a function after the view that calls it,
 *	    a type after the column of that type is dropped or changed);
 *	  - when it alters an object: those that drop what depends on it in the
 *	    source (a column's type changes once the views that read it are
 *	    gone);
 *	  - the statements that create what it names with diff_needs().
 *	  Among the statements free to go, the one emitted first goes first, so
 *	  the order of emission (by kind: see diff.c) is kept wherever the
 *	  dependencies allow it.  Dependencies that form a cycle (which pg_depend
 *	  allows among objects a statement of the diff creates together) are
 *	  broken by the order of emission.
 *
 *	  Before anything is emitted, diff_find_rebuilt() works out what both
 *	  schemas have but must be dropped and created again, because something
 *	  it depends on is (a view over a view re-created, a check calling a
 *	  function whose result type changes).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "lib/binaryheap.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/varlena.h"

#include "diff.h"

/* an object that statements act on */
typedef struct ObjEntry
{
	const char *name;			/* the key: a pointer to the name */
	List	   *statements;		/* int: their positions, in order */
	List	   *dependents;		/* what depends on it in the source */
} ObjEntry;

/* the statements being ordered, by position from the first of this diff */
typedef struct Order
{
	int			n;
	char	   *act;
	List	  **succ;			/* int: what must come after each */
	int		   *pending;		/* how many of what must come before are left */
	HTAB	   *objects;		/* ObjEntry, by name */
} Order;

static uint32
name_hash(const void *key, Size keysize)
{
	const char *s = *(const char *const *) key;

	return hash_bytes((const unsigned char *) s, strlen(s));
}

static int
name_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static ObjEntry *
lookup(Order *o, const char *name, bool add)
{
	ObjEntry   *e;
	bool		found;

	e = hash_search(o->objects, &name, add ? HASH_ENTER : HASH_FIND, &found);
	if (add && !found)
	{
		e->statements = NIL;
		e->dependents = NIL;
	}
	return e;
}

/* statement a before statement b */
static void
edge(Order *o, int a, int b)
{
	if (a == b)
		return;
	o->succ[a] = lappend_int(o->succ[a], b);
	o->pending[b]++;
}

/* the statements on e (NULL: none) whose act is one of acts, before i */
static void
after(Order *o, ObjEntry *e, const char *acts, int i)
{
	ListCell   *lc;

	if (e == NULL)
		return;
	foreach(lc, e->statements)
		if (strchr(acts, o->act[lfirst_int(lc)]))
			edge(o, lfirst_int(lc), i);
}

/* the edges of statement i on object name (see the header) */
static void
statement_edges(Order *o, int i, const char *name, JsonbContainer *dst_depends)
{
	ObjEntry   *self = lookup(o, name, false);
	char		act = o->act[i];
	ListCell   *lc;

	if (act == ACT_CREATE || act == ACT_ALTER)
		foreach(lc, diff_array_of(dst_depends, name))
			if (strcmp(lfirst(lc), name) != 0)
				after(o, lookup(o, lfirst(lc), false), "ca", i);
	if (act == ACT_DROP || act == ACT_ALTER)
		foreach(lc, self->dependents)
			if (strcmp(lfirst(lc), name) != 0)
				after(o, lookup(o, lfirst(lc), false), act == ACT_DROP ? "da" : "d", i);
}

/* the earlier emitted first */
static int
earlier_first(Datum a, Datum b, void *arg)
{
	int			x = DatumGetInt32(a);
	int			y = DatumGetInt32(b);

	return x < y ? 1 : x > y ? -1 : 0;
}

/* the positions of the statements in order (Kahn's algorithm) */
static int *
sorted(Order *o)
{
	int		   *result = palloc(sizeof(int) * o->n);
	bool	   *queued = palloc0(sizeof(bool) * o->n);
	binaryheap *ready = binaryheap_allocate(o->n, earlier_first, NULL);
	int			done = 0;
	int			next_unqueued = 0;

	for (int i = 0; i < o->n; i++)
		if (o->pending[i] == 0)
		{
			binaryheap_add_unordered(ready, Int32GetDatum(i));
			queued[i] = true;
		}
	binaryheap_build(ready);
	while (done < o->n)
	{
		int			i;
		ListCell   *lc;

		if (binaryheap_empty(ready))
		{
			/* a cycle: the first emitted of what is left goes */
			while (queued[next_unqueued])
				next_unqueued++;
			elog(DEBUG1, "migrator.diff: a cycle of dependencies, broken at statement %d",
				 next_unqueued + 1);
			queued[next_unqueued] = true;
			binaryheap_add(ready, Int32GetDatum(next_unqueued));
		}
		i = DatumGetInt32(binaryheap_remove_first(ready));
		result[done++] = i;
		foreach(lc, o->succ[i])
		{
			int			j = lfirst_int(lc);

			if (--o->pending[j] == 0 && !queued[j])
			{
				queued[j] = true;
				binaryheap_add(ready, Int32GetDatum(j));
			}
		}
	}
	return result;
}

/* reorder list from position start as positions says */
static List *
reorder(List *list, int start, int *positions, int n)
{
	List	   *result = list_truncate(list_copy(list), start);

	for (int i = 0; i < n; i++)
		result = lappend(result, list_nth(list, start + positions[i]));
	return result;
}

static List *
reorder_int(List *list, int start, int *positions, int n)
{
	List	   *result = list_truncate(list_copy(list), start);

	for (int i = 0; i < n; i++)
		result = lappend_int(result, list_nth_int(list, start + positions[i]));
	return result;
}

/*
 * Put the statements of out from position start (those of one schema's
 * diff) in an order that respects what depends on what (see the header).
 * src_depends and dst_depends: the snapshots' "depends" (NULL, as in a
 * snapshot recorded before they had it: no dependencies are known).
 */
void
diff_order(DiffOut *out, int start, JsonbContainer *src_depends, JsonbContainer *dst_depends)
{
	Order		o;
	HASHCTL		ctl;
	ListCell   *lc;
	int		   *positions;

	o.n = list_length(out->statements) - start;
	if (o.n < 2)
		return;
	o.act = palloc(o.n);
	o.succ = palloc0(sizeof(List *) * o.n);
	o.pending = palloc0(sizeof(int) * o.n);
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(ObjEntry);
	ctl.hash = name_hash;
	ctl.match = name_match;
	ctl.hcxt = CurrentMemoryContext;
	o.objects = hash_create("migrator diff objects", 256, &ctl,
							HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);

	/* the statements on each object, each after the one before it */
	for (int i = 0; i < o.n; i++)
	{
		o.act[i] = (char) list_nth_int(out->acts, start + i);
		foreach(lc, (List *) list_nth(out->objects, start + i))
		{
			ObjEntry   *e = lookup(&o, lfirst(lc), true);

			if (e->statements != NIL)
				edge(&o, llast_int(e->statements), i);
			e->statements = lappend_int(e->statements, i);
		}
	}
	/* what depends in the source on each object a statement acts on */
	foreach(lc, diff_keys_of(src_depends))
	{
		ListCell   *ld;

		foreach(ld, diff_array_of(src_depends, lfirst(lc)))
		{
			ObjEntry   *e = lookup(&o, lfirst(ld), false);

			if (e)
				e->dependents = lappend(e->dependents, lfirst(lc));
		}
	}
	for (int i = 0; i < o.n; i++)
	{
		if (o.act[i] != ACT_META)
			foreach(lc, (List *) list_nth(out->objects, start + i))
				statement_edges(&o, i, lfirst(lc), dst_depends);
		foreach(lc, (List *) list_nth(out->needs, start + i))
			after(&o, lookup(&o, lfirst(lc), false), "ca", i);
	}

	positions = sorted(&o);
	out->statements = reorder(out->statements, start, positions, o.n);
	out->hazards = reorder(out->hazards, start, positions, o.n);
	out->objects = reorder(out->objects, start, positions, o.n);
	out->needs = reorder(out->needs, start, positions, o.n);
	out->acts = reorder_int(out->acts, start, positions, o.n);
}

/* ---------------------------------------------------------------------
 * What is re-created around a change of what it depends on
 * ---------------------------------------------------------------------
 */

/* names, each with what depends on it (in the source) */
typedef struct NameEntry
{
	const char *name;			/* the key: a pointer to the name */
	List	   *dependents;
} NameEntry;

static HTAB *
name_table(const char *what)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(NameEntry);
	ctl.hash = name_hash;
	ctl.match = name_match;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(what, 256, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/* name's entry in table, made if add and not there yet (NULL: not there) */
static NameEntry *
name_entry(HTAB *table, const char *name, bool add, bool *found)
{
	NameEntry  *e = hash_search(table, &name, add ? HASH_ENTER : HASH_FIND, found);

	if (add && !*found)
		e->dependents = NIL;
	return e;
}

static bool
rebuilt_name(Diff *diff, const char *name)
{
	bool		found;

	return diff->rebuilt != NULL && name_entry(diff->rebuilt, name, false, &found) != NULL;
}

bool
diff_is_rebuilt(Diff *diff, const char *kind, const char *name)
{
	return diff->rebuilt != NULL && rebuilt_name(diff, psprintf("%s %s", kind, name));
}

bool
diff_is_rebuilt_part(Diff *diff, const char *kind, const char *owner, const char *name)
{
	return diff->rebuilt != NULL &&
		rebuilt_name(diff, psprintf("%s %s.%s", kind, quote_identifier(owner), quote_identifier(name)));
}

/*
 * Can object name (as "depends" names it) of the source be dropped and
 * created again as the target has it: a view, function, or a table's
 * constraint, index, trigger or policy that the target still has?  (A
 * table, type or sequence cannot: it holds data or is what columns are.)
 */
static bool
rebuildable(Diff *diff, const char *name)
{
	const char *sp = strchr(name, ' ');
	char	   *kind;
	const char *rest;

	if (sp == NULL || !diff_has_key(diff->dst.depends, name))
		return false;
	kind = pnstrdup(name, sp - name);
	rest = sp + 1;
	if (strcmp(kind, "relation") == 0)
		return diff_has_key(diff->src.views, rest) && diff_has_key(diff->dst.views, rest);
	if (strcmp(kind, "function") == 0)
		return diff_has_key(diff->src.functions, rest) && diff_has_key(diff->dst.functions, rest);
	if (diff_kinds_rebuildable(diff, kind, rest) >= 0)
		return diff_kinds_rebuildable(diff, kind, rest) == 1;
	if (strcmp(kind, "constraint") == 0 || strcmp(kind, "index") == 0 ||
		strcmp(kind, "trigger") == 0 || strcmp(kind, "policy") == 0)
	{
		List	   *parts = NIL;

		/* an index is named alone; the others "table.name", quoted */
		if (strcmp(kind, "index") == 0)
			return true;
		if (!SplitIdentifierString(pstrdup(rest), '.', &parts) || list_length(parts) != 2)
			return false;
		/* (a view's trigger: re-created with its view, or alone) */
		return (diff_has_key(diff->src.tables, linitial(parts)) && diff_has_key(diff->dst.tables, linitial(parts))) ||
			(strcmp(kind, "trigger") == 0 &&
			 diff_has_key(diff->src.views, linitial(parts)) && diff_has_key(diff->dst.views, linitial(parts)));
	}
	return false;
}

/*
 * What both schemas have but must be dropped and created again because
 * something it depends on is: a view over a view re-created or a table
 * whose columns change, a function whose result type changes (see
 * diff_function_replaced()), a domain or range re-created (its base type
 * changes: diff_types_create()), a column re-created (diff_column_recreated());
 * and, in turn, whatever
 * depends on those (in the source) and can be (rebuildable()): a
 * function over a view's row type, a check or index calling a function
 * that is replaced, a view calling it.  Found before anything is emitted;
 * each part of the diff then treats these as changed.
 */
void
diff_find_rebuilt(Diff *diff)
{
	List	   *seeds = NIL;
	HTAB	   *dependents = name_table("migrator diff dependents");
	ListCell   *lc;
	bool		found;

	foreach(lc, diff_views_to_drop(diff))
		if (diff_has_key(diff->src.views, lfirst(lc)) && diff_has_key(diff->dst.views, lfirst(lc)))
			seeds = lappend(seeds, psprintf("relation %s", (char *) lfirst(lc)));
	foreach(lc, diff_keys_of(diff->dst.functions))
	{
		JsonbContainer *s = diff_get_obj(diff->src.functions, lfirst(lc));

		if (s && diff_function_replaced(s, diff_get_obj(diff->dst.functions, lfirst(lc))))
			seeds = lappend(seeds, psprintf("function %s", (char *) lfirst(lc)));
	}
	foreach(lc, diff_keys_of(diff->dst.tables))
	{
		JsonbContainer *sc = diff_get_obj(diff_get_obj(diff->src.tables, lfirst(lc)), "columns");
		JsonbContainer *dc = diff_get_obj(diff_get_obj(diff->dst.tables, lfirst(lc)), "columns");
		ListCell   *lk;

		foreach(lk, diff_keys_of(sc))
			if (diff_has_key(dc, lfirst(lk)) &&
				diff_column_recreated(diff_get_obj(sc, lfirst(lk)), diff_get_obj(dc, lfirst(lk))))
				seeds = lappend(seeds, psprintf("column %s.%s", quote_identifier(lfirst(lc)),
												quote_identifier(lfirst(lk))));
	}
	foreach(lc, diff_keys_of(diff->dst.domains))
	{
		JsonbContainer *s = diff_get_obj(diff->src.domains, lfirst(lc));
		JsonbContainer *d = diff_get_obj(diff->dst.domains, lfirst(lc));

		if (s && !(diff_same(s, d, "type") && diff_same(s, d, "collation")))
			seeds = lappend(seeds, psprintf("type %s", (char *) lfirst(lc)));
	}
	foreach(lc, diff_keys_of(diff->dst.ranges))
	{
		JsonbContainer *s = diff_get_obj(diff->src.ranges, lfirst(lc));

		if (s && !diff_same(s, diff_get_obj(diff->dst.ranges, lfirst(lc)), "definition"))
			seeds = lappend(seeds, psprintf("type %s", (char *) lfirst(lc)));
	}
	seeds = list_concat(seeds, diff_kinds_changed(diff));
	if (seeds == NIL)
		return;

	/* what depends on each name, then from the seeds along it */
	foreach(lc, diff_keys_of(diff->src.depends))
	{
		ListCell   *ld;

		foreach(ld, diff_array_of(diff->src.depends, lfirst(lc)))
		{
			NameEntry  *e = name_entry(dependents, lfirst(ld), true, &found);

			e->dependents = lappend(e->dependents, lfirst(lc));
		}
	}
	diff->rebuilt = name_table("migrator diff rebuilt");
	foreach(lc, seeds)
		(void) name_entry(diff->rebuilt, lfirst(lc), true, &found);
	/* (seeds grows as it is walked: what is added is walked too) */
	foreach(lc, seeds)
	{
		NameEntry  *e = name_entry(dependents, lfirst(lc), false, &found);
		ListCell   *ld;

		if (e == NULL)
			continue;
		foreach(ld, e->dependents)
			if (!rebuilt_name(diff, lfirst(ld)) && rebuildable(diff, lfirst(ld)))
			{
				(void) name_entry(diff->rebuilt, lfirst(ld), true, &found);
				seeds = lappend(seeds, lfirst(ld));
			}
	}
}
