/* pipeline: run conf-* filters connected by pipes, as the shell would, and read the last one. */
#ifndef CONF_PIPELINE_H
#define CONF_PIPELINE_H

#include <stddef.h>

#include "error.h"

/*
 * A stage: its argv (argv[0] a program name, resolved by pipeline_program)
 * and, after the run, its exit status (128+signal when killed).
 */
struct pipeline_stage {
	const char **argv;
	int status;
};

/*
 * Run the stages with each one's stdout feeding the next one's stdin; the
 * first reads /dev/null, every stage's stderr is ours.  Each line the last
 * stage writes is passed to on_line (which may be NULL).  Returns the exit
 * status the whole pipeline stands for: the last stage's when it failed,
 * otherwise the first failing stage's, otherwise 0; or -1 with err when a
 * stage could not be started.
 */
int pipeline_run(struct pipeline_stage *stages, size_t n,
    int (*on_line)(void *arg, const char *line), void *arg, struct conf_error *err);

/*
 * The path of a confiture program: the one beside the running executable
 * when it exists (so that a build tree uses its own filters), otherwise the
 * bare name, found in PATH.  Returns a static buffer.
 */
const char *pipeline_program(const char *name);

#endif
