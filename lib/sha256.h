/* sha256: SHA-256 and HMAC-SHA-256 (FIPS 180-4, RFC 2104), for checksums and keyed PRFs. */
#ifndef CONF_SHA256_H
#define CONF_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t used;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);
void sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);
void hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
    unsigned char out[SHA256_LEN]);
/* Write the 64 lowercase hex digits and a NUL into hex (65 bytes). */
void sha256_hex(const unsigned char digest[SHA256_LEN], char hex[65]);
/*
 * The checksum of a migration or schema file: SHA-256 of its text with
 * every CRLF and lone CR turned into LF, so that it does not depend on the
 * checkout's line endings.
 */
void sha256_text_hex(const char *text, size_t len, char hex[65]);

#endif
