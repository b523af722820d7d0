// SPDX-License-Identifier: GPL-2.0
/*
 * What /metrics shows of the tenants and of the kernel that holds them:
 * per-vNIC counters, conntrack sizes, the kernel's memory and tasks.
 * Snapshots on the dataplane thread, lines on the control thread
 * (metrics.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nuse_host.h"

#include "metrics/metrics.h"
#include "tenant/admit.h"
#include "tenant/sysctl.h"
#include "tenant/tenant.h"

struct vnic_snap {
	int tenant;			/* index in tenants */
	char name[IFNAMSIZ];
	struct nuse_vnic_stats stats;
};

struct tenants_snap {
	int ntenants, nvnics;
	char (*tenants)[TENANT_NAME_MAX + 1];
	long long *conntrack;		/* per tenant; -1 unknown */
	struct vnic_snap *vnics;
};

static int tenants_snapshot(void *snap)
{
	struct tenants_snap *m = snap;
	struct tenant *t = NULL;
	char buf[64];
	int i, nv = 0;

	m->ntenants = tenant_count();
	while ((t = tenant_next(t)))
		nv += tenant_nvnics(t);
	m->tenants = calloc(m->ntenants + 1, sizeof(*m->tenants));
	m->conntrack = calloc(m->ntenants + 1, sizeof(*m->conntrack));
	m->vnics = calloc(nv + 1, sizeof(*m->vnics));
	if (!m->tenants || !m->conntrack || !m->vnics) {
		m->ntenants = 0;
		return -ENOMEM;
	}
	for (i = 0, t = NULL; (t = tenant_next(t)) && i < m->ntenants; i++) {
		int j;

		snprintf(m->tenants[i], sizeof(m->tenants[i]), "%s", tenant_name(t));
		m->conntrack[i] = sysctl_get(tenant_pid(t), "net.netfilter.nf_conntrack_count",
					     buf, sizeof(buf)) ? -1 : strtoll(buf, NULL, 10);
		for (j = 0; j < tenant_nvnics(t) && m->nvnics < nv; j++) {
			struct vnic_snap *v = &m->vnics[m->nvnics];
			const char *name = tenant_vnic_spec(t, j)->name;

			v->tenant = i;
			snprintf(v->name, sizeof(v->name), "%s", name);
			if (nuse_vnic_stats(tenant_vnic_id(t, name), &v->stats) == 0)
				m->nvnics++;
		}
	}
	return 0;
}

static void vnic_metric(struct metrics_out *o, const struct tenants_snap *m, const char *name,
			const char *help, size_t offset)
{
	char t[2 * TENANT_NAME_MAX + 2], v[2 * IFNAMSIZ + 2];
	int i;

	metrics_head(o, name, "counter", help);
	for (i = 0; i < m->nvnics; i++) {
		const struct vnic_snap *x = &m->vnics[i];

		metrics_put(o, "%s{tenant=\"%s\",vnic=\"%s\"} %llu\n", name,
			    metrics_esc(m->tenants[x->tenant], t, sizeof(t)),
			    metrics_esc(x->name, v, sizeof(v)),
			    *(const unsigned long long *)((const char *)&x->stats + offset));
	}
}

#define VNIC(o, m, field, help) \
	vnic_metric(o, m, "nuse_vnic_" #field "_total", help, \
		    offsetof(struct nuse_vnic_stats, field))

static void tenants_render(struct metrics_out *o, const void *snap)
{
	const struct tenants_snap *m = snap;
	char t[2 * TENANT_NAME_MAX + 2];
	int i;

	metrics_gauge(o, "nuse_tenants", "Tenants that exist.", m->ntenants);
	VNIC(o, m, rx_packets, "Frames delivered to the vNIC.");
	VNIC(o, m, rx_bytes, "Bytes delivered to the vNIC.");
	VNIC(o, m, rx_dropped, "Frames for the vNIC dropped (ring full or link down).");
	VNIC(o, m, rx_peer_packets, "Of the frames delivered, those a vNIC of the same "
	     "appliance sent it (hairpinned, super-frames whole).");
	VNIC(o, m, rx_peer_dropped, "Of the frames dropped, those from a local vNIC "
	     "(the receiving CPU's backlog was full, or the vNIC was down).");
	VNIC(o, m, rx_shed, "Of the frames dropped, those the dataplane shed before the "
	     "kernel: the vNIC was over its share of a saturated worker.");
	VNIC(o, m, tx_packets, "Frames the vNIC sent.");
	VNIC(o, m, tx_bytes, "Bytes the vNIC sent.");
	VNIC(o, m, tx_dropped, "Frames the vNIC could not send.");
	metrics_head(o, "nuse_conntrack_entries", "gauge",
		     "Connections the tenant's conntrack tracks.");
	for (i = 0; i < m->ntenants; i++)
		if (m->conntrack[i] >= 0)
			metrics_put(o, "nuse_conntrack_entries{tenant=\"%s\"} %lld\n",
				    metrics_esc(m->tenants[i], t, sizeof(t)), m->conntrack[i]);
}

static void tenants_release(void *snap)
{
	struct tenants_snap *m = snap;

	free(m->tenants);
	free(m->conntrack);
	free(m->vnics);
}

static struct metrics_collector tenants_collector = {
	.name = "tenants",
	.size = sizeof(struct tenants_snap),
	.snapshot = tenants_snapshot,
	.render = tenants_render,
	.release = tenants_release,
};
METRICS_COLLECTOR(tenants_collector);

/* --- the kernel's memory and tasks --- */

struct kernel_snap {
	struct admit_mem mem;
	long tasks;			/* all tenants' threads and the kernel's own */
	long host_tasks;		/* those that take the host's calls */
	unsigned long long slab_live;
	int slab_ok;
};

static int kernel_snapshot(void *snap)
{
	struct kernel_snap *k = snap;
	char buf[256], *p;

	/* "0.00 0.00 0.00 RUNNING/TASKS LASTPID" */
	if (proc_read(1, "/proc/loadavg", buf, sizeof(buf)) > 0 && (p = strchr(buf, '/')))
		k->tasks = strtol(p + 1, NULL, 10);
	k->host_tasks = nuse_call0(1, NUSE_CALL_TASK_COUNT);
	if (admit_read(&k->mem))
		memset(&k->mem, 0, sizeof(k->mem));
	k->slab_ok = !admit_read_slab_live(&k->slab_live);
	return 0;
}

static void kernel_render(struct metrics_out *o, const void *snap)
{
	const struct kernel_snap *k = snap;

	metrics_gauge(o, "nuse_kernel_memory_total_bytes", "Memory given to the library kernel.",
		      k->mem.total);
	metrics_gauge(o, "nuse_kernel_memory_used_bytes", "The library kernel's memory in use.",
		      k->mem.total - k->mem.free);
	metrics_gauge(o, "nuse_kernel_memory_free_bytes", "The library kernel's free memory.",
		      k->mem.free);
	metrics_gauge(o, "nuse_kernel_memory_available_bytes", "The library kernel's memory "
		      "that admission counts as available: free, plus what it can reclaim.",
		      k->mem.available);
	metrics_gauge(o, "nuse_kernel_memory_slab_reclaimable_bytes", "The library kernel's "
		      "slab memory it can reclaim (dentry and inode caches).", k->mem.slab_reclaimable);
	metrics_gauge(o, "nuse_kernel_memory_slab_unreclaimable_bytes", "The library kernel's "
		      "slab memory it cannot reclaim.", k->mem.slab_unreclaimable);
	if (k->slab_ok)
		metrics_gauge(o, "nuse_kernel_slab_objects_bytes", "Bytes in the library kernel's "
			      "live slab objects (/proc/slabinfo: active objects times their size); "
			      "unlike the slab pages, it moves only with what is allocated.",
			      k->slab_live);
	metrics_gauge(o, "nuse_kernel_memory_percpu_bytes", "The library kernel's per-CPU "
		      "allocator chunks.", k->mem.percpu);
	metrics_gauge(o, "nuse_kernel_memory_reserve_bytes", "Kernel memory never promised to "
		      "new tenants, vNICs or rulesets (kernel.reserve).", k->mem.reserve);
	metrics_gauge(o, "nuse_kernel_tasks", "The library kernel's tasks: its own, one per "
		      "tenant, two per program using a tenant.", k->tasks);
	if (k->host_tasks >= 0)
		metrics_gauge(o, "nuse_kernel_host_tasks", "The library kernel's tasks that take "
			      "the appliance's calls: init, one per tenant, two per program using "
			      "a tenant (not the kernel's own threads, whose number varies with "
			      "its CPUs' work).", k->host_tasks);
}

static struct metrics_collector kernel_collector = {
	.name = "kernel",
	.size = sizeof(struct kernel_snap),
	.snapshot = kernel_snapshot,
	.render = kernel_render,
};
METRICS_COLLECTOR(kernel_collector);
