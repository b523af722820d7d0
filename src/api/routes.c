// SPDX-License-Identifier: GPL-2.0
/* The table of routes.def; see routes.h. */
#include <string.h>

#include "api/routes.h"

#define API_ROUTE(method, pattern, fn) enum MHD_Result fn(struct pending *p, char **arg);
#include "api/routes.def"

const struct api_route api_routes[] = {
#define API_ROUTE(method, pattern, fn) { #method, pattern, fn },
#include "api/routes.def"
};

const unsigned int api_nroutes = sizeof(api_routes) / sizeof(*api_routes);

#define NROUTES (sizeof(api_routes) / sizeof(*api_routes))

const char *api_route_label(const struct api_route *r)
{
	static char labels[NROUTES][128];
	char *l = labels[r - api_routes];
	const char *s;
	size_t n = 0;

	if (!*l) {
		for (s = r->pattern; *s && n + 1 < sizeof(labels[0]); s++)
			if (*s != '*')
				l[n++] = *s;
		l[n] = '\0';
	}
	return l;
}
