/* safety: migration-safety rules (locks, rewrites, breaking changes). */
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "pgtree.h"

static const char *const volatile_funcs[] = {
	"random", "clock_timestamp", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
	"uuid_generate_v4", "nextval", "timeofday", "txid_current", "gen_random_bytes", NULL
};

static int
volatile_call(const cJSON *node, void *arg)
{
	const cJSON *fc = pgtree_as(node, "FuncCall"), *it;
	const char *last = NULL;
	size_t i;

	(void)arg;
	if (!fc)
		return 0;
	cJSON_ArrayForEach(it, pgtree_field(fc, "funcname"))
		last = pgtree_sval(it);
	for (i = 0; last && volatile_funcs[i]; i++)
		if (strcmp(last, volatile_funcs[i]) == 0)
			return 1;
	return 0;
}

/* The Constraint of contype type among a ColumnDef's constraints, or NULL. */
static const cJSON *
col_constraint(const cJSON *coldef, const char *type)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, pgtree_field(coldef, "constraints")) {
		const cJSON *con = pgtree_as(it, "Constraint");
		const char *t = pgtree_str(con, "contype");

		if (t && strcmp(t, type) == 0)
			return con;
	}
	return NULL;
}

static const char *
relname(const cJSON *body)
{
	const char *n = pgtree_str(pgtree_field(body, "relation"), "relname");

	return n ? n : "?";
}

/* Is expr a NullTest "col IS NOT NULL"?  Returns the column name. */
static const char *
is_not_null_check(const cJSON *expr)
{
	const cJSON *nt = pgtree_as(expr, "NullTest"), *it;
	const char *type = pgtree_str(nt, "nulltesttype"), *last = NULL;

	if (!nt || !type || strcmp(type, "IS_NOT_NULL") != 0)
		return NULL;
	cJSON_ArrayForEach(it, pgtree_field(pgtree_as(pgtree_field(nt, "arg"), "ColumnRef"), "fields"))
		last = pgtree_sval(it);
	return last;
}

static int
binary_coercible(struct lint_ctx *c, const cJSON *body, const char *colname, const cJSON *tn)
{
	struct lint_table *t;
	struct lint_column *col;
	const char *to = pgtree_typename(tn);
	int mods = pgtree_typmods(tn);

	if (!to)
		return 0;
	t = lint_schema_table(&c->run->schema, pgtree_str(pgtree_field(body, "relation"), "schemaname"),
	    relname(body));
	col = t ? lint_table_column(t, colname) : NULL;
	if (strcmp(to, "text") == 0 || (strcmp(to, "varchar") == 0 && mods == 0)) {
		/* from varchar or text this is free; from anything else a rewrite, but
		 * without the old type we cannot tell */
		if (!col || !col->type)
			return 1;
		return strcmp(col->type, "varchar") == 0 || strcmp(col->type, "text") == 0;
	}
	if (strcmp(to, "varchar") == 0 && col && col->type && strcmp(col->type, "varchar") == 0) {
		const cJSON *a = pgtree_as(cJSON_GetArrayItem(pgtree_field(tn, "typmods"), 0), "A_Const");
		const cJSON *iv = pgtree_field(pgtree_field(a, "ival"), "ival");

		return iv && col->typmod >= 0 && iv->valuedouble >= col->typmod;
	}
	return 0;
}

static void
add_column(struct lint_ctx *c, const cJSON *body, const cJSON *def, int existing)
{
	const char *col = pgtree_str(def, "colname");
	const char *type = pgtree_typename(pgtree_field(def, "typeName"));
	const cJSON *dflt = col_constraint(def, "CONSTR_DEFAULT");
	const cJSON *gen = col_constraint(def, "CONSTR_GENERATED");
	long loc = pgtree_location(def);

	if (!col)
		return;
	if (existing) {
		if (gen)
			lint_report(c, "adding-field-with-default", pgtree_location(gen), NULL,
			    "adding stored generated column \"%s\" rewrites table \"%s\" under ACCESS EXCLUSIVE",
			    col, relname(body));
		else if (dflt && pgtree_walk(pgtree_field(dflt, "raw_expr"), volatile_call, NULL))
			lint_report(c, "adding-field-with-default", pgtree_location(dflt),
			    NULL, "adding column \"%s\" with a volatile default rewrites table \"%s\" under ACCESS EXCLUSIVE",
			    col, relname(body));
		else if (type && strstr(type, "serial"))
			lint_report(c, "adding-field-with-default", pgtree_location(pgtree_field(def, "typeName")),
			    NULL, "adding %s column \"%s\" fills it from a sequence and rewrites table \"%s\"",
			    type, col, relname(body));
		if (col_constraint(def, "CONSTR_NOTNULL") && !dflt && !gen &&
		    !col_constraint(def, "CONSTR_IDENTITY") && !(type && strstr(type, "serial")))
			lint_report(c, "adding-required-field", loc, NULL,
			    "adding NOT NULL column \"%s\" without a DEFAULT fails when \"%s\" has rows",
			    col, relname(body));
		if (col_constraint(def, "CONSTR_FOREIGN"))
			lint_report(c, "adding-foreign-key-constraint", pgtree_location(col_constraint(def, "CONSTR_FOREIGN")),
			    NULL, "a foreign key on new column \"%s\" locks \"%s\" and the referenced table (SHARE ROW EXCLUSIVE)",
			    col, relname(body));
		if (col_constraint(def, "CONSTR_UNIQUE"))
			lint_report(c, "disallowed-unique-constraint", pgtree_location(col_constraint(def, "CONSTR_UNIQUE")),
			    NULL, "a UNIQUE column builds its index under ACCESS EXCLUSIVE on \"%s\"", relname(body));
		if (col_constraint(def, "CONSTR_PRIMARY"))
			lint_report(c, "adding-serial-primary-key-field", pgtree_location(col_constraint(def, "CONSTR_PRIMARY")),
			    NULL, "a PRIMARY KEY column builds its index under ACCESS EXCLUSIVE on \"%s\"", relname(body));
	}
}

static void
add_constraint(struct lint_ctx *c, const cJSON *body, const cJSON *con, int existing)
{
	const char *type = pgtree_str(con, "contype");
	const char *name = pgtree_str(con, "conname");
	long loc = pgtree_location(con);
	const char *rel = relname(body);

	if (!type)
		return;
	if (strcmp(type, "CONSTR_CHECK") == 0) {
		const char *nn = is_not_null_check(pgtree_field(con, "raw_expr"));

		if (nn) {
			char *key = xstrfmt("%s.%s", rel, nn);

			if (pgtree_bool(con, "skip_validation")) {
				char *p = xstrfmt("%s\t%s", name ? name : "", key);

				strvec_push(&c->pending_checks, p);
				free(p);
			} else {
				strvec_push(&c->notnull_checks, key);
			}
			free(key);
		}
		if (existing && !pgtree_bool(con, "skip_validation"))
			lint_report(c, "constraint-missing-not-valid", loc,
			    "ALTER TABLE ... ADD CONSTRAINT ... CHECK (...) NOT VALID; ALTER TABLE ... VALIDATE CONSTRAINT ...;",
			    "adding a CHECK constraint to \"%s\" scans the table under ACCESS EXCLUSIVE; add it NOT VALID and validate it separately",
			    rel);
	} else if (strcmp(type, "CONSTR_FOREIGN") == 0) {
		if (existing && !pgtree_bool(con, "skip_validation"))
			lint_report(c, "adding-foreign-key-constraint", loc,
			    "ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY (...) REFERENCES ... NOT VALID; ALTER TABLE ... VALIDATE CONSTRAINT ...;",
			    "adding a foreign key to \"%s\" locks both tables (SHARE ROW EXCLUSIVE) while it scans; add it NOT VALID and validate it separately",
			    rel);
	} else if (strcmp(type, "CONSTR_UNIQUE") == 0) {
		if (existing && !pgtree_str(con, "indexname"))
			lint_report(c, "disallowed-unique-constraint", loc,
			    "CREATE UNIQUE INDEX CONCURRENTLY ...; ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX ...;",
			    "adding a UNIQUE constraint to \"%s\" builds its index under ACCESS EXCLUSIVE; build the index concurrently and add the constraint USING INDEX",
			    rel);
	} else if (strcmp(type, "CONSTR_PRIMARY") == 0) {
		if (existing && !pgtree_str(con, "indexname"))
			lint_report(c, "adding-serial-primary-key-field", loc,
			    "CREATE UNIQUE INDEX CONCURRENTLY ...; ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY USING INDEX ...;",
			    "adding a PRIMARY KEY to \"%s\" builds its index under ACCESS EXCLUSIVE; build a unique index concurrently and add the key USING INDEX",
			    rel);
	}
}

static void
validate_constraint(struct lint_ctx *c, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < c->pending_checks.nr; i++) {
		const char *p = c->pending_checks.v[i];

		if (strncmp(p, name, n) == 0 && p[n] == '\t')
			strvec_push(&c->notnull_checks, p + n + 1);
	}
}

static void
alter_table(struct lint_ctx *c, const cJSON *body)
{
	const cJSON *rv = pgtree_field(body, "relation"), *it;
	const char *objtype = pgtree_str(body, "objtype");
	int existing = !lint_created(c, rv);

	if (objtype && strcmp(objtype, "OBJECT_TABLE") != 0)
		return;
	cJSON_ArrayForEach(it, pgtree_field(body, "cmds")) {
		const cJSON *cmd = pgtree_as(it, "AlterTableCmd");
		const char *sub = pgtree_str(cmd, "subtype");
		const char *name = pgtree_str(cmd, "name");
		const cJSON *def = pgtree_field(cmd, "def");

		if (!sub)
			continue;
		if (strcmp(sub, "AT_AddColumn") == 0) {
			add_column(c, body, pgtree_as(def, "ColumnDef"), existing);
		} else if (strcmp(sub, "AT_AddConstraint") == 0) {
			add_constraint(c, body, pgtree_as(def, "Constraint"), existing);
		} else if (strcmp(sub, "AT_ValidateConstraint") == 0 && name) {
			validate_constraint(c, name);
		} else if (strcmp(sub, "AT_SetNotNull") == 0 && name && existing) {
			char *key = xstrfmt("%s.%s", relname(body), name);
			size_t i;
			int ok = 0;

			for (i = 0; i < c->notnull_checks.nr; i++)
				if (strcmp(c->notnull_checks.v[i], key) == 0)
					ok = 1;
			if (!ok) {
				char *fix = xstrfmt("ALTER TABLE %s ADD CONSTRAINT %s_%s_not_null CHECK (%s IS NOT NULL) NOT VALID; "
				    "ALTER TABLE %s VALIDATE CONSTRAINT %s_%s_not_null; ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;",
				    relname(body), relname(body), name, name, relname(body), relname(body), name,
				    relname(body), name);

				lint_report(c, "adding-not-nullable-field", -1, fix,
				    "SET NOT NULL on \"%s\".\"%s\" scans the whole table under ACCESS EXCLUSIVE; validate a CHECK (%s IS NOT NULL) first",
				    relname(body), name, name);
				free(fix);
			}
			free(key);
		} else if (strcmp(sub, "AT_AlterColumnType") == 0 && name && existing) {
			const cJSON *tn = pgtree_field(pgtree_as(def, "ColumnDef"), "typeName");

			if (!binary_coercible(c, body, name, tn))
				lint_report(c, "changing-column-type", pgtree_location(tn), NULL,
				    "changing the type of \"%s\".\"%s\" rewrites the table and its indexes under ACCESS EXCLUSIVE",
				    relname(body), name);
		} else if (strcmp(sub, "AT_DropColumn") == 0 && name) {
			lint_report(c, "ban-drop-column", -1, NULL,
			    "dropping column \"%s\".\"%s\" breaks application versions still reading it",
			    relname(body), name);
		}
	}
}

/* Lock-taking statements on an existing table, for the timeout rules. */
static int
locks_existing(struct lint_ctx *c, const char *type, const cJSON *body)
{
	if (strcmp(type, "AlterTableStmt") == 0)
		return !lint_created(c, pgtree_field(body, "relation"));
	if (strcmp(type, "IndexStmt") == 0)
		return !lint_created(c, pgtree_field(body, "relation"));
	if (strcmp(type, "RenameStmt") == 0)
		return !lint_created(c, pgtree_field(body, "relation"));
	if (strcmp(type, "DropStmt") == 0 || strcmp(type, "TruncateStmt") == 0 ||
	    strcmp(type, "ReindexStmt") == 0 || strcmp(type, "AlterDomainStmt") == 0 ||
	    strcmp(type, "CreateTrigStmt") == 0)
		return 1;
	if (strcmp(type, "CreateStmt") == 0) {
		/* a new table with a foreign key locks the referenced one */
		const cJSON *it;

		cJSON_ArrayForEach(it, pgtree_field(body, "tableElts")) {
			const cJSON *con = pgtree_as(it, "Constraint");

			const cJSON *fk = NULL;

			if (con && pgtree_str(con, "contype") &&
			    strcmp(pgtree_str(con, "contype"), "CONSTR_FOREIGN") == 0)
				fk = con;
			if (pgtree_as(it, "ColumnDef"))
				fk = col_constraint(pgtree_as(it, "ColumnDef"), "CONSTR_FOREIGN");
			if (fk && !lint_created(c, pgtree_field(fk, "pktable")))
				return 1;
		}
	}
	return 0;
}

void
lint_safety_stmt(struct lint_ctx *c, const char *type, const cJSON *body)
{
	if (locks_existing(c, type, body)) {
		if (!c->lock_timeout && !c->lock_reported) {
			c->lock_reported = 1;
			lint_report(c, "require-lock-timeout", -1, "SET lock_timeout = '2s';",
			    "%s takes a lock with no lock_timeout set earlier in the migration: it can queue behind a long transaction and block every query after it",
			    type);
		}
		if (!c->stmt_timeout && !c->stmt_reported) {
			c->stmt_reported = 1;
			lint_report(c, "require-statement-timeout", -1, "SET statement_timeout = '5s';",
			    "%s may run long with no statement_timeout set earlier in the migration", type);
		}
	}
	if (strcmp(type, "IndexStmt") == 0) {
		const cJSON *rv = pgtree_field(body, "relation");
		int conc = pgtree_bool(body, "concurrent");

		if (!conc && !lint_created(c, rv))
			lint_report(c, "require-concurrent-index-creation", -1,
			    "CREATE INDEX CONCURRENTLY ...;",
			    "creating an index on existing table \"%s\" without CONCURRENTLY blocks writes (SHARE lock)",
			    relname(body));
		if (conc && lint_in_txn(c))
			lint_report(c, "ban-concurrent-index-creation-in-transaction", -1, NULL,
			    "CREATE INDEX CONCURRENTLY cannot run inside a transaction block");
	} else if (strcmp(type, "DropStmt") == 0) {
		const char *rt = pgtree_str(body, "removeType");

		if (rt && strcmp(rt, "OBJECT_INDEX") == 0 && !pgtree_bool(body, "concurrent"))
			lint_report(c, "require-concurrent-index-deletion", -1, "DROP INDEX CONCURRENTLY ...;",
			    "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table");
		if (rt && strcmp(rt, "OBJECT_TABLE") == 0)
			lint_report(c, "ban-drop-table", -1, NULL,
			    "dropping a table loses its data and breaks application versions still using it");
	} else if (strcmp(type, "AlterTableStmt") == 0) {
		alter_table(c, body);
	} else if (strcmp(type, "RenameStmt") == 0) {
		const char *rt = pgtree_str(body, "renameType");

		if (rt && strcmp(rt, "OBJECT_COLUMN") == 0)
			lint_report(c, "renaming-column", -1, NULL,
			    "renaming column \"%s\".\"%s\" breaks application versions still using the old name",
			    relname(body), pgtree_str(body, "subname") ? pgtree_str(body, "subname") : "?");
		else if (rt && strcmp(rt, "OBJECT_TABLE") == 0)
			lint_report(c, "renaming-table", -1, NULL,
			    "renaming table \"%s\" breaks application versions still using the old name",
			    relname(body));
	} else if (strcmp(type, "TruncateStmt") == 0) {
		const char *b = pgtree_str(body, "behavior");

		if (b && strcmp(b, "DROP_CASCADE") == 0)
			lint_report(c, "ban-truncate-cascade", -1, NULL,
			    "TRUNCATE ... CASCADE also empties every table that references these");
	} else if (strcmp(type, "UpdateStmt") == 0) {
		if (!pgtree_field(body, "whereClause"))
			lint_report(c, "update-without-where", -1, NULL,
			    "UPDATE of \"%s\" without WHERE changes every row", relname(body));
	} else if (strcmp(type, "DeleteStmt") == 0) {
		if (!pgtree_field(body, "whereClause"))
			lint_report(c, "delete-without-where", -1, NULL,
			    "DELETE from \"%s\" without WHERE removes every row", relname(body));
	}
}
