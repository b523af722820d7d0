// SPDX-License-Identifier: GPL-2.0
/*
 * The tenant's rtnetlink and sysctl layer against the library kernel, in a
 * task of a new network namespace: a veth pair made by rtnetlink, links,
 * addresses, routes in numbered tables, policy rules, static neighbours,
 * dumps larger than one read, sysctls, and bad input to every call.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include "ktest.h"
#include "rtnl.h"
#include "sysctl.h"

#define T_TABLE		100
#define T_BIGTABLE	1000
#define T_MANYTABLE	200
#define T_MANY		1024	/* routes: well over one 32 KiB read */

static int addrlen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void pton(int family, const char *text, void *out)
{
	KT_CHECK(inet_pton(family, text, out) == 1, "bad address %s", text);
}

static struct rtnl_route route(int family, const char *dst, int len,
			       const char *gw, int oif, unsigned int table,
			       int type)
{
	struct rtnl_route rt = {
		.family = family, .dst_len = len, .oif = oif,
		.table = table, .type = type,
	};

	if (dst)
		pton(family, dst, rt.dst);
	if (gw) {
		pton(family, gw, rt.gw);
		rt.has_gw = 1;
	}
	return rt;
}

static const char *route_str(const struct rtnl_route *rt)
{
	static char out[200];
	char dst[64], gw[64] = "-";

	inet_ntop(rt->family, rt->dst, dst, sizeof(dst));
	if (rt->has_gw)
		inet_ntop(rt->family, rt->gw, gw, sizeof(gw));
	snprintf(out, sizeof(out),
		 "%s/%d via %s oif %d table %u type %d scope %d proto %d metric %u",
		 dst, rt->dst_len, gw, rt->oif, rt->table, rt->type, rt->scope,
		 rt->protocol, rt->metric);
	return out;
}

static int route_eq(const struct rtnl_route *a, const struct rtnl_route *b)
{
	return a->family == b->family && a->dst_len == b->dst_len &&
	       !memcmp(a->dst, b->dst, addrlen(a->family)) &&
	       a->has_gw == b->has_gw &&
	       !memcmp(a->gw, b->gw, addrlen(a->family)) &&
	       a->oif == b->oif && a->table == b->table &&
	       a->type == b->type && a->scope == b->scope &&
	       a->protocol == b->protocol && a->metric == b->metric;
}

static const struct rtnl_link_info *find_link(const struct rtnl_link_info *l,
					      int n, int ifindex)
{
	for (int i = 0; i < n; i++)
		if (l[i].ifindex == ifindex)
			return &l[i];
	return NULL;
}

/* Carrier comes through the kernel's link watch, a deferred work. */
static void wait_running(struct rtnl *r, int ifindex, unsigned int mtu)
{
	unsigned long long end = nuse_host_now() + 3000000000ULL;
	const struct rtnl_link_info *l;
	struct rtnl_link_info *links;
	int n;

	for (;;) {
		KT_OK(rtnl_dump_links(r, &links, &n));
		l = find_link(links, n, ifindex);
		KT_CHECK(l, "link %d missing from the dump", ifindex);
		KT_CHECK(l->mtu == mtu, "%s: mtu %u, want %u", l->name, l->mtu, mtu);
		if ((l->flags & IFF_RUNNING) && l->operstate == IF_OPER_UP)
			break;
		KT_CHECK(nuse_host_now() < end, "%s never running: flags %#x oper %d",
			 l->name, l->flags, l->operstate);
		free(links);
		KT_OK(nuse_host_step(10000000ULL));
	}
	printf("link %d %s mtu %u flags %#x operstate %d "
	       "mac %02x:%02x:%02x:%02x:%02x:%02x\n", l->ifindex, l->name,
	       l->mtu, l->flags, l->operstate, l->mac[0], l->mac[1], l->mac[2],
	       l->mac[3], l->mac[4], l->mac[5]);
	KT_CHECK(memcmp(l->mac, "\0\0\0\0\0\0", 6), "%s has no MAC", l->name);
	free(links);
}

static void test_links(struct rtnl *r, int *v0, int *v1)
{
	struct rtnl_link_info *links;
	int n, lo;

	lo = KT_OK(rtnl_link_index(r, "lo"));
	KT_CHECK(lo == 1, "lo is ifindex %d", lo);
	KT_OK(rtnl_link_set(r, lo, 1, 0));
	KT_OK(rtnl_veth_add(r, "veth0", "veth1"));
	KT_ERR(rtnl_veth_add(r, "veth0", "veth2"), EEXIST);
	*v0 = KT_OK(rtnl_link_index(r, "veth0"));
	*v1 = KT_OK(rtnl_link_index(r, "veth1"));
	printf("lo %d, veth0 %d, veth1 %d\n", lo, *v0, *v1);

	KT_OK(rtnl_dump_links(r, &links, &n));
	KT_CHECK(n == 3, "%d links", n);
	KT_CHECK(find_link(links, n, lo)->flags & IFF_UP, "lo is down");
	KT_CHECK(!(find_link(links, n, *v0)->flags & IFF_UP), "veth0 up already");
	KT_CHECK(!strcmp(find_link(links, n, *v1)->name, "veth1"), "veth1 name");
	free(links);

	KT_OK(rtnl_link_set(r, *v0, 1, 1400));
	KT_OK(rtnl_link_set(r, *v1, 1, 0));
	KT_CHECK(rtnl_errmsg(r)[0] == '\0', "message after success: %s",
		 rtnl_errmsg(r));
	wait_running(r, *v0, 1400);
	wait_running(r, *v1, 1500);

	KT_ERR(rtnl_link_set(r, *v0, 2, 0), EINVAL);
	KT_ERR(rtnl_link_set(r, 9999, 1, 0), ENODEV);
	KT_ERR(rtnl_link_set(r, *v0, -1, 70000), EINVAL);
	printf("mtu 70000: %s\n", rtnl_errmsg(r));
	KT_CHECK(rtnl_errmsg(r)[0], "no extended ack for a bad mtu");
	KT_ERR(rtnl_link_index(r, "nosuch"), ENODEV);
	KT_ERR(rtnl_link_index(r, ""), EINVAL);
	KT_ERR(rtnl_link_index(r, NULL), EINVAL);
	KT_ERR(rtnl_link_index(r, "a_name_too_long_"), EINVAL);
	KT_ERR(rtnl_link_del(r, 9999), ENODEV);
	KT_ERR(rtnl_veth_add(r, "bad/name", "peer"), EINVAL);
	KT_ERR(rtnl_veth_add(r, "a_name_too_long_", "peer"), EINVAL);
}

static int has_addr(struct rtnl *r, int family, int ifindex, const char *text,
		    int prefixlen, int scope)
{
	struct rtnl_addr_info *a;
	unsigned char want[16];
	int n, i, found = 0;

	pton(family, text, want);
	KT_OK(rtnl_dump_addrs(r, family, &a, &n));
	for (i = 0; i < n; i++) {
		KT_CHECK(a[i].family == family, "family %d in a %d dump",
			 a[i].family, family);
		if (a[i].ifindex == ifindex && a[i].prefixlen == prefixlen &&
		    a[i].scope == scope &&
		    !memcmp(a[i].addr, want, addrlen(family))) {
			printf("address %s/%d on %d scope %d flags %#x\n", text,
			       prefixlen, ifindex, scope, a[i].flags);
			found = 1;
		}
	}
	free(a);
	return found;
}

static void test_addrs(struct rtnl *r, int v0, int v1)
{
	unsigned char a4[4], a6[16];
	struct rtnl_addr_info *all;
	int n, i, v4 = 0, v6 = 0;

	pton(AF_INET, "10.0.0.1", a4);
	pton(AF_INET6, "fd00::1", a6);
	KT_OK(rtnl_addr(r, 1, v0, AF_INET, a4, 24));
	KT_OK(rtnl_addr(r, 1, v0, AF_INET6, a6, 64));
	KT_ERR(rtnl_addr(r, 1, v0, AF_INET, a4, 24), EEXIST);
	KT_ERR(rtnl_addr(r, 1, v0, AF_INET6, a6, 64), EEXIST);
	KT_CHECK(has_addr(r, AF_INET, v0, "10.0.0.1", 24, RT_SCOPE_UNIVERSE),
		 "no 10.0.0.1/24");
	KT_CHECK(has_addr(r, AF_INET6, v0, "fd00::1", 64, RT_SCOPE_UNIVERSE),
		 "no fd00::1/64");
	KT_CHECK(has_addr(r, AF_INET, 1, "127.0.0.1", 8, RT_SCOPE_HOST),
		 "no 127.0.0.1/8");
	KT_CHECK(has_addr(r, AF_INET6, 1, "::1", 128, RT_SCOPE_HOST),
		 "no ::1/128");

	KT_OK(rtnl_dump_addrs(r, AF_UNSPEC, &all, &n));
	for (i = 0; i < n; i++)
		all[i].family == AF_INET ? v4++ : v6++;
	free(all);
	printf("%d addresses: %d IPv4, %d IPv6\n", n, v4, v6);
	KT_CHECK(v4 == 2 && v6 >= 2, "AF_UNSPEC dump missed a family");

	/* A second address, added then deleted. */
	pton(AF_INET, "10.0.9.1", a4);
	KT_OK(rtnl_addr(r, 1, v1, AF_INET, a4, 32));
	KT_CHECK(has_addr(r, AF_INET, v1, "10.0.9.1", 32, 0), "no 10.0.9.1/32");
	KT_OK(rtnl_addr(r, 0, v1, AF_INET, a4, 32));
	KT_CHECK(!has_addr(r, AF_INET, v1, "10.0.9.1", 32, 0), "10.0.9.1 stays");
	KT_ERR(rtnl_addr(r, 0, v1, AF_INET, a4, 32), EADDRNOTAVAIL);
	KT_ERR(rtnl_addr(r, 0, v1, AF_INET6, a6, 64), EADDRNOTAVAIL);

	KT_ERR(rtnl_addr(r, 1, v0, AF_INET, a4, 33), EINVAL);
	KT_ERR(rtnl_addr(r, 1, v0, AF_INET6, a6, 129), EINVAL);
	KT_ERR(rtnl_addr(r, 1, v0, AF_INET, a4, -1), EINVAL);
	KT_ERR(rtnl_addr(r, 1, v0, AF_PACKET, a4, 24), EAFNOSUPPORT);
	KT_ERR(rtnl_addr(r, 1, v0, AF_INET, NULL, 24), EINVAL);
	KT_ERR(rtnl_addr(r, 1, 9999, AF_INET, a4, 24), ENODEV);
	KT_ERR(rtnl_addr(r, 1, 9999, AF_INET6, a6, 64), ENODEV);
	KT_ERR(rtnl_dump_addrs(r, AF_PACKET, &all, &n), EAFNOSUPPORT);
}

/* The dump of @table in @family holds exactly @want, in any order. */
static void check_table(struct rtnl *r, int family, unsigned int table,
			const struct rtnl_route *want, int nwant)
{
	struct rtnl_route *got;
	int n, i, j;

	KT_OK(rtnl_dump_routes(r, family, table, &got, &n));
	for (i = 0; i < n; i++)
		printf("  table %u: %s\n", table, route_str(&got[i]));
	KT_CHECK(n == nwant, "table %u has %d routes, want %d", table, n, nwant);
	for (i = 0; i < nwant; i++) {
		for (j = 0; j < n && !route_eq(&want[i], &got[j]); j++)
			;
		KT_CHECK(j < n, "missing %s", route_str(&want[i]));
	}
	free(got);
}

static void test_routes4(struct rtnl *r, int v0)
{
	struct rtnl_route rt[5] = {
		route(AF_INET, "10.0.1.0", 24, NULL, v0, T_TABLE, RTN_UNICAST),
		route(AF_INET, "10.0.2.0", 24, "10.0.0.254", 0, T_TABLE, 0),
		route(AF_INET, NULL, 0, "10.0.0.254", v0, T_TABLE, 0),
		route(AF_INET, "10.9.0.0", 16, NULL, 0, T_TABLE, RTN_BLACKHOLE),
		route(AF_INET, "10.8.0.0", 16, NULL, 0, T_BIGTABLE, RTN_UNREACHABLE),
	};
	struct rtnl_route bad;
	int i;

	rt[1].metric = 50;
	for (i = 0; i < 5; i++)
		KT_OK(rtnl_route(r, 1, &rt[i]));
	/* What the kernel reports back: the defaults filled in. */
	for (i = 0; i < 5; i++) {
		rt[i].type = rt[i].type ? rt[i].type : RTN_UNICAST;
		rt[i].scope = i == 0 ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
		rt[i].protocol = RTPROT_STATIC;
		rt[i].oif = rt[i].has_gw || i == 0 ? v0 : 0;
	}
	check_table(r, AF_INET, T_TABLE, rt, 4);
	check_table(r, AF_INET, T_BIGTABLE, rt + 4, 1);
	KT_ERR(rtnl_route(r, 1, &rt[0]), EEXIST);

	bad = route(AF_INET, "10.3.0.0", 24, "192.168.99.1", 0, T_TABLE, 0);
	KT_ERR(rtnl_route(r, 1, &bad), ENETUNREACH);
	printf("unreachable gateway: %s\n", rtnl_errmsg(r));
	bad = route(AF_INET, "10.0.5.1", 24, NULL, v0, T_TABLE, 0);
	KT_ERR(rtnl_route(r, 1, &bad), EINVAL);
	printf("host bits set: %s\n", rtnl_errmsg(r));
	KT_CHECK(rtnl_errmsg(r)[0], "no extended ack for host bits");
	bad.dst_len = 33;
	KT_ERR(rtnl_route(r, 1, &bad), EINVAL);
	bad = route(AF_INET, "10.4.0.0", 24, NULL, 9999, T_TABLE, 0);
	KT_ERR(rtnl_route(r, 1, &bad), ENODEV);
	bad.oif = v0;
	bad.type = RTN_LOCAL;
	KT_ERR(rtnl_route(r, 1, &bad), EINVAL);
	bad.type = RTN_BLACKHOLE;
	KT_ERR(rtnl_route(r, 1, &bad), EINVAL);
	printf("blackhole with a device: %s\n", rtnl_errmsg(r));
	bad.family = AF_PACKET;
	KT_ERR(rtnl_route(r, 1, &bad), EAFNOSUPPORT);
	KT_ERR(rtnl_route(r, 1, NULL), EINVAL);

	/* Dumped routes, handed back, delete themselves. */
	for (i = 0; i < 5; i++)
		KT_OK(rtnl_route(r, 0, &rt[i]));
	check_table(r, AF_INET, T_TABLE, NULL, 0);
	check_table(r, AF_INET, T_BIGTABLE, NULL, 0);
	KT_ERR(rtnl_route(r, 0, &rt[0]), ESRCH);
}

static void test_routes6(struct rtnl *r, int v0)
{
	struct rtnl_route rt[3] = {
		route(AF_INET6, "fd01::", 64, "fd00::fe", 0, T_TABLE, 0),
		route(AF_INET6, NULL, 0, NULL, v0, T_TABLE, 0),
		route(AF_INET6, "fd02::", 64, NULL, 0, T_TABLE, RTN_BLACKHOLE),
	};
	struct rtnl_route bad;
	int i;

	for (i = 0; i < 3; i++)
		KT_OK(rtnl_route(r, 1, &rt[i]));
	/* IPv6 routes have no scope, a default metric of 1024, and reject
	 * routes go out of the loopback device. */
	for (i = 0; i < 3; i++) {
		rt[i].type = rt[i].type ? rt[i].type : RTN_UNICAST;
		rt[i].scope = RT_SCOPE_UNIVERSE;
		rt[i].protocol = RTPROT_STATIC;
		rt[i].metric = 1024;
		rt[i].oif = i == 2 ? 1 : v0;
	}
	check_table(r, AF_INET6, T_TABLE, rt, 3);
	KT_ERR(rtnl_route(r, 1, &rt[0]), EEXIST);
	/* Not through table 100's default route; and IPv6 says "host". */
	bad = route(AF_INET6, "fd03::", 64, "fd99::1", 0, T_BIGTABLE, 0);
	KT_ERR(rtnl_route(r, 1, &bad), EHOSTUNREACH);
	printf("unreachable IPv6 gateway: '%s'\n", rtnl_errmsg(r));
	bad.dst_len = 129;
	KT_ERR(rtnl_route(r, 1, &bad), EINVAL);
	for (i = 0; i < 3; i++)
		KT_OK(rtnl_route(r, 0, &rt[i]));
	check_table(r, AF_INET6, T_TABLE, NULL, 0);
	KT_ERR(rtnl_route(r, 0, &rt[0]), ESRCH);
}

/* The whole dump, all tables: main and local too, as callers filter. */
static void test_route_dump(struct rtnl *r, int v0)
{
	struct rtnl_route *all, rt;
	int n, i, local = 0, main4 = 0, v6 = 0;

	KT_OK(rtnl_dump_routes(r, AF_UNSPEC, 0, &all, &n));
	for (i = 0; i < n; i++) {
		local += all[i].table == RT_TABLE_LOCAL && all[i].type == RTN_LOCAL;
		main4 += all[i].table == RT_TABLE_MAIN && all[i].family == AF_INET;
		v6 += all[i].family == AF_INET6;
	}
	free(all);
	printf("%d routes: %d local, %d IPv4 main, %d IPv6\n", n, local, main4, v6);
	KT_CHECK(local >= 4 && main4 == 1 && v6 >= 3, "whole dump incomplete");

	/* Enough routes that the dump takes several reads. */
	for (i = 0; i < T_MANY; i++) {
		rt = route(AF_INET, "10.100.0.0", 32, NULL, v0, T_MANYTABLE, 0);
		rt.dst[2] = i >> 8;
		rt.dst[3] = i;
		KT_OK(rtnl_route(r, 1, &rt));
	}
	KT_OK(rtnl_dump_routes(r, AF_INET, T_MANYTABLE, &all, &n));
	KT_CHECK(n == T_MANY, "dumped %d of %d routes", n, T_MANY);
	for (i = 0; i < n; i++)
		KT_CHECK(all[i].dst[0] == 10 && all[i].dst[1] == 100 &&
			 all[i].oif == v0 && all[i].dst_len == 32, "route %d: %s",
			 i, route_str(&all[i]));
	for (i = 0; i < n; i++)
		KT_OK(rtnl_route(r, 0, &all[i]));
	free(all);
	printf("%d routes dumped and deleted\n", T_MANY);
	KT_OK(rtnl_dump_routes(r, AF_INET, T_MANYTABLE, &all, &n));
	KT_CHECK(n == 0 && !all, "%d routes left", n);
	KT_ERR(rtnl_dump_routes(r, AF_PACKET, 0, &all, &n), EAFNOSUPPORT);
}

static int find_rule(const struct rtnl_rule *want, const struct rtnl_rule *got,
		     int n)
{
	for (int i = 0; i < n; i++)
		if (got[i].family == want->family &&
		    got[i].src_len == want->src_len &&
		    got[i].dst_len == want->dst_len &&
		    !memcmp(got[i].src, want->src, addrlen(want->family)) &&
		    !memcmp(got[i].dst, want->dst, addrlen(want->family)) &&
		    got[i].table == want->table &&
		    got[i].priority == want->priority &&
		    got[i].fwmark == want->fwmark &&
		    !strcmp(got[i].iif, want->iif))
			return 1;
	return 0;
}

/* The number of rules, and whether @want is among them. */
static int rules(struct rtnl *r, int family, const struct rtnl_rule *want,
		 int *found)
{
	struct rtnl_rule *got;
	int n;

	KT_OK(rtnl_dump_rules(r, family, &got, &n));
	*found = find_rule(want, got, n);
	for (int i = 0; i < n; i++)
		printf("  rule %u: family %d table %u fwmark %u iif '%s' /%d /%d\n",
		       got[i].priority, got[i].family, got[i].table,
		       got[i].fwmark, got[i].iif, got[i].src_len, got[i].dst_len);
	free(got);
	return n;
}

static void test_rules(struct rtnl *r)
{
	struct rtnl_rule r4 = {
		.family = AF_INET, .src_len = 24, .table = T_TABLE,
		.priority = 1000,
	};
	struct rtnl_rule r4b = {
		.family = AF_INET, .table = T_BIGTABLE, .priority = 1001,
		.fwmark = 7, .iif = "veth1",
	};
	struct rtnl_rule r6 = {
		.family = AF_INET6, .dst_len = 64, .table = T_TABLE,
		.priority = 1002,
	};
	struct rtnl_rule bad;
	int n4, n6, found;

	pton(AF_INET, "10.0.0.0", r4.src);
	pton(AF_INET6, "fd01::", r6.dst);
	n4 = rules(r, AF_INET, &r4, &found);
	KT_CHECK(n4 == 3 && !found, "%d IPv4 rules at first", n4);
	n6 = rules(r, AF_INET6, &r6, &found);
	KT_OK(rtnl_rule(r, 1, &r4));
	KT_OK(rtnl_rule(r, 1, &r4b));
	KT_OK(rtnl_rule(r, 1, &r6));
	KT_ERR(rtnl_rule(r, 1, &r4), EEXIST);
	KT_CHECK(rules(r, AF_INET, &r4, &found) == n4 + 2 && found,
		 "rule missing");
	KT_CHECK(rules(r, AF_INET, &r4b, &found) == n4 + 2 && found,
		 "fwmark rule missing");
	KT_CHECK(rules(r, AF_INET6, &r6, &found) == n6 + 1 && found,
		 "IPv6 rule missing");
	KT_CHECK(rules(r, AF_UNSPEC, &r6, &found) == n4 + n6 + 3 && found,
		 "AF_UNSPEC rule dump");

	KT_OK(rtnl_rule(r, 0, &r4));
	KT_OK(rtnl_rule(r, 0, &r4b));
	KT_OK(rtnl_rule(r, 0, &r6));
	KT_CHECK(rules(r, AF_INET, &r4, &found) == n4 && !found, "rule stays");
	KT_ERR(rtnl_rule(r, 0, &r4), ENOENT);

	bad = r4;
	bad.table = 0;
	KT_ERR(rtnl_rule(r, 1, &bad), EINVAL);
	bad = r4;
	bad.src_len = 33;
	KT_ERR(rtnl_rule(r, 1, &bad), EINVAL);
	bad = r4;
	memset(bad.iif, 'x', sizeof(bad.iif));
	KT_ERR(rtnl_rule(r, 1, &bad), EINVAL);
	bad.family = AF_PACKET;
	KT_ERR(rtnl_rule(r, 1, &bad), EAFNOSUPPORT);
	KT_ERR(rtnl_rule(r, 1, NULL), EINVAL);
}

static int in_arp_table(int pid, const char *ip, const char *mac)
{
	char buf[4096], *line;

	KT_OK(kt_read_file(pid, "/proc/net/arp", buf, sizeof(buf)));
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, ip, strlen(ip)) && line[strlen(ip)] == ' ' &&
		    strstr(line, mac) && strstr(line, "0x6")) /* complete, permanent */
			return 1;
	return 0;
}

static void test_neigh(struct rtnl *r, int pid, int v0)
{
	static const unsigned char mac[6] = { 2, 0, 0, 0, 0, 7 };
	unsigned char ip4[4], ip6[16];

	pton(AF_INET, "10.0.0.7", ip4);
	pton(AF_INET6, "fd00::7", ip6);
	KT_OK(rtnl_neigh(r, 1, v0, AF_INET, ip4, mac));
	KT_OK(rtnl_neigh(r, 1, v0, AF_INET, ip4, mac));	/* replaces */
	KT_CHECK(in_arp_table(pid, "10.0.0.7", "02:00:00:00:00:07"),
		 "10.0.0.7 not in /proc/net/arp");
	KT_OK(rtnl_neigh(r, 0, v0, AF_INET, ip4, NULL));
	KT_CHECK(!in_arp_table(pid, "10.0.0.7", "02:00:00:00:00:07"),
		 "10.0.0.7 still in /proc/net/arp");
	KT_ERR(rtnl_neigh(r, 0, v0, AF_INET, ip4, NULL), ENOENT);
	KT_OK(rtnl_neigh(r, 1, v0, AF_INET6, ip6, mac));
	KT_OK(rtnl_neigh(r, 0, v0, AF_INET6, ip6, NULL));
	KT_ERR(rtnl_neigh(r, 0, v0, AF_INET6, ip6, NULL), ENOENT);
	printf("static neighbours added and deleted\n");

	KT_ERR(rtnl_neigh(r, 1, 9999, AF_INET, ip4, mac), ENODEV);
	KT_ERR(rtnl_neigh(r, 1, v0, AF_INET, ip4, NULL), EINVAL);
	KT_ERR(rtnl_neigh(r, 1, v0, AF_INET, NULL, mac), EINVAL);
	KT_ERR(rtnl_neigh(r, 1, v0, AF_PACKET, ip4, mac), EAFNOSUPPORT);
}

static void test_sysctl(struct rtnl *r, int pid)
{
	static const char *bad[] = {
		"", ".", "..", ".net.ipv4.ip_forward", "net..ipv4.ip_forward",
		"net.ipv4.ip_forward.", "net/../../etc/passwd", "/net/ipv4/ip_forward",
		"net/ipv4/", "net/./ipv4/ip_forward", "net/ipv4/conf/.x/forwarding",
		"net.ipv4.ip_forward;x", "net ipv4", "net.ipv4.ip*", NULL,
	};
	char buf[256], name[200];
	int i;

	KT_OK(sysctl_get(pid, "net.ipv4.ip_forward", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "0"), "ip_forward starts as '%s'", buf);
	KT_OK(sysctl_set(pid, "net.ipv4.ip_forward", "1"));
	KT_OK(sysctl_get(pid, "net.ipv4.ip_forward", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "1"), "ip_forward now '%s'", buf);
	KT_OK(sysctl_get(1, "net.ipv4.ip_forward", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "0"), "the first namespace forwards: '%s'", buf);
	KT_OK(sysctl_get(pid, "net/ipv4/conf/veth0/forwarding", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "1"), "veth0 forwarding '%s'", buf);
	KT_OK(sysctl_get(pid, "net.ipv4.tcp_rmem", buf, sizeof(buf)));
	printf("tcp_rmem '%s'\n", buf);

	/* A device name with a dot needs the slash form. */
	KT_OK(rtnl_veth_add(r, "v.100", "v.101"));
	KT_OK(sysctl_set(pid, "net/ipv6/conf/v.100/mtu", "1400"));
	KT_OK(sysctl_get(pid, "net/ipv6/conf/v.100/mtu", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "1400"), "v.100 IPv6 mtu '%s'", buf);
	KT_OK(sysctl_set(pid, "net/ipv4/conf/v.100/forwarding", "0"));
	KT_OK(sysctl_get(pid, "net/ipv4/conf/v.100/forwarding", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "0"), "v.100 forwarding '%s'", buf);
	KT_ERR(sysctl_get(pid, "net.ipv4.conf.v.100.forwarding", buf, sizeof(buf)),
	       ENOENT);
	KT_OK(rtnl_link_del(r, KT_OK(rtnl_link_index(r, "v.100"))));
	KT_ERR(rtnl_link_index(r, "v.101"), ENODEV);
	printf("net/ipv4/conf/v.100/forwarding set and read back\n");

	KT_ERR(sysctl_set(pid, "net.ipv4.ip_forward", "abc"), EINVAL);
	KT_ERR(sysctl_set(pid, "net.ipv4.ip_forward", NULL), EINVAL);
	KT_ERR(sysctl_get(pid, "net.ipv4.no_such_knob", buf, sizeof(buf)), ENOENT);
	KT_ERR(sysctl_set(pid, "net.ipv4.no_such_knob", "1"), ENOENT);
	KT_ERR(sysctl_get(pid, "net.ipv4.ip_forward", buf, 1), EOVERFLOW);
	KT_OK(sysctl_get(pid, "net.ipv4.ip_forward", buf, 2));
	KT_CHECK(!strcmp(buf, "1"), "ip_forward in 2 bytes '%s'", buf);
	KT_ERR(sysctl_get(pid, "net.ipv4.ip_forward", NULL, 2), EINVAL);
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		KT_ERR(sysctl_get(pid, bad[i], buf, sizeof(buf)), EINVAL);
		KT_ERR(sysctl_set(pid, bad[i], "1"), EINVAL);
	}
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	KT_ERR(sysctl_get(pid, name, buf, sizeof(buf)), EINVAL);
	KT_OK(sysctl_set(pid, "net.ipv4.ip_forward", "0"));
	printf("sysctl: %d bad names refused\n", i + 1);
}

int main(void)
{
	struct rtnl_link_info *links;
	int t, err, v0, v1, n;
	struct rtnl *r;

	kt_boot(64UL << 20);
	KT_CHECK(!rtnl_open(9999, &err) && err == -ESRCH, "open in no task: %d", err);
	t = kt_spawn(1, NUSE_SPAWN_NEWNET);
	r = rtnl_open(t, &err);
	KT_CHECK(r, "rtnl_open: %s", strerror(-err));

	test_links(r, &v0, &v1);
	test_addrs(r, v0, v1);
	test_routes4(r, v0);
	test_routes6(r, v0);
	test_route_dump(r, v0);
	test_rules(r);
	test_neigh(r, t, v0);
	test_sysctl(r, t);

	/* Deleting one end of the pair takes the other. */
	KT_OK(rtnl_link_del(r, v0));
	KT_ERR(rtnl_link_index(r, "veth1"), ENODEV);
	KT_OK(rtnl_dump_links(r, &links, &n));
	KT_CHECK(n == 1 && links[0].ifindex == 1, "%d links left", n);
	free(links);
	printf("veth pair deleted\n");

	rtnl_close(r);
	KT_OK(nuse_call0(t, NUSE_CALL_EXIT));
	kt_halt();
	return 0;
}
