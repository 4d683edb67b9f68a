/*-------------------------------------------------------------------------
 *
 * snapshot.c
 *	  migrator.snapshot(): a canonical description of the objects of some
 *	  schemas, as jsonb.
 *
 *	  Objects are keyed by name (jsonb sorts keys), so physical column order,
 *	  OIDs and creation order do not show.  Definitions come from the
 *	  server's own deparsers (format_type, pg_get_constraintdef,
 *	  pg_get_indexdef, pg_get_viewdef, pg_get_expr) with search_path set to
 *	  the schema alone, so that names inside it are unqualified and two
 *	  schemas holding the same objects give the same snapshot.  An index of
 *	  a shape already deparsed (same columns, opclasses and options, other
 *	  names), in this snapshot or the other one of a diff, is not deparsed
 *	  again (index_definitions()).
 *
 *	  Cost (bench/diff.sh): the snapshot is built in C from flat queries,
 *	  one a kind of object, pushed into jsonb value by value; each catalog is
 *	  read in one pass (a relation's columns through its attrelid index);
 *	  defaults are deparsed without opening their table (they name no
 *	  column).  What is left is mostly the deparsers and building the
 *	  relation cache entries they open (CHECK constraints, views).
 *
 *	  Covered: the schema (comment, grants), extensions, tables and
 *	  partitions (columns with their position, type, NOT NULL, default,
 *	  identity and its sequence's options, generated expression, collation,
 *	  storage, compression, whether only inherited; the tables they inherit
 *	  from; constraints; indexes;
 *	  triggers; policies; row-level security; storage parameters), views
 *	  and materialized views (with the relations they read, and their
 *	  triggers), sequences and
 *	  their owning column, enum, domain (with the functions of the schema
 *	  its default and checks call), composite and range types, functions
 *	  and procedures (with the relations whose row types their signature
 *	  uses); the standalone kinds of snapshot_kinds.h (collations, text
 *	  search, aggregates, operators, operator families and classes, event
 *	  triggers, publications, security labels), each only when the schema
 *	  has some; extended statistics objects (kinds, columns, target); the
 *	  default privileges of the schema; foreign tables (server, options,
 *	  column options) and the servers they use, with their user mappings
 *	  (but passwords); and, if asked (owners => true), the owner of each
 *	  object and of the schema; comments and grants on all of them; and
 *	  what depends on what among them (depends.c), by which the diff orders
 *	  its statements.  A schema named that the database lacks has the
 *	  snapshot of an empty schema flagged absent (snapshot_absent_schema()).
 *	  Columns keep their rank among the table's live columns ("position"):
 *	  dropped columns do not show, the order of the others does, as it does
 *	  in SELECT * and pg_dump.
 *
 *	  The snapshots migrator records (snapshot_database()) also carry
 *	  "identity": each object's oid, outside every object, and the database
 *	  they come from; diff_renames.c matches renamed objects by it.
 *	  migrator.snapshot() has none: the same objects, the same snapshot.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_default_acl.h"
#include "catalog/pg_event_trigger.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_publication.h"
#include "catalog/pg_ts_config.h"
#include "catalog/pg_ts_dict.h"
#include "catalog/pg_ts_parser.h"
#include "catalog/pg_ts_template.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_statistic_ext.h"
#include "catalog/pg_trigger.h"
#include "common/hashfn.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"
#include "nodes/value.h"

#include "migrator.h"
#include "diff.h"

PG_FUNCTION_INFO_V1(migrator_snapshot);

/*
 * The snapshot of one schema.  It runs with search_path "pg_catalog,
 * <schema>": the catalog's names and operators come first, and the
 * deparsers leave the schema's own names unqualified.  In the queries, $1
 * is the schema's oid, $2 its name quoted.
 */

/* the comment on an object, without the cost of a call of obj_description() */
#define DESCRIPTION(oid, catalog, sub) \
"(SELECT ds.description FROM pg_description ds WHERE ds.objoid = " oid			\
" AND ds.classoid = '" catalog "'::regclass AND ds.objsubid = " sub ")"

/* not a member of an extension (its script makes it, not the schema's DDL) */
#define NOT_IN_EXTENSION(catalog, oid) \
"NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = '" catalog "'::regclass"	\
" AND x.objid = " oid " AND x.deptype = 'e')"

/* a privilege as text: grantee=PRIVILEGE, with * when grantable */
#define ACL_ENTRY \
"CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END"	\
" || '=' || a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END"

/*
 * An object's privileges as they differ from the default for its kind and
 * owner: "+grantee=PRIV" granted beyond it, "-grantee=PRIV" revoked from it;
 * NULL when they are the default (acl NULL: the default, not looked at).
 */
#define GRANTS(acl, kind, owner) \
"CASE WHEN " acl " IS NOT NULL THEN (SELECT array_agg(e ORDER BY e) FROM ("		\
"  (SELECT '+' || " ACL_ENTRY " FROM aclexplode(" acl ") a"						\
"   EXCEPT SELECT '+' || " ACL_ENTRY " FROM aclexplode(acldefault('" kind "', " owner ")) a)"	\
"  UNION ALL"																		\
"  (SELECT '-' || " ACL_ENTRY " FROM aclexplode(acldefault('" kind "', " owner ")) a"	\
"   EXCEPT SELECT '-' || " ACL_ENTRY " FROM aclexplode(" acl ") a)"				\
") g(e)) END"

/* an object's owner, quoted, when the snapshot is asked for owners ($3) */
#define OWNER(owner) \
"CASE WHEN $3 THEN quote_ident(pg_get_userbyid(" owner ")) END"

/*
 * The snapshot is built in C from flat queries, one per kind of object or
 * part (one pass over each catalog, never a query per object): each row is
 * an object, its first column the oid of what it belongs to, its second
 * its name, the others its members, named as in the snapshot (a NULL
 * member is left out: a member missing is null).  Parts (the columns of a
 * table, say) come ordered by the oid of what they belong to, as do the
 * objects that have parts, and are merged into them.  The jsonb is pushed
 * value by value (pushJsonbValue sorts the keys, as jsonb_in does): no
 * json text is built, stripped of its nulls and parsed again.
 */

/*
 * A column's default or generation expression, looked up only if it has
 * one.  A default cannot name a column: it is deparsed without its
 * relation (relid 0, as pg_get_expr() allows when there are no Vars),
 * which spares opening it.  A generation expression names columns.
 */
#define DEFAULT_EXPR(relid) \
"(SELECT pg_get_expr(d.adbin, " relid ") FROM pg_attrdef d"						\
" WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum)"

/*
 * PostgreSQL 18 catalogues NOT NULL constraints (contype 'n').  One that is
 * validated, inheritable and named as PostgreSQL names it (table_column_
 * not_null) says no more than attnotnull: the column's not_null stands for
 * it.  Any other (NOT VALID, NO INHERIT, named otherwise) is a constraint
 * of its own in the snapshot, and its column is not not_null (18 sets
 * attnotnull for a NOT VALID one too).  Before 18 a table has none.  A
 * partition's are its table's: not_null, and, when PostgreSQL named it after
 * the table (PARTITION OF), not_null_name, which DETACH PARTITION keeps.
 */
#define NOT_NULL_PLAIN(k) \
"(" k ".convalidated AND NOT " k ".connoinherit AND " k ".conname = (SELECT"		\
"   nr.relname || '_' || na.attname || '_not_null' FROM pg_class nr JOIN pg_attribute na" \
"   ON na.attrelid = nr.oid WHERE nr.oid = " k ".conrelid AND na.attnum = " k ".conkey[1]))"

/* a column's storage (attstorage, typstorage) as SET STORAGE names it */
#define STORAGE_NAME(c) \
"CASE " c " WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END"

/*
 * The options of an identity column's sequence that are not the defaults
 * (as CREATE TABLE ... GENERATED ... AS IDENTITY (...) writes them, in that
 * order; NULL: none): its name when it is not table_column_seq, INCREMENT BY,
 * MINVALUE, MAXVALUE, START WITH, CACHE, CYCLE.  The defaults are those of
 * the column's type and the sign of the increment.
 */
#define SEQ_TYPE_MAX "CASE s.seqtypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 ELSE 9223372036854775807 END"
#define SEQ_TYPE_MIN "CASE s.seqtypid WHEN 'int2'::regtype THEN -32768 WHEN 'int4'::regtype THEN -2147483648 ELSE -9223372036854775808 END"
#define IDENTITY_OPTIONS \
"(SELECT NULLIF(array_remove(ARRAY["												\
"   CASE WHEN sc.relname <> r.relname || '_' || a.attname || '_seq' THEN 'SEQUENCE NAME ' || quote_ident(sc.relname) END," \
"   CASE WHEN s.seqincrement <> 1 THEN 'INCREMENT BY ' || s.seqincrement END,"		\
"   CASE WHEN s.seqmin <> CASE WHEN s.seqincrement > 0 THEN 1 ELSE " SEQ_TYPE_MIN " END THEN 'MINVALUE ' || s.seqmin END," \
"   CASE WHEN s.seqmax <> CASE WHEN s.seqincrement > 0 THEN " SEQ_TYPE_MAX " ELSE -1 END THEN 'MAXVALUE ' || s.seqmax END," \
"   CASE WHEN s.seqstart <> CASE WHEN s.seqincrement > 0 THEN s.seqmin ELSE s.seqmax END THEN 'START WITH ' || s.seqstart END," \
"   CASE WHEN s.seqcache <> 1 THEN 'CACHE ' || s.seqcache END,"					\
"   CASE WHEN s.seqcycle THEN 'CYCLE' END], NULL), '{}')"							\
"   FROM pg_depend x JOIN pg_sequence s ON s.seqrelid = x.objid JOIN pg_class sc ON sc.oid = x.objid" \
"   WHERE x.classid = 'pg_class'::regclass AND x.refclassid = 'pg_class'::regclass" \
"   AND x.refobjid = a.attrelid AND x.refobjsubid = a.attnum AND x.deptype = 'i')"

/* columns of tables, attributes of composite types, each with its rank */
#define COLUMNS_QUERY(kinds) \
"SELECT a.attrelid, a.attname::text,"												\
"   a.position AS position,"														\
"   format_type(a.atttypid, a.atttypmod) AS type,"									\
"   a.attnotnull AND (r.relispartition OR NOT EXISTS (SELECT FROM pg_constraint nk"	\
"      WHERE nk.conrelid = a.attrelid AND nk.contype = 'n' AND nk.conislocal"		\
"      AND nk.conkey[1] = a.attnum AND NOT " NOT_NULL_PLAIN("nk") ")) AS not_null,"	\
"   CASE WHEN r.relispartition THEN (SELECT nk.conname::text FROM pg_constraint nk"	\
"      WHERE nk.conrelid = a.attrelid AND nk.contype = 'n'"							\
"      AND nk.conkey[1] = a.attnum AND NOT " NOT_NULL_PLAIN("nk") ") END AS not_null_name," \
"   CASE WHEN a.atthasdef AND a.attgenerated = '' THEN " DEFAULT_EXPR("0") " END AS default," \
"   CASE WHEN a.atthasdef AND a.attgenerated <> '' THEN " DEFAULT_EXPR("d.adrelid") " END AS generated," \
"   CASE WHEN a.attgenerated = 'v' THEN true END AS virtual,"						\
"   NULLIF(a.attidentity, '')::text AS identity,"									\
"   CASE WHEN a.attidentity <> '' THEN " IDENTITY_OPTIONS " END AS identity_options," \
"   CASE WHEN a.attinhcount > 0 AND NOT a.attislocal AND NOT r.relispartition THEN true END AS inherited," \
"   CASE WHEN a.attstorage <> t.typstorage THEN " STORAGE_NAME("a.attstorage") " END AS storage," \
"   CASE WHEN a.attstorage <> t.typstorage THEN " STORAGE_NAME("t.typstorage") " END AS type_storage," \
"   CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END AS compression," \
"   a.attfdwoptions AS options,"													\
"   CASE WHEN a.attcollation <> t.typcollation"										\
"      THEN (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = a.attcollation) END AS collation," \
"   ds.description AS comment,"														\
"   " GRANTS("a.attacl", "c", "a.relowner") " AS grants,"							\
"   CASE WHEN a.atthasdef THEN (SELECT d.oid FROM pg_attrdef d"						\
"      WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum) END AS _default,"		\
"   r.relname::text AS _rel, a.attnum::int AS _attnum"							\
" FROM pg_class r CROSS JOIN LATERAL (SELECT a.*, r.relowner,"					\
"       rank() OVER (ORDER BY a.attnum) AS position"								\
"       FROM pg_attribute a WHERE a.attrelid = r.oid"								\
"       AND a.attnum > 0 AND NOT a.attisdropped) a"								\
" JOIN pg_type t ON t.oid = a.atttypid"											\
" LEFT JOIN pg_description ds ON ds.objoid = a.attrelid"							\
"   AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum"			\
" WHERE r.relnamespace = $1 AND r.relkind IN (" kinds ")"						\
" ORDER BY a.attrelid"

/*
 * Indexes that no constraint owns.  Their definitions are not deparsed
 * here but by index_definitions(), which deparses an index of a shape
 * already seen only once: the query gives the index's oid, whether it is
 * on plain columns (no expression, no predicate), its table's name and the
 * fields of its shape (see index_shape()).
 */
#define INDEXES_QUERY(kinds) \
"SELECT i.indrelid, ic.relname::text,"												\
"   ds.description AS comment,"														\
"   i.indexrelid, i.indexprs IS NULL AND i.indpred IS NULL, r.relname::text,"		\
"   ic.relam, ic.reloptions, i.indisunique, i.indnullsnotdistinct,"				\
"   i.indnkeyatts, i.indkey, i.indclass, i.indcollation, i.indoption"				\
" FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"						\
" JOIN pg_class r ON r.oid = i.indrelid"											\
" LEFT JOIN pg_description ds ON ds.objoid = i.indexrelid"						\
"   AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0"					\
" WHERE r.relnamespace = $1 AND r.relkind IN (" kinds ") AND NOT ic.relispartition" \
" AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)" \
" ORDER BY i.indrelid"

/* the columns of INDEXES_QUERY after the members */
#define INDEX_OID_COLUMN 4
#define INDEX_PLAIN_COLUMN 5
#define INDEX_TABLE_COLUMN 6
#define INDEX_FIELDS_COLUMN 7
#define INDEX_AM_COLUMN 7
#define INDEX_UNIQUE_COLUMN 9
#define INDEX_KEY_COLUMN 12
#define INDEX_CLASS_COLUMN 13
#define INDEX_COLLATION_COLUMN 14

/* constraints of tables (not those a partition has from its table) */
#define CONSTRAINTS_QUERY \
"SELECT k.conrelid, k.conname::text,"												\
"   k.contype::text AS type, pg_get_constraintdef(k.oid, true) AS definition,"		\
"   ds.description AS comment,"														\
"   k.oid AS _oid, r.relname::text AS _rel,"										\
"   CASE WHEN k.contype IN ('p', 'u', 'x') THEN k.conindid END AS _index"			\
" FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid"					\
" LEFT JOIN pg_description ds ON ds.objoid = k.oid"								\
"   AND ds.classoid = 'pg_constraint'::regclass AND ds.objsubid = 0"			\
" WHERE r.relnamespace = $1 AND k.conislocal AND k.conparentid = 0 AND k.contype <> 't'" \
"   AND NOT (k.contype = 'n' AND (r.relispartition OR " NOT_NULL_PLAIN("k") "))"	\
" ORDER BY k.conrelid"

#define TRIGGERS_QUERY \
"SELECT tg.tgrelid, tg.tgname::text,"												\
"   pg_get_triggerdef(tg.oid, true) AS definition,"								\
"   " DESCRIPTION("tg.oid", "pg_trigger", "0") " AS comment,"					\
"   tg.oid AS _oid, r.relname::text AS _rel"										\
" FROM pg_trigger tg JOIN pg_class r ON r.oid = tg.tgrelid"						\
" WHERE r.relnamespace = $1 AND NOT tg.tgisinternal AND tg.tgparentid = 0"		\
" ORDER BY tg.tgrelid"

#define POLICIES_QUERY \
"SELECT po.polrelid, po.polname::text,"												\
"   po.polpermissive AS permissive,"												\
"   CASE po.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'" \
"      WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,"							\
"   (SELECT string_agg(CASE r WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END, ', ' ORDER BY 1)" \
"      FROM unnest(po.polroles) r) AS roles,"										\
"   pg_get_expr(po.polqual, po.polrelid) AS using,"								\
"   pg_get_expr(po.polwithcheck, po.polrelid) AS check,"							\
"   " DESCRIPTION("po.oid", "pg_policy", "0") " AS comment,"					\
"   po.oid AS _oid, r.relname::text AS _rel"										\
" FROM pg_policy po JOIN pg_class r ON r.oid = po.polrelid"						\
" WHERE r.relnamespace = $1"														\
" ORDER BY po.polrelid"

#define SCHEMA_QUERY \
"SELECT n.oid, n.nspname::text,"													\
"   " DESCRIPTION("n.oid", "pg_namespace", "0") " AS comment,"					\
"   " OWNER("n.nspowner") " AS owner,"											\
"   " GRANTS("n.nspacl", "n", "n.nspowner") " AS grants"							\
" FROM pg_namespace n WHERE n.oid = $1"

#define EXTENSIONS_QUERY \
"SELECT x.oid, x.extname::text,"													\
"   " DESCRIPTION("x.oid", "pg_extension", "0") " AS comment"					\
" FROM pg_extension x WHERE x.extnamespace = $1"

#define TABLES_QUERY \
"SELECT c.oid, c.relname::text,"													\
"   CASE c.relkind WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table' ELSE 'table' END AS kind," \
"   (SELECT fs.srvname::text FROM pg_foreign_table ft JOIN pg_foreign_server fs ON fs.oid = ft.ftserver" \
"      WHERE ft.ftrelid = c.oid) AS server,"										\
"   (SELECT ft.ftoptions FROM pg_foreign_table ft WHERE ft.ftrelid = c.oid) AS foreign_options," \
"   c.relpersistence = 'u' AS unlogged,"											\
"   (SELECT array_agg(o ORDER BY o) FROM unnest(c.reloptions) o) AS options,"		\
"   CASE c.relkind WHEN 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,"	\
"   (SELECT p.relname::text FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent" \
"      WHERE c.relispartition AND h.inhrelid = c.oid) AS partition_of,"			\
"   CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound," \
"   c.relrowsecurity AS row_security,"												\
"   (SELECT array_agg(h.inhparent::regclass::text ORDER BY h.inhseqno) FROM pg_inherits h" \
"      WHERE NOT c.relispartition AND h.inhrelid = c.oid) AS inherits,"			\
"   c.relforcerowsecurity AS force_row_security,"									\
"   " DESCRIPTION("c.oid", "pg_class", "0") " AS comment,"						\
"   " OWNER("c.relowner") " AS owner,"											\
"   " GRANTS("c.relacl", "r", "c.relowner") " AS grants"							\
" FROM pg_class c"																	\
" WHERE c.relnamespace = $1 AND c.relkind IN ('r', 'p', 'f')"						\
" AND " NOT_IN_EXTENSION("pg_class", "c.oid")										\
" ORDER BY c.oid"

#define VIEWS_QUERY \
"SELECT c.oid, c.relname::text,"													\
"   c.relkind = 'm' AS materialized,"												\
"   pg_get_viewdef(c.oid, true) AS definition,"									\
"   (SELECT array_agg(o ORDER BY o) FROM unnest(c.reloptions) o) AS options,"		\
"   (SELECT array_agg(DISTINCT r.relname ORDER BY r.relname)::text[]"				\
"      FROM pg_rewrite rw JOIN pg_depend x ON x.classid = 'pg_rewrite'::regclass AND x.objid = rw.oid" \
"      JOIN pg_class r ON x.refclassid = 'pg_class'::regclass AND r.oid = x.refobjid" \
"      WHERE rw.ev_class = c.oid AND r.oid <> c.oid AND r.relnamespace = $1) AS depends," \
"   " DESCRIPTION("c.oid", "pg_class", "0") " AS comment,"						\
"   " OWNER("c.relowner") " AS owner,"											\
"   " GRANTS("c.relacl", "r", "c.relowner") " AS grants,"						\
"   (SELECT w.oid FROM pg_rewrite w WHERE w.ev_class = c.oid AND w.rulename = '_RETURN') AS _rule" \
" FROM pg_class c"																	\
" WHERE c.relnamespace = $1 AND c.relkind IN ('v', 'm')"							\
" AND " NOT_IN_EXTENSION("pg_class", "c.oid")										\
" ORDER BY c.oid"

/* the comments on the columns of views */
#define VIEW_COLUMN_COMMENTS_QUERY \
"SELECT a.attrelid, a.attname::text, ds.description"								\
" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"						\
" JOIN pg_description ds ON ds.objoid = a.attrelid"								\
"   AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum"			\
" WHERE c.relnamespace = $1 AND c.relkind IN ('v', 'm') AND a.attnum > 0"		\
" ORDER BY a.attrelid"

#define SEQUENCES_QUERY \
"SELECT c.oid, c.relname::text,"													\
"   format_type(s.seqtypid, NULL) AS type, s.seqincrement AS increment, s.seqmin AS min," \
"   s.seqmax AS max, s.seqstart AS start, s.seqcache AS cache, s.seqcycle AS cycle," \
"   (SELECT quote_ident(r.relname) || '.' || quote_ident(a.attname)"				\
"      FROM pg_depend x JOIN pg_class r ON r.oid = x.refobjid"						\
"      JOIN pg_attribute a ON a.attrelid = x.refobjid AND a.attnum = x.refobjsubid" \
"      WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype = 'a'" \
"      AND x.refclassid = 'pg_class'::regclass) AS owned_by,"						\
"   " DESCRIPTION("c.oid", "pg_class", "0") " AS comment,"						\
"   " OWNER("c.relowner") " AS owner,"											\
"   " GRANTS("c.relacl", "s", "c.relowner") " AS grants"							\
" FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid"						\
" WHERE c.relnamespace = $1 AND NOT EXISTS (SELECT FROM pg_depend x"				\
"   WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid AND x.deptype IN ('i', 'e'))"

#define ENUMS_QUERY \
"SELECT t.oid, t.typname::text,"													\
"   (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels," \
"   " DESCRIPTION("t.oid", "pg_type", "0") " AS comment,"							\
"   " GRANTS("t.typacl", "T", "t.typowner") " AS grants,"						\
"   " OWNER("t.typowner") " AS owner"												\
" FROM pg_type t WHERE t.typnamespace = $1 AND t.typtype = 'e'"					\
" AND " NOT_IN_EXTENSION("pg_type", "t.oid")

/*
 * 17+ catalogue a domain's NOT NULL too (contype 'n', no NOT VALID).  One
 * named as PostgreSQL names it (domain_not_null), without a comment, says
 * no more than typnotnull: the domain's not_null stands for it.  Any other
 * is a constraint of its own in the snapshot, and the domain is not
 * not_null.  15 has none: not_null is typnotnull, as always.
 */
#define DOMAIN_NOT_NULL_PLAIN(k) \
"(" k ".convalidated AND " k ".conname = t.typname || '_not_null' AND NOT EXISTS"	\
"   (SELECT FROM pg_description nd WHERE nd.objoid = " k ".oid"					\
"    AND nd.classoid = 'pg_constraint'::regclass))"

#define DOMAINS_QUERY \
"SELECT t.oid, t.typname::text,"													\
"   format_type(t.typbasetype, t.typtypmod) AS type,"								\
"   t.typnotnull AND NOT EXISTS (SELECT FROM pg_constraint nk WHERE nk.contypid = t.oid" \
"      AND nk.contype = 'n' AND NOT " DOMAIN_NOT_NULL_PLAIN("nk") ") AS not_null,"	\
"   t.typdefault AS default,"														\
"   CASE WHEN t.typcollation <> b.typcollation"										\
"      THEN (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = t.typcollation) END AS collation," \
"   " DESCRIPTION("t.oid", "pg_type", "0") " AS comment,"						\
"   " GRANTS("t.typacl", "T", "t.typowner") " AS grants,"						\
"   " OWNER("t.typowner") " AS owner,"											\
"   (SELECT array_agg(f ORDER BY f) FROM (SELECT DISTINCT"							\
"      p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS f"	\
"      FROM pg_depend x JOIN pg_proc p ON p.oid = x.refobjid"						\
"      WHERE x.refclassid = 'pg_proc'::regclass AND p.pronamespace = $1"			\
"      AND ((x.classid = 'pg_type'::regclass AND x.objid = t.oid)"					\
"        OR (x.classid = 'pg_constraint'::regclass AND x.objid IN"					\
"          (SELECT k.oid FROM pg_constraint k WHERE k.contypid = t.oid)))) f) AS depends" \
" FROM pg_type t JOIN pg_type b ON b.oid = t.typbasetype"						\
" WHERE t.typnamespace = $1 AND t.typtype = 'd'"									\
" AND " NOT_IN_EXTENSION("pg_type", "t.oid")										\
" ORDER BY t.oid"

#define DOMAIN_CONSTRAINTS_QUERY \
"SELECT k.contypid, k.conname::text,"												\
"   k.contype::text AS type, pg_get_constraintdef(k.oid, true) AS definition,"		\
"   " DESCRIPTION("k.oid", "pg_constraint", "0") " AS comment,"				\
"   k.oid AS _oid, t.typname::text AS _rel"										\
" FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid"						\
" WHERE t.typnamespace = $1 AND t.typtype = 'd'"									\
"   AND NOT (k.contype = 'n' AND " DOMAIN_NOT_NULL_PLAIN("k") ")"					\
" ORDER BY k.contypid"

/* keyed by the oid of the type's relation, whose columns are its attributes */
#define COMPOSITES_QUERY \
"SELECT c.oid, t.typname::text,"													\
"   " DESCRIPTION("t.oid", "pg_type", "0") " AS comment,"							\
"   " GRANTS("t.typacl", "T", "t.typowner") " AS grants,"						\
"   " OWNER("t.typowner") " AS owner"												\
" FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'"		\
" WHERE t.typnamespace = $1 AND t.typtype = 'c'"									\
" AND " NOT_IN_EXTENSION("pg_type", "t.oid")										\
" ORDER BY c.oid"

#define RANGES_QUERY \
"SELECT t.oid, t.typname::text,"													\
"   concat_ws(', ', 'SUBTYPE = ' || format_type(r.rngsubtype, NULL),"				\
"      CASE WHEN NOT oc.opcdefault THEN 'SUBTYPE_OPCLASS = ' || quote_ident(oc.opcname) END," \
"      CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN 'COLLATION = '" \
"        || (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = r.rngcollation) END," \
"      CASE WHEN r.rngcanonical <> 0 THEN 'CANONICAL = ' || r.rngcanonical::regproc::text END," \
"      CASE WHEN r.rngsubdiff <> 0 THEN 'SUBTYPE_DIFF = ' || r.rngsubdiff::regproc::text END," \
"      'MULTIRANGE_TYPE_NAME = ' || quote_ident(mt.typname)) AS definition,"		\
"   " DESCRIPTION("t.oid", "pg_type", "0") " AS comment,"							\
"   " GRANTS("t.typacl", "T", "t.typowner") " AS grants,"						\
"   " OWNER("t.typowner") " AS owner"												\
" FROM pg_type t JOIN pg_range r ON r.rngtypid = t.oid JOIN pg_opclass oc ON oc.oid = r.rngsubopc" \
" JOIN pg_type st ON st.oid = r.rngsubtype JOIN pg_type mt ON mt.oid = r.rngmultitypid" \
" WHERE t.typnamespace = $1 AND t.typtype = 'r'"									\
" AND " NOT_IN_EXTENSION("pg_type", "t.oid")

#define FUNCTIONS_QUERY \
"SELECT p.oid, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'," \
"   p.prokind::text AS kind,"														\
"   pg_get_function_arguments(p.oid) AS arguments,"								\
"   pg_get_function_result(p.oid) AS result,"										\
"   substr(pg_get_functiondef(p.oid), length('CREATE OR REPLACE ' ||"				\
"      CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END || ' ' || $2 || '.') + 1) AS definition," \
"   " DESCRIPTION("p.oid", "pg_proc", "0") " AS comment,"						\
"   " OWNER("p.proowner") " AS owner,"											\
"   " GRANTS("p.proacl", "f", "p.proowner") " AS grants,"						\
"   (SELECT array_agg(DISTINCT r.relname ORDER BY r.relname)::text[]"				\
"      FROM pg_depend x JOIN pg_type ty ON ty.oid = x.refobjid"						\
"      LEFT JOIN pg_type el ON el.oid = ty.typelem AND ty.typrelid = 0"			\
"      JOIN pg_class r ON r.oid = COALESCE(NULLIF(ty.typrelid, 0), el.typrelid)"	\
"      WHERE x.classid = 'pg_proc'::regclass AND x.objid = p.oid"					\
"      AND x.refclassid = 'pg_type'::regclass AND r.relnamespace = $1"			\
"      AND r.relkind IN ('r', 'p', 'v', 'm', 'f')) AS depends"						\
" FROM pg_proc p WHERE p.pronamespace = $1 AND p.prokind IN ('f', 'p', 'w')"		\
" AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_proc'::regclass"	\
"   AND x.objid = p.oid AND x.deptype IN ('e', 'i'))"

/* aggregates, operators, operator classes, collations, text search */
#include "snapshot_kinds.h"

/*
 * Extended statistics objects: what follows CREATE STATISTICS <name> in
 * their definition (kinds, columns or expressions, table), and the target
 * ALTER STATISTICS ... SET STATISTICS gave them (NULL: the default).
 */
#define STATISTICS_QUERY \
"SELECT s.oid, s.stxname::text,"													\
"   substr(pg_get_statisticsobjdef(s.oid), length('CREATE STATISTICS ' || $2 || '.'" \
"      || quote_ident(s.stxname)) + 1) AS definition,"								\
"   NULLIF(s.stxstattarget::integer, -1) AS target,"								\
"   " DESCRIPTION("s.oid", "pg_statistic_ext", "0") " AS comment,"				\
"   " OWNER("s.stxowner") " AS owner"												\
" FROM pg_statistic_ext s WHERE s.stxnamespace = $1"								\
" AND " NOT_IN_EXTENSION("pg_statistic_ext", "s.oid")

/*
 * The default privileges of the schema (ALTER DEFAULT PRIVILEGES FOR ROLE r
 * IN SCHEMA s GRANT ...), keyed "role objects": what they grant beyond the
 * database-wide ones (in a schema they only add).
 */
#define DEFAULT_PRIVILEGES_QUERY \
"SELECT d.oid, pg_get_userbyid(d.defaclrole) || ' ' || o.word,"						\
"   quote_ident(pg_get_userbyid(d.defaclrole)) AS role, o.word AS objects,"		\
"   (SELECT array_agg('+' || " ACL_ENTRY " ORDER BY 1) FROM aclexplode(d.defaclacl) a) AS grants" \
" FROM pg_default_acl d CROSS JOIN LATERAL (SELECT CASE d.defaclobjtype WHEN 'r' THEN 'TABLES'" \
"   WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES'"		\
"   ELSE 'SCHEMAS' END AS word) o"													\
" WHERE d.defaclnamespace = $1"

/*
 * The foreign servers the schema's foreign tables use (a server belongs to
 * the database: the schema's snapshot has those it needs), with their
 * wrapper, type, version and options, and their user mappings.
 */
#define FOREIGN_SERVERS_QUERY \
"SELECT fs.oid, fs.srvname::text,"													\
"   w.fdwname::text AS wrapper, fs.srvtype::text AS type, fs.srvversion::text AS version," \
"   fs.srvoptions AS options"														\
" FROM pg_foreign_server fs JOIN pg_foreign_data_wrapper w ON w.oid = fs.srvfdw"	\
" WHERE EXISTS (SELECT FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid" \
"   WHERE ft.ftserver = fs.oid AND c.relnamespace = $1)"							\
" ORDER BY fs.oid"

/*
 * Their user mappings, as pg_user_mappings shows them to the caller (as
 * pg_dump reads them), but for the value of a password: snapshots are
 * kept in migrator.snapshots, which every role can read.
 */
#define USER_MAPPINGS_QUERY \
"SELECT um.srvid, CASE um.umuser WHEN 0 THEN 'PUBLIC' ELSE quote_ident(um.usename::text) END," \
"   (SELECT array_agg(o ORDER BY n) FROM unnest(um.umoptions) WITH ORDINALITY u(o, n)" \
"      WHERE o NOT LIKE 'password=%') AS options"									\
" FROM pg_user_mappings um WHERE EXISTS (SELECT FROM pg_foreign_table ft"			\
"   JOIN pg_class c ON c.oid = ft.ftrelid WHERE ft.ftserver = um.srvid AND c.relnamespace = $1)" \
" ORDER BY um.srvid"

/* the rows of one query, walked in order to merge them into their owners */
typedef struct Rows
{
	SPITupleTable *tt;
	uint64		n;
	uint64		pos;
	int			last;			/* the last column that is a member */
	char	  **definitions;	/* if not NULL, one more member a row */
} Rows;

/*
 * Index definitions already deparsed, by shape (see index_shape()): the
 * part of the definition that follows the names, from " USING" on.
 */
typedef struct IndexMemoEntry
{
	uint64		hash;			/* of the shape: the key */
	int			len;
	char	   *shape;			/* binary, len bytes */
	char	   *suffix;
} IndexMemoEntry;

struct SnapshotMemo
{
	MemoryContext cxt;
	HTAB	   *indexes;		/* IndexMemoEntry */
	bool		owners;			/* the snapshots have their objects' owners */
};

/* a memo for snapshots (those of a diff share one), in the current context */
SnapshotMemo *
snapshot_memo_create(void)
{
	SnapshotMemo *memo = palloc(sizeof(SnapshotMemo));
	HASHCTL		ctl;

	memo->cxt = CurrentMemoryContext;
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(IndexMemoEntry);
	ctl.hcxt = memo->cxt;
	memo->indexes = hash_create("migrator snapshot index definitions", 1024, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	memo->owners = false;
	return memo;
}

/* the snapshots made with memo have their objects' owners (or not) */
void
snapshot_memo_set_owners(SnapshotMemo *memo, bool owners)
{
	memo->owners = owners;
}

/* how many times needle is in s */
static int
occurrences(const char *s, const char *needle)
{
	int			n = 0;

	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static Rows
run_query(const char *sql, Datum *values)
{
	Oid			types[3] = {OIDOID, TEXTOID, BOOLOID};
	Rows		r;

	if (SPI_execute_with_args(sql, 3, types, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not run a snapshot query: %s", sql);
	r.tt = SPI_tuptable;
	r.n = SPI_processed;
	r.pos = 0;
	r.last = SPI_tuptable->tupdesc->natts;
	/* columns named _... are not members: what depends.c needs to know */
	for (int col = 3; col <= r.last; col++)
		if (NameStr(TupleDescAttr(SPI_tuptable->tupdesc, col - 1)->attname)[0] == '_')
		{
			r.last = col - 1;
			break;
		}
	r.definitions = NULL;
	return r;
}

static Oid
row_oid(Rows *r, uint64 i)
{
	bool		isnull;

	return DatumGetObjectId(SPI_getbinval(r->tt->vals[i], r->tt->tupdesc, 1, &isnull));
}

static void
push_string(JsonbParseState **st, JsonbIteratorToken tok, const char *s, int len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = len;
	(void) pushJsonbValue(st, tok, &v);
}

static void
push_text(JsonbParseState **st, JsonbIteratorToken tok, Datum d)
{
	text	   *t = DatumGetTextPP(d);

	push_string(st, tok, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* a member's value, of one of the types the queries give */
static void
push_value(JsonbParseState **st, Datum d, Oid type)
{
	JsonbValue	v;

	switch (type)
	{
		case TEXTOID:
			push_text(st, WJB_VALUE, d);
			return;
		case BOOLOID:
			v.type = jbvBool;
			v.val.boolean = DatumGetBool(d);
			break;
		case INT4OID:
			v.type = jbvNumeric;
			v.val.numeric = int64_to_numeric(DatumGetInt32(d));
			break;
		case INT8OID:
			v.type = jbvNumeric;
			v.val.numeric = int64_to_numeric(DatumGetInt64(d));
			break;
		case TEXTARRAYOID:
			{
				Datum	   *elems;
				bool	   *nulls;
				int			n;

				deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
								  &elems, &nulls, &n);
				(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
				for (int i = 0; i < n; i++)
				{
					if (nulls[i])
					{
						v.type = jbvNull;
						(void) pushJsonbValue(st, WJB_ELEM, &v);
					}
					else
						push_text(st, WJB_ELEM, elems[i]);
				}
				(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
				return;
			}
		default:
			elog(ERROR, "unexpected type %u in a snapshot query", type);
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/* the members of row i: its columns from the third on, NULL ones left out */
static void
push_members(JsonbParseState **st, Rows *r, uint64 i)
{
	TupleDesc	desc = r->tt->tupdesc;
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *nulls = palloc(sizeof(bool) * desc->natts);

	if (r->definitions)
	{
		push_string(st, WJB_KEY, "definition", strlen("definition"));
		push_string(st, WJB_VALUE, r->definitions[i], strlen(r->definitions[i]));
	}
	/* deformed once, not column by column (a walk from the start for each) */
	heap_deform_tuple(r->tt->vals[i], desc, values, nulls);
	for (int col = 3; col <= r->last; col++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, col - 1);

		if (nulls[col - 1])
			continue;
		push_string(st, WJB_KEY, NameStr(att->attname), strlen(NameStr(att->attname)));
		push_value(st, values[col - 1], att->atttypid);
	}
	pfree(values);
	pfree(nulls);
}

/* name: {members} of row i, the name being its second column */
static void
push_named(JsonbParseState **st, Rows *r, uint64 i)
{
	bool		isnull;

	push_text(st, WJB_KEY, SPI_getbinval(r->tt->vals[i], r->tt->tupdesc, 2, &isnull));
	(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	push_members(st, r, i);
}

/*
 * key: {name: {members}, ...} of the rows of parts that belong to owner
 * (parts are ordered by owner, and so are the owners asked for); with
 * always, {} when there are none, else nothing.
 */
static void
push_parts(JsonbParseState **st, const char *key, Rows *parts, Oid owner, bool always)
{
	while (parts->pos < parts->n && row_oid(parts, parts->pos) < owner)
		parts->pos++;
	if (!always && (parts->pos >= parts->n || row_oid(parts, parts->pos) != owner))
		return;
	push_string(st, WJB_KEY, key, strlen(key));
	(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	for (; parts->pos < parts->n && row_oid(parts, parts->pos) == owner; parts->pos++)
	{
		push_named(st, parts, parts->pos);
		(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
	}
	(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/* the same for a part that is one text member per name (column comments) */
static void
push_text_parts(JsonbParseState **st, const char *key, Rows *parts, Oid owner)
{
	bool		isnull;

	while (parts->pos < parts->n && row_oid(parts, parts->pos) < owner)
		parts->pos++;
	if (parts->pos >= parts->n || row_oid(parts, parts->pos) != owner)
		return;
	push_string(st, WJB_KEY, key, strlen(key));
	(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	for (; parts->pos < parts->n && row_oid(parts, parts->pos) == owner; parts->pos++)
	{
		push_text(st, WJB_KEY, SPI_getbinval(parts->tt->vals[parts->pos], parts->tt->tupdesc, 2, &isnull));
		push_text(st, WJB_VALUE, SPI_getbinval(parts->tt->vals[parts->pos], parts->tt->tupdesc, 3, &isnull));
	}
	(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/* every oid of an oidvector is that of a built-in object (or none) */
static bool
all_built_in(Datum d)
{
	oidvector  *v = (oidvector *) DatumGetPointer(d);

	for (int i = 0; i < v->dim1; i++)
		if (v->values[i] >= FirstNormalObjectId)
			return false;
	return true;
}

/*
 * The shape of index i of rows, into buf; false if it has none.
 *
 * An index has one when it is on plain columns (no expression, no
 * predicate, no opclass options) and uses only built-in opclasses,
 * collations and access method (oids below FirstNormalObjectId: in
 * pg_catalog, which comes first in the search_path, so named alike in any
 * schema's snapshot).  Its shape holds all that pg_get_indexdef() prints
 * of such an index but the names of the index and its table: the access
 * method, the options, pg_index's flags and arrays (columns, opclasses,
 * collations, orderings), and the name, type and collation of each
 * indexed column (whether an opclass or a collation is the column's
 * default).  Two indexes of the same shape, in one schema or in two each
 * deparsed with its own search_path, have the same definition but for
 * their names (in its first words).
 */
static bool
index_shape(Rows *rows, uint64 i, StringInfo buf)
{
	HeapTuple	tup = rows->tt->vals[i];
	TupleDesc	desc = rows->tt->tupdesc;
	bool		isnull;
	Oid			table = row_oid(rows, i);
	Oid			index = DatumGetObjectId(SPI_getbinval(tup, desc, INDEX_OID_COLUMN, &isnull));
	int2vector *key;

	if (!DatumGetBool(SPI_getbinval(tup, desc, INDEX_PLAIN_COLUMN, &isnull)) ||
		DatumGetObjectId(SPI_getbinval(tup, desc, INDEX_AM_COLUMN, &isnull)) >= FirstNormalObjectId ||
		!all_built_in(SPI_getbinval(tup, desc, INDEX_CLASS_COLUMN, &isnull)) ||
		!all_built_in(SPI_getbinval(tup, desc, INDEX_COLLATION_COLUMN, &isnull)))
		return false;
	resetStringInfo(buf);
	/* the fields, each as its bytes after its length (-1: NULL) */
	for (int col = INDEX_FIELDS_COLUMN; col <= desc->natts; col++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, col - 1);
		Datum		d = SPI_getbinval(tup, desc, col, &isnull);
		int32		len;
		const char *data;

		if (isnull)
		{
			len = -1;
			appendBinaryStringInfo(buf, (char *) &len, sizeof(len));
			continue;
		}
		if (att->attbyval)
		{
			len = att->attlen;
			data = (char *) &d;
		}
		else if (att->attlen > 0)
		{
			len = att->attlen;
			data = DatumGetPointer(d);
		}
		else
		{
			struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d));

			len = VARSIZE_ANY_EXHDR(v);
			data = VARDATA_ANY(v);
		}
		appendBinaryStringInfo(buf, (char *) &len, sizeof(len));
		appendBinaryStringInfo(buf, data, len);
	}
	/* the indexed columns, and no opclass options */
	key = (int2vector *) DatumGetPointer(SPI_getbinval(tup, desc, INDEX_KEY_COLUMN, &isnull));
	for (int k = 0; k < key->dim1; k++)
	{
		HeapTuple	at = SearchSysCache2(ATTNUM, ObjectIdGetDatum(table), Int16GetDatum(key->values[k]));
		HeapTuple	it = SearchSysCache2(ATTNUM, ObjectIdGetDatum(index), Int16GetDatum(k + 1));
		bool		plain = HeapTupleIsValid(at) && HeapTupleIsValid(it) &&
			heap_attisnull(it, Anum_pg_attribute_attoptions, NULL);

		if (plain)
		{
			Form_pg_attribute a = (Form_pg_attribute) GETSTRUCT(at);

			appendBinaryStringInfo(buf, NameStr(a->attname), strlen(NameStr(a->attname)) + 1);
			appendBinaryStringInfo(buf, (char *) &a->atttypid, sizeof(Oid));
			appendBinaryStringInfo(buf, (char *) &a->attcollation, sizeof(Oid));
		}
		if (HeapTupleIsValid(at))
			ReleaseSysCache(at);
		if (HeapTupleIsValid(it))
			ReleaseSysCache(it);
		if (!plain)
			return false;
	}
	return true;
}

/*
 * The definition of each index of rows (INDEXES_QUERY): pg_get_indexdef()
 * with the schema cut out of the name of the table (" ON ONLY s." and
 * " ON s." made " ON ").  That is, for an index of a shape that memo has:
 * CREATE [UNIQUE ]INDEX <index> ON <table> followed by the rest of the
 * definition of that shape.  When an index of a shape not seen yet is
 * deparsed, the rest of its definition goes into memo, if its definition
 * is that (checked) and has " ON " once only (cutting the schema out
 * touched no name, and would touch none in an index of other names).  An
 * index whose quoted names have " ON " is always deparsed.
 */
static void
index_definitions(Rows *rows, const char *quoted_schema, SnapshotMemo *memo)
{
	text	   *on_only = cstring_to_text(psprintf(" ON ONLY %s.", quoted_schema));
	text	   *on_schema = cstring_to_text(psprintf(" ON %s.", quoted_schema));
	text	   *on = cstring_to_text(" ON ");
	StringInfoData shape;
	StringInfoData start;

	initStringInfo(&shape);
	initStringInfo(&start);
	rows->definitions = palloc(sizeof(char *) * Max(rows->n, 1));
	rows->last = INDEX_OID_COLUMN - 1;
	for (uint64 i = 0; i < rows->n; i++)
	{
		HeapTuple	tup = rows->tt->vals[i];
		TupleDesc	desc = rows->tt->tupdesc;
		bool		isnull;
		Oid			index = DatumGetObjectId(SPI_getbinval(tup, desc, INDEX_OID_COLUMN, &isnull));
		const char *name = quote_identifier(SPI_getvalue(tup, desc, 2));
		const char *table = quote_identifier(SPI_getvalue(tup, desc, INDEX_TABLE_COLUMN));
		bool		has_shape = !strstr(name, " ON ") && !strstr(table, " ON ") &&
			index_shape(rows, i, &shape);
		uint64		hash = 0;
		IndexMemoEntry *entry;
		bool		found;
		Datum		def;
		char	   *raw;

		resetStringInfo(&start);
		appendStringInfo(&start, "CREATE %sINDEX %s ON %s",
						 DatumGetBool(SPI_getbinval(tup, desc, INDEX_UNIQUE_COLUMN, &isnull)) ? "UNIQUE " : "",
						 name, table);
		if (has_shape)
		{
			hash = DatumGetUInt64(hash_any_extended((const unsigned char *) shape.data, shape.len, 0));
			entry = hash_search(memo->indexes, &hash, HASH_FIND, NULL);
			if (entry && entry->len == shape.len && memcmp(entry->shape, shape.data, shape.len) == 0)
			{
				rows->definitions[i] = psprintf("%s%s", start.data, entry->suffix);
				continue;
			}
		}
		def = DirectFunctionCall1(pg_get_indexdef, ObjectIdGetDatum(index));
		raw = TextDatumGetCString(def);
		def = DirectFunctionCall3Coll(replace_text, DEFAULT_COLLATION_OID, def,
									  PointerGetDatum(on_only), PointerGetDatum(on));
		def = DirectFunctionCall3Coll(replace_text, DEFAULT_COLLATION_OID, def,
									  PointerGetDatum(on_schema), PointerGetDatum(on));
		rows->definitions[i] = TextDatumGetCString(def);
		if (has_shape && occurrences(raw, " ON ") == 1 &&
			strncmp(rows->definitions[i], start.data, start.len) == 0 &&
			strncmp(rows->definitions[i] + start.len, " USING ", strlen(" USING ")) == 0)
		{
			entry = hash_search(memo->indexes, &hash, HASH_ENTER, &found);
			if (!found)
			{
				entry->len = shape.len;
				entry->shape = MemoryContextAlloc(memo->cxt, shape.len);
				memcpy(entry->shape, shape.data, shape.len);
				entry->suffix = MemoryContextStrdup(memo->cxt, rows->definitions[i] + start.len);
			}
		}
	}
}

/* ---------------------------------------------------------------------
 * The names depends.c gives the objects the queries read
 * ---------------------------------------------------------------------
 */

/* the oid in column col of row i (InvalidOid: no such column, or NULL) */
static Oid
column_oid(Rows *r, uint64 i, const char *col)
{
	int			n = SPI_fnumber(r->tt->tupdesc, col);
	bool		isnull;
	Datum		d;

	if (n <= 0)
		return InvalidOid;
	d = SPI_getbinval(r->tt->vals[i], r->tt->tupdesc, n, &isnull);
	return isnull ? InvalidOid : DatumGetObjectId(d);
}

/* each row's object is "kind NAME", NAME its second column, its oid in column oidcol */
static void
name_objects(DependNames *dn, Rows *r, Oid classid, const char *kind, int oidcol)
{
	for (uint64 i = 0; i < r->n; i++)
	{
		HeapTuple	tuple = r->tt->vals[i];
		bool		isnull;
		char	   *name = psprintf("%s %s", kind, SPI_getvalue(tuple, r->tt->tupdesc, 2));

		depends_name(dn, classid, DatumGetObjectId(SPI_getbinval(tuple, r->tt->tupdesc, oidcol, &isnull)),
					 name);
		/* a view's rule is the view */
		depends_name(dn, RewriteRelationId, column_oid(r, i, "_rule"), name);
	}
}

/*
 * each row's part is "kind OWNER.NAME", its oid in column _oid, OWNER in
 * _rel; a key's index is its constraint, a column's default its table
 */
static void
name_parts(DependNames *dn, Rows *r, Oid classid, const char *kind)
{
	int			rel = SPI_fnumber(r->tt->tupdesc, "_rel");

	for (uint64 i = 0; i < r->n; i++)
	{
		HeapTuple	tuple = r->tt->vals[i];
		char	   *owner = SPI_getvalue(tuple, r->tt->tupdesc, rel);
		char	   *name;

		if (classid == AttrDefaultRelationId)
		{
			depends_name(dn, classid, column_oid(r, i, "_default"), psprintf("relation %s", owner));
			continue;
		}
		name = psprintf("%s %s.%s", kind, quote_identifier(owner),
						quote_identifier(SPI_getvalue(tuple, r->tt->tupdesc, 2)));
		depends_name(dn, classid, column_oid(r, i, "_oid"), name);
		depends_name(dn, RelationRelationId, column_oid(r, i, "_index"), name);
	}
}

/*
 * A schema's snapshot is made a kind at a time, and the objects of a kind
 * one at a time, each written out to jsonb as soon as it is made and its
 * tree of JsonbValues freed; jsonb_object_of() puts the pieces together as
 * they are.  (One tree for the whole schema, written out at the end, was
 * ten to twenty times the size of the snapshot.)
 */
typedef struct Kinds
{
	int			n;
	const char *names[32];
	Jsonb	   *values[32];
	MemoryContext tree;			/* the tree of the piece being made */
} Kinds;

/* the parts of an object (of the snapshot's rows), pushed after its members */
typedef void (*PushParts) (JsonbParseState **st, Oid owner, void *arg);

/*
 * What the kinds read besides their objects: the query parameters, the
 * names of the objects for depends, and the rows of the parts of tables,
 * views, domains and composite types.
 */
typedef struct Parts
{
	Datum	   *values;			/* $1 the schema's oid, $2 its name quoted,
								 * $3 whether owners are asked for */
	DependNames *dn;
	SnapshotMemo *memo;
	Rows		columns;
	Rows		constraints;
	Rows		indexes;
	Rows		triggers;
	Rows		policies;
	Rows		comments;
	Rows		members;		/* of operator families, text-search configurations */
	Rows		mappings;
} Parts;

/*
 * Tables' parts, read once: the columns of composite types, the indexes
 * of materialized views and the triggers of views come with them, and are
 * read again from the start by those kinds.
 */
static void
table_parts_load(Parts *p)
{
	p->columns = run_query(COLUMNS_QUERY("'r', 'p', 'f', 'c'"), p->values);
	p->constraints = run_query(CONSTRAINTS_QUERY, p->values);
	p->indexes = run_query(INDEXES_QUERY("'r', 'p', 'm'"), p->values);
	index_definitions(&p->indexes, TextDatumGetCString(p->values[1]), p->memo);
	p->triggers = run_query(TRIGGERS_QUERY, p->values);
	p->policies = run_query(POLICIES_QUERY, p->values);
	name_parts(p->dn, &p->columns, AttrDefaultRelationId, NULL);
	/* a key's index is named for its constraint before it is for itself */
	name_parts(p->dn, &p->constraints, ConstraintRelationId, "constraint");
	name_objects(p->dn, &p->indexes, RelationRelationId, "index", INDEX_OID_COLUMN);
	name_parts(p->dn, &p->triggers, TriggerRelationId, "trigger");
	name_parts(p->dn, &p->policies, PolicyRelationId, "policy");
}

static void
table_parts(JsonbParseState **st, Oid rel, void *arg)
{
	Parts	   *p = arg;

	push_parts(st, "columns", &p->columns, rel, true);
	push_parts(st, "constraints", &p->constraints, rel, true);
	push_parts(st, "indexes", &p->indexes, rel, true);
	push_parts(st, "triggers", &p->triggers, rel, true);
	push_parts(st, "policies", &p->policies, rel, true);
}

static void
view_parts_load(Parts *p)
{
	p->comments = run_query(VIEW_COLUMN_COMMENTS_QUERY, p->values);
	p->indexes.pos = 0;
	p->triggers.pos = 0;
}

static void
view_parts(JsonbParseState **st, Oid rel, void *arg)
{
	Parts	   *p = arg;

	push_parts(st, "indexes", &p->indexes, rel, true);
	/* only a view that has some (INSTEAD OF, statement triggers) */
	push_parts(st, "triggers", &p->triggers, rel, false);
	push_text_parts(st, "column_comments", &p->comments, rel);
}

static void
domain_parts_load(Parts *p)
{
	p->constraints = run_query(DOMAIN_CONSTRAINTS_QUERY, p->values);
	name_parts(p->dn, &p->constraints, ConstraintRelationId, "constraint");
}

static void
domain_parts(JsonbParseState **st, Oid type, void *arg)
{
	push_parts(st, "constraints", &((Parts *) arg)->constraints, type, true);
}

static void
composite_parts_load(Parts *p)
{
	p->columns.pos = 0;
}

static void
composite_parts(JsonbParseState **st, Oid rel, void *arg)
{
	push_parts(st, "attributes", &((Parts *) arg)->columns, rel, true);
}

static void
server_parts_load(Parts *p)
{
	p->mappings = run_query(USER_MAPPINGS_QUERY, p->values);
}

static void
server_parts(JsonbParseState **st, Oid server, void *arg)
{
	push_parts(st, "user_mappings", &((Parts *) arg)->mappings, server, true);
}

/*
 * The members of operator families that belong to no class, and the names
 * of all members of the schema's classes and families for depends: each is
 * its class or family.
 */
static void
opfamily_parts_load(Parts *p)
{
	Rows		names = run_query(OPERATOR_MEMBER_NAMES_QUERY, p->values);

	for (uint64 i = 0; i < names.n; i++)
	{
		bool		isnull;
		HeapTuple	tuple = names.tt->vals[i];

		depends_name(p->dn, DatumGetObjectId(SPI_getbinval(tuple, names.tt->tupdesc, 1, &isnull)),
					 DatumGetObjectId(SPI_getbinval(tuple, names.tt->tupdesc, 2, &isnull)),
					 SPI_getvalue(tuple, names.tt->tupdesc, 3));
	}
	p->members = run_query(OPFAMILY_MEMBERS_QUERY, p->values);
}

static void
ts_config_parts_load(Parts *p)
{
	p->members = run_query(TS_MAPPINGS_QUERY, p->values);
}

/* what of the schema publications publish, each link named as its publication */
static void
publication_parts_load(Parts *p)
{
	Datum		pubid;

	p->members = run_query(PUBLICATION_MEMBERS_QUERY, p->values);
	for (uint64 i = 0; i < p->members.n; i++)
	{
		HeapTuple	tuple = p->members.tt->vals[i];
		bool		isnull;

		pubid = SPI_getbinval(tuple, p->members.tt->tupdesc, 1, &isnull);
		depends_name(p->dn, column_oid(&p->members, i, "_class"), column_oid(&p->members, i, "_oid"),
					 psprintf("publication %s", get_publication_name(DatumGetObjectId(pubid), false)));
	}
}

static void
members_parts(JsonbParseState **st, Oid owner, void *arg)
{
	push_text_parts(st, "members", &((Parts *) arg)->members, owner);
}

/* ---------------------------------------------------------------------
 * Identity: what a rename keeps (diff_renames.c)
 * ---------------------------------------------------------------------
 */

/*
 * "identity": {"database": [system identifier, database oid], "KIND NAME":
 * [oid], "columns TABLE.NAME": [table oid, attnum], ...}: the oid of each
 * object, keyed by its kind in the snapshot and its name (a part's owner
 * and name quoted as identifiers).  Not part of any object: nothing the
 * diff compares sees it, and it is used only between two snapshots of the
 * same database (the same "database"), to match an object renamed.
 */
static void
identity_push(JsonbParseState **st, const char *key, Oid oid, int sub)
{
	JsonbValue	v;

	push_string(st, WJB_KEY, key, strlen(key));
	(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(oid);
	(void) pushJsonbValue(st, WJB_ELEM, &v);
	if (sub)
	{
		v.val.numeric = int64_to_numeric(sub);
		(void) pushJsonbValue(st, WJB_ELEM, &v);
	}
	(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

static void
identity_database(JsonbParseState **st)
{
	char	   *sysid = psprintf(UINT64_FORMAT, GetSystemIdentifier());
	JsonbValue	v;

	push_string(st, WJB_KEY, "database", strlen("database"));
	(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	push_string(st, WJB_ELEM, sysid, strlen(sysid));
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(MyDatabaseId);
	(void) pushJsonbValue(st, WJB_ELEM, &v);
	(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

/*
 * The parts of rows: "kind OWNER.NAME" (OWNER in column _rel; without it,
 * "kind NAME"), their oid in column oidcol (0: _oid), a column's attnum.
 */
static void
identity_parts(JsonbParseState **st, Rows *r, const char *kind, int oidcol)
{
	TupleDesc	desc = r->tt->tupdesc;
	int			rel = SPI_fnumber(desc, "_rel");
	int			attnum = SPI_fnumber(desc, "_attnum");

	for (uint64 i = 0; i < r->n; i++)
	{
		HeapTuple	tuple = r->tt->vals[i];
		const char *name = SPI_getvalue(tuple, desc, 2);
		bool		isnull;
		Oid			oid;
		int			sub = 0;

		if (attnum > 0)
		{
			oid = row_oid(r, i);
			sub = DatumGetInt32(SPI_getbinval(tuple, desc, attnum, &isnull));
		}
		else
			oid = oidcol ? DatumGetObjectId(SPI_getbinval(tuple, desc, oidcol, &isnull)) :
				column_oid(r, i, "_oid");
		if (oidcol == 0 && rel > 0)
			name = psprintf("%s.%s", quote_identifier(SPI_getvalue(tuple, desc, rel)),
							quote_identifier(name));
		identity_push(st, psprintf("%s %s", kind, name), oid, sub);
	}
}

/* the objects of one kind, and the parts read with them */
static void
identity_kind(JsonbParseState **st, const char *key, Rows *objects, Parts *p)
{
	for (uint64 i = 0; i < objects->n; i++)
		identity_push(st, psprintf("%s %s", key, SPI_getvalue(objects->tt->vals[i],
															  objects->tt->tupdesc, 2)),
					  row_oid(objects, i), 0);
	if (strcmp(key, "tables") == 0)
	{
		identity_parts(st, &p->columns, "columns", 0);
		identity_parts(st, &p->constraints, "constraints", 0);
		identity_parts(st, &p->indexes, "indexes", INDEX_OID_COLUMN);
		identity_parts(st, &p->triggers, "triggers", 0);
		identity_parts(st, &p->policies, "policies", 0);
	}
	else if (strcmp(key, "domains") == 0)
		identity_parts(st, &p->constraints, "constraints", 0);
}

/*
 * The kinds of objects of a schema, in the order they are read (a kind
 * whose parts were read with an earlier kind's comes after it).  Each is a
 * key of the snapshot, {name: {members, parts}, ...}: its objects are the
 * rows of query, their oids in its first column are of catalog classid,
 * and depends calls them "noun NAME".
 */
typedef struct SnapshotKind
{
	const char *key;
	const char *query;
	Oid			classid;
	const char *noun;
	void		(*load) (Parts *p); /* reads and names its parts, if any */
	PushParts	parts;			/* pushes an object's parts */
} SnapshotKind;

static const SnapshotKind snapshot_kinds[] = {
	{"extensions", EXTENSIONS_QUERY, ExtensionRelationId, "extension", NULL, NULL},
	{"tables", TABLES_QUERY, RelationRelationId, "relation", table_parts_load, table_parts},
	{"views", VIEWS_QUERY, RelationRelationId, "relation", view_parts_load, view_parts},
	{"sequences", SEQUENCES_QUERY, RelationRelationId, "relation", NULL, NULL},
	{"enums", ENUMS_QUERY, TypeRelationId, "type", NULL, NULL},
	{"domains", DOMAINS_QUERY, TypeRelationId, "type", domain_parts_load, domain_parts},
	/* a composite type's oid here is its relation's */
	{"composites", COMPOSITES_QUERY, RelationRelationId, "type", composite_parts_load, composite_parts},
	{"ranges", RANGES_QUERY, TypeRelationId, "type", NULL, NULL},
	{"functions", FUNCTIONS_QUERY, ProcedureRelationId, "function", NULL, NULL},
	{"statistics", STATISTICS_QUERY, StatisticExtRelationId, "statistics", NULL, NULL},
	{"default_privileges", DEFAULT_PRIVILEGES_QUERY, DefaultAclRelationId, "default privileges", NULL, NULL},
	{"foreign_servers", FOREIGN_SERVERS_QUERY, ForeignServerRelationId, "server", server_parts_load, server_parts},
};

/*
 * The standalone kinds (snapshot_kinds.h, diff_kinds.c), read after the
 * others: each is left out of the snapshot when the schema has none (a
 * snapshot without it has none).
 */
static const SnapshotKind standalone_snapshot_kinds[] = {
	{"collations", COLLATIONS_QUERY, CollationRelationId, "collation", NULL, NULL},
	{"ts_parsers", TS_PARSERS_QUERY, TSParserRelationId, "tsparser", NULL, NULL},
	{"ts_templates", TS_TEMPLATES_QUERY, TSTemplateRelationId, "tstemplate", NULL, NULL},
	{"ts_dictionaries", TS_DICTIONARIES_QUERY, TSDictionaryRelationId, "tsdictionary", NULL, NULL},
	{"ts_configurations", TS_CONFIGURATIONS_QUERY, TSConfigRelationId, "tsconfig",
	ts_config_parts_load, members_parts},
	{"aggregates", AGGREGATES_QUERY, ProcedureRelationId, "aggregate", NULL, NULL},
	{"operators", OPERATORS_QUERY, OperatorRelationId, "operator", NULL, NULL},
	{"operator_families", OPFAMILIES_QUERY, OperatorFamilyRelationId, "opfamily",
	opfamily_parts_load, members_parts},
	{"operator_classes", OPCLASSES_QUERY, OperatorClassRelationId, "opclass", NULL, NULL},
	{"event_triggers", EVENT_TRIGGERS_QUERY, EventTriggerRelationId, "eventtrigger", NULL, NULL},
	{"publications", PUBLICATIONS_QUERY, PublicationRelationId, "publication",
	publication_parts_load, members_parts},
	/* (not objects: not named for depends) */
	{"security_labels", SECURITY_LABELS_QUERY, InvalidOid, NULL, NULL, NULL},
};

/* {members, parts} of row i of objects, as jsonb (its tree in k->tree, freed) */
static Jsonb *
object_jsonb(Kinds *k, Rows *objects, uint64 i, PushParts parts, void *arg)
{
	MemoryContext outer = MemoryContextSwitchTo(k->tree);
	JsonbParseState *st = NULL;
	JsonbValue *res;
	Jsonb	   *j;

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	push_members(&st, objects, i);
	if (parts)
		parts(&st, row_oid(objects, i), arg);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	MemoryContextSwitchTo(outer);
	j = JsonbValueToJsonb(res);
	MemoryContextReset(k->tree);
	return j;
}

/* kind: {name: {members, parts}, ...}, an object a row of objects */
static void
add_kind(Kinds *k, const char *kind, Rows *objects, PushParts parts, void *arg)
{
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext pieces = AllocSetContextCreate(outer, "migrator snapshot pieces",
												 ALLOCSET_DEFAULT_SIZES);
	const char **names;
	Jsonb	  **values;

	MemoryContextSwitchTo(pieces);
	names = palloc(sizeof(char *) * (objects->n + 1));
	values = palloc(sizeof(Jsonb *) * (objects->n + 1));
	for (uint64 i = 0; i < objects->n; i++)
	{
		bool		isnull;

		names[i] = TextDatumGetCString(SPI_getbinval(objects->tt->vals[i], objects->tt->tupdesc,
													  2, &isnull));
		values[i] = object_jsonb(k, objects, i, parts, arg);
	}
	MemoryContextSwitchTo(outer);
	Assert(k->n < lengthof(k->names));
	k->names[k->n] = kind;
	k->values[k->n++] = jsonb_object_of((int) objects->n, names, values);
	MemoryContextDelete(pieces);
}

/* the schema itself: "schema": {members} of SCHEMA_QUERY's one row */
static void
add_schema(Kinds *k, Datum *values, const char *schema)
{
	Rows		objects = run_query(SCHEMA_QUERY, values);

	if (objects.n != 1)
		elog(ERROR, "could not describe schema \"%s\"", schema);
	k->names[k->n] = "schema";
	k->values[k->n++] = object_jsonb(k, &objects, 0, NULL, NULL);
}

/*
 * Each of kinds, in order: its parts read, its objects read and named for
 * depends (a kind without a noun names none), their identity pushed into
 * ident (when not NULL), and the kind added -- unless it has no objects
 * and leave_out_empty.
 */
static void
read_kinds(Kinds *k, Parts *p, const SnapshotKind *kinds, size_t n,
		   JsonbParseState **ident, bool leave_out_empty)
{
	for (size_t i = 0; i < n; i++)
	{
		const SnapshotKind *sk = &kinds[i];
		Rows		objects;

		if (sk->load)
			sk->load(p);
		objects = run_query(sk->query, p->values);
		if (sk->noun)
			name_objects(p->dn, &objects, sk->classid, sk->noun, 1);
		if (ident)
			identity_kind(ident, sk->key, &objects, p);
		if (objects.n > 0 || !leave_out_empty)
			add_kind(k, sk->key, &objects, sk->parts, p);
	}
}

/*
 * One schema's snapshot.  Its names are deparsed with search_path set to
 * pg_catalog and that schema only.  Index definitions are taken from memo
 * when it has their shape, and put in it otherwise (see
 * index_definitions()).
 */
static void *
snapshot_schema_full(const char *schema, SnapshotMemo *memo, bool identity)
{
	Oid			nspid = get_namespace_oid(schema, false);
	Datum		values[3];
	int			nest = NewGUCNestLevel();
	Kinds		k;
	Jsonb	   *j;
	Jsonb	   *result;
	Parts		p;
	JsonbParseState *ident = NULL;

	StaticAssertStmt(lengthof(snapshot_kinds) + lengthof(standalone_snapshot_kinds) + 3 <= lengthof(k.names),
					 "Kinds holds every kind, the schema, depends and identity");
	(void) set_config_option("search_path", psprintf("pg_catalog, %s", quote_identifier(schema)),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	/* the queries are costly in the planner's eyes: JIT would take longer, */
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	/* ... and parallel workers (each query is over in milliseconds) */
	(void) set_config_option("max_parallel_workers_per_gather", "0", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	values[0] = ObjectIdGetDatum(nspid);

	/*
	 * pg_get_indexdef always qualifies the table: the schema is cut out.  Not
	 * read_only: a fresh snapshot sees what this transaction just created.
	 */
	values[1] = CStringGetTextDatum(quote_identifier(schema));
	values[2] = BoolGetDatum(memo->owners);
	migrator_spi_connect(0);
	k.n = 0;
	k.tree = AllocSetContextCreate(CurrentMemoryContext, "migrator snapshot tree",
								   ALLOCSET_DEFAULT_SIZES);
	memset(&p, 0, sizeof(p));
	p.values = values;
	p.memo = memo;
	p.dn = depends_names_create(nspid);

	add_schema(&k, values, schema);
	if (identity)
	{
		(void) pushJsonbValue(&ident, WJB_BEGIN_OBJECT, NULL);
		identity_database(&ident);
	}
	read_kinds(&k, &p, snapshot_kinds, lengthof(snapshot_kinds), identity ? &ident : NULL, false);
	if (identity)
	{
		k.names[k.n] = "identity";
		k.values[k.n++] = JsonbValueToJsonb(pushJsonbValue(&ident, WJB_END_OBJECT, NULL));
	}

	read_kinds(&k, &p, standalone_snapshot_kinds, lengthof(standalone_snapshot_kinds), NULL, true);

	/* depends: {name: [names]} (depends.c) */
	k.names[k.n] = "depends";
	k.values[k.n++] = snapshot_depends(p.dn, nspid);

	j = jsonb_object_of(k.n, k.names, k.values);
	/* copied out of SPI's memory, which SPI_finish() frees */
	result = (Jsonb *) SPI_palloc(VARSIZE(j));
	memcpy(result, j, VARSIZE(j));
	SPI_finish();
	AtEOXact_GUC(true, nest);
	return result;
}

/* one schema's snapshot, without identity (snapshot(): the same objects, the same snapshot) */
void *
snapshot_schema_memo(const char *schema, SnapshotMemo *memo)
{
	return snapshot_schema_full(schema, memo, false);
}

/* one schema's snapshot, on its own */
void *
snapshot_schema_jsonb(const char *schema)
{
	return snapshot_schema_full(schema, snapshot_memo_create(), false);
}

/*
 * The snapshot of a schema the database does not have: that of an empty
 * schema, its "schema" flagged {"absent": true}, so that a diff creates or
 * drops the schema itself.
 */
static Jsonb *
snapshot_absent_schema(void)
{
	const char *names[lengthof(snapshot_kinds) + 2];
	Jsonb	   *values[lengthof(snapshot_kinds) + 2];
	Jsonb	   *empty = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
	int			n = 0;

	names[n] = "schema";
	values[n++] = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{\"absent\": true}")));
	for (size_t i = 0; i < lengthof(snapshot_kinds); i++)
	{
		names[n] = snapshot_kinds[i].key;
		values[n++] = empty;
	}
	names[n] = "depends";
	values[n++] = empty;
	return jsonb_object_of(n, names, values);
}

/*
 * The schemas a database's migrations manage: every schema but the
 * system's, migrator's own, version schemas of changes, and those that
 * belong to extensions.  Not read_only: after apply() the snapshot must see
 * the schemas its migrations just created, in the same transaction.
 */
static List *
user_schemas(void)
{
	List	   *result = NIL;
	MemoryContext caller = CurrentMemoryContext;

	migrator_spi_connect(0);
	if (SPI_execute("SELECT n.nspname FROM pg_catalog.pg_namespace n "
					"WHERE n.nspname OPERATOR(pg_catalog.!~) '^pg_' "
					"AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{information_schema,migrator}') "
					"AND NOT EXISTS (SELECT FROM migrator.changes c "
					"  WHERE c.version_schema OPERATOR(pg_catalog.=) n.nspname) "
					"AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d "
					"  WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass "
					"  AND d.objid OPERATOR(pg_catalog.=) n.oid AND d.deptype OPERATOR(pg_catalog.=) 'e') "
					"ORDER BY 1", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list schemas");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(caller);

		result = lappend(result, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return result;
}

/*
 * {schema: snapshot, ...} of some schemas (one named twice is there once; one
 * missing is absent: snapshot_absent_schema()), with their objects' owners
 * if asked; with identity, each with its "identity"
 */
static Jsonb *
snapshot_of(List *schemas, bool owners, bool identity)
{
	SnapshotMemo *memo = snapshot_memo_create();
	List	   *names = NIL;
	const char **keys = palloc(sizeof(char *) * (list_length(schemas) + 1));
	Jsonb	  **values = palloc(sizeof(Jsonb *) * (list_length(schemas) + 1));
	ListCell   *lc;

	snapshot_memo_set_owners(memo, owners);
	foreach(lc, schemas)
	{
		if (list_member(names, makeString(lfirst(lc))))
			continue;
		keys[list_length(names)] = lfirst(lc);
		if (OidIsValid(get_namespace_oid(lfirst(lc), true)))
			values[list_length(names)] = (Jsonb *) snapshot_schema_full(lfirst(lc), memo, identity);
		else
			values[list_length(names)] = snapshot_absent_schema();
		names = lappend(names, makeString(lfirst(lc)));
	}
	return jsonb_object_of(list_length(names), keys, values);
}

/* the managed schemas now, with the identity of their objects (drift, recorded snapshots) */
void *
snapshot_database(void)
{
	return snapshot_of(user_schemas(), false, true);
}

/* after a run that applied something: the schema as it left it */
void
snapshot_record(const char *action)
{
	Oid			types[2] = {TEXTOID, JSONBOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(action);
	values[1] = JsonbPGetDatum(drift_keep(action, snapshot_database()));
	migrator_exec_as_owner("INSERT INTO migrator.snapshots (action, snapshot) VALUES ($1, $2)",
						   2, types, values, NULL);
}

/*
 * migrator.snapshot(schemas text[], owners boolean): {"schema": {...}, ...}
 */
Datum
migrator_snapshot(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *schemas = NIL;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("schema names must not be NULL")));
		schemas = lappend(schemas, TextDatumGetCString(elems[i]));
	}
	PG_RETURN_JSONB_P(snapshot_of(schemas, PG_NARGS() > 1 && PG_GETARG_BOOL(1), false));
}
