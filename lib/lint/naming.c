/* naming: naming conventions and relationship rules (columns, indexes, constraints, tables, foreign keys). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "pgtree.h"

static int
snake_case(const char *s)
{
	if (!*s || !(islower((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

static void
check_column(struct lint_ctx *c, const cJSON *def)
{
	const char *n = pgtree_str(def, "colname");

	if (n && !snake_case(n))
		lint_report(c, "column-naming", pgtree_location(def), NULL,
		    "column \"%s\" is not snake_case", n);
}

/* Expand a pattern with {table} and {columns} (joined by "_"). */
static char *
expand(const char *pattern, const char *table, const struct strvec *cols)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;
	size_t i;

	for (p = pattern; *p; p++) {
		if (strncmp(p, "{table}", 7) == 0) {
			strbuf_addstr(&sb, table);
			p += 6;
		} else if (strncmp(p, "{columns}", 9) == 0) {
			for (i = 0; i < cols->nr; i++)
				strbuf_addf(&sb, "%s%s", i ? "_" : "", cols->v[i]);
			p += 8;
		} else {
			strbuf_addch(&sb, *p);
		}
	}
	return strbuf_detach(&sb, NULL);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void
check_constraint(struct lint_ctx *c, const char *table, const cJSON *con, const char *column)
{
	const char *name = pgtree_str(con, "conname"), *type = pgtree_str(con, "contype");
	const char *suffix = NULL;
	struct strbuf want = STRBUF_INIT;
	const cJSON *it;

	if (!name || !type || !table)
		return;
	if (strcmp(type, "CONSTR_PRIMARY") == 0)
		suffix = "_pkey";
	else if (strcmp(type, "CONSTR_FOREIGN") == 0)
		suffix = "_fkey";
	else if (strcmp(type, "CONSTR_UNIQUE") == 0)
		suffix = "_key";
	else if (strcmp(type, "CONSTR_CHECK") == 0)
		suffix = "_check";
	else if (strcmp(type, "CONSTR_EXCLUSION") == 0)
		suffix = "_excl";
	if (!suffix)
		return;
	strbuf_addf(&want, "%s_", table);
	if (strncmp(name, want.buf, want.len) != 0 || !ends_with(name, suffix)) {
		strbuf_reset(&want);
		strbuf_addstr(&want, table);
		if (strcmp(suffix, "_pkey") != 0) {
			if (column)
				strbuf_addf(&want, "_%s", column);
			cJSON_ArrayForEach(it, pgtree_field(con, strcmp(suffix, "_fkey") == 0 ? "fk_attrs" : "keys"))
				strbuf_addf(&want, "_%s", pgtree_sval(it) ? pgtree_sval(it) : "");
		}
		strbuf_addstr(&want, suffix);
		lint_report(c, "constraint-naming", pgtree_location(con), want.buf,
		    "constraint \"%s\" does not follow the pattern {table}_{columns}%s (e.g. \"%s\")",
		    name, suffix, want.buf);
	}
	strbuf_release(&want);
}

void
lint_naming_stmt(struct lint_ctx *c, const char *type, const cJSON *body)
{
	const char *table = pgtree_str(pgtree_field(body, "relation"), "relname");
	const cJSON *it, *jt;

	if (strcmp(type, "CreateStmt") == 0) {
		cJSON_ArrayForEach(it, pgtree_field(body, "tableElts")) {
			const cJSON *def = pgtree_as(it, "ColumnDef");

			if (def) {
				check_column(c, def);
				cJSON_ArrayForEach(jt, pgtree_field(def, "constraints"))
					check_constraint(c, table, pgtree_as(jt, "Constraint"),
					    pgtree_str(def, "colname"));
			} else if (pgtree_as(it, "Constraint")) {
				check_constraint(c, table, pgtree_as(it, "Constraint"), NULL);
			}
		}
	} else if (strcmp(type, "AlterTableStmt") == 0) {
		cJSON_ArrayForEach(it, pgtree_field(body, "cmds")) {
			const cJSON *cmd = pgtree_as(it, "AlterTableCmd");
			const cJSON *def = pgtree_field(cmd, "def");

			if (pgtree_as(def, "ColumnDef") && pgtree_str(cmd, "subtype") &&
			    strcmp(pgtree_str(cmd, "subtype"), "AT_AddColumn") == 0)
				check_column(c, pgtree_as(def, "ColumnDef"));
			if (pgtree_as(def, "Constraint"))
				check_constraint(c, table, pgtree_as(def, "Constraint"), NULL);
		}
	} else if (strcmp(type, "RenameStmt") == 0) {
		const char *rt = pgtree_str(body, "renameType"), *nn = pgtree_str(body, "newname");

		if (rt && nn && strcmp(rt, "OBJECT_COLUMN") == 0 && !snake_case(nn))
			lint_report(c, "column-naming", -1, NULL, "column \"%s\" is not snake_case", nn);
	} else if (strcmp(type, "IndexStmt") == 0) {
		const char *name = pgtree_str(body, "idxname");
		struct strvec cols = STRVEC_INIT;
		char *want;

		if (!name || !table)
			return;
		cJSON_ArrayForEach(it, pgtree_field(body, "indexParams")) {
			const char *n = pgtree_str(pgtree_as(it, "IndexElem"), "name");

			strvec_push(&cols, n ? n : "expr");
		}
		want = expand(c->run->cfg->index_pattern, table, &cols);
		if (strcmp(name, want) != 0) {
			char *alt = NULL;

			if (pgtree_bool(body, "unique")) {
				/* PostgreSQL's own name for a unique index ends in _key */
				alt = expand("{table}_{columns}_key", table, &cols);
			}
			if (!alt || strcmp(alt, name) != 0)
				lint_report(c, "index-naming", -1, want,
				    "index \"%s\" does not follow the pattern %s (expected \"%s\")",
				    name, c->run->cfg->index_pattern, want);
			free(alt);
		}
		free(want);
		strvec_clear(&cols);
	}
}

/* ---- schema rules ---- */

static int
plural(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || s[n - 1] != 's')
		return 0;
	return !(s[n - 2] == 's' || s[n - 2] == 'u' || s[n - 2] == 'i');
}

static int
fk_on(const struct lint_schema *s, const struct lint_table *t, const char *col)
{
	size_t i, j;

	for (i = 0; i < s->nfks; i++) {
		const struct lint_fk *f = &s->fks[i];

		if (strcmp(f->table, t->name) != 0)
			continue;
		for (j = 0; j < f->cols.nr; j++)
			if (strcmp(f->cols.v[j], col) == 0)
				return 1;
	}
	return 0;
}

/* Depth-first search for a foreign-key cycle through table index `at`. */
static int
cycle_from(struct lint_schema *s, size_t start, size_t at, unsigned char *seen,
    struct strvec *path)
{
	size_t i;

	for (i = 0; i < s->nfks; i++) {
		struct lint_fk *f = &s->fks[i];
		struct lint_table *to;
		size_t ti;

		if (strcmp(f->table, s->tables[at].name) != 0)
			continue;
		to = lint_schema_table(s, f->refschema, f->reftable);
		if (!to)
			continue;
		ti = (size_t)(to - s->tables);
		if (ti == at)
			continue;       /* self-references are fine */
		if (ti == start) {
			strvec_push(path, to->name);
			return 1;
		}
		if (seen[ti] || ti < start)
			continue;
		seen[ti] = 1;
		strvec_push(path, to->name);
		if (cycle_from(s, start, ti, seen, path))
			return 1;
		path->nr--;
		free((char *)path->v[path->nr]);
		path->v[path->nr] = NULL;
	}
	return 0;
}

void
lint_naming_schema(struct lint_run *run)
{
	struct lint_schema *s = &run->schema;
	const char *conv = run->cfg->table_naming;
	size_t i, j, np = 0, ns = 0;

	for (i = 0; i < s->ntables; i++)
		plural(s->tables[i].name) ? np++ : ns++;
	for (i = 0; i < s->ntables; i++) {
		struct lint_table *t = &s->tables[i];
		int p = plural(t->name), bad;

		if (strcmp(conv, "plural") == 0)
			bad = !p;
		else if (strcmp(conv, "singular") == 0)
			bad = p;
		else
			bad = np && ns && (p ? np < ns : ns <= np);
		if (bad)
			lint_report_obj(run, "table-naming-consistency", &t->loc, t->name, NULL,
			    "table \"%s\" is %s while most tables are %s", t->name,
			    p ? "plural" : "singular", p ? "singular" : "plural");
	}
	for (i = 0; i < s->ntables; i++) {
		struct lint_table *t = &s->tables[i];

		for (j = 0; j < t->ncols; j++) {
			const char *cn = t->cols[j].name;
			size_t n = strlen(cn);
			char *base, *plur;
			struct lint_table *ref;

			if (n <= 3 || strcmp(cn + n - 3, "_id") != 0 || fk_on(s, t, cn))
				continue;
			base = xstrndup(cn, n - 3);
			plur = xstrfmt("%ss", base);
			ref = lint_schema_table(s, NULL, base);
			if (!ref)
				ref = lint_schema_table(s, NULL, plur);
			if (ref) {
				char *obj = xstrfmt("%s.%s", t->name, cn);
				char *fix = xstrfmt("ALTER TABLE %s ADD CONSTRAINT %s_%s_fkey FOREIGN KEY (%s) REFERENCES %s NOT VALID;",
				    t->name, t->name, cn, cn, ref->name);

				lint_report_obj(run, "missing-foreign-key", &t->loc, obj, fix,
				    "column \"%s\".\"%s\" looks like a reference to \"%s\" but has no foreign key",
				    t->name, cn, ref->name);
				free(obj);
				free(fix);
			}
			free(base);
			free(plur);
		}
	}
	for (i = 0; i < s->ntables; i++) {
		unsigned char *seen = xcalloc(s->ntables, 1);
		struct strvec path = STRVEC_INIT;

		strvec_push(&path, s->tables[i].name);
		if (cycle_from(s, i, i, seen, &path)) {
			struct strbuf sb = STRBUF_INIT;

			for (j = 0; j < path.nr; j++)
				strbuf_addf(&sb, "%s%s", j ? " -> " : "", path.v[j]);
			lint_report_obj(run, "circular-foreign-keys", &s->tables[i].loc, s->tables[i].name,
			    NULL, "foreign keys form a cycle: %s", sb.buf);
			strbuf_release(&sb);
		}
		strvec_clear(&path);
		free(seen);
	}
}
