/* conf-hook: run a project's hooks for one lifecycle point as a stage of a pipeline. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "die.h"
#include "hook/builtin.h"
#include "hook/hook.h"
#include "project.h"
#include "record.h"
#include "strvec.h"

static void
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: conf-hook [-hV] [-C dir] [-e env] [--db url] [--run-type type]\n"
	    "                 [--at-start] [--quiet] [--tracking-table t] point [file]\n"
	    "       conf-hook [options] --context file point\n"
	    "       conf-hook [options] --list [point]\n"
	    "       conf-hook --builtin name [--option value ...]\n"
	    "\n"
	    "Run the project's hooks for one point (before_validate, before_apply,\n"
	    "after_apply, on_error): the executables in db/hooks/<point>.d/ in name order,\n"
	    "then those declared under hooks: in the environment file.  Each gets the run's\n"
	    "context as one JSON object on its standard input.\n"
	    "\n"
	    "As a filter it reads the whole stream first (file, or standard input), runs\n"
	    "the hooks with the migrations of the stream in their context, then writes one\n"
	    "hook_result record per hook and the stream unchanged.  A failing hook stops\n"
	    "the run: the on_error hooks run, an error record is written instead of the\n"
	    "stream, and the exit status is 5.  An error record upstream is passed on\n"
	    "without running any hook.\n"
	    "\n"
	    "  --run-type type   build, migrate_up, migrate_down or sync (default: from the\n"
	    "                    stream's first migration)\n"
	    "  --at-start        run the hooks before reading the stream, then pass it on\n"
	    "                    as it comes (for data streams too long to hold)\n"
	    "  --context file    run the hooks once with this context (\"-\": standard\n"
	    "                    input) instead of reading a stream\n"
	    "  --list            write one hook record per hook that would run\n"
	    "  --builtin name    be the built-in hook name (backup, notify, log)\n"
	    "  --quiet           do not echo the hooks' output on standard error\n"
	    "  -C, --project dir the project directory (default .)\n"
	    "  -e, --env env     read db/environments/<env>.yaml\n"
	    "      --db url      the database the hooks are told about\n"
	    "      --tracking-table t  accepted and ignored, as pipelines pass the same\n"
	    "                    options to every filter\n"
	    "  -h, --help        show this help\n"
	    "  -V, --version     show the version\n"
	    "\n%s", cli_exit_table);
	if (fp == stdout)
		finish(code);
	exit(code);
}

static long written;

static void
put(cJSON *rec)
{
	if (record_emit(stdout, rec) < 0)
		die(CONF_EXIT_USAGE, "could not write output:");
	written++;
}

static void
put_hook_records(struct hook_set *hs)
{
	cJSON *list = hook_set_take_records(hs), *it;

	while ((it = cJSON_DetachItemFromArray(list, 0)) != NULL)
		put(it);
	cJSON_Delete(list);
}

/* Fail the run: on_error hooks, then the error record; exit with err's code. */
static void
fail_run(struct hook_set *hs, cJSON *ctx, const struct conf_error *err)
{
	cJSON *e = record_from_error("conf-hook", err);

	hook_run_on_error(hs, ctx, err, NULL);
	put_hook_records(hs);
	cJSON_AddBoolToObject(e, "on_error_fired", 1);
	put(e);
	die_error(err);
}

static void
list_hooks(const struct hook_set *hs, int point)
{
	size_t i, j;

	for (i = 0; i < hs->n; i++) {
		const struct hook *h = &hs->v[i];
		cJSON *rec, *a;

		if (point >= 0 && (int)h->point != point)
			continue;
		rec = record_new("hook");
		cJSON_AddStringToObject(rec, "point", hook_point_name(h->point));
		cJSON_AddStringToObject(rec, "name", h->name);
		cJSON_AddStringToObject(rec, "origin", h->origin);
		a = cJSON_AddArrayToObject(rec, "command");
		for (j = 0; h->argv[j]; j++)
			cJSON_AddItemToArray(a, cJSON_CreateString(h->argv[j]));
		cJSON_AddNumberToObject(rec, "timeout_s", (double)h->timeout_ms / 1000);
		cJSON_AddStringToObject(rec, "on_failure", h->warn_only ? "warn" : "abort");
		if (h->run_types) {
			a = cJSON_AddArrayToObject(rec, "run_types");
			for (j = 0; h->run_types[j]; j++)
				cJSON_AddItemToArray(a, cJSON_CreateString(h->run_types[j]));
		} else {
			cJSON_AddStringToObject(rec, "run_types", "all");
		}
		cJSON_AddBoolToObject(rec, "pass_connection", h->pass_connection);
		put(rec);
	}
}

/* The run's migrations, in the context of a filter-mode point. */
static void
context_from_stream(struct hook_set *hs, cJSON *ctx, const cJSON *records)
{
	const cJSON *rec, *only = NULL, *t;
	cJSON *migrations = cJSON_CreateArray();
	cJSON *tables = cJSON_GetObjectItemCaseSensitive(ctx, "tables_affected");
	int n = 0;

	cJSON_ArrayForEach(rec, records) {
		cJSON *m;

		if (strcmp(record_kind(rec), "migration") != 0)
			continue;
		if (n++ == 0 && strcmp(hs->run_type, "unknown") == 0 && record_str(rec, "direction")) {
			const char *d = record_str(rec, "direction");

			hook_set_run_type(hs, strcmp(d, "up") == 0 ? "migrate_up" :
			    strcmp(d, "down") == 0 ? "migrate_down" : d);
			cJSON_ReplaceItemInObjectCaseSensitive(ctx, "migration_type",
			    cJSON_CreateString(hs->run_type));
		}
		only = rec;
		m = cJSON_CreateObject();
		if (record_str(rec, "version"))
			cJSON_AddStringToObject(m, "id", record_str(rec, "version"));
		cJSON_AddStringToObject(m, "name", record_str(rec, "name") ? record_str(rec, "name") : "");
		if (record_str(rec, "direction"))
			cJSON_AddStringToObject(m, "direction", record_str(rec, "direction"));
		if (record_str(rec, "file"))
			cJSON_AddStringToObject(m, "file", record_str(rec, "file"));
		cJSON_AddItemToArray(migrations, m);
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(rec, "tables")) {
			const cJSON *have;
			int dup = 0;

			cJSON_ArrayForEach(have, tables)
				if (cJSON_IsString(t) && strcmp(have->valuestring, t->valuestring) == 0)
					dup = 1;
			if (!dup && cJSON_IsString(t))
				cJSON_AddItemToArray(tables, cJSON_CreateString(t->valuestring));
		}
	}
	if (n == 1) {
		cJSON *keep = cJSON_Duplicate(tables, 1);

		hook_context_migration(ctx, only);
		cJSON_ReplaceItemInObjectCaseSensitive(ctx, "tables_affected", keep);
	}
	cJSON_AddItemToObject(ctx, "migrations", migrations);
}

/*
 * --at-start after the hooks ran: copy the stream line by line without
 * parsing its records (a data stream has millions of rows), watching only
 * for the end record, an error record, and a stream that stops short.
 */
#define END_PREFIX "{\"kind\":\"end\""
#define ERROR_PREFIX "{\"kind\":\"error\""

static void
pass_raw(struct hook_set *hs, cJSON *ctx, FILE *in, const char *name)
{
	struct conf_error err = CONF_ERROR_INIT;
	struct strbuf line = STRBUF_INIT;
	long lineno = 0, count = 0;
	int nl, r, saw_end = 0;

	while ((r = strbuf_getline(&line, in, &nl)) != EOF) {
		cJSON *rec = NULL;

		lineno++;
		if (r < 0 || line.len == 0)
			continue;
		if (saw_end) {
			conf_error_set(&err, CONF_EXIT_USAGE, "record after the end record at %s:%ld",
			    name, lineno);
			fail_run(hs, ctx, &err);
		}
		if (strncmp(line.buf, END_PREFIX, strlen(END_PREFIX)) == 0 ||
		    strncmp(line.buf, ERROR_PREFIX, strlen(ERROR_PREFIX)) == 0) {
			if ((rec = cJSON_Parse(line.buf)) == NULL) {
				conf_error_set(&err, CONF_EXIT_USAGE, "malformed record at %s:%ld", name, lineno);
				fail_run(hs, ctx, &err);
			}
			if (strcmp(record_kind(rec), "error") == 0) {
				int code = (int)record_num(rec, "code", CONF_EXIT_USAGE);

				put(rec);
				finish(code > 0 ? code : CONF_EXIT_USAGE);
			}
			if ((long)record_num(rec, "records", -1) != count) {
				conf_error_set(&err, CONF_EXIT_USAGE,
				    "%s: the end record counts %.0f records but %ld arrived", name,
				    record_num(rec, "records", -1), count);
				fail_run(hs, ctx, &err);
			}
			cJSON_Delete(rec);
			saw_end = 1;
			continue;
		}
		count++;
		if (fwrite(line.buf, 1, line.len, stdout) != line.len || putchar('\n') == EOF)
			die(CONF_EXIT_USAGE, "could not write output:");
		written++;
	}
	strbuf_release(&line);
	if (!saw_end) {
		conf_error_set(&err, CONF_EXIT_USAGE, "%s ended without its end record: truncated stream",
		    name);
		fail_run(hs, ctx, &err);
	}
	if (record_write_end(stdout, written) < 0)
		die(CONF_EXIT_USAGE, "could not write output:");
	cJSON_Delete(ctx);
}

static int
run_filter(struct hook_set *hs, enum hook_point point, FILE *in, const char *name, int at_start)
{
	struct conf_error err = CONF_ERROR_INIT;
	struct record_reader r;
	cJSON *records = cJSON_CreateArray(), *rec, *ctx = hook_context_new(hs, point);
	int rc;

	if (at_start) {
		if (hook_run_point(hs, point, ctx, &err) < 0) {
			put_hook_records(hs);
			fail_run(hs, ctx, &err);
		}
		put_hook_records(hs);
		pass_raw(hs, ctx, in, name);
		cJSON_Delete(records);
		return 0;
	}
	record_reader_init(&r, in, name);
	while ((rc = record_read(&r, &rec, &err)) > 0) {
		if (strcmp(record_kind(rec), "error") == 0) {
			/* Not our failure to handle: pass everything on and stop. */
			int code = (int)record_num(rec, "code", CONF_EXIT_USAGE);
			cJSON *held;

			while ((held = cJSON_DetachItemFromArray(records, 0)) != NULL)
				put(held);
			put(rec);
			finish(code > 0 ? code : CONF_EXIT_USAGE);
		}
		cJSON_AddItemToArray(records, rec);
	}
	if (rc == 0 && !r.saw_end)
		rc = record_truncated_error(&r, &err);
	if (rc < 0) {
		/* Nothing of a broken stream is passed on. */
		cJSON_Delete(records);
		fail_run(hs, ctx, &err);
	}
	context_from_stream(hs, ctx, records);
	if (hook_run_point(hs, point, ctx, &err) < 0) {
		put_hook_records(hs);
		cJSON_Delete(records);
		fail_run(hs, ctx, &err);
	}
	put_hook_records(hs);
	while ((rec = cJSON_DetachItemFromArray(records, 0)) != NULL)
		put(rec);
	cJSON_Delete(records);
	cJSON_Delete(ctx);
	record_reader_release(&r);
	if (record_write_end(stdout, written) < 0)
		die(CONF_EXIT_USAGE, "could not write output:");
	return 0;
}

static int
run_context(struct hook_set *hs, enum hook_point point, const char *path)
{
	struct conf_error err = CONF_ERROR_INIT;
	const char *name;
	FILE *fp = cli_open_input(path, &name, &err);
	struct strbuf text = STRBUF_INIT;
	cJSON *given, *ctx, *it;
	char buf[8192];
	size_t n;

	if (fp == NULL)
		die_error(&err);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(&text, buf, n);
	if (fp != stdin)
		fclose(fp);
	/* An empty context is {}: every field then comes from the project. */
	if (text.len == 0)
		strbuf_addstr(&text, "{}");
	if ((given = cJSON_Parse(text.buf)) == NULL || !cJSON_IsObject(given))
		die(CONF_EXIT_USAGE, "%s: the context is not a JSON object", name);
	strbuf_release(&text);
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(given, "migration_type")) &&
	    strcmp(hs->run_type, "unknown") == 0)
		hook_set_run_type(hs, cJSON_GetObjectItemCaseSensitive(given, "migration_type")->valuestring);
	ctx = hook_context_new(hs, point);
	cJSON_ArrayForEach(it, given) {
		if (strcmp(it->string, "point") == 0)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(ctx, it->string);
		cJSON_AddItemToObject(ctx, it->string, cJSON_Duplicate(it, 1));
	}
	cJSON_Delete(given);
	if (point == HOOK_ON_ERROR) {
		hook_run_point(hs, point, ctx, &err);
		put_hook_records(hs);
		if (err.code)
			die_error(&err);
	} else if (hook_run_point(hs, point, ctx, &err) < 0) {
		put_hook_records(hs);
		fail_run(hs, ctx, &err);
	}
	put_hook_records(hs);
	cJSON_Delete(ctx);
	if (record_write_end(stdout, written) < 0)
		die(CONF_EXIT_USAGE, "could not write output:");
	return 0;
}

/* conf-hook --builtin name --opt value ...: options are free-form pairs. */
static void
run_builtin(int argc, char **argv)
{
	struct conf_error err = CONF_ERROR_INIT;
	struct strvec opts = STRVEC_INIT;
	int i;

	for (i = 3; i < argc; i += 2) {
		if (strncmp(argv[i], "--", 2) != 0 || i + 1 >= argc)
			die(CONF_EXIT_USAGE, "--builtin %s takes --option value pairs", argv[2]);
		strvec_push(&opts, argv[i] + 2);
		strvec_push(&opts, argv[i + 1]);
	}
	if (hook_builtin_run(argv[2], &opts, stdin, stdout, &err) < 0)
		die_error(&err);
	strvec_clear(&opts);
	finish(0);
}

int
main(int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_RUNTYPE, OPT_CONTEXT, OPT_LIST, OPT_ATSTART, OPT_QUIET, OPT_TABLE };
	static const struct option longopts[] = {
		{ "at-start", no_argument, NULL, OPT_ATSTART },
		{ "context", required_argument, NULL, OPT_CONTEXT },
		{ "db", required_argument, NULL, OPT_DB },
		{ "env", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "project", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "run-type", required_argument, NULL, OPT_RUNTYPE },
		{ "tracking-table", required_argument, NULL, OPT_TABLE },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	struct hook_set hs;
	struct project p;
	const char *root = NULL, *env = NULL, *db = NULL, *run_type = NULL, *context = NULL;
	const char *name;
	int c, list = 0, at_start = 0, quiet = 0, point = -1;
	FILE *in;

	die_init(argv[0]);
	die_on_sigpipe();
	if (argc >= 3 && strcmp(argv[1], "--builtin") == 0)
		run_builtin(argc, argv);
	while ((c = getopt_long(argc, argv, "C:e:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': root = optarg; break;
		case 'e': env = optarg; break;
		case 'h': usage(stdout, 0); break;
		case 'V': cli_version(); break;
		case OPT_DB: db = optarg; break;
		case OPT_RUNTYPE: run_type = optarg; break;
		case OPT_CONTEXT: context = optarg; break;
		case OPT_LIST: list = 1; break;
		case OPT_ATSTART: at_start = 1; break;
		case OPT_QUIET: quiet = 1; break;
		case OPT_TABLE: break;   /* the other filters' option, accepted so pipelines pass "$@" */
		default: usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (optind < argc && (point = hook_point_parse(argv[optind])) < 0)
		die(CONF_EXIT_USAGE, "unknown hook point \"%s\" (before_validate, before_apply, "
		    "after_apply, on_error)", argv[optind]);
	if (list ? argc - optind > 1 : (point < 0 || argc - optind > (context ? 1 : 2)))
		usage(stderr, CONF_EXIT_USAGE);
	if (run_type && strcmp(run_type, "build") != 0 && strcmp(run_type, "migrate_up") != 0 &&
	    strcmp(run_type, "migrate_down") != 0 && strcmp(run_type, "sync") != 0)
		die(CONF_EXIT_USAGE, "--run-type is build, migrate_up, migrate_down or sync");
	if (project_load(&p, root, env, db, &err) < 0 || hook_set_load(&hs, &p, run_type, &err) < 0)
		die_error(&err);
	hs.quiet = quiet;
	if (list) {
		list_hooks(&hs, point);
		if (record_write_end(stdout, written) < 0)
			die(CONF_EXIT_USAGE, "could not write output:");
	} else if (context) {
		run_context(&hs, (enum hook_point)point, context);
	} else {
		if ((in = cli_open_input(argv[optind + 1], &name, &err)) == NULL)
			die_error(&err);
		run_filter(&hs, (enum hook_point)point, in, name, at_start);
	}
	hook_set_release(&hs);
	project_release(&p);
	finish(0);
}
