/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the tenant layer. */
#ifndef TENANT_INT_H
#define TENANT_INT_H

#include "tenant.h"

struct tenant_vnic {
	struct tenant_vnic_spec spec;	/* addrs owned */
	int id;				/* the host's vNIC id */
	int ifindex;
	int indexed;			/* its MAC is in the set of those in use */
};

struct tenant {
	struct tenant *next, **pprev;	/* in creation order */
	struct tenant *hnext;		/* in its name's bucket */
	char name[TENANT_NAME_MAX + 1];
	int pid;
	struct rtnl *rtnl;
	int nvnics;
	struct tenant_vnic *vnics;
};

/* The tenant called @name, or NULL with -ENOENT in @e. */
struct tenant *tenant_get(const char *name, struct tenant_error *e);

int tenant_fail(struct tenant_error *e, int err, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int tenant_prefix_contains(const struct tenant_prefix *net,
			   const struct tenant_prefix *a);
int tenant_check_name(const char *name, struct tenant_error *e);
int tenant_check_vnic(const struct tenant_vnic_spec *v, const char *field,
		      struct tenant_error *e);
/* An address for vNIC @v (its MAC and MTU matter), checked before the kernel. */
int tenant_check_addr(const struct tenant_vnic_spec *v, const struct tenant_prefix *p,
		      const char *field, struct tenant_error *e);
int tenant_check_route(const struct tenant_spec *s,
		       const struct tenant_route_spec *r, const char *field,
		       struct tenant_error *e);
int tenant_check_sysctl(const struct tenant_sysctl *c, const char *field,
			struct tenant_error *e);
int tenant_check_spec(const struct tenant_spec *s, struct tenant_error *e);

#endif
