// SPDX-License-Identifier: GPL-2.0
/*
 * Host data into and out of tenant descriptors: sendfile() from a host
 * file or pipe into one, splice() between a host pipe and a tenant
 * socket.  The tenant's kernel is in another process, so the bytes go
 * through a buffer of ours and the calls of io.c, one call's worth
 * (PL_ROOM(0)) at a time.  What the other end did not take is never
 * consumed:
 *
 *  - a file read at an offset the caller gives: the offset moves by what
 *    was sent, and only by that;
 *  - a file read at its own offset: it is moved back over what was not;
 *  - a pipe, which cannot be given back: its bytes are looked at with
 *    tee() into a pipe of our own, and only what was sent is read out of
 *    it;
 *  - a tenant stream socket into a pipe: the socket's bytes are peeked,
 *    written to the pipe, and only what the pipe took is received.
 *
 * As in the kernel: splice() needs a pipe at one end and takes no offset
 * for it or for a socket (ESPIPE); sendfile() and splice() move what is
 * there and come back with a short count rather than wait for more once
 * something has moved.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload.h"

#define PIPE_LOOK	65536	/* what one look into a pipe takes, at most */

/* Where host bytes come from. */
struct src {
	int fd;
	off_t *off;		/* read at *off, or NULL: at the file's own offset */
	int pipe;
	int nonblock;		/* a pipe: do not wait for bytes */
};

static int is_pipe(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISFIFO(st.st_mode);
}

static int is_socket(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISSOCK(st.st_mode);
}

static int nonblocking(int fd)
{
	int fl = pl_real.fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_NONBLOCK);
}

/* Up to @len bytes of pipe @fd into @buf, left in the pipe. */
static ssize_t pipe_look(int fd, void *buf, size_t len, int nonblock)
{
	int p[2];
	ssize_t n, got = 0;

	/* blocking: tee() does not wait for @fd if either end is O_NONBLOCK;
	 * empty, it cannot be full before @fd's bytes are all linked */
	if (pipe2(p, O_CLOEXEC))
		return -1;
	n = tee(fd, p[1], len < PIPE_LOOK ? len : PIPE_LOOK, nonblock ? SPLICE_F_NONBLOCK : 0);
	while (n > 0 && got < n) {
		ssize_t r = pl_real.read(p[0], (char *)buf + got, n - got);

		if (r <= 0)
			break;
		got += r;
	}
	if (n < 0)
		n = -errno;
	pl_real.close(p[0]);
	pl_real.close(p[1]);
	if (n < 0) {
		errno = -n;
		return -1;
	}
	return got;
}

static ssize_t src_look(const struct src *s, void *buf, size_t len)
{
	if (s->pipe)
		return pipe_look(s->fd, buf, len, s->nonblock);
	if (s->off)
		return pread(s->fd, buf, len, *s->off);
	return pl_real.read(s->fd, buf, len);
}

/* Of @got bytes looked at, @sent went: those are taken, the rest left. */
static long src_take(const struct src *s, char *buf, size_t got, size_t sent)
{
	if (s->pipe) {
		size_t done = 0;

		while (done < sent) {	/* what tee() showed is there */
			ssize_t r = pl_real.read(s->fd, buf, sent - done);

			if (r <= 0)
				return r < 0 ? -errno : -EIO;
			done += r;
		}
		return 0;
	}
	if (s->off) {
		*s->off += sent;
		return 0;
	}
	if (sent < got && pl_real.lseek(s->fd, (off_t)sent - (off_t)got, SEEK_CUR) < 0)
		return -errno;
	return 0;
}

/* Up to @count bytes of @s into tenant descriptor @out (@e), a call's
 * worth at a time; what moved, or -errno if nothing did. */
static long to_tenant(int out, const struct pl_fd *e, struct src *s, size_t count, int more)
{
	size_t room = PL_ROOM(0), done = 0;
	char *buf = malloc(count < room ? (count ? count : 1) : room);
	long r = 0;

	if (!buf)
		return -ENOMEM;
	while (done < count) {
		size_t len = count - done < room ? count - done : room;
		struct iovec v = { buf, 0 };
		ssize_t got = src_look(s, buf, len);
		long err;

		if (got <= 0) {
			r = got < 0 ? -errno : 0;
			break;
		}
		v.iov_len = got;
		if (more && e->kind == PL_SOCKET)
			r = pl_rsend(e->remote, e->type == SOCK_STREAM, &v, 1,
				     MSG_MORE, NULL, 0);
		else
			r = pl_fd_write(out, e, &v, 1);
		err = src_take(s, buf, got, r > 0 ? r : 0);
		if (r < 0)
			break;
		done += r;
		if (err) {
			r = err;
			break;
		}
		if (r < got)
			break;
		s->nonblock = 1;	/* something moved: no waiting for more */
	}
	free(buf);
	return done ? (long)done : r;
}

/* The bytes of tenant stream socket @e into pipe @out: peeked, written,
 * and received only as far as the pipe took them. */
static long to_pipe(int out, const struct pl_fd *e, size_t len, unsigned int flags)
{
	int nonblock = (flags & SPLICE_F_NONBLOCK) || nonblocking(out);
	int room = 0, queued = 0;
	char *buf;
	long r, w, got;

	if (e->kind != PL_SOCKET || e->type != SOCK_STREAM)
		return -EINVAL;
	if (len > PIPE_LOOK)
		len = PIPE_LOOK;
	if (nonblock && (room = pl_real.fcntl(out, F_GETPIPE_SZ)) > 0 &&
	    !pl_real.ioctl(out, FIONREAD, &queued) && queued >= room)
		return -EAGAIN;
	if (!len)
		return 0;
	if (!(buf = malloc(len)))
		return -ENOMEM;
	r = pl_rrecv(e->remote, buf, len, MSG_PEEK | (flags & SPLICE_F_NONBLOCK ? MSG_DONTWAIT : 0),
		     NULL, NULL);
	if (r <= 0)
		goto out;
	w = pl_real.write(out, buf, r);
	if (w < 0) {
		r = -errno;
		goto out;
	}
	for (r = 0; r < w; r += got) {	/* what the peek saw is there */
		got = pl_rrecv(e->remote, buf, w - r, MSG_DONTWAIT, NULL, NULL);
		if (got <= 0) {
			r = r ? r : got ? got : -EIO;
			break;
		}
	}
out:
	free(buf);
	return r;
}

PL_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	struct src s = { in, off, 0, 0 };
	struct pl_fd e;

	if (!pl_fd_get(in, &e))
		return pl_ret(-EINVAL);
	if (pl_fd_get(out, &e))
		return pl_real.sendfile(out, in, off, count);
	if (pl_real.fcntl(in, F_GETFL) < 0)
		return -1;	/* EBADF */
	if (is_socket(in))
		return pl_ret(-EINVAL);		/* as Linux: no socket as the source */
	if ((s.pipe = is_pipe(in))) {
		if (off)
			return pl_ret(-ESPIPE);
		s.nonblock = nonblocking(in);
	}
	if (off && *off < 0)
		return pl_ret(-EINVAL);
	if (count > 0x7ffff000)
		count = 0x7ffff000;
	return pl_ret(to_tenant(out, &e, &s, count, 0));
}

PL_EXPORT ssize_t sendfile64(int out, int in, off_t *off, size_t count)
	__attribute__((alias("sendfile")));

PL_EXPORT ssize_t splice(int in, off_t *off_in, int out, off_t *off_out, size_t len,
			 unsigned int flags)
{
	struct pl_fd ei, eo;
	int tin = !pl_fd_get(in, &ei), tout = !pl_fd_get(out, &eo);
	struct src s = { in, NULL, 1, 0 };

	if (!tin && !tout)
		return pl_real.splice(in, off_in, out, off_out, len, flags);
	if (tin && tout)
		return pl_ret(-EINVAL);		/* no pipe at either end */
	if (pl_real.fcntl(tin ? out : in, F_GETFL) < 0)
		return -1;	/* EBADF */
	if (!is_pipe(tin ? out : in))
		return pl_ret(-EINVAL);
	if (off_in || off_out)
		return pl_ret(-ESPIPE);		/* a pipe's or a socket's */
	if (len > 0x7ffff000)
		len = 0x7ffff000;
	if (tin)
		return pl_ret(to_pipe(out, &ei, len, flags));
	s.nonblock = (flags & SPLICE_F_NONBLOCK) || nonblocking(in);
	return pl_ret(to_tenant(out, &eo, &s, len, flags & SPLICE_F_MORE));
}
