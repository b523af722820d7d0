// SPDX-License-Identifier: GPL-2.0
/*
 * /tenants/NAME/iptables: GET is iptables-save's text (?family=ipv6 for
 * ip6tables), PUT replaces the ruleset from iptables-restore text, POST
 * runs one iptables command given as an argument list.
 * /tenants/NAME/nftables: GET is nft list ruleset's text, PUT replaces the
 * whole ruleset with nft -f text, in one transaction.  The work is done
 * by the real tools (iptables.c); this is the HTTP side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "conf/conf.h"
#include "iptables/iptables.h"
#include "conf/state.h"
#include "tenant/admit.h"

static int family_of(struct pending *p, int *family)
{
	const char *f = MHD_lookup_connection_value(p->conn, MHD_GET_ARGUMENT_KIND, "family");

	*family = f && !strcmp(f, "ipv6");
	return !f || !strcmp(f, "ipv4") || *family ? 0 : -1;
}

/* POST {"rule": ["-A", "INPUT", ...], "family": "ipv4"}: its arguments,
 * or an answer already given (p->status set). */
static enum MHD_Result rule_args(struct pending *p, char ***argv, int *family)
{
	const char *bad, *fam;
	enum MHD_Result ret;
	json_t *j, *rule, *a;
	size_t i;

	if (!(j = api_parse_body(p, &ret)))
		return ret;
	rule = json_object_get(j, "rule");
	fam = json_string_value(json_object_get(j, "family"));
	if (!json_is_object(j) || !json_is_array(rule) || !json_array_size(rule) ||
	    json_array_size(rule) > 64 ||
	    json_object_size(j) != 1u + !!json_object_get(j, "family")) {
		json_decref(j);
		return api_problem(p, 422, "the body is {\"rule\": [\"-A\", \"INPUT\", ...], "
				   "\"family\": \"ipv4\" or \"ipv6\"}", "rule");
	}
	if (json_object_get(j, "family") && (!fam || (strcmp(fam, "ipv4") && strcmp(fam, "ipv6")))) {
		json_decref(j);
		return api_problem(p, 422, "family is ipv4 or ipv6", "family");
	}
	*family = fam && !strcmp(fam, "ipv6");
	*argv = calloc(json_array_size(rule) + 1, sizeof(**argv));
	json_array_foreach(rule, i, a) {
		const char *s = json_string_value(a);

		if (!*argv || !s || !*s || strlen(s) > 1024 || config_check_iptables(s, &bad)) {
			json_decref(j);
			return api_problem(p, 422, "each argument is a string, without -M or "
					   "--modprobe", "rule");
		}
		(*argv)[i] = strdup(s);
	}
	json_decref(j);
	return MHD_YES;
}

static enum MHD_Result iptables_answer(struct pending *p, unsigned int ok, int nft)
{
	const char *what = nft ? "nftables" : "iptables";
	char *text = p->ipt_text, msg[64];

	snprintf(msg, sizeof(msg), "%s refused it", nft ? "nft" : "iptables");
	if (p->ipt_code == 422)
		return api_problem(p, 422, text && *text ? text : msg, what);
	snprintf(msg, sizeof(msg), "%s could not run: see the log", nft ? "nft" : "iptables");
	if (p->ipt_code || !text)
		return api_problem(p, 500, msg, NULL);
	p->ipt_text = NULL;
	return api_respond(p, ok, "text/plain; charset=utf-8", text, NULL, NULL);
}

/* Checked, then handed to an iptables job; answered when it is done. */
static enum MHD_Result iptables_check(struct pending *p, const char *m, int nft)
{
	const char *type, *bad;
	char detail[128];

	if (!method_is(m, "PUT"))
		return MHD_YES;
	type = MHD_lookup_connection_value(p->conn, MHD_HEADER_KIND, "Content-Type");
	if (p->too_big)
		return api_problem(p, 413, "the ruleset is over 4 MiB", NULL);
	if (!type || strncasecmp(type, "text/plain", 10))
		return api_problem(p, 415, "send the ruleset as text/plain", NULL);
	if ((nft ? config_check_nftables : config_check_iptables)(p->body ? p->body : "", &bad)) {
		snprintf(detail, sizeof(detail), "a ruleset may not hold %s", bad);
		return api_problem(p, 422, detail, nft ? "nftables" : "iptables");
	}
	return MHD_YES;
}

/* A ruleset costs kernel memory: ask the dataplane first (stage 1). */
static enum MHD_Result iptables_admit(struct pending *p)
{
	p->stage = 1;
	p->u.admit.need = ADMIT_RULES_FACTOR * p->body_len;
	snprintf(p->u.admit.what, sizeof(p->u.admit.what), "this ruleset");
	return api_submit(p, &tenant_op_admit, sizeof(p->u.admit));
}

static enum MHD_Result iptables(struct pending *p, const char *tenant, const char *m, int nft)
{
	enum MHD_Result ret = MHD_YES;
	char **argv = NULL;
	int family = 0, err, i;

	if (p->stage == 1) {
		int status = p->u.req.status;

		p->stage = 2;
		if (status == -EDQUOT)
			return api_problem(p, 507, p->u.admit.error.msg, nft ? "nftables" : "iptables");
		if (status)
			return api_problem(p, status == -EHOSTDOWN ? 503 : 500, strerror(-status), NULL);
		if (nft)
			family = IPT_NFT;
		else
			family_of(p, &family);
		goto run;
	}
	if (p->submitted)
		return iptables_answer(p, method_is(m, "POST") ? 201 : 200, nft);
	if (!state_tenant(tenant))
		return api_problem(p, 404, "no such tenant", "name");
	if (nft) {
		family = IPT_NFT;
		ret = iptables_check(p, m, 1);
	} else if (method_is(m, "POST"))
		ret = rule_args(p, &argv, &family);
	else if (family_of(p, &family))
		return api_problem(p, 422, "family is ipv4 or ipv6", "family");
	else
		ret = iptables_check(p, m, 0);
	if (p->status)			/* answered already: a bad request */
		goto out;
	if (method_is(m, "PUT"))
		return iptables_admit(p);
run:
	api_wait(p);
	if (method_is(m, "GET"))
		err = ipt_get(tenant, family, api_ipt_answered, p);
	else if (method_is(m, "PUT"))
		err = ipt_put(tenant, family, p->body ? p->body : "", api_ipt_answered, p);
	else
		err = ipt_rule(tenant, family, argv, api_ipt_answered, p);
	if (err) {
		p->ipt_code = 500;
		api_resume(p);
	}
out:
	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
	return ret;
}

enum MHD_Result api_iptables_get(struct pending *p, char **arg)
{
	return iptables(p, arg[0], "GET", 0);
}

enum MHD_Result api_iptables_put(struct pending *p, char **arg)
{
	return iptables(p, arg[0], "PUT", 0);
}

enum MHD_Result api_iptables_post(struct pending *p, char **arg)
{
	return iptables(p, arg[0], "POST", 0);
}

enum MHD_Result api_nftables_get(struct pending *p, char **arg)
{
	return iptables(p, arg[0], "GET", 1);
}

enum MHD_Result api_nftables_put(struct pending *p, char **arg)
{
	return iptables(p, arg[0], "PUT", 1);
}
