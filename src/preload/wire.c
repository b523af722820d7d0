// SPDX-License-Identifier: GPL-2.0
/*
 * Messages on the calling thread's connection (pl_cur), one call at a
 * time on each.
 * Replies are checked before anything in them is used: type, sequence
 * number, length against what we asked for; a broken or lying
 * connection ends (pl_fail).  The stream's position is kept in
 * pl_conn.wire and .left as bytes are actually consumed, so that a call
 * a signal handler jumped out of can be finished by the next one.
 *
 * With a shared channel (nrpc.h) a call is written into the region and
 * rung, and its reply read from there: after a short spin the thread
 * sleeps on the reply's seq (a futex), waking now and then to see that
 * the socket is still up.  A POLL's reply is also rung on the socket
 * (the wait is a ppoll with the program's own descriptors): that RING
 * is read before the reply.
 */

/*
 * Spin at most this long for a reply before sleeping (NUSE_RPC_SPIN_NS;
 * 0: never spin).  The kernel's CPU serves the channel and says so in
 * @srv_spin while it is awake; a reply it is about to write comes in a
 * microsecond or two, and waking a thread from a futex costs ten times
 * that on a VM (bench/bench-tools.sh: getsockname() 18 us sleeping, 1.3
 * us spinning).  So the library spins only while @srv_spin is set, and
 * adapts: a reply that came while it spun doubles the next spin (up to
 * the most), one that did not halves it (down to SHM_SPIN_MIN_NS), so a
 * thread whose calls block (accept, recv with nothing to read) soon
 * stops burning its core on them.  A sleep lasts this long at most
 * before it looks at the socket.
 */
#define SHM_SPIN_NS	50000
#define SHM_SPIN_MIN_NS	2000
#define SHM_NAP_MS	200
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
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

static int shm_send(const struct iovec *iov, int n);

int pl_wire_send(const struct iovec *iov, int n, int polling)
{
	int err;

	conn.wire = PL_SENDING;
	if ((err = conn.shm ? shm_send(iov, n) : wire_writev(iov, n)))
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
	pl_shm_drop(0);
}

/* --- the shared channel --- */

/* Is conn.bell still the eventfd the HELLO reply brought?  (A raw close
 * or dup2 of the program's may have put a file of its own there.) */
static int bell_ours(void)
{
	struct stat st;

	return conn.bell >= 0 && !fstat(conn.bell, &st) && st.st_dev == conn.bell_dev &&
	       st.st_ino == conn.bell_ino;
}

void pl_bell_keep(int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			pl_real.close(fd);
		return;
	}
	conn.bell_dev = st.st_dev;
	conn.bell_ino = st.st_ino;
	__atomic_store_n(&conn.bell, fd, __ATOMIC_RELEASE);
}

void pl_shm_drop(int inherited)
{
	if (conn.shm && !inherited)
		munmap(conn.shm, conn.shm_size);
	conn.shm = NULL;
	conn.shm_size = 0;
	/* a fork's child closes its copy too: the parent's session's */
	if (bell_ours())
		pl_real.close(conn.bell);
	__atomic_store_n(&conn.bell, -1, __ATOMIC_RELEASE);
}

int pl_shm_map(int fd, uint64_t size)
{
	const struct nrpc_shm *m;
	struct stat st;
	void *p;

	if (fstat(fd, &st) || (uint64_t)st.st_size != size || size < sizeof(*m) ||
	    size > 64u << 20) {
		pl_real.close(fd);
		return pl_fail("the shared channel is not of the size it was said to be");
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	pl_real.close(fd);
	if (p == MAP_FAILED)
		return pl_fail("cannot map the shared channel (NUSE_RPC_SHM=0 does without)");
	m = p;
	if (m->magic != NRPC_SHM_MAGIC || m->version != NRPC_VERSION || m->size != size ||
	    m->req_max < NRPC_MSG_MAX || m->rep_max < NRPC_MSG_MAX ||
	    m->req_off < sizeof(*m) || m->rep_off < sizeof(*m) ||
	    (uint64_t)m->req_off + m->req_max > size || (uint64_t)m->rep_off + m->rep_max > size) {
		munmap(p, size);
		return pl_fail("the shared channel's layout is not one this library knows");
	}
	/* a fork's child must not share its parent's session (fork.c) */
	madvise(p, size, MADV_DONTFORK);
	conn.shm = p;
	conn.shm_size = size;
	conn.req_off = m->req_off;
	conn.rep_off = m->rep_off;
	return 0;
}

/* NUSE_RPC_SPIN_NS (read at load): how long a reply is spun for */
unsigned long pl_spin_ns = SHM_SPIN_NS;

static unsigned char *shm_at(uint32_t off)
{
	return (unsigned char *)conn.shm + off;
}

/* The doorbell: the appliance looks at the region.  The eventfd wakes
 * the kernel's CPU itself; the socket's RING goes through the
 * appliance's control thread (and is what is left if the eventfd is
 * not ours any more). */
static int shm_ring(void)
{
	struct nrpc_hdr h = { .len = sizeof(h), .type = NRPC_RING, .seq = conn.seq };
	struct iovec v = { &h, sizeof(h) };
	uint64_t one = 1;

	if (conn.bell >= 0) {
		if (bell_ours() && pl_real.write(conn.bell, &one, sizeof(one)) == sizeof(one))
			return 0;
		__atomic_store_n(&conn.bell, -1, __ATOMIC_RELEASE);	/* not closed: not ours */
	}
	return wire_writev(&v, 1);
}

static int shm_send(const struct iovec *iov, int n)
{
	unsigned char *p = shm_at(conn.req_off);
	int i;

	for (i = 0; i < n; i++) {	/* pl_send checked the length */
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	/* seq_cst both: the seq is out before @srv_spin is looked at */
	__atomic_store_n(&conn.shm->req_seq, conn.seq, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&conn.shm->srv_spin, __ATOMIC_SEQ_CST))
		return 0;
	return shm_ring();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* Is the socket still up?  0, or what pl_fail/pl_lost said. */
static int shm_socket_up(void)
{
	char b;
	ssize_t r = pl_real.recv(conn.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	if (r == 0)
		return pl_fail("it closed the connection");
	if (r < 0 && not_ours(errno))
		return pl_lost(strerror(errno));
	if (r < 0 && errno != EAGAIN && errno != EINTR)
		return pl_fail(strerror(errno));
	return 0;
}

/* Until the reply to conn.seq is in the region. */
static int shm_wait(void)
{
	struct nrpc_shm *m = conn.shm;
	struct timespec nap = { 0, SHM_NAP_MS * 1000000L };
	uint64_t t0 = 0;
	unsigned long budget = conn.spin_ns ? conn.spin_ns : pl_spin_ns;
	uint32_t v;
	int i, err, spun = 0;

	for (;;) {
		for (i = 0;; i++) {
			v = __atomic_load_n(&m->rep_seq, __ATOMIC_ACQUIRE);
			if (v == conn.seq) {
				if (spun == 1)	/* came while spinning: spin longer */
					conn.spin_ns = budget * 2 < pl_spin_ns ? budget * 2
									       : pl_spin_ns;
				return 0;
			}
			if (!budget || spun > 1 ||
			    !__atomic_load_n(&m->srv_spin, __ATOMIC_RELAXED))
				break;
			spun = 1;
			if ((i & 63) == 63) {
				if (!t0)
					t0 = now_ns();
				else if (now_ns() - t0 >= budget)
					break;
			}
			__builtin_ia32_pause();
		}
		if (spun == 1) {	/* spun for nothing: less next time */
			spun = 2;
			conn.spin_ns = budget / 2 > SHM_SPIN_MIN_NS ? budget / 2 : SHM_SPIN_MIN_NS;
		}
		if (__atomic_load_n(&m->closed, __ATOMIC_ACQUIRE))
			return pl_fail("it ended the session");
		/* seq_cst both: the flag is out before the last look */
		__atomic_store_n(&m->cli_wait, 1, __ATOMIC_SEQ_CST);
		v = __atomic_load_n(&m->rep_seq, __ATOMIC_SEQ_CST);
		if (v != conn.seq && !__atomic_load_n(&m->closed, __ATOMIC_ACQUIRE) &&
		    syscall(SYS_futex, &m->rep_seq, FUTEX_WAIT, v, &nap, NULL, 0) < 0 &&
		    errno == ETIMEDOUT && (err = shm_socket_up())) {
			return err;
		}
		__atomic_store_n(&m->cli_wait, 0, __ATOMIC_RELAXED);
		t0 = 0;
	}
}

/* --- the socket --- */

/* A HELLO reply may carry the channel's memfd and its doorbell: the
 * first two kept in conn.got_fd and conn.got_bell, any other closed. */
static ssize_t fill_fd(void *dst, size_t len)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct iovec iov = { dst, len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	ssize_t r = pl_real.recvmsg(conn.fd, &mh, MSG_CMSG_CLOEXEC);
	size_t i, k;
	int fd;

	if (r < 0)
		return r;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (conn.got_fd < 0)
				conn.got_fd = fd;
			else if (conn.got_bell < 0)
				conn.got_bell = fd;
			else
				pl_real.close(fd);
		}
	}
	return r;
}

static int wire_fill(void *dst, size_t len)
{
	ssize_t r;

	do
		r = conn.want_fd ? fill_fd(dst, len) : pl_real.read(conn.fd, dst, len);
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

	if (conn.shm) {		/* pl_take checked @n against what is left */
		memcpy(dst, shm_at(conn.rep_off + conn.rep_pos), n);
		conn.rep_pos += n;
		conn.left -= n;
		return 0;
	}

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

/* A reply's header (or a RING), consumed whole or not at all. */
static int wire_header(void *r, size_t len)
{
	int got;

	if (conn.rpos + len > sizeof(conn.rbuf)) {
		memmove(conn.rbuf, conn.rbuf + conn.rpos, conn.rlen - conn.rpos);
		conn.rlen -= conn.rpos;
		conn.rpos = 0;
	}
	while (conn.rlen - conn.rpos < len) {
		got = wire_fill(conn.rbuf + conn.rlen, sizeof(conn.rbuf) - conn.rlen);
		if (got < 0)
			return got;
		conn.rlen += got;
	}
	memcpy(r, conn.rbuf + conn.rpos, len);
	conn.rpos += len;
	return 0;
}

/* A POLL's reply is rung on the socket too, so that its wait can take
 * the program's own descriptors along (poll.c): read that RING, then
 * the reply is in the region. */
static int shm_wait_ring(void)
{
	struct nrpc_hdr h;
	int err = wire_header(&h, sizeof(h));

	if (err)
		return err;
	if (h.type != NRPC_RING || h.len != sizeof(h) || h.seq != conn.seq ||
	    __atomic_load_n(&conn.shm->rep_seq, __ATOMIC_ACQUIRE) != conn.seq)
		return pl_fail("a RING that is not the POLL's");
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
	int err;

	if (conn.shm) {
		if ((err = conn.wire == PL_POLLING ? shm_wait_ring() : shm_wait()))
			return err;
		memcpy(&r, shm_at(conn.rep_off), sizeof(r));
		conn.rep_pos = sizeof(r);
	} else if ((err = wire_header(&r, sizeof(r)))) {
		return err;
	}
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

	if (conn.shm)
		conn.left = 0;
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
	if (conn.shm) {
		__atomic_store_n(&conn.shm->cancel, conn.seq, __ATOMIC_RELEASE);
		err = shm_ring();
	} else {
		err = wire_writev(&v, 1);
	}
	if (!err)
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
