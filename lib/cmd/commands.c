/* commands: the table of confiture's subcommands. */
#include <string.h>

#include "cmd/cmd.h"
#include "error.h"

const struct cmd cmd_table[] = {
	{ "build", cmd_build, "apply the schema files (db/schema) to a database in one transaction" },
	{ "hooks", cmd_hooks, "list the hooks that would run, or run one point's hooks once" },
	{ "init", cmd_init, "create the project layout with an example environment" },
	{ "lint", cmd_lint, "lint the schema, the pending migrations or the live database" },
	{ "migrate", cmd_migrate, "apply, roll back, list or baseline migrations" },
	{ "sandbox", cmd_sandbox, "start, stop or locate a throwaway local PostgreSQL cluster" },
	{ "sync", cmd_sync, "copy one environment's data into another, masked by a profile" },
	{ "wizard", cmd_wizard, "copy an anonymized subset of a database, step by step" },
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
