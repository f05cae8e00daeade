/* extract: the migration and schema streams that conf-extract writes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "record.h"
#include "sha256.h"
#include "sql.h"
#include "sqltables.h"
#include "strbuf.h"
#include "tracking.h"

/* One unit to emit: a migration (up or down) or the build. */
struct unit {
	const struct migration_file *mf;
	const char *direction;
	const char *file;              /* the file whose statements follow */
	struct sql_script *scripts;    /* one per file (several for a build) */
	size_t nscripts;
	char **texts;
	char checksum[65];
	size_t nstatements;
	int transactional;
};

static void
unit_release(struct unit *u)
{
	size_t i;

	for (i = 0; i < u->nscripts; i++) {
		sql_script_release(&u->scripts[i]);
		free(u->texts[i]);
	}
	free(u->scripts);
	free(u->texts);
}

/* Read and parse one file into the unit; refuse transaction control. */
static int
unit_add_file(struct unit *u, const char *path, int forbid_nontx, struct conf_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct sql_script *s;
	size_t i;

	if (strbuf_read_file(&sb, path) < 0) {
		conf_error_set(err, CONF_EXIT_USAGE, "could not read \"%s\": %s", path, strerror(errno));
		strbuf_release(&sb);
		return -1;
	}
	u->scripts = xrealloc(u->scripts, (u->nscripts + 1) * sizeof(*u->scripts));
	u->texts = xrealloc(u->texts, (u->nscripts + 1) * sizeof(*u->texts));
	s = &u->scripts[u->nscripts];
	u->texts[u->nscripts] = strbuf_detach(&sb, NULL);
	u->nscripts++;
	if (sql_script_parse(s, u->texts[u->nscripts - 1], path, err) < 0)
		return -1;
	for (i = 0; i < s->n; i++) {
		struct sql_stmt *st = &s->stmts[i];

		if (st->txn == SQL_TXN_CONTROL) {
			conf_error_set(err, CONF_EXIT_USAGE,
			    "%s:%d:%d: transaction control (%s) is not allowed here",
			    path, st->line, st->col, st->node);
			conf_error_hint(err, "confiture runs each migration in its own transaction; "
			    "remove BEGIN/COMMIT from the file");
			return -1;
		}
		if (st->txn == SQL_TXN_FORBIDDEN) {
			if (forbid_nontx) {
				conf_error_set(err, CONF_EXIT_USAGE,
				    "%s:%d:%d: %s cannot run inside the build's transaction",
				    path, st->line, st->col, sql_txn_reason(st->tree));
				conf_error_hint(err, "move it to a migration");
				return -1;
			}
			u->transactional = 0;
		}
	}
	u->nstatements += s->n;
	return 0;
}

static int
emit(FILE *out, cJSON *rec, long *count, struct conf_error *err)
{
	if (record_emit(out, rec) < 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s", strerror(errno));
	(*count)++;
	return 0;
}

static int
emit_unit(FILE *out, const struct unit *u, long *count, struct conf_error *err)
{
	cJSON *rec = record_new("migration");
	size_t i, j;
	int index = 0;

	cJSON_AddStringToObject(rec, "direction", u->direction);
	if (u->mf) {
		cJSON_AddStringToObject(rec, "version", u->mf->version);
		cJSON_AddStringToObject(rec, "name", u->mf->name);
		cJSON_AddStringToObject(rec, "file", u->file);
	} else {
		cJSON_AddStringToObject(rec, "name", "schema");
	}
	cJSON_AddStringToObject(rec, "checksum", u->checksum);
	cJSON_AddNumberToObject(rec, "statements", (double)u->nstatements);
	cJSON_AddBoolToObject(rec, "transactional", u->transactional);
	if (u->mf) {
		cJSON_AddBoolToObject(rec, "has_down", u->mf->down_path != NULL);
		if (u->mf->down_path)
			cJSON_AddStringToObject(rec, "down_file", u->mf->down_path);
	}
	{
		cJSON *tables = cJSON_AddArrayToObject(rec, "tables");

		for (i = 0; i < u->nscripts; i++)
			for (j = 0; j < u->scripts[i].n; j++)
				sqltables_changed(u->scripts[i].stmts[j].tree, tables);
	}
	if (emit(out, rec, count, err) < 0)
		return -1;
	for (i = 0; i < u->nscripts; i++) {
		const struct sql_script *s = &u->scripts[i];

		for (j = 0; j < s->n; j++) {
			const struct sql_stmt *st = &s->stmts[j];

			rec = record_new("statement");
			cJSON_AddStringToObject(rec, "sql", st->sql);
			cJSON_AddStringToObject(rec, "file", s->file);
			cJSON_AddNumberToObject(rec, "line", st->line);
			cJSON_AddNumberToObject(rec, "col", st->col);
			cJSON_AddNumberToObject(rec, "index", ++index);
			cJSON_AddStringToObject(rec, "node", st->node);
			cJSON_AddBoolToObject(rec, "transactional", st->txn == SQL_TXN_OK);
			{
				cJSON *tables = cJSON_CreateArray();

				sqltables_changed(st->tree, tables);
				cJSON_AddItemToObject(rec, "tables", tables);
			}
			if (sqltables_writes_rows(st->tree))
				cJSON_AddBoolToObject(rec, "writes_rows", 1);
			if (emit(out, rec, count, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* Refuse drift and unfinished non-transactional migrations. */
static int
check_state(const struct migration_file *m, size_t nm, struct applied *a, size_t na,
    int allow_drift, struct conf_error *err)
{
	size_t i;

	for (i = 0; i < na; i++) {
		const struct migration_file *mf = NULL;
		size_t j;

		if (!applied_done(&a[i])) {
			conf_error_set(err, CONF_EXIT_STATE,
			    "migration %s (%s) is marked \"%s\"%s%s", a[i].version, a[i].name, a[i].status,
			    a[i].error ? ": " : "", a[i].error ? a[i].error : "");
			if (a[i].failed_statement)
				conf_error_detail(err, "it runs outside a transaction and stopped at statement %d; "
				    "the statements before it are applied", a[i].failed_statement);
			else
				conf_error_detail(err, "it runs outside a transaction and its runner stopped "
				    "before finishing");
			conf_error_hint(err, "check the database, then run \"confiture migrate resolve %s "
			    "--applied\" or \"--rolled-back\"", a[i].version);
			return -1;
		}
		for (j = 0; j < nm; j++)
			if (version_cmp(m[j].version, a[i].version) == 0)
				mf = &m[j];
		if (mf && !allow_drift && strcmp(mf->checksum, a[i].checksum) != 0) {
			conf_error_set(err, CONF_EXIT_STATE,
			    "applied migration %s_%s has changed since it was applied",
			    a[i].version, a[i].name);
			conf_error_detail(err, "recorded checksum %.12s..., file %s has %.12s...",
			    a[i].checksum, mf->up_path, mf->checksum);
			conf_error_hint(err, "put the file back as it was and write a new migration, "
			    "or pass --allow-drift");
			return -1;
		}
	}
	return 0;
}

static long
run_status(const struct migration_file *m, size_t nm, struct applied *a, size_t na,
    FILE *out, struct conf_error *err)
{
	long count = 0;
	size_t i;

	for (i = 0; i < nm; i++) {
		struct applied *ap = applied_find(a, na, m[i].version);
		cJSON *rec = record_new("status");

		cJSON_AddStringToObject(rec, "version", m[i].version);
		cJSON_AddStringToObject(rec, "name", m[i].name);
		cJSON_AddStringToObject(rec, "file", m[i].up_path);
		cJSON_AddStringToObject(rec, "state", ap ? ap->status : "pending");
		cJSON_AddBoolToObject(rec, "applied", applied_done(ap));
		if (ap) {
			cJSON_AddStringToObject(rec, "applied_at", ap->applied_at);
			cJSON_AddNumberToObject(rec, "duration_ms", (double)ap->duration_ms);
			cJSON_AddStringToObject(rec, "applied_by", ap->applied_by);
			cJSON_AddBoolToObject(rec, "drift", strcmp(ap->checksum, m[i].checksum) != 0);
			if (ap->error)
				cJSON_AddStringToObject(rec, "error", ap->error);
		}
		cJSON_AddBoolToObject(rec, "has_down", m[i].down_path != NULL);
		if (emit(out, rec, &count, err) < 0)
			return -1;
	}
	for (i = 0; i < na; i++) {
		size_t j;
		int found = 0;
		cJSON *rec;

		for (j = 0; j < nm; j++)
			if (version_cmp(m[j].version, a[i].version) == 0)
				found = 1;
		if (found)
			continue;
		rec = record_new("status");
		cJSON_AddStringToObject(rec, "version", a[i].version);
		cJSON_AddStringToObject(rec, "name", a[i].name);
		cJSON_AddStringToObject(rec, "state", a[i].status);
		cJSON_AddBoolToObject(rec, "applied", applied_done(&a[i]));
		cJSON_AddBoolToObject(rec, "missing", 1);
		cJSON_AddStringToObject(rec, "applied_at", a[i].applied_at);
		if (emit(out, rec, &count, err) < 0)
			return -1;
	}
	return count;
}

static void
build_checksum(struct unit *u, char **files, size_t n)
{
	unsigned char digest[SHA256_LEN];
	struct sha256 c;
	size_t i;

	sha256_init(&c);
	for (i = 0; i < n; i++) {
		char hex[65];

		sha256_text_hex(u->texts[i], strlen(u->texts[i]), hex);
		sha256_update(&c, files[i], strlen(files[i]) + 1);
		sha256_update(&c, hex, 64);
	}
	sha256_final(&c, digest);
	sha256_hex(digest, u->checksum);
}

long
extract_run(const struct project *p, const struct extract_opts *o, PGconn *conn,
    FILE *out, struct conf_error *err)
{
	struct migration_file *m = NULL;
	struct applied *a = NULL;
	struct unit *units = NULL;
	size_t nm = 0, na = 0, nu = 0, i;
	long count = 0, rc = -1;

	if (o->mode == EXTRACT_BUILD) {
		char **files;
		size_t nf;
		struct unit u;

		if (project_schema_files(p, &files, &nf, err) < 0)
			return -1;
		if (nf == 0) {
			project_paths_free(files, nf);
			return conf_error_set(err, CONF_EXIT_USAGE, "no schema files under %s",
			    p->include_dirs[0]);
		}
		memset(&u, 0, sizeof(u));
		u.direction = "build";
		u.transactional = 1;
		for (i = 0; i < nf; i++)
			if (unit_add_file(&u, files[i], 1, err) < 0)
				goto build_done;
		build_checksum(&u, files, nf);
		if (emit_unit(out, &u, &count, err) == 0 && record_write_end(out, count) == 0)
			rc = count;
		else if (!err->message[0])
			conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s", strerror(errno));
build_done:
		unit_release(&u);
		project_paths_free(files, nf);
		return rc;
	}

	if (project_migrations(p, &m, &nm, err) < 0)
		return -1;
	if (conn && tracking_read(conn, p->tracking_table, &a, &na, err) < 0)
		goto done;
	if (o->mode == EXTRACT_STATUS) {
		rc = run_status(m, nm, a, na, out, err);
		if (rc >= 0 && record_write_end(out, rc) < 0)
			rc = conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s", strerror(errno));
		goto done;
	}
	if (conn && check_state(m, nm, a, na, o->allow_drift, err) < 0)
		goto done;
	if (o->to && !version_valid(o->to)) {
		conf_error_set(err, CONF_EXIT_USAGE, "\"%s\" is not a migration version", o->to);
		goto done;
	}
	units = xcalloc(nm + na + 1, sizeof(*units));
	if (o->mode == EXTRACT_UP) {
		for (i = 0; i < nm; i++) {
			if (o->pending && applied_done(applied_find(a, na, m[i].version)))
				continue;
			if (o->to && version_cmp(m[i].version, o->to) > 0)
				break;
			if (o->steps > 0 && (long)nu >= o->steps)
				break;
			units[nu].mf = &m[i];
			units[nu].direction = "up";
			units[nu].file = m[i].up_path;
			units[nu].transactional = 1;
			nu++;
		}
	} else {
		long steps = o->steps > 0 ? o->steps : (o->to ? 0 : 1);
		struct strbuf missing = STRBUF_INIT;
		size_t k;

		for (k = na; k-- > 0;) {
			struct migration_file *mf = NULL;

			if (!applied_done(&a[k]))
				continue;
			if (o->to && version_cmp(a[k].version, o->to) <= 0)
				break;
			if (steps > 0 && (long)nu >= steps)
				break;
			for (i = 0; i < nm; i++)
				if (version_cmp(m[i].version, a[k].version) == 0)
					mf = &m[i];
			if (mf == NULL || mf->down_path == NULL) {
				strbuf_addf(&missing, "%s%s_%s", missing.len ? ", " : "", a[k].version, a[k].name);
				continue;
			}
			units[nu].mf = mf;
			units[nu].direction = "down";
			units[nu].file = mf->down_path;
			units[nu].transactional = 1;
			nu++;
		}
		if (o->to && version_cmp(o->to, "0") != 0 && applied_find(a, na, o->to) == NULL) {
			int known = 0;

			for (i = 0; i < nm; i++)
				if (version_cmp(m[i].version, o->to) == 0)
					known = 1;
			if (!known) {
				conf_error_set(err, CONF_EXIT_USAGE, "no migration has version %s", o->to);
				strbuf_release(&missing);
				goto done;
			}
		}
		if (missing.len) {
			conf_error_set(err, CONF_EXIT_STATE, "cannot roll back: no down migration for %s",
			    missing.buf);
			conf_error_hint(err, "nothing was changed; write the missing .down.sql files first");
			strbuf_release(&missing);
			goto done;
		}
		strbuf_release(&missing);
	}
	for (i = 0; i < nu; i++) {
		memcpy(units[i].checksum, units[i].mf->checksum, sizeof(units[i].checksum));
		if (unit_add_file(&units[i], units[i].file, 0, err) < 0)
			goto done;
	}
	for (i = 0; i < nu; i++)
		if (emit_unit(out, &units[i], &count, err) < 0)
			goto done;
	if (record_write_end(out, count) < 0) {
		conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s", strerror(errno));
		goto done;
	}
	rc = count;
done:
	for (i = 0; units && i < nu + 1; i++)
		unit_release(&units[i]);
	free(units);
	applied_free(a, na);
	migration_files_free(m, nm);
	return rc;
}
