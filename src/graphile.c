/*-------------------------------------------------------------------------
 *
 * graphile.c
 *	  graphile-migrate folders: the migrations folder holds committed/
 *	  with NNNNNN.sql or NNNNNN-message.sql files, applied in number order,
 *	  and current.sql, the migration being written, which is no committed
 *	  migration (graphile-migrate's "migrate" does not run it either).
 *
 *	  Each committed file starts with header lines "--! Previous: sha1:…"
 *	  ("-" for the first), "--! Hash: sha1:…" and optionally "--! Message:",
 *	  then a blank line and the body.  The hash chains the files: the SHA-1
 *	  of the previous hash, a newline and the trimmed body, trimmed, plus a
 *	  newline -- graphile-migrate's calculateHash().  A file whose Previous
 *	  is not the hash of the file before it, or whose Hash is not its
 *	  body's (unless it says "--! AllowInvalidHash"), is refused, naming
 *	  the file and line.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "migrator.h"

/* graphile-migrate's VALID_FILE_REGEX: ^([0-9]+)(-[-_a-zA-Z0-9]*)?\.sql$ */
static bool
committed_name(const char *fname, int *digits)
{
	int			d = strspn(fname, "0123456789");
	const char *p = fname + d;

	*digits = d;
	if (d == 0)
		return false;
	if (*p == '-')
		p += 1 + strspn(p + 1, "-_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	return strcmp(p, ".sql") == 0;
}

/* a folder with committed/ (and no migration.sql or up.sql inside it) */
bool
graphile_is_folder(const MigrationSource *src, DirEntry *entries, int n)
{
	int			len;

	for (int i = 0; i < n; i++)
		if (entries[i].is_dir && strcmp(entries[i].name, GRAPHILE_COMMITTED) == 0)
			return source_read_file(src, GRAPHILE_COMMITTED "/migration.sql", &len, true) == NULL &&
				source_read_file(src, GRAPHILE_COMMITTED "/up.sql", &len, true) == NULL;
	return false;
}

/* the committed migrations (unsorted, not read yet) */
List *
graphile_list(const MigrationSource *src)
{
	int			n;
	DirEntry   *entries = source_list_sub(src, GRAPHILE_COMMITTED, &n);
	List	   *result = NIL;

	for (int i = 0; i < n; i++)
	{
		Migration  *m;
		int			d;
		const char *fname = entries[i].name;

		if (entries[i].is_dir)
			continue;
		if (!committed_name(fname, &d))
		{
			if (strlen(fname) > 4 && strcmp(fname + strlen(fname) - 4, ".sql") == 0)
				ereport(NOTICE,
						(errmsg("skipping \"%s/%s\": graphile-migrate names committed migrations 000001.sql or 000001-message.sql",
								GRAPHILE_COMMITTED, fname)));
			continue;
		}
		m = palloc0(sizeof(Migration));
		m->kind = MIGRATION_VERSIONED;
		m->version = pnstrdup(fname, d);
		m->name = fname[d] == '-' ? pnstrdup(fname + d + 1, strlen(fname) - d - 5) :
			pstrdup(m->version);
		m->path = psprintf("%s/%s", GRAPHILE_COMMITTED, fname);
		m->journal_when = -1;
		result = lappend(result, m);
	}
	return result;
}

/* JavaScript's String.prototype.trim(), for ASCII, NBSP and BOM */
static int
js_space(const char *p, const char *end)
{
	if (p < end && strchr(" \t\n\v\f\r", *p) && *p)
		return 1;
	if (end - p >= 2 && (unsigned char) p[0] == 0xC2 && (unsigned char) p[1] == 0xA0)
		return 2;
	if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		return 3;
	return 0;
}

static void
js_trim(const char **start, const char **end)
{
	int			k;

	while (*start < *end && (k = js_space(*start, *end)) > 0)
		*start += k;
	for (;;)
	{
		const char *p = *end;

		if (p > *start && strchr(" \t\n\v\f\r", p[-1]) && p[-1])
			p--;
		else if (p - *start >= 2 && (unsigned char) p[-2] == 0xC2 && (unsigned char) p[-1] == 0xA0)
			p -= 2;
		else if (p - *start >= 3 && memcmp(p - 3, "\xEF\xBB\xBF", 3) == 0)
			p -= 3;
		if (p == *end)
			return;
		*end = p;
	}
}

/* graphile-migrate's calculateHash(body, previous): "sha1:" and hex */
static char *
calculate_hash(const char *body, int len, const char *previous)
{
	const char *b = body;
	const char *e = body + len;
	StringInfoData in;
	char		hex[41];

	js_trim(&b, &e);
	initStringInfo(&in);
	if (previous && previous[0])
	{
		appendStringInfoString(&in, previous);
		if (e > b)
			appendStringInfoChar(&in, '\n');
	}
	appendBinaryStringInfo(&in, b, e - b);
	appendStringInfoChar(&in, '\n');
	source_sha1_hex(in.data, in.len, hex);
	return psprintf("sha1:%s", hex);
}

typedef struct Header
{
	char	   *previous;
	int			previous_line;
	char	   *hash;
	int			hash_line;
	bool		allow_invalid;
	int			body;			/* offset of the body */
} Header;

static void
bad_file(Migration *m, int line, const char *why, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("graphile-migrate migration \"%s\" is malformed at line %d", m->path, line),
			 errdetail("%s", why),
			 hint ? errhint("%s", hint) : 0));
}

/* a header line "--! Key" or "--! Key: value"; false when it is none */
static bool
header_line(const char *l, int len, char **key, char **value)
{
	int			k = 4;

	if (len < 5 || strncmp(l, "--! ", 4) != 0 || !(l[4] >= 'A' && l[4] <= 'Z'))
		return false;
	while (k < len && (isalnum((unsigned char) l[k]) || l[k] == '_'))
		k++;
	if (k < len && l[k] != ':')
		return false;
	*key = pnstrdup(l + 4, k - 4);
	*value = NULL;
	if (k < len)
	{
		const char *v = l + k + 1;
		const char *e = l + len;

		js_trim(&v, &e);
		*value = e > v ? pnstrdup(v, e - v) : NULL;
	}
	return true;
}

static Header
read_header(Migration *m)
{
	Header		h = {0};
	const char *p = m->content;
	const char *end = m->content + m->len;
	int			line = 0;
	List	   *seen = NIL;

	for (;;)
	{
		const char *eol = memchr(p, '\n', end - p);
		int			len = (eol ? eol : end) - p;
		char	   *key;
		char	   *value;
		ListCell   *lc;

		line++;
		if (!header_line(p, len, &key, &value))
		{
			if (len != 0)
				bad_file(m, line, "There should be a blank line after the header lines (\"--! Previous:\", \"--! Hash:\").", NULL);
			h.body = p - m->content;
			break;
		}
		foreach(lc, seen)
			if (strcmp(lfirst(lc), key) == 0)
			bad_file(m, line, psprintf("Header \"%s\" is given more than once.", key), NULL);
		seen = lappend(seen, key);
		if (strcmp(key, "Previous") == 0)
			h.previous = value, h.previous_line = line;
		else if (strcmp(key, "Hash") == 0)
			h.hash = value, h.hash_line = line;
		else if (strcmp(key, "AllowInvalidHash") == 0)
			h.allow_invalid = true;
		if (eol == NULL)
		{
			h.body = m->len;
			break;
		}
		p = eol + 1;
	}
	if (h.previous == NULL)
		bad_file(m, 1, "It has no \"--! Previous:\" line.",
				 "graphile-migrate commit writes \"--! Previous: -\" (the first) or the previous migration's hash.");
	if (h.hash == NULL)
		bad_file(m, 1, "It has no \"--! Hash:\" line.", NULL);
	return h;
}

/*
 * Check the committed migrations' chain and hashes, in apply order; keep
 * each one's hash and previous hash for adopt().
 */
void
graphile_check_chain(MigrationSet *set)
{
	const char *prev_hash = NULL;

	for (int i = 0; i < set->count; i++)
	{
		Migration  *m = set->items[i];
		Header		h = read_header(m);
		const char *previous = strcmp(h.previous, "-") == 0 ? NULL : h.previous;
		char	   *actual;

		if (previous == NULL ? prev_hash != NULL :
			prev_hash == NULL || strcmp(previous, prev_hash) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("graphile-migrate migration \"%s\" breaks the hash chain at line %d",
							m->path, h.previous_line),
					 prev_hash ?
					 errdetail("Its \"--! Previous:\" is %s, but the migration before it, \"%s\", has hash %s.",
							   h.previous, set->items[i - 1]->path, prev_hash) :
					 errdetail("Its \"--! Previous:\" is %s, but it is the first committed migration (\"-\" expected).",
							   h.previous),
					 errhint("Committed migrations form a chain; restore the missing or reordered files, as graphile-migrate committed them.")));
		actual = calculate_hash(m->content + h.body, m->len - h.body, previous);
		if (strcmp(actual, h.hash) != 0 && !h.allow_invalid)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("graphile-migrate migration \"%s\" does not match its hash at line %d",
							m->path, h.hash_line),
					 errdetail("The header says %s; the file's body hashes to %s.", h.hash, actual),
					 errhint("The file was edited after graphile-migrate committed it: restore it, or add \"--! AllowInvalidHash\" to its header as graphile-migrate allows.")));
		m->tool_id = h.hash;
		m->tool_parent = (char *) previous;
		prev_hash = h.hash;
	}
}
