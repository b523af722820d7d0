// SPDX-License-Identifier: GPL-2.0
/*
 * getifaddrs/freeifaddrs for the tenant, built like glibc's list: one
 * AF_PACKET entry per link (hardware address, link stats in ifa_data),
 * then one per IPv4/IPv6 address, from two rtnetlink dumps.  Each entry
 * is one allocation holding its name and addresses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "preload.h"

struct node {
	struct ifaddrs ifa;	/* first: freeifaddrs frees the node by it */
	char name[IFNAMSIZ];
	struct sockaddr_storage addr, mask, other;
	struct rtnl_link_stats stats;
};

struct link {
	int index;
	unsigned int flags;
	char name[IFNAMSIZ];
};

struct build {
	struct ifaddrs *head, **tail;
	struct link *links;
	int nlinks, cap;
};

static struct node *node_new(struct build *b, const char *name, unsigned int flags)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->ifa.ifa_name = n->name;
	n->ifa.ifa_flags = flags;
	*b->tail = &n->ifa;
	b->tail = &n->ifa.ifa_next;
	return n;
}

static struct sockaddr *ll_set(struct sockaddr_storage *ss, const struct ifinfomsg *ifi,
			       const struct rtattr *a)
{
	struct sockaddr_ll *ll = (struct sockaddr_ll *)ss;
	size_t len = RTA_PAYLOAD(a);

	ll->sll_family = AF_PACKET;
	ll->sll_ifindex = ifi->ifi_index;
	ll->sll_hatype = ifi->ifi_type;
	ll->sll_halen = len < sizeof(ll->sll_addr) ? len : sizeof(ll->sll_addr);
	memcpy(ll->sll_addr, RTA_DATA(a), ll->sll_halen);
	return (struct sockaddr *)ss;
}

static int link_remember(struct build *b, const struct ifinfomsg *ifi, const char *name)
{
	struct link *t;

	if (b->nlinks == b->cap) {
		int cap = b->cap ? 2 * b->cap : 16;

		if (!(t = realloc(b->links, cap * sizeof(*t))))
			return -ENOMEM;
		b->links = t;
		b->cap = cap;
	}
	t = &b->links[b->nlinks++];
	t->index = ifi->ifi_index;
	t->flags = ifi->ifi_flags;
	snprintf(t->name, sizeof(t->name), "%s", name);
	return 0;
}

static int link_cb(const struct nlmsghdr *h, void *arg)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct rtattr *tb[IFLA_MAX + 1];
	struct build *b = arg;
	const char *name;
	struct node *n;

	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return 0;
	pl_nl_attrs(h, sizeof(*ifi), tb, IFLA_MAX);
	if (!tb[IFLA_IFNAME])
		return 0;
	name = RTA_DATA(tb[IFLA_IFNAME]);
	if (link_remember(b, ifi, name) || !(n = node_new(b, name, ifi->ifi_flags)))
		return -ENOMEM;
	if (tb[IFLA_ADDRESS])
		n->ifa.ifa_addr = ll_set(&n->addr, ifi, tb[IFLA_ADDRESS]);
	if (tb[IFLA_BROADCAST])
		n->ifa.ifa_broadaddr = ll_set(&n->other, ifi, tb[IFLA_BROADCAST]);
	if (tb[IFLA_STATS]) {
		size_t len = RTA_PAYLOAD(tb[IFLA_STATS]);

		memcpy(&n->stats, RTA_DATA(tb[IFLA_STATS]),
		       len < sizeof(n->stats) ? len : sizeof(n->stats));
		n->ifa.ifa_data = &n->stats;
	}
	return 0;
}

/* An IPv6 link-local address is only meaningful with its interface. */
static struct sockaddr *ip_set(struct sockaddr_storage *ss, int family, const void *a,
			       int index)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a, sizeof(s4->sin_addr));
	} else {
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a, sizeof(s6->sin6_addr));
		if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) ||
		    IN6_IS_ADDR_MC_LINKLOCAL(&s6->sin6_addr))
			s6->sin6_scope_id = index;
	}
	return (struct sockaddr *)ss;
}

static struct sockaddr *mask_set(struct sockaddr_storage *ss, int family, int plen)
{
	unsigned char m[16] = { 0 };
	int i;

	for (i = 0; i < 16 && plen > 0; i++, plen -= 8)
		m[i] = plen >= 8 ? 0xff : (0xff << (8 - plen)) & 0xff;
	return ip_set(ss, family, m, 0);
}

static const struct link *link_find(const struct build *b, int index)
{
	int i;

	for (i = 0; i < b->nlinks; i++)
		if (b->links[i].index == index)
			return &b->links[i];
	return NULL;
}

static int addr_cb(const struct nlmsghdr *h, void *arg)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	struct rtattr *tb[IFA_MAX + 1], *main;
	struct build *b = arg;
	const struct link *l;
	struct node *n;
	const char *name;
	size_t alen;

	if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    !(l = link_find(b, ifa->ifa_index)))
		return 0;
	pl_nl_attrs(h, sizeof(*ifa), tb, IFA_MAX);
	alen = ifa->ifa_family == AF_INET ? 4 : 16;
	main = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!main || RTA_PAYLOAD(main) < alen)
		return 0;
	name = ifa->ifa_family == AF_INET && tb[IFA_LABEL] ? RTA_DATA(tb[IFA_LABEL]) : l->name;
	if (!(n = node_new(b, name, l->flags)))
		return -ENOMEM;
	n->ifa.ifa_addr = ip_set(&n->addr, ifa->ifa_family, RTA_DATA(main), l->index);
	n->ifa.ifa_netmask = mask_set(&n->mask, ifa->ifa_family, ifa->ifa_prefixlen);
	if (tb[IFA_LOCAL] && tb[IFA_ADDRESS] && RTA_PAYLOAD(tb[IFA_ADDRESS]) >= alen &&
	    memcmp(RTA_DATA(tb[IFA_LOCAL]), RTA_DATA(tb[IFA_ADDRESS]), alen))
		n->ifa.ifa_dstaddr = ip_set(&n->other, ifa->ifa_family,
					    RTA_DATA(tb[IFA_ADDRESS]), l->index);
	else if (tb[IFA_BROADCAST] && RTA_PAYLOAD(tb[IFA_BROADCAST]) >= alen)
		n->ifa.ifa_broadaddr = ip_set(&n->other, ifa->ifa_family,
					      RTA_DATA(tb[IFA_BROADCAST]), l->index);
	return 0;
}

static void list_free(struct ifaddrs *ifa)
{
	struct ifaddrs *next;

	for (; ifa; ifa = next) {
		next = ifa->ifa_next;
		free(ifa);
	}
}

static long build_list(struct ifaddrs **out)
{
	struct build b = { .tail = &b.head };
	long r = pl_nl_dump(RTM_GETLINK, link_cb, &b);

	if (!r)
		r = pl_nl_dump(RTM_GETADDR, addr_cb, &b);
	free(b.links);
	if (r) {
		list_free(b.head);
		return r;
	}
	*out = b.head;
	return 0;
}

PL_EXPORT int getifaddrs(struct ifaddrs **out)
{
	pl_boot();
	if (!pl_on)
		return pl_real.getifaddrs(out);
	return pl_ret(build_list(out));
}

PL_EXPORT void freeifaddrs(struct ifaddrs *ifa)
{
	pl_boot();
	if (!pl_on)
		pl_real.freeifaddrs(ifa);
	else
		list_free(ifa);
}
