/* dataload: conf-apply --data: a data stream loaded with COPY, table by table, resumably. */
#ifndef CONF_DATALOAD_H
#define CONF_DATALOAD_H

#include <stdio.h>
#include <libpq-fe.h>

#include "apply.h"
#include "error.h"

struct data_load_opts {
	const char *checkpoint_table; /* NULL: DATA_DEFAULT_CHECKPOINT_TABLE */
	int no_resume;                /* ignore checkpoints of an unfinished earlier run */
	int progress;                 /* rows and rows/s per table on stderr (if a terminal) */
	/*
	 * Mixed into the plan's identity, so that a run resumes only the load it
	 * continues: confiture sync passes the profile's SHA-256 (a resumed sync
	 * with another profile, or none, must not keep tables masked otherwise).
	 */
	const char *resume_key;
	/*
	 * Hooks, or NULL: each table load is a "migration" of direction sync
	 * named schema.table (before() before its TRUNCATE, after() once it
	 * committed, with rows_affected), on_error() when the load fails.
	 */
	const struct apply_hooks *hooks;
	/*
	 * A rehearsal: the whole stream loads, in one transaction, into copies
	 * of the target's tables (CREATE TABLE ... (LIKE t INCLUDING ALL) in a
	 * private schema), which is rolled back at the end: the target's tables
	 * are not truncated, not written and not locked beyond ACCESS SHARE;
	 * no checkpoints, no hooks.  Results say "rehearsed", with the time.
	 */
	int rehearse;
};

/*
 * Load the data stream (docs/protocol.md, "Data stream") read from in into
 * conn, writing one result record per table and the end record to out.
 *
 * Before anything changes, every table of the preamble must exist in the
 * target, and no table outside the stream may reference one inside it by a
 * foreign key (CONF_EXIT_STATE): tables are truncated without CASCADE.
 *
 * Each table loads in its own transaction: TRUNCATE of that table (together
 * with the tables of the stream that reference it and are still to come,
 * since PostgreSQL truncates a referenced table only with its referencing
 * ones), COPY ... FROM STDIN, a checkpoint row in the checkpoint table, and
 * COMMIT once its rows_end record confirms the count.  A stream that stops
 * early (no rows_end, a wrong count, EOF, an error record, a malformed line)
 * rolls back the table in flight: it stays as it was.  When a run stops
 * before the end record, the checkpoints stay, and the next run of the same
 * plan (the same tables in the same order, the same resume_key) skips the tables already loaded;
 * a complete run clears them.  Returns 0, or -1 with err (its code is the
 * exit status; an error record has been written to out).
 */
int data_load(PGconn *conn, FILE *in, const char *name, FILE *out,
    const struct data_load_opts *o, struct conf_error *err);

#endif
