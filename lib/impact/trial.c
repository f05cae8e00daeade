/* impact/trial: run migrations in a rolled-back transaction and read what they really did. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "impact/impact.h"
#include "record.h"
#include "sql.h"
#include "strbuf.h"

/* User relations by oid: {"16384":{"name":"posts","node":"16384","bytes":8192}}. */
static const char snapshot_sql[] =
	"SELECT c.oid::text, c.oid::regclass::text, c.relfilenode::text,"
	" CASE WHEN c.relkind IN ('r', 'm') THEN pg_total_relation_size(c.oid) ELSE 0 END"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')"
	" AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
	" AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

static const char locks_sql[] =
	"SELECT relation::text, mode FROM pg_locks"
	" WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted"
	" AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

/* The schema as sorted lines without oids, for comparing before and after. */
static const char catalog_sql[] =
	"WITH rel AS (SELECT c.oid, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
	"  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%')"
	" SELECT l FROM ("
	" SELECT 'relation ' || r.relkind::text || ' ' || r.oid::regclass::text AS l FROM rel r"
	" UNION ALL SELECT 'column ' || a.attrelid::regclass::text || '.' || quote_ident(a.attname) || ' '"
	"  || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END"
	"  || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')"
	"  FROM pg_attribute a JOIN rel r ON r.oid = a.attrelid"
	"  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
	"  WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r', 'p', 'v', 'm', 'f')"
	" UNION ALL SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN rel r ON r.oid = i.indrelid"
	" UNION ALL SELECT 'constraint ' || co.conrelid::regclass::text || ' ' || quote_ident(co.conname) || ' '"
	"  || pg_get_constraintdef(co.oid) FROM pg_constraint co JOIN rel r ON r.oid = co.conrelid"
	" UNION ALL SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid"
	"  WHERE NOT t.tgisinternal"
	" UNION ALL SELECT 'view ' || r.oid::regclass::text || ' ' || pg_get_viewdef(r.oid) FROM rel r"
	"  WHERE r.relkind IN ('v', 'm')"
	" UNION ALL SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p"
	"  JOIN pg_namespace n ON n.oid = p.pronamespace"
	"  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
	" UNION ALL SELECT 'type ' || t.oid::regtype::text || ' ' || t.typtype::text FROM pg_type t"
	"  JOIN pg_namespace n ON n.oid = t.typnamespace"
	"  WHERE t.typtype IN ('e', 'd') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
	" UNION ALL SELECT 'schema ' || quote_ident(nspname) FROM pg_namespace"
	"  WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'"
	" ) s ORDER BY l COLLATE \"C\"";

/*
 * Run a read query inside a savepoint rolled back at once, so that the
 * locks it takes (pg_total_relation_size opens every table) do not stay
 * held and do not show up as the migration's.
 */
static PGresult *
probe(PGconn *conn, const char *sql, struct conf_error *err)
{
	PGresult *res;

	if (db_exec(conn, "SAVEPOINT confiture_probe", err) < 0)
		return NULL;
	res = db_query(conn, sql, 0, NULL, err);
	if (db_exec(conn, "ROLLBACK TO SAVEPOINT confiture_probe", err) < 0 ||
	    db_exec(conn, "RELEASE SAVEPOINT confiture_probe", err) < 0) {
		PQclear(res);
		return NULL;
	}
	return res;
}

static cJSON *
snapshot(PGconn *conn, struct conf_error *err)
{
	PGresult *res = probe(conn, snapshot_sql, err);
	cJSON *snap;
	int i;

	if (res == NULL)
		return NULL;
	snap = cJSON_CreateObject();
	for (i = 0; i < PQntuples(res); i++) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "name", PQgetvalue(res, i, 1));
		cJSON_AddStringToObject(r, "node", PQgetvalue(res, i, 2));
		cJSON_AddNumberToObject(r, "bytes", atof(PQgetvalue(res, i, 3)));
		cJSON_AddItemToObject(snap, PQgetvalue(res, i, 0), r);
	}
	PQclear(res);
	return snap;
}

/* The relation locks this backend holds: {"16384":{"AccessShareLock":true,...}}. */
static cJSON *
held_locks(PGconn *conn, struct conf_error *err)
{
	PGresult *res = db_query(conn, locks_sql, 0, NULL, err);
	cJSON *held;
	int i;

	if (res == NULL)
		return NULL;
	held = cJSON_CreateObject();
	for (i = 0; i < PQntuples(res); i++) {
		cJSON *modes = cJSON_GetObjectItem(held, PQgetvalue(res, i, 0));

		if (modes == NULL)
			cJSON_AddItemToObject(held, PQgetvalue(res, i, 0), modes = cJSON_CreateObject());
		cJSON_AddTrueToObject(modes, PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return held;
}

static cJSON *
catalog(PGconn *conn, struct conf_error *err)
{
	PGresult *res = probe(conn, catalog_sql, err);
	cJSON *lines;
	int i;

	if (res == NULL)
		return NULL;
	lines = cJSON_CreateArray();
	for (i = 0; i < PQntuples(res); i++)
		cJSON_AddItemToArray(lines, cJSON_CreateString(PQgetvalue(res, i, 0)));
	PQclear(res);
	return lines;
}

/*
 * A relation's name as the statement wrote it: from the snapshot before
 * (a renamed or moved table keeps its old name), else after (a new one).
 */
static const char *
rel_name(const cJSON *before, const cJSON *after, const char *oid)
{
	const cJSON *r = cJSON_GetObjectItem(before, oid);

	if (r == NULL)
		r = cJSON_GetObjectItem(after, oid);
	return r ? record_str(r, "name") : NULL;
}

/* What one statement did: the new locks, rewrites and size changes between two states. */
static cJSON *
observed(const cJSON *l0, const cJSON *l1, const cJSON *s0, const cJSON *s1, double ms)
{
	cJSON *obs = cJSON_CreateObject(), *locks = cJSON_CreateArray();
	cJSON *rewritten = cJSON_CreateArray(), *sizes = cJSON_CreateArray();
	const cJSON *rel, *mode;
	enum impact_lock top = IMPACT_LOCK_NONE;

	cJSON_ArrayForEach(rel, l1) {
		const char *name = rel_name(s0, s1, rel->string);
		const cJSON *before = cJSON_GetObjectItem(l0, rel->string);
		enum impact_lock m = IMPACT_LOCK_NONE, k;
		cJSON *lk;

		if (name == NULL)
			continue;
		cJSON_ArrayForEach(mode, rel)
			if (!cJSON_GetObjectItem(before, mode->string) &&
			    (k = impact_lock_parse(mode->string)) > m)
				m = k;
		if (m == IMPACT_LOCK_NONE)
			continue;
		lk = cJSON_CreateObject();
		cJSON_AddStringToObject(lk, "table", name);
		cJSON_AddStringToObject(lk, "mode", impact_lock_name(m));
		cJSON_AddItemToArray(locks, lk);
		if (m > top)
			top = m;
	}
	cJSON_ArrayForEach(rel, s1) {
		const cJSON *b = cJSON_GetObjectItem(s0, rel->string);
		double before = b ? record_num(b, "bytes", 0) : 0, after = record_num(rel, "bytes", 0);

		if (b && strcmp(record_str(b, "node"), record_str(rel, "node")) != 0 &&
		    strcmp(record_str(b, "node"), "0") != 0)
			cJSON_AddItemToArray(rewritten, cJSON_CreateString(record_str(rel, "name")));
		if (b && before != after) {
			cJSON *sz = cJSON_CreateObject();

			cJSON_AddStringToObject(sz, "table", record_str(rel, "name"));
			cJSON_AddNumberToObject(sz, "bytes_before", before);
			cJSON_AddNumberToObject(sz, "bytes_after", after);
			cJSON_AddItemToArray(sizes, sz);
		}
	}
	cJSON_AddItemToObject(obs, "locks", locks);
	cJSON_AddStringToObject(obs, "lock", impact_lock_name(top));
	cJSON_AddItemToObject(obs, "rewritten", rewritten);
	cJSON_AddItemToObject(obs, "sizes", sizes);
	cJSON_AddNumberToObject(obs, "elapsed_ms", (double)(long)(ms * 1000) / 1000);
	return obs;
}

/*
 * Run one statement and observe it.  Returns the observation (with "error"
 * when the statement failed: *failed is set), or NULL with err when the
 * connection broke.
 */
static cJSON *
trial_stmt(PGconn *conn, const char *sql, int *failed, struct conf_error *err)
{
	cJSON *l0, *l1 = NULL, *s0, *s1 = NULL, *obs = NULL;
	struct conf_error serr = CONF_ERROR_INIT;
	double t;
	int rc;

	if ((s0 = snapshot(conn, err)) == NULL)
		return NULL;
	if ((l0 = held_locks(conn, err)) == NULL)
		goto out;
	t = impact_now_ms();
	rc = db_exec(conn, sql, &serr);
	t = impact_now_ms() - t;
	if (rc < 0) {
		if (serr.code == CONF_EXIT_DB) {
			*err = serr;
			goto out;
		}
		obs = cJSON_CreateObject();
		cJSON_AddStringToObject(obs, "error", serr.message);
		if (serr.sqlstate[0])
			cJSON_AddStringToObject(obs, "sqlstate", serr.sqlstate);
		*failed = 1;
		goto out;
	}
	if ((l1 = held_locks(conn, err)) == NULL || (s1 = snapshot(conn, err)) == NULL)
		goto out;
	obs = observed(l0, l1, s0, s1, t);
out:
	cJSON_Delete(l0);
	cJSON_Delete(l1);
	cJSON_Delete(s0);
	cJSON_Delete(s1);
	return obs;
}

/* Lines of a that b lacks, each prefixed. */
static void
diff_lines(const cJSON *a, const cJSON *b, const char *prefix, cJSON *out)
{
	const cJSON *x, *y;
	struct strbuf sb = STRBUF_INIT;

	cJSON_ArrayForEach(x, a) {
		cJSON_ArrayForEach(y, b)
			if (strcmp(x->valuestring, y->valuestring) == 0)
				break;
		if (y == NULL) {
			strbuf_reset(&sb);
			strbuf_addf(&sb, "%s%s", prefix, x->valuestring);
			cJSON_AddItemToArray(out, cJSON_CreateString(sb.buf));
		}
	}
	strbuf_release(&sb);
}

/*
 * Run the down file after the up migration, in the same transaction, and
 * compare the catalog with `before`.  Fills rb ("status": faithful,
 * differs, failed or not_run).
 */
static int
trial_down(PGconn *conn, const char *path, const cJSON *before, cJSON *rb, struct conf_error *err)
{
	struct strbuf text = STRBUF_INIT;
	struct sql_script s;
	struct conf_error serr = CONF_ERROR_INIT;
	cJSON *after, *diffs;
	double t = 0, t0;
	size_t i;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	if (strbuf_read_file(&text, path) < 0) {
		cJSON_AddStringToObject(rb, "status", "not_run");
		cJSON_AddStringToObject(rb, "reason", "the down file cannot be read");
		goto out;
	}
	if (sql_script_parse(&s, text.buf, path, &serr) < 0) {
		cJSON_AddStringToObject(rb, "status", "not_run");
		cJSON_AddStringToObject(rb, "reason", serr.message);
		goto out;
	}
	for (i = 0; i < s.n; i++) {
		if (s.stmts[i].txn != SQL_TXN_OK)
			continue;
		t0 = impact_now_ms();
		rc = db_exec(conn, s.stmts[i].sql, &serr);
		t += impact_now_ms() - t0;
		if (rc < 0) {
			if (serr.code == CONF_EXIT_DB) {
				*err = serr;
				goto out;
			}
			rc = 0;
			cJSON_AddStringToObject(rb, "status", "failed");
			cJSON_AddStringToObject(rb, "error", serr.message);
			cJSON_AddNumberToObject(rb, "line", s.stmts[i].line);
			goto out;
		}
	}
	if ((after = catalog(conn, err)) == NULL) {
		rc = -1;
		goto out;
	}
	diffs = cJSON_CreateArray();
	diff_lines(before, after, "missing: ", diffs);
	diff_lines(after, before, "left over: ", diffs);
	cJSON_AddStringToObject(rb, "status", cJSON_GetArraySize(diffs) ? "differs" : "faithful");
	cJSON_AddItemToObject(rb, "differences", diffs);
	cJSON_AddNumberToObject(rb, "elapsed_ms", (double)(long)(t * 1000) / 1000);
	cJSON_Delete(after);
out:
	sql_script_release(&s);
	strbuf_release(&text);
	return rc;
}

static int
trial_mig(PGconn *conn, struct impact_mig *m, struct conf_error *err)
{
	const char *down = record_str(m->rec, "down_file");
	const char *dir = record_str(m->rec, "direction");
	int failed = 0, simulate = down && dir && strcmp(dir, "up") == 0;
	cJSON *before = NULL, *obs, *rb;
	PGresult *seqs = NULL;
	double total = 0;
	size_t i;

	if ((seqs = impact_seq_save(conn, err)) == NULL)
		return -1;
	if (db_exec(conn, "BEGIN", err) < 0 ||
	    db_exec(conn, "SET LOCAL lock_timeout = '10s'", err) < 0)
		goto fail;
	if (simulate && (before = catalog(conn, err)) == NULL)
		goto fail;
	for (i = 0; i < m->n; i++) {
		cJSON *s = m->simpact[i];

		if (failed) {
			obs = cJSON_CreateObject();
			cJSON_AddBoolToObject(obs, "skipped", 1);
			cJSON_AddStringToObject(obs, "reason", "an earlier statement failed");
		} else if (!record_bool(s, "transactional", 1)) {
			obs = cJSON_CreateObject();
			cJSON_AddBoolToObject(obs, "skipped", 1);
			cJSON_AddStringToObject(obs, "reason", "cannot run in a transaction");
		} else if ((obs = trial_stmt(conn, record_str(m->stmts[i], "sql"), &failed, err)) == NULL) {
			goto fail;
		} else if (!failed) {
			total += record_num(obs, "elapsed_ms", 0);
			cJSON_AddBoolToObject(s, "lock_matches",
			    strcmp(record_str(s, "lock"), record_str(obs, "lock")) == 0);
		}
		cJSON_AddItemToObject(s, "observed", obs);
	}
	cJSON_AddNumberToObject(m->impact, "trial_ms", (double)(long)(total * 1000) / 1000);
	cJSON_AddBoolToObject(m->impact, "trial_failed", failed);
	if (simulate) {
		rb = cJSON_CreateObject();
		cJSON_AddItemToObject(m->impact, "rollback", rb);
		if (failed) {
			cJSON_AddStringToObject(rb, "status", "not_run");
			cJSON_AddStringToObject(rb, "reason", "the up migration failed");
		} else if (trial_down(conn, down, before, rb, err) < 0) {
			goto fail;
		}
	}
	cJSON_Delete(before);
	if (db_exec(conn, "ROLLBACK", err) < 0 || impact_seq_restore(conn, seqs, err) < 0) {
		PQclear(seqs);
		return -1;
	}
	PQclear(seqs);
	return 0;
fail:
	cJSON_Delete(before);
	PQclear(seqs);
	db_exec(conn, "ROLLBACK", &(struct conf_error)CONF_ERROR_INIT);
	return -1;
}

int
impact_run_trial(struct impact_run *run, PGconn *conn, struct conf_error *err)
{
	size_t i;

	for (i = 0; i < run->nmig; i++)
		if (run->migs[i].impact && trial_mig(conn, &run->migs[i], err) < 0)
			return -1;
	return 0;
}
