/* copytext: PostgreSQL's COPY text format to and from the JSON values of row records, without cJSON. */
#ifndef CONF_COPYTEXT_H
#define CONF_COPYTEXT_H

#include <stddef.h>

#include "strbuf.h"

/*
 * Append to out the JSON array ("[...]") of the fields of one COPY text row
 * (len bytes at row, a trailing newline allowed): each field un-escaped and
 * written as a JSON string, \N as null.  Returns the number of fields.
 */
int copytext_row_to_json(struct strbuf *out, const char *row, size_t len);

/*
 * Read one record line (NUL-terminated, len bytes) that may be a row record
 * ({"kind":"row",...,"r":[...]}) and append its values to out as one COPY
 * text row with its newline: strings escaped, null as \N, numbers and
 * booleans as their literal text.  Fields in any order, whitespace allowed.
 * Returns the number of values (*nfields) with 1, 0 when the line is not a
 * row record (out unchanged: read it as any other record), -1 when it is
 * one but malformed (out may hold part of it: truncate it to its old length).
 */
int copytext_row_from_json(struct strbuf *out, const char *line, size_t len, int *nfields);

#endif
