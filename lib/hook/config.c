/* hook/config: finding a project's hooks in db/hooks/<point>.d and the environment file. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "hook/hook.h"
#include "pipeline.h"
#include "strbuf.h"
#include "strvec.h"

static const char *const point_names[HOOK_NPOINTS] = {
	"before_validate", "before_apply", "after_apply", "on_error"
};

static const char *const run_type_names[] = {
	"build", "migrate_up", "migrate_down", "sync", NULL
};

const char *
hook_point_name(enum hook_point p)
{
	return p < HOOK_NPOINTS ? point_names[p] : "?";
}

int
hook_point_parse(const char *name)
{
	int i;

	for (i = 0; i < HOOK_NPOINTS; i++)
		if (strcmp(name, point_names[i]) == 0)
			return i;
	return -1;
}

static char **
strv_dup(const struct strvec *sv)
{
	char **v = xcalloc(sv->nr + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < sv->nr; i++)
		v[i] = xstrdup(sv->v[i]);
	return v;
}

static void
strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static struct hook *
hook_add(struct hook_set *hs, enum hook_point point, const char *name, const char *origin)
{
	struct hook *h;

	hs->v = xrealloc(hs->v, (hs->n + 1) * sizeof(*hs->v));
	h = &hs->v[hs->n++];
	memset(h, 0, sizeof(*h));
	h->point = point;
	h->name = xstrdup(name);
	h->origin = xstrdup(origin);
	h->timeout_ms = HOOK_DEFAULT_TIMEOUT_MS;
	return h;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* db/hooks/<point>.d/: every executable regular file, in name order. */
static int
load_dir(struct hook_set *hs, enum hook_point point, struct conf_error *err)
{
	char *dir = xstrfmt("%s/db/hooks/%s.d", hs->root, point_names[point]);
	char *rel = xstrfmt("db/hooks/%s.d", point_names[point]);
	struct strvec names = STRVEC_INIT;
	struct dirent *de;
	DIR *d;
	size_t i;

	if ((d = opendir(dir)) == NULL) {
		int missing = errno == ENOENT || errno == ENOTDIR;

		if (!missing)
			conf_error_set(err, CONF_EXIT_USAGE, "could not read \"%s\": %s", dir,
			    strerror(errno));
		free(dir);
		free(rel);
		return missing ? 0 : -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || (len && de->d_name[len - 1] == '~'))
			continue;
		strvec_push(&names, de->d_name);
	}
	closedir(d);
	if (names.nr)
		qsort(names.v, names.nr, sizeof(*names.v), name_cmp);
	for (i = 0; i < names.nr; i++) {
		char *path = xstrfmt("%s/%s", dir, names.v[i]);
		char *origin = xstrfmt("%s/%s", rel, names.v[i]);
		struct stat st;

		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			/* directories and dangling links are not hooks */
		} else if (access(path, X_OK) < 0) {
			fprintf(stderr, "confiture: warning: %s is not executable; skipped "
			    "(chmod +x it to make it a hook)\n", origin);
		} else {
			struct hook *h = hook_add(hs, point, names.v[i], origin);
			const char *argv[] = { path, NULL };

			h->argv = xcalloc(2, sizeof(*h->argv));
			h->argv[0] = xstrdup(argv[0]);
		}
		free(path);
		free(origin);
	}
	strvec_clear(&names);
	free(dir);
	free(rel);
	return 0;
}

static int
bad(struct conf_error *err, const struct ytree *t, const struct ynode *n, const char *what)
{
	return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d:%d: %s", t->file, n ? n->line : 0,
	    n ? n->col : 0, what);
}

/* A scalar or a sequence of scalars, as a vector. */
static int
scalar_list(const struct ytree *t, const struct ynode *n, struct strvec *out,
    struct conf_error *err)
{
	size_t i;

	if (n->type == YNODE_SCALAR) {
		strvec_push(out, n->value);
		return 0;
	}
	if (n->type != YNODE_SEQ)
		return bad(err, t, n, "expected a string or a list of strings");
	for (i = 0; i < n->nkids; i++) {
		if (n->kids[i]->type != YNODE_SCALAR)
			return bad(err, t, n->kids[i], "expected a string");
		strvec_push(out, n->kids[i]->value);
	}
	return 0;
}

/* A YAML node as JSON (scalars stay strings, except plain numbers and booleans). */
static cJSON *
ynode_json(const struct ynode *n)
{
	size_t i;

	if (n == NULL || (n->type == YNODE_SCALAR && ynode_is_null(n) && !n->quoted))
		return cJSON_CreateNull();
	if (n->type == YNODE_SCALAR) {
		char *end;
		double d;

		if (!n->quoted && (strcmp(n->value, "true") == 0 || strcmp(n->value, "false") == 0))
			return cJSON_CreateBool(n->value[0] == 't');
		d = strtod(n->value, &end);
		if (!n->quoted && *n->value && *end == '\0')
			return cJSON_CreateNumber(d);
		return cJSON_CreateString(n->value);
	}
	if (n->type == YNODE_SEQ) {
		cJSON *a = cJSON_CreateArray();

		for (i = 0; i < n->nkids; i++)
			cJSON_AddItemToArray(a, ynode_json(n->kids[i]));
		return a;
	}
	{
		cJSON *o = cJSON_CreateObject();

		for (i = 0; i + 1 < n->nkids; i += 2)
			cJSON_AddItemToObject(o, n->kids[i]->value, ynode_json(n->kids[i + 1]));
		return o;
	}
}

static const char *const decl_keys[] = {
	"name", "command", "builtin", "options", "timeout", "on_failure", "run_types",
	"pass_connection", "env", "metadata", NULL
};

/* One declaration under hooks.<point>. */
static int
load_decl(struct hook_set *hs, const struct ytree *t, enum hook_point point,
    const struct ynode *d, struct conf_error *err)
{
	const struct ynode *name = ynode_get(d, "name"), *command = ynode_get(d, "command");
	const struct ynode *builtin = ynode_get(d, "builtin"), *n;
	struct hook *h = NULL;
	char *origin;
	size_t i, k;

	if (d->type != YNODE_MAP)
		return bad(err, t, d, "a hook declaration is a mapping (name, command or builtin, ...)");
	for (i = 0; i + 1 < d->nkids; i += 2) {
		for (k = 0; decl_keys[k] && strcmp(decl_keys[k], d->kids[i]->value) != 0; k++)
			;
		if (decl_keys[k] == NULL) {
			char *msg = xstrfmt("unknown hook setting \"%s\"", d->kids[i]->value);

			bad(err, t, d->kids[i], msg);
			free(msg);
			return -1;
		}
	}
	if (name == NULL || ynode_str(name, NULL) == NULL)
		return bad(err, t, d, "a hook declaration needs a name");
	if (command && builtin)
		return bad(err, t, command, "a hook has a command or a builtin, not both");
	origin = xstrfmt("%s:%d", t->file, d->line);
	if (!command && !builtin) {
		/* Options for a hook of db/hooks/<point>.d of that name. */
		for (i = 0; i < hs->n; i++)
			if (hs->v[i].point == point && strcmp(hs->v[i].name, name->value) == 0)
				h = &hs->v[i];
		if (h == NULL) {
			char *msg = xstrfmt("hook \"%s\" has no command or builtin, and there is no "
			    "db/hooks/%s.d/%s", name->value, point_names[point], name->value);

			free(origin);
			bad(err, t, d, msg);
			free(msg);
			return -1;
		}
	} else {
		struct strvec argv = STRVEC_INIT;

		h = hook_add(hs, point, name->value, origin);
		if (command) {
			if (scalar_list(t, command, &argv, err) < 0 || argv.nr == 0) {
				strvec_clear(&argv);
				free(origin);
				return argv.nr == 0 ? bad(err, t, command, "empty command") : -1;
			}
		} else {
			static const char *const builtins[] = { "backup", "notify", "log", NULL };
			const char *b = ynode_str(builtin, "");
			const struct ynode *opts = ynode_get(d, "options");

			for (k = 0; builtins[k] && strcmp(builtins[k], b) != 0; k++)
				;
			if (builtins[k] == NULL) {
				free(origin);
				return bad(err, t, builtin, "unknown builtin hook (backup, notify, log)");
			}
			strvec_push(&argv, pipeline_program("conf-hook"));
			strvec_push(&argv, "--builtin");
			strvec_push(&argv, b);
			if (opts && opts->type != YNODE_MAP) {
				free(origin);
				return bad(err, t, opts, "options is a mapping of option: value");
			}
			for (i = 0; opts && i + 1 < opts->nkids; i += 2) {
				if (opts->kids[i + 1]->type != YNODE_SCALAR) {
					free(origin);
					return bad(err, t, opts->kids[i + 1], "an option's value is a string");
				}
				strvec_pushf(&argv, "--%s", opts->kids[i]->value);
				strvec_push(&argv, opts->kids[i + 1]->value);
			}
			if (strcmp(b, "backup") == 0)
				h->pass_connection = 1;
		}
		h->argv = strv_dup(&argv);
		strvec_clear(&argv);
	}
	free(origin);
	if ((n = ynode_get(d, "timeout")) != NULL) {
		long secs;

		if (ynode_long(t, n, &secs, err) < 0)
			return -1;
		if (secs <= 0)
			return bad(err, t, n, "timeout is a number of seconds above 0");
		h->timeout_ms = secs * 1000;
	}
	if ((n = ynode_get(d, "on_failure")) != NULL) {
		const char *v = ynode_str(n, "");

		if (strcmp(v, "warn") != 0 && strcmp(v, "abort") != 0)
			return bad(err, t, n, "on_failure is abort or warn");
		h->warn_only = strcmp(v, "warn") == 0;
	}
	if ((n = ynode_get(d, "pass_connection")) != NULL &&
	    ynode_bool(t, n, &h->pass_connection, err) < 0)
		return -1;
	if ((n = ynode_get(d, "run_types")) != NULL) {
		struct strvec rt = STRVEC_INIT;

		if (scalar_list(t, n, &rt, err) < 0) {
			strvec_clear(&rt);
			return -1;
		}
		for (i = 0; i < rt.nr; i++) {
			for (k = 0; run_type_names[k] && strcmp(run_type_names[k], rt.v[i]) != 0; k++)
				;
			if (run_type_names[k] == NULL) {
				strvec_clear(&rt);
				return bad(err, t, n, "run_types are build, migrate_up, migrate_down, sync");
			}
		}
		strv_free(h->run_types);
		h->run_types = strv_dup(&rt);
		strvec_clear(&rt);
	}
	if ((n = ynode_get(d, "env")) != NULL) {
		struct strvec pass = STRVEC_INIT, set = STRVEC_INIT;

		if (n->type == YNODE_MAP) {
			for (i = 0; i + 1 < n->nkids; i += 2)
				strvec_pushf(&set, "%s=%s", n->kids[i]->value,
				    ynode_str(n->kids[i + 1], ""));
		} else if (scalar_list(t, n, &pass, err) < 0) {
			strvec_clear(&pass);
			return -1;
		}
		strv_free(h->env_pass);
		strv_free(h->env_set);
		h->env_pass = strv_dup(&pass);
		h->env_set = strv_dup(&set);
		strvec_clear(&pass);
		strvec_clear(&set);
	}
	if ((n = ynode_get(d, "metadata")) != NULL) {
		cJSON_Delete(h->metadata);
		h->metadata = ynode_json(n);
	}
	return 0;
}

static int
load_decls(struct hook_set *hs, const struct project *p, struct conf_error *err)
{
	const struct ynode *root = p->env.root, *hooks;
	size_t i, j;

	if (root == NULL || (hooks = ynode_get(root, "hooks")) == NULL || ynode_is_null(hooks))
		return 0;
	if (hooks->type != YNODE_MAP)
		return bad(err, &p->env, hooks, "hooks is a mapping of hook point to a list of hooks");
	for (i = 0; i + 1 < hooks->nkids; i += 2) {
		const struct ynode *key = hooks->kids[i], *list = hooks->kids[i + 1];
		int point = hook_point_parse(key->value);

		if (point < 0)
			return bad(err, &p->env, key,
			    "unknown hook point (before_validate, before_apply, after_apply, on_error)");
		if (ynode_is_null(list))
			continue;
		if (list->type != YNODE_SEQ)
			return bad(err, &p->env, list, "a hook point takes a list of hooks");
		for (j = 0; j < list->nkids; j++)
			if (load_decl(hs, &p->env, (enum hook_point)point, list->kids[j], err) < 0)
				return -1;
	}
	return 0;
}

/* host:port/dbname of a connection string, without user or password. */
static char *
describe_database(const char *conninfo)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo ? conninfo : "", NULL);
	const char *host = NULL, *port = NULL, *dbname = NULL;
	PQconninfoOption *o;
	char *s;

	for (o = opts; o && o->keyword; o++) {
		if (strcmp(o->keyword, "host") == 0 && o->val) host = o->val;
		if (strcmp(o->keyword, "port") == 0 && o->val) port = o->val;
		if (strcmp(o->keyword, "dbname") == 0 && o->val) dbname = o->val;
	}
	if (!host) host = getenv("PGHOST");
	if (!port) port = getenv("PGPORT");
	if (!dbname) dbname = getenv("PGDATABASE");
	s = xstrfmt("%s:%s/%s", host ? host : "localhost", port ? port : "5432",
	    dbname ? dbname : "");
	PQconninfoFree(opts);
	return s;
}

int
hook_set_load(struct hook_set *hs, const struct project *p, const char *run_type,
    struct conf_error *err)
{
	const char *depth = getenv("CONFITURE_HOOK_DEPTH");
	const char *max = getenv("CONFITURE_HOOK_MAX_DEPTH");
	const char *run_id = getenv("CONFITURE_RUN_ID");
	int i;

	memset(hs, 0, sizeof(*hs));
	{
		char *abs = realpath(p->root ? p->root : ".", NULL);

		hs->root = abs ? abs : xstrdup(p->root ? p->root : ".");
	}
	hs->environment = p->env_name ? xstrdup(p->env_name) : NULL;
	hs->conninfo = xstrdup(p->conninfo ? p->conninfo : "");
	hs->database = describe_database(p->conninfo);
	hs->run_type = xstrdup(run_type ? run_type : "unknown");
	hs->depth = depth ? atoi(depth) : 0;
	hs->max_depth = max && atoi(max) > 0 ? atoi(max) : HOOK_DEFAULT_MAX_DEPTH;
	if (run_id && *run_id) {
		hs->run_id = xstrdup(run_id);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		hs->run_id = xstrfmt("%lld-%ld", (long long)ts.tv_sec, (long)getpid());
	}
	hs->metadata = cJSON_CreateObject();
	hs->records = cJSON_CreateArray();
	for (i = 0; i < HOOK_NPOINTS; i++)
		if (load_dir(hs, (enum hook_point)i, err) < 0)
			return -1;
	return load_decls(hs, p, err);
}

void
hook_set_release(struct hook_set *hs)
{
	size_t i;

	for (i = 0; i < hs->n; i++) {
		struct hook *h = &hs->v[i];

		free(h->name);
		free(h->origin);
		strv_free(h->argv);
		strv_free(h->run_types);
		strv_free(h->env_pass);
		strv_free(h->env_set);
		cJSON_Delete(h->metadata);
	}
	free(hs->v);
	free(hs->root);
	free(hs->environment);
	if (hs->conninfo) {
		memset(hs->conninfo, 0, strlen(hs->conninfo));
		free(hs->conninfo);
	}
	free(hs->database);
	free(hs->run_type);
	free(hs->run_id);
	cJSON_Delete(hs->metadata);
	cJSON_Delete(hs->records);
	memset(hs, 0, sizeof(*hs));
}

void
hook_set_run_type(struct hook_set *hs, const char *run_type)
{
	free(hs->run_type);
	hs->run_type = xstrdup(run_type);
}

int
hook_applies(const struct hook *h, const char *run_type)
{
	size_t i;

	if (h->run_types == NULL)
		return 1;
	for (i = 0; h->run_types[i]; i++)
		if (strcmp(h->run_types[i], run_type) == 0)
			return 1;
	return 0;
}

int
hook_set_has(const struct hook_set *hs, enum hook_point point)
{
	size_t i;

	for (i = 0; i < hs->n; i++)
		if (hs->v[i].point == point && hook_applies(&hs->v[i], hs->run_type))
			return 1;
	return 0;
}

cJSON *
hook_set_take_records(struct hook_set *hs)
{
	cJSON *r = hs->records;

	hs->records = cJSON_CreateArray();
	return r;
}
