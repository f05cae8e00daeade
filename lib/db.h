/* db: the one place that connects to PostgreSQL and runs SQL through libpq. */
#ifndef CONF_DB_H
#define CONF_DB_H

#include <libpq-fe.h>

#include "error.h"

/*
 * Connect with a conninfo string or URL (NULL or "" means libpq's own PG*
 * variables and service file).  application_name falls back to appname.
 * Returns the connection, or NULL with err (CONF_EXIT_DB); the password never
 * appears in err.  The caller owns the connection (PQfinish).
 */
PGconn *db_connect(const char *conninfo, const char *appname, struct conf_error *err);

/*
 * A copy of conninfo fit to show people: the password replaced by "****"
 * (URL or key=value form).  Caller frees.
 */
char *db_redact(const char *conninfo);
/* The password inside conninfo, or NULL (caller frees). */
char *db_conninfo_password(const char *conninfo);
/* Replace every occurrence of secret in buf (NUL-terminated) with "****". */
void db_scrub(char *buf, size_t size, const char *secret);

/*
 * Run a command or query.  db_exec discards the result.  On failure both
 * fill err: CONF_EXIT_SQL with SQLSTATE, message, detail and hint from the
 * server, or CONF_EXIT_DB when the connection is gone.  db_query returns the
 * result (PQclear it) or NULL.  params may be NULL when nparams is 0.
 */
int db_exec(PGconn *conn, const char *sql, struct conf_error *err);
PGresult *db_query(PGconn *conn, const char *sql, int nparams,
    const char *const *params, struct conf_error *err);
/* Fill err from a failed result (or the connection when res is NULL). */
int db_result_error(PGconn *conn, const PGresult *res, struct conf_error *err);

/*
 * Quote a possibly schema-qualified name ("app.confiture_migrations") part by
 * part with PQescapeIdentifier.  Returns a malloc'ed string, or NULL with err.
 */
char *db_quote_qualified(PGconn *conn, const char *name, struct conf_error *err);
/* Quote one identifier / one literal; malloc'ed (free()), NULL with err. */
char *db_quote_ident(PGconn *conn, const char *name, struct conf_error *err);
char *db_quote_literal(PGconn *conn, const char *value, struct conf_error *err);



/*
 * Connect to the maintenance database ("postgres") of the server that
 * conninfo names, and give the database name conninfo asks for in *dbname
 * (malloc'ed).  For creating that database.  NULL with err on failure.
 */
PGconn *db_connect_maintenance(const char *conninfo, const char *appname, char **dbname,
    struct conf_error *err);

#endif
