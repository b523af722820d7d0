// SPDX-License-Identifier: GPL-2.0
/*
 * The tenant layer's kernel side, absent: tests of the config parser
 * take parse.c (the checks) and readback.c (tenant_spec_free()) but
 * never read a tenant back, so none of these is ever called.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rtnl.h"
#include "sysctl.h"
#include "tenant_int.h"

static void never(const char *fn)
{
	fprintf(stderr, "tenant_double: %s called: a parser test reached the kernel\n", fn);
	abort();
}

int rtnl_dump_links(struct rtnl *r, struct rtnl_link_info **out, int *n)
{
	never(__func__);
	return -1;
}

int rtnl_dump_addrs(struct rtnl *r, int family, struct rtnl_addr_info **out, int *n)
{
	never(__func__);
	return -1;
}

int rtnl_dump_routes(struct rtnl *r, int family, unsigned int table,
		     struct rtnl_route **out, int *n)
{
	never(__func__);
	return -1;
}

int sysctl_get(int pid, const char *name, char *buf, size_t size)
{
	never(__func__);
	return -1;
}

int proc_read(int pid, const char *path, char *buf, size_t size)
{
	never(__func__);
	return -1;
}

struct tenant *tenant_get(const char *name, struct tenant_error *e)
{
	never(__func__);
	return NULL;
}
