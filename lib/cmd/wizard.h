/* wizard: the shared state of `confiture wizard` and the functions of each step. */
#ifndef CONF_CMD_WIZARD_H
#define CONF_CMD_WIZARD_H

#include <stddef.h>

#include <libpq-fe.h>

#include "error.h"
#include "strbuf.h"
#include "tui/tui.h"

/* A column of a source table and the rule chosen for it. */
struct wz_column {
	char *name;
	char *type;               /* format_type() */
	const char *suggest;      /* suggested strategy (static string), or NULL */
	char *strategy;           /* chosen strategy, NULL: copied as is */
};

/* A table of the source database, as the catalog describes it. */
struct wz_table {
	char *schema, *name, *qname;  /* qname: "schema.name" */
	unsigned oid;
	long long rows;           /* exact count or estimate */
	int rows_exact;
	long long bytes;          /* pg_total_relation_size */
	int selected;
	struct wz_column *cols;
	size_t ncols;
	size_t *parents;          /* indexes of tables this one references */
	size_t nparents;
	char **pkey;              /* primary key columns, NULL-terminated, or NULL */
	long long target_rows;    /* rows in the target before the run, -1: no such table */
};

/* One end of the copy: what the user typed, what it resolved to. */
struct wz_end {
	char *spec;               /* environment name or connection string, as given */
	char *conninfo;           /* resolved */
	char *label;              /* shown to people: env name or redacted conninfo */
	char *identity;           /* "system id/port/database" to tell two ends apart */
	int production;           /* looks like production */
};

enum wz_step {
	WZ_SOURCE, WZ_TARGET, WZ_TABLES, WZ_RULES, WZ_REVIEW, WZ_EXECUTE, WZ_VERIFY, WZ_DONE
};

struct wizard {
	struct tui tui;
	int interactive;
	const char *root;         /* project directory (-C) */
	struct wz_end src, tgt;
	char *catalog_of;         /* conninfo the tables were read from */
	struct wz_table *tables;
	size_t ntables;
	char **strategies;        /* what conf-anonymize offers, NULL-terminated */
	size_t nstrategies;
	int closure;              /* add referenced tables without asking (answers) */
	int accept_suggestions;   /* non-interactive: take every suggestion */
	int confirm;              /* non-interactive: the plan is confirmed */
	int dry_run, skip_verify;
	const char *save;         /* profile path to write at the end */
	const char *save_answers; /* answers path to write at the end */
	char *profile_path;       /* temporary profile used by the run */
	int risk;                 /* 0 low, 1 medium, 2 high */
	long long est_rows, est_bytes;
	struct strbuf blockers;   /* review: target tables that make conf-apply refuse, one a line */
	double est_seconds;       /* from a rehearsal (see cmd_rehearse); < 0: unknown */
	int est_full;             /* the rehearsal copied every row */
	int est_no_key;           /* it had to use a throwaway anonymization key */
	char *est_error;          /* why there is no estimate */
	/* after execute */
	long long *loaded;        /* rows per table seen through rows_end */
	int interrupted;
	int exec_status;
	int verify_failed;
	struct strbuf log;        /* stderr of the filters */
};

/* Step results beyond enum tui_result's TUI_OK / TUI_BACK / TUI_QUIT / TUI_INTR. */

/* wizard-catalog.c */
/* Resolve an environment name or a connection string into e; -1 with err. */
int wz_resolve(struct wizard *w, const char *spec, struct wz_end *e, struct conf_error *err);
/* Connect to e->conninfo to check it and fill e->identity; -1 with err (CONF_EXIT_DB). */
int wz_check(struct wz_end *e, struct conf_error *err);
void wz_end_release(struct wz_end *e);
/* The project's environment names (db/environments/ *.yaml), NULL-terminated; free with wz_strv_free. */
char **wz_environments(const char *root);
void wz_strv_free(char **v);
/* Read the source catalog into w->tables, keeping selections and rules by name. */
int wz_load_catalog(struct wizard *w, struct conf_error *err);
void wz_tables_free(struct wz_table *t, size_t n);
/* Index of "schema.name" (or "name" meaning public.name), or -1. */
long wz_table_find(const struct wizard *w, const char *name);
/*
 * Tables that selected tables reference but that are not selected: their
 * indexes into out (up to max), the count returned.  With add, select them too
 * (repeatedly, so the closure is complete).
 */
size_t wz_closure(struct wizard *w, int add, size_t *out, size_t max);
/* The strategy a column's name and type suggest, or NULL (from those offered). */
const char *wz_suggest(const struct wizard *w, const char *column, const char *type);
/* Fill w->strategies from `conf-anonymize --list-strategies` (or the contract's list). */
void wz_load_strategies(struct wizard *w);
int wz_has_strategy(const struct wizard *w, const char *name);
/* Compute the plan figures (rows, bytes, seconds, risk) into w; reads the target's tables. */
int wz_plan(struct wizard *w, struct conf_error *err);
/* Number of masked columns over the selected tables. */
size_t wz_masked(const struct wizard *w);

/* wizard-steps.c: the interactive screens; each returns TUI_OK, TUI_BACK, TUI_QUIT or TUI_INTR. */
int wz_step_source(struct wizard *w);
int wz_step_target(struct wizard *w);
int wz_step_tables(struct wizard *w);
int wz_step_rules(struct wizard *w);
int wz_step_review(struct wizard *w);
/* The context lines every screen shows (answers so far); caller frees. */
char *wz_context(const struct wizard *w);
/* The review report as text lines into sb (also printed in non-interactive mode). */
void wz_review_text(const struct wizard *w, struct strbuf *sb);

/* wizard-run.c */
/* Write the anonymization profile (contract format) for the chosen rules. */
int wz_write_profile(const struct wizard *w, const char *path, struct conf_error *err);
/* The one-line command that repeats the sync; caller frees. */
char *wz_repeat_command(const struct wizard *w, const char *profile);
/*
 * Time the copy: the sync filters on samples of the selected tables, loaded
 * into rolled-back copies of the target's tables (cmd_rehearse).  Sets
 * est_seconds, or est_seconds < 0 and est_error.  Its processes' messages
 * are dropped while the terminal is the wizard's.
 */
void wz_rehearse(struct wizard *w);
/* Run the sync filters with progress; returns an exit status. */
int wz_execute(struct wizard *w);
/* Row counts of the selected tables in the target (-1 where unreadable). */
int wz_target_counts(struct wizard *w, long long *counts, struct conf_error *err);
/* Compare source and target; returns 0 when everything checks out, 1 otherwise, or an error code. */
int wz_verify(struct wizard *w, struct strbuf *report);

#endif
