/* hook/context: the JSON object a hook reads on stdin, and its CONFITURE_* variables. */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hook/hook.h"
#include "record.h"
#include "strbuf.h"

static void
add_str_or_null(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

/* Who runs this: CONFITURE_USER when set, otherwise the login name. */
static const char *
user_id(void)
{
	const char *u = getenv("CONFITURE_USER");
	struct passwd *pw;

	if (u && *u)
		return u;
	if ((pw = getpwuid(getuid())) != NULL)
		return pw->pw_name;
	return NULL;
}

cJSON *
hook_context_new(const struct hook_set *hs, enum hook_point point)
{
	cJSON *ctx = cJSON_CreateObject();
	char stamp[64];
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03ldZ",
	    ts.tv_nsec / 1000000);
	cJSON_AddStringToObject(ctx, "point", hook_point_name(point));
	cJSON_AddStringToObject(ctx, "migration_type", hs->run_type);
	cJSON_AddStringToObject(ctx, "run_id", hs->run_id);
	cJSON_AddNullToObject(ctx, "migration_id");
	cJSON_AddNullToObject(ctx, "migration_name");
	/* A sync says where its rows come from (confiture sync sets it, redacted). */
	cJSON_AddStringToObject(ctx, "source_schema", getenv("CONFITURE_SOURCE") &&
	    hs->run_type && strcmp(hs->run_type, "sync") == 0 ? getenv("CONFITURE_SOURCE") : "db");
	cJSON_AddStringToObject(ctx, "target_schema", hs->database);
	cJSON_AddArrayToObject(ctx, "tables_affected");
	cJSON_AddObjectToObject(ctx, "rows_affected");
	cJSON_AddStringToObject(ctx, "timestamp", stamp);
	add_str_or_null(ctx, "user_id", user_id());
	add_str_or_null(ctx, "environment", hs->environment);
	cJSON_AddStringToObject(ctx, "database", hs->database);
	cJSON_AddStringToObject(ctx, "project_dir", hs->root);
	cJSON_AddNumberToObject(ctx, "hook_depth", hs->depth + 1);
	cJSON_AddItemToObject(ctx, "metadata", cJSON_Duplicate(hs->metadata, 1));
	return ctx;
}

static void
replace(cJSON *ctx, const char *key, cJSON *value)
{
	if (cJSON_GetObjectItemCaseSensitive(ctx, key))
		cJSON_ReplaceItemInObjectCaseSensitive(ctx, key, value);
	else
		cJSON_AddItemToObject(ctx, key, value);
}

void
hook_context_migration(cJSON *ctx, const cJSON *m)
{
	const char *version = record_str(m, "version"), *name = record_str(m, "name");
	const char *file = record_str(m, "file"), *dir = record_str(m, "direction");
	const cJSON *tables = cJSON_GetObjectItemCaseSensitive(m, "tables");

	replace(ctx, "migration_id", version ? cJSON_CreateString(version) : cJSON_CreateNull());
	replace(ctx, "migration_name", name ? cJSON_CreateString(name) : cJSON_CreateNull());
	if (file)
		replace(ctx, "source_schema", cJSON_CreateString(file));
	if (dir)
		replace(ctx, "direction", cJSON_CreateString(dir));
	if (record_str(m, "checksum"))
		replace(ctx, "checksum", cJSON_CreateString(record_str(m, "checksum")));
	if (cJSON_IsArray(tables))
		replace(ctx, "tables_affected", cJSON_Duplicate(tables, 1));
}
