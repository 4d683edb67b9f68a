/*-------------------------------------------------------------------------
 *
 * layout.c
 *	  Folder layouts: which tool wrote a folder, how its file names carry a
 *	  version and a name, and the order that tool applies them in.
 *
 *	  Pure functions over strings, so they are easy to test and fuzz:
 *	  - Flyway: V<ver>__<desc>.sql (ver parts split on '.' or '_', compared
 *		as numbers), R__<desc>.sql repeatable, U<ver>__<desc>.sql undo;
 *	  - numbered (drizzle-kit, dbmate, plain): <digits>_<name>.sql, numeric;
 *		drizzle-kit's meta/_journal.json order is applied by source.c;
 *	  - golang-migrate: <digits>_<name>.up.sql / .down.sql, numeric;
 *	  - Prisma: <name>/migration.sql, by folder name;
 *	  - drizzle-kit 1.0: <yyyymmddhhmmss>_<name>/migration.sql beside a
 *		snapshot.json (Prisma writes none), by folder name;
 *	  - diesel: <version>_<name>/up.sql, by version with dashes removed;
 *	  - Sqitch: sqitch.plan's order (sqitch.c); graphile-migrate:
 *		committed/<digits>[-<message>].sql, numeric (graphile.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "migrator.h"

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t		n = strlen(s);
	size_t		m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
leading_digits(const char *s)
{
	int			n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

const char *
layout_name(MigratorLayout layout)
{
	switch (layout)
	{
		case LAYOUT_EMPTY:
			return "empty";
		case LAYOUT_FLYWAY:
			return "flyway";
		case LAYOUT_NUMBERED:
			return "numbered";
		case LAYOUT_DRIZZLE:
			return "drizzle-kit";
		case LAYOUT_GOLANG:
			return "golang-migrate";
		case LAYOUT_PRISMA:
			return "prisma";
		case LAYOUT_DIESEL:
			return "diesel";
		case LAYOUT_DRIZZLE1:
			return "drizzle-kit 1.0";
		case LAYOUT_SQITCH:
			return "sqitch";
		case LAYOUT_GRAPHILE:
			return "graphile-migrate";
	}
	return "unknown";
}

/*
 * Length of a Flyway version at s ("1", "1.2", "1_10"): digit groups
 * separated by single '.' or '_', ending just before "__".  0 if none.
 */
static int
flyway_version_len(const char *s)
{
	int			n = 0;

	for (;;)
	{
		int			d = leading_digits(s + n);

		if (d == 0)
			return 0;
		n += d;
		if (s[n] == '_' && s[n + 1] == '_')
			return n;
		if (s[n] != '.' && s[n] != '_')
			return 0;
		n++;
	}
}

/*
 * Which layout a top-level file name belongs to; LAYOUT_EMPTY when it is a
 * .sql file of no known layout (non-.sql files are never asked about).
 */
MigratorLayout
layout_classify_file(const char *fname)
{
	int			d = leading_digits(fname);

	if (d > 0 && fname[d] == '_')
	{
		if (has_suffix(fname, ".up.sql") || has_suffix(fname, ".down.sql"))
			return LAYOUT_GOLANG;
		return LAYOUT_NUMBERED;
	}
	if ((fname[0] == 'V' || fname[0] == 'U') && flyway_version_len(fname + 1) > 0)
		return LAYOUT_FLYWAY;
	if (strncmp(fname, "R__", 3) == 0 && strlen(fname) > strlen("R__.sql"))
		return LAYOUT_FLYWAY;
	return LAYOUT_EMPTY;
}

/* "1_10" -> "1.10": Flyway shows versions with dots */
static char *
flyway_normalize(const char *v, int len)
{
	char	   *s = pnstrdup(v, len);

	for (char *p = s; *p; p++)
		if (*p == '_')
			*p = '.';
	return s;
}

static char *
strip_suffix(const char *s, const char *suffix)
{
	return pnstrdup(s, strlen(s) - strlen(suffix));
}

/*
 * Fill m->version, m->name and m->kind from a file (or, for Prisma and
 * diesel, folder) name.  Returns PARSE_IGNORE for files of the layout that
 * never run forward (down and undo scripts), PARSE_INVALID for names that
 * do not fit the layout.
 */
LayoutParseResult
layout_parse_name(MigratorLayout layout, const char *fname, Migration *m)
{
	int			d = leading_digits(fname);

	m->kind = MIGRATION_VERSIONED;
	switch (layout)
	{
		case LAYOUT_FLYWAY:
			{
				int			vlen;

				if (!has_suffix(fname, ".sql"))
					return PARSE_INVALID;
				if (strncmp(fname, "R__", 3) == 0)
				{
					m->kind = MIGRATION_REPEATABLE;
					m->version = NULL;
					m->name = pnstrdup(fname + 3, strlen(fname) - 3 - 4);
					return m->name[0] ? PARSE_MIGRATION : PARSE_INVALID;
				}
				if (fname[0] != 'V' && fname[0] != 'U')
					return PARSE_INVALID;
				vlen = flyway_version_len(fname + 1);
				if (vlen == 0 || (int) strlen(fname) < 1 + vlen + 2 + 4)
					return PARSE_INVALID;
				m->version = flyway_normalize(fname + 1, vlen);
				if (fname[0] == 'U')
					return PARSE_IGNORE;	/* an undo script: version set */
				m->name = pnstrdup(fname + 1 + vlen + 2,
								   strlen(fname) - (1 + vlen + 2) - 4);
				return PARSE_MIGRATION;
			}
		case LAYOUT_NUMBERED:
		case LAYOUT_DRIZZLE:
			if (d == 0 || fname[d] != '_' || !has_suffix(fname, ".sql"))
				return PARSE_INVALID;
			m->version = pnstrdup(fname, d);
			m->name = strip_suffix(fname + d + 1, ".sql");
			return PARSE_MIGRATION;
		case LAYOUT_GOLANG:
			if (d == 0 || fname[d] != '_')
				return PARSE_INVALID;
			if (has_suffix(fname, ".down.sql"))
			{
				m->version = pnstrdup(fname, d);	/* a down script: version set */
				return PARSE_IGNORE;
			}
			if (!has_suffix(fname, ".up.sql"))
				return PARSE_INVALID;
			m->version = pnstrdup(fname, d);
			m->name = strip_suffix(fname + d + 1, ".up.sql");
			return PARSE_MIGRATION;
		case LAYOUT_PRISMA:
		case LAYOUT_DRIZZLE1:
			{
				const char *us = strchr(fname, '_');

				m->version = pstrdup(fname);
				m->name = pstrdup(us ? us + 1 : fname);
				return PARSE_MIGRATION;
			}
		case LAYOUT_DIESEL:
			{
				const char *us = strchr(fname, '_');
				StringInfoData v;

				if (us == NULL || us == fname)
					return PARSE_INVALID;
				initStringInfo(&v);
				for (const char *p = fname; p < us; p++)
				{
					if (*p >= '0' && *p <= '9')
						appendStringInfoChar(&v, *p);
					else if (*p != '-')
						return PARSE_INVALID;
				}
				if (v.len == 0)
					return PARSE_INVALID;
				m->version = v.data;
				m->name = pstrdup(us + 1);
				return PARSE_MIGRATION;
			}
		case LAYOUT_SQITCH:		/* named by sqitch.plan (sqitch.c) */
		case LAYOUT_GRAPHILE:	/* committed/ (graphile.c) */
		case LAYOUT_EMPTY:
			break;
	}
	return PARSE_INVALID;
}

/* compare two digit strings as numbers, whatever their length */
static int
compare_numeric(const char *a, int alen, const char *b, int blen)
{
	int			c;

	while (alen > 1 && *a == '0')
		a++, alen--;
	while (blen > 1 && *b == '0')
		b++, blen--;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	c = memcmp(a, b, alen);
	return (c > 0) - (c < 0);
}

/*
 * Flyway: parts separated by '.' or '_', compared as numbers; missing
 * trailing parts count as 0, so 1 = 1.0 (Flyway's rule).
 */
static int
compare_flyway(const char *a, const char *b)
{
	for (;;)
	{
		int			alen = leading_digits(a);
		int			blen = leading_digits(b);
		int			c;

		if (alen == 0 && blen == 0)
		{
			/* what follows the numbers: nothing, in a well-formed version */
			c = strcmp(a, b);
			return (c > 0) - (c < 0);
		}
		c = compare_numeric(alen ? a : "0", alen ? alen : 1,
							blen ? b : "0", blen ? blen : 1);
		if (c != 0)
			return c;
		a += alen;
		b += blen;
		if (*a == '.' || *a == '_')
			a++;
		if (*b == '.' || *b == '_')
			b++;
	}
}

/*
 * Order two versions the way the layout's own tool does.  Versions that
 * compare equal are the same migration: two files with them are an error.
 */
int
layout_compare_versions(MigratorLayout layout, const char *a, const char *b)
{
	switch (layout)
	{
		case LAYOUT_FLYWAY:
			return compare_flyway(a, b);
		case LAYOUT_NUMBERED:
		case LAYOUT_DRIZZLE:
		case LAYOUT_GOLANG:
		case LAYOUT_GRAPHILE:
			{
				int			alen = leading_digits(a);
				int			blen = leading_digits(b);

				/* a target given by a user may not be a number at all */
				if (alen == 0 || a[alen] != '\0' || blen == 0 || b[blen] != '\0')
					return strcmp(a, b);
				return compare_numeric(a, alen, b, blen);
			}
		case LAYOUT_PRISMA:
		case LAYOUT_DRIZZLE1:
		case LAYOUT_DIESEL:
		case LAYOUT_SQITCH:
		case LAYOUT_EMPTY:
			break;
	}
	{
		int			c = strcmp(a, b);

		return (c > 0) - (c < 0);
	}
}

static MigratorLayout sort_layout;

static int
migration_cmp(const void *pa, const void *pb)
{
	const Migration *a = *(Migration *const *) pa;
	const Migration *b = *(Migration *const *) pb;

	if (a->kind != b->kind)
		return a->kind == MIGRATION_VERSIONED ? -1 : 1;
	if (a->kind == MIGRATION_REPEATABLE)
		return strcmp(a->name, b->name);
	if (sort_layout == LAYOUT_DRIZZLE || sort_layout == LAYOUT_SQITCH)
		return (a->journal_idx > b->journal_idx) - (a->journal_idx < b->journal_idx);
	return layout_compare_versions(sort_layout, a->version, b->version);
}

/*
 * Put a folder's migrations in apply order (versioned ones first, then
 * repeatable ones by name) and refuse two migrations with one version.
 */
void
layout_sort(MigrationSet *set)
{
	sort_layout = set->layout;
	if (set->count > 1)
		qsort(set->items, set->count, sizeof(Migration *), migration_cmp);

	for (int i = 0; i < set->count; i++)
	{
		Migration  *m = set->items[i];

		m->ordinal = i;
		if (i == 0)
			continue;

		{
			Migration  *prev = set->items[i - 1];
			bool		dup;

			if (m->kind != prev->kind)
				continue;
			if (m->kind == MIGRATION_REPEATABLE)
				dup = strcmp(m->name, prev->name) == 0;
			else
				dup = layout_compare_versions(set->layout, m->version,
											  prev->version) == 0;
			if (dup)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_OBJECT),
						 errmsg("two migrations have version %s",
								m->version ? m->version : m->name),
						 errdetail("Files \"%s\" and \"%s\" carry the same %s version.",
								   prev->path, m->path, layout_name(set->layout)),
						 errhint("Give one of them a new version; each version must be unique.")));
		}
	}
}
