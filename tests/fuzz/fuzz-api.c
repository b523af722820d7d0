// SPDX-License-Identifier: GPL-2.0
/*
 * The API's JSON bodies, as its handlers take them (src/api/tenants.c):
 * json_loadb() of the body, then each parser a POST or PATCH hands it to
 * (config_tenant for POST /tenants, config_vnic for .../vnics,
 * config_route for .../routes, config_sysctls for PATCH .../sysctls),
 * each into a fresh spec freed as the request's end frees it.  A tenant
 * accepted is also checked as the tenant layer would (tenant_validate),
 * and shown as the API and the state file show it (config_tenant_json);
 * what is shown must parse again to the same object.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void tenant_roundtrip(const struct tenant_spec *t)
{
	struct tenant_spec back = { 0 };
	json_t *shown = config_tenant_json(t), *again;
	char err[512];

	if (!shown)
		abort();
	if (config_tenant(shown, "", &back, err, sizeof(err))) {
		char *s = json_dumps(shown, 0);

		fprintf(stderr, "fuzz-api: a tenant as shown is refused: %s\n%s\n", err, s);
		abort();
	}
	again = config_tenant_json(&back);
	if (!json_equal(shown, again)) {
		fprintf(stderr, "fuzz-api: a tenant as shown reads otherwise\n");
		abort();
	}
	json_decref(again);
	json_decref(shown);
	tenant_spec_free(&back);
}

static void tenant_body(json_t *j)
{
	struct tenant_spec t = { 0 };
	struct tenant_error e;
	char err[512];

	if (!config_tenant(j, "", &t, err, sizeof(err))) {
		if (!tenant_validate(&t, &e))
			tenant_roundtrip(&t);
	}
	tenant_spec_free(&t);
}

/* As the vNIC and route handlers do: one, calloc'd, in the spec. */
static void vnic_body(json_t *j)
{
	struct tenant_spec t = { 0 };
	char err[512];

	t.vnics = calloc(1, sizeof(*t.vnics));
	if (!t.vnics)
		abort();
	t.nvnics = 1;
	config_vnic(j, "", t.vnics, err, sizeof(err));
	tenant_spec_free(&t);
}

static void route_body(json_t *j)
{
	struct tenant_spec t = { 0 };
	char err[512];

	t.routes = calloc(1, sizeof(*t.routes));
	if (!t.routes)
		abort();
	t.nroutes = 1;
	config_route(j, "", t.routes, err, sizeof(err));
	tenant_spec_free(&t);
}

static void sysctls_body(json_t *j)
{
	struct tenant_spec t = { 0 };
	char err[512];

	config_sysctls(j, "", &t, err, sizeof(err));
	tenant_spec_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);

	if (!j)
		return 0;
	tenant_body(j);
	vnic_body(j);
	route_body(j);
	sysctls_body(j);
	json_decref(j);
	return 0;
}
