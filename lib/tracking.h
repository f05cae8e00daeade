/* tracking: the table that records which migrations are applied, and the runners' lock. */
#ifndef CONF_TRACKING_H
#define CONF_TRACKING_H

#include <stddef.h>
#include <libpq-fe.h>

#include "error.h"

/*
 * One row of the tracking table.  status is "applied", "baselined" (recorded
 * without running), "running" (a non-transactional migration in progress, or
 * one whose runner died) or "failed" (a non-transactional migration that
 * stopped at failed_statement).
 */
struct applied {
	char *version;
	char *name;
	char *checksum;
	char *status;
	char *applied_at;
	long duration_ms;
	char *applied_by;
	int failed_statement;
	char *error;
};

/* Create the table if it does not exist (needs the lock, see tracking_lock). */
int tracking_ensure(PGconn *conn, const char *table, struct conf_error *err);
/*
 * Read every row, sorted by version.  A table that does not exist reads as
 * empty.  Free with applied_free.
 */
int tracking_read(PGconn *conn, const char *table, struct applied **out,
    size_t *n, struct conf_error *err);
void applied_free(struct applied *a, size_t n);
struct applied *applied_find(struct applied *a, size_t n, const char *version);
/* True for a row that counts as applied ("applied" or "baselined"). */
int applied_done(const struct applied *a);

/*
 * Record, update or delete one migration's row.  status as above; error may
 * be NULL.  These run in whatever transaction the connection is in.
 */
int tracking_record(PGconn *conn, const char *table, const char *version,
    const char *name, const char *checksum, const char *status, long duration_ms,
    struct conf_error *err);
int tracking_fail(PGconn *conn, const char *table, const char *version,
    int statement, const char *message, struct conf_error *err);
int tracking_delete(PGconn *conn, const char *table, const char *version,
    struct conf_error *err);

/*
 * Take the session advisory lock that serialises runners on one tracking
 * table, waiting up to wait_ms.  Returns 0, or -1 with CONF_EXIT_LOCK when
 * another runner still holds it (or CONF_EXIT_DB on connection loss).
 */
int tracking_lock(PGconn *conn, const char *table, long wait_ms, struct conf_error *err);

#endif
