/* confiture: the orchestrator that composes the conf-* filters into whole jobs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd/cmd.h"
#include "die.h"

static void
usage(FILE *fp, int code)
{
	const struct cmd *c;

	fprintf(fp,
	    "usage: confiture [-hV] <command> [options]\n"
	    "\n"
	    "Build PostgreSQL schemas from DDL files, apply migrations, and copy data\n"
	    "safely, by composing the conf-* filters.  Commands:\n\n");
	for (c = cmd_table; c->name; c++)
		fprintf(fp, "  %-10s %s\n", c->name, c->summary);
	fprintf(fp,
	    "\n"
	    "\"confiture <command> --help\" describes a command.\n"
	    "\n%s", cli_exit_table);
	if (fp == stdout)
		finish(code);
	exit(code);
}

int
main(int argc, char **argv)
{
	const struct cmd *c;

	die_init(argv[0]);
	if (argc < 2)
		usage(stderr, CONF_EXIT_USAGE);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage(stdout, 0);
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		cli_version();
	if ((c = cmd_find(argv[1])) == NULL) {
		fprintf(stderr, "%s: unknown command \"%s\"\n", progname, argv[1]);
		usage(stderr, CONF_EXIT_USAGE);
	}
	finish(c->run(argc - 1, argv + 1));
}
