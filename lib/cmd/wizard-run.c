/* wizard-run: steps 6 and 7: the sync filters with progress, then source and target compared. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd/cmd.h"
#include "cmd/wizard.h"
#include "dataextract.h"
#include "db.h"
#include "pipeline.h"
#include "proc.h"
#include "record.h"
#include "strvec.h"

/* YAML double-quoted scalar. */
static void
yaml_quote(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addch(sb, '\\');
		if ((unsigned char)*s < 32)
			strbuf_addf(sb, "\\x%02x", (unsigned char)*s);
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '"');
}

int
wz_write_profile(const struct wizard *w, const char *path, struct conf_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;
	FILE *fp;
	int any = 0;

	strbuf_addstr(&sb, "# anonymization profile written by confiture wizard\nversion: 1\ntables:");
	for (i = 0; i < w->ntables; i++) {
		const struct wz_table *t = &w->tables[i];
		int head = 0;

		if (!t->selected)
			continue;
		for (j = 0; j < t->ncols; j++) {
			if (!t->cols[j].strategy)
				continue;
			if (!head) {
				strbuf_addstr(&sb, "\n  ");
				yaml_quote(&sb, t->qname);
				strbuf_addch(&sb, ':');
				head = any = 1;
			}
			strbuf_addstr(&sb, "\n    ");
			yaml_quote(&sb, t->cols[j].name);
			strbuf_addstr(&sb, ": {strategy: ");
			yaml_quote(&sb, t->cols[j].strategy);
			strbuf_addstr(&sb, "}");
		}
	}
	if (!any)
		strbuf_addstr(&sb, " {}");
	strbuf_addstr(&sb, "\ndefaults:\n  on_error: fail\n");
	if ((fp = fopen(path, "w")) == NULL) {
		strbuf_release(&sb);
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write \"%s\": %s", path,
		    strerror(errno));
	}
	fwrite(sb.buf, 1, sb.len, fp);
	strbuf_release(&sb);
	if (fclose(fp) != 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write \"%s\": %s", path,
		    strerror(errno));
	return 0;
}

/* Shell-quote s when it needs it. */
static void
sh_quote(struct strbuf *sb, const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("@%+=:,./-_", *p)))
			break;
	if (*p == '\0' && *s) {
		strbuf_addstr(sb, s);
		return;
	}
	strbuf_addch(sb, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '\'');
}

static char *
table_list(const struct wizard *w)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < w->ntables; i++)
		if (w->tables[i].selected)
			strbuf_addf(&sb, "%s%s", sb.len ? "," : "", w->tables[i].qname);
	return strbuf_detach(&sb, NULL);
}

/* An end as a command-line argument: the environment name, or the conninfo without its password. */
static const char *
end_arg(const struct wz_end *e)
{
	return strcmp(e->spec, e->conninfo) == 0 ? e->label : e->spec;
}

char *
wz_repeat_command(const struct wizard *w, const char *profile)
{
	struct strbuf sb = STRBUF_INIT;
	char *tables = table_list(w);

	strbuf_addstr(&sb, "confiture sync");
	if (w->root && strcmp(w->root, ".") != 0) {
		strbuf_addstr(&sb, " -C ");
		sh_quote(&sb, w->root);
	}
	strbuf_addstr(&sb, " --from ");
	sh_quote(&sb, end_arg(&w->src));
	strbuf_addstr(&sb, " --to ");
	sh_quote(&sb, end_arg(&w->tgt));
	strbuf_addstr(&sb, " --tables ");
	sh_quote(&sb, tables);
	if (wz_masked(w) && profile) {
		strbuf_addstr(&sb, " --profile ");
		sh_quote(&sb, profile);
	}
	free(tables);
	return strbuf_detach(&sb, NULL);
}

/* Progress of one run, fed by the records that flow from conf-anonymize to conf-apply. */
struct run {
	struct wizard *w;
	int apply_fd;             /* conf-apply's stdin, non-blocking */
	int result_fd;            /* conf-apply's stdout, non-blocking */
	struct strbuf results;    /* what it wrote, not yet split in lines */
	int *loaded;              /* conf-apply reported the table loaded (committed) */
	PGconn *tgt;              /* to read conf-apply's checkpoints while it runs */
	long last_check;
	struct strbuf out;        /* records not yet written to it */
	size_t *order;            /* w->tables indexes in the stream's (load) order */
	size_t norder;
	long current;             /* w->tables index of the table in flight, or -1 */
	long long *sent;          /* rows per table sent on */
	int *finished;            /* rows_end seen */
	long long total_sent, total_est;
	long start_ms, last_draw;
	int stopped, write_failed, saw_end;
	struct strbuf errors;
};

static void
draw_progress(struct run *r, int final)
{
	struct wizard *w = r->w;
	struct tui *t = &w->tui;
	struct tui_screen s;
	char *title = xstrfmt("step 6/7: execute"), *context = wz_context(w);
	double secs = (proc_now_ms() - r->start_ms) / 1000.0, rate;
	size_t i, k, width = 8;
	int barw;
	char a[32], b[32], c[32];
	struct strbuf line = STRBUF_INIT;

	memset(&s, 0, sizeof(s));
	s.title = title;
	s.context = context;
	s.prompt = final ? (r->stopped ? "stopped." : "copy finished.")
	    : "copying... (Ctrl-C stops: tables already loaded stay, the one in flight is rolled back)";
	tui_screen_header(t, &s);
	for (i = 0; i < w->ntables; i++)
		if (w->tables[i].selected && strlen(w->tables[i].qname) > width)
			width = strlen(w->tables[i].qname);
	if ((int)width > t->cols / 3)
		width = (size_t)t->cols / 3;
	barw = t->cols - (int)width - 28;
	if (barw > 40)
		barw = 40;
	for (k = 0; k < w->ntables; k++) {
		const struct wz_table *tb;

		/* tables in the order they load (parents first) once the stream says it */
		if (r->norder > 0 && k >= r->norder)
			break;
		i = r->norder > 0 ? r->order[k] : k;
		tb = &w->tables[i];
		if (!tb->selected)
			continue;
		strbuf_reset(&line);
		strbuf_addf(&line, "%-*.*s ", (int)width, (int)width, tb->qname);
		if (barw >= 8) {
			tui_bar(&line, barw, (double)r->sent[i], (double)(tb->rows > 0 ? tb->rows : 1));
			strbuf_addch(&line, ' ');
		}
		tui_count(a, sizeof(a), r->sent[i]);
		tui_count(b, sizeof(b), tb->rows);
		strbuf_addf(&line, "%s/%s%s", a, b, r->loaded[i] ? " loaded" :
		    r->finished[i] ? " sent" : (long)i == r->current ? " ..." : "");
		tui_addf(t, r->loaded[i] ? TUI_GOOD : TUI_PLAIN, "%s", line.buf);
	}
	rate = secs > 0.05 ? (double)r->total_sent / secs : 0;
	strbuf_reset(&line);
	strbuf_addstr(&line, "overall ");
	if (t->cols >= 50)
		tui_bar(&line, t->cols >= 80 ? 30 : t->cols - 40, (double)r->total_sent,
		    (double)(r->total_est > 0 ? r->total_est : 1));
	tui_count(a, sizeof(a), r->total_sent);
	tui_count(b, sizeof(b), r->total_est);
	tui_count(c, sizeof(c), (long long)rate);
	strbuf_addf(&line, " %s/%s rows", a, b);
	tui_blank(t);
	tui_addf(t, TUI_TITLE, "%s", line.buf);
	strbuf_reset(&line);
	strbuf_addf(&line, "%s rows/s  elapsed %.1f s", c, secs);
	if (!final && rate > 0 && r->total_est > r->total_sent)
		strbuf_addf(&line, "  ETA %.0f s", (double)(r->total_est - r->total_sent) / rate + 0.5);
	tui_addf(t, TUI_DIM, "%s", line.buf);
	tui_frame_end(t);
	strbuf_release(&line);
	free(title);
	free(context);
}

static void
progress_line(struct run *r)
{
	char a[32], b[32];

	tui_count(a, sizeof(a), r->total_sent);
	tui_count(b, sizeof(b), r->total_est);
	fprintf(stderr, "\rconfiture: wizard: %s/%s rows", a, b);
}

/* Read conf-apply's result records so far: a table is loaded once it says so. */
static void
read_results(struct run *r)
{
	char buf[4096];
	ssize_t n;
	char *nl;

	while (r->result_fd >= 0 && (n = read(r->result_fd, buf, sizeof(buf))) > 0)
		strbuf_add(&r->results, buf, (size_t)n);
	while ((nl = strchr(r->results.buf, '\n')) != NULL) {
		cJSON *rec;
		size_t len = (size_t)(nl - r->results.buf) + 1;

		*nl = '\0';
		rec = cJSON_Parse(r->results.buf);
		if (rec && strcmp(record_kind(rec), "result") == 0 && record_str(rec, "status") &&
		    strcmp(record_str(rec, "status"), "loaded") == 0) {
			char *q = xstrfmt("%s.%s", record_str(rec, "schema") ? record_str(rec, "schema") : "public",
			    record_str(rec, "name") ? record_str(rec, "name") : "");
			long k = wz_table_find(r->w, q);

			if (k >= 0)
				r->loaded[k] = 1;
			free(q);
		}
		cJSON_Delete(rec);
		memmove(r->results.buf, r->results.buf + len, r->results.len - len + 1);
		r->results.len -= len;
	}
}

/*
 * conf-apply --data commits each table with a checkpoint row; reading them
 * tells which tables are loaded while it runs (its result records come at the
 * end).  Twice a second at most; a failure only means "not yet".
 */
static void
read_checkpoints(struct run *r)
{
	struct conf_error err = CONF_ERROR_INIT;
	PGresult *res;
	long now = proc_now_ms();
	int row;

	if (r->tgt == NULL || now - r->last_check < 500)
		return;
	r->last_check = now;
	res = db_query(r->tgt, "SELECT schema_name || '.' || table_name FROM " DATA_DEFAULT_CHECKPOINT_TABLE,
	    0, NULL, &err);
	for (row = 0; res && row < PQntuples(res); row++) {
		long k = wz_table_find(r->w, PQgetvalue(res, row, 0));

		if (k >= 0)
			r->loaded[k] = 1;
	}
	PQclear(res);
}

/* Ctrl-C or q on the keyboard, or SIGINT/SIGTERM, stop the run. */
static void
poll_stop(struct run *r)
{
	int k;

	read_results(r);
	read_checkpoints(r);
	if (r->w->interactive)
		while ((k = tui_key(&r->w->tui, 0)) != TUI_KEY_NONE)
			if (k == TUI_KEY_INTR || k == 'q' || k == TUI_KEY_EOF)
				r->stopped = 1;
	if (tui_interrupted)
		r->stopped = 1;
}

/*
 * Hand the buffered records to conf-apply.  Its pipe is non-blocking: while it
 * is full (the target is the slow end), watch the keyboard and keep drawing,
 * so that Ctrl-C is heard however slow the target is.  Returns 0, or -1 when
 * stopped or when conf-apply went away.
 */
static int
push(struct run *r)
{
	size_t off = 0;

	while (off < r->out.len) {
		ssize_t n = write(r->apply_fd, r->out.buf + off, r->out.len - off);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p[2] = { { r->apply_fd, POLLOUT, 0 }, { STDIN_FILENO, POLLIN, 0 } };
			long now;

			poll(p, r->w->interactive ? 2 : 1, 100);
			poll_stop(r);
			if (r->stopped)
				return -1;
			now = proc_now_ms();
			if (r->w->interactive && now - r->last_draw >= 100) {
				r->last_draw = now;
				draw_progress(r, 0);
			}
			continue;
		}
		r->write_failed = 1;
		return -1;
	}
	strbuf_reset(&r->out);
	return 0;
}

static int
on_record(void *arg, const char *line)
{
	struct run *r = arg;
	struct wizard *w = r->w;
	long now;

	if (strncmp(line, "{\"kind\":\"row\"", 13) == 0) {
		if (r->current >= 0)
			r->sent[r->current]++;
		r->total_sent++;
	} else {
		cJSON *rec = cJSON_Parse(line);
		const char *kind = rec ? record_kind(rec) : "";

		if (strcmp(kind, "rows_begin") == 0 || strcmp(kind, "table") == 0 ||
		    strcmp(kind, "rows_end") == 0) {
			char *q = xstrfmt("%s.%s", record_str(rec, "schema") ? record_str(rec, "schema") : "public",
			    record_str(rec, "name") ? record_str(rec, "name") : "");
			long k = wz_table_find(w, q);

			free(q);
			if (strcmp(kind, "table") == 0 && k >= 0 && r->norder < w->ntables)
				r->order[r->norder++] = (size_t)k;
			else if (strcmp(kind, "rows_begin") == 0)
				r->current = k;
			else if (strcmp(kind, "rows_end") == 0 && k >= 0) {
				r->finished[k] = 1;
				r->current = -1;
			}
		} else if (strcmp(kind, "end") == 0) {
			r->saw_end = 1;
		} else if (strcmp(kind, "error") == 0) {
			strbuf_addf(&r->errors, "%s\n", record_str(rec, "message") ?
			    record_str(rec, "message") : line);
		}
		cJSON_Delete(rec);
	}
	strbuf_addstr(&r->out, line);
	strbuf_addch(&r->out, '\n');
	if (r->out.len >= 65536 && push(r) < 0)
		return -1;
	now = proc_now_ms();
	if (now - r->last_draw >= 100) {
		r->last_draw = now;
		poll_stop(r);
		if (w->interactive)
			draw_progress(r, 0);
		else if (isatty(STDERR_FILENO))
			progress_line(r);
		if (r->stopped)
			return -1;
	}
	return 0;
}

/* conf-apply --data reading from a pipe we write; its stdout and stderr go to files. */
static pid_t
start_apply(struct wizard *w, int *in, int *out, int err_fd, struct conf_error *err)
{
	int fds[2], res[2];
	pid_t pid;
	const char *prog = pipeline_program("conf-apply");
	char *p = xstrdup(prog);

	if (pipe(fds) < 0 || pipe(res) < 0) {
		free(p);
		return conf_error_set(err, CONF_EXIT_USAGE, "could not create a pipe: %s", strerror(errno));
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		const char *argv[] = { p, "--data", "-C", w->root, "--db", w->tgt.conninfo,
		    "--run-type", "sync", NULL };

		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		dup2(fds[0], 0);
		dup2(res[1], 1);
		close(res[0]);
		close(res[1]);
		if (err_fd >= 0)
			dup2(err_fd, 2);
		close(fds[0]);
		close(fds[1]);
		execvp(p, (char *const *)argv);
		fprintf(stderr, "confiture: could not run \"%s\": %s\n", p, strerror(errno));
		_exit(127);
	}
	free(p);
	close(fds[0]);
	close(res[1]);
	if (pid < 0) {
		close(fds[1]);
		close(res[0]);
		return conf_error_set(err, CONF_EXIT_USAGE, "could not fork: %s", strerror(errno));
	}
	*in = fds[1];
	*out = res[0];
	fcntl(res[0], F_SETFL, fcntl(res[0], F_GETFL) | O_NONBLOCK);
	fcntl(res[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return pid;
}

static int
tmpfile_fd(char *path, size_t n, const char *what)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, n, "%s/confiture-wizard-%s-XXXXXX", dir && dir[0] ? dir : "/tmp", what);
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static void
read_fd(int fd, struct strbuf *sb)
{
	char buf[4096];
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(sb, buf, (size_t)n);
}

void
wz_rehearse(struct wizard *w)
{
	struct conf_error err = CONF_ERROR_INIT;
	struct strvec extract = STRVEC_INIT, anon = STRVEC_INIT, apply = STRVEC_INIT;
	struct cmd_rehearsal_stages rs;
	struct cmd_rehearsal rh;
	cJSON *plan = cJSON_CreateArray();
	char path[4096] = "", *tables = table_list(w);
	int fd, saved = -1, null;
	size_t i;

	free(w->est_error);
	w->est_error = NULL;
	w->est_seconds = -1;
	for (i = 0; i < w->ntables; i++) {
		cJSON *t;

		if (!w->tables[i].selected)
			continue;
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "schema", w->tables[i].schema);
		cJSON_AddStringToObject(t, "name", w->tables[i].name);
		cJSON_AddNumberToObject(t, "rows_estimate", (double)w->tables[i].rows);
		cJSON_AddNumberToObject(t, "bytes", (double)w->tables[i].bytes);
		cJSON_AddItemToArray(plan, t);
	}
	strvec_pushv(&extract, (const char *const[]){ "conf-extract", "--data", "--db", w->src.conninfo,
	    "--tables", tables, NULL });
	strvec_pushv(&apply, (const char *const[]){ "conf-apply", "--data", "--rehearse", "--db",
	    w->tgt.conninfo, NULL });
	if (wz_masked(w)) {
		/* The profile as it stands, in a file of its own for the rehearsal. */
		snprintf(path, sizeof(path), "%s/confiture-wizard-rehearsal-XXXXXX",
		    getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp");
		if ((fd = mkstemp(path)) < 0) {
			w->est_error = xstrdup("could not create a temporary file");
			goto out;
		}
		close(fd);
		if (wz_write_profile(w, path, &err) < 0) {
			w->est_error = xstrdup(err.message);
			goto out;
		}
		strvec_pushv(&anon, (const char *const[]){ "conf-anonymize", "--profile", path, NULL });
	}
	rs.plan = plan;
	rs.extract = (const char *const *)extract.v;
	rs.anonymize = anon.nr ? (const char *const *)anon.v : NULL;
	rs.apply = (const char *const *)apply.v;
	if (w->interactive && (null = open("/dev/null", O_WRONLY)) >= 0) {
		fflush(stderr);
		saved = dup(2);
		dup2(null, 2);
		close(null);
	}
	if (cmd_rehearse(&rs, &rh, &err) == 0) {
		w->est_seconds = cmd_rehearsal_seconds(&rh, (double)w->est_bytes);
		w->est_full = rh.full;
		w->est_no_key = rh.no_key;
	} else {
		w->est_error = xstrdup(err.message);
	}
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
out:
	if (path[0])
		unlink(path);
	cJSON_Delete(plan);
	free(tables);
	strvec_clear(&extract);
	strvec_clear(&anon);
	strvec_clear(&apply);
}

int
wz_execute(struct wizard *w)
{
	struct conf_error err = CONF_ERROR_INIT;
	struct strvec extract = STRVEC_INIT, hook = STRVEC_INIT, anon = STRVEC_INIT;
	struct pipeline_stage stages[3];
	struct run r;
	char path[4096];
	int log_fd, saved_err = -1, rc, st = 0, nst;
	char *tables = table_list(w);
	pid_t apply;
	size_t i;
	void (*old_pipe)(int);

	memset(&r, 0, sizeof(r));
	r.w = w;
	r.current = -1;
	r.sent = xcalloc(w->ntables + 1, sizeof(long long));
	r.finished = xcalloc(w->ntables + 1, sizeof(int));
	r.order = xcalloc(w->ntables + 1, sizeof(size_t));
	strbuf_init(&r.errors, 0);
	strbuf_init(&r.out, 65536 + 4096);
	strbuf_init(&r.results, 0);
	r.result_fd = -1;
	r.loaded = xcalloc(w->ntables + 1, sizeof(int));
	r.tgt = db_connect(w->tgt.conninfo, "confiture wizard", &err);
	conf_error_clear(&err);
	for (i = 0; i < w->ntables; i++)
		if (w->tables[i].selected)
			r.total_est += w->tables[i].rows;
	log_fd = tmpfile_fd(path, sizeof(path), "log");
	if (log_fd < 0) {
		fprintf(stderr, "confiture: could not create a temporary file: %s\n", strerror(errno));
		rc = CONF_EXIT_USAGE;
		goto out;
	}
	strvec_push(&extract, "conf-extract");
	strvec_push(&extract, "--data");
	strvec_push(&extract, "--db");
	strvec_push(&extract, w->src.conninfo);
	strvec_push(&extract, "--tables");
	strvec_push(&extract, tables);
	stages[0].argv = extract.v;
	/* before_validate hooks fire as in any sync, before the rows flow (--at-start) */
	strvec_pushv(&hook, (const char *const[]){ "conf-hook", "-C", w->root, "--db", w->tgt.conninfo,
	    "--run-type", "sync", "--at-start", "--quiet", "before_validate", NULL });
	stages[1].argv = hook.v;
	nst = 2;
	if (wz_masked(w)) {
		strvec_push(&anon, "conf-anonymize");
		strvec_push(&anon, "--profile");
		strvec_push(&anon, w->profile_path);
		stages[nst++].argv = anon.v;
	}
	old_pipe = signal(SIGPIPE, SIG_IGN);
	if (w->interactive) {
		/* The filters' messages would scribble over the screen: keep them for the summary. */
		saved_err = dup(STDERR_FILENO);
		dup2(log_fd, STDERR_FILENO);
	}
	tui_catch_interrupts(1);
	apply = start_apply(w, &r.apply_fd, &r.result_fd, w->interactive ? log_fd : -1, &err);
	if (apply < 0) {
		rc = err.code;
		strbuf_addf(&r.errors, "%s\n", err.message);
	} else {
		r.start_ms = r.last_draw = proc_now_ms();
		if (w->interactive)
			draw_progress(&r, 0);
		rc = pipeline_run(stages, (size_t)nst, on_record, &r, &err);
		if (rc < 0) {
			strbuf_addf(&r.errors, "%s\n", err.message);
			rc = err.code;
		}
		/*
		 * What is still buffered goes on unless the run stopped; closing
		 * without the end record tells conf-apply to keep nothing in flight.
		 */
		if (!r.stopped && !r.write_failed)
			push(&r);
		/*
		 * Stopped: conf-apply may hold the rest of the stream in its pipe
		 * already, so it is told to stop too; the table it is loading rolls
		 * back with its transaction, the ones it committed stay.
		 */
		if (r.stopped)
			kill(apply, SIGTERM);
		close(r.apply_fd);
		/* conf-apply may still be loading what it holds: keep drawing and listening */
		for (;;) {
			pid_t done = waitpid(apply, &st, WNOHANG);
			struct pollfd p = { STDIN_FILENO, POLLIN, 0 };

			if (done == apply || (done < 0 && errno != EINTR))
				break;
			poll(&p, w->interactive ? 1 : 0, 100);
			if (!r.stopped) {
				poll_stop(&r);
				if (r.stopped)
					kill(apply, SIGTERM);
			}
			if (w->interactive && proc_now_ms() - r.last_draw >= 100) {
				r.last_draw = proc_now_ms();
				draw_progress(&r, 0);
			}
		}
		st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		fcntl(r.result_fd, F_SETFL, fcntl(r.result_fd, F_GETFL) & ~O_NONBLOCK);
		read_results(&r);
		close(r.result_fd);
		if (r.stopped)
			rc = CONF_EXIT_FINDINGS;
		else if (st != 0)
			rc = st;
		else if (rc == 0 && !r.saw_end)
			rc = CONF_EXIT_USAGE;
	}
	if (tui_interrupted)
		r.stopped = 1;
	tui_catch_interrupts(0);
	if (saved_err >= 0) {
		dup2(saved_err, STDERR_FILENO);
		close(saved_err);
	}
	signal(SIGPIPE, old_pipe);
	if (!w->interactive && isatty(STDERR_FILENO))
		fputc('\n', stderr);
	read_fd(log_fd, &w->log);
	strbuf_add(&w->log, r.errors.buf, r.errors.len);
	w->interrupted = r.stopped;
	free(w->loaded);
	w->loaded = xcalloc(w->ntables + 1, sizeof(long long));
	for (i = 0; i < w->ntables; i++)
		w->loaded[i] = r.loaded[i] ? r.sent[i] : -1;
	if (w->interactive)
		draw_progress(&r, 1);
out:
	w->exec_status = rc;
	if (log_fd >= 0)
		close(log_fd);
	strvec_clear(&extract);
	strvec_clear(&hook);
	strvec_clear(&anon);
	strbuf_release(&r.errors);
	strbuf_release(&r.out);
	strbuf_release(&r.results);
	free(r.loaded);
	PQfinish(r.tgt);
	free(r.sent);
	free(r.finished);
	free(r.order);
	free(tables);
	return rc;
}

/* The target's row counts per selected table, into counts (-1: unreadable). */
static int
count_rows(const char *conninfo, struct wizard *w, long long *counts, struct conf_error *err)
{
	PGconn *conn = db_connect(conninfo, "confiture wizard", err);
	size_t i;

	if (conn == NULL)
		return -1;
	for (i = 0; i < w->ntables; i++) {
		char *q, *sql;
		PGresult *res;
		struct conf_error e2 = CONF_ERROR_INIT;

		counts[i] = -1;
		if (!w->tables[i].selected)
			continue;
		if ((q = db_quote_qualified(conn, w->tables[i].qname, &e2)) == NULL)
			continue;
		sql = xstrfmt("SELECT count(*) FROM %s", q);
		if ((res = db_query(conn, sql, 0, NULL, &e2)) != NULL)
			counts[i] = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		free(sql);
		free(q);
	}
	PQfinish(conn);
	return 0;
}

int
wz_target_counts(struct wizard *w, long long *counts, struct conf_error *err)
{
	return count_rows(w->tgt.conninfo, w, counts, err);
}

/* Rows of the target that break a foreign key of table t (checked by joining), or -1. */
static long long
fk_orphans(PGconn *conn, const struct wz_table *t)
{
	static const char sql[] =
	    "SELECT c.confrelid::regclass::text,"
	    " (SELECT json_agg(a.attname ORDER BY k.o) FROM unnest(c.conkey) WITH ORDINALITY k(n, o)"
	    "  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),"
	    " (SELECT json_agg(a.attname ORDER BY k.o) FROM unnest(c.confkey) WITH ORDINALITY k(n, o)"
	    "  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n)"
	    " FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = to_regclass($1)";
	struct conf_error err = CONF_ERROR_INIT;
	char *qual = db_quote_qualified(conn, t->qname, &err);
	const char *params[1];
	PGresult *res;
	long long orphans = 0;
	int row;

	if (qual == NULL)
		return -1;
	params[0] = qual;
	if ((res = db_query(conn, sql, 1, params, &err)) == NULL) {
		free(qual);
		return -1;
	}
	for (row = 0; row < PQntuples(res); row++) {
		cJSON *kc = cJSON_Parse(PQgetvalue(res, row, 1)), *pc = cJSON_Parse(PQgetvalue(res, row, 2));
		struct strbuf q = STRBUF_INIT;
		int i, n = cJSON_GetArraySize(kc);
		PGresult *cr;

		strbuf_addf(&q, "SELECT count(*) FROM %s x WHERE ", qual);
		for (i = 0; i < n; i++) {
			char *c = db_quote_ident(conn, cJSON_GetArrayItem(kc, i)->valuestring, &err);

			strbuf_addf(&q, "x.%s IS NOT NULL AND ", c);
			free(c);
		}
		/* regclass text is already quoted as needed */
		strbuf_addf(&q, "NOT EXISTS (SELECT 1 FROM %s p WHERE ", PQgetvalue(res, row, 0));
		for (i = 0; i < n; i++) {
			char *c = db_quote_ident(conn, cJSON_GetArrayItem(kc, i)->valuestring, &err);
			char *p = db_quote_ident(conn, cJSON_GetArrayItem(pc, i)->valuestring, &err);

			strbuf_addf(&q, "%sp.%s = x.%s", i ? " AND " : "", p, c);
			free(c);
			free(p);
		}
		strbuf_addch(&q, ')');
		if ((cr = db_query(conn, q.buf, 0, NULL, &err)) != NULL)
			orphans += strtoll(PQgetvalue(cr, 0, 0), NULL, 10);
		else
			orphans = -1;
		PQclear(cr);
		strbuf_release(&q);
		cJSON_Delete(kc);
		cJSON_Delete(pc);
		if (orphans < 0)
			break;
	}
	PQclear(res);
	free(qual);
	return orphans;
}

struct kv {
	char *key, *val;
};

static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/*
 * Fetch "key, value" of a column: the key is the primary key's text (or the
 * value itself when there is none), at most `limit` rows in key order.
 */
static struct kv *
fetch_column(PGconn *conn, const struct wz_table *t, const char *col, size_t limit, size_t *n)
{
	struct conf_error err = CONF_ERROR_INIT;
	struct strbuf q = STRBUF_INIT, key = STRBUF_INIT;
	char *qual = db_quote_qualified(conn, t->qname, &err), *c = db_quote_ident(conn, col, &err);
	struct kv *v = NULL;
	PGresult *res;
	size_t i;
	int row;

	*n = 0;
	if (qual == NULL || c == NULL)
		goto out;
	if (t->pkey) {
		for (i = 0; t->pkey[i]; i++) {
			char *k = db_quote_ident(conn, t->pkey[i], &err);

			strbuf_addf(&key, "%s%s", i ? ", " : "", k);
			free(k);
		}
		strbuf_addf(&q, "SELECT concat_ws(E'\\x1f', %s), %s::text FROM %s WHERE %s IS NOT NULL"
		    " ORDER BY %s LIMIT %zu", key.buf, c, qual, c, key.buf, limit);
	} else {
		strbuf_addf(&q, "SELECT %s::text, %s::text FROM %s WHERE %s IS NOT NULL LIMIT %zu",
		    c, c, qual, c, limit);
	}
	if ((res = db_query(conn, q.buf, 0, NULL, &err)) == NULL)
		goto out;
	v = xcalloc((size_t)PQntuples(res) + 1, sizeof(*v));
	for (row = 0; row < PQntuples(res); row++) {
		v[row].key = xstrdup(PQgetvalue(res, row, 0));
		v[row].val = xstrdup(PQgetvalue(res, row, 1));
	}
	*n = (size_t)PQntuples(res);
	PQclear(res);
	qsort(v, *n, sizeof(*v), kv_cmp);
out:
	free(qual);
	free(c);
	strbuf_release(&q);
	strbuf_release(&key);
	return v;
}

static void
kv_free(struct kv *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].val);
	}
	free(v);
}

/* Rows whose masked column still holds its original value (matched by primary key). */
static long long
leaked_values(PGconn *src, PGconn *tgt, const struct wz_table *t, const char *col)
{
	const size_t limit = 200000;
	size_t ns, nt, i;
	struct kv *s = fetch_column(src, t, col, limit, &ns), *d = fetch_column(tgt, t, col, limit, &nt);
	long long leaked = 0;

	for (i = 0; i < nt; i++) {
		struct kv *hit = bsearch(&d[i], s, ns, sizeof(*s), kv_cmp);

		if (hit && strcmp(hit->val, d[i].val) == 0)
			leaked++;
	}
	kv_free(s, ns);
	kv_free(d, nt);
	return leaked;
}

int
wz_verify(struct wizard *w, struct strbuf *out)
{
	struct conf_error err = CONF_ERROR_INIT;
	long long *sc = xcalloc(w->ntables + 1, sizeof(long long));
	long long *tc = xcalloc(w->ntables + 1, sizeof(long long));
	PGconn *src = NULL, *tgt = NULL;
	size_t i, j, width = 12;
	int bad = 0;
	char a[32], b[32];

	if (count_rows(w->src.conninfo, w, sc, &err) < 0 || count_rows(w->tgt.conninfo, w, tc, &err) < 0 ||
	    (src = db_connect(w->src.conninfo, "confiture wizard", &err)) == NULL ||
	    (tgt = db_connect(w->tgt.conninfo, "confiture wizard", &err)) == NULL) {
		strbuf_addf(out, "could not verify: %s\n", err.message);
		PQfinish(src);
		free(sc);
		free(tc);
		return err.code ? err.code : CONF_EXIT_DB;
	}
	for (i = 0; i < w->ntables; i++)
		if (w->tables[i].selected && strlen(w->tables[i].qname) > width)
			width = strlen(w->tables[i].qname);
	if (width > 28)
		width = 28;
	strbuf_addf(out, "%-*s %9s %9s %-8s %s\n", (int)width, "table", "source", "target", "fkeys",
	    "masked columns");
	for (i = 0; i < w->ntables; i++) {
		const struct wz_table *t = &w->tables[i];
		long long orphans, leaked = 0;
		size_t masked = 0;
		struct strbuf m = STRBUF_INIT;
		int rows_ok, keys_ok;

		if (!t->selected)
			continue;
		orphans = fk_orphans(tgt, t);
		for (j = 0; j < t->ncols; j++) {
			long long l;

			if (!t->cols[j].strategy)
				continue;
			masked++;
			l = leaked_values(src, tgt, t, t->cols[j].name);
			if (l > 0)
				strbuf_addf(&m, " %s:%lld", t->cols[j].name, l);
			leaked += l;
		}
		rows_ok = sc[i] >= 0 && sc[i] == tc[i];
		keys_ok = orphans == 0;
		tui_count(a, sizeof(a), sc[i]);
		tui_count(b, sizeof(b), tc[i]);
		strbuf_addf(out, "%-*s %9s %9s %-8s ", (int)width, t->qname, a, b,
		    keys_ok ? "ok" : orphans < 0 ? "?" : "BROKEN");
		if (masked == 0)
			strbuf_addstr(out, "-\n");
		else if (leaked == 0)
			strbuf_addf(out, "%zu, no original value left\n", masked);
		else
			strbuf_addf(out, "%zu, ORIGINAL VALUES LEFT:%s\n", masked, m.buf);
		if (!rows_ok || !keys_ok || leaked)
			bad = 1;
		strbuf_release(&m);
	}
	strbuf_addf(out, "verification %s\n", bad ? "FAILED" : "passed");
	PQfinish(src);
	PQfinish(tgt);
	free(sc);
	free(tc);
	w->verify_failed = bad;
	return bad ? CONF_EXIT_FINDINGS : 0;
}
