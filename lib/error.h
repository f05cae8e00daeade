/* error: how the library reports failures, and the exit-code table. */
#ifndef CONF_ERROR_H
#define CONF_ERROR_H

/*
 * The one exit-code table of every confiture program (documented in each
 * man page).  The library never exits: it returns -1 and fills a conf_error
 * whose `code` is the exit status a program should use.
 */
enum conf_exit {
	CONF_EXIT_OK = 0,        /* success */
	CONF_EXIT_FINDINGS = 1,  /* findings, or a gate (lint, risk) said no */
	CONF_EXIT_USAGE = 2,     /* usage or input error: options, NDJSON, YAML, SQL syntax, truncated stream */
	CONF_EXIT_DB = 3,        /* database unreachable or connection lost */
	CONF_EXIT_LOCK = 4,      /* another run holds the migration lock */
	CONF_EXIT_HOOK = 5,      /* a hook or plugin vetoed or failed */
	CONF_EXIT_SQL = 6,       /* a statement failed; its migration was rolled back */
	CONF_EXIT_STATE = 7      /* project/database state refuses the run: drift, missing down file, failed migration */
};

/*
 * A failure: an exit code from the table above, a primary message (lowercase,
 * no final period), and optional detail and hint lines.  Fixed-size so that
 * it can live on the stack and be filled anywhere without allocation.
 */
struct conf_error {
	int code;
	char sqlstate[6];
	char message[1024];
	char detail[1024];
	char hint[512];
};

#define CONF_ERROR_INIT { 0, "", "", "", "" }

/* Set code and message; returns -1 so that `return conf_error_set(...)` reads well. */
int conf_error_set(struct conf_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void conf_error_detail(struct conf_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void conf_error_hint(struct conf_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void conf_error_clear(struct conf_error *err);

#endif
