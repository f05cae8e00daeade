/* wizard-catalog: the two ends of the copy, the source catalog, foreign-key closure and PII hints. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "cmd/wizard.h"
#include "db.h"
#include "pipeline.h"
#include "proc.h"
#include "project.h"

void
wz_strv_free(char **v)
{
	char **p;

	if (v == NULL)
		return;
	for (p = v; *p; p++)
		free(*p);
	free(v);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
wz_environments(const char *root)
{
	char *dir = xstrfmt("%s/db/environments", root ? root : ".");
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;

	free(dir);
	if (d == NULL)
		return v;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len > 5 && strcmp(de->d_name + len - 5, ".yaml") == 0 && de->d_name[0] != '.') {
			v = xrealloc(v, (n + 2) * sizeof(char *));
			v[n++] = xstrndup(de->d_name, len - 5);
			v[n] = NULL;
		}
	}
	closedir(d);
	qsort(v, n, sizeof(char *), cmpstr);
	return v;
}

void
wz_end_release(struct wz_end *e)
{
	free(e->spec);
	free(e->conninfo);
	free(e->label);
	free(e->identity);
	memset(e, 0, sizeof(*e));
}

static int
is_conninfo(const char *s)
{
	return strchr(s, '=') != NULL || strncmp(s, "postgres", 8) == 0;
}

static int
looks_production(const char *s)
{
	static const char *words[] = { "prod", "live", "primary", NULL };
	const char **w;
	const char *p;

	for (w = words; *w; w++)
		for (p = s; *p; p++)
			if (strncasecmp(p, *w, strlen(*w)) == 0)
				return 1;
	return 0;
}

int
wz_resolve(struct wizard *w, const char *spec, struct wz_end *e, struct conf_error *err)
{
	struct project p;

	wz_end_release(e);
	if (spec == NULL || spec[0] == '\0')
		return conf_error_set(err, CONF_EXIT_USAGE, "no database given");
	e->spec = xstrdup(spec);
	if (is_conninfo(spec)) {
		e->conninfo = xstrdup(spec);
		e->label = db_redact(spec);
	} else {
		if (project_load(&p, w->root, spec, NULL, err) < 0) {
			project_release(&p);
			return -1;
		}
		if (p.env_file == NULL || p.conninfo_source == NULL ||
		    strcmp(p.conninfo_source, p.env_file) != 0) {
			conf_error_set(err, CONF_EXIT_USAGE, "environment \"%s\" names no database_url", spec);
			if (p.conninfo_source && strcmp(p.conninfo_source, "CONFITURE_DATABASE_URL") == 0)
				conf_error_hint(err, "CONFITURE_DATABASE_URL overrides environments; unset it");
			project_release(&p);
			return -1;
		}
		e->conninfo = xstrdup(p.conninfo);
		e->label = xstrdup(spec);
		project_release(&p);
	}
	e->production = looks_production(spec) || looks_production(e->conninfo);
	return 0;
}

int
wz_check(struct wz_end *e, struct conf_error *err)
{
	PGconn *conn = db_connect(e->conninfo, "confiture wizard", err);
	PGresult *res;
	const char *sysid = "";

	if (conn == NULL)
		return -1;
	res = db_query(conn, "SELECT current_setting('port'), current_database()", 0, NULL, err);
	if (res == NULL) {
		PQfinish(conn);
		return -1;
	}
	/* pg_control_system() tells clusters apart; it needs privileges, so it is optional. */
	{
		struct conf_error ignored = CONF_ERROR_INIT;
		PGresult *r2 = db_query(conn, "SELECT system_identifier::text FROM pg_control_system()",
		    0, NULL, &ignored);

		if (r2 && PQntuples(r2) == 1)
			sysid = PQgetvalue(r2, 0, 0);
		free(e->identity);
		e->identity = xstrfmt("%s/%s/%s", sysid[0] ? sysid : (PQhost(conn) ? PQhost(conn) : ""),
		    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		PQclear(r2);
	}
	if (looks_production(PQgetvalue(res, 0, 1)))
		e->production = 1;
	PQclear(res);
	PQfinish(conn);
	return 0;
}

void
wz_tables_free(struct wz_table *t, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(t[i].schema);
		free(t[i].name);
		free(t[i].qname);
		for (j = 0; j < t[i].ncols; j++) {
			free(t[i].cols[j].name);
			free(t[i].cols[j].type);
			free(t[i].cols[j].strategy);
		}
		free(t[i].cols);
		free(t[i].parents);
		if (t[i].pkey) {
			for (j = 0; t[i].pkey[j]; j++)
				free(t[i].pkey[j]);
			free(t[i].pkey);
		}
	}
	free(t);
}

long
wz_table_find(const struct wizard *w, const char *name)
{
	size_t i;
	char *q = strchr(name, '.') ? xstrdup(name) : xstrfmt("public.%s", name);

	for (i = 0; i < w->ntables; i++)
		if (strcmp(w->tables[i].qname, q) == 0) {
			free(q);
			return (long)i;
		}
	free(q);
	return -1;
}

static long
find_oid(const struct wz_table *t, size_t n, unsigned oid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].oid == oid)
			return (long)i;
	return -1;
}

static const char sql_tables[] =
	"SELECT c.oid, n.nspname, c.relname, c.reltuples::bigint,"
	" pg_total_relation_size(c.oid), pg_relation_size(c.oid) < 64 * 1024 * 1024"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"
	" AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
	" AND n.nspname NOT LIKE 'pg\\_%'"
	" ORDER BY n.nspname, c.relname";

static const char sql_columns[] =
	"SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod)"
	" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped"
	" AND a.attgenerated = '' AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
	" ORDER BY a.attrelid, a.attnum";

static const char sql_fkeys[] =
	"SELECT DISTINCT conrelid, confrelid FROM pg_constraint WHERE contype = 'f'";

static const char sql_pkeys[] =
	"SELECT c.conrelid, a.attname FROM pg_constraint c"
	" CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)"
	" JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum"
	" WHERE c.contype = 'p' ORDER BY c.conrelid, k.ord";

int
wz_load_catalog(struct wizard *w, struct conf_error *err)
{
	PGconn *conn;
	PGresult *res = NULL;
	struct wz_table *t = NULL;
	size_t n = 0, i, j;
	int row;

	if (w->catalog_of && strcmp(w->catalog_of, w->src.conninfo) == 0)
		return 0;
	if ((conn = db_connect(w->src.conninfo, "confiture wizard", err)) == NULL)
		return -1;
	if ((res = db_query(conn, sql_tables, 0, NULL, err)) == NULL)
		goto fail;
	n = (size_t)PQntuples(res);
	t = xcalloc(n ? n : 1, sizeof(*t));
	for (i = 0; i < n; i++) {
		row = (int)i;
		t[i].oid = (unsigned)strtoul(PQgetvalue(res, row, 0), NULL, 10);
		t[i].schema = xstrdup(PQgetvalue(res, row, 1));
		t[i].name = xstrdup(PQgetvalue(res, row, 2));
		t[i].qname = xstrfmt("%s.%s", t[i].schema, t[i].name);
		t[i].rows = strtoll(PQgetvalue(res, row, 3), NULL, 10);
		t[i].bytes = strtoll(PQgetvalue(res, row, 4), NULL, 10);
		/* Small tables are counted exactly; large ones keep the planner's estimate. */
		if (PQgetvalue(res, row, 5)[0] == 't' || t[i].rows < 0) {
			char *q = db_quote_qualified(conn, t[i].qname, err), *sql;
			PGresult *cr;

			if (q == NULL)
				goto fail;
			sql = xstrfmt("SELECT count(*) FROM %s", q);
			cr = db_query(conn, sql, 0, NULL, err);
			free(sql);
			free(q);
			if (cr == NULL)
				goto fail;
			t[i].rows = strtoll(PQgetvalue(cr, 0, 0), NULL, 10);
			t[i].rows_exact = 1;
			PQclear(cr);
		}
	}
	PQclear(res);
	if ((res = db_query(conn, sql_columns, 0, NULL, err)) == NULL)
		goto fail;
	for (row = 0; row < PQntuples(res); row++) {
		long k = find_oid(t, n, (unsigned)strtoul(PQgetvalue(res, row, 0), NULL, 10));
		struct wz_column *c;

		if (k < 0)
			continue;
		t[k].cols = xrealloc(t[k].cols, (t[k].ncols + 1) * sizeof(*c));
		c = &t[k].cols[t[k].ncols++];
		memset(c, 0, sizeof(*c));
		c->name = xstrdup(PQgetvalue(res, row, 1));
		c->type = xstrdup(PQgetvalue(res, row, 2));
		c->suggest = wz_suggest(w, c->name, c->type);
	}
	PQclear(res);
	if ((res = db_query(conn, sql_fkeys, 0, NULL, err)) == NULL)
		goto fail;
	for (row = 0; row < PQntuples(res); row++) {
		long a = find_oid(t, n, (unsigned)strtoul(PQgetvalue(res, row, 0), NULL, 10));
		long b = find_oid(t, n, (unsigned)strtoul(PQgetvalue(res, row, 1), NULL, 10));

		if (a < 0 || b < 0 || a == b)
			continue;
		t[a].parents = xrealloc(t[a].parents, (t[a].nparents + 1) * sizeof(size_t));
		t[a].parents[t[a].nparents++] = (size_t)b;
	}
	PQclear(res);
	if ((res = db_query(conn, sql_pkeys, 0, NULL, err)) == NULL)
		goto fail;
	for (row = 0; row < PQntuples(res); row++) {
		long k = find_oid(t, n, (unsigned)strtoul(PQgetvalue(res, row, 0), NULL, 10));
		size_t m = 0;

		if (k < 0)
			continue;
		while (t[k].pkey && t[k].pkey[m])
			m++;
		t[k].pkey = xrealloc(t[k].pkey, (m + 2) * sizeof(char *));
		t[k].pkey[m] = xstrdup(PQgetvalue(res, row, 1));
		t[k].pkey[m + 1] = NULL;
	}
	PQclear(res);
	PQfinish(conn);
	/* Keep what was chosen before (going back to the source step and forth). */
	for (i = 0; i < n; i++) {
		long o = wz_table_find(w, t[i].qname);

		if (o < 0)
			continue;
		t[i].selected = w->tables[o].selected;
		for (j = 0; j < t[i].ncols; j++) {
			size_t k;

			for (k = 0; k < w->tables[o].ncols; k++)
				if (strcmp(w->tables[o].cols[k].name, t[i].cols[j].name) == 0 &&
				    w->tables[o].cols[k].strategy)
					t[i].cols[j].strategy = xstrdup(w->tables[o].cols[k].strategy);
		}
	}
	wz_tables_free(w->tables, w->ntables);
	w->tables = t;
	w->ntables = n;
	free(w->catalog_of);
	w->catalog_of = xstrdup(w->src.conninfo);
	return 0;
fail:
	PQclear(res);
	PQfinish(conn);
	wz_tables_free(t, n);
	return -1;
}

size_t
wz_closure(struct wizard *w, int add, size_t *out, size_t max)
{
	size_t i, j, found = 0;
	int changed = 1;
	char *seen = xcalloc(w->ntables + 1, 1);

	while (changed) {
		changed = 0;
		for (i = 0; i < w->ntables; i++) {
			if (!w->tables[i].selected && !seen[i])
				continue;
			for (j = 0; j < w->tables[i].nparents; j++) {
				size_t p = w->tables[i].parents[j];

				if (w->tables[p].selected || seen[p])
					continue;
				seen[p] = 1;
				changed = 1;
				if (found < max)
					out[found] = p;
				found++;
				if (add)
					w->tables[p].selected = 1;
			}
		}
	}
	free(seen);
	return found;
}

/* Lower-case column name split in words at '_' and letter case changes. */
static int
has_word(const char *name, const char *word)
{
	size_t wl = strlen(word);
	const char *p;

	for (p = name; *p; p++) {
		int start = p == name || p[-1] == '_' || p[-1] == '-' ||
		    (isupper((unsigned char)p[0]) && islower((unsigned char)p[-1]));
		char end;

		if (!start || strncasecmp(p, word, wl) != 0)
			continue;
		end = p[wl];
		if (end == '\0' || end == '_' || end == '-' || isupper((unsigned char)end) ||
		    isdigit((unsigned char)end))
			return 1;
	}
	return 0;
}

static int
has_sub(const char *name, const char *sub)
{
	const char *p;

	for (p = name; *p; p++)
		if (strncasecmp(p, sub, strlen(sub)) == 0)
			return 1;
	return 0;
}

/*
 * Each kind of personal data, the names that give it away, and the strategies
 * that mask it, preferred first (the first one conf-anonymize offers wins).
 */
struct pii_rule {
	const char *words[12];     /* whole words of the column name */
	const char *subs[4];       /* substrings */
	const char *types[3];      /* type prefixes */
	const char *strategies[5];
};

static const struct pii_rule pii_rules[] = {
	{ { "email", "mail", NULL }, { "email", "e_mail", NULL }, { NULL },
	  { "email", "hash", "redact", "null", NULL } },
	{ { "phone", "mobile", "tel", "telephone", "fax", "msisdn", "cell", NULL }, { "phone", NULL }, { NULL },
	  { "phone", "hash", "redact", "null", NULL } },
	{ { "ip", "ipaddr", "remote_addr", NULL }, { "ip_addr", "ipaddress", NULL }, { "inet", "cidr", NULL },
	  { "ip", "ipv4", "hash", "null", NULL } },
	{ { "birth", "birthday", "dob", "birthdate", NULL }, { "birth", NULL }, { NULL },
	  { "date_shift", "generalize", "noise", "null", NULL } },
	{ { "iban", "bic", NULL }, { "iban", NULL }, { NULL },
	  { "iban", "hash", "mask", "null", NULL } },
	{ { "card", "cc", "pan", "ccnum", NULL }, { "credit_card", "card_number", NULL }, { NULL },
	  { "credit_card", "card", "hash", "mask", "null" } },
	{ { "ssn", "passport", "nin", "tax", NULL }, { "national_id", "social_security", NULL }, { NULL },
	  { "hash", "tokenize", "mask", "null", NULL } },
	{ { "address", "street", "city", "zip", "postcode", "postal", "addr", NULL }, { "address", NULL }, { NULL },
	  { "address", "mask", "hash", "null", NULL } },
	{ { "name", "firstname", "lastname", "surname", "fullname", "username", "login", NULL },
	  { "first_name", "last_name", "full_name", NULL }, { NULL },
	  { "name", "hash", "redact", "null", NULL } },
};

/* Names that contain "name" but are no person's name. */
static int
not_a_person(const char *col)
{
	static const char *words[] = { "table", "file", "host", "schema", "column", "product", "domain",
	    "class", "type", "role", "tag", "category", "company", "app", "event", "key", NULL };
	const char **w;

	for (w = words; *w; w++)
		if (has_word(col, *w))
			return 1;
	return 0;
}

const char *
wz_suggest(const struct wizard *w, const char *column, const char *type)
{
	size_t i, j;

	for (i = 0; i < sizeof(pii_rules) / sizeof(pii_rules[0]); i++) {
		const struct pii_rule *r = &pii_rules[i];
		int hit = 0;

		for (j = 0; !hit && r->words[j]; j++)
			hit = has_word(column, r->words[j]);
		for (j = 0; !hit && r->subs[j]; j++)
			hit = has_sub(column, r->subs[j]);
		for (j = 0; !hit && r->types[j]; j++)
			hit = strncmp(type, r->types[j], strlen(r->types[j])) == 0;
		if (!hit)
			continue;
		if (i == sizeof(pii_rules) / sizeof(pii_rules[0]) - 1 && not_a_person(column))
			continue;
		/* a numeric "tax_rate" or "card_count" is no identifier */
		if ((strncmp(type, "numeric", 7) == 0 || strncmp(type, "integer", 7) == 0 ||
		    strncmp(type, "bigint", 6) == 0 || strncmp(type, "boolean", 7) == 0) &&
		    strcmp(r->strategies[0], "credit_card") != 0)   /* card numbers may be numbers */
			continue;
		for (j = 0; j < 5 && r->strategies[j]; j++) {
			size_t k;

			for (k = 0; k < w->nstrategies; k++)
				if (strcmp(w->strategies[k], r->strategies[j]) == 0)
					return w->strategies[k];
		}
	}
	return NULL;
}

int
wz_has_strategy(const struct wizard *w, const char *name)
{
	size_t k;

	for (k = 0; k < w->nstrategies; k++)
		if (strcmp(w->strategies[k], name) == 0)
			return 1;
	return 0;
}

static void
add_strategy(struct wizard *w, const char *name)
{
	/* "keep" is what an unmasked column does already: the picker offers it first */
	if (name == NULL || name[0] == '\0' || strcmp(name, "keep") == 0 || wz_has_strategy(w, name))
		return;
	w->strategies = xrealloc(w->strategies, (w->nstrategies + 2) * sizeof(char *));
	w->strategies[w->nstrategies++] = xstrdup(name);
	w->strategies[w->nstrategies] = NULL;
}

void
wz_load_strategies(struct wizard *w)
{
	static const char *contract[] = { "email", "name", "phone", "null", "noise", NULL };
	const char *argv[] = { pipeline_program("conf-anonymize"), "--list-strategies", NULL };
	struct strbuf out = STRBUF_INIT, errout = STRBUF_INIT;
	struct proc_spec spec;
	struct proc_result res;
	struct conf_error err = CONF_ERROR_INIT;
	char *line, *save = NULL, last[128] = "";
	const char **c;

	memset(&spec, 0, sizeof(spec));
	argv[0] = xstrdup(argv[0]);
	spec.argv = argv;
	spec.out = &out;
	spec.errout = &errout;
	spec.timeout_ms = 10000;
	if (proc_run(&spec, &res, &err) == 0 && res.status == 0) {
		/*
		 * One strategy a line ("name  origin  description"), its parameters
		 * on indented lines below; JSON lines are read too.  A strategy with a
		 * required parameter cannot be chosen with one key: it is left out.
		 */
		for (line = strtok_r(out.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			cJSON *rec;

			if (*line == ' ' || *line == '\t') {
				if (strstr(line, "(required)") && w->nstrategies > 0 &&
				    strcmp(w->strategies[w->nstrategies - 1], last) == 0) {
					free(w->strategies[--w->nstrategies]);
					w->strategies[w->nstrategies] = NULL;
				}
				continue;
			}
			if (*line == '{') {
				rec = cJSON_Parse(line);
				if (rec && cJSON_IsString(cJSON_GetObjectItem(rec, "name")))
					add_strategy(w, cJSON_GetObjectItem(rec, "name")->valuestring);
				cJSON_Delete(rec);
			} else if (*line && *line != '#') {
				size_t len = strcspn(line, " \t:");

				snprintf(last, sizeof(last), "%.*s", (int)len, line);
				if (strcmp(last, "NAME") != 0 && strcmp(last, "STRATEGY") != 0)
					add_strategy(w, last);
			}
		}
	}
	free((char *)argv[0]);
	strbuf_release(&out);
	strbuf_release(&errout);
	if (w->nstrategies == 0)
		for (c = contract; *c; c++)
			add_strategy(w, *c);
}

size_t
wz_masked(const struct wizard *w)
{
	size_t i, j, n = 0;

	for (i = 0; i < w->ntables; i++)
		if (w->tables[i].selected)
			for (j = 0; j < w->tables[i].ncols; j++)
				if (w->tables[i].cols[j].strategy)
					n++;
	return n;
}

int
wz_plan(struct wizard *w, struct conf_error *err)
{
	size_t i, j, exposed = 0, missing = 0;
	long long present = 0;
	PGconn *conn = db_connect(w->tgt.conninfo, "confiture wizard", err);

	if (conn == NULL)
		return -1;
	w->est_rows = w->est_bytes = 0;
	for (i = 0; i < w->ntables; i++) {
		struct wz_table *t = &w->tables[i];
		const char *params[1];
		PGresult *res;
		char *q, *sql;

		if (!t->selected)
			continue;
		w->est_rows += t->rows;
		w->est_bytes += t->bytes;
		for (j = 0; j < t->ncols; j++)
			if (t->cols[j].suggest && !t->cols[j].strategy)
				exposed++;
		params[0] = t->qname;
		if ((res = db_query(conn, "SELECT to_regclass(quote_ident(split_part($1, '.', 1)) || '.'"
		    " || quote_ident(split_part($1, '.', 2))) IS NOT NULL", 1, params, err)) == NULL)
			goto fail;
		t->target_rows = -1;
		if (PQgetvalue(res, 0, 0)[0] == 't') {
			PQclear(res);
			if ((q = db_quote_qualified(conn, t->qname, err)) == NULL)
				goto fail;
			sql = xstrfmt("SELECT count(*) FROM %s", q);
			res = db_query(conn, sql, 0, NULL, err);
			free(sql);
			free(q);
			if (res == NULL)
				goto fail;
			t->target_rows = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			present += t->target_rows;
		} else {
			missing++;
		}
		PQclear(res);
	}
	/*
	 * conf-apply --data truncates each table without CASCADE: a table of the
	 * target that references a copied one and is not copied makes it refuse.
	 */
	strbuf_reset(&w->blockers);
	{
		PGresult *res = db_query(conn, "SELECT DISTINCT kn.nspname || '.' || k.relname,"
		    " n.nspname || '.' || p.relname FROM pg_constraint c"
		    " JOIN pg_class p ON p.oid = c.confrelid JOIN pg_namespace n ON n.oid = p.relnamespace"
		    " JOIN pg_class k ON k.oid = c.conrelid JOIN pg_namespace kn ON kn.oid = k.relnamespace"
		    " WHERE c.contype = 'f' AND c.conrelid <> c.confrelid"
		    " ORDER BY 1", 0, NULL, err);
		int row;

		if (res == NULL)
			goto fail;
		for (row = 0; row < PQntuples(res); row++) {
			long parent = wz_table_find(w, PQgetvalue(res, row, 1));
			long child = wz_table_find(w, PQgetvalue(res, row, 0));

			if (parent >= 0 && w->tables[parent].selected && (child < 0 || !w->tables[child].selected))
				strbuf_addf(&w->blockers, "%s references %s\n", PQgetvalue(res, row, 0),
				    PQgetvalue(res, row, 1));
		}
		PQclear(res);
	}
	PQfinish(conn);
	/* Measured, not assumed: the copy rehearsed on samples (a target that would refuse, not). */
	if (missing == 0 && w->blockers.len == 0) {
		wz_rehearse(w);
	} else {
		w->est_seconds = -1;
		free(w->est_error);
		w->est_error = xstrdup("the target would refuse the copy");
	}
	w->risk = 0;
	if (exposed > 0 || present > 0 || w->est_rows > 1000000)
		w->risk = 1;
	if (w->tgt.production || missing > 0 || w->blockers.len > 0)
		w->risk = 2;
	return 0;
fail:
	PQfinish(conn);
	return -1;
}
