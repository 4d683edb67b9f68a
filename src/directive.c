/*-------------------------------------------------------------------------
 *
 * directive.c
 *	  What a migration's text says about itself before its first statement:
 *	  "-- migrator:<key>=<value>" directives, the directives that make it run
 *	  outside a transaction block, and dbmate's "-- migrate:up" /
 *	  "-- migrate:down" sections.
 *
 *	  Plain text scanning over a file's bytes (untrusted input): nothing here
 *	  needs more of the server than palloc, so test/fuzz runs it as it is.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "migrator.h"

/* the end of the line at p: its newline, or the end of the text */
static char *
line_end(char *p, char *end)
{
	char	   *eol = memchr(p, '\n', end - p);

	return eol ? eol : end;
}

/* the first line at or after p that begins with marker, or NULL */
static char *
line_starting(char *p, char *end, const char *marker)
{
	for (; p < end; p = line_end(p, end) + 1)
		if (strncmp(p, marker, strlen(marker)) == 0)
			return p;
	return NULL;
}

/* blank out [from, to) with spaces, keeping newlines (and so line numbers) */
static void
blank(char *from, char *to)
{
	for (char *p = from; p < to; p++)
		if (*p != '\n')
			*p = ' ';
}

/*
 * dbmate: when the file has a "-- migrate:up" line, only what follows it (up
 * to "-- migrate:down") runs.  The rest is blanked out, keeping newlines, so
 * that offsets and line numbers stay those of the file.
 */
void
keep_dbmate_up_section(char *text, int len)
{
	char	   *end = text + len;
	char	   *up = line_starting(text, end, "-- migrate:up");
	char	   *down;

	if (up == NULL)
		return;
	up = line_end(up, end);
	down = line_starting(up + 1, end, "-- migrate:down");
	blank(text, up);
	if (down != NULL)
		blank(down, end);
}

/*
 * "-- migrator:<key>=<value>" in the first lines (before the first
 * statement), or NULL.
 */
char *
value_directive(const char *text, int len, const char *key)
{
	char	   *prefix = psprintf("-- migrator:%s=", key);
	const char *p = text;

	while (p < text + len)
	{
		const char *eol = memchr(p, '\n', text + len - p);
		const char *q = p;

		if (eol == NULL)
			eol = text + len;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (strncmp(q, prefix, strlen(prefix)) == 0)
		{
			const char *v = q + strlen(prefix);
			const char *e = eol;

			while (e > v && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\t'))
				e--;
			return pnstrdup(v, e - v);
		}
		if (q < eol && strncmp(q, "--", 2) != 0)
			return NULL;
		p = eol + 1;
	}
	return NULL;
}

/*
 * Directives in the first lines (before the first statement) that make a
 * migration run outside a transaction block: ours, graphile-migrate's and
 * dbmate's.  Returns the directive found, or NULL.
 */
const char *
no_transaction_directive(const char *text, int len, int *line)
{
	static const char *const directives[] = {
		"-- migrator:no-transaction", "--! no-transaction", "-- migrate:up transaction:false"
	};
	const char *p = text;

	*line = 1;
	while (p < text + len)
	{
		const char *eol = memchr(p, '\n', text + len - p);
		const char *q = p;

		if (eol == NULL)
			eol = text + len;
		while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		for (int i = 0; i < (int) lengthof(directives); i++)
			if (strncmp(q, directives[i], strlen(directives[i])) == 0)
				return directives[i];
		if (q < eol && strncmp(q, "--", 2) != 0)
			return NULL;		/* SQL begins: no more directives */
		p = eol + 1;
		(*line)++;
	}
	return NULL;
}

/* dbmate's "-- migrate:down" section alone, blanking the rest as above */
void
keep_dbmate_down_section(char *text, int len)
{
	char	   *end = text + len;
	char	   *down = line_starting(text, end, "-- migrate:down");

	blank(text, down ? line_end(down, end) : end);
}

/* p begins "\<command> KEY" alone on its line, KEY of letters and digits */
static bool
is_restrict_line(char *p, char *eol, const char *command)
{
	size_t		n = strlen(command);
	char	   *k = p + n;

	if (eol - p <= (ptrdiff_t) n || strncmp(p, command, n) != 0 || *k != ' ')
		return false;
	while (k < eol && *k == ' ')
		k++;
	if (k == eol || !isalnum((unsigned char) *k))
		return false;
	while (k < eol && isalnum((unsigned char) *k))
		k++;
	while (k < eol && (*k == ' ' || *k == '\t' || *k == '\r'))
		k++;
	return k == eol;
}

/*
 * pg_dump (17.6, 16.10, 15.14, 14.19 and 13.22 on) writes "\restrict KEY"
 * before a plain-format dump and "\unrestrict KEY" after it, for psql to
 * refuse any other meta-command in between.  A schema dump used as a
 * migration (the baseline of an existing database, say) runs inside the
 * server, where no meta-command runs at all: the two lines are blanked out,
 * keeping newlines, as if they were not there.  Any other backslash line is
 * still refused by the parse.
 */
void
blank_pg_dump_restrict(char *text, int len)
{
	char	   *end = text + len;

	for (char *p = text; p < end; p = line_end(p, end) + 1)
	{
		char	   *eol = line_end(p, end);

		if (*p == '\\' && (is_restrict_line(p, eol, "\\restrict") ||
						   is_restrict_line(p, eol, "\\unrestrict")))
			blank(p, eol);
	}
}
