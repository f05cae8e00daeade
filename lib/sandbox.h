/* sandbox: a throwaway local PostgreSQL cluster (initdb + pg_ctl) for demos and tests. */
#ifndef CONF_SANDBOX_H
#define CONF_SANDBOX_H

#include "error.h"

/*
 * A sandbox is described by a state directory holding `sandbox.env`
 * (key=value lines: PGDATA, PORT, PGUSER, BINDIR, RUNAS, URL).  The cluster
 * listens on 127.0.0.1 on a free port and on a Unix socket in its data
 * directory, with trust authentication for the superuser "postgres" (it is
 * reachable only from this machine and holds throwaway data).  When we are
 * root the cluster is created under /tmp and owned by an unprivileged account
 * (proc_unprivileged_user), since PostgreSQL refuses to run as root.
 */
struct sandbox {
	char pgdata[4096];
	char bindir[4096];
	char runas[64];
	int port;
	char url[256];
};

/*
 * Start (or find running) the sandbox of statedir.  Returns 0 with sb
 * filled, -1 with err.  Progress goes to stderr only.
 */
int sandbox_start(const char *statedir, struct sandbox *sb, struct conf_error *err);
/* Stop it and delete its data.  Stopping a sandbox that is not there is not an error. */
int sandbox_stop(const char *statedir, struct conf_error *err);
/* Read the state file.  Returns 0, or -1 with err when there is no sandbox. */
int sandbox_load(const char *statedir, struct sandbox *sb, struct conf_error *err);
/* Directory of PostgreSQL's server programs (initdb, pg_ctl), or NULL. */
const char *sandbox_bindir(void);

#endif
