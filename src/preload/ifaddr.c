// SPDX-License-Identifier: GPL-2.0
/*
 * glibc's interface lookups open their sockets with internal calls we
 * never see, so they would answer for the host.  These are ours, asking
 * the tenant: if_nametoindex/if_indextoname by ioctl on a socket of their
 * own, if_nameindex and getifaddrs by an rtnetlink dump.  Lists are
 * allocated here, so freeifaddrs/if_freenameindex are ours too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "preload.h"

#define DUMP_BUF 65536

static long ifreq_call(unsigned long req, struct ifreq *ifr)
{
	long rfd = pl_rsocket(AF_INET, SOCK_DGRAM, 0), r;

	if (rfd < 0)
		return rfd;
	r = pl_rioctl(rfd, req, ifr);
	pl_rclose(rfd);
	return r;
}

PL_EXPORT unsigned int if_nametoindex(const char *name)
{
	struct ifreq ifr = { 0 };
	long r;

	pl_boot();
	if (!pl_on)
		return pl_real.if_nametoindex(name);
	if (strlen(name) >= IFNAMSIZ) {
		errno = ENODEV;
		return 0;
	}
	strcpy(ifr.ifr_name, name);
	if ((r = ifreq_call(SIOCGIFINDEX, &ifr)) < 0) {
		errno = -r;
		return 0;
	}
	return ifr.ifr_ifindex;
}

PL_EXPORT char *if_indextoname(unsigned int index, char name[IF_NAMESIZE])
{
	struct ifreq ifr = { .ifr_ifindex = index };
	long r;

	pl_boot();
	if (!pl_on)
		return pl_real.if_indextoname(index, name);
	if ((r = ifreq_call(SIOCGIFNAME, &ifr)) < 0) {
		pl_ret(r == -ENODEV ? -ENXIO : r);	/* glibc's errno for it */
		return NULL;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = 0;
	return name;
}

/* One rtnetlink dump (RTM_GETLINK, RTM_GETADDR) over @rfd, each message
 * to @cb; 0 or -errno. */
static long nl_dump(int rfd, int type, char *buf, nl_cb cb, void *arg)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;	/* ifaddrmsg is its front part */
	} req = { .h = { .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			 .nlmsg_seq = type } };
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct iovec v = { &req, 0 };
	struct nlmsghdr *h;
	long r, err = 0;

	req.h.nlmsg_len = NLMSG_LENGTH(type == RTM_GETLINK ? sizeof(struct ifinfomsg)
							   : sizeof(struct ifaddrmsg));
	v.iov_len = req.h.nlmsg_len;
	if ((r = pl_rsend(rfd, 0, &v, 1, 0, (struct sockaddr *)&kernel, sizeof(kernel))) < 0)
		return r;
	for (;;) {
		if ((r = pl_rrecv(rfd, buf, DUMP_BUF, 0, NULL, NULL)) < 0)
			return r;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, r); h = NLMSG_NEXT(h, r)) {
			if (h->nlmsg_seq != (uint32_t)type)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return err;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error ?: -EIO;
			if (!err)
				err = cb(h, arg);
		}
	}
}

/* A dump on a netlink socket of its own. */
long pl_nl_dump(int type, nl_cb cb, void *arg)
{
	char *buf = malloc(DUMP_BUF);
	long rfd, r;

	if (!buf)
		return -ENOMEM;
	rfd = pl_rsocket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	r = rfd < 0 ? rfd : nl_dump(rfd, type, buf, cb, arg);
	if (rfd >= 0)
		pl_rclose(rfd);
	free(buf);
	return r;
}

/* The attributes of a link or address message, by type. */
void pl_nl_attrs(const struct nlmsghdr *h, size_t fixed, struct rtattr **tb, int max)
{
	struct rtattr *a = (struct rtattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(fixed));
	int len = h->nlmsg_len - NLMSG_LENGTH(fixed);

	memset(tb, 0, (max + 1) * sizeof(*tb));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type <= max)
			tb[a->rta_type] = a;
}

struct names {
	struct if_nameindex *v;
	int n, cap;
};

static int name_cb(const struct nlmsghdr *h, void *arg)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct names *ns = arg;
	struct rtattr *tb[IFLA_MAX + 1];
	struct if_nameindex *t;

	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return 0;
	pl_nl_attrs(h, sizeof(*ifi), tb, IFLA_MAX);
	if (!tb[IFLA_IFNAME])
		return 0;
	if (ns->n + 1 >= ns->cap) {
		int cap = ns->cap ? 2 * ns->cap : 16;

		if (!(t = realloc(ns->v, cap * sizeof(*t))))
			return -ENOMEM;
		ns->v = t;
		ns->cap = cap;
	}
	ns->v[ns->n].if_index = ifi->ifi_index;
	if (!(ns->v[ns->n].if_name = strndup(RTA_DATA(tb[IFLA_IFNAME]), IFNAMSIZ - 1)))
		return -ENOMEM;
	ns->n++;
	return 0;
}

PL_EXPORT void if_freenameindex(struct if_nameindex *v)
{
	struct if_nameindex *p;

	pl_boot();
	if (!pl_on) {
		pl_real.if_freenameindex(v);
		return;
	}
	for (p = v; p && (p->if_index || p->if_name); p++)
		free(p->if_name);
	free(v);
}

PL_EXPORT struct if_nameindex *if_nameindex(void)
{
	struct names ns = { 0 };
	long r;

	pl_boot();
	if (!pl_on)
		return pl_real.if_nameindex();
	r = pl_nl_dump(RTM_GETLINK, name_cb, &ns);
	if (!r && !ns.v && !(ns.v = malloc(sizeof(*ns.v))))
		r = -ENOMEM;
	if (r) {
		if (ns.v) {
			ns.v[ns.n] = (struct if_nameindex){ 0, NULL };
			if_freenameindex(ns.v);
		}
		pl_ret(r);
		return NULL;
	}
	ns.v[ns.n] = (struct if_nameindex){ 0, NULL };
	return ns.v;
}
