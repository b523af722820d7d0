/* SPDX-License-Identifier: GPL-2.0 */
/* Tenant tests: tenants made by the tenant layer, wired by the test. */
#ifndef TNET_H
#define TNET_H

#include "ktest.h"
#include "tenant.h"

#define TN_MAX_VNICS	4096

/* The tenant layer's transmit callback: frames go to the wire of the vNIC. */
extern struct kt_wire *tn_wire_of[TN_MAX_VNICS];
void tn_init(void);
/* Wire vNIC @va of tenant @ta to @vb of @tb. */
void tn_connect(struct kt_wire *w, const char *ta, const char *va,
		const char *tb, const char *vb);

/* Build a spec from strings: "name mac mtu vlan addr..." per vNIC. */
struct tn_spec {
	struct tenant_spec spec;
	struct tenant_vnic_spec vnics[4];
	struct tenant_prefix addrs[4][4];
	struct tenant_route_spec routes[8];
	struct tenant_sysctl sysctls[8];
};
void tn_spec(struct tn_spec *s, const char *name);
/* Returns the vNIC's index; addrs NULL-terminated. */
int tn_vnic(struct tn_spec *s, const char *name, const char *mac, ...);
void tn_route(struct tn_spec *s, const char *dst, const char *via, const char *dev);
void tn_sysctl(struct tn_spec *s, const char *name, const char *value);
void tn_create(struct tn_spec *s);

/* 1 if an echo reply came back (v4 or v6 by the address). */
int tn_ping(const char *tenant, const char *dst, struct kt_wire **w, int nw);
/* Move @len bytes by TCP from @from to @to:@port over the wires, check
 * them; returns 0 or -1. */
int tn_tcp(const char *from, const char *to, const char *to_ip, int port,
	   size_t len, struct kt_wire **w, int nw);

#endif
