/* hook/wire: the hooks wired into conf-apply's engine (struct apply_hooks). */
#include <string.h>

#include "hook/hook.h"
#include "hook/wire.h"
#include "record.h"

/* build, migrate_up or migrate_down from a migration record's direction. */
static void
learn_run_type(struct hook_set *hs, const cJSON *migration)
{
	const char *dir = migration ? record_str(migration, "direction") : NULL;

	if (strcmp(hs->run_type, "unknown") != 0 || dir == NULL)
		return;
	if (strcmp(dir, "up") == 0)
		hook_set_run_type(hs, "migrate_up");
	else if (strcmp(dir, "down") == 0)
		hook_set_run_type(hs, "migrate_down");
	else if (strcmp(dir, "build") == 0)
		hook_set_run_type(hs, "build");
	else if (strcmp(dir, "sync") == 0)
		hook_set_run_type(hs, "sync");
}

static int
before(void *arg, const cJSON *migration, struct conf_error *err)
{
	struct hook_set *hs = arg;
	cJSON *ctx;
	int rc;

	learn_run_type(hs, migration);
	if (!hook_set_has(hs, HOOK_BEFORE_APPLY))
		return 0;
	ctx = hook_context_new(hs, HOOK_BEFORE_APPLY);
	hook_context_migration(ctx, migration);
	rc = hook_run_point(hs, HOOK_BEFORE_APPLY, ctx, err);
	cJSON_Delete(ctx);
	return rc;
}

static int
after(void *arg, const cJSON *migration, const cJSON *result, struct conf_error *err)
{
	struct hook_set *hs = arg;
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(result, "rows_affected");
	cJSON *ctx;
	int rc;

	if (!hook_set_has(hs, HOOK_AFTER_APPLY))
		return 0;
	ctx = hook_context_new(hs, HOOK_AFTER_APPLY);
	hook_context_migration(ctx, migration);
	if (rows)
		cJSON_ReplaceItemInObjectCaseSensitive(ctx, "rows_affected", cJSON_Duplicate(rows, 1));
	cJSON_AddItemToObject(ctx, "result", cJSON_Duplicate(result, 1));
	rc = hook_run_point(hs, HOOK_AFTER_APPLY, ctx, err);
	cJSON_Delete(ctx);
	return rc;
}

static void
on_error(void *arg, const cJSON *migration, const struct conf_error *error, const cJSON *where)
{
	struct hook_set *hs = arg;
	cJSON *ctx;

	learn_run_type(hs, migration);
	if (!hook_set_has(hs, HOOK_ON_ERROR))
		return;
	ctx = hook_context_new(hs, HOOK_ON_ERROR);
	if (migration)
		hook_context_migration(ctx, migration);
	hook_run_on_error(hs, ctx, error, where);
	cJSON_Delete(ctx);
}

static cJSON *
records(void *arg)
{
	return hook_set_take_records(arg);
}

void
hook_apply_callbacks(struct hook_set *hs, struct apply_hooks *ah)
{
	memset(ah, 0, sizeof(*ah));
	ah->before = before;
	ah->after = after;
	ah->on_error = on_error;
	ah->records = records;
	ah->arg = hs;
}
