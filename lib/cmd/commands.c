/* commands: the table of confiture's subcommands. */
#include <string.h>

#include "cmd/cmd.h"
#include "error.h"

const struct cmd cmd_table[] = {
	{ "build", cmd_build, "apply the schema files (db/schema) to a database in one transaction" },
	{ "init", cmd_init, "create the project layout with an example environment" },
	{ "lint", cmd_lint, "lint the schema, the pending migrations or the live database" },
	{ "migrate", cmd_migrate, "apply, roll back, list or baseline migrations" },
	{ "sandbox", cmd_sandbox, "start, stop or locate a throwaway local PostgreSQL cluster" },
	{ NULL, NULL, NULL }
};

const struct cmd *
cmd_find(const char *name)
{
	const struct cmd *c;

	for (c = cmd_table; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}
