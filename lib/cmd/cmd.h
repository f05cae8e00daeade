/* cmd: the subcommands of the confiture orchestrator, one file each, one table. */

#ifndef CONF_CMD_H
#define CONF_CMD_H

#include <cjson/cJSON.h>

#include "error.h"

struct strbuf;

/*
 * A subcommand takes its own argv (argv[0] is the subcommand's name) and
 * returns an exit status from the table in error.h.  It prints data on
 * stdout and messages on stderr, and never calls exit().
 */
struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* The table, sorted by name, ended by a zeroed entry (lib/cmd/commands.c). */
extern const struct cmd cmd_table[];
const struct cmd *cmd_find(const char *name);

int cmd_build(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_hooks(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_sandbox(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_wizard(int argc, char **argv);

/*
 * The options every project command shares, handed on to the filters it
 * runs: -C/--project, -e/--env, --db, --tracking-table, --format and
 * --no-hooks.
 * Put CMD_PROJECT_OPTIONS in a getopt_long table and let
 * cmd_project_option() take those options first.
 */
enum { CMD_OPT_DB = 1000, CMD_OPT_TABLE, CMD_OPT_FORMAT, CMD_OPT_NOHOOKS, CMD_OPT_FIRST_FREE };
#define CMD_PROJECT_SHORTOPTS "C:e:h"
#define CMD_PROJECT_OPTIONS \
	{ "db", required_argument, NULL, CMD_OPT_DB }, \
	{ "env", required_argument, NULL, 'e' }, \
	{ "format", required_argument, NULL, CMD_OPT_FORMAT }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "no-hooks", no_argument, NULL, CMD_OPT_NOHOOKS }, \
	{ "project", required_argument, NULL, 'C' }, \
	{ "tracking-table", required_argument, NULL, CMD_OPT_TABLE }

struct cmd_project {
	const char *root, *env, *db, *table;
	int json;              /* --format json */
	int no_hooks;          /* --no-hooks */
};

/* 1 when c was one of the shared options (stored in cp), 0 otherwise, -1 on a bad value. */
int cmd_project_option(struct cmd_project *cp, int c, const char *arg);
/* Append the shared options to a filter's argv. */
struct strvec;
void cmd_project_args(const struct cmd_project *cp, struct strvec *argv);

/*
 * Hooks: cmd_hook_stage fills argv with a `conf-hook <point>` stage for
 * run_type (build, migrate_up, migrate_down, sync); cmd_hook_args appends
 * conf-apply's hook options (--run-type, and --no-hooks when asked).
 */
void cmd_hook_stage(const struct cmd_project *cp, const char *point, const char *run_type,
    struct strvec *argv);
void cmd_hook_args(const struct cmd_project *cp, const char *run_type, struct strvec *argv);

/*
 * Impact (lib/cmd/dryrun.c).  cmd_dry_run runs extract | conf-impact and
 * prints its report (text, or its records with --format json); returns the
 * pipeline's status (1 when max_risk, if set, is exceeded).
 * cmd_impact_stage fills argv with a `conf-impact --max-risk L` gate.
 * Both at a level: static (the parse trees alone), estimate (also the
 * project's database, read-only: sizes, blockers, durations), or trial
 * (the migrations also run there and are rolled back).  A dry run and the
 * gate of the real run use the same level, so that they agree.
 * cmd_max_risk is `given`, else the environment's migration.max_risk, else NULL.
 */
enum cmd_impact_level { CMD_IMPACT_STATIC, CMD_IMPACT_ESTIMATE, CMD_IMPACT_TRIAL };
int cmd_dry_run(const struct cmd_project *cp, const char *const *extract, const char *max_risk,
    enum cmd_impact_level level);
void cmd_impact_stage(const struct cmd_project *cp, const char *max_risk,
    enum cmd_impact_level level, struct strvec *argv);
const char *cmd_max_risk(const struct cmd_project *cp, const char *given, char *buf, size_t len);

/*
 * Rehearsals (lib/cmd/rehearsal.c), for the estimated time of sync and
 * wizard dry runs: the sync's own pipeline runs on samples of
 * CMD_REHEARSAL_ROWS / 2 and CMD_REHEARSAL_ROWS rows per table
 * (conf-extract --sample-rows), loading into copies of the target's tables
 * that are rolled back (the apply stage must be conf-apply --data
 * --rehearse), and is timed; the smaller run is skipped when every table
 * of the plan fits in the sample.  cmd_rehearsal_seconds extrapolates a
 * fixed cost plus a cost per byte to `bytes`.  cmd_rehearse returns 0, or
 * the failing pipeline's exit status with err.
 */
#define CMD_REHEARSAL_ROWS 100000L

struct cmd_rehearsal_stages {
	const cJSON *plan;              /* table records: schema, name, rows_estimate, bytes */
	const char *const *extract;     /* conf-extract --data ... (without --sample-rows) */
	const char *const *anonymize;   /* conf-anonymize ..., or NULL */
	const char *const *apply;       /* conf-apply --data --rehearse ... */
};

struct cmd_rehearsal {
	double rows[2], bytes[2], secs[2];
	int full;
};

int cmd_rehearse(const struct cmd_rehearsal_stages *s, struct cmd_rehearsal *rh,
    struct conf_error *err);
double cmd_rehearsal_seconds(const struct cmd_rehearsal *rh, double bytes);
/* Its "estimate" object into doc; its "estimated time: ..." lines into sb. */
void cmd_rehearsal_json(const struct cmd_rehearsal *rh, cJSON *doc);
void cmd_rehearsal_text(const struct cmd_rehearsal *rh, double secs, struct strbuf *sb);

/*
 * Run a pipeline of filters (each a NULL-terminated argv) and report what
 * the last one writes: results as text lines on stdout, or with cp->json one
 * JSON document {"command":..., "ok":..., "results":[...], "errors":[...]}.
 * Returns the pipeline's exit status.
 */
int cmd_run_report(const struct cmd_project *cp, const char *command,
    const char *const *const *stages, size_t n);

#endif
