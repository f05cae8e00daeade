/* die: messages to people on stderr, for programs in bin/ only. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"

const char *progname = "confiture";

void
die_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	progname = slash ? slash + 1 : argv0;
}

static void
vmessage(const char *prefix, const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);

	fprintf(stderr, "%s: %s", progname, prefix);
	vfprintf(stderr, fmt, ap);
	if (n > 0 && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
}

void
die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	fflush(stdout);
	exit(code);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

void
report_error(const struct conf_error *err)
{
	fprintf(stderr, "%s: %s\n", progname, err->message[0] ? err->message : "unknown error");
	if (err->detail[0])
		fprintf(stderr, "detail: %s\n", err->detail);
	if (err->hint[0])
		fprintf(stderr, "hint: %s\n", err->hint);
}

void
die_error(const struct conf_error *err)
{
	report_error(err);
	fflush(stdout);
	exit(err->code ? err->code : 2);
}

void
finish(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		fprintf(stderr, "%s: could not write output: %s\n", progname, strerror(errno));
		exit(code ? code : 2);
	}
	exit(code);
}

void
die_on_sigpipe(void)
{
	signal(SIGPIPE, SIG_DFL);
}
