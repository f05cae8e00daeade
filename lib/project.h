/* project: the project layout (db/schema, db/migrations, db/environments) and its settings. */
#ifndef CONF_PROJECT_H
#define CONF_PROJECT_H

#include <stddef.h>

#include "error.h"
#include "ytree.h"

#define PROJECT_DEFAULT_TRACKING_TABLE "confiture_migrations"

/*
 * One migration on disk: <version>_<name>.up.sql with an optional
 * <version>_<name>.down.sql beside it.  checksum is the SHA-256 (hex) of the
 * up file's text with line endings normalised.
 */
struct migration_file {
	char *version;
	char *name;
	char *up_path;
	char *down_path;      /* NULL when there is no down file */
	char checksum[65];
};

/*
 * A project's settings, from its environment file and the command line.
 * Every string is owned by the project (project_release frees them).
 */
struct project {
	char *root;                /* project directory ("." by default) */
	char *env_name;            /* NULL when no environment was named */
	char *env_file;            /* path of db/environments/<env>.yaml, when loaded */
	struct ytree env;          /* the environment file (root NULL when none) */
	char *conninfo;            /* the resolved connection string, "" for libpq defaults */
	const char *conninfo_source; /* "--db", "CONFITURE_DATABASE_URL", the env file, "DATABASE_URL", "libpq defaults" */
	char *tracking_table;
	char *migrations_dir;
	char **include_dirs;
	size_t ninclude;
	char **exclude_dirs;
	size_t nexclude;
	long lock_wait_ms;         /* how long to wait for another runner's lock */
	char *lock_timeout;        /* SET lock_timeout for migration sessions, or NULL */
	char *statement_timeout;   /* SET statement_timeout, or NULL */
};

/*
 * Load the project at root (NULL: ".") for environment env (NULL: none;
 * then db/environments is not read).  db, when set, is the --db option.
 * Connection precedence: db, then CONFITURE_DATABASE_URL, then the
 * environment file's database_url, then DATABASE_URL, then libpq's own PG*
 * variables and service file.  `${NAME}` in database_url is replaced by the
 * environment variable NAME (an unset one is an error).  Returns 0, or -1
 * with err (bad YAML or settings: CONF_EXIT_USAGE, naming file:line).
 */
int project_load(struct project *p, const char *root, const char *env,
    const char *db, struct conf_error *err);
void project_release(struct project *p);

/*
 * The project's migrations, sorted by version (numerically: 2 < 10 <
 * 20260101120000).  A duplicate version, a down file without its up file or
 * a .sql file in the directory whose name starts with digits but does not
 * follow <version>_<name>.up.sql/.down.sql is an error (CONF_EXIT_USAGE).
 * A missing directory yields no migrations.  Free with migration_files_free.
 */
int project_migrations(const struct project *p, struct migration_file **out,
    size_t *n, struct conf_error *err);
void migration_files_free(struct migration_file *m, size_t n);
/* Order two version strings as numbers (any length): <0, 0, >0. */
int version_cmp(const char *a, const char *b);
/* True when s is a non-empty string of digits. */
int version_valid(const char *s);

/*
 * The schema files: every *.sql below each include directory (recursively),
 * not below an exclude directory, in sorted path order (include directories in
 * the order given).  Paths are relative to the current directory as the
 * include directories are.  Free with project_paths_free.
 */
int project_schema_files(const struct project *p, char ***out, size_t *n,
    struct conf_error *err);
void project_paths_free(char **paths, size_t n);

#endif
