/* rules: the one table of lint rules (ids are the contract, see docs/guides/linting.md). */
#include <string.h>
#include <strings.h>

#include "lint/lint.h"

#define E LINT_ERROR
#define W LINT_WARNING
#define I LINT_INFO

const struct lint_rule lint_rules[] = {
	/* Migration safety */
	{ "require-concurrent-index-creation", "safety", W, LINT_IN_FILE, NULL, "CREATE INDEX without CONCURRENTLY on an existing table" },
	{ "require-concurrent-index-deletion", "safety", W, LINT_IN_SQL, NULL, "DROP INDEX without CONCURRENTLY" },
	{ "ban-concurrent-index-creation-in-transaction", "safety", E, LINT_IN_FILE, NULL, "CREATE INDEX CONCURRENTLY inside a transaction" },
	{ "adding-field-with-default", "safety", W, LINT_IN_SQL, NULL, "ADD COLUMN with a volatile default or a stored generated column" },
	{ "adding-required-field", "safety", E, LINT_IN_SQL, NULL, "ADD COLUMN NOT NULL without a DEFAULT" },
	{ "adding-not-nullable-field", "safety", W, LINT_IN_FILE, NULL, "SET NOT NULL without a validated CHECK (col IS NOT NULL)" },
	{ "changing-column-type", "safety", W, LINT_IN_SQL, NULL, "ALTER COLUMN TYPE that rewrites the table" },
	{ "constraint-missing-not-valid", "safety", W, LINT_IN_FILE, NULL, "ADD CHECK on an existing table without NOT VALID" },
	{ "adding-foreign-key-constraint", "safety", W, LINT_IN_FILE, NULL, "ADD FOREIGN KEY on an existing table without NOT VALID" },
	{ "disallowed-unique-constraint", "safety", W, LINT_IN_FILE, NULL, "ADD UNIQUE not USING INDEX on an existing table" },
	{ "adding-serial-primary-key-field", "safety", W, LINT_IN_FILE, NULL, "ADD PRIMARY KEY not USING INDEX on an existing table" },
	{ "require-lock-timeout", "safety", W, LINT_IN_FILE, NULL, "lock-taking DDL with no earlier SET lock_timeout" },
	{ "ban-drop-column", "safety", W, LINT_IN_SQL, NULL, "DROP COLUMN" },
	{ "ban-drop-table", "safety", W, LINT_IN_SQL, NULL, "DROP TABLE" },
	{ "renaming-column", "safety", W, LINT_IN_SQL, NULL, "RENAME COLUMN" },
	{ "renaming-table", "safety", W, LINT_IN_SQL, NULL, "RENAME a table" },
	{ "ban-truncate-cascade", "safety", E, LINT_IN_SQL, NULL, "TRUNCATE ... CASCADE" },
	{ "update-without-where", "safety", E, LINT_IN_SQL, NULL, "UPDATE without WHERE" },
	{ "delete-without-where", "safety", E, LINT_IN_SQL, NULL, "DELETE without WHERE" },
	/* Squawk parity */
	{ "require-statement-timeout", "parity", W, LINT_IN_FILE, NULL, "slow DDL with no earlier SET statement_timeout" },
	{ "prefer-robust-stmts", "parity", W, LINT_IN_FILE, NULL, "DDL without IF [NOT] EXISTS outside a transaction" },
	{ "ban-drop-database", "parity", E, LINT_IN_SQL, NULL, "DROP DATABASE" },
	{ "ban-drop-not-null", "parity", W, LINT_IN_SQL, NULL, "ALTER COLUMN DROP NOT NULL" },
	{ "ban-create-domain-with-constraint", "parity", W, LINT_IN_SQL, NULL, "CREATE DOMAIN with a CHECK" },
	{ "ban-alter-domain-with-add-constraint", "parity", W, LINT_IN_SQL, NULL, "ALTER DOMAIN ADD CONSTRAINT" },
	{ "require-concurrent-reindex", "parity", W, LINT_IN_SQL, NULL, "REINDEX without CONCURRENTLY" },
	{ "require-concurrent-partition-detach", "parity", W, LINT_IN_SQL, NULL, "DETACH PARTITION without CONCURRENTLY" },
	{ "require-enum-value-ordering", "parity", W, LINT_IN_SQL, NULL, "ALTER TYPE ADD VALUE without BEFORE/AFTER" },
	{ "ban-duplicate-column-assignments", "parity", E, LINT_IN_SQL, NULL, "the same column twice in one statement" },
	{ "transaction-nesting", "parity", E, LINT_IN_FILE, NULL, "BEGIN inside a transaction" },
	{ "ban-uncommitted-transaction", "parity", E, LINT_IN_FILE, NULL, "BEGIN without COMMIT or ROLLBACK" },
	{ "prefer-bigint-over-smallint", "parity", W, LINT_IN_SQL, NULL, "smallint columns" },
	/* Types */
	{ "prefer-bigint-over-int", "types", W, LINT_IN_SQL, NULL, "int/integer/serial columns" },
	{ "prefer-identity", "types", W, LINT_IN_SQL, NULL, "serial/bigserial columns" },
	{ "prefer-text-field", "types", W, LINT_IN_SQL, NULL, "varchar(n) columns" },
	{ "prefer-timestamptz", "types", W, LINT_IN_SQL, "prefer-timestamp-tz", "timestamp without time zone" },
	{ "ban-char-field", "types", W, LINT_IN_SQL, NULL, "char(n) columns" },
	{ "prefer-jsonb", "types", W, LINT_IN_SQL, NULL, "json columns" },
	{ "identifier-too-long", "types", E, LINT_IN_SQL, NULL, "identifier over 63 bytes" },
	/* Design */
	{ "missing-primary-key", "design", W, LINT_IN_SCHEMA, NULL, "table without a primary key" },
	{ "composite-primary-key", "design", I, LINT_IN_SCHEMA, NULL, "primary key over too many columns" },
	{ "column-ordering", "design", I, LINT_IN_SCHEMA, NULL, "column order wastes alignment padding" },
	{ "missing-timestamps", "design", I, LINT_IN_SCHEMA, NULL, "table without created_at/updated_at" },
	{ "missing-default", "design", I, LINT_IN_SCHEMA, NULL, "bookkeeping timestamp without a DEFAULT" },
	{ "missing-not-null", "design", W, LINT_IN_SCHEMA, NULL, "foreign-key or bookkeeping column that is nullable" },
	/* Indexes and performance */
	{ "fk-without-index", "indexes", W, LINT_IN_SCHEMA, NULL, "foreign key without an index on its columns" },
	{ "redundant-index", "indexes", W, LINT_IN_SCHEMA, NULL, "index that is a prefix or duplicate of another" },
	{ "unused-index", "indexes", I, LINT_IN_LIVE, NULL, "index never scanned" },
	{ "low-cardinality-index", "indexes", I, LINT_IN_SCHEMA, NULL, "btree index on a column with few distinct values" },
	/* Naming and relationships */
	{ "table-naming-consistency", "naming", I, LINT_IN_SCHEMA, NULL, "tables mix singular and plural names" },
	{ "column-naming", "naming", I, LINT_IN_SQL, NULL, "column name not snake_case" },
	{ "index-naming", "naming", I, LINT_IN_SQL, NULL, "index name not matching the pattern" },
	{ "constraint-naming", "naming", I, LINT_IN_SQL, NULL, "constraint name not matching the pattern" },
	{ "missing-foreign-key", "naming", W, LINT_IN_SCHEMA, NULL, "<x>_id column without a foreign key" },
	{ "circular-foreign-keys", "naming", W, LINT_IN_SCHEMA, NULL, "a cycle of foreign keys" },
	/* Security */
	{ "rls-disabled", "security", E, LINT_IN_SCHEMA, NULL, "exposed table without row level security or without a policy" },
	{ "sensitive-column-unmasked", "security", W, LINT_IN_SCHEMA, NULL, "PII column with no anonymization strategy" },
	{ "public-schema-usage", "security", W, LINT_IN_SQL, NULL, "objects in schema public, or CREATE on public granted to PUBLIC" },
	{ "security-definer-search-path", "security", E, LINT_IN_SQL, NULL, "SECURITY DEFINER function without SET search_path" },
};

const size_t lint_nrules = sizeof(lint_rules) / sizeof(lint_rules[0]);

int
lint_rule_find(const char *id)
{
	size_t i;

	for (i = 0; i < lint_nrules; i++)
		if (strcmp(lint_rules[i].id, id) == 0 ||
		    (lint_rules[i].alias && strcmp(lint_rules[i].alias, id) == 0))
			return (int)i;
	return -1;
}

const char *
lint_severity_name(enum lint_severity s)
{
	switch (s) {
	case LINT_INFO: return "info";
	case LINT_WARNING: return "warning";
	case LINT_ERROR: return "error";
	default: return "never";
	}
}

int
lint_severity_parse(const char *s, int allow_never)
{
	if (strcasecmp(s, "info") == 0)
		return LINT_INFO;
	if (strcasecmp(s, "warning") == 0)
		return LINT_WARNING;
	if (strcasecmp(s, "error") == 0)
		return LINT_ERROR;
	if (allow_never && strcasecmp(s, "never") == 0)
		return LINT_NEVER;
	return -1;
}
