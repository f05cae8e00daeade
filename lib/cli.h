/* cli: what every program's command line shares (--help, --version, exit table). */
#ifndef CONF_CLI_H
#define CONF_CLI_H

#include <stdio.h>

#include "error.h"
#include "record.h"

/* The exit-code table as printed at the end of every --help. */
extern const char cli_exit_table[];

/* Print "progname VERSION" on stdout and exit 0 (via finish). */
void cli_version(void) __attribute__((noreturn));

/*
 * Copy every record of in to out unchanged and close the stream with an end
 * record.  Returns the number of records, or -1 with err (malformed input,
 * truncated stream, write error).
 */
long record_passthrough(FILE *in, const char *name, FILE *out, struct conf_error *err);

/*
 * Open an input named on the command line: NULL or "-" is stdin, named
 * "<stdin>".  Returns the stream or NULL with err.
 */
FILE *cli_open_input(const char *path, const char **name, struct conf_error *err);

#endif
