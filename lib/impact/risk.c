/* impact/risk: a migration's risk level, with the reasons and what to do instead. */
#include <stdio.h>
#include <string.h>

#include "impact/impact.h"
#include "record.h"

static const char *const risk_names[] = { "low", "medium", "high" };

const char *
impact_risk_name(int risk)
{
	return risk >= 0 && risk <= 2 ? risk_names[risk] : "";
}

int
impact_risk_parse(const char *name)
{
	int i;

	for (i = 0; name && i <= 2; i++)
		if (strcmp(name, risk_names[i]) == 0)
			return i;
	return -1;
}

static int
in_list(const cJSON *list, const char *table)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, list)
		if (strcmp(record_str(it, "table") ? record_str(it, "table") : "", table) == 0)
			return 1;
	return 0;
}

static void
add_unique(cJSON *arr, const char *text)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
		if (strcmp(cJSON_GetStringValue(it), text) == 0)
			return;
	cJSON_AddItemToArray(arr, cJSON_CreateString(text));
}

/* Size facts of a table from the estimate level, when there are any. */
static const cJSON *
table_stats(const cJSON *imp, const char *table)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(imp, "sizes"))
		if (strcmp(record_str(it, "table") ? record_str(it, "table") : "", table) == 0)
			return it;
	return NULL;
}

/* "UPDATE" for "UpdateStmt", and so on. */
static const char *
dml_name(const char *node)
{
	static const char *const names[][2] = { { "UpdateStmt", "UPDATE" },
	    { "DeleteStmt", "DELETE" }, { "InsertStmt", "INSERT" }, { "MergeStmt", "MERGE" } };
	size_t i;

	for (i = 0; node && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(node, names[i][0]) == 0)
			return names[i][1];
	return "the statement";
}

/* Append ", ~3.6 s" or ", ~240 ms" when the duration is known. */
static void
add_duration(char *buf, size_t size, double ms)
{
	size_t len = strlen(buf);
	char d[32];

	if (ms >= 0)
		snprintf(buf + len, size - len, ", ~%s", impact_ms_text(ms, d, sizeof(d)));
}

static int
mig_risk(struct impact_mig *m)
{
	cJSON *imp = m->impact, *reasons = cJSON_CreateArray(), *recs = cJSON_CreateArray();
	const cJSON *created = cJSON_GetObjectItem(imp, "created"), *it;
	int risk = 0, r, nblock = 0;
	size_t i;
	char buf[512], size[64];

	for (i = 0; i < m->n; i++) {
		const cJSON *s = m->simpact[i];
		int rewrite = record_bool(s, "rewrite", 0), scan = record_bool(s, "scan", 0);
		double est = record_num(s, "est_ms", -1), touched = record_num(s, "rows_touched", -1);
		const cJSON *fails;

		cJSON_ArrayForEach(it, cJSON_GetObjectItem(s, "locks")) {
			const char *t = record_str(it, "table");
			enum impact_lock mode = impact_lock_parse(record_str(it, "mode"));
			const cJSON *st = table_stats(imp, t);
			double bytes = st ? record_num(st, "bytes", -1) : -1;

			if (in_list(created, t) || mode < IMPACT_LOCK_SHARE_UPDATE_EXCLUSIVE)
				continue;
			r = 0;
			if (mode >= IMPACT_LOCK_SHARE && (rewrite || scan))
				r = 2;
			else if (mode >= IMPACT_LOCK_SHARE)
				r = 1;
			/*
			 * How long the lock is held decides, when it is known:
			 * the probe's estimate, or else the table's size.
			 */
			if (est >= 0)
				r = r == 0 ? 0 : est >= 1000 ? 2 : 1;
			else if (r == 2 && bytes >= 0 && bytes < 10e6)
				r = 1;
			if (r == 0)
				continue;
			impact_bytes_text(bytes, size, sizeof(size));
			snprintf(buf, sizeof(buf), "%s on %s%s%s%s", impact_lock_name(mode), t,
			    bytes >= 0 ? ", " : "", bytes >= 0 ? size : "",
			    rewrite ? ", rewrite" : scan ? ", scan" : "");
			add_duration(buf, sizeof(buf), est);
			add_unique(reasons, buf);
			if (r > risk)
				risk = r;
		}
		if (strcmp(record_str(s, "effect"), "rows") == 0 &&
		    (touched >= 100000 || est >= 1000 || (touched < 0 && est < 0 &&
		    cJSON_GetArraySize(cJSON_GetObjectItem(s, "notes")) > 0))) {
			if (touched >= 0)
				snprintf(buf, sizeof(buf), "%s touches ~%.0f rows in one transaction",
				    dml_name(record_str(s, "node")), touched);
			else
				snprintf(buf, sizeof(buf), "%s touches every row in one transaction",
				    dml_name(record_str(s, "node")));
			add_duration(buf, sizeof(buf), est);
			add_unique(reasons, buf);
			if (risk < 1)
				risk = 1;
			add_unique(recs, "batch the change by key ranges, one transaction per batch");
		}
		fails = cJSON_GetObjectItem(s, "estimate");
		if (record_str(fails, "sqlstate") && strncmp(record_str(fails, "sqlstate"), "23", 2) == 0) {
			snprintf(buf, sizeof(buf), "fails on the probe's copy of the real rows: %s",
			    record_str(fails, "reason") ? record_str(fails, "reason") : "");
			add_unique(reasons, buf);
			risk = 2;
			add_unique(recs, "fix the rows that violate it first: the probe copied them from the"
			    " table, and the real run will fail the same way");
		}
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(s, "notes"))
			if (risk > 0)
				add_unique(recs, cJSON_GetStringValue(it));
		if (!record_bool(s, "transactional", 1)) {
			add_unique(reasons, "a statement cannot run in a transaction: a failure leaves the migration half done");
			if (risk < 1)
				risk = 1;
		}
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(imp, "blockers")) {
		char age[64] = "";

		if (record_num(it, "xact_seconds", 0) >= 1)
			snprintf(age, sizeof(age), ", in a transaction for %.0f s",
			    record_num(it, "xact_seconds", 0));
		snprintf(buf, sizeof(buf), "session %.0f (%s%s) %s %s on %s, which conflicts",
		    record_num(it, "pid", 0), record_str(it, "state"), age,
		    record_bool(it, "granted", 1) ? "holds" : "waits for",
		    record_str(it, "mode"), record_str(it, "table"));
		/* first: what blocks the migration now matters before anything else */
		cJSON_InsertItemInArray(reasons, nblock++, cJSON_CreateString(buf));
		risk = 2;
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(imp, "blockers")) > 0)
		add_unique(recs, "wait for the sessions holding locks to finish (or end them) before running it");
	if (!record_bool(imp, "reversible", 1))
		add_unique(reasons, "no down migration");
	if (risk > 0)
		add_unique(recs, "SET lock_timeout = '2s' before the migration and retry on failure");
	cJSON_AddStringToObject(imp, "risk", impact_risk_name(risk));
	cJSON_AddItemToObject(imp, "reasons", reasons);
	cJSON_AddItemToObject(imp, "recommendations", recs);
	return risk;
}

int
impact_run_risk(struct impact_run *run)
{
	int top = 0, r;
	size_t i;

	for (i = 0; i < run->nmig; i++)
		if (run->migs[i].impact && (r = mig_risk(&run->migs[i])) > top)
			top = r;
	return top;
}
