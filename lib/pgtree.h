/* pgtree: reading libpg_query's JSON parse trees (PostgreSQL 15 node names). */
#ifndef CONF_PGTREE_H
#define CONF_PGTREE_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "strbuf.h"

/*
 * libpg_query prints a node as a one-key object, {"IndexStmt":{...}}, and
 * omits fields that are zero, false, NULL or empty.  These helpers read such
 * trees without ever failing: a missing field reads as NULL / 0 / false.
 * Nothing returned is owned by the caller unless said so.
 */

/* The type name of a wrapped node ({"X":{...}} -> "X"), or "". */
const char *pgtree_type(const cJSON *node);
/* The body of a wrapped node of type `type`, or NULL when it is another type. */
const cJSON *pgtree_as(const cJSON *node, const char *type);
/* The body of a wrapped node whatever its type. */
const cJSON *pgtree_body(const cJSON *node);
/* A field of a body. */
const cJSON *pgtree_field(const cJSON *body, const char *field);
const char *pgtree_str(const cJSON *body, const char *field);
int pgtree_bool(const cJSON *body, const char *field);
long pgtree_int(const cJSON *body, const char *field);
/* The value of a {"String":{"sval":...}} node (or an A_Const string), or NULL. */
const char *pgtree_sval(const cJSON *node);
/*
 * Append a RangeVar body's name as "schema.rel" (or "rel") to sb.  Returns
 * sb->buf for convenience.
 */
const char *pgtree_rangevar(const cJSON *rangevar, struct strbuf *sb);
/* Append a list of String nodes joined by "." (qualified names, type names). */
const char *pgtree_namelist(const cJSON *list, struct strbuf *sb);
/*
 * The name of a TypeName body without the pg_catalog prefix ("int4",
 * "varchar", "timestamp"), or NULL.
 */
const char *pgtree_typename(const cJSON *typename_body);
/* Number of type modifiers of a TypeName body (varchar(20) -> 1). */
int pgtree_typmods(const cJSON *typename_body);
/*
 * Call fn on every wrapped node below (and including) node, depth first.
 * Stops and returns fn's value when it is non-zero.
 */
int pgtree_walk(const cJSON *node, int (*fn)(const cJSON *node, void *arg), void *arg);
/* The "location" field of a body, or -1. */
long pgtree_location(const cJSON *body);

#endif
