/* proc: running other programs (PostgreSQL's tools, hooks, plugins) safely. */
#ifndef CONF_PROC_H
#define CONF_PROC_H

#include <sys/types.h>

#include "error.h"
#include "strbuf.h"

/*
 * How to run a program.  argv[0] is looked up in PATH.  `user`, when set
 * and we are root, is the account the child switches to before exec.
 * `env`, when set, is the child's whole environment (NULL-terminated);
 * otherwise it inherits ours.  `out`, when set, collects the child's stdout
 * (otherwise it goes to /dev/null when quiet, or is inherited); stderr is
 * collected into `errout` when set.  `input`, when set, is written to the
 * child's stdin (otherwise stdin is /dev/null).  `timeout_ms` > 0 kills the
 * child's whole process group (TERM, then KILL PROC_KILL_GRACE_MS later) when it runs
 * longer; `timed_out` then says so.
 */
#define PROC_KILL_GRACE_MS 500L

struct proc_spec {
	const char *const *argv;
	const char *user;
	const char *cwd;
	char *const *env;
	const char *input;
	size_t input_len;
	struct strbuf *out;
	struct strbuf *errout;
	int quiet;
	long timeout_ms;
};

struct proc_result {
	int status;         /* exit status, or 128+signal when killed */
	int timed_out;
	long duration_ms;
};

/*
 * Run and wait.  Returns 0 when the program ran (whatever its exit status:
 * see res), -1 when it could not be started (err filled, CONF_EXIT_USAGE).
 */
int proc_run(const struct proc_spec *spec, struct proc_result *res,
    struct conf_error *err);
/* The account to run PostgreSQL's server tools as when we are root. */
const char *proc_unprivileged_user(void);
/* Milliseconds on a monotonic clock. */
long proc_now_ms(void);

#endif
