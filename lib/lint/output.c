/* output: findings written as NDJSON records, text lines, SARIF 2.1.0 or GitHub annotations. */
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "record.h"

int
lint_format_parse(const char *s)
{
	if (strcmp(s, "ndjson") == 0)
		return LINT_FMT_NDJSON;
	if (strcmp(s, "text") == 0)
		return LINT_FMT_TEXT;
	if (strcmp(s, "sarif") == 0)
		return LINT_FMT_SARIF;
	if (strcmp(s, "github") == 0)
		return LINT_FMT_GITHUB;
	return -1;
}

static int
write_ndjson(const struct lint_run *run, FILE *fp)
{
	size_t i;

	for (i = 0; i < run->nfindings; i++) {
		const struct lint_finding *f = &run->findings[i];
		cJSON *rec = record_new("finding");

		cJSON_AddStringToObject(rec, "rule", lint_rules[f->rule].id);
		cJSON_AddStringToObject(rec, "category", lint_rules[f->rule].category);
		cJSON_AddStringToObject(rec, "severity", lint_severity_name(f->severity));
		if (f->file) {
			cJSON_AddStringToObject(rec, "file", f->file);
			cJSON_AddNumberToObject(rec, "line", f->line);
			cJSON_AddNumberToObject(rec, "column", f->col);
		}
		if (f->object)
			cJSON_AddStringToObject(rec, "object", f->object);
		cJSON_AddStringToObject(rec, "message", f->message);
		if (f->fix)
			cJSON_AddStringToObject(rec, "fix", f->fix);
		if (record_emit(fp, rec) < 0)
			return -1;
	}
	return record_write_end(fp, (long)run->nfindings);
}

static void
where(const struct lint_finding *f, FILE *fp)
{
	if (f->file)
		fprintf(fp, "%s:%d:%d", f->file, f->line, f->col);
	else
		fprintf(fp, "%s", f->object ? f->object : "<schema>");
}

static int
write_text(const struct lint_run *run, FILE *fp)
{
	size_t i, n[3] = { 0, 0, 0 };

	for (i = 0; i < run->nfindings; i++) {
		const struct lint_finding *f = &run->findings[i];

		where(f, fp);
		fprintf(fp, ": %s: %s: %s\n", lint_severity_name(f->severity),
		    lint_rules[f->rule].id, f->message);
		if (f->fix)
			fprintf(fp, "  fix: %s\n", f->fix);
		n[f->severity]++;
	}
	fprintf(fp, "%zu finding%s (%zu error%s, %zu warning%s, %zu info) in %zu file%s, risk score %ld\n",
	    run->nfindings, run->nfindings == 1 ? "" : "s", n[LINT_ERROR], n[LINT_ERROR] == 1 ? "" : "s",
	    n[LINT_WARNING], n[LINT_WARNING] == 1 ? "" : "s", n[LINT_INFO],
	    run->nfiles, run->nfiles == 1 ? "" : "s", lint_risk(run));
	return ferror(fp) ? -1 : 0;
}

/* GitHub workflow commands: escape data and properties. */
static void
gh_escape(FILE *fp, const char *s, int property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", fp);
		else if (*s == '\r')
			fputs("%0D", fp);
		else if (*s == '\n')
			fputs("%0A", fp);
		else if (property && *s == ':')
			fputs("%3A", fp);
		else if (property && *s == ',')
			fputs("%2C", fp);
		else
			fputc(*s, fp);
	}
}

static int
write_github(const struct lint_run *run, FILE *fp)
{
	static const char *const level[] = { "notice", "warning", "error" };
	size_t i;

	for (i = 0; i < run->nfindings; i++) {
		const struct lint_finding *f = &run->findings[i];

		fprintf(fp, "::%s ", level[f->severity]);
		if (f->file) {
			fputs("file=", fp);
			gh_escape(fp, f->file, 1);
			fprintf(fp, ",line=%d,col=%d,", f->line, f->col);
		}
		fputs("title=", fp);
		gh_escape(fp, lint_rules[f->rule].id, 1);
		fputs("::", fp);
		if (f->object && !f->file) {
			gh_escape(fp, f->object, 0);
			fputs(": ", fp);
		}
		gh_escape(fp, f->message, 0);
		fputc('\n', fp);
	}
	return ferror(fp) ? -1 : 0;
}

static int
write_sarif(const struct lint_run *run, FILE *fp)
{
	static const char *const level[] = { "note", "warning", "error" };
	cJSON *root = cJSON_CreateObject(), *runs, *r, *driver, *rules, *results;
	char *text;
	size_t i;
	int rc;

	cJSON_AddStringToObject(root, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
	cJSON_AddStringToObject(root, "version", "2.1.0");
	runs = cJSON_AddArrayToObject(root, "runs");
	r = cJSON_CreateObject();
	cJSON_AddItemToArray(runs, r);
	driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(r, "tool"), "driver");
	cJSON_AddStringToObject(driver, "name", "conf-lint");
	cJSON_AddStringToObject(driver, "semanticVersion", CONF_VERSION);
	cJSON_AddStringToObject(driver, "informationUri", "https://example.invalid/confiture/docs/guides/linting.md");
	rules = cJSON_AddArrayToObject(driver, "rules");
	for (i = 0; i < lint_nrules; i++) {
		cJSON *rule = cJSON_CreateObject();

		cJSON_AddStringToObject(rule, "id", lint_rules[i].id);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(rule, "shortDescription"), "text",
		    lint_rules[i].summary);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(rule, "defaultConfiguration"), "level",
		    level[run->cfg->severity[i] < LINT_NEVER ? run->cfg->severity[i] : LINT_INFO]);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(rule, "properties"), "category",
		    lint_rules[i].category);
		cJSON_AddItemToArray(rules, rule);
	}
	results = cJSON_AddArrayToObject(r, "results");
	for (i = 0; i < run->nfindings; i++) {
		const struct lint_finding *f = &run->findings[i];
		cJSON *res = cJSON_CreateObject(), *locs, *loc;

		cJSON_AddStringToObject(res, "ruleId", lint_rules[f->rule].id);
		cJSON_AddNumberToObject(res, "ruleIndex", f->rule);
		cJSON_AddStringToObject(res, "level", level[f->severity]);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(res, "message"), "text", f->message);
		locs = cJSON_AddArrayToObject(res, "locations");
		loc = cJSON_CreateObject();
		cJSON_AddItemToArray(locs, loc);
		if (f->file) {
			cJSON *pl = cJSON_AddObjectToObject(loc, "physicalLocation"), *region;

			char *uri = f->file[0] == '/' ? xstrfmt("file://%s", f->file) : xstrdup(f->file);

			cJSON_AddStringToObject(cJSON_AddObjectToObject(pl, "artifactLocation"), "uri", uri);
			free(uri);
			region = cJSON_AddObjectToObject(pl, "region");
			cJSON_AddNumberToObject(region, "startLine", f->line);
			cJSON_AddNumberToObject(region, "startColumn", f->col);
		}
		if (f->object) {
			cJSON *ll = cJSON_AddArrayToObject(loc, "logicalLocations"), *l = cJSON_CreateObject();

			cJSON_AddStringToObject(l, "fullyQualifiedName", f->object);
			cJSON_AddItemToArray(ll, l);
		}
		if (f->fix)
			cJSON_AddStringToObject(cJSON_AddObjectToObject(res, "properties"), "fix", f->fix);
		cJSON_AddItemToArray(results, res);
	}
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	rc = fprintf(fp, "%s\n", text) < 0 ? -1 : 0;
	cJSON_free(text);
	return rc;
}

int
lint_write(const struct lint_run *run, enum lint_format fmt, FILE *fp)
{
	switch (fmt) {
	case LINT_FMT_NDJSON: return write_ndjson(run, fp);
	case LINT_FMT_TEXT: return write_text(run, fp);
	case LINT_FMT_SARIF: return write_sarif(run, fp);
	case LINT_FMT_GITHUB: return write_github(run, fp);
	}
	return -1;
}
