// SPDX-License-Identifier: GPL-2.0
/* The HTTP JSON API; see api.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <jansson.h>
#include <microhttpd.h>

#include "api.h"
#include "ctl.h"
#include "log.h"
#include "metrics.h"
#include "nuse.h"
#include "state.h"

#define BODY_MAX	(64 * 1024)
#define TOKEN_MAX	4096
#define IDEM_KEY_MAX	255
#define IDEM_MAX	4096		/* keys remembered */
#define IDEM_TTL	(24 * 3600.)	/* seconds a key is remembered */

static struct MHD_Daemon *mhd;
static struct ev_loop *loop;
static ev_io mhd_io;
static ev_timer mhd_timer;
static enum api_phase phase = API_STARTING;
static char *token;
static size_t token_len;
static int inflight;
static void (*idle_fn)(void);

static void api_pump(void);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Idempotency-Key: a POST retried with the key of one already answered
 * gets the first answer again, not a conflict.  The same key with another
 * request is 422; while the first is still running, 409.  Answers 5xx are
 * not remembered, so that a retry runs again.
 */
struct idem {
	struct idem *next;
	char key[IDEM_KEY_MAX + 1];
	unsigned long long hash;	/* of the URL and the body */
	double at;
	int done;
	unsigned int status;
	char *type, *body, *location;
};

static struct idem *idems;
static int nidems;

static unsigned long long fnv(unsigned long long h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static void idem_free(struct idem *k)
{
	free(k->type);
	free(k->body);
	free(k->location);
	free(k);
}

static void idem_remove(struct idem *k)
{
	struct idem **pp;

	for (pp = &idems; *pp; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			nidems--;
			idem_free(k);
			return;
		}
}

/* Forget keys past their time, and the oldest answered one when full.
 * New keys go to the front, so the oldest are at the end. */
static void idem_expire(void)
{
	double limit = now() - IDEM_TTL;
	struct idem **pp, *k, **oldest = NULL;

	for (pp = &idems; (k = *pp);) {
		if (k->done && k->at < limit) {
			*pp = k->next;
			nidems--;
			idem_free(k);
			continue;
		}
		if (k->done)
			oldest = pp;
		pp = &k->next;
	}
	if (nidems >= IDEM_MAX && oldest) {
		k = *oldest;
		*oldest = k->next;
		nidems--;
		idem_free(k);
	}
}

static struct idem *idem_find(const char *key)
{
	struct idem *k;

	for (k = idems; k; k = k->next)
		if (!strcmp(k->key, key))
			return k;
	return NULL;
}

static void idem_record(struct idem *k, unsigned int status, const char *type,
			const char *body, const char *location)
{
	if (status >= 500) {
		idem_remove(k);
		return;
	}
	k->done = 1;
	k->at = now();
	k->status = status;
	k->type = type ? strdup(type) : NULL;
	k->body = body ? strdup(body) : NULL;
	k->location = location ? strdup(location) : NULL;
}

/* A request in progress: its body, and the control request that waits
 * for the dataplane while its connection is suspended. */
struct pending {
	union {
		struct ctl_req req;
		struct ctl_tenant_list list;
		struct ctl_tenant one;
		struct ctl_metrics metrics;
	} u;
	struct MHD_Connection *conn;
	char method[8];
	const char *route;		/* the pattern, for metrics */
	double t0;
	unsigned int status;		/* answered with */
	char *body;
	size_t body_len;
	int too_big;
	int submitted;
	int state_err;			/* the state file could not be written */
	struct idem *idem;
	struct tenant_sysctl *names;	/* sysctls to read back */
	int nnames;
	char addr[64];			/* POST .../addresses: for Location */
};

/* Every answer goes through here: metrics and Idempotency-Key see it. */
static enum MHD_Result respond(struct pending *p, unsigned int status, const char *type,
			       char *body, const char *location, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (p->idem) {
		idem_record(p->idem, status, type, body, location);
		p->idem = NULL;
	}
	r = body ? MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE)
		 : MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	if (type)
		MHD_add_response_header(r, "Content-Type", type);
	if (location)
		MHD_add_response_header(r, "Location", location);
	if (allow)
		MHD_add_response_header(r, "Allow", allow);
	if (status == 503)
		MHD_add_response_header(r, "Retry-After", "1");
	if (status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"nuse-appliance\"");
	p->status = status;
	ret = MHD_queue_response(p->conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_json(struct pending *p, unsigned int status, json_t *j,
				    const char *location)
{
	char *body = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	json_decref(j);
	if (!body)
		return MHD_NO;
	return respond(p, status, "application/json", body, location, NULL);
}

static const char *status_title(unsigned int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/* RFC 9457 problem details; @field names the offending one, if any. */
static enum MHD_Result problem_allow(struct pending *p, unsigned int status,
				     const char *detail, const char *field,
				     const char *allow)
{
	json_t *j = json_pack("{s:s,s:s,s:i,s:s}", "type", "about:blank",
			      "title", status_title(status), "status", status,
			      "detail", detail);
	char *body;

	if (field && *field)
		json_object_set_new(j, "field", json_string(field));
	body = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!body)
		return MHD_NO;
	return respond(p, status, "application/problem+json", body, NULL, allow);
}

static enum MHD_Result problem(struct pending *p, unsigned int status,
			       const char *detail, const char *field)
{
	return problem_allow(p, status, detail, field, NULL);
}

static enum MHD_Result not_allowed(struct pending *p, const char *allow)
{
	return problem_allow(p, 405, "see the Allow header", NULL, allow);
}

/* A parse error "WHERE: WHAT" from conf.c, as a 422 naming WHERE. */
static enum MHD_Result invalid(struct pending *p, const char *err)
{
	char field[128];
	const char *colon = strstr(err, ": ");
	size_t n = colon ? (size_t)(colon - err) : 0;

	if (*err == '.') {		/* a sub-resource: relative to the body */
		err++;
		n = n ? n - 1 : 0;
	}
	if (n >= sizeof(field))
		n = sizeof(field) - 1;
	memcpy(field, err, n);
	field[n] = '\0';
	return problem(p, 422, err, field);
}

/* The one table from -errno to HTTP status for tenant requests. */
static unsigned int tenant_status(int err)
{
	switch (err) {
	case -EEXIST: return 409;
	case -ENOENT: case -ENODEV: return 404;
	case -EINVAL: case -ENETUNREACH: case -EADDRNOTAVAIL: case -ERANGE:
	case -EOPNOTSUPP: case -EAFNOSUPPORT: return 422;
	case -ENOMEM: case -ENOSPC: case -ENOBUFS: return 503;
	default: return 500;
	}
}

static enum MHD_Result tenant_error(struct pending *p)
{
	struct ctl_tenant *r = &p->u.one;
	unsigned int status = tenant_status(r->req.status);

	return problem(p, status, r->error.msg[0] ? r->error.msg : strerror(-r->req.status),
		       r->error.field);
}

static void on_answer(struct ctl_req *req);

static enum MHD_Result submit(struct pending *p, unsigned int type, size_t len)
{
	p->u.req.type = type;
	p->u.req.len = len;
	p->u.req.done = on_answer;
	p->submitted = 1;
	MHD_suspend_connection(p->conn);
	inflight++;
	if (ctl_submit(&p->u.req)) {
		inflight--;
		MHD_resume_connection(p->conn);
		p->u.req.status = -EIO;
	}
	return MHD_YES;
}

/* The sysctls a tenant's answers read back: those its state names, and
 * @extra. */
static int read_names(struct pending *p, const char *tenant, json_t *extra)
{
	json_t *t = state_tenant(tenant), *sys = json_object_get(t, "sysctls");
	const char *key;
	json_t *v;
	int n = json_object_size(sys) + json_object_size(extra);

	p->names = calloc(n + 1, sizeof(*p->names));
	if (!p->names)
		return -1;
	json_object_foreach(sys, key, v)
		snprintf(p->names[p->nnames++].name, TENANT_SYSCTL_MAX, "%s", key);
	json_object_foreach(extra, key, v)
		if (!json_object_get(sys, key))
			snprintf(p->names[p->nnames++].name, TENANT_SYSCTL_MAX, "%s", key);
	p->u.one.read_sysctls = p->names;
	p->u.one.nread_sysctls = p->nnames;
	return 0;
}

static enum MHD_Result tenant_submit(struct pending *p, unsigned int type,
				     const char *name, json_t *extra_sysctls)
{
	snprintf(p->u.one.name, sizeof(p->u.one.name), "%s", name);
	if (read_names(p, name, extra_sysctls))
		return problem(p, 503, "out of memory", NULL);
	return submit(p, type, sizeof(p->u.one));
}

/* --- the state file follows every change, in the order they happened --- */

/* Make the state follow the change @r made; written at once if @save. */
static int state_follow(struct ctl_tenant *r, int save)
{
	switch (r->req.type) {
	case CTL_TENANT_CREATE:
		if (r->spec.nneighs) {
			json_t *spec = config_tenant_json(&r->spec);

			json_object_set(r->answer, "neighbours",
					json_object_get(spec, "neighbours"));
			json_decref(spec);
		}
		/* fall through */
	case CTL_VNIC_ADD: case CTL_VNIC_DEL: case CTL_ADDR_ADD: case CTL_ADDR_DEL:
	case CTL_ROUTE_ADD: case CTL_ROUTE_DEL: case CTL_SYSCTL_SET:
		state_update(r->name, r->answer);
		break;
	case CTL_TENANT_DESTROY:
		state_update(r->name, NULL);
		break;
	default:
		return 0;
	}
	return save ? state_save() : 0;
}

static void on_answer(struct ctl_req *req)
{
	struct pending *p = (struct pending *)req;

	if (!req->status)
		p->state_err = state_follow(&p->u.one, 1);
	inflight--;
	MHD_resume_connection(p->conn);
	api_pump();
	if (!inflight && idle_fn)
		idle_fn();
}

/* --- endpoints --- */

static json_t *parse_body(struct pending *p, enum MHD_Result *ret)
{
	const char *type = MHD_lookup_connection_value(p->conn, MHD_HEADER_KIND,
						       "Content-Type");
	json_error_t jerr;
	char detail[600];
	json_t *j;

	if (p->too_big) {
		*ret = problem(p, 413, "the body is over 64 KiB", NULL);
		return NULL;
	}
	if (!type || strncasecmp(type, "application/json", 16) ||
	    (type[16] && type[16] != ';' && type[16] != ' ')) {
		*ret = problem(p, 415, "send application/json", NULL);
		return NULL;
	}
	j = json_loadb(p->body ? p->body : "", p->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		snprintf(detail, sizeof(detail), "line %d, column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		*ret = problem(p, 400, detail, NULL);
		return NULL;
	}
	return j;
}

static enum MHD_Result tenants_list(struct pending *p)
{
	if (!p->submitted)
		return submit(p, CTL_TENANT_LIST, sizeof(p->u.list));
	if (p->u.req.status)
		return problem(p, 500, strerror(-p->u.req.status), NULL);
	return respond_json(p, 200, json_incref(p->u.list.list), NULL);
}

/* The answer of a change: the status, and what is shown of the tenant. */
static enum MHD_Result changed(struct pending *p, unsigned int status, json_t *show,
			       const char *location)
{
	if (p->state_err) {
		json_decref(show);
		return problem(p, 500, "the change is made, but the state file could not "
			       "be written: it will not survive a restart (see the log)", NULL);
	}
	if (status == 204) {
		json_decref(show);
		return respond(p, 204, NULL, NULL, NULL, NULL);
	}
	return respond_json(p, status, show, location);
}

static enum MHD_Result tenant_post(struct pending *p)
{
	enum MHD_Result ret;
	char err[512], loc[128];
	json_t *j;

	if (p->submitted) {
		if (p->u.req.status)
			return tenant_error(p);
		snprintf(loc, sizeof(loc), "/tenants/%s", p->u.one.name);
		return changed(p, 201, json_incref(p->u.one.answer), loc);
	}
	if (!(j = parse_body(p, &ret)))
		return ret;
	if (config_tenant(j, "", &p->u.one.spec, err, sizeof(err))) {
		json_decref(j);
		return invalid(p, err);
	}
	ret = tenant_submit(p, CTL_TENANT_CREATE, p->u.one.spec.name,
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

static enum MHD_Result tenant_get(struct pending *p, const char *name, enum part part,
				  const char *vnic, json_t *extra)
{
	json_t *t, *v;

	if (!p->submitted)
		return tenant_submit(p, CTL_TENANT_GET, name, extra);
	if (p->u.req.status)
		return tenant_error(p);
	t = p->u.one.answer;
	switch (part) {
	case WHOLE:
		return respond_json(p, 200, json_incref(t), NULL);
	case VNICS:
		return respond_json(p, 200, json_incref(json_object_get(t, "vnics")), NULL);
	case SYSCTLS:
		v = json_object_get(t, "sysctls");
		if (json_object_size(v) < (size_t)p->nnames) {
			int i;

			for (i = 0; i < p->nnames; i++)
				if (!json_object_get(v, p->names[i].name))
					return problem(p, 404, "no such sysctl", p->names[i].name);
		}
		return respond_json(p, 200, json_incref(v), NULL);
	default:
		v = find_named(json_object_get(t, "vnics"), vnic);
		if (!v)
			return problem(p, 404, "no such vNIC", "vnic");
		if (part == ADDRS)
			v = json_object_get(v, "addresses");
		return respond_json(p, 200, json_incref(v), NULL);
	}
}

static enum MHD_Result tenant_delete(struct pending *p, const char *name)
{
	if (!p->submitted)
		return tenant_submit(p, CTL_TENANT_DESTROY, name, NULL);
	if (p->u.req.status)
		return tenant_error(p);
	return changed(p, 204, NULL, NULL);
}

static enum MHD_Result vnic_post(struct pending *p, const char *tenant)
{
	struct tenant_spec *s = &p->u.one.spec;
	enum MHD_Result ret;
	char err[512], loc[160];
	json_t *j;

	if (p->submitted) {
		if (p->u.req.status)
			return tenant_error(p);
		snprintf(loc, sizeof(loc), "/tenants/%s/vnics/%s", tenant, s->vnics[0].name);
		return changed(p, 201, json_incref(find_named(json_object_get(p->u.one.answer,
				"vnics"), s->vnics[0].name)), loc);
	}
	if (!(j = parse_body(p, &ret)))
		return ret;
	s->vnics = calloc(1, sizeof(*s->vnics));
	if (!s->vnics) {
		json_decref(j);
		return problem(p, 503, "out of memory", NULL);
	}
	s->nvnics = 1;
	if (config_vnic(j, "", s->vnics, err, sizeof(err))) {
		json_decref(j);
		return invalid(p, err);
	}
	json_decref(j);
	return tenant_submit(p, CTL_VNIC_ADD, tenant, NULL);
}

static enum MHD_Result vnic_delete(struct pending *p, const char *tenant, const char *vnic)
{
	if (!p->submitted) {
		if (strlen(vnic) >= IFNAMSIZ)
			return problem(p, 404, "no such vNIC", "vnic");
		strcpy(p->u.one.vnic, vnic);
		return tenant_submit(p, CTL_VNIC_DEL, tenant, NULL);
	}
	if (p->u.req.status)
		return tenant_error(p);
	return changed(p, 204, NULL, NULL);
}

/* POST .../addresses {"address": "192.0.2.1/24"}; DELETE .../addresses/ADDR. */
static enum MHD_Result addr_change(struct pending *p, const char *tenant,
				   const char *vnic, const char *addr)
{
	struct tenant_spec *s = &p->u.one.spec;
	enum MHD_Result ret;
	char loc[256];
	json_t *j = NULL, *a;
	int add = !addr;

	if (p->submitted) {
		if (p->u.req.status)
			return tenant_error(p);
		if (addr)
			return changed(p, 204, NULL, NULL);
		snprintf(loc, sizeof(loc), "/tenants/%s/vnics/%s/addresses/%s", tenant, vnic,
			 p->addr);
		return changed(p, 201, json_incref(json_object_get(find_named(
			json_object_get(p->u.one.answer, "vnics"), vnic), "addresses")), loc);
	}
	if (strlen(vnic) >= IFNAMSIZ)
		return problem(p, 404, "no such vNIC", "vnic");
	if (!addr) {
		if (!(j = parse_body(p, &ret)))
			return ret;
		a = json_object_get(j, "address");
		if (!json_is_object(j) || json_object_size(j) != 1 || !json_is_string(a)) {
			json_decref(j);
			return problem(p, 422, "the body is {\"address\": \"ADDRESS/PREFIX\"}",
				       "address");
		}
	}
	s->vnics = calloc(1, sizeof(*s->vnics));
	if (s->vnics)
		s->vnics[0].addrs = calloc(1, sizeof(*s->vnics[0].addrs));
	if (!s->vnics || !s->vnics[0].addrs) {
		json_decref(j);
		return problem(p, 503, "out of memory", NULL);
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
		return problem(p, 422, detail, "address");
	}
	json_decref(j);
	return tenant_submit(p, add ? CTL_ADDR_ADD : CTL_ADDR_DEL, tenant, NULL);
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
		return -1;
	*table = v == 254 ? 0 : v;
	return 0;
}

static enum MHD_Result routes_get(struct pending *p, const char *tenant)
{
	struct tenant_spec *s = &p->u.one.spec;
	unsigned int table;

	if (p->submitted) {
		if (p->u.req.status)
			return tenant_error(p);
		return respond_json(p, 200, json_incref(p->u.one.answer), NULL);
	}
	if (query_table(p, &table))
		return problem(p, 422, "table is main, local or 1-2147483647", "table");
	if (MHD_lookup_connection_value(p->conn, MHD_GET_ARGUMENT_KIND, "table")) {
		s->routes = calloc(1, sizeof(*s->routes));
		if (!s->routes)
			return problem(p, 503, "out of memory", NULL);
		s->nroutes = 1;
		s->routes[0].table = table ? table : 254;
	}
	return tenant_submit(p, CTL_ROUTES_GET, tenant, NULL);
}

/* POST .../routes with a route object; DELETE .../routes/DST[?table=N]. */
static enum MHD_Result route_change(struct pending *p, const char *tenant, const char *dst)
{
	struct tenant_spec *s = &p->u.one.spec;
	enum MHD_Result ret;
	char err[512];
	json_t *j;

	if (p->submitted) {
		if (p->u.req.status)
			return tenant_error(p);
		if (dst)
			return changed(p, 204, NULL, NULL);
		return changed(p, 201, json_incref(json_object_get(p->u.one.answer, "routes")),
			       NULL);
	}
	s->routes = calloc(1, sizeof(*s->routes));
	if (!s->routes)
		return problem(p, 503, "out of memory", NULL);
	s->nroutes = 1;
	if (dst) {
		if (tenant_parse_prefix(dst, &s->routes[0].dst))
			return problem(p, 404, "no such route (give DESTINATION/PREFIX)", "dst");
		if (query_table(p, &s->routes[0].table) || s->routes[0].table == 255)
			return problem(p, 422, "table is main or 1-2147483647", "table");
		return tenant_submit(p, CTL_ROUTE_DEL, tenant, NULL);
	}
	if (!(j = parse_body(p, &ret)))
		return ret;
	if (config_route(j, "", s->routes, err, sizeof(err))) {
		json_decref(j);
		return invalid(p, err);
	}
	json_decref(j);
	return tenant_submit(p, CTL_ROUTE_ADD, tenant, NULL);
}

static enum MHD_Result sysctls_patch(struct pending *p, const char *tenant)
{
	struct tenant_spec *s = &p->u.one.spec;
	enum MHD_Result ret;
	char err[512];
	json_t *j;

	if (p->submitted) {
		if (p->u.req.status)
			return tenant_error(p);
		return changed(p, 200, json_incref(json_object_get(p->u.one.answer, "sysctls")),
			       NULL);
	}
	if (!(j = parse_body(p, &ret)))
		return ret;
	if (config_sysctls(j, "", s, err, sizeof(err))) {
		json_decref(j);
		return invalid(p, err);
	}
	if (!s->nsysctls) {
		json_decref(j);
		return problem(p, 422, "no sysctl to set", NULL);
	}
	ret = tenant_submit(p, CTL_SYSCTL_SET, tenant, j);
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

static enum MHD_Result sysctls_get(struct pending *p, const char *tenant)
{
	json_t *names;
	enum MHD_Result ret;

	if (p->submitted)
		return tenant_get(p, tenant, SYSCTLS, NULL, NULL);
	names = json_object();
	MHD_get_connection_values(p->conn, MHD_GET_ARGUMENT_KIND, add_name, names);
	ret = tenant_get(p, tenant, SYSCTLS, NULL, names);
	json_decref(names);
	return ret;
}

static enum MHD_Result tenant_stats(struct pending *p, const char *tenant)
{
	if (!p->submitted)
		return tenant_submit(p, CTL_TENANT_STATS, tenant, NULL);
	if (p->u.req.status)
		return tenant_error(p);
	return respond_json(p, 200, json_incref(p->u.one.answer), NULL);
}

static enum MHD_Result metrics_get(struct pending *p)
{
	size_t len;
	char *text;

	if (!p->submitted)
		return submit(p, CTL_METRICS, sizeof(p->u.metrics));
	if (p->u.req.status)
		return problem(p, 500, strerror(-p->u.req.status), NULL);
	text = metrics_render(&p->u.metrics, &len);
	if (!text)
		return problem(p, 503, "out of memory", NULL);
	return respond(p, 200, "text/plain; version=0.0.4; charset=utf-8", text, NULL, NULL);
}

/* --- routing --- */

#define SEG_MAX 8

/* Split "/a/b/c" into at most SEG_MAX parts; the last keeps any further
 * slashes (an address or a route's prefix). */
static int split(char *url, char *seg[SEG_MAX])
{
	int n = 0;

	while (*url == '/')
		url++;
	while (*url && n < SEG_MAX) {
		seg[n++] = url;
		url = strchr(url, '/');
		if (!url)
			break;
		*url++ = '\0';
	}
	return n;
}

/* Rejoin the parts from @i on: "192.0.2.1" "24" is "192.0.2.1/24". */
static const char *rest(char *seg[], int n, int i)
{
	int k;

	for (k = i + 1; k < n; k++)
		seg[k][-1] = '/';
	return seg[i];
}

static int is(const char *method, const char *m)
{
	return !strcmp(method, m);
}

static enum MHD_Result tenant_routes(struct pending *p, const char *m, char *seg[], int n)
{
	const char *t = seg[1];

	if (strlen(t) > TENANT_NAME_MAX)
		return problem(p, 404, "no such tenant", "name");
	if (n == 2) {
		p->route = "/tenants/{name}";
		if (is(m, "GET"))
			return tenant_get(p, t, WHOLE, NULL, NULL);
		if (is(m, "DELETE"))
			return tenant_delete(p, t);
		return not_allowed(p, "GET, DELETE");
	}
	if (!strcmp(seg[2], "vnics")) {
		if (n == 3) {
			p->route = "/tenants/{name}/vnics";
			if (is(m, "GET"))
				return tenant_get(p, t, VNICS, NULL, NULL);
			if (is(m, "POST"))
				return vnic_post(p, t);
			return not_allowed(p, "GET, POST");
		}
		if (n == 4) {
			p->route = "/tenants/{name}/vnics/{vnic}";
			if (is(m, "GET"))
				return tenant_get(p, t, VNIC, seg[3], NULL);
			if (is(m, "DELETE"))
				return vnic_delete(p, t, seg[3]);
			return not_allowed(p, "GET, DELETE");
		}
		if (!strcmp(seg[4], "addresses")) {
			if (n == 5) {
				p->route = "/tenants/{name}/vnics/{vnic}/addresses";
				if (is(m, "GET"))
					return tenant_get(p, t, ADDRS, seg[3], NULL);
				if (is(m, "POST"))
					return addr_change(p, t, seg[3], NULL);
				return not_allowed(p, "GET, POST");
			}
			p->route = "/tenants/{name}/vnics/{vnic}/addresses/{address}";
			if (is(m, "DELETE"))
				return addr_change(p, t, seg[3], rest(seg, n, 5));
			return not_allowed(p, "DELETE");
		}
	} else if (!strcmp(seg[2], "routes")) {
		if (n == 3) {
			p->route = "/tenants/{name}/routes";
			if (is(m, "GET"))
				return routes_get(p, t);
			if (is(m, "POST"))
				return route_change(p, t, NULL);
			return not_allowed(p, "GET, POST");
		}
		p->route = "/tenants/{name}/routes/{dst}";
		if (is(m, "DELETE"))
			return route_change(p, t, rest(seg, n, 3));
		return not_allowed(p, "DELETE");
	} else if (!strcmp(seg[2], "sysctls") && n == 3) {
		p->route = "/tenants/{name}/sysctls";
		if (is(m, "GET"))
			return sysctls_get(p, t);
		if (is(m, "PATCH"))
			return sysctls_patch(p, t);
		return not_allowed(p, "GET, PATCH");
	} else if (!strcmp(seg[2], "stats") && n == 3) {
		p->route = "/tenants/{name}/stats";
		if (is(m, "GET"))
			return tenant_stats(p, t);
		return not_allowed(p, "GET");
	}
	p->route = "other";
	return problem(p, 404, "no such resource", NULL);
}

static enum MHD_Result route(struct pending *p, const char *url, const char *m)
{
	char buf[1024], *seg[SEG_MAX];
	int n;

	if (strlen(url) >= sizeof(buf))
		return problem(p, 404, "no such resource", NULL);
	strcpy(buf, url);
	n = split(buf, seg);
	if (n == 1 && !strcmp(seg[0], "healthz")) {
		p->route = "/healthz";
		return is(m, "GET") ? respond_json(p, 200, json_pack("{s:s}", "status", "ok"), NULL)
				    : not_allowed(p, "GET");
	}
	if (n == 1 && !strcmp(seg[0], "version")) {
		p->route = "/version";
		return is(m, "GET") ? respond_json(p, 200, json_pack("{s:s,s:s}", "version",
					PACKAGE_VERSION, "kernel", nuse_kernel_release()), NULL)
				    : not_allowed(p, "GET");
	}
	if (n == 1 && !strcmp(seg[0], "metrics")) {
		p->route = "/metrics";
		return is(m, "GET") ? metrics_get(p) : not_allowed(p, "GET");
	}
	if (n >= 1 && !strcmp(seg[0], "tenants")) {
		if (n == 1) {
			p->route = "/tenants";
			if (is(m, "GET"))
				return tenants_list(p);
			if (is(m, "POST"))
				return tenant_post(p);
			return not_allowed(p, "GET, POST");
		}
		return tenant_routes(p, m, seg, n);
	}
	p->route = "other";
	return problem(p, 404, "no such resource", NULL);
}

/* --- the request's life --- */

static int authorized(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	unsigned char diff;
	size_t i, n;

	if (!token)
		return 1;
	if (!h || strncasecmp(h, "Bearer ", 7))
		return 0;
	for (h += 7; *h == ' '; h++)
		;
	n = strlen(h);
	diff = n != token_len;
	for (i = 0; i < token_len; i++)		/* time independent of the guess */
		diff |= token[i] ^ (i < n ? h[i] : 0);
	return !diff;
}

/* Before the body: authentication, the phase. */
static enum MHD_Result gate(struct pending *p, const char *url)
{
	int health = !strcmp(url, "/healthz");

	if (health && phase != API_RUNNING) {
		p->route = "/healthz";
		return respond_json(p, 503, json_pack("{s:s}", "status",
				    phase == API_STARTING ? "starting" : "stopping"), NULL);
	}
	if (!health && !authorized(p->conn)) {
		p->route = "other";
		return problem(p, 401, "a valid bearer token is needed", "Authorization");
	}
	if (!health && phase != API_RUNNING && strcmp(url, "/version")) {
		p->route = "other";
		return problem(p, 503, phase == API_STARTING ? "starting: tenants are being "
			       "restored" : "stopping", NULL);
	}
	return MHD_YES;
}

/* A POST with an Idempotency-Key: the first answer again, or go on. */
static enum MHD_Result idempotent(struct pending *p, const char *url, int *answered)
{
	const char *key = MHD_lookup_connection_value(p->conn, MHD_HEADER_KIND,
						      "Idempotency-Key");
	unsigned long long h;
	struct idem *k;
	size_t i;

	*answered = 1;
	if (!key) {
		*answered = 0;
		return MHD_YES;
	}
	for (i = 0; key[i]; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			break;
	if (!*key || key[i] || i > IDEM_KEY_MAX)
		return problem(p, 400, "an Idempotency-Key is 1-255 visible ASCII characters",
			       "Idempotency-Key");
	h = fnv(fnv(0xcbf29ce484222325ULL, url, strlen(url) + 1), p->body ? p->body : "",
		p->body_len);
	idem_expire();
	k = idem_find(key);
	if (k && k->hash != h)
		return problem(p, 422, "this Idempotency-Key was used for another request",
			       "Idempotency-Key");
	if (k && !k->done)
		return problem(p, 409, "a request with this Idempotency-Key is still running",
			       "Idempotency-Key");
	if (k) {
		struct MHD_Response *r;
		enum MHD_Result ret;

		r = MHD_create_response_from_buffer(k->body ? strlen(k->body) : 0,
						    k->body ? k->body : "",
						    MHD_RESPMEM_MUST_COPY);
		if (k->type)
			MHD_add_response_header(r, "Content-Type", k->type);
		if (k->location)
			MHD_add_response_header(r, "Location", k->location);
		MHD_add_response_header(r, "Idempotent-Replayed", "true");
		p->status = k->status;
		ret = MHD_queue_response(p->conn, k->status, r);
		MHD_destroy_response(r);
		return ret;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return problem(p, 503, "out of memory", NULL);
	strcpy(k->key, key);
	k->hash = h;
	k->at = now();
	k->next = idems;
	idems = k;
	nidems++;
	p->idem = k;
	*answered = 0;
	return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload, size_t *upload_size, void **state)
{
	struct pending *p = *state;
	enum MHD_Result ret;
	int answered;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return MHD_NO;
		p->conn = c;
		p->t0 = now();
		snprintf(p->method, sizeof(p->method), "%s", method);
		*state = p;
		return gate(p, url);
	}
	if (p->status)		/* answered at the gate: ignore the body */
		return MHD_YES;
	if (*upload_size) {
		if (p->body_len + *upload_size > BODY_MAX) {
			p->too_big = 1;
		} else {
			char *b = realloc(p->body, p->body_len + *upload_size + 1);

			if (!b)
				return MHD_NO;
			memcpy(b + p->body_len, upload, *upload_size);
			p->body = b;
			p->body_len += *upload_size;
			b[p->body_len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (!p->submitted && !strcmp(method, "POST")) {
		ret = idempotent(p, url, &answered);
		if (answered) {
			p->route = "other";
			return ret;
		}
	}
	return route(p, url, method);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *state;

	if (!p)
		return;
	if (p->status)
		metrics_observe(p->method, p->route ? p->route : "other", p->status,
				now() - p->t0);
	if (p->idem)		/* never answered: forget the key */
		idem_remove(p->idem);
	switch (p->u.req.type) {
	case CTL_TENANT_LIST:
		json_decref(p->u.list.list);
		break;
	case CTL_METRICS:
		ctl_metrics_free(&p->u.metrics);
		break;
	case 0:
		break;
	default:
		json_decref(p->u.one.answer);
		config_tenant_free(&p->u.one.spec);
	}
	if (!p->u.req.type)
		config_tenant_free(&p->u.one.spec);
	free(p->names);
	free(p->body);
	free(p);
	*state = NULL;
}

/* Let MHD work, then re-arm its timeout. */
static void api_pump(void)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(mhd);
	ev_timer_stop(loop, &mhd_timer);
	if (MHD_get_timeout(mhd, &ms) == MHD_YES) {
		ev_timer_set(&mhd_timer, ms / 1000.0, 0.);
		ev_timer_start(loop, &mhd_timer);
	}
}

static void on_io(struct ev_loop *l, ev_io *w, int revents)
{
	api_pump();
}

static void on_timer(struct ev_loop *l, ev_timer *w, int revents)
{
	api_pump();
}

static int parse_listen(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || !colon[1] || port < 1 || port > 65535)
		return -EINVAL;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -EINVAL;
}

/* The token file: a regular file of root's that no one else may read. */
static int token_load(const char *path)
{
	char buf[TOKEN_MAX + 2];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_err("api: token file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		log_err("api: token file %s: not a regular file", path);
		goto fail;
	}
	if (st.st_uid != 0 || (st.st_mode & 077)) {
		log_err("api: token file %s: must belong to root and be readable by no one "
			"else (chown root %s; chmod 600 %s)", path, path, path);
		goto fail;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		log_err("api: token file %s: %s", path, strerror(errno));
		goto fail;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	if (n == 0 || n > TOKEN_MAX || strspn(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
		"nopqrstuvwxyz0123456789-._~+/=") != (size_t)n) {
		log_err("api: token file %s: the token must be 1-%d characters of "
			"A-Z a-z 0-9 - . _ ~ + / =", path, TOKEN_MAX);
		goto fail;
	}
	token = strdup(buf);
	token_len = n;
	memset(buf, 0, sizeof(buf));
	close(fd);
	return token ? 0 : -1;
fail:
	close(fd);
	return -1;
}

int api_init(struct ev_loop *l, const struct config *c)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sin;

	loop = l;
	if (parse_listen(c->api_listen, &sin)) {
		log_err("api: cannot listen on %s: IPv4 ADDRESS:PORT only for now",
			c->api_listen);
		return -1;
	}
	if (c->api_token_file && token_load(c->api_token_file))
		return -1;
	mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
			       handle, NULL,
			       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
			       MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
			       MHD_OPTION_CONNECTION_TIMEOUT, 30u,
			       MHD_OPTION_CONNECTION_LIMIT, 1024u,
			       MHD_OPTION_END);
	if (!mhd) {
		log_err("api: cannot listen on %s: %s", c->api_listen, strerror(errno));
		return -1;
	}
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_EPOLL_FD);
	ev_io_init(&mhd_io, on_io, info->epoll_fd, EV_READ);
	ev_io_start(loop, &mhd_io);
	ev_timer_init(&mhd_timer, on_timer, 0., 0.);
	api_pump();
	log_info("api: listening on %s%s", c->api_listen,
		 token ? " (bearer token required)" : "");
	return 0;
}

/* --- start-up: the tenants of the state file and the config --- */

static struct {
	struct ctl_tenant r;
	const struct tenant_spec *specs;
	int n, i;
	void (*done)(int status);
	struct tenant_sysctl *names;
} restoring;

static void restore_next(void);

static void restore_answer(struct ctl_req *req)
{
	struct ctl_tenant *r = &restoring.r;
	int status = req->status;

	inflight--;
	if (!status) {
		state_follow(r, 0);
		log_info("tenant %s: up with %d vNIC(s)", r->name,
			 restoring.specs[restoring.i].nvnics);
	} else {
		log_err("tenant %s: %s%s%s: %s", r->name, r->error.field,
			r->error.field[0] ? ": " : "", r->error.msg, strerror(-status));
	}
	json_decref(r->answer);
	r->answer = NULL;
	free(restoring.names);
	restoring.names = NULL;
	if (!inflight && idle_fn)
		idle_fn();
	if (status) {
		restoring.done(-1);
		return;
	}
	restoring.i++;
	restore_next();
}

static void restore_next(void)
{
	struct ctl_tenant *r = &restoring.r;
	const struct tenant_spec *s;
	int i;

	if (phase == API_STOPPING) {
		restoring.done(1);
		return;
	}
	if (restoring.i == restoring.n) {
		restoring.done(state_save() ? -1 : 0);
		return;
	}
	s = &restoring.specs[restoring.i];
	memset(r, 0, sizeof(*r));
	r->spec = *s;			/* borrowed: not freed here */
	snprintf(r->name, sizeof(r->name), "%s", s->name);
	restoring.names = calloc(s->nsysctls + 1, sizeof(*restoring.names));
	for (i = 0; restoring.names && i < s->nsysctls; i++)
		strcpy(restoring.names[i].name, s->sysctls[i].name);
	r->read_sysctls = restoring.names;
	r->nread_sysctls = restoring.names ? s->nsysctls : 0;
	r->req.type = CTL_TENANT_CREATE;
	r->req.len = sizeof(*r);
	r->req.done = restore_answer;
	inflight++;
	ctl_submit(&r->req);
}

void api_restore(const struct tenant_spec *specs, int n, void (*done)(int status))
{
	restoring.specs = specs;
	restoring.n = n;
	restoring.i = 0;
	restoring.done = done;
	restore_next();
}

void api_set_phase(enum api_phase ph)
{
	phase = ph;
}

int api_inflight(void)
{
	return inflight;
}

void api_on_idle(void (*fn)(void))
{
	idle_fn = fn;
}

void api_fini(void)
{
	struct idem *k;

	if (!mhd)
		return;
	ev_io_stop(loop, &mhd_io);
	ev_timer_stop(loop, &mhd_timer);
	MHD_stop_daemon(mhd);
	mhd = NULL;
	while ((k = idems)) {
		idems = k->next;
		idem_free(k);
	}
	nidems = 0;
	if (token)
		memset(token, 0, token_len);
	free(token);
	token = NULL;
}
