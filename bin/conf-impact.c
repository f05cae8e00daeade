/* conf-impact: predict (and, on a trial database, measure) what migrations will do before they run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "die.h"
#include "impact/impact.h"
#include "project.h"
#include "record.h"

static void
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: conf-impact [-hV] [-C dir] [-e env] [--estimate] [--db url]\n"
	    "                   [--sample-rows n] [--trial] [--format json|text]\n"
	    "                   [--max-risk level] [file]\n"
	    "\n"
	    "Read migration and statement records (a file, or standard input when none\n"
	    "or \"-\" is given) and write one impact record per statement and one per\n"
	    "migration: the lock mode taken on each table (foreign-key targets\n"
	    "included), whether the table is rewritten, scanned or only its metadata\n"
	    "changes, whether it can run in a transaction, whether a down migration\n"
	    "exists, and a risk level with reasons and recommendations.  Then the input\n"
	    "records follow unchanged, and the end record.\n"
	    "\n"
	    "  -C, --project dir     the project (default .), for --estimate\n"
	    "  -e, --env name        its environment, for --estimate\n"
	    "      --estimate        estimate on the project's database (as conf-apply\n"
	    "                        finds it: --db, CONFITURE_DATABASE_URL, the\n"
	    "                        environment file, DATABASE_URL)\n"
	    "      --db url          estimate: table sizes and rows, rows touched, current\n"
	    "                        blockers, and durations timed on sampled copies of\n"
	    "                        the tables in a transaction rolled back (read-only)\n"
	    "      --sample-rows n   rows the probe copies per table (default: 50000 or\n"
	    "                        32 MB of the table, whichever is more; 0: no\n"
	    "                        probe, no durations)\n"
	    "      --trial           with a database: run each migration in a transaction,\n"
	    "                        read its locks, rewrites, sizes and time, run its down\n"
	    "                        migration, compare the catalog, then ROLLBACK\n"
	    "      --format f        json (records, the default) or text (a report)\n"
	    "      --max-risk level  low, medium or high: when a migration exceeds it,\n"
	    "                        write an error record instead of the migrations and\n"
	    "                        exit 1\n"
	    "  -h, --help            show this help\n"
	    "  -V, --version         show the version\n"
	    "\n%s", cli_exit_table);
	if (fp == stdout)
		finish(code);
	exit(code);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "estimate", no_argument, NULL, 'E' },
		{ "env", required_argument, NULL, 'e' },
		{ "project", required_argument, NULL, 'C' },
		{ "tracking-table", required_argument, NULL, 'T' },
		{ "trial", no_argument, NULL, 't' },
		{ "sample-rows", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "max-risk", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	struct impact_estimate_opts est = { -1 };
	struct impact_run run;
	char *end;
	const char *name, *db = NULL, *format = "json", *root = NULL, *env = NULL;
	int c, trial = 0, estimate = 0, max_risk = -1, risk;
	struct project p;
	PGconn *conn = NULL;
	FILE *in;

	die_init(argv[0]);
	die_on_sigpipe();
	while ((c = getopt_long(argc, argv, "C:e:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			root = optarg;
			break;
		case 'e':
			env = optarg;
			break;
		case 'E':
			estimate = 1;
			break;
		case 'T':
			break;  /* accepted with the other project options; unused */
		case 'd':
			db = optarg;
			estimate = 1;
			break;
		case 't':
			trial = 1;
			break;
		case 's':
			est.sample_rows = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || est.sample_rows < 0 ||
			    est.sample_rows > 100000000)
				die(CONF_EXIT_USAGE, "--sample-rows wants a number of rows, not \"%s\"", optarg);
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				die(CONF_EXIT_USAGE, "unknown format \"%s\" (json or text)", optarg);
			format = optarg;
			break;
		case 'm':
			if ((max_risk = impact_risk_parse(optarg)) < 0)
				die(CONF_EXIT_USAGE, "unknown risk level \"%s\" (low, medium or high)", optarg);
			break;
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
	if (trial && !estimate)
		die(CONF_EXIT_USAGE, "--trial needs a database: --db or --estimate");
	if ((in = cli_open_input(argv[optind], &name, &err)) == NULL)
		die_error(&err);
	impact_run_init(&run);
	if (impact_run_read(&run, in, name, &err) < 0)
		goto fail;
	if (run.error != NULL) {
		/* Upstream failed: pass its error on and stop the same way. */
		record_write(stdout, run.error);
		c = (int)record_num(run.error, "code", CONF_EXIT_USAGE);
		impact_run_release(&run);
		finish(c ? c : CONF_EXIT_USAGE);
	}
	if (impact_run_static(&run, &err) < 0)
		goto fail;
	if (estimate) {
		if (project_load(&p, root, env, db, &err) < 0) {
			project_release(&p);
			goto fail;
		}
		conn = db_connect(p.conninfo, "conf-impact", &err);
		project_release(&p);
		if (conn == NULL)
			goto fail;
		if (impact_run_estimate(&run, conn, &est, &err) < 0)
			goto fail;
		if (trial && impact_run_trial(&run, conn, &err) < 0)
			goto fail;
		PQfinish(conn);
		conn = NULL;
	}
	risk = impact_run_risk(&run);
	if (strcmp(format, "text") == 0)
		impact_run_text(&run, stdout);
	else if (max_risk < 0 || risk <= max_risk) {
		if (impact_run_write(&run, stdout, &err) < 0)
			goto fail;
	}
	if (max_risk >= 0 && risk > max_risk) {
		conf_error_set(&err, CONF_EXIT_FINDINGS, "migration risk is %s, above --max-risk %s",
		    impact_risk_name(risk), impact_risk_name(max_risk));
		impact_run_blame(&run, max_risk, &err);
		if (strcmp(format, "json") == 0)
			record_emit(stdout, record_from_error("conf-impact", &err));
		report_error(&err);
		impact_run_release(&run);
		finish(CONF_EXIT_FINDINGS);
	}
	impact_run_release(&run);
	finish(0);
fail:
	if (conn != NULL)
		PQfinish(conn);
	if (strcmp(format, "json") == 0)
		record_emit(stdout, record_from_error("conf-impact", &err));
	impact_run_release(&run);
	die_error(&err);
}
