/* model: the schema model built from CREATE/ALTER statements and from schema records. */
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "pgtree.h"
#include "record.h"

static void
set_loc(struct lint_ctx *c, struct lint_loc *l, long offset)
{
	if (offset < 0)
		offset = (long)c->script->stmts[c->i].offset;
	l->file = xstrdup(c->file);
	sql_position(c->text, (size_t)offset, &l->line, &l->col);
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static struct lint_table *
add_table(struct lint_schema *s, const char *schema, const char *name)
{
	struct lint_table *t;

	s->tables = xrealloc(s->tables, (s->ntables + 1) * sizeof(*s->tables));
	t = &s->tables[s->ntables++];
	memset(t, 0, sizeof(*t));
	t->schema = dup_or_null(schema);
	t->name = xstrdup(name);
	return t;
}

static struct lint_column *
add_column(struct lint_table *t, const char *name)
{
	struct lint_column *col;

	t->cols = xrealloc(t->cols, (t->ncols + 1) * sizeof(*t->cols));
	col = &t->cols[t->ncols++];
	memset(col, 0, sizeof(*col));
	col->name = xstrdup(name);
	col->typmod = -1;
	return col;
}

static struct lint_index *
add_index(struct lint_schema *s, const char *schema, const char *table, const char *name)
{
	struct lint_index *x;

	s->indexes = xrealloc(s->indexes, (s->nindexes + 1) * sizeof(*s->indexes));
	x = &s->indexes[s->nindexes++];
	memset(x, 0, sizeof(*x));
	x->schema = dup_or_null(schema);
	x->table = xstrdup(table);
	x->name = xstrdup(name ? name : "");
	x->method = xstrdup("btree");
	x->idx_scan = -1;
	return x;
}

static struct lint_fk *
add_fk(struct lint_schema *s, const char *schema, const char *table)
{
	struct lint_fk *f;

	s->fks = xrealloc(s->fks, (s->nfks + 1) * sizeof(*s->fks));
	f = &s->fks[s->nfks++];
	memset(f, 0, sizeof(*f));
	f->schema = dup_or_null(schema);
	f->table = xstrdup(table);
	return f;
}

static void
push_names(struct strvec *sv, const cJSON *list)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, list) {
		const char *s = pgtree_sval(it);

		strvec_push(sv, s ? s : "");
	}
}

/* A constraint (column-level when col is non-NULL) of table t. */
static void
model_constraint(struct lint_ctx *c, struct lint_table *t, struct lint_column *col,
    const cJSON *con)
{
	struct lint_schema *s = &c->run->schema;
	const char *type = pgtree_str(con, "contype");
	long loc = pgtree_location(con);

	if (!type)
		return;
	if (strcmp(type, "CONSTR_NOTNULL") == 0 && col)
		col->notnull = 1;
	else if ((strcmp(type, "CONSTR_DEFAULT") == 0 || strcmp(type, "CONSTR_IDENTITY") == 0 ||
	    strcmp(type, "CONSTR_GENERATED") == 0) && col) {
		col->has_default = 1;
		if (strcmp(type, "CONSTR_IDENTITY") == 0)
			col->notnull = 1;
	} else if (strcmp(type, "CONSTR_PRIMARY") == 0 || strcmp(type, "CONSTR_UNIQUE") == 0) {
		int pk = type[7] == 'P';
		struct lint_index *x = add_index(s, t->schema, t->name, pgtree_str(con, "conname"));

		x->unique = 1;
		x->constraint = 1;
		if (col)
			strvec_push(&x->cols, col->name);
		else
			push_names(&x->cols, pgtree_field(con, "keys"));
		set_loc(c, &x->loc, loc);
		if (pk) {
			size_t i;

			strvec_clear(&t->pk);
			for (i = 0; i < x->cols.nr; i++) {
				struct lint_column *pc = lint_table_column(t, x->cols.v[i]);

				strvec_push(&t->pk, x->cols.v[i]);
				if (pc)
					pc->notnull = 1;
			}
		}
	} else if (strcmp(type, "CONSTR_FOREIGN") == 0) {
		const cJSON *pk = pgtree_field(con, "pktable");
		struct lint_fk *f = add_fk(s, t->schema, t->name);

		f->name = dup_or_null(pgtree_str(con, "conname"));
		f->refschema = dup_or_null(pgtree_str(pk, "schemaname"));
		f->reftable = xstrdup(pgtree_str(pk, "relname") ? pgtree_str(pk, "relname") : "");
		if (col)
			strvec_push(&f->cols, col->name);
		else
			push_names(&f->cols, pgtree_field(con, "fk_attrs"));
		set_loc(c, &f->loc, loc);
	}
}

static void
model_coldef(struct lint_ctx *c, struct lint_table *t, const cJSON *def)
{
	const cJSON *tn = pgtree_field(def, "typeName"), *it, *mods;
	const char *name = pgtree_str(def, "colname");
	struct lint_column *col;

	if (!name)
		return;
	col = add_column(t, name);
	col->type = dup_or_null(pgtree_typename(tn));
	mods = pgtree_field(tn, "typmods");
	if (cJSON_GetArraySize(mods) > 0) {
		const cJSON *a = pgtree_as(cJSON_GetArrayItem(mods, 0), "A_Const");
		const cJSON *iv = pgtree_field(pgtree_field(a, "ival"), "ival");

		col->typmod = iv ? (int)iv->valuedouble : 0;
	}
	if (col->type && (strstr(col->type, "serial") != NULL))
		col->has_default = col->notnull = 1;
	cJSON_ArrayForEach(it, pgtree_field(def, "constraints"))
		model_constraint(c, t, col, pgtree_as(it, "Constraint"));
}

void
lint_model_stmt(struct lint_ctx *c, const char *type, const cJSON *body)
{
	struct lint_schema *s = &c->run->schema;
	const cJSON *rv, *it;
	struct lint_table *t;

	if (strcmp(type, "CreateStmt") == 0) {
		rv = pgtree_field(body, "relation");
		if (!pgtree_str(rv, "relname"))
			return;
		strvec_push(&c->created, pgtree_str(rv, "relname"));
		t = add_table(s, pgtree_str(rv, "schemaname"), pgtree_str(rv, "relname"));
		set_loc(c, &t->loc, pgtree_location(rv));
		cJSON_ArrayForEach(it, pgtree_field(body, "tableElts")) {
			if (pgtree_as(it, "ColumnDef"))
				model_coldef(c, t, pgtree_as(it, "ColumnDef"));
		}
		/* table constraints after the columns they name */
		t = &s->tables[s->ntables - 1];
		cJSON_ArrayForEach(it, pgtree_field(body, "tableElts")) {
			if (pgtree_as(it, "Constraint"))
				model_constraint(c, t, NULL, pgtree_as(it, "Constraint"));
		}
	} else if (strcmp(type, "AlterTableStmt") == 0) {
		rv = pgtree_field(body, "relation");
		if (!pgtree_str(rv, "relname"))
			return;
		t = lint_schema_table(s, pgtree_str(rv, "schemaname"), pgtree_str(rv, "relname"));
		if (!t)
			return;
		cJSON_ArrayForEach(it, pgtree_field(body, "cmds")) {
			const cJSON *cmd = pgtree_as(it, "AlterTableCmd");
			const char *sub = pgtree_str(cmd, "subtype");
			const cJSON *def = pgtree_field(cmd, "def");
			struct lint_column *col;

			if (!sub)
				continue;
			if (strcmp(sub, "AT_AddColumn") == 0 && pgtree_as(def, "ColumnDef"))
				model_coldef(c, t, pgtree_as(def, "ColumnDef"));
			else if (strcmp(sub, "AT_AddConstraint") == 0 && pgtree_as(def, "Constraint"))
				model_constraint(c, t, NULL, pgtree_as(def, "Constraint"));
			else if (strcmp(sub, "AT_EnableRowSecurity") == 0 ||
			    strcmp(sub, "AT_ForceRowSecurity") == 0)
				t->rls = 1;
			else if (strcmp(sub, "AT_DisableRowSecurity") == 0)
				t->rls = 0;
			else if ((col = lint_table_column(t, pgtree_str(cmd, "name") ?
			    pgtree_str(cmd, "name") : "")) != NULL) {
				if (strcmp(sub, "AT_SetNotNull") == 0)
					col->notnull = 1;
				else if (strcmp(sub, "AT_DropNotNull") == 0)
					col->notnull = 0;
				else if (strcmp(sub, "AT_ColumnDefault") == 0)
					col->has_default = def != NULL;
			}
			t = lint_schema_table(s, pgtree_str(rv, "schemaname"), pgtree_str(rv, "relname"));
		}
	} else if (strcmp(type, "IndexStmt") == 0) {
		struct lint_index *x;

		rv = pgtree_field(body, "relation");
		if (!pgtree_str(rv, "relname"))
			return;
		x = add_index(s, pgtree_str(rv, "schemaname"), pgtree_str(rv, "relname"),
		    pgtree_str(body, "idxname"));
		free(x->method);
		x->method = xstrdup(pgtree_str(body, "accessMethod") ?
		    pgtree_str(body, "accessMethod") : "btree");
		x->unique = pgtree_bool(body, "unique");
		x->partial = pgtree_field(body, "whereClause") != NULL;
		cJSON_ArrayForEach(it, pgtree_field(body, "indexParams")) {
			const char *n = pgtree_str(pgtree_as(it, "IndexElem"), "name");

			strvec_push(&x->cols, n ? n : "");
		}
		set_loc(c, &x->loc, -1);
	} else if (strcmp(type, "CreatePolicyStmt") == 0) {
		rv = pgtree_field(body, "table");
		if (pgtree_str(rv, "relname") &&
		    (t = lint_schema_table(s, pgtree_str(rv, "schemaname"), pgtree_str(rv, "relname"))))
			t->npolicies++;
	}
}

/* ---- catalog records (conf-extract --schema) ---- */

static void
rec_loc(struct lint_loc *l)
{
	memset(l, 0, sizeof(*l));
}

static void
push_json_strings(struct strvec *sv, const cJSON *arr)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
		strvec_push(sv, cJSON_IsString(it) ? it->valuestring : "");
}

int
lint_schema_record(struct lint_run *run, const cJSON *rec, struct conf_error *err)
{
	struct lint_schema *s = &run->schema;
	const char *object = record_str(rec, "object");
	const char *schema = record_str(rec, "schema");
	const char *table = record_str(rec, "table");
	const char *name = record_str(rec, "name");
	struct lint_table *t;
	const cJSON *it;

	if (!object)
		return conf_error_set(err, CONF_EXIT_USAGE, "schema record without \"object\"");
	s->live = 1;
	if (strcmp(object, "table") == 0) {
		if (!name)
			return conf_error_set(err, CONF_EXIT_USAGE, "table record without \"name\"");
		t = add_table(s, schema, name);
		rec_loc(&t->loc);
		t->rls = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "rls"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rec, "columns")) {
			const char *cn = record_str(it, "name");
			const cJSON *nd = cJSON_GetObjectItemCaseSensitive(it, "n_distinct");
			const cJSON *tm = cJSON_GetObjectItemCaseSensitive(it, "typmod");
			struct lint_column *col;

			if (!cn)
				continue;
			col = add_column(t, cn);
			col->type = dup_or_null(record_str(it, "type"));
			col->typmod = cJSON_IsNumber(tm) ? tm->valueint : -1;
			col->notnull = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "not_null"));
			col->has_default = cJSON_GetObjectItemCaseSensitive(it, "default") != NULL &&
			    !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(it, "default"));
			if (cJSON_IsNumber(nd)) {
				col->has_stats = 1;
				col->n_distinct = nd->valuedouble;
			}
		}
		push_json_strings(&t->pk, cJSON_GetObjectItemCaseSensitive(rec, "primary_key"));
	} else if (strcmp(object, "index") == 0) {
		const cJSON *scan = cJSON_GetObjectItemCaseSensitive(rec, "idx_scan");
		struct lint_index *x;

		if (!table || !name)
			return conf_error_set(err, CONF_EXIT_USAGE, "index record without \"table\" or \"name\"");
		x = add_index(s, schema, table, name);
		rec_loc(&x->loc);
		if (record_str(rec, "method")) {
			free(x->method);
			x->method = xstrdup(record_str(rec, "method"));
		}
		push_json_strings(&x->cols, cJSON_GetObjectItemCaseSensitive(rec, "columns"));
		x->unique = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "unique"));
		x->partial = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "partial"));
		x->constraint = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "constraint"));
		x->idx_scan = cJSON_IsNumber(scan) ? (long)scan->valuedouble : -1;
	} else if (strcmp(object, "foreign_key") == 0) {
		struct lint_fk *f;

		if (!table || !record_str(rec, "ref_table"))
			return conf_error_set(err, CONF_EXIT_USAGE, "foreign_key record without \"table\" or \"ref_table\"");
		f = add_fk(s, schema, table);
		rec_loc(&f->loc);
		f->name = dup_or_null(name);
		f->refschema = dup_or_null(record_str(rec, "ref_schema"));
		f->reftable = xstrdup(record_str(rec, "ref_table"));
		push_json_strings(&f->cols, cJSON_GetObjectItemCaseSensitive(rec, "columns"));
	} else if (strcmp(object, "policy") == 0) {
		if (table && (t = lint_schema_table(s, schema, table)))
			t->npolicies++;
	} else if (strcmp(object, "function") == 0 && name &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "security_definer"))) {
		int path = 0;

		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rec, "config"))
			if (cJSON_IsString(it) && strncmp(it->valuestring, "search_path=", 12) == 0)
				path = 1;
		if (!path) {
			char *obj = xstrfmt("%s.%s", schema ? schema : "public", name);
			char *fix = xstrfmt("ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp;", obj);

			lint_report_obj(run, "security-definer-search-path", NULL, obj, fix,
			    "SECURITY DEFINER function \"%s\" has no fixed search_path", obj);
			free(obj);
			free(fix);
		}
	} else if (strcmp(object, "privilege") == 0 && schema && strcmp(schema, "public") == 0) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rec, "acl")) {
			const char *slash;

			if (!cJSON_IsString(it) || it->valuestring[0] != '=')
				continue;
			slash = strchr(it->valuestring, '/');
			if (slash && memchr(it->valuestring, 'C', (size_t)(slash - it->valuestring)))
				lint_report_obj(run, "public-schema-usage", NULL, "public",
				    "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
				    "every role (PUBLIC) may create objects in schema public");
		}
	}
	/* other objects (constraints) carry nothing the rules read yet */
	return 0;
}
