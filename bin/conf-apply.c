/* conf-apply: apply a migration stream to a database, one transaction per migration. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cli.h"
#include "dataload.h"
#include "db.h"
#include "die.h"
#include "hook/hook.h"
#include "hook/wire.h"
#include "project.h"

static void
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: conf-apply [-hV] [-C dir] [-e env] [--db url] [--tracking-table name]\n"
	    "                  [--lock-wait seconds] [--lock-timeout time]\n"
	    "                  [--statement-timeout time] [--baseline] [--allow-drift]\n"
	    "                  [--run-type type] [--no-hooks] [file]\n"
	    "       conf-apply --data [--checkpoint-table name] [--no-resume] [--progress]\n"
	    "                  [--resume-key key] [--rehearse] [-C dir] [-e env] [--db url]\n"
	    "                  [file]\n"
	    "\n"
	    "Apply the migration stream read from file (standard input when none or \"-\")\n"
	    "to the database, and write one result record per migration.  Each migration\n"
	    "runs in its own transaction and is recorded in the tracking table in that\n"
	    "same transaction; one whose statements cannot run in a transaction (CREATE\n"
	    "INDEX CONCURRENTLY, ...) runs statement by statement and is marked \"running\"\n"
	    "until it finishes, \"failed\" if it stops.  Migrations already applied are\n"
	    "skipped, so two runners never apply one twice: a session advisory lock\n"
	    "serialises them.  A stream that ends without its end record, or brings an\n"
	    "error record, rolls back the migration in flight.  Records of other kinds\n"
	    "are passed on.  The project's before_apply, after_apply and on_error hooks\n"
	    "run around each migration (see conf-hook(1)).\n"
	    "\n"
	    "  --baseline              record up migrations as applied without running them\n"
	    "  --data                  load a data stream (conf-extract --data) instead: each\n"
	    "                          table truncated (never CASCADE) and filled with COPY in\n"
	    "                          its own transaction, parents first, with a checkpoint\n"
	    "  --checkpoint-table t    with --data: where checkpoints live (default confiture_sync)\n"
	    "  --no-resume             with --data: ignore checkpoints of an unfinished load\n"
	    "  --progress              with --data: rows and rows/s per table on stderr, when\n"
	    "                          it is a terminal\n"
	    "  --resume-key key        with --data: resume only a load made with the same key\n"
	    "  --rehearse              with --data: load into copies of the tables in a\n"
	    "                          private schema, in one transaction rolled back at the\n"
	    "                          end; the tables are not touched (sync --dry-run)\n"
	    "                          (confiture sync: the profile's SHA-256)\n"
	    "  --allow-drift           accept applied migrations whose checksum changed\n"
	    "  --run-type type         build, migrate_up, migrate_down or sync, for hooks\n"
	    "                          (default: from the first migration's direction)\n"
	    "  --no-hooks              run no hooks\n"
	    "  --lock-wait seconds     wait this long for another runner (default 60)\n"
	    "  --lock-timeout time     SET lock_timeout for the session (e.g. 5s)\n"
	    "  --statement-timeout time  SET statement_timeout for the session\n"
	    "  -C, --project dir       the project directory (default .)\n"
	    "  -e, --env env           read db/environments/<env>.yaml\n"
	    "      --db url            the database (overrides everything else)\n"
	    "      --tracking-table t  the tracking table (default confiture_migrations)\n"
	    "  -h, --help              show this help\n"
	    "  -V, --version           show the version\n"
	    "\n%s", cli_exit_table);
	if (fp == stdout)
		finish(code);
	exit(code);
}

int
main(int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_TABLE, OPT_WAIT, OPT_LOCKTO, OPT_STMTTO, OPT_BASELINE, OPT_DRIFT,
	    OPT_RUNTYPE, OPT_NOHOOKS, OPT_DATA, OPT_CHECKPOINT, OPT_NORESUME, OPT_PROGRESS, OPT_RESUMEKEY,
	    OPT_REHEARSE };
	static const struct option longopts[] = {
		{ "allow-drift", no_argument, NULL, OPT_DRIFT },
		{ "baseline", no_argument, NULL, OPT_BASELINE },
		{ "checkpoint-table", required_argument, NULL, OPT_CHECKPOINT },
		{ "data", no_argument, NULL, OPT_DATA },
		{ "db", required_argument, NULL, OPT_DB },
		{ "env", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "lock-timeout", required_argument, NULL, OPT_LOCKTO },
		{ "lock-wait", required_argument, NULL, OPT_WAIT },
		{ "no-resume", no_argument, NULL, OPT_NORESUME },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "rehearse", no_argument, NULL, OPT_REHEARSE },
		{ "resume-key", required_argument, NULL, OPT_RESUMEKEY },
		{ "no-hooks", no_argument, NULL, OPT_NOHOOKS },
		{ "project", required_argument, NULL, 'C' },
		{ "run-type", required_argument, NULL, OPT_RUNTYPE },
		{ "statement-timeout", required_argument, NULL, OPT_STMTTO },
		{ "tracking-table", required_argument, NULL, OPT_TABLE },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	struct apply_opts o;
	struct apply_summary sum;
	struct data_load_opts dl;
	struct project p;
	const char *root = NULL, *env = NULL, *db = NULL, *table = NULL, *name;
	const char *lock_timeout = NULL, *stmt_timeout = NULL, *run_type = NULL;
	struct hook_set hooks;
	struct apply_hooks callbacks;
	int use_hooks = 1;
	long wait_s = -1;
	PGconn *conn;
	FILE *in;
	char *end;
	int c, rc, data = 0;

	die_init(argv[0]);
	die_on_sigpipe();
	memset(&o, 0, sizeof(o));
	memset(&dl, 0, sizeof(dl));
	while ((c = getopt_long(argc, argv, "C:e:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': root = optarg; break;
		case 'e': env = optarg; break;
		case 'h': usage(stdout, 0); break;
		case 'V': cli_version(); break;
		case OPT_DB: db = optarg; break;
		case OPT_TABLE: table = optarg; break;
		case OPT_LOCKTO: lock_timeout = optarg; break;
		case OPT_STMTTO: stmt_timeout = optarg; break;
		case OPT_BASELINE: o.baseline = 1; break;
		case OPT_DRIFT: o.allow_drift = 1; break;
		case OPT_DATA: data = 1; break;
		case OPT_CHECKPOINT: dl.checkpoint_table = optarg; break;
		case OPT_NORESUME: dl.no_resume = 1; break;
		case OPT_PROGRESS: dl.progress = 1; break;
		case OPT_RESUMEKEY: dl.resume_key = optarg; break;
		case OPT_REHEARSE: dl.rehearse = 1; use_hooks = 0; break;
		case OPT_RUNTYPE: run_type = optarg; break;
		case OPT_NOHOOKS: use_hooks = 0; break;
		case OPT_WAIT:
			wait_s = strtol(optarg, &end, 10);
			if (*end != '\0' || wait_s < 0)
				die(CONF_EXIT_USAGE, "--lock-wait takes a number of seconds, not \"%s\"", optarg);
			break;
		default:
			usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (argc - optind > 1)
		usage(stderr, CONF_EXIT_USAGE);
	if (dl.rehearse && !data)
		die(CONF_EXIT_USAGE, "--rehearse goes with --data");
	if (project_load(&p, root, env, db, &err) < 0)
		die_error(&err);
	if ((in = cli_open_input(argv[optind], &name, &err)) == NULL)
		die_error(&err);
	o.tracking_table = table ? table : p.tracking_table;
	o.lock_wait_ms = wait_s >= 0 ? wait_s * 1000 : p.lock_wait_ms;
	o.lock_timeout = lock_timeout ? lock_timeout : p.lock_timeout;
	o.statement_timeout = stmt_timeout ? stmt_timeout : p.statement_timeout;
	memset(&hooks, 0, sizeof(hooks));
	if (use_hooks) {
		if (hook_set_load(&hooks, &p, run_type, &err) < 0)
			die_error(&err);
		hook_apply_callbacks(&hooks, &callbacks);
		o.hooks = &callbacks;
		dl.hooks = &callbacks;
	}
	if ((conn = db_connect(p.conninfo, "conf-apply", &err)) == NULL) {
		/* Nothing was applied; the on_error hooks still hear of it. */
		cJSON *e = record_from_error("conf-apply", &err), *list, *it;

		if (use_hooks) {
			callbacks.on_error(&hooks, NULL, &err, NULL);
			list = hook_set_take_records(&hooks);
			cJSON_ArrayForEach(it, list)
				record_write(stdout, it);
			cJSON_Delete(list);
			cJSON_AddBoolToObject(e, "on_error_fired", 1);
		}
		record_emit(stdout, e);
		die_error(&err);
	}
	if (data)
		rc = data_load(conn, in, name, stdout, &dl, &err);
	else
		rc = apply_stream(conn, in, name, stdout, &o, &sum, &err);
	PQfinish(conn);
	if (use_hooks)
		hook_set_release(&hooks);
	project_release(&p);
	if (rc < 0)
		die_error(&err);
	finish(0);
}
