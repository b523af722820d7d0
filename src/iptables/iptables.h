/* SPDX-License-Identifier: GPL-2.0 */
/* Per-tenant iptables through the real tools; see iptables.c. */
#ifndef API_IPTABLES_H
#define API_IPTABLES_H

#include <ev.h>
#include "conf/conf.h"

/* The rulesets a tenant has, by the tools that keep them: iptables,
 * ip6tables and nftables (nft). */
enum { IPT_V4, IPT_V6, IPT_NFT, IPT_FAMILIES };
extern const char *const ipt_families[IPT_FAMILIES];	/* "ipv4", "ipv6", "nft" */

/* @code: 0 done (@text: the ruleset now, iptables-save's without its
 * comments, or nft list ruleset's), 422 the tool refused it (@err: what
 * it said), 500 the tools could not run. */
typedef void (*ipt_done_fn)(void *priv, int code, const char *text, const char *err);
/* Within done(): the family the job ended on (an apply's failing one). */
int ipt_done_family(void);

/* Before the privilege drop: the xtables lock file the tools share,
 * beside the RPC socket (created here).  The tools themselves, the
 * preload library and the lock's path are the launcher's (launcher.h).
 * 0, or -errno with a message logged. */
int ipt_start(struct ev_loop *loop, const struct config *c);
void ipt_fini(void);

/* @family: IPT_V4, IPT_V6 or IPT_NFT (no ipt_rule for nft).  Each
 * returns 0 and calls done() later, or -errno.  PUT and rule changes are
 * written into the state.  An nft PUT replaces the whole ruleset in one
 * transaction: "flush ruleset" and @text, checked first with nft -c. */
int ipt_get(const char *tenant, int family, ipt_done_fn done, void *priv);
int ipt_put(const char *tenant, int family, const char *text, ipt_done_fn done, void *priv);
int ipt_rule(const char *tenant, int family, char *const args[], ipt_done_fn done, void *priv);
/* A new tenant's rulesets, by family (any may be NULL, not all), applied
 * in that order. */
int ipt_apply(const char *tenant, char *const rules[IPT_FAMILIES], ipt_done_fn done,
	      void *priv);

#endif
