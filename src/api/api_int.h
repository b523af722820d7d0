/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the API: one request in progress, and what its parts share. */
#ifndef API_INT_H
#define API_INT_H

#include <string.h>
#include <jansson.h>
#include <microhttpd.h>

#include "api/api.h"
#include "ctl/ctl.h"
#include "metrics/metrics.h"
#include "ops/ops.h"

struct idem;

/* A request in progress: its body, and the control request that waits
 * for the dataplane while its connection is suspended. */
struct pending {
	union {
		struct ctl_req req;
		struct tenant_list_req list;
		struct tenant_req one;		/* also before it is submitted */
		struct metrics_scrape metrics;
		struct tenant_admit_req admit;
	} u;
	struct MHD_Connection *conn;
	char method[8];
	char url[256];			/* as asked, for the audit line */
	char detail[192];		/* what a problem answer said */
	const char *route;		/* the pattern, for metrics */
	double t0;
	unsigned int status;		/* answered with */
	char *body;
	size_t body_len;
	int too_big;
	int submitted;
	int state_err;			/* the state file could not be written */
	json_t *before;			/* the tenant's object before the change */
	int kept;			/* @before is set (NULL: there was none) */
	int undone;			/* after a failed write: 1 undone, -1 not */
	int undo_route, undo_err;	/* routes of @before added back so far */
	struct idem *idem;
	struct tenant_sysctl *names;	/* sysctls to read back */
	int nnames;
	char addr[64];			/* POST .../addresses: for Location */
	struct pending *next_unsaved;	/* answered, waiting for the state file */
	int stage;			/* POST /tenants with rulesets: 1 applying, 2 undoing */
	int ipt_code;			/* what an iptables job ended with */
	char *ipt_text;			/* its ruleset, or what iptables said */
	int ipt_family;			/* and the family it ended on (IPT_*) */
	char *save_rules[2];		/* POST .../save: the IPv4 and IPv6 rulesets read */
};

double api_now(void);

/* Every answer goes through api_respond(): metrics and Idempotency-Key
 * see it.  @body is malloc'd (or NULL) and taken. */
enum MHD_Result api_respond(struct pending *p, unsigned int status, const char *type,
			    char *body, const char *location, const char *allow);
enum MHD_Result api_respond_json(struct pending *p, unsigned int status, json_t *j,
				 const char *location);
/* RFC 9457 problem details; @field names the offending one, if any. */
enum MHD_Result api_problem(struct pending *p, unsigned int status,
			    const char *detail, const char *field);
enum MHD_Result api_not_allowed(struct pending *p, const char *allow);
/* A parse error "WHERE: WHAT" from conf.c, as a 422 naming WHERE. */
enum MHD_Result api_invalid(struct pending *p, const char *err);
/* Wait for something else than the dataplane (an iptables job); the
 * connection is suspended until api_resume(). */
void api_wait(struct pending *p);
void api_resume(struct pending *p);
/* Hand the request to the dataplane as @op (@len: the size of the
 * struct of @p->u it filled); the connection waits, suspended. */
enum MHD_Result api_submit(struct pending *p, const struct ctl_op *op, size_t len);

/* A tenant's name in the path longer than any can be: no such tenant. */
#define API_CHECK_TENANT(p, name) do {					\
	if (strlen(name) > TENANT_NAME_MAX)				\
		return api_problem(p, 404, "no such tenant", "name");	\
} while (0)

static inline int method_is(const char *method, const char *m)
{
	return !strcmp(method, m);
}

/* routes.c: the handler of @method @url (routes.def), or the 404/405. */
enum MHD_Result api_route(struct pending *p, const char *url, const char *method);

/* Every handler of routes.def: @arg holds the path's parameters. */
#define API_ROUTE(method, pattern, fn) enum MHD_Result fn(struct pending *p, char **arg);
#include "api/routes.def"

/* tenants.c: a tenant request to the dataplane (the sysctls the state
 * names, and @extra's, are read back); an error answer from its status. */
enum MHD_Result api_tenant_submit(struct pending *p, const struct ctl_op *op,
				  const char *name, json_t *extra_sysctls);
enum MHD_Result api_tenant_error(struct pending *p);

/* save.c: what a tenant's GET shows unsaved. */
json_t *api_unsaved(const char *tenant, json_t *now);

/* tenants.c: what an iptables job's done() is for a pending request;
 * the body as JSON, or NULL with the answer given (400, 413, 415). */
void api_ipt_answered(void *priv, int code, const char *text, const char *err);
json_t *api_parse_body(struct pending *p, enum MHD_Result *ret);


/* undo.c: a change whose state could not be written is undone.  keep()
 * before the state follows it; after the write failed, state() for each
 * change of the batch (last first), then undo() for each. */
void api_undo_keep(struct pending *p);
void api_undo_state(struct pending *p);
void api_undo(struct pending *p, int err);

/* idem.c: Idempotency-Key. */
enum MHD_Result idem_check(struct pending *p, const char *url, int *answered);
void idem_record(struct idem *k, unsigned int status, const char *type,
		 const char *body, const char *location);
void idem_forget(struct idem *k);
void idem_fini(void);

#endif
