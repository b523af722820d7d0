// SPDX-License-Identifier: GPL-2.0
/*
 * A tenant read back from the kernel: what the API answers and the state
 * file keeps is what the tenant's namespace really has, not what was
 * asked for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"
#include "sysctl.h"
#include "tenant.h"
#include "tenant_int.h"

int tenant_proc_read(const struct tenant *t, const char *path, char *buf, size_t size)
{
	return proc_read(t->pid, path, buf, size);
}

/* The link-local address the kernel made itself from the MAC (EUI-64). */
static int is_auto_linklocal(const struct rtnl_addr_info *a, const unsigned char mac[6])
{
	unsigned char ll[16] = { 0xfe, 0x80, [8] = mac[0] ^ 2, mac[1], mac[2], 0xff,
				 0xfe, mac[3], mac[4], mac[5] };

	return a->family == AF_INET6 && a->prefixlen == 64 && !memcmp(a->addr, ll, 16);
}

static int read_vnics(struct tenant *t, struct tenant_spec *out)
{
	struct rtnl_link_info *links = NULL;
	struct rtnl_addr_info *addrs = NULL;
	int nlinks = 0, naddrs = 0, i, j, k, err;

	err = rtnl_dump_links(t->rtnl, &links, &nlinks);
	if (!err)
		err = rtnl_dump_addrs(t->rtnl, AF_UNSPEC, &addrs, &naddrs);
	out->vnics = calloc(t->nvnics ? t->nvnics : 1, sizeof(*out->vnics));
	if (!err && !out->vnics)
		err = -ENOMEM;
	for (i = 0; !err && i < t->nvnics; i++) {
		const struct tenant_vnic *tv = &t->vnics[i];
		struct tenant_vnic_spec *v = &out->vnics[out->nvnics];

		*v = tv->spec;
		v->naddrs = 0;
		v->addrs = calloc(naddrs ? naddrs : 1, sizeof(*v->addrs));
		if (!v->addrs) {
			err = -ENOMEM;
			break;
		}
		out->nvnics++;
		for (j = 0; j < nlinks; j++)
			if (links[j].ifindex == tv->ifindex) {
				memcpy(v->mac, links[j].mac, 6);
				v->mtu = links[j].mtu;
			}
		for (k = 0; k < naddrs; k++) {
			if (addrs[k].ifindex != tv->ifindex ||
			    is_auto_linklocal(&addrs[k], v->mac))
				continue;
			v->addrs[v->naddrs].family = addrs[k].family;
			v->addrs[v->naddrs].len = addrs[k].prefixlen;
			memcpy(v->addrs[v->naddrs].addr, addrs[k].addr, 16);
			v->naddrs++;
		}
	}
	free(links);
	free(addrs);
	return err;
}

static const char *ifname_of(const struct tenant *t, int ifindex)
{
	int i;

	for (i = 0; i < t->nvnics; i++)
		if (t->vnics[i].ifindex == ifindex)
			return t->vnics[i].spec.name;
	return NULL;
}

/* The routes someone configured: static or boot protocol, unicast or
 * blackhole, through a vNIC or nowhere; not the kernel's own. */
static int read_routes(struct tenant *t, struct tenant_spec *out)
{
	struct rtnl_route *rts = NULL;
	int n, i, err;

	err = rtnl_dump_routes(t->rtnl, AF_UNSPEC, 0, &rts, &n);
	if (err)
		return err;
	out->routes = calloc(n ? n : 1, sizeof(*out->routes));
	if (!out->routes) {
		free(rts);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const struct rtnl_route *rt = &rts[i];
		struct tenant_route_spec *r = &out->routes[out->nroutes];
		const char *dev = ifname_of(t, rt->oif);

		if ((rt->protocol != RTPROT_STATIC && rt->protocol != RTPROT_BOOT) ||
		    (rt->type != RTN_UNICAST && rt->type != RTN_BLACKHOLE) ||
		    rt->table == RT_TABLE_LOCAL || (rt->type == RTN_UNICAST && !dev))
			continue;
		memset(r, 0, sizeof(*r));
		r->dst.family = r->via.family = rt->family;
		memcpy(r->dst.addr, rt->dst, 16);
		r->dst.len = rt->dst_len;
		r->has_via = rt->has_gw;
		memcpy(r->via.addr, rt->gw, 16);
		if (dev)
			snprintf(r->dev, sizeof(r->dev), "%s", dev);
		r->table = rt->table == RT_TABLE_MAIN ? 0 : rt->table;
		r->blackhole = rt->type == RTN_BLACKHOLE;
		out->nroutes++;
	}
	free(rts);
	return 0;
}

int tenant_read(const char *name, const struct tenant_sysctl *sysctls, int nsysctls,
		struct tenant_spec *out, struct tenant_error *e)
{
	struct tenant *t = tenant_get(name, e);
	int i, err;

	memset(out, 0, sizeof(*out));
	if (!t)
		return -ENOENT;
	snprintf(out->name, sizeof(out->name), "%s", t->name);
	err = read_vnics(t, out);
	if (!err)
		err = read_routes(t, out);
	if (!err && nsysctls) {
		out->sysctls = calloc(nsysctls, sizeof(*out->sysctls));
		if (!out->sysctls)
			err = -ENOMEM;
	}
	for (i = 0; !err && i < nsysctls; i++) {
		struct tenant_sysctl *c = &out->sysctls[out->nsysctls];

		snprintf(c->name, sizeof(c->name), "%s", sysctls[i].name);
		if (sysctl_get(t->pid, c->name, c->value, sizeof(c->value)) == 0)
			out->nsysctls++;
	}
	if (err)
		return tenant_fail(e, err, "", "cannot read the tenant back: %s",
				   strerror(-err));
	return 0;
}

void tenant_spec_free(struct tenant_spec *s)
{
	int i;

	for (i = 0; s->vnics && i < s->nvnics; i++)
		free(s->vnics[i].addrs);
	free(s->vnics);
	free(s->routes);
	free(s->neighs);
	free(s->sysctls);
	free(s->iptables[0]);
	free(s->iptables[1]);
	free(s->iptables[2]);
	memset(s, 0, sizeof(*s));
}
