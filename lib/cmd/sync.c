/* confiture sync: copy one environment's data into another, masked: conf-extract --data | conf-anonymize | conf-apply --data. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd/cmd.h"
#include "db.h"
#include "error.h"
#include "pipeline.h"
#include "project.h"
#include "record.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"
#include "ytree.h"

/*
 * What --dry-run assumes for its estimate: bench/sync.sh's figures on a
 * 2-core machine (1M rows, a primary key and a unique index; loading into
 * indexes is most of the time).
 */

static int
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: confiture sync --from env --to env [--tables a,b,... | --tables-like pattern]\n"
	    "                      [--profile file] [--dry-run] [--format text|json]\n"
	    "                      [--no-progress] [--no-hooks] [-C dir]\n"
	    "\n"
	    "Copy the rows of the --from database into the --to database, masked by the\n"
	    "anonymization profile when one is given: conf-extract --data |\n"
	    "conf-anonymize --profile file | conf-apply --data (pipelines/sync).  All tables\n"
	    "are read from one snapshot and loaded parents first, each truncated (never\n"
	    "CASCADE) and filled with COPY in its own transaction with a checkpoint: a sync\n"
	    "that stops is resumed by running it again.\n"
	    "\n"
	    "  --from, --to env     an environment (db/environments/env.yaml) or a connection\n"
	    "                       string; they must differ\n"
	    "  --tables a,b         only these tables (schema.name; bare names are public)\n"
	    "  --tables-like p      tables whose schema.name or name is LIKE p\n"
	    "  --profile file       the anonymization profile (see conf-anonymize(1))\n"
	    "  --dry-run            print the tables, rows, bytes, the strategy of each masked\n"
	    "                       column and an estimated time; change nothing\n"
	    "  --no-progress        no progress on stderr (shown only when it is a terminal)\n"
	    "  --no-hooks           run no hooks; otherwise before_validate runs once before\n"
	    "                       the first row (conf-hook --at-start), before_apply and\n"
	    "                       after_apply around each table's load, on_error on failure,\n"
	    "                       with migration_type sync (see conf-hook(1))\n");
	return code;
}

struct endpoint {
	const char *arg;
	int is_url;
	char *conninfo;
};

static int
is_url(const char *s)
{
	return strchr(s, '=') != NULL || strncmp(s, "postgres", 8) == 0;
}

static int
resolve(const char *root, struct endpoint *e, struct conf_error *err)
{
	struct project p;

	e->is_url = is_url(e->arg);
	if (project_load(&p, root, e->is_url ? NULL : e->arg, e->is_url ? e->arg : NULL, err) < 0) {
		project_release(&p);
		return -1;
	}
	e->conninfo = strdup(p.conninfo);
	project_release(&p);
	return 0;
}

static void
endpoint_args(const char *root, const struct endpoint *e, struct strvec *argv)
{
	if (root) {
		strvec_push(argv, "-C");
		strvec_push(argv, root);
	}
	/* An environment by name keeps its password out of argv. */
	strvec_push(argv, e->is_url ? "--db" : "-e");
	strvec_push(argv, e->arg);
}

struct sync_view {
	int json;
	cJSON *tables, *results, *errors, *hooks;
	long loaded, skipped;
	double rows;
};

static int
on_line(void *arg, const char *line)
{
	struct sync_view *sv = arg;
	cJSON *rec = cJSON_Parse(line);
	const char *kind;

	if (rec == NULL)
		return 0;
	kind = record_kind(rec);
	if (strcmp(kind, "table") == 0) {
		cJSON_AddItemToArray(sv->tables, rec);
		return 0;
	}
	if (strcmp(kind, "result") == 0) {
		const char *status = record_str(rec, "status");
		int skipped = status && strcmp(status, "skipped") == 0;

		if (skipped)
			sv->skipped++;
		else
			sv->loaded++;
		sv->rows += record_num(rec, "rows", 0);
		if (!sv->json)
			printf("%-8s %s.%s  %.0f rows  %.0f ms%s\n", status ? status : "?",
			    record_str(rec, "schema"), record_str(rec, "name"),
			    record_num(rec, "rows", 0), record_num(rec, "duration_ms", 0),
			    skipped ? "  (loaded by the interrupted run)" : "");
		cJSON_AddItemToArray(sv->results, rec);
		return 0;
	}
	if (strcmp(kind, "hook_result") == 0) {
		if (!sv->json)
			printf("%-8s %s/%s  %s  %.0f ms\n", "hook", record_str(rec, "point"),
			    record_str(rec, "hook"), record_str(rec, "status"),
			    record_num(rec, "duration_ms", 0));
		cJSON_AddItemToArray(sv->hooks, rec);
		return 0;
	}
	if (strcmp(kind, "error") == 0)
		cJSON_AddItemToArray(sv->errors, rec);
	else
		cJSON_Delete(rec);
	return 0;
}

/* The profile's rules for one table: a map of column -> rule, or NULL. */
static const struct ynode *
profile_table(const struct ytree *prof, const char *schema, const char *name)
{
	const struct ynode *tables = prof->root ? ynode_get(prof->root, "tables") : NULL;
	char qual[512];
	size_t i;

	if (tables == NULL || tables->type != YNODE_MAP)
		return NULL;
	snprintf(qual, sizeof(qual), "%s.%s", schema, name);
	for (i = 0; i + 1 < tables->nkids; i += 2) {
		const char *k = ynode_str(tables->kids[i], "");

		if (strcmp(k, qual) == 0 || (strcmp(schema, "public") == 0 && strcmp(k, name) == 0))
			return tables->kids[i + 1];
	}
	return NULL;
}

static void
human_bytes(double b, char *buf, size_t n)
{
	const char *unit[] = { "B", "kB", "MB", "GB", "TB" };
	int u = 0;

	while (b >= 1024 && u < 4) {
		b /= 1024;
		u++;
	}
	snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}

static int
run_pipeline(struct pipeline_stage *st, size_t n, struct sync_view *sv)
{
	struct conf_error err = CONF_ERROR_INIT;
	size_t i;
	int code;

	code = pipeline_run(st, n, on_line, sv, &err);
	if (code < 0) {
		fprintf(stderr, "confiture: %s\n", err.message);
		return err.code;
	}
	for (i = 0; i < n; i++) {
		/* A stage whose reader died ends on SIGPIPE: the reader's message says why. */
		if (st[i].status >= 128 && st[i].status != 128 + 13) {
			fprintf(stderr, "confiture: %s was killed by signal %d\n", st[i].argv[0],
			    st[i].status - 128);
			if (code >= 128)
				code = CONF_EXIT_USAGE;
		}
	}
	return code;
}

/* The conf-anonymize stage of a sync with a profile. */
static void
anon_argv(struct strvec *anon, const char *profile, const char *root)
{
	strvec_push(anon, "conf-anonymize");
	strvec_push(anon, "--profile");
	strvec_push(anon, profile);
	if (root) {
		strvec_push(anon, "--project");
		strvec_push(anon, root);
	}
}

static void
dry_run_report(const struct sync_view *sv, const struct ytree *prof, const struct endpoint *from,
    const struct endpoint *to, const struct cmd_rehearsal *rh, int json)
{
	const cJSON *t;
	double rows = 0, bytes = 0, secs;
	long masked = 0;
	cJSON *doc = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(doc, "tables");
	struct strbuf est = STRBUF_INIT;
	char hb[32];
	size_t i;

	cJSON_ArrayForEach(t, sv->tables) {
		const struct ynode *rules = prof ? profile_table(prof, record_str(t, "schema"),
		    record_str(t, "name")) : NULL;
		cJSON *row = cJSON_CreateObject(), *cols = cJSON_CreateArray();

		rows += record_num(t, "rows_estimate", 0);
		bytes += record_num(t, "bytes", 0);
		cJSON_AddStringToObject(row, "schema", record_str(t, "schema"));
		cJSON_AddStringToObject(row, "name", record_str(t, "name"));
		cJSON_AddNumberToObject(row, "rows", record_num(t, "rows_estimate", 0));
		cJSON_AddNumberToObject(row, "bytes", record_num(t, "bytes", 0));
		human_bytes(record_num(t, "bytes", 0), hb, sizeof(hb));
		if (!json) {
			char qual[512];

			snprintf(qual, sizeof(qual), "%s.%s", record_str(t, "schema"), record_str(t, "name"));
			printf("%-40s %12.0f rows %10s\n", qual, record_num(t, "rows_estimate", 0), hb);
		}
		for (i = 0; rules && rules->type == YNODE_MAP && i + 1 < rules->nkids; i += 2) {
			const struct ynode *rule = rules->kids[i + 1];
			const char *strategy = ynode_str(ynode_get(rule, "strategy"), "?");
			const char *domain = ynode_str(ynode_get(rule, "domain"), NULL);
			cJSON *c = cJSON_CreateObject();

			cJSON_AddStringToObject(c, "column", ynode_str(rules->kids[i], ""));
			cJSON_AddStringToObject(c, "strategy", strategy);
			if (domain)
				cJSON_AddStringToObject(c, "domain", domain);
			cJSON_AddItemToArray(cols, c);
			if (!json)
				printf("    %-36s %s%s%s%s\n", ynode_str(rules->kids[i], ""), strategy,
				    domain ? " (domain " : "", domain ? domain : "", domain ? ")" : "");
			masked++;
		}
		cJSON_AddItemToObject(row, "masked", cols);
		cJSON_AddItemToArray(list, row);
	}
	secs = cmd_rehearsal_seconds(rh, bytes);
	if (json) {
		char *text;

		cJSON_AddStringToObject(doc, "command", "sync");
		cJSON_AddBoolToObject(doc, "dry_run", 1);
		cJSON_AddBoolToObject(doc, "ok", 1);
		cJSON_AddNumberToObject(doc, "rows", rows);
		cJSON_AddNumberToObject(doc, "bytes", bytes);
		cJSON_AddNumberToObject(doc, "masked_columns", (double)masked);
		cJSON_AddNumberToObject(doc, "estimated_seconds", (double)(long)(secs * 100) / 100);
		cmd_rehearsal_json(rh, doc);
		text = cJSON_PrintUnformatted(doc);
		printf("%s\n", text);
		cJSON_free(text);
	}
	if (!json) {
		char *f = db_redact(from->arg), *t2 = db_redact(to->arg);

		human_bytes(bytes, hb, sizeof(hb));
		printf("%d tables, %.0f rows, %s, %ld masked columns, from %s to %s\n",
		    cJSON_GetArraySize(sv->tables), rows, hb, masked, f, t2);
		strbuf_reset(&est);
		cmd_rehearsal_text(rh, secs, &est);
		fputs(est.buf, stdout);
		printf("dry run: nothing was changed\n");
		free(f);
		free(t2);
	}
	cJSON_Delete(doc);
	strbuf_release(&est);
}

int
cmd_sync(int argc, char **argv)
{
	enum { OPT_FROM = CMD_OPT_FIRST_FREE, OPT_TO, OPT_TABLES, OPT_LIKE, OPT_PROFILE,
	    OPT_DRY, OPT_NOPROGRESS };
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "format", required_argument, NULL, CMD_OPT_FORMAT },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "help", no_argument, NULL, 'h' },
		{ "no-hooks", no_argument, NULL, CMD_OPT_NOHOOKS },
		{ "no-progress", no_argument, NULL, OPT_NOPROGRESS },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "project", required_argument, NULL, 'C' },
		{ "tables", required_argument, NULL, OPT_TABLES },
		{ "tables-like", required_argument, NULL, OPT_LIKE },
		{ "to", required_argument, NULL, OPT_TO },
		{ NULL, 0, NULL, 0 }
	};
	struct conf_error err = CONF_ERROR_INIT;
	struct cmd_project cp;
	struct endpoint from = { NULL, 0, NULL }, to = { NULL, 0, NULL };
	struct strvec extract = STRVEC_INIT, anon = STRVEC_INIT, apply = STRVEC_INIT;
	struct strvec hook = STRVEC_INIT;
	struct strvec sel = STRVEC_INIT;
	struct pipeline_stage st[4];
	struct sync_view sv;
	struct ytree prof = { NULL, NULL };
	const char *profile = NULL;
	char resume_key[65] = "";
	int c, rc, dry = 0, progress = 1;
	size_t n = 0;

	memset(&cp, 0, sizeof(cp));
	memset(&sv, 0, sizeof(sv));
	optind = 1;
	while ((c = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		if ((rc = cmd_project_option(&cp, c, optarg)) != 0) {
			if (rc < 0)
				return CONF_EXIT_USAGE;
			continue;
		}
		switch (c) {
		case 'h': return usage(stdout, 0);
		case OPT_FROM: from.arg = optarg; break;
		case OPT_TO: to.arg = optarg; break;
		case OPT_TABLES:
			strvec_push(&sel, "--tables");
			strvec_push(&sel, optarg);
			break;
		case OPT_LIKE:
			strvec_push(&sel, "--tables-like");
			strvec_push(&sel, optarg);
			break;
		case OPT_PROFILE: profile = optarg; break;
		case OPT_DRY: dry = 1; break;
		case OPT_NOPROGRESS: progress = 0; break;
		default: return usage(stderr, CONF_EXIT_USAGE);
		}
	}
	if (optind != argc || from.arg == NULL || to.arg == NULL) {
		if (optind == argc)
			fprintf(stderr, "confiture: sync needs --from and --to\n");
		strvec_clear(&sel);
		return usage(stderr, CONF_EXIT_USAGE);
	}
	rc = CONF_EXIT_USAGE;
	if (resolve(cp.root, &from, &err) < 0 || resolve(cp.root, &to, &err) < 0)
		goto fail;
	if (strcmp(from.conninfo, to.conninfo) == 0) {
		conf_error_set(&err, CONF_EXIT_USAGE, "--from and --to name the same database");
		goto fail;
	}
	if (profile && ytree_load_file(&prof, profile, &err) < 0)
		goto fail;
	if (profile) {
		/* Checkpoints of a load masked with another profile must not be resumed. */
		struct strbuf text = STRBUF_INIT;
		unsigned char digest[SHA256_LEN];

		if (strbuf_read_file(&text, profile) < 0) {
			conf_error_set(&err, CONF_EXIT_USAGE, "could not read \"%s\"", profile);
			strbuf_release(&text);
			goto fail;
		}
		sha256(text.buf, text.len, digest);
		sha256_hex(digest, resume_key);
		strbuf_release(&text);
	}
	sv.json = cp.json;
	sv.tables = cJSON_CreateArray();
	sv.results = cJSON_CreateArray();
	sv.errors = cJSON_CreateArray();
	sv.hooks = cJSON_CreateArray();
	strvec_push(&extract, "conf-extract");
	endpoint_args(cp.root, &from, &extract);
	strvec_push(&extract, "--data");
	strvec_pushv(&extract, sel.v);
	if (profile)
		anon_argv(&anon, profile, cp.root);
	if (dry) {
		/* The plan, then rehearsals of the sync on samples, timed. */
		struct strvec plan = STRVEC_INIT;
		struct cmd_rehearsal rh;
		struct cmd_rehearsal_stages rs;

		strvec_pushv(&plan, extract.v);
		strvec_push(&plan, "--plan");
		st[n++].argv = plan.v;
		rc = run_pipeline(st, n, &sv);
		strvec_push(&apply, "conf-apply");
		endpoint_args(cp.root, &to, &apply);
		strvec_push(&apply, "--data");
		strvec_push(&apply, "--rehearse");
		rs.plan = sv.tables;
		rs.extract = (const char *const *)extract.v;
		rs.anonymize = profile ? (const char *const *)anon.v : NULL;
		rs.apply = (const char *const *)apply.v;
		if (rc == 0 && (rc = cmd_rehearse(&rs, &rh, &err)) != 0)
			fprintf(stderr, "confiture: %s\n", err.message);
		if (rc == 0)
			dry_run_report(&sv, profile ? &prof : NULL, &from, &to, &rh, cp.json);
		strvec_clear(&plan);
		goto done;
	}
	st[n++].argv = extract.v;
	{
		/* Hooks: one run id for every stage; the source as hooks may show it. */
		char *src = from.is_url ? db_redact(from.arg) : xstrdup(from.arg);
		char id[64];

		setenv("CONFITURE_SOURCE", src, 1);
		free(src);
		if (getenv("CONFITURE_RUN_ID") == NULL) {
			snprintf(id, sizeof(id), "%ld-%ld", (long)time(NULL), (long)getpid());
			setenv("CONFITURE_RUN_ID", id, 1);
		}
	}
	if (!cp.no_hooks) {
		strvec_push(&hook, "conf-hook");
		endpoint_args(cp.root, &to, &hook);
		strvec_push(&hook, "--run-type");
		strvec_push(&hook, "sync");
		strvec_push(&hook, "--at-start");
		strvec_push(&hook, "before_validate");
		st[n++].argv = hook.v;
	}
	if (profile)
		st[n++].argv = anon.v;
	strvec_push(&apply, "conf-apply");
	endpoint_args(cp.root, &to, &apply);
	strvec_push(&apply, "--data");
	strvec_push(&apply, "--run-type");
	strvec_push(&apply, "sync");
	if (cp.no_hooks)
		strvec_push(&apply, "--no-hooks");
	if (progress)
		strvec_push(&apply, "--progress");
	if (profile) {
		strvec_push(&apply, "--resume-key");
		strvec_push(&apply, resume_key);
	}
	st[n++].argv = apply.v;
	rc = run_pipeline(st, n, &sv);
	if (cp.json) {
		cJSON *doc = cJSON_CreateObject();
		char *text;

		cJSON_AddStringToObject(doc, "command", "sync");
		cJSON_AddBoolToObject(doc, "ok", rc == 0);
		cJSON_AddNumberToObject(doc, "exit_code", rc);
		cJSON_AddNumberToObject(doc, "rows", sv.rows);
		cJSON_AddItemToObject(doc, "results", sv.results);
		cJSON_AddItemToObject(doc, "errors", sv.errors);
		cJSON_AddItemToObject(doc, "hooks", sv.hooks);
		sv.results = sv.errors = sv.hooks = NULL;
		text = cJSON_PrintUnformatted(doc);
		printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(doc);
	} else if (rc == 0)
		printf("done: %ld tables loaded, %ld resumed, %.0f rows\n", sv.loaded, sv.skipped, sv.rows);
	goto done;
fail:
	fprintf(stderr, "confiture: %s\n", err.message);
	if (err.detail[0])
		fprintf(stderr, "detail: %s\n", err.detail);
	if (err.hint[0])
		fprintf(stderr, "hint: %s\n", err.hint);
	rc = err.code ? err.code : CONF_EXIT_USAGE;
done:
	cJSON_Delete(sv.tables);
	cJSON_Delete(sv.results);
	cJSON_Delete(sv.errors);
	cJSON_Delete(sv.hooks);
	ytree_release(&prof);
	free(from.conninfo);
	free(to.conninfo);
	strvec_clear(&extract);
	strvec_clear(&anon);
	strvec_clear(&hook);
	strvec_clear(&apply);
	strvec_clear(&sel);
	return rc;
}
