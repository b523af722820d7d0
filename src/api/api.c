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

#include "api/api_int.h"
#include "dataplane/dp.h"
#include "conf/conf_listen.h"
#include "conns.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "nuse.h"
#include "conf/state.h"

#define BODY_MAX	(64 * 1024)
#define RULES_MAX	(4 << 20)	/* PUT .../iptables: a ruleset's text */
#define TOKEN_MAX	4096

static struct MHD_Daemon *mhd;
static struct ev_loop *loop;
static ev_io mhd_io;
static ev_timer mhd_timer;
static enum api_phase phase = API_STARTING;
static char *token;
static size_t token_len;
static int inflight;
static void (*idle_fn)(void);
static unsigned int max_conns;

static void api_pump(void);

double api_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum MHD_Result api_respond(struct pending *p, unsigned int status, const char *type,
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

enum MHD_Result api_respond_json(struct pending *p, unsigned int status, json_t *j,
				    const char *location)
{
	char *body = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	json_decref(j);
	if (!body)
		return MHD_NO;
	return api_respond(p, status, "application/json", body, location, NULL);
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
	case 507: return "Insufficient Storage";
	default: return "Internal Server Error";
	}
}

static enum MHD_Result api_problem_allow(struct pending *p, unsigned int status,
				     const char *detail, const char *field,
				     const char *allow)
{
	json_t *j = json_pack("{s:s,s:s,s:i,s:s}", "type", "about:blank",
			      "title", status_title(status), "status", status,
			      "detail", detail);
	char *body;

	snprintf(p->detail, sizeof(p->detail), "%s%s%s", field && *field ? field : "",
		 field && *field ? ": " : "", detail);
	if (field && *field)
		json_object_set_new(j, "field", json_string(field));
	body = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!body)
		return MHD_NO;
	return api_respond(p, status, "application/problem+json", body, NULL, allow);
}

enum MHD_Result api_problem(struct pending *p, unsigned int status,
			       const char *detail, const char *field)
{
	return api_problem_allow(p, status, detail, field, NULL);
}

enum MHD_Result api_not_allowed(struct pending *p, const char *allow)
{
	return api_problem_allow(p, 405, "see the Allow header", NULL, allow);
}

enum MHD_Result api_invalid(struct pending *p, const char *err)
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
	return api_problem(p, 422, err, field);
}

static void on_answer(struct ctl_req *req);

enum MHD_Result api_submit(struct pending *p, const struct ctl_op *op, size_t len)
{
	p->u.req.op = op;
	p->u.req.len = len;
	p->u.req.done = on_answer;
	p->submitted = 1;
	MHD_suspend_connection(p->conn);
	api_inflight_add(1);
	if (ctl_submit(&p->u.req)) {
		api_inflight_add(-1);
		MHD_resume_connection(p->conn);
		p->u.req.status = -EIO;
	}
	return MHD_YES;
}

void api_wait(struct pending *p)
{
	p->submitted = 1;
	MHD_suspend_connection(p->conn);
	api_inflight_add(1);
}

void api_resume(struct pending *p)
{
	MHD_resume_connection(p->conn);
	api_inflight_add(-1);
	api_pump();
}

/*
 * Changes wait to be answered until the state file has them.  All the
 * answers that came back together share one write (group commit), so
 * many clients changing at once pay for one fsync, not one each.
 */
static struct pending *unsaved;

static void on_answer(struct ctl_req *req)
{
	struct pending *p = (struct pending *)req;

	if (!req->status)
		api_undo_keep(p);
	if (!req->status && req->op->follow && req->op->follow(req)) {
		p->next_unsaved = unsaved;
		unsaved = p;
		return;
	}
	MHD_resume_connection(p->conn);
	api_inflight_add(-1);
}

/* After a batch of answers: make the changes durable, then let MHD send
 * every answer. */
static void on_answers(void)
{
	struct pending *p, *next, *batch = unsaved;
	int err = unsaved ? state_save() : 0;

	unsaved = NULL;
	if (err) {
		/* The batch is newest first: put the state back, then undo
		 * each change in the kernel, newest first too. */
		for (p = batch; p; p = p->next_unsaved)
			api_undo_state(p);
		for (p = batch; p; p = next) {
			next = p->next_unsaved;
			api_undo(p, err);
		}
		return;
	}
	for (p = batch; p; p = next) {
		next = p->next_unsaved;
		MHD_resume_connection(p->conn);
		api_inflight_add(-1);
	}
	api_pump();
}

enum MHD_Result api_metrics_get(struct pending *p, char **arg)
{
	size_t len;
	char *text;

	if (!p->submitted) {
		if (metrics_scrape_init(&p->u.metrics))
			return api_problem(p, 503, "out of memory", NULL);
		return api_submit(p, &metrics_op, sizeof(p->u.metrics));
	}
	if (p->u.req.status)
		return api_problem(p, p->u.req.status == -EHOSTDOWN ? 503 : 500,
				   strerror(-p->u.req.status), NULL);
	text = metrics_render(&p->u.metrics, &len);
	if (!text)
		return api_problem(p, 503, "out of memory", NULL);
	return api_respond(p, 200, "text/plain; version=0.0.4; charset=utf-8", text, NULL, NULL);
}

/* --- the routes of api.c --- */

enum MHD_Result api_healthz_get(struct pending *p, char **arg)
{
	return api_respond_json(p, 200, json_pack("{s:s}", "status", "ok"), NULL);
}

enum MHD_Result api_version_get(struct pending *p, char **arg)
{
	return api_respond_json(p, 200, json_pack("{s:s,s:s}", "version", PACKAGE_VERSION,
				"kernel", nuse_kernel_release()), NULL);
}

/* --- the request's life --- */

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * "Bearer", then spaces or tabs, then the token; spaces and tabs after it
 * are HTTP's optional white space, as before it.  The value is taken with
 * the length libmicrohttpd reports; a NUL, which 0.9.75 would hide by
 * cutting the value short, was refused at the gate (conns_saw_nul()).
 */
static int authorized(struct MHD_Connection *c)
{
	const char *h;
	unsigned char diff;
	size_t i, n;

	if (!token)
		return 1;
	if (MHD_lookup_connection_value_n(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION,
					  strlen(MHD_HTTP_HEADER_AUTHORIZATION), &h, &n) != MHD_YES ||
	    !h || memchr(h, '\0', n) || n < 7 || strncasecmp(h, "Bearer", 6) || !is_ows(h[6]))
		return 0;
	for (h += 7, n -= 7; n && is_ows(*h); h++, n--)
		;
	while (n && is_ows(h[n - 1]))
		n--;
	diff = n != token_len;
	for (i = 0; i < token_len; i++)		/* time independent of the guess */
		diff |= token[i] ^ (i < n ? h[i] : 0);
	return !diff;
}

/* Every dataplane worker must have come back from the kernel this recently
 * for /healthz to say ok: each comes back at least every 100 ms when idle. */
#define HEARTBEAT_STALE_NS	1000000000ULL

/* NULL when healthy, else what /healthz says. */
static const char *unhealthy(char *detail, size_t len)
{
	unsigned long long age;
	unsigned int worker = 0;

	*detail = '\0';
	if (phase == API_FAILED || dp_panicked())
		return "panicked";
	if (phase == API_STARTING)
		return "starting";
	if (phase == API_STOPPING)
		return "stopping";
	age = dp_heartbeat_age(&worker);
	if (age == ~0ULL) {
		snprintf(detail, len, "the dataplane's workers are not all running");
		return "stalled";
	}
	if (age > HEARTBEAT_STALE_NS) {
		snprintf(detail, len, "dataplane worker %u (kernel CPU %u) has not come back "
			 "from the kernel for %.1f s", worker, worker, age / 1e9);
		return "stalled";
	}
	return NULL;
}

static const char *phase_detail(void)
{
	switch (phase) {
	case API_STARTING: return "starting: tenants are being restored";
	case API_STOPPING: return "stopping";
	default: return "the kernel panicked: the appliance is exiting";
	}
}

/* Before the body: authentication, the phase. */
static enum MHD_Result gate(struct pending *p, const char *url)
{
	int health = !strcmp(url, "/healthz");
	const char *sick;
	char detail[128];

	if (conns_saw_nul(p->conn)) {
		p->route = "other";
		return api_problem(p, 400, "the request holds a NUL byte", NULL);
	}
	if (health && (sick = unhealthy(detail, sizeof(detail)))) {
		json_t *j = json_pack("{s:s}", "status", sick);

		if (*detail)
			json_object_set_new(j, "detail", json_string(detail));
		p->route = "/healthz";
		return api_respond_json(p, 503, j, NULL);
	}
	if (!health && !authorized(p->conn)) {
		p->route = "other";
		return api_problem(p, 401, "a valid bearer token is needed", "Authorization");
	}
	if (!health && phase != API_RUNNING && strcmp(url, "/version")) {
		p->route = "other";
		return api_problem(p, 503, phase_detail(), NULL);
	}
	return MHD_YES;
}

/* A POST with an Idempotency-Key: the first answer again, or go on. */
static size_t body_max(const char *url)
{
	size_t n = strlen(url);

	return n > 9 && !strcmp(url + n - 9, "/iptables") ? RULES_MAX : BODY_MAX;
}

/* The change was made, then the state file refused it. */
static enum MHD_Result unsaved_answer(struct pending *p)
{
	char detail[256];
	int full = p->state_err == -ENOSPC || p->state_err == -EDQUOT;

	if (p->undone > 0)
		snprintf(detail, sizeof(detail), "the state file cannot be written (%s): "
			 "the change was undone", strerror(-p->state_err));
	else
		snprintf(detail, sizeof(detail), "the state file cannot be written (%s), and "
			 "the change could not be undone: it is live, but will not survive a "
			 "restart (see the log)", strerror(-p->state_err));
	return api_problem(p, full && p->undone > 0 ? 507 : 500, detail, NULL);
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
		p->t0 = api_now();
		conns_busy(c);
		snprintf(p->method, sizeof(p->method), "%s", method);
		snprintf(p->url, sizeof(p->url), "%s", url);
		*state = p;
		return gate(p, url);
	}
	if (p->status)		/* answered at the gate: ignore the body */
		return MHD_YES;
	if (p->state_err && p->undone)
		return unsaved_answer(p);
	if (*upload_size) {
		if (p->body_len + *upload_size > body_max(url)) {
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
	if (!p->submitted && conns_saw_nul(c)) {	/* in the body */
		p->route = "other";
		return api_problem(p, 400, "the request holds a NUL byte", NULL);
	}
	if (!p->submitted && !strcmp(method, "POST")) {
		ret = idem_check(p, url, &answered);
		if (answered) {
			p->route = "other";
			return ret;
		}
	}
	return api_route(p, url, method);
}

/* What a peer sent, fit for one log line. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || *s == '"')
			*s = '?';
}

/*
 * Every change asked of the API is logged once it is answered: who (the
 * peer, and whether it showed the token), what, and the result.  Those
 * that changed something always; refusals at most 20 a second, since
 * anyone who can reach the port can cause them.
 */
static void audit(struct pending *p)
{
	static struct log_rate refused = LOG_RATE(20);
	const union MHD_ConnectionInfo *ci;
	char who[INET6_ADDRSTRLEN + 8] = "?";
	unsigned int held;

	if (!strcmp(p->method, "GET") || !strcmp(p->method, "HEAD"))
		return;
	if (p->status >= 300 && !log_allow(&refused))
		return;
	ci = MHD_get_connection_info(p->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		char host[INET6_ADDRSTRLEN];

		if (sa->sa_family == AF_INET &&
		    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof(host)))
			snprintf(who, sizeof(who), "%s:%u", host,
				 ntohs(((const struct sockaddr_in *)sa)->sin_port));
		else if (sa->sa_family == AF_INET6 &&
			 inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host,
				   sizeof(host)))
			snprintf(who, sizeof(who), "[%s]:%u", host,
				 ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
	}
	printable(p->url);
	printable(p->detail);
	held = log_held(&refused);
	if (held)
		log_info("audit: %u refused request(s) not logged (over 20 a second)", held);
	log_info("audit: %s%s %s %s: %u%s%s", who, token ? (p->status == 401 ? " (no valid token)"
		 : " (token)") : "", p->method, p->url, p->status, p->detail[0] ? " " : "",
		 p->detail);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *state;

	if (!p)
		return;
	conns_idle(c);
	if (p->status) {
		metrics_observe(p->method, p->route ? p->route : "other", p->status,
				api_now() - p->t0);
		audit(p);
	}
	if (p->idem)		/* never answered: forget the key */
		idem_forget(p->idem);
	ctl_release(&p->u.req);
	/* The spec is the request's own (parsed from the body), also when
	 * it was refused before it was submitted. */
	if (!p->u.req.op || p->u.req.len == sizeof(p->u.one))
		tenant_spec_free(&p->u.one.spec);
	json_decref(p->before);
	free(p->names);
	free(p->ipt_text);
	free(p->save_rules[0]);
	free(p->save_rules[1]);
	free(p->body);
	free(p);
	*state = NULL;
}

/* Let MHD work, then re-arm its timeout. */
static void api_pump(void)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(mhd);
	conns_trim(max_conns);
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

/* The token file: a regular file of root's that no one else may read. */
static int token_load(const char *path)
{
	char buf[TOKEN_MAX + 2];
	struct stat st;
	ssize_t n;
	int fd, err = -EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		err = -errno;
		log_err("api: token file %s: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		log_err("api: token file %s: not a regular file", path);
		goto fail;
	}
	if (st.st_uid != 0 || (st.st_mode & 077)) {
		log_err("api: token file %s: must belong to root and be readable by no one "
			"else (chown root %s; chmod 600 %s)", path, path, path);
		err = -EACCES;
		goto fail;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		err = -errno;
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
	if (!token)
		log_err("api: token file %s: out of memory", path);
	return token ? 0 : -ENOMEM;
fail:
	close(fd);
	return err;
}

int api_init(struct ev_loop *l, const struct config *c)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;
	socklen_t sslen;
	int err;

	loop = l;
	if (conf_parse_listen(c->api_listen, &ss, &sslen)) {
		log_err("api: cannot listen on %s: not ADDRESS:PORT", c->api_listen);
		return -EINVAL;
	}
	if (c->api_token_file && (err = token_load(c->api_token_file)))
		return err;
	max_conns = c->api_max_connections;
	conns_set_max(max_conns);
	conns_check_rlimit(API_CONN_LIMIT(max_conns));
	mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			       (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL,
			       handle, NULL,
			       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			       MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
			       MHD_OPTION_NOTIFY_CONNECTION, conns_notify, NULL,
			       MHD_OPTION_CONNECTION_TIMEOUT, c->api_idle_timeout,
			       MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->api_max_per_client,
			       MHD_OPTION_CONNECTION_LIMIT, API_CONN_LIMIT(c->api_max_connections),
			       MHD_OPTION_END);
	if (!mhd) {
		err = errno ? -errno : -EIO;
		log_err("api: cannot listen on %s: %s", c->api_listen, strerror(-err));
		api_fini();
		return err;
	}
	ctl_on_replies(on_answers);
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_EPOLL_FD);
	ev_io_init(&mhd_io, on_io, info->epoll_fd, EV_READ);
	ev_io_start(loop, &mhd_io);
	ev_timer_init(&mhd_timer, on_timer, 0., 0.);
	api_pump();
	log_info("api: listening on %s%s", c->api_listen,
		 token ? " (bearer token required)" : "");
	return 0;
}

void api_set_phase(enum api_phase ph)
{
	phase = ph;
}

enum api_phase api_phase(void)
{
	return phase;
}

void api_inflight_add(int delta)
{
	inflight += delta;
	if (!inflight && idle_fn)
		idle_fn();
}

int api_inflight(void)
{
	return inflight;
}

void api_on_idle(void (*fn)(void))
{
	idle_fn = fn;
}

/* Also after a failed api_init(): whatever it got as far as. */
void api_fini(void)
{
	if (mhd) {
		ev_io_stop(loop, &mhd_io);
		ev_timer_stop(loop, &mhd_timer);
		MHD_stop_daemon(mhd);
		mhd = NULL;
		idem_fini();
	}
	if (token)
		memset(token, 0, token_len);
	free(token);
	token = NULL;
}

