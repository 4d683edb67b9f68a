/*-------------------------------------------------------------------------
 *
 * depends.c
 *	  The "depends" of a schema's snapshot: what depends on what among its
 *	  objects (pg_depend), each object named as the diff names the
 *	  statements that act on it (diff_order.c orders them by it).
 *
 *	  Names: "relation NAME" (table, view, sequence), "type NAME",
 *	  "function NAME(ARGS)", "constraint TABLE.NAME" (also of a domain),
 *	  "index NAME", "trigger TABLE.NAME", "policy TABLE.NAME" and
 *	  "extension NAME" (for the objects of an extension of the schema,
 *	  wherever they are); the parts are quoted as identifiers.  A part the
 *	  diff writes inside its owner's statement is its owner: a column,
 *	  default or generation expression is its table, a view's rule the view,
 *	  an attribute its composite type; an array or multirange type is the
 *	  type it is made of, a table's row type the table, the index of a key
 *	  its constraint.  What depends on a column of a table or view depends
 *	  on "column TABLE.NAME" too, so that what a column's re-creation takes
 *	  with it is known.  Left out: links inside one object, and a
 *	  sequence's link to the column that owns it (set once both exist, by
 *	  OWNED BY).
 *
 *	  The objects are named by one query (a pass over each catalog); the
 *	  links are read from all of pg_depend and matched here, in hash tables:
 *	  a join of the two in SQL depends on catalog statistics, which right
 *	  after a migration has created thousands of tables are those of an
 *	  empty schema (a nested loop over both took 22 s for 3,000 tables).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "migrator.h"
#include "diff.h"

/*
 * Every object of the schema, named ($1: the schema's oid); an object an
 * extension of the schema owns is that extension.
 */
#define OBJECTS_QUERY \
"WITH obj(classid, objid, name) AS ("												\
"  SELECT 'pg_class'::regclass::oid, c.oid, CASE"									\
"      WHEN kr.relname IS NOT NULL THEN 'constraint ' || quote_ident(kr.relname) || '.' || quote_ident(k.conname)" \
"      WHEN c.relkind IN ('i', 'I') THEN 'index ' || c.relname"						\
"      WHEN c.relkind = 'c' THEN 'type ' || c.relname ELSE 'relation ' || c.relname END" \
"    FROM pg_class c LEFT JOIN pg_constraint k ON c.relkind IN ('i', 'I')"			\
"      AND k.conindid = c.oid AND k.contype IN ('p', 'u', 'x')"						\
"    LEFT JOIN pg_class kr ON kr.oid = k.conrelid WHERE c.relnamespace = $1"		\
"  UNION ALL SELECT 'pg_type'::regclass::oid, t.oid, CASE"							\
"      WHEN rc.relkind IS NULL OR rc.relkind = 'c' THEN 'type ' ELSE 'relation ' END || b.typname" \
"    FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem AND e.typarray = t.oid" \
"    LEFT JOIN pg_range g ON g.rngmultitypid = t.oid"								\
"    JOIN pg_type b ON b.oid = COALESCE(e.oid, g.rngtypid, t.oid)"					\
"    LEFT JOIN pg_class rc ON rc.oid = b.typrelid WHERE t.typnamespace = $1"		\
"  UNION ALL SELECT 'pg_proc'::regclass::oid, p.oid,"								\
"      'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'" \
"    FROM pg_proc p WHERE p.pronamespace = $1"										\
"  UNION ALL SELECT 'pg_constraint'::regclass::oid, k.oid, 'constraint '"			\
"      || quote_ident(COALESCE(r.relname, t.typname)) || '.' || quote_ident(k.conname)" \
"    FROM pg_constraint k LEFT JOIN pg_class r ON r.oid = k.conrelid"				\
"    LEFT JOIN pg_type t ON t.oid = k.contypid WHERE k.connamespace = $1"			\
"  UNION ALL SELECT 'pg_attrdef'::regclass::oid, d.oid, 'relation ' || r.relname"	\
"    FROM pg_attrdef d JOIN pg_class r ON r.oid = d.adrelid WHERE r.relnamespace = $1" \
"  UNION ALL SELECT 'pg_rewrite'::regclass::oid, w.oid, 'relation ' || r.relname"	\
"    FROM pg_rewrite w JOIN pg_class r ON r.oid = w.ev_class WHERE r.relnamespace = $1" \
"  UNION ALL SELECT 'pg_trigger'::regclass::oid, g.oid, 'trigger '"				\
"      || quote_ident(r.relname) || '.' || quote_ident(g.tgname)"					\
"    FROM pg_trigger g JOIN pg_class r ON r.oid = g.tgrelid"						\
"    WHERE r.relnamespace = $1 AND NOT g.tgisinternal"								\
"  UNION ALL SELECT 'pg_policy'::regclass::oid, o.oid, 'policy '"					\
"      || quote_ident(r.relname) || '.' || quote_ident(o.polname)"					\
"    FROM pg_policy o JOIN pg_class r ON r.oid = o.polrelid WHERE r.relnamespace = $1" \
"  UNION ALL SELECT 'pg_extension'::regclass::oid, x.oid, 'extension ' || x.extname" \
"    FROM pg_extension x WHERE x.extnamespace = $1),"								\
" member(classid, objid, name) AS (SELECT m.classid, m.objid, 'extension ' || x.extname" \
"    FROM pg_extension x JOIN pg_depend m ON m.refclassid = 'pg_extension'::regclass" \
"      AND m.refobjid = x.oid AND m.deptype = 'e' WHERE x.extnamespace = $1)"		\
"SELECT classid, objid, name FROM member UNION ALL SELECT classid, objid, name FROM obj o" \
" WHERE NOT EXISTS (SELECT FROM member m WHERE m.classid = o.classid AND m.objid = o.objid)"

/* the links: normal and automatic ones */
#define LINKS_QUERY \
"SELECT classid, objid, refclassid, refobjid, refobjsubid, deptype = 'a'"			\
" FROM pg_depend WHERE deptype IN ('n', 'a')"

typedef struct ObjectId
{
	Oid			classid;
	Oid			objid;
} ObjectId;

typedef struct Named
{
	ObjectId	id;				/* the key */
	char	   *name;
} Named;

/* one link, by names */
typedef struct Link
{
	const char *from;
	const char *to;
} Link;

static int
link_cmp(const void *a, const void *b)
{
	const Link *x = a;
	const Link *y = b;
	int			c = strcmp(x->from, y->from);

	return c ? c : strcmp(x->to, y->to);
}

static Oid
oid_at(HeapTuple tuple, TupleDesc desc, int col)
{
	bool		isnull;

	return DatumGetObjectId(SPI_getbinval(tuple, desc, col, &isnull));
}

/* the schema's objects by their catalog and oid */
static HTAB *
named_objects(Oid nspid)
{
	HASHCTL		ctl;
	HTAB	   *named;
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(nspid)};

	ctl.keysize = sizeof(ObjectId);
	ctl.entrysize = sizeof(Named);
	ctl.hcxt = CurrentMemoryContext;
	named = hash_create("migrator snapshot objects", 4096, &ctl,
						HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	if (SPI_execute_with_args(OBJECTS_QUERY, 1, types, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not name the objects of a snapshot");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		ObjectId	id;
		Named	   *n;
		bool		found;

		id.classid = oid_at(tuple, desc, 1);
		id.objid = oid_at(tuple, desc, 2);
		n = hash_search(named, &id, HASH_ENTER, &found);
		if (!found)
			n->name = SPI_getvalue(tuple, desc, 3);
	}
	return named;
}

static Named *
find(HTAB *named, Oid classid, Oid objid)
{
	ObjectId	id;

	id.classid = classid;
	id.objid = objid;
	return hash_search(named, &id, HASH_FIND, NULL);
}

/*
 * The schema's depends, {name: [names], ...} (in SPI, with the snapshot's
 * search_path: names of the schema unqualified).
 */
Jsonb *
snapshot_depends(Oid nspid)
{
	HTAB	   *named = named_objects(nspid);
	Link	   *links;
	int			n = 0;
	JsonbValue	v;
	JsonbParseState *parse = NULL;
	JsonbParseState **st = &parse;
	JsonbValue *res;

	if (SPI_execute(LINKS_QUERY, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_depend for a snapshot");
	links = palloc(sizeof(Link) * (SPI_processed * 2 + 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Oid			classid = oid_at(tuple, desc, 1);
		Oid			objid = oid_at(tuple, desc, 2);
		Oid			refobjid = oid_at(tuple, desc, 4);
		bool		isnull;
		int32		refobjsubid = DatumGetInt32(SPI_getbinval(tuple, desc, 5, &isnull));
		Named	   *from = find(named, classid, objid);
		Named	   *to;
		char	   *att;

		if (from == NULL || (to = find(named, oid_at(tuple, desc, 3), refobjid)) == NULL ||
			strcmp(from->name, to->name) == 0)
			continue;
		/* a sequence's owning column */
		if (DatumGetBool(SPI_getbinval(tuple, desc, 6, &isnull)) &&
			classid == RelationRelationId && get_rel_relkind(objid) == RELKIND_SEQUENCE)
			continue;
		links[n].from = from->name;
		links[n++].to = to->name;
		if (oid_at(tuple, desc, 3) == RelationRelationId && refobjsubid > 0 &&
			strncmp(to->name, "relation ", 9) == 0 &&
			(att = get_attname(refobjid, refobjsubid, true)) != NULL)
		{
			links[n].from = from->name;
			links[n++].to = psprintf("column %s.%s", quote_identifier(to->name + 9),
									 quote_identifier(att));
		}
	}

	/* sorted (by bytes: the same in every database), each link once */
	if (n > 1)
		qsort(links, n, sizeof(Link), link_cmp);
	(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < n; i++)
	{
		if (i > 0 && link_cmp(&links[i], &links[i - 1]) == 0)
			continue;
		if (i == 0 || strcmp(links[i].from, links[i - 1].from) != 0)
		{
			if (i > 0)
				(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
			v.type = jbvString;
			v.val.string.val = (char *) links[i].from;
			v.val.string.len = strlen(links[i].from);
			(void) pushJsonbValue(st, WJB_KEY, &v);
			(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
		}
		v.type = jbvString;
		v.val.string.val = (char *) links[i].to;
		v.val.string.len = strlen(links[i].to);
		(void) pushJsonbValue(st, WJB_ELEM, &v);
	}
	if (n > 0)
		(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
	res = pushJsonbValue(st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}
