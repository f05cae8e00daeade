/* sandbox: a throwaway local PostgreSQL cluster (initdb + pg_ctl) for demos and tests. */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "sandbox.h"
#include "strbuf.h"

const char *
sandbox_bindir(void)
{
	static char found[4096];
	const char *env = getenv("CONFITURE_PG_BINDIR");
	DIR *d;
	struct dirent *de;
	int best = -1;

	if (env && env[0])
		return env;
	if (found[0])
		return found;
	d = opendir("/usr/lib/postgresql");
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		int v = atoi(de->d_name);

		snprintf(path, sizeof(path), "/usr/lib/postgresql/%s/bin/initdb", de->d_name);
		if (v > best && access(path, X_OK) == 0) {
			best = v;
			snprintf(found, sizeof(found), "/usr/lib/postgresql/%s/bin", de->d_name);
		}
	}
	closedir(d);
	return found[0] ? found : NULL;
}

static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static int
mkdir_p(const char *path)
{
	char tmp[4096];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int
run_tool(const struct sandbox *sb, const char *const *argv, const char *what,
    struct conf_error *err)
{
	struct strbuf out = STRBUF_INIT;
	struct proc_spec spec;
	struct proc_result res;

	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.user = geteuid() == 0 ? sb->runas : NULL;
	spec.cwd = "/";
	spec.errout = &out;
	spec.quiet = 1;
	spec.timeout_ms = 120000;
	if (proc_run(&spec, &res, err) < 0) {
		strbuf_release(&out);
		return -1;
	}
	if (res.status != 0) {
		strbuf_rtrim(&out);
		conf_error_set(err, CONF_EXIT_DB, "%s failed (exit %d)", what, res.status);
		conf_error_detail(err, "%.1000s", out.buf);
		strbuf_release(&out);
		return -1;
	}
	strbuf_release(&out);
	return 0;
}

int
sandbox_load(const char *statedir, struct sandbox *sb, struct conf_error *err)
{
	char path[4096], line[4200];
	FILE *fp;

	memset(sb, 0, sizeof(*sb));
	snprintf(path, sizeof(path), "%s/sandbox.env", statedir);
	fp = fopen(path, "r");
	if (fp == NULL)
		return conf_error_set(err, CONF_EXIT_DB, "no sandbox in \"%s\"", statedir);
	while (fgets(line, sizeof(line), fp)) {
		char *eq = strchr(line, '='), *v;

		if (eq == NULL)
			continue;
		*eq = '\0';
		v = eq + 1;
		v[strcspn(v, "\n")] = '\0';
		if (strcmp(line, "PGDATA") == 0)
			snprintf(sb->pgdata, sizeof(sb->pgdata), "%s", v);
		else if (strcmp(line, "BINDIR") == 0)
			snprintf(sb->bindir, sizeof(sb->bindir), "%s", v);
		else if (strcmp(line, "RUNAS") == 0)
			snprintf(sb->runas, sizeof(sb->runas), "%s", v);
		else if (strcmp(line, "PORT") == 0)
			sb->port = atoi(v);
		else if (strcmp(line, "URL") == 0)
			snprintf(sb->url, sizeof(sb->url), "%s", v);
	}
	fclose(fp);
	if (!sb->pgdata[0] || !sb->port)
		return conf_error_set(err, CONF_EXIT_DB, "\"%s\" is incomplete", path);
	return 0;
}

/* Whether something accepts TCP connections on 127.0.0.1:port. */
static int
accepts_connections(int port)
{
	struct sockaddr_in sa;
	int fd, ok;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/*
 * Whether the sandbox's postmaster is alive: its postmaster.pid names a
 * process that exists and its port accepts connections.  A pid file left by
 * a machine restart or a killed server (perhaps an unreaped zombie) does not
 * count.
 */
static int
running(const struct sandbox *sb)
{
	char path[4200];
	FILE *fp;
	long pid = 0;

	snprintf(path, sizeof(path), "%s/postmaster.pid", sb->pgdata);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(fp, "%ld", &pid) != 1)
		pid = 0;
	fclose(fp);
	if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno != EPERM))
		return 0;
	return accepts_connections(sb->port);
}

int
sandbox_start(const char *statedir, struct sandbox *sb, struct conf_error *err)
{
	char initdb[4200], pgctl[4200], opts[4400], logf[4200], path[4200];
	const char *bindir;
	struct passwd *pw;
	FILE *fp;

	if (sandbox_load(statedir, sb, err) == 0) {
		if (running(sb))
			return 0;
		/* A stale sandbox (its server is gone): discard it and start afresh. */
		if (sandbox_stop(statedir, err) < 0)
			return -1;
	}
	memset(sb, 0, sizeof(*sb));
	if ((bindir = sandbox_bindir()) == NULL)
		return conf_error_set(err, CONF_EXIT_DB,
		    "cannot find PostgreSQL's server programs (initdb, pg_ctl)"),
		    conf_error_hint(err, "install postgresql-15, or set CONFITURE_PG_BINDIR"), -1;
	snprintf(sb->bindir, sizeof(sb->bindir), "%s", bindir);
	if (mkdir_p(statedir) < 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not create \"%s\": %s",
		    statedir, strerror(errno));
	if (geteuid() == 0) {
		char tmpl[] = "/tmp/confiture-sandbox-XXXXXX";

		snprintf(sb->runas, sizeof(sb->runas), "%s", proc_unprivileged_user());
		if ((pw = getpwnam(sb->runas)) == NULL)
			return conf_error_set(err, CONF_EXIT_DB, "no account \"%s\" to run PostgreSQL as",
			    sb->runas);
		if (mkdtemp(tmpl) == NULL)
			return conf_error_set(err, CONF_EXIT_USAGE, "could not create a directory in /tmp: %s",
			    strerror(errno));
		if (chown(tmpl, pw->pw_uid, pw->pw_gid) < 0)
			return conf_error_set(err, CONF_EXIT_USAGE, "could not hand \"%s\" to %s: %s",
			    tmpl, sb->runas, strerror(errno));
		snprintf(sb->pgdata, sizeof(sb->pgdata), "%s/data", tmpl);
	} else {
		char *abs = realpath(statedir, NULL);

		snprintf(sb->pgdata, sizeof(sb->pgdata), "%s/data", abs ? abs : statedir);
		free(abs);
	}
	if ((sb->port = free_port()) < 0)
		return conf_error_set(err, CONF_EXIT_DB, "could not find a free port: %s", strerror(errno));
	snprintf(initdb, sizeof(initdb), "%s/initdb", bindir);
	snprintf(pgctl, sizeof(pgctl), "%s/pg_ctl", bindir);
	{
		const char *argv[] = { initdb, "-D", sb->pgdata, "-U", "postgres", "-A", "trust",
		    "-E", "UTF8", "--locale=C", "--no-sync", NULL };

		if (run_tool(sb, argv, "initdb", err) < 0)
			return -1;
	}
	snprintf(opts, sizeof(opts),
	    "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "
	    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
	    sb->port, sb->pgdata);
	snprintf(logf, sizeof(logf), "%s/server.log", sb->pgdata);
	{
		const char *argv[] = { pgctl, "-D", sb->pgdata, "-l", logf, "-o", opts,
		    "-w", "-t", "60", "start", NULL };

		if (run_tool(sb, argv, "pg_ctl start", err) < 0)
			return -1;
	}
	snprintf(sb->url, sizeof(sb->url), "postgresql://postgres@127.0.0.1:%d/postgres", sb->port);
	snprintf(path, sizeof(path), "%s/sandbox.env", statedir);
	fp = fopen(path, "w");
	if (fp == NULL)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write \"%s\": %s",
		    path, strerror(errno));
	fprintf(fp, "PGDATA=%s\nPORT=%d\nPGUSER=postgres\nBINDIR=%s\nRUNAS=%s\nURL=%s\n",
	    sb->pgdata, sb->port, sb->bindir, sb->runas, sb->url);
	if (fclose(fp) != 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write \"%s\": %s",
		    path, strerror(errno));
	return 0;
}

int
sandbox_stop(const char *statedir, struct conf_error *err)
{
	struct sandbox sb;
	char pgctl[4200], path[4200];
	struct conf_error ignore = CONF_ERROR_INIT;

	if (sandbox_load(statedir, &sb, &ignore) < 0)
		return 0;
	snprintf(pgctl, sizeof(pgctl), "%s/pg_ctl", sb.bindir);
	if (running(&sb)) {
		const char *argv[] = { pgctl, "-D", sb.pgdata, "-m", "immediate", "-w", "stop", NULL };

		if (run_tool(&sb, argv, "pg_ctl stop", err) < 0)
			return -1;
	}
	{
		/* The data directory is ours alone; remove it with its parent
		 * when we made one under /tmp. */
		char *dir = xstrdup(sb.pgdata);
		char *slash = strrchr(dir, '/');
		const char *argv[] = { "rm", "-rf", sb.pgdata, NULL };
		struct proc_spec spec;
		struct proc_result res;

		memset(&spec, 0, sizeof(spec));
		spec.argv = argv;
		spec.quiet = 1;
		proc_run(&spec, &res, err);
		if (slash && strncmp(dir, "/tmp/confiture-sandbox-", 23) == 0) {
			*slash = '\0';
			rmdir(dir);
		}
		free(dir);
	}
	snprintf(path, sizeof(path), "%s/sandbox.env", statedir);
	unlink(path);
	return 0;
}
