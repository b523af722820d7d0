// SPDX-License-Identifier: GPL-2.0
/*
 * The dataplane; see dp.h.  Each worker is one kernel CPU's host thread:
 * worker 0 is the dataplane thread (CPU 0, which also runs the control
 * requests), worker w the thread of CPU w.  Worker w owns rx and tx
 * queue w of the port (or, on a port with one rx queue, gets its frames
 * from worker 0 over a ring, spread by flow hash), hands what it
 * receives to queue w of each vNIC (served by CPU w), and sends what the
 * vNICs' tx queue w gave it.  One flow stays on one worker, queue and
 * CPU, so its frames stay in order.
 */
#define _GNU_SOURCE		/* pthread_timedjoin_np, CPU_SET */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_rwlock.h>
#include <rte_spinlock.h>
#include <rte_thread.h>

#include "ctl/ctl.h"
#include "dp.h"
#include "dp_int.h"
#include "demux.h"
#include "flow.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "nuse_host.h"
#include "tenant/admit.h"
#include "tenant/tenant.h"

#define BURST		32
#define TX_MAX		512
#define HAIRPIN_MAX	4096		/* unicast frames between local vNICs, per run */
#define FLOOD_BUDGET	256		/* broadcast/multicast frames from vNICs
					 * delivered per run: a budget of their own, so
					 * that they cannot crowd unicast out */
#define FLOOD_QUEUE	256		/* and waiting for a later run: each holds an
					 * mbuf, a quarter of the smallest pool */
#define SPIN_LOOPS	256		/* empty polls before sleeping */
#define SLEEP_MAX_NS	100000000ULL	/* look around at least every 100 ms */
#define NOINTR_SLEEP_NS	200000ULL	/* without rx interrupts, poll this often */
/* For a second after traffic, sleep at most 1 ms even with rx interrupts:
 * net_tap reads its queue only after its SIGIO handler has run on some
 * other thread, which is sometimes milliseconds after the queue's fd woke
 * us, and traffic that just paused tends to resume. */
#define WARM_NS		1000000000ULL
#define WARM_SLEEP_NS	1000000ULL

struct hairpin {
	int vnic;		/* a flood: the sender, and @vlan its VLAN */
	int vlan;
	struct rte_mbuf *m;
};

struct worker {
	unsigned int id;		/* its kernel CPU, rx and tx queue */
	uint16_t rxq, txq;		/* of the port; rxq only without ring */
	int epoll_fd, kick_fd, rx_intr_fd;
	struct rte_ring *ring;		/* frames worker 0 spread to it */
	atomic_int sleeping;		/* in epoll: kick it for new work */
	int started;

	/* Staged by the tx callbacks of the vNICs' queue @id, which may run
	 * on another CPU's thread (a qdisc's, a timer's): under @lock. */
	rte_spinlock_t lock;
	struct rte_mbuf *tx[TX_MAX];
	unsigned int ntx;
	struct hairpin staged[HAIRPIN_MAX];
	unsigned int nstaged;
	struct hairpin floods[FLOOD_QUEUE];	/* a ring */
	unsigned int flood_head, flood_tail;

	/* the worker's own */
	struct rte_mbuf *inflight[HAIRPIN_MAX + FLOOD_BUDGET];
	unsigned int ninflight;
	struct rte_mbuf *rx[BURST];	/* read by the next run */
	unsigned int nrx;
	unsigned int idle;
	unsigned long long last_traffic, started_ns;
	struct dp_stats stats;
} __rte_cache_aligned;

static struct {
	struct worker *w;
	unsigned int nworkers;
	int wake_fd;			/* eventfd: stop and control requests */
	pthread_t thread;
	atomic_int stop;
	/* (VLAN, MAC) -> vNIC: read by every worker and tx callback,
	 * written by attach/detach on the dataplane thread */
	rte_rwlock_t demux_lock;
	struct rte_mbuf *spread[NUSE_CPUS_MAX][BURST];	/* worker 0's */

	/* startup handshake with the main thread */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready;			/* 1 running, -errno failed */

	unsigned long long heartbeat;	/* nuse_host_now() of the loop's last turn */
	atomic_int gone, panicked;
	void (*on_panic)(void);
} dp = { .wake_fd = -1, .demux_lock = RTE_RWLOCK_INITIALIZER,
	 .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* The worker whose thread this is; NULL on others (control, extra CPUs). */
static __thread struct worker *self;

/* Tell @w it has work, if it sleeps: after the work is visible. */
static void worker_kick(struct worker *w)
{
	uint64_t one = 1;

	if (w == self)
		return;
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load(&w->sleeping) && w->kick_fd >= 0)
		(void)!write(w->kick_fd, &one, sizeof(one));
}

/* --- transmit: the kernel's frames, on its stack --- */

static void tx_flush(struct worker *w)
{
	int shared = dp_port.ntxq < dp.nworkers;
	unsigned int sent = 0, i;

	if (shared)
		rte_spinlock_lock(&dp_port.txq_lock[w->txq]);
	while (sent < w->ntx) {
		uint16_t k = rte_eth_tx_burst(dp_port.id, w->txq, w->tx + sent, w->ntx - sent);

		if (!k)
			break;
		sent += k;
	}
	if (shared)
		rte_spinlock_unlock(&dp_port.txq_lock[w->txq]);
	for (i = sent; i < w->ntx; i++)
		rte_pktmbuf_free(w->tx[i]);
	w->stats.tx_dropped += w->ntx - sent;
	w->ntx = 0;
}

/* A copy of @f in a fresh mbuf, tagged with @vlan when it has one. */
static struct rte_mbuf *frame_copy(const struct nuse_frame *f, int vlan)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp_port.pool);
	unsigned int extra = vlan >= 0 ? 4 : 0;
	unsigned char *p;

	if (!m)
		return NULL;
	p = (unsigned char *)rte_pktmbuf_append(m, f->len + extra);
	if (!p) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (!extra) {
		memcpy(p, f->data, f->len);
		return m;
	}
	memcpy(p, f->data, 12);
	p[12] = 0x81;
	p[13] = 0x00;
	p[14] = vlan >> 8;
	p[15] = vlan & 0xff;
	memcpy(p + 16, (unsigned char *)f->data + 12, f->len - 12);
	return m;
}

static void hairpin_stage(struct worker *w, int vnic, struct rte_mbuf *m)
{
	if (w->nstaged == HAIRPIN_MAX) {
		rte_pktmbuf_free(m);
		w->stats.hairpin_dropped++;
		return;
	}
	w->staged[w->nstaged++] = (struct hairpin){ vnic, 0, m };
	w->stats.hairpin++;
}

struct flood_probe {
	const unsigned char *dst;
	int any;
};

static int flood_probe(void *arg, int vnic)
{
	struct flood_probe *fp = arg;

	fp->any = nuse_vnic_accepts(vnic, fp->dst);
	return fp->any;		/* one is enough */
}

/* Whether a local vNIC other than @from takes a frame for @dst: the
 * multicast nobody here joined (most of it: DAD, MLD reports, router
 * solicitations) goes to the wire only, and takes no place in the queue. */
static int flood_wanted(struct worker *w, int vlan, int from, const unsigned char *dst)
{
	struct flood_probe fp = { dst, 0 };

	if (rte_is_broadcast_ether_addr((const struct rte_ether_addr *)dst))
		return demux_vlan_count(vlan) > 1;
	demux_flood(vlan, from, flood_probe, &fp);
	if (!fp.any)
		w->stats.flood_filtered++;
	return fp.any;
}

/* A broadcast or multicast frame from @vnic, for the other vNICs of its
 * VLAN: one copy, shared by all of them when it is delivered. */
static void flood_stage(struct worker *w, int vnic, int vlan, struct rte_mbuf *m)
{
	if (w->flood_head - w->flood_tail == FLOOD_QUEUE) {
		rte_pktmbuf_free(m);
		w->stats.flood_dropped++;
		return;
	}
	w->floods[w->flood_head++ % FLOOD_QUEUE] = (struct hairpin){ vnic, vlan, m };
}

static void tx_locked(struct worker *w, int vnic, const struct nuse_frame *frames,
		      unsigned int n)
{
	int vlan = demux_vlan(vnic), local;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const unsigned char *dst = frames[i].data;
		struct rte_mbuf *m;

		if (frames[i].len < 14)
			continue;
		w->stats.tx_frames++;
		w->stats.tx_bytes += frames[i].len;
		local = dst[0] & 1 ? -1 : demux_lookup(vlan, dst);
		if (local >= 0 || (dst[0] & 1 && flood_wanted(w, vlan, vnic, dst))) {
			struct rte_mbuf *copy = frame_copy(&frames[i], -1);

			if (!copy) {
				w->stats.tx_dropped++;
				continue;
			}
			if (local >= 0) {
				hairpin_stage(w, local, copy);
				continue;	/* never on the wire */
			}
			flood_stage(w, vnic, vlan, copy);
		}
		m = frame_copy(&frames[i], vlan);
		if (!m) {
			w->stats.tx_dropped++;
			continue;
		}
		w->tx[w->ntx++] = m;
		if (w->ntx == TX_MAX)
			tx_flush(w);
	}
}

/* The vNICs' tx queue @queue is worker @queue's: a frame a flow's CPU
 * sends leaves through that CPU's worker and port queue. */
static void dp_tx(void *priv, int vnic, unsigned int queue, const struct nuse_frame *frames,
		  unsigned int n)
{
	struct worker *w = &dp.w[queue % dp.nworkers];

	rte_spinlock_lock(&w->lock);
	rte_rwlock_read_lock(&dp.demux_lock);
	tx_locked(w, vnic, frames, n);
	rte_rwlock_read_unlock(&dp.demux_lock);
	rte_spinlock_unlock(&w->lock);
	worker_kick(w);
}

/* --- receive --- */

/* A broadcast or multicast frame for the vNICs of a VLAN (from the wire,
 * or staged from a vNIC): multicast only to those that joined its group. */
struct flood_deliver {
	struct worker *w;
	struct nuse_frame f;
	unsigned long long *copies;	/* the counter of those delivered */
};

static int flood_push(void *arg, int vnic)
{
	struct flood_deliver *fd = arg;

	if (!nuse_vnic_accepts(vnic, fd->f.data)) {
		fd->w->stats.flood_filtered++;
		return 0;
	}
	nuse_vnic_rx_queue(vnic, fd->w->id, &fd->f, 1);
	(*fd->copies)++;
	return 0;
}

static void rx_one(struct worker *w, struct rte_mbuf *m)
{
	unsigned char *p = rte_pktmbuf_mtod(m, unsigned char *);
	unsigned int len = m->data_len;
	int vlan = DEMUX_UNTAGGED, vnic;
	struct flood_deliver rf = { .w = w, .copies = &w->stats.rx_flood_copies };

	w->stats.rx_frames++;
	w->stats.rx_bytes += m->pkt_len;
	if (m->nb_segs > 1 || len < 14) {
		w->stats.rx_malformed++;
		return;
	}
	if (p[12] == 0x81 && p[13] == 0x00) {
		if (len < 18) {
			w->stats.rx_malformed++;
			return;
		}
		vlan = ((p[14] & 0x0f) << 8) | p[15];
		if (vlan == 0)
			vlan = DEMUX_UNTAGGED;	/* priority tag only */
		else if (vlan == 4095) {
			w->stats.rx_malformed++;
			return;
		}
		memmove(p + 4, p, 12);
		p += 4;
		len -= 4;
	}
	rf.f.data = p;
	rf.f.len = len;
	/* the port's flow hash (or ours), for the kernel's RPS/RFS */
	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
		rf.f.hash = m->hash.rss;
	if (p[0] & 1) {
		demux_flood(vlan, -1, flood_push, &rf);
		return;
	}
	vnic = demux_lookup(vlan, p);
	if (vnic < 0) {
		w->stats.rx_unknown++;
		memcpy(w->stats.unknown_mac, p, 6);
		w->stats.unknown_vlan = vlan;
		return;
	}
	nuse_vnic_rx_queue(vnic, w->id, &rf.f, 1);
}

/* Worker 0 on a port with one rx queue: each frame to the worker its
 * flow hashes to; its own share comes back in @w->rx. */
static unsigned int spread(struct worker *w)
{
	struct rte_mbuf *in[BURST];
	unsigned int cnt[NUSE_CPUS_MAX] = { 0 }, mine = 0, t, k;
	uint16_t n = rte_eth_rx_burst(dp_port.id, 0, in, BURST), i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = in[i];

		m->hash.rss = flow_hash(rte_pktmbuf_mtod(m, unsigned char *), m->data_len);
		m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
		t = m->hash.rss % dp.nworkers;
		if (!t)
			w->rx[mine++] = m;
		else
			dp.spread[t][cnt[t]++] = m;
	}
	for (t = 1; n && t < dp.nworkers; t++) {
		if (!cnt[t])
			continue;
		k = rte_ring_sp_enqueue_burst(dp.w[t].ring, (void **)dp.spread[t], cnt[t], NULL);
		w->stats.spread_frames += k;
		w->stats.spread_dropped += cnt[t] - k;
		for (; k < cnt[t]; k++)
			rte_pktmbuf_free(dp.spread[t][k]);
		worker_kick(&dp.w[t]);
	}
	return mine;
}

/* The next burst for @w, handed to the vNICs' queue @w->id. */
static unsigned int worker_rx(struct worker *w)
{
	unsigned int n, i;

	if (!dp_port.software)
		n = rte_eth_rx_burst(dp_port.id, w->rxq, w->rx, BURST);
	else if (w->id)
		n = rte_ring_sc_dequeue_burst(w->ring, (void **)w->rx, BURST, NULL);
	else
		n = spread(w);
	w->nrx = n;
	if (!n)
		return 0;
	rte_rwlock_read_lock(&dp.demux_lock);
	for (i = 0; i < n; i++)
		rx_one(w, w->rx[i]);
	rte_rwlock_read_unlock(&dp.demux_lock);
	return n;
}

/* Frames kept for the next run: hairpinned and flooded ones go to their
 * vNICs now, and the ones the last run consumed are freed. */
static void hairpin_deliver(struct worker *w)
{
	unsigned int i;

	for (i = 0; i < w->ninflight; i++)
		rte_pktmbuf_free(w->inflight[i]);
	w->ninflight = 0;
	for (i = 0; i < w->nstaged; i++) {
		struct nuse_frame f = {
			.data = rte_pktmbuf_mtod(w->staged[i].m, void *),
			.len = w->staged[i].m->data_len,
		};

		nuse_vnic_rx_queue(w->staged[i].vnic, w->id, &f, 1);
		w->inflight[w->ninflight++] = w->staged[i].m;
	}
	for (i = 0; i < FLOOD_BUDGET && w->flood_tail != w->flood_head; i++) {
		struct hairpin *h = &w->floods[w->flood_tail++ % FLOOD_QUEUE];
		struct flood_deliver fd = {
			w, { .data = rte_pktmbuf_mtod(h->m, void *), .len = h->m->data_len },
			&w->stats.hairpin,
		};

		demux_flood(h->vlan, h->vnic, flood_push, &fd);
		w->inflight[w->ninflight++] = h->m;
	}
	w->nstaged = 0;
}

/* After a kernel run: the burst it read is freed, local frames go to
 * their vNICs for the next run, the rest to the port. */
static void worker_after_run(struct worker *w)
{
	unsigned int i;

	for (i = 0; i < w->nrx; i++)
		rte_pktmbuf_free(w->rx[i]);
	w->nrx = 0;
	rte_spinlock_lock(&w->lock);
	rte_rwlock_read_lock(&dp.demux_lock);
	hairpin_deliver(w);
	rte_rwlock_read_unlock(&dp.demux_lock);
	if (w->ntx)
		tx_flush(w);
	rte_spinlock_unlock(&w->lock);
}

/* Whether anything was handed to @w that its next turn would take. */
static int worker_has_work(struct worker *w)
{
	return w->nstaged || w->ntx || w->flood_head != w->flood_tail ||
	       (w->ring && !rte_ring_empty(w->ring));
}

/* Sleep until @deadline, a frame, a kick or (worker 0) a wake-up.
 * Returns 1 if woken on purpose: work was handed to the worker. */
static int worker_sleep(struct worker *w, unsigned long long now, unsigned long long deadline,
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
		if (ev[i].data.fd == dp.wake_fd && !w->id) {
			(void)!read(dp.wake_fd, &v, sizeof(v));
			woken = 1;
		} else if (ev[i].data.fd == w->kick_fd) {
			nuse_host_cpu_clear(w->id);
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
static void worker_start(struct worker *w)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ncpu = CPU_COUNT(&dp_port.cpus);

	self = w;
	w->started = 1;
	w->started_ns = nuse_host_now();
	if (dp.nworkers > 1 && ncpu) {
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
static int worker_hook(unsigned int cpu, void *arg)
{
	struct worker *w = arg;
	unsigned long long t0;
	unsigned int n;

	if (!w->started)
		worker_start(w);
	t0 = nuse_host_now();
	worker_after_run(w);
	n = worker_rx(w);
	if (n || w->ninflight) {
		w->idle = 0;
		w->last_traffic = t0;
		return 1;
	}
	if (++w->idle < SPIN_LOOPS || dp.stop)
		return 1;
	if (worker_sleep(w, nuse_host_now(), nuse_cpu_next_deadline(cpu), w->last_traffic))
		w->idle = 0;
	return 1;
}

/* --- the loop --- */

/*
 * Fault injection for tests: with NUSE_TEST_PANIC_FILE set in the
 * environment at start-up, the kernel is made to panic (init is ended,
 * as only the host can) once that file exists.  It is how the tests see
 * what a real panic does to the appliance.
 */
static const char *panic_file;

static void panic_done(struct nuse_syscall *call)
{
}

static void maybe_inject_panic(unsigned long long now)
{
	static struct nuse_syscall kill_init = { .nr = NUSE_CALL_EXIT, .done = panic_done };
	static unsigned long long last;

	if (!panic_file || now - last < 50000000ULL)
		return;
	last = now;
	if (access(panic_file, F_OK) == 0) {
		log_warn("kernel: %s exists: ending init to make the kernel panic", panic_file);
		panic_file = NULL;
		nuse_syscall_submit(1, &kill_init);
	}
}

/* Worker 0, the dataplane thread: CPU 0, and the control requests. */
static void dp_loop(void)
{
	struct worker *w = &dp.w[0];
	unsigned int n;

	while (!dp.stop) {
		unsigned long long t0 = nuse_host_now();

		__atomic_store_n(&dp.heartbeat, t0, __ATOMIC_RELAXED);
		maybe_inject_panic(t0);
		ctl_run_pending();
		n = worker_rx(w);
		if (n || w->ninflight || worker_has_work(w) || t0 >= nuse_next_deadline() ||
		    w->idle < SPIN_LOOPS) {
			if (nuse_run())
				break;
		}
		worker_after_run(w);
		if (n || w->ninflight) {
			w->idle = 0;
			w->last_traffic = t0;
			continue;
		}
		if (++w->idle >= SPIN_LOOPS &&
		    worker_sleep(w, nuse_host_now(), nuse_next_deadline(), w->last_traffic))
			w->idle = 0;	/* run the kernel: work was handed to it */
	}
	for (n = 0; n < w->nrx; n++)
		rte_pktmbuf_free(w->rx[n]);
	w->nrx = 0;
}

/* --- the thread --- */

static void dp_attach(void *priv, int vnic, const unsigned char mac[6], int vlan)
{
	int err;

	rte_rwlock_write_lock(&dp.demux_lock);
	err = demux_add(vnic, mac, vlan);
	rte_rwlock_write_unlock(&dp.demux_lock);
	if (err)
		log_warn("dataplane: cannot route frames to vNIC %d", vnic);
}

static void dp_detach(void *priv, int vnic)
{
	rte_rwlock_write_lock(&dp.demux_lock);
	demux_del(vnic);
	rte_rwlock_write_unlock(&dp.demux_lock);
}

static int dp_boot(const struct config *c)
{
	struct tenant_io io = { .tx_queue = dp_tx, .queues = dp.nworkers,
				.attach = dp_attach, .detach = dp_detach };
	unsigned int i;
	int err;

	for (i = 1; i < dp.nworkers; i++)
		nuse_host_set_cpu_hook(i, worker_hook, &dp.w[i]);
	err = nuse_host_boot_cpus(c->kernel_memory, "loglevel=4 rcupdate.rcu_expedited=1",
				  log_kernel, c->kernel_cpus);
	if (err) {
		log_err("kernel: boot failed: %s%s%s", strerror(-err),
			nuse_panic_message() ? ": " : "",
			nuse_panic_message() ? nuse_panic_message() : "");
		return err;
	}
	log_info("kernel: Linux %s up with %u CPU%s and %zu MiB, %zu KiB of it kept in reserve",
		 nuse_kernel_release(), nuse_cpu_count(), nuse_cpu_count() > 1 ? "s" : "",
		 c->kernel_memory >> 20, c->kernel_reserve >> 10);
	worker_start(&dp.w[0]);
	if (c->kernel_cpus > 1 && dp.w[0].kick_fd < 0) {
		log_err("kernel: cannot watch CPU 0's wake-ups");
		nuse_host_halt();
		return -EBADF;
	}
	if (dp.nworkers > 1)
		log_info("dataplane: %u workers, on kernel CPUs 0-%u", dp.nworkers,
			 dp.nworkers - 1);
	err = tenant_init(&io);
	if (err)
		log_warn("kernel: the shared neighbour limits were not raised: %s", strerror(-err));
	admit_init(c->kernel_reserve);
	return 0;
}

/* Every vNIC's counters, as the kernel counted them. */
static void log_vnic_stats(void)
{
	struct nuse_vnic_stats st;
	struct tenant *t = NULL;
	int i;

	while ((t = tenant_next(t))) {
		for (i = 0; i < tenant_nvnics(t); i++) {
			const struct tenant_vnic_spec *v = tenant_vnic_spec(t, i);

			if (nuse_vnic_stats(tenant_vnic_id(t, v->name), &st))
				continue;
			log_info("vnic %s/%s: rx %llu (%llu bytes, %llu dropped), "
				 "tx %llu (%llu bytes, %llu dropped)", tenant_name(t),
				 v->name, st.rx_packets, st.rx_bytes, st.rx_dropped,
				 st.tx_packets, st.tx_bytes, st.tx_dropped);
		}
	}
}

/*
 * The kernel panicked: nothing in it can be trusted or reached again.  Say
 * what panic() said, answer every control request from now on with
 * -EHOSTDOWN, tell the control thread, and make sure the process is gone
 * within a second even if the control thread never gets to it: a
 * supervisor restarts it from the state file.
 */
static void dp_died(void)
{
	log_err("kernel: panic: %s", nuse_panic_message());
	log_err("kernel: the appliance cannot go on: exiting");
	dp.panicked = 1;
	ctl_fail_all(-EHOSTDOWN);
	if (dp.on_panic)
		dp.on_panic();
	dp.gone = 1;
	/* The control thread exits first, once its answers are out; this is
	 * in case it cannot. */
	usleep(800000);
	log_err("kernel: the control thread has not exited: exiting from the dataplane");
	_exit(DP_EXIT_PANIC);
}

static void dp_ready(int how)
{
	pthread_mutex_lock(&dp.lock);
	dp.ready = how;
	pthread_cond_signal(&dp.cond);
	pthread_mutex_unlock(&dp.lock);
}

/* Once every CPU's thread is gone: what the workers still held. */
static void workers_drain(void)
{
	struct rte_mbuf *m;
	unsigned int i, k;

	for (i = 0; i < dp.nworkers; i++) {
		struct worker *w = &dp.w[i];

		for (k = 0; k < w->nrx; k++)
			rte_pktmbuf_free(w->rx[k]);
		for (k = 0; k < w->ninflight; k++)
			rte_pktmbuf_free(w->inflight[k]);
		for (k = 0; k < w->ntx; k++)
			rte_pktmbuf_free(w->tx[k]);
		for (k = 0; k < w->nstaged; k++)
			rte_pktmbuf_free(w->staged[k].m);
		for (; w->flood_tail != w->flood_head; w->flood_tail++)
			rte_pktmbuf_free(w->floods[w->flood_tail % FLOOD_QUEUE].m);
		while (w->ring && rte_ring_sc_dequeue(w->ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		w->nrx = w->ninflight = w->ntx = w->nstaged = 0;
	}
}

static void *dp_main(void *arg)
{
	const struct config *c = arg;
	sigset_t all;
	int err;

	/* No host signal may run on a kernel stack: this thread takes none
	 * (nor do the CPU threads it starts).  (net_tap's SIGIO, which tells
	 * its rx burst to look, goes to the main thread.) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	err = dp_boot(c);
	if (err) {
		dp.gone = 1;
		dp_ready(err);
		return NULL;
	}
	panic_file = getenv("NUSE_TEST_PANIC_FILE");
	dp_ready(1);
	dp_loop();
	if (nuse_panic_message()) {
		dp_died();
		return NULL;
	}
	log_vnic_stats();
	tenant_fini(1);
	if (nuse_host_halt())
		log_warn("kernel: halt failed");
	else
		log_info("kernel: halted");
	workers_drain();
	dp.gone = 1;
	return NULL;
}

/* --- the workers' descriptors and rings, and the way down --- */

static void workers_free(void)
{
	unsigned int i;

	for (i = 0; dp.w && i < dp.nworkers; i++) {
		if (dp.w[i].epoll_fd >= 0)
			close(dp.w[i].epoll_fd);
		rte_ring_free(dp.w[i].ring);
	}
	rte_free(dp.w);
	dp.w = NULL;
	if (dp.wake_fd >= 0)
		close(dp.wake_fd);
	dp.wake_fd = -1;
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
static int workers_alloc(void)
{
	unsigned int i;
	char name[32];
	int err = 0;

	dp.w = rte_zmalloc("nuse_workers", dp.nworkers * sizeof(*dp.w), RTE_CACHE_LINE_SIZE);
	dp.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!dp.w || dp.wake_fd < 0) {
		err = dp.w ? -errno : -ENOMEM;
		goto out;
	}
	for (i = 0; i < dp.nworkers; i++)
		dp.w[i].epoll_fd = -1;
	for (i = 0; i < dp.nworkers && !err; i++) {
		struct worker *w = &dp.w[i];

		w->id = i;
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
		if (!i)
			err = epoll_watch(w->epoll_fd, dp.wake_fd);
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

int dp_init(const struct config *c, const char *argv0)
{
	int err;

	dp.nworkers = c->dp_cores;
	err = port_open(c, argv0, dp.nworkers);
	if (err)
		return err;
	err = workers_alloc();
	if (err) {
		port_close();
		rte_eal_cleanup();
	}
	return err;
}

int dp_start(const struct config *c)
{
	int ready;

	ready = pthread_create(&dp.thread, NULL, dp_main, (void *)c);
	if (ready) {
		log_err("dataplane: cannot start its thread: %s", strerror(ready));
		return -ready;
	}
	pthread_mutex_lock(&dp.lock);
	while (!dp.ready)
		pthread_cond_wait(&dp.cond, &dp.lock);
	ready = dp.ready;
	pthread_mutex_unlock(&dp.lock);
	if (ready < 0) {
		pthread_join(dp.thread, NULL);
		return ready;
	}
	return 0;
}

void dp_wake(void)
{
	uint64_t one = 1;

	(void)!write(dp.wake_fd, &one, sizeof(one));
}

/* A dataplane thread stuck in the kernel never comes back to look at
 * dp.stop: the process must end anyway. */
#define STOP_TIMEOUT_S	5

void dp_stop(void)
{
	struct timespec ts;

	dp.stop = 1;
	dp_wake();
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STOP_TIMEOUT_S;
	if (pthread_timedjoin_np(dp.thread, NULL, &ts)) {
		log_err("dataplane: not stopped after %d s (stuck in the kernel): exiting",
			STOP_TIMEOUT_S);
		_exit(1);
	}
}

/* The way down of dp_init(), and what the thread left. */
void dp_fini(void)
{
	workers_free();
	port_close();
	demux_fini();
	rte_eal_cleanup();
}

unsigned long long dp_heartbeat_age(void)
{
	unsigned long long then = __atomic_load_n(&dp.heartbeat, __ATOMIC_RELAXED);
	unsigned long long now = nuse_host_now();

	if (dp.gone || !then)
		return ~0ULL;
	return now > then ? now - then : 0;
}

int dp_panicked(void)
{
	return dp.panicked;
}

void dp_on_panic(void (*fn)(void))
{
	dp.on_panic = fn;
}

/* --- statistics (dp_stats.c renders them) --- */

unsigned int dp_workers(void)
{
	return dp.nworkers;
}

int dp_worker_stats(unsigned int i, struct dp_stats *s)
{
	struct worker *w;

	if (!dp.w || i >= dp.nworkers)
		return -ENOENT;
	w = &dp.w[i];
	*s = w->stats;
	if (w->started_ns) {
		unsigned long long up = nuse_host_now() - w->started_ns;

		s->busy_ns = up > s->idle_ns ? up - s->idle_ns : 0;
	}
	return 0;
}
