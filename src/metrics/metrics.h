/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /metrics: the Prometheus text format, version 0.0.4.  Every name starts
 * with nuse_.  Each module that has something to show registers a
 * collector, declared next to its counters: snapshot() copies them on
 * the dataplane thread (which owns the kernel and the dataplane's
 * counters), render() writes them out on the control thread.  One scrape
 * is one control request (metrics_op).  The API's own request counters
 * are kept here, on the control thread.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include "ctl/ctl.h"

/* The exposition being written (a growing buffer). */
struct metrics_out;

void metrics_put(struct metrics_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "# HELP" and "# TYPE" of @name. */
void metrics_head(struct metrics_out *o, const char *name, const char *type,
		  const char *help);
void metrics_counter(struct metrics_out *o, const char *name, const char *help,
		     unsigned long long v);
void metrics_gauge(struct metrics_out *o, const char *name, const char *help, double v);
/* @s as a label value, escaped, in @buf. */
const char *metrics_esc(const char *s, char *buf, size_t size);

struct metrics_collector {
	const char *name;
	size_t size;			/* of its snapshot */
	/* Dataplane thread: fill @snap (@size bytes, zeroed); 0 or -errno.
	 * NULL: nothing to take there. */
	int (*snapshot)(void *snap);
	/* Control thread: the lines, from @snap. */
	void (*render)(struct metrics_out *o, const void *snap);
	/* Control thread: what snapshot() allocated in @snap.  May be NULL. */
	void (*release)(void *snap);
	struct metrics_collector *next;
};

/* Before main(), from the module's own file (METRICS_COLLECTOR): the
 * list is complete before any thread starts and never changes, so both
 * threads read it without a lock. */
void metrics_register(struct metrics_collector *c);
#define METRICS_COLLECTOR(c) \
	static void __attribute__((constructor)) c##_register(void) \
	{ metrics_register(&(c)); }

/* One scrape: submitted with metrics_op, then rendered. */
struct metrics_scrape {
	struct ctl_req req;
	void **snaps;			/* one per collector, in order */
	int n;
};

extern const struct ctl_op metrics_op;

/* Control thread: @s ready to submit; 0 or -ENOMEM. */
int metrics_scrape_init(struct metrics_scrape *s);

/* One answered request: @route is the route's pattern ("/tenants/{name}"),
 * never the URL itself, so that the label set stays small. */
void metrics_observe(const char *method, const char *route, unsigned int code,
		     double seconds);

/* The whole exposition of a scrape; malloc'd, @len set. */
char *metrics_render(const struct metrics_scrape *s, size_t *len);

#endif
