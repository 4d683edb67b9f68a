/*-------------------------------------------------------------------------
 *
 * backfill.c
 *	  Filling the existing rows of an open change, in short batches.
 *
 *	  Each batch touches the rows of one key range that still carry the
 *	  backfill marker (UPDATE ... SET marker = false); the dual-write trigger
 *	  computes their new columns.  A row written meanwhile through either
 *	  shape has lost its marker, so a batch never overwrites it, even when it
 *	  waited for that row's lock (EvalPlanQual re-checks the marker).  Key
 *	  order is the primary key, else a unique NOT NULL key (keyset: each
 *	  batch starts where the last one ended, never a rescan), else ctid
 *	  block ranges.  Progress is stored with each batch, in its transaction,
 *	  so a killed backfill resumes where it stopped.
 *
 *	  backfill() runs batches in the caller's transaction; run_backfill()
 *	  commits after each; schedule_backfill() hands run slices to pg_cron.
 *	  Between the batches of run_backfill() and of the scheduled slices
 *	  come the caller's fixed pause and, when migrator.backfill_share is
 *	  below 100, a sleep in proportion to the batch just run, so that the
 *	  backfill takes at most that share of the time: on a busy server
 *	  batches take longer and the backfill yields longer.  While another
 *	  client session is running a query, migrator.backfill_yield (default
 *	  20) is the share when lower: a backfill yields to the application by
 *	  itself, and runs at full speed alone.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/dbcommands.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/latch.h"
#include "utils/array.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"
#include "funcapi.h"

#include "change.h"
#include "migrator.h"

PG_FUNCTION_INFO_V1(migrator_backfill);
PG_FUNCTION_INFO_V1(migrator_run_backfill);
PG_FUNCTION_INFO_V1(migrator_backfill_slice);
PG_FUNCTION_INFO_V1(migrator_schedule_backfill);

static int	pending_builds(const char *change);

/* set while a batch runs: the trigger then computes new from old */
bool		migrator_backfill_active = false;

/* migrator.backfill_share: percent of the time batches may take */
static int	backfill_share = 100;

/* migrator.backfill_yield: the same, while other sessions are running queries */
static int	backfill_yield = 20;

/* migrator.backfill_progress: ms between two progress NOTICEs */
static int	backfill_progress = 5000;

void
backfill_define_gucs(void)
{
	DefineCustomIntVariable("migrator.backfill_share",
							"Percent of the time run_backfill() and scheduled backfills spend in batches.",
							"Below 100, each batch is followed by a sleep in proportion to how long it took "
							"(at 20, four times as long), so that a backfill yields most of the server to "
							"the application; batches take longer when the server is busy, and the sleeps "
							"with them. The pause argument of run_backfill() comes on top.",
							&backfill_share,
							100,
							1,
							100,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("migrator.backfill_yield",
							"Percent of the time run_backfill() and scheduled backfills spend in batches while other sessions are running queries.",
							"After each batch the backfill looks whether another client session is running a query; "
							"if one is, the batch is followed by a sleep as for migrator.backfill_share at this value "
							"(the lower of the two applies). Alone, the backfill runs at migrator.backfill_share. "
							"100: never yield.",
							&backfill_yield,
							20,
							1,
							100,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("migrator.backfill_progress",
							"Time between two progress reports of backfill() and run_backfill().",
							"A NOTICE gives the rows filled so far, of the estimated total, and the rate; "
							"0: after every batch.",
							&backfill_progress,
							5000,
							0,
							INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
}

/* the progress of one call of backfill(), run_backfill() or a slice */
typedef struct Progress
{
	const char *change;
	instr_time	start;
	instr_time	last;			/* of the last report */
	int64		before;			/* rows_done when the call began */
	int64		total;			/* rows_total; -1: unknown */
	int64		rows;			/* filled by this call */
} Progress;

static void
progress_start(Progress *p, const char *change)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	bool		isnull;

	p->change = change;
	p->rows = 0;
	p->before = 0;
	p->total = -1;
	INSTR_TIME_SET_CURRENT(p->start);
	p->last = p->start;
	values[0] = CStringGetTextDatum(change);
	migrator_spi_connect(0);
	if (SPI_execute_with_args("SELECT rows_done, rows_total FROM migrator.changes "
							  "WHERE name OPERATOR(pg_catalog.=) $1", 1, types, values,
							  NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.changes");
	if (SPI_processed == 1)
	{
		p->before = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		p->total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		if (isnull)
			p->total = -1;
	}
	SPI_finish();
}

static double
progress_seconds(Progress *p)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, p->start);
	return INSTR_TIME_GET_DOUBLE(now);
}

/* after a batch of n rows: a NOTICE when migrator.backfill_progress has passed */
static void
progress_batch(Progress *p, int64 n)
{
	instr_time	now;
	double		secs;
	int64		done;

	p->rows += n;
	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, p->last);
	if (INSTR_TIME_GET_MILLISEC(now) < backfill_progress)
		return;
	INSTR_TIME_SET_CURRENT(p->last);
	secs = progress_seconds(p);
	done = p->before + p->rows;
	if (p->total > 0)
		ereport(NOTICE,
				(errmsg("backfill of change \"%s\": %lld of about %lld rows (%d%%), %.0f rows/s",
						p->change, (long long) done, (long long) p->total,
						(int) Min(100, done * 100 / p->total),
						secs > 0 ? p->rows / secs : 0.0)));
	else
		ereport(NOTICE,
				(errmsg("backfill of change \"%s\": %lld rows, %.0f rows/s",
						p->change, (long long) done, secs > 0 ? p->rows / secs : 0.0)));
}

/* at the end of a call that lasted a report interval or more */
static void
progress_done(Progress *p)
{
	double		secs = progress_seconds(p);

	if (secs * 1000.0 < backfill_progress)
		return;
	ereport(NOTICE,
			(errmsg("backfill of change \"%s\" is done: %lld rows filled, %lld by this call in %.1f s",
					p->change, (long long) (p->before + p->rows), (long long) p->rows, secs)));
}

/* one table still to backfill, with its progress */
typedef struct BackfillTable
{
	Oid			relid;
	char	   *table;			/* quoted, qualified */
	char	   *marker;
	int			nkeys;			/* 0: ctid ranges */
	char	  **keys;			/* quoted column names */
	char	  **key_types;		/* their types, for casts */
	char	  **last_key;		/* NULL before the first batch */
	int64		next_block;
	int64		end_block;
} BackfillTable;

/*
 * The key of the table last looked up, kept for the rest of a backfill()
 * or run_backfill() call (key_cache_reset() at its start): the catalog
 * query is not repeated for every batch.  It lives across the commits of
 * run_backfill(), hence its own context.
 */
static MemoryContext key_cache_cxt = NULL;
static Oid	key_cache_relid = InvalidOid;
static int	key_cache_nkeys;
static char **key_cache_keys;
static char **key_cache_types;

static void
key_cache_reset(void)
{
	if (key_cache_cxt == NULL)
		key_cache_cxt = AllocSetContextCreate(TopMemoryContext, "migrator backfill key",
											  ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(key_cache_cxt);
	key_cache_relid = InvalidOid;
}

/*
 * The key a table is walked in: its primary key, else its narrowest
 * unique, immediate, non-partial index over NOT NULL columns; none: ctid.
 */
static void
choose_key(BackfillTable *t)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1];
	int			rc;
	MemoryContext old;

	if (key_cache_cxt == NULL)
		key_cache_reset();
	if (key_cache_relid != t->relid)
	{
		values[0] = ObjectIdGetDatum(t->relid);
		rc = SPI_execute_with_args(
								   "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
								   "FROM (SELECT i.indkey, i.indnatts FROM pg_catalog.pg_index i "
								   "      WHERE i.indrelid OPERATOR(pg_catalog.=) $1 AND i.indisunique AND i.indimmediate "
								   "        AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indisvalid "
								   "        AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute n "
								   "              WHERE n.attrelid OPERATOR(pg_catalog.=) i.indrelid "
								   "                AND n.attnum OPERATOR(pg_catalog.=) ANY (i.indkey::pg_catalog.int2[]) "
								   "                AND NOT n.attnotnull) "
								   "      ORDER BY i.indisprimary DESC, i.indnatts, i.indexrelid LIMIT 1) k, "
								   "  LATERAL pg_catalog.unnest(k.indkey::pg_catalog.int2[]) WITH ORDINALITY AS u(attnum, ord) "
								   "  JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) $1 "
								   "   AND a.attnum OPERATOR(pg_catalog.=) u.attnum "
								   "WHERE u.ord OPERATOR(pg_catalog.<=) k.indnatts ORDER BY u.ord",
								   1, types, values, NULL, false, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not read the indexes of table %u", t->relid);
		key_cache_reset();
		old = MemoryContextSwitchTo(key_cache_cxt);
		key_cache_nkeys = (int) SPI_processed;
		key_cache_keys = palloc(sizeof(char *) * Max(key_cache_nkeys, 1));
		key_cache_types = palloc(sizeof(char *) * Max(key_cache_nkeys, 1));
		for (int i = 0; i < key_cache_nkeys; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;

			key_cache_keys[i] = pstrdup(quote_identifier(SPI_getvalue(tup, desc, 1)));
			key_cache_types[i] = SPI_getvalue(tup, desc, 2);
		}
		MemoryContextSwitchTo(old);
		key_cache_relid = t->relid;
	}
	t->nkeys = key_cache_nkeys;
	t->keys = key_cache_keys;
	t->key_types = key_cache_types;
}

/* the next unfinished table of the change, locked, or NULL when none */
static BackfillTable *
next_table(const char *change)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	BackfillTable *t;
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	Datum		d;
	Relation	rel;
	MigratorOwnerSwitch s;
	int			rc;

	values[0] = CStringGetTextDatum(change);
	migrator_owner_begin(&s);	/* FOR UPDATE: as the table's owner */
	rc = SPI_execute_with_args("SELECT relid::pg_catalog.oid, marker, last_key, next_block, end_block "
							   "FROM migrator.change_tables WHERE change OPERATOR(pg_catalog.=) $1 AND NOT done "
							   "ORDER BY relid LIMIT 1 FOR UPDATE",
							   1, types, values, NULL, false, 0);
	migrator_owner_end(&s);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.change_tables");
	if (SPI_processed == 0)
		return NULL;

	tup = SPI_copytuple(SPI_tuptable->vals[0]);
	desc = CreateTupleDescCopy(SPI_tuptable->tupdesc);
	t = palloc0(sizeof(BackfillTable));
	t->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
	t->marker = pstrdup(quote_identifier(SPI_getvalue(tup, desc, 2)));
	t->table = quote_qualified_identifier(get_namespace_name(get_rel_namespace(t->relid)),
										  get_rel_name(t->relid));
	choose_key(t);

	d = SPI_getbinval(tup, desc, 3, &isnull);
	if (!isnull)
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		if (n != t->nkeys)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the key of table %s changed during its backfill", t->table),
					 errhint("Abort the change and start it again.")));
		t->last_key = palloc(sizeof(char *) * n);
		for (int i = 0; i < n; i++)
			t->last_key[i] = TextDatumGetCString(elems[i]);
	}

	d = SPI_getbinval(tup, desc, 4, &isnull);
	if (t->nkeys == 0)
	{
		if (isnull)
		{
			/* first batch of a ctid walk: up to the table's current end */
			rel = table_open(t->relid, AccessShareLock);
			t->next_block = 0;
			t->end_block = RelationGetNumberOfBlocks(rel);
			table_close(rel, AccessShareLock);
		}
		else
		{
			t->next_block = DatumGetInt64(d);
			t->end_block = DatumGetInt64(SPI_getbinval(tup, desc, 5, &isnull));
		}
	}
	return t;
}

/*
 * backfilled once every table is done and every index built; finished_at
 * is then when that happened
 */
static void
refresh_state(const char *change)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(change);
	migrator_exec_as_owner("UPDATE migrator.changes c SET (state, finished_at) = "
						   "(SELECT x.s, CASE WHEN x.s OPERATOR(pg_catalog.=) 'backfilled' "
						   "   THEN COALESCE(c.finished_at, pg_catalog.clock_timestamp()) END "
						   " FROM (SELECT CASE WHEN EXISTS (SELECT FROM migrator.change_tables t "
						   "   WHERE t.change OPERATOR(pg_catalog.=) $1 AND NOT t.done) "
						   " OR EXISTS (SELECT FROM migrator.change_steps s "
						   "   WHERE s.change OPERATOR(pg_catalog.=) $1 AND NOT s.built) "
						   "  THEN 'backfilling' ELSE 'backfilled' END AS s) x) "
						   "WHERE c.name OPERATOR(pg_catalog.=) $1", 1, types, values, NULL);
}

static void
save_progress(const char *change, BackfillTable *t, bool done, int64 rows)
{
	Oid			types[6] = {TEXTOID, OIDOID, TEXTARRAYOID, INT8OID, BOOLOID, INT8OID};
	Datum		values[6];
	char		nulls[] = "      ";
	bool		ctid = (t->nkeys == 0);

	values[0] = CStringGetTextDatum(change);
	values[1] = ObjectIdGetDatum(t->relid);
	if (t->last_key)
	{
		Datum	   *elems = palloc(sizeof(Datum) * t->nkeys);

		for (int i = 0; i < t->nkeys; i++)
			elems[i] = CStringGetTextDatum(t->last_key[i]);
		values[2] = PointerGetDatum(construct_array(elems, t->nkeys, TEXTOID, -1, false, TYPALIGN_INT));
	}
	else
		nulls[2] = 'n';
	values[3] = Int64GetDatum(t->next_block);
	nulls[3] = ctid ? ' ' : 'n';
	values[4] = BoolGetDatum(done);
	values[5] = Int64GetDatum(t->end_block);
	nulls[5] = ctid ? ' ' : 'n';
	migrator_exec_as_owner("UPDATE migrator.change_tables SET last_key = $3, next_block = $4, "
						   "done = $5, end_block = $6 "
						   "WHERE change OPERATOR(pg_catalog.=) $1 "
						   "AND relid OPERATOR(pg_catalog.=) $2::pg_catalog.regclass",
						   6, types, values, nulls);

	types[1] = INT8OID;
	values[1] = Int64GetDatum(rows);
	migrator_exec_as_owner("UPDATE migrator.changes SET rows_done = rows_done + $2 "
						   "WHERE name OPERATOR(pg_catalog.=) $1", 2, types, values, NULL);
	refresh_state(change);
}

/* UPDATE with the backfill flag set, so the trigger computes new from old */
static int64
touch_rows(const char *sql, int nargs, Oid *types, Datum *values)
{
	int			rc;

	migrator_backfill_active = true;
	PG_TRY();
	{
		rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);
	}
	PG_FINALLY();
	{
		migrator_backfill_active = false;
	}
	PG_END_TRY();
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "backfill update failed: %s", SPI_result_code_string(rc));
	return (int64) SPI_processed;
}

/* one keyset batch: the rows after last_key, up to batch_size keys on */
static int64
keyset_batch(BackfillTable *t, int batch_size, bool *done)
{
	StringInfoData keys;
	StringInfoData after;
	StringInfoData upto;
	StringInfoData sql;
	Oid		   *types = palloc(sizeof(Oid) * t->nkeys * 2);
	Datum	   *values = palloc(sizeof(Datum) * t->nkeys * 2);
	char	  **upper = NULL;
	int			nargs = 0;

	initStringInfo(&keys);
	initStringInfo(&after);
	initStringInfo(&upto);
	for (int i = 0; i < t->nkeys; i++)
		appendStringInfo(&keys, "%s%s", i ? ", " : "", t->keys[i]);
	if (t->last_key)
	{
		appendStringInfo(&after, "(%s) > (", keys.data);
		for (int i = 0; i < t->nkeys; i++)
		{
			appendStringInfo(&after, "%s$%d::%s", i ? ", " : "", i + 1, t->key_types[i]);
			types[nargs] = TEXTOID;
			values[nargs++] = CStringGetTextDatum(t->last_key[i]);
		}
		appendStringInfoChar(&after, ')');
	}

	/*
	 * The batch's rows: where it ends (batch_size keys on; fewer: the last
	 * batch, open-ended) and the blocks they are in, to prune after it
	 * (prune.c).  The text copies of the keys get names of their own, so
	 * that ORDER BY sorts the columns themselves.
	 */
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ctid");
	for (int i = 0; i < t->nkeys; i++)
		appendStringInfo(&sql, ", %s::pg_catalog.text AS _k%d", t->keys[i], i);
	appendStringInfo(&sql, " FROM ONLY %s %s%s ORDER BY %s LIMIT %d",
					 t->table, after.len ? "WHERE " : "", after.data, keys.data, batch_size);
	if (SPI_execute_with_args(sql.data, nargs, types, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "backfill key scan failed");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		ItemPointer tid = (ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[r],
																	  SPI_tuptable->tupdesc, 1,
																	  &isnull));

		migrator_prune_note(t->relid, ItemPointerGetBlockNumber(tid));
	}
	if (SPI_processed == (uint64) batch_size)
	{
		HeapTuple	last = SPI_tuptable->vals[SPI_processed - 1];

		upper = palloc(sizeof(char *) * t->nkeys);
		for (int i = 0; i < t->nkeys; i++)
			upper[i] = SPI_getvalue(last, SPI_tuptable->tupdesc, i + 2);
		appendStringInfo(&upto, "(%s) <= (", keys.data);
		for (int i = 0; i < t->nkeys; i++)
		{
			appendStringInfo(&upto, "%s$%d::%s", i ? ", " : "", nargs + 1, t->key_types[i]);
			types[nargs] = TEXTOID;
			values[nargs++] = CStringGetTextDatum(upper[i]);
		}
		appendStringInfoChar(&upto, ')');
	}

	resetStringInfo(&sql);
	appendStringInfo(&sql, "UPDATE ONLY %s SET %s = false WHERE %s", t->table, t->marker, t->marker);
	if (after.len)
		appendStringInfo(&sql, " AND %s", after.data);
	if (upto.len)
		appendStringInfo(&sql, " AND %s", upto.data);

	{
		int64		n = touch_rows(sql.data, nargs, types, values);

		*done = (upper == NULL);
		if (upper)
			t->last_key = upper;
		return n;
	}
}

/*
 * Are rows of the table still marked once a ctid walk reached its end?  Rows
 * move to other blocks when the table is restored from a dump (next_block
 * and end_block are the source's block numbers) or rewritten (VACUUM FULL,
 * CLUSTER): those that moved behind the walk were never visited.  Writes
 * clear the marker, so this finds only rows the walk missed.
 */
static bool
rows_left_behind(BackfillTable *t)
{
	bool		isnull;

	/* not read-only: a snapshot that sees this transaction's batches */
	if (SPI_execute(psprintf("SELECT EXISTS (SELECT FROM ONLY %s WHERE %s)", t->table, t->marker),
					false, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read table %s", t->table);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* one ctid batch: a range of blocks sized to hold about batch_size rows */
static int64
ctid_batch(BackfillTable *t, int batch_size, bool *done)
{
	Relation	rel = table_open(t->relid, AccessShareLock);
	double		per_block = (rel->rd_rel->relpages > 0 && rel->rd_rel->reltuples > 0) ?
		rel->rd_rel->reltuples / rel->rd_rel->relpages : 100.0;
	int64		blocks = Max((int64) (batch_size / Max(per_block, 1.0)), 1);
	int64		to = Min(t->next_block + blocks, t->end_block);
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	int64		n;

	table_close(rel, AccessShareLock);
	for (int64 b = t->next_block; b < to; b++)
		migrator_prune_note(t->relid, (BlockNumber) b);
	values[0] = CStringGetTextDatum(psprintf("(%lld,0)", (long long) t->next_block));
	values[1] = CStringGetTextDatum(psprintf("(%lld,0)", (long long) to));
	n = touch_rows(psprintf("UPDATE ONLY %s SET %s = false WHERE %s "
							"AND ctid OPERATOR(pg_catalog.>=) $1::pg_catalog.tid "
							"AND ctid OPERATOR(pg_catalog.<) $2::pg_catalog.tid",
							t->table, t->marker, t->marker),
				   2, types, values);
	t->next_block = to;
	*done = (to >= t->end_block);
	if (*done && rows_left_behind(t))
	{
		/* rows moved behind the walk: walk the table again, to its end now */
		rel = table_open(t->relid, AccessShareLock);
		t->next_block = 0;
		t->end_block = RelationGetNumberOfBlocks(rel);
		table_close(rel, AccessShareLock);
		*done = false;
	}
	return n;
}

/*
 * One batch of the change, in the current transaction.  Returns the rows
 * filled; *finished when no table is left.
 */
static int64
backfill_one_batch(const char *change, int batch_size, bool *finished)
{
	BackfillTable *t;
	int64		n = 0;
	bool		done = false;

	migrator_spi_connect(0);
	t = next_table(change);
	if (t == NULL)
	{
		*finished = true;
		SPI_finish();
		return 0;
	}
	if (t->nkeys > 0)
		n = keyset_batch(t, batch_size, &done);
	else
		n = ctid_batch(t, batch_size, &done);
	save_progress(change, t, done, n);
	SPI_finish();
	*finished = false;
	return n;
}

static void
check_batch_size(int batch_size)
{
	if (batch_size < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must be at least 1")));
}

/* the change exists, is open, and may be backfilled; false if done */
static bool
backfill_wanted(const char *change)
{
	char	   *state;

	migrator_spi_connect(0);
	state = migrator_open_change(change, "backfill");
	SPI_finish();
	return strcmp(state, "backfilled") != 0;
}

Datum
migrator_backfill(PG_FUNCTION_ARGS)
{
	char	   *change = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			batch_size = PG_GETARG_INT32(1);
	int			max_batches = PG_ARGISNULL(2) ? -1 : PG_GETARG_INT32(2);
	int64		total = 0;
	bool		finished = false;
	Progress	progress;

	check_batch_size(batch_size);
	if (!backfill_wanted(change))
		PG_RETURN_INT64(0);
	key_cache_reset();
	migrator_prune_reset();
	progress_start(&progress, change);
	/* 0 means done: batches that found every row already written don't count */
	for (int i = 0; max_batches < 0 || i < max_batches || total == 0; i++)
	{
		int64		n = backfill_one_batch(change, batch_size, &finished);

		total += n;
		if (finished)
			break;
		progress_batch(&progress, n);
		CommandCounterIncrement();
		CHECK_FOR_INTERRUPTS();
	}
	if (finished)
	{
		int			n;

		progress.rows = total;
		progress_done(&progress);

		migrator_spi_connect(0);
		n = pending_builds(change);
		SPI_finish();
		if (n > 0)
			ereport(NOTICE,
					(errmsg("change \"%s\" has %d index%s to build concurrently", change, n,
							n == 1 ? "" : "es"),
					 errhint("Indexes are built outside any transaction: CALL migrator.run_backfill('%s').",
							 change)));
	}
	PG_RETURN_INT64(total);
}

/* ---------------------------------------------------------------------
 * Indexes built concurrently
 * ---------------------------------------------------------------------
 */

static int
pending_builds(const char *change)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	bool		isnull;

	values[0] = CStringGetTextDatum(change);
	if (SPI_execute_with_args("SELECT pg_catalog.count(*)::int4 FROM migrator.change_steps "
							  "WHERE change OPERATOR(pg_catalog.=) $1 AND NOT built",
							  1, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.change_steps");
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Build the change's indexes, each with CREATE INDEX CONCURRENTLY in a
 * background worker while this session holds nothing it would wait for.
 * A build that fails leaves an invalid index: it is dropped, and the
 * build's error raised.  Must run nonatomic (SPI_OPT_NONATOMIC).
 */
static void
build_indexes(const char *change)
{
	for (;;)
	{
		Oid			types[2] = {TEXTOID, INT4OID};
		Datum		values[2];
		char	   *build;
		char	   *undo;
		int			ord;
		bool		isnull;
		ErrorData  *err;

		values[0] = CStringGetTextDatum(change);
		if (SPI_execute_with_args("SELECT ord, build_sql, abort_sql FROM migrator.change_steps "
								  "WHERE change OPERATOR(pg_catalog.=) $1 AND NOT built ORDER BY ord LIMIT 1",
								  1, types, values, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read migrator.change_steps");
		if (SPI_processed == 0)
			return;
		ord = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		build = pstrdup(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));
		undo = pstrdup(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3));

		SPI_commit();			/* no snapshot, no lock: the build waits for none of ours */
		err = migrator_try_top_level(build);
		if (err)
		{
			migrator_ddl(undo);
			SPI_commit();
			migrator_raise(err, psprintf("While running: %s\nThe invalid index it left behind was dropped.", build));
		}
		values[1] = Int32GetDatum(ord);
		migrator_exec_as_owner("UPDATE migrator.change_steps SET built = true "
							   "WHERE change OPERATOR(pg_catalog.=) $1 AND ord OPERATOR(pg_catalog.=) $2",
							   2, types, values, NULL);
		refresh_state(change);
		SPI_commit();
	}
}

static bool
called_nonatomic(FunctionCallInfo fcinfo)
{
	return fcinfo->context && IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;
}

/*
 * Sleep us microseconds between two batches; a cancel or a termination
 * ends the sleep at once.
 */
static void
backfill_sleep(int64 us)
{
	while (us >= 1000)
	{
		long		ms = (long) Min(us / 1000, 1000);

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		us -= ms * 1000;
	}
	if (us > 0)
		pg_usleep(us);
}

/*
 * How many other client sessions are running a query now (the backend
 * status array, as pg_stat_activity shows it: state "active").  Background
 * workers, autovacuum and pg_cron's launcher do not count.
 */
static int
sessions_at_work(void)
{
	int			n = 0;

	pgstat_clear_backend_activity_snapshot();
	for (int i = 1; i <= pgstat_fetch_stat_numbackends(); i++)
	{
#if PG_VERSION_NUM >= 170000
		LocalPgBackendStatus *l = pgstat_get_local_beentry_by_index(i);
#else
		LocalPgBackendStatus *l = pgstat_fetch_stat_local_beentry(i);
#endif
		PgBackendStatus *be = l ? &l->backendStatus : NULL;

		if (be && be->st_procpid != MyProcPid && be->st_backendType == B_BACKEND &&
			be->st_state == STATE_RUNNING)
			n++;
	}
	pgstat_clear_backend_activity_snapshot();
	return n;
}

/*
 * The share of the time the next batches may take: migrator.backfill_share,
 * or migrator.backfill_yield when lower and another session is at work.
 * Says so (DEBUG1) at the first batch and whenever it changes.
 */
static int
batch_share(const char *change, int *last)
{
	int			share = backfill_share;
	int			busy = 0;

	if (backfill_yield < share)
	{
		busy = sessions_at_work();
		if (busy > 0)
			share = backfill_yield;
	}
	if (share != *last)
	{
		if (busy > 0)
			elog(DEBUG1, "backfill of change \"%s\" yields to %d running session%s: batches take %d%% of the time",
				 change, busy, busy == 1 ? "" : "s", share);
		else
			elog(DEBUG1, "backfill of change \"%s\": batches take %d%% of the time", change, share);
		*last = share;
	}
	return share;
}

/*
 * Batches until done or until max_ms have passed (when > 0), committing
 * after each.  After each batch: pause_us, and the sleep that keeps the
 * batches within migrator.backfill_share of the time.  Returns true when
 * the change is fully backfilled.
 */
static bool
run_batches(const char *change, int batch_size, int64 pause_us, int64 max_ms)
{
	instr_time	start,
				batch_start,
				now;
	bool		finished = false;
	int			last_share = -1;	/* the first batch says its share */
	Progress	progress;

	INSTR_TIME_SET_CURRENT(start);
	key_cache_reset();
	migrator_prune_reset();
	migrator_spi_connect(SPI_OPT_NONATOMIC);
	progress_start(&progress, change);
	build_indexes(change);
	for (;;)
	{
		int64		sleep_us = pause_us;
		int			share;
		int64		n;

		INSTR_TIME_SET_CURRENT(batch_start);

		/*
		 * The previous batch's blocks: it has committed, and the pause since
		 * let the statements that could still see its old rows end.
		 */
		migrator_prune_noted();
		n = backfill_one_batch(change, batch_size, &finished);
		SPI_commit();
		if (finished)
		{
			/* the last batch's blocks, in the transaction SPI_commit() began */
			migrator_prune_noted();
			progress_done(&progress);
			break;
		}
		progress_batch(&progress, n);
		CHECK_FOR_INTERRUPTS();
		INSTR_TIME_SET_CURRENT(now);
		share = batch_share(change, &last_share);
		if (share < 100)
		{
			instr_time	took = now;

			INSTR_TIME_SUBTRACT(took, batch_start);
			sleep_us += INSTR_TIME_GET_MICROSEC(took) * (100 - share) / share;
		}
		if (sleep_us > 0)
		{
			backfill_sleep(sleep_us);
			INSTR_TIME_SET_CURRENT(now);
		}
		INSTR_TIME_SUBTRACT(now, start);
		if (max_ms > 0 && INSTR_TIME_GET_MILLISEC(now) >= max_ms)
			break;
	}
	SPI_finish();
	return finished;
}

Datum
migrator_run_backfill(PG_FUNCTION_ARGS)
{
	char	   *change = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			batch_size = PG_GETARG_INT32(1);
	Interval   *pause = PG_ARGISNULL(2) ? NULL : PG_GETARG_INTERVAL_P(2);
	int64		pause_us = pause ? pause->time + (int64) pause->day * USECS_PER_DAY : 0;

	if (!called_nonatomic(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("migrator.run_backfill() cannot run inside a transaction block"),
				 errdetail("It commits after every batch."),
				 errhint("CALL it on its own, or use SELECT migrator.backfill() inside a transaction.")));
	check_batch_size(batch_size);
	if (!backfill_wanted(change))
		PG_RETURN_VOID();
	(void) run_batches(change, batch_size, pause_us, 0);
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * pg_cron
 *
 * pg_cron lives in one database, cron.database_name.  A change of that
 * database is scheduled there with cron.schedule(); a change of another
 * database with cron.schedule_in_database(), run in pg_cron's database by
 * a background worker (worker.c) as the current role.  The job runs
 * backfill_slice() in the change's database; once the change is
 * backfilled, contracted, aborted or gone, the job unschedules itself in
 * pg_cron's database the same way.
 * ---------------------------------------------------------------------
 */

/* pg_cron's database, or NULL when pg_cron is not loaded */
static const char *
cron_database(void)
{
	return GetConfigOption("cron.database_name", true, false);
}

/* pg_cron lives in this database */
static bool
cron_here(void)
{
	const char *db = cron_database();

	return db != NULL && strcmp(db, get_database_name(MyDatabaseId)) == 0;
}

static Oid
cron_database_oid(void)
{
	const char *db = cron_database();
	Oid			oid = get_database_oid(db, true);

	if (!OidIsValid(oid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_DATABASE),
				 errmsg("pg_cron's database \"%s\" (cron.database_name) does not exist", db)));
	return oid;
}

/* unique per database: jobs of the same role in other databases do not clash */
static char *
cron_job_name(const char *change)
{
	if (cron_here())
		return psprintf("migrator backfill %s", change);
	return psprintf("migrator backfill %s in %s", change, get_database_name(MyDatabaseId));
}

/* a libpq host that means this machine's loopback interface */
static bool
loopback_host(const char *host)
{
	return strcmp(host, "localhost") == 0 || strcmp(host, "127.0.0.1") == 0 ||
		strcmp(host, "::1") == 0;
}

/*
 * Why pg_cron evidently cannot connect to this server, or NULL.  Without
 * cron.use_background_workers, pg_cron 1.4 runs each job over libpq with
 * host = cron.host (default localhost) and this server's port: an
 * absolute path there is a Unix socket directory, which works when it is
 * one of unix_socket_directories; a host name or address needs the
 * server to listen on TCP (listen_addresses), on a loopback address for
 * localhost.  Authentication cannot be checked from here.
 */
static char *
cron_unreachable(void)
{
	const char *bgw = GetConfigOption("cron.use_background_workers", true, false);
	const char *host = GetConfigOption("cron.host", true, false);
	const char *sockets = GetConfigOption("unix_socket_directories", false, false);
	const char *listen = GetConfigOption("listen_addresses", false, false);
	List	   *list = NIL;
	ListCell   *lc;

	if (bgw != NULL && strcmp(bgw, "on") == 0)
		return NULL;
	if (host == NULL || host[0] == '\0')
		host = "localhost";
	if (is_absolute_path(host))
	{
		char	   *dir = pstrdup(host);

		canonicalize_path(dir);
		if (!SplitDirectoriesString(pstrdup(sockets), ',', &list))
			return NULL;
		foreach(lc, list)
		{
			if (strcmp((char *) lfirst(lc), dir) == 0)
				return NULL;
		}
		return psprintf("cron.host is \"%s\", a directory that holds none of this server's sockets (unix_socket_directories is \"%s\")",
						host, sockets);
	}
	if (!SplitGUCList(pstrdup(listen), ',', &list))
		return NULL;
	if (list == NIL)
		return psprintf("cron.host is \"%s\", but the server listens on no TCP address (listen_addresses is empty)",
						host);
	if (!loopback_host(host))
		return NULL;
	foreach(lc, list)
	{
		const char *a = lfirst(lc);

		if (strcmp(a, "*") == 0 || strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0 ||
			loopback_host(a))
			return NULL;
	}
	return psprintf("cron.host is \"%s\", but listen_addresses (\"%s\") holds no loopback address",
					host, listen);
}

/* refuse to schedule a job every run of which would fail to connect */
static void
cron_check_runnable(const char *change)
{
	char	   *why = cron_unreachable();
	const char *sockets = GetConfigOption("unix_socket_directories", false, false);
	List	   *dirs = NIL;

	if (why == NULL)
		return;
	(void) SplitDirectoriesString(pstrdup(sockets), ',', &dirs);
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("pg_cron cannot run the backfill of change \"%s\"", change),
			 errdetail("With cron.use_background_workers off, pg_cron runs each job over a libpq connection to cron.host: %s. Every run would fail with \"connection failed\".",
					   why),
			 errhint("In postgresql.conf set cron.use_background_workers = on%s%s%s, and restart; or CALL migrator.run_backfill('%s') yourself.",
					 dirs != NIL ? ", or cron.host = '" : "",
					 dirs != NIL ? (char *) linitial(dirs) : "",
					 dirs != NIL ? "' (this server's socket directory)" : "",
					 change)));
}

/*
 * Remove the change's job from pg_cron, in pg_cron's database: the job of
 * this name, of this database and of the current role (pg_cron's row
 * security).  None is fine.
 */
static void
cron_unschedule(const char *change)
{
	char	   *sql;

	if (cron_database() == NULL)
		return;
	sql = psprintf("SELECT pg_catalog.count(cron.unschedule(jobid)) FROM cron.job "
				   "WHERE jobname OPERATOR(pg_catalog.=) %s::pg_catalog.name "
				   "AND database OPERATOR(pg_catalog.=) %s",
				   quote_literal_cstr(cron_job_name(change)),
				   quote_literal_cstr(get_database_name(MyDatabaseId)));
	if (cron_here())
	{
		if (!OidIsValid(get_extension_oid("pg_cron", true)))
			return;
		migrator_spi_connect(0);
		if (SPI_execute(sql, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not unschedule the backfill job");
		SPI_finish();
	}
	else
		(void) migrator_query_in_database(cron_database_oid(), sql,
										  psprintf("While unscheduling the backfill job of change \"%s\" in pg_cron's database \"%s\".",
												   change, cron_database()));
}

/* the change's state, or NULL when there is no such change */
static char *
change_state(const char *change)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	char	   *state = NULL;
	MemoryContext caller = CurrentMemoryContext;	/* outlives the commits */

	values[0] = CStringGetTextDatum(change);
	migrator_spi_connect(0);
	if (SPI_execute_with_args("SELECT state FROM migrator.changes WHERE name OPERATOR(pg_catalog.=) $1",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.changes");
	if (SPI_processed == 1)
		state = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (state)
		state = MemoryContextStrdup(caller, state);
	SPI_finish();
	return state;
}

/*
 * CALL migrator.backfill_slice(change, batch_size, seconds): what the
 * pg_cron job runs each minute.  Works through batches for a bounded
 * slice.  Once the change is backfilled, contracted, aborted or gone, it
 * unschedules its own job, so that no job is left failing (pg_cron may
 * log that last run as canceled: completion is in migrator.changes).
 */
Datum
migrator_backfill_slice(PG_FUNCTION_ARGS)
{
	char	   *change = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			batch_size = PG_GETARG_INT32(1);
	int			seconds = PG_GETARG_INT32(2);
	bool		finished = true;
	char	   *state;

	if (!called_nonatomic(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("migrator.backfill_slice() cannot run inside a transaction block")));
	check_batch_size(batch_size);
	state = change_state(change);
	if (state != NULL && (strcmp(state, "expanded") == 0 || strcmp(state, "backfilling") == 0) &&
		backfill_wanted(change))
		finished = run_batches(change, batch_size, 0, (int64) seconds * 1000);
	if (finished)
	{
		ereport(NOTICE,
				(errmsg("change \"%s\" is %s: its backfill job unschedules itself", change,
						state == NULL ? "gone" : strcmp(state, "contracted") == 0 ||
						strcmp(state, "aborted") == 0 ? state : "backfilled")));
		cron_unschedule(change);
	}
	PG_RETURN_VOID();
}

Datum
migrator_schedule_backfill(PG_FUNCTION_ARGS)
{
	char	   *change = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *schedule = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int			batch_size = PG_GETARG_INT32(2);
	char	   *command;
	int64		jobid;

	check_batch_size(batch_size);
	if (cron_database() == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_cron is not loaded"),
				 errhint("Add pg_cron to shared_preload_libraries, restart, and run CREATE EXTENSION pg_cron in the database cron.database_name names; or CALL migrator.run_backfill('%s') yourself.",
						 change)));
	migrator_spi_connect(0);
	(void) migrator_open_change(change, "backfill");
	SPI_finish();
	cron_check_runnable(change);

	/* one statement, so that pg_cron runs it at top level and it may commit */
	command = psprintf("CALL migrator.backfill_slice(%s, %d, 50)",
					   quote_literal_cstr(change), batch_size);
	if (cron_here())
	{
		Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
		Datum		values[3];
		bool		isnull;

		if (!OidIsValid(get_extension_oid("pg_cron", true)))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("pg_cron is not installed in this database"),
					 errhint("Run CREATE EXTENSION pg_cron here (cron.database_name); or CALL migrator.run_backfill('%s') yourself.",
							 change)));
		values[0] = CStringGetTextDatum(cron_job_name(change));
		values[1] = CStringGetTextDatum(schedule);
		values[2] = CStringGetTextDatum(command);
		migrator_spi_connect(0);
		if (SPI_execute_with_args("SELECT cron.schedule($1, $2, $3)", 3, types, values,
								  NULL, false, 0) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "cron.schedule failed");
		jobid = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		SPI_finish();
	}
	else
	{
		/* committed at once by the worker: a job whose change rolls back unschedules itself */
		char	   *id = migrator_query_in_database(cron_database_oid(),
													psprintf("SELECT cron.schedule_in_database(%s, %s, %s, %s)",
															 quote_literal_cstr(cron_job_name(change)),
															 quote_literal_cstr(schedule),
															 quote_literal_cstr(command),
															 quote_literal_cstr(get_database_name(MyDatabaseId))),
													psprintf("While scheduling the backfill in pg_cron's database \"%s\" (cron.database_name) with cron.schedule_in_database(), which a role other than a superuser may call only when granted EXECUTE on it there.",
															 cron_database()));

		if (id == NULL)
			elog(ERROR, "cron.schedule_in_database returned no job id");
		jobid = pg_strtoint64(id);
	}
	{
		Oid			t2[2] = {TEXTOID, INT8OID};
		Datum		v2[2];

		v2[0] = CStringGetTextDatum(change);
		v2[1] = Int64GetDatum(jobid);
		migrator_spi_connect(0);
		migrator_exec_as_owner("UPDATE migrator.changes SET cron_job = $2 WHERE name OPERATOR(pg_catalog.=) $1",
							   2, t2, v2, NULL);
		SPI_finish();
	}
	PG_RETURN_INT64(jobid);
}

/*
 * migrator.cron_runs(): for each change with a pg_cron job, whether the
 * job is still scheduled and its last run (cron.job_run_details), read in
 * pg_cron's database.  Only the caller's own jobs show there (pg_cron's
 * row security): others' come out NULL.  When pg_cron's database cannot
 * be read, message says why.
 */
PG_FUNCTION_INFO_V1(migrator_cron_runs);

Datum
migrator_cron_runs(PG_FUNCTION_ARGS)
{
	char	   *ids = NULL;
	char	   *sql;
	char	   *json = NULL;
	char	   *failure = NULL;
	MemoryContext caller = CurrentMemoryContext;

	migrator_spi_connect(0);
	if (SPI_execute("SELECT pg_catalog.array_agg(cron_job)::pg_catalog.text FROM migrator.changes "
					"WHERE cron_job IS NOT NULL", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.changes");
	ids = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (ids)
		ids = MemoryContextStrdup(caller, ids);
	SPI_finish();

	if (ids != NULL && cron_database() != NULL)
	{
		sql = psprintf("SELECT pg_catalog.json_agg(r)::pg_catalog.text FROM ("
					   "SELECT j.jobid, EXISTS (SELECT FROM cron.job c WHERE c.jobid OPERATOR(pg_catalog.=) j.jobid) AS scheduled, "
					   "  d.status, d.return_message, d.start_time, d.end_time, "
					   "  (SELECT pg_catalog.count(*) FROM cron.job_run_details f WHERE f.jobid OPERATOR(pg_catalog.=) j.jobid "
					   "    AND f.status OPERATOR(pg_catalog.=) 'failed') AS failed_runs "
					   "FROM pg_catalog.unnest(%s::pg_catalog.int8[]) j(jobid) "
					   "LEFT JOIN LATERAL (SELECT * FROM cron.job_run_details d WHERE d.jobid OPERATOR(pg_catalog.=) j.jobid "
					   "  ORDER BY d.runid DESC LIMIT 1) d ON true) r",
					   quote_literal_cstr(ids));
		if (cron_here())
		{
			if (OidIsValid(get_extension_oid("pg_cron", true)))
			{
				migrator_spi_connect(0);
				if (SPI_execute(sql, true, 1) != SPI_OK_SELECT)
					elog(ERROR, "could not read cron.job_run_details");
				json = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
				if (json)
					json = MemoryContextStrdup(caller, json);
				SPI_finish();
			}
			else
				failure = "pg_cron is not installed in this database";
		}
		else
		{
			ErrorData  *err = migrator_try_query_in_database(cron_database_oid(), sql, &json);

			if (err)
				failure = psprintf("could not read cron.job_run_details in database \"%s\": %s",
								   cron_database(), err->message);
		}
	}
	else if (ids != NULL)
		failure = "pg_cron is not loaded";

	{
		Oid			types[2] = {TEXTOID, TEXTOID};
		Datum		values[2];
		char		nulls[2] = {json ? ' ' : 'n', failure ? ' ' : 'n'};
		ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
		MemoryContext old;

		InitMaterializedSRF(fcinfo, 0);
		values[0] = json ? CStringGetTextDatum(json) : (Datum) 0;
		values[1] = failure ? CStringGetTextDatum(failure) : (Datum) 0;
		migrator_spi_connect(0);
		if (SPI_execute_with_args("SELECT c.name, c.cron_job, r.scheduled, r.status, "
								  "  COALESCE(r.return_message, $2), r.start_time, r.end_time, r.failed_runs "
								  "FROM migrator.changes c LEFT JOIN pg_catalog.json_to_recordset($1::pg_catalog.json) "
								  "  AS r(jobid bigint, scheduled boolean, status text, return_message text, "
								  "       start_time timestamptz, end_time timestamptz, failed_runs bigint) "
								  "  ON r.jobid OPERATOR(pg_catalog.=) c.cron_job "
								  "WHERE c.cron_job IS NOT NULL ORDER BY c.name",
								  2, types, values, nulls, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the runs of pg_cron jobs");
		old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			Datum		row[8];
			bool		rnulls[8];

			for (int c = 0; c < 8; c++)
			{
				row[c] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1, &rnulls[c]);
				if (!rnulls[c])
					row[c] = datumCopy(row[c],
									   TupleDescAttr(SPI_tuptable->tupdesc, c)->attbyval,
									   TupleDescAttr(SPI_tuptable->tupdesc, c)->attlen);
			}
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, rnulls);
		}
		MemoryContextSwitchTo(old);
		SPI_finish();
	}
	return (Datum) 0;
}
