// SPDX-License-Identifier: GPL-2.0
/*
 * The tenant object and its lifecycle.  A tenant owns one task of the
 * library kernel, started in a new network namespace; its vNICs,
 * addresses, routes and sysctls are made in that namespace through the
 * task.  Everything is checked before anything changes, and a create
 * that fails half-way is torn down whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "nuse_host.h"
#include "rtnl.h"
#include "keyset.h"
#include "sysctl.h"
#include "klog.h"
#include "tenant.h"
#include "tenant_int.h"

static struct tenant *tenants, **tenants_tail = &tenants;
static int ntenants;
/* By name, chained (grown to a bucket per tenant), and the MACs of every
 * vNIC: creating one of many thousand tenants scans neither list. */
static struct tenant **byname;
static unsigned int nbuckets;
static struct keyset macs;

static unsigned int name_hash(const char *s)
{
	unsigned int h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct tenant **name_bucket(const char *name)
{
	return &byname[name_hash(name) & (nbuckets - 1)];
}

/* Room for one more tenant by name: 0 or -ENOMEM. */
static int byname_reserve(void)
{
	unsigned int n = nbuckets ? nbuckets * 2 : 64, i;
	struct tenant **b, *t, *next;

	if ((unsigned int)ntenants < nbuckets)
		return 0;
	b = calloc(n, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (i = 0; i < nbuckets; i++)
		for (t = byname[i]; t; t = next) {
			next = t->hnext;
			t->hnext = b[name_hash(t->name) & (n - 1)];
			b[name_hash(t->name) & (n - 1)] = t;
		}
	free(byname);
	byname = b;
	nbuckets = n;
	return 0;
}

static uint64_t mac_key(const unsigned char mac[6])
{
	uint64_t k = 1ULL << 48;
	int i;

	for (i = 0; i < 6; i++)
		k |= (uint64_t)mac[i] << (40 - 8 * i);
	return k;
}
static struct tenant_io io;

/*
 * The kernel's neighbour tables are shared by every namespace; each
 * tenant has its own budget in them (net.core.neigh_max_entries, 1024
 * per table by default).  The shared limits are raised so that the
 * budgets are what binds, yet each table stays within a thirty-second
 * of kernel memory (an entry takes 256 bytes): gc_thresh3 = MemTotal /
 * 8 KiB, never below the kernel's own 1024.
 */
static int neigh_limits(void)
{
	static const char *const thresh[] = {
		"net.ipv4.neigh.default.gc_thresh3", "net.ipv4.neigh.default.gc_thresh2",
		"net.ipv6.neigh.default.gc_thresh3", "net.ipv6.neigh.default.gc_thresh2",
	};
	char buf[4096], val[24], *p;
	unsigned long kb, max;
	int i, err;

	err = proc_read(1, "/proc/meminfo", buf, sizeof(buf));
	if (err < 0)
		return err;
	p = strstr(buf, "MemTotal:");
	if (!p || sscanf(p, "MemTotal: %lu", &kb) != 1)
		return -EIO;
	max = kb / 8 < 1024 ? 1024 : kb / 8;
	for (i = 0; i < 4; i++) {
		/* gc_thresh2, the soft limit, at half the hard one as in Linux */
		snprintf(val, sizeof(val), "%lu", i % 2 ? max / 2 : max);
		err = sysctl_set(1, thresh[i], val);
		if (err)
			return err;
	}
	return 0;
}

int tenant_init(const struct tenant_io *tio)
{
	if (!tio || (!tio->tx && !tio->tx_queue))
		return -EINVAL;
	io = *tio;
	/* The kernel booted printing errors only; from now on warnings too:
	 * a LOG rule's lines are (klog.c), and a tenant's kernel warnings
	 * are worth the operator's eye.  Best effort. */
	sysctl_set(1, "kernel.printk", "5 4 1 5");
	return neigh_limits();
}

struct tenant *tenant_find(const char *name)
{
	struct tenant *t;

	if (!nbuckets)
		return NULL;
	for (t = *name_bucket(name); t; t = t->hnext)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

int tenant_count(void)
{
	return ntenants;
}

struct tenant *tenant_next(struct tenant *prev)
{
	return prev ? prev->next : tenants;
}

const char *tenant_name(const struct tenant *t)
{
	return t->name;
}

int tenant_pid(const struct tenant *t)
{
	return t->pid;
}

static struct tenant_vnic *vnic_find(const struct tenant *t, const char *name)
{
	int i;

	for (i = 0; i < t->nvnics; i++)
		if (!strcmp(t->vnics[i].spec.name, name))
			return &t->vnics[i];
	return NULL;
}

int tenant_vnic_id(const struct tenant *t, const char *vnic)
{
	struct tenant_vnic *v = vnic_find(t, vnic);

	return v ? v->id : -ENOENT;
}

int tenant_nvnics(const struct tenant *t)
{
	return t->nvnics;
}

const struct tenant_vnic_spec *tenant_vnic_spec(const struct tenant *t, int i)
{
	return i >= 0 && i < t->nvnics ? &t->vnics[i].spec : NULL;
}

static int mac_in_use(const unsigned char mac[6])
{
	return keyset_has(&macs, mac_key(mac));
}

/* The tenant's vNICs as a spec, for the checks that need its links. */
static struct tenant_spec tenant_view(const struct tenant *t,
				      struct tenant_vnic_spec *buf)
{
	struct tenant_spec s = { .nvnics = t->nvnics, .vnics = buf };
	int i;

	for (i = 0; i < t->nvnics; i++)
		buf[i] = t->vnics[i].spec;
	return s;
}

static int addr_apply(struct tenant *t, int add, struct tenant_vnic *v,
		      const struct tenant_prefix *p)
{
	return rtnl_addr(t->rtnl, add, v->ifindex, p->family, p->addr, p->len);
}

static int route_apply(struct tenant *t, int add,
		       const struct tenant_route_spec *r)
{
	struct rtnl_route rt = {
		.family = r->dst.family,
		.dst_len = r->dst.len,
		.has_gw = r->has_via,
		.table = r->table,
		.type = r->blackhole ? RTN_BLACKHOLE : 0,
	};
	struct tenant_vnic *v = r->dev[0] ? vnic_find(t, r->dev) : NULL;

	memcpy(rt.dst, r->dst.addr, 16);
	memcpy(rt.gw, r->via.addr, 16);
	if (v)
		rt.oif = v->ifindex;
	return rtnl_route(t->rtnl, add, &rt);
}

/* Set by tenant_fini(1): the kernel halts next and takes every tenant's
 * stack with it; undoing them one by one would only make the stop slow
 * (each vNIC's unregistering waits for RCU grace periods). */
static int finishing;

static void vnic_release(struct tenant *t, struct tenant_vnic *v)
{
	if (v->id >= 0) {
		if (io.detach)
			io.detach(io.priv, v->id);
		if (!finishing)
			nuse_call1(t->pid, NUSE_CALL_VNIC_DESTROY, v->id);
	}
	if (v->indexed)
		keyset_del(&macs, mac_key(v->spec.mac));
	v->indexed = 0;
	free(v->spec.addrs);
}

/* Make the vNIC and its addresses; on failure, nothing is left. */
static int vnic_build(struct tenant *t, const struct tenant_vnic_spec *s,
		      const char *field, struct tenant_error *e)
{
	struct nuse_vnic_config c = { .mtu = s->mtu, .tx = io.tx, .tx_queue = io.tx_queue,
				      .queues = io.queues, .priv = io.priv,
				      .flags = io.vnic_flags };
	struct tenant_vnic *vs, *v;
	char f[96];
	int i, err;

	snprintf(f, sizeof(f), "%s", field);
	vs = realloc(t->vnics, (t->nvnics + 1) * sizeof(*vs));
	if (!vs)
		return tenant_fail(e, -ENOMEM, field, "out of memory");
	t->vnics = vs;
	v = &vs[t->nvnics];
	memset(v, 0, sizeof(*v));
	v->spec = *s;
	v->spec.addrs = calloc(s->naddrs ? s->naddrs : 1, sizeof(*s->addrs));
	if (!v->spec.addrs)
		return tenant_fail(e, -ENOMEM, field, "out of memory");
	memcpy(v->spec.addrs, s->addrs, s->naddrs * sizeof(*s->addrs));
	v->id = -1;
	t->nvnics++;
	err = keyset_add(&macs, mac_key(s->mac));
	if (err) {
		vnic_release(t, v);
		t->nvnics--;
		return tenant_fail(e, err, field, err == -EEXIST ? "MAC in use by another vNIC"
								: "out of memory");
	}
	v->indexed = 1;

	snprintf(c.name, sizeof(c.name), "%s", s->name);
	memcpy(c.mac, s->mac, 6);
	err = nuse_call1(t->pid, NUSE_CALL_VNIC_CREATE, &c);
	if (err < 0)
		goto out_release;
	v->id = err;
	v->ifindex = c.ifindex;
	err = rtnl_link_set(t->rtnl, v->ifindex, 1, 0);
	for (i = 0; !err && i < s->naddrs; i++) {
		err = addr_apply(t, 1, v, &s->addrs[i]);
		snprintf(f, sizeof(f), "%s.addresses[%d]", field, i);
	}
	if (err)
		goto out_release;
	if (io.attach)
		io.attach(io.priv, v->id, s->mac, s->vlan);
	return 0;

out_release:
	vnic_release(t, v);
	t->nvnics--;
	return tenant_fail(e, err, f, "%s%s%s",
			   strerror(-err), t->rtnl && rtnl_errmsg(t->rtnl)[0] ? ": " : "",
			   t->rtnl ? rtnl_errmsg(t->rtnl) : "");
}

static void tenant_teardown(struct tenant *t)
{
	int i;

	klog_del(t->name);
	for (i = t->nvnics - 1; i >= 0; i--)
		vnic_release(t, &t->vnics[i]);
	free(t->vnics);
	if (t->rtnl)
		rtnl_close(t->rtnl);
	if (t->pid > 0 && !finishing)
		nuse_call0(t->pid, NUSE_CALL_EXIT);
	free(t);
}

/* The namespace and its loopback, with the appliance's defaults: an
 * address is usable as soon as it is configured (no DAD wait). */
static int tenant_start(struct tenant *t, struct tenant_error *e)
{
	int err, lo;

	/* Its calls come from the dataplane thread, CPU 0's: they run there,
	 * as a system call runs on its caller's CPU (see nuse.h). */
	t->pid = nuse_call2(1, NUSE_CALL_SPAWN, NUSE_SPAWN_NEWNET | NUSE_SPAWN_CPU, 0);
	if (t->pid < 0)
		return tenant_fail(e, t->pid, "", "cannot start the namespace: %s",
				   strerror(-t->pid));
	t->rtnl = rtnl_open(t->pid, &err);
	if (!t->rtnl)
		return tenant_fail(e, err, "", "rtnetlink: %s", strerror(-err));
	lo = rtnl_link_index(t->rtnl, "lo");
	err = lo < 0 ? lo : rtnl_link_set(t->rtnl, lo, 1, 0);
	if (!err)
		err = sysctl_set(t->pid, "net.ipv6.conf.default.accept_dad", "0");
	if (err)
		return tenant_fail(e, err, "", "cannot set up the namespace: %s",
				   strerror(-err));
	return 0;
}

/* The inode number of task @pid's network namespace ("net:[N]"), which
 * the kernel's log lines of it carry; 0 if it cannot be read. */
static unsigned int netns_inum(int pid)
{
	char link[64] = "";
	unsigned int n = 0;
	long len;

	len = nuse_call4(pid, NUSE_SYS_readlinkat, AT_FDCWD, "/proc/self/ns/net", link,
			 sizeof(link) - 1);
	if (len > 0 && len < (long)sizeof(link)) {
		link[len] = '\0';
		if (sscanf(link, "net:[%u]", &n) != 1)
			n = 0;
	}
	return n;
}

static int tenant_build(struct tenant *t, const struct tenant_spec *s,
			struct tenant_error *e)
{
	char f[64];
	int i, err = tenant_start(t, e);

	for (i = 0; !err && i < s->nvnics; i++) {
		snprintf(f, sizeof(f), "vnics[%d]", i);
		err = vnic_build(t, &s->vnics[i], f, e);
	}
	for (i = 0; !err && i < s->nroutes; i++) {
		snprintf(f, sizeof(f), "routes[%d]", i);
		err = route_apply(t, 1, &s->routes[i]);
		if (err)
			tenant_fail(e, err, f, "%s%s%s", strerror(-err),
				    rtnl_errmsg(t->rtnl)[0] ? ": " : "",
				    rtnl_errmsg(t->rtnl));
	}
	for (i = 0; !err && i < s->nneighs; i++) {
		const struct tenant_neigh_spec *n = &s->neighs[i];

		snprintf(f, sizeof(f), "neighbours[%d]", i);
		err = rtnl_neigh(t->rtnl, 1, vnic_find(t, n->dev)->ifindex,
				 n->ip.family, n->ip.addr, n->mac);
		if (err)
			tenant_fail(e, err, f, "%s", strerror(-err));
	}
	for (i = 0; !err && i < s->nsysctls; i++) {
		snprintf(f, sizeof(f), "sysctls[%d]", i);
		err = sysctl_set(t->pid, s->sysctls[i].name, s->sysctls[i].value);
		if (err)
			tenant_fail(e, err, f, "%s: %s", s->sysctls[i].name,
				    strerror(-err));
	}
	return err;
}

int tenant_create(const struct tenant_spec *s, struct tenant_error *e)
{
	struct tenant *t;
	char f[64];
	int i, err;

	err = tenant_check_spec(s, e);
	if (err)
		return err;
	if (tenant_find(s->name))
		return tenant_fail(e, -EEXIST, "name", "tenant \"%s\" exists", s->name);
	for (i = 0; i < s->nvnics; i++) {
		snprintf(f, sizeof(f), "vnics[%d].mac", i);
		if (mac_in_use(s->vnics[i].mac))
			return tenant_fail(e, -EEXIST, f, "MAC in use by another vNIC");
	}
	t = byname_reserve() ? NULL : calloc(1, sizeof(*t));
	if (!t)
		return tenant_fail(e, -ENOMEM, "", "out of memory");
	strcpy(t->name, s->name);
	err = tenant_build(t, s, e);
	if (!err && (err = klog_add(t->name, netns_inum(t->pid))))
		tenant_fail(e, err, "", "out of memory");
	if (err) {
		tenant_teardown(t);
		return err;
	}
	t->pprev = tenants_tail;
	*tenants_tail = t;
	tenants_tail = &t->next;
	t->hnext = *name_bucket(t->name);
	*name_bucket(t->name) = t;
	ntenants++;
	return 0;
}

int tenant_destroy(const char *name, struct tenant_error *e)
{
	struct tenant **pp, *t = tenant_find(name);

	if (!t)
		return tenant_fail(e, -ENOENT, "name", "no tenant \"%s\"", name);
	for (pp = name_bucket(name); *pp != t; pp = &(*pp)->hnext)
		;
	*pp = t->hnext;
	/* the list is in creation order (the state file's, GET /tenants') */
	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	else
		tenants_tail = t->pprev;
	ntenants--;
	tenant_teardown(t);
	return 0;
}

/* Every tenant goes; before halt (@halting), only the host's side of
 * each: the kernel's goes with the kernel. */
void tenant_fini(int halting)
{
	finishing = halting;
	while (tenants)
		tenant_destroy(tenants->name, NULL);
	finishing = 0;
	free(byname);
	byname = NULL;
	nbuckets = 0;
	keyset_free(&macs);
}

struct tenant *tenant_get(const char *name, struct tenant_error *e)
{
	struct tenant *t = tenant_find(name);

	if (!t)
		tenant_fail(e, -ENOENT, "tenant", "no tenant \"%s\"", name);
	return t;
}

int tenant_vnic_add(const char *name, const struct tenant_vnic_spec *v,
		    struct tenant_error *e)
{
	struct tenant *t = tenant_get(name, e);
	int err;

	if (!t)
		return -ENOENT;
	err = tenant_check_vnic(v, "vnic", e);
	if (err)
		return err;
	if (vnic_find(t, v->name))
		return tenant_fail(e, -EEXIST, "vnic.name", "vNIC \"%s\" exists", v->name);
	if (mac_in_use(v->mac))
		return tenant_fail(e, -EEXIST, "vnic.mac", "MAC in use by another vNIC");
	return vnic_build(t, v, "vnic", e);
}

int tenant_vnic_del(const char *name, const char *vnic, struct tenant_error *e)
{
	struct tenant *t = tenant_get(name, e);
	struct tenant_vnic *v;

	if (!t)
		return -ENOENT;
	v = vnic_find(t, vnic);
	if (!v)
		return tenant_fail(e, -ENOENT, "vnic", "no vNIC \"%s\"", vnic);
	vnic_release(t, v);
	memmove(v, v + 1, (t->vnics + --t->nvnics - v) * sizeof(*v));
	return 0;
}

static int addr_index(const struct tenant_vnic *v, const struct tenant_prefix *p)
{
	int i;

	for (i = 0; i < v->spec.naddrs; i++)
		if (v->spec.addrs[i].family == p->family &&
		    v->spec.addrs[i].len == p->len &&
		    !memcmp(v->spec.addrs[i].addr, p->addr, 16))
			return i;
	return -1;
}

int tenant_addr(const char *name, int add, const char *vnic,
		const struct tenant_prefix *p, struct tenant_error *e)
{
	struct tenant *t = tenant_get(name, e);
	struct tenant_prefix *as;
	struct tenant_vnic *v;
	int i, err;

	if (!t)
		return -ENOENT;
	v = vnic_find(t, vnic);
	if (!v)
		return tenant_fail(e, -ENOENT, "vnic", "no vNIC \"%s\"", vnic);
	if (p->family != AF_INET && p->family != AF_INET6)
		return tenant_fail(e, -EINVAL, "address", "not an address/prefix");
	if (add && (err = tenant_check_addr(&v->spec, p, "address", e)))
		return err;
	i = addr_index(v, p);
	if (add && i >= 0)
		return tenant_fail(e, -EEXIST, "address", "address exists");
	if (!add && i < 0)
		return tenant_fail(e, -ENOENT, "address", "no such address");
	err = addr_apply(t, add, v, p);
	if (err)
		return tenant_fail(e, err, "address", "%s", strerror(-err));
	if (!add) {
		v->spec.addrs[i] = v->spec.addrs[--v->spec.naddrs];
		return 0;
	}
	as = realloc(v->spec.addrs, (v->spec.naddrs + 1) * sizeof(*as));
	if (!as) {
		addr_apply(t, 0, v, p);
		return tenant_fail(e, -ENOMEM, "address", "out of memory");
	}
	v->spec.addrs = as;
	as[v->spec.naddrs++] = *p;
	return 0;
}

int tenant_route(const char *name, int add, const struct tenant_route_spec *r,
		 struct tenant_error *e)
{
	struct tenant *t = tenant_get(name, e);
	struct tenant_vnic_spec *buf;
	struct tenant_spec view;
	int err;

	if (!t)
		return -ENOENT;
	buf = calloc(t->nvnics ? t->nvnics : 1, sizeof(*buf));
	if (!buf)
		return tenant_fail(e, -ENOMEM, "route", "out of memory");
	view = tenant_view(t, buf);
	err = add ? tenant_check_route(&view, r, "route", e) : 0;
	free(buf);
	if (err)
		return err;
	err = route_apply(t, add, r);
	if (err == -ESRCH && !add)
		err = -ENOENT;
	if (err)
		return tenant_fail(e, err, "route", "%s%s%s", strerror(-err),
				   rtnl_errmsg(t->rtnl)[0] ? ": " : "",
				   rtnl_errmsg(t->rtnl));
	return 0;
}

int tenant_sysctl_set(const char *name, const char *key, const char *value,
		      struct tenant_error *e)
{
	struct tenant *t = tenant_get(name, e);
	struct tenant_sysctl c;
	int err;

	if (!t)
		return -ENOENT;
	if (strlen(key) >= sizeof(c.name) || strlen(value) >= sizeof(c.value))
		return tenant_fail(e, -EINVAL, key, "too long");
	snprintf(c.name, sizeof(c.name), "%s", key);
	snprintf(c.value, sizeof(c.value), "%s", value);
	err = tenant_check_sysctl(&c, key, e);
	if (err)
		return err;
	err = sysctl_set(t->pid, key, value);
	if (err)
		return tenant_fail(e, err, key, "%s", strerror(-err));
	return 0;
}

struct rtnl *tenant_rtnl(const struct tenant *t)
{
	return t->rtnl;
}
