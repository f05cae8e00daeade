/* initials.c: a custom strategy as a shared object: "Ada Lovelace" -> "A. L." */
/*
 * Build:  cc -shared -fPIC -O2 -I lib/anon -o strategies/initials.so initials.c
 * Use:    name: {strategy: initials, separator: " "}
 */
#include <stdio.h>
#include <string.h>

#include "confiture_strategy.h"

struct state {
	char sep[8];
};

static const struct confiture_strategy_param params[] = {
	{ "separator", "string", 0, "written between initials (\" \")" },
	{ NULL, NULL, 0, NULL }
};

static void *
init(const char *const *kv, const unsigned char key[32], char *errbuf, size_t errlen)
{
	static struct state states[64];
	static int used;
	struct state *s;

	(void)key;   /* not keyed: initials are the same under every key */
	if (used == 64) {
		snprintf(errbuf, errlen, "too many columns use initials");
		return NULL;
	}
	s = &states[used++];
	strcpy(s->sep, " ");
	for (; kv[0]; kv += 2) {
		if (strcmp(kv[0], "separator") == 0) {
			if (strlen(kv[1]) >= sizeof(s->sep)) {
				snprintf(errbuf, errlen, "separator is longer than %zu bytes", sizeof(s->sep) - 1);
				return NULL;
			}
			strcpy(s->sep, kv[1]);
		}
	}
	return s;
}

static long
transform(void *st, const char *in, size_t len, char *out, size_t outcap,
    char *errbuf, size_t errlen)
{
	struct state *s = st;
	size_t i, n = 0, seplen = strlen(s->sep), need = 0;
	int word = 0;

	/* first count, so that a short buffer can be reported */
	for (i = 0; i < len; i++) {
		int alpha = in[i] != ' ' && in[i] != '-';

		if (alpha && !word)
			need += (need ? seplen : 0) + 2;
		word = alpha;
	}
	if (need == 0) {
		snprintf(errbuf, errlen, "no word to take an initial from");
		return -1;
	}
	if (need > outcap)
		return (long)need;
	word = 0;
	for (i = 0; i < len; i++) {
		int alpha = in[i] != ' ' && in[i] != '-';

		if (alpha && !word) {
			if (n) {
				memcpy(out + n, s->sep, seplen);
				n += seplen;
			}
			out[n++] = in[i];
			out[n++] = '.';
		}
		word = alpha;
	}
	return (long)n;
}

static const struct confiture_strategy strategy = {
	CONFITURE_STRATEGY_ABI, "initials", "a name reduced to its initials (\"A. L.\")",
	params, CONFITURE_STRATEGY_DETERMINISTIC, init, transform, NULL
};

const struct confiture_strategy *
confiture_strategy(void)
{
	return &strategy;
}
