/* commands: the table of confiture's subcommands. */
#include <string.h>

#include "cmd/cmd.h"

const struct cmd cmd_table[] = {
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
