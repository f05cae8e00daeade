/* conf-lint: lint SQL migrations, schema files and catalog snapshots with the real PostgreSQL parser. */
#include <ctype.h>
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "die.h"
#include "lint/lint.h"
#include "project.h"
#include "record.h"
#include "strbuf.h"
#include "strvec.h"

static void
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: conf-lint [-hV] [-c config] [-f format] [-d rule] [-e rule] [--fail-on severity]\n"
	    "                 [--assume-in-transaction auto|yes|no] [--profile file] [--schema] [file ...]\n"
	    "       conf-lint --gate [-C dir] [--environment env] [-c config] [file]\n"
	    "\n"
	    "Lint SQL migrations and schemas.  Each file (a directory means its *.sql files, in\n"
	    "order; none or \"-\" means standard input) is a migration against an existing\n"
	    "database; with --schema the files (default db/schema/) are the whole schema.\n"
	    "An input of NDJSON schema records (conf-extract --schema) is a live catalog.\n"
	    "\n"
	    "  -c, --config FILE        lint settings (a `lint:` section, or the file itself)\n"
	    "  -f, --format FORMAT      ndjson (default), text, sarif or github\n"
	    "  -d, --disable RULE       turn a rule off (repeatable; \"all\" for every rule)\n"
	    "  -e, --enable RULE        turn a rule on (repeatable)\n"
	    "      --fail-on SEVERITY   exit 1 on findings at or above: error, warning (default), info, never\n"
	    "      --assume-in-transaction MODE\n"
	    "                           auto (default: each migration in a transaction unless it\n"
	    "                           cannot run in one), yes or no\n"
	    "      --profile FILE       anonymization profile for sensitive-column-unmasked\n"
	    "      --schema             the inputs are the complete schema (enables schema rules)\n"
	    "      --list-rules         print the rule catalogue (id, category, severity, input)\n"
	    "      --gate               the validation stage of a migration stream: lint each up\n"
	    "                           migration, pass the stream on, or, with findings at or\n"
	    "                           above lint.migrate_fail_on (default error), write an\n"
	    "                           error record instead and exit 1\n"
	    "  -C, --project DIR        with --gate: the project (its db/lint.yaml)\n"
	    "      --environment ENV    with --gate: read the lint: section of\n"
	    "                           db/environments/ENV.yaml\n"
	    "  -h, --help               show this help\n"
	    "  -V, --version            show the version\n"
	    "\n%s", cli_exit_table);
	if (fp == stdout)
		finish(code);
	exit(code);
}

struct input {
	char *name;
	char *text;
};

static struct input *inputs;
static size_t ninputs;

static void
add_input(const char *name, char *text)
{
	inputs = xrealloc(inputs, (ninputs + 1) * sizeof(*inputs));
	inputs[ninputs].name = xstrdup(name);
	inputs[ninputs].text = text;
	ninputs++;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
read_path(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;

	if (strcmp(path, "-") == 0) {
		char buf[65536];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
			strbuf_add(&sb, buf, n);
		if (ferror(stdin))
			die(CONF_EXIT_USAGE, "could not read <stdin>:");
		add_input("<stdin>", strbuf_detach(&sb, NULL));
		return;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct strvec names = STRVEC_INIT;
		struct dirent *de;
		DIR *d = opendir(path);
		size_t i;

		if (!d)
			die(CONF_EXIT_USAGE, "could not open \"%s\":", path);
		while ((de = readdir(d)) != NULL) {
			size_t n = strlen(de->d_name);

			if (n > 4 && strcmp(de->d_name + n - 4, ".sql") == 0 &&
			    !(n > 9 && strcmp(de->d_name + n - 9, ".down.sql") == 0))
				strvec_pushf(&names, "%s/%s", path, de->d_name);
		}
		closedir(d);
		if (names.nr)
			qsort(names.v, names.nr, sizeof(*names.v), cmp_str);
		for (i = 0; i < names.nr; i++)
			read_path(names.v[i]);
		strvec_clear(&names);
		return;
	}
	if (strbuf_read_file(&sb, path) < 0)
		die(CONF_EXIT_USAGE, "could not read \"%s\":", path);
	add_input(path, strbuf_detach(&sb, NULL));
}

static int
is_ndjson(const char *text)
{
	while (isspace((unsigned char)*text))
		text++;
	return *text == '{';
}

/* Feed NDJSON schema records to the run; returns 0 or -1 with err. */
static int
read_records(struct lint_run *run, const struct input *in, struct conf_error *err)
{
	FILE *fp = fmemopen(in->text, strlen(in->text), "r");
	struct record_reader r;
	cJSON *rec;
	int rc = 0, got;

	if (!fp)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not read \"%s\"", in->name);
	record_reader_init(&r, fp, in->name);
	while ((got = record_read(&r, &rec, err)) > 0) {
		if (strcmp(record_kind(rec), "schema") == 0 && lint_schema_record(run, rec, err) < 0) {
			char msg[sizeof(err->message)];

			snprintf(msg, sizeof(msg), "%s", err->message);
			conf_error_set(err, CONF_EXIT_USAGE, "%s:%ld: %s", in->name, r.lineno, msg);
			cJSON_Delete(rec);
			rc = -1;
			break;
		}
		cJSON_Delete(rec);
	}
	if (got < 0)
		rc = -1;
	else if (rc == 0 && !r.saw_end)
		rc = record_truncated_error(&r, err);
	record_reader_release(&r);
	fclose(fp);
	return rc;
}

static void
list_rules(const struct lint_config *cfg)
{
	static const char *const input[] = { "sql", "file", "schema", "live" };
	size_t i;

	for (i = 0; i < lint_nrules; i++)
		printf("%-45s %-9s %-8s %s\n", lint_rules[i].id, lint_rules[i].category,
		    lint_severity_name(cfg->severity[i]), input[lint_rules[i].input]);
	finish(0);
}

int
main(int argc, char **argv)
{
	enum { OPT_FAIL = 256, OPT_TXN, OPT_PROFILE, OPT_SCHEMA, OPT_LIST, OPT_GATE, OPT_ENV };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "disable", required_argument, NULL, 'd' },
		{ "enable", required_argument, NULL, 'e' },
		{ "fail-on", required_argument, NULL, OPT_FAIL },
		{ "assume-in-transaction", required_argument, NULL, OPT_TXN },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "schema", no_argument, NULL, OPT_SCHEMA },
		{ "list-rules", no_argument, NULL, OPT_LIST },
		{ "gate", no_argument, NULL, OPT_GATE },
		{ "project", required_argument, NULL, 'C' },
		{ "environment", required_argument, NULL, OPT_ENV },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	struct lint_config cfg;
	struct lint_run run;
	struct strvec toggles = STRVEC_INIT;
	const char *config = NULL, *profile = NULL, *fail = NULL, *txn = NULL;
	int c, fmt = LINT_FMT_NDJSON, schema = 0, list = 0, input_error = 0, code, gate = 0;
	const char *root = NULL, *envname = NULL;
	size_t i;

	die_init(argv[0]);
	die_on_sigpipe();
	while ((c = getopt_long(argc, argv, "c:f:d:e:hVC:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_GATE:
			gate = 1;
			break;
		case 'C':
			root = optarg;
			break;
		case OPT_ENV:
			envname = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'f':
			if ((fmt = lint_format_parse(optarg)) < 0) {
				warn("unknown format \"%s\"", optarg);
				usage(stderr, CONF_EXIT_USAGE);
			}
			break;
		case 'd':
			strvec_pushf(&toggles, "-%s", optarg);
			break;
		case 'e':
			strvec_pushf(&toggles, "+%s", optarg);
			break;
		case OPT_FAIL:
			fail = optarg;
			break;
		case OPT_TXN:
			txn = optarg;
			break;
		case OPT_PROFILE:
			profile = optarg;
			break;
		case OPT_SCHEMA:
			schema = 1;
			break;
		case OPT_LIST:
			list = 1;
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
	lint_config_init(&cfg);
	if (gate) {
		struct project p;

		if (project_load(&p, root, envname, NULL, &err) < 0 ||
		    lint_config_project(&cfg, &p, &err) < 0)
			die_error(&err);
		project_release(&p);
	}
	if (config && lint_config_load(&cfg, config, &err) < 0)
		die_error(&err);
	if (profile && lint_config_load_profile(&cfg, profile, &err) < 0)
		die_error(&err);
	for (i = 0; i < toggles.nr; i++)
		if (lint_config_set_enabled(&cfg, toggles.v[i] + 1, toggles.v[i][0] == '+', &err) < 0)
			die_error(&err);
	strvec_clear(&toggles);
	if (fail) {
		int sev = lint_severity_parse(fail, 1);

		if (sev < 0)
			die(CONF_EXIT_USAGE, "--fail-on must be error, warning, info or never, not \"%s\"", fail);
		cfg.fail_on = (enum lint_severity)sev;
	}
	if (txn) {
		if (strcmp(txn, "auto") == 0)
			cfg.txn = LINT_TXN_AUTO;
		else if (strcmp(txn, "yes") == 0)
			cfg.txn = LINT_TXN_YES;
		else if (strcmp(txn, "no") == 0)
			cfg.txn = LINT_TXN_NO;
		else
			die(CONF_EXIT_USAGE, "--assume-in-transaction must be auto, yes or no, not \"%s\"", txn);
	}
	if (list)
		list_rules(&cfg);
	if (gate) {
		const char *name;
		FILE *in;

		if (argc - optind > 1)
			usage(stderr, CONF_EXIT_USAGE);
		if ((in = cli_open_input(argv[optind], &name, &err)) == NULL)
			die_error(&err);
		code = lint_gate(&cfg, root, in, name, stdout, &err);
		if (code == -2)
			finish(err.code ? err.code : CONF_EXIT_USAGE);
		if (code < 0) {
			record_emit(stdout, record_from_error("conf-lint", &err));
			die_error(&err);
		}
		lint_config_release(&cfg);
		finish(0);
	}

	if (optind == argc)
		read_path(schema ? "db/schema" : "-");
	for (i = optind; i < (size_t)argc; i++)
		read_path(argv[i]);
	for (i = 0; i < ninputs; i++)
		if (is_ndjson(inputs[i].text))
			schema = 1;
	lint_run_init(&run, &cfg, schema);
	for (i = 0; i < ninputs; i++) {
		int rc = is_ndjson(inputs[i].text) ? read_records(&run, &inputs[i], &err) :
		    lint_sql(&run, inputs[i].text, inputs[i].name, &err);

		if (rc < 0) {
			report_error(&err);
			conf_error_clear(&err);
			input_error = 1;
		}
	}
	lint_schema_rules(&run);
	if (lint_write(&run, (enum lint_format)fmt, stdout) < 0)
		die(CONF_EXIT_USAGE, "could not write output:");
	code = input_error ? CONF_EXIT_USAGE : lint_failed(&run) ? CONF_EXIT_FINDINGS : CONF_EXIT_OK;
	lint_run_release(&run);
	lint_config_release(&cfg);
	for (i = 0; i < ninputs; i++) {
		free(inputs[i].name);
		free(inputs[i].text);
	}
	free(inputs);
	finish(code);
}
