// SPDX-License-Identifier: GPL-2.0
/*
 * A task names no network namespace but its own (patches/0001): tenant
 * A's task cannot reach tenant B's namespace by pid, by namespace file or
 * pidfd (rtnetlink and setns), nor a third namespace by an nsid that
 * A's namespace holds for it; naming its own namespace, or a task that
 * shares it, still works.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "ktest.h"

#define NSID	7

static unsigned char req[4096] __attribute__((aligned(4)));

static struct nlmsghdr *nl_new(int type, int flags, const void *hdr, size_t len)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)req;

	memset(req, 0, sizeof(req));
	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nh->nlmsg_len = NLMSG_LENGTH(NLMSG_ALIGN(len));
	memcpy(NLMSG_DATA(nh), hdr, len);
	return nh;
}

/* An attribute; for a nest, close it with nl_end(). */
static struct nlattr *nl_put(struct nlmsghdr *nh, int type, const void *data,
			     size_t len)
{
	struct nlattr *a = (struct nlattr *)(req + NLMSG_ALIGN(nh->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void nl_u32(struct nlmsghdr *nh, int type, unsigned int v)
{
	nl_put(nh, type, &v, sizeof(v));
}

static void nl_str(struct nlmsghdr *nh, int type, const char *s)
{
	nl_put(nh, type, s, strlen(s) + 1);
}

static void nl_end(struct nlmsghdr *nh, struct nlattr *nest)
{
	nest->nla_len = req + nh->nlmsg_len - (unsigned char *)nest;
}

/* Send @nh on task @pid's netlink socket @fd: the answer's error, 0 if
 * acknowledged. */
static long nl_talk(int pid, long fd, struct nlmsghdr *nh)
{
	static unsigned char ans[16384] __attribute__((aligned(4)));
	struct nlmsghdr *r;
	int n;

	KT_OK(nuse_call6(pid, NUSE_SYS_sendto, fd, nh, nh->nlmsg_len, 0, 0, 0));
	for (;;) {
		n = KT_OK(nuse_call6(pid, NUSE_SYS_recvfrom, fd, ans, sizeof(ans),
				     0, 0, 0));
		for (r = (struct nlmsghdr *)ans; NLMSG_OK(r, n); r = NLMSG_NEXT(r, n))
			if (r->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(r))->error;
	}
}

static long nl_socket(int pid)
{
	return KT_OK(nuse_call3(pid, NUSE_SYS_socket, AF_NETLINK, SOCK_RAW,
				NETLINK_ROUTE));
}

/*
 * RTM_NEWLINK of veth @name with peer @peer.  @top (with @top_val) names
 * the namespace of the device or of its link, @in_peer (with @peer_val)
 * the peer's; 0 for none.
 */
static struct nlmsghdr *veth(const char *name, const char *peer, int top,
			     int top_val, int in_peer, int peer_val)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlattr *info, *data, *p;
	struct nlmsghdr *nh;

	nh = nl_new(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	nl_str(nh, IFLA_IFNAME, name);
	if (top)
		nl_u32(nh, top, top_val);
	info = nl_put(nh, IFLA_LINKINFO, NULL, 0);
	nl_str(nh, IFLA_INFO_KIND, "veth");
	data = nl_put(nh, IFLA_INFO_DATA, NULL, 0);
	p = nl_put(nh, VETH_INFO_PEER, &ifi, sizeof(ifi));
	nl_str(nh, IFLA_IFNAME, peer);
	if (in_peer)
		nl_u32(nh, in_peer, peer_val);
	nl_end(nh, p);
	nl_end(nh, data);
	nl_end(nh, info);
	return nh;
}

/* RTM_SETLINK: device @name into the namespace @attr names. */
static struct nlmsghdr *move(const char *name, int attr, int val)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlmsghdr *nh = nl_new(RTM_SETLINK, 0, &ifi, sizeof(ifi));

	nl_str(nh, IFLA_IFNAME, name);
	nl_u32(nh, attr, val);
	return nh;
}

/* RTM_GETLINK of @name in the namespace of nsid @nsid. */
static struct nlmsghdr *getlink(const char *name, int nsid)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlmsghdr *nh = nl_new(RTM_GETLINK, 0, &ifi, sizeof(ifi));

	nl_str(nh, IFLA_IFNAME, name);
	nl_u32(nh, IFLA_TARGET_NETNSID, nsid);
	return nh;
}

/* RTM_NEWNSID (@pid: give @nsid to its namespace) or RTM_GETNSID of @nsid. */
static struct nlmsghdr *nsid_req(int type, int nsid, int pid)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct nlmsghdr *nh = nl_new(type, 0, &g, sizeof(g));

	nl_u32(nh, NETNSA_NSID, nsid);
	if (pid)
		nl_u32(nh, NETNSA_PID, pid);
	return nh;
}

static int has_link(int pid, const char *name)
{
	struct ifreq ifr = { 0 };
	long fd = KT_OK(nuse_call3(pid, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));
	long err;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	err = nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCGIFINDEX, &ifr);
	nuse_call1(pid, NUSE_SYS_close, fd);
	KT_CHECK(err == 0 || err == -ENODEV, "SIOCGIFINDEX %s: %ld", name, err);
	return err == 0;
}

static long open_ns(int pid, int of)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", of);
	return KT_OK(nuse_call4(pid, NUSE_SYS_openat, AT_FDCWD, path, O_RDONLY, 0));
}

static void netns_name(int pid, char *out, size_t size)
{
	long n = KT_OK(nuse_call4(pid, NUSE_SYS_readlinkat, AT_FDCWD,
				  "/proc/self/ns/net", out, size - 1));
	out[n] = '\0';
}

/* By pid and by namespace file: B is out of reach, A's own is not. */
static void by_pid_and_fd(int a, int a2, int b, long nl)
{
	long fd_b = open_ns(a, b), fd_a2 = open_ns(a, a2);

	KT_ERR(nl_talk(a, nl, veth("v1", "w1", 0, 0, IFLA_NET_NS_PID, b)), EPERM);
	KT_ERR(nl_talk(a, nl, veth("v2", "w2", 0, 0, IFLA_NET_NS_FD, fd_b)), EPERM);
	KT_ERR(nl_talk(a, nl, veth("v3", "w3", IFLA_NET_NS_PID, b, 0, 0)), EPERM);
	KT_CHECK(!has_link(b, "w1") && !has_link(b, "w2") && !has_link(b, "v3"),
		 "a link reached B");
	KT_CHECK(!has_link(a, "v1") && !has_link(a, "v2"), "half a veth in A");

	KT_OK(nl_talk(a, nl, veth("v4", "w4", 0, 0, IFLA_NET_NS_PID, a2)));
	KT_OK(nl_talk(a, nl, veth("v5", "w5", 0, 0, IFLA_NET_NS_FD, fd_a2)));
	KT_CHECK(has_link(a, "w4") && has_link(a, "w5"), "own-namespace peers missing");

	KT_ERR(nl_talk(a, nl, move("w4", IFLA_NET_NS_PID, b)), EPERM);
	KT_ERR(nl_talk(a, nl, move("w4", IFLA_NET_NS_FD, fd_b)), EPERM);
	KT_OK(nl_talk(a, nl, move("w4", IFLA_NET_NS_PID, a2)));
	KT_CHECK(has_link(a, "w4") && !has_link(b, "w4"), "w4 moved");

	KT_ERR(nl_talk(a, nl, nsid_req(RTM_NEWNSID, 3, b)), EPERM);
	nuse_call1(a, NUSE_SYS_close, fd_b);
	nuse_call1(a, NUSE_SYS_close, fd_a2);
}

/* setns() into B, by file or pidfd, is refused; into A's own, allowed. */
static void by_setns(int a, int a2, int b)
{
	long fd_b = open_ns(a, b), fd_a2 = open_ns(a, a2);
	long pidfd = KT_OK(nuse_call2(a, NUSE_SYS_pidfd_open, b, 0));
	char before[64], after[64];

	netns_name(a, before, sizeof(before));
	KT_ERR(nuse_call2(a, NUSE_SYS_setns, fd_b, CLONE_NEWNET), EPERM);
	KT_ERR(nuse_call2(a, NUSE_SYS_setns, pidfd, CLONE_NEWNET), EPERM);
	KT_OK(nuse_call2(a, NUSE_SYS_setns, fd_a2, CLONE_NEWNET));
	netns_name(a, after, sizeof(after));
	KT_CHECK(!strcmp(before, after), "setns moved A's task from %s to %s",
		 before, after);
	nuse_call1(a, NUSE_SYS_close, pidfd);
	nuse_call1(a, NUSE_SYS_close, fd_b);
	nuse_call1(a, NUSE_SYS_close, fd_a2);
}

/*
 * By nsid: task c of A opens a netlink socket, moves to a namespace C of
 * its own and gives C the id NSID in A through that socket.  Through
 * NSID, c reaches C; A's other tasks do not.
 */
static void by_nsid(int a)
{
	int c = kt_spawn(a, 0);
	long cnl = nl_socket(c), nl = nl_socket(a);

	KT_OK(nuse_call1(c, NUSE_SYS_unshare, CLONE_NEWNET));
	KT_OK(nl_talk(c, cnl, nsid_req(RTM_NEWNSID, NSID, c)));
	KT_OK(nl_talk(c, cnl, getlink("lo", NSID)));
	KT_OK(nl_talk(c, cnl, nsid_req(RTM_GETNSID, NSID, 0)));

	KT_ERR(nl_talk(a, nl, getlink("lo", NSID)), EPERM);
	KT_ERR(nl_talk(a, nl, nsid_req(RTM_GETNSID, NSID, 0)), EPERM);
	KT_ERR(nl_talk(a, nl, veth("v6", "w6", IFLA_TARGET_NETNSID, NSID, 0, 0)), EPERM);
	KT_ERR(nl_talk(a, nl, veth("v7", "w7", IFLA_LINK_NETNSID, NSID, 0, 0)), EPERM);
	KT_ERR(nl_talk(a, nl, move("w5", IFLA_TARGET_NETNSID, NSID)), EPERM);
	KT_CHECK(!has_link(c, "v6") && !has_link(c, "w7") && !has_link(c, "w5"),
		 "a link reached C");
	KT_CHECK(has_link(a, "w5"), "w5 left A");
	nuse_call1(a, NUSE_SYS_close, nl);
	KT_OK(nuse_call0(c, NUSE_CALL_EXIT));
}

int main(void)
{
	int a, a2, b;
	long nl;

	kt_boot(64UL << 20);
	a = kt_spawn(1, NUSE_SPAWN_NEWNET);
	a2 = kt_spawn(a, 0);
	b = kt_spawn(1, NUSE_SPAWN_NEWNET);
	nl = nl_socket(a);
	by_pid_and_fd(a, a2, b, nl);
	by_setns(a, a2, b);
	by_nsid(a);
	/* The host's own namespace, pid 1's, is as foreign to A as B's. */
	KT_ERR(nl_talk(a, nl, veth("v8", "w8", 0, 0, IFLA_NET_NS_PID, 1)), EPERM);
	KT_CHECK(!has_link(1, "w8"), "a link reached pid 1's namespace");
	nuse_call1(a, NUSE_SYS_close, nl);
	kt_halt();
	return 0;
}
