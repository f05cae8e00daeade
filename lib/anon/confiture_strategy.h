/* confiture_strategy.h: the ABI of a custom anonymization strategy built as a shared object. */
#ifndef CONFITURE_STRATEGY_H
#define CONFITURE_STRATEGY_H

#include <stddef.h>

/*
 * A strategy in C is a shared object NAME.so, found in strategies/ of the
 * project or a directory of CONFITURE_STRATEGY_PATH, that exports
 *
 *     const struct confiture_strategy *confiture_strategy(void);
 *
 * conf-anonymize checks `abi` against CONFITURE_STRATEGY_ABI when it loads
 * the object and refuses another version.  The object must be thread-safe
 * only in that one state is used by one thread at a time.
 */
#define CONFITURE_STRATEGY_ABI 1

/* A parameter: type is "string", "integer", "number" or "boolean". */
struct confiture_strategy_param {
	const char *name;
	const char *type;
	int required;
	const char *help;
};

enum {
	CONFITURE_STRATEGY_DETERMINISTIC = 1 << 0,   /* same key + input, same output */
	CONFITURE_STRATEGY_UNIQUE = 1 << 1           /* never maps two inputs to one output */
};

struct confiture_strategy {
	int abi;                  /* CONFITURE_STRATEGY_ABI */
	const char *name;
	const char *summary;
	const struct confiture_strategy_param *params;   /* ends with a NULL name */
	unsigned flags;
	/*
	 * Set up one use (one column).  params alternates names and values
	 * (text), NULL-terminated; key is 32 bytes derived for this column's
	 * domain.  Returns a state, or NULL with a message in errbuf.
	 */
	void *(*init)(const char *const *params, const unsigned char key[32],
	    char *errbuf, size_t errlen);
	/*
	 * Transform in[0..len) (NUL-terminated) into out.  Returns the output
	 * length; when it is larger than outcap, the call is repeated with a
	 * buffer that large.  Returns -1 with a message in errbuf for a value it
	 * cannot transform (the column's on_error policy decides), -2 for SQL NULL.
	 */
	long (*transform)(void *state, const char *in, size_t len, char *out, size_t outcap,
	    char *errbuf, size_t errlen);
	void (*release)(void *state);
};

const struct confiture_strategy *confiture_strategy(void);

#endif
