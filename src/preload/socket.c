// SPDX-License-Identifier: GPL-2.0
/*
 * Socket lifetime and addresses: socket, bind, listen, accept, connect,
 * shutdown, get{sock,peer}name, close and the dup family.  pl_r*() work
 * on the appliance's descriptors; the exported functions map the
 * program's placeholder to them first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

/* The kernel's sockaddr limit, and the size in NRPC's name replies. */
#define SA_MAX 128

int pl_tenant_family(int domain)
{
	pl_boot();
	return pl_on && (domain == AF_INET || domain == AF_INET6 ||
			 domain == AF_NETLINK || domain == AF_PACKET);
}

long pl_rsimple(uint32_t op, int rfd, long a1, long a2)
{
	int64_t a[6] = { rfd, a1, a2 };

	return pl_call(op, a, NULL, 0, NULL, 0, NULL);
}

long pl_rsocket(int domain, int type, int protocol)
{
	int64_t a[6] = { domain, type & ~SOCK_CLOEXEC, protocol };

	return pl_call(NRPC_SOCKET, a, NULL, 0, NULL, 0, NULL);
}

long pl_rclose(int rfd)
{
	return pl_rsimple(NRPC_CLOSE, rfd, 0, 0);
}

long pl_rdup(int rfd)
{
	return pl_rsimple(NRPC_DUP, rfd, 0, 0);
}

/* out: u32 addrlen, sockaddr -> (sa, *len) as the kernel fills them:
 * what fits is copied, *len is the address's real length. */
static long name_call(uint32_t op, const int64_t a[6], struct sockaddr *sa,
		      socklen_t *len)
{
	struct {
		uint32_t len;
		char sa[SA_MAX];
	} out;
	uint32_t n = 0, alen = 0;
	long r = pl_call(op, a, NULL, 0, &out, sizeof(out), &n);

	if (r < 0 || !sa || !len)
		return r;
	if (n >= sizeof(out.len))
		alen = out.len < n - sizeof(out.len) ? out.len : n - sizeof(out.len);
	memcpy(sa, out.sa, alen < *len ? alen : *len);
	*len = alen;
	return r;
}

long pl_rname(uint32_t op, int rfd, struct sockaddr *sa, socklen_t *len)
{
	int64_t a[6] = { rfd };

	return name_call(op, a, sa, len);
}

static long addr_call(uint32_t op, int rfd, const struct sockaddr *sa, socklen_t len)
{
	int64_t a[6] = { rfd };
	struct iovec in = { (void *)sa, len };

	if (len > SA_MAX)
		return -EINVAL;
	return pl_call(op, a, &in, sa ? 1 : 0, NULL, 0, NULL);
}

/* A placeholder for a new remote socket; closes the remote if none. */
static long attach(long remote, int type, int cloexec, int minfd)
{
	struct pl_fd e = { .remote = remote, .kind = PL_SOCKET,
			   .cloexec = !!cloexec, .type = type & 0xf };
	long fd;

	if (remote < 0)
		return remote;
	fd = pl_fd_new(&e, minfd);
	if (fd < 0)
		pl_rclose(remote);
	return fd;
}

PL_EXPORT int socket(int domain, int type, int protocol)
{
	if (!pl_tenant_family(domain))
		return pl_real.socket(domain, type, protocol);
	return pl_ret(attach(pl_rsocket(domain, type, protocol), type,
			     type & SOCK_CLOEXEC, 0));
}

PL_EXPORT int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.bind(fd, sa, len);
	return pl_ret(addr_call(NRPC_BIND, e.remote, sa, len));
}

PL_EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.connect(fd, sa, len);
	return pl_ret(addr_call(NRPC_CONNECT, e.remote, sa, len));
}

PL_EXPORT int listen(int fd, int backlog)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.listen(fd, backlog);
	return pl_ret(pl_rsimple(NRPC_LISTEN, e.remote, backlog, 0));
}

PL_EXPORT int shutdown(int fd, int how)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.shutdown(fd, how);
	return pl_ret(pl_rsimple(NRPC_SHUTDOWN, e.remote, how, 0));
}

PL_EXPORT int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int64_t a[6] = { 0, flags & ~SOCK_CLOEXEC };
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.accept4(fd, sa, len, flags);
	a[0] = e.remote;
	return pl_ret(attach(name_call(NRPC_ACCEPT, a, sa, len), e.type,
			     flags & SOCK_CLOEXEC, 0));
}

PL_EXPORT int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.accept(fd, sa, len);
	return accept4(fd, sa, len, 0);
}

PL_EXPORT int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.getsockname(fd, sa, len);
	return pl_ret(pl_rname(NRPC_GETSOCKNAME, e.remote, sa, len));
}

PL_EXPORT int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.getpeername(fd, sa, len);
	return pl_ret(pl_rname(NRPC_GETPEERNAME, e.remote, sa, len));
}

int pl_close(int fd)
{
	struct pl_fd e;
	long r = 0;

	if (!pl_fd_take(fd, &e)) {
		r = e.remote < 0 ? 0 : pl_rclose(e.remote);	/* < 0: its session is lost */
		pl_fd_drop(&e);
		if (r == -ENETDOWN)	/* the socket is gone with the appliance */
			r = 0;
	}
	pl_epoll_forget(fd);
	pl_ring_forget(fd);
	if (pl_real.close(fd) < 0 && !r)
		r = -errno;
	return r;
}

PL_EXPORT int close(int fd)
{
	pl_boot();
	if (pl_is_conn_fd(fd))
		return pl_ret(-EBADF);
	return pl_ret(pl_close(fd));
}

/* A second placeholder for @e's socket or file: NRPC_DUP'd remote. */
static long dup_entry(const struct pl_fd *e, int cloexec, int minfd)
{
	struct pl_fd d = *e;
	long fd, remote = pl_rdup(e->remote);

	if (remote < 0)
		return remote;
	d.remote = remote;
	d.cloexec = !!cloexec;
	d.path = e->path ? strdup(e->path) : NULL;
	fd = pl_fd_new(&d, minfd);
	if (fd < 0) {
		pl_rclose(remote);
		pl_fd_drop(&d);
	}
	return fd;
}

long pl_dup_min(int fd, int minfd, int cloexec)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return -EBADF;
	return dup_entry(&e, cloexec, minfd);
}

PL_EXPORT int dup(int fd)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.dup(fd);
	return pl_ret(dup_entry(&e, 0, 0));
}

/* dup2/dup3 where @old or @new is ours: @new's remote (if any) closes, and
 * @new gets a remote of its own if @old has one. */
static long dup_to(int old, int new, int flags)
{
	struct pl_fd e, victim;
	long remote = -1, r;
	int ours = !pl_fd_get(old, &e), evicted;

	if (ours && (remote = pl_rdup(e.remote)) < 0)
		return remote;
	evicted = pl_conn_evict(new);	/* the program wants our number */
	if (!pl_fd_take(new, &victim)) {
		pl_rclose(victim.remote);
		pl_fd_drop(&victim);
	}
	pl_epoll_forget(new);
	r = pl_real.dup3(old, new, flags);
	if (r < 0) {
		r = -errno;
		if (evicted)	/* the number held a copy of the connection */
			pl_real.close(new);
		if (ours)
			pl_rclose(remote);
		return r;
	}
	if (!ours)
		return r;
	pl_real.fcntl(new, F_SETFD, FD_CLOEXEC);	/* placeholders always are */
	e.remote = remote;
	e.cloexec = !!(flags & O_CLOEXEC);
	e.path = e.path ? strdup(e.path) : NULL;
	if (pl_fd_put(new, &e)) {
		pl_rclose(remote);
		pl_fd_drop(&e);
		return -ENOMEM;
	}
	return r;
}

PL_EXPORT int dup3(int old, int new, int flags)
{
	struct pl_fd e;

	pl_boot();
	if (old == new || (pl_fd_get(old, &e) && pl_fd_get(new, &e) &&
			   !pl_is_conn_fd(new)))
		return pl_real.dup3(old, new, flags);
	return pl_ret(dup_to(old, new, flags));
}

PL_EXPORT int dup2(int old, int new)
{
	struct pl_fd e;

	pl_boot();
	if (old == new || (pl_fd_get(old, &e) && pl_fd_get(new, &e) &&
			   !pl_is_conn_fd(new)))
		return pl_real.dup2(old, new);
	return pl_ret(dup_to(old, new, 0));
}
