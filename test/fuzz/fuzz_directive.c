/*
 * fuzz_directive.c -- libFuzzer target: a migration's text through
 * directive.c, as script_parse() reads it before the server's parser does.
 *
 * The input is the file's bytes.  Checked, besides memory safety and
 * undefined behaviour:
 *	- a "-- migrator:<key>=" value is one line of the text, trimmed;
 *	  (files with NUL bytes are refused before this, but are fuzzed too:
 *	  the functions must still stay within the text)
 *	- the no-transaction directive's line is a line of the text;
 *	- blanking dbmate's sections keeps the length and every newline, and
 *	  turns bytes only into spaces.
 */
#include "postgres.h"

#include "migrator.h"
#include "shim.h"

static void
check_value(const char *text, int len, const char *key)
{
	char	   *v = value_directive(text, len, key);

	if (v == NULL)
		return;
	fuzz_check(strchr(v, '\n') == NULL);
	fuzz_check(memmem(text, len, v, strlen(v)) != NULL);
	/* a NUL byte (refused before script_parse() runs) ends a value early */
	if (*v && memchr(text, '\0', len) == NULL)
	{
		char		last = v[strlen(v) - 1];

		fuzz_check(last != ' ' && last != '\t' && last != '\r');
	}
}

static void
check_blanked(const char *before, const char *after, int len)
{
	for (int i = 0; i < len; i++)
	{
		fuzz_check((before[i] == '\n') == (after[i] == '\n'));
		fuzz_check(after[i] == before[i] || after[i] == ' ');
	}
	fuzz_check(after[len] == '\0');
}

int			LLVMFuzzerTestOneInput(const uint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	sigjmp_buf	jump;
	int			len = (int) size;
	char	   *text;
	char	   *up;
	char	   *down;
	const char *why;
	int			line = 0;
	int			nlines = 1;

	if (size > 1024 * 1024)
		return 0;
	text = fuzz_copy(data, size);
	up = fuzz_copy(data, size);
	down = fuzz_copy(data, size);
	for (int i = 0; i < len; i++)
		nlines += (text[i] == '\n');

	fuzz_error_jump = &jump;
	if (sigsetjmp(jump, 0) != 0)
		__builtin_trap();		/* no directive function raises an error */

	why = no_transaction_directive(text, len, &line);
	if (why)
		fuzz_check(line >= 1 && line <= nlines);
	check_value(text, len, "lock_timeout");
	check_value(text, len, "statement_timeout");

	keep_dbmate_up_section(up, len);
	check_blanked(text, up, len);
	keep_dbmate_down_section(down, len);
	check_blanked(text, down, len);

	fuzz_error_jump = NULL;
	fuzz_reset();
	free(text);
	free(up);
	free(down);
	return 0;
}
