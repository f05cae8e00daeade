/* extract: the migration and schema streams that conf-extract writes. */
#ifndef CONF_EXTRACT_H
#define CONF_EXTRACT_H

#include <stdio.h>
#include <libpq-fe.h>

#include "error.h"
#include "project.h"

enum extract_mode {
	EXTRACT_UP,       /* up migrations, in version order */
	EXTRACT_DOWN,     /* down migrations of applied ones, newest first */
	EXTRACT_BUILD,    /* the schema files as one build unit */
	EXTRACT_STATUS    /* one status record per migration, applied or not */
};

struct extract_opts {
	enum extract_mode mode;
	int pending;          /* up: only migrations the tracking table does not list */
	const char *to;       /* up: stop after this version; down: roll back to (keep) it */
	long steps;           /* up/down: at most this many (0: no limit; down defaults to 1) */
	int allow_drift;      /* do not refuse applied migrations whose file changed */
};

/*
 * Write the stream for mode to out, ending with the end record.  conn may be
 * NULL for EXTRACT_UP without pending and EXTRACT_BUILD; the other modes need
 * it to read the tracking table.  Every file is read and parsed before the
 * first record is written, so a syntax error or a refusal (drift, a missing
 * down file, a failed migration) writes nothing but the error.  Returns the
 * number of records written, or -1 with err.
 */
long extract_run(const struct project *p, const struct extract_opts *o, PGconn *conn,
    FILE *out, struct conf_error *err);

#endif
