/* pgtree: reading libpg_query's JSON parse trees (PostgreSQL 15 node names). */
#include <ctype.h>
#include <string.h>

#include "pgtree.h"

const char *
pgtree_type(const cJSON *node)
{
	if (!cJSON_IsObject(node) || node->child == NULL || node->child->next != NULL ||
	    node->child->string == NULL || !isupper((unsigned char)node->child->string[0]))
		return "";
	return node->child->string;
}

const cJSON *
pgtree_as(const cJSON *node, const char *type)
{
	return strcmp(pgtree_type(node), type) == 0 ? node->child : NULL;
}

const cJSON *
pgtree_body(const cJSON *node)
{
	return pgtree_type(node)[0] ? node->child : NULL;
}

const cJSON *
pgtree_field(const cJSON *body, const char *field)
{
	return body ? cJSON_GetObjectItemCaseSensitive(body, field) : NULL;
}

const char *
pgtree_str(const cJSON *body, const char *field)
{
	const cJSON *f = pgtree_field(body, field);

	return cJSON_IsString(f) ? f->valuestring : NULL;
}

int
pgtree_bool(const cJSON *body, const char *field)
{
	return cJSON_IsTrue(pgtree_field(body, field));
}

long
pgtree_int(const cJSON *body, const char *field)
{
	const cJSON *f = pgtree_field(body, field);

	return cJSON_IsNumber(f) ? (long)f->valuedouble : 0;
}

long
pgtree_location(const cJSON *body)
{
	const cJSON *f = pgtree_field(body, "location");

	return cJSON_IsNumber(f) ? (long)f->valuedouble : -1;
}

const char *
pgtree_sval(const cJSON *node)
{
	const cJSON *s = pgtree_as(node, "String");
	const cJSON *c;

	if (s)
		return pgtree_str(s, "sval");
	if ((c = pgtree_as(node, "A_Const")) != NULL)
		return pgtree_str(pgtree_field(c, "sval"), "sval");
	return NULL;
}

const char *
pgtree_rangevar(const cJSON *rv, struct strbuf *sb)
{
	const char *schema = pgtree_str(rv, "schemaname");
	const char *rel = pgtree_str(rv, "relname");

	if (schema) {
		strbuf_addstr(sb, schema);
		strbuf_addch(sb, '.');
	}
	strbuf_addstr(sb, rel ? rel : "");
	return sb->buf;
}

const char *
pgtree_namelist(const cJSON *list, struct strbuf *sb)
{
	const cJSON *it;
	int first = 1;

	cJSON_ArrayForEach(it, list) {
		const char *s = pgtree_sval(it);

		if (s == NULL)
			continue;
		if (!first)
			strbuf_addch(sb, '.');
		strbuf_addstr(sb, s);
		first = 0;
	}
	return sb->buf;
}

const char *
pgtree_typename(const cJSON *tn)
{
	const cJSON *names = pgtree_field(tn, "names"), *it;
	const char *last = NULL;

	cJSON_ArrayForEach(it, names) {
		const char *s = pgtree_sval(it);

		if (s)
			last = s;
	}
	return last;
}

int
pgtree_typmods(const cJSON *tn)
{
	return cJSON_GetArraySize(pgtree_field(tn, "typmods"));
}

int
pgtree_walk(const cJSON *node, int (*fn)(const cJSON *node, void *arg), void *arg)
{
	const cJSON *it;
	int rc;

	if (node == NULL)
		return 0;
	if (pgtree_type(node)[0] && (rc = fn(node, arg)) != 0)
		return rc;
	if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
		cJSON_ArrayForEach(it, node) {
			if ((rc = pgtree_walk(it, fn, arg)) != 0)
				return rc;
		}
	}
	return 0;
}
