/* cmd: the subcommands of the confiture orchestrator, one file each, one table. */
#ifndef CONF_CMD_H
#define CONF_CMD_H

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

int cmd_sandbox(int argc, char **argv);

#endif
