/* rule: one column's strategy and parameters from the profile, checked and ready to apply. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anon/plugin.h"
#include "anon/strategy.h"

enum anon_type_class
anon_type_class(const char *t)
{
	static const struct { const char *prefix; enum anon_type_class c; } map[] = {
		{ "text", ANON_T_TEXT }, { "character", ANON_T_TEXT }, { "\"char\"", ANON_T_TEXT },
		{ "citext", ANON_T_TEXT }, { "name", ANON_T_TEXT }, { "bpchar", ANON_T_TEXT },
		{ "varchar", ANON_T_TEXT },
		{ "smallint", ANON_T_INT }, { "integer", ANON_T_INT }, { "bigint", ANON_T_INT },
		{ "numeric", ANON_T_NUMERIC }, { "real", ANON_T_NUMERIC },
		{ "double precision", ANON_T_NUMERIC }, { "money", ANON_T_NUMERIC },
		{ "date", ANON_T_DATE }, { "timestamp", ANON_T_TIMESTAMP },
		{ "uuid", ANON_T_UUID }, { "inet", ANON_T_INET }, { "cidr", ANON_T_INET },
		{ "jsonb", ANON_T_JSON }, { "json", ANON_T_JSON },
	};
	size_t i, n;

	if (t == NULL || strstr(t, "[]"))
		return ANON_T_OTHER;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		n = strlen(map[i].prefix);
		if (strncmp(t, map[i].prefix, n) == 0 && (t[n] == '\0' || t[n] == '(' || t[n] == ' '))
			return map[i].c;
	}
	return ANON_T_OTHER;
}

void
anon_int_bounds(const char *type, long long *min, long long *max)
{
	if (strcmp(type, "smallint") == 0) {
		*min = -32768;
		*max = 32767;
	} else if (strcmp(type, "integer") == 0) {
		*min = -2147483648LL;
		*max = 2147483647LL;
	} else {
		*min = -9223372036854775807LL - 1;
		*max = 9223372036854775807LL;
	}
}

int
anon_on_error_parse(const char *s)
{
	if (strcmp(s, "fail") == 0)
		return ANON_ERR_FAIL;
	if (strcmp(s, "null") == 0)
		return ANON_ERR_NULL;
	if (strcmp(s, "keep") == 0)
		return ANON_ERR_KEEP;
	if (strcmp(s, "drop_row") == 0)
		return ANON_ERR_DROP_ROW;
	return -1;
}

size_t
anon_utf8_len(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static const struct ynode *
key_node(const struct anon_rule *r, const char *name)
{
	size_t i;

	if (r->node == NULL || r->node->type != YNODE_MAP)
		return NULL;
	for (i = 0; i + 1 < r->node->nkids; i += 2)
		if (strcmp(r->node->kids[i]->value, name) == 0)
			return r->node->kids[i];
	return NULL;
}

int
anon_rule_error(const struct anon_rule *r, const char *param, struct conf_error *err,
    const char *fmt, ...)
{
	const struct ynode *k = param ? key_node(r, param) : NULL;
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->tree)
		return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: %s", r->tree->file,
		    k ? k->line : r->line, msg);
	return conf_error_set(err, CONF_EXIT_USAGE, "%s", msg);
}

const struct ynode *
anon_param_node(const struct anon_rule *r, const char *name)
{
	return ynode_get(r->node, name);
}

const char *
anon_param_str(const struct anon_rule *r, const char *name, const char *def)
{
	return ynode_str(anon_param_node(r, name), def);
}

int
anon_param_long(const struct anon_rule *r, const char *name, long def, long *out,
    struct conf_error *err)
{
	const char *s = anon_param_str(r, name, NULL);
	char *end;

	*out = def;
	if (s == NULL)
		return 0;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return anon_rule_error(r, name, err, "parameter \"%s\" wants an integer, not \"%s\"", name, s);
	return 0;
}

int
anon_param_double(const struct anon_rule *r, const char *name, double def, double *out,
    struct conf_error *err)
{
	const char *s = anon_param_str(r, name, NULL);
	char *end;

	*out = def;
	if (s == NULL)
		return 0;
	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(*out))
		return anon_rule_error(r, name, err, "parameter \"%s\" wants a number, not \"%s\"", name, s);
	return 0;
}

int
anon_param_bool(const struct anon_rule *r, const char *name, int def, int *out,
    struct conf_error *err)
{
	const char *s = anon_param_str(r, name, NULL);

	*out = def;
	if (s == NULL)
		return 0;
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "on") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0 || strcmp(s, "off") == 0)
		*out = 0;
	else
		return anon_rule_error(r, name, err, "parameter \"%s\" wants true or false, not \"%s\"", name, s);
	return 0;
}

static int
check_params(struct anon_rule *r, struct conf_error *err)
{
	const struct anon_param *p;
	size_t i, j;

	for (i = 0; i + 1 < r->node->nkids; i += 2) {
		const char *k = r->node->kids[i]->value;
		const struct ynode *v = r->node->kids[i + 1];

		if (!strcmp(k, "strategy") || !strcmp(k, "domain") || !strcmp(k, "on_error"))
			continue;
		for (p = r->strategy->params; p->name; p++)
			if (strcmp(p->name, k) == 0)
				break;
		if (p->name == NULL) {
			struct strbuf sb = STRBUF_INIT;
			int rc;

			for (p = r->strategy->params; p->name; p++)
				strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", p->name);
			rc = anon_rule_error(r, k, err, "strategy \"%s\" has no parameter \"%s\"",
			    r->sname, k);
			conf_error_hint(err, "its parameters: %s", sb.len ? sb.buf : "none");
			strbuf_release(&sb);
			return rc;
		}
		if ((p->type == ANON_P_LIST) != (v->type == YNODE_SEQ) ||
		    (p->type == ANON_P_MAP) != (v->type == YNODE_MAP))
			return anon_rule_error(r, k, err, "parameter \"%s\" wants %s", k,
			    p->type == ANON_P_LIST ? "a list" : p->type == ANON_P_MAP ? "a mapping" : "a scalar");
		if (p->type == ANON_P_COLUMN) {
			for (j = 0; j < r->ncols; j++)
				if (strcmp(r->cols[j].name, v->value) == 0)
					break;
			if (r->cols && j == r->ncols)
				return anon_rule_error(r, k, err, "parameter \"%s\" names no column of the table: \"%s\"",
				    k, v->value);
		}
	}
	return 0;
}

int
anon_rule_init(struct anon_rule *r, struct anon_registry *reg, const struct anon_key *key,
    const struct ytree *tree, const struct ynode *node, const char *label,
    int default_on_error, const struct anon_column *cols, size_t ncols,
    const struct anon_column *col, struct conf_error *err)
{
	const struct ynode *s, *d, *oe;
	char *path;
	int kind;

	memset(r, 0, sizeof(*r));
	r->tree = tree;
	r->node = node;
	r->line = node ? node->line : 0;
	r->label = xstrdup(label);
	r->key = key;
	r->cols = cols;
	r->ncols = ncols;
	r->col = col;
	r->entity = -1;
	r->max_out = -1;
	r->on_error = default_on_error;
	if (node == NULL || node->type != YNODE_MAP)
		return anon_rule_error(r, NULL, err, "the rule of %s must be a mapping with a \"strategy\"", label);
	s = ynode_get(node, "strategy");
	if (s == NULL || s->type != YNODE_SCALAR || ynode_is_null(s))
		return anon_rule_error(r, NULL, err, "the rule of %s has no \"strategy\"", label);
	r->sname = s->value;
	d = ynode_get(node, "domain");
	r->domain = xstrdup(d ? ynode_str(d, label) : label);
	if ((oe = ynode_get(node, "on_error")) != NULL &&
	    (r->on_error = anon_on_error_parse(ynode_str(oe, ""))) < 0)
		return anon_rule_error(r, "on_error", err,
		    "on_error must be fail, null, keep or drop_row, not \"%s\"", ynode_str(oe, ""));
	if (key)
		anon_dkey_derive(key, r->domain, &r->dk);
	if ((r->strategy = anon_builtin_find(r->sname)) != NULL) {
		r->flags = r->strategy->flags;
		if (check_params(r, err) < 0)
			return -1;
		if (r->strategy->init && r->strategy->init(r, err) < 0)
			return -1;
		return 0;
	}
	if (reg == NULL || (path = anon_registry_find(reg, r->sname, &kind)) == NULL) {
		anon_rule_error(r, "strategy", err, "unknown strategy \"%s\"", r->sname);
		conf_error_hint(err, "conf-anonymize --list-strategies shows the built-ins and the plugins found");
		return -1;
	}
	kind = anon_plugin_start(r, reg, path, kind, err);
	free(path);
	return kind;
}

void
anon_rule_release(struct anon_rule *r)
{
	if (r->strategy && r->strategy->release)
		r->strategy->release(r);
	if (r->plugin)
		anon_plugin_free(r->plugin);
	free(r->label);
	free(r->domain);
	memset(r, 0, sizeof(*r));
}

int
anon_rule_apply(struct anon_rule *r, const struct anon_row *row, const char *in,
    size_t len, struct strbuf *out, struct strbuf *msg)
{
	int rc;

	strbuf_reset(out);
	if (in == NULL)
		return ANON_SQLNULL;
	if (r->strategy)
		rc = r->strategy->apply(r, row, in, len, out, msg);
	else {
		/* a shared object or co-process one value at a time (--test, json_path) */
		struct conf_error err = CONF_ERROR_INIT;
		const char *vals[1] = { in };
		int isnull = 0;

		if (anon_plugin_batch(r->plugin, vals, &len, 1, out, &isnull, msg, &err) < 0) {
			strbuf_addstr(msg, err.message);
			return ANON_ERROR;
		}
		if (msg->len)
			return ANON_ERROR;
		rc = isnull ? ANON_SQLNULL : ANON_VALUE;
	}
	if (rc == ANON_VALUE && r->col && r->col->max_length >= 0 &&
	    anon_utf8_len(out->buf, out->len) > (size_t)r->col->max_length) {
		strbuf_addf(msg, "output of %zu characters does not fit %s",
		    anon_utf8_len(out->buf, out->len), r->col->type);
		return ANON_ERROR;
	}
	return rc;
}
