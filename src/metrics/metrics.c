// SPDX-License-Identifier: GPL-2.0
/* Prometheus metrics; see metrics.h. */
#include "config.h"

#include <errno.h>
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
struct metrics_out {
	char *buf;
	size_t len, cap;
	int failed;
};

void metrics_put(struct metrics_out *o, const char *fmt, ...)
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

void metrics_head(struct metrics_out *o, const char *name, const char *type,
		  const char *help)
{
	metrics_put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Tenant and vNIC names are checked to [A-Za-z0-9._-], but escape
 * anyway: a label value must never break the format. */
const char *metrics_esc(const char *s, char *buf, size_t size)
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

void metrics_counter(struct metrics_out *o, const char *name, const char *help,
		     unsigned long long v)
{
	metrics_head(o, name, "counter", help);
	metrics_put(o, "%s %llu\n", name, v);
}

void metrics_gauge(struct metrics_out *o, const char *name, const char *help, double v)
{
	metrics_head(o, name, "gauge", help);
	metrics_put(o, "%s %.17g\n", name, v);
}

/* --- collectors --- */

static struct metrics_collector *collectors, **collectors_tail = &collectors;
static int ncollectors;

void metrics_register(struct metrics_collector *c)
{
	c->next = NULL;
	*collectors_tail = c;
	collectors_tail = &c->next;
	ncollectors++;
}

/* Dataplane thread: every collector's snapshot. */
static int scrape_run(struct ctl_req *req)
{
	struct metrics_scrape *s = (struct metrics_scrape *)req;
	struct metrics_collector *c;
	int i, err;

	for (c = collectors, i = 0; c && i < s->n; c = c->next, i++)
		if (c->snapshot && (err = c->snapshot(s->snaps[i])))
			return err;
	return 0;
}

static void scrape_release(struct ctl_req *req)
{
	struct metrics_scrape *s = (struct metrics_scrape *)req;
	struct metrics_collector *c;
	int i;

	for (c = collectors, i = 0; c && i < s->n; c = c->next, i++) {
		if (c->release)
			c->release(s->snaps[i]);
		free(s->snaps[i]);
	}
	free(s->snaps);
	s->snaps = NULL;
	s->n = 0;
}

const struct ctl_op metrics_op = {
	.name = "metrics",
	.len = sizeof(struct metrics_scrape),
	.run = scrape_run,
	.release = scrape_release,
};

int metrics_scrape_init(struct metrics_scrape *s)
{
	struct metrics_collector *c;
	int i;

	s->snaps = calloc(ncollectors + 1, sizeof(*s->snaps));
	if (!s->snaps)
		return -ENOMEM;
	for (c = collectors, i = 0; c; c = c->next, i++) {
		s->snaps[i] = calloc(1, c->size ? c->size : 1);
		if (!s->snaps[i]) {
			s->n = i;
			scrape_release(&s->req);
			return -ENOMEM;
		}
	}
	s->n = ncollectors;
	return 0;
}

char *metrics_render(const struct metrics_scrape *s, size_t *len)
{
	struct metrics_out o = { .cap = 65536 };
	struct metrics_out *out = &o;
	struct metrics_collector *c;
	size_t b;
	int i;

	o.buf = malloc(o.cap);
	if (!o.buf)
		return NULL;
	metrics_head(out, "nuse_build_info", "gauge", "The appliance's version and its kernel's.");
	metrics_put(out, "nuse_build_info{version=\"%s\",kernel=\"%s\"} 1\n", PACKAGE_VERSION,
		    nuse_kernel_release());
	for (c = collectors, i = 0; c && i < s->n; c = c->next, i++)
		c->render(out, s->snaps[i]);

	metrics_head(out, "nuse_api_requests_total", "counter", "API requests answered.");
	for (i = 0; i < ncounters; i++)
		metrics_put(out, "nuse_api_requests_total{method=\"%s\",route=\"%s\",code=\"%u\"} %llu\n",
		    counters[i].method, counters[i].route, counters[i].code, counters[i].n);
	metrics_head(out, "nuse_api_request_duration_seconds", "histogram",
	     "Time from a request's arrival to its answer.");
	for (i = 0; i < nhistograms; i++) {
		const struct histogram *h = &histograms[i];

		for (b = 0; b < NBUCKETS; b++)
			metrics_put(out, "nuse_api_request_duration_seconds_bucket{method=\"%s\","
			    "route=\"%s\",le=\"%g\"} %llu\n", h->method, h->route,
			    buckets[b], h->bucket[b]);
		metrics_put(out, "nuse_api_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
		    "le=\"+Inf\"} %llu\n", h->method, h->route, h->count);
		metrics_put(out, "nuse_api_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.9f\n",
		    h->method, h->route, h->sum);
		metrics_put(out, "nuse_api_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
		    h->method, h->route, h->count);
	}
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}
