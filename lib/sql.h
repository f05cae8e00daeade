/* sql: SQL text split into statements and classified by libpg_query. */
#ifndef CONF_SQL_H
#define CONF_SQL_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "error.h"

/* Why a statement cannot run inside a transaction block. */
enum sql_txn {
	SQL_TXN_OK = 0,         /* can run in a transaction */
	SQL_TXN_FORBIDDEN,      /* must run outside one (CREATE INDEX CONCURRENTLY, VACUUM, ...) */
	SQL_TXN_CONTROL         /* is itself transaction control (BEGIN, COMMIT, SAVEPOINT, ...) */
};

/*
 * One statement of a script.  `sql` starts at the statement's first token
 * (leading comments and blanks skipped) and has no trailing semicolon.
 * `offset` is the byte offset of that token in the script; `line` and `col`
 * count from 1 (columns in characters).  `tree` is the statement's node as
 * libpg_query's JSON gives it, e.g. {"CreateStmt":{...}}; `node` is that
 * node's type name.  All owned by the sql_script.
 */
struct sql_stmt {
	char *sql;
	size_t offset;
	int line;
	int col;
	const char *node;
	cJSON *tree;
	enum sql_txn txn;
};

struct sql_script {
	const char *file;     /* for messages; not owned */
	struct sql_stmt *stmts;
	size_t n;
	cJSON *parse;         /* the whole parse result; owns every tree */
};

/*
 * Parse text (NUL-terminated) named file.  Returns 0, or -1 with err filled:
 * a syntax error is CONF_EXIT_USAGE with the message
 * "file:line:col: syntax error at or near ...".  Release the script in
 * either case.
 */
int sql_script_parse(struct sql_script *s, const char *text, const char *file,
    struct conf_error *err);
void sql_script_release(struct sql_script *s);

/* Line and column (from 1, columns in UTF-8 characters) of a byte offset. */
void sql_position(const char *text, size_t offset, int *line, int *col);
/* Classify a statement node ({"IndexStmt":{...}}) for transaction use. */
enum sql_txn sql_txn_class(const cJSON *tree);
/* A short description of why a statement cannot run in a transaction, or NULL. */
const char *sql_txn_reason(const cJSON *tree);

#endif
