/* impact/run: the records of one run grouped by migration, the static level, and the output. */
#include <stdlib.h>
#include <string.h>

#include "impact/impact.h"
#include "record.h"
#include "sql.h"
#include "strbuf.h"

void
impact_run_init(struct impact_run *run)
{
	memset(run, 0, sizeof(*run));
}

void
impact_run_release(struct impact_run *run)
{
	size_t i, j;

	for (i = 0; i < run->nmig; i++) {
		for (j = 0; j < run->migs[i].n; j++)
			cJSON_Delete(run->migs[i].simpact[j]);
		free(run->migs[i].simpact);
		free(run->migs[i].stmts);
		cJSON_Delete(run->migs[i].impact);
	}
	free(run->migs);
	for (i = 0; i < run->nrec; i++)
		cJSON_Delete(run->records[i]);
	free(run->records);
	impact_run_init(run);
}

static void *
grow(void *p, size_t n, size_t size)
{
	return xrealloc(p, (n + 1) * size);
}

int
impact_run_read(struct impact_run *run, FILE *fp, const char *name, struct conf_error *err)
{
	struct record_reader r;
	cJSON *rec;
	int rc;

	record_reader_init(&r, fp, name);
	while ((rc = record_read(&r, &rec, err)) == 1) {
		const char *kind = record_kind(rec);

		run->records = grow(run->records, run->nrec, sizeof(*run->records));
		run->records[run->nrec++] = rec;
		if (strcmp(kind, "error") == 0) {
			run->error = rec;
			break;
		}
		if (strcmp(kind, "migration") == 0) {
			run->migs = grow(run->migs, run->nmig, sizeof(*run->migs));
			memset(&run->migs[run->nmig], 0, sizeof(*run->migs));
			run->migs[run->nmig++].rec = rec;
		} else if (strcmp(kind, "statement") == 0 && run->nmig > 0) {
			struct impact_mig *m = &run->migs[run->nmig - 1];

			m->stmts = grow(m->stmts, m->n, sizeof(*m->stmts));
			m->simpact = grow(m->simpact, m->n, sizeof(*m->simpact));
			m->simpact[m->n] = NULL;
			m->stmts[m->n++] = rec;
		}
	}
	if (rc == 0 && !r.saw_end && run->error == NULL)
		rc = record_truncated_error(&r, err);
	record_reader_release(&r);
	return rc < 0 ? -1 : 0;
}

/* A new impact record naming the migration (and the statement, when there is one). */
static cJSON *
impact_new(const cJSON *mig, const cJSON *stmt, const char *scope)
{
	static const char *const mfields[] = { "direction", "version", "name", NULL };
	static const char *const sfields[] = { "index", "file", "line", "col", "node", NULL };
	cJSON *rec = record_new("impact");
	const cJSON *v;
	int i;

	cJSON_AddStringToObject(rec, "scope", scope);
	for (i = 0; mfields[i]; i++)
		if ((v = cJSON_GetObjectItem(mig, mfields[i])) != NULL)
			cJSON_AddItemToObject(rec, mfields[i], cJSON_Duplicate(v, 1));
	for (i = 0; stmt && sfields[i]; i++)
		if ((v = cJSON_GetObjectItem(stmt, sfields[i])) != NULL)
			cJSON_AddItemToObject(rec, sfields[i], cJSON_Duplicate(v, 1));
	return rec;
}

static void
merge_items(cJSON *dst, const cJSON *src)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, src)
		cJSON_AddItemToObject(dst, it->string, cJSON_Duplicate(it, 1));
}

/* The migration's strongest lock per table over all its statements. */
static void
merge_locks(cJSON *locks, const cJSON *slocks)
{
	const cJSON *it;
	cJSON *have;

	cJSON_ArrayForEach(it, slocks) {
		const char *t = record_str(it, "table"), *mode = record_str(it, "mode");

		cJSON_ArrayForEach(have, locks)
			if (strcmp(record_str(have, "table"), t) == 0)
				break;
		if (have == NULL)
			cJSON_AddItemToArray(locks, cJSON_Duplicate(it, 1));
		else if (impact_lock_parse(mode) > impact_lock_parse(record_str(have, "mode")))
			cJSON_ReplaceItemInObject(have, "mode", cJSON_CreateString(mode));
	}
}

static int
static_mig(struct impact_mig *m, struct conf_error *err)
{
	enum impact_lock top = IMPACT_LOCK_NONE;
	int rewrite = 0, scan = 0, rows = 0, txn = 1;
	cJSON *locks = cJSON_CreateArray(), *created = cJSON_CreateArray(), *it;
	size_t i, j;

	for (i = 0; i < m->n; i++) {
		const char *sql = record_str(m->stmts[i], "sql");
		const char *file = record_str(m->stmts[i], "file");
		struct sql_script s;
		cJSON *facts;

		if (sql == NULL) {
			cJSON_Delete(locks);
			cJSON_Delete(created);
			return conf_error_set(err, CONF_EXIT_USAGE, "statement record without sql");
		}
		if (sql_script_parse(&s, sql, file ? file : "<statement>", err) < 0) {
			sql_script_release(&s);
			cJSON_Delete(locks);
			cJSON_Delete(created);
			return -1;
		}
		m->simpact[i] = impact_new(m->rec, m->stmts[i], "statement");
		cJSON_AddNumberToObject(m->simpact[i], "statements", (double)s.n);
		for (j = 0; j < s.n; j++) {
			facts = impact_static(s.stmts[j].tree);
			if (strcmp(s.stmts[j].node, "CreateStmt") == 0 ||
			    strcmp(s.stmts[j].node, "CreateTableAsStmt") == 0 ||
			    strcmp(s.stmts[j].node, "ViewStmt") == 0)
				cJSON_AddItemToArray(created, cJSON_Duplicate(cJSON_GetArrayItem(
				    cJSON_GetObjectItem(facts, "locks"), 0), 1));
			if (j == 0)
				merge_items(m->simpact[i], facts);
			cJSON_Delete(facts);
		}
		cJSON_DeleteItemFromObject(m->simpact[i], "statements");
		sql_script_release(&s);
		it = m->simpact[i];
		merge_locks(locks, cJSON_GetObjectItem(it, "locks"));
		if (impact_lock_parse(record_str(it, "lock")) > top)
			top = impact_lock_parse(record_str(it, "lock"));
		rewrite |= record_bool(it, "rewrite", 0);
		scan |= record_bool(it, "scan", 0);
		rows |= strcmp(record_str(it, "effect"), "rows") == 0;
		txn &= record_bool(it, "transactional", 1);
	}
	m->impact = impact_new(m->rec, NULL, "migration");
	cJSON_AddNumberToObject(m->impact, "statements", (double)m->n);
	cJSON_AddItemToObject(m->impact, "locks", locks);
	cJSON_AddStringToObject(m->impact, "lock", impact_lock_name(top));
	cJSON_AddStringToObject(m->impact, "effect", rewrite ? "rewrite" : scan ? "scan" :
	    rows ? "rows" : "metadata");
	cJSON_AddBoolToObject(m->impact, "rewrite", rewrite);
	cJSON_AddBoolToObject(m->impact, "scan", scan);
	cJSON_AddBoolToObject(m->impact, "transactional", txn);
	cJSON_AddBoolToObject(m->impact, "reversible", record_bool(m->rec, "has_down", 0) ||
	    strcmp(record_str(m->rec, "direction") ? record_str(m->rec, "direction") : "", "up") != 0);
	cJSON_AddItemToObject(m->impact, "created", created);
	return 0;
}

int
impact_run_static(struct impact_run *run, struct conf_error *err)
{
	size_t i;

	for (i = 0; i < run->nmig; i++)
		if (static_mig(&run->migs[i], err) < 0)
			return -1;
	return 0;
}

int
impact_run_write(struct impact_run *run, FILE *out, struct conf_error *err)
{
	size_t i, j;
	long n = 0;

	for (i = 0; i < run->nmig; i++) {
		for (j = 0; j < run->migs[i].n; j++, n++)
			if (run->migs[i].simpact[j] && record_write(out, run->migs[i].simpact[j]) < 0)
				goto fail;
		if (run->migs[i].impact && record_write(out, run->migs[i].impact) < 0)
			goto fail;
		n++;
	}
	for (i = 0; i < run->nrec; i++, n++)
		if (record_write(out, run->records[i]) < 0)
			goto fail;
	if (run->error == NULL && record_write_end(out, n) < 0)
		goto fail;
	return 0;
fail:
	return conf_error_set(err, CONF_EXIT_USAGE, "could not write the output");
}
