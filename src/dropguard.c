/*-------------------------------------------------------------------------
 *
 * dropguard.c
 *	  DROP EXTENSION migrator while changes are open.
 *
 *	  An open change has put _migrator_* columns and a dual-write trigger on
 *	  its tables and made a version schema of views.  Dropping the extension
 *	  would leave all of that behind with nothing to keep the two shapes in
 *	  step (or would fail on the trigger's dependency, naming a trigger
 *	  instead of the change).  So an event trigger on ddl_command_start,
 *	  created by the extension script for the DROP statements that can drop
 *	  the extension (DROP EXTENSION, DROP SCHEMA, DROP OWNED), runs
 *	  migrator_drop_guard() before PostgreSQL drops anything:
 *
 *	  - RESTRICT with open changes: refused (2BP01), naming them;
 *	  - CASCADE: each open change is aborted first, through migrator.abort(),
 *		so the tables are as they were before the change;
 *	  - and when the drop goes ahead, pg_cron jobs of this database that run
 *		scheduled backfills are unscheduled (their procedure goes with the
 *		extension; the job would fail every minute).
 *
 *	  The trigger's WHEN TAG filter keeps other DDL from calling it at all;
 *	  for the three tags, a statement that does not drop migrator returns
 *	  after looking at its parse tree.  Everything runs in the dropping
 *	  transaction: a drop that fails later undoes the aborts too.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "change.h"
#include "migrator.h"

PG_FUNCTION_INFO_V1(migrator_drop_guard);

/*
 * The open changes that left something in place, oldest first: whether
 * something that matters would be orphaned (a table of the change still
 * exists, or its version schema still holds a view), and whether every
 * table of it still exists (abort needs them).  A change whose tables and
 * views are gone, as in pg_restore --clean, which drops them before the
 * extension, blocks nothing.
 */
static const char *const open_changes_sql =
"SELECT c.name, "
"  EXISTS (SELECT FROM migrator.change_tables t JOIN pg_catalog.pg_class r "
"          ON r.oid OPERATOR(pg_catalog.=) t.relid::pg_catalog.oid "
"          WHERE t.change OPERATOR(pg_catalog.=) c.name) "
"  OR EXISTS (SELECT FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n "
"             ON n.oid OPERATOR(pg_catalog.=) r.relnamespace "
"             WHERE n.nspname OPERATOR(pg_catalog.=) c.version_schema), "
"  NOT EXISTS (SELECT FROM migrator.change_tables t "
"              WHERE t.change OPERATOR(pg_catalog.=) c.name AND NOT EXISTS "
"              (SELECT FROM pg_catalog.pg_class r "
"               WHERE r.oid OPERATOR(pg_catalog.=) t.relid::pg_catalog.oid)) "
"FROM migrator.changes c "
"WHERE c.state OPERATOR(pg_catalog.<>) ALL ('{contracted,aborted}') "
"AND (EXISTS (SELECT FROM migrator.change_tables t JOIN pg_catalog.pg_class r "
"             ON r.oid OPERATOR(pg_catalog.=) t.relid::pg_catalog.oid "
"             WHERE t.change OPERATOR(pg_catalog.=) c.name) "
"     OR EXISTS (SELECT FROM pg_catalog.pg_namespace n "
"                WHERE n.nspname OPERATOR(pg_catalog.=) c.version_schema)) "
"ORDER BY c.started_at, c.name";

typedef struct OpenChange
{
	char	   *name;
	bool		blocking;		/* something that matters would stay behind */
	bool		whole;			/* every table of it exists: abort can run */
} OpenChange;

/* pg_cron jobs of this database that run scheduled backfills */
static const char *const unschedule_sql =
"SELECT cron.unschedule(j.jobid) FROM cron.job j "
"WHERE j.database OPERATOR(pg_catalog.=) pg_catalog.current_database() "
"AND (j.jobid IN (SELECT cron_job FROM migrator.changes WHERE cron_job IS NOT NULL) "
"     OR j.command OPERATOR(pg_catalog.~~) 'CALL migrator.backfill_slice(%')";

/* does a list of String nodes (DROP EXTENSION / SCHEMA objects) name this? */
static bool
names(List *objects, const char *name)
{
	ListCell   *lc;

	foreach(lc, objects)
		if (IsA(lfirst(lc), String) && strcmp(strVal(lfirst(lc)), name) == 0)
			return true;
	return false;
}

#if PG_VERSION_NUM >= 160000
#define pg_extension_ownercheck(ext, role) object_ownercheck(ExtensionRelationId, ext, role)
#define pg_namespace_ownercheck(nsp, role) object_ownercheck(NamespaceRelationId, nsp, role)
#endif

/*
 * May the user run the statement at all?  If not, PostgreSQL refuses it
 * after this trigger, and the trigger must not abort changes or name them
 * first.
 */
static bool
allowed(Node *parsetree)
{
	Oid			user = GetUserId();
	ListCell   *lc;

	if (IsA(parsetree, DropOwnedStmt))
	{
		foreach(lc, ((DropOwnedStmt *) parsetree)->roles)
		{
			Oid			role = get_rolespec_oid(lfirst(lc), true);

			if (OidIsValid(role) && !has_privs_of_role(user, role))
				return false;
		}
		return true;
	}
	if (((DropStmt *) parsetree)->removeType == OBJECT_SCHEMA)
	{
		Oid			nsp = get_namespace_oid(MIGRATOR_SCHEMA, true);

		return OidIsValid(nsp) && pg_namespace_ownercheck(nsp, user);
	}
	else
	{
		Oid			ext = get_extension_oid("migrator", true);

		return OidIsValid(ext) && pg_extension_ownercheck(ext, user);
	}
}

/* does DROP OWNED BY name the owner of the extension? */
static bool
owner_named(List *roles)
{
	ListCell   *lc;
	bool		isnull;
	Oid			owner = InvalidOid;

	migrator_spi_connect(0);
	if (SPI_execute("SELECT extowner FROM pg_catalog.pg_extension "
					"WHERE extname OPERATOR(pg_catalog.=) 'migrator'",
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_extension");
	if (SPI_processed == 1)
		owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	foreach(lc, roles)
		if (OidIsValid(owner) && get_rolespec_oid(lfirst(lc), true) == owner)
			return true;
	return false;
}

/*
 * What the statement drops, if it drops migrator: "extension migrator",
 * "schema migrator" or "the objects of the extension's owner"; NULL if it
 * does not.  *cascade gets its DROP behaviour.
 */
static const char *
what_drops_migrator(Node *parsetree, bool *cascade)
{
	if (IsA(parsetree, DropStmt))
	{
		DropStmt   *stmt = (DropStmt *) parsetree;

		*cascade = stmt->behavior == DROP_CASCADE;
		if (stmt->removeType == OBJECT_EXTENSION && names(stmt->objects, "migrator"))
			return "extension migrator";
		if (stmt->removeType == OBJECT_SCHEMA && names(stmt->objects, MIGRATOR_SCHEMA))
			return "schema " MIGRATOR_SCHEMA;
	}
	else if (IsA(parsetree, DropOwnedStmt))
	{
		DropOwnedStmt *stmt = (DropOwnedStmt *) parsetree;

		*cascade = stmt->behavior == DROP_CASCADE;
		if (owner_named(stmt->roles))
			return "the objects owned by the owner of extension migrator";
	}
	return NULL;
}

static List *
open_changes(void)
{
	List	   *result = NIL;

	if (SPI_execute(open_changes_sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.changes");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		OpenChange *c = palloc(sizeof(OpenChange));
		bool		isnull;

		c->name = SPI_getvalue(tup, desc, 1);
		c->blocking = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
		c->whole = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));
		result = lappend(result, c);
	}
	return result;
}

/* RESTRICT: refuse while an open change has something in place */
static void
refuse_if_open(const char *what, List *changes)
{
	StringInfoData list;
	ListCell   *lc;
	const char *first = NULL;
	int			count = 0;

	initStringInfo(&list);
	foreach(lc, changes)
	{
		OpenChange *c = lfirst(lc);

		if (!c->blocking)
			continue;
		appendStringInfo(&list, "%s\"%s\"", list.len ? ", " : "", c->name);
		if (first == NULL)
			first = c->name;
		count++;
	}
	if (count == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
			 errmsg_plural("cannot drop %s: change %s is open",
						   "cannot drop %s: changes %s are open",
						   count, what, list.data),
			 errdetail("An open change has _migrator_* columns and a dual-write trigger on its tables and a version schema of views; without migrator they would stay behind and writes would no longer reach both shapes."),
			 errhint("Contract or abort each open change first (SELECT migrator.abort(%s)), or add CASCADE, which aborts them.",
					 quote_literal_cstr(first))));
}

static void
abort_context(void *arg)
{
	errcontext("aborting change \"%s\" before migrator is dropped", (const char *) arg);
}

static void
drop_empty_version_schema(const char *change)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(change);
	if (SPI_execute_with_args("SELECT version_schema FROM migrator.changes "
							  "WHERE name OPERATOR(pg_catalog.=) $1",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not read change \"%s\"", change);
	if (SPI_execute(psprintf("DROP SCHEMA IF EXISTS %s",
							 quote_identifier(SPI_getvalue(SPI_tuptable->vals[0],
														   SPI_tuptable->tupdesc, 1))),
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not drop the version schema of change \"%s\"", change);
}

/* CASCADE: abort every open change, as migrator.abort() does */
static void
abort_changes(List *changes)
{
	ListCell   *lc;

	foreach(lc, changes)
	{
		OpenChange *c = lfirst(lc);
		char	   *change = c->name;
		Oid			types[1] = {TEXTOID};
		Datum		values[1];
		ErrorContextCallback errcb;

		if (!c->whole && !c->blocking)
		{
			/* its tables and views are gone: only an empty schema is left */
			drop_empty_version_schema(change);
			continue;
		}
		if (!c->whole)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot abort change \"%s\": a table it changed was dropped", change),
					 errdetail("migrator.change_tables names a relation that no longer exists."),
					 errhint("Remove what is left of the change by hand (its version schema, the trigger %s and the %s* columns of its other tables), then drop migrator.",
							 MIGRATOR_TRIGGER_NAME, MIGRATOR_COLUMN_PREFIX)));

		errcb.callback = abort_context;
		errcb.arg = change;
		errcb.previous = error_context_stack;
		error_context_stack = &errcb;
		values[0] = CStringGetTextDatum(change);
		if (SPI_execute_with_args("SELECT migrator.abort($1)", 1, types, values,
								  NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not abort change \"%s\"", change);
		error_context_stack = errcb.previous;
		ereport(NOTICE,
				(errmsg("aborted open change \"%s\": its tables are as before it", change)));
	}
}

static void
unschedule_backfills(void)
{
	if (!OidIsValid(get_extension_oid("pg_cron", true)))
		return;
	if (SPI_execute(unschedule_sql, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not unschedule the backfill jobs");
	if (SPI_processed > 0)
		ereport(NOTICE,
				(errmsg_plural("unscheduled %llu pg_cron backfill job",
							   "unscheduled %llu pg_cron backfill jobs",
							   SPI_processed, (unsigned long long) SPI_processed)));
}

Datum
migrator_drop_guard(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	const char *what;
	bool		cascade = false;
	List	   *changes;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("migrator.drop_guard() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;

	/* inside a migration or generate(), guard.c refuses the drop itself */
	if (migrator_guard_level > 0 || OidIsValid(migrator_guard_scratch))
		PG_RETURN_VOID();
	what = what_drops_migrator(trigdata->parsetree, &cascade);
	if (what == NULL || !allowed(trigdata->parsetree))
		PG_RETURN_VOID();

	migrator_spi_connect(0);
	changes = open_changes();
	if (!cascade)
		refuse_if_open(what, changes);
	else
		abort_changes(changes);
	unschedule_backfills();
	SPI_finish();
	PG_RETURN_VOID();
}
