// SPDX-License-Identifier: GPL-2.0
/*
 * What happens to the connections when the program forks, jumps out of
 * a call from a signal handler, or closes descriptors wholesale.
 *
 * fork(): a child of a parent with tenant descriptors asks for a copy of
 * the parent's file table; the parent waits until the appliance
 * answered, so that the copy is of the table as it was at fork() (no
 * call starts meanwhile; one already blocked in another thread is a
 * thread running beside the fork, as in Linux).  Any other child drops
 * the inherited connections (one connection is one session) and
 * connects when it first needs to.
 *
 * close_range()/closefrom(): the tenant descriptors in the range are
 * closed (or marked close-on-exec) here, with the appliance told, and
 * the host's close_range runs around our connections, never over them.
 * dup2/dup3 onto a connection's descriptor move the connection first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/close_range.h>

#include "conn.h"
#include "pool.h"

#define pool pl_pool

/*
 * A signal handler longjmp()s out of the program's wait, through our
 * call (iperf3 on ^C): the connection must not stay busy, and what the
 * call left on the wire is the next call's to finish (pl_resync).
 */
static void abandon(void)
{
	pl_boot();
	if (pl_cur)
		pl_unlock();
}

PL_EXPORT void longjmp(struct __jmp_buf_tag env[1], int val)
{
	abandon();
	pl_real.longjmp(env, val);
}

PL_EXPORT void _longjmp(struct __jmp_buf_tag env[1], int val)
{
	abandon();
	pl_real._longjmp(env, val);
}

PL_EXPORT void siglongjmp(struct __jmp_buf_tag env[1], int val)
{
	abandon();
	pl_real.siglongjmp(env, val);
}

PL_EXPORT void __longjmp_chk(struct __jmp_buf_tag env[1], int val)
{
	abandon();
	pl_real.__longjmp_chk(env, val);
}

/* --- fork --- */

static void fork_prepare(void)
{
	pthread_mutex_lock(&pool.lock);
	pl_epoll_lock(1);
	pl_fd_lock(1);
	if (pool.files && pl_fd_count() > 0 && pipe2(pool.forkpipe, O_CLOEXEC) < 0)
		pool.forkpipe[0] = pool.forkpipe[1] = -1;
}

static void fork_parent(void)
{
	char c;

	if (pool.forkpipe[0] >= 0) {
		pl_real.close(pool.forkpipe[1]);
		while (pl_real.read(pool.forkpipe[0], &c, 1) < 0 && errno == EINTR)
			;
		pl_real.close(pool.forkpipe[0]);
		pool.forkpipe[0] = pool.forkpipe[1] = -1;
	}
	pl_fd_lock(0);
	pl_epoll_lock(0);
	pthread_mutex_unlock(&pool.lock);
}

/* Only the forking thread is here: the pool is ours to rebuild. */
static void fork_child(void)
{
	struct pl_conn *first = pool.c[0];
	uint64_t files = pool.files;
	int copy = pool.forkpipe[0] >= 0, i;

	for (i = 0; i < pool.n; i++) {
		pl_cur = pool.c[i];
		pl_shm_drop(1);		/* not mapped here: MADV_DONTFORK */
		if (pool.c[i]->fd >= 0 && !pool.c[i]->lost)
			pl_real.close(pool.c[i]->fd);
		if (i)
			free(pool.c[i]);
	}
	pool.n = 1;
	pthread_mutex_init(&pool.lock, NULL);
	pthread_cond_init(&pool.idle, NULL);
	pool.files = 0;
	pool.making = 0;
	pool.nogrow = !pool.path[0];
	first->fd = -1;
	first->busy = first->broken = first->lost = first->hello = 0;
	first->gen = pool.gen;
	pl_cur = first;
	pl_wire_reset();	/* a call the parent abandoned is the parent's */
	if (copy) {
		if (pl_conn_connect(0) < 0 || pl_conn_hello(files, 0) < 0)
			first->dead = 1;
		else
			pool.files = first->session;
	}
	pl_cur = NULL;
	if (copy) {
		pl_real.close(pool.forkpipe[0]);
		while (pl_real.write(pool.forkpipe[1], "", 1) < 0 && errno == EINTR)
			;
		pl_real.close(pool.forkpipe[1]);
		pool.forkpipe[0] = pool.forkpipe[1] = -1;
	}
	pl_fd_lock(0);
	pl_epoll_lock(0);
}

void pl_conn_atfork(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* --- descriptors closed wholesale --- */

/* @fd is a connection's: move the connection out of the way (to a
 * descriptor above it); 1 if moved, 0 if @fd is not ours. */
int pl_conn_evict(int fd)
{
	int i, nfd, moved = 0;

	pthread_mutex_lock(&pool.lock);
	for (i = 0; i < pool.n && !moved; i++) {
		int *at = pool.c[i]->fd == fd ? &pool.c[i]->fd
			: pool.c[i]->bell == fd ? &pool.c[i]->bell : NULL;

		if (!at)
			continue;
		nfd = pl_real.fcntl(fd, F_DUPFD_CLOEXEC, fd + 1);
		if (nfd < 0)
			nfd = pl_real.fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (nfd >= 0) {
			__atomic_store_n(at, nfd, __ATOMIC_RELEASE);
			moved = 1;
		}
	}
	pthread_mutex_unlock(&pool.lock);
	return moved;
}

static long raw_close_range(unsigned int lo, unsigned int hi, unsigned int flags)
{
	return syscall(SYS_close_range, lo, hi, flags) ? -errno : 0;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* The host's close_range over [lo, hi] minus our connections. */
static long close_around(unsigned int lo, unsigned int hi, unsigned int flags)
{
	unsigned int keep[2 * PL_CONNS_MAX + 2], at = lo;
	int n = 0, i, done = 0;
	long r = 0;

	pthread_mutex_lock(&pool.lock);
	for (i = 0; i < pool.n; i++) {
		if (pool.c[i]->fd >= 0 && !pool.c[i]->lost)
			keep[n++] = pool.c[i]->fd;
		if (pool.c[i]->bell >= 0)
			keep[n++] = pool.c[i]->bell;
	}
	for (i = 0; i < 2; i++)
		if (pool.forkpipe[i] >= 0)
			keep[n++] = pool.forkpipe[i];
	qsort(keep, n, sizeof(keep[0]), cmp_uint);
	for (i = 0; i < n && !r; i++) {
		if (keep[i] < at)
			continue;
		if (keep[i] > hi)
			break;
		if (keep[i] > at) {
			r = raw_close_range(at, keep[i] - 1, flags);
			done = 1;
			flags &= ~CLOSE_RANGE_UNSHARE;	/* once is enough */
		}
		at = keep[i] + 1;	/* descriptors are ints: no wrap */
	}
	if (!r && at <= hi) {
		r = raw_close_range(at, hi, flags);
		done = 1;
	}
	pthread_mutex_unlock(&pool.lock);
	if (!r && !done && (flags & CLOSE_RANGE_UNSHARE) && unshare(CLONE_FILES))
		r = -errno;
	return r;
}

long pl_close_range(unsigned int lo, unsigned int hi, unsigned int flags)
{
	int fd;

	if (lo > hi || (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)))
		return -EINVAL;
	if (!pl_on)
		return raw_close_range(lo, hi, flags);
	/* our placeholders first, the appliance told (they are cloexec
	 * already; CLOSE_RANGE_CLOEXEC marks them for the program's view) */
	for (fd = pl_fd_next(lo); fd >= 0 && (unsigned int)fd <= hi; fd = pl_fd_next(fd + 1)) {
		if (flags & CLOSE_RANGE_CLOEXEC)
			pl_fd_set_cloexec(fd, 1);
		else
			pl_close(fd);
	}
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		pl_epoll_forget_range(lo, hi);
	return close_around(lo, hi, flags);
}

PL_EXPORT int close_range(unsigned int lo, unsigned int hi, int flags)
{
	pl_boot();
	return pl_ret(pl_close_range(lo, hi, flags));
}

PL_EXPORT void closefrom(int lowfd)
{
	pl_boot();
	if (lowfd >= 0)
		pl_close_range(lowfd, ~0U, 0);
}
