/* strategy: the interface of an anonymization strategy, the rules that use them, and the registry. */
#ifndef CONF_ANON_STRATEGY_H
#define CONF_ANON_STRATEGY_H

#include <stddef.h>

#include "anon/prf.h"
#include "error.h"
#include "strbuf.h"
#include "ytree.h"

/* A column as the stream's table record describes it. */
struct anon_column {
	char *name;
	char *type;           /* format_type(): "character varying(255)", "bigint", ... */
	int not_null;
	long max_length;      /* characters, or -1 */
	int unique;           /* part of a UNIQUE constraint or of the primary key */
};

/* What a column's type can hold, for the fit checks. */
enum anon_type_class {
	ANON_T_TEXT,          /* text, varchar, char, citext, name */
	ANON_T_INT,           /* smallint, integer, bigint */
	ANON_T_NUMERIC,       /* numeric, real, double precision, money */
	ANON_T_DATE,          /* date */
	ANON_T_TIMESTAMP,     /* timestamp [with time zone] */
	ANON_T_UUID,
	ANON_T_INET,          /* inet, cidr */
	ANON_T_JSON,          /* json, jsonb */
	ANON_T_OTHER
};
enum anon_type_class anon_type_class(const char *type);
/* Largest and smallest values of an integer type ("smallint", ...). */
void anon_int_bounds(const char *type, long long *min, long long *max);

/* Parameter types a strategy announces; checked when the profile is read. */
enum anon_param_type {
	ANON_P_STRING,
	ANON_P_INT,
	ANON_P_NUMBER,
	ANON_P_BOOL,
	ANON_P_LIST,          /* a YAML sequence of scalars */
	ANON_P_MAP,           /* a YAML mapping */
	ANON_P_COLUMN         /* the name of another column of the same table */
};

struct anon_param {
	const char *name;
	enum anon_param_type type;
	const char *help;
};

/* Strategy properties (bits). */
enum anon_flags {
	ANON_DETERMINISTIC = 1 << 0,  /* same key, same input, same output */
	ANON_UNIQUE = 1 << 1,         /* distinct inputs give distinct outputs (a permutation, or >= 120 PRF bits) */
	ANON_MAY_NULL = 1 << 2,       /* may turn a value into NULL */
	ANON_KEYED = 1 << 3           /* output depends on the key */
};

/* What to do with a value a strategy could not transform. */
enum anon_on_error {
	ANON_ERR_FAIL,
	ANON_ERR_NULL,
	ANON_ERR_KEEP,
	ANON_ERR_DROP_ROW
};
/* Parse "fail", "null", "keep", "drop_row"; -1 when unknown. */
int anon_on_error_parse(const char *s);

/*
 * The decoded values of the row being rewritten (before masking), for
 * strategies that read another column (date_shift's entity).
 */
struct anon_row {
	const char *const *val;   /* NUL-terminated, or NULL for SQL NULL */
	const size_t *len;
	size_t n;
};

struct anon_rule;

/* Result of apply. */
enum anon_result {
	ANON_VALUE = 0,       /* out holds the new value */
	ANON_SQLNULL = 1,     /* the new value is SQL NULL */
	ANON_ERROR = -1       /* msg says why; the rule's on_error decides */
};

struct anon_strategy {
	const char *name;
	const char *summary;
	const struct anon_param *params;   /* ends with a NULL name */
	unsigned flags;
	/* Read parameters into r->state.  err names the profile line. */
	int (*init)(struct anon_rule *r, struct conf_error *err);
	/* Can the output fit the column?  NULL: any text-like column. */
	int (*check)(struct anon_rule *r, const struct anon_column *col, struct conf_error *err);
	/* Transform one non-NULL value (in[len] is '\0'); out is empty on entry. */
	int (*apply)(struct anon_rule *r, const struct anon_row *row, const char *in,
	    size_t len, struct strbuf *out, struct strbuf *msg);
	void (*release)(struct anon_rule *r);
};

struct anon_plugin;

/*
 * One column's rule, from the profile.  The tree and node are the profile's
 * (not owned); label is "schema.table.column" (owned).
 */
struct anon_rule {
	const struct anon_strategy *strategy;    /* NULL for a plugin */
	struct anon_plugin *plugin;              /* external or shared-object strategy */
	const char *sname;                       /* strategy name as written */
	const struct ytree *tree;
	const struct ynode *node;                /* the column's mapping */
	int line;
	char *label;
	char *domain;                            /* owned; label when none was given */
	struct anon_dkey dk;
	const struct anon_key *key;
	int on_error;
	unsigned flags;                          /* effective flags (may differ from the strategy's) */
	long max_out;                            /* longest output in characters, or -1 unknown */
	const struct anon_column *col;           /* NULL outside a table (--test) */
	const struct anon_column *cols;          /* the table's columns */
	size_t ncols;
	int entity;                              /* column index read by date_shift, or -1 */
	void *state;
};

/*
 * Set up a rule from a column mapping {strategy: NAME, domain:, on_error:,
 * params...}.  Looks the strategy up in reg (built-ins and plugins), checks
 * every parameter against what the strategy announced (unknown parameter,
 * wrong type), derives the domain key, and runs the strategy's init.  Returns
 * 0, or -1 with err naming file:line.  Release with anon_rule_release.
 */
struct anon_registry;
int anon_rule_init(struct anon_rule *r, struct anon_registry *reg, const struct anon_key *key,
    const struct ytree *tree, const struct ynode *node, const char *label,
    int default_on_error, const struct anon_column *cols, size_t ncols,
    const struct anon_column *col, struct conf_error *err);
void anon_rule_release(struct anon_rule *r);

/*
 * Parameter accessors for strategies' init functions.  They return def when
 * the parameter is absent, and -1 with err (naming the line) when it is
 * malformed.
 */
const struct ynode *anon_param_node(const struct anon_rule *r, const char *name);
const char *anon_param_str(const struct anon_rule *r, const char *name, const char *def);
int anon_param_long(const struct anon_rule *r, const char *name, long def, long *out,
    struct conf_error *err);
int anon_param_double(const struct anon_rule *r, const char *name, double def, double *out,
    struct conf_error *err);
int anon_param_bool(const struct anon_rule *r, const char *name, int def, int *out,
    struct conf_error *err);
/* An error naming the rule's profile line (or its parameter's line). */
int anon_rule_error(const struct anon_rule *r, const char *param, struct conf_error *err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Transform one value through a rule (built-in or plugin).  NULL in stays NULL. */
int anon_rule_apply(struct anon_rule *r, const struct anon_row *row, const char *in,
    size_t len, struct strbuf *out, struct strbuf *msg);

/* Characters (UTF-8 code points) in s. */
size_t anon_utf8_len(const char *s, size_t len);

/* The built-in strategies, in one table (strategies.c); ends with a NULL name. */
extern const struct anon_strategy *const anon_builtins[];
const struct anon_strategy *anon_builtin_find(const char *name);

/* Helpers shared between strategy families. */
int anon_luhn_digit(const unsigned char *digits, size_t n);   /* check digit for digits[0..n) */
void anon_tokenize(const struct anon_dkey *dk, const char *in, size_t len, int letters,
    size_t keep_prefix, struct strbuf *out);
void anon_base32(const unsigned char *bytes, size_t nbits, struct strbuf *out);

#endif
