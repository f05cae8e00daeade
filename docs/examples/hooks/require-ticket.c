/*
 * require-ticket.c: a before_apply hook in C.
 *
 * Refuses a migration unless the run carries a change ticket: metadata.ticket
 * in the context (set by the hook's declaration, or reported by an earlier
 * hook with {"kind":"hook_metadata","ticket":...}), or CONFITURE_TICKET passed
 * through the declaration's env list.  Build: cc -o require-ticket
 * require-ticket.c -lcjson
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

int
main(void)
{
	char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
	const cJSON *meta, *ticket, *id;
	const char *env = getenv("CONFITURE_TICKET");
	cJSON *ctx;

	buf[n] = '\0';
	if ((ctx = cJSON_Parse(buf)) == NULL) {
		fprintf(stderr, "require-ticket: the context is not JSON\n");
		return 2;
	}
	meta = cJSON_GetObjectItemCaseSensitive(ctx, "metadata");
	ticket = cJSON_GetObjectItemCaseSensitive(meta, "ticket");
	id = cJSON_GetObjectItemCaseSensitive(ctx, "migration_id");
	if (cJSON_IsString(ticket) && *ticket->valuestring)
		env = ticket->valuestring;
	if (env == NULL || !*env) {
		fprintf(stderr, "require-ticket: no change ticket for migration %s\n",
		    cJSON_IsString(id) ? id->valuestring : "?");
		cJSON_Delete(ctx);
		return 1;
	}
	{
		/* Built with cJSON so that any ticket text is quoted properly. */
		cJSON *out = cJSON_CreateObject();
		char *line;

		cJSON_AddStringToObject(out, "kind", "hook_metadata");
		cJSON_AddStringToObject(out, "approved_by_ticket", env);
		line = cJSON_PrintUnformatted(out);
		printf("%s\n", line);
		cJSON_free(line);
		cJSON_Delete(out);
	}
	cJSON_Delete(ctx);
	return 0;
}
