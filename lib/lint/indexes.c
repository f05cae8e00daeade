/* indexes: index rules (foreign keys without index, redundant, unused, low cardinality). */
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"

static int
same_table(const char *s1, const char *t1, const char *s2, const char *t2)
{
	if (strcmp(t1, t2) != 0)
		return 0;
	return !s1 || !s2 || strcmp(s1, s2) == 0;
}

/* cols is a prefix of x's columns */
static int
leading(const struct lint_index *x, const struct strvec *cols)
{
	size_t i;

	if (cols->nr > x->cols.nr)
		return 0;
	for (i = 0; i < cols->nr; i++)
		if (strcmp(cols->v[i], x->cols.v[i]) != 0 || !*cols->v[i])
			return 0;
	return 1;
}

static char *
idx_obj(const struct lint_index *x)
{
	return x->schema ? xstrfmt("%s.%s", x->schema, x->name) : xstrdup(x->name);
}

void
lint_indexes_schema(struct lint_run *run)
{
	struct lint_schema *s = &run->schema;
	size_t i, j;

	for (i = 0; i < s->nfks; i++) {
		struct lint_fk *f = &s->fks[i];
		int ok = 0;

		for (j = 0; j < s->nindexes && !ok; j++)
			if (same_table(s->indexes[j].schema, s->indexes[j].table, f->schema, f->table) &&
			    !s->indexes[j].partial && leading(&s->indexes[j], &f->cols))
				ok = 1;
		if (!ok) {
			struct strbuf cols = STRBUF_INIT, obj = STRBUF_INIT;
			char *fix;
			size_t k;

			for (k = 0; k < f->cols.nr; k++)
				strbuf_addf(&cols, "%s%s", k ? ", " : "", f->cols.v[k]);
			strbuf_addf(&obj, "%s.%s", f->table, f->name ? f->name : "(unnamed)");
			fix = xstrfmt("CREATE INDEX CONCURRENTLY ON %s (%s);", f->table, cols.buf);
			lint_report_obj(run, "fk-without-index", &f->loc, obj.buf, fix,
			    "foreign key on \"%s\" (%s) has no index: deletes in \"%s\" scan \"%s\"",
			    f->table, cols.buf, f->reftable, f->table);
			free(fix);
			strbuf_release(&cols);
			strbuf_release(&obj);
		}
	}
	for (i = 0; i < s->nindexes; i++) {
		struct lint_index *a = &s->indexes[i];

		if (a->partial || a->cols.nr == 0)
			continue;
		for (j = 0; j < s->nindexes; j++) {
			struct lint_index *b = &s->indexes[j];
			int dup;

			if (i == j || b->partial || strcmp(a->method, b->method) != 0 ||
			    !same_table(a->schema, a->table, b->schema, b->table) || !leading(b, &a->cols))
				continue;
			dup = a->cols.nr == b->cols.nr;
			if (!dup && (a->unique || a->constraint))
				continue;     /* it enforces something the longer one does not */
			if (dup && (a->constraint || (a->unique && !b->unique)))
				continue;
			if (dup && !(b->constraint || (b->unique && !a->unique) || j < i))
				continue;     /* of two equal duplicates, report the later */
			{
				char *obj = idx_obj(a);
				char *fix = xstrfmt("DROP INDEX CONCURRENTLY %s;", obj);

				lint_report_obj(run, "redundant-index", &a->loc, obj, fix,
				    "index \"%s\" is %s index \"%s\"", a->name,
				    dup ? "a duplicate of" : "covered by (a prefix of)", b->name);
				free(obj);
				free(fix);
			}
			break;
		}
	}
	for (i = 0; i < s->nindexes; i++) {
		struct lint_index *x = &s->indexes[i];
		struct lint_table *t;
		struct lint_column *col;
		char *obj;

		if (x->idx_scan == 0 && !x->constraint) {
			obj = idx_obj(x);
			lint_report_obj(run, "unused-index", &x->loc, obj, NULL,
			    "index \"%s\" has not been scanned since statistics were reset", x->name);
			free(obj);
		}
		if (x->cols.nr != 1 || x->unique || x->partial || strcmp(x->method, "btree") != 0)
			continue;
		t = lint_schema_table(s, x->schema, x->table);
		col = t ? lint_table_column(t, x->cols.v[0]) : NULL;
		if (!col)
			continue;
		if ((col->type && strcmp(col->type, "bool") == 0) ||
		    (col->has_stats && col->n_distinct > 0 &&
		    col->n_distinct <= (double)run->cfg->low_cardinality_max)) {
			obj = idx_obj(x);
			lint_report_obj(run, "low-cardinality-index", &x->loc, obj, NULL,
			    "index \"%s\" is on \"%s\".\"%s\", which has very few distinct values; a partial index or none serves better",
			    x->name, x->table, col->name);
			free(obj);
		}
	}
}
