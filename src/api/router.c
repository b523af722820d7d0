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

/* The methods of every route whose pattern has the path of @url: the
 * Allow header.  0 if none has it. */
static int allowed(const char *url, char *allow, size_t size)
{
	char buf[API_PATH_MAX], *seg[API_SEG_MAX], *arg[API_SEG_MAX];
	unsigned int i;
	int n, any = 0;

	*allow = '\0';
	for (i = 0; i < api_nroutes; i++) {
		strcpy(buf, url);
		n = api_split(buf, seg, API_SEG_MAX);
		if (n < 0 || !api_match(api_routes[i].pattern, seg, n, arg, API_SEG_MAX))
			continue;
		if (!strstr(allow, api_routes[i].method))
			snprintf(allow + strlen(allow), size - strlen(allow), "%s%s",
				 any ? ", " : "", api_routes[i].method);
		any = 1;
	}
	return any;
}

enum MHD_Result api_route(struct pending *p, const char *url, const char *method)
{
	char buf[API_PATH_MAX], *seg[API_SEG_MAX], *arg[API_SEG_MAX], allow[64];
	unsigned int i;
	int n;

	if (strlen(url) >= sizeof(buf)) {
		p->route = "other";
		return api_problem(p, 404, "no such resource", NULL);
	}
	for (i = 0; i < api_nroutes; i++) {
		if (strcmp(api_routes[i].method, method))
			continue;
		strcpy(buf, url);
		n = api_split(buf, seg, API_SEG_MAX);
		if (n >= 0 && api_match(api_routes[i].pattern, seg, n, arg, API_SEG_MAX)) {
			p->route = api_route_label(&api_routes[i]);
			return api_routes[i].handler(p, arg);
		}
	}
	if (allowed(url, allow, sizeof(allow))) {
		/* the label of a route of that path: the first */
		for (i = 0; i < api_nroutes; i++) {
			strcpy(buf, url);
			n = api_split(buf, seg, API_SEG_MAX);
			if (n >= 0 && api_match(api_routes[i].pattern, seg, n, arg, API_SEG_MAX))
				break;
		}
		p->route = api_route_label(&api_routes[i]);
		return api_not_allowed(p, allow);
	}
	p->route = "other";
	return api_problem(p, 404, "no such resource", NULL);
}
