/* sqltables: which tables a statement changes, read from its parse tree. */
#include <string.h>

#include "pgtree.h"
#include "sqltables.h"
#include "strbuf.h"

static void
add_name(cJSON *names, const char *name)
{
	const cJSON *it;

	if (name == NULL || !*name)
		return;
	cJSON_ArrayForEach(it, names)
		if (cJSON_IsString(it) && strcmp(it->valuestring, name) == 0)
			return;
	cJSON_AddItemToArray(names, cJSON_CreateString(name));
}

static void
add_rangevar(cJSON *names, const cJSON *rv)
{
	struct strbuf sb = STRBUF_INIT;

	if (rv == NULL)
		return;
	if (pgtree_as(rv, "RangeVar"))
		rv = pgtree_as(rv, "RangeVar");
	if (pgtree_str(rv, "relname"))
		add_name(names, pgtree_rangevar(rv, &sb));
	strbuf_release(&sb);
}

/* DROP TABLE/VIEW/INDEX/SEQUENCE a, b: each object is a list of String nodes. */
static void
add_drop_objects(cJSON *names, const cJSON *body)
{
	static const char *const kinds[] = { "OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW",
	    "OBJECT_INDEX", "OBJECT_SEQUENCE", "OBJECT_FOREIGN_TABLE", NULL };
	const char *kind = pgtree_str(body, "removeType");
	const cJSON *it;
	int i, ok = 0;

	for (i = 0; kind && kinds[i]; i++)
		if (strcmp(kind, kinds[i]) == 0)
			ok = 1;
	if (!ok)
		return;
	cJSON_ArrayForEach(it, pgtree_field(body, "objects")) {
		struct strbuf sb = STRBUF_INIT;
		const cJSON *list = pgtree_field(pgtree_as(it, "List"), "items");

		add_name(names, pgtree_namelist(list, &sb));
		strbuf_release(&sb);
	}
}

void
sqltables_changed(const cJSON *tree, cJSON *names)
{
	const char *type = pgtree_type(tree);
	const cJSON *body = pgtree_body(tree), *it;

	if (body == NULL)
		return;
	if (strcmp(type, "CreateStmt") == 0 || strcmp(type, "AlterTableStmt") == 0 ||
	    strcmp(type, "IndexStmt") == 0 || strcmp(type, "InsertStmt") == 0 ||
	    strcmp(type, "UpdateStmt") == 0 || strcmp(type, "DeleteStmt") == 0 ||
	    strcmp(type, "MergeStmt") == 0 || strcmp(type, "CreateTrigStmt") == 0 ||
	    strcmp(type, "RuleStmt") == 0 || strcmp(type, "CreatePolicyStmt") == 0 ||
	    strcmp(type, "AlterPolicyStmt") == 0 || strcmp(type, "ClusterStmt") == 0 ||
	    strcmp(type, "CreateStatsStmt") == 0) {
		add_rangevar(names, pgtree_field(body, "relation"));
	} else if (strcmp(type, "CopyStmt") == 0) {
		if (pgtree_bool(body, "is_from"))
			add_rangevar(names, pgtree_field(body, "relation"));
	} else if (strcmp(type, "RenameStmt") == 0) {
		add_rangevar(names, pgtree_field(body, "relation"));
	} else if (strcmp(type, "ViewStmt") == 0) {
		add_rangevar(names, pgtree_field(body, "view"));
	} else if (strcmp(type, "CreateTableAsStmt") == 0) {
		add_rangevar(names, pgtree_field(pgtree_as(pgtree_field(body, "into"), "IntoClause"), "rel"));
	} else if (strcmp(type, "TruncateStmt") == 0 || strcmp(type, "VacuumStmt") == 0) {
		/* TruncateStmt lists "relations"; PostgreSQL 15's VacuumStmt, "rels". */
		cJSON_ArrayForEach(it, pgtree_field(body, strcmp(type, "VacuumStmt") == 0 ?
		    "rels" : "relations")) {
			const cJSON *vr = pgtree_as(it, "VacuumRelation");

			add_rangevar(names, vr ? pgtree_field(vr, "relation") : it);
		}
	} else if (strcmp(type, "DropStmt") == 0) {
		add_drop_objects(names, body);
	} else if (strcmp(type, "CreateSeqStmt") == 0 || strcmp(type, "AlterSeqStmt") == 0) {
		add_rangevar(names, pgtree_field(body, "sequence"));
	}
}

int
sqltables_writes_rows(const cJSON *tree)
{
	const char *type = pgtree_type(tree);

	if (strcmp(type, "CopyStmt") == 0)
		return pgtree_bool(pgtree_body(tree), "is_from");
	return strcmp(type, "InsertStmt") == 0 || strcmp(type, "UpdateStmt") == 0 ||
	    strcmp(type, "DeleteStmt") == 0 || strcmp(type, "MergeStmt") == 0;
}
