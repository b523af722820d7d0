// SPDX-License-Identifier: GPL-2.0
/*
 * The ops on descriptors at large: read, write, poll (with the session's
 * eventfd, which the program never sees) and open (of the tenant's
 * /proc/net and /proc/sys/net files only).  Same rules as ops.c: the
 * kernel sees only buffers made here.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "nuse_syscalls.h"
#include "rpc_int.h"

#define POLL_MAX	(NRPC_DATA_MAX / sizeof(struct pollfd) - 1)
#define PATH_MAX_RPC	4096
#define OPEN_FLAGS	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
			 O_NONBLOCK | O_DSYNC | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | \
			 O_LARGEFILE)

static void read_finish(struct rpc_call *c)
{
	if (c->sc.ret > 0)
		c->out_len = (uint64_t)c->sc.ret < (uint64_t)c->aux[0] ? (size_t)c->sc.ret
									 : (size_t)c->aux[0];
}

/* (fd, len) out: data */
int rpc_op_read(struct rpc_sess *s, const struct nrpc_call *m,
		const unsigned char *in, size_t n, struct rpc_call **cp)
{
	size_t room = rpc_out_room(m), len;
	unsigned char *out;
	struct rpc_call *c;
	long fd;
	int err = rpc_fd_arg(s, m->args[0], &fd);

	if (err)
		return err;
	if (n || m->args[1] < 0)
		return -EINVAL;
	len = (uint64_t)m->args[1] < room ? (size_t)m->args[1] : room;
	c = rpc_call_new(s, len, 0);	/* unused if in place: untouched */
	if (!c)
		return -ENOMEM;
	if (!(out = rpc_out_place(s, c, 0, len)))
		out = rpc_out(c);
	c->sc.nr = NUSE_SYS_read;
	c->sc.args[0] = fd;
	c->sc.args[1] = (long)out;
	c->sc.args[2] = len;
	c->aux[0] = len;
	c->finish = read_finish;
	*cp = c;
	return 0;
}

/* (fd) in: data */
int rpc_op_write(struct rpc_sess *s, const struct nrpc_call *m,
		 const unsigned char *in, size_t n, struct rpc_call **cp)
{
	const unsigned char *data;
	struct rpc_call *c;
	long fd;
	int err = rpc_fd_arg(s, m->args[0], &fd);

	if (err)
		return err;
	c = rpc_call_new(s, 0, n);
	if (!c)
		return -ENOMEM;
	if (!(data = rpc_in_place(s, c, 0)))
		data = memcpy(c->scratch, in, n);
	c->sc.nr = NUSE_SYS_write;
	c->sc.args[0] = fd;
	c->sc.args[1] = (long)data;
	c->sc.args[2] = n;
	*cp = c;
	return 0;
}

/*
 * The program's entries come back as it sent them; one naming the
 * eventfd (which it cannot know) reads as POLLNVAL, as a closed one
 * would.  ppoll's count loses the eventfd's entry; a cancel or a ready
 * eventfd means the eventfd is emptied before the session's next call.
 */
static void poll_finish(struct rpc_call *c)
{
	struct pollfd *pfd = (struct pollfd *)rpc_out(c);
	const struct pollfd *sent = (const struct pollfd *)(c->scratch + sizeof(struct timespec));
	size_t nfds = c->aux[0], i;
	int woken = pfd[nfds].revents != 0;

	if (woken || c->cancelled)
		rpc_drain(c->s);
	if (c->sc.ret < 0)
		return;
	c->sc.ret -= woken;
	for (i = 0; i < nfds; i++) {
		if (sent[i].fd >= 0 && sent[i].fd == c->aux[1]) {
			pfd[i] = sent[i];
			pfd[i].revents = POLLNVAL;
			c->sc.ret++;
		}
	}
	c->out_len = nfds * sizeof(*pfd);
}

/* (nfds, timeout_ms) in: struct pollfd[nfds]; out: pollfd[nfds] */
int rpc_op_poll(struct rpc_sess *s, const struct nrpc_call *m,
		const unsigned char *in, size_t n, struct rpc_call **cp)
{
	struct rpc_call *c;
	struct pollfd *pfd;
	struct timespec *ts;
	long nfds, ms, i;

	if (m->args[0] < 0 || m->args[0] > (int64_t)POLL_MAX ||
	    rpc_int_arg(m->args[1], &ms) || n != m->args[0] * sizeof(*pfd))
		return -EINVAL;
	nfds = m->args[0];
	c = rpc_call_new(s, (nfds + 1) * sizeof(*pfd), sizeof(*ts) + n);
	if (!c)
		return -ENOMEM;
	ts = (struct timespec *)c->scratch;
	pfd = (struct pollfd *)rpc_out(c);
	memcpy(pfd, in, n);
	memcpy(ts + 1, in, n);
	for (i = 0; i < nfds; i++) {
		pfd[i].revents = 0;
		if (pfd[i].fd == s->efd)
			pfd[i].fd = -1;
	}
	pfd[nfds] = (struct pollfd){ .fd = s->efd, .events = POLLIN };
	ts->tv_sec = ms / 1000;
	ts->tv_nsec = ms % 1000 * 1000000L;
	c->sc.nr = NUSE_SYS_ppoll;
	c->sc.args[0] = (long)pfd;
	c->sc.args[1] = nfds + 1;
	c->sc.args[2] = ms >= 0 ? (long)ts : 0;
	c->sc.args[3] = 0;		/* no signal mask */
	c->sc.args[4] = sizeof(uint64_t);
	c->aux[0] = nfds;
	c->aux[1] = s->efd;
	c->finish = poll_finish;
	*cp = c;
	return 0;
}

static int has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * The tenant's own files: /proc/net/... (also as /proc/self/net/...) and
 * /proc/sys/net/..., both per network namespace.  The rest of /proc/sys
 * is the whole kernel's, shared by every tenant: read only.  No ".."
 * anywhere, so that no prefix can be walked out of.
 */
static int path_allowed(const char *p, long flags)
{
	const char *dots;

	for (dots = strstr(p, ".."); dots; dots = strstr(dots + 1, ".."))
		if (dots > p && dots[-1] == '/' && (dots[2] == '/' || dots[2] == '\0'))
			return 0;
	if (has_prefix(p, "/proc/net/") || has_prefix(p, "/proc/self/net/") ||
	    has_prefix(p, "/proc/sys/net/"))
		return 1;
	return has_prefix(p, "/proc/sys/") && (flags & O_ACCMODE) == O_RDONLY &&
	       !(flags & (O_CREAT | O_TRUNC));
}

/* (flags, mode) in: path, NUL-terminated -> fd */
int rpc_op_open(struct rpc_sess *s, const struct nrpc_call *m,
		const unsigned char *in, size_t n, struct rpc_call **cp)
{
	struct rpc_call *c;
	long flags, mode;

	if (rpc_int_arg(m->args[0], &flags) || rpc_int_arg(m->args[1], &mode) ||
	    n < 2 || n > PATH_MAX_RPC || in[n - 1] || strlen((const char *)in) != n - 1 ||
	    (flags & ~(long)OPEN_FLAGS) || (flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (!path_allowed((const char *)in, flags))
		return -EACCES;
	c = rpc_call_new(s, 0, n);
	if (!c)
		return -ENOMEM;
	memcpy(c->scratch, in, n);
	c->sc.nr = NUSE_SYS_openat;
	c->sc.args[0] = AT_FDCWD;
	c->sc.args[1] = (long)c->scratch;
	c->sc.args[2] = flags;
	c->sc.args[3] = mode;
	*cp = c;
	return 0;
}
