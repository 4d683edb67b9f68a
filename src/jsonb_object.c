/*-------------------------------------------------------------------------
 *
 * jsonb_object.c
 *	  A jsonb object made of jsonb values already built, without unpacking
 *	  them.
 *
 *	  pushJsonbValue() unpacks a binary value it is given into a tree of
 *	  JsonbValues (some 70 bytes a member), and JsonbValueToJsonb() writes
 *	  the tree out again: assembling a snapshot that way held a tree ten to
 *	  twenty times its size (60 MB for the 2 MB of a 3,000-table schema).
 *	  Here the members' containers are copied as they are, behind the
 *	  object's header, keys and entries, laid out as convertJsonbObject()
 *	  (jsonb_util.c) lays them out: keys sorted shorter first then bytewise,
 *	  every JB_OFFSET_STRIDE'th entry an end offset, the others lengths, a
 *	  container value after padding to an int boundary.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/jsonb.h"

#include "diff.h"

typedef struct Member
{
	const char *key;
	int			keylen;
	const Jsonb *value;
} Member;

/* jsonb's order of keys: the shorter first, then by bytes */
static int
member_cmp(const void *a, const void *b)
{
	const Member *x = a;
	const Member *y = b;

	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	return memcmp(x->key, y->key, x->keylen);
}

/* entry i (of 2n: keys, then values), whose data ends at end */
static JEntry
entry(int i, uint32 type, uint32 len, uint32 end)
{
	if (end > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("total size of jsonb object elements exceeds the maximum of %u bytes",
						JENTRY_OFFLENMASK)));
	return (i % JB_OFFSET_STRIDE) == 0 ? (type | end | JENTRY_HAS_OFF) : (type | len);
}

/*
 * {keys[0]: values[0], ...}: each value a Jsonb whose root is an object or
 * array (not a scalar); the keys distinct, in any order.
 */
Jsonb *
jsonb_object_of(int n, const char *const *keys, Jsonb *const *values)
{
	Member	   *m = palloc(sizeof(Member) * Max(n, 1));
	Size		size = VARHDRSZ + sizeof(uint32) + sizeof(JEntry) * 2 * n;
	Jsonb	   *result;
	JEntry	   *entries;
	char	   *data;
	uint32		end = 0;

	for (int i = 0; i < n; i++)
	{
		m[i].key = keys[i];
		m[i].keylen = strlen(keys[i]);
		m[i].value = values[i];
		Assert(!JB_ROOT_IS_SCALAR(values[i]));
		size += m[i].keylen + (VARSIZE(values[i]) - VARHDRSZ) + sizeof(int32);
	}
	qsort(m, n, sizeof(Member), member_cmp);
	for (int i = 1; i < n; i++)
		if (member_cmp(&m[i - 1], &m[i]) == 0)
			elog(ERROR, "duplicate key \"%s\" in a jsonb object", m[i].key);

	result = palloc(size);
	*(uint32 *) VARDATA(result) = (uint32) n | JB_FOBJECT;
	entries = (JEntry *) (VARDATA(result) + sizeof(uint32));
	data = (char *) (entries + 2 * n);
	for (int i = 0; i < n; i++)
	{
		memcpy(data + end, m[i].key, m[i].keylen);
		end += m[i].keylen;
		entries[i] = entry(i, JENTRY_ISSTRING, m[i].keylen, end);
	}
	for (int i = 0; i < n; i++)
	{
		uint32		len = VARSIZE(m[i].value) - VARHDRSZ;
		/* containers start at an int boundary (of the whole datum) */
		uint32		pad = INTALIGN(data - (char *) result + end) - (data - (char *) result + end);

		memset(data + end, 0, pad);
		end += pad;
		memcpy(data + end, VARDATA(m[i].value), len);
		end += len;
		entries[n + i] = entry(n + i, JENTRY_ISCONTAINER, pad + len, end);
	}
	SET_VARSIZE(result, data - (char *) result + end);
	return result;
}
