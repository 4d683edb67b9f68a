/*
 * fuzz_bundle.c -- libFuzzer target: what a bundle (or a diesel folder)
 * gives migrator besides migrations, through sourcetext.c.
 *
 * The input is read twice: as bundle keys, one a line (a jsonb key holds
 * no NUL; these hold no newline either), and whole as a diesel
 * metadata.toml.  Checked, besides memory safety and undefined behaviour:
 *	- a key bundle_key_problem() accepts is relative and has no empty, "."
 *	  or ".." component;
 *	- the listing bundle_entries() makes is sorted, one entry per name, of
 *	  plain non-hidden names, no more than the keys.
 */
#include "postgres.h"

#include "migrator.h"
#include "shim.h"

static void
check_key(const char *key)
{
	const char *why = bundle_key_problem(key);

	if (why != NULL)
		return;
	fuzz_check(key[0] != '\0' && key[0] != '/');
	fuzz_check(key[strlen(key) - 1] != '/');
	fuzz_check(strstr(key, "//") == NULL);
	fuzz_check(strcmp(key, ".") != 0 && strncmp(key, "./", 2) != 0);
	fuzz_check(strcmp(key, "..") != 0 && strncmp(key, "../", 3) != 0);
	fuzz_check(strstr(key, "/./") == NULL && strstr(key, "/../") == NULL);
}

int			LLVMFuzzerTestOneInput(const uint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	sigjmp_buf	jump;
	char	   *text;
	char	   *toml;
	char	  **keys;
	char	  **cut;
	DirEntry   *entries;
	int			nkeys = 0;
	int			n;
	const char *conflict = NULL;

	if (size > 256 * 1024)
		return 0;
	text = fuzz_copy((const char *) data, size);
	toml = fuzz_copy((const char *) data, size);
	/* keys: the input's lines, up to its first NUL */
	keys = malloc(sizeof(char *) * (strlen(text) + 1));
	cut = malloc(sizeof(char *) * (strlen(text) + 1));
	for (char *p = text;;)
	{
		char	   *eol = strchrnul(p, '\n');

		keys[nkeys] = fuzz_copy(p, eol - p);
		cut[nkeys] = fuzz_copy(p, eol - p);
		nkeys++;
		if (*eol == '\0')
			break;
		p = eol + 1;
	}
	entries = malloc(sizeof(DirEntry) * nkeys);

	fuzz_error_jump = &jump;
	if (sigsetjmp(jump, 0) != 0)
		__builtin_trap();		/* these functions raise no error */

	for (int i = 0; i < nkeys; i++)
		check_key(keys[i]);
	n = bundle_entries(cut, nkeys, entries, &conflict);
	fuzz_check(n <= nkeys);
	if (n < 0)
		fuzz_check(n == -1 && conflict != NULL);
	for (int i = 0; i < n; i++)
	{
		fuzz_check(entries[i].name[0] != '.');
		fuzz_check(strchr(entries[i].name, '/') == NULL);
		if (i > 0)
			fuzz_check(strcmp(entries[i - 1].name, entries[i].name) < 0);
	}
	(void) diesel_toml_no_transaction(toml);

	fuzz_error_jump = NULL;
	fuzz_reset();
	for (int i = 0; i < nkeys; i++)
	{
		free(keys[i]);
		free(cut[i]);
	}
	free(keys);
	free(cut);
	free(entries);
	free(text);
	free(toml);
	return 0;
}
