/* report: shared option handling and result reporting for the project commands. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "error.h"
#include "pipeline.h"
#include "record.h"
#include "strvec.h"

int
cmd_project_option(struct cmd_project *cp, int c, const char *arg)
{
	switch (c) {
	case 'C': cp->root = arg; return 1;
	case 'e': cp->env = arg; return 1;
	case CMD_OPT_DB: cp->db = arg; return 1;
	case CMD_OPT_TABLE: cp->table = arg; return 1;
	case CMD_OPT_NOHOOKS: cp->no_hooks = 1; return 1;
	case CMD_OPT_FORMAT:
		if (strcmp(arg, "json") == 0)
			cp->json = 1;
		else if (strcmp(arg, "text") == 0)
			cp->json = 0;
		else {
			fprintf(stderr, "confiture: --format takes text or json, not \"%s\"\n", arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

void
cmd_project_args(const struct cmd_project *cp, struct strvec *argv)
{
	if (cp->root) {
		strvec_push(argv, "-C");
		strvec_push(argv, cp->root);
	}
	if (cp->env) {
		strvec_push(argv, "-e");
		strvec_push(argv, cp->env);
	}
	if (cp->db) {
		strvec_push(argv, "--db");
		strvec_push(argv, cp->db);
	}
	if (cp->table) {
		strvec_push(argv, "--tracking-table");
		strvec_push(argv, cp->table);
	}
}

struct report {
	const struct cmd_project *cp;
	cJSON *results, *errors, *hook_results;
	long counts[6];
	long hooks;
};

void
cmd_hook_stage(const struct cmd_project *cp, const char *point, const char *run_type,
    struct strvec *argv)
{
	strvec_push(argv, "conf-hook");
	if (cp->root) {
		strvec_push(argv, "-C");
		strvec_push(argv, cp->root);
	}
	if (cp->env) {
		strvec_push(argv, "-e");
		strvec_push(argv, cp->env);
	}
	if (cp->db) {
		strvec_push(argv, "--db");
		strvec_push(argv, cp->db);
	}
	strvec_push(argv, "--run-type");
	strvec_push(argv, run_type);
	strvec_push(argv, point);
}

void
cmd_hook_args(const struct cmd_project *cp, const char *run_type, struct strvec *argv)
{
	strvec_push(argv, "--run-type");
	strvec_push(argv, run_type);
	if (cp->no_hooks)
		strvec_push(argv, "--no-hooks");
}

static const char *const statuses[] = { "applied", "rolled_back", "skipped", "baselined", "built", NULL };

static void
print_result(const cJSON *rec)
{
	const char *status = record_str(rec, "status"), *version = record_str(rec, "version");
	const char *name = record_str(rec, "name");
	char label[256];

	snprintf(label, sizeof(label), "%s%s%s", version ? version : "", version ? "_" : "",
	    name ? name : "");
	if (strcmp(status, "skipped") == 0)
		printf("%-12s %s (already in that state)\n", status, label);
	else if (strcmp(status, "baselined") == 0)
		printf("%-12s %s (recorded, not run)\n", status, label);
	else
		printf("%-12s %-40s %4.0f statements %7.0f ms\n",
		    strcmp(status, "rolled_back") == 0 ? "rolled back" : status, label,
		    record_num(rec, "statements", 0), record_num(rec, "duration_ms", 0));
}

static int
on_line(void *arg, const char *line)
{
	struct report *rp = arg;
	cJSON *rec = cJSON_Parse(line);
	const char *kind;
	int i;

	if (rec == NULL)
		return 0;
	kind = record_kind(rec);
	if (strcmp(kind, "result") == 0) {
		const char *status = record_str(rec, "status");

		for (i = 0; status && statuses[i]; i++)
			if (strcmp(status, statuses[i]) == 0)
				rp->counts[i]++;
		if (!rp->cp->json && status)
			print_result(rec);
		cJSON_AddItemToArray(rp->results, rec);
		return 0;
	}
	if (strcmp(kind, "error") == 0) {
		cJSON_AddItemToArray(rp->errors, rec);
		return 0;
	}
	if (strcmp(kind, "hook_result") == 0) {
		if (!rp->cp->json) {
			const char *status = record_str(rec, "status");
			char label[256];

			snprintf(label, sizeof(label), "%s/%s",
			    record_str(rec, "point") ? record_str(rec, "point") : "?",
			    record_str(rec, "hook") ? record_str(rec, "hook") : "?");
			printf("%-12s %-40s %-15s %7.0f ms\n", "hook", label, status ? status : "?",
			    record_num(rec, "duration_ms", 0));
		}
		rp->hooks++;
		cJSON_AddItemToArray(rp->hook_results, rec);
		return 0;
	}
	if (strcmp(kind, "end") != 0)
		cJSON_AddItemToArray(rp->results, rec);
	else
		cJSON_Delete(rec);
	return 0;
}

int
cmd_run_report(const struct cmd_project *cp, const char *command,
    const char *const *const *stages, size_t n)
{
	struct pipeline_stage *ps = calloc(n, sizeof(*ps));
	struct conf_error err = CONF_ERROR_INIT;
	struct report rp;
	size_t i;
	int code;

	memset(&rp, 0, sizeof(rp));
	rp.cp = cp;
	rp.results = cJSON_CreateArray();
	rp.errors = cJSON_CreateArray();
	rp.hook_results = cJSON_CreateArray();
	if (getenv("CONFITURE_RUN_ID") == NULL) {
		/* One id for every stage of this run, so that hooks can tell runs apart. */
		char id[64];

		snprintf(id, sizeof(id), "%ld-%ld", (long)time(NULL), (long)getpid());
		setenv("CONFITURE_RUN_ID", id, 1);
	}
	for (i = 0; i < n; i++)
		ps[i].argv = (const char **)stages[i];
	code = pipeline_run(ps, n, on_line, &rp, &err);
	if (code < 0) {
		fprintf(stderr, "confiture: %s\n", err.message);
		code = err.code;
	}
	for (i = 0; i < n; i++) {
		if (ps[i].status >= 128) {
			fprintf(stderr, "confiture: %s was killed by signal %d\n", ps[i].argv[0],
			    ps[i].status - 128);
			if (code >= 128)
				code = CONF_EXIT_USAGE;
		}
	}
	if (cp->json) {
		cJSON *doc = cJSON_CreateObject();
		char *text;

		cJSON_AddStringToObject(doc, "command", command);
		cJSON_AddBoolToObject(doc, "ok", code == 0);
		cJSON_AddNumberToObject(doc, "exit_code", code);
		cJSON_AddItemToObject(doc, "results", rp.results);
		cJSON_AddItemToObject(doc, "errors", rp.errors);
		cJSON_AddItemToObject(doc, "hooks", rp.hook_results);
		text = cJSON_PrintUnformatted(doc);
		printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(doc);
	} else {
		if (code == 0 && cJSON_GetArraySize(rp.results) == 0)
			printf("nothing to do\n");
		else if (code == 0 && strncmp(command, "migrate", 7) == 0)
			printf("done: %ld applied, %ld rolled back, %ld skipped, %ld baselined\n",
			    rp.counts[0], rp.counts[1], rp.counts[2], rp.counts[3]);
		cJSON_Delete(rp.results);
		cJSON_Delete(rp.errors);
		cJSON_Delete(rp.hook_results);
	}
	free(ps);
	return code;
}
