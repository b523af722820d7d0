// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink dumps: a tenant's links, addresses, routes and rules read
 * back from the library kernel into plain arrays.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nuse_host.h"
#include "rtnl.h"
#include "rtnl_int.h"

/* --- dumps ------------------------------------------------------------- */

static void *rtnl_dump_add(struct rtnl_dump *d)
{
	void *item;

	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 16;
		char *items = reallocarray(d->items, cap, d->size);

		if (!items)
			return NULL;
		d->items = items;
		d->cap = cap;
	}
	item = d->items + d->n++ * d->size;
	memset(item, 0, d->size);
	return item;
}

/* Dump @type; every rtnetlink header starts with its family byte. */
static int rtnl_dump(struct rtnl *r, int type, size_t hdrlen, int family,
		     rtnl_parse_fn parse, struct rtnl_dump *d,
		     void *out, int *n)
{
	struct nlmsghdr *nlh;
	unsigned char *hdr;
	int tries, err;

	if (!out || !n)
		return -EINVAL;
	if (family != AF_UNSPEC && !rtnl_addrlen(family))
		return -EAFNOSUPPORT;
	for (tries = 0; tries < RTNL_DUMP_TRIES; tries++) {
		nlh = rtnl_msg(r, type, NLM_F_DUMP, hdrlen, &hdr);
		hdr[0] = family;
		d->n = 0;
		err = rtnl_talk(r, nlh, parse, d);
		if (err != -EINTR)	/* NLM_F_DUMP_INTR: changed meanwhile */
			break;
	}
	if (err) {
		free(d->items);
		d->items = NULL;
		d->n = 0;
	}
	*(void **)out = d->items;
	*n = d->n;
	return err;
}

static const unsigned char rtnl_link_minlen[IFLA_MAX + 1] = {
	[IFLA_MTU] = 4, [IFLA_OPERSTATE] = 1,
};

static int rtnl_parse_link(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1];
	struct rtnl_link_info *l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (rtnl_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, rtnl_link_minlen))
		return -EPROTO;
	l = rtnl_dump_add(arg);
	if (!l)
		return -ENOMEM;
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->mtu = rtnl_u32(tb[IFLA_MTU], 0);
	if (tb[IFLA_OPERSTATE])
		l->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	return rtnl_get_str(tb[IFLA_IFNAME], l->name, sizeof(l->name));
}

int rtnl_dump_links(struct rtnl *r, struct rtnl_link_info **out, int *n)
{
	struct rtnl_dump d = { .size = sizeof(**out) };

	return rtnl_dump(r, RTM_GETLINK, sizeof(struct ifinfomsg), AF_UNSPEC,
			 rtnl_parse_link, &d, out, n);
}

static const unsigned char rtnl_addr_minlen[IFA_MAX + 1] = {
	[IFA_FLAGS] = 4,
};

static int rtnl_parse_addr(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1];
	struct rtnl_addr_info *a;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return 0;
	if (rtnl_parse(nlh, sizeof(*ifa), tb, IFA_MAX, rtnl_addr_minlen))
		return -EPROTO;
	if (!rtnl_addrlen(ifa->ifa_family))
		return 0;
	a = rtnl_dump_add(arg);
	if (!a)
		return -ENOMEM;
	a->family = ifa->ifa_family;
	a->ifindex = ifa->ifa_index;
	a->prefixlen = ifa->ifa_prefixlen;
	a->scope = ifa->ifa_scope;
	a->flags = rtnl_u32(tb[IFA_FLAGS], ifa->ifa_flags);
	/* IFA_ADDRESS is the peer's on a point-to-point IPv4 link. */
	return rtnl_get_addr(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS],
			     a->family, a->addr);
}

int rtnl_dump_addrs(struct rtnl *r, int family, struct rtnl_addr_info **out,
		    int *n)
{
	struct rtnl_dump d = { .size = sizeof(**out) };

	return rtnl_dump(r, RTM_GETADDR, sizeof(struct ifaddrmsg), family,
			 rtnl_parse_addr, &d, out, n);
}

static const unsigned char rtnl_route_minlen[RTA_MAX + 1] = {
	[RTA_TABLE] = 4, [RTA_OIF] = 4, [RTA_PRIORITY] = 4,
};

static int rtnl_parse_route(const struct nlmsghdr *nlh, void *arg)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	struct rtnl_dump *d = arg;
	struct rtnl_route *rt;
	unsigned int table;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	if (rtnl_parse(nlh, sizeof(*rtm), tb, RTA_MAX, rtnl_route_minlen))
		return -EPROTO;
	table = rtnl_u32(tb[RTA_TABLE], rtm->rtm_table);
	if (!rtnl_addrlen(rtm->rtm_family) || (d->table && table != d->table))
		return 0;
	rt = rtnl_dump_add(d);
	if (!rt)
		return -ENOMEM;
	rt->family = rtm->rtm_family;
	rt->dst_len = rtm->rtm_dst_len;
	rt->table = table;
	rt->type = rtm->rtm_type;
	rt->scope = rtm->rtm_scope;
	rt->protocol = rtm->rtm_protocol;
	rt->oif = rtnl_u32(tb[RTA_OIF], 0);
	rt->metric = rtnl_u32(tb[RTA_PRIORITY], 0);
	rt->has_gw = tb[RTA_GATEWAY] != NULL;
	return rtnl_get_addr(tb[RTA_DST], rt->family, rt->dst) ?:
	       rtnl_get_addr(tb[RTA_GATEWAY], rt->family, rt->gw);
}

int rtnl_dump_routes(struct rtnl *r, int family, unsigned int table,
		     struct rtnl_route **out, int *n)
{
	struct rtnl_dump d = { .size = sizeof(**out), .table = table };

	return rtnl_dump(r, RTM_GETROUTE, sizeof(struct rtmsg), family,
			 rtnl_parse_route, &d, out, n);
}

static const unsigned char rtnl_rule_minlen[FRA_MAX + 1] = {
	[FRA_TABLE] = 4, [FRA_PRIORITY] = 4, [FRA_FWMARK] = 4,
};

static int rtnl_parse_rule(const struct nlmsghdr *nlh, void *arg)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[FRA_MAX + 1];
	struct rtnl_rule *rule;

	if (nlh->nlmsg_type != RTM_NEWRULE)
		return 0;
	if (rtnl_parse(nlh, sizeof(*frh), tb, FRA_MAX, rtnl_rule_minlen))
		return -EPROTO;
	if (!rtnl_addrlen(frh->family))
		return 0;
	rule = rtnl_dump_add(arg);
	if (!rule)
		return -ENOMEM;
	rule->family = frh->family;
	rule->src_len = frh->src_len;
	rule->dst_len = frh->dst_len;
	rule->table = rtnl_u32(tb[FRA_TABLE], frh->table);
	rule->priority = rtnl_u32(tb[FRA_PRIORITY], 0);
	rule->fwmark = rtnl_u32(tb[FRA_FWMARK], 0);
	return rtnl_get_addr(tb[FRA_SRC], rule->family, rule->src) ?:
	       rtnl_get_addr(tb[FRA_DST], rule->family, rule->dst) ?:
	       rtnl_get_str(tb[FRA_IIFNAME], rule->iif, sizeof(rule->iif));
}

int rtnl_dump_rules(struct rtnl *r, int family, struct rtnl_rule **out,
		    int *n)
{
	struct rtnl_dump d = { .size = sizeof(**out) };

	return rtnl_dump(r, RTM_GETRULE, sizeof(struct fib_rule_hdr), family,
			 rtnl_parse_rule, &d, out, n);
}

