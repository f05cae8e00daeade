/* apply: conf-apply's engine: a migration stream applied to a database, safely. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "db.h"
#include "proc.h"
#include "project.h"
#include "record.h"
#include "strbuf.h"
#include "tracking.h"

/* The migration in flight. */
struct current {
	cJSON *rec;                  /* the migration record (owned) */
	const char *direction, *version, *name, *checksum;
	int transactional;
	int skip;                    /* already in the wanted state: consume, do not run */
	const char *skip_status;     /* the result status when skipping */
	int open_tx;                 /* a transaction is open */
	int nontx_started;           /* a non-transactional migration is marked running */
	long declared, received;
	long start_ms;
	cJSON *rows;                 /* {table: rows written} */
};

struct applier {
	PGconn *conn;
	FILE *out;
	const struct apply_opts *o;
	struct apply_summary *sum;
	struct current cur;
	int tracking_ready;
	long written;
};

static int
write_rec(struct applier *ap, cJSON *rec, struct conf_error *err)
{
	if (record_emit(ap->out, rec) < 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s", strerror(errno));
	ap->written++;
	return 0;
}

/* Write what the hooks produced, before anything else. */
static int
flush_hook_records(struct applier *ap, struct conf_error *err)
{
	const struct apply_hooks *h = ap->o->hooks;
	cJSON *list, *it;
	int rc = 0;

	if (h == NULL || h->records == NULL || (list = h->records(h->arg)) == NULL)
		return 0;
	while ((it = cJSON_DetachItemFromArray(list, 0)) != NULL) {
		if (rc < 0)
			cJSON_Delete(it);
		else if (write_rec(ap, it, err) < 0)
			rc = -1;
	}
	cJSON_Delete(list);
	return rc;
}

static void
current_clear(struct current *c)
{
	cJSON_Delete(c->rows);
	cJSON_Delete(c->rec);
	memset(c, 0, sizeof(*c));
}

static int
ensure_tracking(struct applier *ap, struct conf_error *err)
{
	if (ap->tracking_ready)
		return 0;
	if (tracking_ensure(ap->conn, ap->o->tracking_table, err) < 0)
		return -1;
	ap->tracking_ready = 1;
	return 0;
}

/* The tracking row of one version, or a zeroed row when there is none. */
static int
lookup(struct applier *ap, const char *version, struct applied **row,
    struct applied **all, size_t *n, struct conf_error *err)
{
	if (tracking_read(ap->conn, ap->o->tracking_table, all, n, err) < 0)
		return -1;
	*row = applied_find(*all, *n, version);
	return 0;
}

static int
begin_migration(struct applier *ap, cJSON *rec, struct conf_error *err)
{
	struct current *c = &ap->cur;
	struct applied *all = NULL, *row = NULL;
	size_t n = 0;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->rec = rec;
	c->direction = record_str(rec, "direction");
	c->version = record_str(rec, "version");
	c->name = record_str(rec, "name");
	c->checksum = record_str(rec, "checksum");
	c->transactional = record_bool(rec, "transactional", 1);
	c->declared = (long)record_num(rec, "statements", -1);
	if (c->direction == NULL || (strcmp(c->direction, "up") && strcmp(c->direction, "down") &&
	    strcmp(c->direction, "build")))
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "migration record without a direction of up, down or build");
	if (c->name == NULL)
		c->name = "";
	if (strcmp(c->direction, "build") != 0) {
		if (!version_valid(c->version))
			return conf_error_set(err, CONF_EXIT_USAGE,
			    "migration record without a valid \"version\"");
		if (c->checksum == NULL)
			c->checksum = "";
		if (ensure_tracking(ap, err) < 0 || lookup(ap, c->version, &row, &all, &n, err) < 0)
			return -1;
		if (row && !applied_done(row)) {
			conf_error_set(err, CONF_EXIT_STATE, "migration %s (%s) is marked \"%s\"",
			    row->version, row->name, row->status);
			conf_error_hint(err, "check the database, then run \"confiture migrate resolve %s "
			    "--applied\" or \"--rolled-back\"", row->version);
			rc = -1;
		} else if (strcmp(c->direction, "up") == 0 && row) {
			if (!ap->o->allow_drift && c->checksum[0] && strcmp(row->checksum, c->checksum) != 0) {
				conf_error_set(err, CONF_EXIT_STATE,
				    "applied migration %s_%s has changed since it was applied",
				    c->version, c->name);
				conf_error_hint(err, "write a new migration, or pass --allow-drift");
				rc = -1;
			}
			c->skip = 1;
			c->skip_status = "skipped";
		} else if (strcmp(c->direction, "down") == 0 && !row) {
			c->skip = 1;
			c->skip_status = "skipped";
		} else if (ap->o->baseline && strcmp(c->direction, "up") == 0) {
			c->skip = 1;
			c->skip_status = "baselined";
		}
		applied_free(all, n);
		if (rc < 0)
			return -1;
	} else if (!c->transactional) {
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "a build cannot contain statements that run outside a transaction");
	}
	if (c->skip)
		return 0;
	if (ap->o->hooks && ap->o->hooks->before) {
		int hrc = ap->o->hooks->before(ap->o->hooks->arg, c->rec, err);
		struct conf_error werr = CONF_ERROR_INIT;

		if (flush_hook_records(ap, hrc < 0 ? &werr : err) < 0 && hrc == 0)
			return -1;
		if (hrc < 0)
			return -1;
	}
	c->start_ms = proc_now_ms();
	if (c->transactional) {
		if (db_exec(ap->conn, "BEGIN", err) < 0)
			return -1;
		c->open_tx = 1;
	} else if (strcmp(c->direction, "up") == 0) {
		if (tracking_record(ap->conn, ap->o->tracking_table, c->version, c->name,
		    c->checksum, "running", 0, err) < 0)
			return -1;
		c->nontx_started = 1;
	}
	return 0;
}

/* Where in its file the server's error position falls (1-based char in sql). */
static void
error_location(const char *sql, int pos, int line, int col, int *eline, int *ecol)
{
	int chars = 0;
	size_t i;

	*eline = line;
	*ecol = col;
	for (i = 0; sql[i] && chars < pos - 1; i++) {
		if (((unsigned char)sql[i] & 0xC0) == 0x80)
			continue;
		chars++;
		if (sql[i] == '\n') {
			(*eline)++;
			*ecol = 1;
		} else {
			(*ecol)++;
		}
	}
}

static int
run_statement(struct applier *ap, const cJSON *rec, cJSON **where, struct conf_error *err)
{
	struct current *c = &ap->cur;
	const char *sql = record_str(rec, "sql");
	PGresult *res;

	if (c->rec == NULL)
		return conf_error_set(err, CONF_EXIT_USAGE, "statement record before any migration record");
	c->received++;
	if (c->skip)
		return 0;
	if (sql == NULL)
		return conf_error_set(err, CONF_EXIT_USAGE, "statement record without \"sql\"");
	res = PQexec(ap->conn, sql);
	if (res && (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)) {
		const cJSON *tables = cJSON_GetObjectItemCaseSensitive(rec, "tables");

		if (record_bool(rec, "writes_rows", 0) && cJSON_GetArraySize(tables) == 1 &&
		    cJSON_IsString(cJSON_GetArrayItem(tables, 0)) && *PQcmdTuples(res)) {
			const char *t = cJSON_GetArrayItem(tables, 0)->valuestring;
			cJSON *n;

			if (c->rows == NULL)
				c->rows = cJSON_CreateObject();
			if ((n = cJSON_GetObjectItemCaseSensitive(c->rows, t)) != NULL)
				cJSON_SetNumberValue(n, n->valuedouble + atof(PQcmdTuples(res)));
			else
				cJSON_AddNumberToObject(c->rows, t, atof(PQcmdTuples(res)));
		}
		PQclear(res);
		ap->sum->statements++;
		return 0;
	}
	db_result_error(ap->conn, res, err);
	{
		const char *file = record_str(rec, "file");
		int line = (int)record_num(rec, "line", 1), col = (int)record_num(rec, "col", 1);
		const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
		int eline = line, ecol = col;
		char msg[sizeof(err->message)];

		if (pos)
			error_location(sql, atoi(pos), line, col, &eline, &ecol);
		*where = cJSON_CreateObject();
		if (file)
			cJSON_AddStringToObject(*where, "file", file);
		cJSON_AddNumberToObject(*where, "line", eline);
		cJSON_AddNumberToObject(*where, "col", ecol);
		cJSON_AddNumberToObject(*where, "statement", record_num(rec, "index", (double)c->received));
		cJSON_AddStringToObject(*where, "sql", sql);
		{
			char *full;

			snprintf(msg, sizeof(msg), "%s", err->message);
			full = xstrfmt("%s:%d:%d: %s", file ? file : "<statement>", eline, ecol, msg);
			snprintf(err->message, sizeof(err->message), "%.*s",
			    (int)sizeof(err->message) - 1, full);
			free(full);
		}
	}
	PQclear(res);
	return -1;
}

static int
finish_migration(struct applier *ap, struct conf_error *err)
{
	struct current *c = &ap->cur;
	const char *status;
	long dur;
	cJSON *res;

	if (c->rec == NULL)
		return 0;
	if (c->declared >= 0 && c->received != c->declared)
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "migration %s announced %ld statements, %ld arrived",
		    c->version ? c->version : c->name, c->declared, c->received);
	dur = c->start_ms ? proc_now_ms() - c->start_ms : 0;
	if (c->skip) {
		status = c->skip_status;
		if (strcmp(status, "baselined") == 0) {
			if (tracking_record(ap->conn, ap->o->tracking_table, c->version, c->name,
			    c->checksum, "baselined", 0, err) < 0)
				return -1;
			ap->sum->baselined++;
		} else {
			ap->sum->skipped++;
		}
	} else if (strcmp(c->direction, "up") == 0) {
		if (tracking_record(ap->conn, ap->o->tracking_table, c->version, c->name,
		    c->checksum, "applied", dur, err) < 0)
			return -1;
		status = "applied";
		ap->sum->applied++;
	} else if (strcmp(c->direction, "down") == 0) {
		if (tracking_delete(ap->conn, ap->o->tracking_table, c->version, err) < 0)
			return -1;
		status = "rolled_back";
		ap->sum->rolled_back++;
	} else {
		status = "built";
		ap->sum->built++;
	}
	if (c->open_tx) {
		if (db_exec(ap->conn, "COMMIT", err) < 0)
			return -1;
		c->open_tx = 0;
	}
	/* The tracking row holds the time before its own insert; the result, up to the commit. */
	if (c->start_ms)
		dur = proc_now_ms() - c->start_ms;
	c->nontx_started = 0;
	res = record_new("result");
	cJSON_AddStringToObject(res, "direction", c->direction);
	if (c->version)
		cJSON_AddStringToObject(res, "version", c->version);
	cJSON_AddStringToObject(res, "name", c->name);
	cJSON_AddStringToObject(res, "status", status);
	cJSON_AddNumberToObject(res, "statements", c->skip ? 0 : (double)c->received);
	cJSON_AddNumberToObject(res, "duration_ms", (double)dur);
	cJSON_AddItemToObject(res, "rows_affected", c->rows ? c->rows : cJSON_CreateObject());
	c->rows = NULL;
	if (!c->skip && ap->o->hooks && ap->o->hooks->after) {
		struct conf_error herr = CONF_ERROR_INIT;
		int hrc = ap->o->hooks->after(ap->o->hooks->arg, c->rec, res, &herr);

		/* The migration is committed: its result comes first, whatever the hooks say. */
		if (write_rec(ap, res, err) < 0 || flush_hook_records(ap, err) < 0) {
			current_clear(c);
			return -1;
		}
		current_clear(c);
		if (hrc < 0) {
			*err = herr;
			return -1;
		}
		return 0;
	}
	if (write_rec(ap, res, err) < 0)
		return -1;
	current_clear(c);
	return 0;
}

/* Undo what is open after a failure; the tracking table says what happened. */
static void
abort_migration(struct applier *ap, const struct conf_error *why)
{
	struct current *c = &ap->cur;
	struct conf_error ignore = CONF_ERROR_INIT;

	if (c->open_tx)
		db_exec(ap->conn, "ROLLBACK", &ignore);
	else if (c->nontx_started)
		tracking_fail(ap->conn, ap->o->tracking_table, c->version, (int)c->received,
		    why->message, &ignore);
	c->open_tx = c->nontx_started = 0;
}

static int
session_settings(struct applier *ap, struct conf_error *err)
{
	const char *params[1];
	PGresult *res;

	if (ap->o->lock_timeout) {
		params[0] = ap->o->lock_timeout;
		if ((res = db_query(ap->conn, "SELECT pg_catalog.set_config('lock_timeout', $1, false)",
		    1, params, err)) == NULL)
			return -1;
		PQclear(res);
	}
	if (ap->o->statement_timeout) {
		params[0] = ap->o->statement_timeout;
		if ((res = db_query(ap->conn,
		    "SELECT pg_catalog.set_config('statement_timeout', $1, false)", 1, params, err)) == NULL)
			return -1;
		PQclear(res);
	}
	return 0;
}

int
apply_stream(PGconn *conn, FILE *in, const char *name, FILE *out, const struct apply_opts *o,
    struct apply_summary *sum, struct conf_error *err)
{
	struct applier ap;
	struct record_reader r;
	cJSON *rec, *where = NULL, *upstream = NULL;
	int rc;

	memset(&ap, 0, sizeof(ap));
	memset(sum, 0, sizeof(*sum));
	ap.conn = conn;
	ap.out = out;
	ap.o = o;
	ap.sum = sum;
	record_reader_init(&r, in, name);
	if (tracking_lock(conn, o->tracking_table, o->lock_wait_ms, err) < 0 ||
	    session_settings(&ap, err) < 0) {
		rc = -1;
		goto fail;
	}
	while ((rc = record_read(&r, &rec, err)) > 0) {
		const char *kind = record_kind(rec);

		if (strcmp(kind, "migration") == 0) {
			if (finish_migration(&ap, err) < 0) {
				cJSON_Delete(rec);
				rc = -1;
				break;
			}
			if (begin_migration(&ap, rec, err) < 0) {
				rc = -1;
				break;
			}
			continue;
		}
		if (strcmp(kind, "statement") == 0) {
			rc = run_statement(&ap, rec, &where, err);
			cJSON_Delete(rec);
			if (rc < 0)
				break;
			continue;
		}
		if (strcmp(kind, "error") == 0) {
			const char *msg = record_str(rec, "message");
			const char *src = record_str(rec, "source");
			int code = (int)record_num(rec, "code", CONF_EXIT_USAGE);

			conf_error_set(err, code > 0 ? code : CONF_EXIT_USAGE,
			    "stopped: %s reported an error; nothing more was applied",
			    src ? src : "a stage upstream");
			conf_error_detail(err, "%s", msg ? msg : "no message");
			upstream = rec;   /* passed on as it is, after the on_error hooks */
			rc = -2;
			break;
		}
		/* Other kinds (hook results, findings, ...) are not ours: pass them on. */
		if (write_rec(&ap, rec, err) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && !r.saw_end) {
		record_truncated_error(&r, err);
		rc = -1;
	}
	if (rc == 0 && finish_migration(&ap, err) < 0)
		rc = -1;
	if (rc == 0) {
		record_reader_release(&r);
		if (record_write_end(out, ap.written) < 0)
			return conf_error_set(err, CONF_EXIT_USAGE, "could not write output: %s",
			    strerror(errno));
		return 0;
	}
fail:
	abort_migration(&ap, err);
	{
		cJSON *e = upstream;
		int fire = o->hooks && o->hooks->on_error;

		if (e == NULL) {
			e = record_from_error("conf-apply", err);
			if (ap.cur.version)
				cJSON_AddStringToObject(e, "version", ap.cur.version);
			if (where) {
				cJSON *it;

				cJSON_ArrayForEach(it, where)
					cJSON_AddItemToObject(e, it->string, cJSON_Duplicate(it, 1));
			}
		} else if (record_bool(e, "on_error_fired", 0)) {
			fire = 0;
		}
		if (fire) {
			struct conf_error what = CONF_ERROR_INIT, ignore = CONF_ERROR_INIT;

			/* The hooks see the original error, not our "stopped: ..." */
			if (upstream) {
				conf_error_set(&what, (int)record_num(e, "code", CONF_EXIT_USAGE), "%s",
				    record_str(e, "message") ? record_str(e, "message") : err->message);
				if (record_str(e, "sqlstate"))
					snprintf(what.sqlstate, sizeof(what.sqlstate), "%s",
					    record_str(e, "sqlstate"));
				if (record_str(e, "detail"))
					conf_error_detail(&what, "%s", record_str(e, "detail"));
				if (record_str(e, "hint"))
					conf_error_hint(&what, "%s", record_str(e, "hint"));
			} else {
				what = *err;
			}
			o->hooks->on_error(o->hooks->arg, ap.cur.rec, &what, e);
			flush_hook_records(&ap, &ignore);
			cJSON_DeleteItemFromObjectCaseSensitive(e, "on_error_fired");
			cJSON_AddBoolToObject(e, "on_error_fired", 1);
		}
		record_write(out, e);
		cJSON_Delete(e);
	}
	cJSON_Delete(where);
	current_clear(&ap.cur);
	record_reader_release(&r);
	return -1;
}
