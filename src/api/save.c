// SPDX-License-Identifier: GPL-2.0
/*
 * "Running" and "startup", as on a router.  Changes made through the API
 * are saved as they are answered.  Changes a tool makes inside a tenant
 * (`exec -- ip addr add`, a routing daemon, iptables) are live but not
 * saved: the tenant's GET lists what differs from the state file under
 * "unsaved", and POST /tenants/NAME/save reads the tenant back from the
 * kernel, with its iptables, ip6tables and nftables rulesets, and saves it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "iptables/iptables.h"
#include "conf/state.h"

/* The parts of a tenant object that are read back from the kernel. */
static const char *const read_back[] = { "vnics", "routes", "sysctls", NULL };

json_t *api_unsaved(const char *tenant, json_t *now)
{
	json_t *saved = state_tenant(tenant), *list = json_array();
	int i;

	for (i = 0; read_back[i]; i++) {
		json_t *a = json_object_get(saved, read_back[i]);
		json_t *b = json_object_get(now, read_back[i]);

		if (!(a ? b && json_equal(a, b) : !b || !json_object_size(b)))
			json_array_append_new(list, json_string(read_back[i]));
	}
	return list;
}

/* Whether iptables-save's text holds anything but empty built-in chains
 * that accept. */
static int has_rules(const char *text)
{
	const char *l;

	for (l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (*l == '-')
			return 1;
		if (*l == ':') {
			const char *policy = strchr(l, ' ');

			if (policy && strncmp(policy + 1, "ACCEPT", 6) && strncmp(policy + 1, "- ", 2))
				return 1;
		}
	}
	return 0;
}

static enum MHD_Result save_commit(struct pending *p, const char *tenant)
{
	json_t *old = json_deep_copy(state_tenant(tenant)), *now, *ipt, *had;
	const char *const *text = (const char *const *)p->save_rules, *nft = p->ipt_text;
	int i, err;

	if (!old)
		return api_problem(p, 404, "no such tenant", "name");
	now = json_deep_copy(p->u.one.answer);
	had = json_object_get(old, "iptables");
	ipt = json_object();
	for (i = 0; i < 2; i++)
		if (has_rules(text[i]) || json_object_get(had, ipt_families[i]))
			json_object_set_new(ipt, ipt_families[i], json_string(text[i]));
	json_object_del(now, "iptables");
	if (json_object_size(ipt))
		json_object_set(now, "iptables", ipt);
	json_decref(ipt);
	json_object_del(now, "nftables");
	if (*nft || json_object_get(old, "nftables"))
		json_object_set_new(now, "nftables", json_string(nft));
	/* Every family the state had is in @now (maybe empty now), so
	 * state_update() keeps none of the old rulesets. */
	state_update(tenant, now);
	err = state_save();
	if (err) {
		/* Put back exactly @old (state_update() would keep the new
		 * rulesets if @old has none); the tenant moves to the end. */
		state_update(tenant, NULL);
		state_update(tenant, old);
		json_decref(old);
		json_decref(now);
		return api_problem(p, err == -ENOSPC || err == -EDQUOT ? 507 : 500,
				   "the state file cannot be written: nothing was saved", NULL);
	}
	json_decref(old);
	json_object_set_new(now, "unsaved", json_array());
	return api_respond_json(p, 200, now, NULL);
}

static void save_rules_now(int revents, void *arg)
{
	struct pending *p = arg;

	if (ipt_get(p->u.one.name, p->stage - 2, api_ipt_answered, p)) {
		p->ipt_code = 500;
		api_resume(p);
	}
}

/* The ruleset of the next family.  Not from within the last job's done()
 * (where the second one is asked for): from the loop, once it returned. */
static enum MHD_Result save_rules(struct pending *p)
{
	api_wait(p);
	ev_once(EV_DEFAULT, -1, 0, 0.0, save_rules_now, p);
	return MHD_YES;
}

enum MHD_Result api_tenant_save(struct pending *p, char **arg)
{
	const char *tenant = arg[0];

	API_CHECK_TENANT(p, tenant);
	switch (p->stage) {
	case 0:
		if (!state_tenant(tenant))
			return api_problem(p, 404, "no such tenant", "name");
		p->stage = 1;
		return api_tenant_submit(p, &tenant_op_get, tenant, NULL);
	case 1:
		if (p->u.req.status)
			return api_tenant_error(p);
		p->stage = 2;
		return save_rules(p);
	case 2:		/* the IPv4 ruleset came, then the IPv6 one */
	case 3:
		if (p->ipt_code || !p->ipt_text)
			break;
		p->save_rules[p->stage - 2] = p->ipt_text;
		p->ipt_text = NULL;
		p->stage++;
		return save_rules(p);
	default:
		if (p->ipt_code || !p->ipt_text)
			break;
		return save_commit(p, tenant);
	}
	return api_problem(p, 500, "iptables-save or nft could not run: see the log", NULL);
}
