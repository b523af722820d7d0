// SPDX-License-Identifier: GPL-2.0
/*
 * A change the kernel made but the state file could not keep is undone:
 * an error answer must mean nothing changed, live or on disk.  Before a
 * change is followed into the state, the tenant's previous object is
 * kept; if the write fails, the state is put back to it and the kernel is
 * given the inverse change, built from the request and that object.  Only
 * then is the request answered (507 when the disk is full).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "conf/conf.h"
#include "iptables/iptables.h"
#include "log/log.h"
#include "conf/state.h"

void api_undo_keep(struct pending *p)
{
	json_t *old;

	if (!p->u.req.op->follow)	/* changes nothing */
		return;
	/* The state replaces a tenant's object on a change, never edits it:
	 * holding the old one is enough. */
	old = state_tenant(p->u.one.name);
	p->before = json_incref(old);
	p->kept = 1;
}

/* The state as it was: every change of the batch, last first. */
void api_undo_state(struct pending *p)
{
	if (p->kept)
		state_update(p->u.one.name, p->before);
}

static json_t *find_named(json_t *list, const char *key, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (!strcmp(json_string_value(json_object_get(v, key)) ?: "", name))
			return v;
	return NULL;
}

static int same_route(const struct tenant_route_spec *a, const struct tenant_route_spec *b)
{
	return a->dst.family == b->dst.family && a->dst.len == b->dst.len &&
	       !memcmp(a->dst.addr, b->dst.addr, sizeof(a->dst.addr)) &&
	       (a->table ? a->table : 254) == (b->table ? b->table : 254);
}

/* The route of @before that DELETE .../routes/DST removed, into @r. */
static int old_route(json_t *before, struct tenant_route_spec *r)
{
	struct tenant_route_spec cand;
	char err[256];
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(before, "routes"), i, v) {
		memset(&cand, 0, sizeof(cand));
		if (!config_route(v, "route", &cand, err, sizeof(err)) && same_route(&cand, r)) {
			*r = cand;
			return 0;
		}
	}
	return -ENOENT;
}

static int old_vnic(json_t *before, const char *name, struct tenant_spec *s)
{
	json_t *v = find_named(json_object_get(before, "vnics"), "name", name);
	char err[256];

	if (!v)
		return -ENOENT;
	tenant_spec_free(s);
	s->vnics = calloc(1, sizeof(*s->vnics));
	if (!s->vnics)
		return -ENOMEM;
	s->nvnics = 1;
	return config_vnic(v, "vnic", &s->vnics[0], err, sizeof(err));
}

static int old_tenant(json_t *before, struct tenant_spec *s)
{
	char err[256];

	tenant_spec_free(s);
	memset(s, 0, sizeof(*s));
	return before ? config_tenant(before, "tenant", s, err, sizeof(err)) : -ENOENT;
}

/* Turn the request in @r into its inverse; 0, or -errno if it has none. */
static int invert(struct pending *p)
{
	struct tenant_req *r = &p->u.one;
	const struct ctl_op *op = r->req.op;
	struct tenant_sysctl *t;
	int n;

	json_decref(r->answer);
	r->answer = NULL;
	memset(&r->error, 0, sizeof(r->error));
	if (op == &tenant_op_create) {
		r->req.op = &tenant_op_destroy;
		return 0;
	}
	if (op == &tenant_op_destroy) {
		r->req.op = &tenant_op_create;
		return old_tenant(p->before, &r->spec);
	}
	if (op == &tenant_op_vnic_add) {
		snprintf(r->vnic, sizeof(r->vnic), "%s", r->spec.vnics[0].name);
		r->req.op = &tenant_op_vnic_del;
		return 0;
	}
	if (op == &tenant_op_vnic_del) {
		r->req.op = &tenant_op_vnic_add;
		return old_vnic(p->before, r->vnic, &r->spec);
	}
	if (op == &tenant_op_addr_add || op == &tenant_op_addr_del) {
		r->req.op = op == &tenant_op_addr_add ? &tenant_op_addr_del : &tenant_op_addr_add;
		return 0;
	}
	if (op == &tenant_op_route_add) {
		r->req.op = &tenant_op_route_del;
		return 0;
	}
	if (op == &tenant_op_route_del) {
		r->req.op = &tenant_op_route_add;
		return old_route(p->before, &r->spec.routes[0]);
	}
	if (op == &tenant_op_sysctl_set) {
		t = r->spec.sysctls, n = r->spec.nsysctls;
		r->spec.sysctls = r->prev, r->spec.nsysctls = r->nprev;
		r->prev = t, r->nprev = n;
		return r->spec.sysctls ? 0 : -ENOENT;
	}
	return -EOPNOTSUPP;
}

static void undo_finish(struct pending *p, int status)
{
	p->undone = status ? -1 : 1;
	if (status)
		log_err("tenant %s: the state file could not be written and the change "
			"could not be undone: %s (the kernel and the state now differ until "
			"the next successful write)", p->u.one.name, strerror(-status));
	else
		log_warn("tenant %s: the state file could not be written: the change was "
			 "undone", p->u.one.name);
	api_resume(p);
}

static void undo_rules_applied(void *priv, int code, const char *text, const char *err)
{
	undo_finish(priv, code ? -EIO : 0);
}

/*
 * Taking an address or a vNIC away also took the routes through it; the
 * address or vNIC given back does not bring them back.  So every route of
 * @before is added again, one after the other (those still there answer
 * -EEXIST).
 */
static void undo_route_answered(struct ctl_req *req);

static void undo_next_route(struct pending *p)
{
	json_t *routes = json_object_get(p->before, "routes");
	struct tenant_req *r = &p->u.one;
	char err[256];

	if (p->undo_route >= (int)json_array_size(routes)) {
		undo_finish(p, p->undo_err);
		return;
	}
	if (!r->spec.routes) {
		r->spec.routes = calloc(1, sizeof(*r->spec.routes));
		if (!r->spec.routes) {
			undo_finish(p, -ENOMEM);
			return;
		}
		r->spec.nroutes = 1;
	}
	memset(&r->spec.routes[0], 0, sizeof(r->spec.routes[0]));
	if (config_route(json_array_get(routes, p->undo_route++), "route", &r->spec.routes[0],
			 err, sizeof(err))) {
		p->undo_err = -EINVAL;
		undo_next_route(p);
		return;
	}
	json_decref(r->answer);
	r->answer = NULL;
	r->req.op = &tenant_op_route_add;
	r->req.done = undo_route_answered;
	if (ctl_submit(&r->req))
		undo_finish(p, -EIO);
}

static void undo_route_answered(struct ctl_req *req)
{
	struct pending *p = (struct pending *)req;

	if (req->status && req->status != -EEXIST)
		p->undo_err = req->status;
	undo_next_route(p);
}

static void undo_answered(struct ctl_req *req)
{
	struct pending *p = (struct pending *)req;
	struct tenant_spec *s = &p->u.one.spec;

	if (!req->status && (req->op == &tenant_op_addr_add || req->op == &tenant_op_vnic_add)) {
		undo_next_route(p);
		return;
	}

	/* A tenant brought back gets its rulesets back before it is shown. */
	if (!req->status && req->op == &tenant_op_create && (s->iptables[0] || s->iptables[1] || s->iptables[2]) &&
	    !ipt_apply(p->u.one.name, s->iptables, undo_rules_applied, p))
		return;
	undo_finish(p, req->status);
}

/* The state file refused @p's change (@err): undo it in the kernel, then
 * answer.  The connection stays suspended until then. */
void api_undo(struct pending *p, int err)
{
	int ret;

	p->state_err = err;
	if (!p->kept) {
		p->undone = -1;
		api_resume(p);
		return;
	}
	ret = invert(p);
	if (ret) {
		undo_finish(p, ret);
		return;
	}
	p->u.req.done = undo_answered;
	if (ctl_submit(&p->u.req))
		undo_finish(p, -EIO);
}
