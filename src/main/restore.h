/* SPDX-License-Identifier: GPL-2.0 */
/* Start-up: the tenants to restore; see restore.c. */
#ifndef MAIN_RESTORE_H
#define MAIN_RESTORE_H

#include "tenant/tenant.h"

/* Create @specs one after the other through the dataplane, each into the
 * state, which is written once at the end; then done(0), or done(-errno)
 * after the first failure (logged) or a failed write, or done(1) if the
 * appliance began stopping.  The first @nsaved come from the state file.
 * @specs must live until then.  Control thread. */
void restore_start(const struct tenant_spec *specs, int n, int nsaved,
		   void (*done)(int status));

#endif
