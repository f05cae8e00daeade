/* prf: the anonymization key and the keyed PRF every deterministic strategy derives from. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "anon/prf.h"
#include "sha256.h"
#include "strbuf.h"

#define MIN_KEY_LEN 16

void
anon_key_from(struct anon_key *k, const void *bytes, size_t len)
{
	static const char label[] = "confiture-anon-v1";

	hmac_sha256(bytes, len, label, sizeof(label) - 1, k->root);
}

int
anon_key_load(struct anon_key *k, struct conf_error *err)
{
	const char *env = getenv("CONFITURE_ANON_KEY");
	const char *file = getenv("CONFITURE_ANON_KEY_FILE");
	struct strbuf sb = STRBUF_INIT;

	if (env && *env && file && *file)
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "both CONFITURE_ANON_KEY and CONFITURE_ANON_KEY_FILE are set");
	if (env && *env) {
		if (strlen(env) < MIN_KEY_LEN)
			return conf_error_set(err, CONF_EXIT_USAGE,
			    "CONFITURE_ANON_KEY is shorter than %d bytes", MIN_KEY_LEN);
		anon_key_from(k, env, strlen(env));
		return 0;
	}
	if (file && *file) {
		if (strbuf_read_file(&sb, file) < 0) {
			conf_error_set(err, CONF_EXIT_USAGE, "could not read the key file \"%s\": %s",
			    file, strerror(errno));
			strbuf_release(&sb);
			return -1;
		}
		while (sb.len > 0 && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
			sb.buf[--sb.len] = '\0';
		if (sb.len < MIN_KEY_LEN) {
			strbuf_release(&sb);
			return conf_error_set(err, CONF_EXIT_USAGE,
			    "the key file \"%s\" holds fewer than %d bytes", file, MIN_KEY_LEN);
		}
		anon_key_from(k, sb.buf, sb.len);
		memset(sb.buf, 0, sb.len);
		strbuf_release(&sb);
		return 0;
	}
	conf_error_set(err, CONF_EXIT_USAGE, "no anonymization key");
	conf_error_hint(err, "set CONFITURE_ANON_KEY, or CONFITURE_ANON_KEY_FILE to a file holding the key");
	return -1;
}

static uint64_t
load64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void
anon_dkey_derive(const struct anon_key *k, const char *label, struct anon_dkey *out)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned char d[32];

	strbuf_addf(&sb, "domain:%s", label);
	hmac_sha256(k->root, sizeof(k->root), sb.buf, sb.len, d);
	strbuf_release(&sb);
	out->k0 = load64(d);
	out->k1 = load64(d + 8);
}

void
anon_key_plugin(const struct anon_key *k, const char *label, unsigned char out[32])
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "plugin:%s", label);
	hmac_sha256(k->root, sizeof(k->root), sb.buf, sb.len, out);
	strbuf_release(&sb);
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

uint64_t
anon_prf64(const struct anon_dkey *dk, uint64_t tweak, const void *data, size_t len)
{
	const unsigned char *in = data;
	uint64_t k0 = dk->k0 ^ (tweak * 0x9e3779b97f4a7c15ULL), k1 = dk->k1;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, left = len & 7;
	const unsigned char *end = in + len - left;

	for (; in != end; in += 8) {
		m = load64(in);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (i = 0; i < left; i++)
		b |= (uint64_t)in[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void
anon_prf_bytes(const struct anon_dkey *dk, uint64_t tweak, const void *data,
    size_t len, unsigned char *out, size_t n)
{
	uint64_t blk = 0, h = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			h = anon_prf64(dk, tweak ^ (0x5bd1e995ULL * ++blk << 20), data, len);
		out[i] = (unsigned char)(h >> (8 * (i % 8)));
	}
}

uint64_t
anon_perm_range(const struct anon_dkey *dk, uint64_t tweak, uint64_t n, uint64_t x)
{
	unsigned bits = 2, half, r;
	uint64_t mask, L, R, F, in[2];

	if (n == 0)
		bits = 64;
	else
		while (bits < 64 && (n - 1) >> bits != 0)
			bits += 2;
	half = bits / 2;
	mask = half == 64 ? ~0ULL : ((1ULL << half) - 1);
	do {
		L = x >> half & mask;
		R = x & mask;
		for (r = 0; r < 8; r++) {
			in[0] = R;
			in[1] = r;
			F = anon_prf64(dk, tweak, in, sizeof(in)) & mask;
			F ^= L;
			L = R;
			R = F;
		}
		x = L << half | R;
	} while (n != 0 && x >= n);
	return x;
}

static uint64_t
splitmix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
anon_perm_digits(const struct anon_dkey *dk, const void *shape, size_t shapelen,
    unsigned char *digits, const unsigned char *radix, size_t m)
{
	unsigned char stack[512], *buf = stack;
	size_t half = (m + 1) / 2, i, blen = shapelen + m + 1;
	int r;

	if (blen > sizeof(stack))
		buf = xmalloc(blen);
	memcpy(buf, shape, shapelen);
	for (r = 0; r < 10; r++) {
		/* even rounds rewrite the second half keyed by the first, odd ones the reverse */
		size_t s0 = r % 2 ? half : 0, s1 = r % 2 ? m : half;
		size_t t0 = r % 2 ? 0 : half, t1 = r % 2 ? half : m;
		uint64_t h;

		memcpy(buf + shapelen, digits + s0, s1 - s0);
		buf[shapelen + (s1 - s0)] = (unsigned char)r;
		h = anon_prf64(dk, 0x746f6b656e000000ULL | (uint64_t)r, buf, shapelen + (s1 - s0) + 1);
		for (i = t0; i < t1; i++) {
			/* multiply-shift instead of %: this loop is the cost of tokenize */
			unsigned v = digits[i] + (unsigned)(((splitmix(h + i) & 0xffffffffULL) * radix[i]) >> 32);

			digits[i] = (unsigned char)(v >= radix[i] ? v - radix[i] : v);
		}
	}
	if (buf != stack)
		free(buf);
}
