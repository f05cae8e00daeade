/* cli: what every program's command line shares (--help, --version, exit table). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "die.h"

const char cli_exit_table[] =
	"Exit status:\n"
	"  0  success\n"
	"  1  findings, or a gate (lint, risk) said no\n"
	"  2  usage or input error (options, NDJSON, YAML, SQL syntax, truncated stream)\n"
	"  3  database unreachable or connection lost\n"
	"  4  another run holds the migration lock\n"
	"  5  a hook or plugin vetoed or failed\n"
	"  6  a statement failed; its migration was rolled back\n"
	"  7  state refuses the run (checksum drift, missing down file, failed migration)\n";

void
cli_version(void)
{
	printf("%s %s\n", progname, CONF_VERSION);
	finish(0);
}

FILE *
cli_open_input(const char *path, const char **name, struct conf_error *err)
{
	FILE *fp;

	if (path == NULL || strcmp(path, "-") == 0) {
		*name = "<stdin>";
		return stdin;
	}
	*name = path;
	fp = fopen(path, "r");
	if (fp == NULL)
		conf_error_set(err, CONF_EXIT_USAGE, "could not open \"%s\": %s", path, strerror(errno));
	return fp;
}

long
record_passthrough(FILE *in, const char *name, FILE *out, struct conf_error *err)
{
	struct record_reader r;
	cJSON *rec;
	long n = 0;
	int rc;

	record_reader_init(&r, in, name);
	while ((rc = record_read(&r, &rec, err)) > 0) {
		if (record_emit(out, rec) < 0) {
			record_reader_release(&r);
			return conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s",
			    strerror(errno));
		}
		n++;
	}
	if (rc == 0 && !r.saw_end)
		rc = record_truncated_error(&r, err);
	record_reader_release(&r);
	if (rc < 0)
		return -1;
	if (record_write_end(out, n) < 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s", strerror(errno));
	return n;
}
