/* filter: the anonymization profile, checked against the stream's table records, applied to its rows. */
#ifndef CONF_ANON_FILTER_H
#define CONF_ANON_FILTER_H

#include <stdio.h>

#include "anon/plugin.h"
#include "anon/strategy.h"
#include "ytree.h"

/*
 * A profile (docs/guides/anonymization.md):
 *
 *   version: 1
 *   tables:
 *     public.users:
 *       email: {strategy: email, domain: person_email}
 *   defaults:
 *     on_error: fail
 *
 * Loading checks its shape only; the tables and columns are checked against
 * the stream (anon_filter_run) before the first row.
 */
struct anon_profile {
	struct ytree tree;
	const struct ynode *tables;   /* the "tables" mapping, or NULL */
	int on_error;
};

int anon_profile_load(struct anon_profile *p, const char *path, struct conf_error *err);
void anon_profile_release(struct anon_profile *p);

struct anon_ftable;

/*
 * The filter.  Set profile (NULL: no rules, every row passes through), reg,
 * key (needed when profile is set), strict, and report: called with each
 * profile problem and each PII-looking column without a rule, one line each
 * (the library does not print).
 */
struct anon_filter {
	struct anon_profile *profile;
	struct anon_registry *reg;
	const struct anon_key *key;
	int strict;
	long batch;                   /* rows per plugin batch (256) */
	void (*report)(const char *msg);

	/* state */
	struct anon_ftable *tables;
	size_t ntables;
	int checked;
	long pii_unruled;
	long dropped;
};

void anon_filter_init(struct anon_filter *f);
void anon_filter_release(struct anon_filter *f);
/*
 * Read the stream from in, write it to out with masked rows.  Returns 0, or
 * -1 with err: a profile problem (CONF_EXIT_USAGE, naming profile:line), a
 * PII-looking column without a rule under strict (CONF_EXIT_FINDINGS),
 * malformed or truncated input (CONF_EXIT_USAGE: the table in flight gets no
 * rows_end and the stream no end record), a value a strategy could not
 * transform under on_error: fail, or a failing plugin (CONF_EXIT_HOOK).
 */
int anon_filter_run(struct anon_filter *f, FILE *in, const char *name, FILE *out,
    struct conf_error *err);

/* Does a column name look like personal data?  Returns what it looks like, or NULL. */
const char *anon_pii_guess(const char *column);

#endif
