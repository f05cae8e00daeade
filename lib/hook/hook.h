/* hook: lifecycle hooks, external executables run at the four points of every run. */
#ifndef CONF_HOOK_H
#define CONF_HOOK_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "error.h"
#include "project.h"

enum hook_point {
	HOOK_BEFORE_VALIDATE,
	HOOK_BEFORE_APPLY,
	HOOK_AFTER_APPLY,
	HOOK_ON_ERROR,
	HOOK_NPOINTS
};

#define HOOK_DEFAULT_TIMEOUT_MS 30000L
#define HOOK_DEFAULT_MAX_DEPTH 3

/* "before_validate" ... "on_error"; hook_point_parse returns -1 for others. */
const char *hook_point_name(enum hook_point p);
int hook_point_parse(const char *name);

/*
 * One hook: an executable found in db/hooks/<point>.d/ or declared in the
 * environment file under hooks.<point>.  Strings are owned by the hook set.
 */
struct hook {
	enum hook_point point;
	char *name;             /* file name, or the declaration's name */
	char *origin;           /* "db/hooks/before_apply.d/10-x" or "db/environments/x.yaml:12" */
	char **argv;            /* NULL-terminated; argv[0] a path or a name found in PATH */
	long timeout_ms;
	int warn_only;          /* on_failure: warn (the run goes on) instead of abort */
	int pass_connection;    /* CONFITURE_DATABASE_URL, password included */
	char **run_types;       /* NULL-terminated, or NULL for every run type */
	char **env_pass;        /* names copied from our environment */
	char **env_set;         /* NAME=value pairs */
	cJSON *metadata;        /* the declaration's metadata, or NULL */
};

/*
 * The hooks of a project and what every context carries.  `run_type` is
 * build, migrate_up, migrate_down or sync; `depth` is how deeply hooks are
 * nested (CONFITURE_HOOK_DEPTH); `records` collects the records the hooks
 * produce (hook_result, hook_metadata) for the caller to write; `metadata`
 * accumulates what hooks reported with hook_metadata records, passed on to
 * the hooks that run later in the same process.
 */
struct hook_set {
	struct hook *v;
	size_t n;
	char *root;             /* the project directory */
	char *environment;      /* environment name, or NULL */
	char *conninfo;         /* with the password: only for pass_connection hooks */
	char *database;         /* host:port/dbname, no secrets */
	char *run_type;
	char *run_id;
	int depth, max_depth;
	int quiet;              /* do not echo hook output on stderr */
	cJSON *metadata;
	cJSON *records;
};

/*
 * Load the hooks of project p: executables in <root>/db/hooks/<point>.d in
 * name order (a non-executable file is skipped with a warning on stderr;
 * names starting with '.' or ending in '~' are ignored), then the
 * declarations of the environment file's `hooks:` section in order.  A
 * declaration whose name matches a directory hook and that has no command
 * sets that hook's options instead.  run_type may be NULL (set it later
 * with hook_set_run_type).  Returns 0, or -1 with err (CONF_EXIT_USAGE for a
 * bad declaration, naming file:line).
 */
int hook_set_load(struct hook_set *hs, const struct project *p, const char *run_type,
    struct conf_error *err);
void hook_set_release(struct hook_set *hs);
void hook_set_run_type(struct hook_set *hs, const char *run_type);
/* Whether any hook would run at point for the set's run type. */
int hook_set_has(const struct hook_set *hs, enum hook_point point);
/* Whether hook h runs for run_type. */
int hook_applies(const struct hook *h, const char *run_type);

/*
 * A new context object for point: the fields of every context (point,
 * migration_type, run_id, timestamp, user_id, environment, database,
 * source_schema, target_schema, hook_depth, metadata, and null/empty
 * migration_id, migration_name, tables_affected, rows_affected).  Callers
 * fill in the migration's fields.  Caller owns it.
 */
cJSON *hook_context_new(const struct hook_set *hs, enum hook_point point);
/* Fill migration_id, migration_name, tables_affected, file from a migration record. */
void hook_context_migration(cJSON *ctx, const cJSON *migration);

/*
 * Run every hook at point that applies to the run type, in order, each with
 * ctx on stdin.  Appends a hook_result record per hook (and the hook_metadata
 * records they print) to hs->records.  Returns 0 when the run may go on
 * (every hook succeeded or is warn-only), -1 with err (CONF_EXIT_HOOK) when a
 * hook failed and aborts the run; the remaining hooks of the point are then
 * not run.  Exceeding the nesting limit is such a failure.
 */
int hook_run_point(struct hook_set *hs, enum hook_point point, cJSON *ctx,
    struct conf_error *err);

/*
 * Run the on_error hooks for err: the context gets an "error" object
 * (message, code, sqlstate, detail, hint, and the fields of `where` such as
 * file, line, col, statement, sql).  Their own failures are reported in
 * their result records, never escalated.
 */
void hook_run_on_error(struct hook_set *hs, cJSON *ctx, const struct conf_error *error,
    const cJSON *where);

/* Move the collected records out (a cJSON array; caller owns it). */
cJSON *hook_set_take_records(struct hook_set *hs);

#endif
