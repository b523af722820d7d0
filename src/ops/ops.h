/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control operations on tenants (ctl.h): the work that the API, the
 * start-up and the tool RPC hand to the dataplane thread.  Each one is a
 * struct ctl_op defined in ops.c; its request is one of the structs
 * below.  run() calls the tenant layer (tenant/, the kernel side) on
 * the dataplane thread and gathers plain C data; render() makes the JSON
 * answer on the control thread; follow() writes the change into the
 * state file (conf/state.h).
 */
#ifndef OPS_H
#define OPS_H

#include <jansson.h>
#include "ctl/ctl.h"
#include "tenant/tenant.h"

struct rtnl_route;
struct rtnl_link_info;

/* [{"name": ..., "vnics": [names]}, ...] in creation order. */
struct tenant_list_req {
	struct ctl_req req;
	struct tenant_spec *specs;	/* gathered: names, vNIC names */
	int n;
	json_t *list;			/* rendered */
};

/* Per-vNIC counters for STATS. */
struct tenant_vnic_counters {
	char name[IFNAMSIZ];
	struct nuse_vnic_stats stats;
};

/*
 * One tenant: @name, and what the operation takes from @spec:
 *   create	the whole spec
 *   vnic_add	vnics[0]		vnic_del	@vnic
 *   addr_add/del	vnics[0].name and vnics[0].addrs[0]
 *   route_add/del	routes[0]
 *   sysctl_set	sysctls: all are set, or none (the old values come back
 *		in @prev)
 * Every operation but destroy, stats and routes answers with the tenant
 * as the kernel now has it (tenant_read()), its sysctls those named in
 * @read_sysctls.  stats answers per-vNIC counters and the tenant's SNMP
 * counters.  routes answers every route of the tenant's tables
 * (@spec.routes[0].table, or 0 for all but local; RT_TABLE_LOCAL too).
 * links answers every link of the tenant's namespace, as the kernel has
 * it (loopback and any a tool made, too).
 */
struct tenant_req {
	struct ctl_req req;
	char name[TENANT_NAME_MAX + 1];
	struct tenant_spec spec;	/* owned by the requester */
	char vnic[IFNAMSIZ];
	const struct tenant_sysctl *read_sysctls;
	int nread_sysctls;
	struct tenant_error error;
	struct tenant_sysctl *prev;	/* sysctl_set: the values before */
	int nprev;
	/* Gathered on the dataplane thread, for render(). */
	struct tenant_spec now;
	struct tenant_vnic_counters *counters;
	int ncounters;
	char *snmp, *snmp6;		/* /proc/net/snmp{,6} */
	struct rtnl_route *routes;
	int nroutes;
	struct rtnl_link_info *links;
	int nlinks;
	json_t *answer;			/* rendered */
};

/* The pid of the kernel task that owns tenant @name's namespace, for
 * calls submitted from the control thread (the tool RPC); -ENOENT. */
struct tenant_pid_req {
	struct ctl_req req;
	char name[TENANT_NAME_MAX + 1];
	int pid;
};

/* Whether the kernel can afford @need more bytes for @what (a ruleset):
 * 0, or -EDQUOT with the reason in @error. */
struct tenant_admit_req {
	struct ctl_req req;
	size_t need;
	char what[32];
	struct tenant_error error;
};

extern const struct ctl_op tenant_op_list, tenant_op_create, tenant_op_destroy,
	tenant_op_get, tenant_op_vnic_add, tenant_op_vnic_del, tenant_op_addr_add,
	tenant_op_addr_del, tenant_op_route_add, tenant_op_route_del,
	tenant_op_sysctl_set, tenant_op_stats, tenant_op_routes, tenant_op_links,
	tenant_op_pid, tenant_op_admit;

#endif
