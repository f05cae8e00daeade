/* prf: the anonymization key and the keyed PRF every deterministic strategy derives from. */
#ifndef CONF_ANON_PRF_H
#define CONF_ANON_PRF_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * The master key, read from CONFITURE_ANON_KEY or from the file named by
 * CONFITURE_ANON_KEY_FILE (trailing newlines stripped).  It is never put in
 * a message, a record or an argument list.  `root` is HMAC-SHA-256(key,
 * "confiture-anon-v1"); everything else is derived from root.
 */
struct anon_key {
	unsigned char root[32];
};

/*
 * Load the key from the environment.  Returns 0, or -1 with err
 * (CONF_EXIT_USAGE): no key at all (never a silent default), both variables
 * set, an unreadable file, or a key shorter than 16 bytes.
 */
int anon_key_load(struct anon_key *k, struct conf_error *err);
/* A key from bytes (tests, --bench). */
void anon_key_from(struct anon_key *k, const void *bytes, size_t len);

/*
 * A domain key: 128 bits of HMAC-SHA-256(root, "domain:" label).  Two
 * columns with the same label (and the same strategy and parameters) map a
 * value to the same output.
 */
struct anon_dkey {
	uint64_t k0, k1;
};

void anon_dkey_derive(const struct anon_key *k, const char *label, struct anon_dkey *out);
/* 32 bytes derived for a plugin: HMAC-SHA-256(root, "plugin:" label). */
void anon_key_plugin(const struct anon_key *k, const char *label, unsigned char out[32]);

/* SipHash-2-4 of data under dk, with a 64-bit tweak mixed into the key. */
uint64_t anon_prf64(const struct anon_dkey *dk, uint64_t tweak, const void *data, size_t len);
/* n pseudo-random bytes from (dk, tweak, data). */
void anon_prf_bytes(const struct anon_dkey *dk, uint64_t tweak, const void *data,
    size_t len, unsigned char *out, size_t n);

/*
 * A keyed permutation of [0, n) (n = 0 means the whole 64-bit range): a
 * balanced Feistel network over the smallest even number of bits, with
 * cycle-walking.  Bijective, so distinct inputs give distinct outputs.
 */
uint64_t anon_perm_range(const struct anon_dkey *dk, uint64_t tweak, uint64_t n, uint64_t x);

/*
 * Format-preserving permutation of a numeral string in mixed radix: digits[i]
 * < radix[i] for i < m.  `shape` (len bytes) is mixed into every round, so
 * strings of another shape use an independent permutation.  Rewrites digits
 * in place; a bijection for each shape.
 */
void anon_perm_digits(const struct anon_dkey *dk, const void *shape, size_t shapelen,
    unsigned char *digits, const unsigned char *radix, size_t m);

#endif
