// SPDX-License-Identifier: GPL-2.0
/*
 * Data on tenant descriptors: read/write/readv/writev, send/recv and their
 * to/from forms, glibc's fortified entry points (sendfile and splice are
 * in splice.c).  Sends gather
 * straight from the caller's buffers; a stream send larger than one call
 * goes as several (see "Sizes" in preload.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

#define SA_MAX 128

extern void __chk_fail(void) __attribute__((noreturn));

size_t pl_iov_len(const struct iovec *iov, int n)
{
	size_t len = 0;
	int i;

	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

/* dst (room for n) gets the pieces of [off, off + len) of src; their count. */
int pl_iov_slice(const struct iovec *src, int n, size_t off, size_t len,
		 struct iovec *dst)
{
	int i, k = 0;

	for (i = 0; i < n && len; i++) {
		size_t l = src[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		dst[k].iov_base = (char *)src[i].iov_base + off;
		dst[k].iov_len = l - off < len ? l - off : len;
		len -= dst[k++].iov_len;
		off = 0;
	}
	return k;
}

long pl_sigpipe(long r, int flags)
{
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
		raise(SIGPIPE);
	return r;
}

/* Sends @iov through @fn in calls of at most @max bytes (one call
 * exactly unless @stream); stops at a short one.  Bytes sent, or -errno
 * if none were. */
long pl_chunked(const struct iovec *iov, int n, int stream, size_t max,
		chunk_fn fn, void *ctx)
{
	size_t total = pl_iov_len(iov, n), done = 0;
	struct iovec small[8], *v = small;
	long r;

	if (n < 0 || n > IOV_MAX)
		return -EINVAL;
	if (!stream && total > max)
		return -EMSGSIZE;
	if (n > 8 && !(v = malloc(n * sizeof(*v))))
		return -ENOMEM;
	do {
		size_t k = total - done < max ? total - done : max;
		int nv = pl_iov_slice(iov, n, done, k, v);

		r = fn(ctx, v, nv, k, !done);
		if (r < 0)
			break;
		done += r;
		if ((size_t)r < k)
			break;
	} while (done < total);
	if (v != small)
		free(v);
	return done || r >= 0 ? (long)done : r;
}

struct send_ctx {
	int rfd, flags;
	const struct sockaddr *sa;
	socklen_t salen;
	uint32_t op;
};

/* A call whose in data is @head's pieces, then @v's. */
long pl_call_v(uint32_t op, const int64_t a[6], const struct iovec *head, int nhead,
	       const struct iovec *v, int nv)
{
	struct iovec small[12], *in = small;
	long r;

	if (nhead + nv > 12 && !(in = malloc((nhead + nv) * sizeof(*in))))
		return -ENOMEM;
	memcpy(in, head, nhead * sizeof(*in));
	memcpy(in + nhead, v, nv * sizeof(*in));
	r = pl_call(op, a, in, nhead + nv, NULL, 0, NULL);
	if (in != small)
		free(in);
	return r;
}

/* NRPC_SENDTO (fd, flags, addrlen) in: sockaddr, data; NRPC_WRITE (fd) in: data */
static long send_chunk(void *ctx, const struct iovec *v, int nv, size_t len, int first)
{
	struct send_ctx *c = ctx;
	int64_t a[6] = { c->rfd, c->flags, c->salen };
	struct iovec sa = { (void *)c->sa, c->salen };

	return pl_call_v(c->op, a, &sa, c->op == NRPC_SENDTO, v, nv);
}

long pl_rsend(int rfd, int stream, const struct iovec *iov, int n, int flags,
	      const struct sockaddr *sa, socklen_t salen)
{
	struct send_ctx c = { rfd, flags & ~MSG_NOSIGNAL, sa, sa ? salen : 0, NRPC_SENDTO };

	if (c.salen > SA_MAX)
		return -EINVAL;
	return pl_sigpipe(pl_chunked(iov, n, stream, PL_ROOM(c.salen),
				     send_chunk, &c), flags);
}

long pl_rwrite(int rfd, int stream, const struct iovec *iov, int n)
{
	struct send_ctx c = { rfd, 0, NULL, 0, NRPC_WRITE };

	return pl_chunked(iov, n, stream, PL_ROOM(0), send_chunk, &c);
}

/* NRPC_RECVFROM (fd, len, flags); out: u32 addrlen, sockaddr[128], data */
long pl_rrecv(int rfd, void *buf, size_t len, int flags, struct sockaddr *sa,
	      socklen_t *salen)
{
	struct {
		uint32_t len;
		char sa[SA_MAX];
	} from;
	int64_t a[6] = { rfd, len < PL_ROOM(sizeof(from)) ? len : PL_ROOM(sizeof(from)),
			 flags };
	uint32_t n;
	int64_t ret;
	int err;

	if ((err = pl_begin(NRPC_RECVFROM, a, NULL, 0, sizeof(from) + a[1], &ret, &n)))
		return err;
	if (ret < 0)
		return pl_end(ret);
	if ((err = pl_take(&from, sizeof(from))) ||
	    (err = pl_take(buf, n - sizeof(from))))
		return pl_end(err);
	if (sa && salen) {
		uint32_t l = from.len < SA_MAX ? from.len : SA_MAX;

		memcpy(sa, from.sa, l < *salen ? l : *salen);
		*salen = l;
	}
	return pl_end(ret);
}

/* NRPC_READ (fd, len) -> bytes; out: data */
long pl_rread(int rfd, const struct iovec *iov, int n)
{
	size_t len = pl_iov_len(iov, n);
	int64_t a[6] = { rfd, len < PL_ROOM(0) ? len : PL_ROOM(0) };
	uint32_t got;
	int64_t ret;
	int err;

	if (n < 0 || n > IOV_MAX)
		return -EINVAL;
	if ((err = pl_begin(NRPC_READ, a, NULL, 0, a[1], &ret, &got)))
		return err;
	if (ret >= 0 && (err = pl_takev(iov, n, got)))
		ret = err;
	return pl_end(ret);
}

static int is_stream(const struct pl_fd *e)
{
	return e->kind == PL_FILE || e->type == SOCK_STREAM;
}

/* A /proc file's offset follows its reads and writes (for lseek). */
static long moved(int fd, const struct pl_fd *e, long r)
{
	if (e->kind == PL_FILE && r > 0)
		pl_fd_seek(fd, -1, r);
	return r;
}

PL_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	struct iovec v = { buf, len };
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.read(fd, buf, len);
	return pl_ret(moved(fd, &e, pl_rread(e.remote, &v, 1)));
}

PL_EXPORT ssize_t readv(int fd, const struct iovec *iov, int n)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.readv(fd, iov, n);
	return pl_ret(moved(fd, &e, pl_rread(e.remote, iov, n)));
}

long pl_fd_write(int fd, const struct pl_fd *e, const struct iovec *iov, int n)
{
	long r = pl_rwrite(e->remote, is_stream(e), iov, n);

	return moved(fd, e, e->kind == PL_SOCKET ? pl_sigpipe(r, 0) : r);
}

PL_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	struct iovec v = { (void *)buf, len };
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.write(fd, buf, len);
	return pl_ret(pl_fd_write(fd, &e, &v, 1));
}

PL_EXPORT ssize_t writev(int fd, const struct iovec *iov, int n)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.writev(fd, iov, n);
	return pl_ret(pl_fd_write(fd, &e, iov, n));
}

PL_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
			 const struct sockaddr *sa, socklen_t salen)
{
	struct iovec v = { (void *)buf, len };
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.sendto(fd, buf, len, flags, sa, salen);
	return pl_ret(pl_rsend(e.remote, is_stream(&e), &v, 1, flags, sa, salen));
}

PL_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.send(fd, buf, len, flags);
	return sendto(fd, buf, len, flags, NULL, 0);
}

PL_EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
			   struct sockaddr *sa, socklen_t *salen)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.recvfrom(fd, buf, len, flags, sa, salen);
	return pl_ret(pl_rrecv(e.remote, buf, len, flags, sa, salen));
}

PL_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.recv(fd, buf, len, flags);
	return pl_ret(pl_rrecv(e.remote, buf, len, flags, NULL, NULL));
}

/* _FORTIFY_SOURCE's entry points: check, then as the plain call. */
PL_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return read(fd, buf, len);
}

PL_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		__chk_fail();
	return recv(fd, buf, len, flags);
}

PL_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
				 int flags, struct sockaddr *sa, socklen_t *salen)
{
	if (len > buflen)
		__chk_fail();
	return recvfrom(fd, buf, len, flags, sa, salen);
}

