/* config: lint settings from YAML (a `lint:` section or a file of its own) and the anonymization profile. */
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "ytree.h"

void
lint_config_init(struct lint_config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->enabled = xmalloc(lint_nrules);
	cfg->severity = xmalloc(lint_nrules * sizeof(*cfg->severity));
	for (i = 0; i < lint_nrules; i++) {
		cfg->enabled[i] = 1;
		cfg->severity[i] = lint_rules[i].severity;
	}
	cfg->fail_on = LINT_WARNING;
	cfg->txn = LINT_TXN_AUTO;
	cfg->created_col = xstrdup("created_at");
	cfg->updated_col = xstrdup("updated_at");
	cfg->index_pattern = xstrdup("{table}_{columns}_idx");
	cfg->table_naming = xstrdup("any");
	cfg->composite_pk_max = 2;
	cfg->low_cardinality_max = 3;
	cfg->migrate_fail_on = LINT_ERROR;
}

void
lint_config_release(struct lint_config *cfg)
{
	free(cfg->enabled);
	free(cfg->severity);
	free(cfg->created_col);
	free(cfg->updated_col);
	free(cfg->index_pattern);
	free(cfg->table_naming);
	strvec_clear(&cfg->exposed_schemas);
	strvec_clear(&cfg->masked);
	memset(cfg, 0, sizeof(*cfg));
}

int
lint_config_set_enabled(struct lint_config *cfg, const char *id, int on, struct conf_error *err)
{
	int r;
	size_t i;

	if (strcmp(id, "all") == 0) {
		for (i = 0; i < lint_nrules; i++)
			cfg->enabled[i] = on;
		return 0;
	}
	if ((r = lint_rule_find(id)) < 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "unknown lint rule \"%s\"", id);
	cfg->enabled[r] = on;
	return 0;
}

static int
bad(const struct ytree *t, const struct ynode *n, struct conf_error *err, const char *what)
{
	return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d:%d: %s", t->file, n->line, n->col, what);
}

static int
rule_list(const struct ytree *t, const struct ynode *n, struct lint_config *cfg, int on,
    struct conf_error *err)
{
	size_t i;

	if (n->type != YNODE_SEQ)
		return bad(t, n, err, "expected a list of rule ids");
	for (i = 0; i < n->nkids; i++) {
		const char *id = ynode_str(n->kids[i], NULL);

		if (!id)
			return bad(t, n->kids[i], err, "expected a rule id");
		if (strcmp(id, "all") != 0 && lint_rule_find(id) < 0)
			return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d:%d: unknown lint rule \"%s\"",
			    t->file, n->kids[i]->line, n->kids[i]->col, id);
		lint_config_set_enabled(cfg, id, on, err);
	}
	return 0;
}

static int
set_str(const struct ytree *t, const struct ynode *n, char **dst, struct conf_error *err)
{
	const char *s = ynode_str(n, NULL);

	if (!s)
		return bad(t, n, err, "expected a string");
	free(*dst);
	*dst = xstrdup(s);
	return 0;
}

static int
apply(struct lint_config *cfg, const struct ytree *t, const struct ynode *lint, struct conf_error *err)
{
	size_t i, j;

	if (lint->type != YNODE_MAP)
		return bad(t, lint, err, "the lint settings must be a map");
	for (i = 0; i + 1 < lint->nkids; i += 2) {
		const char *key = lint->kids[i]->value;
		const struct ynode *v = lint->kids[i + 1];

		if (strcmp(key, "disable") == 0) {
			if (rule_list(t, v, cfg, 0, err) < 0)
				return -1;
		} else if (strcmp(key, "enable") == 0) {
			if (rule_list(t, v, cfg, 1, err) < 0)
				return -1;
		} else if (strcmp(key, "severity") == 0) {
			if (v->type != YNODE_MAP)
				return bad(t, v, err, "severity must map rule ids to error, warning or info");
			for (j = 0; j + 1 < v->nkids; j += 2) {
				int r = lint_rule_find(v->kids[j]->value), sev;

				if (r < 0)
					return bad(t, v->kids[j], err, "unknown lint rule");
				sev = lint_severity_parse(ynode_str(v->kids[j + 1], ""), 0);
				if (sev < 0)
					return bad(t, v->kids[j + 1], err, "expected error, warning or info");
				cfg->severity[r] = (enum lint_severity)sev;
			}
		} else if (strcmp(key, "fail_on") == 0) {
			int sev = lint_severity_parse(ynode_str(v, ""), 1);

			if (sev < 0)
				return bad(t, v, err, "fail_on must be error, warning, info or never");
			cfg->fail_on = (enum lint_severity)sev;
		} else if (strcmp(key, "migrate_fail_on") == 0) {
			int sev = lint_severity_parse(ynode_str(v, ""), 1);

			if (sev < 0)
				return bad(t, v, err, "migrate_fail_on must be error, warning, info or never");
			cfg->migrate_fail_on = (enum lint_severity)sev;
		} else if (strcmp(key, "assume_in_transaction") == 0) {
			const char *s = ynode_str(v, "");

			if (strcmp(s, "auto") == 0)
				cfg->txn = LINT_TXN_AUTO;
			else if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
				cfg->txn = LINT_TXN_YES;
			else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
				cfg->txn = LINT_TXN_NO;
			else
				return bad(t, v, err, "assume_in_transaction must be auto, true or false");
		} else if (strcmp(key, "timestamps") == 0) {
			const struct ynode *c = ynode_get(v, "created"), *u = ynode_get(v, "updated");

			if ((c && set_str(t, c, &cfg->created_col, err) < 0) ||
			    (u && set_str(t, u, &cfg->updated_col, err) < 0))
				return -1;
		} else if (strcmp(key, "index_pattern") == 0) {
			if (set_str(t, v, &cfg->index_pattern, err) < 0)
				return -1;
		} else if (strcmp(key, "table_naming") == 0) {
			if (set_str(t, v, &cfg->table_naming, err) < 0)
				return -1;
			if (strcmp(cfg->table_naming, "any") && strcmp(cfg->table_naming, "plural") &&
			    strcmp(cfg->table_naming, "singular"))
				return bad(t, v, err, "table_naming must be any, plural or singular");
		} else if (strcmp(key, "composite_primary_key_max") == 0) {
			if (ynode_long(t, v, &cfg->composite_pk_max, err) < 0)
				return -1;
		} else if (strcmp(key, "low_cardinality_max") == 0) {
			if (ynode_long(t, v, &cfg->low_cardinality_max, err) < 0)
				return -1;
		} else if (strcmp(key, "exposed_schemas") == 0) {
			if (v->type != YNODE_SEQ)
				return bad(t, v, err, "exposed_schemas must be a list");
			for (j = 0; j < v->nkids; j++)
				strvec_push(&cfg->exposed_schemas, ynode_str(v->kids[j], ""));
		} else if (strcmp(key, "anonymization_profile") == 0) {
			const char *p = ynode_str(v, NULL);

			if (!p)
				return bad(t, v, err, "anonymization_profile must be a path");
			if (lint_config_load_profile(cfg, p, err) < 0)
				return -1;
		} else {
			return bad(t, lint->kids[i], err, "unknown lint setting");
		}
	}
	return 0;
}

int
lint_config_load(struct lint_config *cfg, const char *path, struct conf_error *err)
{
	struct ytree t = { 0 };
	const struct ynode *lint;
	int rc = 0;

	if (ytree_load_file(&t, path, err) < 0)
		return -1;
	if (t.root) {
		lint = ynode_get(t.root, "lint");
		if (!lint && t.root->type == YNODE_MAP && (ynode_get(t.root, "database_url") ||
		    ynode_get(t.root, "migration")))
			lint = NULL;     /* a project config without a lint section */
		else if (!lint)
			lint = t.root;
		if (lint)
			rc = apply(cfg, &t, lint, err);
	}
	ytree_release(&t);
	return rc;
}

/*
 * Collect table.column pairs from a profile: a map of tables to maps of
 * columns (under any top-level key such as "tables"), or "table.column" keys.
 */
static void
collect(struct lint_config *cfg, const struct ynode *n, const char *table, int depth)
{
	size_t i;

	if (!n || n->type != YNODE_MAP || depth > 4)
		return;
	for (i = 0; i + 1 < n->nkids; i += 2) {
		const char *k = n->kids[i]->value;

		if (strchr(k, '.'))
			strvec_push(&cfg->masked, k);
		if (table)
			strvec_pushf(&cfg->masked, "%s.%s", table, k);
		collect(cfg, n->kids[i + 1], k, depth + 1);
	}
}

int
lint_config_load_profile(struct lint_config *cfg, const char *path, struct conf_error *err)
{
	struct ytree t = { 0 };

	if (ytree_load_file(&t, path, err) < 0)
		return -1;
	collect(cfg, t.root, NULL, 0);
	cfg->have_profile = 1;
	ytree_release(&t);
	return 0;
}
