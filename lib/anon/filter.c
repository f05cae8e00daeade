/* filter: the anonymization profile, checked against the stream's table records, applied to its rows. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "anon/filter.h"
#include "record.h"

int
anon_profile_load(struct anon_profile *p, const char *path, struct conf_error *err)
{
	const struct ynode *root, *v, *d, *oe;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->on_error = ANON_ERR_FAIL;
	if (ytree_load_file(&p->tree, path, err) < 0)
		return -1;
	root = p->tree.root;
	if (root == NULL || root->type != YNODE_MAP)
		return conf_error_set(err, CONF_EXIT_USAGE, "%s:1: a profile is a mapping with \"version\" and \"tables\"", path);
	for (i = 0; i + 1 < root->nkids; i += 2) {
		const char *k = root->kids[i]->value;

		if (strcmp(k, "version") && strcmp(k, "tables") && strcmp(k, "defaults"))
			return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: unknown key \"%s\" in the profile",
			    path, root->kids[i]->line, k);
	}
	v = ynode_get(root, "version");
	if (v == NULL || strcmp(ynode_str(v, ""), "1") != 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: the profile needs \"version: 1\"",
		    path, v ? v->line : 1);
	p->tables = ynode_get(root, "tables");
	if (p->tables && ynode_is_null(p->tables))
		p->tables = NULL;
	if (p->tables && p->tables->type != YNODE_MAP)
		return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: \"tables\" must be a mapping of table names",
		    path, p->tables->line);
	for (i = 0; p->tables && i + 1 < p->tables->nkids; i += 2) {
		const struct ynode *t = p->tables->kids[i + 1];
		size_t j;

		if (t->type != YNODE_MAP)
			return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: table \"%s\" must map columns to rules",
			    path, t->line, p->tables->kids[i]->value);
		for (j = 1; j < t->nkids; j += 2)
			if (t->kids[j]->type != YNODE_MAP)
				return conf_error_set(err, CONF_EXIT_USAGE,
				    "%s:%d: the rule of column \"%s\" must be a mapping such as {strategy: email}",
				    path, t->kids[j]->line, t->kids[j - 1]->value);
	}
	if ((d = ynode_get(root, "defaults")) != NULL && (oe = ynode_get(d, "on_error")) != NULL &&
	    (p->on_error = anon_on_error_parse(ynode_str(oe, ""))) < 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "%s:%d: on_error must be fail, null, keep or drop_row",
		    path, oe->line);
	return 0;
}

void
anon_profile_release(struct anon_profile *p)
{
	ytree_release(&p->tree);
}

#define PLUGIN_DEPTH 4

struct span {
	size_t off, len;      /* the JSON token, quotes included */
	int isnull, esc;
};

struct slot {
	struct strbuf line;
	long lineno;
	int drop;
};

struct anon_ftable {
	char *schema, *name;
	struct anon_column *cols;
	size_t ncols;
	struct anon_rule **rule;      /* per column, NULL when it passes through */
	int nrules, has_plugin, needs_row;
	long rows_in, rows_out;
	/* plugin results per column, per slot */
	struct strbuf **pout, **perr;
	int **pnull;
	long pcap;
};

/* the reader and batch state of one run */
struct run {
	struct anon_filter *f;
	const char *name;
	FILE *out;
	long lineno, records_in, records_out;
	struct anon_ftable *cur;
	struct slot *slots;
	struct span *spans;           /* batch x ncols */
	size_t nslots, cap;
	size_t spancap;
	struct strbuf obuf, val, res, msg, canon;
	struct strbuf held;           /* records before the profile check, written after it */
	struct strbuf *rowvals;       /* decoded row, when a rule reads another column */
	const char **rowp;
	size_t *rowl;
	size_t rowcap;
};

void
anon_filter_init(struct anon_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->batch = 256;
}

static void
ftable_release(struct anon_ftable *t)
{
	size_t i;
	long j;

	for (i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type);
		if (t->rule[i]) {
			anon_rule_release(t->rule[i]);
			free(t->rule[i]);
		}
		if (t->pout && t->pout[i]) {
			for (j = 0; j < t->pcap; j++) {
				strbuf_release(&t->pout[i][j]);
				strbuf_release(&t->perr[i][j]);
			}
			free(t->pout[i]);
			free(t->perr[i]);
			free(t->pnull[i]);
		}
	}
	free(t->pout);
	free(t->perr);
	free(t->pnull);
	free(t->cols);
	free(t->rule);
	free(t->schema);
	free(t->name);
}

void
anon_filter_release(struct anon_filter *f)
{
	size_t i;

	for (i = 0; i < f->ntables; i++)
		ftable_release(&f->tables[i]);
	free(f->tables);
	f->tables = NULL;
	f->ntables = 0;
}

const char *
anon_pii_guess(const char *column)
{
	static const char *const exact[] = {
		"name", "ip", "dob", "ssn", "tel", "phone", "email", "mail", "mobile", "iban", "zip",
	};
	static const char *const part[] = {
		"email", "e_mail", "phone", "mobile", "first_name", "last_name", "full_name",
		"firstname", "lastname", "surname", "maiden", "address", "street", "postal", "postcode",
		"zipcode", "birth", "ssn", "social_security", "passport", "national_id", "tax_id",
		"iban", "card_number", "credit_card", "ip_addr", "ipaddr", "username", "user_name",
		"telephone",
	};
	static char low[128];
	size_t i;

	for (i = 0; column[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)column[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(low, exact[i]) == 0)
			return exact[i];
	for (i = 0; i < sizeof(part) / sizeof(part[0]); i++)
		if (strstr(low, part[i]))
			return part[i];
	return NULL;
}

static void
split_table_name(const char *qn, char **schema, char **name)
{
	const char *dot = strchr(qn, '.');

	if (dot) {
		*schema = xstrndup(qn, (size_t)(dot - qn));
		*name = xstrdup(dot + 1);
	} else {
		*schema = xstrdup("public");
		*name = xstrdup(qn);
	}
}

static struct anon_ftable *
find_table(struct anon_filter *f, const char *schema, const char *name)
{
	size_t i;

	for (i = 0; i < f->ntables; i++)
		if (strcmp(f->tables[i].schema, schema) == 0 && strcmp(f->tables[i].name, name) == 0)
			return &f->tables[i];
	return NULL;
}

static int
add_table(struct run *run, const cJSON *rec, struct conf_error *err)
{
	struct anon_filter *f = run->f;
	const char *schema = record_str(rec, "schema"), *name = record_str(rec, "name");
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(rec, "columns");
	const cJSON *uniq = cJSON_GetObjectItemCaseSensitive(rec, "unique");
	const cJSON *pk = cJSON_GetObjectItemCaseSensitive(rec, "primary_key");
	const cJSON *c, *set, *u;
	struct anon_ftable *t;
	size_t i;

	if (f->checked)
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "table record after the first rows at %s:%ld", run->name, run->lineno);
	if (name == NULL || !cJSON_IsArray(cols))
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "table record without \"name\" or \"columns\" at %s:%ld", run->name, run->lineno);
	if (schema == NULL)
		schema = "public";
	if (find_table(f, schema, name))
		return conf_error_set(err, CONF_EXIT_USAGE, "table %s.%s described twice at %s:%ld",
		    schema, name, run->name, run->lineno);
	f->tables = xrealloc(f->tables, (f->ntables + 1) * sizeof(*f->tables));
	t = &f->tables[f->ntables++];
	memset(t, 0, sizeof(*t));
	t->schema = xstrdup(schema);
	t->name = xstrdup(name);
	t->ncols = (size_t)cJSON_GetArraySize(cols);
	t->cols = xcalloc(t->ncols + 1, sizeof(*t->cols));
	t->rule = xcalloc(t->ncols + 1, sizeof(*t->rule));
	i = 0;
	cJSON_ArrayForEach(c, cols) {
		const char *cn = record_str(c, "name"), *ct = record_str(c, "type");
		const cJSON *ml = cJSON_GetObjectItemCaseSensitive(c, "max_length");

		if (cn == NULL)
			return conf_error_set(err, CONF_EXIT_USAGE, "column without a name in the table record at %s:%ld",
			    run->name, run->lineno);
		t->cols[i].name = xstrdup(cn);
		t->cols[i].type = xstrdup(ct ? ct : "text");
		t->cols[i].not_null = record_bool(c, "not_null", 0);
		t->cols[i].max_length = cJSON_IsNumber(ml) ? (long)ml->valuedouble : -1;
		i++;
	}
	for (set = uniq ? uniq->child : NULL; ; set = set->next) {
		const cJSON *s = set;

		if (s == NULL) {
			if (pk == NULL)
				break;
			s = pk;
			pk = NULL;
			set = NULL;
		}
		cJSON_ArrayForEach(u, s)
			for (i = 0; cJSON_IsString(u) && i < t->ncols; i++)
				if (strcmp(t->cols[i].name, u->valuestring) == 0)
					t->cols[i].unique = 1;
		if (set == NULL)
			break;
	}
	return 0;
}

static int
problem(struct anon_filter *f, int *n, const struct conf_error *e)
{
	char line[2700];

	snprintf(line, sizeof(line), "%s%s%s%s%s", e->message, e->detail[0] ? "\n" : "", e->detail,
	    e->hint[0] ? "\nhint: " : "", e->hint);
	if (f->report)
		f->report(line);
	(*n)++;
	return -1;
}

static int
fit_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	if (r->strategy && r->strategy->check)
		return r->strategy->check(r, col, err);
	if (anon_type_class(col->type) != ANON_T_TEXT && anon_type_class(col->type) != ANON_T_OTHER && r->strategy)
		return anon_rule_error(r, "strategy", err, "strategy \"%s\" writes text, which cannot fit %s column %s",
		    r->sname, col->type, r->label);
	if (r->max_out >= 0 && col->max_length >= 0 && r->max_out > col->max_length)
		return anon_rule_error(r, "strategy", err, "strategy \"%s\" writes up to %ld characters, which cannot fit %s column %s",
		    r->sname, r->max_out, col->type, r->label);
	return 0;
}

/* Check the profile against the table records and set up the rules: before the first row. */
static int
check_profile(struct run *run, struct conf_error *err)
{
	struct anon_filter *f = run->f;
	const struct ynode *tabs = f->profile ? f->profile->tables : NULL;
	const char *file = f->profile ? f->profile->tree.file : "";
	struct conf_error e = CONF_ERROR_INIT;
	int nprob = 0;
	size_t i, j, k;

	f->checked = 1;
	for (i = 0; tabs && i + 1 < tabs->nkids; i += 2) {
		const struct ynode *tk = tabs->kids[i], *tv = tabs->kids[i + 1];
		struct anon_ftable *t;
		char *schema, *name;

		split_table_name(tk->value, &schema, &name);
		t = find_table(f, schema, name);
		if (t == NULL) {
			conf_error_set(&e, CONF_EXIT_USAGE, "%s:%d: unknown table %s.%s: the stream has no table record for it",
			    file, tk->line, schema, name);
			problem(f, &nprob, &e);
		}
		free(schema);
		free(name);
		for (j = 0; t && j + 1 < tv->nkids; j += 2) {
			const struct ynode *ck = tv->kids[j], *cv = tv->kids[j + 1];
			struct anon_column *col = NULL;
			struct anon_rule *r;
			char *label;

			for (k = 0; k < t->ncols; k++)
				if (strcmp(t->cols[k].name, ck->value) == 0)
					col = &t->cols[k];
			if (col == NULL) {
				conf_error_set(&e, CONF_EXIT_USAGE, "%s:%d: unknown column \"%s\" in table %s.%s",
				    file, ck->line, ck->value, t->schema, t->name);
				problem(f, &nprob, &e);
				continue;
			}
			k = (size_t)(col - t->cols);
			if (t->rule[k]) {
				conf_error_set(&e, CONF_EXIT_USAGE, "%s:%d: column %s.%s.%s has two rules",
				    file, ck->line, t->schema, t->name, col->name);
				problem(f, &nprob, &e);
				continue;
			}
			r = xcalloc(1, sizeof(*r));
			label = xstrfmt("%s.%s.%s", t->schema, t->name, col->name);
			if (anon_rule_init(r, f->reg, f->key, &f->profile->tree, cv, label, f->profile->on_error,
			    t->cols, t->ncols, col, &e) < 0) {
				free(label);
				anon_rule_release(r);
				free(r);
				if (e.code == CONF_EXIT_HOOK) {
					*err = e;
					return -1;
				}
				problem(f, &nprob, &e);
				continue;
			}
			free(label);
			t->rule[k] = r;
			t->nrules++;
			if (r->plugin && anon_plugin_is_batch(r->plugin))
				t->has_plugin = 1;
			if (r->entity >= 0)
				t->needs_row = 1;
			if (fit_check(r, col, &e) < 0)
				problem(f, &nprob, &e);
			if (col->not_null && ((r->flags & ANON_MAY_NULL) || r->on_error == ANON_ERR_NULL)) {
				anon_rule_error(r, (r->flags & ANON_MAY_NULL) ? "strategy" : "on_error", &e,
				    "%s can make column %s NULL, but it is NOT NULL",
				    (r->flags & ANON_MAY_NULL) ? "the strategy" : "on_error: null", r->label);
				problem(f, &nprob, &e);
			}
			if (col->unique && !(r->flags & ANON_UNIQUE) && strcmp(r->sname, "null") != 0) {
				anon_rule_error(r, "strategy", &e,
				    "strategy \"%s\" can map two values to one, but column %s is UNIQUE",
				    r->sname, r->label);
				conf_error_hint(&e, "unique by construction: tokenize, int_range, phone, credit_card, iban, ip, email, uuid, hash (length >= 30)");
				problem(f, &nprob, &e);
			}
		}
	}
	if (nprob)
		return conf_error_set(err, CONF_EXIT_USAGE, "the profile %s does not fit the stream: %d problem%s",
		    file, nprob, nprob > 1 ? "s" : "");
	for (i = 0; i < f->ntables; i++) {
		struct anon_ftable *t = &f->tables[i];

		for (k = 0; k < t->ncols; k++) {
			const char *g = anon_pii_guess(t->cols[k].name);

			if (g && t->rule[k] == NULL) {
				conf_error_set(&e, 0, "%scolumn %s.%s.%s looks like personal data (%s) and has no rule",
				    f->strict ? "" : "warning: ", t->schema, t->name, t->cols[k].name, g);
				if (f->report)
					f->report(e.message);
				f->pii_unruled++;
			}
		}
	}
	if (f->strict && f->pii_unruled) {
		conf_error_set(err, CONF_EXIT_FINDINGS, "%ld column%s that look%s like personal data %s no rule (--strict)",
		    f->pii_unruled, f->pii_unruled > 1 ? "s" : "", f->pii_unruled > 1 ? "" : "s",
		    f->pii_unruled > 1 ? "have" : "has");
		conf_error_hint(err, "give each a rule, {strategy: keep} when it is not personal");
		return -1;
	}
	return 0;
}

/* ---- JSON values ---- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
put_utf8(struct strbuf *sb, unsigned long cp)
{
	if (cp < 0x80)
		strbuf_addch(sb, (int)cp);
	else if (cp < 0x800) {
		strbuf_addch(sb, (int)(0xc0 | cp >> 6));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (int)(0xe0 | cp >> 12));
		strbuf_addch(sb, (int)(0x80 | (cp >> 6 & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(sb, (int)(0xf0 | cp >> 18));
		strbuf_addch(sb, (int)(0x80 | (cp >> 12 & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp >> 6 & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	}
}

static unsigned long
hex4(const char *p)
{
	return (unsigned long)(hexval(p[0]) << 12 | hexval(p[1]) << 8 | hexval(p[2]) << 4 | hexval(p[3]));
}

/* Decode a JSON string token (with its quotes) that the scanner validated. */
static void
json_decode(const char *s, size_t len, struct strbuf *out)
{
	const char *p = s + 1, *end = s + len - 1;

	strbuf_reset(out);
	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));

		if (bs == NULL) {
			strbuf_add(out, p, (size_t)(end - p));
			break;
		}
		strbuf_add(out, p, (size_t)(bs - p));
		p = bs + 1;
		switch (*p) {
		case 'b': strbuf_addch(out, '\b'); break;
		case 'f': strbuf_addch(out, '\f'); break;
		case 'n': strbuf_addch(out, '\n'); break;
		case 'r': strbuf_addch(out, '\r'); break;
		case 't': strbuf_addch(out, '\t'); break;
		case 'u': {
			unsigned long cp = hex4(p + 1);

			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && p + 6 < end + 1 && p[1] == '\\' && p[2] == 'u') {
				unsigned long lo = hex4(p + 3);

				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					p += 6;
				}
			}
			put_utf8(out, cp);
			break;
		}
		default: strbuf_addch(out, *p); break;
		}
		p++;
	}
}

static void
json_encode(const char *s, size_t len, struct strbuf *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;

	strbuf_addch(out, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_add(out, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': strbuf_add(out, "\\\"", 2); break;
		case '\\': strbuf_add(out, "\\\\", 2); break;
		case '\n': strbuf_add(out, "\\n", 2); break;
		case '\r': strbuf_add(out, "\\r", 2); break;
		case '\t': strbuf_add(out, "\\t", 2); break;
		default:
			strbuf_add(out, "\\u00", 4);
			strbuf_addch(out, hex[c >> 4]);
			strbuf_addch(out, hex[c & 15]);
		}
	}
	strbuf_add(out, s + start, len - start);
	strbuf_addch(out, '"');
}

/* Scan a JSON string token at p; returns its end, or NULL when malformed. */
static const char *
scan_string(const char *p, const char *end, int *esc)
{
	p++;
	while (p < end) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			*esc = 1;
			if (++p >= end)
				return NULL;
			if (*p == 'u') {
				if (end - p < 5 || hexval(p[1]) < 0 || hexval(p[2]) < 0 || hexval(p[3]) < 0 || hexval(p[4]) < 0)
					return NULL;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p))
				return NULL;
		}
		p++;
	}
	return NULL;
}

/*
 * The fast path: `{"kind":"row","v":1,"r":[...]}` exactly as the extractor
 * writes it.  Fills spans (offsets into line) and returns the count of
 * values, or -1 when the line is not in that form (the slow path decides).
 */
static long
scan_row(const char *line, size_t len, struct span *sp, size_t cap, size_t *arr_start, size_t *arr_end)
{
	static const char pre[] = "{\"kind\":\"row\",";
	const char *p = line + sizeof(pre) - 1, *end = line + len, *q;
	long n = 0;

	if (len < sizeof(pre) || memcmp(line, pre, sizeof(pre) - 1) != 0)
		return -1;
	if (end - p > 5 && memcmp(p, "\"v\":1,", 6) == 0)
		p += 6;
	if (end - p < 5 || memcmp(p, "\"r\":[", 5) != 0)
		return -1;
	p += 5;
	*arr_start = (size_t)(p - line);
	if (p < end && *p == ']')
		goto close;
	for (;;) {
		int esc = 0;

		if (p >= end)
			return -1;
		if (*p == '"') {
			if ((q = scan_string(p, end, &esc)) == NULL)
				return -1;
		} else if (end - p >= 4 && memcmp(p, "null", 4) == 0)
			q = p + 4;
		else
			return -1;
		if ((size_t)n < cap) {
			sp[n].off = (size_t)(p - line);
			sp[n].len = (size_t)(q - p);
			sp[n].isnull = *p == 'n';
			sp[n].esc = esc;
		}
		n++;
		p = q;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == ']')
			break;
		return -1;
	}
close:
	*arr_end = (size_t)(p - line);
	p++;
	if (p >= end || *p != '}')
		return -1;
	p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p == end ? n : -1;
}

/* ---- rows ---- */

static struct anon_ftable *
table_for(struct run *run, const cJSON *rec, struct conf_error *err)
{
	const char *schema = record_str(rec, "schema"), *name = record_str(rec, "name");
	struct anon_ftable *t;

	t = find_table(run->f, schema ? schema : "public", name ? name : "");
	if (t == NULL)
		conf_error_set(err, CONF_EXIT_USAGE, "%s record for %s.%s, which has no table record, at %s:%ld",
		    record_kind(rec), schema ? schema : "public", name ? name : "?", run->name, run->lineno);
	return t;
}

static void
ensure_batch(struct run *run, size_t ncols)
{
	/* a table with plugin columns keeps PLUGIN_DEPTH requests per plugin in flight */
	size_t want = (size_t)(run->f->batch > 0 ? run->f->batch : 1) * PLUGIN_DEPTH;

	if (run->cap < want) {
		run->slots = xrealloc(run->slots, want * sizeof(*run->slots));
		for (; run->cap < want; run->cap++) {
			strbuf_init(&run->slots[run->cap].line, 0);
			run->slots[run->cap].drop = 0;
		}
	}
	if (run->spancap < want * (ncols + 1)) {
		run->spancap = want * (ncols + 1);
		run->spans = xrealloc(run->spans, run->spancap * sizeof(*run->spans));
	}
	if (run->rowcap < ncols + 1) {
		size_t i;

		run->rowvals = xrealloc(run->rowvals, (ncols + 1) * sizeof(*run->rowvals));
		for (i = run->rowcap; i < ncols + 1; i++)
			strbuf_init(&run->rowvals[i], 0);
		run->rowp = xrealloc(run->rowp, (ncols + 1) * sizeof(*run->rowp));
		run->rowl = xrealloc(run->rowl, (ncols + 1) * sizeof(*run->rowl));
		run->rowcap = ncols + 1;
	}
}

static int
value_error(struct run *run, struct anon_rule *r, long lineno, const char *why, struct conf_error *err)
{
	/* never the value itself: it is personal data */
	return conf_error_set(err, r->plugin ? CONF_EXIT_HOOK : CONF_EXIT_USAGE,
	    "%s at %s:%ld: %s", r->label, run->name, lineno, why);
}

static void
ensure_plugin_bufs(struct anon_ftable *t, size_t col, size_t n)
{
	size_t i;

	if (t->pout == NULL) {
		t->pout = xcalloc(t->ncols, sizeof(*t->pout));
		t->perr = xcalloc(t->ncols, sizeof(*t->perr));
		t->pnull = xcalloc(t->ncols, sizeof(*t->pnull));
	}
	if (t->pout[col] == NULL) {
		t->pout[col] = xcalloc(n + 1, sizeof(struct strbuf));
		t->perr[col] = xcalloc(n + 1, sizeof(struct strbuf));
		t->pnull[col] = xcalloc(n + 1, sizeof(int));
		for (i = 0; i < n; i++) {
			strbuf_init(&t->pout[col][i], 0);
			strbuf_init(&t->perr[col][i], 0);
		}
		t->pcap = (long)n;
	}
}

/* Rewrite and write every row of the batch. */
static int
flush_batch(struct run *run, struct conf_error *err)
{
	struct anon_ftable *t = run->cur;
	size_t nc = t->ncols, s, c;

	if (run->nslots == 0)
		return 0;
	if (t->has_plugin) {
		const char **vals = xcalloc(run->nslots, sizeof(char *));
		size_t *lens = xcalloc(run->nslots, sizeof(size_t));
		struct strbuf *dec = xcalloc(run->nslots, sizeof(struct strbuf));
		int rc = 0;

		/* send every plugin column's requests first, then read the answers: they work at once */
		for (c = 0; c < nc && rc == 0; c++) {
			struct anon_rule *r = t->rule[c];

			if (r == NULL || r->plugin == NULL || !anon_plugin_is_batch(r->plugin))
				continue;
			for (s = 0; s < run->nslots; s++) {
				struct span *sp = &run->spans[s * nc + c];

				strbuf_init(&dec[s], 0);
				vals[s] = NULL;
				lens[s] = 0;
				if (!sp->isnull) {
					json_decode(run->slots[s].line.buf + sp->off, sp->len, &dec[s]);
					vals[s] = dec[s].buf;
					lens[s] = dec[s].len;
				}
			}
			rc = anon_plugin_send(r->plugin, vals, lens, run->nslots, err);
			for (s = 0; s < run->nslots; s++)
				strbuf_release(&dec[s]);
		}
		free(vals);
		free(lens);
		free(dec);
		for (c = 0; c < nc && rc == 0; c++) {
			struct anon_rule *r = t->rule[c];

			if (r == NULL || r->plugin == NULL || !anon_plugin_is_batch(r->plugin))
				continue;
			ensure_plugin_bufs(t, c, run->cap);
			rc = anon_plugin_recv(r->plugin, run->nslots, t->pout[c], t->pnull[c], t->perr[c], err);
		}
		if (rc < 0)
			return -1;
	}
	for (s = 0; s < run->nslots; s++) {
		struct slot *sl = &run->slots[s];
		struct span *sp = &run->spans[s * nc];
		const char *line = sl->line.buf;
		size_t pos = 0;
		struct anon_row row = { NULL, NULL, 0 };
		int drop = 0;

		if (t->needs_row) {
			for (c = 0; c < nc; c++) {
				if (sp[c].isnull) {
					run->rowp[c] = NULL;
					run->rowl[c] = 0;
					continue;
				}
				json_decode(line + sp[c].off, sp[c].len, &run->rowvals[c]);
				run->rowp[c] = run->rowvals[c].buf;
				run->rowl[c] = run->rowvals[c].len;
			}
			row.val = run->rowp;
			row.len = run->rowl;
			row.n = nc;
		}
		strbuf_reset(&run->obuf);
		for (c = 0; c < nc && !drop; c++) {
			struct anon_rule *r = t->rule[c];
			int rc;

			if (r == NULL || sp[c].isnull)
				continue;
			strbuf_reset(&run->msg);
			if (r->plugin && anon_plugin_is_batch(r->plugin)) {
				rc = t->perr[c][s].len ? ANON_ERROR : t->pnull[c][s] ? ANON_SQLNULL : ANON_VALUE;
				if (rc == ANON_ERROR)
					strbuf_addstr(&run->msg, t->perr[c][s].buf);
				else if (rc == ANON_VALUE) {
					strbuf_reset(&run->res);
					strbuf_add(&run->res, t->pout[c][s].buf, t->pout[c][s].len);
				}
			} else {
				if (sp[c].esc)
					json_decode(line + sp[c].off, sp[c].len, &run->val);
				else {
					strbuf_reset(&run->val);
					strbuf_add(&run->val, line + sp[c].off + 1, sp[c].len - 2);
				}
				rc = anon_rule_apply(r, t->needs_row ? &row : NULL, run->val.buf, run->val.len,
				    &run->res, &run->msg);
			}
			if (rc == ANON_ERROR) {
				switch (r->on_error) {
				case ANON_ERR_FAIL:
					return value_error(run, r, sl->lineno, run->msg.buf, err);
				case ANON_ERR_NULL:
					rc = ANON_SQLNULL;
					break;
				case ANON_ERR_KEEP:
					continue;
				case ANON_ERR_DROP_ROW:
					drop = 1;
					continue;
				}
			}
			strbuf_add(&run->obuf, line + pos, sp[c].off - pos);
			if (rc == ANON_SQLNULL)
				strbuf_add(&run->obuf, "null", 4);
			else
				json_encode(run->res.buf, run->res.len, &run->obuf);
			pos = sp[c].off + sp[c].len;
		}
		if (drop) {
			run->f->dropped++;
			continue;
		}
		strbuf_add(&run->obuf, line + pos, sl->line.len - pos);
		strbuf_addch(&run->obuf, '\n');
		if (fwrite(run->obuf.buf, 1, run->obuf.len, run->out) != run->obuf.len)
			return conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s", strerror(errno));
		t->rows_out++;
		run->records_out++;
	}
	run->nslots = 0;
	return 0;
}

static int
write_line(struct run *run, const char *line, size_t len, struct conf_error *err)
{
	if (!run->f->checked) {
		strbuf_add(&run->held, line, len);
		strbuf_addch(&run->held, '\n');
		run->records_out++;
		return 0;
	}
	if (run->held.len) {
		if (fwrite(run->held.buf, 1, run->held.len, run->out) != run->held.len)
			return conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s", strerror(errno));
		strbuf_release(&run->held);
	}
	if (fwrite(line, 1, len, run->out) != len || putc('\n', run->out) == EOF)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s", strerror(errno));
	run->records_out++;
	return 0;
}

static int
do_row(struct run *run, const char *line, size_t len, struct conf_error *err)
{
	struct anon_ftable *t = run->cur;
	size_t as, ae;
	long n;
	struct slot *sl;

	if (t == NULL)
		return conf_error_set(err, CONF_EXIT_USAGE, "row outside rows_begin/rows_end at %s:%ld",
		    run->name, run->lineno);
	ensure_batch(run, t->ncols);
	n = scan_row(line, len, run->spans + run->nslots * t->ncols, t->ncols, &as, &ae);
	if (n < 0) {
		/* not in the extractor's exact form: normalise it through cJSON */
		cJSON *rec = cJSON_ParseWithLength(line, len), *r;
		char *arr;

		r = rec ? cJSON_GetObjectItemCaseSensitive(rec, "r") : NULL;
		if (!cJSON_IsArray(r)) {
			cJSON_Delete(rec);
			return conf_error_set(err, CONF_EXIT_USAGE, "malformed row at %s:%ld", run->name, run->lineno);
		}
		arr = cJSON_PrintUnformatted(r);
		cJSON_Delete(rec);
		strbuf_reset(&run->canon);
		strbuf_addf(&run->canon, "{\"kind\":\"row\",\"v\":1,\"r\":%s}", arr);
		cJSON_free(arr);
		n = scan_row(run->canon.buf, run->canon.len, run->spans + run->nslots * t->ncols, t->ncols, &as, &ae);
		if (n < 0)
			return conf_error_set(err, CONF_EXIT_USAGE, "row values must be strings or null at %s:%ld",
			    run->name, run->lineno);
		line = run->canon.buf;
		len = run->canon.len;
	}
	if ((size_t)n != t->ncols)
		return conf_error_set(err, CONF_EXIT_USAGE, "row of %ld values for the %zu columns of %s.%s at %s:%ld",
		    n, t->ncols, t->schema, t->name, run->name, run->lineno);
	t->rows_in++;
	if (t->nrules == 0) {
		t->rows_out++;
		return write_line(run, line, len, err);
	}
	sl = &run->slots[run->nslots++];
	strbuf_reset(&sl->line);
	strbuf_add(&sl->line, line, len);
	sl->lineno = run->lineno;
	if (!t->has_plugin || run->nslots >= run->cap)
		return flush_batch(run, err);
	return 0;
}

static int
do_record(struct run *run, const char *line, size_t len, int *saw_end, struct conf_error *err)
{
	const char *kind, *endp;
	cJSON *rec = cJSON_ParseWithLengthOpts(line, len, &endp, 0);
	const cJSON *v;
	int rc = 0;

	if (rec == NULL || !cJSON_IsObject(rec) || (kind = record_str(rec, "kind")) == NULL || !*kind) {
		cJSON_Delete(rec);
		return conf_error_set(err, CONF_EXIT_USAGE, "%s at %s:%ld",
		    rec ? "record without a \"kind\"" : "malformed JSON", run->name, run->lineno);
	}
	while (*endp == ' ' || *endp == '\t')
		endp++;
	v = cJSON_GetObjectItemCaseSensitive(rec, "v");
	if ((size_t)(endp - line) != len || (v && (!cJSON_IsNumber(v) || v->valuedouble > CONF_PROTOCOL_VERSION))) {
		cJSON_Delete(rec);
		return conf_error_set(err, CONF_EXIT_USAGE, "%s at %s:%ld",
		    v ? "unsupported protocol version or trailing data" : "trailing data", run->name, run->lineno);
	}
	if (strcmp(kind, "row") == 0) {
		cJSON_Delete(rec);
		run->records_in++;
		return do_row(run, line, len, err);
	}
	if (strcmp(kind, "end") == 0) {
		long want = (long)record_num(rec, "records", -1);

		cJSON_Delete(rec);
		if (want >= 0 && want != run->records_in)
			return conf_error_set(err, CONF_EXIT_USAGE, "end record at %s:%ld counts %ld records, %ld arrived",
			    run->name, run->lineno, want, run->records_in);
		if (run->cur)
			return conf_error_set(err, CONF_EXIT_USAGE, "end record inside the rows of %s.%s at %s:%ld",
			    run->cur->schema, run->cur->name, run->name, run->lineno);
		if (!run->f->checked && check_profile(run, err) < 0)
			return -1;
		*saw_end = 1;
		return 0;
	}
	run->records_in++;
	if (strcmp(kind, "table") == 0)
		rc = add_table(run, rec, err);
	else if (strcmp(kind, "rows_begin") == 0) {
		if (!run->f->checked && check_profile(run, err) < 0)
			rc = -1;
		else if (run->cur)
			rc = conf_error_set(err, CONF_EXIT_USAGE, "rows_begin inside the rows of %s.%s at %s:%ld",
			    run->cur->schema, run->cur->name, run->name, run->lineno);
		else if ((run->cur = table_for(run, rec, err)) == NULL)
			rc = -1;
	} else if (strcmp(kind, "rows_end") == 0) {
		struct anon_ftable *t = run->cur;
		long want = (long)record_num(rec, "rows", -1);

		if (t == NULL || t != table_for(run, rec, err))
			rc = conf_error_set(err, CONF_EXIT_USAGE, "rows_end without its rows_begin at %s:%ld",
			    run->name, run->lineno);
		else if (want != t->rows_in)
			rc = conf_error_set(err, CONF_EXIT_USAGE, "rows_end at %s:%ld counts %ld rows of %s.%s, %ld arrived",
			    run->name, run->lineno, want, t->schema, t->name, t->rows_in);
		else if (flush_batch(run, err) < 0)
			rc = -1;
		else {
			run->cur = NULL;
			if (t->rows_out != t->rows_in) {
				/* rows were dropped: the count downstream is ours */
				char *text;

				cJSON_ReplaceItemInObjectCaseSensitive(rec, "rows", cJSON_CreateNumber((double)t->rows_out));
				text = cJSON_PrintUnformatted(rec);
				rc = write_line(run, text, strlen(text), err);
				cJSON_free(text);
			} else
				rc = write_line(run, line, len, err);
			t->rows_in = t->rows_out = 0;
			cJSON_Delete(rec);
			return rc;
		}
	}
	cJSON_Delete(rec);
	if (rc < 0)
		return -1;
	return write_line(run, line, len, err);
}

int
anon_filter_run(struct anon_filter *f, FILE *in, const char *name, FILE *out,
    struct conf_error *err)
{
	struct run run;
	char *line = NULL;
	size_t cap = 0, i, j;
	ssize_t n;
	int saw_end = 0, rc = 0;

	memset(&run, 0, sizeof(run));
	run.f = f;
	run.name = name;
	run.out = out;
	strbuf_init(&run.obuf, 256);
	strbuf_init(&run.val, 64);
	strbuf_init(&run.res, 64);
	strbuf_init(&run.msg, 0);
	strbuf_init(&run.canon, 0);
	strbuf_init(&run.held, 0);
	while ((n = getline(&line, &cap, in)) >= 0) {
		size_t len = (size_t)n;

		run.lineno++;
		if (len && line[len - 1] == '\n')
			len--;
		if (len && line[len - 1] == '\r')
			len--;
		if (len == 0)
			continue;
		if (saw_end) {
			rc = conf_error_set(err, CONF_EXIT_USAGE, "record after the end record at %s:%ld",
			    name, run.lineno);
			break;
		}
		if (run.cur && len > 14 && memcmp(line, "{\"kind\":\"row\",", 14) == 0) {
			run.records_in++;
			rc = do_row(&run, line, len, err);
		} else
			rc = do_record(&run, line, len, &saw_end, err);
		if (rc < 0)
			break;
	}
	if (rc == 0 && ferror(in))
		rc = conf_error_set(err, CONF_EXIT_USAGE, "could not read %s: %s", name, strerror(errno));
	if (rc == 0 && !saw_end) {
		conf_error_set(err, CONF_EXIT_USAGE, "%s ended without its end record after %ld records",
		    name, run.records_in);
		if (run.cur)
			conf_error_detail(err, "the stream is truncated: the rows of %s.%s were not passed on as complete",
			    run.cur->schema, run.cur->name);
		else
			conf_error_detail(err, "the stream is truncated");
		rc = -1;
	}
	if (rc == 0 && run.held.len && fwrite(run.held.buf, 1, run.held.len, out) != run.held.len)
		rc = conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s", strerror(errno));
	if (rc == 0 && record_write_end(out, run.records_out) < 0)
		rc = conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s", strerror(errno));
	/* stop co-processes cleanly (on failure they are killed by anon_filter_release) */
	for (i = 0; rc == 0 && i < f->ntables; i++)
		for (j = 0; j < f->tables[i].ncols; j++)
			if (f->tables[i].rule[j] && f->tables[i].rule[j]->plugin &&
			    anon_plugin_stop(f->tables[i].rule[j]->plugin, err) < 0) {
				rc = -1;
				break;
			}
	free(line);
	for (i = 0; i < run.cap; i++)
		strbuf_release(&run.slots[i].line);
	free(run.slots);
	free(run.spans);
	for (i = 0; i < run.rowcap; i++)
		strbuf_release(&run.rowvals[i]);
	free(run.rowvals);
	free(run.rowp);
	free(run.rowl);
	strbuf_release(&run.obuf);
	strbuf_release(&run.val);
	strbuf_release(&run.res);
	strbuf_release(&run.msg);
	strbuf_release(&run.canon);
	strbuf_release(&run.held);
	return rc;
}
