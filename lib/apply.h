/* apply: conf-apply's engine: a migration stream applied to a database, safely. */
#ifndef CONF_APPLY_H
#define CONF_APPLY_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "error.h"

/*
 * Callbacks at the lifecycle points of each migration (lib/hook plugs in
 * here).  Each may be NULL.  `migration` is the migration record being
 * applied (read-only); `result` the result record about to be written, with
 * `rows_affected` ({table: rows} for statements that wrote rows).  before()
 * returning -1 (err filled) stops the run before the migration touches the
 * database.  after() runs once the migration committed; its failure is
 * reported but cannot undo the commit, and stops the run.  on_error() runs
 * once when the run fails, with the error, the migration in flight (or NULL)
 * and `where` (file, line, col, statement, sql of a failing statement, or
 * NULL).  After each callback, records() (when set) hands over the records
 * the callbacks produced (a cJSON array, ownership passed) to be written to
 * the output before anything else.
 */
struct apply_hooks {
	int (*before)(void *arg, const cJSON *migration, struct conf_error *err);
	int (*after)(void *arg, const cJSON *migration, const cJSON *result,
	    struct conf_error *err);
	void (*on_error)(void *arg, const cJSON *migration, const struct conf_error *error,
	    const cJSON *where);
	cJSON *(*records)(void *arg);
	void *arg;
};

struct apply_opts {
	const char *tracking_table;
	long lock_wait_ms;            /* wait for another runner's lock */
	const char *lock_timeout;     /* SET lock_timeout, or NULL */
	const char *statement_timeout;/* SET statement_timeout, or NULL */
	int baseline;                 /* record up migrations without running them */
	int allow_drift;              /* accept an applied migration whose checksum changed */
	const struct apply_hooks *hooks;
};

struct apply_summary {
	long applied, rolled_back, skipped, baselined, built, statements;
};

/*
 * Read a migration stream (docs/protocol.md) from in and apply it through
 * conn, writing result records and the end record to out.  Each migration
 * commits in its own transaction once its statements have all arrived and
 * the next record (another migration or the end record) confirms the stream
 * goes on; a migration whose statements cannot run in a transaction runs
 * statement by statement, recorded as "running" in the tracking table until
 * it finishes.  A truncated stream, an error record from upstream, or a
 * failing statement rolls back the migration in flight.  Records of other
 * kinds (hook results, findings, ...) are passed through to out.  Returns 0,
 * or -1 with err (its code is the exit status); an error record has then
 * been written to out, marked "on_error_fired" when on_error ran for it.
 * An error record from upstream already so marked does not run on_error
 * again.
 */
int apply_stream(PGconn *conn, FILE *in, const char *name, FILE *out,
    const struct apply_opts *o, struct apply_summary *sum, struct conf_error *err);

#endif
