/* impact/sequences: nextval is not rolled back, so the trial and the probe set sequences back. */
#include <string.h>

#include "db.h"
#include "impact/impact.h"

static const char seq_sql[] =
	"SELECT format('%I.%I', schemaname, sequencename), last_value::text, start_value::text"
	" FROM pg_sequences";

PGresult *
impact_seq_save(PGconn *conn, struct conf_error *err)
{
	return db_query(conn, seq_sql, 0, NULL, err);
}

int
impact_seq_restore(PGconn *conn, PGresult *before, struct conf_error *err)
{
	PGresult *now = db_query(conn, seq_sql, 0, NULL, err);
	int i, j;

	if (now == NULL)
		return -1;
	for (i = 0; i < PQntuples(before); i++)
		for (j = 0; j < PQntuples(now); j++) {
			const char *p[3];
			PGresult *r;

			if (strcmp(PQgetvalue(before, i, 0), PQgetvalue(now, j, 0)) != 0 ||
			    strcmp(PQgetvalue(before, i, 1), PQgetvalue(now, j, 1)) == 0)
				continue;
			p[0] = PQgetvalue(before, i, 0);
			p[1] = PQgetisnull(before, i, 1) ? PQgetvalue(before, i, 2) : PQgetvalue(before, i, 1);
			p[2] = PQgetisnull(before, i, 1) ? "f" : "t";
			r = db_query(conn, "SELECT setval($1::regclass, $2::bigint, $3::boolean)", 3, p, err);
			if (r == NULL) {
				PQclear(now);
				return -1;
			}
			PQclear(r);
		}
	PQclear(now);
	return 0;
}
