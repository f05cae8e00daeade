/* security: row level security, PII columns, schema public, SECURITY DEFINER functions. */
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "pgtree.h"

static int
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

void
lint_security_stmt(struct lint_ctx *c, const char *type, const cJSON *body)
{
	const cJSON *it, *rv = pgtree_field(body, "relation");

	if ((strcmp(type, "CreateStmt") == 0 || strcmp(type, "IndexStmt") == 0 ||
	    strcmp(type, "CreateTableAsStmt") == 0) &&
	    streq(pgtree_str(rv, "schemaname"), "public"))
		lint_report(c, "public-schema-usage", pgtree_location(rv), NULL,
		    "object created in schema public, which every role can use; create it in an application schema");
	else if (strcmp(type, "ViewStmt") == 0 &&
	    streq(pgtree_str(pgtree_field(body, "view"), "schemaname"), "public"))
		lint_report(c, "public-schema-usage", -1, NULL,
		    "view created in schema public, which every role can use");
	else if (strcmp(type, "CreateFunctionStmt") == 0) {
		const cJSON *names = pgtree_field(body, "funcname");
		int definer = 0, path = 0;

		if (cJSON_GetArraySize(names) > 1 && streq(pgtree_sval(cJSON_GetArrayItem(names, 0)), "public"))
			lint_report(c, "public-schema-usage", -1, NULL,
			    "function created in schema public, which every role can use");
		cJSON_ArrayForEach(it, pgtree_field(body, "options")) {
			const cJSON *d = pgtree_as(it, "DefElem");
			const char *n = pgtree_str(d, "defname");

			if (streq(n, "security") &&
			    pgtree_bool(pgtree_as(pgtree_field(d, "arg"), "Boolean"), "boolval"))
				definer = 1;
			if (streq(n, "set") &&
			    streq(pgtree_str(pgtree_as(pgtree_field(d, "arg"), "VariableSetStmt"), "name"), "search_path"))
				path = 1;
		}
		if (definer && !path)
			lint_report(c, "security-definer-search-path", -1,
			    "ALTER FUNCTION ... SET search_path = pg_catalog, pg_temp;",
			    "SECURITY DEFINER function without SET search_path runs with the caller's search_path: a caller can hijack the names it uses");
	} else if (strcmp(type, "GrantStmt") == 0 && pgtree_bool(body, "is_grant") &&
	    streq(pgtree_str(body, "objtype"), "OBJECT_SCHEMA")) {
		int pub_schema = 0, create = 0, to_public = 0;

		cJSON_ArrayForEach(it, pgtree_field(body, "objects"))
			if (streq(pgtree_sval(it), "public"))
				pub_schema = 1;
		cJSON_ArrayForEach(it, pgtree_field(body, "privileges"))
			if (streq(pgtree_str(pgtree_as(it, "AccessPriv"), "priv_name"), "create"))
				create = 1;
		if (!pgtree_field(body, "privileges"))
			create = 1;    /* ALL PRIVILEGES */
		cJSON_ArrayForEach(it, pgtree_field(body, "grantees"))
			if (streq(pgtree_str(pgtree_as(it, "RoleSpec"), "roletype"), "ROLESPEC_PUBLIC"))
				to_public = 1;
		if (pub_schema && create && to_public)
			lint_report(c, "public-schema-usage", -1, "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
			    "GRANT CREATE ON SCHEMA public TO PUBLIC lets every role create objects others may run");
	}
}

static const char *const pii[] = {
	"email", "phone", "ssn", "social_security", "birth", "dob", "address", "street",
	"first_name", "last_name", "full_name", "surname", "iban", "card", "passport",
	"tax_id", "mobile", "postcode", "zip", NULL
};

static int
sensitive(const char *col)
{
	size_t i;

	if (strcmp(col, "name") == 0)
		return 1;
	for (i = 0; pii[i]; i++)
		if (strstr(col, pii[i]))
			return 1;
	return 0;
}

static int
masked(const struct lint_config *cfg, const char *table, const char *col)
{
	size_t i;
	char *k = xstrfmt("%s.%s", table, col);
	int found = 0;

	for (i = 0; i < cfg->masked.nr && !found; i++)
		found = strcmp(cfg->masked.v[i], k) == 0;
	free(k);
	return found;
}

void
lint_security_schema(struct lint_run *run)
{
	const struct lint_config *cfg = run->cfg;
	struct lint_schema *s = &run->schema;
	size_t i, j;

	for (i = 0; i < s->ntables; i++) {
		struct lint_table *t = &s->tables[i];
		const char *schema = t->schema ? t->schema : "public";
		int exposed = 0;

		for (j = 0; j < cfg->exposed_schemas.nr; j++)
			if (strcmp(cfg->exposed_schemas.v[j], schema) == 0)
				exposed = 1;
		if (exposed && !t->rls) {
			char *obj = xstrfmt("%s.%s", schema, t->name);
			char *fix = xstrfmt("ALTER TABLE %s ENABLE ROW LEVEL SECURITY;", obj);

			lint_report_obj(run, "rls-disabled", &t->loc, obj, fix,
			    "table \"%s\" is in exposed schema \"%s\" without row level security", t->name, schema);
			free(obj);
			free(fix);
		} else if (exposed && t->npolicies == 0) {
			char *obj = xstrfmt("%s.%s", schema, t->name);

			lint_report_obj(run, "rls-disabled", &t->loc, obj, NULL,
			    "table \"%s\" has row level security enabled but no policy: nobody but its owner sees a row",
			    t->name);
			free(obj);
		}
		if (!cfg->have_profile)
			continue;
		for (j = 0; j < t->ncols; j++) {
			if (!sensitive(t->cols[j].name) || masked(cfg, t->name, t->cols[j].name))
				continue;
			{
				char *obj = xstrfmt("%s.%s", t->name, t->cols[j].name);

				lint_report_obj(run, "sensitive-column-unmasked", &t->loc, obj, NULL,
				    "column \"%s\" looks like personal data but the anonymization profile has no strategy for it",
				    obj);
				free(obj);
			}
		}
	}
}
