/*-------------------------------------------------------------------------
 *
 * desired.c
 *	  generate()'s desired-state file, loaded statement by statement into
 *	  the scratch schema that stands for the target schema.
 *
 *	  The file may name the target schema as drizzle-kit export, pg_dump
 *	  and Prisma write it ("public"."authors", public.t): PostgreSQL's own
 *	  scanner finds every identifier that equals the target schema and is
 *	  followed by '.', and it is replaced by the scratch schema; so is a
 *	  schema-qualified name in a '...'::regclass literal (pg_dump's
 *	  nextval('public.t_id_seq'::regclass)).  The parse trees (raw_parser)
 *	  decide the rest: COMMENT ON / GRANT ON / REVOKE ON SCHEMA target, SET
 *	  search_path and CREATE EXTENSION ... SCHEMA target act on the scratch
 *	  schema; CREATE SCHEMA target is the scratch schema itself (skipped);
 *	  ALTER SCHEMA target OWNER TO gives the owner the diff compares; the
 *	  OWNER TO of the schema's objects is skipped (owners of objects are not
 *	  compared); CREATE INDEX CONCURRENTLY builds plainly.  Other strings,
 *	  dollar-quoted bodies and comments are left as they are.
 *
 *	  What the file says about the schema itself (comment, grants, owner)
 *	  is recorded, so that generate() compares only those.  An error while
 *	  the file is read or run names the line (and column) of the file and
 *	  the statement, in the target schema's terms.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "parser/scansup.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/varlena.h"

#include "migrator.h"
#include "diff.h"

/* longest statement shown in an error's context */
#define SHOWN_STATEMENT 1000

typedef struct Token
{
	int			tok;
	int			loc;
	core_YYSTYPE val;
} Token;

/* text [start, end) of the file replaced by text */
typedef struct Edit
{
	int			start;
	int			end;
	const char *text;
} Edit;

typedef struct Desired
{
	char	   *text;			/* the file, psql's \restrict lines blanked */
	int			len;
	const char *target;
	const char *scratch;
	const char *qscratch;		/* quoted */
	Token	   *tokens;
	int			ntokens;
	Edit	   *edits;
	int			nedits;
	int			capedits;
	int		   *line_starts;
	int			nlines;
	int			offset;			/* where the error is, or -1 */
	int			stmt_start;		/* the statement read or run, or -1 */
	int			stmt_end;
} Desired;

static void
compute_lines(Desired *d)
{
	int			cap = 64;

	d->line_starts = palloc(sizeof(int) * cap);
	d->line_starts[0] = 0;
	d->nlines = 1;
	for (int i = 0; i < d->len; i++)
	{
		if (d->text[i] != '\n')
			continue;
		if (d->nlines == cap)
		{
			cap *= 2;
			d->line_starts = repalloc(d->line_starts, sizeof(int) * cap);
		}
		d->line_starts[d->nlines++] = i + 1;
	}
}

/* the file's text from start to end, shortened for a message */
static char *
shown_text(Desired *d, int start, int end)
{
	int			n;

	while (end > start && scanner_isspace(d->text[end - 1]))
		end--;
	n = pg_mbcliplen(d->text + start, end - start, SHOWN_STATEMENT);
	return psprintf("%.*s%s", n, d->text + start, n < end - start ? " ..." : "");
}

/* "line N[, column C] of the desired schema: STATEMENT" */
static char *
where(Desired *d, int offset)
{
	int			line = migrator_line_at(d->line_starts, d->nlines, offset);
	int			ls = d->line_starts[line - 1];
	char	   *what;

	if (d->stmt_start >= 0)
		what = shown_text(d, d->stmt_start, d->stmt_end);
	else
	{
		int			le = ls;

		while (le < d->len && d->text[le] != '\n')
			le++;
		what = shown_text(d, ls, le);
	}
	if (d->stmt_start >= 0 && offset == d->stmt_start)
		return psprintf("line %d of the desired schema: %s", line, what);
	return psprintf("line %d, column %d of the desired schema: %s", line,
					pg_mbstrlen_with_len(d->text + ls, offset - ls) + 1, what);
}

static void
desired_error_callback(void *arg)
{
	Desired    *d = (Desired *) arg;
	int			pos = geterrposition();
	int			offset = d->offset;

	if (pos > 0)
	{
		/* a syntax error: its position counts characters of the file */
		offset = pg_mbcharcliplen(d->text, d->len, pos - 1);
		errposition(0);
	}
	if (offset >= 0)
		errcontext("%s", where(d, offset));
}

/*
 * The file's tokens, by the server's own scanner.  psql meta-commands
 * show up as a lone backslash: pg_dump's \restrict and \unrestrict lines
 * (which only guard psql itself) are blanked first, any other is refused.
 */
static void
scan(Desired *d)
{
	core_yy_extra_type yyext;
	core_yyscan_t scanner;
	int			cap = 256;

	blank_pg_dump_restrict(d->text, d->len);	/* (directive.c) */
	d->tokens = palloc(sizeof(Token) * cap);
	d->ntokens = 0;
	scanner = scanner_init(d->text, &yyext, &ScanKeywords, ScanKeywordTokens);
	yyext.escape_string_warning = false;
	for (;;)
	{
		Token		t;

		t.tok = core_yylex(&t.val, &t.loc, scanner);
		if (t.tok == 0)
			break;
		if (t.tok == '\\')
		{
			const char *w = d->text + t.loc + 1;
			int			wlen = 0;

			while (w[wlen] >= 'a' && w[wlen] <= 'z')
				wlen++;
			d->offset = t.loc;
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("psql meta-command \"\\%.*s\" is not supported in the desired schema",
							wlen, w),
					 errdetail("generate() runs the file inside the server, where psql's backslash commands do not exist."),
					 errhint("Remove it, or replace it with SQL.")));
		}
		if (d->ntokens == cap)
		{
			cap *= 2;
			d->tokens = repalloc(d->tokens, sizeof(Token) * cap);
		}
		d->tokens[d->ntokens++] = t;
	}
	scanner_finish(scanner);
}

/* first token at or after offset (binary search); ntokens if none */
static int
token_at(Desired *d, int offset)
{
	int			lo = 0;
	int			hi = d->ntokens;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (d->tokens[mid].loc < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
is_keyword_token(int tok)
{
	for (int i = 0; i < ScanKeywords.num_keywords; i++)
		if (ScanKeywordTokens[i] == tok)
			return true;
	return false;
}

/* the name a token stands for: an identifier's, a keyword's; NULL if none */
static const char *
word(Desired *d, int i)
{
	Token	   *t = &d->tokens[i];

	if (t->tok == migrator_token_ident())
		return t->val.str;
	if (t->tok > 255 && is_keyword_token(t->tok))
		return t->val.keyword;
	return NULL;
}

static bool
is_target(Desired *d, int i)
{
	const char *w = i < d->ntokens ? word(d, i) : NULL;

	return w != NULL && strcmp(w, d->target) == 0;
}

static bool
next_is(Desired *d, int i, int tok)
{
	return i + 1 < d->ntokens && d->tokens[i + 1].tok == tok;
}

static int
token_end(Desired *d, int i)
{
	return i + 1 < d->ntokens ? d->tokens[i + 1].loc : d->len;
}

static void
add_edit(Desired *d, int start, int end, const char *text)
{
	if (d->nedits == d->capedits)
	{
		d->capedits = d->capedits ? d->capedits * 2 : 64;
		d->edits = d->edits ? repalloc(d->edits, sizeof(Edit) * d->capedits) :
			palloc(sizeof(Edit) * d->capedits);
	}
	d->edits[d->nedits].start = start;
	d->edits[d->nedits].end = end;
	d->edits[d->nedits].text = text;
	d->nedits++;
}

/* token i, a name of the target schema, names the scratch schema */
static void
rename_token(Desired *d, int i)
{
	add_edit(d, d->tokens[i].loc, token_end(d, i), psprintf("%s ", d->qscratch));
}

/*
 * '...'::regclass (or pg_catalog.regclass) at token i, a literal naming a
 * relation of the target schema: the same relation of the scratch schema.
 * The literal is split as regclassin() splits it.
 */
static void
map_regclass_literal(Desired *d, int i)
{
	int			k = i + 2;
	char	   *copy;
	List	   *names;

	if (!next_is(d, i, migrator_token_typecast()) || k >= d->ntokens)
		return;
	if (word(d, k) && strcmp(word(d, k), "pg_catalog") == 0 && next_is(d, k, '.'))
		k += 2;
	if (k >= d->ntokens || word(d, k) == NULL || strcmp(word(d, k), "regclass") != 0)
		return;
	copy = pstrdup(d->tokens[i].val.str);
	if (!SplitIdentifierString(copy, '.', &names) || list_length(names) != 2 ||
		strcmp(linitial(names), d->target) != 0)
		return;
	add_edit(d, d->tokens[i].loc, d->tokens[i + 1].loc,
			 quote_literal_cstr(quote_qualified_identifier(d->scratch, lsecond(names))));
}

/* the target schema as a qualifier, anywhere: the scratch schema */
static void
map_qualifiers(Desired *d)
{
	for (int i = 0; i < d->ntokens; i++)
	{
		if (d->tokens[i].tok == migrator_token_sconst())
			map_regclass_literal(d, i);
		else if (next_is(d, i, '.') && is_target(d, i))
			add_edit(d, d->tokens[i].loc, d->tokens[i + 1].loc, d->qscratch);
	}
}

static List *
role_locations(List *roles, List *locs)
{
	ListCell   *lc;

	foreach(lc, roles)
		if (IsA(lfirst(lc), RoleSpec))
			locs = lappend_int(locs, lfirst_node(RoleSpec, lc)->location);
	return locs;
}

/*
 * A statement that names schemas (GRANT ON SCHEMA, COMMENT ON SCHEMA,
 * CREATE EXTENSION ... SCHEMA, ...): each name of the target schema in it
 * but the roles' (GRANT ... TO public) names the scratch schema.
 */
static void
map_schema_names(Desired *d, int start, int end, List *role_locs)
{
	for (int i = token_at(d, start); i < d->ntokens && d->tokens[i].loc < end; i++)
		if (is_target(d, i) && !next_is(d, i, '.') && !list_member_int(role_locs, d->tokens[i].loc))
			rename_token(d, i);
}

static bool
names_target(Desired *d, List *names)
{
	ListCell   *lc;

	foreach(lc, names)
		if (IsA(lfirst(lc), String) && strcmp(strVal(lfirst(lc)), d->target) == 0)
			return true;
	return false;
}

/* SET search_path = ...: the target schema among its values, by their locations */
static void
map_search_path(Desired *d, VariableSetStmt *v)
{
	ListCell   *lc;

	if (v->kind != VAR_SET_VALUE || strcmp(v->name, "search_path") != 0)
		return;
	foreach(lc, v->args)
	{
		A_Const    *c = lfirst(lc);
		int			i;

		if (!IsA(c, A_Const) || c->isnull || !IsA(&c->val, String) ||
			strcmp(strVal(&c->val), d->target) != 0)
			continue;
		i = token_at(d, c->location);
		if (i < d->ntokens && d->tokens[i].loc == c->location)
			rename_token(d, i);
	}
}

/* ALTER TABLE ... OWNER TO (tables, sequences, views): nothing else */
static bool
only_owner_change(AlterTableStmt *a)
{
	ListCell   *lc;

	foreach(lc, a->cmds)
		if (lfirst_node(AlterTableCmd, lc)->subtype != AT_ChangeOwner)
			return false;
	return a->cmds != NIL;
}

static bool
in_schema_kind(ObjectType t)
{
	switch (t)
	{
		case OBJECT_AGGREGATE:
		case OBJECT_COLLATION:
		case OBJECT_CONVERSION:
		case OBJECT_DOMAIN:
		case OBJECT_FUNCTION:
		case OBJECT_OPCLASS:
		case OBJECT_OPERATOR:
		case OBJECT_OPFAMILY:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
		case OBJECT_STATISTIC_EXT:
		case OBJECT_TSCONFIGURATION:
		case OBJECT_TSDICTIONARY:
		case OBJECT_TYPE:
			return true;
		default:
			return false;
	}
}

static void
set_owner(DesiredSchema *ds, RoleSpec *role)
{
	ds->sets_owner = true;
	ds->owner = get_rolespec_oid(role, false);
}

/* CREATE SCHEMA target: the scratch schema itself (not run); its owner */
static bool
read_create_schema(Desired *d, CreateSchemaStmt *c, DesiredSchema *ds)
{
	if (c->schemaname == NULL || strcmp(c->schemaname, d->target) != 0)
		return true;
	if (c->schemaElts != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("CREATE SCHEMA %s with the objects of the schema in it is not supported in the desired schema",
						quote_identifier(d->target)),
				 errhint("Write CREATE SCHEMA %s; and each object as a statement of its own.",
						 quote_identifier(d->target))));
	if (c->authrole)
		set_owner(ds, c->authrole);
	return false;
}

/*
 * ALTER ... OWNER TO: of the target schema, the owner to compare (not run);
 * of the schema's objects, skipped (owners of objects are not compared)
 */
static bool
read_owner(Desired *d, AlterOwnerStmt *a, DesiredSchema *ds)
{
	if (a->objectType == OBJECT_SCHEMA && strcmp(strVal(a->object), d->target) == 0)
	{
		set_owner(ds, a->newowner);
		return false;
	}
	return !in_schema_kind(a->objectType);
}

/* GRANT / REVOKE ON SCHEMA target, or ON ALL ... IN SCHEMA target */
static void
read_grant(Desired *d, GrantStmt *g, int start, int end, DesiredSchema *ds)
{
	List	   *roles = role_locations(g->grantees, NIL);

	if (!names_target(d, g->objects) ||
		(g->objtype != OBJECT_SCHEMA && g->targtype != ACL_TARGET_ALL_IN_SCHEMA))
		return;
	if (g->objtype == OBJECT_SCHEMA)
		ds->sets_grants = true;
	if (g->grantor)
		roles = lappend_int(roles, g->grantor->location);
	map_schema_names(d, start, end, roles);
}

/* ALTER DEFAULT PRIVILEGES IN SCHEMA target: its roles are roles */
static void
read_default_privileges(Desired *d, AlterDefaultPrivilegesStmt *a, int start, int end)
{
	List	   *roles = role_locations(a->action->grantees, NIL);
	ListCell   *lc;

	foreach(lc, a->options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "roles") == 0)
			roles = role_locations((List *) opt->arg, roles);
	}
	map_schema_names(d, start, end, roles);
}

/* CREATE INDEX CONCURRENTLY: a plain build, the scratch schema is nobody's */
static void
plain_index_build(Desired *d, int start, int end)
{
	for (int i = token_at(d, start); i < d->ntokens && d->tokens[i].loc < end; i++)
		if (d->tokens[i].tok == migrator_token_keyword("concurrently"))
		{
			add_edit(d, d->tokens[i].loc, token_end(d, i), "");
			return;
		}
}

/* BEGIN and COMMIT are dropped (the load is one subtransaction); others refused */
static bool
read_transaction(TransactionStmt *t)
{
	if (t->kind == TRANS_STMT_BEGIN || t->kind == TRANS_STMT_START ||
		t->kind == TRANS_STMT_COMMIT)
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
			 errmsg("transaction control other than BEGIN and COMMIT is not supported in the desired schema"),
			 errhint("Remove the statement.")));
	return false;
}

/*
 * What one statement of the file means for the load: false when it is not
 * to run (the target schema's own CREATE and OWNER TO, owners of its
 * objects, BEGIN and COMMIT); the names it needs mapped are added to the
 * edits.
 */
static bool
read_statement(Desired *d, Node *stmt, int start, int end, DesiredSchema *ds)
{
	switch (nodeTag(stmt))
	{
		case T_CreateSchemaStmt:
			return read_create_schema(d, (CreateSchemaStmt *) stmt, ds);
		case T_AlterOwnerStmt:
			return read_owner(d, (AlterOwnerStmt *) stmt, ds);
		case T_AlterTableStmt:
			return !only_owner_change((AlterTableStmt *) stmt);
		case T_CommentStmt:
			{
				CommentStmt *c = (CommentStmt *) stmt;

				if (c->objtype == OBJECT_SCHEMA && strcmp(strVal(c->object), d->target) == 0)
				{
					ds->sets_comment = true;
					map_schema_names(d, start, end, NIL);
				}
				break;
			}
		case T_GrantStmt:
			read_grant(d, (GrantStmt *) stmt, start, end, ds);
			break;
		case T_AlterDefaultPrivilegesStmt:
			read_default_privileges(d, (AlterDefaultPrivilegesStmt *) stmt, start, end);
			break;
		case T_CreateExtensionStmt:
			map_schema_names(d, start, end, NIL);
			break;
		case T_VariableSetStmt:
			map_search_path(d, (VariableSetStmt *) stmt);
			break;
		case T_IndexStmt:
			if (((IndexStmt *) stmt)->concurrent)
				plain_index_build(d, start, end);
			break;
		case T_TransactionStmt:
			return read_transaction((TransactionStmt *) stmt);
		default:
			break;
	}
	return true;
}

static int
edit_cmp(const void *a, const void *b)
{
	const Edit *x = a;
	const Edit *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* the statement [start, end) with its edits (from index *e on) applied */
static char *
mapped_statement(Desired *d, int start, int end, int *e)
{
	StringInfoData buf;
	int			at = start;

	initStringInfo(&buf);
	while (*e < d->nedits && d->edits[*e].start < start)
		(*e)++;
	for (; *e < d->nedits && d->edits[*e].start < end; (*e)++)
	{
		Edit	   *x = &d->edits[*e];

		appendBinaryStringInfo(&buf, d->text + at, x->start - at);
		appendStringInfoString(&buf, x->text);
		at = Min(x->end, end);
	}
	appendBinaryStringInfo(&buf, d->text + at, end - at);
	return buf.data;
}

/* a byte offset in a mapped statement: the offset in the file it came from */
static int
file_offset(Desired *d, int start, int end, int first_edit, int pos)
{
	int			orig = start;
	int			m = 0;

	for (int e = first_edit; e < d->nedits && d->edits[e].start < end; e++)
	{
		Edit	   *x = &d->edits[e];
		int			same = x->start - orig;
		int			rlen = strlen(x->text);

		if (pos < m + same)
			return orig + (pos - m);
		m += same;
		if (pos < m + rlen)
			return x->start;
		m += rlen;
		orig = x->end;
	}
	return Min(orig + (pos - m), end);
}

/* s with every scratch schema name replaced by the target's */
static char *
in_target_terms(Desired *d, const char *s)
{
	StringInfoData buf;
	const char *p;
	size_t		n = strlen(d->scratch);

	if (s == NULL)
		return NULL;
	initStringInfo(&buf);
	while ((p = strstr(s, d->scratch)) != NULL)
	{
		appendBinaryStringInfo(&buf, s, p - s);
		appendStringInfoString(&buf, d->target);
		s = p + n;
	}
	appendStringInfoString(&buf, s);
	return buf.data;
}

/*
 * An error of a mapped statement, told in the file's terms: its line (the
 * error's position in it when it has one) and text in place of SPI's
 * "SQL statement" context line, the target schema's name for the scratch's.
 */
static void
relocate_error(Desired *d, ErrorData *edata, const char *sql, int first_edit)
{
	const char *spi = psprintf(dgettext(PG_TEXTDOMAIN("postgres"), "SQL statement \"%s\""), sql);
	int			pos = edata->internalpos > 0 && edata->internalquery &&
		strcmp(edata->internalquery, sql) == 0 ? edata->internalpos : 0;
	int			offset = d->stmt_start;
	char	   *context = edata->context;
	char	   *at;

	if (pos > 0)
		offset = file_offset(d, d->stmt_start, d->stmt_end, first_edit,
							 pg_mbcharcliplen(sql, strlen(sql), pos - 1));
	edata->internalpos = 0;
	edata->internalquery = NULL;
	edata->cursorpos = 0;
	/* the file's line where SPI's context line was, between inner and outer ones */
	if (context && (at = strstr(context, spi)) != NULL)
		context = psprintf("%.*s%s%s", (int) (at - context), context, where(d, offset),
						   at + strlen(spi));
	else if (context && *context)
		context = psprintf("%s\n%s", where(d, offset), context);
	else
		context = where(d, offset);
	edata->context = in_target_terms(d, context);
	edata->message = in_target_terms(d, edata->message);
	edata->detail = in_target_terms(d, edata->detail);
	edata->hint = in_target_terms(d, edata->hint);
}

static void
run_statement(Desired *d, const char *sql, int first_edit)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		int			rc = SPI_execute(sql, false, 0);

		if (rc < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the desired schema cannot run this statement: %s",
							SPI_result_code_string(rc)),
					 errhint("A desired-state file holds DDL; remove the statement.")));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		relocate_error(d, edata, sql, first_edit);
		ReThrowError(edata);
	}
	PG_END_TRY();
}

/*
 * The scratch schema starts with the target schema's initial privileges
 * (pg_init_privs: public's USAGE for PUBLIC), on top of which pg_dump writes
 * a schema's GRANTs and REVOKEs; the owner's own are its owner's already.
 */
static void
initial_privileges(const char *target, const char *scratch)
{
	Oid			argtypes[2] = {OIDOID, TEXTOID};
	Datum		values[2];

	values[0] = ObjectIdGetDatum(get_namespace_oid(target, false));
	values[1] = CStringGetTextDatum(scratch);
	if (SPI_execute_with_args("SELECT format('GRANT %s ON SCHEMA %I TO %s%s', a.privilege_type, $2,"
							  "   CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,"
							  "   CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)"
							  " FROM pg_init_privs i, aclexplode(i.initprivs) a"
							  " WHERE i.classoid = 'pg_namespace'::regclass AND i.objoid = $1"
							  "   AND a.grantee <> a.grantor",
							  2, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the initial privileges of schema \"%s\"", target);
	for (uint64 i = 0; i < SPI_processed; i++)
		if (SPI_execute(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1),
						false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not grant the initial privileges of schema \"%s\"", target);
}

/* [start, end) of a statement: from its first token to its end */
static void
statement_bounds(Desired *d, RawStmt *rs)
{
	int			i = token_at(d, rs->stmt_location);

	d->stmt_start = i < d->ntokens ? d->tokens[i].loc : rs->stmt_location;
	d->stmt_end = rs->stmt_len > 0 ? rs->stmt_location + rs->stmt_len : d->len;
}

/*
 * Scan and parse the file, and read each statement (runs[i]: whether the
 * i-th is to run); errors name the line.  The edits come out sorted.
 */
static List *
read_file(Desired *d, DesiredSchema *ds, bool **runs)
{
	ErrorContextCallback cb;
	List	   *raw;
	ListCell   *lc;

	cb.callback = desired_error_callback;
	cb.arg = d;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	scan(d);
	raw = raw_parser(d->text, RAW_PARSE_DEFAULT);
	map_qualifiers(d);
	*runs = palloc(sizeof(bool) * Max(list_length(raw), 1));
	foreach(lc, raw)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);

		statement_bounds(d, rs);
		d->offset = d->stmt_start;
		(*runs)[foreach_current_index(lc)] =
			read_statement(d, rs->stmt, d->stmt_start, d->stmt_end, ds);
	}
	error_context_stack = cb.previous;
	if (d->nedits > 1)
		qsort(d->edits, d->nedits, sizeof(Edit), edit_cmp);
	return raw;
}

/*
 * Load the desired-state file text, written for schema target, into the
 * scratch schema (current, and the only one the guard lets it change), in
 * an SPI connection of the caller's; record in ds what it says of the
 * schema itself.
 */
void
desired_load(const char *text, const char *target, const char *scratch, DesiredSchema *ds)
{
	Desired		d = {0};
	List	   *raw;
	ListCell   *lc;
	bool	   *runs;
	int			e = 0;

	memset(ds, 0, sizeof(*ds));
	initial_privileges(target, scratch);
	d.text = pstrdup(text);
	d.len = strlen(text);
	d.target = target;
	d.scratch = scratch;
	d.qscratch = quote_identifier(scratch);
	d.offset = -1;
	d.stmt_start = -1;
	/* a UTF-8 byte order mark is not SQL */
	if (d.len >= 3 && memcmp(d.text, "\xEF\xBB\xBF", 3) == 0)
		memset(d.text, ' ', 3);
	compute_lines(&d);
	raw = read_file(&d, ds, &runs);

	foreach(lc, raw)
	{
		int			first;
		char	   *sql;

		statement_bounds(&d, lfirst_node(RawStmt, lc));
		while (e < d.nedits && d.edits[e].start < d.stmt_start)
			e++;
		first = e;
		sql = mapped_statement(&d, d.stmt_start, d.stmt_end, &e);
		if (runs[foreach_current_index(lc)])
			run_statement(&d, sql, first);
	}
}
