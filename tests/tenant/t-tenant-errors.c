// SPDX-License-Identifier: GPL-2.0
/*
 * Every validation error of the tenant layer returns its error, names the
 * field, and changes nothing: no tenant, vNIC or namespace appears, and
 * the tenants that exist are untouched.
 */
#include "tnet.h"

static int netns0, vnics0, tenants0;

static void snapshot(void)
{
	netns0 = nuse_call0(1, NUSE_CALL_NETNS_COUNT);
	vnics0 = nuse_vnic_count();
	tenants0 = tenant_count();
}

static void unchanged(const char *what)
{
	kt_run_wires(NULL, 0, NULL, 50);
	KT_CHECK(nuse_call0(1, NUSE_CALL_NETNS_COUNT) == netns0 &&
		 nuse_vnic_count() == vnics0 && tenant_count() == tenants0,
		 "%s changed something: %ld namespaces (%d), %d vNICs (%d), %d tenants (%d)",
		 what, nuse_call0(1, NUSE_CALL_NETNS_COUNT), netns0,
		 nuse_vnic_count(), vnics0, tenant_count(), tenants0);
}

static void expect(struct tn_spec *s, int err, const char *field, const char *what)
{
	struct tenant_error e = { 0 };
	int got = tenant_create(&s->spec, &e);

	KT_CHECK(got == -err, "%s: got %d (%s), want -%d", what, got, e.msg, err);
	KT_CHECK(!strcmp(e.field, field), "%s: field \"%s\", want \"%s\" (%s)", what,
		 e.field, field, e.msg);
	printf("%-32s -> %s: %s: %s\n", what, strerror(err), e.field, e.msg);
	unchanged(what);
}

int main(void)
{
	struct tenant_prefix p;
	struct tenant_route_spec r = { 0 };
	struct tenant_vnic_spec v = { .name = "eth9", .vlan = -1 };
	unsigned char mac[6];
	struct tenant_error e;
	struct tn_spec s;

	kt_boot(128UL << 20);
	tn_init();
	KT_ERR(tenant_parse_mac("02:00:00:00:00", mac), EINVAL);
	KT_ERR(tenant_parse_mac("02:00:00:00:00:0g", mac), EINVAL);
	KT_ERR(tenant_parse_mac("02:00:00:00:00:01:", mac), EINVAL);
	KT_ERR(tenant_parse_prefix("10.0.0.1/33", &p), EINVAL);
	KT_ERR(tenant_parse_prefix("2001:db8::1/129", &p), EINVAL);
	KT_ERR(tenant_parse_prefix("10.0.0/24", &p), EINVAL);
	KT_ERR(tenant_parse_prefix("10.0.0.1/", &p), EINVAL);
	KT_ERR(tenant_parse_prefix("10.0.0.1/2x", &p), EINVAL);

	tn_spec(&s, "good");
	tn_vnic(&s, "eth0", "02:00:00:00:00:01", "192.0.2.10/24", NULL);
	tn_create(&s);
	snapshot();

	tn_spec(&s, "good");
	tn_vnic(&s, "eth0", "02:00:00:00:00:02", NULL);
	expect(&s, EEXIST, "name", "duplicate tenant name");

	tn_spec(&s, "bad name!");
	expect(&s, EINVAL, "name", "bad tenant name");

	tn_spec(&s, "x");
	tn_vnic(&s, "eth0", "02:00:00:00:00:01", NULL);
	expect(&s, EEXIST, "vnics[0].mac", "MAC used by another tenant");

	tn_spec(&s, "x");
	tn_vnic(&s, "eth0", "01:00:5e:00:00:01", NULL);
	expect(&s, EINVAL, "vnics[0].mac", "multicast MAC");

	tn_spec(&s, "x");
	tn_vnic(&s, "eth0", "02:00:00:00:00:03", NULL);
	tn_vnic(&s, "eth0", "02:00:00:00:00:04", NULL);
	expect(&s, EEXIST, "vnics[1].name", "duplicate vNIC name");

	tn_spec(&s, "x");
	tn_vnic(&s, "eth0", "02:00:00:00:00:03", "10.0.0.1/24", NULL);
	tn_route(&s, "0.0.0.0/0", "10.9.9.1", NULL);
	expect(&s, ENETUNREACH, "routes[0].via", "gateway not on any link");

	tn_spec(&s, "x");
	tn_vnic(&s, "eth0", "02:00:00:00:00:03", "10.0.0.1/24", NULL);
	tn_route(&s, "10.5.0.0/16", NULL, "eth7");
	expect(&s, EINVAL, "routes[0].dev", "route on an unknown vNIC");

	tn_spec(&s, "x");
	tn_vnic(&s, "eth0", "02:00:00:00:00:03", NULL);
	s.vnics[0].mtu = 20;
	expect(&s, EINVAL, "vnics[0].mtu", "MTU too small");

	tn_spec(&s, "x");
	tn_vnic(&s, "eth0", "02:00:00:00:00:03", NULL);
	s.vnics[0].vlan = 5000;
	expect(&s, EINVAL, "vnics[0].vlan", "VLAN out of range");

	tn_spec(&s, "x");
	tn_vnic(&s, "eth0", "02:00:00:00:00:03", NULL);
	tn_sysctl(&s, "net/../../etc", "1");
	expect(&s, EINVAL, "sysctls[0]", "sysctl name escaping /proc/sys");

	/* Caught by the kernel after the namespace was made: torn down whole. */
	tn_spec(&s, "x");
	tn_vnic(&s, "eth0", "02:00:00:00:00:03", "10.0.0.1/24", NULL);
	tn_sysctl(&s, "net.ipv4.no_such_knob", "1");
	expect(&s, ENOENT, "sysctls[0]", "unknown sysctl");

	KT_ERR(tenant_destroy("nosuch", &e), ENOENT);
	KT_CHECK(!strcmp(e.field, "name"), "destroy: field %s", e.field);
	KT_ERR(tenant_vnic_del("nosuch", "eth0", &e), ENOENT);
	KT_ERR(tenant_vnic_del("good", "eth5", &e), ENOENT);
	KT_OK(tenant_parse_prefix("0.0.0.0/0", &r.dst));
	KT_OK(tenant_parse_addr("10.9.9.1", &r.via));
	r.has_via = 1;
	KT_ERR(tenant_route("nosuch", 1, &r, &e), ENOENT);
	KT_ERR(tenant_route("good", 1, &r, &e), ENETUNREACH);
	KT_ERR(tenant_sysctl_set("good", "net.ipv4.nope", "1", &e), ENOENT);
	KT_OK(tenant_parse_mac("02:00:00:00:00:01", v.mac));
	KT_ERR(tenant_vnic_add("good", &v, &e), EEXIST);
	KT_OK(tenant_parse_prefix("192.0.2.10/24", &p));
	KT_ERR(tenant_addr("good", 1, "eth0", &p, &e), EEXIST);
	KT_OK(tenant_parse_prefix("192.0.2.99/24", &p));
	KT_ERR(tenant_addr("good", 0, "eth0", &p, &e), ENOENT);
	unchanged("modifications");

	KT_OK(tenant_destroy("good", &e));
	kt_run_wires(NULL, 0, NULL, 100);
	KT_CHECK(nuse_vnic_count() == 0 && tenant_count() == 0, "leftovers");
	kt_halt();
	return 0;
}
