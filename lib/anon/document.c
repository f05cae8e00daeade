/* document strategies: json_path (a strategy per path in json/jsonb) and text_scrub (PII found in free text). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "anon/strategy.h"

/* json_path */
struct jpath {
	char **seg;           /* keys; "*" for every element of an array */
	size_t nseg;
	struct anon_rule rule;
};

struct jstate {
	struct jpath *paths;
	size_t n;
	struct strbuf in, out, msg;
};

static const struct anon_param jp_params[] = {
	{ "paths", ANON_P_MAP, "path ($.a.b, $.items[*].c) -> {strategy: ..., params}" },
	{ NULL, 0, NULL }
};

static int
split_path(const char *p, struct jpath *jp)
{
	const char *s = p;

	if (*s == '$')
		s++;
	while (*s) {
		size_t n;

		if (*s == '.') {
			s++;
			continue;
		}
		if (strncmp(s, "[*]", 3) == 0) {
			n = 3;
			jp->seg = xrealloc(jp->seg, (jp->nseg + 1) * sizeof(char *));
			jp->seg[jp->nseg++] = xstrdup("*");
			s += n;
			continue;
		}
		n = strcspn(s, ".[");
		if (n == 0)
			return -1;
		jp->seg = xrealloc(jp->seg, (jp->nseg + 1) * sizeof(char *));
		jp->seg[jp->nseg++] = xstrndup(s, n);
		s += n;
	}
	return jp->nseg ? 0 : -1;
}

static int
jp_init(struct anon_rule *r, struct conf_error *err)
{
	struct jstate *js = xcalloc(1, sizeof(*js));
	const struct ynode *paths = anon_param_node(r, "paths");
	size_t i;

	r->state = js;
	if (paths == NULL || paths->nkids == 0)
		return anon_rule_error(r, NULL, err, "strategy \"json_path\" needs \"paths\"");
	js->paths = xcalloc(paths->nkids / 2, sizeof(*js->paths));
	for (i = 0; i + 1 < paths->nkids; i += 2) {
		struct jpath *jp = &js->paths[js->n++];
		char *label = xstrfmt("%s%s", r->label, paths->kids[i]->value);
		int rc;

		if (split_path(paths->kids[i]->value, jp) < 0) {
			free(label);
			return anon_rule_error(r, "paths", err, "bad path \"%s\"", paths->kids[i]->value);
		}
		rc = anon_rule_init(&jp->rule, NULL, r->key, r->tree, paths->kids[i + 1], label,
		    r->on_error, NULL, 0, NULL, err);
		free(label);
		if (rc < 0)
			return -1;
		if (jp->rule.flags & ANON_MAY_NULL)
			r->flags |= ANON_MAY_NULL;
	}
	return 0;
}

static int
jp_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	enum anon_type_class c = anon_type_class(col->type);

	if (c == ANON_T_JSON || c == ANON_T_TEXT)
		return 0;
	return anon_rule_error(r, "strategy", err, "strategy \"json_path\" rewrites JSON documents, which %s column %s does not hold",
	    col->type, r->label);
}

static int
jp_walk(struct jstate *js, struct jpath *jp, cJSON *node, size_t depth)
{
	cJSON *it;
	int rc;

	if (node == NULL)
		return 0;
	if (depth == jp->nseg) {
		if (cJSON_IsString(node) || cJSON_IsNumber(node)) {
			strbuf_reset(&js->in);
			if (cJSON_IsString(node))
				strbuf_addstr(&js->in, node->valuestring);
			else {
				char *t = cJSON_PrintUnformatted(node);

				strbuf_addstr(&js->in, t);
				cJSON_free(t);
			}
			rc = anon_rule_apply(&jp->rule, NULL, js->in.buf, js->in.len, &js->out, &js->msg);
			if (rc == ANON_ERROR)
				return -1;
			if (rc == ANON_SQLNULL) {
				if (cJSON_IsString(node)) {
					cJSON_free(node->valuestring);
					node->valuestring = NULL;
				}
				node->type = cJSON_NULL;
				return 0;
			}
			if (cJSON_IsString(node))
				cJSON_SetValuestring(node, js->out.buf);
			else
				cJSON_SetNumberValue(node, strtod(js->out.buf, NULL));
		}
		return 0;
	}
	if (strcmp(jp->seg[depth], "*") == 0) {
		if (!cJSON_IsArray(node))
			return 0;
		cJSON_ArrayForEach(it, node)
			if (jp_walk(js, jp, it, depth + 1) < 0)
				return -1;
		return 0;
	}
	if (!cJSON_IsObject(node))
		return 0;
	it = cJSON_GetObjectItemCaseSensitive(node, jp->seg[depth]);
	return jp_walk(js, jp, it, depth + 1);
}

static int
jp_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct jstate *js = r->state;
	cJSON *doc = cJSON_ParseWithLength(in, len);
	char *text;
	size_t i;

	(void)row;
	if (doc == NULL) {
		strbuf_addstr(msg, "not a JSON document");
		return ANON_ERROR;
	}
	for (i = 0; i < js->n; i++) {
		strbuf_reset(&js->msg);
		if (jp_walk(js, &js->paths[i], doc, 0) < 0) {
			strbuf_addf(msg, "at a path: %s", js->msg.buf);
			cJSON_Delete(doc);
			return ANON_ERROR;
		}
	}
	text = cJSON_PrintUnformatted(doc);
	strbuf_addstr(out, text);
	cJSON_free(text);
	cJSON_Delete(doc);
	return ANON_VALUE;
}

static void
jp_release(struct anon_rule *r)
{
	struct jstate *js = r->state;
	size_t i, j;

	if (js == NULL)
		return;
	for (i = 0; i < js->n; i++) {
		for (j = 0; j < js->paths[i].nseg; j++)
			free(js->paths[i].seg[j]);
		free(js->paths[i].seg);
		anon_rule_release(&js->paths[i].rule);
	}
	free(js->paths);
	strbuf_release(&js->in);
	strbuf_release(&js->out);
	strbuf_release(&js->msg);
	free(js);
	r->state = NULL;
}

const struct anon_strategy anon_json_path = {
	"json_path", "json/jsonb: apply a strategy to the values at given paths", jp_params,
	ANON_DETERMINISTIC | ANON_KEYED, jp_init, jp_check, jp_apply, jp_release
};

/* text_scrub */
struct scrub {
	int emails, phones, cards;
};

static const struct anon_param scrub_params[] = {
	{ "emails", ANON_P_BOOL, "replace email addresses (true)" },
	{ "phones", ANON_P_BOOL, "replace phone numbers: 7 to 15 digits (true)" },
	{ "cards", ANON_P_BOOL, "replace Luhn-valid card numbers (true)" },
	{ NULL, 0, NULL }
};

static int
scrub_init(struct anon_rule *r, struct conf_error *err)
{
	struct scrub *s = xcalloc(1, sizeof(*s));

	r->state = s;
	if (anon_param_bool(r, "emails", 1, &s->emails, err) < 0 ||
	    anon_param_bool(r, "phones", 1, &s->phones, err) < 0 ||
	    anon_param_bool(r, "cards", 1, &s->cards, err) < 0)
		return -1;
	return 0;
}

static int
local_char(int c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static int
scrub_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct scrub *s = r->state;
	size_t i = 0, j, k;

	(void)row; (void)msg;
	while (i < len) {
		int c = (unsigned char)in[i];
		int prev = i ? (unsigned char)in[i - 1] : ' ';

		if (s->emails && local_char(c) && !local_char(prev)) {
			int dot = 0;

			for (j = i; j < len && local_char((unsigned char)in[j]); j++)
				;
			if (j < len && in[j] == '@' && j > i) {
				for (k = j + 1; k < len && (isalnum((unsigned char)in[k]) || in[k] == '.' || in[k] == '-'); k++)
					dot |= in[k] == '.';
				while (k > j + 1 && in[k - 1] == '.')
					k--;
				if (dot && k > j + 1 && memchr(in + j + 1, '.', k - j - 1)) {
					anon_tokenize(&r->dk, in + i, k - i, 1, 0, out);
					i = k;
					continue;
				}
			}
		}
		if ((isdigit(c) || (c == '+' && i + 1 < len && isdigit((unsigned char)in[i + 1]))) &&
		    !isalnum(prev)) {
			unsigned char d[32];
			size_t nd = 0, last = i;

			for (j = i; j < len; j++) {
				int x = (unsigned char)in[j];

				if (isdigit(x)) {
					if (nd < sizeof(d))
						d[nd] = (unsigned char)(x - '0');
					nd++;
					last = j + 1;
				} else if (!(x == ' ' || x == '-' || x == '.' || x == '(' || x == ')' || (x == '+' && j == i)) ||
				    (x == ' ' && j + 1 < len && in[j + 1] == ' '))
					break;
			}
			if (last < len && isalpha((unsigned char)in[last]))
				nd = 0;   /* part of a word: leave it */
			if (s->cards && nd >= 13 && nd <= 19 && anon_luhn_digit(d, nd - 1) == d[nd - 1]) {
				unsigned char rx[32];
				char shape[8];
				size_t m = 0;

				memcpy(shape, d, 6);
				shape[6] = (char)nd;
				memset(rx, 10, sizeof(rx));
				anon_perm_digits(&r->dk, shape, 7, d + 6, rx, nd - 7);
				d[nd - 1] = (unsigned char)anon_luhn_digit(d, nd - 1);
				for (k = i; k < last; k++)
					strbuf_addch(out, isdigit((unsigned char)in[k]) ? '0' + d[m++] : in[k]);
				i = last;
				continue;
			}
			if (s->phones && nd >= 7 && nd <= 15) {
				anon_tokenize(&r->dk, in + i, last - i, 0, 0, out);
				i = last;
				continue;
			}
			if (nd > 0) {
				strbuf_add(out, in + i, last - i);
				i = last;
				continue;
			}
		}
		strbuf_addch(out, c);
		i++;
	}
	return ANON_VALUE;
}

static void
free_state(struct anon_rule *r)
{
	free(r->state);
	r->state = NULL;
}

const struct anon_strategy anon_text_scrub = {
	"text_scrub", "free text: emails, phone numbers and Luhn-valid card numbers replaced in place (same length)",
	scrub_params, ANON_DETERMINISTIC | ANON_KEYED, scrub_init, NULL, scrub_apply, free_state
};
