/* design: table design rules (primary keys, column order, bookkeeping timestamps, NOT NULL). */
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"

/* Alignment and size of a fixed-width type; 0 for variable width. */
static int
type_align(const char *t, int *size)
{
	static const struct { const char *name; int align, size; } fixed[] = {
		{ "int8", 8, 8 }, { "bigserial", 8, 8 }, { "serial8", 8, 8 }, { "float8", 8, 8 },
		{ "timestamp", 8, 8 }, { "timestamptz", 8, 8 }, { "time", 8, 8 }, { "money", 8, 8 },
		{ "interval", 8, 16 }, { "uuid", 1, 16 },
		{ "int4", 4, 4 }, { "serial", 4, 4 }, { "serial4", 4, 4 }, { "float4", 4, 4 },
		{ "date", 4, 4 }, { "oid", 4, 4 },
		{ "int2", 2, 2 }, { "smallserial", 2, 2 }, { "serial2", 2, 2 },
		{ "bool", 1, 1 }, { "char", 1, 1 },
	};
	size_t i;

	for (i = 0; t && i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(t, fixed[i].name) == 0) {
			*size = fixed[i].size;
			return fixed[i].align;
		}
	*size = 0;
	return 0;
}

/* Padding bytes of the fixed-width prefix of a column order (stops at the first varlena). */
static int
padding(struct lint_column **cols, size_t n)
{
	int off = 0, pad = 0, size;
	size_t i;

	for (i = 0; i < n; i++) {
		int a = type_align(cols[i]->type, &size);

		if (!a)
			break;
		if (off % a) {
			pad += a - off % a;
			off += a - off % a;
		}
		off += size;
	}
	return pad;
}

static int
by_align(const void *x, const void *y)
{
	struct lint_column *a = *(struct lint_column *const *)x, *b = *(struct lint_column *const *)y;
	int sa, sb, aa = type_align(a->type, &sa), ab = type_align(b->type, &sb);

	if (!aa)
		aa = -1;
	if (!ab)
		ab = -1;
	if (aa != ab)
		return ab - aa;
	return a < b ? -1 : a > b;   /* stable: keep declaration order */
}

static int
has_col(struct lint_table *t, const char *n)
{
	return lint_table_column(t, n) != NULL;
}

static int
is_fk_col(struct lint_schema *s, struct lint_table *t, const char *col)
{
	size_t i, j;

	for (i = 0; i < s->nfks; i++)
		if (strcmp(s->fks[i].table, t->name) == 0)
			for (j = 0; j < s->fks[i].cols.nr; j++)
				if (strcmp(s->fks[i].cols.v[j], col) == 0)
					return 1;
	return 0;
}

void
lint_design_schema(struct lint_run *run)
{
	const struct lint_config *cfg = run->cfg;
	struct lint_schema *s = &run->schema;
	size_t i, j;

	for (i = 0; i < s->ntables; i++) {
		struct lint_table *t = &s->tables[i];
		struct lint_column **order;
		int before, after;

		if (t->pk.nr == 0)
			lint_report_obj(run, "missing-primary-key", &t->loc, t->name,
			    "ALTER TABLE ... ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;",
			    "table \"%s\" has no primary key", t->name);
		else if ((long)t->pk.nr > cfg->composite_pk_max)
			lint_report_obj(run, "composite-primary-key", &t->loc, t->name, NULL,
			    "the primary key of \"%s\" spans %zu columns; a surrogate key would serve references better",
			    t->name, t->pk.nr);
		if (t->ncols > 1) {
			order = xmalloc(t->ncols * sizeof(*order));
			for (j = 0; j < t->ncols; j++)
				order[j] = &t->cols[j];
			before = padding(order, t->ncols);
			qsort(order, t->ncols, sizeof(*order), by_align);
			after = padding(order, t->ncols);
			if (before - after >= 4) {
				struct strbuf fix = STRBUF_INIT;

				for (j = 0; j < t->ncols; j++)
					strbuf_addf(&fix, "%s%s", j ? ", " : "", order[j]->name);
				lint_report_obj(run, "column-ordering", &t->loc, t->name, fix.buf,
				    "the column order of \"%s\" wastes %d bytes per row to alignment padding; better: %s",
				    t->name, before - after, fix.buf);
				strbuf_release(&fix);
			}
			free(order);
		}
		if (!has_col(t, cfg->created_col) || !has_col(t, cfg->updated_col))
			lint_report_obj(run, "missing-timestamps", &t->loc, t->name, NULL,
			    "table \"%s\" lacks %s%s%s", t->name,
			    has_col(t, cfg->created_col) ? "" : cfg->created_col,
			    !has_col(t, cfg->created_col) && !has_col(t, cfg->updated_col) ? " and " : "",
			    has_col(t, cfg->updated_col) ? "" : cfg->updated_col);
		for (j = 0; j < t->ncols; j++) {
			struct lint_column *col = &t->cols[j];
			int stamp = strcmp(col->name, cfg->created_col) == 0 ||
			    strcmp(col->name, cfg->updated_col) == 0;
			char *obj;

			if (!stamp && !is_fk_col(s, t, col->name))
				continue;
			obj = xstrfmt("%s.%s", t->name, col->name);
			if (stamp && !col->has_default)
				lint_report_obj(run, "missing-default", &t->loc, obj, "DEFAULT now()",
				    "bookkeeping column \"%s\" has no DEFAULT", obj);
			if (!col->notnull)
				lint_report_obj(run, "missing-not-null", &t->loc, obj, "NOT NULL",
				    "column \"%s\" is nullable although its role (%s) needs a value", obj,
				    stamp ? "bookkeeping timestamp" : "foreign key");
			free(obj);
		}
	}
}
