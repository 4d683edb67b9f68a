/*
 * fuzz_layout.c -- libFuzzer target: a migration file (or folder) name
 * through layout.c, as a folder listing or a bundle key would give it.
 *
 * The input is a name (up to its first NUL byte).  Checked, besides memory
 * safety and undefined behaviour:
 *	- a .sql name that layout_classify_file() gives a layout parses under it;
 *	- a name that parses has a version (unless repeatable) and a name;
 *	- layout_compare_versions() is reflexive and antisymmetric on any two
 *	  strings, and a total order on the versions layout_parse_name() makes
 *	  (compared with known versions of each layout).
 */
#include "postgres.h"

#include "migrator.h"
#include "shim.h"

#define NLAYOUTS (LAYOUT_DIESEL + 1)

/* versions each layout's own parser makes, in their order */
static const char *const known[NLAYOUTS][6] = {
	[LAYOUT_EMPTY] = {"a", "b"},
	[LAYOUT_FLYWAY] = {"0", "1", "1.0.1", "1.2", "1.10", "20240101.1"},
	[LAYOUT_NUMBERED] = {"0", "0001", "2", "10", "20240101120000", "99999999999999999999"},
	[LAYOUT_DRIZZLE] = {"0000", "0001", "0010", "0100"},
	[LAYOUT_GOLANG] = {"1", "2", "10", "1700000000"},
	[LAYOUT_PRISMA] = {"20230101000000_init", "20230102000000_users"},
	[LAYOUT_DIESEL] = {"00000000000000", "20230101000000", "20230102000000"},
};

static int
sign(int c)
{
	return (c > 0) - (c < 0);
}

/* reflexive and antisymmetric; also transitive with the known versions */
static void
check_order(MigratorLayout layout, const char *v, bool well_formed)
{
	fuzz_check(layout_compare_versions(layout, v, v) == 0);
	for (int i = 0; i < 6 && known[layout][i]; i++)
	{
		const char *k = known[layout][i];
		int			c = sign(layout_compare_versions(layout, v, k));

		fuzz_check(c == -sign(layout_compare_versions(layout, k, v)));
		if (!well_formed)
			continue;
		for (int j = 0; j < 6 && known[layout][j]; j++)
		{
			const char *k2 = known[layout][j];
			int			c2 = sign(layout_compare_versions(layout, k, k2));

			/* v <= k <= k2 implies v <= k2, and so on */
			if (c <= 0 && c2 <= 0)
				fuzz_check(layout_compare_versions(layout, v, k2) <= 0);
			if (c >= 0 && c2 >= 0)
				fuzz_check(layout_compare_versions(layout, v, k2) >= 0);
		}
	}
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t		n = strlen(s);
	size_t		m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int			LLVMFuzzerTestOneInput(const uint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	sigjmp_buf	jump;
	/* a string of exactly its length, so that over-reads are caught */
	char	   *name = fuzz_copy(data, strnlen((const char *) data, size));
	MigratorLayout classified;

	fuzz_error_jump = &jump;
	if (sigsetjmp(jump, 0) != 0)
		__builtin_trap();		/* no layout function raises an error */

	classified = layout_classify_file(name);
	for (int l = 0; l < NLAYOUTS; l++)
	{
		Migration	m;
		LayoutParseResult r;

		memset(&m, 0, sizeof(m));
		r = layout_parse_name((MigratorLayout) l, name, &m);
		if (l == (int) classified && l != (int) LAYOUT_EMPTY && ends_with(name, ".sql"))
			fuzz_check(r != PARSE_INVALID);
		if (r == PARSE_MIGRATION)
		{
			fuzz_check(m.name != NULL);
			fuzz_check(m.kind == MIGRATION_REPEATABLE || m.version != NULL);
		}
		if (m.version)
			check_order((MigratorLayout) l, m.version, true);
		/* any text at all, as a user's target version may be */
		check_order((MigratorLayout) l, name, false);
		(void) layout_name((MigratorLayout) l);
	}

	fuzz_error_jump = NULL;
	fuzz_reset();
	free(name);
	return 0;
}
