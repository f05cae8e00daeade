/* hook/wire: the hooks wired into conf-apply's engine. */
#ifndef CONF_HOOK_WIRE_H
#define CONF_HOOK_WIRE_H

#include "apply.h"
#include "hook/hook.h"

/*
 * Fill ah so that apply_stream runs hs's before_apply, after_apply and
 * on_error hooks and writes their records.  The run type, when hs does not
 * know it ("unknown"), is learnt from the first migration's direction.
 */
void hook_apply_callbacks(struct hook_set *hs, struct apply_hooks *ah);

#endif
