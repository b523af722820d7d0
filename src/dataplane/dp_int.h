/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the dataplane: the port (port.c) and its queues, for dp.c. */
#ifndef DP_INT_H
#define DP_INT_H

#include <stdint.h>
#include <sched.h>
#include <stdatomic.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "dp.h"
#include "nuse.h"
#include "share.h"

#include "conf/conf.h"

#define DP_RING_SIZE	1024
#define DP_BELL_FD	(-2)	/* epoll data of a dp_bell() descriptor */

struct dp_port {
	uint16_t id;
	struct rte_mempool *pool;
	unsigned int nrxq, ntxq;	/* queues configured */
	int rss;			/* the port spreads flows over its rx queues */
	int rx_intr;			/* it has rx interrupts */
	int software;			/* one rx queue: worker 0 spreads by flow hash */
	rte_spinlock_t txq_lock[RTE_MAX_LCORE];	/* when workers share a tx queue */
	cpu_set_t cpus;			/* the process's CPUs before EAL pinned it */
	/* What the port does for us (port.c) */
	int multiseg;			/* takes chains of mbufs */
	unsigned int max_segs;		/* of a frame it sends */
	int tx_csum;			/* TCP and UDP checksums */
	int tso4, tso6;			/* TCP segmentation, IPv4 and IPv6 */
	unsigned int tso_frame_max;	/* a segment's frame at most (0: any) */
	int rx_offloads;		/* checksum flags or LRO on receive */
};

extern struct dp_port dp_port;

/* EAL, then the port with @workers rx/tx queue pairs where it has them
 * (fewer tx queues are shared; with fewer rx queues, or when the config
 * says "software", one).  0 or -errno, logged, everything undone. */
int port_open(const struct config *c, const char *argv0, unsigned int workers);
void port_close(void);
/* The rx interrupt descriptor of queue @q, or -1. */
int port_rx_intr_fd(unsigned int q);

#define RX_HELD		(RX_READ + DEFER_MAX)	/* consumed by one run */
/* A multicast group's members looked up in the kernel's index at once;
 * a group of more (all-nodes on a large segment) asks each vNIC. */
#define MC_IDS		256
#define RX_SEGS		(2 * BURST * 8)		/* pieces of one run's chains */
#define TX_MAX		512
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

/* A broadcast or multicast frame a vNIC sent, for the others of its VLAN. */
struct hairpin {
	int vnic;		/* the sender, and @vlan its VLAN */
	int vlan;
	struct rte_mbuf *m;
	struct nuse_offload off;
};

/* A unicast frame from the port for a vNIC's turn (frames.c). */
struct rx_item {
	struct rte_mbuf *m;
	unsigned char *p;	/* its Ethernet header, untagged */
	unsigned int len;	/* of its first piece */
	int vlan;
	int vnic;		/* this run's lookup; RX_FLOOD, or -1 unknown */
	struct nuse_offload off;
};
#define RX_FLOOD	(-2)	/* broadcast or multicast: never waits */

/* A vNIC's share of a worker's runs, for the run numbered @run. */
struct rx_share {
	unsigned long long run;
	unsigned short taken, waiting;
	unsigned short limit;		/* its quota this run */
	unsigned short flooding;	/* it shed frames in the last run */
	unsigned int shed;
};

/* One worker: the host thread of kernel CPU @id (frames.c, worker.c). */
struct worker {
	unsigned int id;		/* its kernel CPU, rx and tx queue */
	uint16_t rxq, txq;		/* of the port; rxq only without ring */
	int epoll_fd, kick_fd, rx_intr_fd;
	int wake_fd;			/* eventfd of dp_wake_cpu() (w >= 1; worker 0's is dpw's) */
	struct rte_ring *ring;		/* frames worker 0 spread to it */
	atomic_int sleeping;		/* in epoll: kick it for new work */
	int started;

	/* Staged by the tx callbacks of the vNICs' queue @id, which may run
	 * on another CPU's thread (a qdisc's, a timer's): under @lock.  The
	 * demux (VLAN, MAC) -> vNIC is read under it too, and changed with
	 * every worker's lock held (demux_write_lock()): readers never
	 * share a cache line with another core's. */
	rte_spinlock_t lock;
	struct rte_mbuf *tx[TX_MAX];
	unsigned int ntx;
	struct hairpin floods[FLOOD_QUEUE];	/* a ring */
	unsigned int flood_head, flood_tail;

	/* the worker's own */
	struct rte_mbuf *inflight[FLOOD_BUDGET];
	struct nuse_seg flood_segs[FLOOD_BUDGET][NUSE_FRAME_SEGS_MAX];
	unsigned int ninflight;
	struct rte_mbuf *rx[RX_HELD];	/* consumed by the next run */
	unsigned int nrx;
	struct nuse_seg rx_segs[RX_SEGS];	/* their pieces */
	unsigned int nrx_segs;
	/* This run's frames: items[0..nwait) over their vNIC's quota in an
	 * earlier run, in order, then the new ones.  A run leaves its own
	 * waiting ones at the head again (never past the one it reads). */
	struct rx_item items[RX_HELD];
	unsigned int nwait, wait_max;	/* wait_max: DEFER_MAX, or less for a small pool */
	uint64_t shared_until;		/* TSC: read RX_READ a run until then */
	struct rte_mbuf *fresh[RX_READ];
	int mc_ids[MC_IDS];		/* flood_each()'s */
	struct rx_share *share;		/* by vNIC id; grown in dp_attach() */
	/* By vNIC id, as share: frames of it worker 0 put in @ring and this
	 * worker has not taken out yet (worker 0 adds, this one subtracts:
	 * each under its own lock, which keeps the array where it is). */
	atomic_uint *spread_held;
	unsigned int nshare;
	unsigned long long run;
	int touched[RX_HELD];		/* the vNICs with frames this run */
	unsigned int ntouched;
	struct nuse_frame batch[BURST];	/* for one vNIC, not yet handed over */
	unsigned int nbatch;
	int batch_vnic;
	unsigned int idle;
	unsigned long long last_traffic, started_ns;
	unsigned long long heartbeat;	/* nuse_host_now() of its last turn */
	struct dp_stats stats;
} __rte_cache_aligned;

/* What the workers share (worker.c). */
struct dp_workers {
	struct worker *w;
	unsigned int n;
	int wake_fd;			/* eventfd: stop and control requests */
	/* dp_serve()'s: each worker serves the channels homed on its CPU */
	int (*serve_poll)(unsigned int cpu);
	int (*serve_idle)(unsigned int cpu, int sleeping);
	struct rte_mbuf *spread[NUSE_CPUS_MAX][BURST];	/* worker 0's */
	int tag_off;			/* mbuf dynfield: vNIC id + 1 a spread frame counts for */
};

extern struct dp_workers dpw;
/* The worker whose thread this is; NULL on others (control, extra CPUs). */
extern __thread struct worker *dp_self;

/* frames.c: the frame path of a worker */
void dp_tx(void *priv, int vnic, unsigned int queue, struct nuse_frame *frames,
	   unsigned int n);
unsigned int worker_rx(struct worker *w);
void worker_after_run(struct worker *w);
void worker_kick(struct worker *w);
/* Room in every worker's share table for vNIC @vnic, with its counts
 * zeroed (a new vNIC, or an id used again); under demux_write_lock(). */
int workers_share_reserve(int vnic);

/* worker.c: their threads, sleep and set-up */
int workers_alloc(void);
void workers_free(void);
void workers_drain(void);
void worker_start(struct worker *w);
int worker_has_work(struct worker *w);
int worker_sleep(struct worker *w, unsigned long long now, unsigned long long deadline,
		 unsigned long long last_traffic);
int worker_hook(unsigned int cpu, void *arg);
void demux_write_lock(void);
void demux_write_unlock(void);

#endif
