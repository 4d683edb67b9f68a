/*-------------------------------------------------------------------------
 *
 * migrator.c
 *	  Module entry point, GUCs, and the checks every SQL entry point shares
 *	  (privileges, the folder argument).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "access/xact.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "change.h"
#include "dualwrite.h"
#include "migrator.h"
#include "online.h"

PG_MODULE_MAGIC;

int			migrator_max_file_size = 16 * 1024;	/* kB */
int			migrator_statement_timeout = 0; /* ms */

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("migrator.max_file_size",
							"Largest migration file migrator reads.",
							"Larger files are refused before anything runs.",
							&migrator_max_file_size,
							16 * 1024,
							1,
							MaxAllocSize / 1024 / 2,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomIntVariable("migrator.lock_timeout",
							"How long a statement of a migration or change waits for a lock.",
							"On timeout the migration (or DDL step) is retried after a backoff, so it never queues long in front of other sessions. A file's \"-- migrator:lock_timeout=...\" directive overrides it.",
							&migrator_lock_timeout,
							500,
							1,
							INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("migrator.lock_retries",
							"How many times a DDL statement that timed out on its lock is retried.",
							NULL,
							&migrator_lock_retries,
							10,
							0,
							1000,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("migrator.statement_timeout",
							"statement_timeout for the statements of migrations (0: the session's).",
							"A file's \"-- migrator:statement_timeout=...\" directive overrides it.",
							&migrator_statement_timeout,
							0,
							0,
							INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	lint_define_gucs();
	backfill_define_gucs();
	drift_define_gucs();
	plan_define_gucs();
	migrator_online_define_gucs();

	MarkGUCPrefixReserved("migrator");
	migrator_guard_init();
	dual_write_plan_init();
}

/*
 * SPI_connect() (options 0) or SPI_connect_ext(options), or an error: every
 * SPI session of migrator's opens here, so none goes on unconnected.
 */
void
migrator_spi_connect(int options)
{
	int			rc = options ? SPI_connect_ext(options) : SPI_connect();

	if (rc != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
}

/*
 * Reading files on the server is a privilege: superusers and members of
 * pg_read_server_files only, as for pg_read_file() and COPY FROM a file.
 */
void
migrator_check_privileges(void)
{
	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read migration files on the server"),
				 errdetail("Only superusers and roles with privileges of the \"%s\" role may read server folders.",
						   "pg_read_server_files"),
				 errhint("Ask an administrator to GRANT pg_read_server_files to this role.")));
}

/*
 * The folder argument: not NULL, absolute, canonical.
 */
char *
migrator_checked_dir(text *dir)
{
	char	   *path;

	if (dir == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("migration folder must not be NULL")));

	path = text_to_cstring(dir);
	if (!is_absolute_path(path))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration folder \"%s\" is not an absolute path", path),
				 path[0] == '{' ?
				 errhint("To pass a bundle, cast it: '{\"V1__init.sql\": \"...\"}'::jsonb.") :
				 errhint("Give the folder's full path on the database server, e.g. '/srv/app/migrations'.")));
	canonicalize_path(path);
	return path;
}

/*
 * The source argument of a runner function: a server folder (text), which
 * takes the privilege to read server files, or a bundle (jsonb), which
 * takes none -- the bundle forms are not executable by PUBLIC, an
 * administrator grants them.  Allocated in the current memory context.
 */
MigrationSource *
migrator_source_arg(FunctionCallInfo fcinfo, int argno)
{
	Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, argno);

	if (argtype == JSONBOID)
	{
		if (PG_ARGISNULL(argno))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("migration bundle must not be NULL")));
		return source_bundle(PG_GETARG_JSONB_P_COPY(argno));
	}
	if (argtype != TEXTOID)
		elog(ERROR, "migrator: cannot determine the type of argument %d", argno + 1);
	migrator_check_privileges();
	return source_folder(migrator_checked_dir(PG_ARGISNULL(argno) ? NULL :
											  PG_GETARG_TEXT_PP(argno)));
}

/*
 * 1-based line number of a byte offset, given the offsets at which lines
 * start (binary search).
 */
int
migrator_line_at(const int *line_starts, int nlines, int offset)
{
	int			lo = 0;
	int			hi = nlines - 1;

	while (lo < hi)
	{
		int			mid = (lo + hi + 1) / 2;

		if (line_starts[mid] <= offset)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo + 1;
}
