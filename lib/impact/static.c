/* impact/static: lock mode, rewrite and scan of a statement from its parse tree (PostgreSQL 15). */
#include <string.h>

#include "impact/impact.h"
#include "pgtree.h"
#include "sql.h"
#include "strbuf.h"

static const char *const lock_names[] = {
	"", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE",
	"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"
};
static const char *const lock_pgnames[] = {
	"", "AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
	"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"
};

const char *
impact_lock_name(enum impact_lock mode)
{
	if (mode < IMPACT_LOCK_NONE || mode > IMPACT_LOCK_ACCESS_EXCLUSIVE)
		return "";
	return lock_names[mode];
}

enum impact_lock
impact_lock_parse(const char *name)
{
	int i;

	for (i = 1; name && i <= IMPACT_LOCK_ACCESS_EXCLUSIVE; i++)
		if (strcmp(name, lock_names[i]) == 0 || strcmp(name, lock_pgnames[i]) == 0)
			return i;
	return IMPACT_LOCK_NONE;
}

/* What is being worked out for one statement. */
struct facts {
	cJSON *locks;
	int rewrite, scan, rows;
	cJSON *notes;
};

static int
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void
lock_name(struct facts *f, const char *table, enum impact_lock mode)
{
	cJSON *it;

	if (table == NULL || !*table || mode == IMPACT_LOCK_NONE)
		return;
	cJSON_ArrayForEach(it, f->locks) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(it, "table"));
		cJSON *m = cJSON_GetObjectItem(it, "mode");

		if (streq(t, table)) {
			if (impact_lock_parse(cJSON_GetStringValue(m)) < mode)
				cJSON_SetValuestring(m, impact_lock_name(mode));
			return;
		}
	}
	it = cJSON_CreateObject();
	cJSON_AddStringToObject(it, "table", table);
	cJSON_AddStringToObject(it, "mode", impact_lock_name(mode));
	cJSON_AddItemToArray(f->locks, it);
}

/* A RangeVar, wrapped or not. */
static void
lock_rangevar(struct facts *f, const cJSON *rv, enum impact_lock mode)
{
	struct strbuf sb = STRBUF_INIT;

	if (pgtree_as(rv, "RangeVar"))
		rv = pgtree_as(rv, "RangeVar");
	if (rv && pgtree_str(rv, "relname"))
		lock_name(f, pgtree_rangevar(rv, &sb), mode);
	strbuf_release(&sb);
}

static void
note(struct facts *f, const char *text)
{
	cJSON_AddItemToArray(f->notes, cJSON_CreateString(text));
}

/* A foreign key locks its target SHARE ROW EXCLUSIVE, and scans unless NOT VALID. */
static void
constraint(struct facts *f, const cJSON *con, int existing)
{
	const char *type = pgtree_str(con, "contype");

	if (streq(type, "CONSTR_FOREIGN")) {
		lock_rangevar(f, pgtree_field(con, "pktable"), IMPACT_LOCK_SHARE_ROW_EXCLUSIVE);
		if (existing && !pgtree_bool(con, "skip_validation")) {
			f->scan = 1;
			note(f, "the foreign key is validated by a scan; add it NOT VALID, then VALIDATE");
		}
	} else if (streq(type, "CONSTR_CHECK") && existing && !pgtree_bool(con, "skip_validation")) {
		f->scan = 1;
		note(f, "the check constraint is validated by a scan; add it NOT VALID, then VALIDATE");
	} else if ((streq(type, "CONSTR_PRIMARY") || streq(type, "CONSTR_UNIQUE") ||
	    streq(type, "CONSTR_EXCLUSION")) && existing && !pgtree_str(con, "indexname")) {
		f->scan = 1;
		note(f, "the constraint builds an index under the lock; build it CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX");
	}
}

/* Volatile defaults known to force a rewrite when a column is added. */
static int
volatile_default(const cJSON *node, void *arg)
{
	static const char *const fns[] = { "random", "clock_timestamp", "gen_random_uuid",
	    "uuid_generate_v4", "uuid_generate_v1", "nextval", "timeofday", NULL };
	const cJSON *fc = pgtree_as(node, "FuncCall"), *names, *last = NULL, *it;
	int i;

	(void)arg;
	if (fc == NULL)
		return 0;
	names = pgtree_field(fc, "funcname");
	cJSON_ArrayForEach(it, names)
		last = it;
	for (i = 0; last && fns[i]; i++)
		if (streq(pgtree_sval(last), fns[i]))
			return 1;
	return 0;
}

static void
add_column(struct facts *f, const cJSON *coldef)
{
	const cJSON *it, *tn = pgtree_field(coldef, "typeName");
	const char *type = pgtree_typename(tn);

	if (streq(type, "serial") || streq(type, "bigserial") || streq(type, "smallserial") ||
	    streq(type, "serial4") || streq(type, "serial8") || streq(type, "serial2"))
		f->rewrite = 1;
	cJSON_ArrayForEach(it, pgtree_field(coldef, "constraints")) {
		const cJSON *con = pgtree_as(it, "Constraint");
		const char *ct = pgtree_str(con, "contype");

		if (streq(ct, "CONSTR_DEFAULT") && pgtree_walk(pgtree_field(con, "raw_expr"),
		    volatile_default, NULL))
			f->rewrite = 1;
		else if (streq(ct, "CONSTR_IDENTITY") || (streq(ct, "CONSTR_GENERATED")))
			f->rewrite = 1;
		else if (streq(ct, "CONSTR_NOTNULL"))
			f->scan = 1;
		constraint(f, con, 1);
	}
	if (f->rewrite)
		note(f, "the new column's default is volatile (or generated): every row is rewritten; add the column without it, then backfill in batches");
}

/* Binary-coercible type changes keep the table's files; everything else rewrites it. */
static void
alter_type(struct facts *f, const cJSON *coldef)
{
	const cJSON *tn = pgtree_field(coldef, "typeName");
	const char *type = pgtree_typename(tn);

	if ((streq(type, "text") || streq(type, "varchar")) && pgtree_typmods(tn) <= 1 &&
	    !pgtree_field(coldef, "raw_default")) {
		note(f, "no rewrite if the column is already text or a shorter varchar; otherwise the table is rewritten");
		f->scan = 0;
		return;
	}
	f->rewrite = 1;
	note(f, "changing the column's type rewrites the table and its indexes");
}

static enum impact_lock
alter_cmd(struct facts *f, const cJSON *cmd)
{
	static const char *const sue[] = { "AT_SetStatistics", "AT_SetOptions", "AT_ResetOptions",
	    "AT_ClusterOn", "AT_DropCluster", "AT_SetRelOptions", "AT_ResetRelOptions",
	    "AT_ValidateConstraint", "AT_AttachPartition", NULL };
	static const char *const rewrites[] = { "AT_SetLogged", "AT_SetUnLogged",
	    "AT_SetTableSpace", "AT_SetAccessMethod", NULL };
	const char *sub = pgtree_str(cmd, "subtype");
	const cJSON *def = pgtree_field(cmd, "def");
	int i;

	if (sub == NULL)
		return IMPACT_LOCK_ACCESS_EXCLUSIVE;
	if (strncmp(sub, "AT_EnableTrig", 13) == 0 || strncmp(sub, "AT_DisableTrig", 14) == 0 ||
	    streq(sub, "AT_EnableAlwaysTrig") || streq(sub, "AT_EnableReplicaTrig"))
		return IMPACT_LOCK_SHARE_ROW_EXCLUSIVE;
	for (i = 0; sue[i]; i++)
		if (streq(sub, sue[i])) {
			if (streq(sub, "AT_ValidateConstraint")) {
				f->scan = 1;
				note(f, "VALIDATE scans the table but lets reads and writes go on");
			}
			if (streq(sub, "AT_AttachPartition"))
				lock_rangevar(f, pgtree_field(pgtree_as(def, "PartitionCmd"), "name"),
				    IMPACT_LOCK_ACCESS_EXCLUSIVE);
			return IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE;
		}
	for (i = 0; rewrites[i]; i++)
		if (streq(sub, rewrites[i])) {
			f->rewrite = 1;
			return IMPACT_LOCK_ACCESS_EXCLUSIVE;
		}
	if (streq(sub, "AT_DetachPartition")) {
		/* CONCURRENTLY ends with a second transaction that takes the partition ACCESS EXCLUSIVE. */
		lock_rangevar(f, pgtree_field(pgtree_as(def, "PartitionCmd"), "name"),
		    IMPACT_LOCK_ACCESS_EXCLUSIVE);
		if (pgtree_bool(pgtree_as(def, "PartitionCmd"), "concurrent"))
			return IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE;
		return IMPACT_LOCK_ACCESS_EXCLUSIVE;
	}
	if (streq(sub, "AT_DropConstraint"))
		note(f, "if the constraint is a foreign key, the table it references is locked ACCESS EXCLUSIVE too");
	if (streq(sub, "AT_AddColumn")) {
		add_column(f, pgtree_as(def, "ColumnDef"));
	} else if (streq(sub, "AT_AlterColumnType")) {
		alter_type(f, pgtree_as(def, "ColumnDef"));
	} else if (streq(sub, "AT_SetNotNull")) {
		f->scan = 1;
		note(f, "SET NOT NULL scans the table under ACCESS EXCLUSIVE; add CHECK (col IS NOT NULL) NOT VALID and VALIDATE it first");
	} else if (streq(sub, "AT_AddConstraint")) {
		const cJSON *con = pgtree_as(def, "Constraint");

		constraint(f, con, 1);
		if (streq(pgtree_str(con, "contype"), "CONSTR_FOREIGN"))
			return IMPACT_LOCK_SHARE_ROW_EXCLUSIVE;
	}
	return IMPACT_LOCK_ACCESS_EXCLUSIVE;
}

/*
 * ALTER INDEX locks the index, not its table, except ATTACH PARTITION,
 * which reads both tables (ACCESS SHARE, recorded under the indexes' names).
 */
static void
alter_index(struct facts *f, const cJSON *body)
{
	const cJSON *it, *cmd, *def;
	struct strbuf sb = STRBUF_INIT;
	enum impact_lock mode;

	cJSON_ArrayForEach(it, pgtree_field(body, "cmds")) {
		cmd = pgtree_as(it, "AlterTableCmd");
		def = pgtree_field(cmd, "def");
		if (streq(pgtree_str(cmd, "subtype"), "AT_AttachPartition")) {
			lock_rangevar(f, pgtree_field(body, "relation"), IMPACT_LOCK_ACCESS_SHARE);
			lock_rangevar(f, pgtree_field(pgtree_as(def, "PartitionCmd"), "name"),
			    IMPACT_LOCK_ACCESS_SHARE);
			continue;
		}
		mode = alter_cmd(f, cmd);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "ALTER INDEX takes %s on the index only; its table is not locked%s",
		    impact_lock_name(mode), mode == IMPACT_LOCK_ACCESS_EXCLUSIVE ?
		    ", but the queries planned on the table wait for the index" : "");
		note(f, sb.buf);
	}
	strbuf_release(&sb);
}

static void
alter_table(struct facts *f, const cJSON *body)
{
	enum impact_lock mode = IMPACT_LOCK_NONE, m;
	const cJSON *it;

	if (streq(pgtree_str(body, "objtype"), "OBJECT_INDEX")) {
		alter_index(f, body);
		return;
	}
	cJSON_ArrayForEach(it, pgtree_field(body, "cmds"))
		if ((m = alter_cmd(f, pgtree_as(it, "AlterTableCmd"))) > mode)
			mode = m;
	if (mode == IMPACT_LOCK_NONE)
		mode = IMPACT_LOCK_ACCESS_EXCLUSIVE;
	lock_rangevar(f, pgtree_field(body, "relation"), mode);
}

static void
create_table(struct facts *f, const cJSON *body)
{
	const cJSON *it, *c;

	lock_rangevar(f, pgtree_field(body, "relation"), IMPACT_LOCK_ACCESS_EXCLUSIVE);
	cJSON_ArrayForEach(it, pgtree_field(body, "inhRelations"))
		lock_rangevar(f, it, pgtree_field(body, "partbound") ?
		    IMPACT_LOCK_ACCESS_EXCLUSIVE : IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE);
	cJSON_ArrayForEach(it, pgtree_field(body, "tableElts")) {
		if (pgtree_as(it, "Constraint"))
			constraint(f, pgtree_as(it, "Constraint"), 0);
		cJSON_ArrayForEach(c, pgtree_field(pgtree_as(it, "ColumnDef"), "constraints"))
			constraint(f, pgtree_as(c, "Constraint"), 0);
	}
}

/* DROP TRIGGER/POLICY/RULE x ON t: the object is the name list t's names, then x. */
static void
drop_relobject(struct facts *f, const cJSON *body)
{
	const cJSON *it, *name;
	struct strbuf sb = STRBUF_INIT;
	int i, n;

	cJSON_ArrayForEach(it, pgtree_field(body, "objects")) {
		const cJSON *items = pgtree_field(pgtree_as(it, "List"), "items");

		strbuf_reset(&sb);
		n = cJSON_GetArraySize(items);
		for (i = 0; i < n - 1; i++) {
			name = cJSON_GetArrayItem(items, i);
			if (sb.len)
				strbuf_addch(&sb, '.');
			strbuf_addstr(&sb, pgtree_sval(name) ? pgtree_sval(name) : "");
		}
		lock_name(f, sb.buf, IMPACT_LOCK_ACCESS_EXCLUSIVE);
	}
	strbuf_release(&sb);
}

/* DROP TABLE/VIEW/INDEX a, b: each object a list of String nodes. */
static void
drop(struct facts *f, const cJSON *body)
{
	const char *kind = pgtree_str(body, "removeType");
	int conc = pgtree_bool(body, "concurrent");
	const cJSON *it;

	if (streq(kind, "OBJECT_TRIGGER") || streq(kind, "OBJECT_POLICY") ||
	    streq(kind, "OBJECT_RULE")) {
		drop_relobject(f, body);
		return;
	}
	if (!streq(kind, "OBJECT_TABLE") && !streq(kind, "OBJECT_VIEW") &&
	    !streq(kind, "OBJECT_MATVIEW") && !streq(kind, "OBJECT_INDEX") &&
	    !streq(kind, "OBJECT_FOREIGN_TABLE"))
		return;
	cJSON_ArrayForEach(it, pgtree_field(body, "objects")) {
		struct strbuf sb = STRBUF_INIT;

		pgtree_namelist(pgtree_field(pgtree_as(it, "List"), "items"), &sb);
		lock_name(f, sb.buf, conc ? IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE :
		    IMPACT_LOCK_ACCESS_EXCLUSIVE);
		strbuf_release(&sb);
	}
	if (streq(kind, "OBJECT_INDEX") && !conc)
		note(f, "DROP INDEX locks its table ACCESS EXCLUSIVE; DROP INDEX CONCURRENTLY does not");
	if (streq(kind, "OBJECT_TABLE"))
		note(f, "if the table has foreign keys, the tables they reference are locked ACCESS EXCLUSIVE too");
}

/*
 * REINDEX TABLE/INDEX: SHARE on the table (recorded under the index's name
 * for REINDEX INDEX), ACCESS EXCLUSIVE on each index; CONCURRENTLY: SHARE
 * UPDATE EXCLUSIVE.  SCHEMA, DATABASE and SYSTEM name no table.
 */
static void
reindex(struct facts *f, const cJSON *body)
{
	const cJSON *it;
	int conc = 0;

	cJSON_ArrayForEach(it, pgtree_field(body, "params"))
		if (streq(pgtree_str(pgtree_as(it, "DefElem"), "defname"), "concurrently"))
			conc = 1;
	lock_rangevar(f, pgtree_field(body, "relation"), conc ?
	    IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE : IMPACT_LOCK_SHARE);
	f->scan = 1;
	if (!conc)
		note(f, "REINDEX blocks writes, and its ACCESS EXCLUSIVE on each index blocks the queries planned on the table; use REINDEX CONCURRENTLY");
}

/* Tables a query reads: ACCESS SHARE on every RangeVar below it. */
static int
reads(const cJSON *node, void *arg)
{
	if (pgtree_as(node, "RangeVar"))
		lock_rangevar(arg, node, IMPACT_LOCK_ACCESS_SHARE);
	return 0;
}

/* COMMENT ON TABLE/COLUMN/...: SHARE UPDATE EXCLUSIVE on the relation. */
static void
comment(struct facts *f, const cJSON *body)
{
	const char *kind = pgtree_str(body, "objtype");
	const cJSON *items = pgtree_field(pgtree_as(pgtree_field(body, "object"), "List"), "items");
	struct strbuf sb = STRBUF_INIT;
	int n = cJSON_GetArraySize(items), i = 0;
	const cJSON *it;

	if (streq(kind, "OBJECT_TABLE") || streq(kind, "OBJECT_VIEW") ||
	    streq(kind, "OBJECT_MATVIEW") || streq(kind, "OBJECT_FOREIGN_TABLE")) {
		lock_name(f, pgtree_namelist(items, &sb), IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE);
	} else if (streq(kind, "OBJECT_COLUMN")) {
		cJSON_ArrayForEach(it, items) {
			if (++i == n)
				break;
			if (sb.len)
				strbuf_addch(&sb, '.');
			strbuf_addstr(&sb, pgtree_sval(it) ? pgtree_sval(it) : "");
		}
		lock_name(f, sb.buf, IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE);
	}
	strbuf_release(&sb);
}

static void
dispatch(struct facts *f, const char *type, const cJSON *body)
{
	const cJSON *it;

	if (streq(type, "AlterTableStmt")) {
		alter_table(f, body);
	} else if (streq(type, "CreateStmt")) {
		create_table(f, body);
	} else if (streq(type, "IndexStmt")) {
		int conc = pgtree_bool(body, "concurrent");

		lock_rangevar(f, pgtree_field(body, "relation"), conc ?
		    IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE : IMPACT_LOCK_SHARE);
		f->scan = 1;
		if (!conc)
			note(f, "CREATE INDEX blocks writes while it builds; use CREATE INDEX CONCURRENTLY");
	} else if (streq(type, "DropStmt")) {
		drop(f, body);
	} else if (streq(type, "RenameStmt")) {
		if (streq(pgtree_str(body, "renameType"), "OBJECT_INDEX"))
			note(f, "renaming an index takes SHARE UPDATE EXCLUSIVE on the index only; its table is not locked");
		else
			lock_rangevar(f, pgtree_field(body, "relation"), IMPACT_LOCK_ACCESS_EXCLUSIVE);
	} else if (streq(type, "AlterObjectSchemaStmt")) {
		const char *kind = pgtree_str(body, "objectType");

		if (streq(kind, "OBJECT_TABLE") || streq(kind, "OBJECT_VIEW") ||
		    streq(kind, "OBJECT_MATVIEW") || streq(kind, "OBJECT_FOREIGN_TABLE"))
			lock_rangevar(f, pgtree_field(body, "relation"), IMPACT_LOCK_ACCESS_EXCLUSIVE);
	} else if (streq(type, "ReindexStmt")) {
		reindex(f, body);
	} else if (streq(type, "TruncateStmt")) {
		cJSON_ArrayForEach(it, pgtree_field(body, "relations"))
			lock_rangevar(f, it, IMPACT_LOCK_ACCESS_EXCLUSIVE);
		f->rewrite = 1;
	} else if (streq(type, "VacuumStmt")) {
		int full = 0;

		cJSON_ArrayForEach(it, pgtree_field(body, "options"))
			if (streq(pgtree_str(pgtree_as(it, "DefElem"), "defname"), "full"))
				full = 1;
		cJSON_ArrayForEach(it, pgtree_field(body, "rels"))
			lock_rangevar(f, pgtree_field(pgtree_as(it, "VacuumRelation"), "relation"),
			    full ? IMPACT_LOCK_ACCESS_EXCLUSIVE : IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE);
		f->scan = 1;
		f->rewrite = full;
	} else if (streq(type, "ClusterStmt")) {
		lock_rangevar(f, pgtree_field(body, "relation"), IMPACT_LOCK_ACCESS_EXCLUSIVE);
		f->rewrite = 1;
	} else if (streq(type, "ViewStmt")) {
		lock_rangevar(f, pgtree_field(body, "view"), IMPACT_LOCK_ACCESS_EXCLUSIVE);
		pgtree_walk(pgtree_field(body, "query"), reads, f);
	} else if (streq(type, "CreateTableAsStmt")) {
		const cJSON *into = pgtree_field(body, "into");

		/* libpg_query prints the IntoClause unwrapped. */
		if (pgtree_as(into, "IntoClause"))
			into = pgtree_as(into, "IntoClause");
		lock_rangevar(f, pgtree_field(into, "rel"), IMPACT_LOCK_ACCESS_EXCLUSIVE);
		pgtree_walk(pgtree_field(body, "query"), reads, f);
		f->rows = 1;
	} else if (streq(type, "RefreshMatViewStmt")) {
		lock_rangevar(f, pgtree_field(body, "relation"), pgtree_bool(body, "concurrent") ?
		    IMPACT_LOCK_EXCLUSIVE : IMPACT_LOCK_ACCESS_EXCLUSIVE);
		f->rewrite = 1;
	} else if (streq(type, "CommentStmt")) {
		comment(f, body);
	} else if (streq(type, "CreateTrigStmt")) {
		lock_rangevar(f, pgtree_field(body, "relation"), IMPACT_LOCK_SHARE_ROW_EXCLUSIVE);
	} else if (streq(type, "CreatePolicyStmt") || streq(type, "AlterPolicyStmt") ||
	    streq(type, "RuleStmt")) {
		lock_rangevar(f, pgtree_field(body, "table") ? pgtree_field(body, "table") :
		    pgtree_field(body, "relation"), IMPACT_LOCK_ACCESS_EXCLUSIVE);
	} else if (streq(type, "CreateStatsStmt")) {
		cJSON_ArrayForEach(it, pgtree_field(body, "relations"))
			lock_rangevar(f, it, IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE);
	} else if (streq(type, "LockStmt")) {
		static const enum impact_lock modes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
		long m = pgtree_int(body, "mode");

		cJSON_ArrayForEach(it, pgtree_field(body, "relations"))
			lock_rangevar(f, it, m >= 1 && m <= 8 ? modes[m] : IMPACT_LOCK_ACCESS_EXCLUSIVE);
	} else if (streq(type, "InsertStmt") || streq(type, "UpdateStmt") ||
	    streq(type, "DeleteStmt") || streq(type, "MergeStmt")) {
		pgtree_walk(pgtree_field(body, "selectStmt"), reads, f);
		pgtree_walk(pgtree_field(body, "fromClause"), reads, f);
		pgtree_walk(pgtree_field(body, "usingClause"), reads, f);
		pgtree_walk(pgtree_field(body, "whereClause"), reads, f);
		lock_rangevar(f, pgtree_field(body, "relation"), IMPACT_LOCK_ROW_EXCLUSIVE);
		f->rows = 1;
		if (!streq(type, "InsertStmt") && !pgtree_field(body, "whereClause"))
			note(f, "the statement touches every row in one transaction; batch it by key ranges");
	} else if (streq(type, "SelectStmt")) {
		pgtree_walk(body, reads, f);
	}
}

cJSON *
impact_static(const cJSON *tree)
{
	struct facts f = { NULL, 0, 0, 0, NULL };
	enum impact_lock top = IMPACT_LOCK_NONE, m;
	const cJSON *it;
	cJSON *out = cJSON_CreateObject();
	const char *reason;

	f.locks = cJSON_CreateArray();
	f.notes = cJSON_CreateArray();
	dispatch(&f, pgtree_type(tree), pgtree_body(tree));
	cJSON_ArrayForEach(it, f.locks)
		if ((m = impact_lock_parse(cJSON_GetStringValue(cJSON_GetObjectItem(it, "mode")))) > top)
			top = m;
	cJSON_AddItemToObject(out, "locks", f.locks);
	cJSON_AddStringToObject(out, "lock", impact_lock_name(top));
	cJSON_AddStringToObject(out, "effect", f.rewrite ? "rewrite" : f.scan ? "scan" :
	    f.rows ? "rows" : "metadata");
	cJSON_AddBoolToObject(out, "rewrite", f.rewrite);
	cJSON_AddBoolToObject(out, "scan", f.scan || f.rewrite);
	cJSON_AddBoolToObject(out, "transactional", sql_txn_class(tree) == SQL_TXN_OK);
	if ((reason = sql_txn_reason(tree)) != NULL)
		cJSON_AddStringToObject(out, "txn_reason", reason);
	cJSON_AddItemToObject(out, "notes", f.notes);
	return out;
}
