/* confiture init: create the project layout with a commented example environment. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "error.h"
#include <stdlib.h>

#include "strbuf.h"

static const char env_example[] =
	"# db/environments/local.yaml: how confiture reaches this environment.\n"
	"# Use it with \"confiture -e local ...\" (or \"--env local\").\n"
	"\n"
	"# The database.  ${NAME} is replaced by the environment variable NAME, so\n"
	"# that passwords stay out of this file.  --db, CONFITURE_DATABASE_URL take\n"
	"# precedence over it; DATABASE_URL and libpq's PG* variables come after.\n"
	"database_url: postgresql://localhost/myapp_dev\n"
	"\n"
	"# Schema files applied by \"confiture build\", in sorted path order.\n"
	"include_dirs:\n"
	"  - db/schema\n"
	"exclude_dirs: []\n"
	"\n"
	"migration:\n"
	"  # The table that records applied migrations (may be schema-qualified).\n"
	"  tracking_table: confiture_migrations\n"
	"  # Seconds to wait for another runner's lock before giving up.\n"
	"  lock_wait: 60\n"
	"  # Session settings for migrations (PostgreSQL syntax); unset by default.\n"
	"  # lock_timeout: 5s\n"
	"  # statement_timeout: 15min\n";

static const char schema_example[] =
	"-- db/schema/10_tables/users.sql: the schema is plain DDL, applied in path order.\n"
	"CREATE TABLE users (\n"
	"    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
	"    email text NOT NULL UNIQUE,\n"
	"    created_at timestamptz NOT NULL DEFAULT now()\n"
	");\n";

static int
make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "confiture: could not create \"%s\": %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
write_new(const char *path, const char *text)
{
	struct stat st;
	FILE *fp;

	if (stat(path, &st) == 0) {
		fprintf(stderr, "confiture: kept existing %s\n", path);
		return 0;
	}
	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		fprintf(stderr, "confiture: could not write \"%s\": %s\n", path, strerror(errno));
		return -1;
	}
	printf("created %s\n", path);
	return 0;
}

int
cmd_init(int argc, char **argv)
{
	static const char *const dirs[] = {
		"db", "db/schema", "db/schema/10_tables", "db/migrations", "db/environments",
		"db/hooks", NULL
	};
	const char *root = ".";
	int i;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: confiture init [dir]\n\n"
		    "Create db/schema, db/migrations, db/environments (with a commented\n"
		    "local.yaml) and db/hooks under dir (default .).  Existing files are kept.\n");
		return 0;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: confiture init [dir]\n");
		return CONF_EXIT_USAGE;
	}
	if (argc == 2) {
		root = argv[1];
		if (make_dir(root) < 0)
			return CONF_EXIT_USAGE;
	}
	for (i = 0; dirs[i]; i++) {
		char *path = xstrfmt("%s/%s", root, dirs[i]);
		int rc = make_dir(path);

		free(path);
		if (rc < 0)
			return CONF_EXIT_USAGE;
	}
	{
		char *env = xstrfmt("%s/db/environments/local.yaml", root);
		char *schema = xstrfmt("%s/db/schema/10_tables/users.sql", root);
		int rc = write_new(env, env_example) | write_new(schema, schema_example);

		free(env);
		free(schema);
		return rc ? CONF_EXIT_USAGE : 0;
	}
}
