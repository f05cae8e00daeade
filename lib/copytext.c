/* copytext: COPY text rows to JSON arrays and row records back to COPY text rows. */
#include <string.h>

#include "copytext.h"

/* Bytes that a JSON string cannot carry raw, or that COPY text escapes. */
static unsigned char special[256];
static int special_ready;

static void
special_init(void)
{
	int c;

	for (c = 0; c < 0x20; c++)
		special[c] = 1;
	special['"'] = special['\\'] = 1;
	special_ready = 1;
}

static void
json_byte(struct strbuf *out, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];

	switch (c) {
	case '"': strbuf_add(out, "\\\"", 2); return;
	case '\\': strbuf_add(out, "\\\\", 2); return;
	case '\b': strbuf_add(out, "\\b", 2); return;
	case '\f': strbuf_add(out, "\\f", 2); return;
	case '\n': strbuf_add(out, "\\n", 2); return;
	case '\r': strbuf_add(out, "\\r", 2); return;
	case '\t': strbuf_add(out, "\\t", 2); return;
	}
	if (c < 0x20) {
		memcpy(esc, "\\u00", 4);
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		strbuf_add(out, esc, 6);
		return;
	}
	strbuf_addch(out, c);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
copytext_row_to_json(struct strbuf *out, const char *row, size_t len)
{
	const unsigned char *p = (const unsigned char *)row, *end = p + len, *start;
	int n = 0;

	if (!special_ready)
		special_init();
	if (len > 0 && end[-1] == '\n')
		end--;
	strbuf_addch(out, '[');
	for (;;) {
		if (n++)
			strbuf_addch(out, ',');
		if (end - p >= 2 && p[0] == '\\' && p[1] == 'N' && (end - p == 2 || p[2] == '\t')) {
			strbuf_add(out, "null", 4);
			p += 2;
		} else {
			strbuf_addch(out, '"');
			while (p < end && *p != '\t') {
				start = p;
				while (p < end && !special[*p])
					p++;
				if (p > start)
					strbuf_add(out, start, p - start);
				if (p >= end || *p == '\t')
					break;
				if (*p != '\\') {
					json_byte(out, *p++);
					continue;
				}
				if (++p >= end) {   /* a lone backslash at the end: keep it */
					json_byte(out, '\\');
					break;
				}
				switch (*p) {
				case 'b': json_byte(out, '\b'); p++; break;
				case 'f': json_byte(out, '\f'); p++; break;
				case 'n': json_byte(out, '\n'); p++; break;
				case 'r': json_byte(out, '\r'); p++; break;
				case 't': json_byte(out, '\t'); p++; break;
				case 'v': json_byte(out, '\v'); p++; break;
				case 'x': {
					int v = 0, k = 0;

					p++;
					while (k < 2 && p < end && hexval(*p) >= 0)
						v = v * 16 + hexval(*p++), k++;
					json_byte(out, k ? (unsigned char)v : 'x');
					break;
				}
				default:
					if (*p >= '0' && *p <= '7') {
						int v = 0, k = 0;

						while (k < 3 && p < end && *p >= '0' && *p <= '7')
							v = v * 8 + (*p++ - '0'), k++;
						json_byte(out, (unsigned char)v);
					} else
						json_byte(out, *p++);
				}
			}
			strbuf_addch(out, '"');
		}
		if (p >= end)
			break;
		p++;   /* the tab */
	}
	strbuf_addch(out, ']');
	return n;
}

/* The JSON reader for row records: a cursor over one line. */
struct cur {
	const char *p, *end;
};

static void
ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static void
utf8(struct strbuf *out, unsigned long cp)
{
	char b[4];

	if (cp < 0x80) {
		b[0] = (char)cp;
		strbuf_add(out, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(out, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(out, b, 3);
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(out, b, 4);
	}
}

static int
hex4(const char *p, unsigned long *v)
{
	int i, h;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)p[i])) < 0)
			return -1;
		*v = *v * 16 + (unsigned long)h;
	}
	return 0;
}

/* A byte of a value as COPY text wants it. */
static void
copy_byte(struct strbuf *out, unsigned char ch)
{
	switch (ch) {
	case '\\': strbuf_add(out, "\\\\", 2); break;
	case '\t': strbuf_add(out, "\\t", 2); break;
	case '\n': strbuf_add(out, "\\n", 2); break;
	case '\r': strbuf_add(out, "\\r", 2); break;
	default: strbuf_addch(out, ch);
	}
}

/*
 * A JSON string at c->p (on its opening quote).  With out, its value is
 * appended COPY-escaped; without, it is only skipped.  -1 when malformed or
 * when it holds a NUL (PostgreSQL text cannot).
 */
static int
string(struct cur *c, struct strbuf *out)
{
	const char *start;
	unsigned long cp, lo;

	if (!special_ready)
		special_init();
	c->p++;
	for (;;) {
		start = c->p;
		while (c->p < c->end && !special[(unsigned char)*c->p])
			c->p++;
		if (out && c->p > start)
			strbuf_add(out, start, c->p - start);
		if (c->p >= c->end)
			return -1;
		if (*c->p == '"') {
			c->p++;
			return 0;
		}
		if (*c->p != '\\') {   /* a raw control character: lenient */
			if (out)
				copy_byte(out, (unsigned char)*c->p);
			c->p++;
			continue;
		}
		if (++c->p >= c->end)
			return -1;
		switch (*c->p++) {
		case '"': if (out) strbuf_addch(out, '"'); break;
		case '\\': if (out) strbuf_add(out, "\\\\", 2); break;
		case '/': if (out) strbuf_addch(out, '/'); break;
		case 'b': if (out) strbuf_addch(out, '\b'); break;
		case 'f': if (out) strbuf_addch(out, '\f'); break;
		case 'n': if (out) strbuf_add(out, "\\n", 2); break;
		case 'r': if (out) strbuf_add(out, "\\r", 2); break;
		case 't': if (out) strbuf_add(out, "\\t", 2); break;
		case 'u':
			if (c->end - c->p < 4 || hex4(c->p, &cp) < 0)
				return -1;
			c->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
				    hex4(c->p + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
					return -1;
				c->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0)
				return -1;
			if (out) {
				if (cp < 0x80)
					copy_byte(out, (unsigned char)cp);
				else
					utf8(out, cp);
			}
			break;
		default:
			return -1;
		}
	}
}

/* Skip any JSON value (nested ones by depth, strings properly). */
static int
skip_value(struct cur *c)
{
	int depth = 0;

	do {
		ws(c);
		if (c->p >= c->end)
			return -1;
		switch (*c->p) {
		case '"':
			if (string(c, NULL) < 0)
				return -1;
			break;
		case '{': case '[':
			depth++;
			c->p++;
			break;
		case '}': case ']':
			if (--depth < 0)
				return -1;
			c->p++;
			break;
		case ',': case ':':
			if (depth == 0)
				return -1;
			c->p++;
			break;
		default:
			if (!((*c->p >= '0' && *c->p <= '9') || *c->p == '-' || *c->p == 't' ||
			    *c->p == 'f' || *c->p == 'n'))
				return -1;
			while (c->p < c->end && (*c->p == '-' || *c->p == '+' || *c->p == '.' ||
			    (*c->p >= '0' && *c->p <= '9') || (*c->p >= 'a' && *c->p <= 'z') ||
			    *c->p == 'E'))
				c->p++;
		}
	} while (depth > 0);
	return 0;
}

static int
row_array(struct cur *c, struct strbuf *out, int *nfields)
{
	const char *start;
	int n = 0;

	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		*nfields = 0;
		return 0;
	}
	for (;;) {
		ws(c);
		if (c->p >= c->end)
			return -1;
		if (n++)
			strbuf_addch(out, '\t');
		if (*c->p == '"') {
			if (string(c, out) < 0)
				return -1;
		} else if (c->end - c->p >= 4 && memcmp(c->p, "null", 4) == 0) {
			strbuf_add(out, "\\N", 2);
			c->p += 4;
		} else {
			start = c->p;
			if (*c->p == '{' || *c->p == '[' || skip_value(c) < 0)
				return -1;
			strbuf_add(out, start, c->p - start);
		}
		ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == ']') {
			c->p++;
			*nfields = n;
			return 0;
		}
		return -1;
	}
}

int
copytext_row_from_json(struct strbuf *out, const char *line, size_t len, int *nfields)
{
	struct cur c = { line, line + len };
	const char *key;
	size_t keylen;
	int is_row = 0, has_r = 0;

	ws(&c);
	/* Cheap refusal of other kinds: "kind" comes first in every record. */
	if (c.end - c.p < 14 || memcmp(c.p, "{\"kind\":\"row\"", 13) != 0)
		return 0;
	c.p++;
	for (;;) {
		ws(&c);
		if (c.p >= c.end || *c.p != '"')
			return -1;
		key = c.p + 1;
		if (string(&c, NULL) < 0)
			return -1;
		keylen = (size_t)(c.p - 1 - key);
		ws(&c);
		if (c.p >= c.end || *c.p++ != ':')
			return -1;
		ws(&c);
		if (c.p >= c.end)
			return -1;
		if (keylen == 4 && memcmp(key, "kind", 4) == 0) {
			if (c.end - c.p < 5 || memcmp(c.p, "\"row\"", 5) != 0)
				return 0;
			c.p += 5;
			is_row = 1;
		} else if (keylen == 1 && *key == 'r' && *c.p == '[' && !has_r) {
			if (row_array(&c, out, nfields) < 0)
				return -1;
			has_r = 1;
		} else if (skip_value(&c) < 0)
			return -1;
		ws(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		if (c.p < c.end && *c.p == '}') {
			c.p++;
			break;
		}
		return -1;
	}
	ws(&c);
	if (c.p != c.end || !is_row || !has_r)
		return -1;
	strbuf_addch(out, '\n');
	return 1;
}
