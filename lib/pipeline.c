/* pipeline: run conf-* filters connected by pipes, as the shell would, and read the last one. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipeline.h"
#include "strbuf.h"

const char *
pipeline_program(const char *name)
{
	static char path[PATH_MAX + 64];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", self, name);
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	snprintf(path, sizeof(path), "%s", name);
	return path;
}

int
pipeline_run(struct pipeline_stage *stages, size_t n,
    int (*on_line)(void *arg, const char *line), void *arg, struct conf_error *err)
{
	pid_t *pids = xcalloc(n, sizeof(pid_t));
	int prev = open("/dev/null", O_RDONLY), out[2];
	size_t i;
	int code = 0;
	FILE *fp;
	struct strbuf line = STRBUF_INIT;
	int nl;

	fflush(NULL);
	for (i = 0; i < n; i++) {
		char *prog;

		if (pipe(out) < 0) {
			free(pids);
			return conf_error_set(err, CONF_EXIT_USAGE, "could not create a pipe: %s",
			    strerror(errno));
		}
		prog = xstrdup(pipeline_program(stages[i].argv[0]));
		pids[i] = fork();
		if (pids[i] == 0) {
			signal(SIGPIPE, SIG_DFL);
			dup2(prev, 0);
			dup2(out[1], 1);
			close(prev);
			close(out[0]);
			close(out[1]);
			execvp(prog, (char *const *)stages[i].argv);
			fprintf(stderr, "confiture: could not run \"%s\": %s\n", prog, strerror(errno));
			_exit(127);
		}
		free(prog);
		close(prev);
		close(out[1]);
		prev = out[0];
		if (pids[i] < 0) {
			close(prev);
			free(pids);
			return conf_error_set(err, CONF_EXIT_USAGE, "could not fork: %s", strerror(errno));
		}
	}
	fp = fdopen(prev, "r");
	while (strbuf_getline(&line, fp, &nl) == 0) {
		if (on_line && on_line(arg, line.buf) < 0)
			break;
	}
	strbuf_release(&line);
	fclose(fp);
	for (i = 0; i < n; i++) {
		int st = 0;

		while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
			;
		stages[i].status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	free(pids);
	if (stages[n - 1].status != 0)
		return stages[n - 1].status;
	for (i = 0; i < n; i++)
		if (stages[i].status != 0 && code == 0)
			code = stages[i].status;
	return code;
}
