/* impact/text: the impact report for people, and the gate's explanation. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "impact/impact.h"
#include "record.h"

static const char *
str(const cJSON *rec, const char *field)
{
	const char *s = record_str(rec, field);

	return s ? s : "";
}

static void
locks_text(const cJSON *imp, FILE *out)
{
	const cJSON *it;
	int first = 1;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(imp, "locks")) {
		fprintf(out, "%s%s %s", first ? "" : ", ", str(it, "mode"), str(it, "table"));
		first = 0;
	}
	if (first)
		fputs("no table locks", out);
}

static void
list_text(const cJSON *imp, const char *field, const char *title, FILE *out)
{
	const cJSON *it;

	if (cJSON_GetArraySize(cJSON_GetObjectItem(imp, field)) == 0)
		return;
	fprintf(out, "  %s:\n", title);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(imp, field))
		if (cJSON_IsString(it))
			fprintf(out, "    - %s\n", it->valuestring);
}

const char *
impact_ms_text(double ms, char *buf, size_t size)
{
	if (ms >= 1000)
		snprintf(buf, size, "%.1f s", ms / 1000);
	else
		snprintf(buf, size, "%.0f ms", ms);
	return buf;
}

const char *
impact_bytes_text(double b, char *buf, size_t size)
{
	if (b >= 1e9)
		snprintf(buf, size, "%.1f GB", b / 1e9);
	else if (b >= 1e6)
		snprintf(buf, size, "%.1f MB", b / 1e6);
	else
		snprintf(buf, size, "%.0f kB", b / 1e3);
	return buf;
}

double
impact_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* "  tables: orders 1000000 rows, 130.6 MB (2 indexes, 29.4 MB)" */
static void
sizes_text(const cJSON *imp, FILE *out)
{
	const cJSON *it;
	char b[32], ib[32];

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(imp, "sizes")) {
		fprintf(out, "  table %s: %.0f rows, %s (%d indexes, %s)\n", str(it, "table"),
		    record_num(it, "rows", 0), impact_bytes_text(record_num(it, "bytes", 0), b, sizeof(b)),
		    (int)record_num(it, "indexes", 0),
		    impact_bytes_text(record_num(it, "index_bytes", 0), ib, sizeof(ib)));
	}
}

static void
stmt_text(const cJSON *s, FILE *out)
{
	const cJSON *obs = cJSON_GetObjectItem(s, "observed"), *est = cJSON_GetObjectItem(s, "estimate");
	char d[32];

	fprintf(out, "  %s:%d  %s: ", str(s, "file"), (int)record_num(s, "line", 0), str(s, "node"));
	locks_text(s, out);
	fprintf(out, "; %s", str(s, "effect"));
	if (!record_bool(s, "transactional", 1))
		fputs("; outside a transaction", out);
	if (record_num(s, "rows_touched", -1) >= 0)
		fprintf(out, "; ~%.0f rows", record_num(s, "rows_touched", 0));
	if (record_num(s, "est_ms", -1) >= 0)
		fprintf(out, "; ~%s%s", impact_ms_text(record_num(s, "est_ms", 0), d, sizeof(d)),
		    record_str(est, "timed_as") ? " (timed without CONCURRENTLY)" : "");
	else if (est != NULL && strcmp(str(est, "basis"), "none") == 0)
		fprintf(out, "; not estimated: %s", str(est, "reason"));
	fputc('\n', out);
	if (obs != NULL) {
		if (record_bool(obs, "skipped", 0)) {
			fprintf(out, "      trial: not run (%s)\n", str(obs, "reason"));
		} else {
			fputs("      trial: ", out);
			if (cJSON_GetArraySize(cJSON_GetObjectItem(obs, "locks")) == 0)
				fputs("no new locks", out);
			else
				locks_text(obs, out);
			fprintf(out, "; %s; %.1f ms\n", cJSON_GetArraySize(cJSON_GetObjectItem(obs,
			    "rewritten")) > 0 ? "rewrite" : "no rewrite", record_num(obs, "elapsed_ms", 0));
		}
	}
}

void
impact_run_text(const struct impact_run *run, FILE *out)
{
	size_t i, j;

	char d[32];

	for (i = 0; i < run->nmig; i++) {
		const struct impact_mig *m = &run->migs[i];
		const cJSON *imp = m->impact, *rb = cJSON_GetObjectItem(imp, "rollback");

		if (imp == NULL)
			continue;
		fprintf(out, "%s%s %s%s%s: risk %s\n", i ? "\n" : "", str(imp, "direction"),
		    str(imp, "version"), *str(imp, "version") ? "_" : "", str(imp, "name"),
		    str(imp, "risk"));
		fputs("  locks: ", out);
		locks_text(imp, out);
		fprintf(out, "\n  effect: %s; %s; %s\n", str(imp, "effect"),
		    record_bool(imp, "transactional", 1) ? "transactional" : "not transactional",
		    strcmp(str(imp, "direction"), "build") == 0 ? "a build (no down migration)" :
		    record_bool(imp, "reversible", 0) ? "has a down migration" : "no down migration");
		sizes_text(imp, out);
		if (record_num(imp, "est_ms", -1) >= 0) {
			const cJSON *e = cJSON_GetObjectItem(imp, "estimate");

			fprintf(out, "  estimated duration: %s%s", impact_ms_text(record_num(imp, "est_ms", 0),
			    d, sizeof(d)), record_bool(e, "complete", 1) ? "" : " (some statements not estimated)");
			if (record_num(imp, "rollback_est_ms", -1) >= 0)
				fprintf(out, "; rollback %s", impact_ms_text(record_num(imp, "rollback_est_ms", 0),
				    d, sizeof(d)));
			fputc('\n', out);
		}
		if (cJSON_GetObjectItem(imp, "est_bytes") != NULL) {
			double b = record_num(imp, "est_bytes", 0);

			fputs("  storage: ", out);
			if (b > -1000 && b < 1000) {
				fputs("no change", out);
			} else {
				fprintf(out, "%s%s", b < 0 ? "-" : "+",
				    impact_bytes_text(b < 0 ? -b : b, d, sizeof(d)));
			}
			if (record_num(imp, "est_peak_bytes", 0) > 0) {
				fprintf(out, "; a rewrite needs %s more disk while it runs",
				    impact_bytes_text(record_num(imp, "est_peak_bytes", 0), d, sizeof(d)));
			}
			fputc('\n', out);
		}
		if (record_num(imp, "trial_ms", -1) >= 0)
			fprintf(out, "  trial duration: %.1f ms\n", record_num(imp, "trial_ms", 0));
		if (rb != NULL) {
			fprintf(out, "  down migration: %s", str(rb, "status"));
			if (record_num(rb, "elapsed_ms", -1) >= 0)
				fprintf(out, " (rollback took %.1f ms in the trial)", record_num(rb, "elapsed_ms", 0));
			fputc('\n', out);
		}
		list_text(rb, "differences", "differences after up then down", out);
		list_text(imp, "reasons", "reasons", out);
		list_text(imp, "recommendations", "recommendations", out);
		for (j = 0; j < m->n; j++)
			if (m->simpact[j])
				stmt_text(m->simpact[j], out);
	}
}

void
impact_run_blame(const struct impact_run *run, int max_risk, struct conf_error *err)
{
	char buf[sizeof(err->detail)] = "";
	size_t i, len = 0;

	for (i = 0; i < run->nmig && len < sizeof(buf) - 1; i++) {
		const cJSON *imp = run->migs[i].impact, *r;

		if (imp == NULL || impact_risk_parse(str(imp, "risk")) <= max_risk)
			continue;
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s_%s: %s", len ? "; " : "",
		    str(imp, "version"), str(imp, "name"), str(imp, "risk"));
		r = cJSON_GetArrayItem(cJSON_GetObjectItem(imp, "reasons"), 0);
		if (r && len < sizeof(buf) - 1)
			len += snprintf(buf + len, sizeof(buf) - len, " (%s)", r->valuestring);
	}
	if (len)
		conf_error_detail(err, "%s", buf);
}
