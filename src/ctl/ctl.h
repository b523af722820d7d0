/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control requests: the control thread hands work that needs the kernel
 * to the dataplane thread, which owns it, and gets the answer back on its
 * libev loop.  Every request is checked by type and length on arrival.
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <ev.h>

enum ctl_type {
	CTL_TENANT_LIST = 1,
	CTL_TENANT_CREATE,
	CTL_TENANT_DESTROY,
	CTL_TENANT_GET,
	CTL_VNIC_ADD,
	CTL_VNIC_DEL,
	CTL_ADDR_ADD,
	CTL_ADDR_DEL,
	CTL_ROUTE_ADD,
	CTL_ROUTE_DEL,
	CTL_SYSCTL_SET,
	CTL_TENANT_STATS,
	CTL_ROUTES_GET,
	CTL_METRICS,
	CTL_TENANT_PID,
	CTL_ADMIT,
	CTL_TYPE_MAX,
};

struct ctl_req {
	unsigned int type;		/* enum ctl_type */
	size_t len;			/* sizeof the request's own struct */
	int status;			/* 0 or -errno, set by the dataplane */
	void (*done)(struct ctl_req *);	/* on the control thread */
	struct ctl_req *next;
};

#include <jansson.h>
#include "tenant/tenant.h"

/* [{"name": ..., "vnics": [names]}, ...] in creation order. */
struct ctl_tenant_list {
	struct ctl_req req;
	json_t *list;			/* made by the dataplane */
};

/*
 * One tenant: @name, and what the operation takes from @spec:
 *   CREATE	the whole spec
 *   VNIC_ADD	vnics[0]		VNIC_DEL	@vnic
 *   ADDR_ADD/DEL	vnics[0].name and vnics[0].addrs[0]
 *   ROUTE_ADD/DEL	routes[0]
 *   SYSCTL_SET	sysctls: all are set, or none (the old values come back)
 * Every operation but DESTROY and STATS answers with the tenant as the
 * kernel now has it (tenant_read()), its sysctls those named in
 * @read_sysctls.  STATS answers per-vNIC counters and the tenant's SNMP
 * counters.  ROUTES_GET answers every route of the tenant's tables
 * (@spec.routes[0].table, or 0 for all but local; RT_TABLE_LOCAL too).
 */
struct ctl_tenant {
	struct ctl_req req;
	char name[TENANT_NAME_MAX + 1];
	struct tenant_spec spec;	/* owned by the requester */
	char vnic[IFNAMSIZ];
	const struct tenant_sysctl *read_sysctls;
	int nread_sysctls;
	struct tenant_error error;
	json_t *answer;			/* made by the dataplane */
	struct tenant_sysctl *prev;	/* SYSCTL_SET: the values before (malloc'd) */
	int nprev;
};

/* What /metrics shows from the dataplane thread. */
struct ctl_metrics_vnic {
	int tenant;			/* index in @tenants */
	char name[IFNAMSIZ];
	struct nuse_vnic_stats stats;
};

#include "dataplane/dp.h"

struct ctl_metrics {
	struct ctl_req req;
	int ntenants, nvnics;
	char (*tenants)[TENANT_NAME_MAX + 1];
	long long *conntrack;		/* per tenant; -1 unknown */
	struct ctl_metrics_vnic *vnics;
	unsigned long long mem_total, mem_free;	/* bytes, the kernel's */
	unsigned long long mem_available, mem_reserve;
	long tasks;			/* the kernel's tasks (threads), all tenants' */
	struct dp_stats dp;
};

void ctl_metrics_free(struct ctl_metrics *m);

/* The pid of the kernel task that owns tenant @name's namespace, for
 * calls submitted from the control thread (the tool RPC); -ENOENT. */
struct ctl_tenant_pid {
	struct ctl_req req;
	char name[TENANT_NAME_MAX + 1];
	int pid;
};

/* Whether the kernel can afford @need more bytes for @what (a ruleset):
 * 0, or -EDQUOT with the reason in @error. */
struct ctl_admit {
	struct ctl_req req;
	size_t need;
	char what[32];
	struct tenant_error error;
};

/* Control thread. */
int ctl_init(struct ev_loop *loop, void (*wake_dataplane)(void));
void ctl_fini(void);
int ctl_submit(struct ctl_req *r);
/* Called after each batch of done() calls. */
void ctl_on_replies(void (*fn)(void));

/* Dataplane thread: run what is queued. */
void ctl_run_pending(void);
/* Dataplane thread, when it can run nothing more: every request queued
 * and every one submitted from now on is answered with @err (-errno). */
void ctl_fail_all(int err);

#endif
