// SPDX-License-Identifier: GPL-2.0
/*
 * sendmsg/recvmsg with their names and control data (ping's
 * SO_TIMESTAMP, IP_RECVERR's cmsgs pass through as bytes: both ends
 * share this machine's ABI), and sendmmsg/recvmmsg as loops of them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "preload.h"

#define SA_MAX		128
/* Control data we ask for at most; the kernel sets MSG_CTRUNC past it. */
#define CONTROL_MAX	8192

struct msg_ctx {
	int rfd, flags;
	const struct msghdr *m;
};

/* NRPC_SENDMSG (fd, flags) in: u32 namelen, u32 controllen, name,
 * control, data.  Control goes with the first chunk only. */
static long msg_chunk(void *ctx, const struct iovec *v, int nv, size_t len, int first)
{
	const struct msg_ctx *c = ctx;
	uint32_t lens[2] = { c->m->msg_name ? c->m->msg_namelen : 0,
			     first && c->m->msg_control ? c->m->msg_controllen : 0 };
	int64_t a[6] = { c->rfd, c->flags };
	struct iovec head[3] = {
		{ lens, sizeof(lens) },
		{ c->m->msg_name, lens[0] },
		{ c->m->msg_control, lens[1] },
	};

	return pl_call_v(NRPC_SENDMSG, a, head, 3, v, nv);
}

static long rsendmsg(const struct pl_fd *e, const struct msghdr *m, int flags)
{
	struct msg_ctx c = { e->remote, flags & ~MSG_NOSIGNAL, m };
	size_t namelen = m->msg_name ? m->msg_namelen : 0;
	size_t controllen = m->msg_control ? m->msg_controllen : 0;
	size_t fixed = 2 * sizeof(uint32_t) + namelen + controllen;

	if (namelen > SA_MAX || controllen > CONTROL_MAX)
		return -EINVAL;
	if (m->msg_iovlen > IOV_MAX)
		return -EMSGSIZE;
	return pl_sigpipe(pl_chunked(m->msg_iov, m->msg_iovlen, e->type == SOCK_STREAM,
				     PL_ROOM(fixed), msg_chunk, &c), flags);
}

/* NRPC_RECVMSG (fd, flags, datalen, namemax, controlmax) -> bytes; out:
 * u32 namelen, u32 controllen, u32 msg_flags, name, control, data */
static long rrecvmsg(const struct pl_fd *e, struct msghdr *m, int flags)
{
	uint32_t namemax = m->msg_name ? m->msg_namelen : 0;
	uint32_t controlmax = m->msg_control ? m->msg_controllen : 0;
	uint32_t got, lens[3];
	int64_t a[6] = { e->remote, flags }, ret;
	size_t room;
	int err;

	if (m->msg_iovlen > IOV_MAX)
		return -EMSGSIZE;
	namemax = namemax < SA_MAX ? namemax : SA_MAX;
	controlmax = controlmax < CONTROL_MAX ? controlmax : CONTROL_MAX;
	room = PL_ROOM(sizeof(lens) + namemax + controlmax);
	a[2] = pl_iov_len(m->msg_iov, m->msg_iovlen);
	a[2] = (size_t)a[2] < room ? a[2] : (int64_t)room;
	a[3] = namemax;
	a[4] = controlmax;
	if ((err = pl_begin(NRPC_RECVMSG, a, NULL, 0,
			    sizeof(lens) + namemax + controlmax + a[2], &ret, &got)))
		return err;
	if (ret < 0)
		return pl_end(ret);
	if ((err = pl_take(lens, sizeof(lens))))
		return pl_end(err);
	if (lens[0] > namemax || lens[1] > controlmax)
		return pl_end(pl_fail("recvmsg reply beyond namemax/controlmax"));
	if ((err = pl_take(m->msg_name, lens[0])) ||
	    (err = pl_take(m->msg_control, lens[1])) ||
	    (err = pl_takev(m->msg_iov, m->msg_iovlen, got - sizeof(lens) - lens[0] - lens[1])))
		return pl_end(err);
	m->msg_namelen = lens[0];
	m->msg_controllen = lens[1];
	m->msg_flags = lens[2];
	return pl_end(ret);
}

PL_EXPORT ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.sendmsg(fd, m, flags);
	return pl_ret(rsendmsg(&e, m, flags));
}

PL_EXPORT ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.recvmsg(fd, m, flags);
	return pl_ret(rrecvmsg(&e, m, flags));
}

PL_EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	struct pl_fd e;
	unsigned int i;
	long r = 0;

	if (pl_fd_get(fd, &e))
		return pl_real.sendmmsg(fd, v, n, flags);
	for (i = 0; i < n; i++) {
		r = rsendmsg(&e, &v[i].msg_hdr, flags);
		if (r < 0)
			break;
		v[i].msg_len = r;
	}
	return pl_ret(i ? (long)i : r);
}

/* The first waits as @flags say, the others never (MSG_WAITFORONE is
 * what this always does); @tmo is not honoured. */
PL_EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags,
		       struct timespec *tmo)
{
	struct pl_fd e;
	unsigned int i;
	long r = 0;

	if (pl_fd_get(fd, &e))
		return pl_real.recvmmsg(fd, v, n, flags, tmo);
	for (i = 0; i < n; i++) {
		r = rrecvmsg(&e, &v[i].msg_hdr, i ? (flags | MSG_DONTWAIT) & ~MSG_WAITFORONE
						  : flags & ~MSG_WAITFORONE);
		if (r < 0)
			break;
		v[i].msg_len = r;
	}
	return pl_ret(i ? (long)i : r);
}
