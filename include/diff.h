/*-------------------------------------------------------------------------
 *
 * diff.h
 *	  What the parts of migrator.diff() share: the statements they emit,
 *	  the two snapshots they compare and the helpers that read them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATOR_DIFF_H
#define MIGRATOR_DIFF_H

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

/*
 * What a statement does to the object it acts on, for the order
 * (diff_order.c): creates it (or gives it its new definition), alters it in
 * place, drops it, or only sets its comment or grants.
 */
#define ACT_CREATE	'c'
#define ACT_ALTER	'a'
#define ACT_DROP	'd'
#define ACT_META	'm'

/*
 * The statements so far, each with its hazard (NULL: none), the objects it
 * acts on, as the snapshot's "depends" names them (NIL: none; more than one
 * for a DROP TABLE of several), how, and objects it needs beyond those its
 * objects depend on (NIL: none).  The statements diff_emit() adds act on the
 * object diff_on() named last.
 */
typedef struct DiffOut
{
	List	   *statements;
	List	   *hazards;
	const char *schema;			/* the source schema */
	List	   *objects;		/* List * of names */
	List	   *acts;			/* int */
	List	   *needs;			/* List * of names */
	char	   *object;			/* what the next statements act on */
	char		act;
	bool		meta;			/* in diff_emit_comment() or diff_emit_grants() */
	/* generate(): what of the schema itself the desired file leaves alone */
	bool		keep_schema_comment;
	bool		keep_schema_grants;
	bool		keep_extensions;	/* extensions the file does not create */
	const char *schema_owner;	/* the owner it gives the schema, if another */
	bool		keep_default_privileges;	/* generate(): left alone */
	JsonbContainer *default_privileges;	/* the source schema's: what the
										 * objects the diff creates get */
	List	   *rename_hints;	/* diff_renames.c: hints (generate()'s file, diff()'s renames) */
} DiffOut;

/* one schema's snapshot, by kind of object (NULL: none of that kind) */
typedef struct Snap
{
	JsonbContainer *schema;
	JsonbContainer *extensions;
	JsonbContainer *tables;
	JsonbContainer *views;
	JsonbContainer *sequences;
	JsonbContainer *enums;
	JsonbContainer *domains;
	JsonbContainer *composites;
	JsonbContainer *ranges;
	JsonbContainer *functions;
	JsonbContainer *depends;	/* {name: [names]}: see snapshot.c */
	JsonbContainer *root;		/* the whole snapshot: the kinds of diff_kinds.c */
	JsonbContainer *statistics;
	JsonbContainer *default_privileges;
	JsonbContainer *foreign_servers;
	JsonbContainer *identity;	/* {"KIND NAME": [oid], "database": [...]}: see snapshot.c */
} Snap;

/* a diff under way: what it compares and what it found */
typedef struct Diff
{
	DiffOut    *out;
	Snap		src;
	Snap		dst;
	List	   *rebuilt_views;	/* dropped first, re-created at the end */
	List	   *recreated_enums;	/* re-created: the columns of that type too */
	struct HTAB *rebuilt;		/* names (as in "depends") of what both have
								 * that is dropped and created again (NULL:
								 * none) */
	List	   *renamed;		/* diff_renames.c: the RENAME statements, first */
	List	   *maybe_renames;	/* pairs: "table NAME" / "column T.C", its hazard */
} Diff;

/* snapshot.c: snapshots that share deparsed definitions (a diff's two) */
typedef struct SnapshotMemo SnapshotMemo;
extern SnapshotMemo *snapshot_memo_create(void);
extern void snapshot_memo_set_owners(SnapshotMemo *memo, bool owners);
extern void *snapshot_schema_memo(const char *schema, SnapshotMemo *memo);	/* Jsonb * */

/* depends.c: what depends on what among a schema's objects */
typedef struct DependNames DependNames;
extern DependNames *depends_names_create(Oid nspid);
extern void depends_name(DependNames *names, Oid classid, Oid objid, const char *name);
extern Jsonb *snapshot_depends(DependNames *names, Oid nspid);

/* desired.c: generate()'s desired-state file, and what it sets of the schema */
typedef struct DesiredSchema
{
	bool		sets_comment;	/* COMMENT ON SCHEMA */
	bool		sets_grants;	/* GRANT / REVOKE ON SCHEMA */
	bool		sets_owner;		/* ALTER SCHEMA ... OWNER TO, CREATE SCHEMA
								 * ... AUTHORIZATION */
	Oid			owner;
} DesiredSchema;
extern void desired_load(const char *text, const char *target, const char *scratch,
						 DesiredSchema *ds);

/* jsonb_object.c */
extern Jsonb *jsonb_object_of(int n, const char *const *keys, Jsonb *const *values);

/* diff_util.c */
extern void diff_emit(DiffOut *out, const char *hazard, const char *fmt,...) pg_attribute_printf(3, 4);
extern void diff_on(DiffOut *out, char act, const char *kind, const char *name);
extern void diff_on_part(DiffOut *out, char act, const char *kind, const char *owner,
						 const char *name);
extern void diff_needs(DiffOut *out, const char *kind, const char *name);
extern void diff_also(DiffOut *out, const char *kind, const char *name);
extern JsonbContainer *diff_get_obj(JsonbContainer *c, const char *key);
extern char *diff_get_text(JsonbContainer *c, const char *key);
extern char *diff_need_text(JsonbContainer *c, const char *key);
extern bool diff_get_bool(JsonbContainer *c, const char *key);
extern int	diff_get_int(JsonbContainer *c, const char *key);
extern bool diff_same(JsonbContainer *a, JsonbContainer *b, const char *key);
extern List *diff_keys_of(JsonbContainer *c);
extern List *diff_array_of(JsonbContainer *c, const char *key);
extern bool diff_has_key(JsonbContainer *c, const char *key);
extern bool diff_str_member(List *list, const char *s);
extern char *diff_q(DiffOut *out, const char *name);
extern const char *diff_literal_or_null(const char *s);
extern List *diff_by_position(JsonbContainer *columns);
extern List *diff_sort_by_deps(List *names, JsonbContainer *objects, const char *deps_key);
extern void diff_emit_comment(DiffOut *out, const char *kind, const char *target,
						 JsonbContainer *s, JsonbContainer *d);
extern void diff_emit_grants(DiffOut *out, const char *on, const char *column,
						JsonbContainer *s, JsonbContainer *d);

/* diff_types.c: enums, domains, composite and range types */
extern void diff_find_recreated_enums(Diff *diff);
extern void diff_types_create(Diff *diff);
extern void diff_domains_complete(Diff *diff);
extern void diff_types_drop(Diff *diff);
extern void diff_domains_detach(Diff *diff);
extern void diff_enum_columns(Diff *diff, const char *table, const char *column,
							  JsonbContainer *d);
extern void diff_enums_drop_old(Diff *diff);
extern bool diff_is_recreated_enum(Diff *diff, const char *type);

/* diff_objects.c: the schema, extensions, sequences, functions */
extern void diff_extensions_create(Diff *diff);
extern void diff_sequences_create(Diff *diff);
extern void diff_sequences_own(Diff *diff);
extern void diff_functions_create(Diff *diff, int phase);
extern void diff_schema(Diff *diff);
extern void diff_objects_drop(Diff *diff);
extern void diff_functions_drop_dependent(Diff *diff);
extern void diff_extensions_drop(Diff *diff);
extern bool diff_function_replaced(JsonbContainer *s, JsonbContainer *d);
extern bool diff_schema_absent(JsonbContainer *schema);
extern void diff_schema_create_drop(Diff *diff, int start);

/* diff_tables.c: tables with their columns, keys, indexes, triggers, policies */
extern void diff_tables_drop_foreign_keys(Diff *diff);
extern void diff_tables_drop_parts(Diff *diff);
extern void diff_tables_create(Diff *diff);
extern void diff_tables_alter(Diff *diff);
extern void diff_tables_add_parts(Diff *diff);
extern void diff_tables_drop(Diff *diff);
extern bool diff_columns_change(Diff *diff, JsonbContainer *a, JsonbContainer *b);
extern bool diff_column_recreated(JsonbContainer *s, JsonbContainer *d);
extern void diff_indexes(Diff *diff, const char *table, JsonbContainer *s,
						 JsonbContainer *d, bool concurrent);
extern void diff_drop_indexes(Diff *diff, JsonbContainer *s, JsonbContainer *d, bool concurrent);

/* diff_order.c */
extern void diff_find_rebuilt(Diff *diff);
extern bool diff_is_rebuilt(Diff *diff, const char *kind, const char *name);
extern bool diff_is_rebuilt_part(Diff *diff, const char *kind, const char *owner, const char *name);
extern void diff_order(DiffOut *out, int start, JsonbContainer *src_depends,
					   JsonbContainer *dst_depends);

/* diff_renames.c: renames by identity and by hints */
extern List *diff_rename_hints_of_file(const char *text);
extern List *diff_rename_hints_of_array(Jsonb *renames);
extern void diff_rename_hints_check(List *hints);
extern Jsonb *diff_renames(Diff *diff, JsonbContainer *srcc, List *hints);
extern const char *diff_drop_hazard(Diff *diff, const char *what, const char *name);

/* diff_views.c */
extern List *diff_views_to_drop(Diff *diff);
extern void diff_views_drop(Diff *diff);
extern void diff_views_create(Diff *diff);

/* diff_kinds.c: collations, text search, aggregates, operators, operator classes */
extern void diff_kinds_create(Diff *diff, int phase);
extern void diff_kinds_drop(Diff *diff);
extern List *diff_kinds_changed(Diff *diff);
extern int	diff_kinds_rebuildable(Diff *diff, const char *noun, const char *name);
extern void diff_kinds_labels(Diff *diff);
/* diff_relkinds.c: statistics objects, inheritance, default privileges, owners, foreign tables */
extern void diff_statistics_drop(Diff *diff);
extern void diff_statistics_create(Diff *diff);
extern char *diff_local_parent(const char *parent);
extern char *diff_inherits_clause(DiffOut *out, JsonbContainer *dt);
extern bool diff_inherited_via_parent(Diff *diff, JsonbContainer *st, JsonbContainer *dt, const char *c);
extern bool diff_column_comes_with_parent(Diff *diff, JsonbContainer *st, JsonbContainer *dt,
										  const char *c);
extern void diff_inherits_detach(Diff *diff, const char *t, JsonbContainer *st, JsonbContainer *dt);
extern void diff_inherits_attach(Diff *diff, const char *t, JsonbContainer *st, JsonbContainer *dt);
extern void diff_inherited_columns(Diff *diff, const char *t, JsonbContainer *dt);
extern void diff_default_privileges(Diff *diff);
extern void diff_owners(Diff *diff, int start);
extern bool diff_is_foreign(JsonbContainer *t);
extern char *diff_generic_options(List *options);
extern void diff_alter_generic_options(DiffOut *out, const char *prefix, List *from, List *to);
extern void diff_servers_create(Diff *diff);

#endif							/* MIGRATOR_DIFF_H */
