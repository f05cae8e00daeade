/* lint/gate: conf-lint --gate, the validation stage of a migration stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lint/lint.h"
#include "project.h"
#include "record.h"
#include "strbuf.h"

int
lint_config_project(struct lint_config *cfg, const struct project *p, struct conf_error *err)
{
	struct stat st;
	char *own = xstrfmt("%s/db/lint.yaml", p->root ? p->root : ".");
	int rc = 0;

	if (p->env_file && lint_config_load(cfg, p->env_file, err) < 0)
		rc = -1;
	else if (stat(own, &st) == 0 && lint_config_load(cfg, own, err) < 0)
		rc = -1;
	free(own);
	cfg->runner_lock_timeout = p->lock_timeout != NULL;
	cfg->runner_stmt_timeout = p->statement_timeout != NULL;
	return rc;
}

/* Lint one up migration: its file when readable (ignore comments count), else its statements. */
static int
lint_migration(struct lint_run *run, const cJSON *m, const cJSON *records, const char *root,
    struct conf_error *err)
{
	const char *file = record_str(m, "file");
	struct strbuf sb = STRBUF_INIT;
	char *path = NULL;
	int rc, found = 0;
	const cJSON *r;

	if (file)
		path = file[0] == '/' || root == NULL ? xstrdup(file) : xstrfmt("%s/%s", root, file);
	if (path == NULL || strbuf_read_file(&sb, path) < 0) {
		strbuf_reset(&sb);
		cJSON_ArrayForEach(r, records) {
			if (r == m) {
				found = 1;
				continue;
			}
			if (!found)
				continue;
			if (strcmp(record_kind(r), "statement") != 0)
				break;
			strbuf_addf(&sb, "%s;\n", record_str(r, "sql") ? record_str(r, "sql") : "");
		}
	}
	rc = lint_sql(run, sb.buf ? sb.buf : "", file ? file : "<stream>", err);
	strbuf_release(&sb);
	free(path);
	return rc;
}

int
lint_gate(const struct lint_config *cfg, const char *root, FILE *in, const char *name,
    FILE *out, struct conf_error *err)
{
	struct record_reader r;
	struct lint_run run;
	cJSON *records = cJSON_CreateArray(), *rec;
	const cJSON *it;
	size_t i, stop = 0;
	long written = 0;
	int rc;

	record_reader_init(&r, in, name);
	while ((rc = record_read(&r, &rec, err)) > 0) {
		if (strcmp(record_kind(rec), "error") == 0) {
			/* Not ours: pass the run on as it is and stop with its code. */
			cJSON_AddItemToArray(records, rec);
			cJSON_ArrayForEach(it, records)
				record_write(out, it);
			conf_error_set(err, (int)record_num(rec, "code", CONF_EXIT_USAGE), "%s",
			    record_str(rec, "message") ? record_str(rec, "message") : "upstream error");
			cJSON_Delete(records);
			record_reader_release(&r);
			return -2;
		}
		cJSON_AddItemToArray(records, rec);
	}
	if (rc == 0 && !r.saw_end)
		rc = record_truncated_error(&r, err);
	record_reader_release(&r);
	if (rc < 0) {
		cJSON_Delete(records);
		return -1;
	}
	lint_run_init(&run, cfg, 0);
	if (cfg->migrate_fail_on != LINT_NEVER) {
		cJSON_ArrayForEach(it, records) {
			if (strcmp(record_kind(it), "migration") != 0 ||
			    strcmp(record_str(it, "direction") ? record_str(it, "direction") : "", "up") != 0)
				continue;
			if (lint_migration(&run, it, records, root, err) < 0) {
				/* A syntax error: conf-extract reports those; say it and stop. */
				lint_run_release(&run);
				cJSON_Delete(records);
				return -1;
			}
		}
	}
	for (i = 0; i < run.nfindings; i++)
		if (run.findings[i].severity >= cfg->migrate_fail_on)
			stop++;
	if (run.nfindings)
		lint_write(&run, LINT_FMT_TEXT, stderr);
	lint_run_release(&run);
	if (stop) {
		cJSON_Delete(records);
		conf_error_set(err, CONF_EXIT_FINDINGS,
		    "lint: %zu finding%s at or above %s: nothing was applied", stop, stop == 1 ? "" : "s",
		    lint_severity_name(cfg->migrate_fail_on));
		conf_error_hint(err, "fix the migration, add -- confiture-ignore <rule>, or set "
		    "lint.migrate_fail_on");
		return -1;
	}
	cJSON_ArrayForEach(it, records) {
		if (record_write(out, it) < 0) {
			cJSON_Delete(records);
			return conf_error_set(err, CONF_EXIT_USAGE, "could not write output");
		}
		written++;
	}
	cJSON_Delete(records);
	if (record_write_end(out, written) < 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write output");
	return 0;
}
