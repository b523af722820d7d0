// SPDX-License-Identifier: GPL-2.0
/*
 * /tenants and what is under it.  Each handler runs twice: first it checks
 * the request and hands it to the dataplane (api_submit()), then, when the
 * answer is back, it shows what the kernel now has.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "iptables/iptables.h"
#include "tenant/klog.h"
#include "conf/conf.h"
#include "conf/state.h"

/* The one table from -errno to HTTP status for tenant requests. */
static unsigned int tenant_status(int err)
{
	switch (err) {
	case -EEXIST: return 409;
	case -ENOENT: case -ENODEV: return 404;
	case -EINVAL: case -ENETUNREACH: case -EADDRNOTAVAIL: case -ERANGE:
	case -EOPNOTSUPP: case -EAFNOSUPPORT: return 422;
	case -EDQUOT: case -ENOMEM: return 507;	/* kernel memory: admission */
	case -ENOSPC: case -ENOBUFS: case -EHOSTDOWN: return 503;
	default: return 500;
	}
}

enum MHD_Result api_tenant_error(struct pending *p)
{
	struct tenant_req *r = &p->u.one;
	unsigned int status = tenant_status(r->req.status);

	return api_problem(p, status, r->error.msg[0] ? r->error.msg : strerror(-r->req.status),
		       r->error.field);
}

static int read_names(struct pending *p, const char *tenant, json_t *extra)
{
	json_t *t = state_tenant(tenant), *sys = json_object_get(t, "sysctls");
	const char *key;
	json_t *v;
	int n = json_object_size(sys) + json_object_size(extra);

	p->names = calloc(n + 1, sizeof(*p->names));
	if (!p->names)
		return -ENOMEM;
	json_object_foreach(sys, key, v)
		snprintf(p->names[p->nnames++].name, TENANT_SYSCTL_MAX, "%s", key);
	json_object_foreach(extra, key, v)
		if (!json_object_get(sys, key))
			snprintf(p->names[p->nnames++].name, TENANT_SYSCTL_MAX, "%s", key);
	p->u.one.read_sysctls = p->names;
	p->u.one.nread_sysctls = p->nnames;
	return 0;
}

enum MHD_Result api_tenant_submit(struct pending *p, const struct ctl_op *op,
				  const char *name, json_t *extra_sysctls)
{
	snprintf(p->u.one.name, sizeof(p->u.one.name), "%s", name);
	if (read_names(p, name, extra_sysctls))
		return api_problem(p, 503, "out of memory", NULL);
	return api_submit(p, op, sizeof(p->u.one));
}

/* --- endpoints --- */

json_t *api_parse_body(struct pending *p, enum MHD_Result *ret)
{
	const char *type = MHD_lookup_connection_value(p->conn, MHD_HEADER_KIND,
						       "Content-Type");
	json_error_t jerr;
	char detail[600];
	json_t *j;

	if (p->too_big) {
		*ret = api_problem(p, 413, "the body is over 64 KiB", NULL);
		return NULL;
	}
	if (!type || strncasecmp(type, "application/json", 16) ||
	    (type[16] && type[16] != ';' && type[16] != ' ')) {
		*ret = api_problem(p, 415, "send application/json", NULL);
		return NULL;
	}
	j = json_loadb(p->body ? p->body : "", p->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		snprintf(detail, sizeof(detail), "line %d, column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		*ret = api_problem(p, 400, detail, NULL);
		return NULL;
	}
	return j;
}

enum MHD_Result api_tenants_get(struct pending *p, char **arg)
{
	if (!p->submitted)
		return api_submit(p, &tenant_op_list, sizeof(p->u.list));
	if (p->u.req.status)
		return api_problem(p, 500, strerror(-p->u.req.status), NULL);
	return api_respond_json(p, 200, json_incref(p->u.list.list), NULL);
}

/* The answer of a change: the status, and what is shown of the tenant. */
static enum MHD_Result changed(struct pending *p, unsigned int status, json_t *show,
			       const char *location)
{
	if (p->state_err) {
		json_decref(show);
		return api_problem(p, 500, "the change is made, but the state file could not "
			       "be written: it will not survive a restart (see the log)", NULL);
	}
	if (status == 204) {
		json_decref(show);
		return api_respond(p, 204, NULL, NULL, NULL, NULL);
	}
	return api_respond_json(p, status, show, location);
}

static int has_rules(const struct tenant_spec *s)
{
	return s->iptables[0] || s->iptables[1] || s->iptables[2];
}

void api_ipt_answered(void *priv, int code, const char *text, const char *err)
{
	struct pending *p = priv;

	p->ipt_code = code;
	p->ipt_family = ipt_done_family();
	p->ipt_text = strdup(code ? err : text);
	api_resume(p);
}

/* The tenant exists: now its rulesets, before it is answered. */
static enum MHD_Result apply_rules(struct pending *p)
{
	struct tenant_spec *s = &p->u.one.spec;
	int err;

	p->stage = 1;
	api_wait(p);
	err = ipt_apply(s->name, s->iptables, api_ipt_answered, p);
	if (err) {
		p->ipt_code = 500;
		api_resume(p);
	}
	return MHD_YES;
}

/* The rulesets failed: the create is undone, then answered 422. */
static enum MHD_Result undo_create(struct pending *p)
{
	json_decref(p->u.one.answer);
	p->u.one.answer = NULL;
	memset(&p->u.one.error, 0, sizeof(p->u.one.error));
	p->stage = 2;
	return api_submit(p, &tenant_op_destroy, sizeof(p->u.one));
}

enum MHD_Result api_tenants_post(struct pending *p, char **arg)
{
	enum MHD_Result ret;
	char err[512], loc[128];
	json_t *j;

	if (p->submitted) {
		if (p->stage == 2)	/* the rulesets failed: the tenant is gone */
			return api_problem(p, 422, p->ipt_text ? p->ipt_text : "the rulesets failed",
					   p->ipt_code != 422 ? NULL :
					   p->ipt_family == IPT_NFT ? "nftables" : "iptables");
		if (p->u.req.status)
			return api_tenant_error(p);
		if (p->stage == 0 && has_rules(&p->u.one.spec))
			return apply_rules(p);
		if (p->stage == 1 && p->ipt_code)
			return undo_create(p);
		snprintf(loc, sizeof(loc), "/tenants/%s", p->u.one.name);
		return changed(p, 201, json_incref(p->u.one.answer), loc);
	}
	if (!(j = api_parse_body(p, &ret)))
		return ret;
	if (config_tenant(j, "", &p->u.one.spec, err, sizeof(err))) {
		json_decref(j);
		return api_invalid(p, err);
	}
	ret = api_tenant_submit(p, &tenant_op_create, p->u.one.spec.name,
			    json_object_get(j, "sysctls"));
	json_decref(j);
	return ret;
}

/* GET answers: the tenant, or a part of it. */
static json_t *find_named(json_t *list, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "name")), name))
			return v;
	return NULL;
}

enum part { WHOLE, VNICS, VNIC, ADDRS, SYSCTLS };

static enum MHD_Result get_part(struct pending *p, const char *name, enum part part,
				const char *vnic, json_t *extra)
{
	json_t *t, *v;

	API_CHECK_TENANT(p, name);
	if (!p->submitted)
		return api_tenant_submit(p, &tenant_op_get, name, extra);
	if (p->u.req.status)
		return api_tenant_error(p);
	t = p->u.one.answer;
	switch (part) {
	case WHOLE:	/* the answer is this request's own: it may be added to */
		json_object_set_new(t, "unsaved", api_unsaved(name, t));
		return api_respond_json(p, 200, json_incref(t), NULL);
	case VNICS:
		return api_respond_json(p, 200, json_incref(json_object_get(t, "vnics")), NULL);
	case SYSCTLS:
		v = json_object_get(t, "sysctls");
		if (json_object_size(v) < (size_t)p->nnames) {
			int i;

			for (i = 0; i < p->nnames; i++)
				if (!json_object_get(v, p->names[i].name))
					return api_problem(p, 404, "no such sysctl", p->names[i].name);
		}
		return api_respond_json(p, 200, json_incref(v), NULL);
	default:
		v = find_named(json_object_get(t, "vnics"), vnic);
		if (!v)
			return api_problem(p, 404, "no such vNIC", "vnic");
		if (part == ADDRS)
			v = json_object_get(v, "addresses");
		return api_respond_json(p, 200, json_incref(v), NULL);
	}
}

enum MHD_Result api_tenant_get(struct pending *p, char **arg)
{
	return get_part(p, arg[0], WHOLE, NULL, NULL);
}

enum MHD_Result api_vnics_get(struct pending *p, char **arg)
{
	return get_part(p, arg[0], VNICS, NULL, NULL);
}

enum MHD_Result api_vnic_get(struct pending *p, char **arg)
{
	return get_part(p, arg[0], VNIC, arg[1], NULL);
}

enum MHD_Result api_addrs_get(struct pending *p, char **arg)
{
	return get_part(p, arg[0], ADDRS, arg[1], NULL);
}

enum MHD_Result api_tenant_delete(struct pending *p, char **arg)
{
	const char *name = arg[0];

	API_CHECK_TENANT(p, name);
	if (!p->submitted)
		return api_tenant_submit(p, &tenant_op_destroy, name, NULL);
	if (p->u.req.status)
		return api_tenant_error(p);
	return changed(p, 204, NULL, NULL);
}

enum MHD_Result api_vnics_post(struct pending *p, char **arg)
{
	struct tenant_spec *s = &p->u.one.spec;
	const char *tenant = arg[0];
	enum MHD_Result ret;
	char err[512], loc[160];
	json_t *j;

	API_CHECK_TENANT(p, tenant);
	if (p->submitted) {
		if (p->u.req.status)
			return api_tenant_error(p);
		snprintf(loc, sizeof(loc), "/tenants/%s/vnics/%s", tenant, s->vnics[0].name);
		return changed(p, 201, json_incref(find_named(json_object_get(p->u.one.answer,
				"vnics"), s->vnics[0].name)), loc);
	}
	if (!(j = api_parse_body(p, &ret)))
		return ret;
	s->vnics = calloc(1, sizeof(*s->vnics));
	if (!s->vnics) {
		json_decref(j);
		return api_problem(p, 503, "out of memory", NULL);
	}
	s->nvnics = 1;
	if (config_vnic(j, "", s->vnics, err, sizeof(err))) {
		json_decref(j);
		return api_invalid(p, err);
	}
	json_decref(j);
	return api_tenant_submit(p, &tenant_op_vnic_add, tenant, NULL);
}

enum MHD_Result api_vnic_delete(struct pending *p, char **arg)
{
	const char *tenant = arg[0], *vnic = arg[1];

	API_CHECK_TENANT(p, tenant);
	if (!p->submitted) {
		if (strlen(vnic) >= IFNAMSIZ)
			return api_problem(p, 404, "no such vNIC", "vnic");
		strcpy(p->u.one.vnic, vnic);
		return api_tenant_submit(p, &tenant_op_vnic_del, tenant, NULL);
	}
	if (p->u.req.status)
		return api_tenant_error(p);
	return changed(p, 204, NULL, NULL);
}

/* POST .../addresses {"address": "192.0.2.1/24"}; DELETE .../addresses/ADDR. */
static enum MHD_Result addr_change(struct pending *p, const char *tenant,
				   const char *vnic, const char *addr)
{
	struct tenant_spec *s = &p->u.one.spec;
	enum MHD_Result ret;
	char loc[256];
	json_t *j = NULL, *a = NULL;
	int add = !addr;

	API_CHECK_TENANT(p, tenant);
	if (p->submitted) {
		if (p->u.req.status)
			return api_tenant_error(p);
		if (addr)
			return changed(p, 204, NULL, NULL);
		snprintf(loc, sizeof(loc), "/tenants/%s/vnics/%s/addresses/%s", tenant, vnic,
			 p->addr);
		return changed(p, 201, json_incref(json_object_get(find_named(
			json_object_get(p->u.one.answer, "vnics"), vnic), "addresses")), loc);
	}
	if (strlen(vnic) >= IFNAMSIZ)
		return api_problem(p, 404, "no such vNIC", "vnic");
	if (!addr) {
		if (!(j = api_parse_body(p, &ret)))
			return ret;
		a = json_object_get(j, "address");
		if (!json_is_object(j) || json_object_size(j) != 1 || !json_is_string(a)) {
			json_decref(j);
			return api_problem(p, 422, "the body is {\"address\": \"ADDRESS/PREFIX\"}",
				       "address");
		}
	}
	s->vnics = calloc(1, sizeof(*s->vnics));
	if (s->vnics)
		s->vnics[0].addrs = calloc(1, sizeof(*s->vnics[0].addrs));
	if (!s->vnics || !s->vnics[0].addrs) {
		json_decref(j);
		return api_problem(p, 503, "out of memory", NULL);
	}
	s->nvnics = 1;
	s->vnics[0].naddrs = 1;
	strcpy(s->vnics[0].name, vnic);
	if (add) {
		addr = json_string_value(a);
		snprintf(p->addr, sizeof(p->addr), "%s", addr);
	}
	if (tenant_parse_prefix(addr, &s->vnics[0].addrs[0]) || !strchr(addr, '/')) {
		char detail[160];

		snprintf(detail, sizeof(detail), "\"%.100s\" is not an address/prefix", addr);
		json_decref(j);
		return api_problem(p, 422, detail, "address");
	}
	json_decref(j);
	return api_tenant_submit(p, add ? &tenant_op_addr_add : &tenant_op_addr_del, tenant, NULL);
}

enum MHD_Result api_addrs_post(struct pending *p, char **arg)
{
	return addr_change(p, arg[0], arg[1], NULL);
}

enum MHD_Result api_addr_delete(struct pending *p, char **arg)
{
	return addr_change(p, arg[0], arg[1], arg[2]);
}

static int query_table(struct pending *p, unsigned int *table)
{
	const char *t = MHD_lookup_connection_value(p->conn, MHD_GET_ARGUMENT_KIND, "table");
	char *end;
	unsigned long v;

	*table = 0;
	if (!t || !strcmp(t, "main"))
		return 0;
	if (!strcmp(t, "local")) {
		*table = 255;
		return 0;
	}
	v = strtoul(t, &end, 10);
	if (*end || !*t || v == 0 || v > 0x7fffffff)
		return -EINVAL;
	*table = v == 254 ? 0 : v;
	return 0;
}

enum MHD_Result api_routes_get(struct pending *p, char **arg)
{
	struct tenant_spec *s = &p->u.one.spec;
	const char *tenant = arg[0];
	unsigned int table;

	API_CHECK_TENANT(p, tenant);
	if (p->submitted) {
		if (p->u.req.status)
			return api_tenant_error(p);
		return api_respond_json(p, 200, json_incref(p->u.one.answer), NULL);
	}
	if (query_table(p, &table))
		return api_problem(p, 422, "table is main, local or 1-2147483647", "table");
	if (MHD_lookup_connection_value(p->conn, MHD_GET_ARGUMENT_KIND, "table")) {
		s->routes = calloc(1, sizeof(*s->routes));
		if (!s->routes)
			return api_problem(p, 503, "out of memory", NULL);
		s->nroutes = 1;
		s->routes[0].table = table ? table : 254;
	}
	return api_tenant_submit(p, &tenant_op_routes, tenant, NULL);
}

/* POST .../routes with a route object; DELETE .../routes/DST[?table=N]. */
static enum MHD_Result route_change(struct pending *p, const char *tenant, const char *dst)
{
	struct tenant_spec *s = &p->u.one.spec;
	enum MHD_Result ret;
	char err[512];
	json_t *j;

	API_CHECK_TENANT(p, tenant);
	if (p->submitted) {
		if (p->u.req.status)
			return api_tenant_error(p);
		if (dst)
			return changed(p, 204, NULL, NULL);
		return changed(p, 201, json_incref(json_object_get(p->u.one.answer, "routes")),
			       NULL);
	}
	s->routes = calloc(1, sizeof(*s->routes));
	if (!s->routes)
		return api_problem(p, 503, "out of memory", NULL);
	s->nroutes = 1;
	if (dst) {
		if (tenant_parse_prefix(dst, &s->routes[0].dst))
			return api_problem(p, 404, "no such route (give DESTINATION/PREFIX)", "dst");
		if (query_table(p, &s->routes[0].table) || s->routes[0].table == 255)
			return api_problem(p, 422, "table is main or 1-2147483647", "table");
		return api_tenant_submit(p, &tenant_op_route_del, tenant, NULL);
	}
	if (!(j = api_parse_body(p, &ret)))
		return ret;
	if (config_route(j, "", s->routes, err, sizeof(err))) {
		json_decref(j);
		return api_invalid(p, err);
	}
	json_decref(j);
	return api_tenant_submit(p, &tenant_op_route_add, tenant, NULL);
}

enum MHD_Result api_routes_post(struct pending *p, char **arg)
{
	return route_change(p, arg[0], NULL);
}

enum MHD_Result api_route_delete(struct pending *p, char **arg)
{
	return route_change(p, arg[0], arg[1]);
}

enum MHD_Result api_sysctls_patch(struct pending *p, char **arg)
{
	struct tenant_spec *s = &p->u.one.spec;
	const char *tenant = arg[0];
	enum MHD_Result ret;
	char err[512];
	json_t *j;

	API_CHECK_TENANT(p, tenant);
	if (p->submitted) {
		if (p->u.req.status)
			return api_tenant_error(p);
		return changed(p, 200, json_incref(json_object_get(p->u.one.answer, "sysctls")),
			       NULL);
	}
	if (!(j = api_parse_body(p, &ret)))
		return ret;
	if (config_sysctls(j, "", s, err, sizeof(err))) {
		json_decref(j);
		return api_invalid(p, err);
	}
	if (!s->nsysctls) {
		json_decref(j);
		return api_problem(p, 422, "no sysctl to set", NULL);
	}
	ret = api_tenant_submit(p, &tenant_op_sysctl_set, tenant, j);
	json_decref(j);
	return ret;
}

static enum MHD_Result add_name(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	if (!strcmp(key, "name") && value)
		json_object_set_new(cls, value, json_true());
	return MHD_YES;
}

enum MHD_Result api_sysctls_get(struct pending *p, char **arg)
{
	const char *tenant = arg[0], *key;
	json_t *names, *v;
	enum MHD_Result ret;

	if (p->submitted)
		return get_part(p, tenant, SYSCTLS, NULL, NULL);
	names = json_object();
	MHD_get_connection_values(p->conn, MHD_GET_ARGUMENT_KIND, add_name, names);
	json_object_foreach(names, key, v) {
		/* Only the net tree is a tenant's own (as for PATCH). */
		if (strlen(key) >= TENANT_SYSCTL_MAX ||
		    (strncmp(key, "net.", 4) && strncmp(key, "net/", 4))) {
			ret = api_problem(p, 422, "not a tenant's sysctl (only net.* are)", key);
			json_decref(names);
			return ret;
		}
	}
	ret = get_part(p, tenant, SYSCTLS, NULL, names);
	json_decref(names);
	return ret;
}

enum MHD_Result api_stats_get(struct pending *p, char **arg)
{
	const char *tenant = arg[0];

	API_CHECK_TENANT(p, tenant);
	if (!p->submitted)
		return api_tenant_submit(p, &tenant_op_stats, tenant, NULL);
	if (p->u.req.status)
		return api_tenant_error(p);
	return api_respond_json(p, 200, json_incref(p->u.one.answer), NULL);
}

/* GET .../links: every link of the tenant's namespace, as the kernel has it. */
enum MHD_Result api_links_get(struct pending *p, char **arg)
{
	API_CHECK_TENANT(p, arg[0]);
	if (!p->submitted)
		return api_tenant_submit(p, &tenant_op_links, arg[0], NULL);
	if (p->u.req.status)
		return api_tenant_error(p);
	return api_respond_json(p, 200, json_incref(p->u.one.answer), NULL);
}

/* GET /tenants/NAME/log: the lines its namespace's kernel logged (its
 * netfilter LOG and nft log rules), oldest first (tenant/klog.c). */
enum MHD_Result api_tenant_log_get(struct pending *p, char **arg)
{
	char *text;
	size_t len;
	int err;

	API_CHECK_TENANT(p, arg[0]);
	if (!state_tenant(arg[0]))
		return api_problem(p, 404, "no such tenant", "name");
	err = klog_read(arg[0], &text, &len);
	if (err == -ENOENT)	/* in the state, not yet (or no more) in the kernel */
		text = strdup(""), err = text ? 0 : -ENOMEM;
	if (err)
		return api_problem(p, 500, strerror(-err), NULL);
	return api_respond(p, 200, "text/plain; charset=utf-8", text, NULL, NULL);
}
