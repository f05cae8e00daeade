/* strvec: a growable NULL-terminated array of strings (argument lists). */
#ifndef CONF_STRVEC_H
#define CONF_STRVEC_H

#include <stddef.h>

/* v is always NULL-terminated once initialised; every string is owned. */
struct strvec {
	const char **v;
	size_t nr, alloc;
};

#define STRVEC_INIT { NULL, 0, 0 }

void strvec_push(struct strvec *sv, const char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Push every string of a NULL-terminated list. */
void strvec_pushv(struct strvec *sv, const char *const *list);
void strvec_clear(struct strvec *sv);

#endif
