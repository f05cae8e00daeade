/* catalog: a live database's schema as NDJSON schema records (conf-extract --schema). */
#ifndef CONF_CATALOG_H
#define CONF_CATALOG_H

#include <stdio.h>

#include "error.h"

/*
 * Connect to conninfo and write one "schema" record per table (columns with
 * pg_stats n_distinct, primary key, RLS, ACL), index (columns, method,
 * unique, partial, backing a constraint, idx_scan), foreign key, policy,
 * function (SECURITY DEFINER, proconfig) and schema privilege, then the end
 * record (docs/protocol.md).  System schemas are left out.  Everything is
 * read in one REPEATABLE READ transaction before anything is written.
 * Returns the number of records, or -1 with err (CONF_EXIT_DB, ...).
 */
long catalog_snapshot(const char *conninfo, FILE *out, struct conf_error *err);

#endif
