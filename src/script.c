/*-------------------------------------------------------------------------
 *
 * script.c
 *	  One migration file's text into statements, with PostgreSQL's own
 *	  scanner and parser (raw_parser gives each statement's location, so
 *	  dollar quotes, comments, E'' strings and drizzle's
 *	  "--> statement-breakpoint" comments need no scanner of ours).
 *
 *	  Also read off the text and the parse trees, before anything runs:
 *	  dbmate's "-- migrate:up" / "-- migrate:down" sections, psql
 *	  meta-commands, BEGIN; ... COMMIT; blocks (the file's own grouping, run
 *	  in the migration's transaction), other transaction control, and statements PostgreSQL refuses inside a
 *	  transaction block.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "utils/memutils.h"

#include "migrator.h"

/* error context while a file is scanned, parsed and checked */
typedef struct ScriptErrorState
{
	Script	   *script;
	int			textlen;
	int			offset;			/* statement being checked, or -1 */
	int			error_offset;	/* where a syntax error is, or -1 */
} ScriptErrorState;

static void
script_error_callback(void *arg)
{
	ScriptErrorState *st = (ScriptErrorState *) arg;
	Script	   *s = st->script;
	int			pos = geterrposition();
	int			offset = st->offset;

	if (pos > 0)
	{
		/* a syntax error: its position counts characters of the file */
		offset = pg_mbcharcliplen(s->text, st->textlen, pos - 1);
		st->error_offset = offset;
		errposition(0);
	}
	if (offset >= 0)
		errcontext("migration \"%s\", line %d, SQLSTATE %s", s->path,
				   migrator_line_at(s->line_starts, s->nlines, offset),
				   unpack_sql_state(geterrcode()));
	else
		errcontext("migration \"%s\", SQLSTATE %s", s->path,
				   unpack_sql_state(geterrcode()));
}

static void
compute_lines(Script *s, int len)
{
	int			cap = 64;

	s->line_starts = palloc(sizeof(int) * cap);
	s->line_starts[0] = 0;
	s->nlines = 1;
	for (int i = 0; i < len; i++)
	{
		if (s->text[i] != '\n')
			continue;
		if (s->nlines == cap)
		{
			cap *= 2;
			s->line_starts = repalloc(s->line_starts, sizeof(int) * cap);
		}
		s->line_starts[s->nlines++] = i + 1;
	}
}

/* what to do instead of a psql meta-command (its name without the backslash) */
static const char *
meta_command_hint(const char *cmd)
{
	if (strcmp(cmd, "i") == 0 || strcmp(cmd, "ir") == 0 || strcmp(cmd, "include") == 0 ||
		strcmp(cmd, "include_relative") == 0)
		return "Replace it with SQL: inline the file it would include.";
	if (strcmp(cmd, "set") == 0 || strcmp(cmd, "unset") == 0)
		return "migrator does not substitute psql variables: write the value itself where the migration uses it.";
	if (strcmp(cmd, "c") == 0 || strcmp(cmd, "connect") == 0)
		return "A migration runs in the database migrator is called in: call migrator in the other database for its migrations.";
	return "Replace it with SQL.";
}

/*
 * A syntax error at a psql variable reference (:name, :'name', :"name"),
 * which psql would have substituted: refused for what it is.  Returns
 * quietly if the error is another.
 */
static void
refuse_psql_variable(Script *s, ScriptErrorState *st, ErrorData *edata)
{
	const char *p;
	int			n = 0;

	if (edata->sqlerrcode != ERRCODE_SYNTAX_ERROR || st->error_offset < 0)
		return;
	p = s->text + st->error_offset;
	if (p[0] != ':')
		return;
	if (p[1] == '\'' || p[1] == '"')
	{
		const char *close = strchr(p + 2, p[1]);

		if (close != NULL && close > p + 2)
			n = close - p + 1;
	}
	else if (IS_HIGHBIT_SET(p[1]) || isalpha((unsigned char) p[1]) || p[1] == '_')
	{
		n = 2;
		while (IS_HIGHBIT_SET(p[n]) || isalnum((unsigned char) p[n]) || p[n] == '_')
			n++;
	}
	if (n == 0)
		return;
	st->offset = st->error_offset;
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("psql variable \"%.*s\" is not supported in migration \"%s\"", n, p, s->path),
			 errdetail("psql would substitute the variable; migrator runs the file inside the server as it is written."),
			 errhint("Write the value itself in the migration.")));
}

/*
 * raw_parser() on a script's text, where a syntax error at a psql
 * variable says so.
 */
static List *
parse_text(Script *s, ScriptErrorState *st)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *volatile raw = NIL;

	PG_TRY();
	{
		raw = raw_parser(s->text, RAW_PARSE_DEFAULT);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		MemoryContext errcxt = MemoryContextSwitchTo(cxt);

		edata = CopyErrorData();
		MemoryContextSwitchTo(errcxt);
		if (edata->sqlerrcode == ERRCODE_SYNTAX_ERROR && st->error_offset >= 0)
		{
			FlushErrorState();
			refuse_psql_variable(s, st, edata);
			ReThrowError(edata);
		}
		PG_RE_THROW();
	}
	PG_END_TRY();
	return raw;
}

/*
 * Scan the file into tokens with the server's own scanner; keep where each
 * token starts.  psql meta-commands show up here as a lone backslash, which
 * is no SQL token.
 */
static int *
scan_tokens(Script *s, ScriptErrorState *st, int *ntokens)
{
	core_yy_extra_type yyext;
	core_yyscan_t scanner;
	int			cap = 256;
	int			n = 0;
	int		   *locs = palloc(sizeof(int) * cap);

	scanner = scanner_init(s->text, &yyext, &ScanKeywords, ScanKeywordTokens);
	yyext.escape_string_warning = false;	/* the parser warns, once */
	for (;;)
	{
		core_YYSTYPE yylval;
		YYLTYPE		yylloc;
		int			tok = core_yylex(&yylval, &yylloc, scanner);

		if (tok == 0)
			break;
		if (tok == '\\')
		{
			int			wlen = 0;
			const char *w = s->text + yylloc + 1;

			while ((w[wlen] >= 'a' && w[wlen] <= 'z') || (w[wlen] >= 'A' && w[wlen] <= 'Z') ||
				   w[wlen] == '!' || w[wlen] == '?')
				wlen++;
			st->offset = yylloc;
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("psql meta-command \"\\%.*s\" is not supported in migration \"%s\"",
							wlen, w, s->path),
					 errdetail("Migrations run inside the server, where psql's backslash commands do not exist."),
					 errhint("%s", meta_command_hint(pnstrdup(w, wlen)))));
		}
		if (n == cap)
		{
			cap *= 2;
			locs = repalloc(locs, sizeof(int) * cap);
		}
		locs[n++] = yylloc;
	}
	scanner_finish(scanner);
	*ntokens = n;
	return locs;
}

/* first token at or after offset (binary search), or -1 */
int
script_first_token(const int *locs, int n, int offset)
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (locs[mid] < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n ? locs[lo] : -1;
}

/*
 * The statements PostgreSQL refuses inside a transaction block
 * (PreventInTransactionBlock), read off the parse tree.  NULL if none.
 */
const char *
script_top_level_statement(Node *node)
{
	switch (nodeTag(node))
	{
		case T_IndexStmt:
			return ((IndexStmt *) node)->concurrent ? "CREATE INDEX CONCURRENTLY" : NULL;
		case T_DropStmt:
			return ((DropStmt *) node)->concurrent ? "DROP INDEX CONCURRENTLY" : NULL;
		case T_ReindexStmt:
			{
				ReindexStmt *r = (ReindexStmt *) node;
				ListCell   *lc;

				if (r->kind == REINDEX_OBJECT_SYSTEM || r->kind == REINDEX_OBJECT_DATABASE)
					return "REINDEX DATABASE";
				foreach(lc, r->params)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "concurrently") == 0 && defGetBoolean(opt))
						return "REINDEX CONCURRENTLY";
				}
				return NULL;
			}
		case T_VacuumStmt:
			return ((VacuumStmt *) node)->is_vacuumcmd ? "VACUUM" : NULL;
		case T_ClusterStmt:
			return ((ClusterStmt *) node)->relation == NULL ? "CLUSTER" : NULL;
		case T_AlterSystemStmt:
			return "ALTER SYSTEM";
		case T_CreatedbStmt:
			return "CREATE DATABASE";
		case T_DropdbStmt:
			return "DROP DATABASE";
		case T_CreateTableSpaceStmt:
			return "CREATE TABLESPACE";
		case T_DropTableSpaceStmt:
			return "DROP TABLESPACE";
		default:
			return NULL;
	}
}

/* the level a SET TRANSACTION ISOLATION LEVEL sets, if that is all it does */
static char *
transaction_isolation(Node *node)
{
	VariableSetStmt *v = (VariableSetStmt *) node;
	char	   *level = NULL;
	ListCell   *lc;

	if (!IsA(node, VariableSetStmt) || v->kind != VAR_SET_MULTI ||
		strcmp(v->name, "TRANSACTION") != 0)
		return NULL;
	foreach(lc, v->args)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "transaction_isolation") != 0 || !IsA(opt->arg, A_Const))
			return NULL;
		level = strVal(&castNode(A_Const, opt->arg)->val);
	}
	return level;
}

static bool
is_begin(Node *node)
{
	TransactionStmt *t = (TransactionStmt *) node;

	return IsA(node, TransactionStmt) &&
		(t->kind == TRANS_STMT_BEGIN || t->kind == TRANS_STMT_START);
}

static bool
is_commit(Node *node)
{
	TransactionStmt *t = (TransactionStmt *) node;

	return IsA(node, TransactionStmt) && t->kind == TRANS_STMT_COMMIT && !t->chain;
}

/* Sqitch's verify scripts end their block with ROLLBACK (run.c rolls them back) */
static bool
is_rollback(Node *node)
{
	TransactionStmt *t = (TransactionStmt *) node;

	return IsA(node, TransactionStmt) && t->kind == TRANS_STMT_ROLLBACK && !t->chain;
}

/*
 * What a CREATE INDEX builds, when it is a plain index on columns: its
 * method, uniqueness and columns ("btree unique a,b"); NULL for anything
 * more (expressions, a predicate, INCLUDE, opclasses, collations, orders).
 * run.c compares it with an index found already built.
 */
static char *
index_shape(IndexStmt *is, MemoryContext cxt)
{
	StringInfoData buf;
	ListCell   *lc;

	if (is->whereClause || is->indexIncludingParams != NIL || is->options != NIL)
		return NULL;
	initStringInfo(&buf);
	appendStringInfo(&buf, "%s %s", is->accessMethod ? is->accessMethod : "btree",
					 is->unique ? "unique " : "");
	foreach(lc, is->indexParams)
	{
		IndexElem  *e = lfirst_node(IndexElem, lc);

		if (e->name == NULL || e->opclass != NIL || e->collation != NIL ||
			e->ordering != SORTBY_DEFAULT || e->nulls_ordering != SORTBY_NULLS_DEFAULT)
			return NULL;
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? "," : "", e->name);
	}
	return MemoryContextStrdup(cxt, buf.data);
}

static void
check_statement(Script *s, Node *node)
{
	if (IsA(node, VariableSetStmt) && ((VariableSetStmt *) node)->name &&
		strcmp(((VariableSetStmt *) node)->name, "session_authorization") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("SET SESSION AUTHORIZATION is not allowed in migration \"%s\"", s->path),
				 errdetail("Migrations run as the role that calls migrator; SET ROLE to a role it belongs to lasts until the end of the migration."),
				 errhint("Run the migration as the intended role instead.")));
	if (IsA(node, TransactionStmt))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("transaction control statement in migration \"%s\"", s->path),
				 errdetail("A migration runs in a transaction that migrator begins and commits; BEGIN; ... COMMIT; blocks are accepted as groupings inside it, other transaction control is not."),
				 errhint("Remove the statement, or split the file into separate migrations.")));
	if (IsA(node, CopyStmt) && ((CopyStmt *) node)->filename == NULL &&
		!((CopyStmt *) node)->is_program)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY %s is not supported in migration \"%s\"",
						((CopyStmt *) node)->is_from ? "FROM STDIN" : "TO STDOUT",
						s->path),
				 errdetail("Migrations run inside the server, with no client to send or receive the data."),
				 errhint("Use INSERT statements, or COPY from a file on the server.")));
}

/*
 * A migration's text as script_parse() splits it, before the split: the
 * byte order mark and the other dbmate section blanked out, the line
 * starts, and the directives of its first lines.
 */
Script *
script_read(const Migration *m)
{
	Script	   *s = palloc0(sizeof(Script));
	char	   *text = pnstrdup(m->content, m->len);
	int			len = m->len;

	/* a UTF-8 byte order mark is not SQL; the checksum still covers it */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		memset(text, ' ', 3);
	blank_pg_dump_restrict(text, len);
	s->no_transaction_why = no_transaction_directive(text, len, &s->no_transaction_line);
	if (s->no_transaction_why == NULL && m->no_transaction)
	{
		s->no_transaction_why = "run_in_transaction = false in metadata.toml";
		s->no_transaction_line = 1;
	}
	s->no_transaction = (s->no_transaction_why != NULL);
	s->lock_timeout = value_directive(text, len, "lock_timeout");
	s->statement_timeout = value_directive(text, len, "statement_timeout");
	if (m->is_down)
		keep_dbmate_down_section(text, len);
	else
		keep_dbmate_up_section(text, len);

	s->path = m->path;
	s->text = text;
	compute_lines(s, len);
	return s;
}

/*
 * raw_parser() on a script's text; a syntax error names the file and line.
 */
List *
script_raw_parse(Script *s)
{
	ScriptErrorState st;
	ErrorContextCallback cb;
	List	   *raw;

	st.script = s;
	st.textlen = strlen(s->text);
	st.offset = -1;
	st.error_offset = -1;
	cb.callback = script_error_callback;
	cb.arg = &st;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	raw = parse_text(s, &st);
	error_context_stack = cb.previous;
	return raw;
}

static Script *script_parse_internal(const Migration *m, bool keep);

/*
 * Split a migration's text into statements and check each, raising an
 * error (with the file and line) for anything that must not run.
 */
Script *
script_parse(const Migration *m)
{
	return script_parse_internal(m, false);
}

/*
 * The same, keeping the parse trees in s->raw until script_drop_parse(),
 * for the lint to read them rather than parse the text again.
 */
Script *
script_parse_keep(const Migration *m)
{
	return script_parse_internal(m, true);
}

void
script_drop_parse(Script *s)
{
	if (s->parsecxt)
		MemoryContextDelete(s->parsecxt);
	s->parsecxt = NULL;
	s->raw = NIL;
}

static Script *
script_parse_internal(const Migration *m, bool keep)
{
	Script	   *s = script_read(m);
	char	   *text = (char *) s->text;
	int			len = m->len;
	ScriptErrorState st;
	ErrorContextCallback cb;
	int			ntokens;
	int		   *tokens;
	List	   *raw;
	ListCell   *lc;
	int			nraw;
	bool		in_block = false;
	MemoryContext parsecxt;
	MemoryContext oldcxt;
	int			block_start = 0;

	st.script = s;
	st.textlen = len;
	st.offset = -1;
	st.error_offset = -1;
	cb.callback = script_error_callback;
	cb.arg = &st;
	cb.previous = error_context_stack;
	error_context_stack = &cb;

	/* an empty down script: nothing to undo (golang-migrate runs it as such) */
	if (strspn(text, " \t\r\n\f\v") == (size_t) len && !m->down_script)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration file \"%s\" is empty", m->path),
				 errhint("Write the migration's SQL into it, or remove the file.")));

	/* tokens and parse trees are dropped once the statements are known */
	parsecxt = AllocSetContextCreate(CurrentMemoryContext, "migrator parse",
									 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(parsecxt);
	tokens = scan_tokens(s, &st, &ntokens);
	raw = parse_text(s, &st);
	nraw = list_length(raw);
	MemoryContextSwitchTo(oldcxt);

	/*
	 * BEGIN; ... COMMIT; blocks (around the whole file, or around a part of
	 * it as some Prisma and golang-migrate files have) group statements that
	 * run in the migration's one transaction anyway: they are dropped.  Any
	 * other transaction control is refused.
	 */
	s->stmts = palloc(sizeof(ScriptStmt) * Max(nraw, 1));
	foreach(lc, raw)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		int			end = rs->stmt_len > 0 ? rs->stmt_location + rs->stmt_len : len;
		int			start = script_first_token(tokens, ntokens, rs->stmt_location);

		st.offset = start;
		if (!in_block && is_begin(rs->stmt))
		{
			in_block = true;
			block_start = start;
			continue;
		}
		if (in_block && (is_commit(rs->stmt) ||
						 (m->verify_script && is_rollback(rs->stmt))))
		{
			in_block = false;
			continue;
		}
		/*
		 * SET TRANSACTION ISOLATION LEVEL as the migration's first statement
		 * is its own transaction's level, which migrate() sets before the
		 * migration's transaction takes its first snapshot.
		 */
		if (s->nstmts == 0 && s->isolation == NULL &&
			(s->isolation = transaction_isolation(rs->stmt)) != NULL)
		{
			s->isolation = MemoryContextStrdup(oldcxt, s->isolation);
			continue;
		}
		check_statement(s, rs->stmt);

		s->stmts[s->nstmts].offset = start;
		s->stmts[s->nstmts].len = end - start;
		s->stmts[s->nstmts].line = migrator_line_at(s->line_starts, s->nlines, start);
		s->stmts[s->nstmts].top_level = script_top_level_statement(rs->stmt);
		s->stmts[s->nstmts].index_name = NULL;
		if (IsA(rs->stmt, IndexStmt) && ((IndexStmt *) rs->stmt)->idxname)
		{
			IndexStmt  *is = (IndexStmt *) rs->stmt;
			ScriptStmt *ss = &s->stmts[s->nstmts];

			ss->index_name = MemoryContextStrdup(oldcxt, is->idxname);
			ss->index_table = MemoryContextStrdup(oldcxt, is->relation->relname);
			ss->index_table_schema = is->relation->schemaname ?
				MemoryContextStrdup(oldcxt, is->relation->schemaname) : NULL;
			ss->index_shape = index_shape(is, oldcxt);
		}
		if (s->stmts[s->nstmts].top_level && !s->no_transaction)
		{
			/* found in the parse tree, as Prisma does for a lone CIC */
			s->no_transaction = true;
			s->no_transaction_why = s->stmts[s->nstmts].top_level;
			s->no_transaction_line = s->stmts[s->nstmts].line;
		}
		s->nstmts++;
	}
	if (in_block)
	{
		st.offset = block_start;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("BEGIN without COMMIT in migration \"%s\"", s->path),
				 errhint("End the block with COMMIT; or remove the BEGIN;.")));
	}

	error_context_stack = cb.previous;
	if (keep)
	{
		s->raw = raw;
		s->parsecxt = parsecxt;
	}
	else
		MemoryContextDelete(parsecxt);
	return s;
}

/*
 * The scanner's codes for an identifier, a string constant and "::".  They are
 * defined in parser/gram.h, which not every server-dev package installs
 * (Debian's for 17 does not): learned once by scanning a sample instead.
 */
static int	tok_ident = -1;
static int	tok_sconst = -1;
static int	tok_typecast = -1;

static void
learn_tokens(void)
{
	core_yy_extra_type yyext;
	core_yyscan_t scanner;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;

	if (tok_ident >= 0)
		return;
	scanner = scanner_init("x 'x' ::", &yyext, &ScanKeywords, ScanKeywordTokens);
	tok_ident = core_yylex(&yylval, &yylloc, scanner);
	tok_sconst = core_yylex(&yylval, &yylloc, scanner);
	tok_typecast = core_yylex(&yylval, &yylloc, scanner);
	scanner_finish(scanner);
}

int
migrator_token_ident(void)
{
	learn_tokens();
	return tok_ident;
}

int
migrator_token_sconst(void)
{
	learn_tokens();
	return tok_sconst;
}

int
migrator_token_typecast(void)
{
	learn_tokens();
	return tok_typecast;
}

/* the scanner's code for a keyword (lower case); -1 if it is none */
int
migrator_token_keyword(const char *keyword)
{
	int			kwnum = ScanKeywordLookup(keyword, &ScanKeywords);

	return kwnum < 0 ? -1 : ScanKeywordTokens[kwnum];
}
