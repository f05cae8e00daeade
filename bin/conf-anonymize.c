/* conf-anonymize: mask personal data in a row stream following a profile. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anon/filter.h"
#include "anon/plugin.h"
#include "cli.h"
#include "die.h"
#include "proc.h"

static void
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: conf-anonymize [-hV] [--strict] [--profile FILE] [--project DIR]\n"
	    "                      [--plugin-timeout MS] [--batch N] [file]\n"
	    "       conf-anonymize --list-strategies [--project DIR]\n"
	    "       conf-anonymize --test STRATEGY VALUE|- [NAME=VALUE ...]\n"
	    "       conf-anonymize --bench STRATEGY [--count N] [NAME=VALUE ...]\n"
	    "\n"
	    "conf-anonymize rewrites the rows of a data stream (conf-extract --data) with the\n"
	    "strategies of a profile, and passes everything else through untouched.  The\n"
	    "profile is checked against the stream's table records before the first row.\n"
	    "The key comes from CONFITURE_ANON_KEY or the file named by CONFITURE_ANON_KEY_FILE.\n"
	    "\n"
	    "  -p, --profile FILE       the anonymization profile (YAML); without one, rows pass\n"
	    "                           through and PII-looking columns are reported\n"
	    "      --strict             refuse PII-looking columns that have no rule (exit 1)\n"
	    "      --project DIR        project whose strategies/ holds plugins (.)\n"
	    "      --plugin-timeout MS  time a plugin has to answer one batch (10000)\n"
	    "      --batch N            values per plugin request (256; four requests in flight)\n"
	    "      --list-strategies    list the built-in strategies and the plugins found\n"
	    "      --test STRATEGY      transform one VALUE (or each line of stdin: -) and print it\n"
	    "      --bench STRATEGY     measure values per second, beside the built-in hash\n"
	    "      --count N            values for --bench (200000)\n"
	    "  -h, --help               show this help\n"
	    "  -V, --version            show the version\n"
	    "\n%s", cli_exit_table);
	if (fp == stdout)
		finish(code);
	exit(code);
}

static void
report(const char *msg)
{
	fprintf(stderr, "%s: %s\n", progname, msg);
}

static void
list_strategies(struct anon_registry *reg)
{
	struct strvec paths = STRVEC_INIT, names = STRVEC_INIT;
	struct conf_error err = CONF_ERROR_INIT;
	size_t i;

	for (i = 0; anon_builtins[i]; i++) {
		const struct anon_strategy *s = anon_builtins[i];
		const struct anon_param *p;

		printf("%-14s built-in  %s%s\n", s->name, s->summary,
		    (s->flags & ANON_UNIQUE) ? " [unique]" : "");
		for (p = s->params; p->name; p++)
			printf("    %-13s %s\n", p->name, p->help);
	}
	anon_registry_list(reg, &paths, &names);
	for (i = 0; i < names.nr; i++) {
		struct strbuf desc = STRBUF_INIT;
		unsigned flags = 0;
		int kind = strstr(paths.v[i], ".so") && !strcmp(paths.v[i] + strlen(paths.v[i]) - 3, ".so") ?
		    ANON_PLUGIN_SO : ANON_PLUGIN_EXEC;

		if (anon_builtin_find(names.v[i])) {
			warn("plugin %s is shadowed by the built-in strategy \"%s\"", paths.v[i], names.v[i]);
			continue;
		}
		if (anon_plugin_describe(paths.v[i], kind, reg->timeout_ms, &desc, &flags, &err) < 0) {
			report_error(&err);
			printf("%-14s %s  (broken: see stderr)\n", names.v[i], paths.v[i]);
		} else
			printf("%-14s %s  %s%s\n", names.v[i], paths.v[i], desc.buf,
			    (flags & ANON_UNIQUE) ? " [unique]" : "");
		strbuf_release(&desc);
	}
	strvec_clear(&paths);
	strvec_clear(&names);
	finish(0);
}

/* Does the built-in take a list or a mapping for this parameter? */
static int
is_structured(const struct anon_strategy *s, const char *name, size_t len)
{
	const struct anon_param *p;

	for (p = s->params; p->name; p++)
		if (strlen(p->name) == len && strncmp(p->name, name, len) == 0)
			return p->type == ANON_P_LIST || p->type == ANON_P_MAP;
	return 0;
}

/* {strategy: NAME, k: "v", ...} from NAME=VALUE arguments; lists and mappings as YAML flow */
static void
rule_yaml(struct strbuf *y, const char *strategy, char **args, int nargs)
{
	const struct anon_strategy *bs = anon_builtin_find(strategy);
	int i;

	strbuf_addstr(y, "strategy: \"");
	strbuf_addstr(y, strategy);
	strbuf_addstr(y, "\"\n");
	for (i = 0; i < nargs; i++) {
		const char *eq = strchr(args[i], '=');
		const char *v, *p;

		if (eq == NULL || eq == args[i])
			die(CONF_EXIT_USAGE, "parameter \"%s\" is not NAME=VALUE", args[i]);
		strbuf_add(y, args[i], (size_t)(eq - args[i]));
		strbuf_addstr(y, ": ");
		v = eq + 1;
		if (bs && is_structured(bs, args[i], (size_t)(eq - args[i]))) {
			strbuf_addstr(y, v);
		} else {
			strbuf_addch(y, '"');
			for (p = v; *p; p++) {
				if (*p == '"' || *p == '\\')
					strbuf_addch(y, '\\');
				strbuf_addch(y, *p);
			}
			strbuf_addch(y, '"');
		}
		strbuf_addch(y, '\n');
	}
}

static void
load_rule(struct anon_rule *r, struct ytree *t, struct anon_registry *reg, const struct anon_key *key,
    const char *strategy, char **args, int nargs)
{
	struct strbuf y = STRBUF_INIT;
	struct conf_error err = CONF_ERROR_INIT;

	rule_yaml(&y, strategy, args, nargs);
	if (ytree_load_string(t, y.buf, y.len, "<command line>", &err) < 0)
		die_error(&err);
	strbuf_release(&y);
	if (anon_rule_init(r, reg, key, t, t->root, "test", ANON_ERR_FAIL, NULL, 0, NULL, &err) < 0)
		die_error(&err);
}

static void
test_one(struct anon_registry *reg, const struct anon_key *key, const char *strategy,
    const char *value, char **args, int nargs)
{
	struct anon_rule r;
	struct ytree t;
	struct strbuf out = STRBUF_INIT, msg = STRBUF_INIT;
	struct conf_error err = CONF_ERROR_INIT;
	int rc;

	struct strbuf line = STRBUF_INIT;
	long lineno = 0;
	int nl;

	load_rule(&r, &t, reg, key, strategy, args, nargs);
	/* VALUE "-": every line of standard input is a value */
	while (strcmp(value, "-") != 0 || strbuf_getline(&line, stdin, &nl) == 0) {
		const char *v = strcmp(value, "-") ? value : line.buf;
		size_t len = strcmp(value, "-") ? strlen(value) : line.len;

		lineno++;
		strbuf_reset(&msg);
		rc = anon_rule_apply(&r, NULL, v, len, &out, &msg);
		if (rc == ANON_ERROR) {
			if (r.plugin)
				anon_plugin_stop(r.plugin, &err);
			die(r.plugin ? CONF_EXIT_HOOK : CONF_EXIT_USAGE,
			    "strategy \"%s\" could not transform the value%s: %s", strategy,
			    strcmp(value, "-") ? "" : xstrfmt(" of <stdin>:%ld", lineno), msg.buf);
		}
		if (rc == ANON_SQLNULL)
			printf("\\N\n");
		else
			printf("%s\n", out.buf);
		if (strcmp(value, "-") != 0)
			break;
	}
	strbuf_release(&line);
	if (r.plugin && anon_plugin_stop(r.plugin, &err) < 0)
		die_error(&err);
	anon_rule_release(&r);
	ytree_release(&t);
	strbuf_release(&out);
	strbuf_release(&msg);
	finish(0);
}

/* a value of the shape the strategy expects, number i of a bench run */
static void
bench_value(const char *s, long i, struct strbuf *v)
{
	strbuf_reset(v);
	if (!strcmp(s, "int_range") || !strcmp(s, "noise") || !strcmp(s, "generalize"))
		strbuf_addf(v, "%ld", i % 1000000);
	else if (!strcmp(s, "date_shift"))
		strbuf_addf(v, "20%02ld-%02ld-%02ld 10:11:12+00", i % 30, i % 12 + 1, i % 28 + 1);
	else if (!strcmp(s, "ip"))
		strbuf_addf(v, "10.%ld.%ld.%ld", i >> 16 & 255, i >> 8 & 255, i & 255);
	else if (!strcmp(s, "credit_card"))
		strbuf_addf(v, "4111 11%02ld %04ld %04ld", i % 100, i / 100 % 10000, i % 10000);
	else if (!strcmp(s, "iban"))
		strbuf_addf(v, "DE89370400440%09ld", i);
	else if (!strcmp(s, "phone"))
		strbuf_addf(v, "+33 6 %02ld %02ld %02ld %02ld", i % 100, i / 100 % 100, i / 10000 % 100, i % 97);
	else if (!strcmp(s, "json_path"))
		strbuf_addf(v, "{\"email\":\"user%ld@example.org\",\"n\":%ld}", i, i);
	else if (!strcmp(s, "text_scrub"))
		strbuf_addf(v, "call me at 06 12 34 %02ld %02ld or write to user%ld@example.org", i % 100, i / 100 % 100, i);
	else
		strbuf_addf(v, "user%ld@example.org", i);
}

static double
bench_rule(struct anon_rule *r, const char *shape, long count)
{
	struct strbuf v = STRBUF_INIT, msg = STRBUF_INIT;
	struct conf_error err = CONF_ERROR_INIT;
	long i, start = proc_now_ms(), ms;

	if (r->plugin && anon_plugin_is_batch(r->plugin)) {
		enum { B = 256 };
		struct strbuf vals[B], outs[B], errs[B];
		const char *vp[B];
		size_t lens[B];
		int nulls[B];
		long j, n;

		for (j = 0; j < B; j++) {
			strbuf_init(&vals[j], 0);
			strbuf_init(&outs[j], 0);
			strbuf_init(&errs[j], 0);
		}
		for (i = 0; i < count; i += n) {
			n = count - i < B ? count - i : B;
			for (j = 0; j < n; j++) {
				bench_value(shape, i + j, &vals[j]);
				vp[j] = vals[j].buf;
				lens[j] = vals[j].len;
			}
			if (anon_plugin_batch(r->plugin, vp, lens, (size_t)n, outs, nulls, errs, &err) < 0)
				die_error(&err);
		}
		for (j = 0; j < B; j++) {
			strbuf_release(&vals[j]);
			strbuf_release(&outs[j]);
			strbuf_release(&errs[j]);
		}
	} else {
		struct strbuf out = STRBUF_INIT;

		for (i = 0; i < count; i++) {
			bench_value(shape, i, &v);
			strbuf_reset(&msg);
			if (anon_rule_apply(r, NULL, v.buf, v.len, &out, &msg) == ANON_ERROR)
				die(CONF_EXIT_USAGE, "strategy \"%s\" failed on bench value %ld: %s", r->sname, i, msg.buf);
		}
		strbuf_release(&out);
	}
	ms = proc_now_ms() - start;
	strbuf_release(&v);
	strbuf_release(&msg);
	return (double)count / ((ms > 0 ? (double)ms : 0.5) / 1000.0);
}

static void
bench(struct anon_registry *reg, const struct anon_key *key, const char *strategy, long count,
    char **args, int nargs)
{
	struct anon_rule r, h;
	struct ytree t, th;
	struct conf_error err = CONF_ERROR_INIT;
	const char *shape = strategy;
	double a, b;

	load_rule(&r, &t, reg, key, strategy, args, nargs);
	if (r.plugin)
		shape = "plugin";
	if (!strcmp(strategy, "int_range") && nargs == 0)
		die(CONF_EXIT_USAGE, "--bench int_range needs min=0 max=999999");
	load_rule(&h, &th, reg, key, "hash", NULL, 0);
	a = bench_rule(&r, shape, count);
	b = bench_rule(&h, shape, count);
	if (r.plugin && anon_plugin_stop(r.plugin, &err) < 0)
		die_error(&err);
	printf("%-14s %12.0f values/s  (%ld values)\n", strategy, a, count);
	printf("%-14s %12.0f values/s  (built-in, for comparison)\n", "hash", b);
	printf("ratio          %12.2f\n", a / b);
	anon_rule_release(&r);
	anon_rule_release(&h);
	ytree_release(&t);
	ytree_release(&th);
	finish(0);
}

int
main(int argc, char **argv)
{
	enum { OPT_STRICT = 256, OPT_PROJECT, OPT_TIMEOUT, OPT_BATCH, OPT_LIST, OPT_TEST, OPT_BENCH, OPT_COUNT };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "profile", required_argument, NULL, 'p' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "project", required_argument, NULL, OPT_PROJECT },
		{ "plugin-timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "list-strategies", no_argument, NULL, OPT_LIST },
		{ "test", required_argument, NULL, OPT_TEST },
		{ "bench", required_argument, NULL, OPT_BENCH },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	struct anon_registry reg;
	struct anon_profile profile;
	struct anon_filter f;
	struct anon_key key;
	const char *name, *profile_path = NULL, *project = ".", *test = NULL, *benchname = NULL;
	long timeout = 10000, batch = 256, count = 200000;
	int c, strict = 0, list = 0;
	FILE *in;
	char *end;

	die_init(argv[0]);
	die_on_sigpipe();
	while ((c = getopt_long(argc, argv, "+hVp:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout, 0);
			break;
		case 'V':
			cli_version();
			break;
		case 'p':
			profile_path = optarg;
			break;
		case OPT_STRICT:
			strict = 1;
			break;
		case OPT_PROJECT:
			project = optarg;
			break;
		case OPT_TIMEOUT:
		case OPT_BATCH:
		case OPT_COUNT: {
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end || v <= 0)
				die(CONF_EXIT_USAGE, "%s wants a positive number, not \"%s\"",
				    c == OPT_TIMEOUT ? "--plugin-timeout" : c == OPT_BATCH ? "--batch" : "--count", optarg);
			*(c == OPT_TIMEOUT ? &timeout : c == OPT_BATCH ? &batch : &count) = v;
			break;
		}
		case OPT_LIST:
			list = 1;
			break;
		case OPT_TEST:
			test = optarg;
			break;
		case OPT_BENCH:
			benchname = optarg;
			break;
		default:
			usage(stderr, CONF_EXIT_USAGE);
		}
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	anon_registry_init(&reg, project);
	reg.timeout_ms = timeout;
	reg.batch = batch;
	if (list)
		list_strategies(&reg);
	if (test || benchname) {
		if (test && optind >= argc)
			usage(stderr, CONF_EXIT_USAGE);
		if (anon_key_load(&key, &err) < 0)
			die_error(&err);
		if (test)
			test_one(&reg, &key, test, argv[optind], argv + optind + 1, argc - optind - 1);
		bench(&reg, &key, benchname, count, argv + optind, argc - optind);
	}
	if (argc - optind > 1)
		usage(stderr, CONF_EXIT_USAGE);
	anon_filter_init(&f);
	f.reg = &reg;
	f.strict = strict;
	f.batch = batch;
	f.report = report;
	if (profile_path) {
		if (anon_profile_load(&profile, profile_path, &err) < 0)
			die_error(&err);
		if (anon_key_load(&key, &err) < 0)
			die_error(&err);
		f.profile = &profile;
		f.key = &key;
	}
	if ((in = cli_open_input(argv[optind], &name, &err)) == NULL)
		die_error(&err);
	if (anon_filter_run(&f, in, name, stdout, &err) < 0) {
		anon_filter_release(&f);
		die_error(&err);
	}
	if (f.dropped)
		warn("%ld row%s dropped by on_error: drop_row", f.dropped, f.dropped > 1 ? "s" : "");
	anon_filter_release(&f);
	if (profile_path)
		anon_profile_release(&profile);
	anon_registry_release(&reg);
	finish(0);
}
