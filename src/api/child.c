// SPDX-License-Identifier: GPL-2.0
/*
 * Child processes on the control loop: a command is started with its
 * standard input, output and error on pipes that libev watches, so the
 * loop never waits for it.  What it writes is collected (up to a limit)
 * and handed to the caller with its exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "child.h"
#include "log.h"

#define OUT_MAX		(16 << 20)	/* bytes kept of stdout, and of stderr */

struct buf {
	char *data;
	size_t len, cap;
	int over;
};

struct child {
	pid_t pid;
	ev_child exited;
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

/* Done when the child has exited and both its outputs are closed. */
static void maybe_done(struct child *c)
{
	if (c->pid || c->open_pipes)
		return;
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

static void on_exit_(struct ev_loop *loop, ev_child *w, int revents)
{
	struct child *c = w->data;

	ev_child_stop(loop, w);
	c->pid = 0;
	if (WIFEXITED(w->rstatus))
		c->status = WEXITSTATUS(w->rstatus);
	else
		c->status = -WTERMSIG(w->rstatus);
	if (c->in.fd >= 0) {
		ev_io_stop(loop, &c->in);
		close(c->in.fd);
		c->in.fd = -1;
	}
	maybe_done(c);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct child *c = w->data;

	log_warn("child %d: still running after %.0f s: killed", c->pid, w->repeat);
	if (c->pid)
		kill(c->pid, SIGKILL);
}

static void watch(struct child *c, ev_io *w, int fd, int events,
		  void (*cb)(struct ev_loop *, ev_io *, int))
{
	fcntl(fd, F_SETFL, O_NONBLOCK);
	ev_io_init(w, cb, fd, events);
	w->data = c;
	ev_io_start(c->loop, w);
}

int child_run(struct ev_loop *loop, char *const argv[], char *const envp[], int pass_fd,
	      const char *input, size_t input_len, double timeout,
	      child_done_fn done, void *priv)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, err;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct child *c = calloc(1, sizeof(*c));
	sigset_t none, all;

	if (!c)
		return -ENOMEM;
	if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC)) {
		err = -errno;
		goto out_close;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	if (pass_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, pass_fd, 3);
	/* The loop's signals may be blocked here (signalfd): the child
	 * starts with none blocked and every handler at its default. */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	err = -posix_spawn(&c->pid, argv[0], &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
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
	ev_child_init(&c->exited, on_exit_, c->pid, 0);
	c->exited.data = c;
	ev_child_start(loop, &c->exited);
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
