/* cmd: the subcommands of the confiture orchestrator, one file each, one table. */

#ifndef CONF_CMD_H
#define CONF_CMD_H

#include "error.h"

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
 * Run a pipeline of filters (each a NULL-terminated argv) and report what
 * the last one writes: results as text lines on stdout, or with cp->json one
 * JSON document {"command":..., "ok":..., "results":[...], "errors":[...]}.
 * Returns the pipeline's exit status.
 */
int cmd_run_report(const struct cmd_project *cp, const char *command,
    const char *const *const *stages, size_t n);

#endif
