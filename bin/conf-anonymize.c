/* conf-anonymize: mask personal data in a row stream (for now: passes records through unchanged). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "die.h"

static void
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: conf-anonymize [-hV] [file]\n"
	    "\n"
	    "conf-anonymize will mask personal data in a row stream.  This version passes every record of its\n"
	    "input (a file, or standard input when none or \"-\" is given) to standard\n"
	    "output unchanged and closes the stream with an end record, so that it can\n"
	    "already stand in a pipeline.\n"
	    "\n"
	    "  -h, --help      show this help\n"
	    "  -V, --version   show the version\n"
	    "\n%s", cli_exit_table);
	if (fp == stdout)
		finish(code);
	exit(code);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	const char *name;
	FILE *in;
	int c;

	die_init(argv[0]);
	die_on_sigpipe();
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout, 0);
			break;
		case 'V':
			cli_version();
			break;
		default:
			usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (argc - optind > 1)
		usage(stderr, CONF_EXIT_USAGE);
	if ((in = cli_open_input(argv[optind], &name, &err)) == NULL)
		die_error(&err);
	if (record_passthrough(in, name, stdout, &err) < 0)
		die_error(&err);
	finish(0);
}
