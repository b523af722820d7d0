// SPDX-License-Identifier: GPL-2.0
/*
 * Child processes on the control loop: a job of the launcher
 * (src/launcher.c) is started with its standard input, output and error
 * on pipes that libev watches, so the loop never waits for it.  What it
 * writes is collected (up to a limit) and handed to the caller with its
 * exit status, which the launcher reports, the job being its child (and
 * of a uid we may not signal: ending one goes through the launcher too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "iptables/child.h"
#include "launcher/launcher.h"
#include "log/log.h"

#define OUT_MAX		(16 << 20)	/* bytes kept of stdout, and of stderr */

struct buf {
	char *data;
	size_t len, cap;
	int over;
};

struct child {
	struct child *next;
	uint32_t id;
	int running;		/* until the launcher says it ended */
	int killed;		/* the launcher was asked to */
	ev_io in, out, err;
	ev_timer timeout;
	const char *input;
	size_t input_len, input_off;
	struct buf outbuf, errbuf;
	int status, open_pipes;
	child_done_fn done;
	void *priv;
	struct ev_loop *loop;
};

static void buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->over || b->len + n > OUT_MAX) {
		b->over = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *d = realloc(b->data, cap);

		if (!d) {
			b->over = 1;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static struct child *children;
static uint32_t last_id;
static ev_io from_launcher;

/* Done when the child has exited and both its outputs are closed. */
static void maybe_done(struct child *c)
{
	struct child **pp;

	if (c->running || c->open_pipes)
		return;
	for (pp = &children; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	ev_timer_stop(c->loop, &c->timeout);
	if (c->outbuf.over || c->errbuf.over)
		c->status = -EFBIG;
	c->done(c->priv, c->status, c->outbuf.data ? c->outbuf.data : "", c->outbuf.len,
		c->errbuf.data ? c->errbuf.data : "");
	free(c->outbuf.data);
	free(c->errbuf.data);
	free(c);
}

static void close_watched(struct child *c, ev_io *w)
{
	if (w->fd < 0)
		return;
	ev_io_stop(c->loop, w);
	close(w->fd);
	w->fd = -1;
	c->open_pipes--;
}

static void on_output(struct ev_loop *loop, ev_io *w, int revents)
{
	struct child *c = w->data;
	char chunk[65536];
	ssize_t n = read(w->fd, chunk, sizeof(chunk));

	if (n > 0) {
		buf_add(w == &c->out ? &c->outbuf : &c->errbuf, chunk, n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	close_watched(c, w);
	maybe_done(c);
}

static void on_input(struct ev_loop *loop, ev_io *w, int revents)
{
	struct child *c = w->data;
	ssize_t n = write(w->fd, c->input + c->input_off, c->input_len - c->input_off);

	if (n > 0)
		c->input_off += n;
	if ((n < 0 && errno != EAGAIN && errno != EINTR) || c->input_off == c->input_len) {
		ev_io_stop(loop, w);
		close(w->fd);
		w->fd = -1;
	}
}

/* The job has ended (@rstatus: a wait status) or never started
 * (@rstatus: -errno, @started 0). */
static void ended(struct child *c, int rstatus, int started)
{
	c->running = 0;
	if (!started)
		c->status = rstatus;
	else if (WIFEXITED(rstatus))
		c->status = WEXITSTATUS(rstatus);
	else
		c->status = -WTERMSIG(rstatus);
	if (c->in.fd >= 0) {
		ev_io_stop(c->loop, &c->in);
		close(c->in.fd);
		c->in.fd = -1;
	}
	maybe_done(c);
}

static void on_launcher(struct ev_loop *loop, ev_io *w, int revents)
{
	struct launcher_msg m;
	struct child *c, *next;
	ssize_t n = recv(w->fd, &m, sizeof(m), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != sizeof(m) || m.len != sizeof(m) ||
	    (m.type != LAUNCHER_EXITED && m.type != LAUNCHER_FAILED)) {
		log_err("iptables: the launcher %s: no more iptables jobs can run",
			n == 0 ? "has gone" : "sent a malformed message");
		ev_io_stop(loop, w);
		for (c = children; c; c = next) {
			next = c->next;
			if (c->running)
				ended(c, -EPIPE, 0);
		}
		return;
	}
	for (c = children; c && c->id != m.id; c = c->next)
		;
	if (c && c->running)
		ended(c, m.type == LAUNCHER_FAILED ? (m.value < 0 ? m.value : -EIO) : m.value,
		      m.type == LAUNCHER_EXITED);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct child *c = w->data;
	struct launcher_msg m = { .type = LAUNCHER_KILL, .len = sizeof(m), .id = c->id };

	if (!c->running)
		return;
	if (!c->killed++ && send(launcher_fd(), &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m)) {
		log_warn("child job %u: still running after %.0f s: killed", c->id, w->repeat);
		return;
	}
	/* The launcher cannot be asked, or did not answer: give up on it. */
	log_err("child job %u: the launcher did not end it: given up", c->id);
	close_watched(c, &c->out);
	close_watched(c, &c->err);
	ended(c, -ETIMEDOUT, 0);
}

static void watch(struct child *c, ev_io *w, int fd, int events,
		  void (*cb)(struct ev_loop *, ev_io *, int))
{
	fcntl(fd, F_SETFL, O_NONBLOCK);
	ev_io_init(w, cb, fd, events);
	w->data = c;
	ev_io_start(c->loop, w);
}

/* The order to the launcher, with the job's four descriptors. */
static int send_run(uint32_t id, int tool, const char *tenant, char *const args[],
		    const int fds[4])
{
	static char buf[LAUNCHER_MSG_MAX];
	struct launcher_run *r = (struct launcher_run *)buf;
	char cbuf[CMSG_SPACE(4 * sizeof(int))] = { 0 };
	struct iovec iov = { buf, sizeof(*r) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	size_t n;
	int i;

	if (launcher_fd() < 0)
		return -EPIPE;
	if (strlen(tenant) > LAUNCHER_TENANT_MAX)
		return -ENAMETOOLONG;
	memset(r, 0, sizeof(*r));
	for (i = 0; args && args[i]; i++) {
		n = strlen(args[i]);
		if (i == LAUNCHER_ARGS_MAX || n > LAUNCHER_ARG_LEN)
			return -E2BIG;
		memcpy(buf + iov.iov_len, args[i], n + 1);
		iov.iov_len += n + 1;
	}
	r->m = (struct launcher_msg){ .type = LAUNCHER_RUN, .len = iov.iov_len, .id = id,
				      .value = tool };
	r->argc = i;
	strcpy(r->tenant, tenant);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(4 * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, 4 * sizeof(int));
	return sendmsg(launcher_fd(), &mh, MSG_NOSIGNAL) == (ssize_t)iov.iov_len ? 0 : -errno;
}

int child_run(struct ev_loop *loop, int tool, const char *tenant, char *const args[],
	      int pass_fd, const char *input, size_t input_len, double timeout,
	      child_done_fn done, void *priv)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, err;
	struct child *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC)) {
		err = -errno;
		goto out_close;
	}
	if (!ev_is_active(&from_launcher) && launcher_fd() >= 0) {
		ev_io_init(&from_launcher, on_launcher, launcher_fd(), EV_READ);
		ev_io_start(loop, &from_launcher);
	}
	c->id = ++last_id;
	err = send_run(c->id, tool, tenant, args, (int[4]){ pin[0], pout[1], perr[1], pass_fd });
	if (err)
		goto out_close;
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	c->loop = loop;
	c->input = input;
	c->input_len = input_len;
	c->done = done;
	c->priv = priv;
	c->open_pipes = 2;
	c->running = 1;
	c->next = children;
	children = c;
	watch(c, &c->out, pout[0], EV_READ, on_output);
	watch(c, &c->err, perr[0], EV_READ, on_output);
	if (input_len) {
		watch(c, &c->in, pin[1], EV_WRITE, on_input);
	} else {
		close(pin[1]);
		c->in.fd = -1;
	}
	ev_timer_init(&c->timeout, on_timeout, timeout, timeout);
	c->timeout.data = c;
	ev_timer_start(loop, &c->timeout);
	return 0;

out_close:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	free(c);
	return err;
}

void child_fini(struct ev_loop *loop)
{
	if (ev_is_active(&from_launcher))
		ev_io_stop(loop, &from_launcher);
}
