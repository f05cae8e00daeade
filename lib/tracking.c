/* tracking: the table that records which migrations are applied, and the runners' lock. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "proc.h"
#include "project.h"
#include "strbuf.h"
#include "tracking.h"

int
tracking_ensure(PGconn *conn, const char *table, struct conf_error *err)
{
	char *qt = db_quote_qualified(conn, table, err);
	const char *params[1];
	PGresult *res;
	char *sql;
	int rc;

	if (qt == NULL)
		return -1;
	params[0] = qt;
	res = db_query(conn, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1, params, err);
	if (res == NULL || strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		PQclear(res);
		free(qt);
		return res ? 0 : -1;
	}
	PQclear(res);
	sql = xstrfmt(
	    "CREATE TABLE IF NOT EXISTS %s (\n"
	    "  version text PRIMARY KEY,\n"
	    "  name text NOT NULL,\n"
	    "  checksum text NOT NULL,\n"
	    "  status text NOT NULL DEFAULT 'applied'\n"
	    "    CHECK (status IN ('applied', 'baselined', 'running', 'failed')),\n"
	    "  applied_at timestamptz NOT NULL DEFAULT now(),\n"
	    "  duration_ms bigint NOT NULL DEFAULT 0,\n"
	    "  applied_by text NOT NULL DEFAULT current_user,\n"
	    "  failed_statement integer,\n"
	    "  error text\n"
	    ")", qt);
	rc = db_exec(conn, sql, err);
	free(sql);
	free(qt);
	return rc;
}

static char *
dupval(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : xstrdup(PQgetvalue(res, row, col));
}

static int
cmp_applied(const void *x, const void *y)
{
	return version_cmp(((const struct applied *)x)->version,
	    ((const struct applied *)y)->version);
}

int
tracking_read(PGconn *conn, const char *table, struct applied **out, size_t *n,
    struct conf_error *err)
{
	const char *params[1];
	char *qt, *sql;
	PGresult *res;
	int i, rows;

	*out = NULL;
	*n = 0;
	if ((qt = db_quote_qualified(conn, table, err)) == NULL)
		return -1;
	params[0] = qt;
	res = db_query(conn, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1, params, err);
	if (res == NULL) {
		free(qt);
		return -1;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		PQclear(res);
		free(qt);
		return 0;
	}
	PQclear(res);
	sql = xstrfmt("SELECT version, name, checksum, status, "
	    "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    "duration_ms, applied_by, failed_statement, error FROM %s", qt);
	free(qt);
	res = db_query(conn, sql, 0, NULL, err);
	free(sql);
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*out = xcalloc((size_t)rows + 1, sizeof(**out));
	for (i = 0; i < rows; i++) {
		struct applied *a = &(*out)[i];

		a->version = dupval(res, i, 0);
		a->name = dupval(res, i, 1);
		a->checksum = dupval(res, i, 2);
		a->status = dupval(res, i, 3);
		a->applied_at = dupval(res, i, 4);
		a->duration_ms = atol(PQgetvalue(res, i, 5));
		a->applied_by = dupval(res, i, 6);
		a->failed_statement = PQgetisnull(res, i, 7) ? 0 : atoi(PQgetvalue(res, i, 7));
		a->error = dupval(res, i, 8);
	}
	PQclear(res);
	*n = (size_t)rows;
	qsort(*out, *n, sizeof(**out), cmp_applied);
	return 0;
}

void
applied_free(struct applied *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].version);
		free(a[i].name);
		free(a[i].checksum);
		free(a[i].status);
		free(a[i].applied_at);
		free(a[i].applied_by);
		free(a[i].error);
	}
	free(a);
}

struct applied *
applied_find(struct applied *a, size_t n, const char *version)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (version_cmp(a[i].version, version) == 0)
			return &a[i];
	return NULL;
}

int
applied_done(const struct applied *a)
{
	return a && (strcmp(a->status, "applied") == 0 || strcmp(a->status, "baselined") == 0);
}

static int
exec_params(PGconn *conn, const char *fmt, const char *table, int n,
    const char *const *params, struct conf_error *err)
{
	char *qt = db_quote_qualified(conn, table, err), *sql;
	PGresult *res;

	if (qt == NULL)
		return -1;
	sql = xstrfmt(fmt, qt);
	free(qt);
	res = db_query(conn, sql, n, params, err);
	free(sql);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int
tracking_record(PGconn *conn, const char *table, const char *version, const char *name,
    const char *checksum, const char *status, long duration_ms, struct conf_error *err)
{
	char dur[32];
	const char *params[5];

	snprintf(dur, sizeof(dur), "%ld", duration_ms);
	params[0] = version;
	params[1] = name;
	params[2] = checksum;
	params[3] = status;
	params[4] = dur;
	return exec_params(conn,
	    "INSERT INTO %s (version, name, checksum, status, duration_ms) "
	    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO UPDATE SET "
	    "name = EXCLUDED.name, checksum = EXCLUDED.checksum, status = EXCLUDED.status, "
	    "duration_ms = EXCLUDED.duration_ms, applied_at = now(), applied_by = current_user, "
	    "failed_statement = NULL, error = NULL",
	    table, 5, params, err);
}

int
tracking_fail(PGconn *conn, const char *table, const char *version, int statement,
    const char *message, struct conf_error *err)
{
	char idx[32];
	const char *params[3];

	snprintf(idx, sizeof(idx), "%d", statement);
	params[0] = version;
	params[1] = idx;
	params[2] = message;
	return exec_params(conn,
	    "UPDATE %s SET status = 'failed', failed_statement = $2, error = $3 WHERE version = $1",
	    table, 3, params, err);
}

int
tracking_delete(PGconn *conn, const char *table, const char *version, struct conf_error *err)
{
	const char *params[1] = { version };

	return exec_params(conn, "DELETE FROM %s WHERE version = $1", table, 1, params, err);
}

int
tracking_lock(PGconn *conn, const char *table, long wait_ms, struct conf_error *err)
{
	const char *params[1] = { table };
	long start = proc_now_ms();

	for (;;) {
		PGresult *res = db_query(conn,
		    "SELECT pg_catalog.pg_try_advisory_lock(1668247142, pg_catalog.hashtext($1))",
		    1, params, err);
		int got;

		if (res == NULL)
			return -1;
		got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
		if (got)
			return 0;
		if (proc_now_ms() - start >= wait_ms) {
			conf_error_set(err, CONF_EXIT_LOCK,
			    "another run holds the migration lock on \"%s\"", table);
			conf_error_hint(err, "waited %ld ms; try again when it has finished", wait_ms);
			return -1;
		}
		usleep(100000);
	}
}
