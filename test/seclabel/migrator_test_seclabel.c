/*-------------------------------------------------------------------------
 *
 * migrator_test_seclabel.c
 *	  A security label provider for migrator's tests, "migrator_test": no
 *	  provider can be loaded in the test cluster otherwise (sepgsql needs
 *	  SELinux; PostgreSQL's dummy_seclabel is a test module it does not
 *	  install).  It accepts any label but "invalid", and enforces nothing.
 *	  test/tap/diff_roundtrip.sh builds and installs it for the cases that
 *	  name it in a file "provider" and loads it in their sessions
 *	  (session_preload_libraries).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/seclabel.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

extern PGDLLEXPORT void _PG_init(void);

static void
check_label(const ObjectAddress *object, const char *seclabel)
{
	if (seclabel != NULL && strcmp(seclabel, "invalid") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("\"%s\" is not a valid security label", seclabel)));
}

void
_PG_init(void)
{
	register_label_provider("migrator_test", check_label);
}
