/* types: column type rules (bigint, identity, text, timestamptz, char, jsonb) and identifier length. */
#include <ctype.h>
#include <string.h>

#include "lint/lint.h"
#include "pgtree.h"

static int
is(const char *t, const char *a)
{
	return t && strcmp(t, a) == 0;
}

static void
check_type(struct lint_ctx *c, const char *col, const cJSON *tn)
{
	const char *t = pgtree_typename(tn);
	long loc = pgtree_location(tn);
	const cJSON *names = pgtree_field(tn, "names");
	int qualified = cJSON_GetArraySize(names) > 1;

	if (!t || !col)
		return;
	if (is(t, "int2") || is(t, "smallserial") || is(t, "serial2"))
		lint_report(c, "prefer-bigint-over-smallint", loc, "bigint",
		    "column \"%s\" is smallint: it overflows at 32767", col);
	if (is(t, "int4") || is(t, "serial") || is(t, "serial4"))
		lint_report(c, "prefer-bigint-over-int", loc, "bigint",
		    "column \"%s\" is integer: it overflows at 2147483647", col);
	if (is(t, "serial") || is(t, "serial4") || is(t, "bigserial") || is(t, "serial8") ||
	    is(t, "smallserial") || is(t, "serial2"))
		lint_report(c, "prefer-identity", loc, "bigint GENERATED ALWAYS AS IDENTITY",
		    "column \"%s\" is %s: use GENERATED ... AS IDENTITY", col, t);
	if (is(t, "varchar") && pgtree_typmods(tn) > 0)
		lint_report(c, "prefer-text-field", loc, "text CHECK (char_length(...) <= n)",
		    "column \"%s\" is varchar(n): widening it later takes ACCESS EXCLUSIVE; use text with a CHECK",
		    col);
	if (is(t, "timestamp"))
		lint_report(c, "prefer-timestamptz", loc, "timestamptz",
		    "column \"%s\" is timestamp without time zone", col);
	if (is(t, "bpchar") || (is(t, "char") && qualified))
		lint_report(c, "ban-char-field", loc, "text",
		    "column \"%s\" is char(n): it pads with blanks; use text", col);
	if (is(t, "json"))
		lint_report(c, "prefer-jsonb", loc, "jsonb",
		    "column \"%s\" is json: use jsonb (equality, indexing, smaller)", col);
}

static const char *const ident_fields[] = {
	"relname", "colname", "idxname", "conname", "policy_name", "newname", "schemaname",
	"trigname", "indexname", NULL
};

struct toolong {
	struct lint_ctx *c;
};

/*
 * The parser truncates identifiers to 63 bytes before we see them, so a
 * 63-byte name is checked against the text: does the identifier go on?
 */
static int
truncated(const struct lint_ctx *c, const char *s, long loc)
{
	const char *p, *end;
	size_t n = strlen(s);

	if (n < 63 || loc < 0)
		return n > 63;
	p = c->text + loc;
	end = p + strlen(p) < p + 512 ? p + strlen(p) : p + 512;
	for (; p + n <= end; p++) {
		if (strncmp(p, s, n) == 0) {
			unsigned char next = (unsigned char)p[n];

			return isalnum(next) || next == '_' || next == '$' || next >= 0x80;
		}
	}
	return 0;
}

static int
check_idents(const cJSON *node, void *arg)
{
	struct toolong *tl = arg;
	const cJSON *body = pgtree_body(node), *f;
	size_t i;

	for (i = 0; ident_fields[i]; i++) {
		const char *s = pgtree_str(body, ident_fields[i]);

		if (s && truncated(tl->c, s, pgtree_location(body)))
			lint_report(tl->c, "identifier-too-long", pgtree_location(body), NULL,
			    "identifier \"%s...\" is longer than 63 bytes: PostgreSQL truncates it", s);
	}
	/* RangeVars are plain objects under "relation", not wrapped nodes */
	f = pgtree_field(body, "relation");
	if (f) {
		const char *s = pgtree_str(f, "relname");

		if (s && truncated(tl->c, s, pgtree_location(f)))
			lint_report(tl->c, "identifier-too-long", pgtree_location(f), NULL,
			    "identifier \"%s...\" is longer than 63 bytes: PostgreSQL truncates it", s);
	}
	return 0;
}

void
lint_types_stmt(struct lint_ctx *c, const char *type, const cJSON *body)
{
	const cJSON *it;
	struct toolong tl = { c };

	if (strcmp(type, "CreateStmt") == 0) {
		cJSON_ArrayForEach(it, pgtree_field(body, "tableElts")) {
			const cJSON *def = pgtree_as(it, "ColumnDef");

			if (def)
				check_type(c, pgtree_str(def, "colname"), pgtree_field(def, "typeName"));
		}
	} else if (strcmp(type, "AlterTableStmt") == 0) {
		cJSON_ArrayForEach(it, pgtree_field(body, "cmds")) {
			const cJSON *cmd = pgtree_as(it, "AlterTableCmd");
			const char *sub = pgtree_str(cmd, "subtype");
			const cJSON *def = pgtree_as(pgtree_field(cmd, "def"), "ColumnDef");

			if (!sub || !def)
				continue;
			if (strcmp(sub, "AT_AddColumn") == 0)
				check_type(c, pgtree_str(def, "colname"), pgtree_field(def, "typeName"));
			else if (strcmp(sub, "AT_AlterColumnType") == 0)
				check_type(c, pgtree_str(cmd, "name"), pgtree_field(def, "typeName"));
		}
	}
	pgtree_walk(c->script->stmts[c->i].tree, check_idents, &tl);
}
