// SPDX-License-Identifier: GPL-2.0
/*
 * Messages on the calling thread's connection (pl_cur), one call at a
 * time on each.
 * Replies are checked before anything in them is used: type, sequence
 * number, length against what we asked for; a broken or lying
 * connection ends (pl_fail).  The stream's position is kept in
 * pl_conn.wire and .left as bytes are actually consumed, so that a call
 * a signal handler jumped out of can be finished by the next one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "pool.h"

#define conn (*pl_cur)

static const char *refusal(int64_t ret)
{
	return ret == -EACCES ? "it does not admit this user" :
	       ret == -EAGAIN ? "it has too many sessions" : strerror((int)-ret);
}

/* A peer it does not admit gets one REPLY with @seq 0, then the
 * appliance closes: say that rather than our write's EPIPE. */
static const char *why_closed(int err)
{
	struct nrpc_reply r;

	if (conn.rpos == conn.rlen &&
	    pl_real.recv(conn.fd, &r, sizeof(r), MSG_DONTWAIT) == sizeof(r) &&
	    r.h.type == NRPC_REPLY && r.h.seq == 0 && r.ret < 0 && r.ret >= -4095)
		return refusal(r.ret);
	return strerror(err);
}

/* What writing to or reading from a descriptor that is no longer our
 * connected socket says. */
static int not_ours(int err)
{
	return err == EBADF || err == ENOTSOCK || err == ENOTCONN || err == EDESTADDRREQ;
}

static int wire_writev(const struct iovec *iov, int n)
{
	struct iovec v[64];
	size_t skip = 0;

	while (n > 0) {
		struct msghdr m = { .msg_iov = v };
		ssize_t w;
		int k;

		for (k = 0; k < n && k < 64; k++)
			v[k] = iov[k];
		/* cppcheck-suppress uninitvar ; n > 0: v[0] is set */
		v[0].iov_base = (char *)v[0].iov_base + skip;
		v[0].iov_len -= skip;
		m.msg_iovlen = k;
		w = pl_real.sendmsg(conn.fd, &m, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && not_ours(errno))
			return pl_lost(strerror(errno));
		if (w < 0)
			return pl_fail(why_closed(errno));
		w += skip;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			n--;
		}
		skip = w;
	}
	return 0;
}

int pl_wire_send(const struct iovec *iov, int n, int polling)
{
	int err;

	conn.wire = PL_SENDING;
	if ((err = wire_writev(iov, n)))
		return err;
	conn.wire = polling ? PL_POLLING : PL_AWAIT;
	conn.cancelled = 0;
	return 0;
}

void pl_wire_reset(void)
{
	conn.rpos = conn.rlen = 0;
	conn.left = 0;
	conn.wire = PL_IDLE;
}

static int wire_fill(void *dst, size_t len)
{
	ssize_t r;

	do
		r = pl_real.read(conn.fd, dst, len);
	while (r < 0 && errno == EINTR);
	if (r < 0 && not_ours(errno))
		return pl_lost(strerror(errno));
	if (r <= 0)
		return pl_fail(r ? strerror(errno) : "it closed the connection");
	return r;
}

/* @n bytes of the current reply's out data; large reads go straight to
 * the caller's buffer. */
static int wire_read(void *dst, size_t n)
{
	char *p = dst;
	int r;

	while (n) {
		if (conn.rpos == conn.rlen && n >= sizeof(conn.rbuf)) {
			if ((r = wire_fill(p, n)) < 0)
				return r;
		} else if (conn.rpos < conn.rlen) {
			r = conn.rlen - conn.rpos < n ? conn.rlen - conn.rpos : n;
			memcpy(p, conn.rbuf + conn.rpos, r);
			conn.rpos += r;
		} else {
			if ((r = wire_fill(conn.rbuf, sizeof(conn.rbuf))) < 0)
				return r;
			conn.rpos = 0;
			conn.rlen = r;
			continue;
		}
		conn.left -= r;
		p += r;
		n -= r;
	}
	return 0;
}

/* A reply's header, consumed whole or not at all. */
static int wire_header(struct nrpc_reply *r)
{
	int got;

	if (conn.rpos + sizeof(*r) > sizeof(conn.rbuf)) {
		memmove(conn.rbuf, conn.rbuf + conn.rpos, conn.rlen - conn.rpos);
		conn.rlen -= conn.rpos;
		conn.rpos = 0;
	}
	while (conn.rlen - conn.rpos < sizeof(*r)) {
		got = wire_fill(conn.rbuf + conn.rlen, sizeof(conn.rbuf) - conn.rlen);
		if (got < 0)
			return got;
		conn.rlen += got;
	}
	memcpy(r, conn.rbuf + conn.rpos, sizeof(*r));
	conn.rpos += sizeof(*r);
	return 0;
}

int pl_send(uint32_t op, const int64_t args[6], const struct iovec *in, int nin,
	    uint32_t out_max)
{
	struct iovec small[8], *v = small;
	struct nrpc_call c;
	size_t len = sizeof(c) + pl_iov_len(in, nin);
	int err;

	if (len > NRPC_MSG_MAX || out_max > NRPC_MSG_MAX - sizeof(struct nrpc_reply))
		return -EMSGSIZE;
	if (nin + 1 > 8 && !(v = malloc((nin + 1) * sizeof(*v))))
		return -ENOMEM;
	memset(&c, 0, sizeof(c));
	if (++conn.seq == 0)
		conn.seq = 1;
	c.h.len = len;
	c.h.type = NRPC_CALL;
	c.h.seq = conn.seq;
	c.op = op;
	c.out_max = out_max;
	memcpy(c.args, args, sizeof(c.args));
	v[0].iov_base = &c;
	v[0].iov_len = sizeof(c);
	if (nin)
		memcpy(v + 1, in, nin * sizeof(*v));
	conn.out_max = out_max;
	err = pl_wire_send(v, nin + 1, op == NRPC_POLL);
	if (v != small)
		free(v);
	return err;
}

int pl_reply(int64_t *ret, uint32_t *out_len)
{
	struct nrpc_reply r;
	int err = wire_header(&r);

	if (err)
		return err;
	if (r.h.type == NRPC_REPLY && r.h.seq == 0 && r.ret < 0 && r.ret >= -4095)
		return pl_fail(refusal(r.ret));
	if (r.h.type != NRPC_REPLY || r.h.seq != conn.seq ||
	    r.h.len < sizeof(r) || r.h.len > NRPC_MSG_MAX ||
	    r.out_len != r.h.len - sizeof(r) || r.out_len > conn.out_max ||
	    r.ret < -4095)
		return pl_fail("malformed reply");
	conn.left = r.out_len;
	conn.wire = PL_READING;
	*ret = r.ret;
	if (out_len)
		*out_len = r.out_len;
	return 0;
}

int pl_take(void *buf, size_t n)
{
	if (n > conn.left)
		return pl_fail("reply shorter than its layout");
	return wire_read(buf, n);
}

int pl_takev(const struct iovec *iov, int n, size_t len)
{
	int i, err;

	for (i = 0; i < n && len; i++) {
		size_t k = iov[i].iov_len < len ? iov[i].iov_len : len;

		if ((err = pl_take(iov[i].iov_base, k)))
			return err;
		len -= k;
	}
	return len ? pl_fail("reply longer than the buffers") : 0;
}

int pl_done(void)
{
	char junk[512];
	int err = 0;

	while (conn.left && !err)
		err = pl_take(junk, conn.left < sizeof(junk) ? conn.left : sizeof(junk));
	if (!err)
		conn.wire = PL_IDLE;
	return err;
}

/* End the pending NRPC_POLL now; its reply comes at once. */
int pl_cancel(void)
{
	struct nrpc_hdr h = { .len = sizeof(h), .type = NRPC_CANCEL, .seq = conn.seq };
	struct iovec v = { &h, sizeof(h) };
	int err;

	if (conn.wire != PL_POLLING || conn.cancelled)
		return 0;
	if (!(err = wire_writev(&v, 1)))
		conn.cancelled = 1;
	return err;
}

int pl_resync(void)
{
	int64_t ret;
	int err = 0;

	switch (conn.wire) {
	case PL_IDLE:
		return 0;
	case PL_SENDING:
		return pl_fail("a signal handler jumped out of a call half sent");
	case PL_POLLING:
		err = pl_cancel();
		/* fall through */
	case PL_AWAIT:
		if (!err)
			err = pl_reply(&ret, NULL);
		/* fall through */
	case PL_READING:
		if (!err)
			err = pl_done();
	}
	return err;
}

/* Ops that name no descriptor: after a lost session they can simply be
 * sent again, to the new one. */
static int names_no_fd(uint32_t op)
{
	return op == NRPC_SOCKET || op == NRPC_OPEN || op == NRPC_NULL;
}

int pl_begin(uint32_t op, const int64_t args[6], const struct iovec *in, int nin,
	     uint32_t out_max, int64_t *ret, uint32_t *out_len)
{
	int err, again = 1;

	pl_lost_take();
	do {
		if ((err = pl_lock()))
			continue;
		err = pl_send(op, args, in, nin, out_max);
		if (!err)
			err = pl_reply(ret, out_len);
		if (!err)
			return 0;
		pl_unlock();
	} while (pl_lost_take() && names_no_fd(op) && again--);
	return err;
}

long pl_end(long r)
{
	int err = pl_done();

	pl_unlock();
	return err ? err : r;
}

int64_t pl_call(uint32_t op, const int64_t args[6], const struct iovec *in, int nin,
		void *out, uint32_t out_max, uint32_t *out_len)
{
	uint32_t n = 0;
	int64_t ret;
	int err;

	if ((err = pl_begin(op, args, in, nin, out_max, &ret, &n)))
		return err;
	if ((err = pl_take(out, n)))
		return pl_end(err);
	if (out_len)
		*out_len = n;
	return pl_end(ret);
}
