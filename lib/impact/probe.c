/* impact/probe: time the migrations on sampled copies of their tables, then extrapolate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "impact/estimate.h"
#include "pgtree.h"
#include "record.h"
#include "sql.h"
#include "strbuf.h"

/*
 * A sample smaller than this many bytes of heap is timed in another regime
 * than a large table: below the 16 MB ring of a bulk write, the WAL buffers
 * and the size that earns parallel workers, a rewrite or an index build
 * costs a third to a half less per row.  So the sample of a large table is
 * at least this large.
 */
#define PROBE_MIN_BYTES (32.0 * 1024 * 1024)
/* And at least this many rows. */
#define PROBE_SAMPLE_ROWS 50000.0
/*
 * The first copy, which times the fixed cost, holds a hundredth of the
 * sample, at most this many rows, rather than none: some costs are paid at
 * the first row and not on an empty table (JIT compiles a query's
 * expressions when they first run; a hash join builds its hash table only
 * once the other side returns a row), and they are fixed costs, not costs
 * per row to multiply by the table's size.
 */
#define PROBE_SMALL_ROWS 1000.0
/* Each statement runs up to this many times while its runs took less than PROBE_REPEAT_MS. */
#define PROBE_RUNS 3
#define PROBE_REPEAT_MS 2000.0

/* One statement the probe runs: an up statement, or one of a down file. */
struct probe_item {
	const char *sql;
	const cJSON *facts;     /* its static facts (locks, transactional) */
	cJSON *own;             /* facts owned here (down statements, plain forms) */
	char *plain;            /* the statement without CONCURRENTLY, when that is what runs */
	double ms[2];            /* the median of the runs */
	int runs[2];
	double plan_cost;       /* the planner's cost of its query on the real tables, -1 unknown */
	char *validates;        /* VALIDATE CONSTRAINT: the constraint's name */
	char *validates_on;     /* and its table, as written */
	double bytes[2];        /* how much the probe's copies grew (or shrank) */
	int ran[2];
	char *reason;           /* why it was not run or failed, the first time */
	char sqlstate[6];       /* and the error's SQLSTATE, when it failed */
};

struct probe_mig {
	struct probe_item *up;
	size_t nup;
	struct probe_item *down;
	size_t ndown;
	struct sql_script script;       /* the down file, parsed */
	char *down_reason;
};

/* A foreign key met in the statements: the probe copies the rows it references. */
struct probe_fk {
	char *from, *from_cols;         /* referencing table as written, quoted columns */
	char *to, *to_cols;             /* referenced table as written, quoted columns ("" = its key) */
	char *fk_cols, *pk_cols;        /* the columns as fk."a", pk."x" (pk_cols "" = its key) */
	struct probe_item *check;       /* the statement that validates it, or NULL (NOT VALID) */
	char *conname;                  /* an existing one, VALIDATEd: quoted, added to the copy NOT VALID */
};

/* The server's JIT settings, and their text to set them back. */
struct probe_jit {
	int on;                         /* jit on and a provider available */
	double above, optimize, inline_;
	char *text[3];
};

struct probe {
	PGconn *conn;
	struct estimate_tables *ts;
	struct probe_mig *migs;
	size_t nmig;
	struct probe_fk *fks;
	size_t nfk;
	char *schema;           /* quoted private schema, or NULL for temporary tables */
	char *nsoid;            /* the namespace the copies live in */
	long sample_rows;       /* as asked: -1 the default, n exactly n */
	struct probe_jit jit;
};

static void
set_reason(char **reason, const char *text)
{
	if (*reason == NULL)
		*reason = xstrdup(text);
}

/* Quoted, comma-separated names of a list of String nodes, into sb, each after prefix. */
static int
quoted_list(PGconn *conn, const cJSON *list, const char *prefix, struct strbuf *sb,
    struct conf_error *err)
{
	const cJSON *it;
	char *q;

	cJSON_ArrayForEach(it, list) {
		if (pgtree_sval(it) == NULL || (q = db_quote_ident(conn, pgtree_sval(it), err)) == NULL)
			return -1;
		strbuf_addf(sb, "%s%s%s", sb->len ? ", " : "", prefix, q);
		free(q);
	}
	return 0;
}

struct fk_walk {
	struct probe *p;
	struct probe_item *item;        /* the statement */
	const char *table;      /* the table the statement alters or creates */
	struct conf_error *err;
	int failed;
};

static int
find_fk(const cJSON *node, void *arg)
{
	struct fk_walk *w = arg;
	const cJSON *con = pgtree_as(node, "Constraint");
	struct strbuf to = STRBUF_INIT, from_cols = STRBUF_INIT, to_cols = STRBUF_INIT;
	struct strbuf fk_cols = STRBUF_INIT, pk_cols = STRBUF_INIT;
	struct probe_fk *fk;

	if (con == NULL || w->table == NULL ||
	    strcmp(pgtree_str(con, "contype") ? pgtree_str(con, "contype") : "", "CONSTR_FOREIGN") != 0)
		return 0;
	pgtree_rangevar(pgtree_as(pgtree_field(con, "pktable"), "RangeVar") ?
	    pgtree_as(pgtree_field(con, "pktable"), "RangeVar") : pgtree_field(con, "pktable"), &to);
	if (quoted_list(w->p->conn, pgtree_field(con, "fk_attrs"), "", &from_cols, w->err) < 0 ||
	    quoted_list(w->p->conn, pgtree_field(con, "fk_attrs"), "fk.", &fk_cols, w->err) < 0 ||
	    quoted_list(w->p->conn, pgtree_field(con, "pk_attrs"), "pk.", &pk_cols, w->err) < 0 ||
	    quoted_list(w->p->conn, pgtree_field(con, "pk_attrs"), "", &to_cols, w->err) < 0) {
		w->failed = 1;
	} else if (from_cols.len > 0 && to.len > 0) {
		w->p->fks = xrealloc(w->p->fks, (w->p->nfk + 1) * sizeof(*w->p->fks));
		fk = &w->p->fks[w->p->nfk++];
		memset(fk, 0, sizeof(*fk));
		fk->from = xstrdup(w->table);
		fk->from_cols = strbuf_detach(&from_cols, NULL);
		fk->to = strbuf_detach(&to, NULL);
		fk->to_cols = strbuf_detach(&to_cols, NULL);
		fk->fk_cols = strbuf_detach(&fk_cols, NULL);
		fk->pk_cols = strbuf_detach(&pk_cols, NULL);
		fk->check = pgtree_bool(con, "skip_validation") ? NULL : w->item;
	}
	strbuf_release(&fk_cols);
	strbuf_release(&pk_cols);
	strbuf_release(&to);
	strbuf_release(&from_cols);
	strbuf_release(&to_cols);
	return w->failed;
}

/* The foreign keys that ALTER TABLE ... ADD statements create; the constraint a VALIDATE names. */
static int
collect_fks(struct probe *p, struct probe_item *it, const cJSON *tree, struct conf_error *err)
{
	struct fk_walk w = { p, it, NULL, err, 0 };
	struct strbuf table = STRBUF_INIT;
	const cJSON *alter = pgtree_as(tree, "AlterTableStmt"), *cmd;

	if (alter == NULL)
		return 0;
	w.table = pgtree_rangevar(pgtree_field(alter, "relation"), &table);
	pgtree_walk(tree, find_fk, &w);
	cJSON_ArrayForEach(cmd, pgtree_field(alter, "cmds")) {
		const cJSON *c = pgtree_as(cmd, "AlterTableCmd");

		if (c && w.table && pgtree_str(c, "subtype") && pgtree_str(c, "name") &&
		    strcmp(pgtree_str(c, "subtype"), "AT_ValidateConstraint") == 0 && it->validates == NULL) {
			it->validates = xstrdup(pgtree_str(c, "name"));
			it->validates_on = xstrdup(w.table);
		}
	}
	strbuf_release(&table);
	return w.failed ? -1 : 0;
}

static void
probe_release(struct probe *p)
{
	size_t i, j;

	for (i = 0; i < p->nmig; i++) {
		for (j = 0; j < p->migs[i].nup; j++) {
			free(p->migs[i].up[j].reason);
			free(p->migs[i].up[j].plain);
			free(p->migs[i].up[j].validates);
			free(p->migs[i].up[j].validates_on);
			cJSON_Delete(p->migs[i].up[j].own);
		}
		for (j = 0; j < p->migs[i].ndown; j++) {
			free(p->migs[i].down[j].reason);
			free(p->migs[i].down[j].plain);
			cJSON_Delete(p->migs[i].down[j].own);
		}
		free(p->migs[i].up);
		free(p->migs[i].down);
		free(p->migs[i].down_reason);
		sql_script_release(&p->migs[i].script);
	}
	free(p->migs);
	for (i = 0; i < p->nfk; i++) {
		free(p->fks[i].from);
		free(p->fks[i].from_cols);
		free(p->fks[i].to);
		free(p->fks[i].to_cols);
		free(p->fks[i].fk_cols);
		free(p->fks[i].pk_cols);
		free(p->fks[i].conname);
	}
	free(p->fks);
	for (i = 0; i < 3; i++)
		free(p->jit.text[i]);
	free(p->schema);
	free(p->nsoid);
}

static int
ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/*
 * CREATE INDEX CONCURRENTLY and DROP INDEX CONCURRENTLY cannot run in the
 * probe's transaction: time their plain form instead.  The keyword is
 * taken out and the text parsed again, which must give the same kind of
 * statement, now without "concurrent", or the item is left as it was.
 */
static void
plain_form(struct probe_item *it)
{
	static const char kw[] = "concurrently";
	struct conf_error perr = CONF_ERROR_INIT;
	struct strbuf text = STRBUF_INIT;
	struct sql_script s;
	const char *at, *node = record_str(it->facts, "node");
	const cJSON *body;

	if (record_bool(it->facts, "transactional", 1) || node == NULL ||
	    (strcmp(node, "IndexStmt") != 0 && strcmp(node, "DropStmt") != 0))
		return;
	for (at = it->sql; *at; at++)
		if (strncasecmp(at, kw, sizeof(kw) - 1) == 0 && (at == it->sql || !ident_char(at[-1])) &&
		    !ident_char(at[sizeof(kw) - 1]))
			break;
	if (*at == '\0')
		return;
	strbuf_add(&text, it->sql, (size_t)(at - it->sql));
	strbuf_addstr(&text, at + sizeof(kw) - 1);
	memset(&s, 0, sizeof(s));
	if (sql_script_parse(&s, text.buf, "<statement>", &perr) == 0 && s.n == 1 &&
	    strcmp(s.stmts[0].node, node) == 0 && (body = pgtree_body(s.stmts[0].tree)) != NULL &&
	    !pgtree_bool(body, "concurrent") && s.stmts[0].txn == SQL_TXN_OK) {
		cJSON_Delete(it->own);  /* node may live in it: take the script's */
		it->own = impact_static(s.stmts[0].tree);
		cJSON_AddStringToObject(it->own, "node", s.stmts[0].node);
		it->facts = it->own;
		it->plain = strbuf_detach(&text, NULL);
		it->sql = it->plain;
	}
	sql_script_release(&s);
	strbuf_release(&text);
}

/* The statements to run: every statement of every migration, and the down files of up migrations. */
static int
probe_plan(struct probe *p, struct impact_run *run, struct conf_error *err)
{
	struct conf_error perr = CONF_ERROR_INIT;
	struct strbuf text = STRBUF_INIT;
	size_t i, j;

	p->migs = xcalloc(run->nmig, sizeof(*p->migs));
	p->nmig = run->nmig;
	for (i = 0; i < run->nmig; i++) {
		struct impact_mig *m = &run->migs[i];
		struct probe_mig *pm = &p->migs[i];
		const char *down = record_str(m->rec, "down_file");
		const char *dir = record_str(m->rec, "direction");

		pm->up = xcalloc(m->n ? m->n : 1, sizeof(*pm->up));
		pm->nup = m->n;
		for (j = 0; j < m->n; j++) {
			struct sql_script s;

			pm->up[j].sql = record_str(m->stmts[j], "sql");
			pm->up[j].facts = m->simpact[j];
			pm->up[j].plan_cost = -1;
			memset(&s, 0, sizeof(s));
			if (sql_script_parse(&s, pm->up[j].sql, "<statement>", &perr) == 0 && s.n == 1 &&
			    collect_fks(p, &pm->up[j], s.stmts[0].tree, err) < 0) {
				sql_script_release(&s);
				return -1;
			}
			sql_script_release(&s);
			plain_form(&pm->up[j]);
		}
		if (down == NULL || dir == NULL || strcmp(dir, "up") != 0)
			continue;
		strbuf_reset(&text);
		if (strbuf_read_file(&text, down) < 0) {
			pm->down_reason = xstrdup("the down file cannot be read");
			continue;
		}
		if (sql_script_parse(&pm->script, text.buf, down, &perr) < 0) {
			pm->down_reason = xstrdup(perr.message);
			continue;
		}
		pm->down = xcalloc(pm->script.n ? pm->script.n : 1, sizeof(*pm->down));
		pm->ndown = pm->script.n;
		for (j = 0; j < pm->script.n; j++) {
			pm->down[j].sql = pm->script.stmts[j].sql;
			pm->down[j].plan_cost = -1;
			pm->down[j].own = impact_static(pm->script.stmts[j].tree);
			cJSON_AddStringToObject(pm->down[j].own, "node", pm->script.stmts[j].node);
			pm->down[j].facts = pm->down[j].own;
			plain_form(&pm->down[j]);
		}
	}
	strbuf_release(&text);
	return 0;
}

/*
 * VALIDATE CONSTRAINT of a foreign key the table already has (NOT VALID):
 * the copies have no foreign keys (LIKE does not copy them), so the probe
 * copies the referenced table too, with the rows the sample references, and
 * adds the constraint to the copy NOT VALID (add_fk_copies), for the
 * statement to validate it there.  A CHECK constraint needs none of this
 * (copy_table).  Inside read_catalog's transaction; -1 with err.
 */
static int
validated_fks(struct probe *p, struct conf_error *err)
{
	static const char sql[] =
	    "SELECT quote_ident(c.conname), c.confrelid::regclass::text, k.f, k.pk, k.fk_q, k.pk_q"
	    " FROM pg_constraint c, LATERAL (SELECT"
	    "  string_agg(quote_ident(fa.attname), ', ' ORDER BY n.i) f,"
	    "  string_agg(quote_ident(pa.attname), ', ' ORDER BY n.i) pk,"
	    "  string_agg('fk.' || quote_ident(fa.attname), ', ' ORDER BY n.i) fk_q,"
	    "  string_agg('pk.' || quote_ident(pa.attname), ', ' ORDER BY n.i) pk_q"
	    "  FROM unnest(c.conkey, c.confkey) WITH ORDINALITY n(fnum, pnum, i)"
	    "  JOIN pg_attribute fa ON fa.attrelid = c.conrelid AND fa.attnum = n.fnum"
	    "  JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = n.pnum) k"
	    " WHERE c.conrelid = to_regclass($1) AND c.conname = $2 AND c.contype = 'f'";
	const char *param[2];
	struct probe_fk *fk;
	PGresult *res;
	char *quoted;
	size_t i, j;

	for (i = 0; i < p->nmig; i++)
		for (j = 0; j < p->migs[i].nup; j++) {
			struct probe_item *it = &p->migs[i].up[j];

			if (it->validates == NULL)
				continue;
			if ((quoted = db_quote_qualified(p->conn, it->validates_on, err)) == NULL)
				return -1;
			param[0] = quoted;
			param[1] = it->validates;
			res = db_query(p->conn, sql, 2, param, err);
			free(quoted);
			if (res == NULL)
				return -1;
			if (PQntuples(res) == 1 &&
			    estimate_table_add(p->ts, p->conn, PQgetvalue(res, 0, 1), err) < 0) {
				PQclear(res);
				return -1;
			}
			if (PQntuples(res) == 1) {
				p->fks = xrealloc(p->fks, (p->nfk + 1) * sizeof(*p->fks));
				fk = &p->fks[p->nfk++];
				memset(fk, 0, sizeof(*fk));
				fk->conname = xstrdup(PQgetvalue(res, 0, 0));
				fk->from = xstrdup(it->validates_on);
				fk->to = xstrdup(PQgetvalue(res, 0, 1));
				fk->from_cols = xstrdup(PQgetvalue(res, 0, 2));
				fk->to_cols = xstrdup(PQgetvalue(res, 0, 3));
				fk->fk_cols = xstrdup(PQgetvalue(res, 0, 4));
				fk->pk_cols = xstrdup(PQgetvalue(res, 0, 5));
				fk->check = it;
			}
			PQclear(res);
		}
	return 0;
}

/* Which tables the probe copies: the existing tables some statement writes (locks above ACCESS SHARE). */
static void
choose_targets(struct probe *p)
{
	size_t i, j, k;
	const cJSON *it;

	for (i = 0; i < p->nmig; i++)
		for (k = 0; k < 2; k++) {
			struct probe_item *items = k ? p->migs[i].down : p->migs[i].up;
			size_t n = k ? p->migs[i].ndown : p->migs[i].nup;

			for (j = 0; j < n; j++)
				cJSON_ArrayForEach(it, cJSON_GetObjectItem(items[j].facts, "locks")) {
					struct estimate_table *t = estimate_table_find(p->ts, record_str(it, "table"));

					if (t && t->exists && (t->relkind == 'r' || t->relkind == 'p') &&
					    impact_lock_parse(record_str(it, "mode")) > IMPACT_LOCK_ACCESS_SHARE)
						t->copy = 1;
				}
		}
	for (i = 0; i < p->nfk; i++) {
		struct estimate_table *from = estimate_table_find(p->ts, p->fks[i].from);
		struct estimate_table *to = estimate_table_find(p->ts, p->fks[i].to);

		if (to == NULL || from == NULL || !from->copy || from == to)
			continue;
		/* a foreign key a statement validates needs its target's copy */
		if (p->fks[i].conname && to->exists && (to->relkind == 'r' || to->relkind == 'p'))
			to->copy = 1;
		if (to->copy)
			to->referenced_only = 1;
	}
}

/* The primary key's columns of the table oid, quoted, each after prefix ("" when it has none); NULL with err. */
static char *
key_columns(PGconn *conn, const char *oid, const char *prefix, struct conf_error *err)
{
	const char *param[2] = { oid, prefix };
	PGresult *res = db_query(conn, "SELECT coalesce(string_agg($2 || quote_ident(a.attname), ', '"
	    " ORDER BY array_position(i.indkey::int2[], a.attnum)), '')"
	    " FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
	    " AND a.attnum = ANY (i.indkey::int2[])"
	    " WHERE i.indrelid = $1::oid AND i.indisprimary", 2, param, err);
	char *cols;

	if (res == NULL)
		return NULL;
	cols = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return cols;
}

/*
 * The planner's cost, on the real tables, of the query that validates a new
 * foreign key, planned as RI_Initial_Check plans it: without parallel
 * workers, with work_mem raised to maintenance_work_mem.  -1 when it
 * cannot be planned (a table the migration creates).
 */
static double
fk_check_cost(struct probe *p, const struct probe_fk *fk, struct conf_error *err)
{
	const struct estimate_table *from = estimate_table_find(p->ts, fk->from);
	const struct estimate_table *to = estimate_table_find(p->ts, fk->to);
	struct strbuf q = STRBUF_INIT;
	char *pk = NULL;
	double cost = -1;

	if (from == NULL || !from->exists || to == NULL || !to->exists)
		return -1;
	if (*fk->pk_cols == '\0') {
		if ((pk = key_columns(p->conn, to->oid, "pk.", err)) == NULL)
			return -2;
		if (*pk == '\0')
			goto out;
	}
	strbuf_addf(&q, "SELECT 1 FROM ONLY %s fk LEFT JOIN ONLY %s pk ON (%s) = (%s)"
	    " WHERE (%s) IS NULL AND (%s) IS NOT NULL", from->qname, to->qname,
	    pk ? pk : fk->pk_cols, fk->fk_cols, pk ? pk : fk->pk_cols, fk->fk_cols);
	if (db_exec(p->conn, "SAVEPOINT confiture_ri", err) < 0 ||
	    db_exec(p->conn, "SELECT set_config('max_parallel_workers_per_gather', '0', true),"
	    " set_config('work_mem', current_setting('maintenance_work_mem'), true)", err) < 0 ||
	    estimate_explain(p->conn, q.buf, &cost, err) < -1 ||
	    db_exec(p->conn, "ROLLBACK TO SAVEPOINT confiture_ri", err) < 0)
		cost = -2;
out:
	free(pk);
	strbuf_release(&q);
	return cost;
}

/*
 * What the real run's queries cost the planner, on the real tables: the
 * DML statements and the validation of new foreign keys.  PostgreSQL
 * compiles a plan with JIT when its cost passes jit_above_cost, tens to
 * hundreds of milliseconds that the sample, whose plans cost less, would
 * not pay: the probe's runs of such a statement compile too (run_item).
 */
static int
plan_costs(struct probe *p, struct conf_error *err)
{
	PGresult *res;
	size_t i, j, k;
	double cost;

	res = db_query(p->conn, "SELECT pg_jit_available() AND current_setting('jit')::bool,"
	    " current_setting('jit_above_cost'), current_setting('jit_optimize_above_cost'),"
	    " current_setting('jit_inline_above_cost')", 0, NULL, err);
	if (res == NULL)
		return -1;
	p->jit.on = PQgetvalue(res, 0, 0)[0] == 't';
	for (k = 0; k < 3; k++)
		p->jit.text[k] = xstrdup(PQgetvalue(res, 0, (int)k + 1));
	PQclear(res);
	p->jit.above = atof(p->jit.text[0]);
	p->jit.optimize = atof(p->jit.text[1]);
	p->jit.inline_ = atof(p->jit.text[2]);
	for (i = 0; p->jit.on && p->jit.above >= 0 && i < p->nmig; i++)
		for (k = 0; k < 2; k++) {
			struct probe_item *items = k ? p->migs[i].down : p->migs[i].up;
			size_t n = k ? p->migs[i].ndown : p->migs[i].nup;

			for (j = 0; j < n; j++)
				if (strcmp(record_str(items[j].facts, "effect") ?
				    record_str(items[j].facts, "effect") : "", "rows") == 0 &&
				    estimate_explain(p->conn, items[j].sql, &items[j].plan_cost, err) < -1)
					return -1;
		}
	for (i = 0; p->jit.on && p->jit.above >= 0 && i < p->nfk; i++) {
		if (p->fks[i].check == NULL)
			continue;
		if ((cost = fk_check_cost(p, &p->fks[i], err)) < -1)
			return -1;
		if (cost > p->fks[i].check->plan_cost)
			p->fks[i].check->plan_cost = cost;
	}
	return 0;
}

/*
 * What the probe learns from the real tables' catalog before it copies
 * anything, in one transaction it rolls back (sizes and EXPLAIN take
 * locks, briefly, in savepoints): the foreign keys statements validate,
 * then the planner's costs.
 */
static int
read_catalog(struct probe *p, struct conf_error *err)
{
	int rc;

	if (db_exec(p->conn, "BEGIN", err) < 0)
		return -1;
	rc = validated_fks(p, err) < 0 || plan_costs(p, err) < 0 ? -1 : 0;
	if (db_exec(p->conn, "ROLLBACK", rc == 0 ? err : &(struct conf_error)CONF_ERROR_INIT) < 0)
		rc = -1;
	return rc;
}

/* Whether the real run compiles it with JIT: its plan's cost passes jit_above_cost. */
static int
compiles(const struct probe *p, const struct probe_item *it)
{
	return p->jit.on && p->jit.above >= 0 && it->plan_cost > p->jit.above;
}

/*
 * Set JIT for the runs of it as the real run's plan will have it: compiled,
 * optimized, inlined as its cost passes each threshold (set = 1); or the
 * server's settings back (set = 0).
 */
static int
jit_for(struct probe *p, struct probe_item *it, int set, struct conf_error *err)
{
	static const char *const names[3] = {
		"jit_above_cost", "jit_optimize_above_cost", "jit_inline_above_cost"
	};
	const double above[3] = { p->jit.above, p->jit.optimize, p->jit.inline_ };
	const char *param[2];
	PGresult *res;
	int k;

	if (!compiles(p, it))
		return 0;
	for (k = 0; k < 3; k++) {
		param[0] = names[k];
		param[1] = !set ? p->jit.text[k] : above[k] >= 0 && it->plan_cost > above[k] ? "0" : "-1";
		if ((res = db_query(p->conn, "SELECT set_config($1, $2, true)", 2, param, err)) == NULL)
			return -1;
		PQclear(res);
	}
	return 0;
}

/* A private schema first in search_path; temporary tables when the role may not create one. */
static int
probe_begin(struct probe *p, struct conf_error *err)
{
	struct conf_error serr = CONF_ERROR_INIT;
	struct strbuf q = STRBUF_INIT;
	PGresult *res;
	const char *param[1];
	int rc = -1;

	if (db_exec(p->conn, "BEGIN", err) < 0 ||
	    db_exec(p->conn, "SET LOCAL statement_timeout = '120s'", err) < 0 ||
	    db_exec(p->conn, "SET LOCAL lock_timeout = '2s'", err) < 0)
		return -1;
	strbuf_addf(&q, "confiture_probe_%d", PQbackendPID(p->conn));
	if ((p->schema = db_quote_ident(p->conn, q.buf, err)) == NULL)
		goto out;
	strbuf_reset(&q);
	strbuf_addf(&q, "CREATE SCHEMA %s", p->schema);
	if (db_exec(p->conn, q.buf, &serr) < 0) {
		if (serr.code == CONF_EXIT_DB) {
			*err = serr;
			goto out;
		}
		free(p->schema);
		p->schema = NULL;
		if (db_exec(p->conn, "ROLLBACK", err) < 0 || db_exec(p->conn, "BEGIN", err) < 0 ||
		    db_exec(p->conn, "SET LOCAL statement_timeout = '120s'", err) < 0 ||
		    db_exec(p->conn, "SET LOCAL lock_timeout = '2s'", err) < 0 ||
		    db_exec(p->conn, "CREATE TEMPORARY TABLE confiture_probe_anchor ()", err) < 0)
			goto out;
	}
	param[0] = p->schema ? p->schema : "pg_temp";
	res = db_query(p->conn, "SELECT set_config('search_path', $1 || ', '"
	    " || current_setting('search_path'), true),"
	    " coalesce(to_regnamespace($1), pg_my_temp_schema())::oid::text", 1, param, err);
	if (res == NULL)
		goto out;
	p->nsoid = xstrdup(PQgetvalue(res, 0, 1));
	PQclear(res);
	rc = 0;
out:
	strbuf_release(&q);
	return rc;
}

/* The probe's copy of t, quoted, schema-qualified unless temporary, appended to sb; -1 with err. */
static int
copy_name(struct probe *p, const struct estimate_table *t, struct strbuf *sb, struct conf_error *err)
{
	char *rel = db_quote_ident(p->conn, t->relname, err);

	if (rel == NULL)
		return -1;
	strbuf_addf(sb, "%s%s%s", p->schema ? p->schema : "", p->schema ? "." : "", rel);
	free(rel);
	return 0;
}

/*
 * LIKE ... INCLUDING ALL copies a CHECK constraint as validated, even one
 * the real table holds NOT VALID: VALIDATE CONSTRAINT would then do nothing
 * on the copy and be estimated at nothing.  So such constraints leave the
 * copy before its rows go in (the real rows need not satisfy them) and come
 * back NOT VALID after (checks_on).  Returns their names and definitions;
 * NULL with err.
 */
static PGresult *
checks_off(struct probe *p, const struct estimate_table *t, const char *copy, struct conf_error *err)
{
	const char *param[1] = { t->oid };
	struct strbuf q = STRBUF_INIT;
	PGresult *res = db_query(p->conn, "SELECT quote_ident(conname), pg_get_constraintdef(oid)"
	    " FROM pg_constraint WHERE conrelid = $1::oid AND contype = 'c' AND NOT convalidated",
	    1, param, err);
	int i;

	for (i = 0; res != NULL && i < PQntuples(res); i++) {
		strbuf_reset(&q);
		strbuf_addf(&q, "ALTER TABLE %s DROP CONSTRAINT %s", copy, PQgetvalue(res, i, 0));
		if (db_exec(p->conn, q.buf, err) < 0) {
			PQclear(res);
			res = NULL;
		}
	}
	strbuf_release(&q);
	return res;
}

static int
checks_on(struct probe *p, const char *copy, const PGresult *checks, struct conf_error *err)
{
	struct strbuf q = STRBUF_INIT;
	int i, rc = 0;

	for (i = 0; rc == 0 && i < PQntuples(checks); i++) {
		strbuf_reset(&q);
		strbuf_addf(&q, "ALTER TABLE %s ADD CONSTRAINT %s %s", copy, PQgetvalue(checks, i, 0),
		    PQgetvalue(checks, i, 1));
		rc = db_exec(p->conn, q.buf, err);
	}
	strbuf_release(&q);
	return rc;
}

/* The copy of t at size k: its definition, then a sample (or the referenced rows) of its rows. */
static int
copy_table(struct probe *p, struct estimate_table *t, int k, struct conf_error *err)
{
	struct strbuf q = STRBUF_INIT, name = STRBUF_INIT, from_name = STRBUF_INIT;
	PGresult *res = NULL, *checks = NULL;
	char *key = NULL;
	size_t i;
	int rc = -1;

	if (copy_name(p, t, &name, err) < 0)
		goto out;
	strbuf_addf(&q, "CREATE %sTABLE %s (LIKE %s INCLUDING ALL)", p->schema ? "" : "TEMPORARY ",
	    name.buf, t->qname);
	if (db_exec(p->conn, q.buf, err) < 0 || (checks = checks_off(p, t, name.buf, err)) == NULL)
		goto out;
	strbuf_reset(&q);
	strbuf_addf(&q, "INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s", name.buf,
	    t->cols, t->cols, t->qname);
	for (i = 0; t->referenced_only && i < p->nfk; i++) {
		struct estimate_table *from = estimate_table_find(p->ts, p->fks[i].from);

		if (estimate_table_find(p->ts, p->fks[i].to) != t || from == NULL)
			continue;
		if (*p->fks[i].to_cols == '\0') {
			free(key);
			if ((key = key_columns(p->conn, t->oid, "", err)) == NULL)
				goto out;
		}
		if (copy_name(p, from, &from_name, err) < 0)
			goto out;
		strbuf_addf(&q, " WHERE (%s) IN (SELECT %s FROM %s)",
		    *p->fks[i].to_cols ? p->fks[i].to_cols : key ? key : "", p->fks[i].from_cols,
		    from_name.buf);
		break;
	}
	if (!t->referenced_only && k == 0) {
		strbuf_addf(&q, " LIMIT %.0f", fmin(PROBE_SMALL_ROWS, floor(t->sample / 100)));
	} else if (!t->referenced_only && t->rows > t->sample) {
		if (t->relkind == 'r' && t->rows >= 3 * t->sample)
			strbuf_addf(&q, " TABLESAMPLE SYSTEM (%.6f)", 150.0 * t->sample / t->rows);
		strbuf_addf(&q, " LIMIT %.0f", t->sample);
	}
	PQclear(res);
	if ((res = db_query(p->conn, q.buf, 0, NULL, err)) == NULL)
		goto out;
	t->copied[k] = atof(PQcmdTuples(res));
	strbuf_reset(&q);
	strbuf_addf(&q, "ANALYZE %s", name.buf);
	if (checks_on(p, name.buf, checks, err) < 0 || db_exec(p->conn, q.buf, err) < 0)
		goto out;
	rc = 0;
out:
	PQclear(checks);
	PQclear(res);
	free(key);
	strbuf_release(&q);
	strbuf_release(&name);
	strbuf_release(&from_name);
	return rc;
}

/*
 * Copy t in a savepoint: when the copy fails (a name two schemas share, a
 * type the role may not use), the table is left out and the statements
 * that write it are not run.
 */
static int
copy_guarded(struct probe *p, struct estimate_table *t, int k, struct conf_error *err)
{
	struct conf_error cerr = CONF_ERROR_INIT;

	if (db_exec(p->conn, "SAVEPOINT confiture_copy", err) < 0)
		return -1;
	if (copy_table(p, t, k, &cerr) == 0)
		return db_exec(p->conn, "RELEASE SAVEPOINT confiture_copy", err);
	if (cerr.code == CONF_EXIT_DB) {
		*err = cerr;
		return -1;
	}
	t->copy = 0;
	free(t->copy_error);
	t->copy_error = xstrdup(cerr.message);
	return db_exec(p->conn, "ROLLBACK TO SAVEPOINT confiture_copy", err);
}

/* The fastest of three runs of sql, in ms; -1 with err when it fails. */
static double
time_query(PGconn *conn, const char *sql, struct conf_error *err)
{
	double best = -1, t;
	int i;

	for (i = 0; i < 3; i++) {
		t = impact_now_ms();
		if (db_exec(conn, sql, err) < 0)
			return -1;
		t = impact_now_ms() - t;
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

/*
 * What reading the real table costs above reading the copy, per row: a
 * large table is scanned through a small ring of buffers, from the
 * operating system's cache or the disk, where the copy sits in shared
 * buffers.  Both read the same number of rows, sequentially.
 */
static int
read_cost(struct probe *p, struct estimate_table *t, struct conf_error *err)
{
	struct strbuf q = STRBUF_INIT, name = STRBUF_INIT;
	double real, copy;
	int rc = -1;

	if (copy_name(p, t, &name, err) < 0)
		goto out;
	strbuf_addf(&q, "SELECT count(*) FROM (SELECT FROM ONLY %s LIMIT %.0f) s", t->qname, t->copied[1]);
	if ((real = time_query(p->conn, q.buf, err)) < 0)
		goto out;
	strbuf_reset(&q);
	strbuf_addf(&q, "SELECT count(*) FROM (SELECT FROM %s LIMIT %.0f) s", name.buf, t->copied[1]);
	if ((copy = time_query(p->conn, q.buf, err)) < 0)
		goto out;
	t->read_extra = t->copied[1] > 0 && real > copy ? (real - copy) / t->copied[1] : 0;
	rc = 0;
out:
	strbuf_release(&name);
	strbuf_release(&q);
	return rc;
}

/*
 * Whether every table the statement writes is one of the probe's copies
 * (or does not exist yet, so the probe will create it in its schema).
 * Otherwise the reason, and the statement is not run.
 */
static int
guarded(struct probe *p, const struct probe_item *it, struct strbuf *why, struct conf_error *err)
{
	const cJSON *lk;
	PGresult *res;
	const char *param[2];
	char *quoted;
	int ok = 1;

	if (!record_bool(it->facts, "transactional", 1)) {
		strbuf_addstr(why, "cannot run in a transaction");
		return 0;
	}
	cJSON_ArrayForEach(lk, cJSON_GetObjectItem(it->facts, "locks")) {
		if (impact_lock_parse(record_str(lk, "mode")) <= IMPACT_LOCK_ACCESS_SHARE)
			continue;
		if ((quoted = db_quote_qualified(p->conn, record_str(lk, "table"), err)) == NULL)
			return -1;
		param[0] = quoted;
		param[1] = p->nsoid;
		res = db_query(p->conn, "SELECT c.relnamespace = $2::oid FROM pg_class c"
		    " WHERE c.oid = to_regclass($1)", 2, param, err);
		free(quoted);
		if (res == NULL)
			return -1;
		if (PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] != 't') {
			const struct estimate_table *t = estimate_table_find(p->ts, record_str(lk, "table"));

			if (t && t->copy_error)
				strbuf_addf(why, "could not copy %s: %s", t->name, t->copy_error);
			else
				strbuf_addf(why, "%s is not one of the probe's copies", record_str(lk, "table"));
			ok = 0;
		}
		PQclear(res);
		if (!ok)
			return 0;
	}
	return 1;
}

/* Bytes of every relation in the probe's namespace (tables, indexes, TOAST): -1 with err. */
static double
copies_bytes(struct probe *p, struct conf_error *err)
{
	const char *param[1] = { p->nsoid };
	PGresult *res = db_query(p->conn, "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text"
	    " FROM pg_class c WHERE c.relnamespace = $1::oid AND c.relkind IN ('r', 'm', 'p')",
	    1, param, err);
	double b;

	if (res == NULL)
		return -1;
	b = atof(PQgetvalue(res, 0, 0));
	PQclear(res);
	return b;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of n times (n >= 1); of two, their mean. */
static double
median_ms(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Run one item at size k, in a savepoint so that a failure leaves the rest
 * running.  A short run is one draw of a noisy clock (another process, a
 * checkpoint, the scheduler), and the sample's time is multiplied by the
 * table's size over the sample's: so the item runs up to PROBE_RUNS times,
 * each rolled back but the last, while the runs so far took less than
 * PROBE_REPEAT_MS, and the median is kept.
 */
static int
run_item(struct probe *p, struct probe_item *it, int k, struct conf_error *err)
{
	struct conf_error serr = CONF_ERROR_INIT;
	struct strbuf why = STRBUF_INIT;
	double t, b0, b1, runs[PROBE_RUNS], spent = 0;
	int g, n = 0;

	if ((g = guarded(p, it, &why, err)) <= 0) {
		if (g == 0)
			set_reason(&it->reason, why.buf);
		strbuf_release(&why);
		return g;
	}
	strbuf_release(&why);
	if (jit_for(p, it, 1, err) < 0)
		return -1;
	if (db_exec(p->conn, "SAVEPOINT confiture_stmt", err) < 0 || (b0 = copies_bytes(p, err)) < 0)
		return -1;
	for (;;) {
		t = impact_now_ms();
		if (db_exec(p->conn, it->sql, &serr) < 0) {
			if (serr.code == CONF_EXIT_DB) {
				*err = serr;
				return -1;
			}
			if (it->reason == NULL)
				memcpy(it->sqlstate, serr.sqlstate, sizeof(it->sqlstate));
			set_reason(&it->reason, serr.message);
			if (db_exec(p->conn, "ROLLBACK TO SAVEPOINT confiture_stmt", err) < 0)
				return -1;
			return jit_for(p, it, 0, err);
		}
		runs[n] = impact_now_ms() - t;
		spent += runs[n++];
		if (n == PROBE_RUNS || spent >= PROBE_REPEAT_MS)
			break;
		if (db_exec(p->conn, "ROLLBACK TO SAVEPOINT confiture_stmt", err) < 0)
			return -1;
	}
	it->ms[k] = median_ms(runs, n);
	it->runs[k] = n;
	it->ran[k] = 1;
	if (jit_for(p, it, 0, err) < 0)
		return -1;
	if ((b1 = copies_bytes(p, err)) < 0)
		return -1;
	it->bytes[k] = b1 - b0;
	return db_exec(p->conn, "RELEASE SAVEPOINT confiture_stmt", err);
}

/*
 * The foreign keys that statements VALIDATE, on the copies, NOT VALID; one
 * that cannot be added leaves its statement not estimated, with the reason.
 */
static int
add_fk_copies(struct probe *p, struct conf_error *err)
{
	struct conf_error ferr = CONF_ERROR_INIT;
	struct strbuf q = STRBUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < p->nfk; i++) {
		const struct estimate_table *f = estimate_table_find(p->ts, p->fks[i].from);
		const struct estimate_table *t = estimate_table_find(p->ts, p->fks[i].to);

		if (p->fks[i].conname == NULL || f == NULL || t == NULL || !f->copy || !t->copy)
			continue;
		strbuf_reset(&q);
		strbuf_addstr(&q, "ALTER TABLE ");
		if ((rc = copy_name(p, f, &q, err)) < 0)
			break;
		strbuf_addf(&q, " ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES ", p->fks[i].conname,
		    p->fks[i].from_cols);
		if ((rc = copy_name(p, t, &q, err)) < 0)
			break;
		strbuf_addf(&q, " (%s) NOT VALID", p->fks[i].to_cols);
		if ((rc = db_exec(p->conn, "SAVEPOINT confiture_fk", err)) < 0)
			break;
		if (db_exec(p->conn, q.buf, &ferr) == 0) {
			rc = db_exec(p->conn, "RELEASE SAVEPOINT confiture_fk", err);
		} else if (ferr.code == CONF_EXIT_DB) {
			*err = ferr;
			rc = -1;
		} else {
			set_reason(&p->fks[i].check->reason, ferr.message);
			rc = db_exec(p->conn, "ROLLBACK TO SAVEPOINT confiture_fk", err);
		}
	}
	strbuf_release(&q);
	return rc;
}

/* Everything at size k: copies, then each migration (and its down file, undone at once). */
static int
run_size(struct probe *p, int k, struct conf_error *err)
{
	size_t i, j;

	if (db_exec(p->conn, "SAVEPOINT confiture_size", err) < 0)
		return -1;
	for (j = 0; j < 2; j++)         /* referenced rows come from the copies of the others */
		for (i = 0; i < p->ts->n; i++)
			if (p->ts->v[i].copy && p->ts->v[i].referenced_only == (int)j &&
			    copy_guarded(p, &p->ts->v[i], k, err) < 0)
				return -1;
	if (add_fk_copies(p, err) < 0)
		return -1;
	for (i = 0; k == 1 && i < p->ts->n; i++)
		if (p->ts->v[i].copy && p->ts->v[i].copied[1] < p->ts->v[i].rows &&
		    read_cost(p, &p->ts->v[i], err) < 0)
			return -1;
	for (i = 0; i < p->nmig; i++) {
		for (j = 0; j < p->migs[i].nup; j++)
			if (run_item(p, &p->migs[i].up[j], k, err) < 0)
				return -1;
		if (p->migs[i].ndown == 0)
			continue;
		if (db_exec(p->conn, "SAVEPOINT confiture_down", err) < 0)
			return -1;
		for (j = 0; j < p->migs[i].ndown; j++)
			if (run_item(p, &p->migs[i].down[j], k, err) < 0)
				return -1;
		if (db_exec(p->conn, "ROLLBACK TO SAVEPOINT confiture_down", err) < 0)
			return -1;
	}
	return db_exec(p->conn, "ROLLBACK TO SAVEPOINT confiture_size", err);
}

/* The copied table a statement's time scales with: the one it locks hardest, the largest on ties. */
static const struct estimate_table *
scale_table(const struct probe *p, const cJSON *facts)
{
	const struct estimate_table *best = NULL, *t;
	enum impact_lock bm = IMPACT_LOCK_NONE, m;
	const cJSON *lk;

	cJSON_ArrayForEach(lk, cJSON_GetObjectItem(facts, "locks")) {
		t = estimate_table_find(p->ts, record_str(lk, "table"));
		m = impact_lock_parse(record_str(lk, "mode"));
		if (t == NULL || !t->copy)
			continue;
		if (best == NULL || (best->referenced_only && !t->referenced_only) ||
		    (best->referenced_only == t->referenced_only &&
		    (m > bm || (m == bm && t->rows > best->rows)))) {
			best = t;
			bm = m;
		}
	}
	return best;
}

/*
 * The estimate of one item: time = fixed + per_row * rows + the extra cost
 * of reading the real table, with the fixed cost timed on the small copy
 * and the cost per row between it and the sample.  Returns -1 when the
 * item did not run; fills "estimate" on rec when rec is not NULL.
 */
static double
fit(const struct probe *p, const struct probe_item *it, int two, cJSON *rec)
{
	const struct estimate_table *t = scale_table(p, it->facts);
	const char *basis, *effect = record_str(it->facts, "effect") ? record_str(it->facts, "effect") : "";
	double est, a, b, c0, c1, rows;
	cJSON *e, *samples, *s;
	int k;

	if (!it->ran[1] || (two && !it->ran[0]))
		return -1;
	c0 = t ? t->copied[0] : 0;
	c1 = t ? t->copied[1] : 0;
	rows = t ? (t->rows > 0 ? t->rows : 0) : 0;
	if (t == NULL) {
		basis = "measured";     /* no copied table: what ran is what will run */
		est = it->ms[1];
	} else if (!two || c1 >= rows) {
		basis = "full copy";
		est = it->ms[1];
	} else {
		basis = "sample";
		/* The small copy gives the fixed cost, the sample the cost per row. */
		a = it->ms[0];
		b = c1 > c0 ? (it->ms[1] - a) / (c1 - c0) : 0;
		if (b < 0)
			b = 0;
		est = a + b * (rows - c0);
		if (record_bool(it->facts, "scan", 0) || record_bool(it->facts, "rewrite", 0) ||
		    strcmp(effect, "rows") == 0)
			est += t->read_extra * rows;
	}
	if (rec != NULL) {
		double grow = strcmp(basis, "sample") == 0 && c1 > c0 ?
		    it->bytes[0] + (it->bytes[1] - it->bytes[0]) / (c1 - c0) * (rows - c0) : it->bytes[1];

		/* Storage: the net change, and what a rewrite needs while old and new both exist. */
		cJSON_AddNumberToObject(rec, "est_bytes", (double)(long long)grow);
		if (record_bool(it->facts, "rewrite", 0) && t != NULL)
			cJSON_AddNumberToObject(rec, "est_peak_bytes", (double)(long long)(t->bytes + grow));
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "basis", basis);
		if (t != NULL) {
			cJSON_AddStringToObject(e, "table", t->name);
			cJSON_AddNumberToObject(e, "rows", rows);
			if (strcmp(basis, "sample") == 0) {
				cJSON_AddStringToObject(e, "model", "fixed + per row");
				cJSON_AddNumberToObject(e, "read_ms_per_1000_rows",
				    (double)(long)(t->read_extra * 1e6) / 1000);
			}
		}
		samples = cJSON_CreateArray();
		for (k = two ? 0 : 1; k < 2; k++) {
			s = cJSON_CreateObject();
			cJSON_AddNumberToObject(s, "rows", t ? t->copied[k] : 0);
			cJSON_AddNumberToObject(s, "ms", (double)(long)(it->ms[k] * 1000) / 1000);
			cJSON_AddNumberToObject(s, "runs", it->runs[k]);
			cJSON_AddNumberToObject(s, "bytes", it->bytes[k]);
			cJSON_AddItemToArray(samples, s);
		}
		cJSON_AddItemToObject(e, "samples", samples);
		if (compiles(p, it))
			cJSON_AddBoolToObject(e, "jit", 1);
		if (it->plain)
			cJSON_AddStringToObject(e, "timed_as", "the plain form, without CONCURRENTLY, which"
			    " scans the table once where CONCURRENTLY scans it twice and waits for older"
			    " transactions: expect it to take longer");
		cJSON_AddItemToObject(rec, "estimate", e);
	}
	return est;
}

static double
round_ms(double ms)
{
	return (double)(long)(ms * 10 + 0.5) / 10;
}

/*
 * A statement the probe did not time, and why.  One that failed on the
 * copies says with what SQLSTATE: class 23 (a NOT NULL, foreign key,
 * unique or check violation) means rows of the real table, copied, violate
 * it, and the real run will fail the same way (risk.c).
 */
static void
not_estimated(cJSON *rec, const struct probe_item *it)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "basis", "none");
	cJSON_AddStringToObject(e, "reason", it->reason ? it->reason : "not run by the probe");
	if (it->sqlstate[0])
		cJSON_AddStringToObject(e, "sqlstate", it->sqlstate);
	cJSON_AddItemToObject(rec, "estimate", e);
}

static void
write_results(struct probe *p, struct impact_run *run, int two, double probe_ms)
{
	size_t i, j;

	for (i = 0; i < p->nmig; i++) {
		struct probe_mig *pm = &p->migs[i];
		cJSON *imp = run->migs[i].impact, *e;
		double total = 0, down = 0, est, bytes = 0, peak = 0;
		int complete = 1, down_complete = 1;

		for (j = 0; j < pm->nup; j++) {
			cJSON *rec = run->migs[i].simpact[j];

			if ((est = fit(p, &pm->up[j], two, rec)) < 0) {
				not_estimated(rec, &pm->up[j]);
				complete = 0;
				continue;
			}
			cJSON_AddNumberToObject(rec, "est_ms", round_ms(est));
			total += est;
			bytes += record_num(rec, "est_bytes", 0);
			if (record_num(rec, "est_peak_bytes", 0) > peak)
				peak = record_num(rec, "est_peak_bytes", 0);
		}
		for (j = 0; j < pm->ndown; j++) {
			if ((est = fit(p, &pm->down[j], two, NULL)) < 0)
				down_complete = 0;
			else
				down += est;
		}
		cJSON_AddNumberToObject(imp, "est_ms", round_ms(total));
		cJSON_AddNumberToObject(imp, "est_bytes", bytes);
		if (peak > 0)
			cJSON_AddNumberToObject(imp, "est_peak_bytes", peak);
		e = cJSON_CreateObject();
		cJSON_AddBoolToObject(e, "complete", complete);
		if (p->sample_rows > 0) {
			cJSON_AddNumberToObject(e, "sample_rows", (double)p->sample_rows);
		} else {
			cJSON_AddNumberToObject(e, "sample_rows", PROBE_SAMPLE_ROWS);
			cJSON_AddNumberToObject(e, "sample_min_bytes", PROBE_MIN_BYTES);
		}
		cJSON_AddStringToObject(e, "copies", p->schema ? "schema" : "temporary");
		cJSON_AddNumberToObject(e, "probe_ms", round_ms(probe_ms));
		cJSON_AddItemToObject(imp, "estimate", e);
		if (pm->ndown > 0) {
			cJSON_AddNumberToObject(imp, "rollback_est_ms", round_ms(down));
			cJSON_AddBoolToObject(e, "rollback_complete", down_complete);
		} else if (pm->down_reason) {
			cJSON_AddStringToObject(e, "rollback_reason", pm->down_reason);
		}
	}
}

int
estimate_probe(struct impact_run *run, PGconn *conn, struct estimate_tables *ts, long sample_rows,
    struct conf_error *err)
{
	struct probe p;
	PGresult *seqs = NULL;
	double t0 = impact_now_ms();
	int two = 0, rc = -1;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.conn = conn;
	p.ts = ts;
	p.sample_rows = sample_rows;
	if (probe_plan(&p, run, err) < 0)
		goto out;
	if (read_catalog(&p, err) < 0)
		goto out;
	choose_targets(&p);
	for (i = 0; i < ts->n; i++) {
		struct estimate_table *t = &ts->v[i];
		double per_row = t->rows > 0 ? t->table_bytes / t->rows : 0;

		t->sample = sample_rows > 0 ? (double)sample_rows : PROBE_SAMPLE_ROWS;
		if (sample_rows < 0 && per_row > 0 && t->sample * per_row < PROBE_MIN_BYTES)
			t->sample = PROBE_MIN_BYTES / per_row;
		if (t->copy && !t->referenced_only && t->rows > t->sample)
			two = 1;
	}
	if ((seqs = impact_seq_save(conn, err)) == NULL || probe_begin(&p, err) < 0)
		goto fail;
	if ((two && run_size(&p, 0, err) < 0) || run_size(&p, 1, err) < 0)
		goto fail;
	if (db_exec(conn, "ROLLBACK", err) < 0 || impact_seq_restore(conn, seqs, err) < 0)
		goto out;
	write_results(&p, run, two, impact_now_ms() - t0);
	rc = 0;
	goto out;
fail:
	db_exec(conn, "ROLLBACK", &(struct conf_error)CONF_ERROR_INIT);
out:
	PQclear(seqs);
	probe_release(&p);
	return rc;
}
