/* confiture lint: lint the project's schema, its pending migrations and (--live) its database; the migrate up gate. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog.h"
#include "cmd/cmd.h"
#include "db.h"
#include "error.h"
#include "lint/lint.h"
#include "project.h"
#include "record.h"
#include "strbuf.h"
#include "tracking.h"

static int
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: confiture lint [--live] [--all] [-f format] [--fail-on severity]\n"
	    "                      [-C dir] [-e env] [--db url] [--tracking-table name]\n"
	    "\n"
	    "Lint the project with conf-lint's rules: the schema files (db/schema) as one\n"
	    "schema, then every migration the database has not applied (all of them with\n"
	    "--all or when the database cannot be reached).  Settings come from the\n"
	    "`lint:` section of the environment file, then db/lint.yaml.\n"
	    "\n"
	    "  --live              lint the database's catalog and statistics instead of\n"
	    "                      the schema files (conf-extract --schema)\n"
	    "  --all               every migration, applied or not\n"
	    "  -f, --format FMT    text (default), ndjson, sarif or github\n"
	    "  --fail-on SEV       exit 1 at or above: error, warning (default), info, never\n");
	return code;
}

static int
load_config(const struct project *p, struct lint_config *cfg, struct conf_error *err)
{
	return lint_config_project(cfg, p, err);
}

static int
lint_file(struct lint_run *run, const char *path, struct conf_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (strbuf_read_file(&sb, path) < 0) {
		strbuf_release(&sb);
		return conf_error_set(err, CONF_EXIT_USAGE, "could not read \"%s\"", path);
	}
	rc = lint_sql(run, sb.buf, path, err);
	strbuf_release(&sb);
	return rc;
}

/* The migrations to lint: pending ones, or all when all is set or the database is unreachable. */
static int
lint_migrations(struct lint_run *run, const struct project *p, int all, int quiet,
    struct conf_error *err)
{
	struct migration_file *m = NULL;
	struct applied *a = NULL;
	size_t n = 0, na = 0, i;
	int rc = 0;

	if (project_migrations(p, &m, &n, err) < 0)
		return -1;
	if (!all) {
		struct conf_error cerr = CONF_ERROR_INIT;
		PGconn *conn = db_connect(p->conninfo, "confiture", &cerr);

		if (!conn || tracking_read(conn, p->tracking_table, &a, &na, &cerr) < 0) {
			if (!quiet)
				fprintf(stderr, "confiture: %s; linting every migration\n", cerr.message);
			a = NULL;
			na = 0;
		}
		PQfinish(conn);
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (a && applied_find(a, na, m[i].version))
			continue;
		rc = lint_file(run, m[i].up_path, err);
	}
	applied_free(a, na);
	migration_files_free(m, n);
	return rc;
}

static int
lint_live(struct lint_run *run, const struct project *p, struct conf_error *err)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int rc = 0;

	if (!mem)
		return conf_error_set(err, CONF_EXIT_USAGE, "out of memory");
	if (catalog_snapshot(p->conninfo, mem, err) < 0)
		rc = -1;
	fclose(mem);
	for (line = strtok_r(buf, "\n", &save); line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
		cJSON *rec = cJSON_Parse(line);

		if (rec && strcmp(record_kind(rec), "schema") == 0)
			rc = lint_schema_record(run, rec, err);
		cJSON_Delete(rec);
	}
	free(buf);
	return rc;
}

int
cmd_lint(int argc, char **argv)
{
	enum { OPT_LIVE = CMD_OPT_FIRST_FREE, OPT_ALL, OPT_FAIL };
	static const struct option longopts[] = {
		CMD_PROJECT_OPTIONS,
		{ "all", no_argument, NULL, OPT_ALL },
		{ "fail-on", required_argument, NULL, OPT_FAIL },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	struct cmd_project cp;
	struct lint_config cfg;
	struct lint_run run;
	struct project p;
	const char *fail = NULL;
	int c, rc, live = 0, all = 0, fmt = LINT_FMT_TEXT;
	char **files = NULL;
	size_t nfiles = 0, i;

	memset(&cp, 0, sizeof(cp));
	optind = 1;
	while ((c = getopt_long(argc, argv, CMD_PROJECT_SHORTOPTS "f:", longopts, NULL)) != -1) {
		if (c == CMD_OPT_FORMAT || c == 'f') {
			if ((fmt = lint_format_parse(optarg)) < 0) {
				fprintf(stderr, "confiture: unknown lint format \"%s\"\n", optarg);
				return CONF_EXIT_USAGE;
			}
			continue;
		}
		if ((rc = cmd_project_option(&cp, c, optarg)) != 0) {
			if (rc < 0)
				return CONF_EXIT_USAGE;
			continue;
		}
		switch (c) {
		case 'h': return usage(stdout, 0);
		case OPT_LIVE: live = 1; break;
		case OPT_ALL: all = 1; break;
		case OPT_FAIL: fail = optarg; break;
		default: return usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (optind != argc)
		return usage(stderr, CONF_EXIT_USAGE);
	if (project_load(&p, cp.root, cp.env, cp.db, &err) < 0) {
		project_release(&p);
		fprintf(stderr, "confiture: %s\n", err.message);
		return err.code ? err.code : CONF_EXIT_USAGE;
	}
	lint_config_init(&cfg);
	rc = load_config(&p, &cfg, &err);
	if (rc == 0 && fail) {
		int sev = lint_severity_parse(fail, 1);

		if (sev < 0)
			rc = conf_error_set(&err, CONF_EXIT_USAGE, "--fail-on must be error, warning, info or never");
		else
			cfg.fail_on = (enum lint_severity)sev;
	}
	lint_run_init(&run, &cfg, 1);
	if (rc == 0 && live)
		rc = lint_live(&run, &p, &err);
	else if (rc == 0 && project_schema_files(&p, &files, &nfiles, &err) < 0)
		rc = -1;
	for (i = 0; i < nfiles && rc == 0; i++)
		rc = lint_file(&run, files[i], &err);
	project_paths_free(files, nfiles);
	run.schema_mode = 0;
	if (rc == 0)
		rc = lint_migrations(&run, &p, all, 0, &err);
	run.schema_mode = 1;
	if (rc == 0) {
		lint_schema_rules(&run);
		if (lint_write(&run, (enum lint_format)fmt, stdout) < 0)
			rc = conf_error_set(&err, CONF_EXIT_USAGE, "could not write output");
	}
	if (rc < 0) {
		fprintf(stderr, "confiture: %s\n", err.message);
		rc = err.code ? err.code : CONF_EXIT_USAGE;
	} else {
		rc = lint_failed(&run) ? CONF_EXIT_FINDINGS : CONF_EXIT_OK;
	}
	lint_run_release(&run);
	lint_config_release(&cfg);
	project_release(&p);
	return rc;
}
