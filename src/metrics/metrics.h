/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /metrics: the Prometheus text format, version 0.0.4.  Every name starts
 * with nuse_.  The API's own counters live here; the rest comes from the
 * dataplane thread in one struct ctl_metrics per scrape.  Control thread
 * only.
 */
#ifndef API_METRICS_H
#define API_METRICS_H

#include <stddef.h>
#include "ctl/ctl.h"

/* One answered request: @route is the route's pattern ("/tenants/{name}"),
 * never the URL itself, so that the label set stays small. */
void metrics_observe(const char *method, const char *route, unsigned int code,
		     double seconds);

/* The whole exposition; malloc'd, @len set. */
char *metrics_render(const struct ctl_metrics *m, size_t *len);

#endif
