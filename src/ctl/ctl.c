// SPDX-License-Identifier: GPL-2.0
/* Control requests between the control and dataplane threads; see ctl.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl/ctl.h"
#include "log/log.h"
#include <linux/rtnetlink.h>

#include "conf/conf.h"
#include "tenant/admit.h"
#include "tenant/rtnl.h"
#include "tenant/sysctl.h"
#include "tenant/tenant.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct ctl_req *requests, **requests_tail = &requests;
static struct ctl_req *replies, **replies_tail = &replies;
static struct ev_loop *loop;
static ev_async replied;
static void (*wake)(void);
static void (*after_replies)(void);
static int failed;			/* -errno: the dataplane is gone */
/* Whether @requests may hold something: set under the lock by a submit,
 * cleared under it by the take, read without it on every dataplane turn. */
static atomic_bool queued;

static void push(struct ctl_req ***tail, struct ctl_req *r)
{
	r->next = NULL;
	**tail = r;
	*tail = &r->next;
}

static struct ctl_req *take(struct ctl_req **head, struct ctl_req ***tail)
{
	struct ctl_req *list;

	pthread_mutex_lock(&lock);
	list = *head;
	*head = NULL;
	*tail = head;
	if (head == &requests)
		atomic_store_explicit(&queued, false, memory_order_relaxed);
	pthread_mutex_unlock(&lock);
	return list;
}

static void on_replied(struct ev_loop *l, ev_async *w, int revents)
{
	struct ctl_req *r = take(&replies, &replies_tail), *next;

	for (; r; r = next) {
		next = r->next;
		r->done(r);
	}
	if (after_replies)
		after_replies();
}

void ctl_on_replies(void (*fn)(void))
{
	after_replies = fn;
}

int ctl_init(struct ev_loop *l, void (*wake_dataplane)(void))
{
	loop = l;
	wake = wake_dataplane;
	ev_async_init(&replied, on_replied);
	ev_async_start(loop, &replied);
	return 0;
}

void ctl_fini(void)
{
	if (loop)
		ev_async_stop(loop, &replied);
}

int ctl_submit(struct ctl_req *r)
{
	int dead;

	if (!r || !r->done)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	dead = failed;
	if (dead) {
		r->status = dead;
		push(&replies_tail, r);
	} else {
		push(&requests_tail, r);
		atomic_store_explicit(&queued, true, memory_order_release);
	}
	pthread_mutex_unlock(&lock);
	if (dead)
		ev_async_send(loop, &replied);
	else
		wake();
	return 0;
}

void ctl_fail_all(int err)
{
	struct ctl_req *r, *next;

	pthread_mutex_lock(&lock);
	failed = err;
	r = requests;
	requests = NULL;
	requests_tail = &requests;
	atomic_store_explicit(&queued, false, memory_order_relaxed);
	for (; r; r = next) {
		next = r->next;
		r->status = err;
		push(&replies_tail, r);
	}
	pthread_mutex_unlock(&lock);
	ev_async_send(loop, &replied);
}

/* --- on the dataplane thread --- */

static int tenant_list(struct ctl_req *req)
{
	struct ctl_tenant_list *r = (struct ctl_tenant_list *)req;
	struct tenant *t = NULL;
	int i;

	r->list = json_array();
	while ((t = tenant_next(t))) {
		json_t *vnics = json_array();

		for (i = 0; i < tenant_nvnics(t); i++)
			json_array_append_new(vnics, json_string(tenant_vnic_spec(t, i)->name));
		json_array_append_new(r->list, json_pack("{s:s,s:o}", "name",
					tenant_name(t), "vnics", vnics));
	}
	return 0;
}

/* The answer to every change: the tenant as the kernel now has it. */
static int answer_tenant(struct ctl_tenant *r)
{
	struct tenant_spec now;
	int err = tenant_read(r->name, r->read_sysctls, r->nread_sysctls, &now, &r->error);

	if (!err)
		r->answer = config_tenant_json(&now);
	tenant_spec_free(&now);
	return err;
}

/* A change the kernel cannot afford is refused before it starts; one that
 * is wrong anyway is refused for that first. */
static int admitted(const char *name, const struct tenant_spec *s, int whole,
		    const char *what, struct tenant_error *e)
{
	if (tenant_validate(s, e) || (whole && tenant_find(name)))
		return 0;
	return admit(admit_spec_bytes(s, whole), what, e);
}

static int tenant_create_req(struct ctl_tenant *r)
{
	int err = admitted(r->spec.name, &r->spec, 1, "a tenant", &r->error);

	if (!err)
		err = tenant_create(&r->spec, &r->error);

	snprintf(r->name, sizeof(r->name), "%s", r->spec.name);
	return err ? err : answer_tenant(r);
}

static int tenant_get_req(struct ctl_tenant *r)
{
	return answer_tenant(r);
}

static int tenant_destroy_req(struct ctl_tenant *r)
{
	return tenant_destroy(r->name, &r->error);
}

static int vnic_add_req(struct ctl_tenant *r)
{
	struct tenant_spec one = { .nvnics = 1, .vnics = r->spec.vnics };
	int err = admit(admit_spec_bytes(&one, 0), "a vNIC", &r->error);

	if (!err)
		err = tenant_vnic_add(r->name, &r->spec.vnics[0], &r->error);

	return err ? err : answer_tenant(r);
}

static int vnic_del_req(struct ctl_tenant *r)
{
	int err = tenant_vnic_del(r->name, r->vnic, &r->error);

	return err ? err : answer_tenant(r);
}

static int addr_req(struct ctl_tenant *r, int add)
{
	int err = tenant_addr(r->name, add, r->spec.vnics[0].name,
			      &r->spec.vnics[0].addrs[0], &r->error);

	return err ? err : answer_tenant(r);
}

static int addr_add_req(struct ctl_tenant *r) { return addr_req(r, 1); }
static int addr_del_req(struct ctl_tenant *r) { return addr_req(r, 0); }

static int route_req(struct ctl_tenant *r, int add)
{
	int err = tenant_route(r->name, add, &r->spec.routes[0], &r->error);

	return err ? err : answer_tenant(r);
}

static int route_add_req(struct ctl_tenant *r) { return route_req(r, 1); }
static int route_del_req(struct ctl_tenant *r) { return route_req(r, 0); }

/* All or nothing: what was set before a failure is set back. */
static int sysctl_set_req(struct ctl_tenant *r)
{
	struct tenant_sysctl *old;
	struct tenant_spec cur;
	int i, j, err = 0;

	old = calloc(r->spec.nsysctls + 1, sizeof(*old));
	if (!old)
		return -ENOMEM;
	memcpy(old, r->spec.sysctls, r->spec.nsysctls * sizeof(*old));
	err = tenant_read(r->name, old, r->spec.nsysctls, &cur, &r->error);
	if (!err && cur.nsysctls != r->spec.nsysctls) {
		/* a name the kernel does not have */
		for (i = 0; i < r->spec.nsysctls; i++) {
			for (j = 0; j < cur.nsysctls; j++)
				if (!strcmp(cur.sysctls[j].name, r->spec.sysctls[i].name))
					break;
			if (j == cur.nsysctls)
				break;
		}
		snprintf(r->error.field, sizeof(r->error.field), "%s",
			 r->spec.sysctls[i].name);
		snprintf(r->error.msg, sizeof(r->error.msg), "no such sysctl");
		err = -EINVAL;
	}
	for (i = 0; !err && i < r->spec.nsysctls; i++) {
		err = tenant_sysctl_set(r->name, r->spec.sysctls[i].name,
					r->spec.sysctls[i].value, &r->error);
		if (err == -ENOENT)
			err = -EINVAL;
	}
	if (err && i > 0)
		for (j = 0; j < i - 1; j++)
			tenant_sysctl_set(r->name, cur.sysctls[j].name,
					  cur.sysctls[j].value, NULL);
	if (!err) {
		free(r->prev);
		r->prev = cur.sysctls;
		r->nprev = cur.nsysctls;
		cur.sysctls = NULL;
		cur.nsysctls = 0;
	}
	tenant_spec_free(&cur);
	free(old);
	return err ? err : answer_tenant(r);
}

/* /proc/net/snmp: pairs of lines, "Ip: Forwarding DefaultTTL ..." then
 * "Ip: 1 64 ...". */
static json_t *snmp_json(char *text)
{
	json_t *o = json_object();
	char *names, *values, *save1, *save2, *n, *v, *next;

	for (names = text; names && *names; names = next) {
		values = strchr(names, '\n');
		if (!values)
			break;
		*values++ = '\0';
		next = strchr(values, '\n');
		if (next)
			*next++ = '\0';
		n = strtok_r(names, " ", &save1);
		v = strtok_r(values, " ", &save2);
		if (!n || !v || strcmp(n, v))
			break;
		n[strlen(n) - 1] = '\0';	/* the colon */
		json_t *group = json_object();
		while ((n = strtok_r(NULL, " ", &save1)) && (v = strtok_r(NULL, " ", &save2)))
			json_object_set_new(group, n, json_integer(strtoll(v, NULL, 10)));
		json_object_set_new(o, names, group);
	}
	return o;
}

/* /proc/net/snmp6: "Ip6InReceives   123" lines. */
static json_t *snmp6_json(char *text)
{
	json_t *o = json_object();
	char *line, *save, name[64];
	long long v;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%63s %lld", name, &v) == 2)
			json_object_set_new(o, name, json_integer(v));
	return o;
}

static int tenant_stats_req(struct ctl_tenant *r)
{
	struct tenant *t = tenant_find(r->name);
	struct nuse_vnic_stats st;
	json_t *vnics;
	char *buf;
	int i, n;

	if (!t)
		return -ENOENT;
	buf = malloc(32768);
	if (!buf)
		return -ENOMEM;
	vnics = json_object();
	for (i = 0; i < tenant_nvnics(t); i++) {
		const char *name = tenant_vnic_spec(t, i)->name;

		if (nuse_vnic_stats(tenant_vnic_id(t, name), &st))
			continue;
		json_object_set_new(vnics, name, json_pack(
			"{s:I,s:I,s:I,s:I,s:I,s:I}",
			"rx_packets", (json_int_t)st.rx_packets, "rx_bytes", (json_int_t)st.rx_bytes,
			"rx_dropped", (json_int_t)st.rx_dropped,
			"tx_packets", (json_int_t)st.tx_packets, "tx_bytes", (json_int_t)st.tx_bytes,
			"tx_dropped", (json_int_t)st.tx_dropped));
	}
	r->answer = json_pack("{s:s,s:o}", "name", tenant_name(t), "vnics", vnics);
	n = tenant_proc_read(t, "/proc/net/snmp", buf, 32768);
	if (n >= 0)
		json_object_set_new(r->answer, "snmp", snmp_json(buf));
	n = tenant_proc_read(t, "/proc/net/snmp6", buf, 32768);
	if (n >= 0)
		json_object_set_new(r->answer, "snmp6", snmp6_json(buf));
	free(buf);
	return 0;
}

static const char *const route_types[] = {
	[RTN_UNICAST] = "unicast", [RTN_LOCAL] = "local", [RTN_BROADCAST] = "broadcast",
	[RTN_ANYCAST] = "anycast", [RTN_MULTICAST] = "multicast",
	[RTN_BLACKHOLE] = "blackhole", [RTN_UNREACHABLE] = "unreachable",
	[RTN_PROHIBIT] = "prohibit", [RTN_THROW] = "throw", [RTN_NAT] = "nat",
};

static json_t *number_or_name(int v, const char *name)
{
	return name ? json_string(name) : json_integer(v);
}

/* The tenant's real routing table, as `ip route show table all` would. */
static int routes_get_req(struct ctl_tenant *r)
{
	struct tenant *t = tenant_find(r->name);
	unsigned int want = r->spec.nroutes ? r->spec.routes[0].table : 0;
	struct rtnl_link_info *links = NULL;
	struct rtnl_route *rts = NULL;
	int nlinks = 0, n, i, j, err;

	if (!t)
		return -ENOENT;
	err = rtnl_dump_routes(tenant_rtnl(t), AF_UNSPEC, want, &rts, &n);
	if (!err)
		err = rtnl_dump_links(tenant_rtnl(t), &links, &nlinks);
	if (err) {
		free(rts);
		return err;
	}
	r->answer = json_array();
	for (i = 0; i < n; i++) {
		const struct rtnl_route *rt = &rts[i];
		const char *proto = NULL, *scope = NULL;
		char addr[INET6_ADDRSTRLEN + 8];
		json_t *o;

		if (!want && rt->table == RT_TABLE_LOCAL)
			continue;
		o = json_object();
		if (rt->dst_len == 0)
			snprintf(addr, sizeof(addr), "default");
		else {
			inet_ntop(rt->family, rt->dst, addr, sizeof(addr));
			snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%d",
				 rt->dst_len);
		}
		json_object_set_new(o, "dst", json_string(addr));
		json_object_set_new(o, "family", json_string(rt->family == AF_INET ? "inet" : "inet6"));
		if (rt->has_gw) {
			inet_ntop(rt->family, rt->gw, addr, sizeof(addr));
			json_object_set_new(o, "via", json_string(addr));
		}
		for (j = 0; j < nlinks; j++)
			if (rt->oif && links[j].ifindex == rt->oif)
				json_object_set_new(o, "dev", json_string(links[j].name));
		json_object_set_new(o, "table", number_or_name(rt->table,
			rt->table == RT_TABLE_MAIN ? "main" :
			rt->table == RT_TABLE_LOCAL ? "local" : NULL));
		json_object_set_new(o, "type", number_or_name(rt->type,
			rt->type < (int)(sizeof(route_types) / sizeof(*route_types))
			? route_types[rt->type] : NULL));
		switch (rt->protocol) {
		case RTPROT_KERNEL: proto = "kernel"; break;
		case RTPROT_BOOT: proto = "boot"; break;
		case RTPROT_STATIC: proto = "static"; break;
		case RTPROT_RA: proto = "ra"; break;
		}
		switch (rt->scope) {
		case RT_SCOPE_UNIVERSE: scope = "global"; break;
		case RT_SCOPE_LINK: scope = "link"; break;
		case RT_SCOPE_HOST: scope = "host"; break;
		}
		json_object_set_new(o, "protocol", number_or_name(rt->protocol, proto));
		json_object_set_new(o, "scope", number_or_name(rt->scope, scope));
		json_object_set_new(o, "metric", json_integer(rt->metric));
		json_array_append_new(r->answer, o);
	}
	free(rts);
	free(links);
	return 0;
}

static int metrics_req(struct ctl_req *req)
{
	struct ctl_metrics *m = (struct ctl_metrics *)req;
	struct admit_mem mem;
	struct tenant *t = NULL;
	char buf[4096], *p;
	int i, nv = 0;

	m->ntenants = tenant_count();
	t = NULL;
	while ((t = tenant_next(t)))
		nv += tenant_nvnics(t);
	m->tenants = calloc(m->ntenants + 1, sizeof(*m->tenants));
	m->conntrack = calloc(m->ntenants + 1, sizeof(*m->conntrack));
	m->vnics = calloc(nv + 1, sizeof(*m->vnics));
	if (!m->tenants || !m->conntrack || !m->vnics)
		return -ENOMEM;
	for (i = 0, t = NULL; (t = tenant_next(t)) && i < m->ntenants; i++) {
		int j;

		snprintf(m->tenants[i], sizeof(m->tenants[i]), "%s", tenant_name(t));
		m->conntrack[i] = sysctl_get(tenant_pid(t), "net.netfilter.nf_conntrack_count",
					     buf, sizeof(buf)) ? -1 : strtoll(buf, NULL, 10);
		for (j = 0; j < tenant_nvnics(t) && m->nvnics < nv; j++) {
			struct ctl_metrics_vnic *v = &m->vnics[m->nvnics];
			const char *name = tenant_vnic_spec(t, j)->name;

			v->tenant = i;
			snprintf(v->name, sizeof(v->name), "%s", name);
			if (nuse_vnic_stats(tenant_vnic_id(t, name), &v->stats) == 0)
				m->nvnics++;
		}
	}
	/* "0.00 0.00 0.00 RUNNING/TASKS LASTPID" */
	if (proc_read(1, "/proc/loadavg", buf, sizeof(buf)) > 0 && (p = strchr(buf, '/')))
		m->tasks = strtol(p + 1, NULL, 10);
	if (admit_read(&mem) == 0) {
		m->mem_total = mem.total;
		m->mem_free = mem.free;
		m->mem_available = mem.available;
		m->mem_reserve = mem.reserve;
	}
	dp_get_stats(&m->dp);
	return 0;
}

void ctl_metrics_free(struct ctl_metrics *m)
{
	free(m->tenants);
	free(m->conntrack);
	free(m->vnics);
	m->tenants = NULL;
	m->conntrack = NULL;
	m->vnics = NULL;
}

static int tenant_pid_req(struct ctl_req *req)
{
	struct ctl_tenant_pid *r = (struct ctl_tenant_pid *)req;
	struct tenant *t;

	r->name[sizeof(r->name) - 1] = '\0';
	t = tenant_find(r->name);
	if (!t)
		return -ENOENT;
	r->pid = tenant_pid(t);
	return 0;
}

static int admit_req(struct ctl_req *req)
{
	struct ctl_admit *r = (struct ctl_admit *)req;

	r->what[sizeof(r->what) - 1] = '\0';
	return admit(r->need, r->what, &r->error);
}

static const struct {
	size_t len;
	int (*run)(struct ctl_req *);
	int (*tenant)(struct ctl_tenant *);	/* or this, for a ctl_tenant */
} handlers[CTL_TYPE_MAX] = {
	[CTL_TENANT_LIST] = { sizeof(struct ctl_tenant_list), tenant_list },
	[CTL_TENANT_CREATE] = { sizeof(struct ctl_tenant), NULL, tenant_create_req },
	[CTL_TENANT_DESTROY] = { sizeof(struct ctl_tenant), NULL, tenant_destroy_req },
	[CTL_TENANT_GET] = { sizeof(struct ctl_tenant), NULL, tenant_get_req },
	[CTL_VNIC_ADD] = { sizeof(struct ctl_tenant), NULL, vnic_add_req },
	[CTL_VNIC_DEL] = { sizeof(struct ctl_tenant), NULL, vnic_del_req },
	[CTL_ADDR_ADD] = { sizeof(struct ctl_tenant), NULL, addr_add_req },
	[CTL_ADDR_DEL] = { sizeof(struct ctl_tenant), NULL, addr_del_req },
	[CTL_ROUTE_ADD] = { sizeof(struct ctl_tenant), NULL, route_add_req },
	[CTL_ROUTE_DEL] = { sizeof(struct ctl_tenant), NULL, route_del_req },
	[CTL_SYSCTL_SET] = { sizeof(struct ctl_tenant), NULL, sysctl_set_req },
	[CTL_TENANT_STATS] = { sizeof(struct ctl_tenant), NULL, tenant_stats_req },
	[CTL_ROUTES_GET] = { sizeof(struct ctl_tenant), NULL, routes_get_req },
	[CTL_METRICS] = { sizeof(struct ctl_metrics), metrics_req },
	[CTL_TENANT_PID] = { sizeof(struct ctl_tenant_pid), tenant_pid_req },
	[CTL_ADMIT] = { sizeof(struct ctl_admit), admit_req },
};

void ctl_run_pending(void)
{
	struct ctl_req *r, *next;
	int any = 0;

	if (!atomic_load_explicit(&queued, memory_order_acquire))
		return;		/* nothing submitted since the last take */
	for (r = take(&requests, &requests_tail); r; r = next) {
		next = r->next;
		if (r->type == 0 || r->type >= CTL_TYPE_MAX || r->len != handlers[r->type].len) {
			log_warn("control: dropped a request of type %u, length %zu", r->type, r->len);
			r->status = -EINVAL;
		} else {
			r->status = handlers[r->type].run ? handlers[r->type].run(r)
				  : handlers[r->type].tenant((struct ctl_tenant *)r);
		}
		pthread_mutex_lock(&lock);
		push(&replies_tail, r);
		pthread_mutex_unlock(&lock);
		any = 1;
	}
	if (any)
		ev_async_send(loop, &replied);
}
