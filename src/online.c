/*-------------------------------------------------------------------------
 *
 * online.c
 *	  Online runs of ordinary migrations (migrator.online = on): each
 *	  statement that would lock an existing, non-empty table for the length
 *	  of a scan runs in its lock-safe form -- CREATE INDEX CONCURRENTLY,
 *	  DROP INDEX CONCURRENTLY, constraints added NOT VALID and validated in
 *	  a transaction of their own, SET NOT NULL through a validated check,
 *	  keys through a unique index built concurrently -- and the rest as
 *	  written.  A statement that rewrites a table larger than
 *	  migrator.online_rewrite_max stops the migration before anything of
 *	  it runs.
 *
 *	  A migration split this way is several transactions: the statement
 *	  and step reached are kept in migrator.online_progress, committed with
 *	  the work they describe, and a rerun resumes at the first step not
 *	  done.  migrator_online_form() is the one decision of a statement's
 *	  form; explain() (explain.c) shows it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_target.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "online.h"

static bool migrator_online = false;
int			migrator_online_rewrite_max = 100 * 1024;	/* kB */

void
migrator_online_define_gucs(void)
{
	DefineCustomBoolVariable("migrator.online",
							 "Runs the statements of migrations that would lock an existing, non-empty table in their lock-safe form.",
							 "A file's \"-- migrator:online=on|off\" directive and migrate()'s online argument override it.",
							 &migrator_online,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("migrator.online_rewrite_max",
							"Largest table an online run rewrites (ALTER COLUMN TYPE, a volatile default, SET LOGGED ...).",
							"A statement that would rewrite a larger table stops the migration before it runs.",
							&migrator_online_rewrite_max,
							100 * 1024,
							0,
							INT_MAX,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
}

/*
 * Whether a migration runs online: its "-- migrator:online=" directive,
 * else migrate()'s argument (arg 0 or 1, -1 when not given), else the
 * GUC.  Migrations outside a transaction block, or that set their
 * isolation level, run as they do today.
 */
bool
migrator_online_wanted(const Script *s, int arg)
{
	char	   *v = value_directive(s->text, strlen(s->text), "online");
	bool		on;

	if (s->no_transaction || s->isolation)
		return false;
	if (v != NULL)
	{
		if (!parse_bool(v, &on))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value \"%s\" of directive \"-- migrator:online\" in migration \"%s\"",
							v, s->path),
					 errhint("Use -- migrator:online=on or -- migrator:online=off.")));
		return on;
	}
	if (arg >= 0)
		return arg == 1;
	return migrator_online;
}

/* ---------------------------------------------------------------------
 * The form of a statement
 * ---------------------------------------------------------------------
 */

/* one statement's text into its parse tree */
Node *
migrator_online_parse(const char *sql)
{
	List	   *raw = raw_parser(sql, RAW_PARSE_DEFAULT);

	if (list_length(raw) != 1)
		return NULL;
	return linitial_node(RawStmt, raw)->stmt;
}

/* sql with insert after its first keyword kw (lower case), or NULL */
static char *
insert_after_keyword(const char *sql, const char *kw, const char *insert)
{
	core_yy_extra_type yyext;
	core_yyscan_t scanner;
	int			want = migrator_token_keyword(kw);
	char	   *result = NULL;

	scanner = scanner_init(sql, &yyext, &ScanKeywords, ScanKeywordTokens);
	yyext.escape_string_warning = false;
	for (;;)
	{
		core_YYSTYPE yylval;
		YYLTYPE		yylloc;
		int			tok = core_yylex(&yylval, &yylloc, scanner);

		if (tok == 0)
			break;
		if (tok == want)
		{
			int			at = yylloc + strlen(kw);

			result = psprintf("%.*s%s%s", at, sql, insert, sql + at);
			break;
		}
	}
	scanner_finish(scanner);
	return result;
}

static char *
qualified(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/* "a_b_c" from names, as ChooseIndexNameAddition joins them */
static char *
name_addition(List *names)
{
	char		buf[NAMEDATALEN * 2];
	int			len = 0;
	ListCell   *lc;

	buf[0] = '\0';
	foreach(lc, names)
	{
		const char *name = lfirst(lc);

		if (len > 0)
			buf[len++] = '_';
		strlcpy(buf + len, name, NAMEDATALEN);
		len += strlen(buf + len);
		if (len >= NAMEDATALEN)
			break;
	}
	return pstrdup(buf);
}

/* the column names PostgreSQL gives the index's columns (ChooseIndexColumnNames) */
static List *
index_column_names(List *params)
{
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, params)
	{
		IndexElem  *ie = lfirst_node(IndexElem, lc);
		char	   *name = ie->name ? ie->name : FigureIndexColname(ie->expr);

		names = lappend(names, name ? name : "expr");
	}
	return names;
}

/* true when the table has a row (it is locked ACCESS SHARE to read it) */
static bool
table_has_rows(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	bool		empty = RelationGetNumberOfBlocks(rel) == 0;
	char	   *has;

	table_close(rel, NoLock);
	if (empty)
		return false;
	has = migrator_spi_text(psprintf("SELECT EXISTS (SELECT FROM ONLY %s)", qualified(relid)),
							0, NULL, NULL, true);
	return has && strcmp(has, "t") == 0;
}

static OnlineForm *
as_written(OnlineForm *f, const char *why)
{
	f->kind = ONLINE_AS_WRITTEN;
	f->why = why;
	f->nsteps = 0;
	return f;
}

static void
add_step(OnlineForm *f, char *sql, bool top_level)
{
	Assert(f->nsteps < ONLINE_MAX_STEPS);
	f->steps[f->nsteps].sql = sql;
	f->steps[f->nsteps].top_level = top_level;
	f->nsteps++;
}

/* CREATE [UNIQUE] INDEX: built concurrently, named as PostgreSQL would name it */
static OnlineForm *
form_index(OnlineForm *f, const char *sql, IndexStmt *is, const char *name)
{
	char	   *insert;
	char	   *step;

	if (is->idxname)
		f->name = is->idxname;
	else
		f->name = name ? pstrdup(name) :
			ChooseRelationName(get_rel_name(f->relid), name_addition(index_column_names(is->indexParams)),
							   "idx", get_rel_namespace(f->relid), false);
	insert = is->idxname ? " CONCURRENTLY" :
		psprintf(" CONCURRENTLY %s", quote_identifier(f->name));
	step = insert_after_keyword(sql, "index", insert);
	if (step == NULL)
		return as_written(f, "its INDEX keyword was not found");
	f->kind = ONLINE_INDEX;
	add_step(f, step, true);
	return f;
}

static OnlineForm *
form_drop_index(OnlineForm *f, const char *sql, DropStmt *ds)
{
	char	   *step = insert_after_keyword(sql, "index",
											ds->missing_ok ? " CONCURRENTLY" : " CONCURRENTLY IF EXISTS");

	if (step == NULL)
		return as_written(f, "its INDEX keyword was not found");
	f->kind = ONLINE_DROP_INDEX;
	add_step(f, step, true);
	return f;
}

/* ADD FOREIGN KEY / CHECK: NOT VALID, then VALIDATE in a transaction of its own */
static OnlineForm *
form_not_valid(OnlineForm *f, const char *sql, Constraint *c, const char *name)
{
	f->kind = ONLINE_NOT_VALID;
	f->name = c->conname ? c->conname : name ? pstrdup(name) : NULL;
	add_step(f, psprintf("%s\nNOT VALID", sql), false);
	add_step(f, f->name ? psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", qualified(f->relid),
								   quote_identifier(f->name)) : NULL, false);
	return f;
}

/* ADD PRIMARY KEY / UNIQUE: a unique index built concurrently, then USING INDEX */
static OnlineForm *
form_key(OnlineForm *f, Constraint *c, const char *name)
{
	StringInfoData cols;
	List	   *names = NIL;
	ListCell   *lc;
	bool		pk = c->contype == CONSTR_PRIMARY;

	if (c->including != NIL || c->options != NIL || c->indexspace != NULL ||
		c->nulls_not_distinct || c->keys == NIL)
		return as_written(f, "the key has options a unique index is built without here");
	initStringInfo(&cols);
	foreach(lc, c->keys)
	{
		appendStringInfo(&cols, "%s%s", cols.len ? ", " : "", quote_identifier(strVal(lfirst(lc))));
		names = lappend(names, strVal(lfirst(lc)));
	}
	f->name = c->conname ? c->conname : name ? pstrdup(name) :
		ChooseRelationName(get_rel_name(f->relid), pk ? NULL : name_addition(names),
						   pk ? "pkey" : "key", get_rel_namespace(f->relid), true);
	f->kind = ONLINE_KEY;
	add_step(f, psprintf("CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s)",
						 quote_identifier(f->name), qualified(f->relid), cols.data), true);
	add_step(f, psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s%s%s",
						 qualified(f->relid), quote_identifier(f->name),
						 pk ? "PRIMARY KEY" : "UNIQUE", quote_identifier(f->name),
						 c->deferrable ? " DEFERRABLE" : "",
						 c->initdeferred ? " INITIALLY DEFERRED" : ""), false);
	return f;
}

/* SET NOT NULL: proven by a validated constraint first, so that it skips its scan */
static OnlineForm *
form_not_null(OnlineForm *f, const char *sql, const char *column, const char *name)
{
	char	   *table = qualified(f->relid);
	const char *n;

	f->kind = ONLINE_NOT_NULL;
#if COMPAT_NOT_NULL_NOT_VALID
	/* the constraint SET NOT NULL would add, by the name it would give it */
	f->name = name ? pstrdup(name) :
		ChooseConstraintName(get_rel_name(f->relid), column, "not_null",
							 get_rel_namespace(f->relid), NIL);
	n = quote_identifier(f->name);
	add_step(f, psprintf("ALTER TABLE %s ADD CONSTRAINT %s NOT NULL %s NOT VALID",
						 table, n, quote_identifier(column)), false);
	add_step(f, psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", table, n), false);
	add_step(f, pstrdup(sql), false);
#else
	/* a temporary check of a name no constraint of the schema has */
	f->name = name ? pstrdup(name) :
		ChooseConstraintName(get_rel_name(f->relid), column, "migrator_not_null",
							 get_rel_namespace(f->relid), NIL);
	n = quote_identifier(f->name);
	add_step(f, psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID",
						 table, n, quote_identifier(column)), false);
	add_step(f, psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", table, n), false);
	add_step(f, psprintf("%s;\nALTER TABLE %s DROP CONSTRAINT %s", sql, table, n), false);
#endif
	return f;
}

/* the column is NOT NULL already */
static bool
column_not_null(Oid relid, const char *column)
{
	HeapTuple	tup = SearchSysCacheAttName(relid, column);
	bool		notnull;

	if (!HeapTupleIsValid(tup))
		return false;
	notnull = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
	ReleaseSysCache(tup);
	return notnull;
}

static OnlineForm *
form_alter_table(OnlineForm *f, const char *sql, AlterTableStmt *as, const char *name,
				 bool resume)
{
	AlterTableCmd *cmd;
	ListCell   *lc;

	foreach(lc, as->cmds)
	{
		const char *why = migrator_lint_rewrites(as->relation, lfirst_node(AlterTableCmd, lc));

		if (why == NULL)
			continue;
		f->effect = "rewrite";
		f->why = why;
		if (f->bytes > (int64) migrator_online_rewrite_max * 1024)
		{
			f->kind = ONLINE_REFUSED;
			return f;
		}
		return as_written(f, psprintf("%s, below migrator.online_rewrite_max", why));
	}
	if (list_length(as->cmds) != 1)
		return as_written(f, "several subcommands");
	cmd = linitial_node(AlterTableCmd, as->cmds);
	if (cmd->subtype == AT_SetNotNull)
	{
		/* begun: its own validated check proves it now, and must still go */
		if (!resume && column_not_null(f->relid, cmd->name))
			return as_written(f, "the column is NOT NULL already");
		if (!resume && migrator_lint_not_null_proven(as->relation, cmd->name))
			return as_written(f, "a validated CHECK proves it: no scan");
		f->effect = "scan";
		return form_not_null(f, sql, cmd->name, name);
	}
	if (cmd->subtype == AT_AddConstraint)
	{
		Constraint *c = castNode(Constraint, cmd->def);

		switch (c->contype)
		{
			case CONSTR_FOREIGN:
			case CONSTR_CHECK:
				if (c->skip_validation)
					return as_written(f, "NOT VALID already");
				f->effect = "scan";
				return form_not_valid(f, sql, c, name);
			case CONSTR_PRIMARY:
			case CONSTR_UNIQUE:
				if (c->indexname)
					return as_written(f, "USING INDEX already");
				f->effect = "scan";
				return form_key(f, c, name);
			default:
				break;
		}
	}
	return as_written(f, "no lock-safe form needed");
}

/* the table the statement's form works on, or InvalidOid */
static Oid
form_table(Node *stmt)
{
	RangeVar   *rv = NULL;
	Oid			relid;

	switch (nodeTag(stmt))
	{
		case T_IndexStmt:
			rv = ((IndexStmt *) stmt)->relation;
			break;
		case T_AlterTableStmt:
			if (((AlterTableStmt *) stmt)->objtype != OBJECT_TABLE)
				return InvalidOid;
			rv = ((AlterTableStmt *) stmt)->relation;
			break;
		case T_DropStmt:
			{
				DropStmt   *ds = (DropStmt *) stmt;

				if (ds->removeType != OBJECT_INDEX || list_length(ds->objects) != 1)
					return InvalidOid;
				relid = RangeVarGetRelid(makeRangeVarFromNameList(linitial(ds->objects)),
										 NoLock, true);
				if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_INDEX)
					return InvalidOid;
				return IndexGetRelation(relid, true);
			}
		default:
			return InvalidOid;
	}
	return RangeVarGetRelid(rv, NoLock, true);
}

/*
 * The form the statement sql (parse tree stmt) runs in online, decided
 * against the live catalog: a table that does not exist yet (created
 * later in the run) or is empty takes the statement as written.  name is
 * the index or constraint name an interrupted run chose, and resume that
 * the statement was begun online: its form is kept whatever the table
 * holds now.
 */
OnlineForm *
migrator_online_form(const char *sql, Node *stmt, const char *name, bool resume)
{
	OnlineForm *f = palloc0(sizeof(OnlineForm));

	f->rows = -1;
	if (stmt == NULL)
		return as_written(f, "not one statement");
	f->lock = migrator_lint_lock(stmt, &f->rel);
	/* begun: its concurrent drop may have finished, IF EXISTS makes it a no-op */
	if (resume && IsA(stmt, DropStmt) && ((DropStmt *) stmt)->removeType == OBJECT_INDEX)
		return form_drop_index(f, sql, (DropStmt *) stmt);
	f->relid = form_table(stmt);
	if (!OidIsValid(f->relid))
		return as_written(f, (IsA(stmt, IndexStmt) || IsA(stmt, AlterTableStmt)) ?
						  "a table the run creates" : "no lock-safe form");
	migrator_lint_table_size(f->relid, &f->rows, &f->bytes);
	if (get_rel_relkind(f->relid) != RELKIND_RELATION)
		return as_written(f, "not a plain table");
	if (!resume && !table_has_rows(f->relid))
	{
		/* a rewrite of an empty table is still named as one */
		if (IsA(stmt, AlterTableStmt))
			(void) form_alter_table(f, sql, (AlterTableStmt *) stmt, name, false);
		return as_written(f, "the table is empty");
	}
	switch (nodeTag(stmt))
	{
		case T_IndexStmt:
			if (((IndexStmt *) stmt)->concurrent)
				return as_written(f, "CONCURRENTLY already");
			f->effect = "scan";
			return form_index(f, sql, (IndexStmt *) stmt, name);
		case T_DropStmt:
			if (((DropStmt *) stmt)->concurrent)
				return as_written(f, "CONCURRENTLY already");
			if (((DropStmt *) stmt)->behavior == DROP_CASCADE)
				return as_written(f, "CASCADE: DROP INDEX CONCURRENTLY cannot");
			return form_drop_index(f, sql, (DropStmt *) stmt);
		case T_AlterTableStmt:
			return form_alter_table(f, sql, (AlterTableStmt *) stmt, name, resume);
		default:
			return as_written(f, "no lock-safe form");
	}
}

/* the steps of a form, one a line, for explain() */
char *
migrator_online_form_text(const OnlineForm *f)
{
	StringInfoData buf;

	if (f->kind == ONLINE_AS_WRITTEN)
		return psprintf("as written (%s)", f->why);
	if (f->kind == ONLINE_REFUSED)
		return psprintf("refused: %s, above migrator.online_rewrite_max; use migrator.expand (alter_column or add_column with \"up\"), migrator.backfill, migrator.contract",
						f->why);
	initStringInfo(&buf);
	for (int i = 0; i < f->nsteps; i++)
		appendStringInfo(&buf, "%s%s%s", i ? "\n" : "",
						 f->steps[i].sql ? f->steps[i].sql :
						 psprintf("ALTER TABLE %s VALIDATE CONSTRAINT (the name it gets)",
								  qualified(f->relid)),
						 f->steps[i].top_level ? "  -- outside a transaction" : "");
	return buf.data;
}

/* ---------------------------------------------------------------------
 * Progress: the statement and step an online migration has reached
 * ---------------------------------------------------------------------
 */

typedef struct OnlineProgress
{
	int			stmt;			/* statements before it are done */
	int			step;			/* steps of it done, when online */
	bool		online;			/* stmt was begun in its online form */
	char	   *name;			/* the name its form chose */
} OnlineProgress;

static bool
progress_table_exists(void)
{
	Oid			nsp = get_namespace_oid(MIGRATOR_SCHEMA, true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("online_progress", nsp));
}

static bool
progress_read(const Migration *m, OnlineProgress *p)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	char	   *row;

	memset(p, 0, sizeof(*p));
	if (!progress_table_exists())
		return false;
	values[0] = CStringGetTextDatum(m->path);
	values[1] = CStringGetTextDatum(m->checksum);
	row = migrator_spi_text("SELECT concat_ws(chr(1), stmt, step, online, name) FROM migrator.online_progress WHERE path = $1 AND checksum = $2",
							2, types, values, true);
	if (row == NULL)
		return false;
	{
		char	   *save;
		char	   *t = strtok_r(row, "\x01", &save);

		p->stmt = atoi(t);
		p->step = atoi(strtok_r(NULL, "\x01", &save));
		p->online = strcmp(strtok_r(NULL, "\x01", &save), "t") == 0;
		t = strtok_r(NULL, "\x01", &save);
		p->name = t ? pstrdup(t) : NULL;
	}
	return true;
}

/*
 * An online run of m was interrupted: the next run resumes it.  (Never one
 * that sets its isolation level: no query may run before that is set.)
 */
bool
migrator_online_pending(const Migration *m, const Script *s)
{
	OnlineProgress p;

	return !s->isolation && !s->no_transaction && progress_read(m, &p);
}

static void
progress_write(const Migration *m, const OnlineProgress *p)
{
	Oid			types[6] = {TEXTOID, TEXTOID, INT4OID, INT4OID, BOOLOID, TEXTOID};
	Datum		values[6];
	char		nulls[6] = "     ";

	values[0] = CStringGetTextDatum(m->path);
	values[1] = CStringGetTextDatum(m->checksum);
	values[2] = Int32GetDatum(p->stmt);
	values[3] = Int32GetDatum(p->step);
	values[4] = BoolGetDatum(p->online);
	if (p->name)
		values[5] = CStringGetTextDatum(p->name);
	else
		nulls[5] = 'n';
	migrator_exec_as_owner("INSERT INTO migrator.online_progress AS p (path, checksum, stmt, step, online, name) "
						   "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (path, checksum) DO UPDATE "
						   "SET stmt = excluded.stmt, step = excluded.step, online = excluded.online, "
						   "name = excluded.name, updated_at = clock_timestamp()",
						   6, types, values, nulls);
}

static void
progress_forget(const Migration *m)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(m->path);
	values[1] = CStringGetTextDatum(m->checksum);
	migrator_exec_as_owner("DELETE FROM migrator.online_progress WHERE path = $1 AND checksum = $2",
						   2, types, values, NULL);
}

/* ---------------------------------------------------------------------
 * The run
 * ---------------------------------------------------------------------
 */

typedef struct OnlineRun
{
	const MigrationSource *src;
	Migration  *m;
	Script	   *s;
	int			stmt;			/* the statement running, for messages */
	const char *sql;			/* what runs now */
	OnlineForm *form;			/* NOT VALID: the constraint name found */
} OnlineRun;

static void
online_error_callback(void *arg)
{
	OnlineRun  *r = (OnlineRun *) arg;

	errcontext("migration \"%s\", line %d, SQLSTATE %s (online run)",
			   r->s->path, r->s->stmts[r->stmt].line, unpack_sql_state(geterrcode()));
}

/* the unvalidated constraints of a table, one a line */
static char *
unvalidated(Oid relid)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	char	   *names = migrator_spi_text("SELECT string_agg(conname, chr(10) ORDER BY conname) FROM pg_catalog.pg_constraint WHERE conrelid = $1 AND NOT convalidated",
										  1, types, values, false);

	return names ? names : "";
}

/* the name of the one unvalidated constraint in after but not in before */
static char *
new_constraint(char *before, char *after)
{
	char	   *save;

	for (char *n = strtok_r(after, "\n", &save); n; n = strtok_r(NULL, "\n", &save))
	{
		char	   *hit = strstr(before, n);
		size_t		len = strlen(n);

		while (hit && !((hit == before || hit[-1] == '\n') &&
						(hit[len] == '\n' || hit[len] == '\0')))
			hit = strstr(hit + 1, n);
		if (hit == NULL)
			return pstrdup(n);
	}
	return NULL;
}

/* one statement (or step) in the current transaction, as a migration's */
static void
online_exec(void *arg)
{
	OnlineRun  *r = (OnlineRun *) arg;
	int			nest = NewGUCNestLevel();
	char	   *before = NULL;

	(void) set_config_option("lock_timeout",
							 r->s->lock_timeout ? r->s->lock_timeout : psprintf("%d", migrator_lock_timeout),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	if (r->s->statement_timeout || migrator_statement_timeout > 0)
		(void) set_config_option("statement_timeout",
								 r->s->statement_timeout ? r->s->statement_timeout :
								 psprintf("%d", migrator_statement_timeout),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	if (r->form && r->form->name == NULL)
		before = unvalidated(r->form->relid);
	migrator_guard_level++;
	PG_TRY();
	{
		migrator_exec_statement(r->sql);
	}
	PG_FINALLY();
	{
		migrator_guard_level--;
	}
	PG_END_TRY();
	if (before && (r->form->name = new_constraint(before, unvalidated(r->form->relid))) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the constraint added NOT VALID was not found on table \"%s\"",
						get_rel_name(r->form->relid))));
	AtEOXact_GUC(true, nest);
}

/* a failure: what this transaction did is undone, the failure logged */
pg_noreturn static void
online_fail(OnlineRun *r, ErrorData *edata, const char *extra)
{
	StringInfoData detail;

	initStringInfo(&detail);
	if (edata->detail)
		appendStringInfoString(&detail, edata->detail);
	if (extra)
		appendStringInfo(&detail, "%s%s", detail.len ? "\n" : "", extra);
	SPI_rollback();
	journal_log_event("migrate", r->src->dir, r->m, false, unpack_sql_state(edata->sqlerrcode),
					  edata->message, detail.len ? detail.data : NULL, edata->context);
	SPI_commit();
	ereport(ERROR,
			(errcode(edata->sqlerrcode),
			 errmsg_internal("%s", edata->message),
			 detail.len ? errdetail_internal("%s", detail.data) : 0,
			 edata->hint ? errhint("%s", edata->hint) : 0,
			 edata->context ? errcontext("%s", edata->context) : 0));
	pg_unreachable();
}

/*
 * sql in the current transaction under lock_timeout, retried after a
 * backoff when its lock is not granted in time.
 */
static void
online_run_sql(OnlineRun *r, const char *sql, OnlineForm *form)
{
	MemoryContext cxt = CurrentMemoryContext;
	ErrorContextCallback cb;

	r->sql = sql;
	r->form = form;
	cb.callback = online_error_callback;
	cb.arg = r;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	PG_TRY();
	{
		migrator_retry_on_lock(online_exec, r, r->s->path);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		error_context_stack = cb.previous;
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		online_fail(r, edata, psprintf("The migration ran online: what ran before line %d is done, and running the migration again resumes there.",
									   r->s->stmts[r->stmt].line));
	}
	PG_END_TRY();
	error_context_stack = cb.previous;
}

/* a step outside any transaction, in the background worker */
static void
online_run_top_level(OnlineRun *r, const char *sql)
{
	Migration	one;
	Script	   *ss;
	ErrorData  *err;

	/* what an interrupted run left of this index: see run.c */
	memset(&one, 0, sizeof(one));
	one.path = (char *) r->s->path;
	one.content = (char *) sql;
	one.len = strlen(sql);
	ss = script_parse(&one);
	SPI_commit();
	if (ss->nstmts == 1 && migrator_online_settle_index(&ss->stmts[0], r->s->path))
		return;
	SPI_commit();
	err = migrator_try_top_level(sql);
	if (err)
	{
		if (err->context == NULL)
			err->context = psprintf("migration \"%s\", line %d, SQLSTATE %s (online run, outside a transaction)",
									r->s->path, r->s->stmts[r->stmt].line,
									unpack_sql_state(err->sqlerrcode));
		online_fail(r, err, psprintf("The migration ran online: what ran before line %d is done, and running the migration again resumes there; an invalid index the build left is dropped and built anew.",
									 r->s->stmts[r->stmt].line));
	}
}

/*
 * Refuse, before anything runs, a statement that would rewrite an
 * existing table above migrator.online_rewrite_max.
 */
static void
refuse_rewrites(Script *s, int from)
{
	for (int i = from; i < s->nstmts; i++)
	{
		ScriptStmt *ss = &s->stmts[i];
		char	   *sql = pnstrdup(s->text + ss->offset, ss->len);
		Node	   *stmt = migrator_online_parse(sql);
		OnlineForm *f;
		char	   *size;

		if (stmt == NULL || !IsA(stmt, AlterTableStmt))
			continue;
		f = migrator_online_form(sql, stmt, NULL, true);
		if (f->kind != ONLINE_REFUSED)
			continue;
		size = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
																  Int64GetDatum(f->bytes))));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration \"%s\", line %d, rewrites table \"%s\" (%s%s) in an online run",
						s->path, ss->line, get_rel_name(f->relid), size,
						f->rows >= 0 ? psprintf(", ~%.0f rows", f->rows) : ", rows never counted"),
				 errdetail("%s; the table is larger than migrator.online_rewrite_max (%d kB). The statement: %s. Nothing of the migration ran.",
						   f->why, migrator_online_rewrite_max,
						   strlen(sql) > 200 ? psprintf("%.200s...", sql) : sql),
				 errhint("Make the same change online with migrator.expand (alter_column for a type, add_column with \"up\" for a computed value), fill it with migrator.backfill, then migrator.contract; or raise migrator.online_rewrite_max, or mark the file \"-- migrator:online=off\".")));
	}
}

/* the steps of one statement begun online, from step from */
static void
online_statement(OnlineRun *r, OnlineForm *f, OnlineProgress *p, int from)
{
	for (int k = from; k < f->nsteps; k++)
	{
		char	   *sql = f->steps[k].sql;

		if (sql == NULL)		/* VALIDATE of a constraint named at step 0 */
			sql = psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", qualified(f->relid),
						   quote_identifier(f->name));
		if (f->steps[k].top_level)
			online_run_top_level(r, sql);
		else
			online_run_sql(r, sql, k == 0 && f->kind == ONLINE_NOT_VALID && f->name == NULL ? f : NULL);
		p->step = k + 1;
		p->name = f->name;
		progress_write(r->m, p);
		SPI_commit();
	}
	p->stmt++;
	p->step = 0;
	p->online = false;
	p->name = NULL;
	progress_write(r->m, p);
	SPI_commit();
}

/*
 * Run migration m online, resuming where an interrupted online run of it
 * stopped; recorded in the journal, as a plain run records it, at the end.
 * Called by migrate() in a fresh transaction, which it leaves open.
 */
void
migrator_online_migrate(const MigrationSource *src, Migration *m, Script *s)
{
	OnlineRun	r;
	OnlineProgress p;
	bool		resumed = progress_read(m, &p);
	MemoryContext cxt = CurrentMemoryContext;
	instr_time	start,
				elapsed;

	if (!progress_table_exists())
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("online runs need the table migrator.online_progress"),
				 errhint("ALTER EXTENSION migrator UPDATE.")));
	r.src = src;
	r.m = m;
	r.s = s;
	r.stmt = p.stmt;
	if (resumed)
		ereport(NOTICE,
				(errmsg("resuming the online run of %s at line %d", m->path,
						p.stmt < s->nstmts ? s->stmts[p.stmt].line : 0)));
	INSTR_TIME_SET_CURRENT(start);
	PG_TRY();
	{
		refuse_rewrites(s, p.stmt);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		online_fail(&r, edata, NULL);
	}
	PG_END_TRY();
	for (int i = p.stmt; i < s->nstmts; i++)
	{
		ScriptStmt *ss = &s->stmts[i];
		char	   *sql = pnstrdup(s->text + ss->offset, ss->len);
		bool		begun = p.online && i == p.stmt;
		OnlineForm *f;

		r.stmt = i;
		f = migrator_online_form(sql, migrator_online_parse(sql), begun ? p.name : NULL, begun);
		if (f->kind == ONLINE_AS_WRITTEN || f->kind == ONLINE_REFUSED)
		{
			/* with the statements before it, in one transaction */
			online_run_sql(&r, sql, NULL);
			p.stmt = i + 1;
			p.step = 0;
			p.online = false;
			p.name = NULL;
			continue;
		}
		if (!begun)
		{
			/* what ran before it commits with the record of it */
			p.stmt = i;
			p.step = 0;
			p.online = true;
			p.name = f->name;
			progress_write(m, &p);
			SPI_commit();
		}
		ereport(DEBUG1,
				(errmsg("online form of line %d of %s: %s", ss->line, m->path,
						migrator_online_form_text(f))));
		online_statement(&r, f, &p, begun ? p.step : 0);
	}
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	journal_batch_begin();
	journal_record(m, INSTR_TIME_GET_MILLISEC(elapsed), s->nstmts);
	journal_log_event("migrate", src->dir, m, true, NULL,
					  migrator_summary("applied", 1), NULL, NULL);
	journal_batch_end();
	progress_forget(m);
}
