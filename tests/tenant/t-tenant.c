// SPDX-License-Identifier: GPL-2.0
/*
 * Tenants made by the tenant layer, wired back to back by the test: ARP,
 * ping and a 4 MiB TCP transfer between two tenants; a second pair using
 * the same IPv4 and IPv6 addresses at the same time; a router tenant that
 * forwards only with ip_forward=1; IPv6 link-local and global addresses;
 * routes and sysctls that stay in their tenant, read back exactly.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "tnet.h"
#include "rtnl.h"

static struct kt_wire ab, cd, ar, rb;

static void pair(const char *n1, const char *mac1, const char *n2,
		 const char *mac2, struct kt_wire *w)
{
	struct tn_spec s;

	tn_spec(&s, n1);
	tn_vnic(&s, "eth0", mac1, "10.0.0.1/24", "fd00::1/64", NULL);
	tn_sysctl(&s, "net.ipv4.ping_group_range", "0 0");
	tn_create(&s);
	tn_spec(&s, n2);
	tn_vnic(&s, "eth0", mac2, "10.0.0.2/24", "fd00::2/64", NULL);
	tn_sysctl(&s, "net.ipv4.ping_group_range", "0 0");
	tn_create(&s);
	tn_connect(w, n1, "eth0", n2, "eth0");
}

/*
 * IPv4 packets tenant @t received (Ip: InReceives of its /proc/net/snmp).
 * A frame of another pair that leaked in would count here; the tenant's
 * own IPv6 timers (router solicitations, MLD), which may fire at any
 * moment on a busy machine, do not.
 */
static unsigned long long ip_in(const char *t)
{
	char buf[4096], *values;
	unsigned long long v = 0;

	KT_OK(kt_read_file(tenant_pid(tenant_find(t)), "/proc/net/snmp", buf, sizeof(buf)));
	/* "Ip: Forwarding DefaultTTL InReceives ..." then "Ip: 1 64 N ..." */
	values = strstr(buf, "\nIp: ");
	KT_CHECK(values && sscanf(values, "\nIp: %*s %*s %llu", &v) == 1,
		 "no Ip: InReceives in %s's /proc/net/snmp", t);
	return v;
}

static void two_pairs(void)
{
	struct kt_wire *both[] = { &ab, &cd };
	unsigned long long c0, d0;
	char arp[512];

	pair("a", "02:00:00:00:0a:01", "b", "02:00:00:00:0b:01", &ab);
	pair("c", "02:00:00:00:0c:01", "d", "02:00:00:00:0d:01", &cd);

	c0 = ip_in("c");
	d0 = ip_in("d");
	KT_CHECK(tn_ping("a", "10.0.0.2", both, 2), "a cannot ping b");
	KT_OK(kt_read_file(tenant_pid(tenant_find("a")), "/proc/net/arp", arp,
			   sizeof(arp)));
	KT_CHECK(strstr(arp, "10.0.0.2") && strstr(arp, "02:00:00:00:0b:01"),
		 "ARP in a: %s", arp);
	KT_CHECK(ip_in("c") == c0 && ip_in("d") == d0,
		 "a packet of pair a-b reached c or d");
	KT_CHECK(tn_ping("c", "10.0.0.2", both, 2), "c cannot ping d");
	KT_CHECK(ip_in("d") > d0 && ip_in("c") > c0, "the counter did not see c's ping to d");
	KT_CHECK(tn_ping("a", "fd00::2", both, 2), "a cannot ping6 b");
	KT_CHECK(tn_ping("d", "fd00::1", both, 2), "d cannot ping6 c");
	KT_CHECK(tn_tcp("a", "b", "10.0.0.2", 7000, 4 << 20, both, 2) == 0,
		 "4 MiB a -> b did not arrive intact");
	KT_CHECK(tn_tcp("c", "d", "fd00::2", 7000, 1 << 20, both, 2) == 0,
		 "TCP over IPv6 c -> d failed");
	printf("two pairs on the same addresses: ping, ping6, TCP 4 MiB ok\n");
}

static void router(void)
{
	struct kt_wire *w[] = { &ar, &rb };
	struct tenant_neigh_spec neigh = { 0 };
	struct tenant_error e;
	struct tn_spec s;
	char arp[512];

	tn_spec(&s, "h1");
	tn_vnic(&s, "eth0", "02:00:00:00:01:01", "10.1.0.2/24", NULL);
	tn_route(&s, "0.0.0.0/0", "10.1.0.1", NULL);
	tn_sysctl(&s, "net.ipv4.ping_group_range", "0 0");
	tn_create(&s);
	tn_spec(&s, "h2");
	tn_vnic(&s, "eth0", "02:00:00:00:02:01", "10.2.0.2/24", NULL);
	tn_route(&s, "0.0.0.0/0", "10.2.0.1", "eth0");
	tn_create(&s);
	tn_spec(&s, "r");
	tn_vnic(&s, "eth0", "02:00:00:00:03:01", "10.1.0.1/24", NULL);
	tn_vnic(&s, "eth1", "02:00:00:00:03:02", "10.2.0.1/24", NULL);
	tn_sysctl(&s, "net.ipv4.ip_forward", "1");
	/* a static neighbour: h2 is known without ARP */
	s.spec.neighs = &neigh;
	s.spec.nneighs = 1;
	strcpy(neigh.dev, "eth1");
	KT_OK(tenant_parse_addr("10.2.0.2", &neigh.ip));
	KT_OK(tenant_parse_mac("02:00:00:00:02:01", neigh.mac));
	tn_create(&s);
	KT_OK(kt_read_file(tenant_pid(tenant_find("r")), "/proc/net/arp", arp, sizeof(arp)));
	KT_CHECK(strstr(arp, "10.2.0.2") && strstr(arp, "0x6") &&
		 strstr(arp, "02:00:00:00:02:01"), "no permanent neighbour: %s", arp);
	tn_connect(&ar, "h1", "eth0", "r", "eth0");
	tn_connect(&rb, "r", "eth1", "h2", "eth0");

	KT_CHECK(tn_ping("h1", "10.2.0.2", w, 2), "no ping through the router");
	KT_CHECK(tn_tcp("h1", "h2", "10.2.0.2", 8000, 1 << 20, w, 2) == 0,
		 "TCP through the router failed");
	KT_OK(tenant_sysctl_set("r", "net.ipv4.ip_forward", "0", &e));
	KT_CHECK(!tn_ping("h1", "10.2.0.2", w, 2), "router forwards with ip_forward=0");
	KT_OK(tenant_sysctl_set("r", "net.ipv4.ip_forward", "1", &e));
	KT_CHECK(tn_ping("h1", "10.2.0.2", w, 2), "no ping after forwarding is back");
	printf("router: forwards only with ip_forward=1\n");
}

static int has_addr(const char *t, const char *want, int scope)
{
	struct rtnl_addr_info *as;
	unsigned char a[16];
	int n, i, found = 0;

	inet_pton(AF_INET6, want, a);
	KT_OK(rtnl_dump_addrs(tenant_rtnl(tenant_find(t)), AF_INET6, &as, &n));
	for (i = 0; i < n; i++)
		found |= !memcmp(as[i].addr, a, 16) && as[i].scope == scope;
	free(as);
	return found;
}

static void ipv6(void)
{
	struct kt_wire *both[] = { &ab, &cd };

	/* EUI-64 from 02:00:00:00:0a:01 */
	KT_CHECK(has_addr("a", "fe80::ff:fe00:a01", RT_SCOPE_LINK),
		 "no link-local address on a's vNIC");
	KT_CHECK(has_addr("a", "fd00::1", RT_SCOPE_UNIVERSE), "no global address on a");
	KT_CHECK(tn_ping("b", "fd00::1", both, 2), "b cannot ping6 a");
	printf("ipv6: link-local and global, ping6 ok\n");
}

/* Routes and sysctls stay in their tenant, and read back exactly. */
static void isolation(void)
{
	struct tenant_route_spec r = { 0 };
	struct tenant_error e;
	struct rtnl_route *rs;
	char v[16];
	int n, i, seen = 0, main_routes = 0;

	KT_OK(tenant_parse_prefix("198.51.100.0/24", &r.dst));
	KT_OK(tenant_parse_addr("10.0.0.2", &r.via));
	r.has_via = 1;
	KT_OK(tenant_route("a", 1, &r, &e));

	KT_OK(rtnl_dump_routes(tenant_rtnl(tenant_find("a")), AF_INET, RT_TABLE_MAIN, &rs, &n));
	for (i = 0; i < n; i++) {
		main_routes++;
		seen += rs[i].dst_len == 24 && rs[i].dst[0] == 198 && rs[i].has_gw;
	}
	free(rs);
	/* exactly the connected 10.0.0.0/24 and the one added */
	KT_CHECK(seen == 1 && main_routes == 2, "a's main table: %d routes, %d added",
		 main_routes, seen);
	KT_OK(rtnl_dump_routes(tenant_rtnl(tenant_find("c")), AF_INET, RT_TABLE_MAIN, &rs, &n));
	for (i = 0; i < n; i++)
		KT_CHECK(!(rs[i].dst_len == 24 && rs[i].dst[0] == 198),
			 "a's route is visible in c");
	free(rs);
	KT_CHECK(n == 1, "c's main table has %d routes", n);

	KT_OK(kt_read_file(tenant_pid(tenant_find("r")), "/proc/sys/net/ipv4/ip_forward", v, sizeof(v)));
	KT_CHECK(!strcmp(v, "1\n"), "r forwards: %s", v);
	KT_OK(kt_read_file(tenant_pid(tenant_find("a")), "/proc/sys/net/ipv4/ip_forward", v, sizeof(v)));
	KT_CHECK(!strcmp(v, "0\n"), "r's ip_forward leaked into a: %s", v);

	KT_OK(tenant_route("a", 0, &r, &e));
	KT_ERR(tenant_route("a", 0, &r, &e), ENOENT);
	printf("isolation: routes and sysctls stay in their tenant\n");
}

int main(void)
{
	kt_boot(256UL << 20);
	tn_init();
	kt_wire_init(&ab);
	kt_wire_init(&cd);
	kt_wire_init(&ar);
	kt_wire_init(&rb);
	two_pairs();
	router();
	ipv6();
	isolation();
	tenant_fini(0);
	KT_CHECK(tenant_count() == 0 && nuse_vnic_count() == 0,
		 "left: %d tenants, %d vNICs", tenant_count(), nuse_vnic_count());
	kt_halt();
	return 0;
}
