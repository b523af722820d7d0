// SPDX-License-Identifier: GPL-2.0
/*
 * The router: the table of routes.def, matched part by part.  A path
 * that some route has, asked with a method none of them has, is a 405
 * with the Allow header listing those that do; a path no route has is a
 * 404.  The route's label is what /metrics counts the request under
 * ("other" for a 404).
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "api/routes.h"

/*
 * One pass over the table: the first route of @method whose pattern has
 * the path takes the request; the routes of other methods with that
 * path make the Allow header of a 405, the first of them its label.
 */
enum MHD_Result api_route(struct pending *p, const char *url, const char *method)
{
	char buf[API_PATH_MAX], *seg[API_SEG_MAX], *arg[API_SEG_MAX], allow[64] = "";
	const struct api_route *other = NULL, *r;
	int n;

	if (strlen(url) >= sizeof(buf)) {
		p->route = "other";
		return api_problem(p, 404, "no such resource", NULL);
	}
	for (r = api_routes; r < api_routes + api_nroutes; r++) {
		strcpy(buf, url);	/* api_match() joins a {x*} in place */
		n = api_split(buf, seg, API_SEG_MAX);
		if (n < 0 || !api_match(r->pattern, seg, n, arg, API_SEG_MAX))
			continue;
		if (!strcmp(r->method, method)) {
			p->route = api_route_label(r);
			return r->handler(p, arg);
		}
		if (!strstr(allow, r->method))
			snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
				 *allow ? ", " : "", r->method);
		if (!other)
			other = r;
	}
	if (other) {
		p->route = api_route_label(other);
		return api_not_allowed(p, allow);
	}
	p->route = "other";
	return api_problem(p, 404, "no such resource", NULL);
}
