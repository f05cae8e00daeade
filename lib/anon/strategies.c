/* strategies: the one table of built-in strategies, and their aliases. */
#include <string.h>

#include "anon/strategy.h"

extern const struct anon_strategy anon_keep, anon_null, anon_constant, anon_mask, anon_hash,
    anon_choice, anon_regex_replace, anon_name, anon_tokenize_strategy, anon_phone,
    anon_credit_card, anon_iban, anon_int_range, anon_ip, anon_uuid, anon_email,
    anon_date_shift, anon_noise, anon_generalize, anon_json_path, anon_text_scrub;

const struct anon_strategy *const anon_builtins[] = {
	&anon_choice,
	&anon_constant,
	&anon_credit_card,
	&anon_date_shift,
	&anon_email,
	&anon_generalize,
	&anon_hash,
	&anon_iban,
	&anon_int_range,
	&anon_ip,
	&anon_json_path,
	&anon_keep,
	&anon_mask,
	&anon_name,
	&anon_noise,
	&anon_null,
	&anon_phone,
	&anon_regex_replace,
	&anon_text_scrub,
	&anon_tokenize_strategy,
	&anon_uuid,
	NULL
};

static const struct { const char *alias, *name; } aliases[] = {
	{ "dict", "choice" },
	{ "fpe", "tokenize" },
	{ "redact", "mask" },
};

const struct anon_strategy *
anon_builtin_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(name, aliases[i].alias) == 0)
			name = aliases[i].name;
	for (i = 0; anon_builtins[i]; i++)
		if (strcmp(anon_builtins[i]->name, name) == 0)
			return anon_builtins[i];
	return NULL;
}
