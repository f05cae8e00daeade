/* wizard-steps: the interactive screens of steps 1 to 5 (source, target, tables, rules, review). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wizard.h"

#define KEYS_NAV "b back  q quit"

char *
wz_context(const struct wizard *w)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = 0;
	long long rows = 0;

	strbuf_addf(&sb, "source: %s", w->src.label ? w->src.label : "-");
	strbuf_addf(&sb, "\ntarget: %s", w->tgt.label ? w->tgt.label : "-");
	for (i = 0; i < w->ntables; i++)
		if (w->tables[i].selected) {
			n++;
			rows += w->tables[i].rows;
		}
	if (n) {
		char r[32];

		tui_count(r, sizeof(r), rows);
		strbuf_addf(&sb, "\ntables: %zu selected, %s rows, %zu masked column%s", n, r,
		    wz_masked(w), wz_masked(w) == 1 ? "" : "s");
	}
	return strbuf_detach(&sb, NULL);
}

/* A screen for step `step` with the answers so far as context. */
static void
screen_init(struct tui_screen *s, const struct wizard *w, int step, const char *name,
    char **title, char **context)
{
	memset(s, 0, sizeof(*s));
	*title = xstrfmt("step %d/7: %s", step, name);
	*context = wz_context(w);
	s->title = *title;
	s->context = *context;
}

/*
 * After a failure: retry, edit, back or quit.  Returns 'r', 'e', 'b', 'q'
 * or TUI_INTR.
 */
static int
ask_recover(struct wizard *w, struct tui_screen *s, const struct conf_error *err)
{
	struct strbuf msg = STRBUF_INIT;
	struct tui_screen e = *s;
	int k;

	strbuf_addf(&msg, "%s", err->message);
	if (err->hint[0])
		strbuf_addf(&msg, " (hint: %s)", err->hint);
	e.prompt = "could not use this database:";
	e.message = msg.buf;
	e.footer = "r retry  e edit  " KEYS_NAV;
	k = tui_ask(&w->tui, &e, "rebq", 0);
	strbuf_release(&msg);
	return k;
}

/* Steps 1 and 2: an environment or a connection string, checked by connecting. */
static int
pick_end(struct wizard *w, int step, struct wz_end *e, const struct wz_end *other)
{
	char **envs = wz_environments(w->root);
	const char **labels;
	size_t n = 0, i;
	struct tui_list l;
	struct tui_screen s;
	char *title, *context, *message = NULL;
	struct strbuf text = STRBUF_INIT;
	int r;

	while (envs[n])
		n++;
	labels = xcalloc(n + 2, sizeof(char *));
	for (i = 0; i < n; i++)
		labels[i] = envs[i];
	labels[n] = "type a connection string...";
	tui_list_init(&l);
	l.labels = labels;
	l.n = n + 1;
	for (i = 0; e->spec && i < n; i++)
		if (strcmp(envs[i], e->spec) == 0)
			l.cursor = i;
	if (e->spec && l.cursor == 0 && (n == 0 || strcmp(envs[0], e->spec) != 0))
		l.cursor = n;
	screen_init(&s, w, step, step == 1 ? "source" : "target", &title, &context);
	s.prompt = step == 1 ? "Copy data FROM which database? (environments in db/environments)"
	    : "Copy data INTO which database? (its tables will receive the rows)";
	s.footer = "up/down move  enter choose  " KEYS_NAV;
	for (;;) {
		struct conf_error err = CONF_ERROR_INIT;
		char *spec;

		s.message = message;
		r = tui_list_run(&w->tui, &s, &l);
		free(message);
		message = NULL;
		s.message = NULL;
		if (r == TUI_BACK && step == 1) {
			message = xstrdup("this is the first step (q quits)");
			continue;
		}
		if (r != TUI_OK)
			break;
		if (l.cursor == n) {
			struct tui_screen in = s;

			strbuf_reset(&text);
			if (e->spec && e->conninfo && strcmp(e->spec, e->conninfo) == 0)
				strbuf_addstr(&text, e->spec);
			in.prompt = NULL;
			in.footer = "enter connect  esc back to the list";
			r = tui_input(&w->tui, &in, "connection string (postgres://... or key=value):",
			    &text, 0);
			if (r == TUI_BACK)
				continue;
			if (r != TUI_OK)
				break;
			spec = xstrdup(text.buf);
		} else {
			spec = xstrdup(envs[l.cursor]);
		}
		for (;;) {
			struct tui_screen wait = s;

			wait.prompt = "connecting...";
			wait.footer = NULL;
			tui_screen_header(&w->tui, &wait);
			tui_frame_end(&w->tui);
			if (wz_resolve(w, spec, e, &err) == 0 && wz_check(e, &err) == 0) {
				r = TUI_OK;
				break;
			}
			r = ask_recover(w, &s, &err);
			if (r != 'r')
				break;
			conf_error_clear(&err);
		}
		free(spec);
		if (r != TUI_OK)
			wz_end_release(e);
		if (r == 'e')
			continue;
		if (r == 'b') {
			if (step == 1)
				continue;
			r = TUI_BACK;
			break;
		}
		if (r == 'q') {
			r = TUI_QUIT;
			break;
		}
		if (r != TUI_OK)
			break;
		if (other && other->identity && e->identity && strcmp(other->identity, e->identity) == 0) {
			message = xstrfmt("\"%s\" is the source database itself: choose another target", e->label);
			wz_end_release(e);
			continue;
		}
		if (step == 2 && e->production) {
			struct tui_screen warn = s;
			char *msg = xstrfmt("\"%s\" looks like a production database.", e->label);

			warn.prompt = msg;
			warn.message = "Copying into it overwrites real data.";
			warn.footer = "y copy into it anyway  n choose another  q quit";
			r = tui_ask(&w->tui, &warn, "ynq", 0);
			free(msg);
			if (r == 'n') {
				wz_end_release(e);
				continue;
			}
			r = r == 'y' ? TUI_OK : r == 'q' ? TUI_QUIT : r;
		}
		break;
	}
	free(message);
	free(title);
	free(context);
	free(labels);
	strbuf_release(&text);
	tui_list_release(&l);
	wz_strv_free(envs);
	return r;
}

int
wz_step_source(struct wizard *w)
{
	return pick_end(w, 1, &w->src, NULL);
}

int
wz_step_target(struct wizard *w)
{
	return pick_end(w, 2, &w->tgt, &w->src);
}

static char **
table_labels(const struct wizard *w, int cols)
{
	char **v = xcalloc(w->ntables + 1, sizeof(char *));
	size_t i, width = 10;

	for (i = 0; i < w->ntables; i++)
		if (strlen(w->tables[i].qname) > width)
			width = strlen(w->tables[i].qname);
	if ((int)width > cols - 34)
		width = cols > 50 ? (size_t)cols - 34 : 16;
	for (i = 0; i < w->ntables; i++) {
		const struct wz_table *t = &w->tables[i];
		char rows[32], bytes[32];

		tui_count(rows, sizeof(rows), t->rows);
		tui_bytes(bytes, sizeof(bytes), t->bytes);
		if (cols >= 56)
			v[i] = xstrfmt("%-*s %s%10s rows %9s", (int)width, t->qname,
			    t->rows_exact ? " " : "~", rows, bytes);
		else
			v[i] = xstrfmt("%s (%s%s)", t->qname, t->rows_exact ? "" : "~", rows);
	}
	return v;
}

int
wz_step_tables(struct wizard *w)
{
	struct conf_error err = CONF_ERROR_INIT;
	struct tui_list l;
	struct tui_screen s;
	char *title = NULL, *context = NULL, *message = NULL;
	char **labels = NULL;
	int *sel = NULL;
	size_t i;
	int r;

	for (;;) {
		struct tui_screen wait;

		screen_init(&wait, w, 3, "tables", &title, &context);
		wait.prompt = "reading the source catalog...";
		tui_screen_header(&w->tui, &wait);
		tui_frame_end(&w->tui);
		free(title);
		free(context);
		if (wz_load_catalog(w, &err) == 0)
			break;
		screen_init(&wait, w, 3, "tables", &title, &context);
		r = ask_recover(w, &wait, &err);
		free(title);
		free(context);
		if (r == 'b' || r == 'e')
			return TUI_BACK;
		if (r == 'q')
			return TUI_QUIT;
		if (r != 'r')
			return r;
		conf_error_clear(&err);
	}
	tui_list_init(&l);
	sel = xcalloc(w->ntables + 1, sizeof(int));
	for (;;) {
		for (i = 0; i < w->ntables; i++)
			sel[i] = w->tables[i].selected;
		wz_strv_free(labels);
		labels = table_labels(w, w->tui.cols);
		l.labels = (const char *const *)labels;
		l.n = w->ntables;
		l.selected = sel;
		screen_init(&s, w, 3, "tables", &title, &context);
		s.prompt = "Which tables? (sizes from the source; ~ marks an estimate)";
		s.footer = "space toggle  a all/none  / filter  enter next  " KEYS_NAV;
		s.message = message;
		r = tui_list_run(&w->tui, &s, &l);
		free(title);
		free(context);
		free(message);
		message = NULL;
		for (i = 0; i < w->ntables; i++)
			w->tables[i].selected = sel[i];
		if (r != TUI_OK)
			break;
		{
			size_t missing[8], nm = wz_closure(w, 0, missing, 8), k;
			struct strbuf q = STRBUF_INIT;
			size_t any = 0;

			for (k = 0; k < w->ntables; k++)
				any += (size_t)w->tables[k].selected;
			if (any == 0) {
				message = xstrdup("select at least one table (space)");
				continue;
			}
			if (nm == 0)
				break;
			strbuf_addstr(&q, "The selection references tables that are not selected:");
			for (k = 0; k < nm && k < 8; k++)
				strbuf_addf(&q, " %s", w->tables[missing[k]].qname);
			if (nm > 8)
				strbuf_addf(&q, " and %zu more", nm - 8);
			screen_init(&s, w, 3, "tables", &title, &context);
			s.prompt = q.buf;
			s.message = "Without them the copy cannot load (foreign keys).";
			s.footer = "y add them (foreign-key closure)  n copy without  b back to the list";
			r = tui_ask(&w->tui, &s, "ynbq", 'y');
			free(title);
			free(context);
			strbuf_release(&q);
			if (r == 'y') {
				wz_closure(w, 1, missing, 0);
				r = TUI_OK;
				break;
			}
			if (r == 'n') {
				r = TUI_OK;
				break;
			}
			if (r == 'q') {
				r = TUI_QUIT;
				break;
			}
			if (r == TUI_INTR)
				break;
		}
	}
	free(message);
	free(sel);
	wz_strv_free(labels);
	tui_list_release(&l);
	return r;
}

struct colref {
	size_t t, c;
};

static char **
rule_labels(const struct wizard *w, const struct colref *refs, size_t n, int cols)
{
	char **v = xcalloc(n + 1, sizeof(char *));
	size_t i, width = 12;
	int typew;

	for (i = 0; i < n; i++) {
		const struct wz_table *t = &w->tables[refs[i].t];
		size_t len = strlen(t->name) + 1 + strlen(t->cols[refs[i].c].name);

		if (len > width)
			width = len;
	}
	if ((int)width > cols / 2)
		width = (size_t)cols / 2;
	/* the type goes first when the terminal is narrow; the suggestion matters more */
	typew = cols - 3 - (int)width - 15 - 28;
	if (typew > 24)
		typew = 24;
	for (i = 0; i < n; i++) {
		const struct wz_table *t = &w->tables[refs[i].t];
		const struct wz_column *c = &t->cols[refs[i].c];
		char *col = xstrfmt("%s.%s", t->name, c->name);
		const char *what = c->strategy ? c->strategy : "keep";
		char *hint = c->suggest && (!c->strategy || strcmp(c->strategy, c->suggest) != 0)
		    ? xstrfmt("  (suggested: %s)", c->suggest) : xstrdup("");

		if (typew >= 8)
			v[i] = xstrfmt("%-*s %-*.*s -> %-10s%s", (int)width, col, typew, typew, c->type,
			    what, hint);
		else
			v[i] = xstrfmt("%-*s -> %s%s", (int)width, col, what, c->suggest && !c->strategy ? " *" : "");
		free(col);
		free(hint);
	}
	return v;
}

/* Choose a strategy for one column from everything conf-anonymize offers. */
static int
pick_strategy(struct wizard *w, struct wz_column *c, const char *table)
{
	const char **labels = xcalloc(w->nstrategies + 2, sizeof(char *));
	struct tui_list l;
	struct tui_screen s;
	char *title, *context, *prompt;
	size_t i;
	int r;

	labels[0] = "keep (copy as is)";
	for (i = 0; i < w->nstrategies; i++)
		labels[i + 1] = w->strategies[i];
	tui_list_init(&l);
	l.labels = labels;
	l.n = w->nstrategies + 1;
	for (i = 0; c->strategy && i < w->nstrategies; i++)
		if (strcmp(w->strategies[i], c->strategy) == 0)
			l.cursor = i + 1;
	screen_init(&s, w, 4, "rules", &title, &context);
	prompt = xstrfmt("Strategy for %s.%s (%s); built-in and custom strategies:", table, c->name,
	    c->type);
	s.prompt = prompt;
	s.footer = "enter choose  / filter  b cancel  q quit";
	r = tui_list_run(&w->tui, &s, &l);
	if (r == TUI_OK) {
		free(c->strategy);
		c->strategy = l.cursor == 0 ? NULL : xstrdup(w->strategies[l.cursor - 1]);
	}
	free(prompt);
	free(title);
	free(context);
	free(labels);
	tui_list_release(&l);
	return r == TUI_BACK ? TUI_OK : r;
}

int
wz_step_rules(struct wizard *w)
{
	struct colref *refs = NULL;
	size_t n = 0, i, j;
	char **labels = NULL, *title, *context;
	struct tui_list l;
	struct tui_screen s;
	int r;

	for (i = 0; i < w->ntables; i++)
		if (w->tables[i].selected)
			for (j = 0; j < w->tables[i].ncols; j++) {
				refs = xrealloc(refs, (n + 1) * sizeof(*refs));
				refs[n].t = i;
				refs[n].c = j;
				n++;
			}
	tui_list_init(&l);
	l.keys = " sA";
	for (;;) {
		wz_strv_free(labels);
		labels = rule_labels(w, refs, n, w->tui.cols);
		l.labels = (const char *const *)labels;
		l.n = n;
		screen_init(&s, w, 4, "rules", &title, &context);
		s.prompt = "How is each column copied? Suggestions mark columns that look personal.";
		s.footer = "space accept/clear suggestion  s pick strategy  A accept all  / filter  enter next  "
		    KEYS_NAV;
		r = tui_list_run(&w->tui, &s, &l);
		free(title);
		free(context);
		if (r != TUI_KEY)
			break;
		if (n == 0)
			continue;
		{
			struct wz_table *t = &w->tables[refs[l.cursor].t];
			struct wz_column *c = &t->cols[refs[l.cursor].c];

			if (l.key == ' ') {
				if (c->strategy) {
					free(c->strategy);
					c->strategy = NULL;
				} else if (c->suggest) {
					c->strategy = xstrdup(c->suggest);
				} else if ((r = pick_strategy(w, c, t->name)) != TUI_OK) {
					break;
				}
			} else if (l.key == 's') {
				if ((r = pick_strategy(w, c, t->name)) != TUI_OK)
					break;
			} else if (l.key == 'A') {
				for (i = 0; i < n; i++) {
					struct wz_column *x = &w->tables[refs[i].t].cols[refs[i].c];

					if (x->suggest && !x->strategy)
						x->strategy = xstrdup(x->suggest);
				}
			}
		}
	}
	wz_strv_free(labels);
	tui_list_release(&l);
	free(refs);
	return r;
}

void
wz_review_text(const struct wizard *w, struct strbuf *sb)
{
	static const char *risks[] = { "low", "medium", "high" };
	char rows[32], bytes[32];
	size_t i, j, width = 12, ntab = 0;
	long long exposed = 0, present = 0, missing = 0;

	for (i = 0; i < w->ntables; i++)
		if (w->tables[i].selected) {
			ntab++;
			if (strlen(w->tables[i].qname) > width)
				width = strlen(w->tables[i].qname);
		}
	if (width > 30)
		width = 30;
	tui_count(rows, sizeof(rows), w->est_rows);
	tui_bytes(bytes, sizeof(bytes), w->est_bytes);
	strbuf_addf(sb, "copy %zu table%s, %s rows, %s\n", ntab, ntab == 1 ? "" : "s", rows, bytes);
	strbuf_addf(sb, "  from %s\n  into %s\n", w->src.label, w->tgt.label);
	strbuf_addf(sb, "%-*s %10s %9s  %s\n", (int)width, "table", "rows", "size", "masked columns");
	for (i = 0; i < w->ntables; i++) {
		const struct wz_table *t = &w->tables[i];
		struct strbuf m = STRBUF_INIT;

		if (!t->selected)
			continue;
		for (j = 0; j < t->ncols; j++) {
			if (t->cols[j].strategy)
				strbuf_addf(&m, "%s%s=%s", m.len ? " " : "", t->cols[j].name, t->cols[j].strategy);
			else if (t->cols[j].suggest)
				exposed++;
		}
		tui_count(rows, sizeof(rows), t->rows);
		tui_bytes(bytes, sizeof(bytes), t->bytes);
		strbuf_addf(sb, "%-*s %10s %9s%s%s\n", (int)width, t->qname, rows, bytes,
		    m.len <= 36 ? "  " : "", m.len == 0 ? "-" : m.len <= 36 ? m.buf : "");
		if (m.len > 36) {
			/* a long list goes below its table, a few columns a line */
			const char *p = m.buf;

			while (*p) {
				size_t left = strlen(p), take = left > 60 ? 60 : left;

				while (take < left && take > 0 && p[take] != ' ')
					take--;
				if (take == 0)
					take = left;
				strbuf_addf(sb, "    %.*s\n", (int)take, p);
				p += take;
				while (*p == ' ')
					p++;
			}
		}
		if (t->target_rows > 0)
			present += t->target_rows;
		if (t->target_rows < 0)
			missing++;
		strbuf_release(&m);
	}
	if (w->est_no_key)
		strbuf_addstr(sb, "no anonymization key is set: the copy will not start without one\n");
	if (w->est_seconds < 0)
		strbuf_addf(sb, "estimated time: unknown (%s)\n", w->est_error ? w->est_error : "?");
	else if (w->est_seconds < 60)
		strbuf_addf(sb, "estimated time: about %.0f s (%s)\n", w->est_seconds < 1 ? 1 : w->est_seconds,
		    w->est_full ? "rehearsed in full, rolled back" : "rehearsed on samples, rolled back");
	else
		strbuf_addf(sb, "estimated time: about %.0f min (%s)\n", w->est_seconds / 60 + 0.5,
		    w->est_full ? "rehearsed in full, rolled back" : "rehearsed on samples, rolled back");
	strbuf_addf(sb, "risk: %s\n", risks[w->risk]);
	if (w->tgt.production)
		strbuf_addf(sb, "  - the target looks like production\n");
	if (missing)
		strbuf_addf(sb, "  - %lld table%s missing in the target (build its schema first)\n", missing,
		    missing == 1 ? " is" : "s are");
	if (present) {
		tui_count(rows, sizeof(rows), present);
		strbuf_addf(sb, "  - the target already holds %s rows in these tables: they are replaced\n", rows);
	}
	if (w->blockers.len) {
		const char *p, *nl;

		strbuf_addstr(sb, "  - conf-apply will refuse (it never truncates with CASCADE); copy these too:\n");
		for (p = w->blockers.buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
			strbuf_addf(sb, "      %.*s\n", (int)(nl - p), p);
	}
	if (exposed)
		strbuf_addf(sb, "  - %lld column%s that look personal %s copied as is\n", exposed,
		    exposed == 1 ? "" : "s", exposed == 1 ? "is" : "are");
	if (w->est_rows > 1000000)
		strbuf_addf(sb, "  - more than a million rows\n");
}

static void
draw_review(struct tui *t, void *arg)
{
	const char *p = arg, *nl;

	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		tui_addf(t, strncmp(p, "risk: high", 10) == 0 ? TUI_BAD :
		    strncmp(p, "risk: medium", 12) == 0 ? TUI_WARN :
		    strncmp(p, "risk: low", 9) == 0 ? TUI_GOOD : TUI_PLAIN, "%.*s", (int)(nl - p), p);
		if (*nl == '\0')
			break;
	}
}

int
wz_step_review(struct wizard *w)
{
	struct conf_error err = CONF_ERROR_INIT;
	struct strbuf text = STRBUF_INIT;
	struct tui_screen s;
	char *title, *context;
	int r;

	for (;;) {
		screen_init(&s, w, 5, "review", &title, &context);
		if (wz_plan(w, &err) < 0) {
			r = ask_recover(w, &s, &err);
			free(title);
			free(context);
			if (r == 'r') {
				conf_error_clear(&err);
				continue;
			}
			return r == 'q' ? TUI_QUIT : r == TUI_INTR ? r : TUI_BACK;
		}
		break;
	}
	wz_review_text(w, &text);
	s.prompt = "The plan (nothing has been changed yet):";
	s.draw = draw_review;
	s.arg = text.buf;
	if (w->dry_run) {
		s.footer = "dry run: enter finish (nothing is copied)  " KEYS_NAV;
		r = tui_ask(&w->tui, &s, "bq", 'y');
	} else {
		s.footer = "y run the copy  " KEYS_NAV;
		r = tui_ask(&w->tui, &s, "ybq", 0);
	}
	free(title);
	free(context);
	strbuf_release(&text);
	return r == 'y' ? TUI_OK : r == 'b' ? TUI_BACK : r == 'q' ? TUI_QUIT : r;
}
