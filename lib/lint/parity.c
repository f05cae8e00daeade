/* parity: the rest of squawk's default rules, under squawk's ids. */
#include <string.h>

#include "lint/lint.h"
#include "pgtree.h"

static int
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Report the second occurrence of a name in a list of nodes with a "name"/"colname". */
static void
duplicates(struct lint_ctx *c, const cJSON *list, const char *wrapper, const char *field,
    const char *what)
{
	const cJSON *a, *b;

	cJSON_ArrayForEach(a, list) {
		const char *na = pgtree_str(pgtree_as(a, wrapper), field);

		if (!na)
			continue;
		for (b = list->child; b && b != a; b = b->next) {
			const char *nb = pgtree_str(pgtree_as(b, wrapper), field);

			if (streq(na, nb)) {
				lint_report(c, "ban-duplicate-column-assignments",
				    pgtree_location(pgtree_as(a, wrapper)), NULL,
				    "column \"%s\" appears twice in the %s", na, what);
				break;
			}
		}
	}
}

static int
robust(const char *type, const cJSON *body)
{
	const cJSON *it;

	if (strcmp(type, "CreateStmt") == 0 || strcmp(type, "IndexStmt") == 0 ||
	    strcmp(type, "CreateSeqStmt") == 0 || strcmp(type, "CreateSchemaStmt") == 0)
		return pgtree_bool(body, "if_not_exists");
	if (strcmp(type, "DropStmt") == 0)
		return pgtree_bool(body, "missing_ok");
	if (strcmp(type, "CreateFunctionStmt") == 0 || strcmp(type, "ViewStmt") == 0)
		return pgtree_bool(body, "replace");
	if (strcmp(type, "AlterTableStmt") == 0) {
		cJSON_ArrayForEach(it, pgtree_field(body, "cmds")) {
			const cJSON *cmd = pgtree_as(it, "AlterTableCmd");
			const char *sub = pgtree_str(cmd, "subtype");

			if (!sub)
				continue;
			if ((streq(sub, "AT_AddColumn") || streq(sub, "AT_DropColumn") ||
			    streq(sub, "AT_DropConstraint")) && !pgtree_bool(cmd, "missing_ok"))
				return 0;
			if (streq(sub, "AT_AddConstraint"))
				return 0;
		}
		return 1;
	}
	return 1;
}

void
lint_parity_stmt(struct lint_ctx *c, const char *type, const cJSON *body)
{
	const cJSON *it;

	if (!lint_in_txn(c) && !robust(type, body))
		lint_report(c, "prefer-robust-stmts", -1, NULL,
		    "%s cannot be re-run after a partial failure of this non-transactional migration; add IF [NOT] EXISTS",
		    type);
	if (strcmp(type, "DropdbStmt") == 0) {
		lint_report(c, "ban-drop-database", -1, NULL, "DROP DATABASE \"%s\"",
		    pgtree_str(body, "dbname") ? pgtree_str(body, "dbname") : "?");
	} else if (strcmp(type, "AlterTableStmt") == 0) {
		cJSON_ArrayForEach(it, pgtree_field(body, "cmds")) {
			const cJSON *cmd = pgtree_as(it, "AlterTableCmd");
			const char *sub = pgtree_str(cmd, "subtype");

			if (streq(sub, "AT_DropNotNull"))
				lint_report(c, "ban-drop-not-null", -1, NULL,
				    "dropping NOT NULL on \"%s\" lets NULLs reach clients that do not expect them",
				    pgtree_str(cmd, "name") ? pgtree_str(cmd, "name") : "?");
			else if (streq(sub, "AT_DetachPartition") &&
			    !pgtree_bool(pgtree_as(pgtree_field(cmd, "def"), "PartitionCmd"), "concurrent"))
				lint_report(c, "require-concurrent-partition-detach", -1,
				    "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY;",
				    "DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the parent");
		}
	} else if (strcmp(type, "CreateDomainStmt") == 0) {
		cJSON_ArrayForEach(it, pgtree_field(body, "constraints")) {
			if (streq(pgtree_str(pgtree_as(it, "Constraint"), "contype"), "CONSTR_CHECK"))
				lint_report(c, "ban-create-domain-with-constraint",
				    pgtree_location(pgtree_as(it, "Constraint")), NULL,
				    "a CHECK on a domain is revalidated on every column using it whenever it changes");
		}
	} else if (strcmp(type, "AlterDomainStmt") == 0) {
		if (streq(pgtree_str(body, "subtype"), "C"))
			lint_report(c, "ban-alter-domain-with-add-constraint", -1, NULL,
			    "ALTER DOMAIN ... ADD CONSTRAINT validates every column using the domain");
	} else if (strcmp(type, "ReindexStmt") == 0) {
		int conc = 0;

		cJSON_ArrayForEach(it, pgtree_field(body, "params")) {
			if (streq(pgtree_str(pgtree_as(it, "DefElem"), "defname"), "concurrently"))
				conc = 1;
		}
		if (!conc)
			lint_report(c, "require-concurrent-reindex", -1, "REINDEX ... CONCURRENTLY ...;",
			    "REINDEX without CONCURRENTLY takes ACCESS EXCLUSIVE");
	} else if (strcmp(type, "AlterEnumStmt") == 0) {
		if (pgtree_str(body, "newVal") && !pgtree_str(body, "oldVal") &&
		    !pgtree_str(body, "newValNeighbor"))
			lint_report(c, "require-enum-value-ordering", -1, NULL,
			    "ALTER TYPE ... ADD VALUE '%s' without BEFORE or AFTER appends it at the end of the sort order",
			    pgtree_str(body, "newVal"));
	} else if (strcmp(type, "CreateStmt") == 0) {
		duplicates(c, pgtree_field(body, "tableElts"), "ColumnDef", "colname", "table definition");
	} else if (strcmp(type, "InsertStmt") == 0) {
		duplicates(c, pgtree_field(body, "cols"), "ResTarget", "name", "INSERT column list");
	} else if (strcmp(type, "UpdateStmt") == 0) {
		duplicates(c, pgtree_field(body, "targetList"), "ResTarget", "name", "UPDATE SET list");
	} else if (strcmp(type, "TransactionStmt") == 0) {
		const char *kind = pgtree_str(body, "kind");

		if (streq(kind, "TRANS_STMT_BEGIN") || streq(kind, "TRANS_STMT_START")) {
			if (c->explicit_txn)
				lint_report(c, "transaction-nesting", -1, NULL,
				    "BEGIN inside a transaction that is already open");
			else if (c->runner_txn)
				lint_report(c, "transaction-nesting", -1, NULL,
				    "BEGIN in a migration the runner already wraps in a transaction");
		} else if ((streq(kind, "TRANS_STMT_COMMIT") || streq(kind, "TRANS_STMT_ROLLBACK")) &&
		    !c->explicit_txn && c->runner_txn) {
			lint_report(c, "transaction-nesting", -1, NULL,
			    "COMMIT or ROLLBACK ends the transaction the runner wraps the migration in");
		}
	}
}

void
lint_parity_eof(struct lint_ctx *c)
{
	if (c->explicit_txn)
		lint_report(c, "ban-uncommitted-transaction", c->begin_loc, "COMMIT;",
		    "BEGIN without a COMMIT or ROLLBACK before the end of the file");
}
