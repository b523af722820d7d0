/* SPDX-License-Identifier: GPL-2.0 */
/* The route table (routes.def) and its matcher, also for unit tests. */
#ifndef API_ROUTES_H
#define API_ROUTES_H

#include <microhttpd.h>

struct pending;

#define API_PATH_MAX	1024
#define API_SEG_MAX	16

struct api_route {
	const char *method;
	const char *pattern;		/* as in routes.def, {x*} included */
	enum MHD_Result (*handler)(struct pending *p, char **arg);
};

extern const struct api_route api_routes[];
extern const unsigned int api_nroutes;

/* @path split at its slashes into @seg, in place: the number of parts,
 * or -E2BIG if over @max. */
int api_split(char *path, char *seg[], int max);
/* Whether @seg (n parts, from one api_split()) match @pattern; the
 * parameters into @arg.  A {x*} joins the parts it takes again. */
int api_match(const char *pattern, char *seg[], int n, char *arg[], int maxarg);
/* The route's label in /metrics: the pattern without its stars. */
const char *api_route_label(const struct api_route *r);

#endif
