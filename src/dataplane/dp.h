/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dataplane: one DPDK port shared by every tenant's vNICs, and its
 * workers (config dataplane.cores), each the host thread of one of the
 * library kernel's CPUs with a receive and a transmit queue of the port.
 * Received frames are demuxed on (VLAN, destination MAC) to vNIC queues,
 * the kernel runs until idle, and what it transmitted goes out in one
 * burst (or straight to another local vNIC on the same VLAN: the
 * hairpin).  Worker 0 is the dataplane thread, which also runs the
 * control requests.
 */
#ifndef DP_H
#define DP_H

#include "conf/conf.h"

struct dp_stats {
	unsigned long long rx_frames, rx_bytes, rx_unknown, rx_malformed;
	unsigned long long rx_flood_copies;
	unsigned long long tx_frames, tx_bytes, tx_dropped, hairpin;
	unsigned long long tx_software;		/* back to the kernel to segment/checksum */
	unsigned long long tx_tso, tx_csum;	/* left to the port */
	unsigned long long rx_csum_good, rx_lro, rx_multiseg;
	unsigned long long rx_waited;		/* over their vNIC's quota for a run */
	unsigned long long rx_shed;		/* and dropped: no room to wait */
	unsigned long long flood_dropped;	/* over the per-run flood budget */
	unsigned long long flood_filtered;	/* multicast a vNIC did not join */
	unsigned long long spread_frames;	/* handed to another worker by flow hash */
	unsigned long long spread_dropped;	/* its ring was full */
	unsigned long long busy_ns, idle_ns;
	unsigned long long bell_wakes;		/* woken from sleep by a program's doorbell */
	unsigned long long port_ipackets, port_opackets, port_imissed;
	unsigned long long port_ierrors, port_oerrors, port_rx_nombuf;
	unsigned char unknown_mac[6];	/* of the last unknown unicast frame */
	int unknown_vlan;
};

/* EAL, port and mbuf pool, on the calling (main) thread.  0, or -errno
 * with a message logged; all of it is undone then.  dp_fini() after 0. */
int dp_init(const struct config *c, const char *argv0);
/* Start the dataplane thread: it boots the kernel; returns once it is up
 * (0), or -errno if that failed (logged; the thread has ended).  Tenants
 * come through control requests. */
int dp_start(const struct config *c);
/* Wake the dataplane thread: control requests are waiting, or system
 * calls were submitted to the kernel; it enters the kernel at once. */
void dp_wake(void);
/* Halt the kernel and stop the thread. */
void dp_stop(void);
void dp_fini(void);
/* The dataplane's counters, every worker's summed; any thread (they are
 * read while the workers count). */
void dp_get_stats(struct dp_stats *s);
/* How many workers, and one worker's counters (busy_ns: the time it has
 * not slept since it started); 0 or -ENOENT. */
unsigned int dp_workers(void);
int dp_worker_stats(unsigned int worker, struct dp_stats *s);

/* How long ago (ns) the worker that has been away longest (in @worker
 * if not NULL) last came back from the kernel or from its sleep; ~0ULL
 * before they all started and once they are gone.  Any thread. */
unsigned long long dp_heartbeat_age(unsigned int *worker);
/* The process's exit status after a kernel panic: its supervisor should
 * restart it. */
#define DP_EXIT_PANIC	70

/* Whether the kernel has panicked.  Any thread. */
int dp_panicked(void);
/* Set before dp_start(): run on the dataplane thread right after the
 * kernel panicked (what panic() said is logged by then).  It must only
 * hand the news over, e.g. with ev_async_send(). */
void dp_on_panic(void (*fn)(void));
/*
 * Set before dp_start(): work each worker (worker w is the kernel's CPU
 * w; worker 0 the dataplane thread) takes on between its CPU's runs.
 * @poll(cpu) returns how many requests it submitted to the kernel (which
 * then runs); @idle(cpu, 1) comes before the worker sleeps and returns
 * nonzero if there is work after all (it does not sleep), @idle(cpu, 0)
 * after it woke.  The tool RPC's shared channels, each homed on a CPU.
 */
void dp_serve(int (*poll)(unsigned int cpu), int (*idle)(unsigned int cpu, int sleeping));
/* Wake worker @cpu if it sleeps (any thread; worker 0: as dp_wake()). */
void dp_wake_cpu(unsigned int cpu);
/* Worker @cpu wakes when @fd (an eventfd another process may write) is
 * written, edge-triggered: it is never read.  @on 0: no longer (before
 * the descriptor closes: another process's copy keeps it in the set
 * otherwise).  0 or -errno; any thread. */
int dp_bell(unsigned int cpu, int fd, int on);

#endif
