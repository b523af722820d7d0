// SPDX-License-Identifier: GPL-2.0
/*
 * Start-up: the tenants of the state file and the config are created one
 * after the other through the same path as the API's (tenant_op_create,
 * whose follow() puts each into the state), then the state is written
 * once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "conf/conf.h"
#include "iptables/iptables.h"
#include "log/log.h"
#include "conf/state.h"
#include "main/restore.h"
#include "ops/ops.h"

static struct {
	struct tenant_req r;
	const struct tenant_spec *specs;
	int n, nsaved, i;
	void (*done)(int status);
	struct tenant_sysctl *names;
} restoring;

static void restore_next(void);
static void restore_rules(void);

static void restore_answer(struct ctl_req *req)
{
	struct tenant_req *r = &restoring.r;
	int status = req->status;

	if (!status) {
		r->req.op->follow(&r->req);
		log_info("tenant %s: up with %d vNIC(s)", r->name,
			 restoring.specs[restoring.i].nvnics);
	} else {
		log_err("tenant %s: %s%s%s: %s", r->name, r->error.field,
			r->error.field[0] ? ": " : "", r->error.msg, strerror(-status));
	}
	ctl_release(&r->req);
	free(restoring.names);
	restoring.names = NULL;
	if (status == -EDQUOT || status == -ENOMEM)
		log_err("start-up: %d tenant(s) to restore (%d from the state file), but only %d "
			"fit in the kernel's memory: give the kernel more (kernel.memory) or the "
			"state fewer tenants", restoring.n, restoring.nsaved, restoring.i);
	if (status) {
		api_inflight_add(-1);
		restoring.done(status);
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
		restoring.done(code == 422 ? -EINVAL : -EIO);
		return;
	}
	restoring.i++;
	restore_next();
}

/* The tenant is up: its rulesets, if it has any, then the next one. */
static void restore_rules(void)
{
	const struct tenant_spec *s = &restoring.specs[restoring.i];

	int any = s->iptables[0] || s->iptables[1] || s->iptables[2];

	if (any && !ipt_apply(s->name, s->iptables, restore_applied, NULL))
		return;
	restore_applied(NULL, any ? 500 : 0, "", "");
}

static void restore_next(void)
{
	struct tenant_req *r = &restoring.r;
	const struct tenant_spec *s;
	int i;

	if (api_phase() == API_STOPPING) {
		restoring.done(1);
		return;
	}
	if (restoring.i == restoring.n) {
		restoring.done(state_save());
		return;
	}
	s = &restoring.specs[restoring.i];
	memset(r, 0, sizeof(*r));
	r->spec = *s;			/* borrowed: not freed here */
	snprintf(r->name, sizeof(r->name), "%s", s->name);
	restoring.names = calloc(s->nsysctls + 1, sizeof(*restoring.names));
	if (!restoring.names) {
		log_err("tenant %s: out of memory", s->name);
		restoring.done(-ENOMEM);
		return;
	}
	for (i = 0; i < s->nsysctls; i++)
		strcpy(restoring.names[i].name, s->sysctls[i].name);
	r->read_sysctls = restoring.names;
	r->nread_sysctls = s->nsysctls;
	api_inflight_add(1);
	CTL_SUBMIT(r, &tenant_op_create, restore_answer);
}

void restore_start(const struct tenant_spec *specs, int n, int nsaved,
		 void (*done)(int status))
{
	restoring.specs = specs;
	restoring.n = n;
	restoring.nsaved = nsaved;
	restoring.i = 0;
	restoring.done = done;
	restore_next();
}

