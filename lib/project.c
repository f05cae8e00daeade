/* project: the project layout (db/schema, db/migrations, db/environments) and its settings. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "project.h"
#include "sha256.h"
#include "strbuf.h"

static char *
join(const char *a, const char *b)
{
	if (b[0] == '/' || a == NULL || strcmp(a, ".") == 0)
		return xstrdup(b);
	return xstrfmt("%s/%s", a, b);
}

/* Expand ${NAME} from the environment; an unset NAME is an error. */
static int
expand_vars(const char *in, char **out, const struct ytree *t, const struct ynode *n,
    struct conf_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = in;

	while (*p) {
		const char *close;

		if (p[0] == '$' && p[1] == '{' && (close = strchr(p + 2, '}')) != NULL) {
			char *name = xstrndup(p + 2, (size_t)(close - p - 2));
			const char *val = getenv(name);

			if (val == NULL) {
				conf_error_set(err, CONF_EXIT_USAGE,
				    "%s:%d: environment variable \"%s\" is not set", t->file, n->line, name);
				free(name);
				strbuf_release(&sb);
				return -1;
			}
			strbuf_addstr(&sb, val);
			free(name);
			p = close + 1;
		} else {
			strbuf_addch(&sb, *p++);
		}
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;
}

static int
load_dirs(const struct ytree *t, const struct ynode *n, const char *root,
    char ***out, size_t *count, struct conf_error *err)
{
	size_t i;

	if (n == NULL)
		return 0;
	if (n->type != YNODE_SEQ)
		return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: expected a list of directories",
		    t->file, n->line);
	*out = xcalloc(n->nkids + 1, sizeof(char *));
	for (i = 0; i < n->nkids; i++) {
		const struct ynode *k = n->kids[i];
		const char *path = k && k->type == YNODE_SCALAR ? k->value : ynode_str(ynode_get(k, "path"), NULL);

		if (path == NULL)
			return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: expected a directory",
			    t->file, k ? k->line : n->line);
		(*out)[(*count)++] = join(root, path);
	}
	return 0;
}

static int
set_string(const struct ytree *t, const char *path, char **dst, struct conf_error *err)
{
	const struct ynode *n = ynode_path(t->root, path);

	if (n == NULL || ynode_is_null(n))
		return 0;
	if (n->type != YNODE_SCALAR)
		return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: %s must be a single value",
		    t->file, n->line, path);
	free(*dst);
	*dst = xstrdup(n->value);
	return 0;
}

int
project_load(struct project *p, const char *root, const char *env, const char *db,
    struct conf_error *err)
{
	const char *v;
	char *url = NULL;

	memset(p, 0, sizeof(*p));
	p->root = xstrdup(root ? root : ".");
	p->tracking_table = xstrdup(PROJECT_DEFAULT_TRACKING_TABLE);
	p->migrations_dir = join(p->root, "db/migrations");
	p->lock_wait_ms = 60000;
	if (env != NULL) {
		struct stat st;

		p->env_name = xstrdup(env);
		if (strchr(env, '/') || env[0] == '.')
			p->env_file = xstrdup(env);
		else {
			char *rel = xstrfmt("db/environments/%s.yaml", env);

			p->env_file = join(p->root, rel);
			free(rel);
		}
		if (stat(p->env_file, &st) < 0)
			return conf_error_set(err, CONF_EXIT_USAGE, "no environment \"%s\" (%s: %s)",
			    env, p->env_file, strerror(errno));
		if (ytree_load_file(&p->env, p->env_file, err) < 0)
			return -1;
		if (p->env.root && p->env.root->type != YNODE_MAP)
			return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: expected a mapping of settings",
			    p->env_file, p->env.root->line);
		if (set_string(&p->env, "migration.tracking_table", &p->tracking_table, err) < 0 ||
		    set_string(&p->env, "migration.lock_timeout", &p->lock_timeout, err) < 0 ||
		    set_string(&p->env, "migration.statement_timeout", &p->statement_timeout, err) < 0)
			return -1;
		if ((v = ynode_str(ynode_get(p->env.root, "migrations_dir"), NULL)) != NULL) {
			free(p->migrations_dir);
			p->migrations_dir = join(p->root, v);
		}
		if (ynode_path(p->env.root, "migration.lock_wait")) {
			long secs;

			if (ynode_long(&p->env, ynode_path(p->env.root, "migration.lock_wait"), &secs, err) < 0)
				return -1;
			p->lock_wait_ms = secs * 1000;
		}
		if (load_dirs(&p->env, ynode_get(p->env.root, "include_dirs"), p->root,
		    &p->include_dirs, &p->ninclude, err) < 0 ||
		    load_dirs(&p->env, ynode_get(p->env.root, "exclude_dirs"), p->root,
		    &p->exclude_dirs, &p->nexclude, err) < 0)
			return -1;
	}
	if (p->ninclude == 0) {
		free(p->include_dirs);
		p->include_dirs = xcalloc(2, sizeof(char *));
		p->include_dirs[p->ninclude++] = join(p->root, "db/schema");
	}

	if (db && db[0]) {
		url = xstrdup(db);
		p->conninfo_source = "--db";
	} else if ((v = getenv("CONFITURE_DATABASE_URL")) && v[0]) {
		url = xstrdup(v);
		p->conninfo_source = "CONFITURE_DATABASE_URL";
	} else if (p->env.root && ynode_get(p->env.root, "database_url")) {
		const struct ynode *n = ynode_get(p->env.root, "database_url");

		if (ynode_str(n, NULL) == NULL)
			return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: database_url must be a string",
			    p->env_file, n->line);
		if (expand_vars(n->value, &url, &p->env, n, err) < 0)
			return -1;
		p->conninfo_source = p->env_file;
	} else if ((v = getenv("DATABASE_URL")) && v[0]) {
		url = xstrdup(v);
		p->conninfo_source = "DATABASE_URL";
	} else {
		url = xstrdup("");
		p->conninfo_source = "libpq defaults";
	}
	p->conninfo = url;
	return 0;
}

void
project_release(struct project *p)
{
	free(p->root);
	free(p->env_name);
	free(p->env_file);
	ytree_release(&p->env);
	free(p->conninfo);
	free(p->tracking_table);
	free(p->migrations_dir);
	project_paths_free(p->include_dirs, p->ninclude);
	project_paths_free(p->exclude_dirs, p->nexclude);
	free(p->lock_timeout);
	free(p->statement_timeout);
	memset(p, 0, sizeof(*p));
}

void
project_paths_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int
version_valid(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int
version_cmp(const char *a, const char *b)
{
	size_t la, lb;

	while (*a == '0' && a[1])
		a++;
	while (*b == '0' && b[1])
		b++;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

static int
cmp_migration(const void *x, const void *y)
{
	const struct migration_file *a = x, *b = y;

	return version_cmp(a->version, b->version);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

void
migration_files_free(struct migration_file *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].version);
		free(m[i].name);
		free(m[i].up_path);
		free(m[i].down_path);
	}
	free(m);
}

/* Split "<version>_<name>.<dir>.sql" into version and name; 0 or -1. */
static int
split_name(const char *file, const char *suffix, char **version, char **name)
{
	const char *us = strchr(file, '_');
	size_t base = strlen(file) - strlen(suffix);

	if (us == NULL || (size_t)(us - file) >= base || us[1] == '.' || us == file)
		return -1;
	*version = xstrndup(file, (size_t)(us - file));
	if (!version_valid(*version)) {
		free(*version);
		return -1;
	}
	*name = xstrndup(us + 1, base - (size_t)(us + 1 - file));
	return 0;
}

static struct migration_file *
find_version(struct migration_file *m, size_t n, const char *version)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (version_cmp(m[i].version, version) == 0)
			return &m[i];
	return NULL;
}

int
project_migrations(const struct project *p, struct migration_file **out, size_t *n,
    struct conf_error *err)
{
	DIR *d = opendir(p->migrations_dir);
	struct dirent *de;
	struct migration_file *m = NULL;
	size_t count = 0, alloc = 0, i;
	char **downs = NULL;
	size_t ndowns = 0;

	*out = NULL;
	*n = 0;
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return conf_error_set(err, CONF_EXIT_USAGE, "could not read \"%s\": %s",
		    p->migrations_dir, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		const char *f = de->d_name;
		char *version, *name;

		if (!ends_with(f, ".sql") || f[0] < '0' || f[0] > '9')
			continue;
		if (ends_with(f, ".down.sql")) {
			downs = xrealloc(downs, (ndowns + 1) * sizeof(*downs));
			downs[ndowns++] = xstrdup(f);
			continue;
		}
		if (!ends_with(f, ".up.sql") || split_name(f, ".up.sql", &version, &name) < 0) {
			conf_error_set(err, CONF_EXIT_USAGE,
			    "%s/%s: a migration file is named <version>_<name>.up.sql or .down.sql",
			    p->migrations_dir, f);
			goto fail;
		}
		if (find_version(m, count, version)) {
			conf_error_set(err, CONF_EXIT_USAGE, "%s: two migrations have version %s",
			    p->migrations_dir, version);
			free(version);
			free(name);
			goto fail;
		}
		if (count == alloc) {
			alloc = alloc ? alloc * 2 : 32;
			m = xrealloc(m, alloc * sizeof(*m));
		}
		memset(&m[count], 0, sizeof(*m));
		m[count].version = version;
		m[count].name = name;
		m[count].up_path = xstrfmt("%s/%s", p->migrations_dir, f);
		count++;
	}
	closedir(d);
	d = NULL;
	for (i = 0; i < ndowns; i++) {
		char *version, *name;
		struct migration_file *up;

		if (split_name(downs[i], ".down.sql", &version, &name) < 0) {
			conf_error_set(err, CONF_EXIT_USAGE,
			    "%s/%s: a migration file is named <version>_<name>.up.sql or .down.sql",
			    p->migrations_dir, downs[i]);
			goto fail;
		}
		up = find_version(m, count, version);
		if (up == NULL || strcmp(up->name, name) != 0) {
			conf_error_set(err, CONF_EXIT_USAGE, "%s/%s: down migration without its up file",
			    p->migrations_dir, downs[i]);
			free(version);
			free(name);
			goto fail;
		}
		up->down_path = xstrfmt("%s/%s", p->migrations_dir, downs[i]);
		free(version);
		free(name);
	}
	for (i = 0; i < count; i++) {
		struct strbuf sb = STRBUF_INIT;

		if (strbuf_read_file(&sb, m[i].up_path) < 0) {
			conf_error_set(err, CONF_EXIT_USAGE, "could not read \"%s\": %s",
			    m[i].up_path, strerror(errno));
			strbuf_release(&sb);
			goto fail;
		}
		sha256_text_hex(sb.buf, sb.len, m[i].checksum);
		strbuf_release(&sb);
	}
	project_paths_free(downs, ndowns);
	if (count)
		qsort(m, count, sizeof(*m), cmp_migration);
	*out = m;
	*n = count;
	return 0;
fail:
	if (d)
		closedir(d);
	project_paths_free(downs, ndowns);
	migration_files_free(m, count);
	return -1;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int
excluded(const struct project *p, const char *path)
{
	size_t i, n;

	for (i = 0; i < p->nexclude; i++) {
		n = strlen(p->exclude_dirs[i]);
		if (strncmp(path, p->exclude_dirs[i], n) == 0 && (path[n] == '/' || path[n] == '\0'))
			return 1;
	}
	return 0;
}

static int
walk(const struct project *p, const char *dir, char ***out, size_t *n, size_t *alloc,
    struct conf_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return conf_error_set(err, CONF_EXIT_USAGE, "could not read \"%s\": %s", dir, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		char *path;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		path = xstrfmt("%s/%s", dir, de->d_name);
		if (excluded(p, path) || stat(path, &st) < 0) {
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int rc = walk(p, path, out, n, alloc, err);

			free(path);
			if (rc < 0) {
				closedir(d);
				return -1;
			}
		} else if (S_ISREG(st.st_mode) && ends_with(de->d_name, ".sql")) {
			if (*n == *alloc) {
				*alloc = *alloc ? *alloc * 2 : 64;
				*out = xrealloc(*out, *alloc * sizeof(char *));
			}
			(*out)[(*n)++] = path;
		} else {
			free(path);
		}
	}
	closedir(d);
	return 0;
}

int
project_schema_files(const struct project *p, char ***out, size_t *n, struct conf_error *err)
{
	size_t alloc = 0, i, start;

	*out = NULL;
	*n = 0;
	for (i = 0; i < p->ninclude; i++) {
		start = *n;
		if (walk(p, p->include_dirs[i], out, n, &alloc, err) < 0) {
			project_paths_free(*out, *n);
			*out = NULL;
			*n = 0;
			return -1;
		}
		if (*n > start)
			qsort(*out + start, *n - start, sizeof(char *), cmp_str);
	}
	return 0;
}
