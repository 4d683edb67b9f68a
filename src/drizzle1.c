/*-------------------------------------------------------------------------
 *
 * drizzle1.c
 *	  drizzle-kit 1.0 folders: <yyyymmddhhmmss>_<name>/migration.sql beside
 *	  a snapshot.json whose "id" and "prevIds" (its parents) make the
 *	  migrations a graph, so that a migration generated on a branch may
 *	  sort before one already applied.  drizzle-orm 1.0 applies, by folder
 *	  name, every migration not yet recorded; migrator applies such a
 *	  branch migration when all its parents are applied (or run before it),
 *	  and calls it out of order otherwise.
 *
 *	  The snapshots are read with PostgreSQL's jsonb; nothing but "id" and
 *	  "prevIds" is used.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"

#include "migrator.h"

/* the parent of a first migration: drizzle-kit's empty snapshot */
#define DRIZZLE1_ROOT_ID "00000000-0000-0000-0000-000000000000"

static void
snapshot_callback(void *arg)
{
	errcontext("drizzle-kit snapshot \"%s\"", (const char *) arg);
}

static void
bad_snapshot(const char *path, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("drizzle-kit snapshot \"%s\" is malformed", path),
			 errdetail("%s", why),
			 errhint("drizzle-kit 1.0 writes snapshot.json beside each migration.sql, with its \"id\" and its parents' ids in \"prevIds\"; restore it from version control.")));
}

/*
 * Read m's snapshot.json (beside its migration.sql), if it has one: its
 * "id" and "prevIds", an array of strings.
 */
void
drizzle1_read_snapshot(const MigrationSource *src, Migration *m)
{
	char	   *sub = pnstrdup(m->path, strrchr(m->path, '/') - m->path);
	char	   *path = psprintf("%s/snapshot.json", sub);
	int			len;
	char	   *json = source_read_file(src, path, &len, true);
	ErrorContextCallback cb;
	Jsonb	   *jb;
	JsonbValue	v;
	JsonbContainer *arr;

	if (json == NULL)
		return;					/* written by hand: no parents known */

	cb.callback = snapshot_callback;
	cb.arg = path;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	error_context_stack = cb.previous;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		bad_snapshot(path, "It is not a JSON object.");
	if (!getKeyJsonValueFromContainer(&jb->root, "id", 2, &v) || v.type != jbvString)
		bad_snapshot(path, "It has no \"id\" string.");
	m->snapshot_id = pnstrdup(v.val.string.val, v.val.string.len);
	if (!getKeyJsonValueFromContainer(&jb->root, "prevIds", 7, &v) ||
		v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		bad_snapshot(path, "It has no \"prevIds\" array.");
	arr = v.val.binary.data;
	m->nparents = JsonContainerSize(arr);
	m->parents = palloc(sizeof(char *) * Max(m->nparents, 1));
	for (int i = 0; i < m->nparents; i++)
	{
		JsonbValue *p = getIthJsonbValueFromContainer(arr, i);

		if (p->type != jbvString)
			bad_snapshot(path, psprintf("Element %d of \"prevIds\" is not a string.", i));
		m->parents[i] = pnstrdup(p->val.string.val, p->val.string.len);
	}
}

/*
 * Entry i of the plan, pending, sorts before an applied migration: may it
 * run?  Yes when each parent is drizzle-kit's empty snapshot, an applied
 * migration, or a pending one that runs before it in this run (earlier in
 * the folder and not itself out of order).  Entries before i are settled.
 */
bool
drizzle1_parents_applied(RunPlan *plan, int i)
{
	Migration  *m = plan->entries[i].migration;

	if (m->snapshot_id == NULL)
		return false;
	for (int p = 0; p < m->nparents; p++)
	{
		bool		ok = strcmp(m->parents[p], DRIZZLE1_ROOT_ID) == 0;

		for (int j = 0; !ok && j < plan->set->count; j++)
		{
			PlanEntry  *e = &plan->entries[j];

			if (e->migration->snapshot_id == NULL ||
				strcmp(e->migration->snapshot_id, m->parents[p]) != 0)
				continue;
			ok = e->state == STATE_APPLIED ||
				(e->state == STATE_PENDING && j < i && !e->out_of_order);
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/*
 * drizzle-orm 1.0's created_at for a folder: its first 14 characters,
 * yyyymmddhhmmss, as UTC milliseconds since 1970; -1 when they are not a
 * timestamp.
 */
int64
drizzle1_folder_millis(const char *folder)
{
	int			f[6];
	static const int widths[6] = {4, 2, 2, 2, 2, 2};
	const char *p = folder;
	int64		days;

	for (int k = 0; k < 6; k++)
	{
		f[k] = 0;
		for (int w = 0; w < widths[k]; w++, p++)
		{
			if (*p < '0' || *p > '9')
				return -1;
			f[k] = f[k] * 10 + (*p - '0');
		}
	}
	if (f[1] < 1 || f[1] > 12)
		return -1;
	/* days since 1970-01-01 of y-mo-d (proleptic Gregorian) */
	days = date2j(f[0], f[1], f[2]) - UNIX_EPOCH_JDATE;
	return ((days * 24 + f[3]) * 60 + f[4]) * (int64) 60000 + f[5] * (int64) 1000;
}
