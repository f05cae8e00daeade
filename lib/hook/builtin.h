/* hook/builtin: the hooks shipped with confiture: backup, notify, log. */
#ifndef CONF_HOOK_BUILTIN_H
#define CONF_HOOK_BUILTIN_H

#include <stdio.h>

#include "error.h"
#include "strvec.h"

/*
 * Run builtin `name` as a hook: the context is read from in, records
 * (hook_metadata) are written to out, messages go to stderr.  opts holds
 * option names and values in pairs ("dir", "backups", ...).
 *   backup  pg_dump -Fc of CONFITURE_DATABASE_URL's database (or, with
 *           tables=affected, of the tables the migration changes) into
 *           dir (default "backups"); reports backup_file and backup_bytes.
 *   notify  POST the context as JSON to url (curl; timeout seconds, default
 *           10), and/or pipe it to command (/bin/sh -c).
 *   log     append {"kind":"hook_log","logged_at","point","context"} to
 *           file (default confiture-hooks.log), one locked write per line.
 * Returns 0, or -1 with err.
 */
int hook_builtin_run(const char *name, const struct strvec *opts, FILE *in, FILE *out,
    struct conf_error *err);

#endif
