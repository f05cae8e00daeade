/* record: the NDJSON record protocol (docs/protocol.md) read and written. */
#include <errno.h>
#include <string.h>

#include "record.h"

void
record_reader_init(struct record_reader *r, FILE *fp, const char *name)
{
	r->fp = fp;
	r->name = name;
	r->lineno = 0;
	r->records = 0;
	r->saw_end = 0;
	r->end_count = -1;
	strbuf_init(&r->line, 0);
}

void
record_reader_release(struct record_reader *r)
{
	strbuf_release(&r->line);
}

int
record_read(struct record_reader *r, cJSON **out, struct conf_error *err)
{
	int nl;
	const char *end;
	cJSON *rec, *kind, *v;

	*out = NULL;
	for (;;) {
		int rc = strbuf_getline(&r->line, r->fp, &nl);

		if (rc == EOF)
			return 0;
		if (rc < 0)
			return conf_error_set(err, CONF_EXIT_USAGE,
			    "could not read %s: %s", r->name, strerror(errno));
		r->lineno++;
		if (r->line.len > 0 && r->line.buf[r->line.len - 1] == '\r')
			r->line.buf[--r->line.len] = '\0';
		if (r->line.len == 0)
			continue;   /* blank lines are allowed between records */
		break;
	}
	if (r->saw_end)
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "record after the end record at %s:%ld", r->name, r->lineno);
	rec = cJSON_ParseWithLengthOpts(r->line.buf, r->line.len, &end, 0);
	if (rec == NULL) {
		conf_error_set(err, CONF_EXIT_USAGE, "malformed JSON at %s:%ld",
		    r->name, r->lineno);
		conf_error_detail(err, "near column %ld",
		    (long)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - r->line.buf + 1 : 1));
		return -1;
	}
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0') {
		cJSON_Delete(rec);
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "trailing data after the JSON object at %s:%ld", r->name, r->lineno);
	}
	kind = cJSON_GetObjectItemCaseSensitive(rec, "kind");
	if (!cJSON_IsObject(rec) || !cJSON_IsString(kind) || kind->valuestring[0] == '\0') {
		cJSON_Delete(rec);
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "record without a \"kind\" at %s:%ld", r->name, r->lineno);
	}
	v = cJSON_GetObjectItemCaseSensitive(rec, "v");
	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble > CONF_PROTOCOL_VERSION)) {
		cJSON_Delete(rec);
		conf_error_set(err, CONF_EXIT_USAGE,
		    "unsupported protocol version at %s:%ld", r->name, r->lineno);
		conf_error_hint(err, "this program speaks version %d", CONF_PROTOCOL_VERSION);
		return -1;
	}
	if (strcmp(kind->valuestring, "end") == 0) {
		r->saw_end = 1;
		r->end_count = (long)record_num(rec, "records", -1);
		cJSON_Delete(rec);
		if (r->end_count >= 0 && r->end_count != r->records)
			return conf_error_set(err, CONF_EXIT_USAGE,
			    "end record at %s:%ld counts %ld records, %ld arrived",
			    r->name, r->lineno, r->end_count, r->records);
		return 0;
	}
	r->records++;
	*out = rec;
	return 1;
}

int
record_truncated_error(const struct record_reader *r, struct conf_error *err)
{
	conf_error_set(err, CONF_EXIT_USAGE,
	    "%s ended without its end record after %ld records", r->name, r->records);
	conf_error_detail(err, "the stream is truncated: work in flight was rolled back");
	return -1;
}

cJSON *
record_new(const char *kind)
{
	cJSON *rec = cJSON_CreateObject();

	cJSON_AddStringToObject(rec, "kind", kind);
	cJSON_AddNumberToObject(rec, "v", CONF_PROTOCOL_VERSION);
	return rec;
}

const char *
record_kind(const cJSON *rec)
{
	const char *k = record_str(rec, "kind");

	return k ? k : "";
}

const char *
record_str(const cJSON *rec, const char *field)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(rec, field);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

double
record_num(const cJSON *rec, const char *field, double def)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(rec, field);

	return cJSON_IsNumber(it) ? it->valuedouble : def;
}

int
record_bool(const cJSON *rec, const char *field, int def)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(rec, field);

	if (cJSON_IsBool(it))
		return cJSON_IsTrue(it);
	return def;
}

int
record_write(FILE *fp, const cJSON *rec)
{
	char *text = cJSON_PrintUnformatted(rec);
	int rc = 0;

	if (text == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (fputs(text, fp) == EOF || putc('\n', fp) == EOF)
		rc = -1;
	cJSON_free(text);
	return rc;
}

int
record_emit(FILE *fp, cJSON *rec)
{
	int rc = record_write(fp, rec);

	cJSON_Delete(rec);
	return rc;
}

int
record_write_end(FILE *fp, long records)
{
	cJSON *rec = record_new("end");

	cJSON_AddNumberToObject(rec, "records", (double)records);
	return record_emit(fp, rec);
}

cJSON *
record_from_error(const char *source, const struct conf_error *err)
{
	cJSON *rec = record_new("error");

	cJSON_AddStringToObject(rec, "source", source);
	cJSON_AddNumberToObject(rec, "code", err->code);
	cJSON_AddStringToObject(rec, "message", err->message);
	if (err->sqlstate[0])
		cJSON_AddStringToObject(rec, "sqlstate", err->sqlstate);
	if (err->detail[0])
		cJSON_AddStringToObject(rec, "detail", err->detail);
	if (err->hint[0])
		cJSON_AddStringToObject(rec, "hint", err->hint);
	return rec;
}
