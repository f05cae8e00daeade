/* dataextract: the data stream (table records, then rows) that conf-extract --data writes. */
#ifndef CONF_DATAEXTRACT_H
#define CONF_DATAEXTRACT_H

#include <stdio.h>
#include <libpq-fe.h>

#include "error.h"

/* The checkpoint table conf-apply --data keeps in a target, never extracted by default. */
#define DATA_DEFAULT_CHECKPOINT_TABLE "confiture_sync"

struct data_extract_opts {
	/*
	 * Table selection (NULL-terminated lists, either may be NULL).  A name
	 * in tables is "schema.table" or a bare table name in schema public; a
	 * pattern in likes is a LIKE pattern matched against "schema.table" and
	 * against the bare name.  With neither, every ordinary and partitioned
	 * table outside the system schemas is selected, except tables owned by
	 * extensions and the names in exclude (bare names match in any schema).
	 */
	const char *const *tables;
	const char *const *likes;
	const char *const *exclude;
	int plan_only;           /* write the table records and the end record, no rows */
	long sample_rows;        /* > 0: at most this many rows per table, sampled across it */
};

/*
 * Write the data stream of docs/protocol.md ("Data stream") to out: one
 * table record per selected table, parents before the tables that reference
 * them, then each table's rows_begin, row and rows_end records, and the end
 * record.  Everything is read in one REPEATABLE READ READ ONLY transaction,
 * rows with COPY ... TO STDOUT.  A name in tables that matches no table, or
 * a selection that matches nothing, is an error (CONF_EXIT_USAGE) before
 * anything is written.  Returns the number of records written (the end
 * record excluded), or -1 with err; a failure after the first record leaves
 * the stream without its end record, so that consumers see it truncated.
 */
long data_extract(PGconn *conn, const struct data_extract_opts *o, FILE *out,
    struct conf_error *err);

/*
 * Set the session settings both ends of a data stream rely on so that every
 * value's text round-trips: UTF8, ISO dates, UTC, hex bytea, exact floats.
 */
int data_session_setup(PGconn *conn, struct conf_error *err);

#endif
