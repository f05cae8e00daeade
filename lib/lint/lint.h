/* lint: the rule registry, the linting run, its findings and their output formats. */
#ifndef CONF_LINT_H
#define CONF_LINT_H

#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "error.h"
#include "sql.h"
#include "strbuf.h"
#include "strvec.h"

enum lint_severity { LINT_INFO, LINT_WARNING, LINT_ERROR, LINT_NEVER };

/* What a rule needs to see (docs/guides/linting.md, "Input"). */
enum lint_input { LINT_IN_SQL, LINT_IN_FILE, LINT_IN_SCHEMA, LINT_IN_LIVE };

/*
 * One rule of the catalogue (shared/reference/lint-rules.md).  The table
 * lint_rules[] in lib/lint/rules.c is the only list of rules; each check
 * lives in the file of its category and reports through lint_report().
 */
struct lint_rule {
	const char *id;
	const char *category;
	enum lint_severity severity;   /* the default */
	enum lint_input input;
	const char *alias;             /* another accepted spelling, or NULL */
	const char *summary;
};

extern const struct lint_rule lint_rules[];
extern const size_t lint_nrules;

/* The index of a rule by id or alias, or -1. */
int lint_rule_find(const char *id);
const char *lint_severity_name(enum lint_severity s);
/* Parse "error", "warning", "info" (and "never" when allow_never). -1 if unknown. */
int lint_severity_parse(const char *s, int allow_never);

enum lint_txn_mode { LINT_TXN_AUTO, LINT_TXN_NO, LINT_TXN_YES };

/*
 * Settings, from the YAML `lint:` section and the command line.  Owned
 * strings; release with lint_config_release.
 */
struct lint_config {
	unsigned char *enabled;            /* per rule */
	enum lint_severity *severity;      /* per rule */
	enum lint_severity fail_on;        /* exit 1 at or above this */
	enum lint_txn_mode txn;
	char *created_col, *updated_col;   /* bookkeeping timestamp names */
	char *index_pattern;               /* "{table}_{columns}_idx" */
	char *table_naming;                /* "any", "plural", "singular" */
	long composite_pk_max;             /* composite keys wider than this */
	long low_cardinality_max;          /* n_distinct at or below this */
	struct strvec exposed_schemas;     /* for rls-disabled */
	struct strvec masked;              /* "table.column" with a strategy */
	int have_profile;                  /* sensitive-column-unmasked is silent without */
	int runner_lock_timeout;           /* the runner sets lock_timeout itself */
	int runner_stmt_timeout;           /* the runner sets statement_timeout itself */
	enum lint_severity migrate_fail_on; /* migrate up stops at or above (default error) */
};

void lint_config_init(struct lint_config *cfg);
void lint_config_release(struct lint_config *cfg);
/*
 * Read a YAML file: either a project config with a `lint:` section or a
 * file whose root is the lint settings themselves.  Returns 0 or -1 with
 * err (file:line for bad values, unknown rule ids).
 */
int lint_config_load(struct lint_config *cfg, const char *path, struct conf_error *err);
/* Enable or disable a rule by id ("all" for every rule). -1 with err if unknown. */
int lint_config_set_enabled(struct lint_config *cfg, const char *id, int on,
    struct conf_error *err);
/* Load an anonymization profile (YAML); every table/column it names counts as masked. */
int lint_config_load_profile(struct lint_config *cfg, const char *path, struct conf_error *err);

struct lint_finding {
	int rule;
	enum lint_severity severity;
	char *file;          /* NULL for catalog objects */
	int line, col;
	char *object;        /* "schema.table" etc., or NULL */
	char *message;
	char *fix;           /* suggested SQL, or NULL */
};

/* The schema model: what CREATE statements or catalog records describe. */
struct lint_column {
	char *name;
	char *type;          /* without pg_catalog, e.g. "int4", "varchar" */
	int typmod;          /* first type modifier, or -1 */
	int notnull, has_default;
	double n_distinct;   /* pg_stats, when has_stats */
	int has_stats;
};

struct lint_loc {
	char *file;          /* NULL for catalog input */
	int line, col;
};

struct lint_table {
	char *schema, *name;
	struct lint_column *cols;
	size_t ncols;
	struct strvec pk;
	int rls, npolicies;
	struct lint_loc loc;
};

struct lint_index {
	char *schema, *table, *name, *method;
	struct strvec cols;  /* "" for an expression */
	int unique, partial, constraint;
	long idx_scan;       /* -1 unknown */
	struct lint_loc loc;
};

struct lint_fk {
	char *schema, *table, *name, *refschema, *reftable;
	struct strvec cols;
	struct lint_loc loc;
};

struct lint_schema {
	struct lint_table *tables;
	size_t ntables;
	struct lint_index *indexes;
	size_t nindexes;
	struct lint_fk *fks;
	size_t nfks;
	int live;            /* statistics are present (catalog input) */
};

/* A linting run: settings, the schema model, findings. */
struct lint_run {
	const struct lint_config *cfg;
	int schema_mode;     /* the inputs are the complete schema */
	struct lint_schema schema;
	struct lint_finding *findings;
	size_t nfindings, alloc;
	size_t nfiles;
	struct strvec ignore_file;     /* per current file: ids, or "*" */
};

/*
 * Load a project's lint settings: the `lint:` section of its environment
 * file, then db/lint.yaml; note whether the runner sets the timeouts itself.
 */
struct project;
int lint_config_project(struct lint_config *cfg, const struct project *p, struct conf_error *err);
/*
 * The validation stage of a migration stream (conf-lint --gate): read the
 * whole stream, lint every up migration (its file under root when readable),
 * show findings on stderr; when some are at or above cfg->migrate_fail_on,
 * return -1 with err (CONF_EXIT_FINDINGS) having written nothing, otherwise
 * write the stream on unchanged.  An error record upstream is passed on and
 * -2 returned (err carries its code); a malformed or truncated stream is -1.
 */
int lint_gate(const struct lint_config *cfg, const char *root, FILE *in, const char *name,
    FILE *out, struct conf_error *err);

void lint_run_init(struct lint_run *run, const struct lint_config *cfg, int schema_mode);
void lint_run_release(struct lint_run *run);

/*
 * Lint one SQL text named file (not owned; text NUL-terminated).  Findings
 * are added to run.  Returns 0, or -1 with err on a syntax error
 * ("file:line:col: syntax error ...", CONF_EXIT_USAGE).
 */
int lint_sql(struct lint_run *run, const char *text, const char *file, struct conf_error *err);
/*
 * Add one NDJSON schema record (docs/protocol.md, kind "schema") to the
 * model.  Returns 0, or -1 with err for a record it cannot read.
 */
int lint_schema_record(struct lint_run *run, const cJSON *rec, struct conf_error *err);
/* Run the schema and live rules over the model (after every input). */
void lint_schema_rules(struct lint_run *run);

enum lint_format { LINT_FMT_NDJSON, LINT_FMT_TEXT, LINT_FMT_SARIF, LINT_FMT_GITHUB };
int lint_format_parse(const char *s);
/*
 * Write the findings to fp in a format (ndjson closes with the end record;
 * text ends with the summary line).  Returns 0 or -1 on a write error.
 */
int lint_write(const struct lint_run *run, enum lint_format fmt, FILE *fp);
/* True when a finding is at or above cfg->fail_on. */
int lint_failed(const struct lint_run *run);
/* The risk score of the text summary: error 10, warning 3, info 1 each. */
long lint_risk(const struct lint_run *run);

/* ---- for the rule files ---- */

/* The state of the file being linted, handed to the per-statement checks. */
struct lint_ctx {
	struct lint_run *run;
	const char *file, *text;
	const struct sql_script *script;
	size_t i;                       /* current statement */
	struct strvec created;          /* tables created earlier in the file */
	struct strvec ignore;           /* ignores for the current statement */
	int lock_timeout, stmt_timeout;
	int lock_reported, stmt_reported;
	int explicit_txn;               /* inside BEGIN ... */
	long begin_loc;
	int runner_txn;                 /* the runner wraps the file in a transaction */
	struct strvec notnull_checks;   /* "table.col" with a validated IS NOT NULL check */
	struct strvec pending_checks;   /* "name\ttable.col" added NOT VALID */
};

/*
 * Report a finding of rule id at byte offset loc of the text (-1: the
 * statement's start).  fix may be NULL.  Honours enablement and ignores.
 */
void lint_report(struct lint_ctx *c, const char *id, long loc, const char *fix,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Report a finding on a schema object (file location from loc when known). */
void lint_report_obj(struct lint_run *run, const char *id, const struct lint_loc *loc,
    const char *object, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* True when a relation (RangeVar body) was created earlier in the file (or anywhere with --schema). */
int lint_created(const struct lint_ctx *c, const cJSON *rangevar);
/* The migration runs inside a transaction at this point. */
int lint_in_txn(const struct lint_ctx *c);
/* Lookups in the model; NULL if absent.  schema NULL matches any. */
struct lint_table *lint_schema_table(struct lint_schema *s, const char *schema, const char *name);
struct lint_column *lint_table_column(struct lint_table *t, const char *name);

/* Per-statement checks, one per category file. */
void lint_safety_stmt(struct lint_ctx *c, const char *type, const cJSON *body);
void lint_parity_stmt(struct lint_ctx *c, const char *type, const cJSON *body);
void lint_types_stmt(struct lint_ctx *c, const char *type, const cJSON *body);
void lint_naming_stmt(struct lint_ctx *c, const char *type, const cJSON *body);
void lint_security_stmt(struct lint_ctx *c, const char *type, const cJSON *body);
/* End of file checks (ban-uncommitted-transaction). */
void lint_parity_eof(struct lint_ctx *c);
/* Schema checks, one per category file. */
void lint_design_schema(struct lint_run *run);
void lint_indexes_schema(struct lint_run *run);
void lint_naming_schema(struct lint_run *run);
void lint_security_schema(struct lint_run *run);
/* Add what a statement creates to the model (lib/lint/model.c). */
void lint_model_stmt(struct lint_ctx *c, const char *type, const cJSON *body);

#endif
