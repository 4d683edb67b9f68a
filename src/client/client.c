/*-------------------------------------------------------------------------
 *
 * client.c
 *	  The migrator program: runs migrator's functions against a remote
 *	  server with a migration folder that lives on the client.
 *
 *	  migrator apply|migrate|status|verify|revert|lint DIR [CONNINFO]
 *
 *	  The folder's files (those any layout reads: *.sql, metadata.toml,
 *	  drizzle-kit 1.0's snapshot.json, meta/_journal.json) are sent as a bundle, the jsonb form of the
 *	  functions, so the server needs no access to them.  The bundle is
 *	  built by the server from query parameters (jsonb_build_object), so
 *	  nothing is quoted or escaped here.  Results are printed with psql's
 *	  table printer, errors as psql prints them.
 *
 *	  Exit status: 0 success, 1 a migration or the server refused (an ERROR),
 *	  2 usage, connection, or local folder error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

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

typedef struct Options
{
	const char *command;
	const char *dir;
	const char *conninfo;
	const char *target;
	int			steps;
	bool		dry_run;
} Options;

static const char *progname;

static void
usage(void)
{
	printf("%s runs migrator's functions on a PostgreSQL server, sending it a local migration folder.\n\n",
		   progname);
	printf("Usage:\n");
	printf("  %s [OPTION]... COMMAND DIR [CONNINFO]\n\n", progname);
	printf("Commands:\n");
	printf("  apply     apply pending migrations in one transaction (migrator.apply)\n");
	printf("  migrate   apply pending migrations, committing after each (CALL migrator.migrate)\n");
	printf("  status    show each migration's state (migrator.status)\n");
	printf("  verify    fail when applied migrations were modified or are missing (migrator.verify)\n");
	printf("  revert    run the down scripts of the newest applied migrations (migrator.revert)\n");
	printf("  lint      safety lint of the pending migrations (migrator.lint_dir); fails on an error finding\n\n");
	printf("Options:\n");
	printf("  -t, --target=VERSION   apply, migrate: stop after this version\n");
	printf("  -n, --steps=N          revert: how many migrations (default 1)\n");
	printf("      --dry-run          apply: list what would be applied, change nothing\n");
	printf("  -V, --version          output version information, then exit\n");
	printf("  -?, --help             show this help, then exit\n\n");
	printf("CONNINFO is a connection string or URI (\"host=db dbname=app\", \"postgresql://...\");\n");
	printf("without it the PG* environment variables apply, as for psql.\n\n");
	printf("Exit status: 0 success, 1 a migration failed or the server refused, 2 usage or connection error.\n");
}

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
	return strcmp(relpath, "meta/_journal.json") == 0;
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
check_text(const char *relpath, const char *buf, int len)
{
	int			valid = pg_encoding_verifymbstr(PG_UTF8, buf, len);
	int			line = 1;

	if (valid == len)
		return;
	for (int i = 0; i < valid; i++)
		if (buf[i] == '\n')
			line++;
	pg_log_error("migration file \"%s\" %s at line %d", relpath,
				 buf[valid] == '\0' ? "contains a NUL byte" : "is not valid UTF-8", line);
	pg_log_error_hint("Migration files must be UTF-8 text.");
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
	check_text(relpath, f->content, f->len);
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

static void
notice_processor(void *arg, const char *message)
{
	fputs(message, stderr);
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
	PQsetNoticeProcessor(conn, notice_processor, NULL);

	res = PQexec(conn, "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'migrator'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
	{
		pg_log_error("the migrator extension is not installed in database \"%s\"",
					 PQdb(conn));
		pg_log_error_hint("Run CREATE EXTENSION migrator in that database first.");
		exit(EXIT_USAGE);
	}
	PQclear(res);
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
 * Run one statement with the bundle's parameters plus extra ones.  Returns
 * its result when it succeeded; otherwise prints the error as psql does,
 * sets *status and returns NULL.
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
	lengths = pg_realloc(lengths, sizeof(int) * (nparams + nextra + 1));
	for (int i = 0; i < nextra; i++)
	{
		values[nparams + i] = extra[i];
		lengths[nparams + i] = extra[i] ? strlen(extra[i]) : 0;
	}
	sql = psprintf(fmt, bundle, nparams + 1, nparams + 2);
	res = PQexecParams(conn, sql, nparams + nextra, NULL, values, lengths, NULL, 0);
	free(sql);
	free(bundle);
	free(values);
	free(lengths);

	*status = 0;
	if (PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK)
		return res;
	fputs(PQresultErrorMessage(res), stderr);
	*status = PQstatus(conn) == CONNECTION_BAD ? EXIT_USAGE : EXIT_MIGRATION;
	PQclear(res);
	return NULL;
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

/*
 * lint: the findings as a table; exit 1 when one of them is an error
 * (the runner would refuse the folder under migrator.lint = error).
 */
static int
lint(PGconn *conn, const Bundle *b)
{
	int			status;
	PGresult   *res = exec_bundle(conn, b,
								  "SELECT path, line, col, rule, severity, message FROM migrator.lint_dir(%s)",
								  0, NULL, &status);

	if (res == NULL)
		return status;
	print_result(res);
	for (int i = 0; i < PQntuples(res); i++)
		if (strcmp(PQgetvalue(res, i, 4), "error") == 0)
			status = EXIT_MIGRATION;
	PQclear(res);
	return status;
}

static int
run_command(PGconn *conn, const Bundle *b, const Options *o)
{
	char		steps[16];
	const char *extra[2];
	int			status;

	if (strcmp(o->command, "apply") == 0)
	{
		extra[0] = o->target;
		extra[1] = o->dry_run ? "true" : "false";
		return run(conn, b, "SELECT * FROM migrator.apply(%s, $%d::text, $%d::boolean)", 2, extra, true);
	}
	if (strcmp(o->command, "migrate") == 0)
	{
		extra[0] = o->target;
		status = run(conn, b, "CALL migrator.migrate(%s, $%d::text)", 1, extra, false);
		if (status == 0)
			status = run(conn, b, "SELECT * FROM migrator.status(%s)", 0, NULL, true);
		return status;
	}
	if (strcmp(o->command, "status") == 0)
		return run(conn, b, "SELECT * FROM migrator.status(%s)", 0, NULL, true);
	if (strcmp(o->command, "verify") == 0)
	{
		status = run(conn, b, "SELECT migrator.verify(%s)", 0, NULL, false);
		if (status == 0)
			printf("verified: no applied migration of \"%s\" is modified or missing, none is pending out of order\n",
				   o->dir);
		return status;
	}
	if (strcmp(o->command, "lint") == 0)
		return lint(conn, b);
	snprintf(steps, sizeof(steps), "%d", o->steps);
	extra[0] = steps;
	return run(conn, b, "SELECT * FROM migrator.revert(%s, $%d::integer)", 1, extra, true);
}

static void
parse_options(int argc, char **argv, Options *o)
{
	static struct option long_options[] = {
		{"target", required_argument, NULL, 't'},
		{"steps", required_argument, NULL, 'n'},
		{"dry-run", no_argument, NULL, 1},
		{"help", no_argument, NULL, '?'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	static const char *const commands[] = {"apply", "migrate", "status", "verify", "revert", "lint"};
	int			c;
	bool		known = false;
	char	   *end;

	memset(o, 0, sizeof(*o));
	o->steps = 1;
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-?") == 0))
	{
		usage();
		exit(0);
	}
	if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0))
	{
		puts("migrator (PostgreSQL extension client) 0.1");
		exit(0);
	}
	while ((c = getopt_long(argc, argv, "t:n:V?", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 't':
				o->target = optarg;
				break;
			case 'n':
				errno = 0;
				o->steps = strtol(optarg, &end, 10);
				if (errno != 0 || *end != '\0' || o->steps < 1)
					usage_error("invalid number of steps: \"%s\"", optarg);
				break;
			case 1:
				o->dry_run = true;
				break;
			default:
				{
				pg_log_error_hint("Try \"%s --help\" for more information.", progname);
				exit(EXIT_USAGE);
			}
		}
	}
	if (argc - optind < 2)
		usage_error("expected a command and a folder");
	if (argc - optind > 3)
		usage_error("too many arguments, starting with \"%s\"", argv[optind + 3]);
	o->command = argv[optind];
	o->dir = argv[optind + 1];
	o->conninfo = argc - optind == 3 ? argv[optind + 2] : NULL;
	for (int i = 0; i < (int) lengthof(commands); i++)
		known |= strcmp(o->command, commands[i]) == 0;
	if (!known)
		usage_error("unknown command \"%s\"", o->command);
	if (o->target && strcmp(o->command, "apply") != 0 && strcmp(o->command, "migrate") != 0)
		usage_error("--target applies to apply and migrate, not %s", o->command);
	if (o->dry_run && strcmp(o->command, "apply") != 0)
		usage_error("--dry-run applies to apply, not %s", o->command);
}

int
main(int argc, char **argv)
{
	Options		o;
	Bundle		b = {0};
	PGconn	   *conn;
	int			status;

	pg_logging_init(argv[0]);
	progname = get_progname(argv[0]);
	parse_options(argc, argv, &o);

	collect(&b, o.dir, "", 0);

	conn = connect_to(o.conninfo);
	status = run_command(conn, &b, &o);
	PQfinish(conn);
	return status;
}
