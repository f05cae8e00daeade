/* confiture hooks: what would run at each point, and running one point by hand. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "error.h"
#include "pipeline.h"
#include "record.h"
#include "strvec.h"

static int
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: confiture hooks list [point] [-C dir] [-e env] [--format text|json]\n"
	    "       confiture hooks run point [--context file] [--run-type type]\n"
	    "                               [-C dir] [-e env] [--db url] [--format text|json]\n"
	    "\n"
	    "  list  the hooks of each point (before_validate, before_apply, after_apply,\n"
	    "        on_error) in the order they run: db/hooks/<point>.d/, then the\n"
	    "        environment file's hooks: section\n"
	    "  run   run one point's hooks once, with the context read from file (JSON;\n"
	    "        fields not given are filled in as for a real run), to try them out\n");
	return code;
}

struct listing {
	int json;
	cJSON *hooks;
};

static int
list_line(void *arg, const char *line)
{
	struct listing *l = arg;
	cJSON *rec = cJSON_Parse(line);
	const cJSON *it;

	if (rec == NULL || strcmp(record_kind(rec), "hook") != 0) {
		cJSON_Delete(rec);
		return 0;
	}
	if (!l->json) {
		struct strbuf cmd = STRBUF_INIT;

		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rec, "command")) {
			if (cmd.len)
				strbuf_addch(&cmd, ' ');
			strbuf_addstr(&cmd, cJSON_IsString(it) ? it->valuestring : "?");
		}
		printf("%-16s %-20s %4.0fs %-5s %s\n", record_str(rec, "point"),
		    record_str(rec, "name"), record_num(rec, "timeout_s", 0),
		    record_str(rec, "on_failure"), record_str(rec, "origin"));
		strbuf_release(&cmd);
	}
	cJSON_AddItemToArray(l->hooks, rec);
	return 0;
}

static int
run_list(const struct cmd_project *cp, const char *point)
{
	struct strvec argv = STRVEC_INIT;
	struct pipeline_stage stage;
	struct conf_error err = CONF_ERROR_INIT;
	struct listing l;
	int rc;

	strvec_push(&argv, "conf-hook");
	if (cp->root) {
		strvec_push(&argv, "-C");
		strvec_push(&argv, cp->root);
	}
	if (cp->env) {
		strvec_push(&argv, "-e");
		strvec_push(&argv, cp->env);
	}
	strvec_push(&argv, "--list");
	if (point)
		strvec_push(&argv, point);
	l.json = cp->json;
	l.hooks = cJSON_CreateArray();
	stage.argv = argv.v;
	if ((rc = pipeline_run(&stage, 1, list_line, &l, &err)) < 0) {
		fprintf(stderr, "confiture: %s\n", err.message);
		rc = err.code;
	}
	if (cp->json) {
		cJSON *doc = cJSON_CreateObject();
		char *text;

		cJSON_AddStringToObject(doc, "command", "hooks list");
		cJSON_AddBoolToObject(doc, "ok", rc == 0);
		cJSON_AddItemToObject(doc, "hooks", l.hooks);
		text = cJSON_PrintUnformatted(doc);
		printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(doc);
	} else {
		if (rc == 0 && cJSON_GetArraySize(l.hooks) == 0)
			printf("no hooks\n");
		cJSON_Delete(l.hooks);
	}
	strvec_clear(&argv);
	return rc;
}

int
cmd_hooks(int argc, char **argv)
{
	enum { OPT_CONTEXT = CMD_OPT_FIRST_FREE, OPT_RUNTYPE };
	static const struct option longopts[] = {
		CMD_PROJECT_OPTIONS,
		{ "context", required_argument, NULL, OPT_CONTEXT },
		{ "run-type", required_argument, NULL, OPT_RUNTYPE },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_project cp;
	struct strvec run = STRVEC_INIT;
	const char *context = NULL, *run_type = NULL, *verb;
	const char *const *stages[1];
	int c, rc;

	if (argc < 2)
		return usage(stderr, CONF_EXIT_USAGE);
	verb = argv[1];
	if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0)
		return usage(stdout, 0);
	memset(&cp, 0, sizeof(cp));
	optind = 1;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, CMD_PROJECT_SHORTOPTS, longopts, NULL)) != -1) {
		if ((rc = cmd_project_option(&cp, c, optarg)) != 0) {
			if (rc < 0)
				return CONF_EXIT_USAGE;
			continue;
		}
		switch (c) {
		case 'h': return usage(stdout, 0);
		case OPT_CONTEXT: context = optarg; break;
		case OPT_RUNTYPE: run_type = optarg; break;
		default: return usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (strcmp(verb, "list") == 0) {
		if (argc - optind > 1 || context || run_type)
			return usage(stderr, CONF_EXIT_USAGE);
		return run_list(&cp, optind < argc ? argv[optind] : NULL);
	}
	if (strcmp(verb, "run") != 0) {
		fprintf(stderr, "confiture: unknown hooks command \"%s\"\n", verb);
		return usage(stderr, CONF_EXIT_USAGE);
	}
	if (argc - optind != 1)
		return usage(stderr, CONF_EXIT_USAGE);
	strvec_push(&run, "conf-hook");
	if (cp.root) {
		strvec_push(&run, "-C");
		strvec_push(&run, cp.root);
	}
	if (cp.env) {
		strvec_push(&run, "-e");
		strvec_push(&run, cp.env);
	}
	if (cp.db) {
		strvec_push(&run, "--db");
		strvec_push(&run, cp.db);
	}
	if (run_type) {
		strvec_push(&run, "--run-type");
		strvec_push(&run, run_type);
	}
	strvec_push(&run, "--context");
	strvec_push(&run, context ? context : "-");
	strvec_push(&run, argv[optind]);
	stages[0] = run.v;
	rc = cmd_run_report(&cp, "hooks run", stages, 1);
	strvec_clear(&run);
	return rc;
}
