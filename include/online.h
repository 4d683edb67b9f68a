/*-------------------------------------------------------------------------
 *
 * online.h
 *	  Online runs of ordinary migrations (online.c) and explain() (explain.c):
 *	  the one decision of a statement's lock-safe form, and the lock and
 *	  rewrite classification they share with the lint (lint.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATOR_ONLINE_H
#define MIGRATOR_ONLINE_H

#include "migrator.h"

#include "nodes/parsenodes.h"
#include "storage/lockdefs.h"

/* the form a statement runs in when migrator.online is on */
typedef enum OnlineKind
{
	ONLINE_AS_WRITTEN,			/* the statement as the file has it */
	ONLINE_INDEX,				/* CREATE INDEX CONCURRENTLY */
	ONLINE_DROP_INDEX,			/* DROP INDEX CONCURRENTLY */
	ONLINE_NOT_VALID,			/* ADD ... NOT VALID, then VALIDATE */
	ONLINE_NOT_NULL,			/* a validated check, then SET NOT NULL */
	ONLINE_KEY,					/* a unique index built concurrently, then USING INDEX */
	ONLINE_REFUSED				/* rewrites a table above online_rewrite_max */
} OnlineKind;

#define ONLINE_MAX_STEPS 3

typedef struct OnlineStep
{
	char	   *sql;			/* NULL: known once the step before ran */
	bool		top_level;		/* outside a transaction, in the worker */
} OnlineStep;

typedef struct OnlineForm
{
	OnlineKind	kind;
	LOCKMODE	lock;			/* what the statement as written takes ... */
	RangeVar   *rel;			/* ... on this relation (NULL: none that exists) */
	Oid			relid;			/* the table the form works on, if it exists */
	double		rows;			/* its size (rows -1: never counted) */
	int64		bytes;
	const char *effect;			/* "rewrite", "scan" or NULL */
	const char *why;			/* why it rewrites, or runs as written */
	char	   *name;			/* the index or constraint the steps name */
	int			nsteps;
	OnlineStep	steps[ONLINE_MAX_STEPS];
} OnlineForm;

/* lint.c: the classification the lint makes */
extern LOCKMODE migrator_lint_lock(Node *stmt, RangeVar **rel);
extern const char *migrator_lint_rewrites(const RangeVar *rv, AlterTableCmd *cmd);
extern bool migrator_lint_not_null_proven(const RangeVar *rv, const char *column);
extern void migrator_lint_table_size(Oid relid, double *rows, int64 *bytes);
extern List *migrator_lint_set(MigrationSet *set);
extern char *migrator_lint_findings_text(List *findings, const char *path,
										 int from, int to);

/* online.c */
extern int	migrator_online_rewrite_max;	/* kB */
extern void migrator_online_define_gucs(void);
extern Node *migrator_online_parse(const char *sql);
extern OnlineForm *migrator_online_form(const char *sql, Node *stmt,
										const char *name, bool resume);
extern char *migrator_online_form_text(const OnlineForm *f);
extern bool migrator_online_wanted(const Script *s, int arg);
extern bool migrator_online_pending(const Migration *m, const Script *s);
extern void migrator_online_migrate(const MigrationSource *src, Migration *m,
									Script *s);

/* run.c */
extern bool migrator_online_settle_index(const ScriptStmt *ss, const char *path);

#endif							/* MIGRATOR_ONLINE_H */
