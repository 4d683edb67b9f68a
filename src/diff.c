/*-------------------------------------------------------------------------
 *
 * diff.c
 *	  migrator.diff(): the DDL that turns one schema into another, with the
 *	  hazard of each statement, from two snapshots (snapshot.c).
 *
 *	  Statements are qualified with the source schema; the expressions
 *	  inside them (defaults, checks, view and index definitions) are
 *	  resolved through the search_path the first statement sets.  Online
 *	  forms are used where they exist: indexes CONCURRENTLY, CHECK and
 *	  FOREIGN KEY constraints NOT VALID then VALIDATE, primary keys and
 *	  unique constraints through a concurrently built index, NOT NULL
 *	  through a validated CHECK.  Phases are ordered so that what a
 *	  statement needs exists before it (functions before the tables that
 *	  use them, tables before constraints, views dropped before the columns
 *	  they read change and re-created after).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "utils/memutils.h"
#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/resowner.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "migrator.h"

PG_FUNCTION_INFO_V1(migrator_diff_schemas);
PG_FUNCTION_INFO_V1(migrator_diff_snapshots);
PG_FUNCTION_INFO_V1(migrator_drift);
PG_FUNCTION_INFO_V1(migrator_generate);

typedef struct DiffOut
{
	List	   *statements;
	List	   *hazards;
	const char *schema;			/* the source schema */
} DiffOut;

static void
emit(DiffOut *out, const char *hazard, const char *fmt,...) pg_attribute_printf(3, 4);

static void
emit(DiffOut *out, const char *hazard, const char *fmt,...)
{
	StringInfoData s;

	initStringInfo(&s);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&s, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&s, needed);
	}
	out->statements = lappend(out->statements, s.data);
	out->hazards = lappend(out->hazards, (void *) hazard);
}

/* ---------------------------------------------------------------------
 * Reading snapshots
 * ---------------------------------------------------------------------
 */

static JsonbContainer *
get_obj(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	if (c == NULL || !getKeyJsonValueFromContainer(c, key, strlen(key), &v) ||
		v.type != jbvBinary)
		return NULL;
	return v.val.binary.data;
}

static char *member_text(JsonbContainer *c, const char *key);

static char *
get_text(JsonbContainer *c, const char *key)
{
	return member_text(c, key);
}

static bool
str_member(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
		if (strcmp(lfirst(lc), s) == 0)
			return true;
	return false;
}

static bool
get_bool(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	return c && getKeyJsonValueFromContainer(c, key, strlen(key), &v) &&
		v.type == jbvBool && v.val.boolean;
}

/* a member as canonical text, to compare two of them */
static char *
member_text(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	if (c == NULL || !getKeyJsonValueFromContainer(c, key, strlen(key), &v))
		return NULL;
	if (v.type == jbvBinary)
		return JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
	if (v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	if (v.type == jbvNull)
		return NULL;
	return pstrdup(v.type == jbvBool ? (v.val.boolean ? "true" : "false") :
				   DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric))));
}

static bool
same(JsonbContainer *a, JsonbContainer *b, const char *key)
{
	char	   *x = member_text(a, key);
	char	   *y = member_text(b, key);

	return (x == NULL && y == NULL) || (x && y && strcmp(x, y) == 0);
}

/* the keys of an object, sorted (jsonb keeps them sorted) */
static List *
keys_of(JsonbContainer *c)
{
	List	   *keys = NIL;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (c == NULL)
		return NIL;
	it = JsonbIteratorInit(c);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_KEY)
			keys = lappend(keys, pnstrdup(v.val.string.val, v.val.string.len));
	return keys;
}

static bool
has_key(JsonbContainer *c, const char *key)
{
	JsonbValue	v;

	return c && getKeyJsonValueFromContainer(c, key, strlen(key), &v);
}

/* ---------------------------------------------------------------------
 * Pieces of DDL
 * ---------------------------------------------------------------------
 */

static char *
q(DiffOut *out, const char *name)
{
	return quote_qualified_identifier(out->schema, name);
}

static const char *
serial_for(const char *type)
{
	if (strcmp(type, "integer") == 0)
		return "serial";
	if (strcmp(type, "bigint") == 0)
		return "bigserial";
	if (strcmp(type, "smallint") == 0)
		return "smallserial";
	return NULL;
}

/* a column as it goes into CREATE TABLE / ADD COLUMN */
static char *
column_sql(const char *table, const char *name, JsonbContainer *col)
{
	StringInfoData s;
	char	   *type = get_text(col, "type");
	char	   *dflt = get_text(col, "default");
	char	   *identity = get_text(col, "identity");
	char	   *generated = get_text(col, "generated");
	char	   *collation = get_text(col, "collation");
	char	   *owned_seq = psprintf("nextval('%s_%s_seq'::regclass)", table, name);

	initStringInfo(&s);
	/* a column that owns its sequence is a serial one */
	if (dflt && strcmp(dflt, owned_seq) == 0 && serial_for(type))
	{
		appendStringInfo(&s, "%s %s", quote_identifier(name), serial_for(type));
		dflt = NULL;
	}
	else
		appendStringInfo(&s, "%s %s", quote_identifier(name), type);
	if (collation)
		appendStringInfo(&s, " COLLATE %s", quote_identifier(collation));
	if (identity)
		appendStringInfo(&s, " GENERATED %s AS IDENTITY",
						 identity[0] == 'a' ? "ALWAYS" : "BY DEFAULT");
	if (generated)
		appendStringInfo(&s, " GENERATED ALWAYS AS (%s) STORED", generated);
	if (dflt)
		appendStringInfo(&s, " DEFAULT %s", dflt);
	if (get_bool(col, "not_null") && !identity)
		appendStringInfoString(&s, " NOT NULL");
	return s.data;
}

/* is changing a column from a to b free of a table rewrite? */
static bool
binary_coercible(const char *a, const char *b)
{
	int			n,
				m;

	if (strcmp(b, "text") == 0 && strncmp(a, "character varying", 17) == 0)
		return true;
	if (sscanf(a, "character varying(%d)", &n) == 1 &&
		sscanf(b, "character varying(%d)", &m) == 1)
		return m >= n;
	if (strcmp(a, "character varying") == 0 && strcmp(b, "text") == 0)
		return true;
	return false;
}

/* CREATE INDEX ... -> CREATE INDEX CONCURRENTLY ... */
static char *
concurrently(const char *indexdef)
{
	if (strncmp(indexdef, "CREATE UNIQUE INDEX ", 20) == 0)
		return psprintf("CREATE UNIQUE INDEX CONCURRENTLY %s", indexdef + 20);
	if (strncmp(indexdef, "CREATE INDEX ", 13) == 0)
		return psprintf("CREATE INDEX CONCURRENTLY %s", indexdef + 13);
	return pstrdup(indexdef);
}

/* ---------------------------------------------------------------------
 * The phases
 * ---------------------------------------------------------------------
 */

typedef struct Snap
{
	JsonbContainer *tables;
	JsonbContainer *views;
	JsonbContainer *sequences;
	JsonbContainer *enums;
	JsonbContainer *functions;
} Snap;

static Snap
open_snap(JsonbContainer *c)
{
	Snap		s;

	s.tables = get_obj(c, "tables");
	s.views = get_obj(c, "views");
	s.sequences = get_obj(c, "sequences");
	s.enums = get_obj(c, "enums");
	s.functions = get_obj(c, "functions");
	return s;
}

/* do a table's columns change in a way a view over it could not survive? */
static bool
columns_change(JsonbContainer *a, JsonbContainer *b)
{
	ListCell   *lc;
	JsonbContainer *ca = get_obj(a, "columns");
	JsonbContainer *cb = get_obj(b, "columns");

	foreach(lc, keys_of(ca))
	{
		char	   *col = lfirst(lc);

		if (!has_key(cb, col) || !same(get_obj(ca, col), get_obj(cb, col), "type"))
			return true;
	}
	return false;
}

/* the views to drop before anything else and re-create at the end */
static List *
views_to_rebuild(Snap *src, Snap *dst, List **dropped)
{
	List	   *rebuild = NIL;
	List	   *touched = NIL;
	ListCell   *lc;

	foreach(lc, keys_of(src->tables))
	{
		char	   *t = lfirst(lc);

		if (!has_key(dst->tables, t) || columns_change(get_obj(src->tables, t), get_obj(dst->tables, t)))
			touched = lappend(touched, t);
	}
	foreach(lc, keys_of(src->views))
	{
		char	   *v = lfirst(lc);
		JsonbContainer *sv = get_obj(src->views, v);
		char	   *def = get_text(sv, "definition");
		bool		depends = false;
		ListCell   *lc2;

		/* a view that reads a table whose columns change goes too */
		foreach(lc2, touched)
			if (strstr(def, (char *) lfirst(lc2)))
				depends = true;
		if (!has_key(dst->views, v))
			*dropped = lappend(*dropped, v);
		else if (depends || !same(sv, get_obj(dst->views, v), "definition") ||
				 !same(sv, get_obj(dst->views, v), "materialized"))
			rebuild = lappend(rebuild, v);
	}
	return rebuild;
}

static void
diff_snapshots(DiffOut *out, JsonbContainer *srcc, JsonbContainer *dstc)
{
	Snap		src = open_snap(srcc);
	Snap		dst = open_snap(dstc);
	List	   *removed_views = NIL;
	List	   *rebuild = views_to_rebuild(&src, &dst, &removed_views);
	ListCell   *lc;
	ListCell   *lc2;
	int			start = list_length(out->statements);

	/* 1. views that go, or must be re-created around what changes */
	foreach(lc, list_concat_copy(removed_views, rebuild))
	{
		char	   *v = lfirst(lc);

		emit(out, "blocking-lock", "DROP %sVIEW %s",
			 get_bool(get_obj(src.views, v), "materialized") ? "MATERIALIZED " : "", q(out, v));
	}

	/* 2. triggers, constraints and indexes that go or change */
	foreach(lc, keys_of(src.tables))
	{
		char	   *t = lfirst(lc);
		JsonbContainer *st = get_obj(src.tables, t);
		JsonbContainer *dt = get_obj(dst.tables, t);
		JsonbContainer *sk = get_obj(st, "constraints");
		JsonbContainer *dk = get_obj(dt, "constraints");

		if (dt == NULL)
			continue;			/* the whole table goes, later */
		foreach(lc2, keys_of(get_obj(st, "triggers")))
		{
			char	   *tg = lfirst(lc2);

			if (!same(get_obj(st, "triggers"), get_obj(dt, "triggers"), tg))
				emit(out, "blocking-lock", "DROP TRIGGER %s ON %s", quote_identifier(tg), q(out, t));
		}
		/* foreign keys first: a unique constraint may be what they point at */
		for (int pass = 0; pass < 2; pass++)
			foreach(lc2, keys_of(sk))
			{
				char	   *k = lfirst(lc2);
				char	   *type = get_text(get_obj(sk, k), "type");

				if ((pass == 0) != (strcmp(type, "f") == 0))
					continue;
				if (!has_key(dk, k) || !same(get_obj(sk, k), get_obj(dk, k), "definition"))
					emit(out, "blocking-lock", "ALTER TABLE %s DROP CONSTRAINT %s", q(out, t), quote_identifier(k));
			}
		foreach(lc2, keys_of(get_obj(st, "indexes")))
		{
			char	   *ix = lfirst(lc2);

			if (!same(get_obj(st, "indexes"), get_obj(dt, "indexes"), ix))
				emit(out, NULL, "DROP INDEX CONCURRENTLY %s", q(out, ix));
		}
	}

	/* 3. enum types, and values added to them, in their place */
	foreach(lc, keys_of(dst.enums))
	{
		char	   *e = lfirst(lc);
		JsonbContainer *dl = get_obj(dst.enums, e);
		JsonbContainer *sl = get_obj(src.enums, e);
		int			n = JsonContainerSize(dl);

		if (sl == NULL)
		{
			StringInfoData labels;

			initStringInfo(&labels);
			for (int i = 0; i < n; i++)
			{
				JsonbValue *lv = getIthJsonbValueFromContainer(dl, i);

				appendStringInfo(&labels, "%s%s", i ? ", " : "",
								 quote_literal_cstr(pnstrdup(lv->val.string.val, lv->val.string.len)));
			}
			emit(out, NULL, "CREATE TYPE %s AS ENUM (%s)", q(out, e), labels.data);
			continue;
		}
		for (int i = 0; i < n; i++)
		{
			JsonbValue *lv = getIthJsonbValueFromContainer(dl, i);
			char	   *label = pnstrdup(lv->val.string.val, lv->val.string.len);
			bool		found = false;

			for (int j = 0; j < (int) JsonContainerSize(sl); j++)
			{
				JsonbValue *sv = getIthJsonbValueFromContainer(sl, j);

				if (sv->val.string.len == lv->val.string.len &&
					memcmp(sv->val.string.val, lv->val.string.val, sv->val.string.len) == 0)
					found = true;
			}
			if (found)
				continue;
			if (i > 0)
			{
				JsonbValue *pv = getIthJsonbValueFromContainer(dl, i - 1);

				emit(out, NULL, "ALTER TYPE %s ADD VALUE %s AFTER %s", q(out, e),
					 quote_literal_cstr(label),
					 quote_literal_cstr(pnstrdup(pv->val.string.val, pv->val.string.len)));
			}
			else
				emit(out, NULL, "ALTER TYPE %s ADD VALUE %s BEFORE %s", q(out, e),
					 quote_literal_cstr(label),
					 quote_literal_cstr(pnstrdup(getIthJsonbValueFromContainer(sl, 0)->val.string.val,
												 getIthJsonbValueFromContainer(sl, 0)->val.string.len)));
		}
	}

	/* 4. sequences */
	foreach(lc, keys_of(dst.sequences))
	{
		char	   *sname = lfirst(lc);
		JsonbContainer *d = get_obj(dst.sequences, sname);
		JsonbContainer *s = get_obj(src.sequences, sname);
		char	   *opts = psprintf("AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %sCYCLE",
									get_text(d, "type"), member_text(d, "increment"), member_text(d, "min"),
									member_text(d, "max"), member_text(d, "start"), member_text(d, "cache"),
									get_bool(d, "cycle") ? "" : "NO ");

		if (s == NULL)
			emit(out, NULL, "CREATE SEQUENCE %s %s", q(out, sname), opts);
		else if (strcmp(member_text(src.sequences, sname), member_text(dst.sequences, sname)) != 0)
			emit(out, NULL, "ALTER SEQUENCE %s %s", q(out, sname), opts);
	}

	/* 5. functions and procedures, before the tables that may use them */
	foreach(lc, keys_of(dst.functions))
	{
		char	   *f = lfirst(lc);
		JsonbContainer *d = get_obj(dst.functions, f);
		JsonbContainer *s = get_obj(src.functions, f);
		char	   *name = pnstrdup(f, strchr(f, '(') - f);
		bool		proc = strcmp(get_text(d, "kind"), "p") == 0;
		char	   *vol = get_text(d, "volatility");

		if (s && strcmp(member_text(src.functions, f), member_text(dst.functions, f)) == 0)
			continue;
		if (s && !same(s, d, "result"))
			emit(out, NULL, "DROP %s %s%s", proc ? "PROCEDURE" : "FUNCTION", q(out, name), strchr(f, '('));
		emit(out, NULL, "CREATE OR REPLACE %s %s(%s)%s%s LANGUAGE %s%s%s%s AS %s",
			 proc ? "PROCEDURE" : "FUNCTION", q(out, name), get_text(d, "arguments"),
			 proc ? "" : " RETURNS ", proc ? "" : get_text(d, "result"),
			 quote_identifier(get_text(d, "language")),
			 proc ? "" : (vol[0] == 'i' ? " IMMUTABLE" : vol[0] == 's' ? " STABLE" : " VOLATILE"),
			 get_bool(d, "strict") && !proc ? " STRICT" : "",
			 get_bool(d, "security_definer") ? " SECURITY DEFINER" : "",
			 quote_literal_cstr(get_text(d, "body")));
	}

	/* 6. new tables, columns only */
	foreach(lc, keys_of(dst.tables))
	{
		char	   *t = lfirst(lc);
		JsonbContainer *dt = get_obj(dst.tables, t);
		JsonbContainer *cols = get_obj(dt, "columns");
		StringInfoData s;

		if (has_key(src.tables, t))
			continue;
		initStringInfo(&s);
		appendStringInfo(&s, "CREATE %sTABLE %s (", get_bool(dt, "unlogged") ? "UNLOGGED " : "", q(out, t));
		foreach(lc2, keys_of(cols))
			appendStringInfo(&s, "%s%s", foreach_current_index(lc2) ? ", " : "",
							 column_sql(t, lfirst(lc2), get_obj(cols, lfirst(lc2))));
		appendStringInfoChar(&s, ')');
		emit(out, NULL, "%s", s.data);
	}

	/* 7. columns of tables both have */
	foreach(lc, keys_of(dst.tables))
	{
		char	   *t = lfirst(lc);
		JsonbContainer *sc = get_obj(get_obj(src.tables, t), "columns");
		JsonbContainer *dc = get_obj(get_obj(dst.tables, t), "columns");

		if (!has_key(src.tables, t))
			continue;
		foreach(lc2, keys_of(dc))
		{
			char	   *c = lfirst(lc2);
			JsonbContainer *d = get_obj(dc, c);
			JsonbContainer *s = get_obj(sc, c);
			const char *qc = quote_identifier(c);

			if (s == NULL)
			{
				emit(out, get_text(d, "generated") ? "rewrite" : "blocking-lock",
					 "ALTER TABLE %s ADD COLUMN %s", q(out, t), column_sql(t, c, d));
				continue;
			}
			if (!same(s, d, "type") || !same(s, d, "collation"))
			{
				char	   *coll = get_text(d, "collation");

				emit(out, binary_coercible(get_text(s, "type"), get_text(d, "type")) ? "blocking-lock" : "rewrite",
					 "ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s USING %s::%s", q(out, t), qc,
					 get_text(d, "type"), coll ? " COLLATE " : "", coll ? quote_identifier(coll) : "",
					 qc, get_text(d, "type"));
			}
			if (!same(s, d, "default"))
			{
				if (get_text(d, "default"))
					emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
						 q(out, t), qc, get_text(d, "default"));
				else
					emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", q(out, t), qc);
			}
			if (get_bool(d, "not_null") && !get_bool(s, "not_null"))
			{
				/* online: a validated CHECK lets SET NOT NULL skip its scan */
				const char *k = quote_identifier(psprintf("%s_%s_not_null", t, c));

				emit(out, "blocking-lock", "ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID",
					 q(out, t), k, qc);
				emit(out, NULL, "ALTER TABLE %s VALIDATE CONSTRAINT %s", q(out, t), k);
				emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", q(out, t), qc);
				emit(out, "blocking-lock", "ALTER TABLE %s DROP CONSTRAINT %s", q(out, t), k);
			}
			else if (!get_bool(d, "not_null") && get_bool(s, "not_null"))
				emit(out, "blocking-lock", "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", q(out, t), qc);
		}
		foreach(lc2, keys_of(sc))
			if (!has_key(dc, lfirst(lc2)))
				emit(out, "data-loss", "ALTER TABLE %s DROP COLUMN %s", q(out, t), quote_identifier(lfirst(lc2)));
	}

	/* 8. constraints: keys first, then checks and exclusions, then foreign keys */
	for (int pass = 0; pass < 3; pass++)
		foreach(lc, keys_of(dst.tables))
		{
			char	   *t = lfirst(lc);
			JsonbContainer *dk = get_obj(get_obj(dst.tables, t), "constraints");
			JsonbContainer *sk = get_obj(get_obj(src.tables, t), "constraints");
			bool		existing = has_key(src.tables, t);

			foreach(lc2, keys_of(dk))
			{
				char	   *k = lfirst(lc2);
				JsonbContainer *d = get_obj(dk, k);
				char	   *type = get_text(d, "type");
				char	   *def = get_text(d, "definition");
				int			p = (type[0] == 'p' || type[0] == 'u') ? 0 : (type[0] == 'f' ? 2 : 1);

				if (p != pass || (has_key(sk, k) && same(get_obj(sk, k), d, "definition")))
					continue;
				if (!existing)
					emit(out, NULL, "ALTER TABLE %s ADD CONSTRAINT %s %s", q(out, t), quote_identifier(k), def);
				else if (p == 0)
				{
					/* "PRIMARY KEY (a, b)" / "UNIQUE (a)": its index first, concurrently */
					const char *cols = strchr(def, '(');

					emit(out, "index-build", "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s %s",
						 quote_identifier(k), q(out, t), cols);
					emit(out, "blocking-lock", "ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s",
						 q(out, t), quote_identifier(k), type[0] == 'p' ? "PRIMARY KEY" : "UNIQUE",
						 quote_identifier(k));
				}
				else if (type[0] == 'c' || type[0] == 'f')
				{
					emit(out, "blocking-lock", "ALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID",
						 q(out, t), quote_identifier(k), def);
					emit(out, NULL, "ALTER TABLE %s VALIDATE CONSTRAINT %s", q(out, t), quote_identifier(k));
				}
				else
					emit(out, "blocking-lock", "ALTER TABLE %s ADD CONSTRAINT %s %s",
						 q(out, t), quote_identifier(k), def);
			}
		}

	/* 9. indexes, 10. triggers */
	foreach(lc, keys_of(dst.tables))
	{
		char	   *t = lfirst(lc);
		JsonbContainer *st = get_obj(src.tables, t);
		JsonbContainer *dt = get_obj(dst.tables, t);

		foreach(lc2, keys_of(get_obj(dt, "indexes")))
		{
			char	   *ix = lfirst(lc2);

			if (st == NULL || !same(get_obj(st, "indexes"), get_obj(dt, "indexes"), ix))
				emit(out, st ? "index-build" : NULL, "%s",
					 concurrently(get_text(get_obj(dt, "indexes"), ix)));
		}
		foreach(lc2, keys_of(get_obj(dt, "triggers")))
		{
			char	   *tg = lfirst(lc2);

			if (st == NULL || !same(get_obj(st, "triggers"), get_obj(dt, "triggers"), tg))
				emit(out, st ? "blocking-lock" : NULL, "%s", get_text(get_obj(dt, "triggers"), tg));
		}
	}

	/* 11. views, new and re-created */
	foreach(lc, keys_of(dst.views))
	{
		char	   *v = lfirst(lc);
		JsonbContainer *d = get_obj(dst.views, v);

		if (has_key(src.views, v) && !str_member(rebuild, v))
			continue;
		emit(out, NULL, "CREATE %sVIEW %s AS %s", get_bool(d, "materialized") ? "MATERIALIZED " : "",
			 q(out, v), get_text(d, "definition"));
	}

	/* 12. comments */
	foreach(lc, keys_of(dst.tables))
	{
		char	   *t = lfirst(lc);
		JsonbContainer *st = get_obj(src.tables, t);
		JsonbContainer *dt = get_obj(dst.tables, t);
		JsonbContainer *dc = get_obj(dt, "columns");

		if (!same(st, dt, "comment"))
			emit(out, NULL, "COMMENT ON TABLE %s IS %s", q(out, t),
				 get_text(dt, "comment") ? quote_literal_cstr(get_text(dt, "comment")) : "NULL");
		foreach(lc2, keys_of(dc))
		{
			char	   *c = lfirst(lc2);

			if (!same(get_obj(get_obj(st, "columns"), c), get_obj(dc, c), "comment"))
				emit(out, NULL, "COMMENT ON COLUMN %s.%s IS %s", q(out, t), quote_identifier(c),
					 get_text(get_obj(dc, c), "comment") ?
					 quote_literal_cstr(get_text(get_obj(dc, c), "comment")) : "NULL");
		}
	}
	foreach(lc, keys_of(dst.views))
	{
		char	   *v = lfirst(lc);

		if (!same(get_obj(src.views, v), get_obj(dst.views, v), "comment") ||
			(get_text(get_obj(dst.views, v), "comment") && str_member(rebuild, v)))
			emit(out, NULL, "COMMENT ON %sVIEW %s IS %s",
				 get_bool(get_obj(dst.views, v), "materialized") ? "MATERIALIZED " : "", q(out, v),
				 get_text(get_obj(dst.views, v), "comment") ?
				 quote_literal_cstr(get_text(get_obj(dst.views, v), "comment")) : "NULL");
	}

	/* 13. what goes: tables, sequences, functions, types */
	foreach(lc, keys_of(src.tables))
		if (!has_key(dst.tables, lfirst(lc)))
			emit(out, "data-loss", "DROP TABLE %s", q(out, lfirst(lc)));
	foreach(lc, keys_of(src.sequences))
		if (!has_key(dst.sequences, lfirst(lc)))
			emit(out, "data-loss", "DROP SEQUENCE %s", q(out, lfirst(lc)));
	foreach(lc, keys_of(src.functions))
	{
		char	   *f = lfirst(lc);

		if (!has_key(dst.functions, f))
			emit(out, NULL, "DROP %s %s%s",
				 strcmp(get_text(get_obj(src.functions, f), "kind"), "p") == 0 ? "PROCEDURE" : "FUNCTION",
				 q(out, pnstrdup(f, strchr(f, '(') - f)), strchr(f, '('));
	}
	foreach(lc, keys_of(src.enums))
		if (!has_key(dst.enums, lfirst(lc)))
			emit(out, "data-loss", "DROP TYPE %s", q(out, lfirst(lc)));

	/* statements resolve names in the source schema; function bodies later */
	if (list_length(out->statements) > start)
	{
		out->statements = list_insert_nth(out->statements, start,
										  psprintf("SET search_path = %s, pg_catalog",
												   quote_identifier(out->schema)));
		out->hazards = list_insert_nth(out->hazards, start, NULL);
		out->statements = list_insert_nth(out->statements, start + 1,
										  pstrdup("SET check_function_bodies = false"));
		out->hazards = list_insert_nth(out->hazards, start + 1, NULL);
	}
}

static void
return_rows(FunctionCallInfo fcinfo, DiffOut *out)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;
	ListCell   *lh;

	InitMaterializedSRF(fcinfo, 0);
	forboth(lc, out->statements, lh, out->hazards)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, lfirst(lh) == NULL};

		values[0] = Int32GetDatum(foreach_current_index(lc) + 1);
		values[1] = CStringGetTextDatum(lfirst(lc));
		values[2] = lfirst(lh) ? CStringGetTextDatum(lfirst(lh)) : (Datum) 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * migrator.diff(source text, target text): the DDL that makes schema source
 * like schema target.
 */
Datum
migrator_diff_schemas(PG_FUNCTION_ARGS)
{
	char	   *source = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *target = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Jsonb	   *a = (Jsonb *) snapshot_schema_jsonb(source);
	Jsonb	   *b = (Jsonb *) snapshot_schema_jsonb(target);
	DiffOut		out = {NIL, NIL, source};

	diff_snapshots(&out, &a->root, &b->root);
	return_rows(fcinfo, &out);
	return (Datum) 0;
}

/*
 * A snapshot is {schema: {kind: {name: {...}}}}: three levels of objects
 * whose members are objects.  Anything else is refused, naming where.
 */
static void
check_snapshot_level(JsonbContainer *c, int depth, const char *path,
					 const char *which)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JsonContainerIsObject(c))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("malformed %s snapshot", which),
				 errdetail("%s is not an object.", path),
				 errhint("Pass what migrator.snapshot() returns.")));
	/* below a kind, each object's definition: an object or an array */
	if (depth == 2)
	{
		it = JsonbIteratorInit(c);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
				key = pnstrdup(v.val.string.val, v.val.string.len);
			else if (tok == WJB_VALUE && v.type != jbvBinary)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("malformed %s snapshot", which),
						 errdetail("%s > \"%s\" is not an object or an array.", path, key),
						 errhint("Pass what migrator.snapshot() returns.")));
		}
		return;
	}
	it = JsonbIteratorInit(c);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			char	   *sub = depth ? psprintf("%s > \"%s\"", path, key) : psprintf("\"%s\"", key);

			if (v.type != jbvBinary)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("malformed %s snapshot", which),
						 errdetail("%s is not an object.", sub),
						 errhint("Pass what migrator.snapshot() returns.")));
			check_snapshot_level(v.val.binary.data, depth + 1, sub, which);
		}
	}
}

/* every schema of either snapshot, as source and target have it */
static void
diff_all(DiffOut *out, Jsonb *a, Jsonb *b)
{
	ListCell   *lc;
	List	   *schemas = keys_of(&b->root);
	JsonbValue	empty;
	Jsonb	   *none;

	empty.type = jbvObject;
	empty.val.object.nPairs = 0;
	empty.val.object.pairs = NULL;
	none = JsonbValueToJsonb(&empty);
	foreach(lc, keys_of(&a->root))
		if (!str_member(schemas, lfirst(lc)))
			schemas = lappend(schemas, lfirst(lc));
	foreach(lc, schemas)
	{
		char	   *schema = lfirst(lc);
		JsonbContainer *sa = get_obj(&a->root, schema);
		JsonbContainer *sb = get_obj(&b->root, schema);

		out->schema = schema;
		diff_snapshots(out, sa ? sa : &none->root, sb ? sb : &none->root);
	}
}

/*
 * migrator.diff(source jsonb, target jsonb): the same between two
 * snapshots, schema by schema.
 */
Datum
migrator_diff_snapshots(PG_FUNCTION_ARGS)
{
	DiffOut		out = {NIL, NIL, NULL};
	Jsonb	   *source = PG_GETARG_JSONB_P(0);
	Jsonb	   *target = PG_GETARG_JSONB_P(1);

	check_snapshot_level(&source->root, 0, "The snapshot", "source");
	check_snapshot_level(&target->root, 0, "The snapshot", "target");
	diff_all(&out, source, target);
	return_rows(fcinfo, &out);
	return (Datum) 0;
}

/*
 * migrator.diff(): drift, from the schema as the last successful run left
 * it (migrator.snapshots) to the live one.  No rows: nothing changed.
 */
Datum
migrator_drift(PG_FUNCTION_ARGS)
{
	DiffOut		out = {NIL, NIL, NULL};
	Jsonb	   *recorded = NULL;
	MemoryContext caller = CurrentMemoryContext;
	bool		isnull;

	SPI_connect();
	if (SPI_execute("SELECT snapshot FROM migrator.snapshots ORDER BY id DESC LIMIT 1", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read migrator.snapshots");
	if (SPI_processed == 1)
	{
		Jsonb	   *j = DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

		recorded = MemoryContextAlloc(caller, VARSIZE(j));
		memcpy(recorded, j, VARSIZE(j));
	}
	SPI_finish();
	if (recorded == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no schema has been recorded yet"),
				 errdetail("migrator records the schema after each run of apply() or migrate() that applies something."),
				 errhint("Apply migrations first, or compare two schemas with migrator.diff(source, target).")));
	diff_all(&out, recorded, (Jsonb *) snapshot_database());
	return_rows(fcinfo, &out);
	return (Datum) 0;
}

/*
 * migrator.generate(desired_sql, schema): load a desired-state schema file
 * into a scratch schema inside a subtransaction that is always rolled back,
 * and return the migration from the live schema to it.
 */
Datum
migrator_generate(PG_FUNCTION_ARGS)
{
	char	   *desired = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *schema = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *scratch = psprintf("migrator_generate_%d", MyProcPid);
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	DiffOut		out = {NIL, NIL, schema};
	Jsonb	   *live = (Jsonb *) snapshot_schema_jsonb(schema);
	Jsonb	   *want;
	Jsonb	   *volatile copy = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		int			nest = NewGUCNestLevel();

		SPI_connect();
		if (SPI_execute(psprintf("CREATE SCHEMA %s", quote_identifier(scratch)), false, 0) < 0)
			elog(ERROR, "could not create the scratch schema");
		(void) set_config_option("search_path", quote_identifier(scratch), PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
		/* it may change nothing but its scratch schema */
		migrator_guard_scratch = get_namespace_oid(scratch, false);
		if (SPI_execute(desired, false, 0) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("the desired schema could not be loaded")));
		migrator_guard_scratch = InvalidOid;
		SPI_finish();
		AtEOXact_GUC(true, nest);
		want = (Jsonb *) snapshot_schema_jsonb(scratch);
		copy = MemoryContextAlloc(caller, VARSIZE(want));
		memcpy(copy, want, VARSIZE(want));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		migrator_guard_scratch = InvalidOid;
		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
		ReThrowError(edata);
	}
	PG_END_TRY();
	/* nothing of the desired schema is ever kept */
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(caller);
	CurrentResourceOwner = owner;

	diff_snapshots(&out, &live->root, &copy->root);
	return_rows(fcinfo, &out);
	return (Datum) 0;
}
