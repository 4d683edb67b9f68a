/*-------------------------------------------------------------------------
 *
 * drift.c
 *	  Drift that outlives a deploy: what changed by hand since the last
 *	  recorded run is reported by the next apply or migrate and stays in
 *	  diff() until a migration makes it its own or accept_drift() records
 *	  it.
 *
 *	  Before a run applies anything, and only when a baseline exists, the
 *	  live schema is compared with it (one snapshot, the run's second: the
 *	  run records one when it is done).  Drifted objects are named in a
 *	  WARNING, or refuse the run (migrator.drift = error).  The snapshot the
 *	  run then records keeps the baseline's version of every drifted object
 *	  the run left as it found (migrator.keep_drift()).  Open changes' own
 *	  parts (_migrator_* columns and triggers, the constraints and indexes
 *	  on those columns) are never drift; version schemas are not in
 *	  snapshots at all.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "migrator.h"

PG_FUNCTION_INFO_V1(migrator_accept_drift);

typedef enum DriftMode
{
	DRIFT_OFF,
	DRIFT_WARN,
	DRIFT_ERROR
} DriftMode;

static const struct config_enum_entry drift_options[] = {
	{"off", DRIFT_OFF, false},
	{"warn", DRIFT_WARN, false},
	{"error", DRIFT_ERROR, false},
	{NULL, 0, false}
};

static int	drift_mode = DRIFT_WARN;

/* found by drift_before_run(), for the snapshot the same run records */
static MemoryContext drift_cxt = NULL;
static char *drift_action = NULL;
static Jsonb *drift_baseline = NULL;
static Jsonb *drift_before = NULL;

void
drift_define_gucs(void)
{
	DefineCustomEnumVariable("migrator.drift",
							 "What apply and migrate do when the schema changed by hand since the last recorded run.",
							 "warn: a WARNING names the drifted objects and the run goes on; error: the run is refused "
							 "before anything is applied; off: no check, and the run's snapshot absorbs the drift. "
							 "With warn and error, diff() goes on showing the drift after the run.",
							 &drift_mode,
							 DRIFT_WARN,
							 drift_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

static void
drift_reset(void)
{
	if (drift_cxt)
		MemoryContextReset(drift_cxt);
	else
		drift_cxt = AllocSetContextCreate(TopMemoryContext, "migrator drift",
										  ALLOCSET_DEFAULT_SIZES);
	drift_action = NULL;
	drift_baseline = NULL;
	drift_before = NULL;
}

static Jsonb *
copy_jsonb(MemoryContext cxt, Jsonb *j)
{
	Jsonb	   *copy = MemoryContextAlloc(cxt, VARSIZE(j));

	memcpy(copy, j, VARSIZE(j));
	return copy;
}

/* the last recorded snapshot, in cxt, or NULL */
static Jsonb *
drift_recorded(MemoryContext cxt)
{
	Jsonb	   *recorded = NULL;
	bool		isnull;

	migrator_spi_connect(0);
	if (SPI_execute("SELECT snapshot FROM migrator.snapshots ORDER BY id DESC LIMIT 1", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.snapshots");
	if (SPI_processed == 1)
		recorded = copy_jsonb(cxt, DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0],
																 SPI_tuptable->tupdesc, 1, &isnull)));
	SPI_finish();
	return recorded;
}

/*
 * Before a run applies anything: name what drifted (WARNING, or ERROR
 * under migrator.drift = error) and keep what snapshot_record() needs.
 */
void
drift_before_run(const char *action)
{
	Oid			types[2] = {JSONBOID, JSONBOID};
	Datum		values[2];
	Jsonb	   *baseline;
	Jsonb	   *before;
	int64		n;
	char	   *list;
	bool		isnull;

	drift_reset();
	if (drift_mode == DRIFT_OFF)
		return;
	baseline = drift_recorded(drift_cxt);
	if (baseline == NULL)
		return;					/* nothing recorded: nothing to drift from */
	before = (Jsonb *) snapshot_database();
	/* the usual case, at the cost of one comparison: nothing changed at all */
	if (DatumGetBool(DirectFunctionCall2(jsonb_eq, JsonbPGetDatum(baseline), JsonbPGetDatum(before))))
	{
		drift_reset();
		return;
	}

	values[0] = JsonbPGetDatum(baseline);
	values[1] = JsonbPGetDatum(before);
	migrator_spi_connect(0);
	if (SPI_execute_with_args("SELECT pg_catalog.count(*), pg_catalog.string_agg(CASE d.kind "
							  "  WHEN 'schema' THEN 'schema ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(d.schema) "
							  "  ELSE pg_catalog.rtrim(d.kind, 's') OPERATOR(pg_catalog.||) ' ' "
							  "    OPERATOR(pg_catalog.||) pg_catalog.quote_ident(d.schema) OPERATOR(pg_catalog.||) '.' "
							  "    OPERATOR(pg_catalog.||) d.name END, ', ') "
							  "FROM migrator.drifted_objects($1, $2) d",
							  2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not compare the schema with migrator.snapshots");
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	list = n > 0 ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2) : NULL;
	if (n > 0)
		list = MemoryContextStrdup(drift_cxt, list);
	SPI_finish();
	if (n == 0)
	{
		drift_reset();
		return;
	}

	ereport(drift_mode == DRIFT_ERROR ? ERROR : WARNING,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the schema has drifted since the last recorded run: %lld object%s changed by hand",
					(long long) n, n == 1 ? "" : "s"),
			 errdetail("Drifted: %s.", list),
			 drift_mode == DRIFT_ERROR ?
			 errhint("Nothing was applied. Make the changes part of a migration, or accept them with SELECT migrator.accept_drift(); SET migrator.drift = warn applies anyway.") :
			 errhint("migrator.diff() shows the drift, also after this run, until a migration makes it its own or SELECT migrator.accept_drift() accepts it.")));
	drift_action = MemoryContextStrdup(drift_cxt, action);
	drift_baseline = baseline;
	drift_before = copy_jsonb(drift_cxt, before);
}

/*
 * The snapshot a run records, from the live one after it: with the drift
 * found by drift_before_run() for the same action kept (keep_drift()).
 */
void *
drift_keep(const char *action, void *after)
{
	Oid			types[3] = {JSONBOID, JSONBOID, JSONBOID};
	Datum		values[3];
	Jsonb	   *result = after;
	bool		isnull;
	MemoryContext caller = CurrentMemoryContext;

	if (drift_action != NULL && strcmp(drift_action, action) == 0)
	{
		values[0] = JsonbPGetDatum(drift_baseline);
		values[1] = JsonbPGetDatum(drift_before);
		values[2] = JsonbPGetDatum((Jsonb *) after);
		migrator_spi_connect(0);
		if (SPI_execute_with_args("SELECT migrator.keep_drift($1, $2, $3)", 3, types, values,
								  NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not keep the drift in the recorded snapshot");
		result = copy_jsonb(caller, DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0],
																  SPI_tuptable->tupdesc, 1, &isnull)));
		SPI_finish();
	}
	drift_reset();
	return result;
}

/* a snapshot without open changes' parts, as diff() compares it */
void *
drift_without_changes(void *snapshot)
{
	Oid			types[1] = {JSONBOID};
	Datum		values[1];
	bool		isnull;
	Jsonb	   *result;
	MemoryContext caller = CurrentMemoryContext;

	values[0] = JsonbPGetDatum((Jsonb *) snapshot);
	migrator_spi_connect(0);
	/* a database that never had a change has no part of one anywhere */
	if (SPI_execute_with_args("SELECT CASE WHEN EXISTS (SELECT FROM migrator.changes) "
							  "THEN migrator.without_changes($1) ELSE $1 END", 1, types, values,
							  NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read a snapshot");
	result = copy_jsonb(caller, DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0],
															  SPI_tuptable->tupdesc, 1, &isnull)));
	SPI_finish();
	return result;
}

/*
 * contract() and abort() outside a run change tables for good: the
 * baseline takes what they changed, and keeps any drift they left alone
 * (keep_drift() of the schema before and after them).  Two snapshots,
 * only when a baseline exists.  Inside a run, the run's own snapshot
 * does it.
 */
void
drift_before_change(const char *action)
{
	Jsonb	   *baseline;

	if (drift_mode == DRIFT_OFF || journal_lock_held())
		return;
	drift_reset();
	baseline = drift_recorded(drift_cxt);
	if (baseline == NULL)
		return;
	drift_baseline = baseline;
	drift_before = copy_jsonb(drift_cxt, (Jsonb *) snapshot_database());
	drift_action = MemoryContextStrdup(drift_cxt, action);
}

void
drift_after_change(const char *action)
{
	if (drift_action != NULL && strcmp(drift_action, action) == 0)
		snapshot_record(action);
}

/*
 * migrator.accept_drift(): the live schema becomes the baseline; diff()
 * is then empty.  Revoked from PUBLIC: for those who deploy.
 */
Datum
migrator_accept_drift(PG_FUNCTION_ARGS)
{
	journal_lock();
	snapshot_record("accept_drift");
	PG_RETURN_VOID();
}
