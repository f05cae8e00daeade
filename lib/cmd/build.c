/* confiture build: apply db/schema to a database in one transaction (conf-extract --build | conf-apply). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "error.h"
#include "db.h"
#include "project.h"
#include "strbuf.h"
#include "strvec.h"

static int
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: confiture build [--create] [-C dir] [-e env] [--db url]\n"
	    "                       [--format text|json] [--no-hooks] [--dry-run [--max-risk level]]\n"
	    "\n"
	    "Apply every .sql file under db/schema (or the environment's include_dirs),\n"
	    "in sorted path order, as one transaction: conf-extract --build |\n"
	    "conf-hook before_validate | conf-apply (pipelines/build).  Every file is\n"
	    "parsed first: a syntax error is reported\n"
	    "as file:line:col before the database is touched.\n"
	    "\n"
	    "  --create    create the database first when it does not exist\n"
	    "  --no-hooks  run no hooks (see conf-hook(1))\n"
	    "  --dry-run   change nothing: print conf-impact's report of the build; with\n"
	    "              --max-risk, exit 1 when it is above that risk\n");
	return code;
}

/* Create the database conninfo names, if it is not there. */
static int
create_database(const char *conninfo, struct conf_error *err)
{
	char *dbname = NULL, *quoted;
	const char *params[1];
	PGconn *conn = db_connect_maintenance(conninfo, "confiture", &dbname, err);
	PGresult *res;
	int rc = 0;

	if (conn == NULL)
		return -1;
	params[0] = dbname;
	res = db_query(conn, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", 1, params, err);
	if (res == NULL) {
		rc = -1;
	} else if (PQntuples(res) == 0) {
		if ((quoted = db_quote_ident(conn, dbname, err)) == NULL) {
			rc = -1;
		} else {
			char *sql = xstrfmt("CREATE DATABASE %s", quoted);

			rc = db_exec(conn, sql, err);
			if (rc == 0)
				fprintf(stderr, "confiture: created database %s\n", quoted);
			free(sql);
			free(quoted);
		}
	}
	PQclear(res);
	free(dbname);
	PQfinish(conn);
	return rc;
}

int
cmd_build(int argc, char **argv)
{
	enum { OPT_CREATE = CMD_OPT_FIRST_FREE, OPT_DRY, OPT_MAXRISK };
	static const struct option longopts[] = {
		CMD_PROJECT_OPTIONS,
		{ "create", no_argument, NULL, OPT_CREATE },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "max-risk", required_argument, NULL, OPT_MAXRISK },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	struct strvec extract = STRVEC_INIT, apply = STRVEC_INIT, hook = STRVEC_INIT;
	const char *const *stages[3];
	size_t nstages = 0;
	struct cmd_project cp;
	int c, rc, create = 0, dry = 0;
	const char *max_risk = NULL;

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
		case OPT_CREATE: create = 1; break;
		case OPT_DRY: dry = 1; break;
		case OPT_MAXRISK: max_risk = optarg; break;
		default: return usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (optind != argc)
		return usage(stderr, CONF_EXIT_USAGE);
	if (dry) {
		/* Nothing runs but the prediction (no database needed, none created). */
		strvec_push(&extract, "conf-extract");
		cmd_project_args(&cp, &extract);
		strvec_push(&extract, "--build");
		rc = cmd_dry_run(&cp, extract.v, max_risk, CMD_IMPACT_STATIC);
		strvec_clear(&extract);
		return rc;
	}
	if (create) {
		struct project p;

		if (project_load(&p, cp.root, cp.env, cp.db, &err) < 0 ||
		    create_database(p.conninfo, &err) < 0) {
			fprintf(stderr, "confiture: %s\n", err.message);
			project_release(&p);
			return err.code;
		}
		project_release(&p);
	}
	strvec_push(&extract, "conf-extract");
	cmd_project_args(&cp, &extract);
	strvec_push(&extract, "--build");
	strvec_push(&apply, "conf-apply");
	cmd_project_args(&cp, &apply);
	cmd_hook_args(&cp, "build", &apply);
	stages[nstages++] = extract.v;
	if (!cp.no_hooks) {
		cmd_hook_stage(&cp, "before_validate", "build", &hook);
		stages[nstages++] = hook.v;
	}
	stages[nstages++] = apply.v;
	rc = cmd_run_report(&cp, "build", stages, nstages);
	strvec_clear(&extract);
	strvec_clear(&hook);
	strvec_clear(&apply);
	return rc;
}
