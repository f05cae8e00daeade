/* dataload: tables truncated without CASCADE and loaded with COPY, one transaction and checkpoint each. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "copytext.h"
#include "dataextract.h"
#include "dataload.h"
#include "db.h"
#include "record.h"
#include "sha256.h"
#include "strbuf.h"

#define COPY_CHUNK (256 * 1024)

enum { PENDING, LOADING, LOADED, DONE_BEFORE };

struct ltable {
	char *schema, *name, *qual, *oid;
	char *copy_cols;       /* " (a, b)" for COPY, or "" */
	char *copy_into;       /* where COPY loads: the rehearsal's copy, or NULL for qual */
	int ncols;
	int *refs;             /* tables of the stream whose foreign keys reference this one */
	size_t nrefs;
	int state;
	int begun;
};

struct loader {
	PGconn *conn;
	FILE *out;
	const struct data_load_opts *o;
	const char *cp_table;
	char *cp_qual;
	struct ltable *t;
	size_t n, alloc;
	char plan[65];
	int preamble_done;
	int cur;               /* table in flight, or -1 */
	int skipping;          /* its rows are discarded (loaded by an earlier run) */
	int in_copy;           /* a COPY FROM STDIN is open */
	int in_txn;
	long rows;
	struct strbuf copy;
	long nout;
	struct timespec started, shown;
	int tty;
};

static double
elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

static void
progress(struct loader *ld, int last)
{
	const struct ltable *t = &ld->t[ld->cur];
	double s = elapsed(&ld->started);
	char qual[256];

	if (!ld->tty)
		return;
	if (!last && elapsed(&ld->shown) < 0.5)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ld->shown);
	snprintf(qual, sizeof(qual), "%s.%s", t->schema, t->name);
	fprintf(stderr, "\r%-40.40s %12ld rows %10.0f rows/s%s", qual, ld->rows,
	    s > 0 ? (double)ld->rows / s : 0.0, last ? "\n" : "");
	fflush(stderr);
}

static int
emit(struct loader *ld, cJSON *rec, struct conf_error *err)
{
	if (record_emit(ld->out, rec) < 0 || fflush(ld->out) == EOF)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write the results");
	ld->nout++;
	return 0;
}

static int
flush_copy(struct loader *ld, struct conf_error *err)
{
	if (ld->copy.len == 0)
		return 0;
	if (PQputCopyData(ld->conn, ld->copy.buf, (int)ld->copy.len) != 1)
		return db_result_error(ld->conn, NULL, err);
	strbuf_reset(&ld->copy);
	return 0;
}

/* Close an open COPY: with reason, abort it; the result is checked either way. */
static int
end_copy(struct loader *ld, const char *reason, struct conf_error *err)
{
	PGresult *res;
	int rc = 0;

	ld->in_copy = 0;
	if (PQputCopyEnd(ld->conn, reason) != 1)
		return db_result_error(ld->conn, NULL, err);
	while ((res = PQgetResult(ld->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && reason == NULL && rc == 0)
			rc = db_result_error(ld->conn, res, err);
		PQclear(res);
	}
	return rc;
}

static void
rollback(struct loader *ld)
{
	struct conf_error ignored = CONF_ERROR_INIT;

	if (ld->in_copy) {
		strbuf_reset(&ld->copy);
		end_copy(ld, "the data stream stopped", &ignored);
	}
	if (ld->in_txn)
		db_exec(ld->conn, "ROLLBACK", &ignored);
	ld->in_txn = 0;
}

static int
add_table(struct loader *ld, const cJSON *rec, const char *where, struct conf_error *err)
{
	const char *schema = record_str(rec, "schema"), *name = record_str(rec, "name");
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(rec, "columns"), *col;
	struct ltable *t;
	struct strbuf sql = STRBUF_INIT;
	char *qs, *qn, *q;
	int first = 1;
	size_t i;

	if (schema == NULL || name == NULL || !cJSON_IsArray(cols))
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "table record without schema, name or columns at %s", where);
	for (i = 0; i < ld->n; i++)
		if (strcmp(ld->t[i].schema, schema) == 0 && strcmp(ld->t[i].name, name) == 0)
			return conf_error_set(err, CONF_EXIT_USAGE,
			    "table \"%s.%s\" announced twice at %s", schema, name, where);
	if ((qs = db_quote_ident(ld->conn, schema, err)) == NULL)
		return -1;
	if ((qn = db_quote_ident(ld->conn, name, err)) == NULL) {
		free(qs);
		return -1;
	}
	if (ld->n == ld->alloc) {
		ld->alloc = ld->alloc ? ld->alloc * 2 : 16;
		ld->t = xrealloc(ld->t, ld->alloc * sizeof(*ld->t));
	}
	t = &ld->t[ld->n++];
	memset(t, 0, sizeof(*t));
	t->schema = xstrdup(schema);
	t->name = xstrdup(name);
	t->qual = xstrfmt("%s.%s", qs, qn);
	free(qs);
	free(qn);
	cJSON_ArrayForEach(col, cols) {
		if ((q = db_quote_ident(ld->conn, record_str(col, "name") ? record_str(col, "name") : "",
		    err)) == NULL) {
			strbuf_release(&sql);
			return -1;
		}
		strbuf_addf(&sql, "%s%s", first ? " (" : ", ", q);
		free(q);
		first = 0;
		t->ncols++;
	}
	if (!first)
		strbuf_addch(&sql, ')');
	t->copy_cols = strbuf_detach(&sql, NULL);
	return 0;
}

static struct ltable *
find_oid(struct loader *ld, const char *oid, int *idx)
{
	size_t i;

	for (i = 0; i < ld->n; i++)
		if (strcmp(ld->t[i].oid, oid) == 0) {
			*idx = (int)i;
			return &ld->t[i];
		}
	return NULL;
}

/* Every table exists; nothing outside the stream references a table in it. */
static int
check_target(struct loader *ld, struct conf_error *err)
{
	PGresult *res;
	const char *params[1];
	size_t i;
	int r, idx;

	for (i = 0; i < ld->n; i++) {
		params[0] = ld->t[i].qual;
		if ((res = db_query(ld->conn, "SELECT to_regclass($1)::oid::text", 1, params, err)) == NULL)
			return -1;
		if (PQgetisnull(res, 0, 0)) {
			PQclear(res);
			conf_error_set(err, CONF_EXIT_STATE, "table \"%s.%s\" does not exist in the target",
			    ld->t[i].schema, ld->t[i].name);
			conf_error_hint(err, "create the schema first (confiture build or migrate up)");
			return -1;
		}
		ld->t[i].oid = xstrdup(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	for (i = 0; i < ld->n; i++) {
		params[0] = ld->t[i].oid;
		res = db_query(ld->conn,
		    "SELECT c.conrelid::text, c.conrelid::regclass::text, c.conname FROM pg_constraint c "
		    "WHERE c.contype = 'f' AND c.confrelid = $1::oid AND c.conrelid <> c.confrelid "
		    "ORDER BY 2, 3", 1, params, err);
		if (res == NULL)
			return -1;
		ld->t[i].refs = xcalloc((size_t)PQntuples(res) + 1, sizeof(int));
		for (r = 0; r < PQntuples(res); r++) {
			if (find_oid(ld, PQgetvalue(res, r, 0), &idx) == NULL) {
				conf_error_set(err, CONF_EXIT_STATE,
				    "table \"%s\" references \"%s.%s\" (foreign key %s) but is not loaded",
				    PQgetvalue(res, r, 1), ld->t[i].schema, ld->t[i].name,
				    PQgetvalue(res, r, 2));
				conf_error_detail(err, "loading \"%s.%s\" truncates it, and conf-apply never "
				    "truncates with CASCADE", ld->t[i].schema, ld->t[i].name);
				conf_error_hint(err, "sync \"%s\" too (--tables), or leave \"%s.%s\" out",
				    PQgetvalue(res, r, 1), ld->t[i].schema, ld->t[i].name);
				PQclear(res);
				return -1;
			}
			ld->t[i].refs[ld->t[i].nrefs++] = idx;
		}
		PQclear(res);
	}
	return 0;
}

/* The plan's identity: the tables, in order. */
static void
plan_id(struct loader *ld)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned char digest[32];
	size_t i;

	strbuf_addf(&sb, "%s\n", ld->o->resume_key ? ld->o->resume_key : "");
	for (i = 0; i < ld->n; i++)
		strbuf_addf(&sb, "%s.%s\n", ld->t[i].schema, ld->t[i].name);
	sha256(sb.buf, sb.len, digest);
	sha256_hex(digest, ld->plan);
	strbuf_release(&sb);
}

static int
checkpoints(struct loader *ld, struct conf_error *err)
{
	PGresult *res;
	const char *params[1];
	char *sql;
	int r, stale = 0;
	size_t i;

	if ((ld->cp_qual = db_quote_qualified(ld->conn, ld->cp_table, err)) == NULL)
		return -1;
	params[0] = ld->cp_table;
	if ((res = db_query(ld->conn, "SELECT pg_try_advisory_lock(hashtext('confiture sync ' || $1))",
	    1, params, err)) == NULL)
		return -1;
	r = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!r)
		return conf_error_set(err, CONF_EXIT_LOCK,
		    "another conf-apply --data is loading into this database");
	sql = xstrfmt("CREATE TABLE IF NOT EXISTS %s (plan text NOT NULL, schema_name text NOT NULL, "
	    "table_name text NOT NULL, rows bigint NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now(), "
	    "PRIMARY KEY (schema_name, table_name))", ld->cp_qual);
	r = db_exec(ld->conn, "SET client_min_messages = warning", err) < 0 ||
	    db_exec(ld->conn, sql, err) < 0;
	free(sql);
	if (r)
		return -1;
	sql = xstrfmt("SELECT plan, schema_name, table_name FROM %s", ld->cp_qual);
	res = db_query(ld->conn, sql, 0, NULL, err);
	free(sql);
	if (res == NULL)
		return -1;
	for (r = 0; r < PQntuples(res); r++)
		if (ld->o->no_resume || strcmp(PQgetvalue(res, r, 0), ld->plan) != 0)
			stale = 1;
	if (stale || PQntuples(res) == 0) {
		if (stale)
			fprintf(stderr, "conf-apply: discarding the checkpoints of an unfinished earlier "
			    "load of other tables or another profile; loading every table\n");
		PQclear(res);
		sql = xstrfmt("DELETE FROM %s", ld->cp_qual);
		r = db_exec(ld->conn, sql, err);
		free(sql);
		return r;
	}
	for (r = 0; r < PQntuples(res); r++) {
		for (i = 0; i < ld->n; i++)
			if (strcmp(ld->t[i].schema, PQgetvalue(res, r, 1)) == 0 &&
			    strcmp(ld->t[i].name, PQgetvalue(res, r, 2)) == 0)
				ld->t[i].state = DONE_BEFORE;
	}
	fprintf(stderr, "conf-apply: resuming an unfinished load: %d of %zu tables already loaded\n",
	    PQntuples(res), ld->n);
	PQclear(res);
	return 0;
}

/* Collect t and the tables still to load that reference it, transitively. */
static void
closure(struct loader *ld, int i, char *mark, struct strbuf *sb)
{
	size_t k;

	if (mark[i])
		return;
	mark[i] = 1;
	strbuf_addf(sb, "%s%s", sb->len > 15 ? ", " : "", ld->t[i].qual);
	for (k = 0; k < ld->t[i].nrefs; k++)
		if (ld->t[ld->t[i].refs[k]].state == PENDING)
			closure(ld, ld->t[i].refs[k], mark, sb);
}

/* Write what the hooks produced. */
static int
flush_hooks(struct loader *ld, struct conf_error *err)
{
	const struct apply_hooks *h = ld->o->hooks;
	cJSON *list, *it;
	int rc = 0;

	if (h == NULL || h->records == NULL || (list = h->records(h->arg)) == NULL)
		return 0;
	while ((it = cJSON_DetachItemFromArray(list, 0)) != NULL)
		if (emit(ld, it, err) < 0)
			rc = -1;
	cJSON_Delete(list);
	return rc;
}

/* The table load as the hooks see it: a migration of direction sync. */
static cJSON *
hook_migration(const struct ltable *t)
{
	cJSON *m = record_new("migration"), *tables;
	char *name = xstrfmt("%s.%s", t->schema, t->name);

	cJSON_AddStringToObject(m, "direction", "sync");
	cJSON_AddStringToObject(m, "version", name);
	cJSON_AddStringToObject(m, "name", name);
	tables = cJSON_AddArrayToObject(m, "tables");
	cJSON_AddItemToArray(tables, cJSON_CreateString(name));
	free(name);
	return m;
}

static int
hook_before(struct loader *ld, int i, struct conf_error *err)
{
	const struct apply_hooks *h = ld->o->hooks;
	struct conf_error werr = CONF_ERROR_INIT;
	cJSON *m;
	int rc;

	if (h == NULL || h->before == NULL)
		return 0;
	m = hook_migration(&ld->t[i]);
	rc = h->before(h->arg, m, err);
	cJSON_Delete(m);
	if (flush_hooks(ld, rc < 0 ? &werr : err) < 0 && rc == 0)
		return -1;
	return rc;
}

/*
 * The rehearsal's transaction: a private schema, and in it a copy of each
 * table that the COPY statements now point at.
 */
static int
rehearsal_begin(struct loader *ld, struct conf_error *err)
{
	char *schema, *sql, *name;
	size_t i;
	int rc = -1;

	name = xstrfmt("confiture_rehearsal_%d", PQbackendPID(ld->conn));
	schema = db_quote_ident(ld->conn, name, err);
	free(name);
	if (schema == NULL)
		return -1;
	if (db_exec(ld->conn, "BEGIN", err) < 0)
		goto out;
	ld->in_txn = 1;
	sql = xstrfmt("CREATE SCHEMA %s", schema);
	rc = db_exec(ld->conn, sql, err);
	free(sql);
	for (i = 0; rc == 0 && i < ld->n; i++) {
		struct ltable *t = &ld->t[i];

		t->copy_into = xstrfmt("%s.t%zu", schema, i);
		sql = xstrfmt("CREATE TABLE %s (LIKE %s INCLUDING ALL)", t->copy_into, t->qual);
		rc = db_exec(ld->conn, sql, err);
		free(sql);
	}
out:
	free(schema);
	return rc;
}

static int
begin_table(struct loader *ld, int i, struct conf_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	char *mark = xcalloc(ld->n + 1, 1), *sql;
	PGresult *res;
	int rc;

	if (ld->o->rehearse) {
		free(mark);
		strbuf_release(&sb);
		goto copy;
	}

	if (hook_before(ld, i, err) < 0) {
		free(mark);
		strbuf_release(&sb);
		return -1;
	}
	strbuf_addstr(&sb, "TRUNCATE TABLE ");
	closure(ld, i, mark, &sb);
	free(mark);
	rc = db_exec(ld->conn, "BEGIN", err);
	if (rc == 0) {
		ld->in_txn = 1;
		rc = db_exec(ld->conn, sb.buf, err);
	}
	strbuf_release(&sb);
	if (rc < 0)
		return -1;
copy:
	sql = xstrfmt("COPY %s%s FROM STDIN", ld->t[i].copy_into ? ld->t[i].copy_into : ld->t[i].qual,
	    ld->t[i].copy_cols);
	res = PQexec(ld->conn, sql);
	free(sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		db_result_error(ld->conn, res, err);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	ld->in_copy = 1;
	ld->t[i].state = LOADING;
	return 0;
}

static int
finish_table(struct loader *ld, long rows, struct conf_error *err)
{
	struct ltable *t = &ld->t[ld->cur];
	const char *params[4];
	char nrows[32], *sql;
	PGresult *res;
	cJSON *rec;
	double ms = elapsed(&ld->started) * 1000.0;

	if (rows != ld->rows)
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "rows_end of \"%s.%s\" counts %ld rows but %ld arrived: stream damaged",
		    t->schema, t->name, rows, ld->rows);
	if (!ld->skipping && ld->o->rehearse) {
		if (flush_copy(ld, err) < 0 || end_copy(ld, NULL, err) < 0)
			return -1;
		t->state = LOADED;
	} else if (!ld->skipping) {
		if (flush_copy(ld, err) < 0 || end_copy(ld, NULL, err) < 0)
			return -1;
		snprintf(nrows, sizeof(nrows), "%ld", rows);
		params[0] = ld->plan;
		params[1] = t->schema;
		params[2] = t->name;
		params[3] = nrows;
		sql = xstrfmt("INSERT INTO %s (plan, schema_name, table_name, rows) VALUES ($1, $2, $3, $4) "
		    "ON CONFLICT (schema_name, table_name) DO UPDATE SET plan = $1, rows = $4, "
		    "loaded_at = now()", ld->cp_qual);
		res = db_query(ld->conn, sql, 4, params, err);
		free(sql);
		if (res == NULL)
			return -1;
		PQclear(res);
		if (db_exec(ld->conn, "COMMIT", err) < 0)
			return -1;
		ld->in_txn = 0;
		t->state = LOADED;
		if (ld->o->progress)
			progress(ld, 1);
	}
	rec = record_new("result");
	cJSON_AddStringToObject(rec, "status", ld->skipping ? "skipped" :
	    ld->o->rehearse ? "rehearsed" : "loaded");
	cJSON_AddStringToObject(rec, "schema", t->schema);
	cJSON_AddStringToObject(rec, "name", t->name);
	cJSON_AddNumberToObject(rec, "rows", (double)rows);
	cJSON_AddNumberToObject(rec, "duration_ms", (double)(long)ms);
	ld->cur = -1;
	if (!ld->skipping && ld->o->hooks && ld->o->hooks->after) {
		const struct apply_hooks *h = ld->o->hooks;
		struct conf_error herr = CONF_ERROR_INIT;
		cJSON *m = hook_migration(t), *ra = cJSON_AddObjectToObject(rec, "rows_affected");
		int hrc;

		cJSON_AddItemToObject(ra, record_str(m, "name"), cJSON_CreateNumber((double)rows));
		hrc = h->after(h->arg, m, rec, &herr);
		cJSON_Delete(m);
		/* The table is committed: its result comes first, whatever the hooks say. */
		if (emit(ld, rec, err) < 0 || flush_hooks(ld, err) < 0)
			return -1;
		if (hrc < 0) {
			*err = herr;
			return -1;
		}
		return 0;
	}
	return emit(ld, rec, err);
}

static int
preamble_end(struct loader *ld, struct conf_error *err)
{
	ld->preamble_done = 1;
	if (ld->n == 0)
		return 0;
	plan_id(ld);
	if (check_target(ld, err) < 0)
		return -1;
	if (ld->o->rehearse)
		return rehearsal_begin(ld, err);
	if (checkpoints(ld, err) < 0)
		return -1;
	return 0;
}

static int
on_record(struct loader *ld, cJSON *rec, const char *where, struct conf_error *err)
{
	const char *kind = record_kind(rec), *schema, *name;
	size_t i;

	if (strcmp(kind, "table") == 0) {
		if (ld->preamble_done)
			return conf_error_set(err, CONF_EXIT_USAGE,
			    "table record after the first rows at %s", where);
		return add_table(ld, rec, where, err);
	}
	if (strcmp(kind, "rows_begin") == 0 || strcmp(kind, "rows_end") == 0) {
		if (!ld->preamble_done && preamble_end(ld, err) < 0)
			return -1;
		schema = record_str(rec, "schema");
		name = record_str(rec, "name");
		for (i = 0; i < ld->n; i++)
			if (schema && name && strcmp(ld->t[i].schema, schema) == 0 &&
			    strcmp(ld->t[i].name, name) == 0)
				break;
		if (kind[5] == 'e') {
			if (ld->cur < 0 || (size_t)ld->cur != i)
				return conf_error_set(err, CONF_EXIT_USAGE,
				    "rows_end without its rows_begin at %s", where);
			return finish_table(ld, (long)record_num(rec, "rows", -1), err);
		}
		if (ld->cur >= 0)
			return conf_error_set(err, CONF_EXIT_USAGE,
			    "rows_begin inside the rows of \"%s.%s\" at %s: stream damaged",
			    ld->t[ld->cur].schema, ld->t[ld->cur].name, where);
		if (i == ld->n)
			return conf_error_set(err, CONF_EXIT_USAGE,
			    "rows_begin of a table the preamble did not announce at %s", where);
		if (ld->t[i].begun)
			return conf_error_set(err, CONF_EXIT_USAGE,
			    "rows of \"%s.%s\" twice at %s", ld->t[i].schema, ld->t[i].name, where);
		ld->t[i].begun = 1;
		ld->cur = (int)i;
		ld->rows = 0;
		ld->skipping = ld->t[i].state == DONE_BEFORE;
		clock_gettime(CLOCK_MONOTONIC, &ld->started);
		ld->shown = ld->started;
		return ld->skipping ? 0 : begin_table(ld, (int)i, err);
	}
	if (strcmp(kind, "row") == 0)
		return conf_error_set(err, CONF_EXIT_USAGE, ld->cur < 0 ?
		    "row outside rows_begin/rows_end at %s" : "malformed row record at %s", where);
	/* Not ours: passed on. */
	return emit(ld, cJSON_Duplicate(rec, 1), err);
}

int
data_load(PGconn *conn, FILE *in, const char *name, FILE *out,
    const struct data_load_opts *o, struct conf_error *err)
{
	struct loader ld;
	struct strbuf line = STRBUF_INIT;
	cJSON *rec = NULL, *upstream = NULL;
	long lineno = 0, records = 0, end_count = -1;
	char where[512];
	int nl, r, nf, rc = -1, saw_end = 0;
	size_t i, mark;

	memset(&ld, 0, sizeof(ld));
	ld.conn = conn;
	ld.out = out;
	ld.o = o;
	ld.cp_table = o->checkpoint_table ? o->checkpoint_table : DATA_DEFAULT_CHECKPOINT_TABLE;
	ld.cur = -1;
	ld.tty = o->progress && isatty(2);
	strbuf_init(&ld.copy, COPY_CHUNK + 4096);
	if (data_session_setup(conn, err) < 0)
		goto fail;
	for (;;) {
		r = strbuf_getline(&line, in, &nl);
		if (r == EOF)
			break;
		if (r < 0) {
			conf_error_set(err, CONF_EXIT_USAGE, "could not read %s", name);
			goto fail;
		}
		lineno++;
		if (line.len > 0 && line.buf[line.len - 1] == '\r')
			line.buf[--line.len] = '\0';
		if (line.len == 0)
			continue;
		if (saw_end) {
			conf_error_set(err, CONF_EXIT_USAGE, "record after the end record at %s:%ld",
			    name, lineno);
			goto fail;
		}
		records++;
		if (ld.cur >= 0) {
			mark = ld.copy.len;
			r = copytext_row_from_json(&ld.copy, line.buf, line.len, &nf);
			if (r == 1) {
				if (nf != ld.t[ld.cur].ncols) {
					conf_error_set(err, CONF_EXIT_USAGE,
					    "row of %d values for the %d columns of \"%s.%s\" at %s:%ld",
					    nf, ld.t[ld.cur].ncols, ld.t[ld.cur].schema,
					    ld.t[ld.cur].name, name, lineno);
					goto fail;
				}
				ld.rows++;
				if (ld.skipping)
					strbuf_reset(&ld.copy);
				else if (ld.copy.len >= COPY_CHUNK) {
					if (flush_copy(&ld, err) < 0)
						goto fail;
					if (ld.tty)
						progress(&ld, 0);
				}
				continue;
			}
			ld.copy.len = mark;
			ld.copy.buf[mark] = '\0';
			if (r < 0) {
				conf_error_set(err, CONF_EXIT_USAGE, "malformed row record at %s:%ld",
				    name, lineno);
				goto fail;
			}
		}
		snprintf(where, sizeof(where), "%s:%ld", name, lineno);
		if ((rec = cJSON_ParseWithLength(line.buf, line.len)) == NULL || !cJSON_IsObject(rec) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rec, "kind"))) {
			conf_error_set(err, CONF_EXIT_USAGE, "malformed record at %s", where);
			goto fail;
		}
		if (record_num(rec, "v", 1) > CONF_PROTOCOL_VERSION) {
			conf_error_set(err, CONF_EXIT_USAGE, "record of protocol version %.0f at %s",
			    record_num(rec, "v", 1), where);
			goto fail;
		}
		if (strcmp(record_kind(rec), "end") == 0) {
			saw_end = 1;
			end_count = (long)record_num(rec, "records", -1);
			records--;
		} else if (strcmp(record_kind(rec), "error") == 0) {
			const char *src = record_str(rec, "source"), *msg = record_str(rec, "message");
			int code = (int)record_num(rec, "code", CONF_EXIT_USAGE);

			conf_error_set(err, code > 0 ? code : CONF_EXIT_USAGE,
			    "stopped: %s reported an error; the table in flight was rolled back",
			    src ? src : "a stage upstream");
			conf_error_detail(err, "%s", msg ? msg : "no message");
			upstream = rec;
			rec = NULL;
			goto fail;
		} else if (on_record(&ld, rec, where, err) < 0)
			goto fail;
		cJSON_Delete(rec);
		rec = NULL;
	}
	if (!saw_end) {
		if (ld.cur >= 0)
			conf_error_set(err, CONF_EXIT_USAGE,
			    "%s ended without its end record, inside the rows of \"%s.%s\": that table "
			    "was rolled back", name, ld.t[ld.cur].schema, ld.t[ld.cur].name);
		else
			conf_error_set(err, CONF_EXIT_USAGE, "%s ended without its end record", name);
		conf_error_hint(err, "tables already loaded keep their checkpoint: run the same "
		    "load again to resume");
		goto fail;
	}
	if (end_count != records) {
		conf_error_set(err, CONF_EXIT_USAGE, "the end record counts %ld records but %ld arrived",
		    end_count, records);
		goto fail;
	}
	if (ld.cur >= 0) {
		conf_error_set(err, CONF_EXIT_USAGE, "end record inside the rows of \"%s.%s\"",
		    ld.t[ld.cur].schema, ld.t[ld.cur].name);
		goto fail;
	}
	if (!ld.preamble_done && preamble_end(&ld, err) < 0)
		goto fail;
	for (i = 0; i < ld.n; i++)
		if (!ld.t[i].begun) {
			conf_error_set(err, CONF_EXIT_USAGE, "the stream brought no rows section for \"%s.%s\"",
			    ld.t[i].schema, ld.t[i].name);
			goto fail;
		}
	if (o->rehearse) {
		if (ld.in_txn && db_exec(conn, "ROLLBACK", err) < 0)
			goto fail;
		ld.in_txn = 0;
	} else if (ld.n > 0) {
		char *sql = xstrfmt("DELETE FROM %s", ld.cp_qual);

		r = db_exec(conn, sql, err);
		free(sql);
		if (r < 0)
			goto fail;
	}
	if (record_write_end(out, ld.nout) < 0) {
		conf_error_set(err, CONF_EXIT_USAGE, "could not write the results");
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	rollback(&ld);
	{
		cJSON *e = upstream ? upstream : record_from_error("conf-apply", err);
		const struct apply_hooks *h = o->hooks;

		if (h && h->on_error && !record_bool(e, "on_error_fired", 0)) {
			struct conf_error what = CONF_ERROR_INIT, ignore = CONF_ERROR_INIT;
			cJSON *m = ld.cur >= 0 ? hook_migration(&ld.t[ld.cur]) : NULL;

			what = *err;
			if (upstream) {
				conf_error_set(&what, err->code, "%s", record_str(e, "message") ?
				    record_str(e, "message") : err->message);
				if (record_str(e, "sqlstate"))
					snprintf(what.sqlstate, sizeof(what.sqlstate), "%s",
					    record_str(e, "sqlstate"));
			}
			h->on_error(h->arg, m, &what, e);
			cJSON_Delete(m);
			flush_hooks(&ld, &ignore);
			cJSON_DeleteItemFromObjectCaseSensitive(e, "on_error_fired");
			cJSON_AddBoolToObject(e, "on_error_fired", 1);
		}
		record_write(out, e);
		if (!upstream)
			cJSON_Delete(e);
	}
	fflush(out);
out:
	cJSON_Delete(rec);
	cJSON_Delete(upstream);
	strbuf_release(&line);
	strbuf_release(&ld.copy);
	for (i = 0; i < ld.n; i++) {
		free(ld.t[i].schema);
		free(ld.t[i].name);
		free(ld.t[i].qual);
		free(ld.t[i].oid);
		free(ld.t[i].copy_cols);
		free(ld.t[i].copy_into);
		free(ld.t[i].refs);
	}
	free(ld.t);
	free(ld.cp_qual);
	return rc;
}
