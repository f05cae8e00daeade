/* sql: SQL text split into statements and classified by libpg_query. */
#include <stdlib.h>
#include <string.h>
#include <pg_query.h>

#include "sql.h"
#include "strbuf.h"

void
sql_position(const char *text, size_t offset, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < offset && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

/* Byte offset of the 1-based character position pos. */
static size_t
char_to_byte(const char *text, int pos)
{
	size_t i = 0;
	int chars = 0;

	while (text[i]) {
		if (((unsigned char)text[i] & 0xC0) != 0x80) {
			if (++chars == pos)
				return i;
		}
		i++;
	}
	return i;
}

/* Skip white space and comments (nested block comments too). */
static size_t
skip_blank(const char *t, size_t i, size_t end)
{
	while (i < end) {
		if (strchr(" \t\r\n\f\v", t[i])) {
			i++;
		} else if (t[i] == '-' && i + 1 < end && t[i + 1] == '-') {
			while (i < end && t[i] != '\n')
				i++;
		} else if (t[i] == '/' && i + 1 < end && t[i + 1] == '*') {
			int depth = 1;

			i += 2;
			while (i < end && depth > 0) {
				if (t[i] == '/' && i + 1 < end && t[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (t[i] == '*' && i + 1 < end && t[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			}
		} else {
			break;
		}
	}
	return i;
}

static int
has_defelem(const cJSON *list, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, list) {
		const cJSON *de = cJSON_GetObjectItemCaseSensitive(it, "DefElem");
		const cJSON *dn = cJSON_GetObjectItemCaseSensitive(de, "defname");

		if (cJSON_IsString(dn) && strcmp(dn->valuestring, name) == 0)
			return 1;
	}
	return 0;
}

/* ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY among the commands. */
static int
detach_concurrently(const cJSON *alter)
{
	const cJSON *cmd, *c, *sub, *pc;

	cJSON_ArrayForEach(cmd, cJSON_GetObjectItemCaseSensitive(alter, "cmds")) {
		c = cJSON_GetObjectItemCaseSensitive(cmd, "AlterTableCmd");
		sub = cJSON_GetObjectItemCaseSensitive(c, "subtype");
		pc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "def"),
		    "PartitionCmd");
		if (cJSON_IsString(sub) && strcmp(sub->valuestring, "AT_DetachPartition") == 0 &&
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pc, "concurrent")))
			return 1;
	}
	return 0;
}

const char *
sql_txn_reason(const cJSON *tree)
{
	const cJSON *node = tree ? tree->child : NULL;
	const char *type;

	if (node == NULL || node->string == NULL)
		return NULL;
	type = node->string;
	if (strcmp(type, "TransactionStmt") == 0)
		return "transaction control";
	if (strcmp(type, "IndexStmt") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(node, "concurrent")))
		return "CREATE INDEX CONCURRENTLY";
	if (strcmp(type, "DropStmt") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(node, "concurrent")))
		return "DROP INDEX CONCURRENTLY";
	if (strcmp(type, "ReindexStmt") == 0 &&
	    has_defelem(cJSON_GetObjectItemCaseSensitive(node, "params"), "concurrently"))
		return "REINDEX CONCURRENTLY";
	if (strcmp(type, "ReindexStmt") == 0) {
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(node, "kind");

		if (cJSON_IsString(kind) && (strcmp(kind->valuestring, "REINDEX_OBJECT_SCHEMA") == 0 ||
		    strcmp(kind->valuestring, "REINDEX_OBJECT_SYSTEM") == 0 ||
		    strcmp(kind->valuestring, "REINDEX_OBJECT_DATABASE") == 0))
			return "REINDEX SCHEMA, SYSTEM or DATABASE";
	}
	if (strcmp(type, "AlterTableStmt") == 0 && detach_concurrently(node))
		return "DETACH PARTITION CONCURRENTLY";
	if (strcmp(type, "VacuumStmt") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(node, "is_vacuumcmd")))
		return "VACUUM";
	if (strcmp(type, "ClusterStmt") == 0 &&
	    cJSON_GetObjectItemCaseSensitive(node, "relation") == NULL)
		return "CLUSTER of the whole database";
	if (strcmp(type, "CreatedbStmt") == 0)
		return "CREATE DATABASE";
	if (strcmp(type, "DropdbStmt") == 0)
		return "DROP DATABASE";
	if (strcmp(type, "AlterSystemStmt") == 0)
		return "ALTER SYSTEM";
	if (strcmp(type, "CreateTableSpaceStmt") == 0)
		return "CREATE TABLESPACE";
	if (strcmp(type, "DropTableSpaceStmt") == 0)
		return "DROP TABLESPACE";
	if (strcmp(type, "CreateSubscriptionStmt") == 0)
		return "CREATE SUBSCRIPTION";
	if (strcmp(type, "DropSubscriptionStmt") == 0)
		return "DROP SUBSCRIPTION";
	return NULL;
}

enum sql_txn
sql_txn_class(const cJSON *tree)
{
	const char *why = sql_txn_reason(tree);

	if (why == NULL)
		return SQL_TXN_OK;
	if (strcmp(why, "transaction control") == 0)
		return SQL_TXN_CONTROL;
	return SQL_TXN_FORBIDDEN;
}

int
sql_script_parse(struct sql_script *s, const char *text, const char *file,
    struct conf_error *err)
{
	PgQueryParseResult res;
	cJSON *stmts, *it;
	size_t textlen = strlen(text), i = 0;

	static int exit_registered;

	if (!exit_registered) {
		/* Free libpg_query's per-thread memory at exit: sanitizer runs stay clean. */
		atexit(pg_query_exit);
		exit_registered = 1;
	}
	memset(s, 0, sizeof(*s));
	s->file = file;
	res = pg_query_parse(text);
	if (res.error) {
		size_t at = char_to_byte(text, res.error->cursorpos > 0 ? res.error->cursorpos : 1);
		int line, col;

		sql_position(text, at, &line, &col);
		conf_error_set(err, CONF_EXIT_USAGE, "%s:%d:%d: %s", file, line, col,
		    res.error->message);
		pg_query_free_parse_result(res);
		return -1;
	}
	s->parse = cJSON_Parse(res.parse_tree);
	pg_query_free_parse_result(res);
	if (s->parse == NULL)
		return conf_error_set(err, CONF_EXIT_USAGE, "%s: could not read the parse tree", file);
	stmts = cJSON_GetObjectItemCaseSensitive(s->parse, "stmts");
	s->n = (size_t)cJSON_GetArraySize(stmts);
	s->stmts = xcalloc(s->n ? s->n : 1, sizeof(*s->stmts));
	cJSON_ArrayForEach(it, stmts) {
		struct sql_stmt *st = &s->stmts[i++];
		const cJSON *loc = cJSON_GetObjectItemCaseSensitive(it, "stmt_location");
		const cJSON *len = cJSON_GetObjectItemCaseSensitive(it, "stmt_len");
		size_t start = cJSON_IsNumber(loc) ? (size_t)loc->valuedouble : 0;
		size_t end = cJSON_IsNumber(len) && len->valuedouble > 0 ?
		    start + (size_t)len->valuedouble : textlen;

		if (end > textlen)
			end = textlen;
		start = skip_blank(text, start, end);
		while (end > start && strchr(" \t\r\n;", text[end - 1]))
			end--;
		st->sql = xstrndup(text + start, end - start);
		st->offset = start;
		sql_position(text, start, &st->line, &st->col);
		st->tree = cJSON_GetObjectItemCaseSensitive(it, "stmt");
		st->node = st->tree && st->tree->child ? st->tree->child->string : "";
		st->txn = sql_txn_class(st->tree);
	}
	return 0;
}

void
sql_script_release(struct sql_script *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->stmts[i].sql);
	free(s->stmts);
	cJSON_Delete(s->parse);
	memset(s, 0, sizeof(*s));
}
