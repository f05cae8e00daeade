/* confiture sandbox: start, stop or locate a throwaway local PostgreSQL cluster. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "error.h"
#include "die.h"
#include "sandbox.h"

static int
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: confiture sandbox [--dir DIR] start|stop|url\n"
	    "\n"
	    "  start   create and start a local cluster (or find the running one) and\n"
	    "          print its connection URL\n"
	    "  stop    stop it and delete its data\n"
	    "  url     print the URL of the running sandbox\n"
	    "\n"
	    "  --dir DIR   where the sandbox keeps its state (default .confiture/sandbox)\n");
	return code;
}

int
cmd_sandbox(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	const char *dir = ".confiture/sandbox", *verb;
	struct sandbox sb;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (argc - optind != 1)
		return usage(stderr, CONF_EXIT_USAGE);
	verb = argv[optind];
	if (strcmp(verb, "start") == 0) {
		if (sandbox_start(dir, &sb, &err) < 0)
			goto fail;
		fprintf(stderr, "%s: sandbox running on port %d (data in %s)\n", progname,
		    sb.port, sb.pgdata);
		printf("%s\n", sb.url);
	} else if (strcmp(verb, "stop") == 0) {
		if (sandbox_stop(dir, &err) < 0)
			goto fail;
	} else if (strcmp(verb, "url") == 0) {
		if (sandbox_load(dir, &sb, &err) < 0)
			goto fail;
		printf("%s\n", sb.url);
	} else {
		return usage(stderr, CONF_EXIT_USAGE);
	}
	return 0;
fail:
	report_error(&err);
	return err.code ? err.code : CONF_EXIT_DB;
}
