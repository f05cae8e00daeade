/* conf-extract: write a project's migrations or schema as an NDJSON record stream. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "dataextract.h"
#include "db.h"
#include "die.h"
#include "extract.h"
#include "project.h"
#include "record.h"
#include "strvec.h"

static void
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: conf-extract [-hV] [-C dir] [-e env] [--db url] [--tracking-table name]\n"
	    "                    [--up | --down | --build | --status] [--pending]\n"
	    "                    [--to version] [--steps n] [--allow-drift] [--schema]\n"
	    "       conf-extract --data [--tables a,b,...] [--tables-like pattern] [--plan]\n"
	    "                    [--sample-rows n] [-C dir] [-e env] [--db url]\n"
	    "\n"
	    "Write the project's migrations (or its schema files) to standard output as\n"
	    "NDJSON records: a migration record, then one statement record per SQL\n"
	    "statement as PostgreSQL's own parser splits it, and an end record.  Every file\n"
	    "is parsed before anything is written: a syntax error is reported as\n"
	    "file:line:col and nothing but an error record is written.\n"
	    "\n"
	    "  --up              up migrations in version order (the default)\n"
	    "  --down            down migrations of applied ones, newest first (needs a\n"
	    "                    database; refuses, before writing anything, when a down\n"
	    "                    file is missing)\n"
	    "  --build           the files under db/schema as one build unit\n"
	    "  --status          one status record per migration, applied or pending\n"
	    "  --pending         with --up: only migrations the database has not applied\n"
	    "  --to version      up: stop after this version; down: roll back to it\n"
	    "  --steps n         at most n migrations (down: default 1)\n"
	    "  --allow-drift     do not refuse applied migrations whose file has changed\n"
	    "  --schema          the database's catalog as schema records, for conf-lint\n"
	    "  --data            the database's rows instead: one table record per table\n"
	    "                    (parents first), then each table's rows, all from one\n"
	    "                    REPEATABLE READ snapshot with COPY ... TO STDOUT\n"
	    "  --tables a,b      with --data: only these tables (schema.name; a bare name\n"
	    "                    is public.name); may be repeated\n"
	    "  --tables-like p   with --data: tables whose schema.name or name is LIKE p;\n"
	    "                    may be repeated\n"
	    "  --plan            with --data: the table records only, no rows\n"
	    "  --sample-rows n   with --data: at most n rows per table, sampled across it\n"
	    "                    (TABLESAMPLE SYSTEM): a rehearsal, see sync --dry-run\n"
	    "  -C, --project dir       the project directory (default .)\n"
	    "  -e, --env env           read db/environments/<env>.yaml\n"
	    "      --db url            the database (overrides everything else)\n"
	    "      --tracking-table t  the tracking table (default confiture_migrations)\n"
	    "  -h, --help        show this help\n"
	    "  -V, --version     show the version\n"
	    "\n"
	    "A database is used only by --data, --pending, --down and --status.  Connection\n"
	    "precedence: --db, CONFITURE_DATABASE_URL, the environment file, DATABASE_URL,\n"
	    "libpq's PG* variables.\n"
	    "\n%s", cli_exit_table);
	if (fp == stdout)
		finish(code);
	exit(code);
}

static void
fail(const struct conf_error *err)
{
	record_emit(stdout, record_from_error("conf-extract", err));
	die_error(err);
}

/* conf-extract --data: the rows of the selected tables. */
static void
data_extract_main(struct project *p, const char *table, const char *const *tables,
    const char *const *likes, int plan, long sample)
{
	struct conf_error err = CONF_ERROR_INIT;
	struct data_extract_opts o;
	const char *exclude[3];
	PGconn *conn;

	exclude[0] = table ? table : p->tracking_table;
	exclude[1] = DATA_DEFAULT_CHECKPOINT_TABLE;
	exclude[2] = NULL;
	memset(&o, 0, sizeof(o));
	o.tables = tables;
	o.likes = likes;
	o.exclude = exclude;
	o.plan_only = plan;
	o.sample_rows = sample;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if ((conn = db_connect(p->conninfo, "conf-extract", &err)) == NULL)
		fail(&err);
	if (data_extract(conn, &o, stdout, &err) < 0) {
		PQfinish(conn);
		fail(&err);
	}
	PQfinish(conn);
	project_release(p);
	finish(0);
}

int
main(int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_TABLE, OPT_UP, OPT_DOWN, OPT_BUILD, OPT_STATUS, OPT_PENDING,
	    OPT_TO, OPT_STEPS, OPT_DRIFT, OPT_SCHEMA, OPT_DATA, OPT_TABLES, OPT_LIKE, OPT_PLAN,
	    OPT_SAMPLE };
	static const struct option longopts[] = {
		{ "allow-drift", no_argument, NULL, OPT_DRIFT },
		{ "build", no_argument, NULL, OPT_BUILD },
		{ "data", no_argument, NULL, OPT_DATA },
		{ "db", required_argument, NULL, OPT_DB },
		{ "down", no_argument, NULL, OPT_DOWN },
		{ "env", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "pending", no_argument, NULL, OPT_PENDING },
		{ "plan", no_argument, NULL, OPT_PLAN },
		{ "project", required_argument, NULL, 'C' },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "sample-rows", required_argument, NULL, OPT_SAMPLE },
		{ "schema", no_argument, NULL, OPT_SCHEMA },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "tables", required_argument, NULL, OPT_TABLES },
		{ "tables-like", required_argument, NULL, OPT_LIKE },
		{ "to", required_argument, NULL, OPT_TO },
		{ "tracking-table", required_argument, NULL, OPT_TABLE },
		{ "up", no_argument, NULL, OPT_UP },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	struct extract_opts o;
	struct project p;
	const char *root = NULL, *env = NULL, *db = NULL, *table = NULL;
	PGconn *conn = NULL;
	struct strvec tables = STRVEC_INIT, likes = STRVEC_INIT;
	char *end;
	int c, schema = 0, data = 0, plan = 0;
	long sample = 0;

	die_init(argv[0]);
	die_on_sigpipe();
	memset(&o, 0, sizeof(o));
	while ((c = getopt_long(argc, argv, "C:e:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': root = optarg; break;
		case 'e': env = optarg; break;
		case 'h': usage(stdout, 0); break;
		case 'V': cli_version(); break;
		case OPT_DB: db = optarg; break;
		case OPT_TABLE: table = optarg; break;
		case OPT_UP: o.mode = EXTRACT_UP; break;
		case OPT_DOWN: o.mode = EXTRACT_DOWN; break;
		case OPT_BUILD: o.mode = EXTRACT_BUILD; break;
		case OPT_STATUS: o.mode = EXTRACT_STATUS; break;
		case OPT_PENDING: o.pending = 1; break;
		case OPT_SCHEMA: schema = 1; break;
		case OPT_TO: o.to = optarg; break;
		case OPT_DRIFT: o.allow_drift = 1; break;
		case OPT_DATA: data = 1; break;
		case OPT_PLAN: plan = 1; break;
		case OPT_SAMPLE:
			sample = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || sample < 1)
				die(CONF_EXIT_USAGE, "--sample-rows takes a whole number above 0, not \"%s\"", optarg);
			break;
		case OPT_LIKE: strvec_push(&likes, optarg); break;
		case OPT_TABLES: {
			char *list = xstrdup(optarg), *tok, *save;

			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				strvec_push(&tables, tok);
			free(list);
			break;
		}
		case OPT_STEPS:
			o.steps = strtol(optarg, &end, 10);
			if (*end != '\0' || o.steps < 1)
				die(CONF_EXIT_USAGE, "--steps takes a whole number above 0, not \"%s\"", optarg);
			break;
		default:
			usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, CONF_EXIT_USAGE);
	if (!data && (tables.nr || likes.nr || plan || sample))
		die(CONF_EXIT_USAGE, "--tables, --tables-like, --plan and --sample-rows go with --data");
	if (project_load(&p, root, env, db, &err) < 0)
		fail(&err);
	if (schema) {
		if (catalog_snapshot(p.conninfo, stdout, &err) < 0)
			fail(&err);
		project_release(&p);
		finish(0);
	}
	if (data)
		data_extract_main(&p, table, tables.v, likes.v, plan, sample);
	if (table) {
		free(p.tracking_table);
		p.tracking_table = strdup(table);
	}
	if (o.pending || o.mode == EXTRACT_DOWN || o.mode == EXTRACT_STATUS) {
		if ((conn = db_connect(p.conninfo, "conf-extract", &err)) == NULL)
			fail(&err);
	}
	if (extract_run(&p, &o, conn, stdout, &err) < 0) {
		PQfinish(conn);
		project_release(&p);
		fail(&err);
	}
	PQfinish(conn);
	project_release(&p);
	finish(0);
}
