/* error: filling a struct conf_error. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int
conf_error_set(struct conf_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	err->detail[0] = err->hint[0] = err->sqlstate[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

void
conf_error_detail(struct conf_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
}

void
conf_error_hint(struct conf_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
}

void
conf_error_clear(struct conf_error *err)
{
	memset(err, 0, sizeof(*err));
}
