// SPDX-License-Identifier: GPL-2.0
/*
 * poll, ppoll, select, pselect over host and tenant descriptors.  Only
 * host: libc's.  Otherwise NRPC_POLL takes the tenant part with the
 * timeout while ppoll() waits on the host part and the connection; when
 * the host side is first, NRPC_CANCEL makes the appliance answer at once
 * and both answers are merged.  The appliance keeps the time: the host
 * wait has no timeout of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "preload.h"

extern void __chk_fail(void) __attribute__((noreturn));

int pl_ts_ms(const struct timespec *ts)
{
	long long ms;

	if (!ts)
		return -1;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
		return -2;
	ms = ts->tv_sec * 1000LL + (ts->tv_nsec + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int ready(const struct pollfd *p, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += !!p[i].revents;
	return k;
}

/*
 * @t[nt]: tenant part (the appliance's descriptors); @h[nh]: host part,
 * with room for h[nh], the connection.  0 with both revents filled, or
 * -errno (-EINTR: a signal came and nothing was ready).
 */
int pl_poll_wait(struct pollfd *t, int nt, int tmo, struct pollfd *h, int nh,
		 const sigset_t *mask)
{
	int64_t a[6] = { nt, tmo }, ret;
	struct iovec in = { t, nt * sizeof(*t) };
	int err, r, werr = 0, i;
	uint32_t got;

	if ((err = pl_lock()))
		return err;
	if ((err = pl_send(NRPC_POLL, a, &in, 1, in.iov_len)))
		goto out_unlock;
	h[nh].fd = pl_conn_fd();
	h[nh].events = POLLIN;
	h[nh].revents = 0;
	r = pl_real.ppoll(h, nh + 1, NULL, mask);
	if (r < 0)
		werr = errno;
	if (r < 0 || !h[nh].revents)
		err = pl_cancel();
	if (!err)
		err = pl_reply(&ret, &got);
	for (i = 0; i < nt; i++)
		t[i].revents = 0;
	if (!err && ret >= 0)
		err = pl_take(t, got);
	err = pl_end(err ? err : ret < 0 ? ret : 0);
	if (r < 0)
		for (i = 0; i < nh; i++)
			h[i].revents = 0;
	if (!err && r < 0 && (werr != EINTR || !ready(t, nt)))
		err = -werr;	/* a signal with nothing ready, or the host's error */
	return err;
out_unlock:
	pl_unlock();
	return err;
}

/* Tenant descriptors in @fds: how many. */
static int tenants(const struct pollfd *fds, nfds_t n)
{
	struct pl_fd e;
	int k = 0;
	nfds_t i;

	for (i = 0; i < n && pl_fd_count(); i++)
		k += fds[i].fd >= 0 && !pl_fd_get(fds[i].fd, &e);
	return k;
}

/* poll() over mixed @fds; the count of ready entries, or -errno. */
int pl_poll(struct pollfd *fds, nfds_t n, int tmo, const sigset_t *mask)
{
	struct pollfd small[2 * 16 + 1], *t = small, *h;
	int sidx[2 * 16], *ti = sidx, *hi, nt = 0, nh = 0, err;
	void *big = NULL;
	struct pl_fd e;
	nfds_t i;

	if (n > INT_MAX / 4)
		return -EINVAL;
	if (n > 16) {
		big = malloc((2 * n + 1) * sizeof(*t) + 2 * n * sizeof(*ti));
		if (!big)
			return -ENOMEM;
		t = big;
		ti = (int *)(t + 2 * n + 1);
	}
	h = t + n;		/* room for n + 1: the connection goes last */
	hi = ti + n;
	for (i = 0; i < n; i++)
		fds[i].revents = 0;
	if (pl_ring_poll(fds, n, 0)) {	/* a capture ring has a block ready */
		free(big);
		return ready(fds, n);
	}
	for (i = 0; i < n; i++) {
		if (fds[i].fd >= 0 && !pl_fd_get(fds[i].fd, &e)) {
			t[nt] = fds[i];
			t[nt].fd = e.remote;
			ti[nt++] = i;
		} else {
			h[nh] = fds[i];
			hi[nh++] = i;
		}
	}
	err = pl_poll_wait(t, nt, tmo, h, nh, mask);
	for (i = 0; !err && i < (nfds_t)nt; i++)
		fds[ti[i]].revents = t[i].revents;
	for (i = 0; !err && i < (nfds_t)nh; i++)
		fds[hi[i]].revents = h[i].revents;
	if (!err)
		pl_ring_poll(fds, n, 1);
	free(big);
	return err ? err : ready(fds, n);
}

PL_EXPORT int poll(struct pollfd *fds, nfds_t n, int tmo)
{
	pl_boot();
	if (!tenants(fds, n))
		return pl_real.poll(fds, n, tmo);
	return pl_ret(pl_poll(fds, n, tmo < 0 ? -1 : tmo, NULL));
}

PL_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		    const sigset_t *mask)
{
	pl_boot();
	if (!tenants(fds, n))
		return pl_real.ppoll(fds, n, ts, mask);
	if (pl_ts_ms(ts) == -2)
		return pl_ret(-EINVAL);
	return pl_ret(pl_poll(fds, n, pl_ts_ms(ts), mask));
}

PL_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int tmo, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return poll(fds, n, tmo);
}

PL_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
			  const sigset_t *mask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return ppoll(fds, n, ts, mask);
}

/* select's sets as poll entries, and back (the kernel's own mapping). */
#define SEL_IN	(POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT	(POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)

static int sel_tenants(int nfds, fd_set *r, fd_set *w, fd_set *x)
{
	struct pl_fd e;
	int fd;

	for (fd = 0; fd < nfds && pl_fd_count(); fd++)
		if (((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) ||
		     (x && FD_ISSET(fd, x))) && !pl_fd_get(fd, &e))
			return 1;
	return 0;
}

static int sel_poll(int nfds, fd_set *r, fd_set *w, fd_set *x, int tmo,
		    const sigset_t *mask)
{
	struct pollfd p[FD_SETSIZE];
	int n = 0, k = 0, i;

	if (nfds < 0 || nfds > FD_SETSIZE)
		return -EINVAL;
	for (i = 0; i < nfds; i++) {
		short ev = (r && FD_ISSET(i, r) ? POLLIN : 0) |
			   (w && FD_ISSET(i, w) ? POLLOUT : 0) |
			   (x && FD_ISSET(i, x) ? POLLPRI : 0);

		if (ev)
			p[n++] = (struct pollfd){ .fd = i, .events = ev };
	}
	if ((i = pl_poll(p, n, tmo, mask)) < 0)
		return i;
	for (i = 0; i < n; i++) {
		int fd = p[i].fd;
		short re = p[i].revents;

		if (re & POLLNVAL)
			return -EBADF;
		if (r && FD_ISSET(fd, r) && !(re & SEL_IN))
			FD_CLR(fd, r);
		if (w && FD_ISSET(fd, w) && !(re & SEL_OUT))
			FD_CLR(fd, w);
		if (x && FD_ISSET(fd, x) && !(re & POLLPRI))
			FD_CLR(fd, x);
		k += (r && FD_ISSET(fd, r)) + (w && FD_ISSET(fd, w)) + (x && FD_ISSET(fd, x));
	}
	return k;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

PL_EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv)
{
	long long t0 = now_ms(), left;
	int tmo = -1, k;

	pl_boot();
	if (!sel_tenants(nfds, r, w, x))
		return pl_real.select(nfds, r, w, x, tv);
	if (tv) {
		if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
			return pl_ret(-EINVAL);
		left = tv->tv_sec * 1000LL + (tv->tv_usec + 999) / 1000;
		tmo = left > INT_MAX ? INT_MAX : (int)left;
	}
	k = sel_poll(nfds, r, w, x, tmo, NULL);
	if (tv) {		/* Linux says how much of the timeout is left */
		left = tmo - (now_ms() - t0);
		left = left < 0 ? 0 : left;
		tv->tv_sec = left / 1000;
		tv->tv_usec = left % 1000 * 1000;
	}
	return pl_ret(k);
}

PL_EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *x,
		      const struct timespec *ts, const sigset_t *mask)
{
	pl_boot();
	if (!sel_tenants(nfds, r, w, x))
		return pl_real.pselect(nfds, r, w, x, ts, mask);
	if (pl_ts_ms(ts) == -2)
		return pl_ret(-EINVAL);
	return pl_ret(sel_poll(nfds, r, w, x, pl_ts_ms(ts), mask));
}
