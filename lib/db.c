/* db: the one place that connects to PostgreSQL and runs SQL through libpq. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "strbuf.h"

char *
db_conninfo_password(const char *conninfo)
{
	PQconninfoOption *opts, *o;
	char *errmsg = NULL, *pw = NULL;

	if (conninfo == NULL || conninfo[0] == '\0')
		return NULL;
	opts = PQconninfoParse(conninfo, &errmsg);
	if (opts == NULL) {
		PQfreemem(errmsg);
		return NULL;
	}
	for (o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && o->val[0])
			pw = xstrdup(o->val);
	PQconninfoFree(opts);
	return pw;
}

void
db_scrub(char *buf, size_t size, const char *secret)
{
	size_t slen;
	char *p;

	if (secret == NULL || (slen = strlen(secret)) == 0)
		return;
	while ((p = strstr(buf, secret)) != NULL) {
		size_t tail = strlen(p + slen);

		if (slen >= 4) {
			memcpy(p, "****", 4);
			memmove(p + 4, p + slen, tail + 1);
		} else {
			/* Grow in place only when there is room; otherwise truncate. */
			if (strlen(buf) + 4 - slen + 1 > size)
				tail = size - (size_t)(p - buf) - 5;
			memmove(p + 4, p + slen, tail);
			p[4 + tail] = '\0';
			memcpy(p, "****", 4);
		}
	}
}

/*
 * Redact the password of a URL: the part between "://user:" and the last
 * "@" of the authority.  key=value strings: the value of password=.
 */
char *
db_redact(const char *conninfo)
{
	char *copy, *pw;
	size_t len;

	if (conninfo == NULL)
		return xstrdup("");
	len = strlen(conninfo) + 8;
	copy = xmalloc(len);
	strcpy(copy, conninfo);
	if (strncmp(copy, "postgres://", 11) == 0 || strncmp(copy, "postgresql://", 13) == 0) {
		char *auth = strstr(copy, "://") + 3;
		char *slash = strchr(auth, '/');
		char *at = NULL, *p, *colon;

		for (p = auth; *p && (slash == NULL || p < slash); p++)
			if (*p == '@')
				at = p;
		if (at) {
			colon = memchr(auth, ':', (size_t)(at - auth));
			if (colon) {
				memmove(colon + 5, at, strlen(at) + 1);
				memcpy(colon + 1, "****", 4);
			}
		}
	}
	pw = db_conninfo_password(conninfo);
	db_scrub(copy, len, pw);
	free(pw);
	return copy;
}

static void
strip_newline(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

PGconn *
db_connect(const char *conninfo, const char *appname, struct conf_error *err)
{
	const char *keys[] = { "dbname", "fallback_application_name", NULL };
	const char *vals[] = { conninfo ? conninfo : "", appname, NULL };
	PGconn *conn;
	char *pw;

	conn = PQconnectdbParams(keys, vals, 1);
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
		return conn;
	conf_error_set(err, CONF_EXIT_DB, "could not connect to the database: %s",
	    conn ? PQerrorMessage(conn) : "out of memory");
	strip_newline(err->message);
	pw = db_conninfo_password(conninfo);
	db_scrub(err->message, sizeof(err->message), pw);
	free(pw);
	if (conninfo && conninfo[0]) {
		char *shown = db_redact(conninfo);

		conf_error_detail(err, "connection: %s", shown);
		free(shown);
	}
	PQfinish(conn);
	return NULL;
}

int
db_result_error(PGconn *conn, const PGresult *res, struct conf_error *err)
{
	const char *state, *msg, *detail, *hint;

	if (PQstatus(conn) != CONNECTION_OK) {
		conf_error_set(err, CONF_EXIT_DB, "lost the database connection: %s",
		    PQerrorMessage(conn));
		strip_newline(err->message);
		return -1;
	}
	msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	conf_error_set(err, CONF_EXIT_SQL, "%s", msg ? msg : PQerrorMessage(conn));
	strip_newline(err->message);
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state)
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
	detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	if (detail)
		conf_error_detail(err, "%s", detail);
	hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	if (hint)
		conf_error_hint(err, "%s", hint);
	return -1;
}

PGresult *
db_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
    struct conf_error *err)
{
	PGresult *res;

	if (nparams == 0)
		res = PQexec(conn, sql);
	else
		res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (res != NULL && (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK))
		return res;
	db_result_error(conn, res, err);
	PQclear(res);
	return NULL;
}

int
db_exec(PGconn *conn, const char *sql, struct conf_error *err)
{
	PGresult *res = db_query(conn, sql, 0, NULL, err);

	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

char *
db_quote_ident(PGconn *conn, const char *name, struct conf_error *err)
{
	char *q = PQescapeIdentifier(conn, name, strlen(name)), *copy;

	if (q == NULL) {
		conf_error_set(err, CONF_EXIT_USAGE, "could not quote identifier: %s",
		    PQerrorMessage(conn));
		strip_newline(err->message);
		return NULL;
	}
	copy = xstrdup(q);
	PQfreemem(q);
	return copy;
}

char *
db_quote_literal(PGconn *conn, const char *value, struct conf_error *err)
{
	char *q = PQescapeLiteral(conn, value, strlen(value)), *copy;

	if (q == NULL) {
		conf_error_set(err, CONF_EXIT_USAGE, "could not quote literal: %s",
		    PQerrorMessage(conn));
		strip_newline(err->message);
		return NULL;
	}
	copy = xstrdup(q);
	PQfreemem(q);
	return copy;
}

char *
db_quote_qualified(PGconn *conn, const char *name, struct conf_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	const char *dot = strchr(name, '.');
	char *part, *q;

	if (dot) {
		part = xstrndup(name, (size_t)(dot - name));
		q = db_quote_ident(conn, part, err);
		free(part);
		if (q == NULL)
			return NULL;
		strbuf_addstr(&sb, q);
		strbuf_addch(&sb, '.');
		free(q);
		name = dot + 1;
	}
	q = db_quote_ident(conn, name, err);
	if (q == NULL) {
		strbuf_release(&sb);
		return NULL;
	}
	strbuf_addstr(&sb, q);
	free(q);
	return strbuf_detach(&sb, NULL);
}

PGconn *
db_connect_maintenance(const char *conninfo, const char *appname, char **dbname,
    struct conf_error *err)
{
	const char *keys[] = { "dbname", "dbname", "fallback_application_name", NULL };
	const char *vals[] = { conninfo ? conninfo : "", "postgres", appname, NULL };
	PGconn *conn;
	char *pw;

	*dbname = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		conf_error_set(err, CONF_EXIT_DB, "could not connect to the server: %s",
		    conn ? PQerrorMessage(conn) : "out of memory");
		strip_newline(err->message);
		pw = db_conninfo_password(conninfo);
		db_scrub(err->message, sizeof(err->message), pw);
		free(pw);
		PQfinish(conn);
		return NULL;
	}
	{
		/* The name the caller meant: parse it out of conninfo. */
		PQconninfoOption *opts = PQconninfoParse(conninfo ? conninfo : "", NULL), *o;

		for (o = opts; o && o->keyword; o++)
			if (strcmp(o->keyword, "dbname") == 0 && o->val && o->val[0])
				*dbname = xstrdup(o->val);
		PQconninfoFree(opts);
	}
	if (*dbname == NULL) {
		const char *env = getenv("PGDATABASE");

		*dbname = xstrdup(env && env[0] ? env : PQuser(conn));
	}
	return conn;
}
