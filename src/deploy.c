/*-------------------------------------------------------------------------
 *
 * deploy.c
 *	  What a least-privilege deploy role needs: migrator.grant_deploy() and
 *	  revoke_deploy(), the switch to the extension's owner for migrator's
 *	  own bookkeeping and schemas, and the check that a change acts only on
 *	  tables its caller owns.
 *
 *	  DDL on the user's tables always runs as the caller, so PostgreSQL's
 *	  own privilege checks apply.  What a deployer may not do itself runs
 *	  as the extension's owner, from C (never SECURITY DEFINER), with
 *	  search_path pinned to pg_catalog: locking rows of migrator's tables,
 *	  creating and dropping a change's version schema (owned by the
 *	  extension's owner; the caller may create in it only while expand()
 *	  makes its views), and generate()'s scratch schema (handed to the
 *	  caller and always rolled back).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "change.h"
#include "migrator.h"

PG_FUNCTION_INFO_V1(migrator_grant_deploy);
PG_FUNCTION_INFO_V1(migrator_revoke_deploy);

/*
 * Everything grant_deploy() grants (and revoke_deploy() revokes): the
 * bundle forms, the zero-downtime functions and generate().  The rest of
 * what a deployer calls (lint, diff, snapshot, dual_write) is PUBLIC.
 */
static const char *const deploy_routines[] = {
	"migrator.apply(jsonb, text, boolean)",
	"migrator.migrate(jsonb, text, boolean)",
	"migrator.status(jsonb)",
	"migrator.verify(jsonb)",
	"migrator.lint_dir(jsonb)",
	"migrator.explain(jsonb)",
	"migrator.revert(jsonb, integer)",
	"migrator.revert_to(jsonb, text)",
	"migrator.baseline(jsonb, text)",
	"migrator.adopt(jsonb)",
	"migrator.repair(jsonb)",
	"migrator.resolve(jsonb, text, text)",
	"migrator.expand(text, jsonb)",
	"migrator.backfill(text, integer, integer)",
	"migrator.run_backfill(text, integer, interval)",
	"migrator.schedule_backfill(text, text, integer)",
	"migrator.backfill_slice(text, integer, integer)",
	"migrator.contract(text)",
	"migrator.abort(text)",
	"migrator.generate(text, text)",
	"migrator.accept_drift()",
};

/* the owner and schema of an extension; false when it is not installed */
static bool
extension_info(const char *name, Oid *owner, Oid *nsp)
{
	Oid			ext = get_extension_oid(name, true);
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	if (!OidIsValid(ext))
		return false;
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "could not find extension %u", ext);
	*owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	*nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return true;
}

/* the owner of extension migrator */
static Oid
migrator_owner(void)
{
	Oid			owner;
	Oid			nsp;

	if (!extension_info("migrator", &owner, &nsp))
		(void) get_extension_oid("migrator", false);	/* its error */
	return owner;
}

/*
 * Act as the extension's owner until migrator_owner_end(), with
 * search_path pinned.  An error in between is cleaned up by the
 * (sub)transaction's abort, which restores the user and the GUCs.
 */
void
migrator_owner_begin(MigratorOwnerSwitch *s)
{
	Oid			owner = migrator_owner();

	GetUserIdAndSecContext(&s->userid, &s->sec);
	SetUserIdAndSecContext(owner, s->sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	s->nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

void
migrator_owner_end(MigratorOwnerSwitch *s)
{
	AtEOXact_GUC(true, s->nest);
	SetUserIdAndSecContext(s->userid, s->sec);
}

/* ---------------------------------------------------------------------
 * Only tables the caller owns
 * ---------------------------------------------------------------------
 */

static bool
owns_table(Oid relid)
{
#if PG_VERSION_NUM >= 160000
	return object_ownercheck(RelationRelationId, relid, GetUserId());
#else
	return pg_class_ownercheck(relid, GetUserId());
#endif
}

static void
refuse_table(Oid relid, const char *change, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("must be owner of table %s",
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											   get_rel_name(relid))),
			 errdetail("%s; migrator changes only tables that the role running change \"%s\" owns.",
					   why, change),
			 errhint("Run it as the table's owner or a member of the owning role.")));
}

static char *
op_key(JsonbContainer *body, const char *key)
{
	JsonbValue	v;

	if (!getKeyJsonValueFromContainer(body, key, strlen(key), &v) || v.type != jbvString)
		return NULL;
	return pnstrdup(v.val.string.val, v.val.string.len);
}

/*
 * The existing table one operation names (an index: its table), or
 * InvalidOid: names that do not resolve are left to the operation itself
 * (a table an earlier operation creates belongs to the caller).
 */
static Oid
op_table(const char *opname, JsonbContainer *body)
{
	bool		index = strcmp(opname, "drop_index") == 0;
	char	   *tab;
	char	   *nsp = op_key(body, "schema");
	Oid			relid;

	if (strcmp(opname, "create_table") == 0 || strcmp(opname, "sql") == 0)
		return InvalidOid;		/* a new table; SQL runs as the caller */
	if (strcmp(opname, "rename_table") == 0)
		tab = op_key(body, "from");
	else if (index)
		tab = op_key(body, "name");
	else if ((tab = op_key(body, "table")) == NULL && strcmp(opname, "drop_table") == 0)
		tab = op_key(body, "name");
	if (tab == NULL)
		return InvalidOid;
	if (nsp)
	{
		Oid			nspid = get_namespace_oid(nsp, true);

		relid = OidIsValid(nspid) ? get_relname_relid(tab, nspid) : InvalidOid;
	}
	else
		relid = RelnameGetRelid(tab);
	if (!OidIsValid(relid))
		return InvalidOid;
	if (get_rel_relkind(relid) == RELKIND_INDEX || get_rel_relkind(relid) == RELKIND_PARTITIONED_INDEX)
		return index ? IndexGetRelation(relid, false) : InvalidOid;
	return index ? InvalidOid : relid;
}

/*
 * Refuse, before anything is done, a change whose operations name a table
 * that the caller does not own.
 */
void
migrator_check_ops_owned(Jsonb *ops, const char *change)
{
	JsonbContainer *root = &ops->root;
	int			n;

	if (JB_ROOT_IS_SCALAR(ops))
		return;					/* read_ops() says what is wrong */
	n = JB_ROOT_IS_OBJECT(ops) ? 1 : JsonContainerSize(root);
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *op = root;
		JsonbIterator *it;
		JsonbValue	k;
		JsonbValue	v;
		char	   *opname;
		Oid			relid;

		if (!JB_ROOT_IS_OBJECT(ops))
		{
			JsonbValue *e = getIthJsonbValueFromContainer(root, i);

			if (e->type != jbvBinary || !JsonContainerIsObject(e->val.binary.data))
				continue;
			op = e->val.binary.data;
		}
		if (JsonContainerSize(op) != 1)
			continue;
		it = JsonbIteratorInit(op);
		(void) JsonbIteratorNext(&it, &k, false);	/* WJB_BEGIN_OBJECT */
		if (JsonbIteratorNext(&it, &k, true) != WJB_KEY)
			continue;
		opname = pnstrdup(k.val.string.val, k.val.string.len);
		(void) JsonbIteratorNext(&it, &v, true);
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			continue;
		relid = op_table(opname, v.val.binary.data);
		if (OidIsValid(relid) && !owns_table(relid))
			refuse_table(relid, change,
						 psprintf("Operation %d (\"%s\") names it", i + 1, opname));
	}
}

/*
 * Refuse to backfill, contract or abort a change unless the caller owns
 * every table it changes: those of migrator.change_tables and those its
 * operations name.
 */
void
migrator_check_change_owned(const char *change)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	bool		isnull;

	values[0] = CStringGetTextDatum(change);
	migrator_spi_connect(0);
	if (SPI_execute_with_args("SELECT t.relid::pg_catalog.oid FROM migrator.change_tables t "
							  "WHERE t.change OPERATOR(pg_catalog.=) $1 ORDER BY t.relid",
							  1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.change_tables");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		Oid			relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));

		if (get_rel_name(relid) != NULL && !owns_table(relid))
			refuse_table(relid, change, "The change's columns are in it");
	}
	if (SPI_execute_with_args("SELECT ops FROM migrator.changes WHERE name OPERATOR(pg_catalog.=) $1",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.changes");
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			migrator_check_ops_owned(DatumGetJsonbP(d), change);
	}
	SPI_finish();
}

/* ---------------------------------------------------------------------
 * Schemas created for the caller
 * ---------------------------------------------------------------------
 */

static char *
caller_name(void)
{
	return pstrdup(quote_identifier(GetUserNameFromId(GetUserId(), false)));
}

/*
 * A change's version schema: created and owned by the extension's owner
 * (the caller needs no CREATE on the database, and cannot drop or rename
 * it), usable by everyone; the caller may create in it until
 * migrator_version_schema_ready() (its views).
 */
void
migrator_version_schema_create(const char *schema)
{
	const char *q = quote_identifier(schema);
	char	   *caller = caller_name();
	bool		other = GetUserId() != migrator_owner();
	MigratorOwnerSwitch s;

	migrator_owner_begin(&s);
	migrator_ddl(psprintf("CREATE SCHEMA %s", q));
	migrator_ddl(psprintf("GRANT USAGE ON SCHEMA %s TO PUBLIC", q));
	if (other)
		migrator_ddl(psprintf("GRANT CREATE ON SCHEMA %s TO %s", q, caller));
	migrator_owner_end(&s);
}

void
migrator_version_schema_ready(const char *schema)
{
	char	   *caller = caller_name();
	MigratorOwnerSwitch s;

	if (GetUserId() == migrator_owner())
		return;
	migrator_owner_begin(&s);
	migrator_ddl(psprintf("REVOKE CREATE ON SCHEMA %s FROM %s", quote_identifier(schema), caller));
	migrator_owner_end(&s);
}

/*
 * generate()'s scratch schema, owned by the caller, who needs no CREATE on
 * the database for it: it lives only in a subtransaction that generate()
 * always rolls back.  SPI must be connected.
 */
void
migrator_scratch_schema_create(const char *schema)
{
	char	   *sql = psprintf("CREATE SCHEMA %s AUTHORIZATION %s",
							   quote_identifier(schema), caller_name());
	MigratorOwnerSwitch s;

	migrator_owner_begin(&s);
	if (SPI_execute(sql, false, 0) < 0)
		elog(ERROR, "could not create the scratch schema");
	migrator_owner_end(&s);
}

/* ---------------------------------------------------------------------
 * grant_deploy(role) and revoke_deploy(role)
 * ---------------------------------------------------------------------
 */

static void
deploy_privileges(FunctionCallInfo fcinfo, bool grant)
{
	const char *verb = grant ? "grant" : "revoke";
	char	   *role;
	Oid			owner = migrator_owner();
	Oid			cron_owner;
	Oid			cron_nsp;
	StringInfoData sql;
	MigratorOwnerSwitch s;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the role must not be NULL")));
	role = text_to_cstring(PG_GETARG_TEXT_PP(0));
	(void) get_role_oid(role, false);	/* 42704 role "..." does not exist */
	if (!has_privs_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s deploy privileges %s role \"%s\"",
						verb, grant ? "to" : "from", role),
				 errdetail("Only the owner of extension \"migrator\" (role \"%s\") and superusers may.",
						   GetUserNameFromId(owner, false))));

	initStringInfo(&sql);
	appendStringInfo(&sql, "%s EXECUTE ON ROUTINE ", grant ? "GRANT" : "REVOKE");
	for (int i = 0; i < (int) lengthof(deploy_routines); i++)
		appendStringInfo(&sql, "%s%s", i ? ", " : "", deploy_routines[i]);
	appendStringInfo(&sql, " %s %s", grant ? "TO" : "FROM", quote_identifier(role));

	migrator_owner_begin(&s);
	migrator_spi_connect(0);
	if (SPI_execute(sql.data, false, 0) < 0)
		elog(ERROR, "could not run \"%s\"", sql.data);
	/*
	 * pg_cron runs a scheduled backfill as the role that scheduled it, who
	 * needs its schema (always "cron"; the extension itself says "public")
	 */
	if (extension_info("pg_cron", &cron_owner, &cron_nsp) &&
		OidIsValid(get_namespace_oid("cron", true)))
	{
		char	   *q = psprintf("%s USAGE ON SCHEMA cron %s %s", grant ? "GRANT" : "REVOKE",
								 grant ? "TO" : "FROM", quote_identifier(role));

		if (SPI_execute(q, false, 0) < 0)
			elog(ERROR, "could not run \"%s\"", q);
	}
	SPI_finish();
	migrator_owner_end(&s);
}

Datum
migrator_grant_deploy(PG_FUNCTION_ARGS)
{
	deploy_privileges(fcinfo, true);
	PG_RETURN_VOID();
}

Datum
migrator_revoke_deploy(PG_FUNCTION_ARGS)
{
	deploy_privileges(fcinfo, false);
	PG_RETURN_VOID();
}
