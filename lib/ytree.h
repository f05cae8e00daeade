/* ytree: a YAML document loaded into a small tree that remembers line numbers. */
#ifndef CONF_YTREE_H
#define CONF_YTREE_H

#include <stddef.h>

#include "error.h"

enum ynode_type { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

/*
 * A node.  A map's children alternate key, value (keys are scalars); a
 * sequence's children are its items.  `line` and `col` count from 1 and
 * point at the node in the file, so that messages can name the line.
 * `quoted` tells a quoted scalar ("null" as a string) from a plain one.
 */
struct ynode {
	enum ynode_type type;
	char *value;              /* scalars only */
	int quoted;
	int line, col;
	struct ynode **kids;
	size_t nkids;
};

struct ytree {
	char *file;               /* owned copy of the path, for messages */
	struct ynode *root;       /* NULL for an empty document */
};

/*
 * Load a YAML file (or text with ytree_load_string).  Returns 0, or -1 with
 * err (CONF_EXIT_USAGE, "file:line:col: message").  Aliases are resolved by
 * copy; multiple documents are an error.  Release with ytree_release.
 */
int ytree_load_file(struct ytree *t, const char *path, struct conf_error *err);
int ytree_load_string(struct ytree *t, const char *text, size_t len,
    const char *name, struct conf_error *err);
void ytree_release(struct ytree *t);

/* The value of key in a map, or NULL. */
struct ynode *ynode_get(const struct ynode *map, const char *key);
/* Follow a dotted path of map keys ("migration.tracking_table"). */
struct ynode *ynode_path(const struct ynode *root, const char *path);
/* A scalar's text, or def when the node is NULL or not a scalar. */
const char *ynode_str(const struct ynode *n, const char *def);
/*
 * Parse scalars.  Return 0, or -1 with err naming file:line when the text is
 * not a number/boolean.
 */
int ynode_long(const struct ytree *t, const struct ynode *n, long *out,
    struct conf_error *err);
int ynode_bool(const struct ytree *t, const struct ynode *n, int *out,
    struct conf_error *err);
/* True for a plain null, ~ or empty scalar. */
int ynode_is_null(const struct ynode *n);

#endif
