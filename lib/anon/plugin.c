/* plugin: custom strategies, as co-processes speaking NDJSON or as shared objects, and their registry. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "anon/confiture_strategy.h"
#include "anon/plugin.h"
#include "proc.h"
#include "record.h"

#define PLUGIN_PROTOCOL 1

struct anon_plugin {
	int kind;
	char *name, *path;
	unsigned flags;
	cJSON *hello;                 /* the plugin's handshake */
	/* co-process */
	pid_t pid;
	int fd;
	int exited;
	int status;
	long timeout_ms;
	long next_id, first_id;
	size_t chunk;                 /* values per request */
	struct strbuf rbuf, line, req;
	/* shared object */
	void *dl;
	const struct confiture_strategy *so;
	void *state;
	char *outbuf;
	size_t outcap;
};

void
anon_registry_init(struct anon_registry *reg, const char *project_dir)
{
	const char *env = getenv("CONFITURE_STRATEGY_PATH");

	memset(reg, 0, sizeof(*reg));
	reg->timeout_ms = 10000;
	if (env && *env) {
		char *copy = xstrdup(env), *save = NULL, *d;

		for (d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
			strvec_push(&reg->dirs, d);
		free(copy);
	}
	strvec_pushf(&reg->dirs, "%s/strategies", project_dir ? project_dir : ".");
}

void
anon_registry_release(struct anon_registry *reg)
{
	strvec_clear(&reg->dirs);
}

/* "name.so" -> SO; "name" or "name.ext" executable -> EXEC; sets *base to the name */
static int
plugin_file(const char *dir, const char *file, char **base, int *kind)
{
	char *path = xstrfmt("%s/%s", dir, file);
	const char *dot = strrchr(file, '.');
	struct stat st;
	int ok = 0;

	if (file[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		if (dot && strcmp(dot, ".so") == 0) {
			*kind = ANON_PLUGIN_SO;
			ok = 1;
		} else if (access(path, X_OK) == 0) {
			*kind = ANON_PLUGIN_EXEC;
			ok = 1;
		}
	}
	if (ok)
		*base = dot && dot != file ? xstrndup(file, (size_t)(dot - file)) : xstrdup(file);
	free(path);
	return ok;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
anon_registry_list(const struct anon_registry *reg, struct strvec *paths, struct strvec *names)
{
	size_t i, j;

	for (i = 0; i < reg->dirs.nr; i++) {
		DIR *d = opendir(reg->dirs.v[i]);
		struct dirent *de;
		struct strvec files = STRVEC_INIT;

		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL)
			strvec_push(&files, de->d_name);
		closedir(d);
		if (files.nr)
			qsort(files.v, files.nr, sizeof(char *), cmpstr);
		for (j = 0; j < files.nr; j++) {
			char *base;
			int kind;

			if (plugin_file(reg->dirs.v[i], files.v[j], &base, &kind)) {
				strvec_pushf(paths, "%s/%s", reg->dirs.v[i], files.v[j]);
				strvec_push(names, base);
				free(base);
			}
		}
		strvec_clear(&files);
	}
}

char *
anon_registry_find(const struct anon_registry *reg, const char *name, int *kind)
{
	struct strvec paths = STRVEC_INIT, names = STRVEC_INIT;
	char *found = NULL;
	size_t i;

	anon_registry_list(reg, &paths, &names);
	for (i = 0; i < names.nr && !found; i++)
		if (strcmp(names.v[i], name) == 0) {
			found = xstrdup(paths.v[i]);
			*kind = strlen(found) > 3 && strcmp(found + strlen(found) - 3, ".so") == 0 ?
			    ANON_PLUGIN_SO : ANON_PLUGIN_EXEC;
		}
	strvec_clear(&paths);
	strvec_clear(&names);
	return found;
}

const char *
anon_plugin_name(const struct anon_plugin *p)
{
	return p->name;
}

int
anon_plugin_is_batch(const struct anon_plugin *p)
{
	return p->kind == ANON_PLUGIN_EXEC;
}

/* ---- co-process I/O ---- */

static void
reap(struct anon_plugin *p, int block)
{
	int st;

	if (p->pid <= 0 || p->exited)
		return;
	if (waitpid(p->pid, &st, block ? 0 : WNOHANG) == p->pid) {
		p->exited = 1;
		p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}

static void
kill_plugin(struct anon_plugin *p)
{
	if (p->pid > 0 && !p->exited) {
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		reap(p, 1);
	}
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
}

static int
plugin_fail(struct anon_plugin *p, struct conf_error *err, const char *fmt, const char *what)
{
	conf_error_set(err, CONF_EXIT_HOOK, fmt, p->name, what);
	conf_error_detail(err, "plugin %s", p->path);
	kill_plugin(p);
	return -1;
}

static int
died(struct anon_plugin *p, struct conf_error *err, const char *during)
{
	char what[128];

	/* give it a moment to finish dying so that the status is known */
	for (int i = 0; i < 50 && !p->exited; i++) {
		reap(p, 0);
		if (!p->exited)
			usleep(2000);
	}
	if (p->exited && p->status > 128)
		snprintf(what, sizeof(what), "was killed by signal %d %s", p->status - 128, during);
	else if (p->exited)
		snprintf(what, sizeof(what), "exited with status %d %s", p->status, during);
	else
		snprintf(what, sizeof(what), "closed its output %s", during);
	return plugin_fail(p, err, "strategy plugin \"%s\" %s", what);
}

/*
 * Write req to the plugin while reading what it writes (so that neither
 * side blocks on a full pipe), then read until one whole line is in p->line.
 * deadline is on proc_now_ms().
 */
static int
exchange(struct anon_plugin *p, const char *req, size_t len, int want_line, long deadline,
    const char *during, struct conf_error *err)
{
	size_t off = 0;
	char buf[65536];

	for (;;) {
		char *nl = p->rbuf.len ? memchr(p->rbuf.buf, '\n', p->rbuf.len) : NULL;
		struct pollfd pfd;
		long left;
		int rc;

		if (off == len && !want_line)
			return 0;
		if (off == len && nl) {
			size_t l = (size_t)(nl - p->rbuf.buf);

			strbuf_reset(&p->line);
			strbuf_add(&p->line, p->rbuf.buf, l);
			memmove(p->rbuf.buf, nl + 1, p->rbuf.len - l - 1);
			p->rbuf.len -= l + 1;
			p->rbuf.buf[p->rbuf.len] = '\0';
			if (p->line.len && p->line.buf[p->line.len - 1] == '\r')
				p->line.buf[--p->line.len] = '\0';
			if (p->line.len == 0)
				continue;
			return 0;
		}
		left = deadline - proc_now_ms();
		if (left <= 0) {
			char what[160];

			snprintf(what, sizeof(what), "did not answer within %ld ms %s", p->timeout_ms, during);
			return plugin_fail(p, err, "strategy plugin \"%s\" %s", what);
		}
		pfd.fd = p->fd;
		pfd.events = POLLIN | (off < len ? POLLOUT : 0);
		pfd.revents = 0;
		rc = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return plugin_fail(p, err, "strategy plugin \"%s\": %s", strerror(errno));
		if (pfd.revents & POLLOUT) {
			ssize_t w = send(p->fd, req + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return died(p, err, during);
			if (w > 0)
				off += (size_t)w;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				return died(p, err, during);
			if (r > 0)
				strbuf_add(&p->rbuf, buf, (size_t)r);
		}
	}
}

/* Read one record from the plugin: a JSON object with the expected kind. */
static cJSON *
expect(struct anon_plugin *p, const char *kind, const char *req, size_t len, const char *during,
    struct conf_error *err)
{
	cJSON *rec;
	const char *k;

	if (exchange(p, req, len, 1, proc_now_ms() + p->timeout_ms, during, err) < 0)
		return NULL;
	rec = cJSON_ParseWithLength(p->line.buf, p->line.len);
	k = rec ? record_kind(rec) : "";
	if (rec == NULL || !cJSON_IsObject(rec)) {
		cJSON_Delete(rec);
		plugin_fail(p, err, "strategy plugin \"%s\" wrote a line that is not a JSON object %s", during);
		return NULL;
	}
	if (strcmp(k, "error") == 0) {
		const char *m = record_str(rec, "message");

		conf_error_set(err, CONF_EXIT_HOOK, "strategy plugin \"%s\" failed %s: %s", p->name, during,
		    m ? m : "(no message)");
		conf_error_detail(err, "plugin %s", p->path);
		cJSON_Delete(rec);
		kill_plugin(p);
		return NULL;
	}
	if (strcmp(k, kind) != 0) {
		char what[200];

		snprintf(what, sizeof(what), "answered a \"%s\" record where \"%s\" was due %s", k, kind, during);
		cJSON_Delete(rec);
		plugin_fail(p, err, "strategy plugin \"%s\" %s", what);
		return NULL;
	}
	return rec;
}

static int
spawn(struct anon_plugin *p, struct conf_error *err)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return conf_error_set(err, CONF_EXIT_HOOK, "could not start plugin \"%s\": %s", p->path, strerror(errno));
	fflush(NULL);
	if ((p->pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		return conf_error_set(err, CONF_EXIT_HOOK, "could not start plugin \"%s\": %s", p->path, strerror(errno));
	}
	if (p->pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		execl(p->path, p->path, (char *)NULL);
		_exit(127);
	}
	setpgid(p->pid, p->pid);
	close(sv[1]);
	p->fd = sv[0];
	return 0;
}

static struct anon_plugin *
plugin_new(const char *path, int kind, const char *name, long timeout_ms)
{
	struct anon_plugin *p = xcalloc(1, sizeof(*p));

	p->kind = kind;
	p->path = xstrdup(path);
	p->name = xstrdup(name);
	p->fd = -1;
	p->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	strbuf_init(&p->rbuf, 0);
	strbuf_init(&p->line, 0);
	strbuf_init(&p->req, 0);
	return p;
}

static int
handshake(struct anon_plugin *p, struct conf_error *err)
{
	const cJSON *proto, *params, *it;
	char *req;

	if (p->kind == ANON_PLUGIN_SO) {
		const struct confiture_strategy *(*entry)(void);
		const struct confiture_strategy_param *sp;

		if ((p->dl = dlopen(p->path, RTLD_NOW | RTLD_LOCAL)) == NULL)
			return conf_error_set(err, CONF_EXIT_HOOK, "could not load strategy \"%s\": %s", p->name, dlerror());
		*(void **)&entry = dlsym(p->dl, "confiture_strategy");
		if (entry == NULL || (p->so = entry()) == NULL)
			return conf_error_set(err, CONF_EXIT_HOOK,
			    "strategy \"%s\" (%s) does not export confiture_strategy()", p->name, p->path);
		if (p->so->abi != CONFITURE_STRATEGY_ABI)
			return conf_error_set(err, CONF_EXIT_HOOK,
			    "strategy \"%s\" (%s) was built for ABI %d; this conf-anonymize loads ABI %d",
			    p->name, p->path, p->so->abi, CONFITURE_STRATEGY_ABI);
		if (p->so->init == NULL || p->so->transform == NULL)
			return conf_error_set(err, CONF_EXIT_HOOK, "strategy \"%s\" (%s) lacks init or transform",
			    p->name, p->path);
		p->flags = (p->so->flags & CONFITURE_STRATEGY_DETERMINISTIC ? ANON_DETERMINISTIC : 0) |
		    (p->so->flags & CONFITURE_STRATEGY_UNIQUE ? ANON_UNIQUE : 0);
		/* express the announcement as a hello record, so both kinds are checked alike */
		p->hello = cJSON_CreateObject();
		cJSON_AddStringToObject(p->hello, "name", p->so->name ? p->so->name : p->name);
		cJSON_AddStringToObject(p->hello, "summary", p->so->summary ? p->so->summary : "");
		params = cJSON_AddArrayToObject(p->hello, "params");
		for (sp = p->so->params; sp && sp->name; sp++) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", sp->name);
			cJSON_AddStringToObject(o, "type", sp->type ? sp->type : "string");
			cJSON_AddBoolToObject(o, "required", sp->required);
			cJSON_AddStringToObject(o, "help", sp->help ? sp->help : "");
			cJSON_AddItemToArray((cJSON *)params, o);
		}
		return 0;
	}
	if (spawn(p, err) < 0)
		return -1;
	req = xstrfmt("{\"kind\":\"hello\",\"v\":1,\"protocol\":%d,\"strategy\":\"%s\"}\n", PLUGIN_PROTOCOL, p->name);
	p->hello = expect(p, "hello", req, strlen(req), "in the handshake", err);
	free(req);
	if (p->hello == NULL)
		return -1;
	proto = cJSON_GetObjectItemCaseSensitive(p->hello, "protocol");
	if (!cJSON_IsNumber(proto) || proto->valuedouble != PLUGIN_PROTOCOL) {
		conf_error_set(err, CONF_EXIT_HOOK, "strategy plugin \"%s\" speaks protocol %g; conf-anonymize speaks %d",
		    p->name, cJSON_IsNumber(proto) ? proto->valuedouble : 0.0, PLUGIN_PROTOCOL);
		kill_plugin(p);
		return -1;
	}
	params = cJSON_GetObjectItemCaseSensitive(p->hello, "params");
	if (params && !cJSON_IsArray(params)) {
		conf_error_set(err, CONF_EXIT_HOOK, "strategy plugin \"%s\" announced \"params\" that is not a list", p->name);
		kill_plugin(p);
		return -1;
	}
	cJSON_ArrayForEach(it, params)
		if (record_str(it, "name") == NULL) {
			conf_error_set(err, CONF_EXIT_HOOK, "strategy plugin \"%s\" announced a parameter without a name", p->name);
			kill_plugin(p);
			return -1;
		}
	p->flags = (record_bool(p->hello, "deterministic", 0) ? ANON_DETERMINISTIC : 0) |
	    (record_bool(p->hello, "unique", 0) ? ANON_UNIQUE : 0) |
	    (record_bool(p->hello, "may_null", 0) ? ANON_MAY_NULL : 0);
	return 0;
}

/* Check the rule's parameters against the announcement; build them as JSON. */
static int
check_params(struct anon_rule *r, struct anon_plugin *p, cJSON *out, struct conf_error *err)
{
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(p->hello, "params"), *it;
	size_t i;

	for (i = 0; i + 1 < r->node->nkids; i += 2) {
		const char *k = r->node->kids[i]->value;
		const struct ynode *v = r->node->kids[i + 1];
		const char *type = NULL;
		cJSON *jv = NULL;

		if (!strcmp(k, "strategy") || !strcmp(k, "domain") || !strcmp(k, "on_error"))
			continue;
		cJSON_ArrayForEach(it, params)
			if (strcmp(record_str(it, "name"), k) == 0)
				type = record_str(it, "type") ? record_str(it, "type") : "string";
		if (type == NULL) {
			struct strbuf sb = STRBUF_INIT;

			cJSON_ArrayForEach(it, params)
				strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", record_str(it, "name"));
			anon_rule_error(r, k, err, "strategy \"%s\" has no parameter \"%s\"", r->sname, k);
			conf_error_hint(err, "the plugin announced: %s", sb.len ? sb.buf : "no parameters");
			strbuf_release(&sb);
			return -1;
		}
		if (v->type != YNODE_SCALAR && strcmp(type, "list") && strcmp(type, "map"))
			return anon_rule_error(r, k, err, "parameter \"%s\" wants a %s", k, type);
		if (!strcmp(type, "integer") || !strcmp(type, "number")) {
			char *end;
			double d = strtod(v->value, &end);

			if (end == v->value || *end || (type[0] == 'i' && d != (double)(long long)d))
				return anon_rule_error(r, k, err, "parameter \"%s\" wants %s %s, not \"%s\"", k,
				    type[0] == 'i' ? "an" : "a", type, v->value);
			jv = cJSON_CreateNumber(d);
		} else if (!strcmp(type, "boolean")) {
			if (strcmp(v->value, "true") && strcmp(v->value, "false"))
				return anon_rule_error(r, k, err, "parameter \"%s\" wants true or false", k);
			jv = cJSON_CreateBool(v->value[0] == 't');
		} else if (!strcmp(type, "list") || !strcmp(type, "map")) {
			size_t j;

			if ((type[0] == 'l') != (v->type == YNODE_SEQ) || (type[0] == 'm') != (v->type == YNODE_MAP))
				return anon_rule_error(r, k, err, "parameter \"%s\" wants a %s", k, type);
			jv = type[0] == 'l' ? cJSON_CreateArray() : cJSON_CreateObject();
			for (j = 0; j < v->nkids; j++) {
				if (type[0] == 'l')
					cJSON_AddItemToArray(jv, cJSON_CreateString(ynode_str(v->kids[j], "")));
				else if (j % 2 == 1)
					cJSON_AddStringToObject(jv, v->kids[j - 1]->value, ynode_str(v->kids[j], ""));
			}
		} else
			jv = cJSON_CreateString(v->value);
		cJSON_AddItemToObject(out, k, jv);
	}
	cJSON_ArrayForEach(it, params)
		if (record_bool(it, "required", 0) && !cJSON_GetObjectItemCaseSensitive(out, record_str(it, "name")))
			return anon_rule_error(r, NULL, err, "strategy \"%s\" needs parameter \"%s\"", r->sname,
			    record_str(it, "name"));
	return 0;
}

int
anon_plugin_start(struct anon_rule *r, const struct anon_registry *reg,
    const char *path, int kind, struct conf_error *err)
{
	struct anon_plugin *p = plugin_new(path, kind, r->sname, reg ? reg->timeout_ms : 0);
	cJSON *params = cJSON_CreateObject(), *conf, *ready;
	unsigned char key[32];
	char hex[65], *text;
	int i;

	p->chunk = reg && reg->batch > 0 ? (size_t)reg->batch : 256;
	r->plugin = p;
	if (handshake(p, err) < 0 || check_params(r, p, params, err) < 0) {
		cJSON_Delete(params);
		return -1;
	}
	r->flags = p->flags;
	memset(key, 0, sizeof(key));
	if (r->key)
		anon_key_plugin(r->key, r->domain, key);
	if (kind == ANON_PLUGIN_SO) {
		struct strvec kv = STRVEC_INIT;
		const cJSON *it;
		char ebuf[512] = "";

		cJSON_ArrayForEach(it, params) {
			strvec_push(&kv, it->string);
			if (cJSON_IsString(it))
				strvec_push(&kv, it->valuestring);
			else {
				char *t = cJSON_PrintUnformatted(it);

				strvec_push(&kv, t);
				cJSON_free(t);
			}
		}
		p->state = p->so->init(kv.nr ? kv.v : (const char *const[]){ NULL }, key, ebuf, sizeof(ebuf));
		strvec_clear(&kv);
		cJSON_Delete(params);
		memset(key, 0, sizeof(key));
		if (p->state == NULL)
			return anon_rule_error(r, "strategy", err, "strategy \"%s\" refused its parameters: %s",
			    r->sname, ebuf[0] ? ebuf : "(no message)");
		return 0;
	}
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	memset(key, 0, sizeof(key));
	conf = record_new("configure");
	cJSON_AddItemToObject(conf, "params", params);
	cJSON_AddStringToObject(conf, "key", hex);
	cJSON_AddStringToObject(conf, "column", r->label);
	if (r->col)
		cJSON_AddStringToObject(conf, "type", r->col->type);
	text = cJSON_PrintUnformatted(conf);
	cJSON_Delete(conf);
	strbuf_reset(&p->req);
	strbuf_addstr(&p->req, text);
	strbuf_addch(&p->req, '\n');
	memset(text, 0, strlen(text));
	cJSON_free(text);
	memset(hex, 0, sizeof(hex));
	ready = expect(p, "ready", p->req.buf, p->req.len, "when configured", err);
	memset(p->req.buf, 0, p->req.len);
	strbuf_reset(&p->req);
	if (ready == NULL) {
		if (err->code == CONF_EXIT_HOOK && strstr(err->message, "failed when configured")) {
			/* the plugin refused the parameters: a profile error on the rule's line */
			char msg[1024];

			snprintf(msg, sizeof(msg), "%s", err->message);
			anon_rule_error(r, "strategy", err, "%s", msg);
		}
		return -1;
	}
	cJSON_Delete(ready);
	return 0;
}

static int
so_batch(struct anon_plugin *p, const char *const *vals, const size_t *lens,
    size_t n, struct strbuf *outs, int *outnull, struct strbuf *errs, struct conf_error *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char ebuf[256] = "";
		long l;

		strbuf_reset(&outs[i]);
		strbuf_reset(&errs[i]);
		outnull[i] = 0;
		if (vals[i] == NULL) {
			outnull[i] = 1;
			continue;
		}
		if (p->outcap < 256) {
			p->outcap = 256;
			p->outbuf = xrealloc(p->outbuf, p->outcap);
		}
		l = p->so->transform(p->state, vals[i], lens[i], p->outbuf, p->outcap, ebuf, sizeof(ebuf));
		if (l >= 0 && (size_t)l > p->outcap) {
			p->outcap = (size_t)l + 1;
			p->outbuf = xrealloc(p->outbuf, p->outcap);
			l = p->so->transform(p->state, vals[i], lens[i], p->outbuf, p->outcap, ebuf, sizeof(ebuf));
			if (l >= 0 && (size_t)l > p->outcap)
				return conf_error_set(err, CONF_EXIT_HOOK,
				    "strategy \"%s\" asked for a larger buffer twice", p->name);
		}
		if (l == -2)
			outnull[i] = 1;
		else if (l < 0)
			strbuf_addstr(&errs[i], ebuf[0] ? ebuf : "the strategy failed");
		else
			strbuf_add(&outs[i], p->outbuf, (size_t)l);
	}
	return 0;
}

int
anon_plugin_send(struct anon_plugin *p, const char *const *vals, const size_t *lens,
    size_t n, struct conf_error *err)
{
	size_t i, chunk = p->chunk ? p->chunk : 256;
	char during[64];

	(void)lens;
	if (p->kind == ANON_PLUGIN_SO)
		return 0;
	if (p->fd < 0)
		return conf_error_set(err, CONF_EXIT_HOOK, "strategy plugin \"%s\" is not running", p->name);
	/* every request of the batch at once: several are in flight, the plugin answers in order */
	p->first_id = p->next_id + 1;
	strbuf_reset(&p->req);
	for (i = 0; i < n; i++) {
		if (i % chunk == 0) {
			if (i)
				strbuf_addstr(&p->req, "]}\n");
			strbuf_addf(&p->req, "{\"kind\":\"batch\",\"v\":1,\"id\":%ld,\"values\":[", ++p->next_id);
		} else
			strbuf_addch(&p->req, ',');
		if (vals[i] == NULL)
			strbuf_addstr(&p->req, "null");
		else {
			cJSON *s = cJSON_CreateString(vals[i]);
			char *t = cJSON_PrintUnformatted(s);

			strbuf_addstr(&p->req, t);
			cJSON_free(t);
			cJSON_Delete(s);
		}
	}
	if (n)
		strbuf_addstr(&p->req, "]}\n");
	snprintf(during, sizeof(during), "on batch %ld", p->first_id);
	return exchange(p, p->req.buf, p->req.len, 0, proc_now_ms() + p->timeout_ms, during, err);
}

int
anon_plugin_recv(struct anon_plugin *p, size_t n, struct strbuf *outs, int *outnull,
    struct strbuf *errs, struct conf_error *err)
{
	size_t i, base, chunk = p->chunk ? p->chunk : 256;
	long want;

	if (p->kind == ANON_PLUGIN_SO)
		return 0;
	for (i = 0; i < n; i++) {
		strbuf_reset(&outs[i]);
		strbuf_reset(&errs[i]);
		outnull[i] = 0;
	}
	for (base = 0, want = p->first_id; base < n; base += chunk, want++) {
		size_t m = n - base < chunk ? n - base : chunk;
		const cJSON *id, *values, *errors, *it;
		char during[64];
		cJSON *res;

		snprintf(during, sizeof(during), "on batch %ld", want);
		if ((res = expect(p, "result", NULL, 0, during, err)) == NULL)
			return -1;
		id = cJSON_GetObjectItemCaseSensitive(res, "id");
		values = cJSON_GetObjectItemCaseSensitive(res, "values");
		errors = cJSON_GetObjectItemCaseSensitive(res, "errors");
		if (!cJSON_IsNumber(id) || (long)id->valuedouble != want) {
			char what[160];

			snprintf(what, sizeof(what), "answered id %ld to request %ld",
			    cJSON_IsNumber(id) ? (long)id->valuedouble : -1L, want);
			cJSON_Delete(res);
			return plugin_fail(p, err, "strategy plugin \"%s\" %s", what);
		}
		if (!cJSON_IsArray(values) || (size_t)cJSON_GetArraySize(values) != m) {
			char what[160];

			snprintf(what, sizeof(what), "answered %d values to a batch of %zu (request %ld)",
			    cJSON_IsArray(values) ? cJSON_GetArraySize(values) : -1, m, want);
			cJSON_Delete(res);
			return plugin_fail(p, err, "strategy plugin \"%s\" %s", what);
		}
		i = base;
		cJSON_ArrayForEach(it, values) {
			if (cJSON_IsString(it))
				strbuf_addstr(&outs[i], it->valuestring);
			else if (cJSON_IsNull(it))
				outnull[i] = 1;
			else {
				char what[160];

				snprintf(what, sizeof(what), "answered a value that is neither a string nor null (request %ld)", want);
				cJSON_Delete(res);
				return plugin_fail(p, err, "strategy plugin \"%s\" %s", what);
			}
			i++;
		}
		cJSON_ArrayForEach(it, errors) {
			double ix = record_num(it, "index", -1);
			const char *msg = record_str(it, "message");

			if (ix < 0 || ix >= (double)m) {
				cJSON_Delete(res);
				return plugin_fail(p, err, "strategy plugin \"%s\" %s",
				    "reported an error for an index outside the batch");
			}
			strbuf_addstr(&errs[base + (size_t)ix], msg && *msg ? msg : "the plugin could not transform the value");
		}
		cJSON_Delete(res);
	}
	return 0;
}

int
anon_plugin_batch(struct anon_plugin *p, const char *const *vals, const size_t *lens,
    size_t n, struct strbuf *outs, int *outnull, struct strbuf *errs, struct conf_error *err)
{
	if (p->kind == ANON_PLUGIN_SO)
		return so_batch(p, vals, lens, n, outs, outnull, errs, err);
	if (anon_plugin_send(p, vals, lens, n, err) < 0)
		return -1;
	return anon_plugin_recv(p, n, outs, outnull, errs, err);
}

int
anon_plugin_stop(struct anon_plugin *p, struct conf_error *err)
{
	static const char bye[] = "{\"kind\":\"shutdown\",\"v\":1}\n";
	long deadline;

	if (p->kind == ANON_PLUGIN_SO || p->fd < 0)
		return 0;
	(void)send(p->fd, bye, sizeof(bye) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(p->fd, SHUT_WR);
	deadline = proc_now_ms() + (p->timeout_ms < 2000 ? p->timeout_ms : 2000);
	while (!p->exited && proc_now_ms() < deadline) {
		reap(p, 0);
		if (!p->exited)
			usleep(1000);
	}
	if (!p->exited) {
		kill_plugin(p);
		return conf_error_set(err, CONF_EXIT_HOOK, "strategy plugin \"%s\" did not exit after the shutdown request",
		    p->name);
	}
	close(p->fd);
	p->fd = -1;
	if (p->status != 0)
		return conf_error_set(err, CONF_EXIT_HOOK, "strategy plugin \"%s\" exited with status %d at shutdown",
		    p->name, p->status);
	return 0;
}

void
anon_plugin_free(struct anon_plugin *p)
{
	if (p == NULL)
		return;
	kill_plugin(p);
	if (p->so && p->state && p->so->release)
		p->so->release(p->state);
	if (p->dl)
		dlclose(p->dl);
	cJSON_Delete(p->hello);
	strbuf_release(&p->rbuf);
	strbuf_release(&p->line);
	strbuf_release(&p->req);
	free(p->outbuf);
	free(p->name);
	free(p->path);
	free(p);
}

int
anon_plugin_describe(const char *path, int kind, long timeout_ms, struct strbuf *desc,
    unsigned *flags, struct conf_error *err)
{
	const char *slash = strrchr(path, '/'), *dot;
	char *name;
	struct anon_plugin *p;
	const cJSON *it;
	int rc;

	name = xstrdup(slash ? slash + 1 : path);
	if ((dot = strrchr(name, '.')) != NULL && dot != name)
		name[dot - name] = '\0';
	p = plugin_new(path, kind, name, timeout_ms);
	free(name);
	rc = handshake(p, err);
	if (rc == 0) {
		const char *s = record_str(p->hello, "summary");

		strbuf_addstr(desc, s ? s : "");
		strbuf_addstr(desc, " [");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(p->hello, "params"))
			strbuf_addf(desc, "%s%s%s:%s", it->prev && it != it->prev && it->prev->next ? " " : "",
			    record_str(it, "name"), record_bool(it, "required", 0) ? "*" : "",
			    record_str(it, "type") ? record_str(it, "type") : "string");
		strbuf_addch(desc, ']');
		*flags = p->flags;
		rc = anon_plugin_stop(p, err);
	}
	anon_plugin_free(p);
	return rc;
}
