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
 *	  OWNED BY).  What the schema's objects use of another schema's (not
 *	  the system's) makes one more link: "schema NAME" to "schema OTHER"
 *	  (names unquoted, as snapshots key schemas), by which the diff orders
 *	  the schemas themselves (diff.c).
 *
 *	  The objects are named as the snapshot's own queries read them (their
 *	  oids come with them: depends_name()), the types made with another
 *	  object when a link needs them; the links are read in one scan of
 *	  pg_depend and matched here, in a hash table.  (A join of the two in
 *	  SQL depends on catalog statistics, which right after a migration has
 *	  created thousands of tables are those of an empty schema: a nested
 *	  loop over both took 22 s for 3,000 tables.  A query of its own naming
 *	  the objects cost a fifth of the snapshot.)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/transam.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/catalog.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "utils/syscache.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "migrator.h"
#include "diff.h"

/*
 * The objects an extension of the schema owns, wherever they are: each is
 * that extension ($1: the schema's oid).
 */
#define MEMBERS_QUERY \
"SELECT m.classid, m.objid, 'extension ' || x.extname"								\
" FROM pg_extension x JOIN pg_depend m ON m.refclassid = 'pg_extension'::regclass"	\
"   AND m.refobjid = x.oid AND m.deptype = 'e' WHERE x.extnamespace = $1"

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

/*
 * The names of a schema's objects by their catalog and oid, starting with
 * what its extensions own (the snapshot's queries name the others as they
 * read them: depends_name()).
 */
DependNames *
depends_names_create(Oid nspid)
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
	if (SPI_execute_with_args(MEMBERS_QUERY, 1, types, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the objects of a schema's extensions");
	for (uint64 i = 0; i < SPI_processed; i++)
		depends_name((DependNames *) named, oid_at(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1),
					 oid_at(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2),
					 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3));
	return (DependNames *) named;
}

/* object (classid, objid) is name, unless it has a name already */
void
depends_name(DependNames *names, Oid classid, Oid objid, const char *name)
{
	ObjectId	id;
	Named	   *n;
	bool		found;

	if (!OidIsValid(objid))
		return;
	id.classid = classid;
	id.objid = objid;
	n = hash_search((HTAB *) names, &id, HASH_ENTER, &found);
	if (!found)
		n->name = pstrdup(name);
}

static char *name_of(HTAB *named, Oid classid, Oid objid);

/*
 * The name of a type made with another object: a table's row type is the
 * table, an array its element type, a multirange its range (NULL: none of
 * those, or not of the schema)
 */
static char *
named_type(HTAB *named, Oid type)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(type));
	Form_pg_type t;
	char	   *name = NULL;

	if (!HeapTupleIsValid(tuple))
		return NULL;
	t = (Form_pg_type) GETSTRUCT(tuple);
	if (OidIsValid(t->typrelid))
		name = name_of(named, RelationRelationId, t->typrelid);
	else if (OidIsValid(t->typelem) && get_array_type(t->typelem) == type)
		name = name_of(named, TypeRelationId, t->typelem);
	else if (t->typtype == TYPTYPE_MULTIRANGE)
		name = name_of(named, TypeRelationId, get_multirange_range(type));
	ReleaseSysCache(tuple);
	return name;
}

/* the name of an object (NULL: not one of the schema's), remembered */
static char *
name_of(HTAB *named, Oid classid, Oid objid)
{
	ObjectId	id;
	Named	   *n;
	bool		found;

	id.classid = classid;
	id.objid = objid;
	n = hash_search(named, &id, HASH_FIND, NULL);
	if (n)
		return n->name;
	if (classid != TypeRelationId)
		return NULL;
	n = hash_search(named, &id, HASH_ENTER, &found);
	n->name = NULL;				/* (while it is looked up) */
	n->name = named_type(named, objid);
	return n->name;
}

/*
 * The schema of an object of another user schema than nspid that a link
 * points at (InvalidOid: none, or of the system's)
 */
static Oid
other_schema(Oid classid, Oid objid, Oid nspid)
{
	Oid			nsp = InvalidOid;
	HeapTuple	tuple;

	if (objid < FirstNormalObjectId)
		return InvalidOid;
	if (classid == RelationRelationId)
		nsp = get_rel_namespace(objid);
	else if (classid == ProcedureRelationId)
		nsp = get_func_namespace(objid);
	else if (classid == TypeRelationId &&
			 HeapTupleIsValid(tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(objid))))
	{
		nsp = ((Form_pg_type) GETSTRUCT(tuple))->typnamespace;
		ReleaseSysCache(tuple);
	}
	if (!OidIsValid(nsp) || nsp == nspid || IsCatalogNamespace(nsp) || IsToastNamespace(nsp) ||
		isAnyTempNamespace(nsp))
		return InvalidOid;
	return nsp;
}

/*
 * The schema's depends, {name: [names], ...}, between the objects names
 * has (in SPI), and from the schema nspid to the other schemas they use.
 */
Jsonb *
snapshot_depends(DependNames *names, Oid nspid)
{
	HTAB	   *named = (HTAB *) names;
	int			size = 1024;
	Link	   *links = palloc(sizeof(Link) * size);
	int			n = 0;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;
	JsonbValue	v;
	JsonbParseState *parse = NULL;
	JsonbParseState **st = &parse;
	JsonbValue *res;
	List	   *others = NIL;	/* the other schemas used, by oid */
	char	   *self = psprintf("schema %s", get_namespace_name(nspid));

	/* every link: a scan of pg_depend (a query would copy each row out) */
	rel = table_open(DependRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT(tuple);
		char	   *from;
		char	   *to;
		char	   *att;

		if ((d->deptype != DEPENDENCY_NORMAL && d->deptype != DEPENDENCY_AUTO) ||
			(from = name_of(named, d->classid, d->objid)) == NULL)
			continue;
		if ((to = name_of(named, d->refclassid, d->refobjid)) == NULL)
		{
			Oid			other = other_schema(d->refclassid, d->refobjid, nspid);

			if (!OidIsValid(other) || list_member_oid(others, other))
				continue;
			others = lappend_oid(others, other);
			from = self;
			to = psprintf("schema %s", get_namespace_name(other));
		}
		if (strcmp(from, to) == 0)
			continue;
		/* a sequence's owning column */
		if (d->deptype == DEPENDENCY_AUTO && d->classid == RelationRelationId &&
			strncmp(from, "relation ", 9) == 0 && get_rel_relkind(d->objid) == RELKIND_SEQUENCE)
			continue;
		if (n + 2 > size)
		{
			size *= 2;
			links = repalloc(links, sizeof(Link) * size);
		}
		links[n].from = from;
		links[n++].to = to;
		if (d->refclassid == RelationRelationId && d->refobjsubid > 0 &&
			strncmp(to, "relation ", 9) == 0 &&
			(att = get_attname(d->refobjid, d->refobjsubid, true)) != NULL)
		{
			links[n].from = from;
			links[n++].to = psprintf("column %s.%s", quote_identifier(to + 9),
									 quote_identifier(att));
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

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
