/* numeric and temporal strategies: date_shift, noise, generalize. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anon/strategy.h"

static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void
civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
	long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long)yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DD" at the start of s: returns days since 1970-01-01 in *days, 0, or -1 */
static int
parse_date(const char *s, size_t len, long *days)
{
	int i;
	long y;
	unsigned m, d;

	if (len < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	if (len > 10 && s[10] >= '0' && s[10] <= '9')
		return -1;
	y = strtol(s, NULL, 10);
	m = (unsigned)atoi(s + 5);
	d = (unsigned)atoi(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

static int
write_date(struct strbuf *out, long days, const char *rest, size_t restlen)
{
	long y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	if (y < 1 || y > 9999)
		return -1;
	strbuf_addf(out, "%04ld-%02u-%02u", y, m, d);
	strbuf_add(out, rest, restlen);
	return 0;
}

static int
is_infinity(const char *in)
{
	return strcmp(in, "infinity") == 0 || strcmp(in, "-infinity") == 0;
}

static int
date_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	enum anon_type_class c = anon_type_class(col->type);

	if (c == ANON_T_DATE || c == ANON_T_TIMESTAMP || c == ANON_T_TEXT)
		return 0;
	return anon_rule_error(r, "strategy", err, "strategy \"%s\" rewrites dates, which %s column %s does not hold",
	    r->sname, col->type, r->label);
}

/* date_shift */
struct shift {
	long max_days;
};

static const struct anon_param shift_params[] = {
	{ "max_days", ANON_P_INT, "largest shift in days, either way (365)" },
	{ "entity", ANON_P_COLUMN, "column whose value keys the shift: one shift per entity (the value itself)" },
	{ NULL, 0, NULL }
};

static int
shift_init(struct anon_rule *r, struct conf_error *err)
{
	struct shift *s = xcalloc(1, sizeof(*s));
	const char *ent = anon_param_str(r, "entity", NULL);
	size_t i;

	r->state = s;
	if (anon_param_long(r, "max_days", 365, &s->max_days, err) < 0)
		return -1;
	if (s->max_days < 1 || s->max_days > 36500)
		return anon_rule_error(r, "max_days", err, "max_days must be between 1 and 36500");
	if (ent) {
		for (i = 0; i < r->ncols; i++)
			if (strcmp(r->cols[i].name, ent) == 0)
				r->entity = (int)i;
		if (r->entity < 0 && r->cols)
			return anon_rule_error(r, "entity", err, "no column \"%s\" for the entity", ent);
	}
	return 0;
}

static int
shift_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct shift *s = r->state;
	const char *key = in;
	size_t keylen = len;
	long days, delta;
	uint64_t h;

	if (is_infinity(in)) {
		strbuf_addstr(out, in);
		return ANON_VALUE;
	}
	if (parse_date(in, len, &days) < 0) {
		strbuf_addstr(msg, "not a date");
		return ANON_ERROR;
	}
	if (r->entity >= 0 && row && (size_t)r->entity < row->n && row->val[r->entity]) {
		key = row->val[r->entity];
		keylen = row->len[r->entity];
	}
	h = anon_prf64(&r->dk, 0x7368696674, key, keylen);
	delta = (long)(h % (uint64_t)s->max_days) + 1;
	if (h >> 63)
		delta = -delta;
	if (write_date(out, days + delta, in + 10, len - 10) < 0) {
		strbuf_addstr(msg, "shifted date out of range");
		return ANON_ERROR;
	}
	return ANON_VALUE;
}

static void
free_state(struct anon_rule *r)
{
	free(r->state);
	r->state = NULL;
}

const struct anon_strategy anon_date_shift = {
	"date_shift", "shift dates by a keyed number of days, one shift per entity (consistent across tables)",
	shift_params, ANON_DETERMINISTIC | ANON_KEYED, shift_init, date_check, shift_apply, free_state
};

/* noise */
struct noise {
	double ratio, amount, min, max;
	long days;
	int has_min, has_max;
};

static const struct anon_param noise_params[] = {
	{ "ratio", ANON_P_NUMBER, "numbers: relative noise, 0.1 = up to 10% either way" },
	{ "amount", ANON_P_NUMBER, "numbers: absolute noise, up to this much either way" },
	{ "days", ANON_P_INT, "dates: up to this many days either way" },
	{ "min", ANON_P_NUMBER, "numbers: clamp below" },
	{ "max", ANON_P_NUMBER, "numbers: clamp above" },
	{ NULL, 0, NULL }
};

static int
noise_init(struct anon_rule *r, struct conf_error *err)
{
	struct noise *n = xcalloc(1, sizeof(*n));

	r->state = n;
	if (anon_param_double(r, "ratio", 0, &n->ratio, err) < 0 ||
	    anon_param_double(r, "amount", 0, &n->amount, err) < 0 ||
	    anon_param_long(r, "days", 0, &n->days, err) < 0 ||
	    anon_param_double(r, "min", 0, &n->min, err) < 0 ||
	    anon_param_double(r, "max", 0, &n->max, err) < 0)
		return -1;
	n->has_min = anon_param_node(r, "min") != NULL;
	n->has_max = anon_param_node(r, "max") != NULL;
	if (n->ratio == 0 && n->amount == 0 && n->days == 0)
		return anon_rule_error(r, NULL, err, "strategy \"noise\" needs \"ratio\", \"amount\" or \"days\"");
	if (n->ratio < 0 || n->amount < 0 || n->days < 0)
		return anon_rule_error(r, NULL, err, "noise cannot be negative");
	return 0;
}

static int
noise_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	struct noise *n = r->state;
	enum anon_type_class c = anon_type_class(col->type);

	if (n->days)
		return date_check(r, col, err);
	if (c == ANON_T_INT || c == ANON_T_NUMERIC || c == ANON_T_TEXT)
		return 0;
	return anon_rule_error(r, "strategy", err, "strategy \"noise\" rewrites numbers, which %s column %s does not hold",
	    col->type, r->label);
}

static int
decimals(const char *in)
{
	const char *dot = strchr(in, '.');

	return dot ? (int)strspn(dot + 1, "0123456789") : 0;
}

static int
noise_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct noise *n = r->state;
	uint64_t h = anon_prf64(&r->dk, 0x6e6f697365, in, len);
	double u = (double)(h >> 11) / 9007199254740992.0 * 2 - 1, x;
	char *end;
	long days;

	(void)row;
	if (n->days) {
		if (is_infinity(in)) {
			strbuf_addstr(out, in);
			return ANON_VALUE;
		}
		if (parse_date(in, len, &days) < 0) {
			strbuf_addstr(msg, "not a date");
			return ANON_ERROR;
		}
		if (write_date(out, days + (long)llround(u * (double)n->days), in + 10, len - 10) < 0) {
			strbuf_addstr(msg, "date out of range");
			return ANON_ERROR;
		}
		return ANON_VALUE;
	}
	errno = 0;
	x = strtod(in, &end);
	if (errno || end == in || *end || !isfinite(x)) {
		strbuf_addstr(msg, "not a number");
		return ANON_ERROR;
	}
	x += n->ratio ? x * n->ratio * u : n->amount * u;
	if (n->has_min && x < n->min)
		x = n->min;
	if (n->has_max && x > n->max)
		x = n->max;
	strbuf_addf(out, "%.*f", decimals(in), x);
	if (strcmp(out->buf, "-0") == 0)
		strbuf_reset(out), strbuf_addch(out, '0');
	return ANON_VALUE;
}

const struct anon_strategy anon_noise = {
	"noise", "keyed random noise on numbers (ratio or amount, clamped) or dates (days)", noise_params,
	ANON_DETERMINISTIC | ANON_KEYED, noise_init, noise_check, noise_apply, free_state
};

/* generalize */
struct gen {
	double step;
	int unit;       /* 0 none, 1 month, 2 year, 3 decade */
};

static const struct anon_param gen_params[] = {
	{ "step", ANON_P_NUMBER, "numbers: round down to a multiple of step" },
	{ "unit", ANON_P_STRING, "dates: month, year or decade" },
	{ NULL, 0, NULL }
};

static int
gen_init(struct anon_rule *r, struct conf_error *err)
{
	struct gen *g = xcalloc(1, sizeof(*g));
	const char *u = anon_param_str(r, "unit", NULL);

	r->state = g;
	if (anon_param_double(r, "step", 0, &g->step, err) < 0)
		return -1;
	if (u) {
		g->unit = !strcmp(u, "month") ? 1 : !strcmp(u, "year") ? 2 : !strcmp(u, "decade") ? 3 : -1;
		if (g->unit < 0)
			return anon_rule_error(r, "unit", err, "unit must be month, year or decade, not \"%s\"", u);
	}
	if ((g->step > 0) == (g->unit > 0))
		return anon_rule_error(r, NULL, err, "strategy \"generalize\" needs either a positive \"step\" or a \"unit\"");
	return 0;
}

static int
gen_check(struct anon_rule *r, const struct anon_column *col, struct conf_error *err)
{
	struct gen *g = r->state;
	enum anon_type_class c = anon_type_class(col->type);

	if (g->unit)
		return date_check(r, col, err);
	if (c == ANON_T_INT || c == ANON_T_NUMERIC || c == ANON_T_TEXT)
		return 0;
	return anon_rule_error(r, "strategy", err, "strategy \"generalize\" with a step rewrites numbers, which %s column %s does not hold",
	    col->type, r->label);
}

static int
gen_apply(struct anon_rule *r, const struct anon_row *row, const char *in, size_t len,
    struct strbuf *out, struct strbuf *msg)
{
	struct gen *g = r->state;
	double x;
	char *end;
	long days, y;
	unsigned m, d;
	size_t i;

	(void)row;
	if (g->unit) {
		if (is_infinity(in)) {
			strbuf_addstr(out, in);
			return ANON_VALUE;
		}
		if (parse_date(in, len, &days) < 0) {
			strbuf_addstr(msg, "not a date");
			return ANON_ERROR;
		}
		civil_from_days(days, &y, &m, &d);
		if (g->unit >= 2)
			m = 1;
		if (g->unit == 3)
			y -= y % 10;
		strbuf_addf(out, "%04ld-%02u-01", y, m);
		/* the time of day goes to midnight; the zone stays */
		for (i = 10; i < len; i++) {
			if (i > 11 && (in[i] == '+' || in[i] == '-')) {
				strbuf_add(out, in + i, len - i);
				break;
			}
			strbuf_addch(out, in[i] >= '0' && in[i] <= '9' ? '0' : in[i]);
		}
		return ANON_VALUE;
	}
	errno = 0;
	x = strtod(in, &end);
	if (errno || end == in || *end || !isfinite(x)) {
		strbuf_addstr(msg, "not a number");
		return ANON_ERROR;
	}
	strbuf_addf(out, "%.*f", decimals(in), floor(x / g->step) * g->step);
	return ANON_VALUE;
}

const struct anon_strategy anon_generalize = {
	"generalize", "coarsen: numbers down to a step, dates to a month, year or decade", gen_params,
	ANON_DETERMINISTIC, gen_init, gen_check, gen_apply, free_state
};
