/* impact/estimate: sizes, rows touched and blockers read from the target, then the probe's durations. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "impact/estimate.h"
#include "record.h"
#include "strbuf.h"

/* Bit m set in conflicts[k]: mode k conflicts with mode m (PostgreSQL's documented table). */
#define B(m) (1u << IMPACT_LOCK_##m)
static const unsigned conflicts[] = {
	[IMPACT_LOCK_NONE] = 0,
	[IMPACT_LOCK_ACCESS_SHARE] = B(ACCESS_EXCLUSIVE),
	[IMPACT_LOCK_ROW_SHARE] = B(EXCLUSIVE) | B(ACCESS_EXCLUSIVE),
	[IMPACT_LOCK_ROW_EXCLUSIVE] = B(SHARE) | B(SHARE_ROW_EXCLUSIVE) | B(EXCLUSIVE) |
	    B(ACCESS_EXCLUSIVE),
	[IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE] = B(SHARE_UPDATE_EXCLUSIVE) | B(SHARE) |
	    B(SHARE_ROW_EXCLUSIVE) | B(EXCLUSIVE) | B(ACCESS_EXCLUSIVE),
	[IMPACT_LOCK_SHARE] = B(ROW_EXCLUSIVE) | B(SHARE_UPDATE_EXCLUSIVE) |
	    B(SHARE_ROW_EXCLUSIVE) | B(EXCLUSIVE) | B(ACCESS_EXCLUSIVE),
	[IMPACT_LOCK_SHARE_ROW_EXCLUSIVE] = B(ROW_EXCLUSIVE) | B(SHARE_UPDATE_EXCLUSIVE) |
	    B(SHARE) | B(SHARE_ROW_EXCLUSIVE) | B(EXCLUSIVE) | B(ACCESS_EXCLUSIVE),
	[IMPACT_LOCK_EXCLUSIVE] = B(ROW_SHARE) | B(ROW_EXCLUSIVE) | B(SHARE_UPDATE_EXCLUSIVE) |
	    B(SHARE) | B(SHARE_ROW_EXCLUSIVE) | B(EXCLUSIVE) | B(ACCESS_EXCLUSIVE),
	[IMPACT_LOCK_ACCESS_EXCLUSIVE] = B(ACCESS_SHARE) | B(ROW_SHARE) | B(ROW_EXCLUSIVE) |
	    B(SHARE_UPDATE_EXCLUSIVE) | B(SHARE) | B(SHARE_ROW_EXCLUSIVE) | B(EXCLUSIVE) |
	    B(ACCESS_EXCLUSIVE),
};
#undef B

int
impact_lock_conflicts(enum impact_lock a, enum impact_lock b)
{
	if (a <= IMPACT_LOCK_NONE || a > IMPACT_LOCK_ACCESS_EXCLUSIVE ||
	    b <= IMPACT_LOCK_NONE || b > IMPACT_LOCK_ACCESS_EXCLUSIVE)
		return 0;
	return (conflicts[a] >> b) & 1;
}

/* What the catalog says of a table, without locking it. */
static const char table_sql[] =
	"SELECT c.oid::text, format('%I.%I', n.nspname, c.relname), c.relname, c.relkind::text,"
	" c.reltuples::float8::text, (c.relpages::float8 * current_setting('block_size')::int)::text,"
	" (SELECT coalesce(sum(i.relpages), 0)::float8 * current_setting('block_size')::int"
	"   FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid)::text,"
	" (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid)::text,"
	" (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a"
	"   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '')"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.oid = to_regclass($1)";

/* Its exact sizes, which take ACCESS SHARE on it (and wait behind ACCESS EXCLUSIVE). */
static const char sizes_sql[] =
	"SELECT pg_relation_size($1::oid)::text, pg_indexes_size($1::oid)::text,"
	" pg_total_relation_size($1::oid)::text";

/* The planner's row count of a query (EXPLAIN without ANALYZE); -1 when it cannot plan it. */
double
estimate_explain(PGconn *conn, const char *sql, double *cost, struct conf_error *err)
{
	struct strbuf q = STRBUF_INIT;
	struct conf_error qerr = CONF_ERROR_INIT;
	const cJSON *plan;
	cJSON *doc = NULL;
	PGresult *res;
	double rows = -1;

	if (cost != NULL)
		*cost = -1;
	strbuf_addf(&q, "EXPLAIN (FORMAT JSON) %s", sql);
	if (db_exec(conn, "SAVEPOINT confiture_explain", err) < 0) {
		strbuf_release(&q);
		return -2;
	}
	res = db_query(conn, q.buf, 0, NULL, &qerr);
	strbuf_release(&q);
	if (res != NULL && PQntuples(res) == 1 &&
	    (doc = cJSON_Parse(PQgetvalue(res, 0, 0))) != NULL) {
		plan = cJSON_GetObjectItem(cJSON_GetArrayItem(doc, 0), "Plan");
		if (cost != NULL)
			*cost = record_num(plan, "Total Cost", -1);
		if (strcmp(record_str(plan, "Node Type") ? record_str(plan, "Node Type") : "",
		    "ModifyTable") == 0 && cJSON_GetObjectItem(plan, "Plans"))
			plan = cJSON_GetArrayItem(cJSON_GetObjectItem(plan, "Plans"), 0);
		rows = record_num(plan, "Plan Rows", -1);
	}
	cJSON_Delete(doc);
	PQclear(res);
	if (qerr.code == CONF_EXIT_DB) {
		*err = qerr;
		return -2;
	}
	/* rolled back: the locks planning took go at once */
	if (db_exec(conn, "ROLLBACK TO SAVEPOINT confiture_explain", err) < 0)
		return -2;
	return rows;
}

void
estimate_tables_release(struct estimate_tables *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++) {
		free(ts->v[i].name);
		free(ts->v[i].qname);
		free(ts->v[i].relname);
		free(ts->v[i].oid);
		free(ts->v[i].cols);
		free(ts->v[i].copy_error);
	}
	free(ts->v);
	memset(ts, 0, sizeof(*ts));
}

struct estimate_table *
estimate_table_find(const struct estimate_tables *ts, const char *name)
{
	size_t i;

	for (i = 0; name && i < ts->n; i++)
		if (strcmp(ts->v[i].name, name) == 0)
			return ts->v[i].same_as >= 0 ? &ts->v[ts->v[i].same_as] : &ts->v[i];
	return NULL;
}

/*
 * The exact sizes; when someone holds the table ACCESS EXCLUSIVE past
 * lock_timeout, the catalog's page counts (as of the last VACUUM or
 * ANALYZE) stay, and sizes_locked says so.
 */
static int
exact_sizes(PGconn *conn, struct estimate_table *t, struct conf_error *err)
{
	struct conf_error serr = CONF_ERROR_INIT;
	const char *p[1] = { t->oid };
	PGresult *res;

	if (db_exec(conn, "SAVEPOINT confiture_sizes", err) < 0)
		return -1;
	if ((res = db_query(conn, sizes_sql, 1, p, &serr)) == NULL) {
		if (serr.code == CONF_EXIT_DB) {
			*err = serr;
			return -1;
		}
		t->sizes_locked = 1;
		return db_exec(conn, "ROLLBACK TO SAVEPOINT confiture_sizes", err);
	}
	t->table_bytes = atof(PQgetvalue(res, 0, 0));
	t->index_bytes = atof(PQgetvalue(res, 0, 1));
	t->bytes = atof(PQgetvalue(res, 0, 2));
	PQclear(res);
	/* rolled back, not released: its locks go at once */
	return db_exec(conn, "ROLLBACK TO SAVEPOINT confiture_sizes", err);
}

/* Look a table up in the catalog (as the statements name it) and add it to ts. */
int
estimate_table_add(struct estimate_tables *ts, PGconn *conn, const char *name, struct conf_error *err)
{
	struct estimate_table *t;
	PGresult *res;
	char *quoted;
	const char *p[1];
	size_t i;

	if (estimate_table_find(ts, name))
		return 0;
	ts->v = xrealloc(ts->v, (ts->n + 1) * sizeof(*ts->v));
	t = &ts->v[ts->n++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	if ((quoted = db_quote_qualified(conn, name, err)) == NULL)
		return -1;
	p[0] = quoted;
	res = db_query(conn, table_sql, 1, p, err);
	free(quoted);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		t->exists = 1;
		t->oid = xstrdup(PQgetvalue(res, 0, 0));
		t->qname = xstrdup(PQgetvalue(res, 0, 1));
		t->relname = xstrdup(PQgetvalue(res, 0, 2));
		t->relkind = PQgetvalue(res, 0, 3)[0];
		t->rows = atof(PQgetvalue(res, 0, 4));
		t->table_bytes = atof(PQgetvalue(res, 0, 5));
		t->index_bytes = atof(PQgetvalue(res, 0, 6));
		t->bytes = t->table_bytes + t->index_bytes;
		t->indexes = atoi(PQgetvalue(res, 0, 7));
		t->cols = xstrdup(PQgetvalue(res, 0, 8));
	}
	PQclear(res);
	if (t->exists && exact_sizes(conn, t, err) < 0)
		return -1;
	t->same_as = -1;
	for (i = 0; t->exists && i + 1 < ts->n; i++)
		if (ts->v[i].exists && strcmp(ts->v[i].oid, t->oid) == 0) {
			t->same_as = (long)i;
			return 0;
		}
	if (t->exists && t->rows < 0 && t->relkind == 'r' && t->table_bytes == 0)
		t->rows = 0;    /* the planner would guess ten pages of an empty file */
	if (t->exists && t->rows < 0 && (t->relkind == 'r' || t->relkind == 'p')) {
		/* Never vacuumed nor analyzed: the planner's own guess from the file size. */
		struct strbuf q = STRBUF_INIT;

		strbuf_addf(&q, "SELECT FROM %s", t->qname);
		t->rows = estimate_explain(conn, q.buf, NULL, err);
		strbuf_release(&q);
		if (t->rows < -1)
			return -1;
	}
	return 0;
}

static void
add_sizes(cJSON *imp, const struct estimate_tables *ts)
{
	cJSON *sizes = cJSON_CreateArray(), *sz;
	const cJSON *it;
	const struct estimate_table *t;

	const cJSON *seen;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(imp, "locks")) {
		if ((t = estimate_table_find(ts, record_str(it, "table"))) == NULL || !t->exists)
			continue;
		cJSON_ArrayForEach(seen, sizes)
			if (strcmp(record_str(seen, "table"), t->name) == 0)
				break;
		if (seen != NULL)
			continue;
		sz = cJSON_CreateObject();
		cJSON_AddStringToObject(sz, "table", t->name);
		cJSON_AddNumberToObject(sz, "rows", t->rows < 0 ? 0 : t->rows);
		cJSON_AddNumberToObject(sz, "bytes", t->bytes);
		cJSON_AddNumberToObject(sz, "table_bytes", t->table_bytes);
		cJSON_AddNumberToObject(sz, "index_bytes", t->index_bytes);
		cJSON_AddNumberToObject(sz, "indexes", t->indexes);
		if (t->sizes_locked)
			cJSON_AddStringToObject(sz, "sizes_from", "pg_class.relpages: the table is locked");
		cJSON_AddItemToArray(sizes, sz);
	}
	cJSON_AddItemToObject(imp, "sizes", sizes);
}

/* Every lock held or awaited on this database by another session, with who holds it. */
static const char holders_sql[] =
	"SELECT l.relation::text, l.mode, l.granted, coalesce(l.pid, 0)::text,"
	" coalesce(a.state, CASE WHEN l.pid IS NULL THEN 'prepared transaction' END, ''),"
	" coalesce(a.usename::text, ''), coalesce(a.application_name, ''),"
	" coalesce(a.backend_type, ''),"
	" coalesce(extract(epoch FROM now() - a.xact_start), 0)::float8::text"
	" FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
	" WHERE l.locktype = 'relation' AND l.pid IS DISTINCT FROM pg_backend_pid()"
	" AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";

static void
add_blockers(cJSON *imp, const struct estimate_tables *ts, PGresult *holders)
{
	cJSON *list = cJSON_CreateArray(), *b;
	const cJSON *it;
	const struct estimate_table *t;
	int i;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(imp, "locks")) {
		enum impact_lock want = impact_lock_parse(record_str(it, "mode"));

		if ((t = estimate_table_find(ts, record_str(it, "table"))) == NULL || !t->exists)
			continue;
		for (i = 0; i < PQntuples(holders); i++) {
			if (strcmp(PQgetvalue(holders, i, 0), t->oid) != 0 ||
			    !impact_lock_conflicts(want, impact_lock_parse(PQgetvalue(holders, i, 1))))
				continue;
			b = cJSON_CreateObject();
			cJSON_AddStringToObject(b, "table", t->name);
			cJSON_AddStringToObject(b, "mode",
			    impact_lock_name(impact_lock_parse(PQgetvalue(holders, i, 1))));
			cJSON_AddBoolToObject(b, "granted", PQgetvalue(holders, i, 2)[0] == 't');
			cJSON_AddNumberToObject(b, "pid", atof(PQgetvalue(holders, i, 3)));
			cJSON_AddStringToObject(b, "state", PQgetvalue(holders, i, 4));
			cJSON_AddStringToObject(b, "user", PQgetvalue(holders, i, 5));
			cJSON_AddStringToObject(b, "application", PQgetvalue(holders, i, 6));
			cJSON_AddStringToObject(b, "backend_type", PQgetvalue(holders, i, 7));
			cJSON_AddNumberToObject(b, "xact_seconds",
			    (double)(long)(atof(PQgetvalue(holders, i, 8)) * 10) / 10);
			cJSON_AddItemToArray(list, b);
		}
	}
	cJSON_AddItemToObject(imp, "blockers", list);
}

/* rows_touched of the DML statements, from the planner. */
static int
add_rows_touched(struct impact_mig *m, PGconn *conn, struct conf_error *err)
{
	size_t i;
	double rows;

	for (i = 0; i < m->n; i++) {
		if (strcmp(record_str(m->simpact[i], "effect"), "rows") != 0)
			continue;
		if ((rows = estimate_explain(conn, record_str(m->stmts[i], "sql"), NULL, err)) < -1)
			return -1;
		if (rows >= 0)
			cJSON_AddNumberToObject(m->simpact[i], "rows_touched", rows);
	}
	return 0;
}

int
impact_run_estimate(struct impact_run *run, PGconn *conn, const struct impact_estimate_opts *opts,
    struct conf_error *err)
{
	struct estimate_tables ts = { NULL, 0 };
	PGresult *holders = NULL;
	const cJSON *it;
	size_t i;
	int rc = -1;

	/* A transaction of its own, for the savepoints; nothing is written. */
	if (db_exec(conn, "SET lock_timeout = '1s'", err) < 0 || db_exec(conn, "BEGIN", err) < 0)
		return -1;
	for (i = 0; i < run->nmig; i++)
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(run->migs[i].impact, "locks"))
			if (estimate_table_add(&ts, conn, record_str(it, "table"), err) < 0)
				goto out;
	if ((holders = db_query(conn, holders_sql, 0, NULL, err)) == NULL)
		goto out;
	for (i = 0; i < run->nmig; i++) {
		add_sizes(run->migs[i].impact, &ts);
		add_blockers(run->migs[i].impact, &ts, holders);
		if (add_rows_touched(&run->migs[i], conn, err) < 0)
			goto out;
	}
	if (db_exec(conn, "ROLLBACK", err) < 0)
		goto out;
	if (opts->sample_rows != 0 && estimate_probe(run, conn, &ts, opts->sample_rows, err) < 0)
		goto out;
	rc = 0;
out:
	PQclear(holders);
	estimate_tables_release(&ts);
	return rc;
}
