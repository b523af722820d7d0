// SPDX-License-Identifier: GPL-2.0
/*
 * The tool RPC server; see rpc.h and doc/tools.md.  This file: who may
 * connect, and each connection's byte stream: messages framed, their
 * header checked, replies written without ever blocking the loop.
 */
#define _GNU_SOURCE		/* struct ucred, accept4 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"
#include "metrics/metrics.h"
#include "rpc.h"
#include "rpc_int.h"

#define IN_MIN		4096	/* a connection's input buffer when idle */
#define LOG_WINDOW	10.0	/* peer-triggered log lines: this many seconds */
#define LOG_BURST	20	/* ... hold at most this many */

struct ev_loop *rpc_loop;

static struct {
	int fd;
	ev_io io;
	ev_timer pause;		/* out of descriptors: accept again later */
	ev_async doom;		/* the kernel's CPU wants sessions closed */
	struct rpc_sockfile file;
	int nsess;
	struct rpc_sess *sessions;
} srv = { .fd = -1 };

/* Lines a program can make us log: at most LOG_BURST a window each. */
struct limit {
	pthread_mutex_t lock;
	ev_tstamp window;
	int count, dropped;
};

static void vlog_limited(struct limit *l, const char *fmt, va_list ap)
{
	ev_tstamp now = ev_time();
	char buf[256];
	int held = 0, drop;

	pthread_mutex_lock(&l->lock);
	if (now - l->window >= LOG_WINDOW) {
		held = l->dropped;
		l->window = now;
		l->count = l->dropped = 0;
	}
	drop = l->count++ >= LOG_BURST;
	l->dropped += drop;
	pthread_mutex_unlock(&l->lock);
	if (held)
		log_warn("rpc: %d more such lines were not logged", held);
	if (drop)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_warn("rpc: %s", buf);
}

static void log_limited(struct limit *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_limited(struct limit *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_limited(l, fmt, ap);
	va_end(ap);
}

/* Any thread: the kernel's CPU logs what a channel's program did wrong. */
void rpc_log_peer(const char *fmt, ...)
{
	static struct limit peer = { .lock = PTHREAD_MUTEX_INITIALIZER };
	va_list ap;

	va_start(ap, fmt);
	vlog_limited(&peer, fmt, ap);
	va_end(ap);
}

/* A session the appliance ends, not the program: why, always with its id
 * (a budget of its own, so that the reason is there even after a burst
 * of a program's mistakes used up rpc_log_peer's). */
static unsigned long long ended_by_us;

static void log_ended(const struct rpc_sess *s, const char *why)
{
	static struct limit ended = { .lock = PTHREAD_MUTEX_INITIALIZER };

	ended_by_us++;		/* control thread */

	log_limited(&ended, "session %llu (program %s, pid %d, tenant %s): closed by the appliance: %s",
		    (unsigned long long)s->id, s->comm, s->peer.pid, s->tenant[0] ? s->tenant : "-", why);
}

/* /metrics: sessions and calls (control thread: nothing to take on the
 * dataplane's; the call counters are atomics any thread adds to). */
static void rpc_render(struct metrics_out *o, const void *snap)
{
	const struct rpc_sess *s;
	unsigned int chan = 0, sock = 0, op, cpu, n;
	unsigned long long taken;

	for (s = srv.sessions; s; s = s->next)
		if (s->fd >= 0)
			*(s->chan_live ? &chan : &sock) += 1;
	metrics_head(o, "nuse_rpc_sessions", "gauge",
		     "Tool sessions open, by transport (the shared channel or the socket alone).");
	metrics_put(o, "nuse_rpc_sessions{transport=\"channel\"} %u\n", chan);
	metrics_put(o, "nuse_rpc_sessions{transport=\"socket\"} %u\n", sock);
	metrics_head(o, "nuse_rpc_channels", "gauge",
		     "Shared channels open, by the kernel CPU that is their home and serves them.");
	for (cpu = 0; cpu < rpc_kernel_cpus(); cpu++) {
		rpc_kernel_cpu_stats(cpu, &n, &taken);
		metrics_put(o, "nuse_rpc_channels{cpu=\"%u\"} %u\n", cpu, n);
	}
	metrics_head(o, "nuse_rpc_channel_calls_total", "counter",
		     "Calls taken from shared channels, by their home CPU.");
	for (cpu = 0; cpu < rpc_kernel_cpus(); cpu++) {
		rpc_kernel_cpu_stats(cpu, &n, &taken);
		metrics_put(o, "nuse_rpc_channel_calls_total{cpu=\"%u\"} %llu\n", cpu, taken);
	}
	metrics_counter(o, "nuse_rpc_sessions_ended_by_appliance_total",
			"Tool sessions the appliance ended (a bad message, no memory, ...; the log says why).",
			ended_by_us);
	metrics_head(o, "nuse_rpc_calls_total", "counter", "Tool calls taken, by op.");
	for (op = 0; op < NRPC_OP_MAX; op++)
		if (rpc_op_name(op) || !op)
			metrics_put(o, "nuse_rpc_calls_total{op=\"%s\"} %llu\n",
				    op ? rpc_op_name(op) : "unknown",
				    __atomic_load_n(&rpc_op_calls[op], __ATOMIC_RELAXED));
	metrics_head(o, "nuse_rpc_calls_refused_total", "counter",
		     "Tool calls the appliance refused before the kernel saw them, by op.");
	for (op = 0; op < NRPC_OP_MAX; op++)
		if (rpc_op_name(op) || !op)
			metrics_put(o, "nuse_rpc_calls_refused_total{op=\"%s\"} %llu\n",
				    op ? rpc_op_name(op) : "unknown",
				    __atomic_load_n(&rpc_op_refused[op], __ATOMIC_RELAXED));
}

static struct metrics_collector rpc_metrics = { .name = "rpc", .render = rpc_render };
METRICS_COLLECTOR(rpc_metrics)

struct rpc_sess *rpc_sess_first(void)
{
	return srv.sessions;
}

/* --- who may connect --- */

static int in_groups(int fd, gid_t want)
{
	gid_t small[64], *g = small;
	socklen_t len = sizeof(small);
	int found = 0, i, n;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len)) {
		if (errno != ERANGE || !(g = malloc(len)))
			return 0;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len))
			len = 0;
	}
	n = len / sizeof(gid_t);
	for (i = 0; i < n && !found; i++)
		found = g[i] == want;
	if (g != small)
		free(g);
	return found;
}

/* Root, or a member of the configured group.  (The appliance's own tools
 * come through rpc_adopt(), not the socket file: its user may be shared
 * with other daemons, so being that user proves nothing.) */
static int peer_allowed(int fd, struct ucred *cr)
{
	socklen_t len = sizeof(*cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cr, &len) || len != sizeof(*cr))
		return 0;
	if (cr->uid == 0)
		return 1;
	return srv.file.has_group && (cr->gid == srv.file.group || in_groups(fd, srv.file.group));
}

/* --- the stream --- */

/* The HELLO reply that carries the channel's memfd (and its doorbell's
 * eventfd, if it has one) on its first byte. */
static ssize_t send_with_fd(struct rpc_sess *s, const void *p, size_t len)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} u;
	struct iovec iov = { (void *)p, len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fd[2] = { rpc_chan_fd(s), rpc_chan_bell_fd(s) }, nfd = fd[1] >= 0 ? 2 : 1;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	mh.msg_controllen = CMSG_SPACE(nfd * sizeof(int));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(nfd * sizeof(int));
	memcpy(CMSG_DATA(cm), fd, nfd * sizeof(int));
	n = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n > 0)
		rpc_chan_sent(s);
	return n;
}

/* Write what is queued; stop reading while the program does not read. */
static void sess_flush(struct rpc_sess *s)
{
	struct rpc_call *c;
	ssize_t n;

	while ((c = s->out_head)) {
		size_t total = c->reply.h.len;

		if (c->passes_fd && c->sent == 0 && rpc_chan_fd(s) >= 0)
			n = send_with_fd(s, &c->reply, total);
		else
			n = send(s->fd, (char *)&c->reply + c->sent, total - c->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			ev_io_stop(rpc_loop, &s->rio);
			ev_io_start(rpc_loop, &s->wio);
			return;
		}
		if (n < 0) {
			rpc_sess_close(s, strerror(errno));
			return;
		}
		c->sent += n;
		if (c->sent < total)
			continue;
		s->out_head = c->qnext;
		if (!s->out_head)
			s->out_tail = &s->out_head;
		free(c);
	}
	ev_io_stop(rpc_loop, &s->wio);
	ev_io_start(rpc_loop, &s->rio);
}

void rpc_send(struct rpc_sess *s, struct rpc_call *c, uint32_t seq, long ret)
{
	if (c->out_placed && !s->chan_live) {	/* its data is not here: none */
		c->out_len = 0;
		ret = -EIO;
	}
	c->reply.h = (struct nrpc_hdr){
		.len = sizeof(c->reply) + c->out_len, .type = NRPC_REPLY, .seq = seq,
	};
	c->reply.ret = ret;
	c->reply.out_len = c->out_len;
	c->reply.pad = 0;
	c->sent = 0;
	c->qnext = NULL;
	if (s->fd < 0) {
		free(c);
		return;
	}
	if (s->chan_live) {
		rpc_chan_reply(s, c);
		free(c);
		return;
	}
	*s->out_tail = c;
	s->out_tail = &c->qnext;
	if (s->out_head == c)
		sess_flush(s);
}

void rpc_send_error(struct rpc_sess *s, uint32_t seq, long ret)
{
	struct rpc_call *c = rpc_call_new(s, 0, 0);

	if (!c) {
		rpc_sess_fail(s, "out of memory");
		return;
	}
	rpc_send(s, c, seq, ret);
}

void rpc_sess_close(struct rpc_sess *s, const char *why)
{
	struct rpc_call *c, *next;

	if (s->fd < 0)
		return;
	if (rpc_on_kernel()) {
		rpc_sess_fail(s, why);
		return;
	}
	/* first of all: the kernel's CPU stops looking at it */
	rpc_chan_detach(s);
	if (s->state == RPC_READY)
		log_debug("rpc: session %llu (pid %d, tenant %s) ends: %s",
			  (unsigned long long)s->id, s->peer.pid, s->tenant, why);
	ev_io_stop(rpc_loop, &s->rio);
	ev_io_stop(rpc_loop, &s->wio);
	close(s->fd);
	s->fd = -1;
	for (c = s->out_head; c; c = next) {
		next = c->qnext;
		free(c);
	}
	s->out_head = NULL;
	s->out_tail = &s->out_head;
	free(s->in);
	s->in = NULL;
	s->in_len = s->in_cap = 0;
	s->chan_live = 0;
	rpc_chan_close(s);
	rpc_sess_end(s);
}

void rpc_sess_bad_header(struct rpc_sess *s, const struct nrpc_hdr *h, const char *bad)
{
	rpc_log_peer("program %s (pid %d uid %u): %s (type %u, length %u): closing",
		     s->comm, s->peer.pid, s->peer.uid, bad, h->type, h->len);
	rpc_sess_fail(s, bad);
}

void rpc_sess_fail(struct rpc_sess *s, const char *why)
{
	if (!rpc_on_kernel()) {
		if (s->fd >= 0)
			log_ended(s, why);
		rpc_sess_close(s, why);
		return;
	}
	rpc_chan_doom(s, why);	/* it is not served from now on */
	ev_async_send(rpc_loop, &srv.doom);
}

static void on_doom(struct ev_loop *l, ev_async *w, int revents)
{
	struct rpc_sess *s, *next;
	const char *why;

	for (s = srv.sessions; s; s = next) {
		next = s->next;
		why = rpc_chan_doomed(s);
		if (why) {
			if (s->fd >= 0)
				log_ended(s, why);
			rpc_sess_close(s, why);
			rpc_sess_put(s);
		}
	}
}

void rpc_sess_put(struct rpc_sess *s)
{
	if (s->fd >= 0 || s->refs)
		return;
	*s->pprev = s->next;
	if (s->next)
		s->next->pprev = s->pprev;
	srv.nsess--;
	free(s);
}

static void sess_dispatch(struct rpc_sess *s, const struct nrpc_hdr *h)
{
	int err;

	switch (h->type) {
	case NRPC_HELLO:
		if (rpc_check_body(h))
			rpc_send_error(s, h->seq, -EINVAL);
		else
			rpc_hello(s, (const struct nrpc_hello *)h);
		break;
	case NRPC_CALL:
		err = rpc_check_body(h) ? -EINVAL
		    : rpc_call_start(s, (const struct nrpc_call *)h, h->len);
		if (err)
			rpc_send_error(s, h->seq, err);
		break;
	case NRPC_CANCEL:
		rpc_cancel(s);
		break;
	case NRPC_RING:
		rpc_chan_poll(s);
		break;
	}
}

/* Every whole message in the buffer, one at a time, unless the program
 * leaves its replies unread. */
static void sess_parse(struct rpc_sess *s)
{
	struct nrpc_hdr h;
	const char *bad;
	void *p;

	while (s->fd >= 0 && !s->out_head && s->in_len >= sizeof(h)) {
		memcpy(&h, s->in, sizeof(h));
		/* A header is bad when the stream cannot be trusted past it: close. */
		/* (a channel's call in flight is the kernel's CPU's to know of:
		 * nothing but RINGs may come on its socket anyway) */
		bad = rpc_check_header(&h, s->state, !s->chan_live && s->pending, s->chan_live);
		if (bad) {
			rpc_sess_bad_header(s, &h, bad);
			return;
		}
		if (h.len > s->in_len) {
			if (h.len > s->in_cap) {
				if (!(p = realloc(s->in, h.len))) {
					rpc_sess_fail(s, "out of memory");
					return;
				}
				s->in = p;
				s->in_cap = h.len;
			}
			return;
		}
		sess_dispatch(s, (const struct nrpc_hdr *)s->in);
		if (s->fd < 0)
			return;
		s->in_len -= h.len;
		memmove(s->in, s->in + h.len, s->in_len);
	}
	if (s->in_cap > IN_MIN && s->in_len <= IN_MIN && (p = realloc(s->in, IN_MIN))) {
		s->in = p;
		s->in_cap = IN_MIN;
	}
}

/* After a reply: messages that came meanwhile. */
void rpc_sess_resume(struct rpc_sess *s)
{
	if (s->fd >= 0 && !s->out_head)
		sess_parse(s);
	if (s->chan_live)
		rpc_chan_poll(s);
}

static void on_read(struct ev_loop *l, ev_io *w, int revents)
{
	struct rpc_sess *s = w->data;
	ssize_t n = -1;

	errno = EAGAIN;
	if (s->in_len < s->in_cap)	/* never a 0-byte read taken for EOF */
		n = recv(s->fd, s->in + s->in_len, s->in_cap - s->in_len, 0);
	if (n == 0)
		rpc_sess_close(s, "the program closed the connection");
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		rpc_sess_close(s, strerror(errno));
	else if (n > 0) {
		s->in_len += n;
		sess_parse(s);
	}
	rpc_sess_put(s);
}

static void on_write(struct ev_loop *l, ev_io *w, int revents)
{
	struct rpc_sess *s = w->data;

	sess_flush(s);
	if (s->fd >= 0 && !s->out_head)
		sess_parse(s);
	rpc_sess_put(s);
}

/* --- accepting --- */

/* One reply, seq 0, then the connection closes: the program learns why. */
static void refuse(int fd, long err)
{
	struct nrpc_reply r = {
		.h = { .len = sizeof(r), .type = NRPC_REPLY }, .ret = err,
	};

	(void)!send(fd, &r, sizeof(r), MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static struct rpc_sess *sess_new(int fd, const struct ucred *cr)
{
	struct rpc_sess *s = calloc(1, sizeof(*s));

	if (!s || !(s->in = malloc(IN_MIN))) {
		free(s);
		refuse(fd, -ENOMEM);
		return NULL;
	}
	s->fd = fd;
	s->peer = *cr;
	rpc_pid_comm(s->peer.pid, s->comm);
	s->in_cap = IN_MIN;
	s->out_tail = &s->out_head;
	s->efd = -1;
	ev_io_init(&s->rio, on_read, fd, EV_READ);
	ev_io_init(&s->wio, on_write, fd, EV_WRITE);
	s->rio.data = s->wio.data = s;
	ev_io_start(rpc_loop, &s->rio);
	s->next = srv.sessions;
	if (s->next)
		s->next->pprev = &s->next;
	s->pprev = &srv.sessions;
	srv.sessions = s;
	srv.nsess++;
	return s;
}

static void on_accept(struct ev_loop *l, ev_io *w, int revents)
{
	struct ucred cr;
	int i, fd;

	for (i = 0; i < 16; i++) {
		fd = accept4(srv.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
				rpc_log_peer("accept: %s: pausing for a second", strerror(errno));
				ev_io_stop(rpc_loop, &srv.io);
				ev_timer_start(rpc_loop, &srv.pause);
			}
			return;
		}
		if (!peer_allowed(fd, &cr)) {
			char comm[16];

			rpc_pid_comm(cr.pid, comm);
			rpc_log_peer("program %s (pid %d uid %u gid %u) may not connect (root%s only)",
				     comm, cr.pid, cr.uid, cr.gid,
				     srv.file.has_group ? " or the rpc group" : "");
			refuse(fd, -EACCES);
		} else if (srv.nsess >= RPC_SESSIONS_MAX) {
			char comm[16];

			rpc_pid_comm(cr.pid, comm);
			rpc_log_peer("program %s (pid %d uid %u): %d sessions already: refused",
				     comm, cr.pid, cr.uid, srv.nsess);
			refuse(fd, -EAGAIN);
		} else {
			sess_new(fd, &cr);
		}
	}
}

int rpc_adopt(int fd, const char *tenant, int kind)
{
	struct rpc_sess *s;
	struct ucred cr = { .pid = getpid(), .uid = 0, .gid = 0 };

	if (srv.nsess >= RPC_SESSIONS_MAX) {
		close(fd);
		return -EAGAIN;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) || fcntl(fd, F_SETFD, FD_CLOEXEC)) {
		close(fd);
		return -errno;
	}
	s = sess_new(fd, &cr);
	if (!s)
		return -ENOMEM;
	s->job = kind == RPC_JOB_NFT ? RPC_JOB_NFT : RPC_JOB_XTABLES;
	snprintf(s->job_tenant, sizeof(s->job_tenant), "%s", tenant);
	return 0;
}

static void on_pause(struct ev_loop *l, ev_timer *w, int revents)
{
	ev_io_start(rpc_loop, &srv.io);
}

void (*rpc_wake_kernel)(void);

int rpc_init(struct ev_loop *loop, const struct config *c, void (*wake_kernel)(void))
{
	int err;

	rpc_loop = loop;
	rpc_wake_kernel = wake_kernel;
	srv.fd = rpc_listen_open(c, &srv.file);
	if (srv.fd < 0) {
		err = srv.fd;
		srv.fd = -1;
		return err;
	}
	err = rpc_sessions_init();
	if (err) {
		rpc_fini();
		return err;
	}
	ev_io_init(&srv.io, on_accept, srv.fd, EV_READ);
	ev_io_start(loop, &srv.io);
	ev_timer_init(&srv.pause, on_pause, 1., 0.);
	ev_async_init(&srv.doom, on_doom);
	ev_async_start(loop, &srv.doom);
	log_info("rpc: listening on %s (root%s%s)", srv.file.path,
		 srv.file.has_group ? " and group " : "",
		 srv.file.has_group ? c->rpc_group : "");
	return 0;
}

/* Every session ends: its tasks are killed, so its sockets close. */
void rpc_fini(void)
{
	struct rpc_sess *s, *next;

	if (srv.fd < 0)
		return;
	ev_io_stop(rpc_loop, &srv.io);
	ev_timer_stop(rpc_loop, &srv.pause);
	ev_async_stop(rpc_loop, &srv.doom);
	rpc_listen_close(srv.fd, &srv.file);
	srv.fd = -1;
	for (s = srv.sessions; s; s = next) {
		next = s->next;
		rpc_sess_close(s, "the appliance stops");
		rpc_sess_put(s);
	}
	rpc_sessions_fini();
}
