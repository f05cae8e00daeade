/* record: the NDJSON record protocol (docs/protocol.md) read and written. */
#ifndef CONF_RECORD_H
#define CONF_RECORD_H

#include <stdio.h>
#include <cjson/cJSON.h>

#include "error.h"
#include "strbuf.h"

/* The protocol version written in every record's "v" field. */
#define CONF_PROTOCOL_VERSION 1

/*
 * A reader of one input stream.  It counts lines from 1 for messages
 * ("at <stdin>:42"), remembers whether the end record was seen, and refuses
 * records after it.
 */
struct record_reader {
	FILE *fp;
	const char *name;     /* "<stdin>" or a path; not owned */
	long lineno;          /* line of the record last returned */
	long records;         /* records returned so far, end excluded */
	int saw_end;          /* the end record arrived */
	long end_count;       /* its "records" field, or -1 */
	struct strbuf line;
};

void record_reader_init(struct record_reader *r, FILE *fp, const char *name);
void record_reader_release(struct record_reader *r);
/*
 * Read the next record.  Returns 1 with *out set (the caller owns it:
 * cJSON_Delete), 0 at the end of input, -1 on a malformed line (err filled,
 * code CONF_EXIT_USAGE, message names name:line).  The end record itself is
 * consumed here and not returned: after it, 0 is returned, and
 * r->saw_end tells a clean end from a truncated stream.
 */
int record_read(struct record_reader *r, cJSON **out, struct conf_error *err);
/*
 * Fill err with the standard "stream ended without its end record" error.
 * Returns -1.
 */
int record_truncated_error(const struct record_reader *r, struct conf_error *err);

/* A new record object with "kind" first and "v" second.  Caller owns it. */
cJSON *record_new(const char *kind);
/* The record's kind, or "" if it has none. */
const char *record_kind(const cJSON *rec);
/* Field accessors: a missing or mistyped field yields def / NULL. */
const char *record_str(const cJSON *rec, const char *field);
double record_num(const cJSON *rec, const char *field, double def);
int record_bool(const cJSON *rec, const char *field, int def);

/*
 * Write rec as one compact line.  Returns 0, or -1 on a write error (errno
 * set).  Does not take ownership.
 */
int record_write(FILE *fp, const cJSON *rec);
/* Write rec then free it. */
int record_emit(FILE *fp, cJSON *rec);
/* The end-of-stream record, carrying the number of records before it. */
int record_write_end(FILE *fp, long records);
/* An error record built from err (no secrets are ever put in a conf_error). */
cJSON *record_from_error(const char *source, const struct conf_error *err);

#endif
