/*-------------------------------------------------------------------------
 *
 * sqitch.c
 *	  Sqitch projects: sqitch.plan lists the changes in deploy order, each
 *	  with deploy/<name>.sql, revert/<name>.sql and verify/<name>.sql.
 *
 *	  The plan is read as Sqitch 1.x reads it: pragmas (%project, %uri,
 *	  %syntax-version) up to the first blank line, then change lines
 *	  "name [deps] 2024-01-01T00:00:00Z Planner <email> # note" and tag
 *	  lines "@tag 2024-01-01T00:00:00Z Planner <email> # note".  A change
 *	  may only require changes planned before it.  A change planned again
 *	  (sqitch rework) keeps its earlier script as deploy/<name>@<tag>.sql,
 *	  the tag being one planned after it; that earlier instance has the
 *	  version "<name>@<tag>", the last one the plain name.
 *
 *	  Each change's id is Sqitch's: the SHA-1 of "change <len>\0<info>",
 *	  info naming the project, change, parent (the change planned before),
 *	  planner, date, dependencies and note; adopt() matches sqitch.changes
 *	  rows by it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "migrator.h"

/* one change line of the plan */
typedef struct SqitchChange
{
	char	   *name;
	int			line;
	List	   *requires;		/* dependency strings, as written */
	List	   *conflicts;		/* ... without their "!" */
	char	   *date;
	char	   *planner;
	char	   *note;
	List	   *tags;			/* tag names (without '@') planned after it */
	char	   *id;
	int			seen_at;		/* its position among changes and tags */
} SqitchChange;

typedef struct SqitchPlan
{
	const char *project;
	const char *uri;
	List	   *changes;		/* SqitchChange, in plan order */
	List	   *tag_names;		/* every tag, with tag_at[] */
	List	   *tag_at;			/* int: position of each tag */
	int			pos;
} SqitchPlan;

static void
plan_error(int line, const char *msg)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("syntax error in %s at line %d: %s", SQITCH_PLAN, line, msg),
			 errhint("Sqitch writes change lines as \"name [dependencies] 2024-01-01T00:00:00Z Planner Name <email> # note\".")));
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* [:punct:] but '_', as Sqitch's names use it */
static bool
is_punct(char c)
{
	return c != '\0' && strchr("-!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~", c) != NULL;
}

/*
 * A Sqitch name: no blanks, ':', '@', '#' or '\', neither starting nor
 * ending with punctuation.
 */
static bool
valid_name(const char *s)
{
	size_t		n = strlen(s);

	if (n == 0 || is_punct(s[0]) || is_punct(s[n - 1]))
		return false;
	for (const char *p = s; *p; p++)
		if (is_blank(*p) || *p == ':' || *p == '@' || *p == '#' || *p == '\\')
			return false;
	return true;
}

/* the note after the line's first '#', trimmed, \\ \n \r unescaped; cuts line */
static char *
take_note(char *line)
{
	char	   *hash = strchr(line, '#');
	char	   *p;
	char	   *end;
	StringInfoData note;

	if (hash == NULL)
		return NULL;
	*hash = '\0';
	p = hash + 1;
	while (*p && isspace((unsigned char) *p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char) end[-1]))
		end--;
	initStringInfo(&note);
	for (; p < end; p++)
	{
		if (p[0] == '\\' && p + 1 < end && strchr("\\nr", p[1]))
		{
			p++;
			appendStringInfoChar(&note, *p == 'n' ? '\n' : *p == 'r' ? '\r' : '\\');
		}
		else
			appendStringInfoChar(&note, *p);
	}
	return note.data;
}

static void
rtrim(char *s)
{
	char	   *end = s + strlen(s);

	while (end > s && is_blank(end[-1]))
		*--end = '\0';
}

/* "YYYY-MM-DDTHH:MM:SSZ" at p? */
static bool
is_timestamp(const char *p)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";

	for (int i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char) p[i]) : p[i] != shape[i])
			return false;
	return true;
}

/*
 * The rest of a change or tag line after its name and dependencies:
 * timestamp, then "planner name <email>".
 */
static void
read_date_planner(char *p, int line, char **date, char **planner)
{
	char	   *lt;

	while (is_blank(*p))
		p++;
	if (!is_timestamp(p))
		plan_error(line, *p ? "Missing timestamp" : "Missing timestamp and planner name and email");
	*date = pnstrdup(p, 20);
	p += 20;
	while (is_blank(*p))
		p++;
	lt = strchr(p, '<');
	if (lt == NULL || lt == p || !is_blank(lt[-1]) || strchr(lt, '>') == NULL ||
		strchr(lt, '>')[1] != '\0')
		plan_error(line, "Missing planner name and email");
	/* "Name <email>": Sqitch's name ([^<]+ before one blank) and email */
	*planner = psprintf("%s %s", pnstrdup(p, lt - 1 - p), lt);
}

static char *
project_of(const char *dep, const char **rest)
{
	const char *colon = strchr(dep, ':');

	*rest = colon ? colon + 1 : dep;
	return colon ? pnstrdup(dep, colon - dep) : NULL;
}

/* how Sqitch writes a dependency in a change's info: its project dropped when ours */
static char *
dep_string(SqitchPlan *plan, const char *dep)
{
	const char *rest;
	char	   *proj = project_of(dep, &rest);

	if (proj && strcmp(proj, plan->project) == 0)
		return pstrdup(rest);
	return pstrdup(dep);
}

static int
tag_position(SqitchPlan *plan, const char *tag)
{
	ListCell   *n,
			   *a;

	forboth(n, plan->tag_names, a, plan->tag_at)
		if (strcmp(lfirst(n), tag) == 0)
		return lfirst_int(a);
	return -1;
}

static SqitchChange *
last_named(SqitchPlan *plan, const char *name)
{
	SqitchChange *found = NULL;
	ListCell   *lc;

	foreach(lc, plan->changes)
	{
		SqitchChange *c = lfirst(lc);

		if (strcmp(c->name, name) == 0)
			found = c;
	}
	return found;
}

/*
 * A required change must be planned before the change that requires it
 * (Sqitch refuses the plan otherwise); "change@tag" before that tag.
 * Dependencies on other projects, and by id, are not checked here.
 */
static void
check_requires(SqitchPlan *plan, SqitchChange *c)
{
	ListCell   *lc;

	foreach(lc, c->requires)
	{
		const char *dep = lfirst(lc);
		const char *key;
		char	   *proj = project_of(dep, &key);
		const char *at = strchr(key, '@');
		bool		ok;

		if ((proj && strcmp(proj, plan->project) != 0) ||
			(strlen(key) == 40 && strspn(key, "0123456789abcdef") == 40))
			continue;
		if (at == key)
			ok = tag_position(plan, key + 1) >= 0;
		else if (at)
		{
			SqitchChange *r = last_named(plan, pnstrdup(key, at - key));
			int			t = tag_position(plan, at + 1);

			ok = r && t >= 0 && r->seen_at < t;
		}
		else
			ok = last_named(plan, key) != NULL;
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("change \"%s\" requires \"%s\", which is not planned before it",
							c->name, dep),
					 errdetail("%s line %d.", SQITCH_PLAN, c->line),
					 errhint("A change may require only changes planned above it in %s; add the required change, or move this one below it.",
							 SQITCH_PLAN)));
	}
}

/* Sqitch's change id: SHA-1 of "change <len>\0" and the change's info */
static char *
change_id(SqitchPlan *plan, SqitchChange *c, SqitchChange *parent)
{
	StringInfoData info;
	StringInfoData buf;
	ListCell   *lc;
	char	   *hex = palloc(41);

	initStringInfo(&info);
	appendStringInfo(&info, "project %s\n", plan->project);
	if (plan->uri)
		appendStringInfo(&info, "uri %s\n", plan->uri);
	appendStringInfo(&info, "change %s\n", c->name);
	if (parent)
		appendStringInfo(&info, "parent %s\n", parent->id);
	appendStringInfo(&info, "planner %s\ndate %s", c->planner, c->date);
	foreach(lc, c->requires)
		appendStringInfo(&info, "%s  + %s", foreach_current_index(lc) ? "\n" : "\nrequires\n",
						 dep_string(plan, lfirst(lc)));
	foreach(lc, c->conflicts)
		appendStringInfo(&info, "%s  - %s", foreach_current_index(lc) ? "\n" : "\nconflicts\n",
						 dep_string(plan, lfirst(lc)));
	if (c->note && c->note[0] && strcmp(c->note, "0") != 0)
		appendStringInfo(&info, "\n\n%s", c->note);

	initStringInfo(&buf);
	appendStringInfo(&buf, "change %d", info.len);
	appendStringInfoChar(&buf, '\0');
	appendBinaryStringInfo(&buf, info.data, info.len);
	source_sha1_hex(buf.data, buf.len, hex);
	return hex;
}

/* "[dep dep !conflict]" after a change's name */
static char *
read_deps(char *p, int line, SqitchChange *c)
{
	char	   *close = strchr(p, ']');
	char	   *deps;
	char	   *tok;
	char	   *save;

	if (close == NULL)
		plan_error(line, "Unterminated dependency list");
	deps = pnstrdup(p + 1, close - p - 1);
	for (tok = strtok_r(deps, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
	{
		const char *name = tok[0] == '!' ? tok + 1 : tok;
		const char *key;

		(void) project_of(name, &key);
		if (key[0] == '\0')
			plan_error(line, psprintf("\"%s\" is not a valid dependency specification", tok));
		if (tok[0] == '!')
			c->conflicts = lappend(c->conflicts, pstrdup(name));
		else
			c->requires = lappend(c->requires, pstrdup(name));
	}
	return close + 1;
}

static void
read_tag(SqitchPlan *plan, char *p, int line)
{
	char	   *end = p + 1;
	char	   *name;
	char	   *date;
	char	   *planner;
	SqitchChange *last;

	while (*end && !is_blank(*end))
		end++;
	name = pnstrdup(p + 1, end - p - 1);
	if (!valid_name(name) || strchr(name, '/'))
		plan_error(line, psprintf("invalid tag name \"@%s\"", name));
	if (plan->changes == NIL)
		plan_error(line, psprintf("Tag \"%s\" declared without a preceding change", name));
	if (tag_position(plan, name) >= 0)
		plan_error(line, psprintf("Tag \"%s\" duplicates an earlier declaration", name));
	read_date_planner(end, line, &date, &planner);
	last = llast(plan->changes);
	last->tags = lappend(last->tags, name);
	plan->tag_names = lappend(plan->tag_names, name);
	plan->tag_at = lappend_int(plan->tag_at, plan->pos++);
}

static void
read_change(SqitchPlan *plan, char *p, int line, char *note)
{
	SqitchChange *c = palloc0(sizeof(SqitchChange));
	char	   *end;
	ListCell   *lc;

	if (*p == '+' || *p == '-')
	{
		if (*p == '-')
			plan_error(line, "a change planned for revert (\"-name\") is not supported");
		p++;
		while (is_blank(*p))
			p++;
	}
	end = p;
	while (*end && !is_blank(*end) && *end != '[')
		end++;
	c->name = pnstrdup(p, end - p);
	c->line = line;
	c->note = note;
	if (!valid_name(c->name))
		plan_error(line, psprintf("invalid change name \"%s\"", c->name));
	while (is_blank(*end))
		end++;
	if (*end == '[')
		end = read_deps(end, line, c);
	read_date_planner(end, line, &c->date, &c->planner);

	/* the same name again since the last tag is a mistake; after one, a rework */
	foreach(lc, plan->changes)
	{
		SqitchChange *o = lfirst(lc);

		if (strcmp(o->name, c->name) == 0 && o->seen_at > (plan->tag_at ? llast_int(plan->tag_at) : -1))
			plan_error(line, psprintf("Change \"%s\" duplicates earlier declaration on line %d",
									  c->name, o->line));
	}
	check_requires(plan, c);
	c->id = change_id(plan, c, plan->changes ? llast(plan->changes) : NULL);
	c->seen_at = plan->pos++;
	plan->changes = lappend(plan->changes, c);
}

/* "%name=value" pragma lines, up to the first blank line */
static char *
read_header(SqitchPlan *plan, char *text, int *line)
{
	char	   *p = text;

	for (;;)
	{
		char	   *eol = strchr(p, '\n');
		char	   *l = eol ? pnstrdup(p, eol - p) : pstrdup(p);
		char	   *eq;
		char	   *name;
		char	   *value;

		(*line)++;
		if (strlen(l) && l[strlen(l) - 1] == '\r')
			l[strlen(l) - 1] = '\0';
		while (is_blank(*l))
			l++;
		if (*l == '\0' || *l == '#')
		{
			p = eol ? eol + 1 : p + strlen(p);
			if (*l == '\0' || eol == NULL)
				return p;
			continue;
		}
		(void) take_note(l);
		rtrim(l);
		if (*l != '%' || (eq = strchr(l, '=')) == NULL)
			plan_error(*line, "Invalid pragma; a blank line must come between pragmas and changes");
		name = pnstrdup(l + 1, eq - l - 1);
		value = eq + 1;
		while (is_blank(*value))
			value++;
		rtrim(name);
		while (is_blank(*name))
			name++;
		if (strcmp(name, "project") == 0)
		{
			if (!valid_name(value))
				plan_error(*line, psprintf("invalid project name \"%s\"", value));
			plan->project = pstrdup(value);
		}
		else if (strcmp(name, "uri") == 0)
			plan->uri = pstrdup(value);
		if (eol == NULL)
			return p + strlen(p);
		p = eol + 1;
	}
}

static SqitchPlan *
parse_plan(const MigrationSource *src)
{
	int			len;
	char	   *text = source_read_file(src, SQITCH_PLAN, &len, false);
	SqitchPlan *plan = palloc0(sizeof(SqitchPlan));
	int			line = 0;
	char	   *p;

	if (strlen(text) != (size_t) len)
		plan_error(1, "the file holds a NUL byte");
	p = read_header(plan, text, &line);
	if (plan->project == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("missing %%project pragma in %s", SQITCH_PLAN),
				 errhint("sqitch init writes \"%%project=name\" at the top of the plan.")));
	while (*p)
	{
		char	   *eol = strchr(p, '\n');
		char	   *l = eol ? pnstrdup(p, eol - p) : pstrdup(p);
		char	   *note;

		line++;
		p = eol ? eol + 1 : p + strlen(p);
		if (strlen(l) && l[strlen(l) - 1] == '\r')
			l[strlen(l) - 1] = '\0';
		note = take_note(l);
		rtrim(l);
		while (is_blank(*l))
			l++;
		if (*l == '\0')
			continue;
		if (*l == '@')
			read_tag(plan, l, line);
		else
			read_change(plan, l, line, note);
	}
	return plan;
}

static bool
script_exists(const MigrationSource *src, const char *path)
{
	int			len;

	return source_read_file(src, path, &len, true) != NULL;
}

/*
 * The file suffix of a reworked change's earlier instance: "@tag" for the
 * first tag, among those planned between it and its next instance (newest
 * first) and then its own, whose deploy script exists; else the first.
 */
static char *
rework_suffix(const MigrationSource *src, List *changes, int i, int next)
{
	List	   *tags = NIL;
	SqitchChange *c = list_nth(changes, i);
	ListCell   *lc;

	for (int k = next - 1; k > i; k--)
		tags = list_concat(tags, ((SqitchChange *) list_nth(changes, k))->tags);
	tags = list_concat(tags, c->tags);
	foreach(lc, tags)
		if (script_exists(src, psprintf("deploy/%s@%s.sql", c->name, (char *) lfirst(lc))))
		return psprintf("@%s", (char *) lfirst(lc));
	if (tags == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("change \"%s\" is planned twice with no tag between", c->name),
				 errdetail("%s line %d.", SQITCH_PLAN, c->line)));
	return psprintf("@%s", (char *) linitial(tags));
}

/*
 * The migrations of a Sqitch project, in plan order: deploy scripts, with
 * their revert and verify scripts when they exist.
 */
List *
sqitch_read_plan(const MigrationSource *src)
{
	SqitchPlan *plan = parse_plan(src);
	List	   *result = NIL;
	int			n = list_length(plan->changes);

	for (int i = 0; i < n; i++)
	{
		SqitchChange *c = list_nth(plan->changes, i);
		Migration  *m = palloc0(sizeof(Migration));
		char	   *file = c->name;

		for (int k = i + 1; k < n; k++)
			if (strcmp(((SqitchChange *) list_nth(plan->changes, k))->name, c->name) == 0)
			{
				file = psprintf("%s%s", c->name, rework_suffix(src, plan->changes, i, k));
				break;
			}
		m->kind = MIGRATION_VERSIONED;
		m->version = file;
		m->name = c->name;
		m->path = psprintf("deploy/%s.sql", file);
		m->journal_idx = i;
		m->journal_when = -1;
		m->tool_id = c->id;
		if (!script_exists(src, m->path))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FILE),
					 errmsg("change \"%s\" planned in %s has no deploy script", c->name, SQITCH_PLAN),
					 errdetail("Expected \"%s\" (%s line %d).", m->path, SQITCH_PLAN, c->line)));
		if (script_exists(src, psprintf("revert/%s.sql", file)))
			m->down_path = psprintf("revert/%s.sql", file);
		if (script_exists(src, psprintf("verify/%s.sql", file)))
			m->verify_path = psprintf("verify/%s.sql", file);
		result = lappend(result, m);
	}
	return result;
}

/* the project a Sqitch folder's plan names (%project) */
char *
sqitch_project(const MigrationSource *src)
{
	return pstrdup(parse_plan(src)->project);
}
