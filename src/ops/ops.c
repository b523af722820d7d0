// SPDX-License-Identifier: GPL-2.0
/*
 * The tenant module's control operations; see ops.h.  The run functions
 * are on the dataplane thread and make no JSON; the render and follow
 * functions are on the control thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include "conf/conf.h"
#include "conf/state.h"
#include "tenant/admit.h"
#include "ops/ops.h"
#include "tenant/rtnl.h"
#include "ops/snmp.h"

#define SNMP_MAX	32768

/* --- list --- */

static int list_run(struct ctl_req *req)
{
	struct tenant_list_req *r = (struct tenant_list_req *)req;
	struct tenant *t = NULL;
	int i, n = tenant_count();

	r->specs = calloc(n + 1, sizeof(*r->specs));
	if (!r->specs)
		return -ENOMEM;
	while ((t = tenant_next(t)) && r->n < n) {
		struct tenant_spec *s = &r->specs[r->n++];

		snprintf(s->name, sizeof(s->name), "%s", tenant_name(t));
		s->vnics = calloc(tenant_nvnics(t) + 1, sizeof(*s->vnics));
		if (!s->vnics)
			return -ENOMEM;
		for (i = 0; i < tenant_nvnics(t); i++)
			snprintf(s->vnics[s->nvnics++].name, IFNAMSIZ, "%s",
				 tenant_vnic_spec(t, i)->name);
	}
	return 0;
}

static int list_render(struct ctl_req *req)
{
	struct tenant_list_req *r = (struct tenant_list_req *)req;
	int i, j;

	r->list = json_array();
	for (i = 0; r->list && i < r->n; i++) {
		json_t *vnics = json_array();

		for (j = 0; j < r->specs[i].nvnics; j++)
			json_array_append_new(vnics, json_string(r->specs[i].vnics[j].name));
		if (json_array_append_new(r->list, json_pack("{s:s,s:o*}", "name",
					  r->specs[i].name, "vnics", vnics)))
			return -ENOMEM;
	}
	return r->list ? 0 : -ENOMEM;
}

static void list_release(struct ctl_req *req)
{
	struct tenant_list_req *r = (struct tenant_list_req *)req;
	int i;

	for (i = 0; r->specs && i < r->n; i++)
		free(r->specs[i].vnics);
	free(r->specs);
	r->specs = NULL;
	r->n = 0;
	json_decref(r->list);
	r->list = NULL;
}

const struct ctl_op tenant_op_list = {
	.name = "tenant list", .len = sizeof(struct tenant_list_req),
	.run = list_run, .render = list_render, .release = list_release,
};

/* --- one tenant --- */

/* The answer to every change: the tenant as the kernel now has it. */
static int read_now(struct tenant_req *r)
{
	int err;

	tenant_spec_free(&r->now);
	err = tenant_read(r->name, r->read_sysctls, r->nread_sysctls, &r->now, &r->error);
	if (err)
		tenant_spec_free(&r->now);
	return err;
}

static int now_render(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;

	json_decref(r->answer);
	r->answer = config_tenant_json(&r->now);
	tenant_spec_free(&r->now);
	return r->answer ? 0 : -ENOMEM;
}

static void one_release(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;

	tenant_spec_free(&r->now);
	free(r->counters);
	free(r->snmp);
	free(r->snmp6);
	free(r->routes);
	free(r->links);
	free(r->prev);
	json_decref(r->answer);
	r->counters = NULL;
	r->snmp = r->snmp6 = NULL;
	r->routes = NULL;
	r->links = NULL;
	r->prev = NULL;
	r->answer = NULL;
	r->ncounters = r->nroutes = r->nlinks = r->nprev = 0;
}

/* The change is in the state as the kernel now has it. */
static int follow_now(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;

	state_update(r->name, r->answer);
	return 1;
}

/* A change the kernel cannot afford is refused before it starts; one that
 * is wrong anyway is refused for that first. */
static int admitted(const char *name, const struct tenant_spec *s, int whole,
		    const char *what, struct tenant_error *e)
{
	if (tenant_validate(s, e) || (whole && tenant_find(name)))
		return 0;
	return admit(admit_spec_bytes(s, whole), what, e);
}

static int create_run(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;
	int err = admitted(r->spec.name, &r->spec, 1, "a tenant", &r->error);

	if (!err)
		err = tenant_create(&r->spec, &r->error);
	snprintf(r->name, sizeof(r->name), "%s", r->spec.name);
	return err ? err : read_now(r);
}

/* What is not read back from the kernel comes from the request: static
 * neighbours and the rulesets. */
static int create_follow(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;

	if (r->spec.nneighs || r->spec.iptables[0] || r->spec.iptables[1] ||
	    r->spec.iptables[2]) {
		json_t *spec = config_tenant_json(&r->spec);

		if (r->spec.nneighs)
			json_object_set(r->answer, "neighbours",
					json_object_get(spec, "neighbours"));
		if (json_object_get(spec, "iptables"))
			json_object_set(r->answer, "iptables", json_object_get(spec, "iptables"));
		if (json_object_get(spec, "nftables"))
			json_object_set(r->answer, "nftables", json_object_get(spec, "nftables"));
		json_decref(spec);
	}
	return follow_now(req);
}

const struct ctl_op tenant_op_create = {
	.name = "tenant create", .len = sizeof(struct tenant_req),
	.run = create_run, .render = now_render, .release = one_release,
	.follow = create_follow,
};

static int get_run(struct ctl_req *req)
{
	return read_now((struct tenant_req *)req);
}

const struct ctl_op tenant_op_get = {
	.name = "tenant get", .len = sizeof(struct tenant_req),
	.run = get_run, .render = now_render, .release = one_release,
};

static int destroy_run(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;

	return tenant_destroy(r->name, &r->error);
}

static int destroy_follow(struct ctl_req *req)
{
	state_update(((struct tenant_req *)req)->name, NULL);
	return 1;
}

const struct ctl_op tenant_op_destroy = {
	.name = "tenant destroy", .len = sizeof(struct tenant_req),
	.run = destroy_run, .release = one_release, .follow = destroy_follow,
};

static int vnic_add_run(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;
	struct tenant_spec one = { .nvnics = 1, .vnics = r->spec.vnics };
	int err = admit(admit_spec_bytes(&one, 0), "a vNIC", &r->error);

	if (!err)
		err = tenant_vnic_add(r->name, &r->spec.vnics[0], &r->error);
	return err ? err : read_now(r);
}

static int vnic_del_run(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;
	int err = tenant_vnic_del(r->name, r->vnic, &r->error);

	return err ? err : read_now(r);
}

static int addr_run(struct tenant_req *r, int add)
{
	int err = tenant_addr(r->name, add, r->spec.vnics[0].name,
			      &r->spec.vnics[0].addrs[0], &r->error);

	return err ? err : read_now(r);
}

static int addr_add_run(struct ctl_req *req) { return addr_run((struct tenant_req *)req, 1); }
static int addr_del_run(struct ctl_req *req) { return addr_run((struct tenant_req *)req, 0); }

static int route_run(struct tenant_req *r, int add)
{
	int err = tenant_route(r->name, add, &r->spec.routes[0], &r->error);

	return err ? err : read_now(r);
}

static int route_add_run(struct ctl_req *req) { return route_run((struct tenant_req *)req, 1); }
static int route_del_run(struct ctl_req *req) { return route_run((struct tenant_req *)req, 0); }

/* All or nothing: what was set before a failure is set back. */
static int sysctl_set_run(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;
	struct tenant_sysctl *old;
	struct tenant_spec cur;
	int i, j, err = 0;

	old = calloc(r->spec.nsysctls + 1, sizeof(*old));
	if (!old)
		return -ENOMEM;
	memcpy(old, r->spec.sysctls, r->spec.nsysctls * sizeof(*old));
	err = tenant_read(r->name, old, r->spec.nsysctls, &cur, &r->error);
	if (!err && cur.nsysctls != r->spec.nsysctls) {
		/* a name the kernel does not have */
		for (i = 0; i < r->spec.nsysctls; i++) {
			for (j = 0; j < cur.nsysctls; j++)
				if (!strcmp(cur.sysctls[j].name, r->spec.sysctls[i].name))
					break;
			if (j == cur.nsysctls)
				break;
		}
		snprintf(r->error.field, sizeof(r->error.field), "%s",
			 r->spec.sysctls[i].name);
		snprintf(r->error.msg, sizeof(r->error.msg), "no such sysctl");
		err = -EINVAL;
	}
	for (i = 0; !err && i < r->spec.nsysctls; i++) {
		err = tenant_sysctl_set(r->name, r->spec.sysctls[i].name,
					r->spec.sysctls[i].value, &r->error);
		if (err == -ENOENT)
			err = -EINVAL;
	}
	if (err && i > 0)
		for (j = 0; j < i - 1; j++)
			tenant_sysctl_set(r->name, cur.sysctls[j].name,
					  cur.sysctls[j].value, NULL);
	if (!err) {
		free(r->prev);
		r->prev = cur.sysctls;
		r->nprev = cur.nsysctls;
		cur.sysctls = NULL;
		cur.nsysctls = 0;
	}
	tenant_spec_free(&cur);
	free(old);
	return err ? err : read_now(r);
}

#define CHANGE(op, fn) \
	const struct ctl_op tenant_op_##op = { \
		.name = "tenant " #op, .len = sizeof(struct tenant_req), \
		.run = fn, .render = now_render, .release = one_release, \
		.follow = follow_now, \
	}

CHANGE(vnic_add, vnic_add_run);
CHANGE(vnic_del, vnic_del_run);
CHANGE(addr_add, addr_add_run);
CHANGE(addr_del, addr_del_run);
CHANGE(route_add, route_add_run);
CHANGE(route_del, route_del_run);
CHANGE(sysctl_set, sysctl_set_run);

/* --- stats --- */

static int stats_run(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;
	struct tenant *t = tenant_find(r->name);
	int i, n;

	if (!t)
		return -ENOENT;
	n = tenant_nvnics(t);
	r->counters = calloc(n + 1, sizeof(*r->counters));
	r->snmp = malloc(SNMP_MAX);
	r->snmp6 = malloc(SNMP_MAX);
	if (!r->counters || !r->snmp || !r->snmp6)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct tenant_vnic_counters *c = &r->counters[r->ncounters];
		const char *name = tenant_vnic_spec(t, i)->name;

		snprintf(c->name, sizeof(c->name), "%s", name);
		if (!nuse_vnic_stats(tenant_vnic_id(t, name), &c->stats))
			r->ncounters++;
	}
	if (tenant_proc_read(t, "/proc/net/snmp", r->snmp, SNMP_MAX) < 0)
		r->snmp[0] = '\0';
	if (tenant_proc_read(t, "/proc/net/snmp6", r->snmp6, SNMP_MAX) < 0)
		r->snmp6[0] = '\0';
	return 0;
}

static int stats_render(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;
	json_t *vnics = json_object();
	int i;

	for (i = 0; vnics && i < r->ncounters; i++) {
		const struct nuse_vnic_stats *st = &r->counters[i].stats;

		json_object_set_new(vnics, r->counters[i].name, json_pack(
			"{s:I,s:I,s:I,s:I,s:I,s:I}",
			"rx_packets", (json_int_t)st->rx_packets, "rx_bytes", (json_int_t)st->rx_bytes,
			"rx_dropped", (json_int_t)st->rx_dropped,
			"tx_packets", (json_int_t)st->tx_packets, "tx_bytes", (json_int_t)st->tx_bytes,
			"tx_dropped", (json_int_t)st->tx_dropped));
	}
	r->answer = json_pack("{s:s,s:o*}", "name", r->name, "vnics", vnics);
	if (!r->answer)
		return -ENOMEM;
	if (r->snmp[0])
		json_object_set_new(r->answer, "snmp", snmp_json(r->snmp));
	if (r->snmp6[0])
		json_object_set_new(r->answer, "snmp6", snmp6_json(r->snmp6));
	return 0;
}

const struct ctl_op tenant_op_stats = {
	.name = "tenant stats", .len = sizeof(struct tenant_req),
	.run = stats_run, .render = stats_render, .release = one_release,
};

/* --- routes: the tenant's real routing table, as `ip route show table all` --- */

static int routes_run(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;
	struct tenant *t = tenant_find(r->name);
	unsigned int want = r->spec.nroutes ? r->spec.routes[0].table : 0;
	int err;

	if (!t)
		return -ENOENT;
	err = rtnl_dump_routes(tenant_rtnl(t), AF_UNSPEC, want, &r->routes, &r->nroutes);
	if (!err)
		err = rtnl_dump_links(tenant_rtnl(t), &r->links, &r->nlinks);
	return err;
}

static const char *const route_types[] = {
	[RTN_UNICAST] = "unicast", [RTN_LOCAL] = "local", [RTN_BROADCAST] = "broadcast",
	[RTN_ANYCAST] = "anycast", [RTN_MULTICAST] = "multicast",
	[RTN_BLACKHOLE] = "blackhole", [RTN_UNREACHABLE] = "unreachable",
	[RTN_PROHIBIT] = "prohibit", [RTN_THROW] = "throw", [RTN_NAT] = "nat",
};

/* Who made a route, by the names of iproute2's rt_protos and the
 * kernel's RTPROT_* (a number without a name is shown as a number). */
static const char *const route_protos[] = {
	[RTPROT_REDIRECT] = "redirect", [RTPROT_KERNEL] = "kernel",
	[RTPROT_BOOT] = "boot", [RTPROT_STATIC] = "static", [RTPROT_GATED] = "gated",
	[RTPROT_RA] = "ra", [RTPROT_MRT] = "mrt", [RTPROT_ZEBRA] = "zebra",
	[RTPROT_BIRD] = "bird", [RTPROT_DNROUTED] = "dnrouted", [RTPROT_XORP] = "xorp",
	[RTPROT_NTK] = "ntk", [RTPROT_DHCP] = "dhcp", [RTPROT_MROUTED] = "mrouted",
	[RTPROT_KEEPALIVED] = "keepalived", [RTPROT_BABEL] = "babel",
	[RTPROT_OPENR] = "openr", [RTPROT_BGP] = "bgp", [RTPROT_ISIS] = "isis",
	[RTPROT_OSPF] = "ospf", [RTPROT_RIP] = "rip", [RTPROT_EIGRP] = "eigrp",
};

static json_t *number_or_name(int v, const char *name)
{
	return name ? json_string(name) : json_integer(v);
}

static json_t *route_json(const struct rtnl_route *rt, const struct rtnl_link_info *links,
			  int nlinks)
{
	const char *proto = NULL, *scope = NULL;
	char addr[INET6_ADDRSTRLEN + 8];
	json_t *o = json_object();
	int j;

	if (rt->dst_len == 0)
		snprintf(addr, sizeof(addr), "default");
	else {
		inet_ntop(rt->family, rt->dst, addr, sizeof(addr));
		snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%d", rt->dst_len);
	}
	json_object_set_new(o, "dst", json_string(addr));
	json_object_set_new(o, "family", json_string(rt->family == AF_INET ? "inet" : "inet6"));
	if (rt->has_gw) {
		inet_ntop(rt->family, rt->gw, addr, sizeof(addr));
		json_object_set_new(o, "via", json_string(addr));
	}
	for (j = 0; j < nlinks; j++)
		if (rt->oif && links[j].ifindex == rt->oif)
			json_object_set_new(o, "dev", json_string(links[j].name));
	json_object_set_new(o, "table", number_or_name(rt->table,
		rt->table == RT_TABLE_MAIN ? "main" :
		rt->table == RT_TABLE_LOCAL ? "local" : NULL));
	json_object_set_new(o, "type", number_or_name(rt->type,
		rt->type >= 0 && rt->type < (int)(sizeof(route_types) / sizeof(*route_types))
		? route_types[rt->type] : NULL));
	if (rt->protocol >= 0 && rt->protocol < (int)(sizeof(route_protos) / sizeof(*route_protos)))
		proto = route_protos[rt->protocol];
	switch (rt->scope) {
	case RT_SCOPE_UNIVERSE: scope = "global"; break;
	case RT_SCOPE_LINK: scope = "link"; break;
	case RT_SCOPE_HOST: scope = "host"; break;
	}
	json_object_set_new(o, "protocol", number_or_name(rt->protocol, proto));
	json_object_set_new(o, "scope", number_or_name(rt->scope, scope));
	json_object_set_new(o, "metric", json_integer(rt->metric));
	return o;
}

static int routes_render(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;
	unsigned int want = r->spec.nroutes ? r->spec.routes[0].table : 0;
	int i;

	r->answer = json_array();
	for (i = 0; r->answer && i < r->nroutes; i++)
		if (want || r->routes[i].table != RT_TABLE_LOCAL)
			json_array_append_new(r->answer, route_json(&r->routes[i], r->links,
								    r->nlinks));
	return r->answer ? 0 : -ENOMEM;
}

const struct ctl_op tenant_op_routes = {
	.name = "tenant routes", .len = sizeof(struct tenant_req),
	.run = routes_run, .render = routes_render, .release = one_release,
};

/* --- links: every link of the namespace, as `ip link show` --- */

static int links_run(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;
	struct tenant *t = tenant_find(r->name);

	if (!t)
		return -ENOENT;
	return rtnl_dump_links(tenant_rtnl(t), &r->links, &r->nlinks);
}

static const char *const operstates[] = {
	[IF_OPER_UNKNOWN] = "unknown", [IF_OPER_NOTPRESENT] = "notpresent",
	[IF_OPER_DOWN] = "down", [IF_OPER_LOWERLAYERDOWN] = "lowerlayerdown",
	[IF_OPER_TESTING] = "testing", [IF_OPER_DORMANT] = "dormant", [IF_OPER_UP] = "up",
};

static int links_render(struct ctl_req *req)
{
	struct tenant_req *r = (struct tenant_req *)req;
	const struct rtnl_link_info *l;
	static const unsigned char zero[6];
	char mac[18];
	json_t *o;
	int i;

	r->answer = json_array();
	for (i = 0; r->answer && i < r->nlinks; i++) {
		l = &r->links[i];
		o = json_pack("{s:s,s:i,s:i,s:b,s:s}", "name", l->name, "ifindex", l->ifindex,
			      "mtu", (int)l->mtu, "up", !!(l->flags & IFF_UP), "state",
			      l->operstate >= 0 && l->operstate <= IF_OPER_UP
			      ? operstates[l->operstate] : "unknown");
		if (o && memcmp(l->mac, zero, sizeof(zero))) {
			tenant_format_mac(l->mac, mac);
			json_object_set_new(o, "mac", json_string(mac));
		}
		if (json_array_append_new(r->answer, o))
			return -ENOMEM;
	}
	return r->answer ? 0 : -ENOMEM;
}

const struct ctl_op tenant_op_links = {
	.name = "tenant links", .len = sizeof(struct tenant_req),
	.run = links_run, .render = links_render, .release = one_release,
};

/* --- for the tool RPC and the iptables API --- */

static int pid_run(struct ctl_req *req)
{
	struct tenant_pid_req *r = (struct tenant_pid_req *)req;
	struct tenant *t;

	r->name[sizeof(r->name) - 1] = '\0';
	t = tenant_find(r->name);
	if (!t)
		return -ENOENT;
	r->pid = tenant_pid(t);
	return 0;
}

const struct ctl_op tenant_op_pid = {
	.name = "tenant pid", .len = sizeof(struct tenant_pid_req), .run = pid_run,
};

static int admit_run(struct ctl_req *req)
{
	struct tenant_admit_req *r = (struct tenant_admit_req *)req;

	r->what[sizeof(r->what) - 1] = '\0';
	return admit(r->need, r->what, &r->error);
}

const struct ctl_op tenant_op_admit = {
	.name = "admit", .len = sizeof(struct tenant_admit_req), .run = admit_run,
};
