/* format-preserving strategies: tokenize, phone, credit_card, iban, int_range, ip, uuid, email. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anon/strategy.h"

static int
cls(int c, int letters)
{
	if (c >= '0' && c <= '9')
		return 10;
	if (letters && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
		return 26;
	return 0;
}

static int
base_of(int c)
{
	return c >= 'a' ? 'a' : c >= 'A' ? 'A' : '0';
}

void
anon_tokenize(const struct anon_dkey *dk, const char *in, size_t len, int letters,
    size_t keep_prefix, struct strbuf *out)
{
	unsigned char sd[256], sr[256], ss[256], *d = sd, *rx = sr, *shape = ss;
	size_t i, m = 0, seen = 0;
	char *o;

	if (len > sizeof(sd)) {
		d = xmalloc(len);
		rx = xmalloc(len);
		shape = xmalloc(len);
	}
	for (i = 0; i < len; i++) {
		int c = (unsigned char)in[i], r = cls(c, letters);

		if (r && seen++ >= keep_prefix) {
			d[m] = (unsigned char)(c - base_of(c));
			rx[m++] = (unsigned char)r;
			shape[i] = (unsigned char)(base_of(c) == '0' ? '9' : base_of(c));
		} else
			shape[i] = (unsigned char)c;
	}
	if (m > 0)
		anon_perm_digits(dk, shape, len, d, rx, m);
	strbuf_grow(out, len);
	o = out->buf + out->len;
	memcpy(o, in, len);
	for (i = 0, m = 0, seen = 0; i < len; i++) {
		int c = (unsigned char)in[i];

		if (cls(c, letters) && seen++ >= keep_prefix)
			o[i] = (char)(base_of(c) + d[m++]);
	}
	out->len += len;
	out->buf[out->len] = '\0';
	if (d != sd) {
		free(d);
		free(rx);
		free(shape);
	}
}

struct tok {
	int letters;
	long keep;
};

static void
free_state(struct anon_rule *r)
{
	free(r->state);
	r->state = NULL;
}

static int
same_length_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	if (anon_type_class(col->type) != ANON_T_TEXT) {
		anon_rule_error(r, "strategy", err,
		    "strategy \"%s\" rewrites characters of text, which cannot be done on %s column %s",
		    r->sname, col->type, r->label);
		if (anon_type_class(col->type) == ANON_T_INT)
			conf_error_hint(err, "use int_range for integer columns");
		return -1;
	}
	return 0;
}

static const struct anon_param tok_params[] = {
	{ "alphabet", ANON_P_STRING, "digits or alnum: the characters rewritten (alnum)" },
	{ "keep_prefix", ANON_P_INT, "rewritable characters kept at the start (0)" },
	{ NULL, 0, NULL }
};

static int
tok_init(struct anon_rule *r, struct conf_error *err)
{
	struct tok *t = xcalloc(1, sizeof(*t));
	const char *a = anon_param_str(r, "alphabet", "alnum");

	r->state = t;
	if (strcmp(a, "digits") && strcmp(a, "alnum"))
		return anon_rule_error(r, "alphabet", err, "alphabet must be digits or alnum, not \"%s\"", a);
	t->letters = a[0] == 'a';
	if (anon_param_long(r, "keep_prefix", 0, &t->keep, err) < 0)
		return -1;
	if (t->keep < 0)
		return anon_rule_error(r, "keep_prefix", err, "keep_prefix cannot be negative");
	return 0;
}

static int
tok_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct tok *t = r->state;

	(void)row; (void)msg;
	anon_tokenize(&r->dk, in, len, t->letters, (size_t)t->keep, out);
	return ANON_VALUE;
}

const struct anon_strategy anon_tokenize_strategy = {
	"tokenize", "format-preserving keyed permutation: same length and character classes, unique (alias: fpe)",
	tok_params, ANON_DETERMINISTIC | ANON_UNIQUE | ANON_KEYED, tok_init, same_length_check, tok_apply, free_state
};

/* phone: the digits permuted, punctuation and length kept */
static const struct anon_param phone_params[] = {
	{ "keep_prefix", ANON_P_INT, "leading digits kept, e.g. the country code (0)" },
	{ NULL, 0, NULL }
};

static int
phone_init(struct anon_rule *r, struct conf_error *err)
{
	struct tok *t = xcalloc(1, sizeof(*t));

	r->state = t;
	if (anon_param_long(r, "keep_prefix", 0, &t->keep, err) < 0)
		return -1;
	if (t->keep < 0)
		return anon_rule_error(r, "keep_prefix", err, "keep_prefix cannot be negative");
	return 0;
}

const struct anon_strategy anon_phone = {
	"phone", "phone number: digits permuted (unique), length, punctuation and prefix kept",
	phone_params, ANON_DETERMINISTIC | ANON_UNIQUE | ANON_KEYED, phone_init, same_length_check, tok_apply, free_state
};

/* credit_card */
int
anon_luhn_digit(const unsigned char *d, size_t n)
{
	int sum = 0;
	size_t i;

	/* the check digit will sit right of d[n-1]: double every other digit from there */
	for (i = 0; i < n; i++) {
		int v = d[n - 1 - i];

		if (i % 2 == 0) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return (10 - sum % 10) % 10;
}

static const struct anon_param card_params[] = {
	{ "keep_prefix", ANON_P_INT, "issuer digits kept (6)" },
	{ NULL, 0, NULL }
};

static int
card_init(struct anon_rule *r, struct conf_error *err)
{
	struct tok *t = xcalloc(1, sizeof(*t));

	r->state = t;
	if (anon_param_long(r, "keep_prefix", 6, &t->keep, err) < 0)
		return -1;
	if (t->keep < 0 || t->keep > 11)
		return anon_rule_error(r, "keep_prefix", err, "keep_prefix must be between 0 and 11");
	return 0;
}

static int
card_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct tok *t = r->state;
	unsigned char d[20], rx[20];
	char shape[24];
	size_t i, n = 0, k = (size_t)t->keep;

	(void)row;
	for (i = 0; i < len; i++) {
		if (in[i] >= '0' && in[i] <= '9') {
			if (n == 19)
				break;
			d[n++] = (unsigned char)(in[i] - '0');
		} else if (in[i] != ' ' && in[i] != '-') {
			strbuf_addstr(msg, "not a card number");
			return ANON_ERROR;
		}
	}
	if (i < len || n < 12) {
		strbuf_addstr(msg, "a card number has 12 to 19 digits");
		return ANON_ERROR;
	}
	for (i = 0; i < k; i++)
		shape[i] = (char)('0' + d[i]);
	shape[k] = (char)n;
	memset(rx, 10, sizeof(rx));
	anon_perm_digits(&r->dk, shape, k + 1, d + k, rx, n - 1 - k);
	d[n - 1] = (unsigned char)anon_luhn_digit(d, n - 1);
	for (i = 0, n = 0; i < len; i++)
		strbuf_addch(out, in[i] >= '0' && in[i] <= '9' ? '0' + d[n++] : in[i]);
	return ANON_VALUE;
}

const struct anon_strategy anon_credit_card = {
	"credit_card", "card number: issuer prefix kept, other digits permuted (unique), Luhn-valid",
	card_params, ANON_DETERMINISTIC | ANON_UNIQUE | ANON_KEYED, card_init, same_length_check, card_apply, free_state
};

/* iban */
static int
iban_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct strbuf compact = STRBUF_INIT, bban = STRBUF_INIT;
	size_t i, b;
	unsigned mod = 0;
	const char *p;

	(void)row;
	for (i = 0; i < len; i++)
		if (in[i] != ' ')
			strbuf_addch(&compact, in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i]);
	if (compact.len < 5 || compact.len > 34 || compact.buf[0] < 'A' || compact.buf[0] > 'Z' ||
	    compact.buf[1] < 'A' || compact.buf[1] > 'Z' || cls(compact.buf[2], 0) == 0 ||
	    cls(compact.buf[3], 0) == 0) {
		strbuf_release(&compact);
		strbuf_addstr(msg, "not an IBAN");
		return ANON_ERROR;
	}
	for (i = 4; i < compact.len; i++)
		if (!cls(compact.buf[i], 1)) {
			strbuf_release(&compact);
			strbuf_addstr(msg, "not an IBAN");
			return ANON_ERROR;
		}
	anon_tokenize(&r->dk, compact.buf + 4, compact.len - 4, 1, 0, &bban);
	strbuf_addch(&bban, compact.buf[0]);
	strbuf_addch(&bban, compact.buf[1]);
	strbuf_addstr(&bban, "00");
	for (p = bban.buf; *p; p++)
		mod = *p >= 'A' ? (mod * 100 + (unsigned)(*p - 'A' + 10)) % 97 : (mod * 10 + (unsigned)(*p - '0')) % 97;
	mod = 98 - mod;
	/* write back in the input's layout (spaces kept) */
	for (i = 0, b = 0; i < len; i++) {
		int c;

		if (in[i] == ' ') {
			strbuf_addch(out, ' ');
			continue;
		}
		c = b < 2 ? compact.buf[b] : b == 2 ? (int)('0' + mod / 10) : b == 3 ? (int)('0' + mod % 10) :
		    bban.buf[b - 4];
		if (in[i] >= 'a' && in[i] <= 'z' && c >= 'A' && c <= 'Z')
			c += 32;
		strbuf_addch(out, c);
		b++;
	}
	strbuf_release(&compact);
	strbuf_release(&bban);
	return ANON_VALUE;
}

static const struct anon_param no_params[] = { { NULL, 0, NULL } };

const struct anon_strategy anon_iban = {
	"iban", "IBAN: country kept, account permuted (unique), valid check digits", no_params,
	ANON_DETERMINISTIC | ANON_UNIQUE | ANON_KEYED, NULL, same_length_check, iban_apply, NULL
};

/* int_range */
struct irange {
	long long min, max;
};

static const struct anon_param irange_params[] = {
	{ "min", ANON_P_INT, "smallest value (required)" },
	{ "max", ANON_P_INT, "largest value (required)" },
	{ NULL, 0, NULL }
};

static int
ll_param(struct anon_rule *r, const char *name, long long *out, struct conf_error *err)
{
	const char *s = anon_param_str(r, name, NULL);
	char *end;

	if (s == NULL)
		return anon_rule_error(r, NULL, err, "strategy \"int_range\" needs \"%s\"", name);
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return anon_rule_error(r, name, err, "parameter \"%s\" wants an integer, not \"%s\"", name, s);
	return 0;
}

static int
irange_init(struct anon_rule *r, struct conf_error *err)
{
	struct irange *x = xcalloc(1, sizeof(*x));

	r->state = x;
	if (ll_param(r, "min", &x->min, err) < 0 || ll_param(r, "max", &x->max, err) < 0)
		return -1;
	if (x->min > x->max)
		return anon_rule_error(r, "min", err, "min is greater than max");
	r->max_out = 20;
	return 0;
}

static int
irange_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	struct irange *x = r->state;
	long long lo, hi;

	switch (anon_type_class(col->type)) {
	case ANON_T_INT:
		anon_int_bounds(col->type, &lo, &hi);
		if (x->min < lo || x->max > hi)
			return anon_rule_error(r, x->min < lo ? "min" : "max", err,
			    "range %lld..%lld cannot fit %s column %s", x->min, x->max, col->type, r->label);
		return 0;
	case ANON_T_NUMERIC:
		return 0;
	case ANON_T_TEXT:
		if (col->max_length >= 0 && col->max_length < 20 &&
		    (long)snprintf(NULL, 0, "%lld", x->min) > col->max_length)
			return anon_rule_error(r, "min", err, "range cannot fit %s column %s", col->type, r->label);
		return 0;
	default:
		return anon_rule_error(r, "strategy", err, "strategy \"int_range\" writes integers, which cannot fit %s column %s",
		    col->type, r->label);
	}
}

static int
irange_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct irange *x = r->state;
	long long v;
	uint64_t n, off;
	char *end;

	(void)row; (void)len;
	errno = 0;
	v = strtoll(in, &end, 10);
	if (errno || end == in || *end) {
		strbuf_addstr(msg, "not an integer");
		return ANON_ERROR;
	}
	if (v < x->min || v > x->max) {
		strbuf_addf(msg, "%lld is outside %lld..%lld", v, x->min, x->max);
		return ANON_ERROR;
	}
	n = (uint64_t)x->max - (uint64_t)x->min + 1;
	off = anon_perm_range(&r->dk, 0x696e74, n, (uint64_t)v - (uint64_t)x->min);
	strbuf_addf(out, "%lld", (long long)((uint64_t)x->min + off));
	return ANON_VALUE;
}

const struct anon_strategy anon_int_range = {
	"int_range", "integer: keyed permutation of min..max (unique)", irange_params,
	ANON_DETERMINISTIC | ANON_UNIQUE | ANON_KEYED, irange_init, irange_check, irange_apply, free_state
};

/* ip */
static const struct anon_param ip_params[] = {
	{ "keep_prefix", ANON_P_INT, "leading bits kept (0)" },
	{ NULL, 0, NULL }
};

static int
ip_init(struct anon_rule *r, struct conf_error *err)
{
	long k;

	if (anon_param_long(r, "keep_prefix", 0, &k, err) < 0)
		return -1;
	if (k < 0 || k > 128)
		return anon_rule_error(r, "keep_prefix", err, "keep_prefix must be between 0 and 128");
	r->state = (void *)k;
	r->max_out = 43;
	return 0;
}

static int
ip_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	enum anon_type_class c = anon_type_class(col->type);

	if (c == ANON_T_INET || (c == ANON_T_TEXT && (col->max_length < 0 || col->max_length >= 15)))
		return 0;
	return anon_rule_error(r, "strategy", err, "strategy \"ip\" writes addresses, which cannot fit %s column %s",
	    col->type, r->label);
}

/* permute the low `bits` bits of a (big-endian, nbytes) in place */
static void
perm_bits(const struct anon_dkey *dk, unsigned char *a, int nbytes, int bits)
{
	uint64_t hi = 0, lo = 0, hib, lob;
	int i, lobits = bits > 64 ? 64 : bits, hibits = bits - lobits;

	for (i = 0; i < nbytes; i++) {
		hi = hi << 8 | lo >> 56;
		lo = lo << 8 | a[i];
	}
	if (nbytes <= 8)
		hi = 0;
	lob = lobits == 64 ? lo : lo & ((1ULL << lobits) - 1);
	hib = hibits == 0 ? 0 : hibits == 64 ? hi : hi & ((1ULL << hibits) - 1);
	if (hibits)
		hib = anon_perm_range(dk, 0x6970686920ULL, hibits == 64 ? 0 : 1ULL << hibits, hib);
	lob = anon_perm_range(dk, 0x69706c6f00ULL ^ hib, lobits == 64 ? 0 : 1ULL << lobits, lob);
	if (lobits == 64)
		lo = lob;
	else
		lo = (lo & ~((1ULL << lobits) - 1)) | lob;
	if (hibits == 64)
		hi = hib;
	else if (hibits)
		hi = (hi & ~((1ULL << hibits) - 1)) | hib;
	for (i = nbytes - 1; i >= 0; i--) {
		a[i] = (unsigned char)lo;
		lo = lo >> 8 | hi << 56;
		hi >>= 8;
	}
}

static int
ip_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	unsigned char a[16];
	char addr[64], txt[INET6_ADDRSTRLEN];
	const char *slash = memchr(in, '/', len);
	size_t alen = slash ? (size_t)(slash - in) : len;
	int v6, bits, keep = (int)(long)r->state;

	(void)row;
	if (alen >= sizeof(addr))
		goto bad;
	memcpy(addr, in, alen);
	addr[alen] = '\0';
	v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, a) != 1)
		goto bad;
	bits = (v6 ? 128 : 32) - keep;
	if (slash) {
		int plen = atoi(slash + 1);

		/* a network: keep its prefix, permute only host bits that it leaves */
		if (plen > keep)
			bits = (v6 ? 128 : 32) - plen;
	}
	if (bits > 0)
		perm_bits(&r->dk, a, v6 ? 16 : 4, bits);
	inet_ntop(v6 ? AF_INET6 : AF_INET, a, txt, sizeof(txt));
	strbuf_addstr(out, txt);
	if (slash)
		strbuf_add(out, slash, len - alen);
	return ANON_VALUE;
bad:
	strbuf_addstr(msg, "not an IP address");
	return ANON_ERROR;
}

const struct anon_strategy anon_ip = {
	"ip", "IPv4/IPv6 address: prefix bits kept, host bits permuted (unique)", ip_params,
	ANON_DETERMINISTIC | ANON_UNIQUE | ANON_KEYED, ip_init, ip_check, ip_apply, NULL
};

/* uuid */
static int
uuid_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	enum anon_type_class c = anon_type_class(col->type);

	if (c == ANON_T_UUID || (c == ANON_T_TEXT && (col->max_length < 0 || col->max_length >= 36)))
		return 0;
	return anon_rule_error(r, "strategy", err, "strategy \"uuid\" writes 36 characters, which cannot fit %s column %s",
	    col->type, r->label);
}

static int
uuid_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	unsigned char b[16];
	int i;

	(void)row; (void)msg;
	anon_prf_bytes(&r->dk, 0x75756964, in, len, b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			strbuf_addch(out, '-');
		strbuf_addch(out, "0123456789abcdef"[b[i] >> 4]);
		strbuf_addch(out, "0123456789abcdef"[b[i] & 15]);
	}
	return ANON_VALUE;
}

const struct anon_strategy anon_uuid = {
	"uuid", "a version-4-shaped UUID from the PRF (122 bits: unique)", no_params,
	ANON_DETERMINISTIC | ANON_UNIQUE | ANON_KEYED, NULL, uuid_check, uuid_apply, NULL
};

/* email */
struct email {
	int keep_domain;
	const char *domain;
};

static const struct anon_param email_params[] = {
	{ "keep_domain", ANON_P_BOOL, "keep the input's domain (false)" },
	{ "email_domain", ANON_P_STRING, "the domain written otherwise (example.com)" },
	{ NULL, 0, NULL }
};

#define EMAIL_LOCAL 24

static int
email_init(struct anon_rule *r, struct conf_error *err)
{
	struct email *e = xcalloc(1, sizeof(*e));

	r->state = e;
	if (anon_param_bool(r, "keep_domain", 0, &e->keep_domain, err) < 0)
		return -1;
	e->domain = anon_param_str(r, "email_domain", "example.com");
	r->max_out = e->keep_domain ? -1 : EMAIL_LOCAL + 1 + (long)strlen(e->domain);
	return 0;
}

static int
email_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	if (anon_type_class(col->type) != ANON_T_TEXT)
		return anon_rule_error(r, "strategy", err, "strategy \"email\" writes text, which cannot fit %s column %s",
		    col->type, r->label);
	if (col->max_length >= 0 && col->max_length < (r->max_out >= 0 ? r->max_out : EMAIL_LOCAL + 5))
		return anon_rule_error(r, "strategy", err,
		    "strategy \"email\" writes addresses of %ld characters, which cannot fit %s column %s",
		    r->max_out >= 0 ? r->max_out : EMAIL_LOCAL + 5, col->type, r->label);
	return 0;
}

static int
email_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct email *e = r->state;
	unsigned char b[16];
	const char *at = NULL, *p;

	(void)row;
	for (p = in; p < in + len; p++)
		if (*p == '@')
			at = p;
	if (e->keep_domain && at == NULL) {
		strbuf_addstr(msg, "not an email address");
		return ANON_ERROR;
	}
	anon_prf_bytes(&r->dk, 0x656d61696c, in, len, b, sizeof(b));
	anon_base32(b, EMAIL_LOCAL * 5, out);
	strbuf_addch(out, '@');
	if (e->keep_domain)
		strbuf_add(out, at + 1, len - (size_t)(at + 1 - in));
	else
		strbuf_addstr(out, e->domain);
	return ANON_VALUE;
}

const struct anon_strategy anon_email = {
	"email", "email address: local part from the PRF (120 bits: unique), domain kept or replaced",
	email_params, ANON_DETERMINISTIC | ANON_UNIQUE | ANON_KEYED, email_init, email_check, email_apply, free_state
};
