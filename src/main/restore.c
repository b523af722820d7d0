// SPDX-License-Identifier: GPL-2.0
/*
 * The state file follows every change the dataplane answered, in the
 * order they happened; at start-up, the tenants of the state file and the
 * config are created one after the other through the same path.
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

int api_state_follow(struct ctl_tenant *r)
{
	switch (r->req.type) {
	case CTL_TENANT_CREATE:
		/* What is not read back from the kernel: from the request. */
		if (r->spec.nneighs || r->spec.iptables[0] || r->spec.iptables[1]) {
			json_t *spec = config_tenant_json(&r->spec);

			if (r->spec.nneighs)
				json_object_set(r->answer, "neighbours",
						json_object_get(spec, "neighbours"));
			if (json_object_get(spec, "iptables"))
				json_object_set(r->answer, "iptables",
						json_object_get(spec, "iptables"));
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
	return 1;
}

static struct {
	struct ctl_tenant r;
	const struct tenant_spec *specs;
	int n, nsaved, i;
	void (*done)(int status);
	struct tenant_sysctl *names;
} restoring;

static void restore_next(void);
static void restore_rules(void);

static void restore_answer(struct ctl_req *req)
{
	struct ctl_tenant *r = &restoring.r;
	int status = req->status;

	if (!status) {
		api_state_follow(r);
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
	if (status == -EDQUOT || status == -ENOMEM)
		log_err("start-up: %d tenant(s) to restore (%d from the state file), but only %d "
			"fit in the kernel's memory: give the kernel more (kernel.memory) or the "
			"state fewer tenants", restoring.n, restoring.nsaved, restoring.i);
	if (status) {
		api_inflight_add(-1);
		restoring.done(-1);
		return;
	}
	restore_rules();
}

static void restore_applied(void *priv, int code, const char *text, const char *err)
{
	const struct tenant_spec *s = &restoring.specs[restoring.i];

	api_inflight_add(-1);
	if (code) {
		log_err("tenant %s: iptables: %s", s->name, *err ? err : "cannot run the tools");
		restoring.done(-1);
		return;
	}
	restoring.i++;
	restore_next();
}

/* The tenant is up: its rulesets, if it has any, then the next one. */
static void restore_rules(void)
{
	const struct tenant_spec *s = &restoring.specs[restoring.i];

	if ((s->iptables[0] || s->iptables[1]) &&
	    !ipt_apply(s->name, s->iptables[0], s->iptables[1], restore_applied, NULL))
		return;
	restore_applied(NULL, s->iptables[0] || s->iptables[1] ? 500 : 0, "", "");
}

static void restore_next(void)
{
	struct ctl_tenant *r = &restoring.r;
	const struct tenant_spec *s;
	int i;

	if (api_phase() == API_STOPPING) {
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
	api_inflight_add(1);
	ctl_submit(&r->req);
}

void api_restore(const struct tenant_spec *specs, int n, int nsaved,
		 void (*done)(int status))
{
	restoring.specs = specs;
	restoring.n = n;
	restoring.nsaved = nsaved;
	restoring.i = 0;
	restoring.done = done;
	restore_next();
}

