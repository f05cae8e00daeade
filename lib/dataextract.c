/* dataextract: tables chosen and ordered by foreign keys, read from one snapshot with COPY. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "copytext.h"
#include "dataextract.h"
#include "db.h"
#include "record.h"
#include "strbuf.h"

struct dtable {
	char *oid, *schema, *name, *kind;
	double rows, bytes;
	int rows_known;
	cJSON *rec;           /* the table record */
	char **parents;       /* oids of the tables its foreign keys reference */
	size_t nparents;
	int emitted;
};

static void
dtables_free(struct dtable *t, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(t[i].oid);
		free(t[i].schema);
		free(t[i].name);
		free(t[i].kind);
		cJSON_Delete(t[i].rec);
		for (j = 0; j < t[i].nparents; j++)
			free(t[i].parents[j]);
		free(t[i].parents);
	}
	free(t);
}

int
data_session_setup(PGconn *conn, struct conf_error *err)
{
	return db_exec(conn,
	    "SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; "
	    "SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC'; "
	    "SET bytea_output = 'hex'; SET extra_float_digits = 3", err);
}

/* LIKE as PostgreSQL means it (no escape character other than backslash). */
static int
like(const char *s, const char *p)
{
	for (; *p; p++, s++) {
		if (*p == '%') {
			while (*p == '%')
				p++;
			if (*p == '\0')
				return 1;
			for (; *s; s++)
				if (like(s, p))
					return 1;
			return 0;
		}
		if (*s == '\0')
			return 0;
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '_')
			continue;
		if (*p != *s)
			return 0;
	}
	return *s == '\0';
}

static int
name_is(const struct dtable *t, const char *want)
{
	const char *dot = strchr(want, '.');
	size_t sl;

	if (dot == NULL)
		return strcmp(t->schema, "public") == 0 && strcmp(t->name, want) == 0;
	sl = (size_t)(dot - want);
	return strlen(t->schema) == sl && strncmp(t->schema, want, sl) == 0 &&
	    strcmp(t->name, dot + 1) == 0;
}

static int
excluded(const struct dtable *t, const char *const *exclude)
{
	for (; exclude && *exclude; exclude++) {
		if (strchr(*exclude, '.') ? name_is(t, *exclude) : strcmp(t->name, *exclude) == 0)
			return 1;
	}
	return 0;
}

static int
selected(const struct dtable *t, const struct data_extract_opts *o)
{
	const char *const *s;
	char qual[256];

	if ((o->tables == NULL || !*o->tables) && (o->likes == NULL || !*o->likes))
		return !excluded(t, o->exclude);
	for (s = o->tables; s && *s; s++)
		if (name_is(t, *s))
			return 1;
	snprintf(qual, sizeof(qual), "%s.%s", t->schema, t->name);
	for (s = o->likes; s && *s; s++)
		if ((like(qual, *s) || like(t->name, *s)) && !excluded(t, o->exclude))
			return 1;
	return 0;
}

static const char tables_sql[] =
    "SELECT c.oid, n.nspname, c.relname, c.relkind::text, c.reltuples::float8, "
    "  CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_table_size(relid)), 0) "
    "    FROM pg_partition_tree(c.oid)) ELSE pg_table_size(c.oid) END::float8 "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
    "  AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "  AND n.nspname NOT LIKE 'pg\\_%' "
    "  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
    "    AND d.objid = c.oid AND d.deptype = 'e') "
    "ORDER BY n.nspname, c.relname";

static const char columns_sql[] =
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
    "  CASE WHEN a.atttypid IN (1042, 1043) AND a.atttypmod > 0 THEN a.atttypmod - 4 END "
    "FROM pg_attribute a WHERE a.attrelid = $1::oid AND a.attnum > 0 "
    "  AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum";

static const char unique_sql[] =
    "SELECT i.indisprimary, array_to_json(ARRAY(SELECT a.attname "
    "  FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o) "
    "  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n "
    "  WHERE k.o <= i.indnkeyatts ORDER BY k.o))::text "
    "FROM pg_index i WHERE i.indrelid = $1::oid AND i.indisunique "
    "  AND i.indpred IS NULL AND i.indexprs IS NULL "
    "ORDER BY i.indisprimary DESC, i.indexrelid";

static const char fkeys_sql[] =
    "SELECT json_build_object('columns', ARRAY(SELECT a.attname "
    "    FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a "
    "    ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o), "
    "  'ref_schema', rn.nspname, 'ref_table', rc.relname, "
    "  'ref_columns', ARRAY(SELECT a.attname "
    "    FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a "
    "    ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o))::text, "
    "  c.confrelid::text "
    "FROM pg_constraint c JOIN pg_class rc ON rc.oid = c.confrelid "
    "JOIN pg_namespace rn ON rn.oid = rc.relnamespace "
    "WHERE c.conrelid = $1::oid AND c.contype = 'f' ORDER BY c.conname";

/* Build t->rec and t->parents from the catalogs. */
static int
describe(PGconn *conn, struct dtable *t, struct conf_error *err)
{
	const char *params[1] = { t->oid };
	PGresult *res;
	cJSON *rec, *cols, *uniq, *fks, *col;
	int i;

	rec = t->rec = record_new("table");
	cJSON_AddStringToObject(rec, "schema", t->schema);
	cJSON_AddStringToObject(rec, "name", t->name);
	if ((res = db_query(conn, columns_sql, 1, params, err)) == NULL)
		return -1;
	cols = cJSON_AddArrayToObject(rec, "columns");
	for (i = 0; i < PQntuples(res); i++) {
		col = cJSON_CreateObject();
		cJSON_AddStringToObject(col, "name", PQgetvalue(res, i, 0));
		cJSON_AddStringToObject(col, "type", PQgetvalue(res, i, 1));
		cJSON_AddBoolToObject(col, "not_null", PQgetvalue(res, i, 2)[0] == 't');
		if (PQgetisnull(res, i, 3))
			cJSON_AddNullToObject(col, "max_length");
		else
			cJSON_AddNumberToObject(col, "max_length", atof(PQgetvalue(res, i, 3)));
		cJSON_AddItemToArray(cols, col);
	}
	PQclear(res);
	if ((res = db_query(conn, unique_sql, 1, params, err)) == NULL)
		return -1;
	uniq = cJSON_AddArrayToObject(rec, "unique");
	for (i = 0; i < PQntuples(res); i++)
		cJSON_AddItemToArray(uniq, cJSON_Parse(PQgetvalue(res, i, 1)));
	if (PQntuples(res) > 0 && PQgetvalue(res, 0, 0)[0] == 't')
		cJSON_AddItemToObject(rec, "primary_key", cJSON_Parse(PQgetvalue(res, 0, 1)));
	else
		cJSON_AddNullToObject(rec, "primary_key");
	PQclear(res);
	if ((res = db_query(conn, fkeys_sql, 1, params, err)) == NULL)
		return -1;
	fks = cJSON_AddArrayToObject(rec, "foreign_keys");
	t->parents = xcalloc((size_t)PQntuples(res) + 1, sizeof(char *));
	for (i = 0; i < PQntuples(res); i++) {
		cJSON_AddItemToArray(fks, cJSON_Parse(PQgetvalue(res, i, 0)));
		if (strcmp(PQgetvalue(res, i, 1), t->oid) != 0)
			t->parents[t->nparents++] = xstrdup(PQgetvalue(res, i, 1));
	}
	PQclear(res);
	if (!t->rows_known && t->bytes < 64.0 * 1024 * 1024) {
		/* Never analysed: count, cheap at this size, so that plans show real numbers. */
		char *q = NULL, *sql;

		if ((q = db_quote_ident(conn, t->schema, err)) == NULL)
			return -1;
		sql = xstrfmt("SELECT count(*)::float8 FROM %s.", q);
		free(q);
		if ((q = db_quote_ident(conn, t->name, err)) == NULL) {
			free(sql);
			return -1;
		}
		{
			char *full = xstrfmt("%s%s", sql, q);

			free(sql);
			free(q);
			res = db_query(conn, full, 0, NULL, err);
			free(full);
		}
		if (res == NULL)
			return -1;
		t->rows = atof(PQgetvalue(res, 0, 0));
		t->rows_known = 1;
		PQclear(res);
	}
	if (t->rows_known)
		cJSON_AddNumberToObject(rec, "rows_estimate", t->rows);
	else
		cJSON_AddNullToObject(rec, "rows_estimate");
	cJSON_AddNumberToObject(rec, "bytes", t->bytes);
	return 0;
}

static struct dtable *
find_oid(struct dtable *t, size_t n, const char *oid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].oid, oid) == 0)
			return &t[i];
	return NULL;
}

/*
 * Parents first: repeatedly take the first table (by name) whose selected
 * parents are all out.  A cycle takes the first remaining table, and its
 * load will need deferrable constraints.
 */
static size_t *
load_order(struct dtable *t, size_t n)
{
	size_t *order = xcalloc(n + 1, sizeof(size_t)), k = 0, i, j;
	struct dtable *p;
	int ready;

	while (k < n) {
		for (i = 0; i < n; i++) {
			if (t[i].emitted)
				continue;
			ready = 1;
			for (j = 0; j < t[i].nparents && ready; j++)
				if ((p = find_oid(t, n, t[i].parents[j])) && !p->emitted)
					ready = 0;
			if (ready)
				break;
		}
		if (i == n) {
			for (i = 0; t[i].emitted; i++)
				;
			fprintf(stderr, "warning: foreign keys form a cycle through \"%s.%s\"; "
			    "loading it needs deferrable constraints\n", t[i].schema, t[i].name);
		}
		t[i].emitted = 1;
		order[k++] = i;
	}
	return order;
}

static int
put(FILE *out, const char *buf, size_t len, struct conf_error *err)
{
	if (fwrite(buf, 1, len, out) != len)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write the data stream");
	return 0;
}

static int
emit(FILE *out, cJSON *rec, long *nrec, struct conf_error *err)
{
	if (record_emit(out, rec) < 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write the data stream");
	(*nrec)++;
	return 0;
}

static cJSON *
bound_record(const char *kind, const struct dtable *t)
{
	cJSON *rec = record_new(kind);

	cJSON_AddStringToObject(rec, "schema", t->schema);
	cJSON_AddStringToObject(rec, "name", t->name);
	return rec;
}

/* COPY one table's rows out as row records. */
static int
copy_table(PGconn *conn, const struct dtable *t, long sample, FILE *out, long *nrec,
    struct conf_error *err)
{
	struct strbuf sql = STRBUF_INIT, line = STRBUF_INIT;
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(t->rec, "columns"), *col;
	char *qs = NULL, *qn = NULL, *q, *row;
	PGresult *res;
	long rows = 0;
	int n, rc = -1, first = 1;
	cJSON *end;

	if ((qs = db_quote_ident(conn, t->schema, err)) == NULL ||
	    (qn = db_quote_ident(conn, t->name, err)) == NULL)
		goto out;
	strbuf_addstr(&sql, "COPY (SELECT ");
	cJSON_ArrayForEach(col, cols) {
		if ((q = db_quote_ident(conn, record_str(col, "name"), err)) == NULL)
			goto out;
		strbuf_addf(&sql, "%s%s", first ? "" : ", ", q);
		free(q);
		first = 0;
	}
	if (first)      /* no columns: rows still count */
		strbuf_addstr(&sql, "FROM");
	else
		strbuf_addstr(&sql, " FROM");
	strbuf_addf(&sql, " %s.%s", qs, qn);
	if (sample > 0) {
		/*
		 * Blocks spread over the table, a little more than needed, then
		 * cut; a table not much larger than the sample is just cut (a
		 * block sample of a few blocks may well be empty).
		 */
		if (t->rows_known && t->rows >= 3.0 * sample && strcmp(t->kind, "r") == 0)
			strbuf_addf(&sql, " TABLESAMPLE SYSTEM (%.6f)", 150.0 * sample / t->rows);
		strbuf_addf(&sql, " LIMIT %ld", sample);
	}
	strbuf_addstr(&sql, ") TO STDOUT");
	if (emit(out, bound_record("rows_begin", t), nrec, err) < 0)
		goto out;
	res = PQexec(conn, sql.buf);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		db_result_error(conn, res, err);
		PQclear(res);
		goto out;
	}
	PQclear(res);
	while ((n = PQgetCopyData(conn, &row, 0)) > 0) {
		strbuf_reset(&line);
		strbuf_add(&line, "{\"kind\":\"row\",\"v\":1,\"r\":", 24);
		if (first)   /* no columns: an empty line is no field, not one empty one */
			strbuf_add(&line, "[]", 2);
		else
			copytext_row_to_json(&line, row, (size_t)n);
		strbuf_add(&line, "}\n", 2);
		PQfreemem(row);
		if (put(out, line.buf, line.len, err) < 0)
			goto out;
		rows++;
		(*nrec)++;
	}
	if (n == -2) {
		db_result_error(conn, NULL, err);
		goto out;
	}
	res = PQgetResult(conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_result_error(conn, res, err);
		PQclear(res);
		goto out;
	}
	PQclear(res);
	while ((res = PQgetResult(conn)) != NULL)
		PQclear(res);
	end = bound_record("rows_end", t);
	cJSON_AddNumberToObject(end, "rows", (double)rows);
	if (emit(out, end, nrec, err) < 0)
		goto out;
	rc = 0;
out:
	free(qs);
	free(qn);
	strbuf_release(&sql);
	strbuf_release(&line);
	return rc;
}

long
data_extract(PGconn *conn, const struct data_extract_opts *o, FILE *out,
    struct conf_error *err)
{
	struct dtable *all = NULL, *t = NULL;
	size_t nall = 0, n = 0, i, *order = NULL;
	const char *const *s;
	PGresult *res = NULL;
	long nrec = 0, rc = -1;

	if (data_session_setup(conn, err) < 0 ||
	    db_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err) < 0)
		return -1;
	if ((res = db_query(conn, tables_sql, 0, NULL, err)) == NULL)
		goto out;
	nall = (size_t)PQntuples(res);
	all = xcalloc(nall + 1, sizeof(*all));
	for (i = 0; i < nall; i++) {
		all[i].oid = xstrdup(PQgetvalue(res, (int)i, 0));
		all[i].schema = xstrdup(PQgetvalue(res, (int)i, 1));
		all[i].name = xstrdup(PQgetvalue(res, (int)i, 2));
		all[i].kind = xstrdup(PQgetvalue(res, (int)i, 3));
		all[i].rows = atof(PQgetvalue(res, (int)i, 4));
		all[i].rows_known = all[i].rows >= 0;
		all[i].bytes = atof(PQgetvalue(res, (int)i, 5));
	}
	PQclear(res);
	for (s = o->tables; s && *s; s++) {
		for (i = 0; i < nall && !name_is(&all[i], *s); i++)
			;
		if (i == nall) {
			conf_error_set(err, CONF_EXIT_USAGE, "no table \"%s\" in the source database", *s);
			conf_error_hint(err, "a name without a schema means public.NAME");
			goto out;
		}
	}
	t = xcalloc(nall + 1, sizeof(*t));
	for (i = 0; i < nall; i++) {
		if (selected(&all[i], o)) {
			t[n++] = all[i];
			memset(&all[i], 0, sizeof(all[i]));
		}
	}
	if (n == 0) {
		conf_error_set(err, CONF_EXIT_USAGE, "no table matches the selection");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (describe(conn, &t[i], err) < 0)
			goto out;
	order = load_order(t, n);
	for (i = 0; i < n; i++) {
		if (record_write(out, t[order[i]].rec) < 0) {
			conf_error_set(err, CONF_EXIT_USAGE, "could not write the data stream");
			goto out;
		}
		nrec++;
	}
	for (i = 0; i < n && !o->plan_only; i++)
		if (copy_table(conn, &t[order[i]], o->sample_rows, out, &nrec, err) < 0)
			goto out;
	if (db_exec(conn, "COMMIT", err) < 0)
		goto out;
	if (record_write_end(out, nrec) < 0) {
		conf_error_set(err, CONF_EXIT_USAGE, "could not write the data stream");
		goto out;
	}
	rc = nrec;
out:
	free(order);
	if (all) {
		for (i = 0; i < nall; i++)
			if (all[i].oid == NULL)
				all[i].parents = NULL;
		dtables_free(all, nall);
	}
	if (t)
		dtables_free(t, n);
	return rc;
}
