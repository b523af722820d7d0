// SPDX-License-Identifier: GPL-2.0
/*
 * The pure parsers: MAC addresses, addresses and prefixes, the API's
 * listen address.  Each must take what people mean and nothing that
 * only looks like it ("/+24", "/024", " 1" in a MAC, host names).  And
 * the tenant layer's checks of addresses, routes and sysctls.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "tenant.h"
#include "tenant_int.h"
#include "conf/conf_listen.c"	/* the parser itself: it has no library */

#include "check.h"

static void test_mac(void)
{
	static const char *const bad[] = {
		"02:cc:00:00:00: 1", "02:cc:00:00:00:+1", "02:cc:00:00:00:0x",
		"02:cc:00:00:00:1", "02:cc:00:00:00:001", "02-cc-00-00-00-01",
		"02:cc:00:00:00:01:", "02:cc:00:00:00:01 ", " 02:cc:00:00:00:01",
		"02:cc:00:00:00:0g", "02:cc:00:00:00", "", "02:cc:00:00:00:-1",
		"02cc:00:00:00:01:", NULL,
	};
	unsigned char mac[6], want[6] = { 0x02, 0xcc, 0x00, 0xab, 0xCD, 0x01 };
	int i;

	CHECK(tenant_parse_mac("02:cc:00:ab:CD:01", mac) == 0 && !memcmp(mac, want, 6),
	      "mixed-case MAC refused or misread");
	for (i = 0; bad[i]; i++) {
		memset(mac, 0x55, 6);
		CHECK(tenant_parse_mac(bad[i], mac) == -EINVAL, "MAC \"%s\" accepted", bad[i]);
		CHECK(mac[0] == 0x55, "MAC \"%s\": output written on error", bad[i]);
	}
	CHECK(tenant_parse_mac(NULL, mac) == -EINVAL, "NULL MAC accepted");
}

static void test_prefix(void)
{
	static const struct { const char *s; int family, len; } good[] = {
		{ "1.2.3.4/24", AF_INET, 24 }, { "1.2.3.4/0", AF_INET, 0 },
		{ "1.2.3.4/32", AF_INET, 32 }, { "1.2.3.4", AF_INET, 32 },
		{ "2001:db8::1/64", AF_INET6, 64 }, { "::/0", AF_INET6, 0 },
		{ "2001:db8::1/128", AF_INET6, 128 }, { "2001:db8::1", AF_INET6, 128 },
	};
	static const char *const bad[] = {
		"1.2.3.4/+24", "1.2.3.4/024", "1.2.3.4/ 24", "1.2.3.4/24 ", "1.2.3.4/-0",
		"1.2.3.4/33", "1.2.3.4/", "1.2.3.4/24/8", "1.2.3.4/0x18", "1.2.3.4/00",
		"2001:db8::1/129", "2001:db8::1/064", "01.2.3.4/24", "1.2.3/24",
		" 1.2.3.4/24", "1.2.3.4 /24", "host/24", "", "/24",
		"1.2.3.4/99999999999999999999", NULL,
	};
	struct tenant_prefix p;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int err = tenant_parse_prefix(good[i].s, &p);

		CHECK(!err && p.family == good[i].family && p.len == good[i].len,
		      "prefix \"%s\": %d, family %d, len %d", good[i].s, err, p.family, p.len);
	}
	for (i = 0; bad[i]; i++)
		CHECK(tenant_parse_prefix(bad[i], &p) == -EINVAL, "prefix \"%s\" accepted", bad[i]);
	CHECK(tenant_parse_addr("1.2.3.4/24", &p) == -EINVAL, "address with a length accepted");
}

static void test_listen(void)
{
	static const char *const bad[] = {
		"localhost:8080", "nowhere", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:+80", "127.0.0.1:080", "127.0.0.1:80 ",
		"127.0.0.1: 80", ":8080", "::1:8080", "[::1]", "[::1]:", "[::1:8080",
		"::1]:8080", "[]:8080", "[127.0.0.1]:8080", "[::1]x:8080", "[fe80::1%lo]:80",
		"127.0.0.1:8080:", "*:8080", "127.0.0.1:99999999999999999999", NULL,
	};
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	socklen_t len;
	int i;

	CHECK(conf_parse_listen("127.0.0.1:8080", &ss, &len) == 0 && ss.ss_family == AF_INET &&
	      sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(sin->sin_port) == 8080 &&
	      len == sizeof(*sin), "127.0.0.1:8080 misread");
	CHECK(conf_parse_listen("0.0.0.0:65535", &ss, &len) == 0 &&
	      ntohs(sin->sin_port) == 65535, "0.0.0.0:65535 misread");
	CHECK(conf_parse_listen("[::1]:8080", &ss, &len) == 0 && ss.ss_family == AF_INET6 &&
	      IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) && ntohs(sin6->sin6_port) == 8080 &&
	      len == sizeof(*sin6), "[::1]:8080 misread");
	CHECK(conf_parse_listen("[::]:1", &ss, &len) == 0 && ntohs(sin6->sin6_port) == 1,
	      "[::]:1 misread");
	for (i = 0; bad[i]; i++)
		CHECK(conf_parse_listen(bad[i], &ss, &len) == -EINVAL, "listen \"%s\" accepted",
		      bad[i]);
}

/* What the kernel would drop, hide or change is refused before it. */
static void test_checks(void)
{
	static const char *const bad_addrs[] = {
		"0.0.0.0/0", "0.0.0.0/24", "::/0", "10.0.0.1/0", "2001:db8::1/0",
		"127.0.0.1/8", "224.0.0.5/24", "239.1.1.1/32", "255.255.255.255/32",
		"::1/128", "ff02::1/64", "::ffff:10.0.0.1/96", "fe80::ff:fe00:1/64", NULL,
	};
	static const char *const good_addrs[] = {
		"10.0.0.1/24", "10.0.0.0/24", "192.0.2.255/24", "10.0.0.1/32",
		"2001:db8::1/64", "fe80::1/64", "fe80::ff:fe00:1/63", NULL,
	};
	struct tenant_vnic_spec v = { .name = "eth0", .mac = { 2, 0, 0, 0, 0, 1 } };
	struct tenant_prefix a;
	struct tenant_error e;
	struct tenant_spec s = { .nvnics = 1, .vnics = &v };
	struct tenant_route_spec r;
	struct tenant_sysctl c;
	int i;

	for (i = 0; bad_addrs[i]; i++) {
		tenant_parse_prefix(bad_addrs[i], &a);
		CHECK(tenant_check_addr(&v, &a, "address", &e) == -EINVAL &&
		      !strcmp(e.field, "address"), "address %s allowed", bad_addrs[i]);
	}
	for (i = 0; good_addrs[i]; i++) {
		tenant_parse_prefix(good_addrs[i], &a);
		CHECK(tenant_check_addr(&v, &a, "address", &e) == 0, "address %s refused: %s",
		      good_addrs[i], e.msg);
	}
	v.mtu = 1279;
	tenant_parse_prefix("2001:db8::1/64", &a);
	CHECK(tenant_check_addr(&v, &a, "address", &e) == -EINVAL, "IPv6 on MTU 1279 allowed");
	tenant_parse_prefix("10.0.0.1/24", &a);
	CHECK(tenant_check_addr(&v, &a, "address", &e) == 0, "IPv4 on MTU 1279 refused");
	v.mtu = 0;
	CHECK(tenant_check_vnic(&v, "vnic", &e) == 0, "vNIC eth0 refused: %s", e.msg);
	strcpy(v.name, "all");
	CHECK(tenant_check_vnic(&v, "vnic", &e) == -EINVAL && !strcmp(e.field, "vnic.name"),
	      "vNIC \"all\" allowed");
	strcpy(v.name, "default");
	CHECK(tenant_check_vnic(&v, "vnic", &e) == -EINVAL, "vNIC \"default\" allowed");
	strcpy(v.name, "eth0");

	v.naddrs = 1;
	v.addrs = &a;
	tenant_parse_prefix("10.0.0.1/24", &a);
#define ROUTE(dst_, via_, table_) do {					\
	memset(&r, 0, sizeof(r));					\
	tenant_parse_prefix(dst_, &r.dst);				\
	r.has_via = via_ != NULL;					\
	if (via_)							\
		tenant_parse_addr(via_, &r.via);			\
	strcpy(r.dev, "eth0");						\
	r.table = table_;						\
} while (0)
	ROUTE("10.1.0.0/16", "10.0.0.254", 0);
	CHECK(tenant_check_route(&s, &r, "route", &e) == 0, "a good route refused: %s", e.msg);
	ROUTE("10.1.0.0/16", NULL, 253);
	CHECK(tenant_check_route(&s, &r, "route", &e) == 0, "table 253 refused: %s", e.msg);
	ROUTE("0.0.0.0/0", "10.0.0.254", 0x7fffffff);
	CHECK(tenant_check_route(&s, &r, "route", &e) == 0, "table 2^31-1 refused: %s", e.msg);
	ROUTE("10.1.0.0/16", NULL, 255);
	CHECK(tenant_check_route(&s, &r, "route", &e) == -EINVAL && !strcmp(e.field, "route.table"),
	      "table 255 allowed");
	ROUTE("10.1.0.0/16", NULL, 0x80000000u);
	CHECK(tenant_check_route(&s, &r, "route", &e) == -EINVAL, "table 2^31 allowed");
	ROUTE("10.1.0.1/16", NULL, 0);
	CHECK(tenant_check_route(&s, &r, "route", &e) == -EINVAL && !strcmp(e.field, "route.dst"),
	      "host bits allowed");
	ROUTE("2001:db8:1::1/48", NULL, 0);
	CHECK(tenant_check_route(&s, &r, "route", &e) == -EINVAL, "IPv6 host bits allowed");
	ROUTE("10.1.0.128/25", NULL, 0);
	CHECK(tenant_check_route(&s, &r, "route", &e) == 0, "a /25 refused: %s", e.msg);
	ROUTE("127.0.0.0/8", NULL, 0);
	CHECK(tenant_check_route(&s, &r, "route", &e) == -EINVAL, "a loopback route allowed");
	ROUTE("10.1.0.0/16", "0.0.0.0", 0);
	CHECK(tenant_check_route(&s, &r, "route", &e) == -EINVAL && !strcmp(e.field, "route.via"),
	      "via 0.0.0.0 allowed");
	ROUTE("10.1.0.0/16", "224.0.0.1", 0);
	CHECK(tenant_check_route(&s, &r, "route", &e) == -EINVAL, "via multicast allowed");

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "net.ipv4.ip_forward");
	strcpy(c.value, "1");
	CHECK(tenant_check_sysctl(&c, "x", &e) == 0, "net.ipv4.ip_forward refused: %s", e.msg);
	strcpy(c.value, "0\t65535");
	CHECK(tenant_check_sysctl(&c, "x", &e) == 0, "a tab refused: %s", e.msg);
	c.value[0] = '\0';
	CHECK(tenant_check_sysctl(&c, "x", &e) == -EINVAL, "an empty value allowed");
	strcpy(c.value, "1\n0");
	CHECK(tenant_check_sysctl(&c, "x", &e) == -EINVAL, "a newline allowed");
	strcpy(c.value, "1");
	strcpy(c.name, "vm.min_free_kbytes");
	CHECK(tenant_check_sysctl(&c, "x", &e) == -EINVAL, "vm.* allowed");
	strcpy(c.name, "kernel/panic");
	CHECK(tenant_check_sysctl(&c, "x", &e) == -EINVAL, "kernel/* allowed");
	strcpy(c.name, "network.x");
	CHECK(tenant_check_sysctl(&c, "x", &e) == -EINVAL, "network.x allowed");
	strcpy(c.name, "net/ipv4/conf/eth0/forwarding");
	CHECK(tenant_check_sysctl(&c, "x", &e) == 0, "net/ipv4/conf/eth0/forwarding refused");
}

int main(void)
{
	test_mac();
	test_prefix();
	test_listen();
	test_checks();
	printf("%s\n", failed ? "FAILED" : "all passed");
	return failed;
}
