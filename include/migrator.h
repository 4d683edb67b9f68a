/*-------------------------------------------------------------------------
 *
 * migrator.h
 *	  Types shared by the stages of migrator's runner pipeline:
 *
 *	  source (files, bytes, checksums) -> layout (versions, order)
 *	  -> plan (journal join) -> script (statements) -> run -> journal
 *
 *	  and the externs of the files around it: GUCs and entry checks
 *	  (migrator.c), lock waits, background workers, journal, deploy role,
 *	  guard, lint, snapshot and drift.  Zero-downtime changes (expand,
 *	  backfill, contract) have their own header, change.h; the diff has
 *	  diff.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATOR_H
#define MIGRATOR_H

#include "postgres.h"

#include "compat.h"

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "nodes/pg_list.h"
#include "nodes/primnodes.h"
#include "storage/block.h"
#include "utils/jsonb.h"
#include "utils/relcache.h"

#define MIGRATOR_SCHEMA "migrator"

/* checksums are SHA-256, kept as lower-case hex */
#define MIGRATOR_CHECKSUM_LEN 64

/* GUCs (migrator.c) */
extern int	migrator_max_file_size; /* in kB */
extern int	migrator_statement_timeout;	/* ms, 0: off */

/* Folder layouts we recognise; a folder holds exactly one. */
typedef enum MigratorLayout
{
	LAYOUT_EMPTY,				/* no migration files at all */
	LAYOUT_FLYWAY,				/* V1_2__desc.sql, R__desc.sql, U1__desc.sql */
	LAYOUT_NUMBERED,			/* 0001_name.sql (dbmate sections inside) */
	LAYOUT_DRIZZLE,				/* numbered + meta/_journal.json */
	LAYOUT_GOLANG,				/* 1_name.up.sql / 1_name.down.sql */
	LAYOUT_PRISMA,				/* 20230101000000_name/migration.sql */
	LAYOUT_DIESEL,				/* 2023-01-01-000000_name/up.sql */
	LAYOUT_DRIZZLE1,			/* 20230101000000_name/migration.sql +
								 * snapshot.json (drizzle-kit 1.0) */
	LAYOUT_SQITCH,				/* sqitch.plan + deploy/ revert/ verify/ */
	LAYOUT_GRAPHILE				/* committed/000001.sql (graphile-migrate) */
} MigratorLayout;

typedef enum LayoutParseResult
{
	PARSE_MIGRATION,			/* a migration that runs forward */
	PARSE_IGNORE,				/* the layout's down or undo script */
	PARSE_INVALID				/* does not fit the layout */
} LayoutParseResult;

typedef enum MigrationKind
{
	MIGRATION_VERSIONED,
	MIGRATION_REPEATABLE
} MigrationKind;

/* One migration found in a folder. */
typedef struct Migration
{
	MigrationKind kind;
	char	   *version;		/* NULL for repeatable migrations */
	char	   *name;			/* description part of the file name */
	char	   *path;			/* relative to the folder */
	int			ordinal;		/* position in apply order, from 0 */
	long		journal_idx;	/* drizzle: idx in meta/_journal.json */
	long		journal_when;	/* drizzle: its "when" (ms), -1 if none */

	/* filled by the source stage */
	char	   *content;		/* file bytes, NUL-terminated */
	int			len;
	char		checksum[MIGRATOR_CHECKSUM_LEN + 1];
	bool		no_transaction; /* diesel metadata.toml: run_in_transaction = false */
	char	   *down_path;		/* its down / undo script, if any */
	bool		down_section;	/* dbmate: the "-- migrate:down" part of path */
	bool		is_down;		/* dbmate: run the "-- migrate:down" section (script.c) */
	bool		down_script;	/* a down script (source_read_down): may be empty */
	char	   *snapshot_id;	/* drizzle-kit 1.0: snapshot.json's "id" */
	int			nparents;		/* ... and its "prevIds" */
	char	  **parents;
	char	   *verify_path;	/* sqitch: its verify script */
	bool		verify_script;	/* a verify script (source_read_verify) */
	char	   *tool_id;		/* sqitch: change id; graphile-migrate: Hash */
	char	   *tool_parent;	/* graphile-migrate: Previous, NULL for "-" */
} Migration;

/*
 * Where a run's files come from: a folder on the server, or a bundle sent
 * by a client, {"relative/path": "contents", ...}.
 */
typedef struct MigrationSource
{
	char	   *dir;			/* absolute folder path, or NULL */
	Jsonb	   *bundle;			/* or the bundle */
	const char *label;			/* the folder, or "bundle", for messages */
} MigrationSource;

/* Every migration of a folder, in apply order. */
typedef struct MigrationSet
{
	const MigrationSource *src;
	MigratorLayout layout;
	int			count;
	Migration **items;
} MigrationSet;

/* One statement of a migration script. */
typedef struct ScriptStmt
{
	int			offset;			/* byte offset of its first token */
	int			len;			/* bytes, without the terminating ';' */
	int			line;			/* 1-based line of its first token */
	const char *top_level;		/* "CREATE INDEX CONCURRENTLY" ... or NULL */
	char	   *index_name;		/* the index a concurrent build creates */
	char	   *index_table_schema;	/* its table, as the statement names it */
	char	   *index_table;
	char	   *index_shape;	/* "btree unique a,b" for a plain column index */
} ScriptStmt;

typedef struct Script
{
	const char *path;
	const char *text;			/* the text that was parsed */
	int			nstmts;
	ScriptStmt *stmts;
	int			nlines;
	int		   *line_starts;	/* byte offset where each line starts */
	bool		no_transaction; /* runs outside a transaction block */
	const char *no_transaction_why; /* the directive or statement that says so */
	int			no_transaction_line;
	char	   *isolation;		/* SET TRANSACTION ISOLATION LEVEL first, or NULL */
	char	   *lock_timeout;	/* -- migrator:lock_timeout=..., or NULL */
	char	   *statement_timeout;	/* -- migrator:statement_timeout=..., or NULL */
	List	   *raw;			/* its parse trees, while script_parse_keep() keeps them */
	MemoryContext parsecxt;		/* where they are, until script_drop_parse() */
} Script;

/* Where one migration stands against the journal. */
typedef enum MigrationState
{
	STATE_APPLIED,
	STATE_PENDING,
	STATE_MODIFIED,
	STATE_MISSING
} MigrationState;

typedef struct JournalRow
{
	char	   *version;		/* NULL for repeatable */
	char	   *name;
	char	   *path;
	char	   *checksum;
	TimestampTz applied_at;
	bool		repeatable;
	bool		matched;		/* plan.c: a folder migration has it */
} JournalRow;

typedef struct PlanEntry
{
	Migration  *migration;		/* NULL when missing */
	JournalRow *applied;		/* NULL when never applied */
	MigrationState state;
	bool		out_of_order;	/* pending, but sorts before an applied one */
	bool		carried;		/* applied as drizzle-kit 0.x's file of this checksum */
} PlanEntry;

typedef struct RunPlan
{
	MigrationSet *set;
	int			count;
	PlanEntry  *entries;		/* folder order, then missing ones */
	int			nproblems;		/* modified + missing + out of order */
} RunPlan;

/* snapshot.c */
extern void *snapshot_schema_jsonb(const char *schema);	/* Jsonb * */
extern void *snapshot_database(void);	/* Jsonb * */
extern void snapshot_record(const char *action);

/* drift.c */
extern void drift_define_gucs(void);
extern void drift_before_run(const char *action);
extern void *drift_keep(const char *action, void *after);	/* Jsonb * */
extern void *drift_without_changes(void *snapshot);	/* Jsonb * */
extern void drift_before_change(const char *action);
extern void drift_after_change(const char *action);

/* worker.c */
extern ErrorData *migrator_try_top_level(const char *sql);
extern ErrorData *migrator_try_query_in_database(Oid dboid, const char *sql,
												 char **result);
extern char *migrator_query_in_database(Oid dboid, const char *sql,
										const char *detail);
extern void migrator_raise(ErrorData *err, const char *extra_detail);
extern void migrator_run_top_level(const char *sql);

/* retry.c: subtransactions, and lock waits retried with backoff */
#define MIGRATOR_BACKOFF_MAX_MS 10000.0	/* the longest sleep between lock attempts */
extern int	migrator_lock_timeout;
extern int	migrator_lock_retries;
typedef void (*MigratorWork) (void *arg);
typedef bool (*MigratorOnError) (ErrorData *edata, void *arg);
extern bool migrator_subxact_try(MigratorWork fn, void *arg, MigratorOnError on_error);
extern void migrator_subxact_discard(MigratorWork fn, void *arg);
extern void migrator_exec_statement(const char *sql);
extern bool migrator_lock_failed(ErrorData *edata, void *arg);
extern void migrator_retry_on_lock(MigratorWork fn, void *arg, const char *what);
extern void migrator_retry_on_lock_timeout(MigratorWork fn, void *arg,
										   const char *what);

/* run.c */
/* what a run is about to execute */
typedef struct RunStep
{
	Migration  *migration;
	Script	   *script;
	Script	   *verify;			/* sqitch: its verify script, or NULL */
} RunStep;

/* a procedure's run (migrate(), revert_to()) */
typedef struct MigrateState
{
	const MigrationSource *src;
	const char *target;
	MigrationSet *set;
	List	   *steps;
	RunStep    *step;
} MigrateState;

struct ReturnSetInfo;
extern double migrator_run_script(Script *s);
extern void migrator_migrate_guarded(const char *action, const MigrationSource *src,
									 Migration *m, MigratorWork work, void *arg);
extern void migrator_run_no_transaction(const MigrationSource *src, RunStep *step,
										const char *action);
extern void migrator_procedure_check(FunctionCallInfo fcinfo, const char *call,
									 const char *detail, const char *hint);
extern void migrator_procedure_begin(const char *name, MemoryContext *runcxt,
									 MemoryContext *stepcxt, MemoryContext *oldcxt);
extern void migrator_procedure_end(MemoryContext runcxt, MemoryContext oldcxt);
extern void migrator_check_isolation(void);
extern void migrator_put_row(struct ReturnSetInfo *rsinfo, Migration *m,
							 const char *action, double ms, bool has_ms);
extern char *migrator_summary(const char *verb, int n);

/* guard.c */
extern int	migrator_guard_level;
extern Oid	migrator_guard_scratch;
extern void migrator_guard_init(void);

/* migrator.c */
extern void migrator_spi_connect(int options);
extern void migrator_check_privileges(void);
extern char *migrator_checked_dir(text *dir);
extern MigrationSource *migrator_source_arg(FunctionCallInfo fcinfo, int argno);
extern int	migrator_line_at(const int *line_starts, int nlines, int offset);

/* source.c */
extern MigrationSource *source_folder(const char *dir);
extern MigrationSource *source_bundle(Jsonb *bundle);
extern MigrationSet *source_read(const MigrationSource *src);
extern MigrationSet *source_read_folder(const char *dir);
extern char *source_read_file(const MigrationSource *src, const char *relpath,
							  int *len, bool missing_ok);
extern void source_sha256_hex(const char *data, int len, char *hex);
extern void source_sha1_hex(const char *data, int len, char *hex);
extern Migration *source_read_down(MigrationSet *set, Migration *m);
extern Migration *source_read_verify(MigrationSet *set, Migration *m);

/* sourcetext.c: the text a source holds besides migrations */
typedef struct DirEntry
{
	char	   *name;
	bool		is_dir;
} DirEntry;
extern DirEntry *source_list_sub(const MigrationSource *src, const char *sub,
								 int *count);
extern int	source_entry_cmp(const void *a, const void *b);
extern const char *bundle_key_problem(const char *key);
extern int	bundle_entries(char **keys, int nkeys, DirEntry *entries,
						   const char **conflict);
extern bool diesel_toml_no_transaction(char *toml);

/* layout.c */
extern const char *layout_name(MigratorLayout layout);
extern int	layout_compare_versions(MigratorLayout layout, const char *a,
									const char *b);
extern LayoutParseResult layout_parse_name(MigratorLayout layout,
										  const char *fname, Migration *m);
extern MigratorLayout layout_classify_file(const char *fname);
extern void layout_sort(MigrationSet *set);

/* script.c */
extern Script *script_parse(const Migration *m);
extern Script *script_parse_keep(const Migration *m);
extern void script_drop_parse(Script *s);
extern Script *script_read(const Migration *m);
extern List *script_raw_parse(Script *s);
extern const char *script_top_level_statement(Node *node);
extern int	script_first_token(const int *locs, int n, int offset);
extern int	migrator_token_ident(void);
extern int	migrator_token_sconst(void);
extern int	migrator_token_typecast(void);
extern int	migrator_token_keyword(const char *keyword);

/* lint.c */
typedef enum LintMode
{
	LINT_OFF,
	LINT_WARN,
	LINT_ERROR
} LintMode;

extern int	migrator_lint_mode;
extern void lint_define_gucs(void);
typedef struct LintState LintState;
extern LintState *lint_pending_begin(void);
extern void lint_pending_add(LintState *ls, Script *s);
extern void lint_pending_end(LintState *ls);

/* directive.c: a migration's own directives and dbmate sections */
extern void keep_dbmate_up_section(char *text, int len);
extern void keep_dbmate_down_section(char *text, int len);
extern void blank_pg_dump_restrict(char *text, int len);
extern char *value_directive(const char *text, int len, const char *key);
extern const char *no_transaction_directive(const char *text, int len,
											int *line);

/* plan.c */
extern RunPlan *plan_build(MigrationSet *set);
extern int	plan_find_target(RunPlan *plan, const char *target);
extern int	plan_find_version(RunPlan *plan, const char *version);
extern void plan_check(RunPlan *plan, const char *action);
extern const char *plan_state_name(MigrationState state);
extern const char *plan_entry_state(const PlanEntry *e);
extern void plan_carry_over(RunPlan *plan, const char *dir);
extern void plan_define_gucs(void);

/* drizzle1.c: drizzle-kit 1.0 folders */
extern bool drizzle1_is_snapshot_dir(const MigrationSource *src, const char *sub);
extern void drizzle1_read_snapshot(const MigrationSource *src, Migration *m);
extern bool drizzle1_parents_applied(RunPlan *plan, int i);
extern int64 drizzle1_folder_millis(const char *folder);

/* sqitch.c: Sqitch projects (sqitch.plan) */
#define SQITCH_PLAN "sqitch.plan"
extern List *sqitch_read_plan(const MigrationSource *src);
extern char *sqitch_project(const MigrationSource *src);

/* graphile.c: graphile-migrate folders (committed/, hash chain) */
#define GRAPHILE_COMMITTED "committed"
extern bool graphile_is_folder(const MigrationSource *src, DirEntry *entries, int n);
extern List *graphile_list(const MigrationSource *src);
extern void graphile_check_chain(MigrationSet *set);

/* journal.c */
extern List *journal_read(void);
extern void journal_record(const Migration *m, double duration_ms,
						   int nstmts);
extern void journal_forget(const Migration *m);
extern void journal_record_origin(const Migration *m, double duration_ms,
								  int nstmts, const char *origin);
extern void journal_log_event(const char *action, const char *dir,
							  const Migration *m, bool success,
							  const char *sqlstate, const char *message,
							  const char *detail, const char *context);
extern void journal_batch_begin(void);
extern void journal_batch_end(void);
extern void journal_lock(void);
extern void journal_lock_session(void);
extern bool journal_lock_held(void);
extern void journal_unlock_session(void);
extern void journal_no_transaction_begin(void);
extern void journal_no_transaction_end(void);
extern char *migrator_spi_text(const char *sql, int nargs, Oid *types,
							   Datum *values, bool read_only);
extern void migrator_exec_as_owner(const char *sql, int nargs, Oid *types,
								   Datum *values, const char *nulls);

/* deploy.c: the extension owner's part of a deployer's calls */
typedef struct MigratorOwnerSwitch
{
	Oid			userid;
	int			sec;
	int			nest;
} MigratorOwnerSwitch;

extern void migrator_owner_begin(MigratorOwnerSwitch *s);
extern void migrator_owner_end(MigratorOwnerSwitch *s);
extern void migrator_check_ops_owned(Jsonb *ops, const char *change);
extern void migrator_check_change_owned(const char *change);
extern void migrator_version_schema_create(const char *schema);
extern void migrator_version_schema_ready(const char *schema);
extern void migrator_scratch_schema_create(const char *schema);

#endif							/* MIGRATOR_H */
