/*-------------------------------------------------------------------------
 *
 * sourcetext.c
 *	  The text a migration source holds besides the migrations themselves,
 *	  read off without the server's help: a bundle's keys (relative paths)
 *	  and the folder listing they make, and diesel's metadata.toml.
 *
 *	  Untrusted input, scanned by plain string code; source.c turns what
 *	  these functions find into errors.  test/fuzz runs them as they are.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "migrator.h"

int
source_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const DirEntry *) a)->name, ((const DirEntry *) b)->name);
}

/*
 * What is wrong with a bundle key, or NULL when it is a relative path of
 * plain components, "a/b.sql".
 */
const char *
bundle_key_problem(const char *key)
{
	const char *p = key;

	if (*key == '\0')
		return "has an empty path";
	if (*key == '/')
		return "is an absolute path";
	while (*p)
	{
		size_t		n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return "has an empty, \".\" or \"..\" path component";
		p += n;
		if (*p == '/')
			p++;
	}
	if (p[-1] == '/')
		return "ends with \"/\"";
	return NULL;
}

/*
 * A bundle's top-level entries, as a folder listing would show them: the
 * first component of each key (cut in place), a folder when more follows;
 * hidden ones are skipped.  entries has room for nkeys.  Returns how many,
 * sorted by name, one per name; or -1 with *conflict set when a name is
 * both a file and a folder.
 */
int
bundle_entries(char **keys, int nkeys, DirEntry *entries, const char **conflict)
{
	int			n = 0;
	int			kept = 0;

	for (int i = 0; i < nkeys; i++)
	{
		char	   *key = keys[i];
		char	   *slash;

		if (key[0] == '.')
			continue;
		slash = strchr(key, '/');
		if (slash)
			*slash = '\0';
		entries[n].name = key;
		entries[n].is_dir = (slash != NULL);
		n++;
	}
	if (n > 1)
		qsort(entries, n, sizeof(DirEntry), source_entry_cmp);
	/* one entry per folder; a name cannot be a file and a folder */
	for (int i = 0; i < n; i++)
	{
		if (kept > 0 && strcmp(entries[kept - 1].name, entries[i].name) == 0)
		{
			if (entries[kept - 1].is_dir != entries[i].is_dir)
			{
				*conflict = entries[i].name;
				return -1;
			}
			continue;
		}
		entries[kept++] = entries[i];
	}
	return kept;
}

/*
 * diesel: a migration folder's metadata.toml may say run_in_transaction =
 * false.  One key of a flat TOML file, read line by line (toml is cut up).
 */
bool
diesel_toml_no_transaction(char *toml)
{
	char	   *line;
	char	   *save;

	for (line = strtok_r(toml, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		char		key[64];
		char		value[16];

		if (sscanf(line, " %63[a-z_] = %15[a-z]", key, value) == 2 &&
			strcmp(key, "run_in_transaction") == 0)
			return strcmp(value, "false") == 0;
	}
	return false;
}
