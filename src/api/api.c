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

/* RFC 9457 problem details. */
static enum MHD_Result problem(struct MHD_Connection *c, unsigned int status,
			       const char *title, const char *detail)
{
	json_t *j = json_pack("{s:s,s:s,s:i,s:s}", "type", "about:blank",
			      "title", title, "status", status, "detail", detail);
	char *body = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(j);
	return reply(c, status, "application/problem+json", body);
}

static enum MHD_Result not_allowed(struct MHD_Connection *c, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body;
	json_t *j = json_pack("{s:s,s:s,s:i,s:s}", "type", "about:blank",
			      "title", "Method Not Allowed", "status", 405,
			      "detail", "see the Allow header");

	body = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/problem+json");
	MHD_add_response_header(r, "Allow", allow);
	ret = MHD_queue_response(c, 405, r);
	MHD_destroy_response(r);
	return ret;
}

/* A request waiting for the dataplane, and the connection it suspended. */
struct pending {
	struct ctl_tenant_list list;
	struct MHD_Connection *conn;
	int answered;
};

static void on_answer(struct ctl_req *req)
{
	struct pending *p = (struct pending *)req;

	p->answered = 1;
	MHD_resume_connection(p->conn);
	api_pump();
}

static enum MHD_Result tenants_get(struct MHD_Connection *c, void **state)
{
	struct pending *p = *state;
	enum MHD_Result ret;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return problem(c, 503, "Service Unavailable", "out of memory");
		p->list.req = (struct ctl_req){ .type = CTL_TENANT_LIST,
			.len = sizeof(p->list), .done = on_answer };
		p->conn = c;
		*state = p;
		MHD_suspend_connection(c);
		ctl_submit(&p->list.req);
		return MHD_YES;
	}
	if (p->list.req.status)
		ret = problem(c, 500, "Internal Server Error", strerror(-p->list.req.status));
	else
		ret = reply(c, 200, "application/json", p->list.json);
	p->list.json = NULL;
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload, size_t *upload_size, void **state)
{
	int get = !strcmp(method, MHD_HTTP_METHOD_GET);

	if (!strcmp(url, "/healthz"))
		return get ? reply_json(c, 200, json_pack("{s:s}", "status", "ok"))
			   : not_allowed(c, "GET");
	if (!strcmp(url, "/version"))
		return get ? reply_json(c, 200, json_pack("{s:s,s:s}", "version",
					PACKAGE_VERSION, "kernel", nuse_kernel_release()))
			   : not_allowed(c, "GET");
	if (!strcmp(url, "/tenants")) {
		if (!get)
			return not_allowed(c, "GET");
		return tenants_get(c, state);
	}
	return problem(c, 404, "Not Found", url);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *state;

	if (p) {
		free(p->list.json);
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
