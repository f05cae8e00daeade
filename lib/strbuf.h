/* strbuf: a growable, always NUL-terminated byte buffer. */
#ifndef CONF_STRBUF_H
#define CONF_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A strbuf owns `buf` (never NULL once initialised: an empty buffer points at
 * a static "" until the first write).  `len` excludes the terminating NUL.
 *
 *   struct strbuf sb = STRBUF_INIT;
 *   strbuf_addf(&sb, "%d rows", n);
 *   ... use sb.buf ...
 *   strbuf_release(&sb);
 *
 * Allocation failure aborts the process: a filter cannot do anything useful
 * without memory, and every caller checking would hide the real logic.
 */
struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb, size_t hint);
/* Free the contents; the strbuf is left initialised and empty. */
void strbuf_release(struct strbuf *sb);
/* Hand the buffer to the caller (free() it); the strbuf is left empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Remove trailing white space. */
void strbuf_rtrim(struct strbuf *sb);
/*
 * Read a whole file into sb (appending).  Returns 0, or -1 with errno set.
 */
int strbuf_read_file(struct strbuf *sb, const char *path);
/*
 * Read one line from fp without its newline, replacing sb's contents.
 * Returns 0 on a line, EOF at end of input (sb empty), -1 on a read error.
 * `*had_newline` tells whether the line ended with '\n' (a last line without
 * one is still returned).
 */
int strbuf_getline(struct strbuf *sb, void *fp, int *had_newline);

/* Memory helpers that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xstrfmt: a freshly allocated formatted string. */
char *xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
