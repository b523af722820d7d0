// SPDX-License-Identifier: GPL-2.0
/* Prometheus metrics; see metrics.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "nuse.h"

static const double buckets[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
#define NBUCKETS (sizeof(buckets) / sizeof(*buckets))

/* The label sets are bounded (methods x route patterns x codes), so a
 * flat array searched linearly is enough. */
#define SERIES_MAX	512

static struct counter {
	const char *method, *route;
	unsigned int code;
	unsigned long long n;
} counters[SERIES_MAX];
static int ncounters;

static struct histogram {
	const char *method, *route;
	unsigned long long bucket[NBUCKETS], count;
	double sum;
} histograms[SERIES_MAX];
static int nhistograms;

static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE",
				       "HEAD", "OPTIONS" };

/* A static string for the method: the label never holds client text. */
static const char *method_label(const char *m)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(*methods); i++)
		if (!strcmp(m, methods[i]))
			return methods[i];
	return "other";
}

void metrics_observe(const char *method, const char *route, unsigned int code,
		     double seconds)
{
	struct counter *c = NULL;
	struct histogram *h = NULL;
	size_t i;
	int k;

	method = method_label(method);
	for (k = 0; k < ncounters; k++)
		if (counters[k].method == method && counters[k].route == route &&
		    counters[k].code == code)
			c = &counters[k];
	if (!c && ncounters < SERIES_MAX) {
		c = &counters[ncounters++];
		*c = (struct counter){ method, route, code, 0 };
	}
	if (c)
		c->n++;
	for (k = 0; k < nhistograms; k++)
		if (histograms[k].method == method && histograms[k].route == route)
			h = &histograms[k];
	if (!h && nhistograms < SERIES_MAX) {
		h = &histograms[nhistograms++];
		memset(h, 0, sizeof(*h));
		h->method = method;
		h->route = route;
	}
	if (!h)
		return;
	for (i = 0; i < NBUCKETS; i++)
		if (seconds <= buckets[i])
			h->bucket[i]++;
	h->count++;
	h->sum += seconds;
}

/* A growing text buffer; on allocation failure it stays short and
 * render returns NULL. */
struct out {
	char *buf;
	size_t len, cap;
	int failed;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		if (o->failed)
			return;
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < o->cap - o->len) {
			o->len += n;
			return;
		}
		o->cap = o->cap * 2 + n;
		char *b = realloc(o->buf, o->cap);

		if (!b) {
			o->failed = 1;
			return;
		}
		o->buf = b;
	}
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Tenant and vNIC names are checked to [A-Za-z0-9._-], but escape
 * anyway: a label value must never break the format. */
static const char *esc(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s && n + 3 < size; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			buf[n++] = '\\';
			buf[n++] = *s == '\n' ? 'n' : *s;
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = '\0';
	return buf;
}

static void vnic_metric(struct out *o, const struct ctl_metrics *m, const char *name,
			const char *help, size_t offset)
{
	char t[2 * TENANT_NAME_MAX + 2], v[2 * IFNAMSIZ + 2];
	int i;

	head(o, name, "counter", help);
	for (i = 0; i < m->nvnics; i++) {
		const struct ctl_metrics_vnic *x = &m->vnics[i];

		put(o, "%s{tenant=\"%s\",vnic=\"%s\"} %llu\n", name,
		    esc(m->tenants[x->tenant], t, sizeof(t)), esc(x->name, v, sizeof(v)),
		    *(const unsigned long long *)((const char *)&x->stats + offset));
	}
}

static void counter(struct out *o, const char *name, const char *help,
		    unsigned long long v)
{
	head(o, name, "counter", help);
	put(o, "%s %llu\n", name, v);
}

static void gauge(struct out *o, const char *name, const char *help, double v)
{
	head(o, name, "gauge", help);
	put(o, "%s %.17g\n", name, v);
}

#define VNIC(o, m, field, help) \
	vnic_metric(o, m, "nuse_vnic_" #field "_total", help, \
		    offsetof(struct nuse_vnic_stats, field))

char *metrics_render(const struct ctl_metrics *m, size_t *len)
{
	struct out o = { .cap = 65536 };
	char t[2 * TENANT_NAME_MAX + 2];
	int i;
	size_t b;

	o.buf = malloc(o.cap);
	if (!o.buf)
		return NULL;
	head(&o, "nuse_build_info", "gauge", "The appliance's version and its kernel's.");
	put(&o, "nuse_build_info{version=\"%s\",kernel=\"%s\"} 1\n", PACKAGE_VERSION,
	    nuse_kernel_release());
	gauge(&o, "nuse_tenants", "Tenants that exist.", m->ntenants);
	VNIC(&o, m, rx_packets, "Frames delivered to the vNIC.");
	VNIC(&o, m, rx_bytes, "Bytes delivered to the vNIC.");
	VNIC(&o, m, rx_dropped, "Frames for the vNIC dropped (ring full or link down).");
	VNIC(&o, m, tx_packets, "Frames the vNIC sent.");
	VNIC(&o, m, tx_bytes, "Bytes the vNIC sent.");
	VNIC(&o, m, tx_dropped, "Frames the vNIC could not send.");
	head(&o, "nuse_conntrack_entries", "gauge", "Connections the tenant's conntrack tracks.");
	for (i = 0; i < m->ntenants; i++)
		if (m->conntrack[i] >= 0)
			put(&o, "nuse_conntrack_entries{tenant=\"%s\"} %lld\n",
			    esc(m->tenants[i], t, sizeof(t)), m->conntrack[i]);

	counter(&o, "nuse_port_rx_packets_total", "Frames the port received.", m->dp.port_ipackets);
	counter(&o, "nuse_port_tx_packets_total", "Frames the port sent.", m->dp.port_opackets);
	counter(&o, "nuse_port_rx_missed_total", "Frames the port dropped: no room in the rx queue.",
		m->dp.port_imissed);
	counter(&o, "nuse_port_rx_errors_total", "Erroneous frames the port received.",
		m->dp.port_ierrors);
	counter(&o, "nuse_port_tx_errors_total", "Frames the port failed to send.", m->dp.port_oerrors);
	counter(&o, "nuse_port_rx_nombuf_total", "Receive failures for want of an mbuf.",
		m->dp.port_rx_nombuf);
	counter(&o, "nuse_dataplane_rx_frames_total", "Frames the dataplane took from the port.",
		m->dp.rx_frames);
	counter(&o, "nuse_dataplane_rx_unknown_total",
		"Unicast frames for no vNIC (dropped).", m->dp.rx_unknown);
	counter(&o, "nuse_dataplane_rx_malformed_total", "Malformed frames dropped.",
		m->dp.rx_malformed);
	counter(&o, "nuse_dataplane_tx_frames_total", "Frames the dataplane gave the port.",
		m->dp.tx_frames);
	counter(&o, "nuse_dataplane_tx_dropped_total", "Frames the port would not take.",
		m->dp.tx_dropped);
	counter(&o, "nuse_dataplane_hairpin_total",
		"Frames from one vNIC to another on the same VLAN, kept off the wire.",
		m->dp.hairpin);
	counter(&o, "nuse_dataplane_hairpin_dropped_total",
		"Local copies dropped: more in one kernel run than the dataplane stages.",
		m->dp.hairpin_dropped);
	counter(&o, "nuse_dataplane_flood_dropped_total",
		"Broadcast and multicast frames from vNICs dropped: more in one kernel run "
		"than the flood budget.", m->dp.flood_dropped);
	counter(&o, "nuse_dataplane_flood_filtered_total",
		"Multicast not delivered to local vNICs: none had joined its group (from a vNIC) or this one had not (from the wire).",
		m->dp.flood_filtered);
	head(&o, "nuse_dataplane_seconds_total", "counter",
	     "Time the dataplane thread spent working (busy) and sleeping (idle).");
	put(&o, "nuse_dataplane_seconds_total{state=\"busy\"} %.9f\n", m->dp.busy_ns / 1e9);
	put(&o, "nuse_dataplane_seconds_total{state=\"idle\"} %.9f\n", m->dp.idle_ns / 1e9);
	gauge(&o, "nuse_kernel_memory_total_bytes", "Memory given to the library kernel.",
	      m->mem_total);
	gauge(&o, "nuse_kernel_memory_used_bytes", "The library kernel's memory in use.",
	      m->mem_total - m->mem_free);
	gauge(&o, "nuse_kernel_memory_free_bytes", "The library kernel's free memory.",
	      m->mem_free);
	gauge(&o, "nuse_kernel_memory_available_bytes", "The library kernel's memory that "
	      "admission counts as available: free, plus what it can reclaim.",
	      m->mem_available);
	gauge(&o, "nuse_kernel_memory_reserve_bytes", "Kernel memory never promised to new "
	      "tenants, vNICs or rulesets (kernel.reserve).", m->mem_reserve);
	gauge(&o, "nuse_kernel_tasks", "The library kernel's tasks: its own, one per tenant, "
	      "two per program using a tenant.", m->tasks);

	head(&o, "nuse_api_requests_total", "counter", "API requests answered.");
	for (i = 0; i < ncounters; i++)
		put(&o, "nuse_api_requests_total{method=\"%s\",route=\"%s\",code=\"%u\"} %llu\n",
		    counters[i].method, counters[i].route, counters[i].code, counters[i].n);
	head(&o, "nuse_api_request_duration_seconds", "histogram",
	     "Time from a request's arrival to its answer.");
	for (i = 0; i < nhistograms; i++) {
		const struct histogram *h = &histograms[i];

		for (b = 0; b < NBUCKETS; b++)
			put(&o, "nuse_api_request_duration_seconds_bucket{method=\"%s\","
			    "route=\"%s\",le=\"%g\"} %llu\n", h->method, h->route,
			    buckets[b], h->bucket[b]);
		put(&o, "nuse_api_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
		    "le=\"+Inf\"} %llu\n", h->method, h->route, h->count);
		put(&o, "nuse_api_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.9f\n",
		    h->method, h->route, h->sum);
		put(&o, "nuse_api_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
		    h->method, h->route, h->count);
	}
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}
