/* hook/run: running a point's hooks: environment, timeout, output, result records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook/hook.h"
#include "proc.h"
#include "record.h"
#include "strbuf.h"
#include "strvec.h"

#define TAIL_LINES 20
#define TAIL_BYTES 2000

/* What every hook inherits from us; nothing else unless declared. */
static const char *const inherited[] = {
	"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE",
	"LC_MESSAGES", "TZ", "TMPDIR", "TERM", "NO_COLOR", "CONFITURE_HOOK_MAX_DEPTH",
	"CONFITURE_USER", NULL
};

static void
push_env(struct strvec *env, const char *name, const char *value)
{
	size_t i, len = strlen(name);

	if (value == NULL)
		return;
	for (i = 0; i < env->nr; i++) {
		if (strncmp(env->v[i], name, len) == 0 && env->v[i][len] == '=') {
			char *s = xstrfmt("%s=%s", name, value);

			free((char *)env->v[i]);
			env->v[i] = s;
			return;
		}
	}
	strvec_pushf(env, "%s=%s", name, value);
}

static const char *
ctx_str(const cJSON *ctx, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The hook's whole environment: inherited basics, the key facts, what it declared. */
static void
build_env(const struct hook_set *hs, const struct hook *h, const cJSON *ctx,
    struct strvec *env)
{
	const cJSON *tables = cJSON_GetObjectItemCaseSensitive(ctx, "tables_affected");
	const cJSON *error = cJSON_GetObjectItemCaseSensitive(ctx, "error"), *it;
	struct strbuf list = STRBUF_INIT;
	char depth[32];
	size_t i;

	for (i = 0; inherited[i]; i++)
		push_env(env, inherited[i], getenv(inherited[i]));
	snprintf(depth, sizeof(depth), "%d", hs->depth + 1);
	push_env(env, "CONFITURE_HOOK_DEPTH", depth);
	push_env(env, "CONFITURE_HOOK_POINT", hook_point_name(h->point));
	push_env(env, "CONFITURE_HOOK_NAME", h->name);
	push_env(env, "CONFITURE_RUN_ID", hs->run_id);
	push_env(env, "CONFITURE_MIGRATION_TYPE", hs->run_type);
	push_env(env, "CONFITURE_MIGRATION_ID", ctx_str(ctx, "migration_id"));
	push_env(env, "CONFITURE_MIGRATION_NAME", ctx_str(ctx, "migration_name"));
	push_env(env, "CONFITURE_ENVIRONMENT", hs->environment);
	push_env(env, "CONFITURE_DATABASE", hs->database);
	push_env(env, "CONFITURE_PROJECT_DIR", hs->root);
	cJSON_ArrayForEach(it, tables) {
		if (!cJSON_IsString(it))
			continue;
		if (list.len)
			strbuf_addch(&list, ',');
		strbuf_addstr(&list, it->valuestring);
	}
	push_env(env, "CONFITURE_TABLES_AFFECTED", list.len ? list.buf : "");
	strbuf_release(&list);
	if (error) {
		push_env(env, "CONFITURE_ERROR_MESSAGE", ctx_str(error, "message"));
		push_env(env, "CONFITURE_ERROR_SQLSTATE", ctx_str(error, "sqlstate"));
	}
	if (h->pass_connection)
		push_env(env, "CONFITURE_DATABASE_URL", hs->conninfo);
	for (i = 0; h->env_pass && h->env_pass[i]; i++)
		push_env(env, h->env_pass[i], getenv(h->env_pass[i]));
	for (i = 0; h->env_set && h->env_set[i]; i++) {
		char *name = xstrdup(h->env_set[i]), *eq = strchr(name, '=');

		if (eq) {
			*eq = '\0';
			push_env(env, name, eq + 1);
		}
		free(name);
	}
}

/* Keep the last TAIL_LINES lines (at most TAIL_BYTES) of text. */
static void
tail_add(struct strbuf *tail, const char *line)
{
	size_t lines = 0, i;

	strbuf_addstr(tail, line);
	strbuf_addch(tail, '\n');
	for (i = tail->len; i > 0; i--)
		if (tail->buf[i - 1] == '\n' && ++lines > TAIL_LINES)
			break;
	if (i > 0 || tail->len > TAIL_BYTES) {
		size_t cut = i;

		if (tail->len - cut > TAIL_BYTES)
			cut = tail->len - TAIL_BYTES;
		memmove(tail->buf, tail->buf + cut, tail->len - cut);
		tail->len -= cut;
		tail->buf[tail->len] = '\0';
	}
}

/*
 * A line the hook printed on stdout: a record of a hook_* kind joins the
 * stream (hook_result excepted: that is ours to write); anything else is
 * output for people.
 */
static void
take_stdout_line(struct hook_set *hs, const struct hook *h, const char *line,
    cJSON *metadata, struct strbuf *tail)
{
	cJSON *rec = cJSON_Parse(line);
	const char *kind = rec ? record_kind(rec) : NULL;

	if (cJSON_IsObject(rec) && kind && strncmp(kind, "hook_", 5) == 0 &&
	    strcmp(kind, "hook_result") != 0) {
		cJSON *out = record_new(kind), *it;

		cJSON_AddStringToObject(out, "point", hook_point_name(h->point));
		cJSON_AddStringToObject(out, "hook", h->name);
		cJSON_ArrayForEach(it, rec) {
			if (strcmp(it->string, "kind") == 0 || strcmp(it->string, "v") == 0 ||
			    strcmp(it->string, "point") == 0 || strcmp(it->string, "hook") == 0)
				continue;
			cJSON_AddItemToObject(out, it->string, cJSON_Duplicate(it, 1));
			if (strcmp(kind, "hook_metadata") == 0) {
				cJSON_DeleteItemFromObjectCaseSensitive(metadata, it->string);
				cJSON_AddItemToObject(metadata, it->string, cJSON_Duplicate(it, 1));
				cJSON_DeleteItemFromObjectCaseSensitive(hs->metadata, it->string);
				cJSON_AddItemToObject(hs->metadata, it->string, cJSON_Duplicate(it, 1));
			}
		}
		cJSON_AddItemToArray(hs->records, out);
	} else {
		if (!hs->quiet)
			fprintf(stderr, "hook %s/%s: %s\n", hook_point_name(h->point), h->name, line);
		tail_add(tail, line);
	}
	cJSON_Delete(rec);
}

static void
each_line(struct strbuf *sb, void (*fn)(void *arg, const char *line), void *arg)
{
	char *p = sb->buf, *nl;

	if (sb->len == 0)
		return;
	while (p && *p) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (nl == NULL || nl > p || *p)
			fn(arg, p);
		p = nl ? nl + 1 : NULL;
	}
}

struct line_ctx {
	struct hook_set *hs;
	const struct hook *h;
	cJSON *metadata;
	struct strbuf *tail;
};

static void
stdout_line(void *arg, const char *line)
{
	struct line_ctx *lc = arg;

	take_stdout_line(lc->hs, lc->h, line, lc->metadata, lc->tail);
}

static void
stderr_line(void *arg, const char *line)
{
	struct line_ctx *lc = arg;

	if (!lc->hs->quiet)
		fprintf(stderr, "hook %s/%s: %s\n", hook_point_name(lc->h->point), lc->h->name, line);
	tail_add(lc->tail, line);
}

/*
 * Run one hook.  Returns 0 when it succeeded, 1 when it failed (the result
 * record says how; *why describes it).
 */
static int
run_one(struct hook_set *hs, const struct hook *h, cJSON *ctx, char *why, size_t whylen)
{
	struct strvec env = STRVEC_INIT;
	struct strbuf out = STRBUF_INIT, errout = STRBUF_INIT, tail = STRBUF_INIT;
	struct conf_error err = CONF_ERROR_INIT;
	struct proc_result res;
	struct proc_spec spec;
	struct line_ctx lc;
	cJSON *rec, *meta = cJSON_CreateObject();
	char *input;
	int failed, started;

	cJSON_DeleteItemFromObjectCaseSensitive(ctx, "hook");
	cJSON_AddStringToObject(ctx, "hook", h->name);
	cJSON_DeleteItemFromObjectCaseSensitive(ctx, "metadata");
	{
		cJSON *m = cJSON_Duplicate(hs->metadata, 1), *it;

		cJSON_ArrayForEach(it, h->metadata) {
			cJSON_DeleteItemFromObjectCaseSensitive(m, it->string);
			cJSON_AddItemToObject(m, it->string, cJSON_Duplicate(it, 1));
		}
		cJSON_AddItemToObject(ctx, "metadata", m);
	}
	input = cJSON_PrintUnformatted(ctx);
	build_env(hs, h, ctx, &env);
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)h->argv;
	spec.cwd = hs->root;
	spec.env = (char *const *)env.v;
	spec.input = input;
	spec.input_len = strlen(input);
	spec.out = &out;
	spec.errout = &errout;
	spec.timeout_ms = h->timeout_ms;
	started = proc_run(&spec, &res, &err) == 0;
	lc.hs = hs;
	lc.h = h;
	lc.metadata = meta;
	lc.tail = &tail;
	each_line(&out, stdout_line, &lc);
	each_line(&errout, stderr_line, &lc);
	failed = !started || res.timed_out || res.status != 0;
	if (!started)
		snprintf(why, whylen, "%.300s", err.message);
	else if (res.timed_out)
		snprintf(why, whylen, "timed out after %ld s (its process group was killed)",
		    h->timeout_ms / 1000);
	else if (res.status >= 128)
		snprintf(why, whylen, "killed by signal %d", res.status - 128);
	else if (res.status == 127)
		snprintf(why, whylen, "not found (exit 127)");
	else
		snprintf(why, whylen, "exit %d", res.status);

	rec = record_new("hook_result");
	cJSON_AddStringToObject(rec, "point", hook_point_name(h->point));
	cJSON_AddStringToObject(rec, "hook", h->name);
	cJSON_AddStringToObject(rec, "origin", h->origin);
	cJSON_AddStringToObject(rec, "migration_type", hs->run_type);
	if (ctx_str(ctx, "migration_id"))
		cJSON_AddStringToObject(rec, "migration_id", ctx_str(ctx, "migration_id"));
	cJSON_AddStringToObject(rec, "status", !failed ? "ok" : h->warn_only ? "warned" : "failed");
	if (started && res.status < 128)
		cJSON_AddNumberToObject(rec, "exit_code", res.status);
	else
		cJSON_AddNullToObject(rec, "exit_code");
	if (started && res.status >= 128)
		cJSON_AddNumberToObject(rec, "signal", res.status - 128);
	cJSON_AddBoolToObject(rec, "timed_out", started && res.timed_out);
	cJSON_AddNumberToObject(rec, "duration_ms", started ? (double)res.duration_ms : 0);
	if (failed)
		cJSON_AddStringToObject(rec, "message", why);
	cJSON_AddStringToObject(rec, "output", tail.len ? tail.buf : "");
	cJSON_AddItemToObject(rec, "metadata", meta);
	cJSON_AddItemToArray(hs->records, rec);
	if (failed && !hs->quiet)
		fprintf(stderr, "confiture: hook %s/%s %s: %s\n", hook_point_name(h->point), h->name,
		    h->warn_only ? "failed (on_failure: warn, going on)" : "failed", why);

	free(input);
	strvec_clear(&env);
	strbuf_release(&out);
	strbuf_release(&errout);
	strbuf_release(&tail);
	return failed;
}

int
hook_run_point(struct hook_set *hs, enum hook_point point, cJSON *ctx, struct conf_error *err)
{
	size_t i;

	if (!hook_set_has(hs, point))
		return 0;
	if (hs->depth >= hs->max_depth)
		return conf_error_set(err, CONF_EXIT_HOOK,
		    "hooks nested %d deep: refusing to run %s hooks (a hook runs confiture, which "
		    "runs the hook again?)", hs->depth, hook_point_name(point)),
		    conf_error_hint(err, "the limit is CONFITURE_HOOK_MAX_DEPTH (default %d)",
		    HOOK_DEFAULT_MAX_DEPTH), -1;
	for (i = 0; i < hs->n; i++) {
		const struct hook *h = &hs->v[i];
		char why[512];

		if (h->point != point || !hook_applies(h, hs->run_type))
			continue;
		if (run_one(hs, h, ctx, why, sizeof(why)) && !h->warn_only && point != HOOK_ON_ERROR)
			return conf_error_set(err, CONF_EXIT_HOOK, "hook %s/%s failed: %s",
			    hook_point_name(point), h->name, why),
			    conf_error_detail(err, "declared in %s", h->origin), -1;
	}
	return 0;
}

void
hook_run_on_error(struct hook_set *hs, cJSON *ctx, const struct conf_error *error,
    const cJSON *where)
{
	struct conf_error ignore = CONF_ERROR_INIT;
	cJSON *e = cJSON_CreateObject(), *it;

	cJSON_AddStringToObject(e, "message", error->message);
	cJSON_AddNumberToObject(e, "code", error->code);
	if (error->sqlstate[0])
		cJSON_AddStringToObject(e, "sqlstate", error->sqlstate);
	if (error->detail[0])
		cJSON_AddStringToObject(e, "detail", error->detail);
	if (error->hint[0])
		cJSON_AddStringToObject(e, "hint", error->hint);
	cJSON_ArrayForEach(it, where)
		if (!cJSON_GetObjectItemCaseSensitive(e, it->string))
			cJSON_AddItemToObject(e, it->string, cJSON_Duplicate(it, 1));
	cJSON_DeleteItemFromObjectCaseSensitive(ctx, "error");
	cJSON_AddItemToObject(ctx, "error", e);
	cJSON_ReplaceItemInObjectCaseSensitive(ctx, "point",
	    cJSON_CreateString(hook_point_name(HOOK_ON_ERROR)));
	if (hook_run_point(hs, HOOK_ON_ERROR, ctx, &ignore) < 0 && !hs->quiet)
		fprintf(stderr, "confiture: %s\n", ignore.message);
}
