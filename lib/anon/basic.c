/* basic strategies: keep, null, constant, mask, hash, choice, regex_replace, name. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "anon/strategy.h"

static const struct anon_param no_params[] = { { NULL, 0, NULL } };

static int
text_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	if (anon_type_class(col->type) != ANON_T_TEXT)
		return anon_rule_error(r, "strategy", err,
		    "strategy \"%s\" writes text, which cannot fit %s column %s", r->sname, col->type, r->label);
	if (r->max_out >= 0 && col->max_length >= 0 && r->max_out > col->max_length)
		return anon_rule_error(r, "strategy", err,
		    "strategy \"%s\" writes up to %ld characters, which cannot fit %s column %s",
		    r->sname, r->max_out, col->type, r->label);
	return 0;
}

/* keep */
static int
keep_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	(void)r; (void)row; (void)msg;
	strbuf_add(out, in, len);
	return ANON_VALUE;
}

static int
any_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	(void)r; (void)col; (void)err;
	return 0;
}

const struct anon_strategy anon_keep = {
	"keep", "pass the value through unchanged", no_params,
	ANON_DETERMINISTIC | ANON_UNIQUE, NULL, any_check, keep_apply, NULL
};

/* null */
static int
null_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	(void)r; (void)row; (void)in; (void)len; (void)out; (void)msg;
	return ANON_SQLNULL;
}

const struct anon_strategy anon_null = {
	"null", "replace every value with NULL", no_params,
	ANON_DETERMINISTIC | ANON_MAY_NULL, NULL, any_check, null_apply, NULL
};

/* constant */
static const struct anon_param constant_params[] = {
	{ "value", ANON_P_STRING, "the value written instead (required)" },
	{ NULL, 0, NULL }
};

static int
constant_init(struct anon_rule *r, struct conf_error *err)
{
	const char *v = anon_param_str(r, "value", NULL);

	if (v == NULL)
		return anon_rule_error(r, NULL, err, "strategy \"constant\" needs a \"value\"");
	r->state = (void *)v;
	r->max_out = (long)anon_utf8_len(v, strlen(v));
	return 0;
}

static int
constant_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	if (col->max_length >= 0 && r->max_out > col->max_length)
		return anon_rule_error(r, "value", err, "constant of %ld characters cannot fit %s column %s",
		    r->max_out, col->type, r->label);
	return 0;
}

static int
constant_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	(void)row; (void)in; (void)len; (void)msg;
	strbuf_addstr(out, r->state);
	return ANON_VALUE;
}

const struct anon_strategy anon_constant = {
	"constant", "replace every value with one constant", constant_params,
	ANON_DETERMINISTIC, constant_init, constant_check, constant_apply, NULL
};

/* mask */
struct mask {
	long first, last;
	char ch[8];
};

static const struct anon_param mask_params[] = {
	{ "keep_first", ANON_P_INT, "characters kept at the start (0)" },
	{ "keep_last", ANON_P_INT, "characters kept at the end (0)" },
	{ "char", ANON_P_STRING, "the masking character (*)" },
	{ NULL, 0, NULL }
};

static int
mask_init(struct anon_rule *r, struct conf_error *err)
{
	struct mask *m = xcalloc(1, sizeof(*m));
	const char *c = anon_param_str(r, "char", "*");

	r->state = m;
	if (anon_param_long(r, "keep_first", 0, &m->first, err) < 0 ||
	    anon_param_long(r, "keep_last", 0, &m->last, err) < 0)
		return -1;
	if (m->first < 0 || m->last < 0)
		return anon_rule_error(r, NULL, err, "keep_first and keep_last cannot be negative");
	if (anon_utf8_len(c, strlen(c)) != 1 || strlen(c) >= sizeof(m->ch))
		return anon_rule_error(r, "char", err, "parameter \"char\" must be one character");
	strcpy(m->ch, c);
	return 0;
}

static int
mask_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct mask *m = r->state;
	size_t n = anon_utf8_len(in, len), i = 0, pos = 0;

	(void)row; (void)msg;
	while (pos < len) {
		size_t clen = 1;

		while (pos + clen < len && ((unsigned char)in[pos + clen] & 0xc0) == 0x80)
			clen++;
		if ((long)i < m->first || (long)(n - i) <= m->last)
			strbuf_add(out, in + pos, clen);
		else
			strbuf_addstr(out, m->ch);
		pos += clen;
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

const struct anon_strategy anon_mask = {
	"mask", "hide characters, keeping the first and last ones asked for (alias: redact)", mask_params,
	ANON_DETERMINISTIC, mask_init, text_check, mask_apply, free_state
};

/* hash */
struct hash {
	long length;
	int base32;
};

static const struct anon_param hash_params[] = {
	{ "length", ANON_P_INT, "characters of output (32)" },
	{ "encoding", ANON_P_STRING, "hex or base32 (hex)" },
	{ NULL, 0, NULL }
};

static int
hash_init(struct anon_rule *r, struct conf_error *err)
{
	struct hash *h = xcalloc(1, sizeof(*h));
	const char *enc = anon_param_str(r, "encoding", "hex");

	r->state = h;
	if (anon_param_long(r, "length", 32, &h->length, err) < 0)
		return -1;
	if (strcmp(enc, "hex") && strcmp(enc, "base32"))
		return anon_rule_error(r, "encoding", err, "encoding must be hex or base32, not \"%s\"", enc);
	h->base32 = enc[0] == 'b';
	if (h->length < 4 || h->length > 64)
		return anon_rule_error(r, "length", err, "length must be between 4 and 64");
	r->max_out = h->length;
	if (h->length * (h->base32 ? 5 : 4) < 120)
		r->flags &= ~ANON_UNIQUE;
	return 0;
}

static int
hash_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	static const char hex[] = "0123456789abcdef";
	struct hash *h = r->state;
	unsigned char b[40];
	long i;

	(void)row; (void)msg;
	anon_prf_bytes(&r->dk, 0x68617368, in, len, b, sizeof(b));
	if (h->base32) {
		anon_base32(b, (size_t)h->length * 5, out);
		return ANON_VALUE;
	}
	for (i = 0; i < h->length; i++)
		strbuf_addch(out, hex[(b[i / 2] >> (i % 2 ? 0 : 4)) & 15]);
	return ANON_VALUE;
}

const struct anon_strategy anon_hash = {
	"hash", "keyed HMAC-style hash (hex or base32); unique from 120 bits (hex length 30)", hash_params,
	ANON_DETERMINISTIC | ANON_UNIQUE | ANON_KEYED, hash_init, text_check, hash_apply, free_state
};

void
anon_base32(const unsigned char *bytes, size_t nbits, struct strbuf *out)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	size_t i, n = nbits / 5, bit = 0;
	char *o;

	strbuf_grow(out, n);
	o = out->buf + out->len;
	for (i = 0; i < n; i++, bit += 5) {
		/* the 5 bits at bit offset `bit`, most significant first */
		unsigned w = (unsigned)bytes[bit / 8] << 8 | (bit / 8 + 1 < (nbits + 7) / 8 ? bytes[bit / 8 + 1] : 0);

		o[i] = b32[(w >> (11 - bit % 8)) & 31];
	}
	out->len += n;
	out->buf[out->len] = '\0';
}

/* choice / dict */
struct choice {
	const struct ynode *list;
	const struct ynode *map;
	const char *def;
};

static const struct anon_param choice_params[] = {
	{ "values", ANON_P_LIST, "pick one of these, keyed by the input" },
	{ "map", ANON_P_MAP, "replace each listed value by its mapping" },
	{ "default", ANON_P_STRING, "with map: the value for inputs not in it (else kept)" },
	{ NULL, 0, NULL }
};

static int
choice_init(struct anon_rule *r, struct conf_error *err)
{
	struct choice *c = xcalloc(1, sizeof(*c));
	size_t i;
	long m = 0;

	r->state = c;
	c->list = anon_param_node(r, "values");
	c->map = anon_param_node(r, "map");
	c->def = anon_param_str(r, "default", NULL);
	if ((c->list == NULL) == (c->map == NULL))
		return anon_rule_error(r, NULL, err, "strategy \"%s\" needs either \"values\" or \"map\"", r->sname);
	if (c->list && c->list->nkids == 0)
		return anon_rule_error(r, "values", err, "\"values\" is empty");
	if (c->list) {
		for (i = 0; i < c->list->nkids; i++) {
			const char *v = ynode_str(c->list->kids[i], NULL);

			if (v == NULL)
				return anon_rule_error(r, "values", err, "\"values\" must hold scalars");
			if ((long)anon_utf8_len(v, strlen(v)) > m)
				m = (long)anon_utf8_len(v, strlen(v));
		}
		r->max_out = m;
	} else {
		for (i = 1; i < c->map->nkids; i += 2)
			if (ynode_str(c->map->kids[i], NULL) == NULL)
				return anon_rule_error(r, "map", err, "\"map\" must map scalars to scalars");
		r->flags &= ~ANON_KEYED;
	}
	return 0;
}

static int
choice_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct choice *c = r->state;
	size_t i;

	(void)row; (void)msg;
	if (c->list) {
		uint64_t h = anon_prf64(&r->dk, 0x63686f696365, in, len);

		strbuf_addstr(out, c->list->kids[h % c->list->nkids]->value);
		return ANON_VALUE;
	}
	for (i = 0; i + 1 < c->map->nkids; i += 2)
		if (strcmp(c->map->kids[i]->value, in) == 0) {
			strbuf_addstr(out, c->map->kids[i + 1]->value);
			return ANON_VALUE;
		}
	if (c->def)
		strbuf_addstr(out, c->def);
	else
		strbuf_add(out, in, len);
	return ANON_VALUE;
}

static int
choice_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	if (col->max_length >= 0 && r->max_out > col->max_length)
		return anon_rule_error(r, "values", err, "a value of %ld characters cannot fit %s column %s",
		    r->max_out, col->type, r->label);
	return 0;
}

const struct anon_strategy anon_choice = {
	"choice", "pick from a list (keyed) or map values through a dictionary (alias: dict)", choice_params,
	ANON_DETERMINISTIC | ANON_KEYED, choice_init, choice_check, choice_apply, free_state
};

/* regex_replace */
struct rx {
	regex_t re;
	const char *repl;
	int compiled;
};

static const struct anon_param rx_params[] = {
	{ "pattern", ANON_P_STRING, "POSIX extended regular expression (required)" },
	{ "replacement", ANON_P_STRING, "replacement text; \\1..\\9 insert groups (required)" },
	{ NULL, 0, NULL }
};

static int
rx_init(struct anon_rule *r, struct conf_error *err)
{
	struct rx *x = xcalloc(1, sizeof(*x));
	const char *pat = anon_param_str(r, "pattern", NULL);
	char buf[256];
	int rc;

	r->state = x;
	x->repl = anon_param_str(r, "replacement", NULL);
	if (pat == NULL || x->repl == NULL)
		return anon_rule_error(r, NULL, err, "strategy \"regex_replace\" needs \"pattern\" and \"replacement\"");
	if ((rc = regcomp(&x->re, pat, REG_EXTENDED)) != 0) {
		regerror(rc, &x->re, buf, sizeof(buf));
		return anon_rule_error(r, "pattern", err, "bad pattern: %s", buf);
	}
	x->compiled = 1;
	return 0;
}

static int
rx_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct rx *x = r->state;
	regmatch_t m[10];
	const char *p = in, *q;
	int flags = 0;

	(void)row; (void)len; (void)msg;
	while (*p && regexec(&x->re, p, 10, m, flags) == 0) {
		strbuf_add(out, p, (size_t)m[0].rm_so);
		for (q = x->repl; *q; q++) {
			if (*q == '\\' && q[1] >= '0' && q[1] <= '9') {
				int g = q[1] - '0';

				if (m[g].rm_so >= 0)
					strbuf_add(out, p + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
				q++;
			} else
				strbuf_addch(out, *q);
		}
		if (m[0].rm_eo == m[0].rm_so) {
			/* an empty match: copy one character and go on */
			strbuf_addch(out, p[m[0].rm_eo]);
			p += m[0].rm_eo + 1;
		} else
			p += m[0].rm_eo;
		flags = REG_NOTBOL;
		if (p > in + len)
			return ANON_VALUE;
	}
	strbuf_addstr(out, p);
	return ANON_VALUE;
}

static void
rx_release(struct anon_rule *r)
{
	struct rx *x = r->state;

	if (x && x->compiled)
		regfree(&x->re);
	free_state(r);
}

const struct anon_strategy anon_regex_replace = {
	"regex_replace", "replace every match of a regular expression", rx_params,
	ANON_DETERMINISTIC, rx_init, text_check, rx_apply, rx_release
};

/* name */
static const char *const first_names[] = {
	"Ada", "Alan", "Alice", "Amara", "Ana", "Andre", "Anna", "Arjun", "Aylin", "Bea",
	"Ben", "Bruno", "Carla", "Carlos", "Chen", "Chloe", "Clara", "Dario", "David", "Elena",
	"Elif", "Emil", "Emma", "Eva", "Farah", "Felix", "Fatima", "Grace", "Hana", "Hugo",
	"Ines", "Ivan", "Jade", "James", "Jonas", "Julia", "Kai", "Karin", "Kenji", "Lara",
	"Leo", "Lina", "Lucas", "Luis", "Maya", "Marco", "Maria", "Mateo", "Mia", "Nadia",
	"Nico", "Nina", "Noah", "Nora", "Omar", "Oscar", "Paula", "Pedro", "Priya", "Rafael",
	"Rosa", "Sami", "Sara", "Sofia", "Tariq", "Theo", "Tom", "Vera", "Victor", "Yara",
	"Yusuf", "Zoe",
};
static const char *const last_names[] = {
	"Almeida", "Andersen", "Bakker", "Bauer", "Becker", "Bianchi", "Brown", "Castro", "Chen",
	"Costa", "Dubois", "Eriksson", "Fischer", "Garcia", "Gomez", "Hansen", "Hoffmann", "Horvat",
	"Ivanova", "Jensen", "Kim", "Kowalski", "Kumar", "Larsen", "Laurent", "Lee", "Lopez",
	"Martin", "Meyer", "Moreau", "Muller", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen",
	"Patel", "Perez", "Petrov", "Rossi", "Russo", "Santos", "Schmidt", "Silva", "Smith",
	"Suzuki", "Tanaka", "Torres", "Wagner", "Walker", "Weber", "Wong", "Yilmaz", "Zhang",
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct anon_param name_params[] = {
	{ "part", ANON_P_STRING, "first, last or full (full)" },
	{ NULL, 0, NULL }
};

static int
name_init(struct anon_rule *r, struct conf_error *err)
{
	const char *p = anon_param_str(r, "part", "full");

	if (strcmp(p, "first") == 0)
		r->state = (void *)1;
	else if (strcmp(p, "last") == 0)
		r->state = (void *)2;
	else if (strcmp(p, "full") == 0)
		r->state = (void *)3;
	else
		return anon_rule_error(r, "part", err, "part must be first, last or full, not \"%s\"", p);
	r->max_out = (long)r->state == 3 ? 6 + 1 + 9 : 9;
	return 0;
}

static int
name_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	uint64_t h = anon_prf64(&r->dk, 0x6e616d65, in, len);
	long part = (long)r->state;

	(void)row; (void)msg;
	if (part & 1)
		strbuf_addstr(out, first_names[h % NELEM(first_names)]);
	if (part == 3)
		strbuf_addch(out, ' ');
	if (part & 2)
		strbuf_addstr(out, last_names[(h >> 32) % NELEM(last_names)]);
	return ANON_VALUE;
}

const struct anon_strategy anon_name = {
	"name", "a person's name from a built-in dictionary (first, last, full)", name_params,
	ANON_DETERMINISTIC | ANON_KEYED, name_init, text_check, name_apply, NULL
};
