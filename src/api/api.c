// SPDX-License-Identifier: GPL-2.0
/* The HTTP JSON API; see api.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

#include "api.h"
#include "ctl.h"
#include "log.h"
#include "nuse.h"

static struct MHD_Daemon *mhd;
static struct ev_loop *loop;
static ev_io mhd_io;
static ev_timer mhd_timer;

static void api_pump(void);

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned int status,
				  json_t *j)
{
	char *body = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(j);
	return reply(c, status, "application/json", body);
}

/* RFC 9457 problem details; @field names the offending one, if any. */
static struct MHD_Response *problem_response(unsigned int status, const char *title,
					     const char *detail, const char *field)
{
	json_t *j = json_pack("{s:s,s:s,s:i,s:s}", "type", "about:blank",
			      "title", title, "status", status, "detail", detail);
	struct MHD_Response *r;
	char *body;

	if (field && *field)
		json_object_set_new(j, "field", json_string(field));
	body = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/problem+json");
	return r;
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned int status,
			     struct MHD_Response *r)
{
	enum MHD_Result ret = MHD_queue_response(c, status, r);

	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result problem_field(struct MHD_Connection *c, unsigned int status,
				     const char *title, const char *detail,
				     const char *field)
{
	return queue(c, status, problem_response(status, title, detail, field));
}

static enum MHD_Result problem(struct MHD_Connection *c, unsigned int status,
			       const char *title, const char *detail)
{
	return problem_field(c, status, title, detail, NULL);
}

static enum MHD_Result not_allowed(struct MHD_Connection *c, const char *allow)
{
	struct MHD_Response *r = problem_response(405, "Method Not Allowed",
						  "see the Allow header", NULL);

	MHD_add_response_header(r, "Allow", allow);
	return queue(c, 405, r);
}

#define BODY_MAX	(64 * 1024)

/* A request in progress: its body, and the control request that waits
 * for the dataplane while its connection is suspended. */
struct pending {
	union {
		struct ctl_req req;
		struct ctl_tenant_list list;
		struct ctl_tenant one;
	} u;
	struct MHD_Connection *conn;
	int submitted;
	char *body;
	size_t body_len;
	int too_big;
};

static void on_answer(struct ctl_req *req)
{
	struct pending *p = (struct pending *)req;

	MHD_resume_connection(p->conn);
	api_pump();
}

static void submit(struct pending *p, unsigned int type, size_t len)
{
	p->u.req.type = type;
	p->u.req.len = len;
	p->u.req.done = on_answer;
	p->submitted = 1;
	MHD_suspend_connection(p->conn);
	ctl_submit(&p->u.req);
}

/* The one table from -errno to HTTP status for tenant changes. */
static unsigned int tenant_status(int err)
{
	switch (err) {
	case -EEXIST: return 409;
	case -ENOENT: return 404;
	case -EINVAL: case -ENETUNREACH: case -EADDRNOTAVAIL: return 422;
	case -ENOMEM: case -ENOSPC: return 503;
	default: return 500;
	}
}

static const char *status_title(unsigned int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

static enum MHD_Result tenants_list(struct pending *p)
{
	char *json;

	if (!p->submitted) {
		submit(p, CTL_TENANT_LIST, sizeof(p->u.list));
		return MHD_YES;
	}
	if (p->u.req.status)
		return problem(p->conn, 500, "Internal Server Error",
			       strerror(-p->u.req.status));
	json = p->u.list.json;
	p->u.list.json = NULL;
	return reply(p->conn, 200, "application/json", json);
}

static enum MHD_Result tenant_answer(struct pending *p, unsigned int ok)
{
	struct ctl_tenant *r = &p->u.one;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int status;
	char loc[128];

	if (r->req.status) {
		status = tenant_status(r->req.status);
		return problem_field(p->conn, status, status_title(status),
				     r->error.msg[0] ? r->error.msg : strerror(-r->req.status),
				     r->error.field);
	}
	if (ok == 204) {
		resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
		ret = MHD_queue_response(p->conn, 204, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	resp = MHD_create_response_from_buffer(strlen(r->json), r->json,
					       MHD_RESPMEM_MUST_FREE);
	r->json = NULL;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	if (ok == 201) {
		snprintf(loc, sizeof(loc), "/tenants/%s", r->name);
		MHD_add_response_header(resp, "Location", loc);
	}
	ret = MHD_queue_response(p->conn, ok, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result tenant_post(struct pending *p)
{
	const char *type = MHD_lookup_connection_value(p->conn, MHD_HEADER_KIND,
						       "Content-Type");
	json_error_t jerr;
	char err[512], detail[600];
	json_t *j;

	if (p->submitted) {
		enum MHD_Result ret = tenant_answer(p, 201);

		config_tenant_free(&p->u.one.spec);
		return ret;
	}
	if (p->too_big)
		return problem(p->conn, 413, "Content Too Large", "the body is over 64 KiB");
	if (!type || strncmp(type, "application/json", 16))
		return problem(p->conn, 415, "Unsupported Media Type",
			       "send application/json");
	j = json_loadb(p->body ? p->body : "", p->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		snprintf(detail, sizeof(detail), "line %d, column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		return problem(p->conn, 400, "Bad Request", detail);
	}
	if (config_tenant(j, "", &p->u.one.spec, err, sizeof(err))) {
		json_decref(j);
		config_tenant_free(&p->u.one.spec);
		return problem_field(p->conn, 422, "Unprocessable Content", err,
				     strtok(err, ":"));
	}
	json_decref(j);
	submit(p, CTL_TENANT_CREATE, sizeof(p->u.one));
	return MHD_YES;
}

static enum MHD_Result tenant_one(struct pending *p, const char *name, int del)
{
	if (p->submitted)
		return tenant_answer(p, del ? 204 : 200);
	if (strlen(name) > TENANT_NAME_MAX || !*name || strchr(name, '/'))
		return problem(p->conn, 404, "Not Found", "no such tenant");
	strcpy(p->u.one.name, name);
	submit(p, del ? CTL_TENANT_DESTROY : CTL_TENANT_GET, sizeof(p->u.one));
	return MHD_YES;
}

static enum MHD_Result route(struct pending *p, const char *url, const char *method)
{
	int get = !strcmp(method, MHD_HTTP_METHOD_GET);
	struct MHD_Connection *c = p->conn;

	if (!strcmp(url, "/healthz"))
		return get ? reply_json(c, 200, json_pack("{s:s}", "status", "ok"))
			   : not_allowed(c, "GET");
	if (!strcmp(url, "/version"))
		return get ? reply_json(c, 200, json_pack("{s:s,s:s}", "version",
					PACKAGE_VERSION, "kernel", nuse_kernel_release()))
			   : not_allowed(c, "GET");
	if (!strcmp(url, "/tenants")) {
		if (get)
			return tenants_list(p);
		if (!strcmp(method, MHD_HTTP_METHOD_POST))
			return tenant_post(p);
		return not_allowed(c, "GET, POST");
	}
	if (!strncmp(url, "/tenants/", 9)) {
		if (get || !strcmp(method, MHD_HTTP_METHOD_DELETE))
			return tenant_one(p, url + 9, !get);
		return not_allowed(c, "GET, DELETE");
	}
	return problem(c, 404, "Not Found", url);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload, size_t *upload_size, void **state)
{
	struct pending *p = *state;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return MHD_NO;
		p->conn = c;
		*state = p;
		return MHD_YES;
	}
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
	return route(p, url, method);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *state;

	if (p) {
		if (p->u.req.type == CTL_TENANT_LIST)
			free(p->u.list.json);
		else
			free(p->u.one.json);
		free(p->body);
		free(p);
		*state = NULL;
	}
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

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(atoi(colon + 1));
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -EINVAL;
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
	mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
			       handle, NULL,
			       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
			       MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
			       MHD_OPTION_CONNECTION_TIMEOUT, 30u,
			       MHD_OPTION_END);
	if (!mhd) {
		log_err("api: cannot listen on %s", c->api_listen);
		return -1;
	}
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_EPOLL_FD);
	ev_io_init(&mhd_io, on_io, info->epoll_fd, EV_READ);
	ev_io_start(loop, &mhd_io);
	ev_timer_init(&mhd_timer, on_timer, 0., 0.);
	api_pump();
	log_info("api: listening on %s", c->api_listen);
	return 0;
}

void api_fini(void)
{
	if (!mhd)
		return;
	ev_io_stop(loop, &mhd_io);
	ev_timer_stop(loop, &mhd_timer);
	MHD_stop_daemon(mhd);
	mhd = NULL;
}
