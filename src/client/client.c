/*-------------------------------------------------------------------------
 *
 * client.c
 *	  The migrator program: runs migrator's functions against a remote
 *	  server with a migration folder that lives on the client.
 *
 *	  migrator COMMAND [ARG]... [CONNINFO], one command per function of the
 *	  SQL API: the folder commands (apply, migrate, status, verify, revert,
 *	  revert_to, baseline, adopt, repair, resolve, lint), the schema
 *	  commands (diff, generate) and the zero-downtime changes (expand,
 *	  backfill, contract, abort).
 *
 *	  A folder's files (those any layout reads: *.sql, metadata.toml,
 *	  drizzle-kit 1.0's snapshot.json, meta/_journal.json, sqitch.plan) are sent as a
 *	  bundle, the jsonb form of the
 *	  functions, so the server needs no access to them.  The bundle is
 *	  built by the server from query parameters (jsonb_build_object), so
 *	  nothing is quoted or escaped here; so are every other argument and
 *	  file (generate's schema file, expand's operations).  Results are
 *	  printed with psql's table printer, errors as psql prints them.
 *
 *	  backfill runs CALL migrator.run_backfill and draws its progress from
 *	  the progress NOTICEs the server sends while it runs; Ctrl-C cancels
 *	  the statement on the server (PQcancel) for every command.
 *
 *	  Exit status: 0 success, 1 a migration or the server refused (an ERROR),
 *	  2 usage, connection, or local folder error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/pg_type_d.h"
#include "common/logging.h"
#include "fe_utils/print.h"
#include "getopt_long.h"
#include "libpq-fe.h"
#include "mb/pg_wchar.h"
#include "pqexpbuffer.h"

#define EXIT_MIGRATION	1
#define EXIT_USAGE		2

/* a local problem (the folder, the command line): exit 2 */
#define local_error(...) \
	do { pg_log_error(__VA_ARGS__); exit(EXIT_USAGE); } while (0)
#define usage_error(...) \
	do { \
		pg_log_error(__VA_ARGS__); \
		pg_log_error_hint("Try \"%s --help\" for more information.", progname); \
		exit(EXIT_USAGE); \
	} while (0)

/* jsonb_build_object takes at most 100 arguments: 50 files per call */
#define FILES_PER_CALL	50

typedef struct BundleFile
{
	char	   *path;			/* relative to the folder */
	char	   *content;
	int			len;
} BundleFile;

typedef struct Bundle
{
	int			count;
	int			cap;
	BundleFile *files;
} Bundle;

/* the options, each allowed by some commands only */
#define OPT_TARGET		0x01
#define OPT_STEPS		0x02
#define OPT_DRY_RUN		0x04
#define OPT_SCHEMA		0x08
#define OPT_BATCH_SIZE	0x10
#define OPT_PAUSE		0x20
#define OPT_ONLINE		0x40

typedef struct Options
{
	const char *command;
	const char *args[3];		/* the command's arguments, CONNINFO aside */
	int			nargs;
	const char *dir;			/* args[0] of a folder command */
	const char *conninfo;
	const char *target;
	int			steps;
	bool		dry_run;
	bool		online;
	const char *schema;
	int			batch_size;
	int			pause_ms;
	int			given;			/* OPT_* given on the command line */
} Options;

static const char *progname;

/* ---------------------------------------------------------------------
 * The bundle: the folder's files that a layout reads
 * ---------------------------------------------------------------------
 */

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t		n = strlen(s);
	size_t		m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* the files the server's layouts read, at most one folder deep */
static bool
wanted(const char *relpath, int depth)
{
	if (has_suffix(relpath, ".sql"))
		return true;
	if (depth == 1 && (has_suffix(relpath, "/metadata.toml") ||
					   has_suffix(relpath, "/snapshot.json")))
		return true;
	return strcmp(relpath, "meta/_journal.json") == 0 ||
		strcmp(relpath, "sqitch.plan") == 0;
}

static char *
read_whole_file(const char *path, int *len)
{
	FILE	   *f = fopen(path, "rb");
	struct stat st;
	char	   *buf;

	if (f == NULL || fstat(fileno(f), &st) != 0)
		local_error("could not open file \"%s\": %m", path);
	if (st.st_size > INT_MAX / 2)
		local_error("file \"%s\" is too large", path);
	buf = pg_malloc(st.st_size + 1);
	if (fread(buf, 1, st.st_size, f) != (size_t) st.st_size)
		local_error("could not read file \"%s\": %m", path);
	fclose(f);
	buf[st.st_size] = '\0';
	*len = (int) st.st_size;
	return buf;
}

/*
 * A migration file must be UTF-8 without NUL bytes, as the server requires
 * of a folder's files; jsonb could not carry it otherwise.  A local file
 * that is not: bad input, exit 2, before anything is sent.
 */
static void
check_text(const char *what, const char *relpath, const char *buf, int len)
{
	int			valid = pg_encoding_verifymbstr(PG_UTF8, buf, len);
	int			line = 1;

	if (valid == len)
		return;
	for (int i = 0; i < valid; i++)
		if (buf[i] == '\n')
			line++;
	pg_log_error("%s \"%s\" %s at line %d", what, relpath,
				 buf[valid] == '\0' ? "contains a NUL byte" : "is not valid UTF-8", line);
	pg_log_error_hint("The files sent to the server must be UTF-8 text.");
	exit(EXIT_USAGE);
}

static void
add_file(Bundle *b, const char *root, const char *relpath)
{
	char	   *full = psprintf("%s/%s", root, relpath);
	BundleFile *f;

	if (b->count == b->cap)
	{
		b->cap = b->cap ? b->cap * 2 : 64;
		b->files = pg_realloc(b->files, sizeof(BundleFile) * b->cap);
	}
	f = &b->files[b->count++];
	f->path = pg_strdup(relpath);
	f->content = read_whole_file(full, &f->len);
	check_text("migration file", relpath, f->content, f->len);
	free(full);
}

/* sub: "" for the folder itself, "name" for a folder one level down */
static void
collect(Bundle *b, const char *root, const char *sub, int depth)
{
	char	   *path = *sub ? psprintf("%s/%s", root, sub) : pg_strdup(root);
	DIR		   *d = opendir(path);
	struct dirent *de;

	if (d == NULL)
		local_error("could not open migration folder \"%s\": %m", path);
	while (errno = 0, (de = readdir(d)) != NULL)
	{
		char	   *rel;
		char	   *full;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;			/* hidden entries, as the server skips them */
		rel = *sub ? psprintf("%s/%s", sub, de->d_name) : pg_strdup(de->d_name);
		full = psprintf("%s/%s", root, rel);
		if (stat(full, &st) != 0)
			local_error("could not stat \"%s\": %m", full);
		if (S_ISDIR(st.st_mode) && depth == 0)
			collect(b, root, rel, depth + 1);
		else if (S_ISREG(st.st_mode) && wanted(rel, depth))
			add_file(b, root, rel);
		free(full);
		free(rel);
	}
	if (errno != 0)
		local_error("could not read migration folder \"%s\": %m", path);
	closedir(d);
	free(path);
}

/*
 * The bundle as an SQL expression over text parameters $1, $2, ...:
 * jsonb_build_object(path, content, ...) || ..., and the parameters.
 */
static char *
bundle_expression(const Bundle *b, const char ***values, int **lengths)
{
	PQExpBufferData sql;
	int			n = 0;

	*values = pg_malloc(sizeof(char *) * (b->count * 2 + 1));
	*lengths = pg_malloc(sizeof(int) * (b->count * 2 + 1));
	initPQExpBuffer(&sql);
	if (b->count == 0)
		appendPQExpBufferStr(&sql, "'{}'::jsonb");
	for (int i = 0; i < b->count; i++)
	{
		if (i % FILES_PER_CALL == 0)
			appendPQExpBuffer(&sql, "%sjsonb_build_object(", i ? ") || " : "");
		else
			appendPQExpBufferStr(&sql, ", ");
		appendPQExpBuffer(&sql, "$%d::text, $%d::text", n + 1, n + 2);
		(*values)[n] = b->files[i].path;
		(*lengths)[n++] = strlen(b->files[i].path);
		(*values)[n] = b->files[i].content;
		(*lengths)[n++] = b->files[i].len;
	}
	if (b->count > 0)
		appendPQExpBufferChar(&sql, ')');
	return sql.data;
}

/* ---------------------------------------------------------------------
 * Talking to the server
 * ---------------------------------------------------------------------
 */

/* Ctrl-C cancels the running statement on the server; twice, it quits */
static PGcancel *volatile cancel_handle;
static volatile sig_atomic_t cancel_requested;

static void
handle_sigint(int signo)
{
	int			save_errno = errno;
	char		errbuf[256];

	if (cancel_requested)
		_exit(EXIT_MIGRATION);
	cancel_requested = 1;
	if (cancel_handle != NULL)
		(void) PQcancel(cancel_handle, errbuf, sizeof(errbuf));
	errno = save_errno;
}

/* a backfill's progress, as the server's NOTICEs report it */
typedef struct Progress
{
	char	   *prefix;			/* backfill of change "NAME" */
	bool		tty;			/* a bar, redrawn in place */
	bool		drawn;			/* the bar is on the terminal's last line */
	long long	done;
	long long	total;			/* -1: unknown (never analyzed) */
	double		rate;			/* rows/s of this run; < 0: not known yet */
} Progress;

static Progress *progress;		/* while a backfill runs */

/* "12 s", "3 min 20 s", "2 h 05 min" */
static void
format_duration(char *buf, size_t len, double secs)
{
	long		s = (long) (secs + 0.5);

	if (s < 60)
		snprintf(buf, len, "%ld s", s);
	else if (s < 3600)
		snprintf(buf, len, "%ld min %02ld s", s / 60, s % 60);
	else
		snprintf(buf, len, "%ld h %02ld min", s / 3600, s % 3600 / 60);
}

/* ", about 12 s left", or nothing when it cannot be told */
static void
format_left(char *buf, size_t len, const Progress *p)
{
	char		d[32];

	buf[0] = '\0';
	if (p->total <= 0 || p->rate <= 0)
		return;
	if (p->done >= p->total)
		snprintf(buf, len, ", finishing");
	else if ((p->total - p->done) / p->rate < 1)
		snprintf(buf, len, ", under a second left");
	else
	{
		format_duration(d, sizeof(d), (p->total - p->done) / p->rate);
		snprintf(buf, len, ", about %s left", d);
	}
}

static void
progress_clear(Progress *p)
{
	if (p && p->drawn)
	{
		fputs("\r\033[K", stderr);
		p->drawn = false;
	}
}

/*
 * On a terminal, a bar redrawn in place:
 *   [##########..........]  50%  1000 of about 2000 rows, 812 rows/s, about 1 s left
 * otherwise a line per report.
 */
static void
progress_show(Progress *p)
{
	char		left[64];
	char		rate[32];

	format_left(left, sizeof(left), p);
	if (p->rate >= 0)
		snprintf(rate, sizeof(rate), ", %.0f rows/s", p->rate);
	else
		rate[0] = '\0';
	if (!p->tty)
	{
		if (p->total > 0)
			fprintf(stderr, "%s: %lld of about %lld rows (%d%%)%s%s\n", p->prefix, p->done,
					p->total, (int) Min(100, p->done * 100 / p->total), rate, left);
		else
			fprintf(stderr, "%s: %lld rows%s\n", p->prefix, p->done, rate);
		fflush(stderr);
		return;
	}
	fputs("\r", stderr);
	if (p->total > 0)
	{
		int			pct = (int) Min(100, p->done * 100 / p->total);
		char		bar[21];

		for (int i = 0; i < 20; i++)
			bar[i] = i < pct / 5 ? '#' : '.';
		bar[20] = '\0';
		fprintf(stderr, "[%s] %3d%%  %lld of about %lld rows%s%s", bar, pct, p->done, p->total,
				rate, left);
	}
	else
		fprintf(stderr, "%lld rows%s", p->done, rate);
	fputs("\033[K", stderr);
	fflush(stderr);
	p->drawn = true;
}

/*
 * A progress NOTICE of src/backfill.c: 'backfill of change "x": 412000 of
 * about 1000000 rows (41%), 81240 rows/s' (or without the total, when the
 * table was never analyzed), or '... is done: ...'.  False for any other
 * message, which is then printed as it is.
 */
static bool
progress_notice(Progress *p, const char *msg)
{
	size_t		n = strlen(p->prefix);
	long long	done,
				total;
	double		rate;

	if (strncmp(msg, p->prefix, n) != 0)
		return false;
	msg += n;
	if (sscanf(msg, ": %lld of about %lld rows (%*d%%), %lf rows/s", &done, &total, &rate) == 3)
		p->total = total;
	else if (sscanf(msg, ": %lld rows, %lf rows/s", &done, &rate) == 2)
		p->total = -1;
	else
		return strncmp(msg, " is done:", 9) == 0;	/* the final line says it */
	p->done = done;
	p->rate = rate;
	progress_show(p);
	return true;
}

/* NOTICEs and WARNINGs as psql prints them, a backfill's progress as a bar */
static void
notice_receiver(void *arg, const PGresult *res)
{
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	if (progress && msg && progress_notice(progress, msg))
		return;
	progress_clear(progress);
	fputs(PQresultErrorMessage(res), stderr);
	if (progress && progress->tty)
		progress_show(progress);
}

static PGconn *
connect_to(const char *conninfo)
{
	const char *keywords[] = {"dbname", "fallback_application_name", NULL};
	const char *values[] = {conninfo, progname, NULL};
	PGconn	   *conn = PQconnectdbParams(keywords, values, true);
	PGresult   *res;

	if (PQstatus(conn) != CONNECTION_OK)
	{
		pg_log_error("%s", PQerrorMessage(conn));
		exit(EXIT_USAGE);
	}
	PQsetNoticeReceiver(conn, notice_receiver, NULL);

	res = PQexec(conn, "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'migrator'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
	{
		pg_log_error("the migrator extension is not installed in database \"%s\"",
					 PQdb(conn));
		pg_log_error_hint("Run CREATE EXTENSION migrator in that database first.");
		exit(EXIT_USAGE);
	}
	PQclear(res);
	cancel_handle = PQgetCancel(conn);
	pqsignal(SIGINT, handle_sigint);
	return conn;
}

static void
print_result(PGresult *res)
{
	printQueryOpt opt = {0};

	opt.topt.format = PRINT_ALIGNED;
	opt.topt.border = 1;
	opt.topt.start_table = true;
	opt.topt.stop_table = true;
	opt.topt.default_footer = true;
	opt.topt.encoding = PG_UTF8;
	opt.nullPrint = "";
	printQuery(res, &opt, stdout, false, NULL);
}

/*
 * Run one statement with text parameters.  Returns its result when it
 * succeeded; otherwise prints the error as psql does, sets *status and
 * returns NULL.
 */
static PGresult *
exec_sql(PGconn *conn, const char *sql, int nparams, const char *const *values,
		 int *status)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, values, NULL, NULL, 0);

	*status = 0;
	if (PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK)
		return res;
	progress_clear(progress);
	fputs(PQresultErrorMessage(res), stderr);
	*status = PQstatus(conn) == CONNECTION_BAD ? EXIT_USAGE : EXIT_MIGRATION;
	PQclear(res);
	return NULL;
}

/*
 * The same with the bundle's parameters first: fmt has a %s for the bundle
 * and a $%d for each of the nextra parameters that follow (at most 3).
 */
static PGresult *
exec_bundle(PGconn *conn, const Bundle *b, const char *fmt, int nextra,
			const char *const *extra, int *status)
{
	const char **values;
	int		   *lengths;
	char	   *bundle = bundle_expression(b, &values, &lengths);
	int			nparams = b->count * 2;
	char	   *sql;
	PGresult   *res;

	/* the extra parameters follow the files' */
	values = pg_realloc(values, sizeof(char *) * (nparams + nextra + 1));
	for (int i = 0; i < nextra; i++)
		values[nparams + i] = extra[i];
	sql = psprintf(fmt, bundle, nparams + 1, nparams + 2, nparams + 3);
	res = exec_sql(conn, sql, nparams + nextra, values, status);
	free(sql);
	free(bundle);
	free(values);
	free(lengths);
	return res;
}

/* run one statement; print its rows when show.  Returns the exit status. */
static int
run(PGconn *conn, const Bundle *b, const char *fmt, int nextra,
	const char *const *extra, bool show)
{
	int			status;
	PGresult   *res = exec_bundle(conn, b, fmt, nextra, extra, &status);

	if (res && show && PQresultStatus(res) == PGRES_TUPLES_OK)
		print_result(res);
	PQclear(res);
	return status;
}

/* the same without a bundle: parameters $1, $2 ... */
static int
run_sql(PGconn *conn, const char *sql, int nparams, const char *const *values, bool show)
{
	int			status;
	PGresult   *res = exec_sql(conn, sql, nparams, values, &status);

	if (res && show && PQresultStatus(res) == PGRES_TUPLES_OK)
		print_result(res);
	PQclear(res);
	return status;
}

/* a local file, or standard input for "-": UTF-8 text */
static char *
read_input(const char *path)
{
	char	   *buf;
	int			len;

	if (strcmp(path, "-") == 0)
	{
		PQExpBufferData in;
		char		chunk[8192];
		size_t		n;

		initPQExpBuffer(&in);
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
			appendBinaryPQExpBuffer(&in, chunk, n);
		if (ferror(stdin))
			local_error("could not read standard input: %m");
		buf = in.data;
		len = in.len;
	}
	else
		buf = read_whole_file(path, &len);
	check_text(strcmp(path, "-") == 0 ? "standard input" : "file", path, buf, len);
	return buf;
}

/* ---------------------------------------------------------------------
 * The commands
 * ---------------------------------------------------------------------
 */

static int
cmd_apply(PGconn *conn, const Bundle *b, const Options *o)
{
	const char *extra[2] = {o->target, o->dry_run ? "true" : "false"};

	return run(conn, b, "SELECT * FROM migrator.apply(%s, $%d::text, $%d::boolean)", 2, extra, true);
}

static int
cmd_migrate(PGconn *conn, const Bundle *b, const Options *o)
{
	const char *extra[2] = {o->target, o->online ? "true" : NULL};
	int			status = run(conn, b, "CALL migrator.migrate(%s, $%d::text, $%d::boolean)", 2, extra, false);

	if (status == 0)
		status = run(conn, b, "SELECT * FROM migrator.status(%s)", 0, NULL, true);
	return status;
}

static int
cmd_status(PGconn *conn, const Bundle *b, const Options *o)
{
	return run(conn, b, "SELECT * FROM migrator.status(%s)", 0, NULL, true);
}

static int
cmd_verify(PGconn *conn, const Bundle *b, const Options *o)
{
	int			status = run(conn, b, "SELECT migrator.verify(%s)", 0, NULL, false);

	if (status == 0)
		printf("verified: no applied migration of \"%s\" is modified or missing, no pending one is refused as out of order\n",
			   o->dir);
	return status;
}

static int
cmd_revert(PGconn *conn, const Bundle *b, const Options *o)
{
	char		steps[16];
	const char *extra[1] = {steps};

	snprintf(steps, sizeof(steps), "%d", o->steps);
	return run(conn, b, "SELECT * FROM migrator.revert(%s, $%d::integer)", 1, extra, true);
}

static int
cmd_revert_to(PGconn *conn, const Bundle *b, const Options *o)
{
	int			status = run(conn, b, "CALL migrator.revert_to(%s, $%d::text)", 1, &o->args[1], false);

	if (status == 0)
		status = run(conn, b, "SELECT * FROM migrator.status(%s)", 0, NULL, true);
	return status;
}

static int
cmd_baseline(PGconn *conn, const Bundle *b, const Options *o)
{
	return run(conn, b, "SELECT * FROM migrator.baseline(%s, $%d::text)", 1, &o->args[1], true);
}

static int
cmd_adopt(PGconn *conn, const Bundle *b, const Options *o)
{
	return run(conn, b, "SELECT * FROM migrator.adopt(%s)", 0, NULL, true);
}

static int
cmd_repair(PGconn *conn, const Bundle *b, const Options *o)
{
	return run(conn, b, "SELECT * FROM migrator.repair(%s)", 0, NULL, true);
}

static int
cmd_resolve(PGconn *conn, const Bundle *b, const Options *o)
{
	int			status = run(conn, b, "SELECT migrator.resolve(%s, $%d::text, $%d::text)", 2,
							 &o->args[1], false);

	if (status == 0)
		printf("resolved migration %s: %s\n", o->args[1], o->args[2]);
	return status;
}

/*
 * lint: the findings as a table, every column lint_dir() returns (found by
 * name); exit 1 when one of them is an error (the runner would refuse the
 * folder under migrator.lint = error).
 */
static int
cmd_lint(PGconn *conn, const Bundle *b, const Options *o)
{
	int			status;
	PGresult   *res = exec_bundle(conn, b, "SELECT * FROM migrator.lint_dir(%s)", 0, NULL, &status);
	int			severity;

	if (res == NULL)
		return status;
	print_result(res);
	severity = PQfnumber(res, "severity");
	for (int i = 0; severity >= 0 && i < PQntuples(res); i++)
		if (strcmp(PQgetvalue(res, i, severity), "error") == 0)
			status = EXIT_MIGRATION;
	PQclear(res);
	return status;
}

static int
cmd_explain(PGconn *conn, const Bundle *b, const Options *o)
{
	return run(conn, b, "SELECT * FROM migrator.explain(%s)", 0, NULL, true);
}

/* drift without arguments, else the DDL from schema SOURCE to TARGET */
static int
cmd_diff(PGconn *conn, const Bundle *b, const Options *o)
{
	if (o->nargs == 0)
		return run_sql(conn, "SELECT * FROM migrator.diff()", 0, NULL, true);
	return run_sql(conn, "SELECT * FROM migrator.diff($1::text, $2::text)", 2, o->args, true);
}

static int
cmd_generate(PGconn *conn, const Bundle *b, const Options *o)
{
	const char *values[2] = {read_input(o->args[0]), o->schema ? o->schema : "public"};

	return run_sql(conn, "SELECT * FROM migrator.generate($1::text, $2::text)", 2, values, true);
}

static int
cmd_expand(PGconn *conn, const Bundle *b, const Options *o)
{
	const char *values[2] = {o->args[0], read_input(o->args[1])};
	int			status;
	PGresult   *res;

	status = run_sql(conn, "SELECT migrator.expand($1::text, $2::jsonb)", 2, values, false);
	if (status != 0)
		return status;
	res = exec_sql(conn, "SELECT version_schema FROM migrator.changes WHERE name = $1", 1,
				   values, &status);
	if (res && PQntuples(res) == 1)
		printf("change \"%s\" is expanded: the new shape is schema \"%s\"\n", o->args[0],
			   PQgetvalue(res, 0, 0));
	PQclear(res);
	return status;
}

static int
cmd_contract(PGconn *conn, const Bundle *b, const Options *o)
{
	int			status = run_sql(conn, "SELECT migrator.contract($1::text)", 1, o->args, false);

	if (status == 0)
		printf("change \"%s\" is contracted: only the new shape remains\n", o->args[0]);
	return status;
}

static int
cmd_abort(PGconn *conn, const Bundle *b, const Options *o)
{
	int			status = run_sql(conn, "SELECT migrator.abort($1::text)", 1, o->args, false);

	if (status == 0)
		printf("change \"%s\" is aborted: its tables are as before it\n", o->args[0]);
	return status;
}

/* the change's state and rows_done, rows_total (-1: NULL); false if none */
static bool
change_row(PGconn *conn, const char *change, char *state, size_t len, long long *done,
		   long long *total)
{
	int			status;
	PGresult   *res = exec_sql(conn, "SELECT state, rows_done, rows_total FROM migrator.changes WHERE name = $1",
							   1, &change, &status);
	bool		found = res && PQntuples(res) == 1;

	if (found)
	{
		strlcpy(state, PQgetvalue(res, 0, 0), len);
		*done = atoll(PQgetvalue(res, 0, 1));
		*total = PQgetisnull(res, 0, 2) ? -1 : atoll(PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return found;
}

/*
 * backfill: CALL migrator.run_backfill, its progress NOTICEs (asked for
 * every 500 ms) shown as a bar on a terminal, as lines otherwise.  The
 * NOTICEs arrive on this connection while the CALL runs, as the server
 * sends them after each batch; a second connection polling
 * migrator.changes would need a second login and would miss nothing more.
 * Ctrl-C cancels the CALL: the batches done stay done.
 */
static int
cmd_backfill(PGconn *conn, const Bundle *b, const Options *o)
{
	char		batch[16];
	char		pause[16];
	const char *values[3] = {o->args[0], batch, pause};
	Progress	p = {0};
	char		state[32];
	long long	before = 0;
	struct timespec start,
				end;
	double		secs;
	char		took[32];
	int			status;
	PGresult   *res;

	snprintf(batch, sizeof(batch), "%d", o->batch_size);
	snprintf(pause, sizeof(pause), "%d", o->pause_ms);
	p.prefix = psprintf("backfill of change \"%s\"", o->args[0]);
	p.tty = isatty(fileno(stderr));
	p.rate = -1;
	p.total = -1;

	/* progress every 500 ms, and NOTICEs shown (a migrator 0.1 server has no progress) */
	PQclear(PQexec(conn, "SELECT pg_catalog.set_config('migrator.backfill_progress', '500', false)"));
	PQclear(PQexec(conn, "SELECT pg_catalog.set_config('client_min_messages', 'notice', false) "
				   "WHERE pg_catalog.current_setting('client_min_messages') IN ('warning', 'error')"));

	if (change_row(conn, o->args[0], state, sizeof(state), &before, &p.total))
	{
		p.done = before;
		if (p.tty)
			progress_show(&p);
	}
	progress = &p;
	clock_gettime(CLOCK_MONOTONIC, &start);
	res = exec_sql(conn, "CALL migrator.run_backfill($1::text, $2::integer, "
				   "pg_catalog.make_interval(secs => $3::double precision / 1000))",
				   3, values, &status);
	clock_gettime(CLOCK_MONOTONIC, &end);
	progress_clear(&p);
	progress = NULL;
	PQclear(res);
	secs = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
	format_duration(took, sizeof(took), secs);

	if (!change_row(conn, o->args[0], state, sizeof(state), &p.done, &p.total))
		return status ? status : EXIT_MIGRATION;
	if (status != 0)
	{
		if (cancel_requested)
			fprintf(stderr, "%s cancelled after %s: %lld rows are filled, %lld by this run; "
					"run it again to continue\n", p.prefix, took, p.done, p.done - before);
		return status;
	}
	printf("change \"%s\" is %s: %lld rows filled, %lld by this run in %s\n",
		   o->args[0], state, p.done, p.done - before, took);
	return 0;
}

/* ---------------------------------------------------------------------
 * The command line
 * ---------------------------------------------------------------------
 */

typedef struct Command
{
	const char *name;
	const char *synopsis;		/* its arguments, CONNINFO aside */
	int			min_args;		/* it takes min_args or max_args of them */
	int			max_args;
	bool		folder;			/* args[0] is a folder, sent as a bundle */
	int			options;		/* OPT_* it accepts */
	int			(*run) (PGconn *conn, const Bundle *b, const Options *o);
	const char *summary;
	const char *help;
} Command;

static const Command commands[] = {
	{"apply", "DIR", 1, 1, true, OPT_TARGET | OPT_DRY_RUN, cmd_apply,
		"apply pending migrations in one transaction",
		"Applies the pending migrations of the folder in one transaction (migrator.apply): all or\n"
	"nothing.  Prints what was applied, or with --dry-run what would be.\n\n"
	"Example:\n  migrator apply --target=3 ./migrations \"postgresql://deploy@db/app\"\n"},
	{"migrate", "DIR", 1, 1, true, OPT_TARGET | OPT_ONLINE, cmd_migrate,
		"apply pending migrations, committing after each",
		"Applies the pending migrations, committing after each (CALL migrator.migrate); runs those\n"
	"that must run outside a transaction block.  With --online, statements that would lock an\n"
	"existing, non-empty table run in their lock-safe form.  Then prints the folder's status.\n\n"
	"Example:\n  migrator migrate --online ./migrations \"host=db dbname=app\"\n"},
	{"status", "DIR", 1, 1, true, 0, cmd_status,
		"show each migration's state",
		"Shows each migration of the folder: applied, pending, modified or missing (migrator.status).\n\n"
	"Example:\n  migrator status ./migrations\n"},
	{"verify", "DIR", 1, 1, true, 0, cmd_verify,
		"fail when applied migrations were modified or are missing",
		"Fails (exit 1) when an applied migration was modified or is missing, or a pending one sorts\n"
	"before an applied one (migrator.verify): the CI gate.\n\n"
	"Example:\n  migrator verify ./migrations\n"},
	{"revert", "DIR", 1, 1, true, OPT_STEPS, cmd_revert,
		"run the down scripts of the newest applied migrations",
		"Runs the down scripts of the newest applied migrations in one transaction (migrator.revert).\n\n"
	"Example:\n  migrator revert --steps=2 ./migrations\n"},
	{"revert_to", "DIR VERSION", 2, 2, true, 0, cmd_revert_to,
		"revert every migration applied after VERSION (0: all)",
		"Reverts every migration applied after VERSION, newest first, committing after each\n"
	"(CALL migrator.revert_to); VERSION 0 reverts them all.  Then prints the folder's status.\n\n"
	"Example:\n  migrator revert_to ./migrations 20240101000000\n"},
	{"baseline", "DIR VERSION", 2, 2, true, 0, cmd_baseline,
		"record every migration up to VERSION as applied, running none",
		"Records every migration up to VERSION as applied without running it (migrator.baseline),\n"
	"for a database that already has their schema.\n\n"
	"Example:\n  migrator baseline ./migrations 5\n"},
	{"adopt", "DIR", 1, 1, true, 0, cmd_adopt,
		"import the history of drizzle-kit, Prisma, Flyway, golang-migrate or dbmate",
		"Imports the history the previous tool kept in this database for this folder\n"
	"(migrator.adopt): drizzle-kit, Prisma, Flyway, golang-migrate, dbmate.\n\n"
	"Example:\n  migrator adopt ./drizzle \"postgresql://deploy@db/app\"\n"},
	{"repair", "DIR", 1, 1, true, 0, cmd_repair,
		"record the checksums of applied files as they are now",
		"Records the checksums of the applied files as they are now, after an intentional edit\n"
	"(migrator.repair), so that verify passes again.\n\n"
	"Example:\n  migrator repair ./migrations\n"},
	{"resolve", "DIR VERSION applied|rolled-back", 3, 3, true, 0, cmd_resolve,
		"settle a migration that failed half-way outside a transaction",
		"Settles a migration that failed half-way outside a transaction block, once it was finished\n"
	"or undone by hand (migrator.resolve): applied records it, rolled-back leaves it pending.\n\n"
	"Example:\n  migrator resolve ./migrations 7 applied\n"},
	{"lint", "DIR", 1, 1, true, 0, cmd_lint,
		"safety lint of the pending migrations; fails on an error finding",
		"Lints the pending migrations of the folder (migrator.lint_dir) and prints every finding\n"
	"with its hint; fails (exit 1) when one has severity error.\n\n"
	"Example:\n  migrator lint ./migrations\n"},
	{"explain", "DIR", 1, 1, true, 0, cmd_explain,
		"each pending statement's lock, table size, rewrite or scan, online form and lint",
		"For every statement of the pending migrations, in order (migrator.explain): the lock it\n"
	"takes and on which table, the table's live size, whether it rewrites or scans it, the form\n"
	"an online run gives it, and the lint's finding.  Nothing runs.\n\n"
	"Example:\n  migrator explain ./migrations \"host=db dbname=app\"\n"},
	{"diff", "[SOURCE TARGET]", 0, 2, false, 0, cmd_diff,
		"drift since the last run, or the DDL from schema SOURCE to TARGET",
		"Without schemas: the drift, the DDL from the schema as the last run left it to the live one\n"
	"(migrator.diff()).  With two: the DDL that makes schema SOURCE like schema TARGET.\n"
	"Each statement comes with its hazard.\n\n"
	"Examples:\n  migrator diff \"host=db dbname=app\"\n  migrator diff staging public \"host=db dbname=app\"\n"},
	{"generate", "FILE", 1, 1, false, OPT_SCHEMA, cmd_generate,
		"the migration from the live schema to a desired-state schema file",
		"Reads the desired-state schema file FILE (- for standard input) here and sends its text;\n"
	"prints the migration from the live schema to it (migrator.generate).\n\n"
	"Example:\n  migrator generate --schema=public schema.sql \"host=db dbname=app\"\n"},
	{"expand", "CHANGE OPS.json|-", 2, 2, false, 0, cmd_expand,
		"start a zero-downtime change (a JSON array of operations)",
		"Starts the zero-downtime change CHANGE with the operations in the JSON file (- for standard\n"
	"input), as migrator.expand does, and names the schema of the new shape.\n\n"
	"Example:\n  echo '[{\"rename_column\": {\"table\": \"books\", \"from\": \"year\", \"to\": \"published\"}}]' |\n"
	"    migrator expand rename_year - \"host=db dbname=app\"\n"},
	{"backfill", "CHANGE", 1, 1, false, OPT_BATCH_SIZE | OPT_PAUSE, cmd_backfill,
		"fill the existing rows of a change, showing its progress",
		"Backfills the change to completion (CALL migrator.run_backfill), committing after each\n"
	"batch.  Shows its progress (rows done of the estimated total, rate, time left) as a bar on\n"
	"a terminal, as a line every half second otherwise.  Ctrl-C cancels it on the server: the\n"
	"batches done stay done, and running it again continues.\n\n"
	"Example:\n  migrator backfill --batch-size=5000 --pause=10 rename_year \"host=db dbname=app\"\n"},
	{"contract", "CHANGE", 1, 1, false, 0, cmd_contract,
		"finish a backfilled change: only the new shape remains",
		"Finishes the backfilled change CHANGE (migrator.contract): only the new shape remains.\n\n"
	"Example:\n  migrator contract rename_year\n"},
	{"abort", "CHANGE", 1, 1, false, 0, cmd_abort,
		"undo an open change",
		"Undoes the open change CHANGE (migrator.abort): its tables are as before, with the writes\n"
	"made meanwhile.\n\n"
	"Example:\n  migrator abort rename_year\n"},
};

/* an option: getopt_long's table, the help and the checks are all made from these */
typedef struct OptionHelp
{
	int			bit;
	const char *name;
	int			code;			/* getopt_long's: the short option, else below ' ' */
	bool		has_arg;
	const char *flags;
	const char *text;
} OptionHelp;

static const OptionHelp option_help[] = {
	{OPT_TARGET, "target", 't', true, "-t, --target=VERSION", "stop after this version"},
	{OPT_DRY_RUN, "dry-run", 1, false, "    --dry-run", "list what would be applied, change nothing"},
	{OPT_STEPS, "steps", 'n', true, "-n, --steps=N", "how many migrations (default 1)"},
	{OPT_SCHEMA, "schema", 's', true, "-s, --schema=SCHEMA", "the live schema to compare with (default public)"},
	{OPT_BATCH_SIZE, "batch-size", 'b', true, "-b, --batch-size=N", "rows per batch (default 1000)"},
	{OPT_PAUSE, "pause", 'p', true, "-p, --pause=MS", "pause between batches, in milliseconds (default 0)"},
	{OPT_ONLINE, "online", 2, false, "    --online", "lock-safe forms for statements on existing, non-empty tables"},
};

static const Command *
find_command(const char *name)
{
	for (int i = 0; i < (int) lengthof(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
usage_footer(void)
{
	printf("CONNINFO is a connection string or URI (\"host=db dbname=app\", \"postgresql://...\");\n");
	printf("without it the PG* environment variables apply, as for psql.\n\n");
	printf("Exit status: 0 success, 1 a migration failed or the server refused, 2 usage or connection error.\n");
}

static void
usage(void)
{
	printf("%s runs migrator's functions on a PostgreSQL server, sending it a local migration folder.\n\n",
		   progname);
	printf("Usage:\n");
	printf("  %s [OPTION]... COMMAND [ARG]... [CONNINFO]\n", progname);
	printf("  %s help COMMAND\n\n", progname);
	printf("Commands:\n");
	for (int i = 0; i < (int) lengthof(commands); i++)
	{
		char	   *head = psprintf("%s %s", commands[i].name, commands[i].synopsis);

		printf("  %-40s %s\n", head, commands[i].summary);
		free(head);
	}
	printf("\nOptions:\n");
	for (int i = 0; i < (int) lengthof(option_help); i++)
	{
		PQExpBufferData which;

		initPQExpBuffer(&which);
		for (int j = 0; j < (int) lengthof(commands); j++)
			if (commands[j].options & option_help[i].bit)
				appendPQExpBuffer(&which, "%s%s", which.len ? ", " : "", commands[j].name);
		printf("  %-21s  %s: %s\n", option_help[i].flags, which.data, option_help[i].text);
		termPQExpBuffer(&which);
	}
	printf("  -V, --version          output version information, then exit\n");
	printf("  -?, --help             show this help (after a command: its help), then exit\n\n");
	printf("A DIR is a local migration folder, sent to the server as a bundle.\n");
	usage_footer();
}

static void
command_usage(const Command *cmd)
{
	printf("Usage:\n  %s [OPTION]... %s %s [CONNINFO]\n\n", progname, cmd->name, cmd->synopsis);
	printf("%s\n", cmd->help);
	printf("Options:\n");
	for (int i = 0; i < (int) lengthof(option_help); i++)
		if (cmd->options & option_help[i].bit)
			printf("  %-21s  %s\n", option_help[i].flags, option_help[i].text);
	printf("  -?, --help             show this help, then exit\n\n");
	usage_footer();
}

static int
parse_int(const char *arg, const char *what, int min)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || *end != '\0' || end == arg || v < min || v > INT_MAX)
		usage_error("invalid %s: \"%s\"", what, arg);
	return (int) v;
}

/* "--dry-run applies to apply, not status" */
static void
check_options(const Command *cmd, const Options *o)
{
	for (int i = 0; i < (int) lengthof(option_help); i++)
	{
		PQExpBufferData which;

		if (!(o->given & option_help[i].bit) || (cmd->options & option_help[i].bit))
			continue;
		initPQExpBuffer(&which);
		for (int j = 0; j < (int) lengthof(commands); j++)
			if (commands[j].options & option_help[i].bit)
				appendPQExpBuffer(&which, "%s%s", which.len ? " and " : "", commands[j].name);
		usage_error("--%s applies to %s, not %s", option_help[i].name, which.data, cmd->name);
	}
}

/*
 * The command's arguments, then CONNINFO when there is one more: a command
 * takes min_args or max_args arguments (diff: none or two).
 */
static void
take_arguments(const Command *cmd, int argc, char **argv, Options *o)
{
	int			n = argc - optind - 1;
	char	  **args = argv + optind + 1;

	if (n != cmd->min_args && n != cmd->max_args &&
		(n - 1 == cmd->min_args || n - 1 == cmd->max_args))
		o->conninfo = args[--n];
	if (n != cmd->min_args && n != cmd->max_args)
	{
		if (n < cmd->min_args || (n > cmd->min_args && n < cmd->max_args))
			usage_error("%s expects %s", cmd->name, cmd->synopsis);
		usage_error("too many arguments, starting with \"%s\"", args[cmd->max_args + 1]);
	}
	for (int i = 0; i < n; i++)
		o->args[i] = args[i];
	o->nargs = n;
	if (cmd->folder)
		o->dir = o->args[0];
}

/* --help and -? anywhere (before --): taken out of argv, true if found */
static bool
take_help(int *argc, char **argv)
{
	bool		found = false;
	int			j = 1;

	for (int i = 1; i < *argc; i++)
	{
		if (strcmp(argv[i], "--") == 0)
		{
			while (i < *argc)
				argv[j++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-?") == 0)
			found = true;
		else
			argv[j++] = argv[i];
	}
	*argc = j;
	argv[j] = NULL;
	return found;
}

static void
set_option(struct option *opt, const char *name, bool has_arg, int code)
{
	opt->name = name;
	opt->has_arg = has_arg ? required_argument : no_argument;
	opt->flag = NULL;
	opt->val = code;
}

/* getopt_long's tables, from option_help and --version */
static void
getopt_tables(struct option *longopts, char *shortopts)
{
	int			n = 0;
	int			i;

	for (i = 0; i < (int) lengthof(option_help); i++)
	{
		const OptionHelp *h = &option_help[i];

		set_option(&longopts[i], h->name, h->has_arg, h->code);
		if (h->code > ' ')
		{
			shortopts[n++] = (char) h->code;
			if (h->has_arg)
				shortopts[n++] = ':';
		}
	}
	set_option(&longopts[i++], "version", false, 'V');
	set_option(&longopts[i], NULL, false, 0);
	shortopts[n++] = 'V';
	shortopts[n] = '\0';
}

/* the OPT_* of a getopt_long code */
static int
option_bit(int code)
{
	for (int i = 0; i < (int) lengthof(option_help); i++)
		if (option_help[i].code == code)
			return option_help[i].bit;
	return 0;
}

static const Command *
parse_options(int argc, char **argv, Options *o)
{
	struct option long_options[lengthof(option_help) + 2];
	char		short_options[2 * lengthof(option_help) + 2];
	bool		help = take_help(&argc, argv);
	const Command *cmd;
	int			c;

	memset(o, 0, sizeof(*o));
	o->steps = 1;
	o->batch_size = 1000;
	getopt_tables(long_options, short_options);
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 't':
				o->target = optarg;
				break;
			case 'n':
				o->steps = parse_int(optarg, "number of steps", 1);
				break;
			case 1:
				o->dry_run = true;
				break;
			case 2:
				o->online = true;
				break;
			case 's':
				o->schema = optarg;
				break;
			case 'b':
				o->batch_size = parse_int(optarg, "batch size", 1);
				break;
			case 'p':
				o->pause_ms = parse_int(optarg, "pause", 0);
				break;
			case 'V':
				puts("migrator (PostgreSQL extension client) 0.3");
				exit(0);
			default:
				pg_log_error_hint("Try \"%s --help\" for more information.", progname);
				exit(EXIT_USAGE);
		}
		o->given |= option_bit(c);
	}
	/* migrator help [COMMAND] */
	if (optind < argc && strcmp(argv[optind], "help") == 0)
	{
		if (argc - optind > 2)
			usage_error("too many arguments, starting with \"%s\"", argv[optind + 2]);
		help = true;
		optind++;
	}
	if (optind >= argc)
	{
		if (help)
		{
			usage();
			exit(0);
		}
		usage_error("expected a command");
	}
	o->command = argv[optind];
	cmd = find_command(o->command);
	if (cmd == NULL)
		usage_error("unknown command \"%s\"", o->command);
	if (help)
	{
		command_usage(cmd);
		exit(0);
	}
	check_options(cmd, o);
	take_arguments(cmd, argc, argv, o);
	if (cmd->run == cmd_resolve && strcmp(o->args[2], "applied") != 0 &&
		strcmp(o->args[2], "rolled-back") != 0)
		usage_error("the outcome of resolve is applied or rolled-back, not \"%s\"", o->args[2]);
	return cmd;
}

int
main(int argc, char **argv)
{
	Options		o;
	Bundle		b = {0};
	const Command *cmd;
	PGconn	   *conn;
	int			status;

	pg_logging_init(argv[0]);
	progname = get_progname(argv[0]);
	cmd = parse_options(argc, argv, &o);

	if (cmd->folder)
		collect(&b, o.dir, "", 0);

	conn = connect_to(o.conninfo);
	status = cmd->run(conn, &b, &o);
	PQfinish(conn);
	return status;
}
