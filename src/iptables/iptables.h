/* SPDX-License-Identifier: GPL-2.0 */
/* Per-tenant iptables through the real tools; see iptables.c. */
#ifndef API_IPTABLES_H
#define API_IPTABLES_H

#include <ev.h>
#include "conf/conf.h"

extern const char *const ipt_families[2];	/* "ipv4", "ipv6" */

/* @code: 0 done (@text: the ruleset now, iptables-save's without its
 * comments), 422 iptables refused it (@err: what it said), 500 the tools
 * could not run. */
typedef void (*ipt_done_fn)(void *priv, int code, const char *text, const char *err);

/* Before the privilege drop: the xtables lock file the tools share,
 * beside the RPC socket (created here).  The tools themselves, the
 * preload library and the lock's path are the launcher's (launcher.h).
 * 0, or -errno with a message logged. */
int ipt_start(struct ev_loop *loop, const struct config *c);
void ipt_fini(void);

/* @family: 0 IPv4, 1 IPv6.  Each returns 0 and calls done() later, or
 * -errno.  PUT and rule changes are written into the state. */
int ipt_get(const char *tenant, int family, ipt_done_fn done, void *priv);
int ipt_put(const char *tenant, int family, const char *text, ipt_done_fn done, void *priv);
int ipt_rule(const char *tenant, int family, char *const args[], ipt_done_fn done, void *priv);
/* A new tenant's rulesets (either may be NULL, not both). */
int ipt_apply(const char *tenant, const char *v4, const char *v6, ipt_done_fn done,
	      void *priv);

#endif
