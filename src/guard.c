/*-------------------------------------------------------------------------
 *
 * guard.c
 *	  Keeps migrations away from migrator's own objects, and the desired
 *	  schema that generate() loads inside its scratch schema.
 *
 *	  While a migration's statements run (run.c, and the background worker
 *	  for statements outside a transaction block), nothing may create, alter,
 *	  drop or truncate an object of the migrator schema, the schema itself
 *	  or the extension, nor insert, update or delete rows of its tables:
 *	  otherwise a migration could forge or erase the journal that records
 *	  it.  migrator's own writes (migrator_exec_as_owner) lift the guard
 *	  for their duration.  Implemented with PostgreSQL's object access hook
 *	  (which sees every DDL on every object, also through functions and
 *	  cascades) and the executor's permission check hook (which sees every
 *	  table a DML statement writes).
 *
 *	  generate() loads a desired-state file into a scratch schema: while it
 *	  runs, the same hooks refuse any change to an object outside that
 *	  schema (the load is rolled back anyway, but it must not drop, lock or
 *	  rewrite the live schema meanwhile).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_auth_members.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_database.h"
#include "catalog/pg_event_trigger.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_language.h"
#include "catalog/pg_publication.h"
#include "catalog/pg_subscription.h"
#include "catalog/pg_tablespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "parser/parsetree.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "migrator.h"

/* > 0 while a migration's statements run */
int			migrator_guard_level = 0;

/* valid while generate() loads a desired schema: the only schema it may change */
Oid			migrator_guard_scratch = InvalidOid;

static object_access_hook_type prev_object_access_hook = NULL;
static ExecutorCheckPerms_hook_type prev_check_perms_hook = NULL;

/*
 * One column of a catalog row, by OID.  SnapshotSelf, since the object
 * access hook runs for a new object before it is visible to others.
 */
static Oid
catalog_oid_column(Oid classId, Oid objectId, AttrNumber attnum)
{
	Relation	rel = table_open(classId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			result = InvalidOid;

	ScanKeyInit(&key, get_object_attnum_oid(classId), BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(rel, get_object_oid_index(classId), true,
							  SnapshotSelf, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, attnum, RelationGetDescr(rel), &isnull);

		if (!isnull)
			result = DatumGetObjectId(d);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

static Oid
migrator_namespace(void)
{
	return get_namespace_oid(MIGRATOR_SCHEMA, true);
}

/* the schema an object lives in (a trigger: its table's); InvalidOid if none */
static Oid
object_namespace(Oid classId, Oid objectId)
{
	switch (classId)
	{
		case NamespaceRelationId:
			return objectId;
		case TriggerRelationId:
			return object_namespace(RelationRelationId,
									catalog_oid_column(TriggerRelationId, objectId,
													   Anum_pg_trigger_tgrelid));
		case RelationRelationId:
		case ProcedureRelationId:
		case TypeRelationId:
		case ConstraintRelationId:
			if (!OidIsValid(objectId))
				return InvalidOid;
			return catalog_oid_column(classId, objectId,
									  get_object_attnum_namespace(classId));
		default:
			return InvalidOid;
	}
}

static void
refuse(const char *action, const char *object)
{
	if (OidIsValid(migrator_guard_scratch))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the desired schema must not change anything outside its scratch schema"),
				 errdetail("It tried to %s %s.", action, object),
				 errhint("A desired-state file describes one schema: its objects without a schema name, or qualified with that schema's name; generate() loads it into a scratch schema and compares.")));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("a migration must not change migrator's own objects"),
			 errdetail("It tried to %s %s; the migrator schema holds the journal that records migrations.",
					   action, object),
			 errhint("Manage migrator with its functions, outside migrations.")));
}

static bool
is_migrator_object(Oid classId, Oid objectId)
{
	Oid			nsp;

	if (classId == ExtensionRelationId)
		return objectId == get_extension_oid("migrator", true);
	nsp = object_namespace(classId, objectId);
	return OidIsValid(nsp) && nsp == migrator_namespace();
}

/*
 * generate(): what lives outside the scratch schema.  Objects of no schema
 * count as outside (roles, other schemas, databases, ...), except those
 * PostgreSQL makes along with objects of the scratch schema (TOAST tables,
 * defaults, dependencies) and the extensions a desired file may create.
 */
static bool
is_outside_scratch(ObjectAccessType access, Oid classId, Oid objectId)
{
	Oid			nsp;

	switch (classId)
	{
		case NamespaceRelationId:
			return objectId != migrator_guard_scratch;
		case RelationRelationId:
		case ProcedureRelationId:
		case TypeRelationId:
		case ConstraintRelationId:
		case TriggerRelationId:
			nsp = object_namespace(classId, objectId);
			return OidIsValid(nsp) && nsp != migrator_guard_scratch &&
				nsp != PG_TOAST_NAMESPACE;
		case ExtensionRelationId:
			return access != OAT_POST_CREATE;
		case AuthIdRelationId:
		case AuthMemRelationId:
		case DatabaseRelationId:
		case TableSpaceRelationId:
		case EventTriggerRelationId:
		case LanguageRelationId:
		case ForeignDataWrapperRelationId:
		case ForeignServerRelationId:
		case PublicationRelationId:
		case SubscriptionRelationId:
			return true;
		default:
			return false;
	}
}

static void
guard_object_access(ObjectAccessType access, Oid classId, Oid objectId,
					int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (migrator_guard_level <= 0 && !OidIsValid(migrator_guard_scratch))
		return;
	if (access != OAT_POST_CREATE && access != OAT_DROP &&
		access != OAT_POST_ALTER && access != OAT_TRUNCATE)
		return;
	if (OidIsValid(migrator_guard_scratch))
	{
		if (!is_outside_scratch(access, classId, objectId))
			return;
		if (access == OAT_POST_CREATE)
			refuse("create", "an object outside it");
		refuse(access == OAT_DROP ? "drop" : access == OAT_TRUNCATE ? "truncate" : "alter",
			   getObjectDescriptionOids(classId, objectId));
	}
	if (!is_migrator_object(classId, objectId))
		return;
	switch (access)
	{
		case OAT_POST_CREATE:
			/* a new column, trigger or constraint alters an existing table */
			if (classId == RelationRelationId && subId == 0)
				refuse("create", "a relation in schema \"migrator\"");
			else if (classId == RelationRelationId || classId == TriggerRelationId ||
					 classId == ConstraintRelationId)
				refuse("alter", "a table of schema \"migrator\"");
			refuse("create", "an object in schema \"migrator\"");
			break;
		case OAT_DROP:
			refuse("drop", getObjectDescriptionOids(classId, objectId));
			break;
		case OAT_TRUNCATE:
			refuse("truncate", getObjectDescriptionOids(classId, objectId));
			break;
		default:
			refuse("alter", getObjectDescriptionOids(classId, objectId));
			break;
	}
}

/*
 * Does a statement write the table?  SELECT ... FOR UPDATE asks for the
 * UPDATE privilege too, but changes no column: a lock, not a write (expand()
 * locks its row of migrator.changes that way).
 */
static bool
writes(AclMode perms, Bitmapset *updatedCols)
{
	return (perms & (ACL_INSERT | ACL_DELETE)) != 0 ||
		((perms & ACL_UPDATE) != 0 && !bms_is_empty(updatedCols));
}

/* may a statement not write to this table now? */
static bool
writes_guarded(Oid relid)
{
	if (OidIsValid(migrator_guard_scratch))
		return get_rel_namespace(relid) != migrator_guard_scratch;
	return get_rel_namespace(relid) == migrator_namespace();
}

#if PG_VERSION_NUM >= 160000
static bool
guard_check_perms(List *rangeTable, List *rtePermInfos, bool ereport_on_violation)
{
	ListCell   *lc;

	if (prev_check_perms_hook &&
		!prev_check_perms_hook(rangeTable, rtePermInfos, ereport_on_violation))
		return false;
	if (migrator_guard_level <= 0 && !OidIsValid(migrator_guard_scratch))
		return true;
	foreach(lc, rtePermInfos)
	{
		RTEPermissionInfo *p = lfirst_node(RTEPermissionInfo, lc);

		if (writes(p->requiredPerms, p->updatedCols) && writes_guarded(p->relid))
			refuse("write to", getObjectDescriptionOids(RelationRelationId, p->relid));
	}
	return true;
}
#else
static bool
guard_check_perms(List *rangeTable, bool ereport_on_violation)
{
	ListCell   *lc;

	if (prev_check_perms_hook &&
		!prev_check_perms_hook(rangeTable, ereport_on_violation))
		return false;
	if (migrator_guard_level <= 0 && !OidIsValid(migrator_guard_scratch))
		return true;
	foreach(lc, rangeTable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION &&
			writes(rte->requiredPerms, rte->updatedCols) &&
			writes_guarded(rte->relid))
			refuse("write to", getObjectDescriptionOids(RelationRelationId, rte->relid));
	}
	return true;
}
#endif

void
migrator_guard_init(void)
{
	prev_object_access_hook = object_access_hook;
	object_access_hook = guard_object_access;
	prev_check_perms_hook = ExecutorCheckPerms_hook;
	ExecutorCheckPerms_hook = guard_check_perms;
}
