/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tenants: each one a network namespace of the library kernel with its
 * vNICs, addresses, routes and sysctls.  Functions return 0 or -errno and
 * fill a struct tenant_error naming the offending field:
 *   -EINVAL	a value is malformed (bad MAC, bad prefix, bad name)
 *   -EEXIST	a name or MAC is already taken
 *   -ENOENT	no such tenant, vNIC, address or route
 *   -ENETUNREACH	a gateway is on none of the tenant's links
 * A call that fails changes nothing.  All calls run on the thread that
 * owns the library kernel.
 */
#ifndef TENANT_H
#define TENANT_H

#include <net/if.h>
#include "nuse.h"

#define TENANT_NAME_MAX		63
#define TENANT_SYSCTL_MAX	128

struct tenant_error {
	char field[96];		/* e.g. "vnics[0].mac" */
	char msg[160];
};

struct tenant_prefix {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int len;
};

struct tenant_vnic_spec {
	char name[IFNAMSIZ];
	unsigned char mac[6];
	unsigned int mtu;	/* 0: 1500 */
	int vlan;		/* -1: untagged; kept for the dataplane */
	int naddrs;
	struct tenant_prefix *addrs;
};

struct tenant_route_spec {
	struct tenant_prefix dst;
	int has_via;
	struct tenant_prefix via;	/* len unused */
	char dev[IFNAMSIZ];		/* "" when via alone decides */
	unsigned int table;		/* 0: main */
	int blackhole;
};

struct tenant_neigh_spec {
	char dev[IFNAMSIZ];
	struct tenant_prefix ip;	/* len unused */
	unsigned char mac[6];
};

struct tenant_sysctl {
	char name[TENANT_SYSCTL_MAX];
	char value[TENANT_SYSCTL_MAX];
};

struct tenant_spec {
	char name[TENANT_NAME_MAX + 1];
	int nvnics;
	struct tenant_vnic_spec *vnics;
	int nroutes;
	struct tenant_route_spec *routes;
	int nsysctls;
	struct tenant_sysctl *sysctls;
	int nneighs;			/* static (permanent) neighbours */
	struct tenant_neigh_spec *neighs;
	char *iptables[3];		/* iptables-restore text, IPv4 and IPv6, and
					 * nft -f text (IPT_*): applied by the API,
					 * not here */
};

/* How vNIC frames reach the wire, and who learns of vNICs coming and
 * going (the dataplane's demux). */
struct tenant_io {
	nuse_vnic_tx_fn tx;		/* or: */
	nuse_vnic_txq_fn tx_queue;	/* with the queue, of @queues (0: 1) */
	unsigned int queues;
	unsigned int vnic_flags;	/* NUSE_VNIC_*: offloads */
	void *priv;
	void (*attach)(void *priv, int vnic, const unsigned char mac[6], int vlan);
	void (*detach)(void *priv, int vnic);
};

struct tenant;

/* Also raises the kernel's shared neighbour limits: see tenant.c. */
int tenant_init(const struct tenant_io *io);
/* Destroys every tenant; with @halting, the kernel halts next and only
 * the host's side of each is undone. */
void tenant_fini(int halting);

/* Everything about @spec that can be checked without the kernel. */
int tenant_validate(const struct tenant_spec *spec, struct tenant_error *e);
int tenant_create(const struct tenant_spec *spec, struct tenant_error *e);
int tenant_destroy(const char *name, struct tenant_error *e);
struct tenant *tenant_find(const char *name);
int tenant_count(void);
struct tenant *tenant_next(struct tenant *prev);	/* NULL: first */
const char *tenant_name(const struct tenant *t);
int tenant_pid(const struct tenant *t);

int tenant_vnic_add(const char *tenant, const struct tenant_vnic_spec *v,
		    struct tenant_error *e);
int tenant_vnic_del(const char *tenant, const char *vnic,
		    struct tenant_error *e);
/* The host's vNIC id (for nuse_vnic_*), or -ENOENT. */
int tenant_vnic_id(const struct tenant *t, const char *vnic);
/* The tenant's vNICs by index, 0 to tenant_nvnics() - 1. */
int tenant_nvnics(const struct tenant *t);
const struct tenant_vnic_spec *tenant_vnic_spec(const struct tenant *t, int i);

int tenant_addr(const char *tenant, int add, const char *vnic,
		const struct tenant_prefix *p, struct tenant_error *e);
int tenant_route(const char *tenant, int add,
		 const struct tenant_route_spec *r, struct tenant_error *e);
int tenant_sysctl_set(const char *name, const char *key,
		      const char *value, struct tenant_error *e);

/*
 * The tenant as the kernel has it, in the shape of a tenant_spec: its
 * vNICs with their MAC, MTU and addresses (not the link-local ones the
 * kernel made itself), the routes someone configured (static or boot
 * protocol, every table but local) and the values of @sysctls (names
 * only; those that cannot be read are left out).  No neighbours.  Free
 * @out with tenant_spec_free(), also after an error.
 */
int tenant_read(const char *name, const struct tenant_sysctl *sysctls, int nsysctls,
		struct tenant_spec *out, struct tenant_error *e);
/* Frees a spec whose arrays are malloc'd, as tenant_read() and the
 * config parser make them. */
void tenant_spec_free(struct tenant_spec *s);
/* A /proc file in the tenant's namespace (e.g. /proc/net/snmp); see
 * proc_read(). */
int tenant_proc_read(const struct tenant *t, const char *path, char *buf, size_t size);

/* The tenant's rtnetlink handle, to read its links, addresses, routes and
 * rules back from the kernel (rtnl_dump_*). */
struct rtnl *tenant_rtnl(const struct tenant *t);

/* "192.0.2.1/24", "2001:db8::1/64"; "10.0.0.1" is a /32 (/128). */
int tenant_parse_prefix(const char *s, struct tenant_prefix *p);
int tenant_parse_addr(const char *s, struct tenant_prefix *p);
int tenant_parse_mac(const char *s, unsigned char mac[6]);
/* "02:00:00:00:0a:01" */
void tenant_format_mac(const unsigned char mac[6], char out[18]);

#endif
