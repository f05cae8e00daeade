/* plugin: custom strategies, as co-processes speaking NDJSON or as shared objects, and their registry. */
#ifndef CONF_ANON_PLUGIN_H
#define CONF_ANON_PLUGIN_H

#include <stddef.h>

#include "anon/strategy.h"
#include "strvec.h"

enum anon_plugin_kind {
	ANON_PLUGIN_EXEC,     /* an executable: a co-process (docs/guides/custom-strategies.md) */
	ANON_PLUGIN_SO        /* NAME.so: loaded with dlopen (lib/anon/confiture_strategy.h) */
};

/*
 * Where plugins are found, in order: every directory of
 * CONFITURE_STRATEGY_PATH (colon-separated), then strategies/ in the
 * project.  A plugin named NAME is the file NAME.so, or an executable NAME
 * or NAME.<ext>.  Built-ins come first: a plugin cannot shadow one.
 */
struct anon_registry {
	struct strvec dirs;
	long timeout_ms;      /* per batch, for co-processes */
	long batch;           /* values per request (256) */
};

void anon_registry_init(struct anon_registry *reg, const char *project_dir);
void anon_registry_release(struct anon_registry *reg);
/* Find NAME; returns its path (caller frees) and kind, or NULL. */
char *anon_registry_find(const struct anon_registry *reg, const char *name, int *kind);
/* Every plugin file found, in search order (paths, owned by out). */
void anon_registry_list(const struct anon_registry *reg, struct strvec *paths, struct strvec *names);

/*
 * A running plugin for one rule.  Start it: run the co-process (or dlopen),
 * do the handshake, check its protocol version, validate the rule's
 * parameters against the ones it announced, and configure it.  Returns 0 or
 * -1 with err (CONF_EXIT_HOOK for a plugin that fails, CONF_EXIT_USAGE for a
 * profile error naming the line).  Sets r->plugin and r->flags.
 */
int anon_plugin_start(struct anon_rule *r, const struct anon_registry *reg,
    const char *path, int kind, struct conf_error *err);

/*
 * Transform a batch: vals[i] (NULL for SQL NULL) into outs[i] / outnull[i],
 * with per-value errors in errs[i] (empty when none).  Returns 0, or -1 with
 * err (CONF_EXIT_HOOK) when the plugin crashed, hung past the timeout,
 * answered another id or another count: the run must stop.
 */
int anon_plugin_batch(struct anon_plugin *p, const char *const *vals, const size_t *lens,
    size_t n, struct strbuf *outs, int *outnull, struct strbuf *errs, struct conf_error *err);
/*
 * The same in two halves, so that several plugins (and several requests of
 * one: a batch larger than the request size is sent as several requests
 * before the first answer is read) work at once.  send writes the requests;
 * recv reads the answers in order and checks their ids and counts.  For a
 * shared object, send does nothing and recv must not be used: call batch.
 */
int anon_plugin_send(struct anon_plugin *p, const char *const *vals, const size_t *lens,
    size_t n, struct conf_error *err);
int anon_plugin_recv(struct anon_plugin *p, size_t n, struct strbuf *outs, int *outnull,
    struct strbuf *errs, struct conf_error *err);
/* Stop: shutdown request, wait, kill when it lingers.  Returns -1 with err when it exited badly. */
int anon_plugin_stop(struct anon_plugin *p, struct conf_error *err);
void anon_plugin_free(struct anon_plugin *p);
/* What the plugin announced. */
const char *anon_plugin_name(const struct anon_plugin *p);
int anon_plugin_is_batch(const struct anon_plugin *p);   /* a co-process (batched) */

/*
 * Describe a plugin for --list-strategies without configuring it: start, read
 * the handshake, stop.  Appends "params" text to desc.
 */
int anon_plugin_describe(const char *path, int kind, long timeout_ms, struct strbuf *desc,
    unsigned *flags, struct conf_error *err);

#endif
