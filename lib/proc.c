/* proc: running other programs (PostgreSQL's tools, hooks, plugins) safely. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

extern char **environ;

long
proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
proc_unprivileged_user(void)
{
	const char *u = getenv("CONFITURE_SANDBOX_USER");

	if (u && u[0])
		return u;
	if (getpwnam("postgres"))
		return "postgres";
	return "nobody";
}

static void
child(const struct proc_spec *spec, int in_fd, int out_fd, int err_fd)
{
	int devnull = open("/dev/null", O_RDWR);

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	dup2(in_fd >= 0 ? in_fd : devnull, 0);
	if (out_fd >= 0)
		dup2(out_fd, 1);
	else if (spec->quiet)
		dup2(devnull, 1);
	if (err_fd >= 0)
		dup2(err_fd, 2);
	if (spec->user && geteuid() == 0) {
		struct passwd *pw = getpwnam(spec->user);

		if (pw == NULL || setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
		    setuid(pw->pw_uid) < 0) {
			fprintf(stderr, "could not switch to user \"%s\"\n", spec->user);
			_exit(126);
		}
		if (spec->env == NULL) {
			setenv("HOME", pw->pw_dir, 1);
			setenv("USER", pw->pw_name, 1);
		}
	}
	if (spec->cwd && chdir(spec->cwd) < 0) {
		fprintf(stderr, "could not enter \"%s\": %s\n", spec->cwd, strerror(errno));
		_exit(126);
	}
	if (spec->env)
		environ = (char **)spec->env;
	execvp(spec->argv[0], (char *const *)spec->argv);
	fprintf(stderr, "could not run \"%s\": %s\n", spec->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static void
drain(int *fd, struct strbuf *sb)
{
	char buf[8192];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0) {
		if (sb)
			strbuf_add(sb, buf, (size_t)n);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		close(*fd);
		*fd = -1;
	}
}

/* Non-blocking drain: returns 1 when nothing more is there for now. */
static int
drain_nb(int *fd, struct strbuf *sb)
{
	char buf[8192];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0) {
		if (sb)
			strbuf_add(sb, buf, (size_t)n);
		return 0;
	}
	if (n < 0 && errno == EINTR)
		return 0;
	if (n == 0 || errno != EAGAIN) {
		close(*fd);
		*fd = -1;
	}
	return 1;
}

int
proc_run(const struct proc_spec *spec, struct proc_result *res,
    struct conf_error *err)
{
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	long start = proc_now_ms(), killed_at = 0;
	size_t written = 0;
	pid_t pid;
	int status = 0, done = 0;
	void (*old_pipe)(int) = SIG_DFL;

	memset(res, 0, sizeof(*res));
	if ((spec->input && pipe(inp) < 0) || (spec->out && pipe(outp) < 0) ||
	    (spec->errout && pipe(errp) < 0))
		return conf_error_set(err, CONF_EXIT_USAGE, "could not create a pipe: %s",
		    strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not fork: %s", strerror(errno));
	/* A child that exits without reading its input must not kill us. */
	if (pid > 0)
		old_pipe = signal(SIGPIPE, SIG_IGN);
	if (pid == 0) {
		if (inp[1] >= 0) close(inp[1]);
		if (outp[0] >= 0) close(outp[0]);
		if (errp[0] >= 0) close(errp[0]);
		child(spec, inp[0], outp[1], errp[1]);
	}
	setpgid(pid, pid);
	if (inp[0] >= 0) close(inp[0]);
	if (outp[1] >= 0) close(outp[1]);
	if (errp[1] >= 0) close(errp[1]);
	if (inp[1] >= 0)
		fcntl(inp[1], F_SETFL, O_NONBLOCK);
	while (!done) {
		struct pollfd pfd[3];
		int n = 0, wait_ms = 100;
		long elapsed = proc_now_ms() - start;

		if (inp[1] >= 0 && written >= spec->input_len) {
			close(inp[1]);
			inp[1] = -1;
		}
		if (inp[1] >= 0) { pfd[n].fd = inp[1]; pfd[n++].events = POLLOUT; }
		if (outp[0] >= 0) { pfd[n].fd = outp[0]; pfd[n++].events = POLLIN; }
		if (errp[0] >= 0) { pfd[n].fd = errp[0]; pfd[n++].events = POLLIN; }
		if (spec->timeout_ms > 0 && !res->timed_out && elapsed >= spec->timeout_ms) {
			res->timed_out = 1;
			killed_at = proc_now_ms();
			kill(-pid, SIGTERM);
		}
		if (res->timed_out && killed_at && proc_now_ms() - killed_at >= PROC_KILL_GRACE_MS) {
			kill(-pid, SIGKILL);
			killed_at = 0;
		}
		if (n > 0 && poll(pfd, (nfds_t)n, wait_ms) > 0) {
			int i;

			for (i = 0; i < n; i++) {
				if (!pfd[i].revents)
					continue;
				if (pfd[i].fd == inp[1]) {
					ssize_t w = write(inp[1], spec->input + written,
					    spec->input_len - written);

					if (w > 0)
						written += (size_t)w;
					else if (w < 0 && errno != EAGAIN && errno != EINTR) {
						close(inp[1]);
						inp[1] = -1;
					}
				} else if (pfd[i].fd == outp[0]) {
					drain(&outp[0], spec->out);
				} else if (pfd[i].fd == errp[0]) {
					drain(&errp[0], spec->errout);
				}
			}
		} else if (n == 0) {
			/* Every pipe is closed: only the exit is left to wait for. */
			if (spec->timeout_ms <= 0 && waitpid(pid, &status, 0) == pid) {
				done = 1;
				continue;
			}
			usleep(1000);
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			/* Take what is left in the pipes, without waiting for
			 * descendants that may hold them open. */
			if (outp[0] >= 0) fcntl(outp[0], F_SETFL, O_NONBLOCK);
			if (errp[0] >= 0) fcntl(errp[0], F_SETFL, O_NONBLOCK);
			while (outp[0] >= 0 && !drain_nb(&outp[0], spec->out))
				;
			while (errp[0] >= 0 && !drain_nb(&errp[0], spec->errout))
				;
			done = 1;
		}
	}
	if (inp[1] >= 0) close(inp[1]);
	if (outp[0] >= 0) close(outp[0]);
	if (errp[0] >= 0) close(errp[0]);
	/* A timed-out group may have children still holding on: finish them. */
	if (res->timed_out)
		kill(-pid, SIGKILL);
	signal(SIGPIPE, old_pipe);
	res->duration_ms = proc_now_ms() - start;
	if (WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->status = 128 + WTERMSIG(status);
	return 0;
}
