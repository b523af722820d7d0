// SPDX-License-Identifier: GPL-2.0
/*
 * The workers: worker 0 is the dataplane thread (dp.c); worker w >= 1
 * runs in CPU w's hook, after each of that CPU's runs.  Their sleep, their
 * descriptors and rings, and their counters.
 */
#define _GNU_SOURCE		/* CPU_SET, pthread_setaffinity_np */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>
#include <rte_spinlock.h>
#include <rte_thread.h>

#include "dp_int.h"
#include "log/log.h"
#include "nuse_host.h"

struct dp_workers dpw = { .wake_fd = -1 };

/* Attach and detach, on the dataplane thread outside the kernel: every
 * worker's lock, in order (no reader holds two). */
void demux_write_lock(void)
{
	unsigned int i;

	for (i = 0; i < dpw.n; i++)
		rte_spinlock_lock(&dpw.w[i].lock);
}

void demux_write_unlock(void)
{
	unsigned int i;

	for (i = dpw.n; i-- > 0;)
		rte_spinlock_unlock(&dpw.w[i].lock);
}

__thread struct worker *dp_self;

int worker_has_work(struct worker *w)
{
	return w->ntx || w->nwait || w->flood_head != w->flood_tail ||
	       (w->ring && !rte_ring_empty(w->ring));
}

/* Sleep until @deadline, a frame, a kick or (worker 0) a wake-up.
 * Returns 1 if woken on purpose: work was handed to the worker. */
int worker_sleep(struct worker *w, unsigned long long now, unsigned long long deadline,
			unsigned long long last_traffic)
{
	int has_queue = !dp_port.software || !w->id;
	unsigned long long until;
	struct epoll_event ev[4];
	int timeout_ms, n, i, woken = 0;
	uint64_t v;

	if (has_queue && w->rx_intr_fd < 0)
		until = now + NOINTR_SLEEP_NS;
	else if (now - last_traffic < WARM_NS)
		until = now + WARM_SLEEP_NS;
	else
		until = now + SLEEP_MAX_NS;
	if (w->kick_fd < 0 && w->id && until > now + NOINTR_SLEEP_NS)
		until = now + NOINTR_SLEEP_NS;	/* nothing could wake it */
	if (deadline < until)
		until = deadline;
	if (until <= now)
		return 0;
	atomic_store(&w->sleeping, 1);
	atomic_thread_fence(memory_order_seq_cst);
	if (worker_has_work(w)) {
		atomic_store(&w->sleeping, 0);
		return 1;
	}
	if (has_queue && w->rx_intr_fd >= 0) {
		rte_eth_dev_rx_intr_enable(dp_port.id, w->rxq);
		/* A frame that arrived before the interrupt was armed. */
		if (rte_eth_rx_queue_count(dp_port.id, w->rxq) > 0) {
			rte_eth_dev_rx_intr_disable(dp_port.id, w->rxq);
			atomic_store(&w->sleeping, 0);
			return 0;
		}
	}
	timeout_ms = (until - now + 999999) / 1000000;
	n = epoll_wait(w->epoll_fd, ev, 4, timeout_ms);
	for (i = 0; i < n; i++)
		if (ev[i].data.fd == dpw.wake_fd && !w->id) {
			(void)!read(dpw.wake_fd, &v, sizeof(v));
			woken = 1;
		} else if (w->id && ev[i].data.fd == w->wake_fd) {
			(void)!read(w->wake_fd, &v, sizeof(v));
			woken = 1;
		} else if (ev[i].data.fd == w->kick_fd) {
			nuse_host_cpu_clear(w->id);
			woken = 1;
		} else if (ev[i].data.fd == DP_BELL_FD) {
			w->stats.bell_wakes++;	/* a program rang: edge-triggered, not read */
			woken = 1;
		}
	atomic_store(&w->sleeping, 0);
	if (has_queue && w->rx_intr_fd >= 0)
		rte_eth_dev_rx_intr_disable(dp_port.id, w->rxq);
	w->stats.idle_ns += nuse_host_now() - now;
	return woken;
}

/* On the worker's own thread, once: its CPU, its EAL identity (for the
 * mbuf pool's per-thread cache), its kick descriptor in its epoll set. */
void worker_start(struct worker *w)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ncpu = CPU_COUNT(&dp_port.cpus);

	dp_self = w;
	w->started = 1;
	w->started_ns = nuse_host_now();
	if (dpw.n > 1 && ncpu) {
		cpu_set_t one;
		int i, k = w->id % ncpu;

		for (i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &dp_port.cpus) && !k--)
				break;
		CPU_ZERO(&one);
		CPU_SET(i, &one);
		if (pthread_setaffinity_np(pthread_self(), sizeof(one), &one))
			log_warn("dataplane: worker %u cannot be pinned to CPU %d", w->id, i);
		else
			log_debug("dataplane: worker %u on CPU %d", w->id, i);
	}
	if (rte_thread_register() < 0)
		log_warn("dataplane: worker %u is not an EAL thread: mbuf caches off", w->id);
	w->kick_fd = nuse_host_cpu_fd(w->id);
	ev.data.fd = w->kick_fd;
	if (w->kick_fd >= 0 && epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, w->kick_fd, &ev)) {
		log_err("dataplane: worker %u cannot watch its kicks: %s: polling", w->id,
			strerror(errno));
		w->kick_fd = -1;
	}
}

/* What CPU w's thread does after each of its runs (w >= 1). */
int worker_hook(unsigned int cpu, void *arg)
{
	struct worker *w = arg;
	unsigned long long t0;
	unsigned int n;
	int served;

	if (!w->started)
		worker_start(w);
	t0 = nuse_host_now();
	__atomic_store_n(&w->heartbeat, t0, __ATOMIC_RELAXED);
	worker_after_run(w);
	served = dpw.serve_poll ? dpw.serve_poll(w->id) : 0;
	n = worker_rx(w);
	if (n || w->ninflight) {
		w->idle = 0;
		w->last_traffic = t0;
		return 1;
	}
	if (served) {
		w->idle = 0;	/* a program is making calls: it may make more */
		return 1;
	}
	if (++w->idle < SPIN_LOOPS)
		return 1;
	if (dpw.serve_idle && dpw.serve_idle(w->id, 1)) {
		w->idle = 0;
		return 1;
	}
	if (worker_sleep(w, nuse_host_now(), nuse_cpu_next_deadline(cpu), w->last_traffic))
		w->idle = 0;
	if (dpw.serve_idle)
		dpw.serve_idle(w->id, 0);
	return 1;
}

/* Once every CPU's thread is gone: what the workers still held. */
void workers_drain(void)
{
	struct rte_mbuf *m;
	unsigned int i, k;

	for (i = 0; i < dpw.n; i++) {
		struct worker *w = &dpw.w[i];

		for (k = 0; k < w->nrx; k++)
			rte_pktmbuf_free(w->rx[k]);
		for (k = 0; k < w->ninflight; k++)
			rte_pktmbuf_free(w->inflight[k]);
		for (k = 0; k < w->ntx; k++)
			rte_pktmbuf_free(w->tx[k]);
		for (k = 0; k < w->nwait; k++)
			rte_pktmbuf_free(w->items[k].m);
		w->nwait = 0;
		for (; w->flood_tail != w->flood_head; w->flood_tail++)
			rte_pktmbuf_free(w->floods[w->flood_tail % FLOOD_QUEUE].m);
		while (w->ring && rte_ring_sc_dequeue(w->ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		w->nrx = w->ninflight = w->ntx = 0;
	}
}

void workers_free(void)
{
	unsigned int i;

	for (i = 0; dpw.w && i < dpw.n; i++) {
		free(dpw.w[i].share);
		free(dpw.w[i].spread_held);
		if (dpw.w[i].epoll_fd >= 0)
			close(dpw.w[i].epoll_fd);
		if (dpw.w[i].wake_fd >= 0)
			close(dpw.w[i].wake_fd);
		rte_ring_free(dpw.w[i].ring);
	}
	rte_free(dpw.w);
	dpw.w = NULL;
	if (dpw.wake_fd >= 0)
		close(dpw.wake_fd);
	dpw.wake_fd = -1;
}

static int epoll_watch(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* Each worker's sleep set: worker 0's with the wake-up eventfd; each
 * with its queue's rx interrupt where the port has them (never read: for
 * some PMDs, net_tap's, the descriptor is the queue itself, readable
 * while frames wait in it).  The kick descriptors join at boot. */
int workers_alloc(void)
{
	unsigned int i;
	char name[32];
	int err = 0;

	dpw.w = rte_zmalloc("nuse_workers", dpw.n * sizeof(*dpw.w), RTE_CACHE_LINE_SIZE);
	dpw.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!dpw.w || dpw.wake_fd < 0) {
		err = dpw.w ? -errno : -ENOMEM;
		goto out;
	}
	for (i = 0; i < dpw.n; i++)
		dpw.w[i].epoll_fd = dpw.w[i].wake_fd = -1;
	if (dp_port.software && dpw.n > 1) {
		static const struct rte_mbuf_dynfield tag = {
			.name = "nuse_spread_vnic",
			.size = sizeof(uint32_t),
			.align = __alignof__(uint32_t),
		};

		dpw.tag_off = rte_mbuf_dynfield_register(&tag);
		if (dpw.tag_off < 0) {
			err = -rte_errno;
			goto out;
		}
	}
	for (i = 0; i < dpw.n && !err; i++) {
		struct worker *w = &dpw.w[i];

		w->id = i;
		/* what waits holds mbufs: a quarter of the pool at most */
		w->wait_max = RTE_MIN((unsigned int)DEFER_MAX, dp_port.pool->size / (4 * dpw.n));
		w->rxq = dp_port.software ? 0 : i;
		w->txq = i % dp_port.ntxq;
		w->kick_fd = -1;
		w->rx_intr_fd = dp_port.software && i ? -1 : port_rx_intr_fd(w->rxq);
		rte_spinlock_init(&w->lock);
		w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
		if (w->epoll_fd < 0) {
			err = -errno;
			break;
		}
		if (i)
			w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (i && w->wake_fd < 0)
			err = -errno;
		else
			err = epoll_watch(w->epoll_fd, i ? w->wake_fd : dpw.wake_fd);
		if (!err && w->rx_intr_fd >= 0)
			err = epoll_watch(w->epoll_fd, w->rx_intr_fd);
		if (!err && dp_port.software && i) {
			snprintf(name, sizeof(name), "nuse_spread%u", i);
			w->ring = rte_ring_create(name, DP_RING_SIZE, rte_socket_id(),
						  RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!w->ring)
				err = -rte_errno;
		}
	}
out:
	if (err) {
		log_err("dataplane: cannot make its workers' descriptors: %s", strerror(-err));
		workers_free();
	}
	return err;
}

int workers_share_reserve(int vnic)
{
	unsigned int i, k, n;

	if (vnic < 0)
		return -EINVAL;
	for (i = 0; i < dpw.n; i++) {
		struct worker *w = &dpw.w[i];

		if ((unsigned int)vnic >= w->nshare) {
			struct rx_share *sh;
			atomic_uint *held;

			n = (vnic + 64) & ~63u;
			sh = realloc(w->share, n * sizeof(*sh));
			if (!sh)
				return -ENOMEM;
			memset(sh + w->nshare, 0, (n - w->nshare) * sizeof(*sh));
			w->share = sh;
			held = realloc(w->spread_held, n * sizeof(*held));
			if (!held)
				return -ENOMEM;	/* share is bigger: harmless */
			for (k = w->nshare; k < n; k++)
				atomic_init(&held[k], 0);
			w->spread_held = held;
			w->nshare = n;
		}
		/* spread_held stays: frames counted for the id's last vNIC are
		 * still in the ring, and subtract from it when taken */
		w->share[vnic] = (struct rx_share){ 0 };
	}
	return 0;
}

unsigned int dp_workers(void)
{
	return dpw.n;
}

int dp_worker_stats(unsigned int i, struct dp_stats *s)
{
	struct worker *w;

	if (!dpw.w || i >= dpw.n)
		return -ENOENT;
	w = &dpw.w[i];
	*s = w->stats;
	if (w->started_ns) {
		unsigned long long up = nuse_host_now() - w->started_ns;

		s->busy_ns = up > s->idle_ns ? up - s->idle_ns : 0;
	}
	return 0;
}
