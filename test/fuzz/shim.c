/*-------------------------------------------------------------------------
 *
 * shim.c
 *	  Just enough of the server for the fuzz targets: the few backend
 *	  functions that layout.c, directive.c and sourcetext.c call.
 *
 *	  palloc and friends are malloc with a list, freed all at once by
 *	  fuzz_reset() after each input (as a memory context would be), so that
 *	  AddressSanitizer's leak check sees none and its heap checks see every
 *	  allocation at its exact size.  An ereport(ERROR) longjmps back to the
 *	  fuzz target's fuzz_error_jump, as the server's would to its caller's
 *	  PG_TRY.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <setjmp.h>

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "shim.h"

/* the server's own printf and qsort are not linked in: use libc's */
#undef vsnprintf
#undef qsort

sigjmp_buf *fuzz_error_jump = NULL;
int			fuzz_errors = 0;

/* every palloc'd chunk, freed by fuzz_reset() */
typedef struct Chunk
{
	struct Chunk *next;
	struct Chunk *prev;
	size_t		size;
	/* the caller's bytes follow, MAXALIGNed */
	union
	{
		double		d;
		int64		i;
		void	   *p;
	}			data[FLEXIBLE_ARRAY_MEMBER];
} Chunk;

static Chunk *chunks = NULL;

#define CHUNK_OF(ptr) ((Chunk *) ((char *) (ptr) - offsetof(Chunk, data)))

static void
link_chunk(Chunk *c)
{
	c->prev = NULL;
	c->next = chunks;
	if (chunks)
		chunks->prev = c;
	chunks = c;
}

static void
unlink_chunk(Chunk *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		chunks = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

void
fuzz_reset(void)
{
	while (chunks)
	{
		Chunk	   *c = chunks;

		chunks = c->next;
		free(c);
	}
}

char *
fuzz_copy(const void *s, size_t len)
{
	char	   *out = malloc(len + 1);

	if (out == NULL)
		abort();
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

void *
palloc(Size size)
{
	Chunk	   *c;

	if (!AllocSizeIsValid(size))
		abort();				/* the server would raise an ERROR */
	c = malloc(offsetof(Chunk, data) + size);
	if (c == NULL)
		abort();
	c->size = size;
	link_chunk(c);
	return c->data;
}

void *
palloc0(Size size)
{
	void	   *p = palloc(size);

	memset(p, 0, size);
	return p;
}

void *
repalloc(void *pointer, Size size)
{
	Chunk	   *c = CHUNK_OF(pointer);

	if (!AllocSizeIsValid(size))
		abort();
	unlink_chunk(c);
	c = realloc(c, offsetof(Chunk, data) + size);
	if (c == NULL)
		abort();
	c->size = size;
	link_chunk(c);
	return c->data;
}

void
pfree(void *pointer)
{
	Chunk	   *c = CHUNK_OF(pointer);

	unlink_chunk(c);
	free(c);
}

char *
pstrdup(const char *in)
{
	return pnstrdup(in, strlen(in));
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

char *
psprintf(const char *fmt,...)
{
	va_list		args;
	int			n;
	char	   *out;

	va_start(args, fmt);
	n = vsnprintf(NULL, 0, fmt, args);
	va_end(args);
	if (n < 0)
		abort();
	out = palloc(n + 1);
	va_start(args, fmt);
	vsnprintf(out, n + 1, fmt, args);
	va_end(args);
	return out;
}

void
pg_qsort(void *base, size_t nel, size_t elsize,
		 int (*cmp) (const void *, const void *))
{
	qsort(base, nel, elsize, cmp);
}

/* lib/stringinfo.h, the parts used */
void
initStringInfo(StringInfo str)
{
	str->maxlen = 1024;
	str->data = palloc(str->maxlen);
	str->len = 0;
	str->data[0] = '\0';
	str->cursor = 0;
}

void
enlargeStringInfo(StringInfo str, int needed)
{
	if (needed < 0 || (Size) needed >= MaxAllocSize - (Size) str->len)
		abort();
	needed += str->len + 1;
	if (needed <= str->maxlen)
		return;
	while (needed > str->maxlen)
		str->maxlen *= 2;
	str->data = repalloc(str->data, str->maxlen);
}

void
appendStringInfoChar(StringInfo str, char ch)
{
	if (str->len + 1 >= str->maxlen)
		enlargeStringInfo(str, 1);
	str->data[str->len++] = ch;
	str->data[str->len] = '\0';
}

/* elog.h: messages are formatted (so that bad arguments show) and dropped */
static int	error_level;

bool
errstart_cold(int elevel, const char *domain)
{
	error_level = elevel;
	return true;
}

bool
errstart(int elevel, const char *domain)
{
	error_level = elevel;
	return true;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	if (error_level < ERROR)
		return;
	fuzz_errors++;
	if (fuzz_error_jump == NULL)
		abort();
	siglongjmp(*fuzz_error_jump, 1);
}

int
errcode(int sqlerrcode)
{
	return 0;
}

static void
format_message(const char *fmt, va_list args)
{
	char		buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, args);
}

#define FORMAT_AND_DROP(name) \
int \
name(const char *fmt,...) \
{ \
	va_list		args; \
\
	va_start(args, fmt); \
	format_message(fmt, args); \
	va_end(args); \
	return 0; \
}

FORMAT_AND_DROP(errmsg)
FORMAT_AND_DROP(errdetail)
FORMAT_AND_DROP(errhint)
