/* die: messages to people on stderr, for programs in bin/ only. */
#ifndef CONF_DIE_H
#define CONF_DIE_H

#include "error.h"

/*
 * The program name used as the prefix of every message ("conf-apply: ...").
 * Set once by main() with die_init(argv[0]).
 */
extern const char *progname;
void die_init(const char *argv0);

/*
 * die(code, fmt, ...): print "progname: message" and exit with code.  A
 * format ending in ':' appends ": strerror(errno)".  Only bin/ may call it.
 */
void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a conf_error (message, detail, hint) with the program prefix. */
void report_error(const struct conf_error *err);
/* report_error, then exit with err->code (2 if unset). */
void die_error(const struct conf_error *err) __attribute__((noreturn));
/*
 * Flush and close stdout, and exit with `code`; a write error (e.g.
 * >/dev/full) turns into an error message and exit 2.
 */
void finish(int code) __attribute__((noreturn));
/* Exit quietly on SIGPIPE, as a filter should when its reader goes away. */
void die_on_sigpipe(void);

#endif
