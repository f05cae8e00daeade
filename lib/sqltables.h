/* sqltables: which tables a statement changes, read from its parse tree. */
#ifndef CONF_SQLTABLES_H
#define CONF_SQLTABLES_H

#include <cjson/cJSON.h>

/*
 * Add to `names` (a cJSON array of strings, kept free of duplicates) the
 * relations that the statement `tree` ({"CreateStmt":{...}}) creates, alters,
 * drops, renames, truncates or writes rows to, as written in the statement
 * ("schema.table" or "table").  Tables only read (a view's query, a
 * subquery) are not included; neither are foreign-key targets.
 */
void sqltables_changed(const cJSON *tree, cJSON *names);

/* True when the statement writes rows (INSERT, UPDATE, DELETE, MERGE, COPY FROM). */
int sqltables_writes_rows(const cJSON *tree);

#endif
