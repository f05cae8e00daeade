/* ytree: a YAML document loaded into a small tree that remembers line numbers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "strbuf.h"
#include "ytree.h"

struct loader {
	yaml_document_t doc;
};

static struct ynode *
convert(yaml_document_t *doc, yaml_node_t *yn, int depth)
{
	struct ynode *n;

	if (yn == NULL || depth > 64)
		return NULL;
	n = xcalloc(1, sizeof(*n));
	n->line = (int)yn->start_mark.line + 1;
	n->col = (int)yn->start_mark.column + 1;
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n->type = YNODE_SCALAR;
		n->value = xstrndup((const char *)yn->data.scalar.value, yn->data.scalar.length);
		n->quoted = yn->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		break;
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;

		n->type = YNODE_SEQ;
		n->kids = xcalloc((size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start) + 1,
		    sizeof(*n->kids));
		for (it = yn->data.sequence.items.start; it < yn->data.sequence.items.top; it++)
			n->kids[n->nkids++] = convert(doc, yaml_document_get_node(doc, *it), depth + 1);
		break;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *p;

		n->type = YNODE_MAP;
		n->kids = xcalloc(2 * (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start) + 1,
		    sizeof(*n->kids));
		for (p = yn->data.mapping.pairs.start; p < yn->data.mapping.pairs.top; p++) {
			n->kids[n->nkids++] = convert(doc, yaml_document_get_node(doc, p->key), depth + 1);
			n->kids[n->nkids++] = convert(doc, yaml_document_get_node(doc, p->value), depth + 1);
		}
		break;
	}
	default:
		n->type = YNODE_SCALAR;
		n->value = xstrdup("");
		break;
	}
	return n;
}

static void
ynode_free(struct ynode *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->value);
	free(n);
}

static int
has_non_scalar_key(const struct ynode *n)
{
	size_t i;

	if (n == NULL)
		return 0;
	for (i = 0; i < n->nkids; i++) {
		if (n->type == YNODE_MAP && i % 2 == 0 &&
		    (n->kids[i] == NULL || n->kids[i]->type != YNODE_SCALAR))
			return 1;
		if (has_non_scalar_key(n->kids[i]))
			return 1;
	}
	return 0;
}

int
ytree_load_string(struct ytree *t, const char *text, size_t len,
    const char *name, struct conf_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	t->file = xstrdup(name);
	if (!yaml_parser_initialize(&parser))
		return conf_error_set(err, CONF_EXIT_USAGE, "%s: could not start the YAML parser", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		conf_error_set(err, CONF_EXIT_USAGE, "%s:%lu:%lu: %s%s%s", name,
		    (unsigned long)parser.problem_mark.line + 1,
		    (unsigned long)parser.problem_mark.column + 1,
		    parser.problem ? parser.problem : "invalid YAML",
		    parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -1;
	}
	t->root = convert(&doc, yaml_document_get_root_node(&doc), 0);
	yaml_document_delete(&doc);
	if (yaml_parser_load(&parser, &extra)) {
		if (yaml_document_get_root_node(&extra) != NULL)
			rc = conf_error_set(err, CONF_EXIT_USAGE,
			    "%s: more than one YAML document", name);
		yaml_document_delete(&extra);
	}
	yaml_parser_delete(&parser);
	if (rc == 0 && has_non_scalar_key(t->root))
		rc = conf_error_set(err, CONF_EXIT_USAGE, "%s: a mapping key is not a plain value", name);
	return rc;
}

int
ytree_load_file(struct ytree *t, const char *path, struct conf_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (strbuf_read_file(&sb, path) < 0) {
		memset(t, 0, sizeof(*t));
		conf_error_set(err, CONF_EXIT_USAGE, "could not read \"%s\": %s", path, strerror(errno));
		strbuf_release(&sb);
		return -1;
	}
	rc = ytree_load_string(t, sb.buf, sb.len, path, err);
	strbuf_release(&sb);
	return rc;
}

void
ytree_release(struct ytree *t)
{
	ynode_free(t->root);
	free(t->file);
	memset(t, 0, sizeof(*t));
}

struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != YNODE_MAP)
		return NULL;
	for (i = 0; i + 1 < map->nkids; i += 2)
		if (map->kids[i] && strcmp(map->kids[i]->value, key) == 0)
			return map->kids[i + 1];
	return NULL;
}

struct ynode *
ynode_path(const struct ynode *root, const char *path)
{
	char *copy = xstrdup(path), *part, *save = NULL;
	const struct ynode *n = root;

	for (part = strtok_r(copy, ".", &save); part && n; part = strtok_r(NULL, ".", &save))
		n = ynode_get(n, part);
	free(copy);
	return (struct ynode *)n;
}

const char *
ynode_str(const struct ynode *n, const char *def)
{
	if (n == NULL || n->type != YNODE_SCALAR || ynode_is_null(n))
		return def;
	return n->value;
}

int
ynode_is_null(const struct ynode *n)
{
	if (n == NULL)
		return 1;
	if (n->type != YNODE_SCALAR || n->quoted)
		return 0;
	return n->value[0] == '\0' || strcmp(n->value, "~") == 0 ||
	    strcmp(n->value, "null") == 0 || strcmp(n->value, "Null") == 0 ||
	    strcmp(n->value, "NULL") == 0;
}

int
ynode_long(const struct ytree *t, const struct ynode *n, long *out,
    struct conf_error *err)
{
	char *end;

	if (n == NULL || n->type != YNODE_SCALAR)
		return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: expected a number",
		    t->file, n ? n->line : 0);
	errno = 0;
	*out = strtol(n->value, &end, 10);
	if (errno || end == n->value || *end != '\0')
		return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: \"%s\" is not a whole number",
		    t->file, n->line, n->value);
	return 0;
}

int
ynode_bool(const struct ytree *t, const struct ynode *n, int *out,
    struct conf_error *err)
{
	static const char *yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", NULL };
	static const char *no[] = { "false", "False", "FALSE", "no", "No", "off", NULL };
	int i;

	if (n != NULL && n->type == YNODE_SCALAR) {
		for (i = 0; yes[i]; i++)
			if (strcmp(n->value, yes[i]) == 0)
				return *out = 1, 0;
		for (i = 0; no[i]; i++)
			if (strcmp(n->value, no[i]) == 0)
				return *out = 0, 0;
	}
	return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: expected true or false",
	    t->file, n ? n->line : 0);
}
