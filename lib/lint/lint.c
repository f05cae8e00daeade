/* lint: a linting run over SQL files and schema records; findings, ignores, file state. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "pgtree.h"

void
lint_run_init(struct lint_run *run, const struct lint_config *cfg, int schema_mode)
{
	memset(run, 0, sizeof(*run));
	run->cfg = cfg;
	run->schema_mode = schema_mode;
}

static void
loc_release(struct lint_loc *l)
{
	free(l->file);
}

void
lint_run_release(struct lint_run *run)
{
	struct lint_schema *s = &run->schema;
	size_t i, j;

	for (i = 0; i < run->nfindings; i++) {
		free(run->findings[i].file);
		free(run->findings[i].object);
		free(run->findings[i].message);
		free(run->findings[i].fix);
	}
	free(run->findings);
	for (i = 0; i < s->ntables; i++) {
		struct lint_table *t = &s->tables[i];

		for (j = 0; j < t->ncols; j++) {
			free(t->cols[j].name);
			free(t->cols[j].type);
		}
		free(t->cols);
		free(t->schema);
		free(t->name);
		strvec_clear(&t->pk);
		loc_release(&t->loc);
	}
	free(s->tables);
	for (i = 0; i < s->nindexes; i++) {
		struct lint_index *x = &s->indexes[i];

		free(x->schema);
		free(x->table);
		free(x->name);
		free(x->method);
		strvec_clear(&x->cols);
		loc_release(&x->loc);
	}
	free(s->indexes);
	for (i = 0; i < s->nfks; i++) {
		struct lint_fk *f = &s->fks[i];

		free(f->schema);
		free(f->table);
		free(f->name);
		free(f->refschema);
		free(f->reftable);
		strvec_clear(&f->cols);
		loc_release(&f->loc);
	}
	free(s->fks);
	strvec_clear(&run->ignore_file);
	memset(run, 0, sizeof(*run));
}

static int
ignored(const struct strvec *sv, int rule)
{
	size_t i;

	for (i = 0; i < sv->nr; i++) {
		if (strcmp(sv->v[i], "*") == 0 || strcmp(sv->v[i], lint_rules[rule].id) == 0)
			return 1;
		if (lint_rules[rule].alias && strcmp(sv->v[i], lint_rules[rule].alias) == 0)
			return 1;
	}
	return 0;
}

static struct lint_finding *
add_finding(struct lint_run *run, int rule, const char *message, const char *fix)
{
	struct lint_finding *f;

	if (run->nfindings == run->alloc) {
		run->alloc = run->alloc ? 2 * run->alloc : 64;
		run->findings = xrealloc(run->findings, run->alloc * sizeof(*run->findings));
	}
	f = &run->findings[run->nfindings++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->severity = run->cfg->severity[rule];
	f->message = xstrdup(message);
	f->fix = fix ? xstrdup(fix) : NULL;
	return f;
}

void
lint_report(struct lint_ctx *c, const char *id, long loc, const char *fix, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	struct lint_finding *f;
	int rule = lint_rule_find(id);
	va_list ap;

	if (rule < 0 || !c->run->cfg->enabled[rule])
		return;
	if (ignored(&c->run->ignore_file, rule) || ignored(&c->ignore, rule))
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	f = add_finding(c->run, rule, msg.buf, fix);
	f->file = xstrdup(c->file);
	if (loc < 0)
		loc = (long)c->script->stmts[c->i].offset;
	sql_position(c->text, (size_t)loc, &f->line, &f->col);
	strbuf_release(&msg);
}

void
lint_report_obj(struct lint_run *run, const char *id, const struct lint_loc *loc,
    const char *object, const char *fix, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	struct lint_finding *f;
	int rule = lint_rule_find(id);
	va_list ap;

	if (rule < 0 || !run->cfg->enabled[rule])
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	f = add_finding(run, rule, msg.buf, fix);
	if (loc && loc->file) {
		f->file = xstrdup(loc->file);
		f->line = loc->line;
		f->col = loc->col;
	}
	f->object = object ? xstrdup(object) : NULL;
	strbuf_release(&msg);
}

int
lint_created(const struct lint_ctx *c, const cJSON *rv)
{
	const char *name = pgtree_str(rv, "relname");
	size_t i;

	if (c->run->schema_mode)
		return 1;
	if (!name)
		return 0;
	for (i = 0; i < c->created.nr; i++)
		if (strcmp(c->created.v[i], name) == 0)
			return 1;
	return 0;
}

int
lint_in_txn(const struct lint_ctx *c)
{
	return c->explicit_txn || c->runner_txn;
}

struct lint_table *
lint_schema_table(struct lint_schema *s, const char *schema, const char *name)
{
	size_t i;

	for (i = 0; i < s->ntables; i++) {
		struct lint_table *t = &s->tables[i];

		if (strcmp(t->name, name) != 0)
			continue;
		if (schema && t->schema && strcmp(schema, t->schema) != 0)
			continue;
		return t;
	}
	return NULL;
}

struct lint_column *
lint_table_column(struct lint_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

/*
 * Parse the rule list of an ignore comment: ids separated by commas or
 * blanks, up to the end of the line or a second "--".  No ids means all.
 */
static void
parse_ignore_list(const char *p, const char *end, struct strvec *out)
{
	int any = 0;

	while (p < end) {
		const char *q;

		while (p < end && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (p >= end || (p + 1 < end && p[0] == '-' && p[1] == '-'))
			break;
		q = p;
		while (q < end && !isspace((unsigned char)*q) && *q != ',')
			q++;
		{
			char *id = xstrndup(p, (size_t)(q - p));

			strvec_push(out, id);
			free(id);
		}
		any = 1;
		p = q;
	}
	if (!any)
		strvec_push(out, "*");
}

static int
starts(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && strncmp(p, word, n) == 0;
}

/*
 * Scan the text between statements (only blanks, semicolons and comments
 * live there) for ignore comments.  A comment on the line where the
 * previous statement ends belongs to that statement; others to the next.
 */
static void
scan_ignores(const char *text, size_t from, size_t to, int prev_end_line,
    struct strvec *prev, struct strvec *next, struct strvec *file)
{
	size_t i = from;

	while (i < to) {
		const char *p, *end;
		int line, col;

		if (text[i] == '/' && i + 1 < to && text[i + 1] == '*') {
			const char *close = strstr(text + i + 2, "*/");

			i = close ? (size_t)(close - text) + 2 : to;
			continue;
		}
		if (!(text[i] == '-' && i + 1 < to && text[i + 1] == '-')) {
			i++;
			continue;
		}
		p = text + i + 2;
		end = p;
		while (end < text + to && *end != '\n')
			end++;
		sql_position(text, i, &line, &col);
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (starts(p, end, "confiture-ignore-file"))
			parse_ignore_list(p + strlen("confiture-ignore-file"), end, file);
		else if (starts(p, end, "squawk-ignore-file"))
			parse_ignore_list(p + strlen("squawk-ignore-file"), end, file);
		else if (starts(p, end, "confiture-ignore") || starts(p, end, "squawk-ignore")) {
			struct strvec *dst = (prev && line == prev_end_line) ? prev : next;

			p += starts(p, end, "confiture-ignore") ? strlen("confiture-ignore") :
			    strlen("squawk-ignore");
			if (dst)
				parse_ignore_list(p, end, dst);
		}
		i = (size_t)(end - text);
	}
}

static void
track_state(struct lint_ctx *c, const char *type, const cJSON *body)
{
	if (strcmp(type, "VariableSetStmt") == 0) {
		const char *name = pgtree_str(body, "name");

		if (name && strcmp(name, "lock_timeout") == 0)
			c->lock_timeout = 1;
		if (name && strcmp(name, "statement_timeout") == 0)
			c->stmt_timeout = 1;
	} else if (strcmp(type, "TransactionStmt") == 0) {
		const char *kind = pgtree_str(body, "kind");

		if (!kind)
			return;
		if (strcmp(kind, "TRANS_STMT_BEGIN") == 0 || strcmp(kind, "TRANS_STMT_START") == 0) {
			c->explicit_txn = 1;
			c->begin_loc = (long)c->script->stmts[c->i].offset;
		} else if (strcmp(kind, "TRANS_STMT_COMMIT") == 0 ||
		    strcmp(kind, "TRANS_STMT_ROLLBACK") == 0 ||
		    strcmp(kind, "TRANS_STMT_PREPARE") == 0) {
			c->explicit_txn = 0;
		}
	}
}

int
lint_sql(struct lint_run *run, const char *text, const char *file, struct conf_error *err)
{
	struct sql_script s = { 0 };
	struct lint_ctx c;
	struct strvec *ign;
	size_t i, prev_end = 0;
	int prev_line = -1, forbidden = 0;

	if (sql_script_parse(&s, text, file, err) < 0) {
		sql_script_release(&s);
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.run = run;
	c.file = file;
	c.text = text;
	c.script = &s;
	c.lock_timeout = run->cfg->runner_lock_timeout;
	c.stmt_timeout = run->cfg->runner_stmt_timeout;
	strvec_clear(&run->ignore_file);
	run->nfiles++;
	for (i = 0; i < s.n; i++)
		if (s.stmts[i].txn == SQL_TXN_FORBIDDEN)
			forbidden = 1;
	c.runner_txn = run->cfg->txn == LINT_TXN_YES ||
	    (run->cfg->txn == LINT_TXN_AUTO && !forbidden);
	ign = xcalloc(s.n + 1, sizeof(*ign));
	for (i = 0; i <= s.n; i++) {
		size_t start = i < s.n ? s.stmts[i].offset : strlen(text);
		int col;

		scan_ignores(text, prev_end, start, prev_line, i ? &ign[i - 1] : NULL,
		    i < s.n ? &ign[i] : NULL, &run->ignore_file);
		if (i < s.n) {
			prev_end = s.stmts[i].offset + strlen(s.stmts[i].sql);
			sql_position(text, prev_end, &prev_line, &col);
		}
	}
	for (i = 0; i < s.n; i++) {
		const char *type = s.stmts[i].node;
		const cJSON *body = pgtree_body(s.stmts[i].tree);

		c.i = i;
		c.ignore = ign[i];
		lint_safety_stmt(&c, type, body);
		lint_parity_stmt(&c, type, body);
		lint_types_stmt(&c, type, body);
		lint_naming_stmt(&c, type, body);
		lint_security_stmt(&c, type, body);
		lint_model_stmt(&c, type, body);
		track_state(&c, type, body);
	}
	c.ignore = (struct strvec)STRVEC_INIT;
	lint_parity_eof(&c);
	for (i = 0; i <= s.n; i++)
		strvec_clear(&ign[i]);
	free(ign);
	strvec_clear(&c.created);
	strvec_clear(&c.notnull_checks);
	strvec_clear(&c.pending_checks);
	strvec_clear(&run->ignore_file);
	sql_script_release(&s);
	return 0;
}

void
lint_schema_rules(struct lint_run *run)
{
	if (!run->schema_mode)
		return;
	lint_design_schema(run);
	lint_indexes_schema(run);
	lint_naming_schema(run);
	lint_security_schema(run);
}

int
lint_failed(const struct lint_run *run)
{
	size_t i;

	for (i = 0; i < run->nfindings; i++)
		if (run->findings[i].severity >= run->cfg->fail_on)
			return 1;
	return 0;
}

long
lint_risk(const struct lint_run *run)
{
	static const long weight[] = { 1, 3, 10, 0 };
	long score = 0;
	size_t i;

	for (i = 0; i < run->nfindings; i++)
		score += weight[run->findings[i].severity];
	return score;
}
