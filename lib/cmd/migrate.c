/* confiture migrate: up, down, status, baseline and resolve, composed from the filters. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "error.h"
#include "pipeline.h"
#include "db.h"
#include "project.h"
#include "record.h"
#include "strvec.h"
#include "tracking.h"

static int
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: confiture migrate up [--to version] [--steps n] [--allow-drift]\n"
	    "                            [--lock-wait seconds] [project options]\n"
	    "       confiture migrate down [--steps n | --to version] [project options]\n"
	    "       (up and down also take [--dry-run [--trial]] [--max-risk low|medium|high]\n"
	    "       [--force])\n"
	    "       confiture migrate status [project options]\n"
	    "       confiture migrate baseline --through version [project options]\n"
	    "       confiture migrate resolve version --applied|--rolled-back [project options]\n"
	    "\n"
	    "project options: [-C dir] [-e env] [--db url] [--tracking-table name]\n"
	    "                 [--format text|json] [--no-hooks]\n"
	    "\n"
	    "  up        apply pending migrations, each in its own transaction:\n"
	    "            conf-extract --pending | conf-hook before_validate | conf-apply\n"
	    "            (pipelines/migrate-up); hooks run as in conf-hook(1)\n"
	    "  down      roll back the last migration (or --steps n, or back to --to V);\n"
	    "            refuses, before changing anything, when a .down.sql is missing\n"
	    "  --dry-run   change nothing: print conf-impact's report of the migrations that\n"
	    "              would run (locks, rewrites, sizes, rows, blockers, estimated time\n"
	    "              from a probe on sampled copies, risk); exit 1 when one is above\n"
	    "              --max-risk\n"
	    "  --trial     with --dry-run: also run each migration (and its down file) in a\n"
	    "              transaction on the database, read its locks, then ROLLBACK; only\n"
	    "              on a database you allow it to touch (a sandbox, a restored copy)\n"
	    "  --max-risk  refuse (exit 1, nothing applied) a run with a migration predicted\n"
	    "              above this risk (the dry run's estimate, made again just before);\n"
	    "              default: the environment's migration.max_risk\n"
	    "  --force     apply even above --max-risk\n"
	    "  status    list migrations, applied or pending (exit 0 either way)\n"
	    "  baseline  record migrations up to --through V as applied, without running them\n"
	    "  resolve   settle a non-transactional migration left \"failed\" or \"running\":\n"
	    "            --applied records it as applied, --rolled-back forgets it\n");
	return code;
}

static int
run_up_down(const char *verb, int argc, char **argv)
{
	enum { OPT_TO = CMD_OPT_FIRST_FREE, OPT_STEPS, OPT_DRIFT, OPT_WAIT, OPT_THROUGH, OPT_DRY,
	    OPT_MAXRISK, OPT_FORCE, OPT_TRIAL };
	static const struct option longopts[] = {
		CMD_PROJECT_OPTIONS,
		{ "allow-drift", no_argument, NULL, OPT_DRIFT },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "max-risk", required_argument, NULL, OPT_MAXRISK },
		{ "lock-wait", required_argument, NULL, OPT_WAIT },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "through", required_argument, NULL, OPT_THROUGH },
		{ "to", required_argument, NULL, OPT_TO },
		{ "trial", no_argument, NULL, OPT_TRIAL },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_project cp;
	struct strvec extract = STRVEC_INIT, apply = STRVEC_INIT, hook = STRVEC_INIT;
	struct strvec lint = STRVEC_INIT, impact = STRVEC_INIT;
	const char *max_risk = NULL;
	char risk_buf[32];
	int dry = 0, force = 0, trial = 0;
	const char *to = NULL, *steps = NULL, *wait = NULL;
	const char *run_type = strcmp(verb, "down") == 0 ? "migrate_down" : "migrate_up";
	const char *const *stages[5];
	size_t nstages = 0;
	char command[64];
	int c, drift = 0, rc, baseline = strcmp(verb, "baseline") == 0;

	memset(&cp, 0, sizeof(cp));
	optind = 1;
	while ((c = getopt_long(argc, argv, CMD_PROJECT_SHORTOPTS, longopts, NULL)) != -1) {
		if ((rc = cmd_project_option(&cp, c, optarg)) != 0) {
			if (rc < 0)
				return CONF_EXIT_USAGE;
			continue;
		}
		switch (c) {
		case 'h': return usage(stdout, 0);
		case OPT_TO: to = optarg; break;
		case OPT_THROUGH: to = optarg; break;
		case OPT_STEPS: steps = optarg; break;
		case OPT_DRIFT: drift = 1; break;
		case OPT_WAIT: wait = optarg; break;
		case OPT_DRY: dry = 1; break;
		case OPT_FORCE: force = 1; break;
		case OPT_TRIAL: trial = 1; break;
		case OPT_MAXRISK: max_risk = optarg; break;
		default: return usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (optind != argc)
		return usage(stderr, CONF_EXIT_USAGE);
	if (baseline && to == NULL) {
		fprintf(stderr, "confiture: migrate baseline needs --through version\n");
		return CONF_EXIT_USAGE;
	}
	strvec_push(&extract, "conf-extract");
	cmd_project_args(&cp, &extract);
	if (strcmp(verb, "down") == 0)
		strvec_push(&extract, "--down");
	else if (!baseline)
		strvec_push(&extract, "--pending");
	if (to) {
		strvec_push(&extract, "--to");
		strvec_push(&extract, to);
	}
	if (steps) {
		strvec_push(&extract, "--steps");
		strvec_push(&extract, steps);
	}
	if (drift)
		strvec_push(&extract, "--allow-drift");
	strvec_push(&apply, "conf-apply");
	cmd_project_args(&cp, &apply);
	if (drift)
		strvec_push(&apply, "--allow-drift");
	if (baseline)
		strvec_push(&apply, "--baseline");
	if (wait) {
		strvec_push(&apply, "--lock-wait");
		strvec_push(&apply, wait);
	}
	cmd_hook_args(&cp, run_type, &apply);
	max_risk = baseline ? NULL : cmd_max_risk(&cp, max_risk, risk_buf, sizeof(risk_buf));
	if (trial && !dry) {
		fprintf(stderr, "confiture: --trial goes with --dry-run\n");
		rc = CONF_EXIT_USAGE;
		goto out;
	}
	if (dry) {
		/* Nothing runs but the prediction: no hooks, no lint gate, no apply. */
		rc = cmd_dry_run(&cp, extract.v, max_risk, trial ? CMD_IMPACT_TRIAL : CMD_IMPACT_ESTIMATE);
		goto out;
	}
	stages[nstages++] = extract.v;
	if (!baseline && !cp.no_hooks) {
		cmd_hook_stage(&cp, "before_validate", run_type, &hook);
		stages[nstages++] = hook.v;
	}
	if (strcmp(verb, "up") == 0) {
		/* The validation stage, after before_validate: lint.migrate_fail_on decides. */
		strvec_push(&lint, "conf-lint");
		strvec_push(&lint, "--gate");
		if (cp.root) {
			strvec_push(&lint, "-C");
			strvec_push(&lint, cp.root);
		}
		if (cp.env) {
			strvec_push(&lint, "--environment");
			strvec_push(&lint, cp.env);
		}
		stages[nstages++] = lint.v;
	}
	if (max_risk && !force) {
		/* The risk gate: a migration predicted above max_risk stops the run. */
		cmd_impact_stage(&cp, max_risk, CMD_IMPACT_ESTIMATE, &impact);
		stages[nstages++] = impact.v;
	}
	stages[nstages++] = apply.v;
	snprintf(command, sizeof(command), "migrate %s", verb);
	rc = cmd_run_report(&cp, command, stages, nstages);
out:
	strvec_clear(&impact);
	strvec_clear(&extract);
	strvec_clear(&hook);
	strvec_clear(&lint);
	strvec_clear(&apply);
	return rc;
}

struct status_view {
	int json;
	cJSON *rows;
	long pending, applied;
};

static int
status_line(void *arg, const char *line)
{
	struct status_view *sv = arg;
	cJSON *rec = cJSON_Parse(line);

	if (rec == NULL || strcmp(record_kind(rec), "status") != 0) {
		cJSON_Delete(rec);
		return 0;
	}
	if (record_bool(rec, "applied", 0))
		sv->applied++;
	else
		sv->pending++;
	if (!sv->json) {
		const char *state = record_str(rec, "state");
		char label[256];

		snprintf(label, sizeof(label), "%s_%s", record_str(rec, "version"),
		    record_str(rec, "name") ? record_str(rec, "name") : "");
		printf("%-10s %-40s %s%s%s\n", state ? state : "?", label,
		    record_str(rec, "applied_at") ? record_str(rec, "applied_at") : "",
		    record_bool(rec, "drift", 0) ? "  (file changed since)" : "",
		    record_bool(rec, "missing", 0) ? "  (file missing)" : "");
	}
	cJSON_AddItemToArray(sv->rows, rec);
	return 0;
}

static int
run_status(int argc, char **argv)
{
	static const struct option longopts[] = { CMD_PROJECT_OPTIONS, { NULL, 0, NULL, 0 } };
	struct cmd_project cp;
	struct strvec extract = STRVEC_INIT;
	struct status_view sv;
	struct pipeline_stage stage;
	struct conf_error err = CONF_ERROR_INIT;
	int c, rc;

	memset(&cp, 0, sizeof(cp));
	optind = 1;
	while ((c = getopt_long(argc, argv, CMD_PROJECT_SHORTOPTS, longopts, NULL)) != -1) {
		if ((rc = cmd_project_option(&cp, c, optarg)) != 0) {
			if (rc < 0)
				return CONF_EXIT_USAGE;
			continue;
		}
		if (c == 'h')
			return usage(stdout, 0);
		return usage(stderr, CONF_EXIT_USAGE);
	}
	if (optind != argc)
		return usage(stderr, CONF_EXIT_USAGE);
	strvec_push(&extract, "conf-extract");
	cmd_project_args(&cp, &extract);
	strvec_push(&extract, "--status");
	memset(&sv, 0, sizeof(sv));
	sv.json = cp.json;
	sv.rows = cJSON_CreateArray();
	stage.argv = extract.v;
	rc = pipeline_run(&stage, 1, status_line, &sv, &err);
	if (rc < 0) {
		fprintf(stderr, "confiture: %s\n", err.message);
		rc = err.code;
	}
	if (cp.json) {
		cJSON *doc = cJSON_CreateObject();
		char *text;

		cJSON_AddStringToObject(doc, "command", "migrate status");
		cJSON_AddBoolToObject(doc, "ok", rc == 0);
		cJSON_AddNumberToObject(doc, "applied", (double)sv.applied);
		cJSON_AddNumberToObject(doc, "pending", (double)sv.pending);
		cJSON_AddItemToObject(doc, "migrations", sv.rows);
		text = cJSON_PrintUnformatted(doc);
		printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(doc);
	} else {
		if (rc == 0)
			printf("%ld applied, %ld pending\n", sv.applied, sv.pending);
		cJSON_Delete(sv.rows);
	}
	strvec_clear(&extract);
	return rc;
}

static int
run_resolve(int argc, char **argv)
{
	enum { OPT_APPLIED = CMD_OPT_FIRST_FREE, OPT_ROLLED };
	static const struct option longopts[] = {
		CMD_PROJECT_OPTIONS,
		{ "applied", no_argument, NULL, OPT_APPLIED },
		{ "rolled-back", no_argument, NULL, OPT_ROLLED },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	struct cmd_project cp;
	struct project p;
	struct applied *all = NULL, *row;
	size_t n = 0;
	PGconn *conn = NULL;
	int c, rc, how = 0;

	memset(&cp, 0, sizeof(cp));
	optind = 1;
	while ((c = getopt_long(argc, argv, CMD_PROJECT_SHORTOPTS, longopts, NULL)) != -1) {
		if ((rc = cmd_project_option(&cp, c, optarg)) != 0) {
			if (rc < 0)
				return CONF_EXIT_USAGE;
			continue;
		}
		switch (c) {
		case 'h': return usage(stdout, 0);
		case OPT_APPLIED: how = 1; break;
		case OPT_ROLLED: how = 2; break;
		default: return usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (optind + 1 != argc || how == 0)
		return usage(stderr, CONF_EXIT_USAGE);
	if (project_load(&p, cp.root, cp.env, cp.db, &err) < 0)
		goto fail;
	if ((conn = db_connect(p.conninfo, "confiture", &err)) == NULL ||
	    tracking_lock(conn, cp.table ? cp.table : p.tracking_table, p.lock_wait_ms, &err) < 0 ||
	    tracking_read(conn, cp.table ? cp.table : p.tracking_table, &all, &n, &err) < 0)
		goto fail;
	row = applied_find(all, n, argv[optind]);
	if (row == NULL || applied_done(row)) {
		conf_error_set(&err, CONF_EXIT_USAGE, "migration %s is not failed or running",
		    argv[optind]);
		goto fail;
	}
	if (how == 1) {
		rc = tracking_record(conn, cp.table ? cp.table : p.tracking_table, row->version,
		    row->name, row->checksum, "applied", row->duration_ms, &err);
	} else {
		rc = tracking_delete(conn, cp.table ? cp.table : p.tracking_table, row->version, &err);
	}
	if (rc < 0)
		goto fail;
	printf("%s %s_%s\n", how == 1 ? "marked applied:" : "forgotten:", row->version, row->name);
	applied_free(all, n);
	PQfinish(conn);
	project_release(&p);
	return 0;
fail:
	fprintf(stderr, "confiture: %s\n", err.message);
	if (err.detail[0])
		fprintf(stderr, "detail: %s\n", err.detail);
	if (err.hint[0])
		fprintf(stderr, "hint: %s\n", err.hint);
	applied_free(all, n);
	PQfinish(conn);
	project_release(&p);
	return err.code ? err.code : CONF_EXIT_USAGE;
}

int
cmd_migrate(int argc, char **argv)
{
	const char *verb;

	if (argc < 2)
		return usage(stderr, CONF_EXIT_USAGE);
	verb = argv[1];
	if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0)
		return usage(stdout, 0);
	if (strcmp(verb, "up") == 0 || strcmp(verb, "down") == 0 || strcmp(verb, "baseline") == 0)
		return run_up_down(verb, argc - 1, argv + 1);
	if (strcmp(verb, "status") == 0)
		return run_status(argc - 1, argv + 1);
	if (strcmp(verb, "resolve") == 0)
		return run_resolve(argc - 1, argv + 1);
	fprintf(stderr, "confiture: unknown migrate command \"%s\"\n", verb);
	return usage(stderr, CONF_EXIT_USAGE);
}
