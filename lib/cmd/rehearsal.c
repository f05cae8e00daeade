/* rehearsal: time a data sync on samples, loaded into rolled-back copies, and extrapolate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "pipeline.h"
#include "proc.h"
#include "record.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"

/* Bytes per row of a table of the plan: the weight of one of its sampled rows. */
static double
row_bytes(const cJSON *plan, const char *schema, const char *name)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, plan)
		if (strcmp(record_str(t, "schema"), schema) == 0 &&
		    strcmp(record_str(t, "name"), name) == 0)
			return record_num(t, "rows_estimate", 0) > 0 ?
			    record_num(t, "bytes", 0) / record_num(t, "rows_estimate", 0) : 0;
	return 0;
}

struct collect {
	const cJSON *plan;
	double rows, bytes;
	struct strbuf errors;
};

static int
on_line(void *arg, const char *line)
{
	struct collect *c = arg;
	cJSON *rec = cJSON_Parse(line);
	const char *kind = rec ? record_kind(rec) : "";

	if (strcmp(kind, "result") == 0) {
		c->rows += record_num(rec, "rows", 0);
		c->bytes += record_num(rec, "rows", 0) * row_bytes(c->plan, record_str(rec, "schema"),
		    record_str(rec, "name"));
	} else if (strcmp(kind, "error") == 0) {
		strbuf_addf(&c->errors, "%s%s", c->errors.len ? "; " : "",
		    record_str(rec, "message") ? record_str(rec, "message") : "?");
	}
	cJSON_Delete(rec);
	return 0;
}

/* One rehearsal at `sample` rows per table, into slot k. */
static int
rehearse(const struct cmd_rehearsal_stages *s, long sample, struct cmd_rehearsal *rh, int k,
    struct conf_error *err)
{
	struct strvec ex = STRVEC_INIT;
	struct pipeline_stage st[3];
	struct collect c = { s->plan, 0, 0, STRBUF_INIT };
	long t0;
	char buf[32];
	size_t n = 0;
	int rc;

	memset(st, 0, sizeof(st));
	strvec_pushv(&ex, s->extract);
	snprintf(buf, sizeof(buf), "%ld", sample);
	strvec_push(&ex, "--sample-rows");
	strvec_push(&ex, buf);
	st[n++].argv = ex.v;
	if (s->anonymize)
		st[n++].argv = (const char **)s->anonymize;
	st[n++].argv = (const char **)s->apply;
	t0 = proc_now_ms();
	rc = pipeline_run(st, n, on_line, &c, err);
	rh->secs[k] = (double)(proc_now_ms() - t0) / 1000;
	strvec_clear(&ex);
	rh->rows[k] = c.rows;
	rh->bytes[k] = c.bytes;
	if (rc > 0)
		conf_error_set(err, rc, "the rehearsal failed: %s", c.errors.len ? c.errors.buf :
		    "a stage failed");
	strbuf_release(&c.errors);
	return rc;
}

/*
 * Without a key the anonymizer refuses to start; the rehearsal's rows are
 * thrown away, so a random key of its own times the same work.
 */
static int
throwaway_key(void)
{
	unsigned char raw[SHA256_LEN];
	char hex[65];
	FILE *fp;

	if (getenv("CONFITURE_ANON_KEY") || getenv("CONFITURE_ANON_KEY_FILE"))
		return 0;
	if ((fp = fopen("/dev/urandom", "rb")) == NULL)
		return 0;
	if (fread(raw, 1, sizeof(raw), fp) != sizeof(raw)) {
		fclose(fp);
		return 0;
	}
	fclose(fp);
	sha256_hex(raw, hex);   /* 32 random bytes, as hex */
	setenv("CONFITURE_ANON_KEY", hex, 1);
	return 1;
}

int
cmd_rehearse(const struct cmd_rehearsal_stages *s, struct cmd_rehearsal *rh, struct conf_error *err)
{
	const cJSON *t;
	int rc;

	memset(rh, 0, sizeof(*rh));
	rh->full = 1;
	cJSON_ArrayForEach(t, s->plan)
		if (record_num(t, "rows_estimate", 0) > CMD_REHEARSAL_ROWS)
			rh->full = 0;
	rh->no_key = s->anonymize && throwaway_key();
	rc = rh->full ? 0 : rehearse(s, CMD_REHEARSAL_ROWS / 2, rh, 0, err);
	if (rc == 0)
		rc = rehearse(s, CMD_REHEARSAL_ROWS, rh, 1, err);
	if (rh->no_key)
		unsetenv("CONFITURE_ANON_KEY");
	return rc;
}

double
cmd_rehearsal_seconds(const struct cmd_rehearsal *rh, double bytes)
{
	double a, b;

	if (rh->full || rh->bytes[1] <= rh->bytes[0])
		return rh->secs[1];
	b = (rh->secs[1] - rh->secs[0]) / (rh->bytes[1] - rh->bytes[0]);
	a = rh->secs[1] - b * rh->bytes[1];
	if (b <= 0 || a < 0) {          /* noise: proportional to the larger run */
		b = rh->bytes[1] > 0 ? rh->secs[1] / rh->bytes[1] : 0;
		a = 0;
	}
	return a + b * bytes;
}

void
cmd_rehearsal_json(const struct cmd_rehearsal *rh, cJSON *doc)
{
	cJSON *e = cJSON_AddObjectToObject(doc, "estimate"), *samples;
	int k;

	cJSON_AddStringToObject(e, "basis", rh->full ? "full rehearsal" : "rehearsal");
	cJSON_AddBoolToObject(e, "anon_key_missing", rh->no_key);
	samples = cJSON_AddArrayToObject(e, "samples");
	for (k = rh->full ? 1 : 0; k < 2; k++) {
		cJSON *x = cJSON_CreateObject();

		cJSON_AddNumberToObject(x, "rows", rh->rows[k]);
		cJSON_AddNumberToObject(x, "bytes", (double)(long)rh->bytes[k]);
		cJSON_AddNumberToObject(x, "seconds", (double)(long)(rh->secs[k] * 1000) / 1000);
		cJSON_AddItemToArray(samples, x);
	}
}

void
cmd_rehearsal_text(const struct cmd_rehearsal *rh, double secs, struct strbuf *sb)
{
	if (rh->no_key)
		strbuf_addstr(sb, "warning: no anonymization key is set (CONFITURE_ANON_KEY or\n"
		    "CONFITURE_ANON_KEY_FILE): the rehearsal used a throwaway one; the copy itself\n"
		    "will refuse to start without one\n");
	if (rh->full)
		strbuf_addf(sb, "estimated time: %.1f s (rehearsed in full: every row copied, masked and\n"
		    "loaded into copies of the target's tables, then rolled back)\n", secs);
	else
		strbuf_addf(sb, "estimated time: %.1f s (rehearsed on %.0f and %.0f sampled rows: copied,\n"
		    "masked and loaded into copies of the target's tables in %.2f s and %.2f s,\n"
		    "then rolled back)\n", secs, rh->rows[0], rh->rows[1], rh->secs[0], rh->secs[1]);
}
