// SPDX-License-Identifier: GPL-2.0
/*
 * The index of multicast groups (nuse_vnic_mc_members()) agrees with
 * every vNIC's own filter (nuse_vnic_accepts()) for the groups the stacks
 * join and some nobody joins, as the stacks change: three namespaces'
 * vNICs come up with IPv4 and IPv6 (all-nodes for all, each one's
 * solicited-node group its own, all-routers for nobody); one turns
 * allmulti on (then it takes every group) and off again; one joins more
 * groups than its filter holds (all multicast again) and leaves them.  A
 * list longer than the caller's room is counted, not written.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "ktest.h"

#define N	3

static int pid[N], id[N];
static unsigned char mac[N][6] = {
	{ 0x02, 0x00, 0x00, 0x8d, 0x00, 0x01 },
	{ 0x02, 0x00, 0x00, 0x8d, 0x00, 0x02 },
	{ 0x02, 0x00, 0x00, 0x8d, 0x00, 0x03 },
};

/* the groups asked about: fixed ones, then each vNIC's solicited-node */
static unsigned char groups[8][6] = {
	{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },	/* ff02::1, all nodes */
	{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x02 },	/* ff02::2, all routers */
	{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },	/* 224.0.0.1 */
	{ 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 },	/* nobody's */
	{ 0x33, 0x33, 0x00, 0x00, 0x00, 0xfb },	/* nobody's */
};
#define NGROUPS	(5 + N)

static int member(const int *ids, int n, int v)
{
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] == v)
			return 1;
	return 0;
}

/* Index and filters agree for every group; how many take group @g. */
static int agree(const char *when, int g)
{
	int ids[64], n, i, k, want = 0;

	for (k = 0; k < NGROUPS; k++) {
		n = nuse_vnic_mc_members(groups[k], ids, 64);
		KT_CHECK(n >= 0 && n <= 64, "%s: group %d: %d members", when, k, n);
		for (i = 0; i < N; i++) {
			int acc = id[i] >= 0 && nuse_vnic_accepts(id[i], groups[k]);

			KT_CHECK(acc == member(ids, n, id[i]),
				 "%s: group %d (%02x:..:%02x): vNIC %d's filter says %d, the index %d",
				 when, k, groups[k][0], groups[k][5], i, acc, !acc);
		}
		for (i = 0; i < n; i++)
			KT_CHECK(member(id, N, ids[i]), "%s: group %d: unknown member %d", when, k,
				 ids[i]);
		if (k == g)
			want = n;
	}
	return want;
}

static void settle(void)
{
	kt_run_wires(NULL, 0, NULL, 300);
}

static void flags(int i, int set, int clear)
{
	struct ifreq ifr = { 0 };
	long fd = KT_OK(nuse_call3(pid[i], NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "mc%d", i);
	KT_OK(nuse_call3(pid[i], NUSE_SYS_ioctl, fd, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags = (ifr.ifr_flags | set) & ~clear;
	KT_OK(nuse_call3(pid[i], NUSE_SYS_ioctl, fd, SIOCSIFFLAGS, &ifr));
	KT_OK(nuse_call1(pid[i], NUSE_SYS_close, fd));
}

int main(void)
{
	struct ipv6_mreq mr = { 0 };
	int ids[4], ifindex[N], i, n;
	char name[16], ip[32];
	long fd;

	kt_boot(64UL << 20);
	for (i = 0; i < N; i++) {
		pid[i] = kt_spawn(1, NUSE_SPAWN_NEWNET);
		snprintf(name, sizeof(name), "mc%d", i);
		id[i] = kt_vnic(pid[i], name, mac[i], NULL, &ifindex[i]);
		snprintf(ip, sizeof(ip), "10.141.0.%d", i + 1);
		kt_if_addr(pid[i], name, ip, "255.255.255.0");
		/* ff02::1:ffXX:XXXX of its link-local address */
		groups[5 + i][0] = groups[5 + i][1] = 0x33;
		groups[5 + i][2] = 0xff;
		memcpy(&groups[5 + i][3], &mac[i][3], 3);
	}
	settle();
	n = agree("up", 0);
	KT_CHECK(n == N, "all-nodes: %d members, want %d", n, N);
	KT_CHECK(agree("up", 1) == 0, "all-routers: members, but nobody routes");
	KT_CHECK(agree("up", 2) == N, "224.0.0.1: not every vNIC");
	KT_CHECK(agree("up", 3) == 0 && agree("up", 4) == 0, "a group nobody joined has members");
	for (i = 0; i < N; i++)
		KT_CHECK(agree("up", 5 + i) == 1, "vNIC %d's solicited-node group: not one member", i);

	/* allmulti: vNIC 0 takes every group, then only its own again */
	flags(0, IFF_ALLMULTI, 0);
	settle();
	KT_CHECK(agree("allmulti", 1) == 1 && agree("allmulti", 6) == 2,
		 "allmulti: vNIC 0 not in every group");
	flags(0, 0, IFF_ALLMULTI);
	settle();
	KT_CHECK(agree("allmulti off", 1) == 0 && agree("allmulti off", 6) == 1,
		 "allmulti off: vNIC 0 still in every group");

	/* more groups than a filter holds: all multicast */
	fd = KT_OK(nuse_call3(pid[1], NUSE_SYS_socket, AF_INET6, SOCK_DGRAM, 0));
	mr.ipv6mr_interface = ifindex[1];
	for (i = 0; i < 40; i++) {
		inet_pton(AF_INET6, "ff05::1:0", &mr.ipv6mr_multiaddr);
		mr.ipv6mr_multiaddr.s6_addr[15] = i;
		KT_OK(nuse_call5(pid[1], NUSE_SYS_setsockopt, fd, IPPROTO_IPV6, IPV6_JOIN_GROUP,
				 &mr, sizeof(mr)));
	}
	settle();
	KT_CHECK(agree("40 groups", 1) == 1 && agree("40 groups", 3) == 1,
		 "40 groups: vNIC 1 does not take all multicast");
	KT_OK(nuse_call1(pid[1], NUSE_SYS_close, fd));
	settle();
	KT_CHECK(agree("groups left", 1) == 0, "the groups left: vNIC 1 still takes all");

	KT_CHECK(nuse_vnic_mc_members(groups[0], ids, 1) >= 2, "a list longer than the room: "
		 "not counted");

	printf("mcindex: %d vNICs, %d groups: the index agrees with every filter, up, "
	       "allmulti on and off, 40 groups joined and left\n", N, NGROUPS);
	kt_halt();
	return 0;
}
