// SPDX-License-Identifier: GPL-2.0
/* The dataplane; see dp.h. */
#define _GNU_SOURCE		/* pthread_timedjoin_np */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>
#include <rte_thread.h>

#include "ctl/ctl.h"
#include "dp.h"
#include "demux.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "nuse_host.h"
#include "tenant/admit.h"
#include "tenant/tenant.h"

#define BURST		32
#define RING_SIZE	1024
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

static struct {
	uint16_t port;
	struct rte_mempool *pool;
	int rx_intr_fd;			/* -1: the PMD has no rx interrupts */
	int wake_fd;			/* eventfd: stop and control requests */
	int epoll_fd;
	pthread_t thread;
	atomic_int stop;

	/* startup handshake with the main thread */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready;			/* 1 running, -errno failed */
	const struct config *config;

	/* filled during a kernel run, emptied after it; with several kernel
	 * CPUs, the tx callback runs on their threads at once: tx_lock
	 * keeps these, the demux table and the tx counters to one thread */
	rte_spinlock_t tx_lock;
	int kick_fd;			/* CPU 0's eventfd: IPIs, calls done elsewhere */
	struct rte_mbuf *tx[TX_MAX];
	unsigned int ntx;
	struct hairpin staged[HAIRPIN_MAX];
	unsigned int nstaged;
	struct hairpin floods[FLOOD_QUEUE];	/* a ring */
	unsigned int flood_head, flood_tail;
	struct rte_mbuf *inflight[HAIRPIN_MAX + FLOOD_BUDGET];
	unsigned int ninflight;

	struct dp_stats stats;

	unsigned long long heartbeat;	/* nuse_host_now() of the loop's last turn */
	atomic_int gone, panicked;
	void (*on_panic)(void);
} dp = { .rx_intr_fd = -1, .wake_fd = -1, .epoll_fd = -1, .kick_fd = -1,
	 .tx_lock = RTE_SPINLOCK_INITIALIZER,
	 .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static int is_pci(const char *s)
{
	unsigned int a, b, c, d;

	return sscanf(s, "%x:%x:%x.%x", &a, &b, &c, &d) == 4 ||
	       sscanf(s, "%x:%x.%x", &b, &c, &d) == 3;
}

static int eal_init(const struct config *c, const char *argv0)
{
	char **argv = calloc(c->neal_args + 10, sizeof(char *));
	char prefix[64];
	int argc = 0, i, ret;

	if (!argv) {
		log_err("dpdk: out of memory");
		return -ENOMEM;
	}
	argv[argc++] = (char *)argv0;
	for (i = 0; i < c->neal_args; i++)
		argv[argc++] = c->eal_args[i];
	argv[argc++] = is_pci(c->port) ? "-a" : "--vdev";
	argv[argc++] = c->port;
	snprintf(prefix, sizeof(prefix), "--file-prefix=nuse-%d", getpid());
	argv[argc++] = prefix;
	/* One process, no secondaries: no shared config or telemetry socket
	 * to leave behind in /var/run/dpdk, which the unprivileged appliance
	 * could not remove at exit. */
	argv[argc++] = "--no-shconf";
	argv[argc++] = "--no-telemetry";
	ret = rte_eal_init(argc, argv);
	free(argv);
	/* Empty, and nothing will use it; a failed init leaves it too. */
	rmdir(rte_eal_get_runtime_dir());
	if (ret < 0) {
		ret = rte_errno > 0 ? -rte_errno : -EINVAL;
		log_err("dpdk: EAL init failed: %s", rte_strerror(-ret));
		return ret;
	}
	return 0;
}

/* 0, or -ENODEV. */
static int port_find(const char *spec, uint16_t *port)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t n = strcspn(spec, ",");

	if (n >= sizeof(name))
		return -ENODEV;
	memcpy(name, spec, n);
	name[n] = '\0';
	return rte_eth_dev_get_port_by_name(name, port) ? -ENODEV : 0;
}

/* Undo port_setup(): a virtual device (net_tap's interface) goes with it. */
static void port_close(void)
{
	rte_eth_dev_stop(dp.port);
	rte_eth_dev_close(dp.port);
	rte_mempool_free(dp.pool);
	dp.pool = NULL;
}

static int port_setup(const struct config *c)
{
	struct rte_eth_conf conf = { .intr_conf.rxq = 1 };
	int socket, ret;

	ret = port_find(c->port, &dp.port);
	if (ret) {
		log_err("dpdk: no port \"%s\"", c->port);
		return ret;
	}
	socket = rte_eth_dev_socket_id(dp.port);
	dp.pool = rte_pktmbuf_pool_create("nuse_mbufs", c->mbufs, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  socket < 0 ? 0 : socket);
	if (!dp.pool) {
		ret = -rte_errno;
		log_err("dpdk: no mbuf pool of %u: %s", c->mbufs, rte_strerror(rte_errno));
		goto out_close;
	}
	/* Receive interrupts where the PMD has them, polling otherwise. */
	ret = rte_eth_dev_configure(dp.port, 1, 1, &conf);
	if (ret < 0) {
		conf.intr_conf.rxq = 0;
		ret = rte_eth_dev_configure(dp.port, 1, 1, &conf);
	}
	if (ret >= 0)
		ret = rte_eth_rx_queue_setup(dp.port, 0, RING_SIZE, socket, NULL, dp.pool);
	if (ret >= 0)
		ret = rte_eth_tx_queue_setup(dp.port, 0, RING_SIZE, socket, NULL);
	if (ret < 0) {
		log_err("dpdk: cannot configure port %u: %s", dp.port, rte_strerror(-ret));
		goto out_close;
	}
	ret = rte_eth_dev_start(dp.port);
	if (ret < 0) {
		log_err("dpdk: cannot start port %u: %s", dp.port, rte_strerror(-ret));
		goto out_close;
	}
	/* Every tenant's MAC arrives on this one port. */
	rte_eth_promiscuous_enable(dp.port);
	rte_eth_allmulticast_enable(dp.port);
	if (conf.intr_conf.rxq)
		dp.rx_intr_fd = rte_eth_dev_rx_intr_ctl_q_get_fd(dp.port, 0);
	log_info("dpdk: port %u (%s) up, %s", dp.port, c->port,
		 dp.rx_intr_fd >= 0 ? "rx interrupts" : "no rx interrupts: adaptive polling");
	return 0;

out_close:
	port_close();
	return ret < 0 ? ret : -EIO;
}

static void wake_close(void)
{
	if (dp.epoll_fd >= 0)
		close(dp.epoll_fd);
	if (dp.wake_fd >= 0)
		close(dp.wake_fd);
	dp.epoll_fd = dp.wake_fd = -1;
}

/* The descriptors the dataplane thread sleeps on. */
static int wake_open(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	dp.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	dp.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = dp.wake_fd;
	if (dp.wake_fd < 0 || dp.epoll_fd < 0 ||
	    epoll_ctl(dp.epoll_fd, EPOLL_CTL_ADD, dp.wake_fd, &ev))
		goto out_close;
	if (dp.rx_intr_fd >= 0) {
		/* Never read: for some PMDs (net_tap) the interrupt fd is the
		 * queue itself, readable while frames wait in it. */
		ev.events = EPOLLIN;
		ev.data.fd = dp.rx_intr_fd;
		if (epoll_ctl(dp.epoll_fd, EPOLL_CTL_ADD, dp.rx_intr_fd, &ev))
			goto out_close;
	}
	return 0;

out_close:
	err = -errno;
	log_err("dataplane: cannot make its wake-up descriptors: %s", strerror(-err));
	wake_close();
	return err;
}

int dp_init(const struct config *c, const char *argv0)
{
	int err;

	err = eal_init(c, argv0);
	if (err)
		return err;
	err = port_setup(c);
	if (err)
		goto out_eal;
	err = wake_open();
	if (err)
		goto out_close_port;
	return 0;

out_close_port:
	port_close();
out_eal:
	rte_eal_cleanup();
	return err;
}

/* --- transmit: the kernel's frames, on its stack --- */

static void tx_flush(void)
{
	unsigned int sent = 0, i;

	while (sent < dp.ntx) {
		uint16_t k = rte_eth_tx_burst(dp.port, 0, dp.tx + sent, dp.ntx - sent);

		if (!k)
			break;
		sent += k;
	}
	for (i = sent; i < dp.ntx; i++)
		rte_pktmbuf_free(dp.tx[i]);
	dp.stats.tx_dropped += dp.ntx - sent;
	dp.ntx = 0;
}

/* A copy of @f in a fresh mbuf, tagged with @vlan when it has one. */
static struct rte_mbuf *frame_copy(const struct nuse_frame *f, int vlan)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
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

static void hairpin_stage(int vnic, struct rte_mbuf *m)
{
	if (dp.nstaged == HAIRPIN_MAX) {
		rte_pktmbuf_free(m);
		dp.stats.hairpin_dropped++;
		return;
	}
	dp.staged[dp.nstaged++] = (struct hairpin){ vnic, 0, m };
	dp.stats.hairpin++;
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
static int flood_wanted(int vlan, int from, const unsigned char *dst)
{
	struct flood_probe fp = { dst, 0 };

	if (rte_is_broadcast_ether_addr((const struct rte_ether_addr *)dst))
		return demux_vlan_count(vlan) > 1;
	demux_flood(vlan, from, flood_probe, &fp);
	if (!fp.any)
		dp.stats.flood_filtered++;
	return fp.any;
}

/* A broadcast or multicast frame from @vnic, for the other vNICs of its
 * VLAN: one copy, shared by all of them when it is delivered. */
static void flood_stage(int vnic, int vlan, struct rte_mbuf *m)
{
	if (dp.flood_head - dp.flood_tail == FLOOD_QUEUE) {
		rte_pktmbuf_free(m);
		dp.stats.flood_dropped++;
		return;
	}
	dp.floods[dp.flood_head++ % FLOOD_QUEUE] = (struct hairpin){ vnic, vlan, m };
}

static void dp_tx_locked(int vnic, const struct nuse_frame *frames, unsigned int n)
{
	int vlan = demux_vlan(vnic), local;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const unsigned char *dst = frames[i].data;
		struct rte_mbuf *m;

		if (frames[i].len < 14)
			continue;
		dp.stats.tx_frames++;
		dp.stats.tx_bytes += frames[i].len;
		local = dst[0] & 1 ? -1 : demux_lookup(vlan, dst);
		if (local >= 0 || (dst[0] & 1 && flood_wanted(vlan, vnic, dst))) {
			struct rte_mbuf *copy = frame_copy(&frames[i], -1);

			if (!copy) {
				dp.stats.tx_dropped++;
				continue;
			}
			if (local >= 0) {
				hairpin_stage(local, copy);
				continue;	/* never on the wire */
			}
			flood_stage(vnic, vlan, copy);
		}
		m = frame_copy(&frames[i], vlan);
		if (!m) {
			dp.stats.tx_dropped++;
			continue;
		}
		dp.tx[dp.ntx++] = m;
		if (dp.ntx == TX_MAX)
			tx_flush();
	}
}

static void dp_tx(void *priv, int vnic, const struct nuse_frame *frames,
		  unsigned int n)
{
	rte_spinlock_lock(&dp.tx_lock);
	dp_tx_locked(vnic, frames, n);
	rte_spinlock_unlock(&dp.tx_lock);
}

/* --- receive --- */

/* A broadcast or multicast frame for the vNICs of a VLAN (from the wire,
 * or staged from a vNIC): multicast only to those that joined its group. */
struct flood_deliver {
	struct nuse_frame f;
	unsigned long long *copies;	/* the counter of those delivered */
};

static int flood_push(void *arg, int vnic)
{
	struct flood_deliver *fd = arg;

	if (!nuse_vnic_accepts(vnic, fd->f.data)) {
		dp.stats.flood_filtered++;
		return 0;
	}
	nuse_vnic_rx(vnic, &fd->f, 1);
	(*fd->copies)++;
	return 0;
}

static void rx_one(struct rte_mbuf *m)
{
	unsigned char *p = rte_pktmbuf_mtod(m, unsigned char *);
	unsigned int len = m->data_len;
	int vlan = DEMUX_UNTAGGED, vnic;
	struct flood_deliver rf = { .copies = &dp.stats.rx_flood_copies };

	dp.stats.rx_frames++;
	dp.stats.rx_bytes += m->pkt_len;
	if (m->nb_segs > 1 || len < 14) {
		dp.stats.rx_malformed++;
		return;
	}
	if (p[12] == 0x81 && p[13] == 0x00) {
		if (len < 18) {
			dp.stats.rx_malformed++;
			return;
		}
		vlan = ((p[14] & 0x0f) << 8) | p[15];
		if (vlan == 0)
			vlan = DEMUX_UNTAGGED;	/* priority tag only */
		else if (vlan == 4095) {
			dp.stats.rx_malformed++;
			return;
		}
		memmove(p + 4, p, 12);
		p += 4;
		len -= 4;
	}
	rf.f.data = p;
	rf.f.len = len;
	/* the port's flow hash, for the kernel's RPS/RFS */
	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
		rf.f.hash = m->hash.rss;
	if (p[0] & 1) {
		demux_flood(vlan, -1, flood_push, &rf);
		return;
	}
	vnic = demux_lookup(vlan, p);
	if (vnic < 0) {
		dp.stats.rx_unknown++;
		memcpy(dp.stats.unknown_mac, p, 6);
		dp.stats.unknown_vlan = vlan;
		return;
	}
	nuse_vnic_rx(vnic, &rf.f, 1);
}

/* Frames kept for the next run: hairpinned and flooded ones go to their
 * vNICs now, and the ones the last run consumed are freed. */
static void hairpin_deliver(void)
{
	unsigned int i;

	for (i = 0; i < dp.ninflight; i++)
		rte_pktmbuf_free(dp.inflight[i]);
	dp.ninflight = 0;
	for (i = 0; i < dp.nstaged; i++) {
		struct nuse_frame f = {
			.data = rte_pktmbuf_mtod(dp.staged[i].m, void *),
			.len = dp.staged[i].m->data_len,
		};

		nuse_vnic_rx(dp.staged[i].vnic, &f, 1);
		dp.inflight[dp.ninflight++] = dp.staged[i].m;
	}
	for (i = 0; i < FLOOD_BUDGET && dp.flood_tail != dp.flood_head; i++) {
		struct hairpin *h = &dp.floods[dp.flood_tail++ % FLOOD_QUEUE];
		struct flood_deliver fd = {
			{ .data = rte_pktmbuf_mtod(h->m, void *), .len = h->m->data_len },
			&dp.stats.hairpin,
		};

		demux_flood(h->vlan, h->vnic, flood_push, &fd);
		dp.inflight[dp.ninflight++] = h->m;
	}
	dp.nstaged = 0;
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

/* Returns 1 if woken on purpose (wake_fd): calls were submitted to the
 * kernel, or control requests queued. */
static int dp_sleep(unsigned long long now, unsigned long long last_traffic)
{
	unsigned long long deadline = nuse_next_deadline(), until;
	struct epoll_event ev[4];
	int timeout_ms, n, i;
	uint64_t v;
	int woken = 0;

	if (dp.rx_intr_fd < 0)
		until = now + NOINTR_SLEEP_NS;
	else if (now - last_traffic < WARM_NS)
		until = now + WARM_SLEEP_NS;
	else
		until = now + SLEEP_MAX_NS;
	if (deadline < until)
		until = deadline;
	if (until <= now)
		return 0;
	if (dp.rx_intr_fd >= 0)
		rte_eth_dev_rx_intr_enable(dp.port, 0);
	/* A frame that arrived before the interrupt was armed. */
	if (dp.rx_intr_fd >= 0 && rte_eth_rx_queue_count(dp.port, 0) > 0) {
		rte_eth_dev_rx_intr_disable(dp.port, 0);
		return 0;
	}
	timeout_ms = (until - now + 999999) / 1000000;
	n = epoll_wait(dp.epoll_fd, ev, 4, timeout_ms);
	for (i = 0; i < n; i++)
		if (ev[i].data.fd == dp.wake_fd) {
			(void)!read(dp.wake_fd, &v, sizeof(v));
			woken = 1;
		} else if (ev[i].data.fd == dp.kick_fd) {
			nuse_host_cpu_clear(0);
			woken = 1;
		}
	if (dp.rx_intr_fd >= 0)
		rte_eth_dev_rx_intr_disable(dp.port, 0);
	dp.stats.idle_ns += nuse_host_now() - now;
	return woken;
}

static void dp_loop(void)
{
	struct rte_mbuf *rx[BURST];
	unsigned long long last_traffic = 0;
	unsigned int idle = 0;
	uint16_t n, i;

	while (!dp.stop) {
		unsigned long long t0 = nuse_host_now();

		__atomic_store_n(&dp.heartbeat, t0, __ATOMIC_RELAXED);
		maybe_inject_panic(t0);
		ctl_run_pending();
		n = rte_eth_rx_burst(dp.port, 0, rx, BURST);
		rte_spinlock_lock(&dp.tx_lock);
		for (i = 0; i < n; i++)
			rx_one(rx[i]);
		rte_spinlock_unlock(&dp.tx_lock);
		if (n || dp.ninflight || t0 >= nuse_next_deadline() || idle < SPIN_LOOPS) {
			if (nuse_run()) {
				for (i = 0; i < n; i++)
					rte_pktmbuf_free(rx[i]);
				break;
			}
		}
		for (i = 0; i < n; i++)
			rte_pktmbuf_free(rx[i]);
		rte_spinlock_lock(&dp.tx_lock);
		hairpin_deliver();
		if (dp.ntx)
			tx_flush();
		rte_spinlock_unlock(&dp.tx_lock);
		dp.stats.busy_ns += nuse_host_now() - t0;
		if (n || dp.ninflight) {
			idle = 0;
			last_traffic = t0;
			continue;
		}
		if (++idle >= SPIN_LOOPS && dp_sleep(nuse_host_now(), last_traffic))
			idle = 0;	/* run the kernel: work was handed to it */
	}
}

/* --- the thread --- */

static void dp_attach(void *priv, int vnic, const unsigned char mac[6], int vlan)
{
	int err;

	rte_spinlock_lock(&dp.tx_lock);
	err = demux_add(vnic, mac, vlan);
	rte_spinlock_unlock(&dp.tx_lock);
	if (err)
		log_warn("dataplane: cannot route frames to vNIC %d", vnic);
}

static void dp_detach(void *priv, int vnic)
{
	rte_spinlock_lock(&dp.tx_lock);
	demux_del(vnic);
	rte_spinlock_unlock(&dp.tx_lock);
}

static int dp_boot(const struct config *c)
{
	struct tenant_io io = { .tx = dp_tx, .attach = dp_attach, .detach = dp_detach };
	int err;

	err = nuse_host_boot_cpus(c->kernel_memory, "loglevel=4 rcupdate.rcu_expedited=1", log_kernel, c->kernel_cpus);
	if (err) {
		log_err("kernel: boot failed: %s%s%s", strerror(-err),
			nuse_panic_message() ? ": " : "",
			nuse_panic_message() ? nuse_panic_message() : "");
		return err;
	}
	log_info("kernel: Linux %s up with %u CPU%s and %zu MiB, %zu KiB of it kept in reserve",
		 nuse_kernel_release(), nuse_cpu_count(), nuse_cpu_count() > 1 ? "s" : "",
		 c->kernel_memory >> 20, c->kernel_reserve >> 10);
	if (c->kernel_cpus > 1) {
		struct epoll_event ev = { .events = EPOLLIN };

		dp.kick_fd = nuse_host_cpu_fd(0);
		ev.data.fd = dp.kick_fd;
		if (dp.kick_fd < 0 || epoll_ctl(dp.epoll_fd, EPOLL_CTL_ADD, dp.kick_fd, &ev)) {
			err = dp.kick_fd < 0 ? -EBADF : -errno;
			log_err("kernel: cannot watch CPU 0's wake-ups: %s", strerror(-err));
			nuse_host_halt();
			return err;
		}
	}
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

static void *dp_main(void *arg)
{
	const struct config *c = arg;
	sigset_t all;
	int err;

	/* No host signal may run on a kernel stack: this thread takes none.
	 * (net_tap's SIGIO, which tells its rx burst to look, goes to the
	 * main thread.) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (rte_thread_register() < 0)
		log_warn("dataplane: not an EAL thread: mbuf caches off");
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
	dp.gone = 1;
	return NULL;
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
	wake_close();
	port_close();
	demux_fini();
	rte_eal_cleanup();
}

void dp_get_stats(struct dp_stats *s)
{
	struct rte_eth_stats ps;

	*s = dp.stats;
	if (rte_eth_stats_get(dp.port, &ps) == 0) {
		s->port_ipackets = ps.ipackets;
		s->port_opackets = ps.opackets;
		s->port_imissed = ps.imissed;
		s->port_ierrors = ps.ierrors;
		s->port_oerrors = ps.oerrors;
		s->port_rx_nombuf = ps.rx_nombuf;
	}
}

/* /metrics: the port's and the dataplane's counters. */
static int dp_snapshot(void *snap)
{
	dp_get_stats(snap);
	return 0;
}

static void dp_render(struct metrics_out *o, const void *snap)
{
	const struct dp_stats *s = snap;

	metrics_counter(o, "nuse_port_rx_packets_total", "Frames the port received.",
			s->port_ipackets);
	metrics_counter(o, "nuse_port_tx_packets_total", "Frames the port sent.",
			s->port_opackets);
	metrics_counter(o, "nuse_port_rx_missed_total",
			"Frames the port dropped: no room in the rx queue.", s->port_imissed);
	metrics_counter(o, "nuse_port_rx_errors_total", "Erroneous frames the port received.",
			s->port_ierrors);
	metrics_counter(o, "nuse_port_tx_errors_total", "Frames the port failed to send.",
			s->port_oerrors);
	metrics_counter(o, "nuse_port_rx_nombuf_total", "Receive failures for want of an mbuf.",
			s->port_rx_nombuf);
	metrics_counter(o, "nuse_dataplane_rx_frames_total",
			"Frames the dataplane took from the port.", s->rx_frames);
	metrics_counter(o, "nuse_dataplane_rx_unknown_total",
			"Unicast frames for no vNIC (dropped).", s->rx_unknown);
	metrics_counter(o, "nuse_dataplane_rx_malformed_total", "Malformed frames dropped.",
			s->rx_malformed);
	metrics_counter(o, "nuse_dataplane_tx_frames_total",
			"Frames the dataplane gave the port.", s->tx_frames);
	metrics_counter(o, "nuse_dataplane_tx_dropped_total",
			"Frames the port would not take.", s->tx_dropped);
	metrics_counter(o, "nuse_dataplane_hairpin_total",
			"Frames from one vNIC to another on the same VLAN, kept off the wire.",
			s->hairpin);
	metrics_counter(o, "nuse_dataplane_hairpin_dropped_total",
			"Local copies dropped: more in one kernel run than the dataplane stages.",
			s->hairpin_dropped);
	metrics_counter(o, "nuse_dataplane_flood_dropped_total",
			"Broadcast and multicast frames from vNICs dropped: more in one kernel "
			"run than the flood budget.", s->flood_dropped);
	metrics_counter(o, "nuse_dataplane_flood_filtered_total",
			"Multicast not delivered to local vNICs: none had joined its group "
			"(from a vNIC) or this one had not (from the wire).", s->flood_filtered);
	metrics_head(o, "nuse_dataplane_seconds_total", "counter",
		     "Time the dataplane thread spent working (busy) and sleeping (idle).");
	metrics_put(o, "nuse_dataplane_seconds_total{state=\"busy\"} %.9f\n", s->busy_ns / 1e9);
	metrics_put(o, "nuse_dataplane_seconds_total{state=\"idle\"} %.9f\n", s->idle_ns / 1e9);
}

static struct metrics_collector dp_collector = {
	.name = "dataplane",
	.size = sizeof(struct dp_stats),
	.snapshot = dp_snapshot,
	.render = dp_render,
};
METRICS_COLLECTOR(dp_collector);

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
