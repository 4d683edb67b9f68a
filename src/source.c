/*-------------------------------------------------------------------------
 *
 * source.c
 *	  Where a run's bytes come from: a folder on the database server, or a
 *	  bundle -- a jsonb object {"relative/path": "contents", ...} sent by a
 *	  client that has the folder (the migrator program, CI).
 *
 *	  Lists the folder (AllocateDir/ReadDir) or the bundle's keys, recognises
 *	  the layout, reads each migration file once (OpenTransientFile, size
 *	  limit), checks that it is UTF-8 without NUL bytes, and computes its
 *	  SHA-256 (pg_cryptohash) over the same bytes either way, so a folder and
 *	  its bundle have the same checksums.  drizzle-kit's meta/_journal.json,
 *	  when present, decides which files are migrations and their order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cryptohash.h"
#include "common/file_utils.h"
#include "common/sha1.h"
#include "common/sha2.h"
#include "mb/pg_wchar.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "migrator.h"

#define DRIZZLE_JOURNAL "meta/_journal.json"

static char *
join_path(const char *dir, const char *rel)
{
	return psprintf("%s/%s", dir, rel);
}

/* a bundle's entry for a relative path; false when it has none */
static bool
bundle_get(const MigrationSource *src, const char *rel, JsonbValue *v)
{
	return getKeyJsonValueFromContainer(&src->bundle->root, rel, strlen(rel), v);
}

/* a regular file at rel, below the folder or in the bundle */
static bool
file_exists(const MigrationSource *src, const char *rel)
{
	struct stat st;
	JsonbValue	v;

	if (src->bundle)
		return bundle_get(src, rel, &v);
	return stat(join_path(src->dir, rel), &st) == 0 && S_ISREG(st.st_mode);
}

static void
bad_bundle(const char *key, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("migration bundle entry \"%s\" %s", key, why),
			 errhint("A bundle is a jsonb object mapping each file's path relative to the migration folder (\"0001_init.sql\", \"meta/_journal.json\") to its contents as a string.")));
}

/* a bundle key: a relative path of plain components, "a/b.sql" */
static void
check_bundle_key(const char *key)
{
	const char *why = bundle_key_problem(key);

	if (why)
		bad_bundle(key, why);
}

/*
 * A migration source for a bundle argument: an object whose keys are
 * relative paths and whose values are strings; checked before anything is
 * read.
 */
MigrationSource *
source_bundle(Jsonb *bundle)
{
	MigrationSource *src = palloc0(sizeof(MigrationSource));
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(bundle) || JB_ROOT_IS_SCALAR(bundle))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration bundle must be a jsonb object"),
				 errhint("Send {\"relative/path\": \"contents\", ...}, one key per file of the migration folder.")));
	it = JsonbIteratorInit(&bundle->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			check_bundle_key(key);
		}
		else if (tok == WJB_VALUE && v.type != jbvString)
			bad_bundle(key, "is not a string");
	}
	src->bundle = bundle;
	src->label = "bundle";
	return src;
}

/* A migration source for a server folder (already checked: absolute). */
MigrationSource *
source_folder(const char *dir)
{
	MigrationSource *src = palloc0(sizeof(MigrationSource));

	src->dir = pstrdup(dir);
	src->label = src->dir;
	return src;
}

/*
 * The folder's entries, sorted by name; hidden entries are skipped.
 */
static DirEntry *
list_folder(const char *dir, int *count)
{
	DIR		   *d;
	struct dirent *de;
	int			n = 0;
	int			cap = 64;
	DirEntry   *entries = palloc(sizeof(DirEntry) * cap);

	d = AllocateDir(dir);
	if (d == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open migration folder \"%s\": %m", dir),
				 errhint("The path is read by the database server process, on the server's file system.")));

	while ((de = ReadDir(d, dir)) != NULL)
	{
		char	   *full;
		PGFileType	type;

		if (de->d_name[0] == '.')
			continue;
		full = join_path(dir, de->d_name);
		type = get_dirent_type(full, de, true, ERROR);
		pfree(full);
		if (type != PGFILETYPE_REG && type != PGFILETYPE_DIR)
			continue;
		if (n == cap)
		{
			cap *= 2;
			entries = repalloc(entries, sizeof(DirEntry) * cap);
		}
		entries[n].name = pstrdup(de->d_name);
		entries[n].is_dir = (type == PGFILETYPE_DIR);
		n++;
	}
	FreeDir(d);

	if (n > 1)
		qsort(entries, n, sizeof(DirEntry), source_entry_cmp);
	*count = n;
	return entries;
}

/*
 * A bundle's top-level entries, as a folder listing would show them: the
 * first component of each key, a folder when more follows.
 */
static DirEntry *
list_bundle(const MigrationSource *src, int *count)
{
	int			cap = JB_ROOT_COUNT(src->bundle) + 1;
	char	  **keys = palloc(sizeof(char *) * cap);
	DirEntry   *entries = palloc(sizeof(DirEntry) * cap);
	JsonbIterator *it = JsonbIteratorInit(&src->bundle->root);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			nkeys = 0;
	const char *conflict;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			keys[nkeys++] = pnstrdup(v.val.string.val, v.val.string.len);
	}
	*count = bundle_entries(keys, nkeys, entries, &conflict);
	if (*count < 0)
		bad_bundle(conflict, "is both a file and a folder");
	return entries;
}

/*
 * The entries of a subfolder (graphile-migrate's committed/), of the
 * folder or of the bundle, as a listing of that subfolder would show them.
 */
DirEntry *
source_list_sub(const MigrationSource *src, const char *sub, int *count)
{
	int			cap = src->bundle ? JB_ROOT_COUNT(src->bundle) + 1 : 0;
	char	  **keys;
	DirEntry   *entries;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			nkeys = 0;
	const char *conflict;
	size_t		sublen = strlen(sub);

	if (src->bundle == NULL)
		return list_folder(join_path(src->dir, sub), count);
	keys = palloc(sizeof(char *) * cap);
	entries = palloc(sizeof(DirEntry) * cap);
	it = JsonbIteratorInit(&src->bundle->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY && (size_t) v.val.string.len > sublen + 1 &&
			strncmp(v.val.string.val, sub, sublen) == 0 && v.val.string.val[sublen] == '/')
			keys[nkeys++] = pnstrdup(v.val.string.val + sublen + 1,
									 v.val.string.len - sublen - 1);
	}
	*count = bundle_entries(keys, nkeys, entries, &conflict);
	if (*count < 0)
		bad_bundle(conflict, "is both a file and a folder");
	return entries;
}

static DirEntry *
list_entries(const MigrationSource *src, int *count)
{
	return src->bundle ? list_bundle(src, count) : list_folder(src->dir, count);
}

static void
check_size(const char *relpath, long long size)
{
	if (size > (long long) migrator_max_file_size * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("migration file \"%s\" is too large", relpath),
				 errdetail("It has %lld bytes; the limit is migrator.max_file_size = %d kB.",
						   size, migrator_max_file_size),
				 errhint("Split the migration, or raise migrator.max_file_size.")));
}

/*
 * A bundle's file: its string, as UTF-8 bytes (what the file held), so
 * that checksums do not depend on the database encoding.
 */
static char *
read_bundle_file(const MigrationSource *src, const char *relpath, int *len,
				 bool missing_ok)
{
	JsonbValue	v;
	char	   *buf;

	if (!bundle_get(src, relpath, &v))
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("migration bundle has no file \"%s\"", relpath)));
	}
	check_size(relpath, v.val.string.len);
	buf = pnstrdup(v.val.string.val, v.val.string.len);
	*len = v.val.string.len;
	if (GetDatabaseEncoding() != PG_UTF8)
	{
		buf = pg_server_to_any(buf, *len, PG_UTF8);
		*len = strlen(buf);
	}
	return buf;
}

/*
 * No component of relpath below dir is a symbolic link (nor missing): then
 * the file is inside the folder, whatever dir itself resolves to.  One
 * lstat() per component, instead of realpath()'s readlink() per component
 * of the whole path, twice: the common case of a folder of thousands of
 * plain files.
 */
static bool
plain_path(const char *path, size_t dirlen)
{
	char	   *p = pstrdup(path);
	char	   *slash = p + dirlen + 1;
	struct stat st;
	bool		plain = true;

	for (;;)
	{
		slash = strchr(slash, '/');
		if (slash)
			*slash = '\0';
		if (lstat(p, &st) != 0 || S_ISLNK(st.st_mode))
		{
			plain = false;
			break;
		}
		if (slash == NULL)
			break;
		*slash++ = '/';
	}
	pfree(p);
	return plain;
}

/*
 * A folder's files must be inside it: a symbolic link (to a file or a
 * subfolder) is followed only when it resolves to a place inside the
 * folder, so that a folder cannot make migrator read, and checksum, what
 * lies elsewhere on the server.
 */
static void
check_inside(const char *dir, const char *relpath, const char *path)
{
	char	   *real_dir;
	char	   *real_file;
	bool		inside;

	if (plain_path(path, strlen(dir)))
		return;
	real_dir = realpath(dir, NULL);
	real_file = realpath(path, NULL);
	if (real_file == NULL)
	{
		free(real_dir);
		return;					/* missing: reported when it is opened */
	}
	inside = real_dir != NULL &&
		strncmp(real_file, real_dir, strlen(real_dir)) == 0 &&
		real_file[strlen(real_dir)] == '/';
	if (!inside)
	{
		char	   *target = pstrdup(real_file);

		free(real_dir);
		free(real_file);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration file \"%s\" leads out of the migration folder", relpath),
				 errdetail("It resolves to \"%s\".", target),
				 errhint("Symbolic links in a migration folder may point only inside it; copy the file into the folder instead.")));
	}
	free(real_dir);
	free(real_file);
}

/*
 * Read a whole file of the source.  Returns NULL if missing_ok and it does
 * not exist.  The result is NUL-terminated.
 */
char *
source_read_file(const MigrationSource *src, const char *relpath, int *len,
				 bool missing_ok)
{
	char	   *path;
	int			fd;
	struct stat st;
	char	   *buf;
	off_t		done = 0;

	if (src->bundle)
		return read_bundle_file(src, relpath, len, missing_ok);
	path = join_path(src->dir, relpath);
	check_inside(src->dir, relpath, path);
	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
	{
		if (missing_ok && errno == ENOENT)
			return NULL;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open migration file \"%s\": %m", relpath)));
	}
	if (fstat(fd, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat migration file \"%s\": %m", relpath)));
	check_size(relpath, (long long) st.st_size);

	buf = palloc(st.st_size + 1);
	while (done < st.st_size)
	{
		ssize_t		r = read(fd, buf + done, st.st_size - done);

		if (r < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read migration file \"%s\": %m", relpath)));
		if (r == 0)
			break;
		done += r;
	}
	CloseTransientFile(fd);
	buf[done] = '\0';
	*len = (int) done;
	pfree(path);
	return buf;
}

void
source_sha256_hex(const char *data, int len, char *hex)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256: %s",
						pg_cryptohash_error(ctx))));
	pg_cryptohash_free(ctx);
	hex_encode((const char *) digest, sizeof(digest), hex);
	hex[MIGRATOR_CHECKSUM_LEN] = '\0';
}

/* SHA-1 as lower-case hex (41 bytes with the NUL): Sqitch's and graphile-migrate's hashes */
void
source_sha1_hex(const char *data, int len, char *hex)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA1);
	uint8		digest[SHA1_DIGEST_LENGTH];

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-1: %s",
						pg_cryptohash_error(ctx))));
	pg_cryptohash_free(ctx);
	hex_encode((const char *) digest, sizeof(digest), hex);
	hex[2 * SHA1_DIGEST_LENGTH] = '\0';
}

/*
 * Migration files are UTF-8 text: refuse NUL bytes and invalid sequences,
 * naming the line, then convert to the database encoding.
 */
static void
validate_text(Migration *m)
{
	int			valid = pg_encoding_verifymbstr(PG_UTF8, m->content, m->len);

	if (valid < m->len)
	{
		int			line = 1;

		for (int i = 0; i < valid; i++)
			if (m->content[i] == '\n')
				line++;
		if (m->content[valid] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("migration file \"%s\" contains a NUL byte at line %d",
							m->path, line),
					 errdetail("At byte offset %d.", valid),
					 errhint("Migration files must be UTF-8 text.")));
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("migration file \"%s\" is not valid UTF-8 at line %d",
						m->path, line),
				 errdetail("Byte offset %d holds 0x%02x.",
						   valid, (unsigned char) m->content[valid]),
				 errhint("Save the file as UTF-8.")));
	}

	if (GetDatabaseEncoding() != PG_UTF8)
	{
		char	   *conv = pg_any_to_server(m->content, m->len, PG_UTF8);

		if (conv != m->content)
		{
			m->content = conv;
			m->len = strlen(conv);
		}
	}
}

static void
load_migration(MigrationSet *set, Migration *m)
{
	m->content = source_read_file(set->src, m->path, &m->len, false);
	source_sha256_hex(m->content, m->len, m->checksum);
	validate_text(m);
}

static void
add_migration(MigrationSet *set, int *cap, Migration *m)
{
	if (set->count == *cap)
	{
		*cap *= 2;
		set->items = repalloc(set->items, sizeof(Migration *) * *cap);
	}
	set->items[set->count++] = m;
}

static void
bad_name(MigrationSet *set, const char *fname)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_NAME),
			 errmsg("file \"%s\" does not fit the %s layout of the migration folder",
					fname, layout_name(set->layout)),
			 errhint("Rename it as the folder's other migrations are named, or move it out of the folder.")));
}

/* error context while decoding drizzle's journal */
static void
drizzle_journal_callback(void *arg)
{
	errcontext("drizzle-kit journal \"%s\"", (const char *) arg);
}

static char *
jsonb_get_string(JsonbContainer *obj, const char *key)
{
	JsonbValue	v;

	if (!getKeyJsonValueFromContainer(obj, key, strlen(key), &v) ||
		v.type != jbvString)
		return NULL;
	return pnstrdup(v.val.string.val, v.val.string.len);
}

static bool
jsonb_get_long(JsonbContainer *obj, const char *key, long *out)
{
	JsonbValue	v;

	if (!getKeyJsonValueFromContainer(obj, key, strlen(key), &v) ||
		v.type != jbvNumeric)
		return false;
	*out = DatumGetInt64(DirectFunctionCall1(numeric_int8,
											 NumericGetDatum(v.val.numeric)));
	return true;
}

static void
bad_drizzle_journal(MigrationSet *set, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("drizzle-kit journal \"%s\" is malformed", DRIZZLE_JOURNAL),
			 errdetail("%s", why)));
}

/*
 * drizzle-kit: meta/_journal.json lists the migrations ("entries", each with
 * "idx" and "tag"); a .sql file it does not list is not a migration.
 */
static void
read_drizzle(MigrationSet *set, DirEntry *entries, int n, int *cap)
{
	int			len;
	char	   *json = source_read_file(set->src, DRIZZLE_JOURNAL, &len, false);
	ErrorContextCallback cb;
	Jsonb	   *jb;
	JsonbValue	v;
	JsonbContainer *arr;
	int			nentries;
	bool	   *listed = palloc0(sizeof(bool) * n);

	cb.callback = drizzle_journal_callback;
	cb.arg = (void *) DRIZZLE_JOURNAL;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	error_context_stack = cb.previous;

	if (!JB_ROOT_IS_OBJECT(jb) ||
		!getKeyJsonValueFromContainer(&jb->root, "entries", 7, &v) ||
		v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		bad_drizzle_journal(set, "It has no \"entries\" array.");
	arr = v.val.binary.data;
	nentries = JsonContainerSize(arr);

	for (int i = 0; i < nentries; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(arr, i);
		Migration  *m = palloc0(sizeof(Migration));
		char	   *tag;
		char	   *fname;
		DirEntry	key;
		DirEntry   *found;

		if (e->type != jbvBinary || !JsonContainerIsObject(e->val.binary.data))
			bad_drizzle_journal(set, psprintf("Entry %d is not an object.", i));
		tag = jsonb_get_string(e->val.binary.data, "tag");
		if (tag == NULL)
			bad_drizzle_journal(set, psprintf("Entry %d has no \"tag\".", i));
		if (!jsonb_get_long(e->val.binary.data, "idx", &m->journal_idx))
			m->journal_idx = i;
		if (!jsonb_get_long(e->val.binary.data, "when", &m->journal_when))
			m->journal_when = -1;

		fname = psprintf("%s.sql", tag);
		key.name = fname;
		found = bsearch(&key, entries, n, sizeof(DirEntry), source_entry_cmp);
		if (found == NULL || found->is_dir)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FILE),
					 errmsg("migration \"%s\" listed in \"%s\" has no file", tag,
							DRIZZLE_JOURNAL),
					 errdetail("Expected \"%s\" beside the meta folder.", fname)));
		listed[found - entries] = true;
		if (layout_parse_name(LAYOUT_DRIZZLE, fname, m) != PARSE_MIGRATION)
			bad_name(set, fname);
		m->path = fname;
		add_migration(set, cap, m);
	}

	for (int i = 0; i < n; i++)
		if (!listed[i] && !entries[i].is_dir &&
			layout_classify_file(entries[i].name) == LAYOUT_NUMBERED)
			ereport(NOTICE,
					(errmsg("skipping \"%s\": it is not listed in %s",
							entries[i].name, DRIZZLE_JOURNAL)));
}

static bool
is_sql(const char *fname)
{
	size_t		n = strlen(fname);

	return n > 4 && strcmp(fname + n - 4, ".sql") == 0;
}

/*
 * diesel: a migration folder's metadata.toml may say run_in_transaction =
 * false.  One key of a flat TOML file, read line by line.
 */
static bool
diesel_no_transaction(const MigrationSource *src, const char *sub)
{
	int			len;
	char	   *toml = source_read_file(src, psprintf("%s/metadata.toml", sub), &len, true);

	return toml != NULL && diesel_toml_no_transaction(toml);
}

/* the folder-per-migration layouts: which file holds the forward script */
static const char *
migration_dir_script(const MigrationSource *src, const char *sub,
					 MigratorLayout *layout)
{
	if (file_exists(src, psprintf("%s/migration.sql", sub)))
	{
		/* drizzle-kit 1.0 writes a snapshot.json beside it, Prisma never */
		*layout = file_exists(src, psprintf("%s/snapshot.json", sub)) ?
			LAYOUT_DRIZZLE1 : LAYOUT_PRISMA;
		return "migration.sql";
	}
	if (file_exists(src, psprintf("%s/up.sql", sub)))
	{
		*layout = LAYOUT_DIESEL;
		return "up.sql";
	}
	return NULL;
}

static void
mixed_layouts(const char *example, MigratorLayout found, const char *name, MigratorLayout this)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_NAME),
			 errmsg("migration folder mixes layouts"),
			 errdetail("\"%s\" is a %s migration but \"%s\" is a %s migration.",
					   example, layout_name(found), name, layout_name(this)),
			 errhint("A folder holds the migrations of one tool; move the others to a folder of their own.")));
}

/*
 * One more migration of kind this (named name) in a folder whose kind so
 * far is *found: refuse a mix.  One snapshot.json makes a folder of
 * migration.sql folders drizzle-kit 1.0's, so Prisma-looking ones join it.
 */
static void
join_layout(MigratorLayout *found, const char **example, MigratorLayout this,
			const char *name)
{
	if (*found == LAYOUT_EMPTY || (*found == LAYOUT_PRISMA && this == LAYOUT_DRIZZLE1))
	{
		*found = this;
		*example = name;
	}
	else if (*found != this && !(*found == LAYOUT_DRIZZLE1 && this == LAYOUT_PRISMA))
		mixed_layouts(*example, *found, name, this);
}

/*
 * The folder-per-migration layout of a folder's subfolders (Prisma,
 * diesel), or LAYOUT_EMPTY.  Those tools read folders only: beside them, a
 * loose .sql file of any name is no migration (source_read() skips it with
 * a NOTICE), not a second layout.
 */
static MigratorLayout
folder_layout(MigrationSet *set, DirEntry *entries, int n)
{
	MigratorLayout found = LAYOUT_EMPTY;
	const char *example = NULL;

	for (int i = 0; i < n; i++)
	{
		MigratorLayout this = LAYOUT_EMPTY;

		if (!entries[i].is_dir ||
			migration_dir_script(set->src, entries[i].name, &this) == NULL)
			continue;
		join_layout(&found, &example, this, entries[i].name);
	}
	return found;
}

/*
 * Recognise the folder's layout: the one kind its migrations share.
 */
static MigratorLayout
detect_layout(MigrationSet *set, DirEntry *entries, int n)
{
	MigratorLayout found = LAYOUT_EMPTY;
	const char *example = NULL;

	if (file_exists(set->src, DRIZZLE_JOURNAL))
		return LAYOUT_DRIZZLE;
	if (file_exists(set->src, SQITCH_PLAN))
		return LAYOUT_SQITCH;
	if (graphile_is_folder(set->src, entries, n))
		return LAYOUT_GRAPHILE;
	if ((found = folder_layout(set, entries, n)) != LAYOUT_EMPTY)
		return found;

	for (int i = 0; i < n; i++)
	{
		MigratorLayout this = LAYOUT_EMPTY;

		if (entries[i].is_dir)
		{
			if (migration_dir_script(set->src, entries[i].name, &this) == NULL)
				continue;
		}
		else if (is_sql(entries[i].name))
		{
			this = layout_classify_file(entries[i].name);
			if (this == LAYOUT_EMPTY)
				continue;		/* reported once the layout is known */
		}
		else
			continue;

		join_layout(&found, &example, this, entries[i].name);
	}
	return found;
}

static void attach_downs(MigrationSet *set, List *downs);

/*
 * Read a migration folder or bundle: every forward migration, in apply
 * order, with its bytes and checksum.  Nothing is executed here.
 */
MigrationSet *
source_read(const MigrationSource *src)
{
	MigrationSet *set = palloc0(sizeof(MigrationSet));
	int			n;
	DirEntry   *entries;
	int			cap = 64;
	List	   *downs = NIL;

	set->src = src;
	set->items = palloc(sizeof(Migration *) * cap);
	entries = list_entries(src, &n);
	set->layout = detect_layout(set, entries, n);

	if (set->layout == LAYOUT_DRIZZLE)
		read_drizzle(set, entries, n, &cap);
	else if (set->layout == LAYOUT_SQITCH || set->layout == LAYOUT_GRAPHILE)
	{
		ListCell   *lc;

		/* the plan, or committed/, lists the migrations: nothing else is one */
		foreach(lc, set->layout == LAYOUT_SQITCH ? sqitch_read_plan(src) : graphile_list(src))
			add_migration(set, &cap, lfirst(lc));
	}
	else
	{
		for (int i = 0; i < n; i++)
		{
			DirEntry   *e = &entries[i];
			Migration  *m;
			LayoutParseResult r;

			if (e->is_dir)
			{
				MigratorLayout this;
				const char *script;

				if (set->layout != LAYOUT_PRISMA && set->layout != LAYOUT_DIESEL &&
					set->layout != LAYOUT_DRIZZLE1)
					continue;
				script = migration_dir_script(src, e->name, &this);
				if (script == NULL)
					continue;
				m = palloc0(sizeof(Migration));
				if (layout_parse_name(set->layout, e->name, m) != PARSE_MIGRATION)
					bad_name(set, e->name);
				m->path = psprintf("%s/%s", e->name, script);
				if (set->layout == LAYOUT_DIESEL)
					m->no_transaction = diesel_no_transaction(src, e->name);
				if (set->layout == LAYOUT_DRIZZLE1)
					drizzle1_read_snapshot(src, m);
				add_migration(set, &cap, m);
				continue;
			}
			if (!is_sql(e->name))
				continue;
			if (set->layout == LAYOUT_PRISMA || set->layout == LAYOUT_DIESEL ||
				set->layout == LAYOUT_DRIZZLE1)
			{
				MigratorLayout named = layout_classify_file(e->name);

				/*
				 * As Prisma, diesel and drizzle-orm 1.0 do, loose files are not migrations;
				 * one named as another tool's migration is worth a warning.
				 */
				ereport(named == LAYOUT_EMPTY ? NOTICE : WARNING,
						(errmsg("skipping \"%s\": %s migrations are folders",
								e->name, layout_name(set->layout)),
						 named == LAYOUT_EMPTY ? 0 :
						 errdetail("It is named as a %s migration, but a folder of %s migrations runs only its folders, as %s does.",
								   layout_name(named), layout_name(set->layout),
								   set->layout == LAYOUT_PRISMA ? "Prisma" :
								   set->layout == LAYOUT_DIESEL ? "diesel" : "drizzle-orm")));
				continue;
			}
			if (set->layout == LAYOUT_EMPTY)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_NAME),
						 errmsg("file \"%s\" is not named as a migration of any known layout",
								e->name),
						 errhint("Name migrations like V1__create_users.sql (Flyway), 0001_create_users.sql, 0001_create_users.up.sql (golang-migrate), or use one folder per migration (Prisma, diesel).")));

			m = palloc0(sizeof(Migration));
			r = layout_parse_name(set->layout, e->name, m);
			if (r == PARSE_INVALID)
				bad_name(set, e->name);
			m->path = e->name;
			if (r == PARSE_IGNORE)
			{
				downs = lappend(downs, m);	/* matched to its migration below */
				continue;
			}
			add_migration(set, &cap, m);
		}
	}

	for (int i = 0; i < set->count; i++)
		load_migration(set, set->items[i]);
	layout_sort(set);
	attach_downs(set, downs);
	if (set->layout == LAYOUT_GRAPHILE)
		graphile_check_chain(set);
	return set;
}

/* a server folder's migrations */
MigrationSet *
source_read_folder(const char *dir)
{
	return source_read(source_folder(dir));
}

/* each migration's down script: a .down.sql / U file, diesel's down.sql, dbmate's section */
static void
attach_downs(MigrationSet *set, List *downs)
{
	for (int i = 0; i < set->count; i++)
	{
		Migration  *m = set->items[i];
		ListCell   *lc;

		if (m->kind != MIGRATION_VERSIONED)
			continue;
		foreach(lc, downs)
		{
			Migration  *d = lfirst(lc);

			if (layout_compare_versions(set->layout, d->version, m->version) == 0)
				m->down_path = d->path;
		}
		if (set->layout == LAYOUT_DIESEL)
		{
			char	   *sub = pnstrdup(m->path, strrchr(m->path, '/') - m->path);

			if (file_exists(set->src, psprintf("%s/down.sql", sub)))
				m->down_path = psprintf("%s/down.sql", sub);
		}
		if ((set->layout == LAYOUT_NUMBERED || set->layout == LAYOUT_DRIZZLE) &&
			strstr(m->content, "\n-- migrate:down") != NULL)
		{
			m->down_path = m->path;
			m->down_section = true;
		}
	}
}

/*
 * A migration's down script, read and checked as migrations are; NULL when
 * it has none.
 */
Migration *
source_read_down(MigrationSet *set, Migration *m)
{
	Migration  *d;

	if (m->down_path == NULL)
		return NULL;
	d = palloc0(sizeof(Migration));
	d->kind = MIGRATION_VERSIONED;
	d->version = m->version;
	d->name = m->name;
	d->path = m->down_path;
	d->is_down = m->down_section;
	d->down_script = true;
	load_migration(set, d);
	return d;
}

/* a Sqitch change's verify script, read as migrations are; NULL when none */
Migration *
source_read_verify(MigrationSet *set, Migration *m)
{
	Migration  *v;

	if (m->verify_path == NULL)
		return NULL;
	v = palloc0(sizeof(Migration));
	v->kind = MIGRATION_VERSIONED;
	v->version = m->version;
	v->name = m->name;
	v->path = m->verify_path;
	v->verify_script = true;
	v->down_script = true;		/* may be empty, or comments only */
	load_migration(set, v);
	return v;
}
