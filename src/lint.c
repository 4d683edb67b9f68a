/*-------------------------------------------------------------------------
 *
 * lint.c
 *	  Safety lint: the statements of a migration that would lock a busy
 *	  table for long, rewrite it, or break the application still running
 *	  against it, found before anything runs.
 *
 *	  The text is parsed with PostgreSQL's own parser (raw_parser) and its
 *	  tokens scanned with the core scanner; the parse trees are walked with
 *	  the live catalog at hand where the answer depends on it: a column's
 *	  current type (is a type change binary-coercible?), a function's
 *	  volatility (does a default rewrite the table?), a validated CHECK
 *	  that makes SET NOT NULL free.  A relation the linted texts create
 *	  (earlier in the same text, or in an earlier pending migration) is
 *	  new: locking or rewriting it harms nobody.  Any other relation is
 *	  taken to exist, since the statement needs it.
 *
 *	  The texts are linted as migrator's runner executes them: a migration
 *	  is one transaction (BEGIN; ... COMMIT; blocks only group statements)
 *	  with lock_timeout set, unless it runs outside a transaction block, a
 *	  statement at a time in a background worker without lock_timeout.
 *
 *	  A finding about an existing relation ends with the relation's size in
 *	  the database at hand (rows from reltuples, bytes from
 *	  pg_total_relation_size).  Each rule has a class: safety (locks,
 *	  rewrites, breakage) or style (a design choice); the runner reports
 *	  safety findings one by one and, by default, style findings as one
 *	  line per rule and run (GUC migrator.lint_style).
 *
 *	  Entry points: migrator.lint(sql), migrator.lint_dir(dir), and
 *	  lint_pending_begin() / _add() / _end(), which the runner calls for
 *	  the scripts it is about to run, before running anything (GUC
 *	  migrator.lint: off, warn, error).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "parser/parse_target.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "storage/lmgr.h"
#include "storage/lockdefs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "migrator.h"
#include "online.h"

PG_FUNCTION_INFO_V1(migrator_lint);
PG_FUNCTION_INFO_V1(migrator_lint_dir);

/* lint findings of the runner's files are refused in error mode with this */
#define ERRCODE_MIGRATOR_LINT MAKE_SQLSTATE('M','L','0','0','1')

int			migrator_lint_mode = LINT_WARN;

/* how the runner reports findings of class style (migrator.lint_style) */
typedef enum LintStyleMode
{
	LINT_STYLE_OFF,
	LINT_STYLE_SUMMARY,
	LINT_STYLE_FULL,
	LINT_STYLE_ERROR
} LintStyleMode;

static int	migrator_lint_style = LINT_STYLE_SUMMARY;

static const struct config_enum_entry lint_style_options[] = {
	{"off", LINT_STYLE_OFF, false},
	{"summary", LINT_STYLE_SUMMARY, false},
	{"full", LINT_STYLE_FULL, false},
	{"error", LINT_STYLE_ERROR, false},
	{NULL, 0, false}
};

static const struct config_enum_entry lint_mode_options[] = {
	{"off", LINT_OFF, false},
	{"warn", LINT_WARN, false},
	{"error", LINT_ERROR, false},
	{NULL, 0, false}
};

/* the rules, in the README's order */
typedef enum LintRuleId
{
	R_VOLATILE_DEFAULT,
	R_NOT_NULL_FIELD,
	R_NOT_VALID,
	R_SET_NOT_NULL,
	R_COLUMN_TYPE,
	R_INDEX_CREATION,
	R_INDEX_DELETION,
	R_REINDEX,
	R_CONCURRENTLY_IN_XACT,
	R_UNIQUE_CONSTRAINT,
	R_RENAME_COLUMN,
	R_RENAME_TABLE,
	R_DROP_COLUMN,
	R_DROP_TABLE,
	R_DROP_DATABASE,
	R_DROP_NOT_NULL,
	R_TRUNCATE_CASCADE,
	R_BIGINT_KEY,
	R_IDENTITY,
	R_JSONB,
	R_TIMESTAMPTZ,
	R_TEXT_FIELD,
	R_CHAR_FIELD,
	R_LOCK_TIMEOUT,
	R_ENUM_VALUE,
	R_IDENTIFIER,
	R_OPEN_XACT,
	R_AFTER_EXCLUSIVE,
	R_UNKNOWN_RULE,
	R_COUNT
} LintRuleId;

typedef struct LintRule
{
	const char *name;
	bool		error;			/* severity error, else warning */
	bool		style;			/* class style (a design choice), else safety */
} LintRule;

static const LintRule lint_rules[R_COUNT] = {
	[R_VOLATILE_DEFAULT] = {"adding-volatile-default", true},
	[R_NOT_NULL_FIELD] = {"adding-not-null-field", true},
	[R_NOT_VALID] = {"constraint-missing-not-valid", true},
	[R_SET_NOT_NULL] = {"setting-not-null", true},
	[R_COLUMN_TYPE] = {"changing-column-type", true},
	[R_INDEX_CREATION] = {"require-concurrent-index-creation", true},
	[R_INDEX_DELETION] = {"require-concurrent-index-deletion", false},
	[R_REINDEX] = {"require-concurrent-reindex", true},
	[R_CONCURRENTLY_IN_XACT] = {"concurrently-in-transaction", true},
	[R_UNIQUE_CONSTRAINT] = {"disallowed-unique-constraint", true},
	[R_RENAME_COLUMN] = {"renaming-column", true},
	[R_RENAME_TABLE] = {"renaming-table", true},
	[R_DROP_COLUMN] = {"dropping-column", true},
	[R_DROP_TABLE] = {"dropping-table", true},
	[R_DROP_DATABASE] = {"dropping-database", true},
	[R_DROP_NOT_NULL] = {"dropping-not-null", false},
	[R_TRUNCATE_CASCADE] = {"truncate-cascade", true},
	[R_BIGINT_KEY] = {"prefer-bigint-key", false, true},
	[R_IDENTITY] = {"prefer-identity", false, true},
	[R_JSONB] = {"prefer-jsonb", false, true},
	[R_TIMESTAMPTZ] = {"prefer-timestamptz", false, true},
	[R_TEXT_FIELD] = {"prefer-text-field", false, true},
	[R_CHAR_FIELD] = {"ban-char-field", false, true},
	[R_LOCK_TIMEOUT] = {"missing-lock-timeout", false},
	[R_ENUM_VALUE] = {"enum-value-used-in-transaction", true},
	[R_IDENTIFIER] = {"identifier-too-long", false, true},
	[R_OPEN_XACT] = {"transaction-left-open", true},
	[R_AFTER_EXCLUSIVE] = {"statement-after-access-exclusive", false},
	[R_UNKNOWN_RULE] = {"unknown-rule", false},
};

typedef struct LintFinding
{
	const char *path;			/* the migration, NULL for lint(sql) */
	int			line;			/* 1-based */
	int			col;			/* 1-based, in characters */
	int			seq;			/* order found, to sort stably */
	LintRuleId	rule;
	char	   *message;
	char	   *hint;
} LintFinding;

/* a relation the texts linted so far create */
typedef struct CreatedRel
{
	char		name[NAMEDATALEN];	/* hash key */
	bool		unqualified;	/* created without a schema name */
	List	   *schemas;		/* the schema names it was created with */
} CreatedRel;

/* what lasts from one text to the next (the runner's pending files) */
struct LintState
{
	MemoryContext cxt;			/* findings and the created relations */
	HTAB	   *created;
	List	   *findings;
	List	   *size_relids;	/* the relations whose size was read ... */
	List	   *size_texts;		/* ... and the text of it, in step */
};

/* one text being linted */
typedef struct LintText
{
	LintState  *ls;
	Script	   *s;
	int			len;
	int		   *tokens;			/* where each token starts */
	int			ntokens;
	List	   *long_idents;	/* offsets of identifiers over 63 bytes */
	int			stmt_start;		/* first token of the current statement */
	int			stmt_end;
	int			stmt_line;
	List	   *allow_file;		/* rule names allowed in the whole text */
	List	   *allow_stmt;		/* ... in the current statement */
	int			header_lines;	/* the comment lines that open the text */
	bool		transactional;	/* one transaction around the whole text */
	bool		in_block;		/* inside BEGIN; ... COMMIT; */
	int			block_start;
	List	   *block_allow;
	int			lock_timeout;	/* ms, 0: off */
	int			statement_timeout;
	bool		timeout_reported;
	const char *exclusive_rel;	/* holds ACCESS EXCLUSIVE on it ... */
	const char *exclusive_size;	/* (its size) */
	int			exclusive_line; /* ... since this line */
	bool		exclusive_reported;
	List	   *enum_values;	/* values this transaction added to enums */
	List	   *enum_labels;	/* every value the text adds to an enum */
	List	   *enum_literals;	/* string literals of those values */
} LintText;

/* a string literal that spells a value the text adds to an enum */
typedef struct EnumLiteral
{
	int			offset;
	String	   *value;
} EnumLiteral;

void
lint_define_gucs(void)
{
	DefineCustomEnumVariable("migrator.lint",
							 "Lint pending migrations before a run: off, warn or error.",
							 "warn raises a WARNING per finding; error refuses to run when a finding has severity error.",
							 &migrator_lint_mode,
							 LINT_WARN,
							 lint_mode_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomEnumVariable("migrator.lint_style",
							 "How the runner reports lint findings of class style: off, summary, full or error.",
							 "summary: one WARNING per style rule and run; full: a WARNING per finding; error: as full, and migrator.lint = error refuses the run on them too.",
							 &migrator_lint_style,
							 LINT_STYLE_SUMMARY,
							 lint_style_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

/* ---------------------------------------------------------------------
 * Findings and suppression
 * ---------------------------------------------------------------------
 */

static int
lint_rule_by_name(const char *name, int len)
{
	for (int i = 0; i < R_COUNT; i++)
		if ((int) strlen(lint_rules[i].name) == len &&
			strncmp(lint_rules[i].name, name, len) == 0)
			return i;
	return -1;
}

static int
lint_line_at(LintText *lt, int offset)
{
	return migrator_line_at(lt->s->line_starts, lt->s->nlines, offset);
}

static const char *lint_rel_size(LintText *lt, const RangeVar *rv);

static void
lint_add(LintText *lt, int offset, LintRuleId rule, List *allow, const char *message,
		 const char *hint)
{
	LintState  *ls = lt->ls;
	MemoryContext old;
	LintFinding *f;
	int			line;
	ListCell   *lc;

	foreach(lc, list_concat_copy(lt->allow_file, allow))
	{
		const char *name = lfirst(lc);

		if (strcmp(name, "all") == 0 || strcmp(name, lint_rules[rule].name) == 0)
			return;
	}
	old = MemoryContextSwitchTo(ls->cxt);
	f = palloc(sizeof(LintFinding));
	line = lint_line_at(lt, offset);
	f->path = lt->s->path;
	f->line = line;
	f->col = pg_mbstrlen_with_len(lt->s->text + lt->s->line_starts[line - 1],
								  offset - lt->s->line_starts[line - 1]) + 1;
	f->seq = list_length(ls->findings);
	f->rule = rule;
	f->message = pstrdup(message);
	f->hint = hint ? pstrdup(hint) : NULL;
	ls->findings = lappend(ls->findings, f);
	MemoryContextSwitchTo(old);
}

/* a finding in the current statement, at a parse location (-1: its start) */
static void
lint_report(LintText *lt, int location, LintRuleId rule, const char *message,
			const char *hint)
{
	lint_add(lt, location >= 0 ? location : lt->stmt_start, rule,
			 lt->allow_stmt, message, hint);
}

/*
 * A finding about an existing relation: the message ends with its size in
 * the database at hand, when the database has it.
 */
static void
lint_report_rel(LintText *lt, int location, LintRuleId rule, const RangeVar *rv,
				const char *message, const char *hint)
{
	lint_report(lt, location, rule, psprintf("%s%s", message, lint_rel_size(lt, rv)), hint);
}

/* line n (1-based) of the text, without its end of line */
static const char *
lint_line(LintText *lt, int n, int *len)
{
	const char *start = lt->s->text + lt->s->line_starts[n - 1];
	const char *end = n < lt->s->nlines ?
		lt->s->text + lt->s->line_starts[n] - 1 : lt->s->text + lt->len;

	while (end > start && end[-1] == '\r')
		end--;
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	*len = end - start;
	return start;
}

/*
 * The rules a "-- migrator:allow a, b" comment line names, added to list.
 * An unknown name is a finding of its own (unless report is false).
 */
static List *
lint_parse_allow(LintText *lt, int n, List *list, bool report)
{
	static const char prefix[] = "-- migrator:allow";
	int			len;
	const char *p = lint_line(lt, n, &len);
	const char *end = p + len;

	if (len < (int) strlen(prefix) || strncmp(p, prefix, strlen(prefix)) != 0)
		return list;
	p += strlen(prefix);
	for (;;)
	{
		const char *name;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		name = p;
		while (p < end && (isalnum((unsigned char) *p) || *p == '-' || *p == '_'))
			p++;
		if (p == name)
			break;
		if (lint_rule_by_name(name, p - name) >= 0 ||
			(p - name == 3 && strncmp(name, "all", 3) == 0))
			list = lappend(list, pnstrdup(name, p - name));
		else if (report)
			lint_add(lt, name - lt->s->text, R_UNKNOWN_RULE, NIL,
					 psprintf("\"-- migrator:allow\" names no lint rule \"%.*s\"",
							  (int) (p - name), name),
					 "The rules are listed in the Lint section of migrator's README.");
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || *p != ',')
			break;
		p++;
	}
	return list;
}

static bool
lint_is_comment_line(LintText *lt, int n)
{
	int			len;
	const char *p = lint_line(lt, n, &len);

	return len >= 2 && p[0] == '-' && p[1] == '-';
}

/* the comment lines that open the text: what they allow counts everywhere */
static void
lint_read_header(LintText *lt)
{
	int			n;

	for (n = 1; n <= lt->s->nlines; n++)
	{
		int			len;

		(void) lint_line(lt, n, &len);
		if (len > 0 && !lint_is_comment_line(lt, n))
			break;
		lt->allow_file = lint_parse_allow(lt, n, lt->allow_file, true);
	}
	lt->header_lines = n - 1;
}

/* the comment lines right above the current statement */
static void
lint_read_statement_allow(LintText *lt)
{
	lt->allow_stmt = NIL;
	for (int n = lt->stmt_line - 1; n >= 1 && lint_is_comment_line(lt, n); n--)
		lt->allow_stmt = lint_parse_allow(lt, n, lt->allow_stmt,
										  n > lt->header_lines);
}

/* ---------------------------------------------------------------------
 * Relations: new (created by the linted texts) or existing
 * ---------------------------------------------------------------------
 */

static void
lint_created(LintText *lt, const char *schema, const char *name)
{
	bool		found;
	CreatedRel *e = hash_search(lt->ls->created, name, HASH_ENTER, &found);
	MemoryContext old = MemoryContextSwitchTo(lt->ls->cxt);

	if (!found)
	{
		e->unqualified = false;
		e->schemas = NIL;
	}
	if (schema == NULL)
		e->unqualified = true;
	else
		e->schemas = lappend(e->schemas, pstrdup(schema));
	MemoryContextSwitchTo(old);
}

static bool
lint_is_new(LintText *lt, const RangeVar *rv)
{
	CreatedRel *e = hash_search(lt->ls->created, rv->relname, HASH_FIND, NULL);
	ListCell   *lc;

	if (e == NULL)
		return false;
	if (rv->schemaname == NULL || e->unqualified)
		return true;
	foreach(lc, e->schemas)
		if (strcmp(lfirst(lc), rv->schemaname) == 0)
			return true;
	return false;
}

static Oid
lint_relid(const RangeVar *rv)
{
	return RangeVarGetRelid(rv, NoLock, true);
}

static char *
rv_name(const RangeVar *rv)
{
	return rv->schemaname ? psprintf("%s.%s", rv->schemaname, rv->relname) :
		pstrdup(rv->relname);
}

/* ---------------------------------------------------------------------
 * Sizes: how big an existing relation is in the database being migrated
 * ---------------------------------------------------------------------
 */

/*
 * The bytes of a relation with its indexes and TOAST
 * (pg_total_relation_size), or, when another session holds a lock that
 * would make us wait, the pages of its last VACUUM or ANALYZE (*exact
 * false).  The lint never waits for a lock.
 */
static int64
rel_bytes(Oid relid, int32 relpages, bool *exact)
{
	int64		bytes = (int64) Max(relpages, 0) * BLCKSZ;

	*exact = false;
	if (!ConditionalLockRelationOid(relid, AccessShareLock))
		return bytes;
	if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
	{
		bytes = DatumGetInt64(DirectFunctionCall1(pg_total_relation_size,
												  ObjectIdGetDatum(relid)));
		*exact = true;
	}
	UnlockRelationOid(relid, AccessShareLock);
	return bytes;
}

/*
 * Rows (reltuples: as of the last VACUUM, ANALYZE or CREATE INDEX, -1 when
 * never counted) and bytes of a table, summed over its partitions when it
 * is partitioned.
 */
static void
table_size(Oid relid, double *rows, int64 *bytes, bool *exact)
{
	List	   *rels = get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE ?
		find_all_inheritors(relid, NoLock, NULL) : list_make1_oid(relid);
	ListCell   *lc;

	*rows = 0;
	*bytes = 0;
	*exact = true;
	foreach(lc, rels)
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_class rel;
		bool		ex;

		if (!HeapTupleIsValid(tup))
			continue;
		rel = (Form_pg_class) GETSTRUCT(tup);
		if (rel->relkind != RELKIND_PARTITIONED_TABLE)
		{
			if (rel->reltuples < 0 || *rows < 0)
				*rows = -1;
			else
				*rows += rel->reltuples;
			*bytes += rel_bytes(lfirst_oid(lc), rel->relpages, &ex);
			*exact &= ex;
		}
		ReleaseSysCache(tup);
	}
}

/* "~2.1M rows", "~340 rows", "~1 row" */
static char *
rows_text(double rows)
{
	static const char *const units[] = {"", "K", "M", "B"};
	int			u = 0;

	if (rows < 999.5)
		return psprintf("~%.0f row%s", rows, rows >= 0.5 && rows < 1.5 ? "" : "s");
	while (u < 3 && rows >= 999.5)
	{
		rows /= 1000;
		u++;
	}
	/* one decimal under 10, none when it is 0: ~2.1M, ~3K, ~340K */
	return psprintf("~%.*f%s rows",
					rows < 9.95 && rint(rows * 10) != rint(rows) * 10 ? 1 : 0, rows, units[u]);
}

/*
 * " (books: ~2.1M rows, 340 MB)" for a relation the database has (an
 * index counts as its table), else "".
 */
static char *
lint_size_text(const RangeVar *rv)
{
	Oid			relid = lint_relid(rv);
	char		kind;
	double		rows;
	int64		bytes;
	bool		exact;
	char	   *size;

	if (!OidIsValid(relid))
		return "";
	kind = get_rel_relkind(relid);
	if (kind == RELKIND_INDEX || kind == RELKIND_PARTITIONED_INDEX)
	{
		relid = IndexGetRelation(relid, true);
		kind = OidIsValid(relid) ? get_rel_relkind(relid) : '\0';
	}
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE &&
		kind != RELKIND_MATVIEW)
		return "";
	table_size(relid, &rows, &bytes, &exact);
	size = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
															  Int64GetDatum(bytes))));
	return psprintf(" (%s: %s, %s%s)", get_rel_name(relid),
					rows < 0 ? "never analyzed" : rows_text(rows),
					exact ? "" : "~", size);
}

/* lint_size_text(), read once per relation and lint */
static const char *
lint_rel_size(LintText *lt, const RangeVar *rv)
{
	Oid			relid = lint_relid(rv);
	ListCell   *id;
	ListCell   *text;
	MemoryContext old;
	char	   *size;

	if (!OidIsValid(relid))
		return "";
	forboth(id, lt->ls->size_relids, text, lt->ls->size_texts)
		if (lfirst_oid(id) == relid)
			return lfirst(text);
	size = lint_size_text(rv);
	old = MemoryContextSwitchTo(lt->ls->cxt);
	lt->ls->size_relids = lappend_oid(lt->ls->size_relids, relid);
	lt->ls->size_texts = lappend(lt->ls->size_texts, pstrdup(size));
	MemoryContextSwitchTo(old);
	return size;
}

/* ---------------------------------------------------------------------
 * Types: style rules on the type names a column is declared with
 * ---------------------------------------------------------------------
 */

/* the type's own name, when it is unqualified or in pg_catalog */
static const char *
type_base_name(const TypeName *tn)
{
	if (tn == NULL || tn->names == NIL || tn->arrayBounds != NIL)
		return "";
	if (list_length(tn->names) == 2 &&
		strcmp(strVal(linitial(tn->names)), "pg_catalog") != 0)
		return "";
	if (list_length(tn->names) > 2)
		return "";
	return strVal(llast(tn->names));
}

static bool
type_is(const TypeName *tn, const char *const *names)
{
	const char *base = type_base_name(tn);

	for (; *names; names++)
		if (strcmp(base, *names) == 0)
			return true;
	return false;
}

static const char *const serial_types[] = {"serial", "serial4", "smallserial", "serial2", "bigserial", "serial8", NULL};
static const char *const small_serial_types[] = {"serial", "serial4", "smallserial", "serial2", NULL};
static const char *const small_int_types[] = {"int4", "int2", NULL};

static void
lint_column_type(LintText *lt, const char *column, const TypeName *tn)
{
	const char *base = type_base_name(tn);

	if (strcmp(base, "json") == 0)
		lint_report(lt, tn->location, R_JSONB,
					psprintf("column \"%s\" is json", column),
					"Use jsonb: it compares, indexes and deduplicates keys; json keeps the text as written and is reparsed on every use.");
	else if (strcmp(base, "timestamp") == 0)
		lint_report(lt, tn->location, R_TIMESTAMPTZ,
					psprintf("column \"%s\" is timestamp without time zone", column),
					"Use timestamptz: it stores an instant, where timestamp depends on the TimeZone of whoever wrote it.");
	else if (strcmp(base, "varchar") == 0 && tn->typmods != NIL)
		lint_report(lt, tn->location, R_TEXT_FIELD,
					psprintf("column \"%s\" is varchar(n)", column),
					"Use text, with CHECK (char_length(...) <= n) if the limit matters: a CHECK can be replaced NOT VALID, where shrinking a varchar rewrites the table.");
	else if (strcmp(base, "bpchar") == 0)
		lint_report(lt, tn->location, R_CHAR_FIELD,
					psprintf("column \"%s\" is char(n)", column),
					"Use text (or varchar): char(n) pads values with spaces and ignores them in comparisons.");
	if (type_is(tn, serial_types))
		lint_report(lt, tn->location, R_IDENTITY,
					psprintf("column \"%s\" is %s", column, base),
					"Use bigint GENERATED ALWAYS AS IDENTITY (or BY DEFAULT): the sequence then belongs to the column and needs no grants of its own.");
}

/* a key column: int, smallint and their serials run out */
static void
lint_key_type(LintText *lt, const char *column, const TypeName *tn, bool key)
{
	if (type_is(tn, small_serial_types) || (key && type_is(tn, small_int_types)))
		lint_report(lt, tn->location, R_BIGINT_KEY,
					psprintf("key column \"%s\" is %s", column,
							 type_is(tn, small_int_types) ?
							 (strcmp(type_base_name(tn), "int4") == 0 ? "integer" : "smallint") :
							 type_base_name(tn)),
					"Use bigint (bigint GENERATED ALWAYS AS IDENTITY): a 32-bit key runs out at 2^31 values, and widening it later rewrites the table and every referencing one.");
}

static bool
column_is_key(const ColumnDef *cd)
{
	ListCell   *lc;

	foreach(lc, cd->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		if (c->contype == CONSTR_PRIMARY || c->contype == CONSTR_IDENTITY)
			return true;
	}
	return false;
}

/* CREATE TABLE: style of every column, and its key columns */
static void
lint_create_table(LintText *lt, CreateStmt *cs)
{
	ListCell   *lc;
	List	   *pk = NIL;

	if (!(cs->if_not_exists && OidIsValid(lint_relid(cs->relation))))
		lint_created(lt, cs->relation->schemaname, cs->relation->relname);
	foreach(lc, cs->tableElts)
	{
		Constraint *c = (Constraint *) lfirst(lc);

		if (IsA(c, Constraint) && c->contype == CONSTR_PRIMARY)
			pk = list_concat(pk, c->keys);
	}
	foreach(lc, cs->tableElts)
	{
		ColumnDef  *cd = (ColumnDef *) lfirst(lc);
		ListCell   *k;
		bool		key = column_is_key(cd);

		if (!IsA(cd, ColumnDef))
			continue;
		foreach(k, pk)
			key |= strcmp(strVal(lfirst(k)), cd->colname) == 0;
		lint_column_type(lt, cd->colname, cd->typeName);
		lint_key_type(lt, cd->colname, cd->typeName, key);
	}
}

/* ---------------------------------------------------------------------
 * ALTER TABLE
 * ---------------------------------------------------------------------
 */

/* a function call whose every candidate of that name and arity is volatile, or unknown */
static bool
volatile_call_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) node;
		FuncCandidateList cands = FuncnameGetCandidates(fc->funcname,
														list_length(fc->args),
														NIL, true, true, false, true);

		if (cands == NULL)
		{
			*(const char **) context = "cannot be resolved, so it is taken as volatile";
			return true;
		}
		for (; cands; cands = cands->next)
			if (func_volatile(cands->oid) == PROVOLATILE_VOLATILE)
			{
				*(const char **) context = psprintf("calls the volatile function %s()",
													NameListToString(fc->funcname));
				return true;
			}
	}
	return raw_expression_tree_walker(node, volatile_call_walker, context);
}

/*
 * Why adding this column rewrites the table (every row gets a value
 * computed for it), or NULL.
 */
static const char *
added_column_rewrites(ColumnDef *cd)
{
	ListCell   *lc;
	const char *why = NULL;

	if (type_is(cd->typeName, serial_types))
		return "is serial: every row gets a value from a sequence";
	foreach(lc, cd->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		if (c->contype == CONSTR_IDENTITY)
			return "is an identity column: every row gets a value from a sequence";
		if (c->contype == CONSTR_GENERATED)
			return "is a stored generated column: it is computed for every row";
		if (c->contype == CONSTR_DEFAULT && c->raw_expr &&
			volatile_call_walker(c->raw_expr, &why))
			return psprintf("has a default that %s", why);
	}
	return NULL;
}

static Constraint *
column_constraint(ColumnDef *cd, ConstrType type)
{
	ListCell   *lc;

	foreach(lc, cd->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		if (c->contype == type)
			return c;
	}
	return NULL;
}

static void lint_added_constraint(LintText *lt, const RangeVar *rv, Constraint *c,
								  bool column);

static void
lint_add_column(LintText *lt, const RangeVar *rv, ColumnDef *cd, bool existing)
{
	const char *why;
	ListCell   *lc;

	lint_column_type(lt, cd->colname, cd->typeName);
	lint_key_type(lt, cd->colname, cd->typeName, column_is_key(cd));
	if (!existing)
		return;
	if ((why = added_column_rewrites(cd)) != NULL)
		lint_report_rel(lt, cd->location, R_VOLATILE_DEFAULT, rv,
					psprintf("adding column \"%s\" to \"%s\" rewrites the table under an ACCESS EXCLUSIVE lock: it %s",
							 cd->colname, rv_name(rv), why),
					"Add the column without a default (or with a constant one), fill existing rows in batches, then SET DEFAULT: migrator.expand's add_column with \"up\", filled by migrator.backfill.");
	else if ((column_constraint(cd, CONSTR_NOTNULL) || column_constraint(cd, CONSTR_PRIMARY)) &&
			 !column_constraint(cd, CONSTR_DEFAULT))
		lint_report_rel(lt, cd->location, R_NOT_NULL_FIELD, rv,
					psprintf("adding NOT NULL column \"%s\" without a default to \"%s\" fails as soon as the table has a row",
							 cd->colname, rv_name(rv)),
					"Give it a constant DEFAULT, or add it nullable, fill it, and make it NOT NULL through a validated CHECK: migrator.expand's add_column with \"nullable\": false.");
	foreach(lc, cd->constraints)
		lint_added_constraint(lt, rv, lfirst_node(Constraint, lc), true);
}

static void
lint_added_constraint(LintText *lt, const RangeVar *rv, Constraint *c, bool column)
{
	switch (c->contype)
	{
		case CONSTR_CHECK:
		case CONSTR_FOREIGN:
			if (c->skip_validation)
				break;
			lint_report_rel(lt, c->location, R_NOT_VALID, rv,
						psprintf("adding a %s constraint to \"%s\" scans the whole table while holding a lock that blocks writes",
								 c->contype == CONSTR_CHECK ? "CHECK" : "FOREIGN KEY", rv_name(rv)),
						column ?
						"Add the column without it, then ALTER TABLE ... ADD CONSTRAINT ... NOT VALID, and VALIDATE CONSTRAINT in a later migration."
						: "Add it NOT VALID (new rows are checked at once), then VALIDATE CONSTRAINT in a later migration, which locks nothing that writers need; migrator.expand's add_constraint does both.");
			break;
#if PG_VERSION_NUM >= 180000
		case CONSTR_NOTNULL:	/* ADD CONSTRAINT ... NOT NULL col: SET NOT NULL's scan */
			if (column || c->skip_validation)
				break;
			lint_report(lt, c->location, R_SET_NOT_NULL,
						psprintf("adding a NOT NULL constraint to \"%s\" scans the whole table under an ACCESS EXCLUSIVE lock",
								 rv_name(rv)),
						"Add it NOT VALID (new rows are checked at once), then VALIDATE CONSTRAINT in a later migration, which locks nothing that writers need.");
			break;
#endif
		case CONSTR_PRIMARY:
		case CONSTR_UNIQUE:
		case CONSTR_EXCLUSION:
			if (c->indexname)
				break;			/* USING INDEX: built already */
			lint_report_rel(lt, c->location, R_UNIQUE_CONSTRAINT, rv,
						psprintf("adding a %s constraint to \"%s\" builds its index under an ACCESS EXCLUSIVE lock",
								 c->contype == CONSTR_PRIMARY ? "PRIMARY KEY" :
								 c->contype == CONSTR_UNIQUE ? "UNIQUE" : "EXCLUDE", rv_name(rv)),
						"CREATE UNIQUE INDEX CONCURRENTLY in a \"-- migrator:no-transaction\" migration, then ADD CONSTRAINT ... UNIQUE (or PRIMARY KEY) USING INDEX; or migrator.expand's add_constraint with \"unique\".");
			break;
		default:
			break;
	}
}

/* numeric's typmod: (precision << 16 | scale) + VARHDRSZ */
#define NUMERIC_PRECISION(typmod) ((((typmod) - VARHDRSZ) >> 16) & 0xffff)
#define NUMERIC_SCALE(typmod) (((typmod) - VARHDRSZ) & 0xffff)

/*
 * A type's typmod changes without a rewrite: an unconstrained new typmod,
 * or a longer varchar / varbit, a more precise time, a numeric with more
 * digits and the same scale.
 */
static bool
typmod_change_is_free(Oid type, int32 oldmod, int32 newmod)
{
	if (newmod < 0 || newmod == oldmod)
		return true;
	if (oldmod < 0)
		return false;
	switch (type)
	{
		case VARCHAROID:
		case VARBITOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case TIMEOID:
		case TIMETZOID:
			return newmod >= oldmod;
		case NUMERICOID:
			return NUMERIC_SCALE(newmod) == NUMERIC_SCALE(oldmod) &&
				NUMERIC_PRECISION(newmod) >= NUMERIC_PRECISION(oldmod);
		default:
			return false;
	}
}

/* the new type is binary-coercible and any limit only grows */
static bool
alter_type_is_free(ColumnDef *def, Oid oldtype, int32 oldmod, Oid newtype, int32 newmod)
{
	return def->raw_default == NULL && OidIsValid(oldtype) && OidIsValid(newtype) &&
		((newtype == oldtype && typmod_change_is_free(oldtype, oldmod, newmod)) ||
		 (newtype != oldtype && newmod < 0 && get_typtype(newtype) != TYPTYPE_DOMAIN &&
		  IsBinaryCoercible(oldtype, newtype)));
}

/*
 * ALTER COLUMN ... TYPE on an existing table: free when the new type is
 * binary-coercible from the column's current one and any length or
 * precision limit only grows; anything else rewrites the table.
 */
static void
lint_alter_type(LintText *lt, const RangeVar *rv, AlterTableCmd *cmd)
{
	ColumnDef  *def = castNode(ColumnDef, cmd->def);
	Oid			relid = lint_relid(rv);
	AttrNumber	attnum = OidIsValid(relid) ? get_attnum(relid, cmd->name) : InvalidAttrNumber;
	Oid			oldtype = InvalidOid;
	int32		oldmod = -1;
	int32		newmod = -1;
	Type		newtup;
	Oid			newtype = InvalidOid;
	char	   *from = NULL;

	if (attnum > 0)
	{
		Oid			collid;

		get_atttypetypmodcoll(relid, attnum, &oldtype, &oldmod, &collid);
		from = format_type_with_typemod(oldtype, oldmod);
	}
	newtup = LookupTypeName(NULL, def->typeName, &newmod, true);
	if (newtup)
	{
		newtype = typeTypeId(newtup);
		ReleaseSysCache(newtup);
	}
	if (alter_type_is_free(def, oldtype, oldmod, newtype, newmod))
		return;
	lint_report_rel(lt, def->typeName->location, R_COLUMN_TYPE, rv,
				def->raw_default ?
				psprintf("changing the type of column \"%s\" of \"%s\" with USING rewrites the table and its indexes under an ACCESS EXCLUSIVE lock",
						 cmd->name, rv_name(rv)) :
				from && newtup ?
				psprintf("changing column \"%s\" of \"%s\" from %s to %s rewrites the table and its indexes under an ACCESS EXCLUSIVE lock",
						 cmd->name, rv_name(rv), from, format_type_with_typemod(newtype, newmod)) :
				psprintf("changing the type of column \"%s\" of \"%s\" rewrites the table under an ACCESS EXCLUSIVE lock unless the change is binary-coercible, which cannot be told: %s",
						 cmd->name, rv_name(rv),
						 newtup ? "the column is not in the database" : "the new type is not in the database"),
				"Use migrator.expand's alter_column: a new column kept in step by a trigger and filled in batches. Free changes: varchar(n) to varchar(m >= n) or text, numeric(p,s) to numeric(q >= p,s).");
}

/* a validated CHECK (col IS NOT NULL), or one ANDed into a CHECK */
static bool
is_not_null_check(Node *node, AttrNumber attnum)
{
	if (IsA(node, NullTest))
	{
		NullTest   *nt = (NullTest *) node;

		return nt->nulltesttype == IS_NOT_NULL && !nt->argisrow &&
			IsA(nt->arg, Var) && ((Var *) nt->arg)->varattno == attnum;
	}
	if (is_andclause(node))
	{
		ListCell   *lc;

		foreach(lc, ((BoolExpr *) node)->args)
			if (is_not_null_check(lfirst(lc), attnum))
				return true;
	}
	return false;
}

/*
 * SET NOT NULL skips its table scan when a validated CHECK constraint
 * proves the column has no NULL (PostgreSQL 12 and later).
 */
static bool
not_null_is_proven(const RangeVar *rv, const char *column)
{
	Oid			relid = lint_relid(rv);
	AttrNumber	attnum;
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		proven = false;

	if (!OidIsValid(relid) || (attnum = get_attnum(relid, column)) == InvalidAttrNumber)
		return false;
	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true, NULL, 1, &key);
	while (!proven && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		bool		isnull;
		Datum		bin;

		if (con->contype != CONSTRAINT_CHECK || !con->convalidated)
			continue;
		bin = heap_getattr(tup, Anum_pg_constraint_conbin, RelationGetDescr(conrel), &isnull);
		if (!isnull)
			proven = is_not_null_check(stringToNode(TextDatumGetCString(bin)), attnum);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return proven;
}

/* what a subcommand on a column of an existing table does (%s: column, table) */
static const struct
{
	LintRuleId	rule;
	const char *message;
	const char *hint;
}			column_cmds[] = {
	{R_SET_NOT_NULL,
		"SET NOT NULL on column \"%s\" of \"%s\" scans the whole table under an ACCESS EXCLUSIVE lock",
#if PG_VERSION_NUM >= 180000
	"ADD CONSTRAINT ... NOT NULL column NOT VALID, then VALIDATE CONSTRAINT in a later migration, which locks nothing that writers need; or migrator.expand's alter_column with \"nullable\": false."},
#else
	"ADD CONSTRAINT ... CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later migration, then SET NOT NULL, which uses the validated check instead of scanning; or migrator.expand's alter_column with \"nullable\": false."},
#endif
	{R_DROP_NOT_NULL,
		"DROP NOT NULL on column \"%s\" of \"%s\" lets NULLs reach code that does not expect them",
	"Deploy an application that handles NULL in this column first, then allow the change with \"-- migrator:allow dropping-not-null\"."},
	{R_DROP_COLUMN,
		"dropping column \"%s\" of \"%s\" breaks the application still running against it",
	"Stop using the column in the application first and drop it in a later release; migrator.expand's drop_column keeps it for the old version until contract."},
};

static void
lint_column_cmd(LintText *lt, const RangeVar *rv, AlterTableCmd *cmd, LintRuleId rule)
{
	for (int i = 0; i < (int) lengthof(column_cmds); i++)
		if (column_cmds[i].rule == rule)
			lint_report_rel(lt, rv->location, rule, rv,
						psprintf(column_cmds[i].message, cmd->name, rv_name(rv)),
						column_cmds[i].hint);
}

static void
lint_alter_table_cmd(LintText *lt, const RangeVar *rv, AlterTableCmd *cmd, bool existing)
{
	switch (cmd->subtype)
	{
		case AT_AddColumn:
			lint_add_column(lt, rv, castNode(ColumnDef, cmd->def), existing);
			return;
		case AT_AlterColumnType:
			lint_column_type(lt, cmd->name, castNode(ColumnDef, cmd->def)->typeName);
			if (existing)
				lint_alter_type(lt, rv, cmd);
			return;
		default:
			break;
	}
	if (!existing)
		return;
	switch (cmd->subtype)
	{
		case AT_AddConstraint:
			lint_added_constraint(lt, rv, castNode(Constraint, cmd->def), false);
			break;
		case AT_SetNotNull:
			if (!not_null_is_proven(rv, cmd->name))
				lint_column_cmd(lt, rv, cmd, R_SET_NOT_NULL);
			break;
		case AT_DropNotNull:
			lint_column_cmd(lt, rv, cmd, R_DROP_NOT_NULL);
			break;
		case AT_DropColumn:
			lint_column_cmd(lt, rv, cmd, R_DROP_COLUMN);
			break;
		default:
			break;
	}
}

static void
lint_alter_table(LintText *lt, AlterTableStmt *as)
{
	bool		existing = !lint_is_new(lt, as->relation);
	ListCell   *lc;

	if (as->objtype != OBJECT_TABLE && as->objtype != OBJECT_FOREIGN_TABLE)
		return;
	foreach(lc, as->cmds)
		lint_alter_table_cmd(lt, as->relation, lfirst_node(AlterTableCmd, lc), existing);
}

/* ---------------------------------------------------------------------
 * Indexes, drops, renames, truncation
 * ---------------------------------------------------------------------
 */

static bool
reindex_is_concurrent(ReindexStmt *rs)
{
	ListCell   *lc;

	foreach(lc, rs->params)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "concurrently") == 0 && defGetBoolean(opt))
			return true;
	}
	return false;
}

static void
lint_concurrently(LintText *lt, bool concurrent, const char *what)
{
	if (concurrent && lt->in_block)
		lint_report(lt, -1, R_CONCURRENTLY_IN_XACT,
					psprintf("%s inside BEGIN ... COMMIT: PostgreSQL refuses it in a transaction block", what),
					"Remove the BEGIN and COMMIT around it and put it in a migration of its own marked \"-- migrator:no-transaction\", which CALL migrator.migrate() runs outside a transaction.");
}

/*
 * The name PostgreSQL gives an index created without one (ChooseIndexName,
 * ChooseIndexColumnNames): table_col1_col2_idx, an expression named by its
 * function or "expr", cut to fit NAMEDATALEN.  On a new table no other
 * relation can have taken it yet.
 */
static char *
default_index_name(IndexStmt *is)
{
	StringInfoData cols;
	ListCell   *lc;

	initStringInfo(&cols);
	foreach(lc, is->indexParams)
	{
		IndexElem  *ie = lfirst_node(IndexElem, lc);
		char	   *name = ie->name ? ie->name : FigureIndexColname(ie->expr);

		if (cols.len > 0)
			appendStringInfoChar(&cols, '_');
		appendStringInfoString(&cols, name ? name : "expr");
		if (cols.len >= NAMEDATALEN)
			break;
	}
	return makeObjectName(is->relation->relname, cols.data,
						  is->primary ? "pkey" : is->isconstraint ? "key" : "idx");
}

static void
lint_create_index(LintText *lt, IndexStmt *is)
{
	lint_concurrently(lt, is->concurrent, "CREATE INDEX CONCURRENTLY");
	if (!is->concurrent && !lint_is_new(lt, is->relation))
		lint_report_rel(lt, is->relation->location, R_INDEX_CREATION, is->relation,
					psprintf("CREATE INDEX on \"%s\" blocks writes to the table while the index builds",
							 rv_name(is->relation)),
					get_rel_relkind(lint_relid(is->relation)) == RELKIND_PARTITIONED_TABLE ?
					"For a partitioned table: CREATE INDEX ON ONLY the parent, CREATE INDEX CONCURRENTLY on each partition (in \"-- migrator:no-transaction\" migrations), then ALTER INDEX ... ATTACH PARTITION each."
					: "CREATE INDEX CONCURRENTLY in a migration of its own marked \"-- migrator:no-transaction\", or migrator.expand's create_index.");
	if (is->idxname)
		lint_created(lt, is->relation->schemaname, is->idxname);
	else if (lint_is_new(lt, is->relation))
		lint_created(lt, is->relation->schemaname, default_index_name(is));
}

/*
 * A relation a DROP removes that the texts do not create.  DROP ... IF
 * EXISTS of a relation the database does not have does nothing.
 */
static bool
drop_removes(LintText *lt, DropStmt *ds, RangeVar *rv)
{
	return !lint_is_new(lt, rv) && !(ds->missing_ok && !OidIsValid(lint_relid(rv)));
}

static void
lint_drop(LintText *lt, DropStmt *ds)
{
	ListCell   *lc;

	if (ds->removeType == OBJECT_INDEX)
		lint_concurrently(lt, ds->concurrent, "DROP INDEX CONCURRENTLY");
	if (ds->removeType != OBJECT_TABLE && (ds->removeType != OBJECT_INDEX || ds->concurrent))
		return;
	foreach(lc, ds->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList(lfirst(lc));

		if (!drop_removes(lt, ds, rv))
			continue;
		if (ds->removeType == OBJECT_TABLE)
			lint_report_rel(lt, -1, R_DROP_TABLE, rv,
						psprintf("dropping table \"%s\" breaks the application still running against it",
								 rv_name(rv)),
						"Drop it once no deployed version uses it; migrator.expand's drop_table keeps it visible to the old version until contract.");
		else
			lint_report_rel(lt, -1, R_INDEX_DELETION, rv,
						psprintf("DROP INDEX \"%s\" takes an ACCESS EXCLUSIVE lock on its table", rv_name(rv)),
						"DROP INDEX CONCURRENTLY in a migration marked \"-- migrator:no-transaction\", or migrator.expand's drop_index.");
	}
}

static void
lint_reindex(LintText *lt, ReindexStmt *rs)
{
	bool		concurrent = reindex_is_concurrent(rs);

	lint_concurrently(lt, concurrent, "REINDEX CONCURRENTLY");
	if (concurrent || (rs->relation && lint_is_new(lt, rs->relation)))
		return;
	lint_report(lt, -1, R_REINDEX,
				psprintf("REINDEX without CONCURRENTLY blocks writes to the table, and reads that would use the index, until it is done%s",
						 rs->relation ? lint_rel_size(lt, rs->relation) : ""),
				"REINDEX (CONCURRENTLY) ... in a migration marked \"-- migrator:no-transaction\".");
}

static void
lint_rename(LintText *lt, RenameStmt *rs)
{
	bool		is_new;

	if (rs->relation == NULL)
		return;
	is_new = lint_is_new(lt, rs->relation);
	if (rs->renameType == OBJECT_COLUMN && !is_new)
		lint_report_rel(lt, rs->relation->location, R_RENAME_COLUMN, rs->relation,
					psprintf("renaming column \"%s\" of \"%s\" breaks the application still running against it",
							 rs->subname, rv_name(rs->relation)),
					"migrator.expand's rename_column: the old version keeps the old name, the new version sees the new one through a view, until contract.");
	if (rs->renameType != OBJECT_TABLE && rs->renameType != OBJECT_VIEW &&
		rs->renameType != OBJECT_MATVIEW && rs->renameType != OBJECT_FOREIGN_TABLE)
		return;
	if (is_new)
		lint_created(lt, rs->relation->schemaname, rs->newname);
	else
		lint_report_rel(lt, rs->relation->location, R_RENAME_TABLE, rs->relation,
					psprintf("renaming \"%s\" breaks the application still running against it",
							 rv_name(rs->relation)),
					"migrator.expand's rename_table: the new version sees the new name through a view until contract renames the table.");
}

/* ---------------------------------------------------------------------
 * Locks and the transaction
 * ---------------------------------------------------------------------
 */

/* the first relation of a list the texts do not create, or NULL */
static RangeVar *
first_existing(LintText *lt, List *rels)
{
	ListCell   *lc;

	foreach(lc, rels)
		if (!lint_is_new(lt, lfirst(lc)))
			return lfirst(lc);
	return NULL;
}

/* the first relation a DROP removes that the texts do not create, or NULL */
static RangeVar *
first_dropped(LintText *lt, DropStmt *ds)
{
	ListCell   *lc;

	foreach(lc, ds->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList(lfirst(lc));

		if (drop_removes(lt, ds, rv))
			return rv;
	}
	return NULL;
}

static bool
vacuum_is_full(VacuumStmt *vs)
{
	ListCell   *lc;

	foreach(lc, vs->options)
		if (strcmp(lfirst_node(DefElem, lc)->defname, "full") == 0 &&
			defGetBoolean(lfirst(lc)))
			return true;
	return false;
}

/*
 * The strongest lock a statement takes on a relation the texts do not
 * create (*rel), or NoLock.
 */
static LOCKMODE
lint_lock(LintText *lt, Node *stmt, RangeVar **rel)
{
	*rel = NULL;
	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			*rel = first_existing(lt, list_make1(((AlterTableStmt *) stmt)->relation));
			return AlterTableGetLockLevel(((AlterTableStmt *) stmt)->cmds);
		case T_IndexStmt:
			*rel = first_existing(lt, list_make1(((IndexStmt *) stmt)->relation));
			return ((IndexStmt *) stmt)->concurrent ? ShareUpdateExclusiveLock : ShareLock;
		case T_DropStmt:
			if (((DropStmt *) stmt)->concurrent)
				return NoLock;
			switch (((DropStmt *) stmt)->removeType)
			{
				case OBJECT_TABLE:
				case OBJECT_INDEX:
				case OBJECT_VIEW:
				case OBJECT_MATVIEW:
					*rel = first_dropped(lt, (DropStmt *) stmt);
					return AccessExclusiveLock;
				default:
					return NoLock;
			}
		case T_TruncateStmt:
			*rel = first_existing(lt, ((TruncateStmt *) stmt)->relations);
			return AccessExclusiveLock;
		case T_RenameStmt:
			if (((RenameStmt *) stmt)->relation)
				*rel = first_existing(lt, list_make1(((RenameStmt *) stmt)->relation));
			/* an index is renamed under SHARE UPDATE EXCLUSIVE since PostgreSQL 12 */
			return ((RenameStmt *) stmt)->renameType == OBJECT_INDEX ?
				ShareUpdateExclusiveLock : AccessExclusiveLock;
		case T_ReindexStmt:
			if (reindex_is_concurrent((ReindexStmt *) stmt) || ((ReindexStmt *) stmt)->relation == NULL)
				return NoLock;
			*rel = first_existing(lt, list_make1(((ReindexStmt *) stmt)->relation));
			return AccessExclusiveLock;
		case T_LockStmt:
			*rel = first_existing(lt, ((LockStmt *) stmt)->relations);
			return ((LockStmt *) stmt)->mode;
		case T_CreateTrigStmt:
			*rel = first_existing(lt, list_make1(((CreateTrigStmt *) stmt)->relation));
			return ShareRowExclusiveLock;
		case T_ClusterStmt:
			if (((ClusterStmt *) stmt)->relation)
				*rel = first_existing(lt, list_make1(((ClusterStmt *) stmt)->relation));
			return AccessExclusiveLock;
		case T_RefreshMatViewStmt:
			*rel = first_existing(lt, list_make1(((RefreshMatViewStmt *) stmt)->relation));
			return ((RefreshMatViewStmt *) stmt)->concurrent ? ExclusiveLock : AccessExclusiveLock;
		case T_CreateStmt:
			/* a new partition locks its parent */
			if (((CreateStmt *) stmt)->partbound)
				*rel = first_existing(lt, ((CreateStmt *) stmt)->inhRelations);
			return AccessExclusiveLock;
		case T_VacuumStmt:
			{
				VacuumStmt *vs = (VacuumStmt *) stmt;
				ListCell   *lc;

				if (!vacuum_is_full(vs))
					return NoLock;
				foreach(lc, vs->rels)
					if (!lint_is_new(lt, lfirst_node(VacuumRelation, lc)->relation))
						*rel = lfirst_node(VacuumRelation, lc)->relation;
				return AccessExclusiveLock;
			}
		default:
			return NoLock;
	}
}

static int
timeout_ms(const char *value)
{
	int			ms = 0;

	if (value == NULL || !parse_int(value, &ms, GUC_UNIT_MS, NULL))
		return 0;
	return ms;
}

/* SET lock_timeout / statement_timeout, as far as the text tells */
static void
lint_set(LintText *lt, VariableSetStmt *vs)
{
	int			ms = 0;

	if (vs->kind == VAR_RESET_ALL)
	{
		lt->lock_timeout = lt->statement_timeout = 0;
		return;
	}
	if (vs->name == NULL ||
		(strcmp(vs->name, "lock_timeout") != 0 && strcmp(vs->name, "statement_timeout") != 0))
		return;
	if (vs->kind == VAR_SET_VALUE && list_length(vs->args) == 1 && IsA(linitial(vs->args), A_Const))
	{
		A_Const    *c = linitial(vs->args);

		if (IsA(&c->val, Integer))
			ms = intVal(&c->val);
		else if (IsA(&c->val, String))
			ms = timeout_ms(strVal(&c->val));
	}
	if (strcmp(vs->name, "lock_timeout") == 0)
		lt->lock_timeout = ms;
	else
		lt->statement_timeout = ms;
}

/* fn for each token of sql (PostgreSQL's scanner), until it returns false */
static void
lint_each_token(LintText *lt, const char *sql,
				bool (*fn) (LintText *lt, const char *sql, int tok, core_YYSTYPE *val, int loc))
{
	core_yy_extra_type yyext;
	core_yyscan_t scanner;

	scanner = scanner_init(sql, &yyext, &ScanKeywords, ScanKeywordTokens);
	yyext.escape_string_warning = false;
	for (;;)
	{
		core_YYSTYPE yylval;
		YYLTYPE		yylloc;
		int			tok = core_yylex(&yylval, &yylloc, scanner);

		if (tok == 0 || !fn(lt, sql, tok, &yylval, yylloc))
			break;
	}
	scanner_finish(scanner);
}

/*
 * Before the statement runs: what the transaction holds already (an ACCESS
 * EXCLUSIVE lock, enum values added and not committed).
 */
static void
lint_transaction_before(LintText *lt, RawStmt *rs)
{
	ListCell   *lc;

	if (lt->exclusive_rel && !lt->exclusive_reported)
	{
		lt->exclusive_reported = true;
		lint_report(lt, -1, R_AFTER_EXCLUSIVE,
					psprintf("this statement runs while the migration's transaction holds the ACCESS EXCLUSIVE lock on \"%s\" taken at line %d, which blocks every read and write of it until the migration commits%s",
							 lt->exclusive_rel, lt->exclusive_line, lt->exclusive_size),
					"Put the statement that takes the lock last in its migration, or move the statements after it into a migration of their own.");
	}
	/* labels in ALTER TYPE ... ADD VALUE (another enum, BEFORE/AFTER) or CREATE TYPE are no use */
	if (IsA(rs->stmt, AlterEnumStmt) || IsA(rs->stmt, CreateEnumStmt))
		return;
	foreach(lc, lt->enum_literals)
	{
		EnumLiteral *el = lfirst(lc);

		if (el->offset < lt->stmt_start || el->offset >= lt->stmt_end ||
			!list_member(lt->enum_values, el->value))
			continue;
		lint_report(lt, el->offset, R_ENUM_VALUE,
					psprintf("the enum value '%s' is used in the transaction that adds it: PostgreSQL refuses that (55P04)",
							 strVal(el->value)),
					"Use the new value in a later migration: ALTER TYPE ... ADD VALUE must commit first.");
		break;
	}
}

/* After the statement: the locks and enum values the transaction now holds. */
static void
lint_transaction_after(LintText *lt, Node *stmt)
{
	RangeVar   *rel;
	LOCKMODE	lock = lint_lock(lt, stmt, &rel);

	if (rel && lock >= ShareLock && lock != ShareUpdateExclusiveLock &&
		lt->lock_timeout <= 0 && lt->statement_timeout <= 0 && !lt->timeout_reported)
	{
		lt->timeout_reported = true;
		lint_report_rel(lt, rel->location, R_LOCK_TIMEOUT, rel,
					lt->transactional ?
					psprintf("the statement waits for its lock on \"%s\" with neither lock_timeout nor statement_timeout set, and every query of the table queues behind it",
							 rv_name(rel)) :
					psprintf("the statement waits for its lock on \"%s\" without lock_timeout: a migration outside a transaction block runs each statement in a background worker, without migrator.lock_timeout, and every query of the table queues behind it",
							 rv_name(rel)),
					lt->transactional ?
					"Do not turn lock_timeout off in a migration: migrator sets migrator.lock_timeout and retries on a timeout."
					: "Keep blocking statements in transactional migrations, where migrator sets lock_timeout and retries; leave only CONCURRENTLY statements in the no-transaction migration.");
	}
	if (!lt->transactional)
		return;					/* every statement commits on its own */
	if (rel && lock == AccessExclusiveLock && lt->exclusive_rel == NULL)
	{
		lt->exclusive_rel = rv_name(rel);
		lt->exclusive_size = lint_rel_size(lt, rel);
		lt->exclusive_line = lt->stmt_line;
	}
	if (IsA(stmt, AlterEnumStmt) && ((AlterEnumStmt *) stmt)->newVal &&
		((AlterEnumStmt *) stmt)->oldVal == NULL)
		lt->enum_values = lappend(lt->enum_values, makeString(((AlterEnumStmt *) stmt)->newVal));
}

static void
lint_transaction_control(LintText *lt, TransactionStmt *ts)
{
	if (ts->kind == TRANS_STMT_BEGIN || ts->kind == TRANS_STMT_START)
	{
		lt->in_block = true;
		lt->block_start = lt->stmt_start;
		lt->block_allow = lt->allow_stmt;
	}
	else if (ts->kind == TRANS_STMT_COMMIT || ts->kind == TRANS_STMT_ROLLBACK)
		lt->in_block = false;
}

/* ---------------------------------------------------------------------
 * The walk
 * ---------------------------------------------------------------------
 */

static void
lint_statement_rules(LintText *lt, Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			lint_create_table(lt, (CreateStmt *) stmt);
			break;
		case T_CreateTableAsStmt:
			lint_created(lt, ((CreateTableAsStmt *) stmt)->into->rel->schemaname,
						 ((CreateTableAsStmt *) stmt)->into->rel->relname);
			break;
		case T_ViewStmt:
			lint_created(lt, ((ViewStmt *) stmt)->view->schemaname,
						 ((ViewStmt *) stmt)->view->relname);
			break;
		case T_AlterTableStmt:
			lint_alter_table(lt, (AlterTableStmt *) stmt);
			break;
		case T_IndexStmt:
			lint_create_index(lt, (IndexStmt *) stmt);
			break;
		case T_DropStmt:
			lint_drop(lt, (DropStmt *) stmt);
			break;
		case T_ReindexStmt:
			lint_reindex(lt, (ReindexStmt *) stmt);
			break;
		case T_RenameStmt:
			lint_rename(lt, (RenameStmt *) stmt);
			break;
		case T_DropdbStmt:
			lint_report(lt, -1, R_DROP_DATABASE,
						psprintf("dropping database \"%s\"", ((DropdbStmt *) stmt)->dbname),
						"Drop databases by hand, not in a migration.");
			break;
		case T_TruncateStmt:
			if (((TruncateStmt *) stmt)->behavior == DROP_CASCADE)
				lint_report(lt, -1, R_TRUNCATE_CASCADE,
							"TRUNCATE ... CASCADE also empties every table that references these, whichever they are by then",
							"Name every table to empty: TRUNCATE a, b.");
			break;
		case T_VariableSetStmt:
			if (lt->transactional)	/* else the setting ends with its worker */
				lint_set(lt, (VariableSetStmt *) stmt);
			break;
		default:
			break;
	}
}

static void
lint_statement(LintText *lt, RawStmt *rs)
{
	Node	   *stmt = rs->stmt;

	lt->stmt_start = script_first_token(lt->tokens, lt->ntokens, rs->stmt_location);
	if (lt->stmt_start < 0)
		return;
	lt->stmt_end = rs->stmt_len > 0 ? rs->stmt_location + rs->stmt_len : lt->len;
	lt->stmt_line = lint_line_at(lt, lt->stmt_start);
	lint_read_statement_allow(lt);

	while (lt->long_idents && linitial_int(lt->long_idents) < lt->stmt_end)
	{
		int			at = linitial_int(lt->long_idents);

		lint_report(lt, at, R_IDENTIFIER,
					"identifier longer than 63 bytes: PostgreSQL truncates it, so the object gets another name than the one written",
					"Shorten the name to 63 bytes at most.");
		lt->long_idents = list_delete_first(lt->long_idents);
	}
	if (IsA(stmt, TransactionStmt))
	{
		lint_transaction_control(lt, (TransactionStmt *) stmt);
		return;
	}
	if (lt->transactional)
		lint_transaction_before(lt, rs);
	lint_statement_rules(lt, stmt);
	lint_transaction_after(lt, stmt);
}

/* bytes of the identifier at offset, as written (quoted or not) */
static int
identifier_bytes(const char *p)
{
	int			n = 0;

	if (*p != '"')
	{
		while (IS_HIGHBIT_SET(p[n]) || isalnum((unsigned char) p[n]) || p[n] == '_' || p[n] == '$')
			n++;
		return n;
	}
	for (p++; *p; p++)
	{
		if (*p == '"' && p[1] != '"')
			break;
		if (*p == '"')
			p++;
		n++;
	}
	return n;
}

/*
 * The token starts (to find each statement's first token), the
 * identifiers over NAMEDATALEN - 1 bytes, which the scanner truncates, and
 * the string literals that spell a value the text adds to an enum.
 */
static bool
scan_token(LintText *lt, const char *sql, int tok, core_YYSTYPE *val, int loc)
{
	if (tok == migrator_token_ident() && strlen(val->str) >= NAMEDATALEN - MAX_MULTIBYTE_CHAR_LEN &&
		identifier_bytes(sql + loc) >= NAMEDATALEN)
		lt->long_idents = lappend_int(lt->long_idents, loc);
	if (tok == migrator_token_sconst() && lt->enum_labels && list_member(lt->enum_labels, makeString(val->str)))
	{
		EnumLiteral *el = palloc(sizeof(EnumLiteral));

		el->offset = loc;
		el->value = makeString(val->str);
		lt->enum_literals = lappend(lt->enum_literals, el);
	}
	if (lt->ntokens % 256 == 0)
		lt->tokens = lt->ntokens ? repalloc(lt->tokens, sizeof(int) * (lt->ntokens + 256)) :
			palloc(sizeof(int) * 256);
	lt->tokens[lt->ntokens++] = loc;
	return true;
}

static void
lint_error_callback(void *arg)
{
	LintText   *lt = (LintText *) arg;

	if (lt->stmt_start >= 0)
		errcontext("linting migration \"%s\", line %d", lt->s->path, lt->stmt_line);
}

/*
 * Lint one text (a migration's script), adding to ls's findings.
 */
static void
lint_script(LintState *ls, Script *s)
{
	LintText	lt;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "migrator lint",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ErrorContextCallback cb;
	List	   *raw;
	ListCell   *lc;
	int			nest = NewGUCNestLevel();

	memset(&lt, 0, sizeof(lt));
	lt.ls = ls;
	lt.s = s;
	lt.len = strlen(s->text);
	lt.stmt_start = -1;

	/* the scanner's NOTICEs about truncated identifiers are findings here */
	(void) set_config_option("client_min_messages", "warning", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	/* the runner's scripts come with the trees script_parse_keep() kept */
	raw = s->parsecxt ? s->raw : script_raw_parse(s);
	foreach(lc, raw)
	{
		AlterEnumStmt *ae = (AlterEnumStmt *) lfirst_node(RawStmt, lc)->stmt;

		if (IsA(ae, AlterEnumStmt) && ae->newVal && ae->oldVal == NULL)
			lt.enum_labels = lappend(lt.enum_labels, makeString(ae->newVal));
	}
	lint_each_token(&lt, lt.s->text, scan_token);	/* after the parser's errors */
	AtEOXact_GUC(true, nest);

	lt.transactional = !s->no_transaction;
	foreach(lc, raw)
		if (script_top_level_statement(lfirst_node(RawStmt, lc)->stmt))
			lt.transactional = false;
	if (lt.transactional)
	{
		lt.lock_timeout = s->lock_timeout ? timeout_ms(s->lock_timeout) : migrator_lock_timeout;
		lt.statement_timeout = s->statement_timeout ?
			timeout_ms(s->statement_timeout) : migrator_statement_timeout;
	}
	lint_read_header(&lt);

	cb.callback = lint_error_callback;
	cb.arg = &lt;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	foreach(lc, raw)
		lint_statement(&lt, lfirst_node(RawStmt, lc));
	if (lt.in_block)
		lint_add(&lt, lt.block_start, R_OPEN_XACT, lt.block_allow,
				 "BEGIN without COMMIT: the transaction is left open", "End the block with COMMIT.");
	error_context_stack = cb.previous;

	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

static LintState *
lint_begin(void)
{
	LintState  *ls = palloc0(sizeof(LintState));
	HASHCTL		ctl;

	ls->cxt = CurrentMemoryContext;
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(CreatedRel);
	ctl.hcxt = CurrentMemoryContext;
	ls->created = hash_create("migrator lint relations", 64, &ctl,
							  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	return ls;
}

/* ---------------------------------------------------------------------
 * Entry points
 * ---------------------------------------------------------------------
 */

static int
finding_cmp(const ListCell *a, const ListCell *b)
{
	const LintFinding *fa = lfirst(a);
	const LintFinding *fb = lfirst(b);

	if (fa->path != fb->path)
		return fa->seq - fb->seq;	/* files stay in run order */
	if (fa->line != fb->line)
		return fa->line - fb->line;
	if (fa->col != fb->col)
		return fa->col - fb->col;
	return fa->seq - fb->seq;
}

/* every pending migration of a folder's set, in run order */
static List *
lint_migration_set(MigrationSet *set)
{
	LintState  *ls = lint_begin();
	RunPlan    *plan = plan_build(set);

	for (int i = 0; i < set->count; i++)
		if (plan->entries[i].state == STATE_PENDING)
		{
			Script	   *s = script_parse_keep(plan->entries[i].migration);

			lint_script(ls, s);
			script_drop_parse(s);
		}
	list_sort(ls->findings, finding_cmp);
	return ls->findings;
}

static void
lint_put_rows(FunctionCallInfo fcinfo, List *findings, bool with_path)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	foreach(lc, findings)
	{
		LintFinding *f = lfirst(lc);
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};
		int			i = 0;

		if (with_path)
			values[i++] = CStringGetTextDatum(f->path);
		values[i++] = Int32GetDatum(f->line);
		values[i++] = Int32GetDatum(f->col);
		values[i++] = CStringGetTextDatum(lint_rules[f->rule].name);
		values[i++] = CStringGetTextDatum(lint_rules[f->rule].error ? "error" : "warning");
		values[i++] = CStringGetTextDatum(f->message);
		if (f->hint)
			values[i] = CStringGetTextDatum(f->hint);
		else
			nulls[i] = true;
		i++;
		values[i] = CStringGetTextDatum(lint_rules[f->rule].style ? "style" : "safety");
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * migrator.lint(sql): the findings of one migration's text.
 */
Datum
migrator_lint(PG_FUNCTION_ARGS)
{
	Migration	m;
	LintState  *ls;

	memset(&m, 0, sizeof(m));
	m.path = "(sql)";
	m.content = text_to_cstring(PG_GETARG_TEXT_PP(0));
	m.len = strlen(m.content);
	InitMaterializedSRF(fcinfo, 0);

	ls = lint_begin();
	lint_script(ls, script_read(&m));
	list_sort(ls->findings, finding_cmp);
	lint_put_rows(fcinfo, ls->findings, false);
	return (Datum) 0;
}

/*
 * migrator.lint_dir(dir): the findings of every pending migration of a
 * folder.
 */
Datum
migrator_lint_dir(PG_FUNCTION_ARGS)
{
	MigrationSource *src = migrator_source_arg(fcinfo, 0);

	InitMaterializedSRF(fcinfo, 0);
	lint_put_rows(fcinfo, lint_migration_set(source_read(src)), true);
	return (Datum) 0;
}

static char *
finding_line(const LintFinding *f)
{
	return psprintf("%s:%d:%d: %s: %s", f->path, f->line, f->col,
					lint_rules[f->rule].name, f->message);
}

/*
 * The runner, before running anything: lint the scripts about to run, in
 * order, one at a time as it parses them (so that it need not keep every
 * script's parse trees); then at the end report them (lint_pending_end).
 * lint_pending_begin() is NULL when the lint is off.
 */
LintState *
lint_pending_begin(void)
{
	return migrator_lint_mode == LINT_OFF ? NULL : lint_begin();
}

void
lint_pending_add(LintState *ls, Script *s)
{
	if (ls)
		lint_script(ls, s);
}

/* a finding the runner reports on its own (safety, or style in full) */
static bool
reported_in_full(const LintFinding *f)
{
	return !lint_rules[f->rule].style ||
		migrator_lint_style == LINT_STYLE_FULL || migrator_lint_style == LINT_STYLE_ERROR;
}

/* a finding that makes migrator.lint = error refuse the run */
static bool
refuses_run(const LintFinding *f)
{
	return lint_rules[f->rule].style ?
		migrator_lint_style == LINT_STYLE_ERROR : lint_rules[f->rule].error;
}

/*
 * The style findings not reported in full, counted per rule, with each
 * rule's first finding (lint_style summary, the default).
 */
static void
style_counts(List *findings, int *count, const LintFinding **first)
{
	ListCell   *lc;

	if (migrator_lint_style != LINT_STYLE_SUMMARY)
		return;
	foreach(lc, findings)
	{
		LintFinding *f = lfirst(lc);

		if (lint_rules[f->rule].style && count[f->rule]++ == 0)
			first[f->rule] = f;
	}
}

/* "style: prefer-timestamptz: 12 findings, the first at V1__init.sql:7:14: ..." */
static char *
style_summary(LintRuleId rule, int count, const LintFinding *first)
{
	return psprintf("style: %s: %d finding%s, the first at %s:%d:%d: %s",
					lint_rules[rule].name, count, count == 1 ? "" : "s",
					first->path, first->line, first->col, first->message);
}

/*
 * warn: a WARNING per safety finding (and per style finding when
 * migrator.lint_style is full or error), then a WARNING per style rule
 * summing up its findings (lint_style summary, the default).  error: as
 * well, but first refuse the run when a finding has severity error (or is
 * a style finding under lint_style = error), listing them all.
 */
void
lint_pending_end(LintState *ls)
{
	ListCell   *lc;
	StringInfoData detail;
	int			nerrors = 0;
	int			count[R_COUNT] = {0};
	const LintFinding *first[R_COUNT] = {0};

	if (ls == NULL || ls->findings == NIL)
		return;
	list_sort(ls->findings, finding_cmp);
	style_counts(ls->findings, count, first);

	initStringInfo(&detail);
	foreach(lc, ls->findings)
	{
		LintFinding *f = lfirst(lc);

		if (!reported_in_full(f))
			continue;
		nerrors += refuses_run(f);
		appendStringInfo(&detail, "%s%s (%s)", detail.len ? "\n" : "", finding_line(f),
						 refuses_run(f) ? "error" : "warning");
	}
	for (int r = 0; r < R_COUNT; r++)
		if (count[r] > 0)
			appendStringInfo(&detail, "%s%s", detail.len ? "\n" : "",
							 style_summary(r, count[r], first[r]));
	if (migrator_lint_mode == LINT_ERROR && nerrors > 0)
		ereport(ERROR,
				(errcode(ERRCODE_MIGRATOR_LINT),
				 errmsg("lint found %d error%s in the pending migrations; nothing was run",
						nerrors, nerrors == 1 ? "" : "s"),
				 errdetail_internal("%s", detail.data),
				 errhint("Fix them, or allow a rule for one statement with \"-- migrator:allow <rule>\" on the line before it (for a whole file, in its first lines), or SET migrator.lint = warn.")));
	foreach(lc, ls->findings)
	{
		LintFinding *f = lfirst(lc);

		if (reported_in_full(f))
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("%s", finding_line(f)),
					 f->hint ? errhint("%s", f->hint) : 0));
	}
	for (int r = 0; r < R_COUNT; r++)
		if (count[r] > 0)
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("%s", style_summary(r, count[r], first[r])),
					 errhint("%s SET migrator.lint_style = full reports each style finding, off none.",
							 first[r]->hint ? first[r]->hint : "")));
}

/* ---------------------------------------------------------------------
 * The classification, for the online runner and explain() (online.h)
 * ---------------------------------------------------------------------
 */

/*
 * The strongest lock a statement takes and on which relation (*rel), every
 * relation taken to exist.
 */
LOCKMODE
migrator_lint_lock(Node *stmt, RangeVar **rel)
{
	LintText	lt;

	memset(&lt, 0, sizeof(lt));
	lt.ls = lint_begin();
	return lint_lock(&lt, stmt, rel);
}

/* why an ALTER TABLE subcommand on an existing table rewrites it, or NULL */
const char *
migrator_lint_rewrites(const RangeVar *rv, AlterTableCmd *cmd)
{
	switch (cmd->subtype)
	{
		case AT_AddColumn:
			{
				const char *why = added_column_rewrites(castNode(ColumnDef, cmd->def));

				return why ? psprintf("the added column \"%s\" %s",
									  castNode(ColumnDef, cmd->def)->colname, why) : NULL;
			}
		case AT_AlterColumnType:
			{
				ColumnDef  *def = castNode(ColumnDef, cmd->def);
				Oid			relid = lint_relid(rv);
				AttrNumber	attnum = OidIsValid(relid) ? get_attnum(relid, cmd->name) : InvalidAttrNumber;
				Oid			oldtype = InvalidOid;
				int32		oldmod = -1;
				int32		newmod = -1;
				Oid			newtype = InvalidOid;
				Type		newtup;

				if (attnum > 0)
				{
					Oid			collid;

					get_atttypetypmodcoll(relid, attnum, &oldtype, &oldmod, &collid);
				}
				newtup = LookupTypeName(NULL, def->typeName, &newmod, true);
				if (newtup)
				{
					newtype = typeTypeId(newtup);
					ReleaseSysCache(newtup);
				}
				if (alter_type_is_free(def, oldtype, oldmod, newtype, newmod))
					return NULL;
				return psprintf("the type change of column \"%s\" is not binary-coercible", cmd->name);
			}
		case AT_SetLogged:
			return "SET LOGGED copies the table";
		case AT_SetUnLogged:
			return "SET UNLOGGED copies the table";
		case AT_SetTableSpace:
			return "SET TABLESPACE copies the table";
		case AT_SetAccessMethod:
			return "SET ACCESS METHOD rewrites the table";
		default:
			return NULL;
	}
}

/* a validated CHECK proves the column has no NULL: SET NOT NULL skips its scan */
bool
migrator_lint_not_null_proven(const RangeVar *rv, const char *column)
{
	return not_null_is_proven(rv, column);
}

/* rows (reltuples, -1 when never counted) and bytes of an existing table */
void
migrator_lint_table_size(Oid relid, double *rows, int64 *bytes)
{
	bool		exact;

	table_size(relid, rows, bytes, &exact);
}

/* the findings of a set's pending migrations, in run order (opaque) */
List *
migrator_lint_set(MigrationSet *set)
{
	return lint_migration_set(set);
}

/*
 * The findings of path between lines from and to (exclusive), as
 * "rule: message" lines, or NULL.
 */
char *
migrator_lint_findings_text(List *findings, const char *path, int from, int to)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, findings)
	{
		LintFinding *f = lfirst(lc);

		if (f->path == NULL || strcmp(f->path, path) != 0 || f->line < from ||
			(to > 0 && f->line >= to))
			continue;
		appendStringInfo(&buf, "%s%s: %s", buf.len ? "\n" : "",
						 lint_rules[f->rule].name, f->message);
	}
	return buf.len ? buf.data : NULL;
}
