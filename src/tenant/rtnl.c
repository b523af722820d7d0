// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink through a NETLINK_ROUTE socket of the library kernel.
 *
 * libmnl only builds and parses messages; nuse_call() carries them.  The
 * kernel handles a request while sendto() runs and builds each further
 * part of a dump while recvfrom() runs, so replies are read without
 * waiting: a missing reply is an error, never a hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "nuse_host.h"
#include "rtnl.h"
#include "rtnl_int.h"

/* --- the socket ------------------------------------------------------- */

static long rtnl_setopt(struct rtnl *r, int opt)
{
	int one = 1;

	return nuse_call5(r->pid, NUSE_SYS_setsockopt, r->fd, SOL_NETLINK,
			  opt, &one, sizeof(one));
}

static int rtnl_socket(struct rtnl *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);
	long ret;

	ret = nuse_call3(r->pid, NUSE_SYS_socket, AF_NETLINK,
			 SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (ret < 0)
		return ret;
	r->fd = ret;
	/* Error messages, and acks without a copy of our request. */
	ret = rtnl_setopt(r, NETLINK_EXT_ACK);
	if (!ret)
		ret = rtnl_setopt(r, NETLINK_CAP_ACK);
	if (!ret)
		ret = nuse_call3(r->pid, NUSE_SYS_bind, r->fd, &sa, sizeof(sa));
	if (!ret)
		ret = nuse_call3(r->pid, NUSE_SYS_getsockname, r->fd, &sa, &len);
	if (ret < 0)
		goto out_close;
	r->portid = sa.nl_pid;
	return 0;

out_close:
	nuse_call1(r->pid, NUSE_SYS_close, r->fd);
	return ret;
}

struct rtnl *rtnl_open(int pid, int *err)
{
	struct rtnl *r = calloc(1, sizeof(*r));
	int ret = -ENOMEM;

	if (!r)
		goto out;
	r->rx = malloc(RTNL_RX_SIZE);
	if (!r->rx)
		goto out_free;
	r->pid = pid;
	ret = rtnl_socket(r);
	if (ret)
		goto out_free_rx;
	if (err)
		*err = 0;
	return r;

out_free_rx:
	free(r->rx);
out_free:
	free(r);
out:
	if (err)
		*err = ret;
	return NULL;
}

void rtnl_close(struct rtnl *r)
{
	if (!r)
		return;
	nuse_call1(r->pid, NUSE_SYS_close, r->fd);
	free(r->rx);
	free(r);
}

const char *rtnl_errmsg(const struct rtnl *r)
{
	return r->errmsg;
}

/* --- requests and replies --------------------------------------------- */

static void rtnl_fail(struct rtnl_reply *rep, int err)
{
	if (!rep->err)
		rep->err = err > 0 ? -EPROTO : err;
}

/* Keep the NLMSGERR_ATTR_MSG of an error or done message whose
 * attributes start @off bytes into its payload. */
static void rtnl_extack(struct rtnl *r, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    MNL_ALIGN(off) > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(r->errmsg, sizeof(r->errmsg), "%s",
				 mnl_attr_get_str(a));
	}
}

static int rtnl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct rtnl_reply *rep = data;
	size_t off = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		rtnl_fail(rep, -EPROTO);
		return MNL_CB_STOP;
	}
	rtnl_fail(rep, e->error);
	/* Unless capped, the kernel echoes our request before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len >= sizeof(struct nlmsghdr))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	rtnl_extack(rep->r, nlh, off);
	return MNL_CB_STOP;
}

/* The end of a dump carries the dump's own result. */
static int rtnl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_reply *rep = data;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		rtnl_fail(rep, err);
		rtnl_extack(rep->r, nlh, sizeof(err));
	}
	return MNL_CB_STOP;
}

/* After a failed parse, keep reading to the end but ignore the rest. */
static int rtnl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_reply *rep = data;

	if (rep->parse && !rep->err)
		rtnl_fail(rep, rep->parse(nlh, rep->arg));
	return MNL_CB_OK;
}

static mnl_cb_t rtnl_ctl_cb[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = rtnl_error_cb,
	[NLMSG_DONE] = rtnl_done_cb,
};

/* Read until the ack, error or end of dump: 0, or -errno if the reply
 * could not be read (the kernel's own error is in @rep). */
static int rtnl_recv_reply(struct rtnl *r, struct rtnl_reply *rep)
{
	long n;
	int ret;

	do {
		n = nuse_call6(r->pid, NUSE_SYS_recvfrom, r->fd, r->rx,
			       RTNL_RX_SIZE, MSG_DONTWAIT | MSG_TRUNC, 0, 0);
		if (n < 0)
			return n;
		if (n > RTNL_RX_SIZE)
			return -EMSGSIZE;
		errno = 0;
		ret = mnl_cb_run2(r->rx, n, r->seq, r->portid, rtnl_data_cb,
				  rep, rtnl_ctl_cb, NLMSG_MIN_TYPE);
	} while (ret == MNL_CB_OK);
	if (ret < 0)
		return errno ? -errno : -EPROTO;
	return 0;
}

/* Throw away what is left of an abandoned reply, so that the next one
 * starts clean; reading also lets the kernel finish a pending dump. */
static void rtnl_drain(struct rtnl *r)
{
	int i;

	for (i = 0; i < RTNL_DRAIN_MAX; i++)
		if (nuse_call6(r->pid, NUSE_SYS_recvfrom, r->fd, r->rx,
			       RTNL_RX_SIZE, MSG_DONTWAIT, 0, 0) < 0)
			break;
	r->unread = 0;
}

struct nlmsghdr *rtnl_msg(struct rtnl *r, int type, int flags,
				 size_t hdrlen, void *hdr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->tx);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	*(void **)hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

int rtnl_talk(struct rtnl *r, struct nlmsghdr *nlh,
		     rtnl_parse_fn parse, void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct rtnl_reply rep = { .r = r, .parse = parse, .arg = arg };
	long ret;

	if (r->unread)
		rtnl_drain(r);
	r->errmsg[0] = '\0';
	if (++r->seq == 0)	/* 0 would turn off libmnl's check */
		r->seq = 1;
	nlh->nlmsg_seq = r->seq;
	ret = nuse_call6(r->pid, NUSE_SYS_sendto, r->fd, nlh, nlh->nlmsg_len,
			 0, &sa, sizeof(sa));
	if (ret < 0)
		return ret;
	r->unread = 1;
	ret = rtnl_recv_reply(r, &rep);
	if (ret)
		return ret;
	r->unread = 0;
	return rep.err;
}

/* A change: the kernel's ack is the result. */
int rtnl_do(struct rtnl *r, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	return rtnl_talk(r, nlh, NULL, NULL);
}

/* --- attributes -------------------------------------------------------- */


static int rtnl_attr_cb(const struct nlattr *a, void *data)
{
	struct rtnl_attrs *at = data;
	int type = mnl_attr_get_type(a);

	if (type > at->max)
		return MNL_CB_OK;
	if (mnl_attr_get_payload_len(a) < at->minlen[type])
		return MNL_CB_ERROR;
	at->tb[type] = a;
	return MNL_CB_OK;
}

/* Index the attributes after a @hdrlen header into @tb[0..@max]. */
int rtnl_parse(const struct nlmsghdr *nlh, size_t hdrlen,
		      const struct nlattr **tb, int max,
		      const unsigned char *minlen)
{
	struct rtnl_attrs at = { .tb = tb, .minlen = minlen, .max = max };

	if (mnl_nlmsg_get_payload_len(nlh) < hdrlen)
		return -EPROTO;
	memset(tb, 0, (max + 1) * sizeof(*tb));
	return mnl_attr_parse(nlh, hdrlen, rtnl_attr_cb, &at) < 0 ? -EPROTO : 0;
}

unsigned int rtnl_u32(const struct nlattr *a, unsigned int def)
{
	return a ? mnl_attr_get_u32(a) : def;
}

int rtnl_get_str(const struct nlattr *a, char *s, size_t size)
{
	size_t len;

	if (!a)
		return 0;
	len = strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
	if (len >= size)
		return -EPROTO;
	memcpy(s, mnl_attr_get_payload(a), len);
	s[len] = '\0';
	return 0;
}

int rtnl_get_addr(const struct nlattr *a, int family, void *out)
{
	if (!a)
		return 0;
	if (mnl_attr_get_payload_len(a) != rtnl_addrlen(family))
		return -EPROTO;
	memcpy(out, mnl_attr_get_payload(a), rtnl_addrlen(family));
	return 0;
}

int rtnl_name_ok(const char *name)
{
	return name && name[0] && strnlen(name, IFNAMSIZ) < IFNAMSIZ;
}

/* --- links ------------------------------------------------------------- */

int rtnl_link_set(struct rtnl *r, int ifindex, int up, unsigned int mtu)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (up < -1 || up > 1)
		return -EINVAL;
	nlh = rtnl_msg(r, RTM_SETLINK, 0, sizeof(*ifi), &ifi);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (up >= 0) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = up ? IFF_UP : 0;
	}
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return rtnl_do(r, nlh);
}

static int rtnl_parse_index(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EPROTO;
	*(int *)arg = ifi->ifi_index;
	return 0;
}

int rtnl_link_index(struct rtnl *r, const char *name)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int ifindex = 0, err;

	if (!rtnl_name_ok(name))
		return -EINVAL;
	nlh = rtnl_msg(r, RTM_GETLINK, NLM_F_ACK, sizeof(*ifi), &ifi);
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	err = rtnl_talk(r, nlh, rtnl_parse_index, &ifindex);
	if (err)
		return err;
	return ifindex > 0 ? ifindex : -EPROTO;
}

int rtnl_link_del(struct rtnl *r, int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = rtnl_msg(r, RTM_DELLINK, 0, sizeof(*ifi), &ifi);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return rtnl_do(r, nlh);
}

int rtnl_veth_add(struct rtnl *r, const char *name, const char *peer)
{
	struct nlattr *info, *data, *peer_nest;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (!rtnl_name_ok(name) || !rtnl_name_ok(peer))
		return -EINVAL;
	nlh = rtnl_msg(r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
		       sizeof(*ifi), &ifi);
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* The peer is described as a link of its own: header, then names. */
	peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, peer_nest);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return rtnl_do(r, nlh);
}

/* --- addresses, neighbours --------------------------------------------- */

int rtnl_addr(struct rtnl *r, int add, int ifindex, int family,
	      const void *addr, int prefixlen)
{
	int len = rtnl_addrlen(family);
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (!len)
		return -EAFNOSUPPORT;
	if (!addr || prefixlen < 0 || prefixlen > len * 8)
		return -EINVAL;
	nlh = rtnl_msg(r, add ? RTM_NEWADDR : RTM_DELADDR,
		       add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*ifa), &ifa);
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_index = ifindex;
	/* IPv4 tells the local address from the peer's; here they agree. */
	if (family == AF_INET)
		mnl_attr_put(nlh, IFA_LOCAL, len, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, len, addr);
	return rtnl_do(r, nlh);
}

int rtnl_neigh(struct rtnl *r, int add, int ifindex, int family,
	       const void *ip, const unsigned char mac[6])
{
	int len = rtnl_addrlen(family);
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	if (!len)
		return -EAFNOSUPPORT;
	if (!ip || (add && !mac))
		return -EINVAL;
	nlh = rtnl_msg(r, add ? RTM_NEWNEIGH : RTM_DELNEIGH,
		       add ? NLM_F_CREATE | NLM_F_REPLACE : 0,
		       sizeof(*ndm), &ndm);
	ndm->ndm_family = family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, len, ip);
	if (add)
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return rtnl_do(r, nlh);
}

/* --- routes and rules --------------------------------------------------- */

static int rtnl_route_check(const struct rtnl_route *rt)
{
	int len = rt ? rtnl_addrlen(rt->family) : 0;

	if (!rt)
		return -EINVAL;
	if (!len)
		return -EAFNOSUPPORT;
	if (rt->dst_len < 0 || rt->dst_len > len * 8 || rt->oif < 0 ||
	    rt->scope < 0 || rt->scope > 255 ||
	    rt->protocol < 0 || rt->protocol > 255)
		return -EINVAL;
	switch (rt->type) {
	case 0:
	case RTN_UNICAST:
	case RTN_BLACKHOLE:
	case RTN_UNREACHABLE:
	case RTN_PROHIBIT:
		return 0;
	}
	return -EINVAL;
}

/* Zero means "the usual" when adding and "any" when deleting. */
static void rtnl_route_defaults(struct rtmsg *rtm, int add,
				const struct rtnl_route *rt)
{
	rtm->rtm_type = rt->type;
	rtm->rtm_protocol = rt->protocol;
	rtm->rtm_scope = rt->scope ? rt->scope : RT_SCOPE_NOWHERE;
	if (!add)
		return;
	if (!rt->type)
		rtm->rtm_type = RTN_UNICAST;
	if (!rt->protocol)
		rtm->rtm_protocol = RTPROT_STATIC;
	if (!rt->scope)
		rtm->rtm_scope = rtm->rtm_type == RTN_UNICAST && !rt->has_gw &&
				 rt->oif ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
}

int rtnl_route(struct rtnl *r, int add, const struct rtnl_route *rt)
{
	int err = rtnl_route_check(rt), len;
	unsigned int table;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (err)
		return err;
	len = rtnl_addrlen(rt->family);
	table = rt->table ? rt->table : RT_TABLE_MAIN;
	nlh = rtnl_msg(r, add ? RTM_NEWROUTE : RTM_DELROUTE,
		       add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*rtm), &rtm);
	rtm->rtm_family = rt->family;
	rtm->rtm_dst_len = rt->dst_len;
	rtm->rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
	rtnl_route_defaults(rtm, add, rt);
	if (table >= 256)
		mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (rt->dst_len)
		mnl_attr_put(nlh, RTA_DST, len, rt->dst);
	if (rt->has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, len, rt->gw);
	if (rt->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, rt->oif);
	if (rt->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, rt->metric);
	return rtnl_do(r, nlh);
}

static int rtnl_rule_check(int add, const struct rtnl_rule *rule)
{
	int len = rule ? rtnl_addrlen(rule->family) : 0;

	if (!rule)
		return -EINVAL;
	if (!len)
		return -EAFNOSUPPORT;
	if (rule->src_len < 0 || rule->src_len > len * 8 ||
	    rule->dst_len < 0 || rule->dst_len > len * 8 ||
	    !memchr(rule->iif, '\0', sizeof(rule->iif)))
		return -EINVAL;
	/* With no table the kernel would make up an empty one. */
	return add && !rule->table ? -EINVAL : 0;
}

int rtnl_rule(struct rtnl *r, int add, const struct rtnl_rule *rule)
{
	int err = rtnl_rule_check(add, rule), len;
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh;

	if (err)
		return err;
	len = rtnl_addrlen(rule->family);
	nlh = rtnl_msg(r, add ? RTM_NEWRULE : RTM_DELRULE,
		       add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*frh), &frh);
	frh->family = rule->family;
	frh->src_len = rule->src_len;
	frh->dst_len = rule->dst_len;
	frh->table = rule->table < 256 ? rule->table : RT_TABLE_UNSPEC;
	frh->action = FR_ACT_TO_TBL;
	if (rule->table)
		mnl_attr_put_u32(nlh, FRA_TABLE, rule->table);
	if (rule->priority)
		mnl_attr_put_u32(nlh, FRA_PRIORITY, rule->priority);
	if (rule->fwmark)
		mnl_attr_put_u32(nlh, FRA_FWMARK, rule->fwmark);
	if (rule->src_len)
		mnl_attr_put(nlh, FRA_SRC, len, rule->src);
	if (rule->dst_len)
		mnl_attr_put(nlh, FRA_DST, len, rule->dst);
	if (rule->iif[0])
		mnl_attr_put_strz(nlh, FRA_IIFNAME, rule->iif);
	return rtnl_do(r, nlh);
}

