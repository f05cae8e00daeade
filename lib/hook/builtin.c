/* hook/builtin: the hooks shipped with confiture: backup, notify, log. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "hook/builtin.h"
#include "proc.h"
#include "record.h"
#include "sandbox.h"
#include "strbuf.h"
#include "strvec.h"

/* The value of --name in opts (pairs name, value), or def. */
static const char *
opt(const struct strvec *opts, const char *name, const char *def)
{
	size_t i;

	for (i = 0; i + 1 < opts->nr; i += 2)
		if (strcmp(opts->v[i], name) == 0)
			return opts->v[i + 1];
	return def;
}

static int
check_opts(const struct strvec *opts, const char *const *known, const char *builtin,
    struct conf_error *err)
{
	size_t i, k;

	for (i = 0; i < opts->nr; i += 2) {
		for (k = 0; known[k] && strcmp(known[k], opts->v[i]) != 0; k++)
			;
		if (known[k] == NULL)
			return conf_error_set(err, CONF_EXIT_USAGE,
			    "the %s hook has no option \"%s\"", builtin, opts->v[i]);
	}
	return 0;
}

static const char *
ctx_str(const cJSON *ctx, const char *key, const char *def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx, key);

	return cJSON_IsString(v) ? v->valuestring : def;
}

static void
utc_stamp(char *buf, size_t len, const char *fmt)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, fmt, &tm);
}

/* A file-name-safe copy of s. */
static char *
safe_name(const char *s)
{
	char *r = xstrdup(s && *s ? s : "db"), *p;

	for (p = r; *p; p++)
		if (!(( *p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			*p = '_';
	return r;
}

static int
backup(const cJSON *ctx, const struct strvec *opts, FILE *out, struct conf_error *err)
{
	static const char *const known[] = { "dir", "tables", NULL };
	const char *url = getenv("CONFITURE_DATABASE_URL");
	const char *dir = opt(opts, "dir", "backups"), *which = opt(opts, "tables", "all");
	PQconninfoOption *co, *o;
	struct strbuf conn = STRBUF_INIT;
	struct strvec argv = STRVEC_INIT;
	struct proc_spec spec;
	struct proc_result res;
	char stamp[32], pgdump[4200];
	char *dbname = NULL, *file, *sid;
	const char *bindir = sandbox_bindir();
	struct stat st;
	int rc = -1;

	if (check_opts(opts, known, "backup", err) < 0)
		return -1;
	if (strcmp(which, "all") != 0 && strcmp(which, "affected") != 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "backup: tables is all or affected");
	if (url == NULL)
		return conf_error_set(err, CONF_EXIT_HOOK,
		    "backup: no CONFITURE_DATABASE_URL (declare the hook with pass_connection: true)");
	if ((co = PQconninfoParse(url, NULL)) == NULL)
		return conf_error_set(err, CONF_EXIT_USAGE, "backup: cannot read the connection string");
	/* The password goes to pg_dump through its environment, never its argv. */
	for (o = co; o->keyword; o++) {
		if (o->val == NULL || !*o->val)
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			setenv("PGPASSWORD", o->val, 1);
			continue;
		}
		if (strcmp(o->keyword, "dbname") == 0)
			dbname = xstrdup(o->val);
		strbuf_addf(&conn, "%s%s='", conn.len ? " " : "", o->keyword);
		{
			const char *c;

			for (c = o->val; *c; c++) {
				if (*c == '\'' || *c == '\\')
					strbuf_addch(&conn, '\\');
				strbuf_addch(&conn, *c);
			}
		}
		strbuf_addch(&conn, '\'');
	}
	PQconninfoFree(co);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		conf_error_set(err, CONF_EXIT_HOOK, "backup: could not create \"%s\": %s", dir,
		    strerror(errno));
		goto out;
	}
	utc_stamp(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ");
	sid = safe_name(ctx_str(ctx, "migration_id", ctx_str(ctx, "migration_type", "run")));
	{
		char *db = safe_name(dbname);

		file = xstrfmt("%s/%s-%s-%s.dump", dir, db, sid, stamp);
		free(db);
	}
	free(sid);
	if (bindir)
		snprintf(pgdump, sizeof(pgdump), "%s/pg_dump", bindir);
	else
		snprintf(pgdump, sizeof(pgdump), "pg_dump");
	strvec_push(&argv, pgdump);
	strvec_push(&argv, "-Fc");
	strvec_push(&argv, "-f");
	strvec_push(&argv, file);
	if (strcmp(which, "affected") == 0) {
		const cJSON *t;
		int n = 0;

		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(ctx, "tables_affected")) {
			if (!cJSON_IsString(t))
				continue;
			strvec_push(&argv, "-t");
			strvec_push(&argv, t->valuestring);
			n++;
		}
		if (n == 0) {
			fprintf(stderr, "backup: no tables affected; nothing to back up\n");
			fprintf(out, "{\"kind\":\"hook_metadata\",\"v\":1,\"backup_file\":null}\n");
			rc = 0;
			free(file);
			goto out;
		}
	}
	strvec_push(&argv, "-d");
	strvec_push(&argv, conn.buf ? conn.buf : "");
	memset(&spec, 0, sizeof(spec));
	spec.argv = argv.v;
	if (proc_run(&spec, &res, err) < 0) {
		free(file);
		goto out;
	}
	if (res.status != 0) {
		conf_error_set(err, CONF_EXIT_HOOK, "backup: pg_dump failed (exit %d)", res.status);
		unlink(file);
		free(file);
		goto out;
	}
	{
		cJSON *m = record_new("hook_metadata");

		cJSON_AddStringToObject(m, "backup_file", file);
		cJSON_AddNumberToObject(m, "backup_bytes", stat(file, &st) == 0 ? (double)st.st_size : 0);
		record_emit(out, m);
	}
	fprintf(stderr, "backup written to %s\n", file);
	free(file);
	rc = 0;
out:
	free(dbname);
	strbuf_release(&conn);
	strvec_clear(&argv);
	return rc;
}

static int
notify(const char *input, const struct strvec *opts, struct conf_error *err)
{
	static const char *const known[] = { "url", "command", "timeout", NULL };
	const char *url = opt(opts, "url", NULL), *command = opt(opts, "command", NULL);
	struct proc_spec spec;
	struct proc_result res;
	struct strbuf out = STRBUF_INIT;
	int rc = 0;

	if (check_opts(opts, known, "notify", err) < 0)
		return -1;
	if (!url && !command)
		return conf_error_set(err, CONF_EXIT_USAGE, "notify: give a url or a command");
	if (url) {
		const char *argv[] = { "curl", "-sS", "--fail-with-body", "-m",
		    opt(opts, "timeout", "10"), "-X", "POST", "-H", "Content-Type: application/json",
		    "--data-binary", "@-", url, NULL };

		memset(&spec, 0, sizeof(spec));
		spec.argv = argv;
		spec.input = input;
		spec.input_len = strlen(input);
		spec.out = &out;
		if (proc_run(&spec, &res, err) < 0)
			return -1;
		if (res.status != 0) {
			if (out.len)
				fprintf(stderr, "notify: the webhook answered: %.500s\n", out.buf);
			rc = conf_error_set(err, CONF_EXIT_HOOK,
			    "notify: POST to the webhook failed (curl exit %d)", res.status);
		} else {
			fprintf(stderr, "notify: posted to the webhook\n");
		}
	}
	if (command && rc == 0) {
		const char *argv[] = { "/bin/sh", "-c", command, NULL };

		memset(&spec, 0, sizeof(spec));
		spec.argv = argv;
		spec.input = input;
		spec.input_len = strlen(input);
		if (proc_run(&spec, &res, err) < 0)
			rc = -1;
		else if (res.status != 0)
			rc = conf_error_set(err, CONF_EXIT_HOOK, "notify: the command failed (exit %d)",
			    res.status);
		else
			fprintf(stderr, "notify: the command took the notification\n");
	}
	strbuf_release(&out);
	return rc;
}

static int
log_context(const cJSON *ctx, const struct strvec *opts, struct conf_error *err)
{
	static const char *const known[] = { "file", NULL };
	const char *path = opt(opts, "file", "confiture-hooks.log");
	cJSON *line = record_new("hook_log");
	char stamp[32], *text;
	size_t len, off = 0;
	int fd, rc = 0;

	if (check_opts(opts, known, "log", err) < 0) {
		cJSON_Delete(line);
		return -1;
	}
	utc_stamp(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ");
	cJSON_AddStringToObject(line, "logged_at", stamp);
	cJSON_AddStringToObject(line, "point", ctx_str(ctx, "point", "?"));
	cJSON_AddItemToObject(line, "context", cJSON_Duplicate(ctx, 1));
	text = cJSON_PrintUnformatted(line);
	cJSON_Delete(line);
	len = strlen(text);
	text[len++] = '\n';   /* cJSON's buffer has room: we overwrite the NUL */
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0640)) < 0) {
		free(text);
		return conf_error_set(err, CONF_EXIT_HOOK, "log: could not open \"%s\": %s", path,
		    strerror(errno));
	}
	/* One whole line per writer, even when runs log concurrently. */
	flock(fd, LOCK_EX);
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = conf_error_set(err, CONF_EXIT_HOOK, "log: could not write \"%s\": %s",
			    path, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 && rc == 0)
		rc = conf_error_set(err, CONF_EXIT_HOOK, "log: could not write \"%s\": %s", path,
		    strerror(errno));
	free(text);
	return rc;
}

int
hook_builtin_run(const char *name, const struct strvec *opts, FILE *in, FILE *out,
    struct conf_error *err)
{
	struct strbuf input = STRBUF_INIT;
	char buf[8192];
	size_t n;
	cJSON *ctx;
	int rc;

	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		strbuf_add(&input, buf, n);
	if ((ctx = cJSON_Parse(input.buf ? input.buf : "")) == NULL || !cJSON_IsObject(ctx)) {
		strbuf_release(&input);
		cJSON_Delete(ctx);
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "%s: the hook context on standard input is not a JSON object", name);
	}
	if (strcmp(name, "backup") == 0)
		rc = backup(ctx, opts, out, err);
	else if (strcmp(name, "notify") == 0)
		rc = notify(input.buf, opts, err);
	else if (strcmp(name, "log") == 0)
		rc = log_context(ctx, opts, err);
	else
		rc = conf_error_set(err, CONF_EXIT_USAGE,
		    "no builtin hook \"%s\" (backup, notify, log)", name);
	cJSON_Delete(ctx);
	strbuf_release(&input);
	return rc;
}
