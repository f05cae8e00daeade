/* confiture wizard: copy an anonymized subset of one database into another by answering questions. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/wizard.h"
#include "db.h"
#include "ytree.h"

static int
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: confiture wizard [-C dir] [--answers file.yaml] [--from db] [--to db]\n"
	    "                        [--tables a,b,c] [--closure] [--accept-suggestions]\n"
	    "                        [--yes] [--allow-production] [--dry-run] [--skip-verify]\n"
	    "                        [--save profile.yaml]\n"
	    "\n"
	    "Seven steps: source, target, tables, rules, review, execute, verify.  In a\n"
	    "terminal: arrows move, space toggles, enter confirms, b or left goes back\n"
	    "(answers kept), q quits with nothing changed, Ctrl-C stops a running copy.\n"
	    "With --answers or --from, nothing is asked (for scripts and CI); without a\n"
	    "terminal on stdin every answer must be given that way.\n"
	    "\n"
	    "  --answers F          answers in YAML (source, target, tables, closure, rules,\n"
	    "                       accept_suggestions, confirm, profile); flags win\n"
	    "  --from, --to DB      an environment name or a connection string\n"
	    "  --tables a,b,c       tables to copy (schema.name; a bare name means public)\n"
	    "  --closure            also copy the tables they reference (foreign keys)\n"
	    "  --accept-suggestions mask every column that looks personal as suggested\n"
	    "  --yes                confirm the plan (non-interactive runs need it)\n"
	    "  --allow-production   accept a target that looks like production\n"
	    "  --dry-run            stop after the review; nothing is copied or saved\n"
	    "  --skip-verify        do not compare source and target afterwards\n"
	    "  --save F             where the profile goes (default wizard-profile.yaml in the\n"
	    "                       project; the answers go beside it, *.answers.yaml)\n");
	return code;
}

static void
wizard_release(struct wizard *w)
{
	wz_end_release(&w->src);
	wz_end_release(&w->tgt);
	wz_tables_free(w->tables, w->ntables);
	wz_strv_free(w->strategies);
	free(w->catalog_of);
	free(w->profile_path);
	free(w->est_error);
	free(w->loaded);
	strbuf_release(&w->log);
	strbuf_release(&w->blockers);
}

/* Answers given by flags or a file; NULL / -1 when not given. */
struct answers {
	char *source, *target;
	char **tables;             /* NULL-terminated */
	int closure, accept, confirm, allow_production;
	struct ytree file;
	const struct ynode *rules;
	char *save;
};

static char **
split_list(const char *s)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	const char *p = s, *comma;

	while (*p) {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		if (comma > p) {
			v = xrealloc(v, (n + 2) * sizeof(char *));
			v[n++] = xstrndup(p, (size_t)(comma - p));
			v[n] = NULL;
		}
		p = *comma ? comma + 1 : comma;
	}
	return v;
}

static int
answer_bool(struct answers *a, const char *key, int *out, struct conf_error *err)
{
	const struct ynode *n = ynode_get(a->file.root, key);

	if (n == NULL || *out >= 0)
		return 0;
	return ynode_bool(&a->file, n, out, err);
}

static int
load_answers(struct answers *a, const char *path, struct conf_error *err)
{
	const struct ynode *n;
	size_t i;

	if (ytree_load_file(&a->file, path, err) < 0)
		return -1;
	if (a->file.root == NULL)
		return 0;
	if (a->file.root->type != YNODE_MAP)
		return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: expected a mapping of answers", path,
		    a->file.root->line);
	for (i = 0; i < a->file.root->nkids; i += 2) {
		static const char *known[] = { "source", "target", "tables", "closure", "rules",
		    "accept_suggestions", "confirm", "profile", "allow_production", NULL };
		const char **k;

		for (k = known; *k; k++)
			if (strcmp(*k, a->file.root->kids[i]->value) == 0)
				break;
		if (*k == NULL)
			return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: unknown answer \"%s\"", path,
			    a->file.root->kids[i]->line, a->file.root->kids[i]->value);
	}
	if (!a->source && (n = ynode_get(a->file.root, "source")))
		a->source = xstrdup(ynode_str(n, ""));
	if (!a->target && (n = ynode_get(a->file.root, "target")))
		a->target = xstrdup(ynode_str(n, ""));
	if (!a->save && (n = ynode_get(a->file.root, "profile")))
		a->save = xstrdup(ynode_str(n, ""));
	if (!a->tables && (n = ynode_get(a->file.root, "tables"))) {
		if (n->type == YNODE_SCALAR) {
			a->tables = split_list(n->value);
		} else if (n->type == YNODE_SEQ) {
			a->tables = xcalloc(n->nkids + 1, sizeof(char *));
			for (i = 0; i < n->nkids; i++) {
				if (n->kids[i]->type != YNODE_SCALAR)
					return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: a table is a name",
					    path, n->kids[i]->line);
				a->tables[i] = xstrdup(n->kids[i]->value);
			}
		} else {
			return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: tables is a list", path, n->line);
		}
	}
	a->rules = ynode_get(a->file.root, "rules");
	if (a->rules && a->rules->type != YNODE_MAP && !ynode_is_null(a->rules))
		return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: rules map tables to columns", path,
		    a->rules->line);
	if (answer_bool(a, "closure", &a->closure, err) < 0 ||
	    answer_bool(a, "accept_suggestions", &a->accept, err) < 0 ||
	    answer_bool(a, "confirm", &a->confirm, err) < 0 ||
	    answer_bool(a, "allow_production", &a->allow_production, err) < 0)
		return -1;
	return 0;
}

static void
answers_release(struct answers *a)
{
	free(a->source);
	free(a->target);
	wz_strv_free(a->tables);
	free(a->save);
	ytree_release(&a->file);
}

/* Apply the rules of an answers file to the loaded catalog. */
static int
apply_rules(struct wizard *w, const struct answers *a, struct conf_error *err)
{
	const struct ynode *r = a->rules;
	size_t i, j, k;

	if (r == NULL || r->type != YNODE_MAP)
		return 0;
	for (i = 0; i < r->nkids; i += 2) {
		long t = wz_table_find(w, r->kids[i]->value);
		const struct ynode *cols = r->kids[i + 1];

		if (t < 0)
			return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: no table \"%s\" in the source",
			    a->file.file, r->kids[i]->line, r->kids[i]->value);
		if (cols->type != YNODE_MAP)
			return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: expected column: strategy",
			    a->file.file, cols->line);
		for (j = 0; j < cols->nkids; j += 2) {
			struct wz_table *tb = &w->tables[t];
			const struct ynode *v = cols->kids[j + 1];
			const char *strategy = v->type == YNODE_MAP ? ynode_str(ynode_get(v, "strategy"), NULL)
			    : ynode_str(v, NULL);

			for (k = 0; k < tb->ncols; k++)
				if (strcmp(tb->cols[k].name, cols->kids[j]->value) == 0)
					break;
			if (k == tb->ncols)
				return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: no column \"%s\" in %s",
				    a->file.file, cols->kids[j]->line, cols->kids[j]->value, tb->qname);
			if (strategy == NULL || (!wz_has_strategy(w, strategy) &&
			    strcmp(strategy, "keep") != 0))
				return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: unknown strategy \"%s\"",
				    a->file.file, v->line, strategy ? strategy : "");
			free(tb->cols[k].strategy);
			tb->cols[k].strategy = strcmp(strategy, "keep") == 0 ? NULL : xstrdup(strategy);
		}
	}
	return 0;
}

static void
yaml_str(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '"');
}

/* The answers that reproduce this run with `confiture wizard --answers`. */
static int
save_answers(const struct wizard *w, const char *path, const char *profile, struct conf_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;
	FILE *fp;
	char *pw;

	strbuf_addstr(&sb, "# answers for confiture wizard --answers (written by the wizard)\nsource: ");
	pw = db_conninfo_password(w->src.conninfo);
	yaml_str(&sb, pw && strcmp(w->src.spec, w->src.conninfo) == 0 ? w->src.label : w->src.spec);
	free(pw);
	strbuf_addstr(&sb, "\ntarget: ");
	pw = db_conninfo_password(w->tgt.conninfo);
	yaml_str(&sb, pw && strcmp(w->tgt.spec, w->tgt.conninfo) == 0 ? w->tgt.label : w->tgt.spec);
	free(pw);
	strbuf_addstr(&sb, "\ntables:");
	for (i = 0; i < w->ntables; i++)
		if (w->tables[i].selected) {
			strbuf_addstr(&sb, "\n  - ");
			yaml_str(&sb, w->tables[i].qname);
		}
	strbuf_addstr(&sb, "\nclosure: false\nrules:");
	if (wz_masked(w) == 0)
		strbuf_addstr(&sb, " {}");
	for (i = 0; i < w->ntables; i++) {
		int head = 0;

		if (!w->tables[i].selected)
			continue;
		for (j = 0; j < w->tables[i].ncols; j++) {
			const struct wz_column *c = &w->tables[i].cols[j];

			if (!c->strategy)
				continue;
			if (!head) {
				strbuf_addstr(&sb, "\n  ");
				yaml_str(&sb, w->tables[i].qname);
				strbuf_addch(&sb, ':');
				head = 1;
			}
			strbuf_addstr(&sb, "\n    ");
			yaml_str(&sb, c->name);
			strbuf_addstr(&sb, ": ");
			yaml_str(&sb, c->strategy);
		}
	}
	strbuf_addstr(&sb, "\naccept_suggestions: false\nconfirm: true\nprofile: ");
	yaml_str(&sb, profile);
	strbuf_addch(&sb, '\n');
	if ((fp = fopen(path, "w")) == NULL || fwrite(sb.buf, 1, sb.len, fp) != sb.len ||
	    fclose(fp) != 0) {
		strbuf_release(&sb);
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write \"%s\"", path);
	}
	strbuf_release(&sb);
	return 0;
}

static char *
answers_path(const char *profile)
{
	size_t len = strlen(profile);

	if (len > 5 && strcmp(profile + len - 5, ".yaml") == 0)
		return xstrfmt("%.*s.answers.yaml", (int)(len - 5), profile);
	return xstrfmt("%s.answers.yaml", profile);
}

/* Whether the text from p to end holds word. */
static int
line_has(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	for (; p + n <= end; p++)
		if (strncmp(p, word, n) == 0)
			return 1;
	return 0;
}

static int
report(const struct conf_error *err)
{
	fprintf(stderr, "confiture: wizard: %s\n", err->message);
	if (err->detail[0])
		fprintf(stderr, "detail: %s\n", err->detail);
	if (err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
	return err->code ? err->code : CONF_EXIT_USAGE;
}

/* Non-interactive: every answer is given; the same checks as the screens make. */
static int
run_answers(struct wizard *w, struct answers *a)
{
	struct conf_error err = CONF_ERROR_INIT;
	size_t missing[16], nm, i;
	struct strbuf text = STRBUF_INIT;

	if (a->source == NULL || a->target == NULL || a->tables == NULL) {
		conf_error_set(&err, CONF_EXIT_USAGE, "no %s given, and stdin is not a terminal to ask",
		    a->source == NULL ? "source" : a->target == NULL ? "target" : "tables");
		conf_error_hint(&err, "give --from, --to and --tables, or --answers file.yaml");
		return report(&err);
	}
	if (wz_resolve(w, a->source, &w->src, &err) < 0 || wz_check(&w->src, &err) < 0 ||
	    wz_resolve(w, a->target, &w->tgt, &err) < 0 || wz_check(&w->tgt, &err) < 0)
		return report(&err);
	if (strcmp(w->src.identity, w->tgt.identity) == 0) {
		conf_error_set(&err, CONF_EXIT_USAGE, "the target \"%s\" is the source database itself",
		    w->tgt.label);
		return report(&err);
	}
	if (w->tgt.production && a->allow_production != 1) {
		conf_error_set(&err, CONF_EXIT_FINDINGS, "the target \"%s\" looks like production",
		    w->tgt.label);
		conf_error_hint(&err, "give --allow-production (or allow_production: true) if it is meant");
		return report(&err);
	}
	if (wz_load_catalog(w, &err) < 0)
		return report(&err);
	for (i = 0; a->tables[i]; i++) {
		long t = wz_table_find(w, a->tables[i]);

		if (t < 0) {
			conf_error_set(&err, CONF_EXIT_USAGE, "no table \"%s\" in the source", a->tables[i]);
			return report(&err);
		}
		w->tables[t].selected = 1;
	}
	nm = wz_closure(w, a->closure == 1, missing, 16);
	if (nm && a->closure != 1)
		for (i = 0; i < nm && i < 16; i++)
			fprintf(stderr, "confiture: wizard: warning: %s is referenced but not copied"
			    " (--closure adds it)\n", w->tables[missing[i]].qname);
	if (apply_rules(w, a, &err) < 0)
		return report(&err);
	if (a->accept == 1)
		for (i = 0; i < w->ntables; i++) {
			size_t j;

			for (j = 0; w->tables[i].selected && j < w->tables[i].ncols; j++)
				if (w->tables[i].cols[j].suggest && !w->tables[i].cols[j].strategy)
					w->tables[i].cols[j].strategy = xstrdup(w->tables[i].cols[j].suggest);
		}
	if (wz_plan(w, &err) < 0)
		return report(&err);
	wz_review_text(w, &text);
	printf("%s", text.buf);
	strbuf_release(&text);
	if (w->dry_run) {
		printf("dry run: nothing copied\n");
		return 0;
	}
	if (a->confirm != 1) {
		fprintf(stderr, "confiture: wizard: the plan is not confirmed: give --yes (or confirm: true)\n");
		return CONF_EXIT_FINDINGS;
	}
	return -1;    /* go on: execute */
}

/* Steps 1 to 5 from *step on; returns TUI_OK at the end of the review, or how it ended. */
static int
run_steps(struct wizard *w, int *step)
{
	int r = TUI_OK;

	while (*step < WZ_EXECUTE) {
		switch (*step) {
		case WZ_SOURCE: r = wz_step_source(w); break;
		case WZ_TARGET: r = wz_step_target(w); break;
		case WZ_TABLES: r = wz_step_tables(w); break;
		case WZ_RULES: r = wz_step_rules(w); break;
		case WZ_REVIEW: r = wz_step_review(w); break;
		}
		if (r == TUI_OK)
			(*step)++;
		else if (r == TUI_BACK)
			*step = *step > WZ_SOURCE ? *step - 1 : WZ_SOURCE;
		else
			break;
	}
	return r;
}

int
cmd_wizard(int argc, char **argv)
{
	enum { OPT_ANSWERS = 1000, OPT_FROM, OPT_TO, OPT_TABLES, OPT_CLOSURE, OPT_ACCEPT, OPT_YES,
	    OPT_PROD, OPT_DRY, OPT_SKIP, OPT_SAVE };
	static const struct option longopts[] = {
		{ "accept-suggestions", no_argument, NULL, OPT_ACCEPT },
		{ "allow-production", no_argument, NULL, OPT_PROD },
		{ "answers", required_argument, NULL, OPT_ANSWERS },
		{ "closure", no_argument, NULL, OPT_CLOSURE },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "help", no_argument, NULL, 'h' },
		{ "project", required_argument, NULL, 'C' },
		{ "save", required_argument, NULL, OPT_SAVE },
		{ "skip-verify", no_argument, NULL, OPT_SKIP },
		{ "tables", required_argument, NULL, OPT_TABLES },
		{ "to", required_argument, NULL, OPT_TO },
		{ "yes", no_argument, NULL, OPT_YES },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	struct wizard w;
	struct answers a;
	const char *answers_file = NULL;
	char *profile = NULL, *apath = NULL, *cmd;
	struct strbuf verify = STRBUF_INIT;
	int c, rc = 0, step, r, scripted;

	memset(&w, 0, sizeof(w));
	memset(&a, 0, sizeof(a));
	a.closure = a.accept = a.confirm = a.allow_production = -1;
	strbuf_init(&w.log, 0);
	strbuf_init(&w.blockers, 0);
	w.root = ".";
	optind = 1;
	while ((c = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': w.root = optarg; break;
		case 'h': return usage(stdout, 0);
		case OPT_ANSWERS: answers_file = optarg; break;
		case OPT_FROM: free(a.source); a.source = xstrdup(optarg); break;
		case OPT_TO: free(a.target); a.target = xstrdup(optarg); break;
		case OPT_TABLES: wz_strv_free(a.tables); a.tables = split_list(optarg); break;
		case OPT_CLOSURE: a.closure = 1; break;
		case OPT_ACCEPT: a.accept = 1; break;
		case OPT_YES: a.confirm = 1; break;
		case OPT_PROD: a.allow_production = 1; break;
		case OPT_DRY: w.dry_run = 1; break;
		case OPT_SKIP: w.skip_verify = 1; break;
		case OPT_SAVE: free(a.save); a.save = xstrdup(optarg); break;
		default:
			answers_release(&a);
			return usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (optind != argc) {
		answers_release(&a);
		return usage(stderr, CONF_EXIT_USAGE);
	}
	if (answers_file && load_answers(&a, answers_file, &err) < 0) {
		rc = report(&err);
		goto out;
	}
	scripted = answers_file || a.source || a.target || a.tables || !tui_available();
	wz_load_strategies(&w);
	profile = a.save && a.save[0] ? xstrdup(a.save)
	    : strcmp(w.root, ".") == 0 ? xstrdup("wizard-profile.yaml")
	    : xstrfmt("%s/wizard-profile.yaml", w.root);
	apath = answers_path(profile);
	w.profile_path = xstrdup(profile);

	if (scripted) {
		if ((rc = run_answers(&w, &a)) >= 0)
			goto out;
	} else {
		if (tui_open(&w.tui, &err) < 0) {
			rc = report(&err);
			goto out;
		}
		w.interactive = 1;
		step = WZ_SOURCE;
		if ((r = run_steps(&w, &step)) != TUI_OK) {
			tui_close(&w.tui);
			printf("wizard quit at step %d/7: nothing was changed\n", step + 1);
			rc = CONF_EXIT_FINDINGS;
			goto out;
		}
		if (w.dry_run) {
			struct strbuf text = STRBUF_INIT;

			tui_close(&w.tui);
			wz_review_text(&w, &text);
			printf("%sdry run: nothing copied\n", text.buf);
			strbuf_release(&text);
			goto out;
		}
	}

	/* Step 6: the profile is written where it is kept, and the run uses that very file. */
	if (wz_write_profile(&w, profile, &err) < 0) {
		if (w.interactive)
			tui_close(&w.tui);
		rc = report(&err);
		goto out;
	}
	for (;;) {
		rc = wz_execute(&w);
		if (rc == 0 || w.interrupted || !w.interactive)
			break;
		{
			struct tui_screen s;
			char *context = wz_context(&w);
			struct strbuf msg = STRBUF_INIT;

			memset(&s, 0, sizeof(s));
			s.title = "step 6/7: execute";
			s.context = context;
			{
				/*
				 * The filters' own messages ("conf-extract: ...", with their
				 * detail and hint lines) say what went wrong; usage texts do not.
				 */
				const char *p, *nl;
				int keep = 0, shown = 0;

				strbuf_addf(&msg, "the copy failed (exit %d):", rc);
				for (p = w.log.buf; *p && shown < 8; p = *nl ? nl + 1 : nl) {
					nl = strchr(p, '\n');
					if (nl == NULL)
						nl = p + strlen(p);
					if (strncmp(p, "conf", 4) == 0)
						keep = 1;
					else if (strncmp(p, "detail: ", 8) != 0 && strncmp(p, "hint: ", 6) != 0)
						keep = 0;
					if (keep) {
						strbuf_addf(&msg, "\n%.*s", (int)(nl - p), p);
						shown++;
					}
				}
			}
			strbuf_rtrim(&msg);
			s.prompt = "The copy failed; tables loaded before the failure stay.";
			s.message = msg.buf;
			s.footer = "r retry  b back to the review  q quit";
			r = tui_ask(&w.tui, &s, "rbq", 0);
			free(context);
			strbuf_release(&msg);
			strbuf_reset(&w.log);
			if (r == 'b') {
				step = WZ_REVIEW;
				if (run_steps(&w, &step) != TUI_OK || w.dry_run)
					break;
				if (wz_write_profile(&w, profile, &err) < 0) {
					tui_close(&w.tui);
					rc = report(&err);
					goto out;
				}
				continue;
			}
			if (r != 'r')
				break;
		}
	}
	if (w.interrupted || rc != 0) {
		long long *now = xcalloc(w.ntables + 1, sizeof(long long));
		size_t i;

		if (w.interactive)
			tui_close(&w.tui);
		fprintf(stderr, "confiture: wizard: %s; the target now holds:\n",
		    w.interrupted ? "stopped" : "the copy failed");
		if (!w.interrupted && w.log.len && w.interactive)
			fprintf(stderr, "%s", w.log.buf);
		if (wz_target_counts(&w, now, &err) == 0)
			for (i = 0; i < w.ntables; i++)
				if (w.tables[i].selected)
					fprintf(stderr, "  %-30s %lld rows (%s)\n", w.tables[i].qname, now[i],
					    w.loaded && w.loaded[i] >= 0 ? "loaded" : "not loaded");
		free(now);
		rc = w.interrupted ? CONF_EXIT_FINDINGS : rc;
		goto out;
	}

	/* Step 7. */
	if (!w.skip_verify) {
		if (w.interactive) {
			struct tui_screen s;
			char *context = wz_context(&w);

			memset(&s, 0, sizeof(s));
			s.title = "step 7/7: verify";
			s.context = context;
			s.prompt = "comparing source and target...";
			tui_screen_header(&w.tui, &s);
			tui_frame_end(&w.tui);
			free(context);
		}
		rc = wz_verify(&w, &verify);
		if (w.interactive) {
			struct tui_screen s;
			char *context = wz_context(&w);
			const char *p, *nl;

			memset(&s, 0, sizeof(s));
			s.title = "step 7/7: verify";
			s.context = context;
			s.prompt = "Row counts, foreign keys joined in the target, masked values compared:";
			s.draw = NULL;
			s.message = NULL;
			s.footer = "enter finish";
			tui_screen_header(&w.tui, &s);
			for (p = verify.buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
				/* the verdict line decides the colour of failing rows */
				int bad = line_has(p, nl, "FAILED") || line_has(p, nl, "LEFT") ||
				    line_has(p, nl, "BROKEN");

				tui_addf(&w.tui, bad ? TUI_BAD : strncmp(p, "verification passed", 19) == 0
				    ? TUI_GOOD : TUI_PLAIN, "%.*s", (int)(nl - p), p);
			}
			tui_screen_footer(&w.tui, &s);
			tui_frame_end(&w.tui);
			while ((r = tui_key(&w.tui, -1)) != TUI_KEY_ENTER && r != TUI_KEY_EOF &&
			    r != TUI_KEY_INTR && r != 'q')
				;
			free(context);
		}
	}
	if (w.interactive) {
		/* the summary below is what stays in the terminal */
		tui_frame_begin(&w.tui);
		tui_frame_end(&w.tui);
		tui_close(&w.tui);
	}
	printf("%s", verify.buf);
	if (save_answers(&w, apath, profile, &err) < 0) {
		rc = report(&err);
		goto out;
	}
	cmd = wz_repeat_command(&w, profile);
	printf("profile saved: %s\nanswers saved: %s\nrepeat with:   %s\n", profile, apath, cmd);
	free(cmd);
out:
	strbuf_release(&verify);
	answers_release(&a);
	free(profile);
	free(apath);
	wizard_release(&w);
	return rc;
}
