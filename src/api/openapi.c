// SPDX-License-Identifier: GPL-2.0
/*
 * GET /openapi.json: the API's own description.  The document is the
 * source file as it is, built in (api/openapi.h), so what is served is
 * what tests/unit/t-openapi checks against routes.def and what make
 * check validates; nothing is generated from the code at run time.
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "api/openapi.h"

enum MHD_Result api_openapi_get(struct pending *p, char **arg)
{
	/* api_respond() takes a malloc'd body: one copy per request. */
	char *body = malloc(api_openapi_doc_len + 1);

	if (!body)
		return api_problem(p, 503, "out of memory", NULL);
	memcpy(body, api_openapi_doc, api_openapi_doc_len + 1);
	return api_respond(p, 200, "application/json", body, NULL, NULL);
}
