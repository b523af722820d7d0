/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nuse.h - the face of the library kernel.
 *
 * One host thread owns a kernel instance: it boots it, enters it with
 * nuse_run() and gets control back when the kernel is idle.  It is CPU 0.
 * A kernel booted with more CPUs (nuse_boot_params.ncpus) needs one more
 * host thread for each: CPU c's thread enters it with nuse_cpu_run(c) and
 * sleeps in the host's cpu_idle(c, ...) while it is idle.  Other host
 * threads may only submit system calls and raise interrupts; both are
 * delivered the next time CPU 0 enters the kernel, and wake its thread
 * (cpu_kick) if it sleeps.
 *
 * System calls are requests run by kernel tasks.  A task is named by its
 * pid; pid 1 exists after boot.  Each task has its own file table unless
 * created sharing its parent's, and runs in its parent's network namespace
 * unless created in a new one (or it calls unshare(CLONE_NEWNET) itself).
 * Call numbers are the kernel's generic ones, NUSE_SYS_* in <nuse_syscalls.h>.
 *
 * This header uses no libc types: the kernel side includes it too.
 */
#ifndef NUSE_H
#define NUSE_H

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel refuses to boot in less memory than this. */
#define NUSE_MEMORY_MIN		(16UL << 20)

/* Services the host lends the kernel; all must be set unless noted. */
struct nuse_host_ops {
	/* Monotonic clock in nanoseconds. */
	unsigned long long (*time_ns)(void);
	/* Sink of the kernel log, one record at a time, not NUL-terminated. */
	void (*log)(const char *msg, unsigned long len);
	/* Optional: sleep until the clock reads at least @deadline_ns. */
	void (*sleep_until)(unsigned long long deadline_ns);
	/*
	 * Required with more than one CPU, optional with one.  cpu_kick
	 * wakes CPU @cpu's host thread: its cpu_idle() in progress, or else
	 * its next one, returns at once (a kick is never lost; an eventfd
	 * does it).  It is called from any thread, on kernel stacks too:
	 * never call into the kernel from it.  cpu_idle sleeps the calling
	 * thread, CPU @cpu's, until the clock reads @deadline_ns (~0ULL:
	 * none) or the CPU is kicked; it then consumes the kick.
	 */
	void (*cpu_kick)(unsigned int cpu);
	void (*cpu_idle)(unsigned int cpu, unsigned long long deadline_ns);
};

/* The most CPUs a kernel boots with. */
#define NUSE_CPUS_MAX		64

struct nuse_boot_params {
	/* The kernel's memory: one region, page aligned, owned by the kernel
	 * until nuse_halt() returns. */
	void *memory;
	unsigned long memory_size;
	/* Kernel command line, e.g. "loglevel=4"; may be 0. */
	const char *cmdline;
	const struct nuse_host_ops *ops;
	/* CPUs: 0 or 1 for one, at most NUSE_CPUS_MAX.  CPUs 1..ncpus-1
	 * come up during nuse_boot(): their threads must already be in
	 * their loop of nuse_cpu_run() and cpu_idle(). */
	unsigned int ncpus;
	/* Optional: random bytes from the host (up to 256; 32 or more to be
	 * of use), trusted to seed the kernel's random number generator at
	 * boot, as a bootloader's seed is.  Without them the kernel has no
	 * entropy source of its own: getrandom() waits for ever. */
	const void *seed;
	unsigned long seed_len;
};

/* Boot and run until the first task (pid 1) waits for work.
 * Returns 0, -EINVAL for bad parameters (message in the log sink),
 * -EALREADY if booted, or -EIO if the kernel panicked. */
int nuse_boot(const struct nuse_boot_params *params);

/* Deliver pending interrupts and expired timers, run until idle.
 * Returns 0, or -EIO after a panic, -ESHUTDOWN after halt. */
int nuse_run(void);

/* Absolute host time (ns) of the kernel's next timer, or ~0ULL. */
unsigned long long nuse_next_deadline(void);

/*
 * CPU @cpu's host thread (cpu >= 1; CPU 0 is nuse_run()'s): enter the CPU
 * and run until it is idle with nothing pending.  The thread then sleeps
 * in cpu_idle(cpu, nuse_cpu_next_deadline(cpu)) and enters again.
 * Returns 0; -EAGAIN while the CPU is not up yet (sleep until kicked);
 * -EIO after a panic, -ESHUTDOWN after halt (the thread is done);
 * -EINVAL for a CPU the kernel was not booted with.
 */
int nuse_cpu_run(unsigned int cpu);

/* Absolute host time (ns) of CPU @cpu's next timer, or ~0ULL. */
unsigned long long nuse_cpu_next_deadline(unsigned int cpu);

/* The CPUs the kernel was booted with (0 before boot). */
unsigned int nuse_cpu_count(void);

/* Mark an interrupt line pending; safe from any host thread. */
int nuse_irq_raise(unsigned int irq);

/* Halt the kernel cleanly; afterwards its memory belongs to the host. */
int nuse_halt(void);

/* After nuse_run() or nuse_boot() returned -EIO: what panic() said. */
const char *nuse_panic_message(void);

/* Release string of the running kernel, e.g. "6.1.192". */
const char *nuse_kernel_release(void);

/* A system call request.  The host owns the memory until done() runs. */
struct nuse_syscall {
	long nr;			/* NUSE_SYS_* or NUSE_CALL_* */
	long args[6];
	long ret;			/* result or -errno, set when done */
	void (*done)(struct nuse_syscall *call);	/* on the owner thread */
	void *priv;
	struct nuse_syscall *next;	/* the kernel's; do not touch */
	int pid;			/* set by nuse_syscall_submit() */
	int here;			/* set by nuse_syscall_submit*(): done() where it ends */
};

/*
 * Calls that are not Linux system calls.
 * NUSE_CALL_SPAWN(flags, cpu): create a task, child of the caller, and
 * return its pid.  flags: NUSE_SPAWN_SHARE_FILES (share the caller's file
 * table, like a thread, so that one task may block while another uses the
 * same descriptors), NUSE_SPAWN_NEWNET (start in a new network namespace)
 * and NUSE_SPAWN_CPU (run only on CPU @cpu, as sched_setaffinity() would
 * have it: for a task the owner thread calls synchronously, CPU 0 keeps
 * its calls off the other CPUs' threads and their wake-ups; -EINVAL for a
 * CPU that is not up).
 * NUSE_CALL_EXIT: end the calling task; its descriptors are closed.
 * NUSE_CALL_NETNS_COUNT: how many network namespaces exist.
 * NUSE_CALL_TASK_COUNT: how many tasks take the host's calls (spawned ones
 * and init; not the kernel's own threads, whose number varies with the
 * CPUs' work queues).
 * NUSE_CALL_SYNCHRONIZE_RCU: wait for an RCU grace period (what removing a
 * route or a device waits for; benchmarks time it).
 */
#define NUSE_CALL_BASE		0x4e000
#define NUSE_CALL_SPAWN		(NUSE_CALL_BASE + 0)
#define NUSE_CALL_EXIT		(NUSE_CALL_BASE + 1)
#define NUSE_CALL_VNIC_CREATE	(NUSE_CALL_BASE + 2)
#define NUSE_CALL_VNIC_DESTROY	(NUSE_CALL_BASE + 3)
#define NUSE_CALL_NETNS_COUNT	(NUSE_CALL_BASE + 4)
#define NUSE_CALL_TASK_COUNT	(NUSE_CALL_BASE + 5)
#define NUSE_CALL_SYNCHRONIZE_RCU (NUSE_CALL_BASE + 6)

#define NUSE_SPAWN_SHARE_FILES	0x1UL
#define NUSE_SPAWN_NEWNET	0x2UL
#define NUSE_SPAWN_CPU		0x4UL

/* Queue @call for task @pid; done() runs from a later nuse_run() on the
 * owner thread (CPU 0's, whichever CPU ran the call), with -ESRCH if
 * there is no such task.  Safe from any host thread.  Returns 0, or
 * -EINVAL for a malformed request. */
int nuse_syscall_submit(int pid, struct nuse_syscall *call);
/* The same through CPU @cpu's doorbell (its interrupt queues the call,
 * so a task that runs only on @cpu takes it there with no other CPU in
 * the way), and done() runs on the thread of the CPU that finished the
 * call, from its next run (nuse_run() or nuse_cpu_run()): for a host that
 * serves calls on several CPUs' threads and locks for itself.  -EINVAL
 * also for a CPU the kernel does not have. */
int nuse_syscall_submit_cpu(unsigned int cpu, int pid, struct nuse_syscall *call);

/*
 * vNICs: Ethernet devices of the library kernel whose frames the host
 * carries.  NUSE_CALL_VNIC_CREATE(struct nuse_vnic_config *) makes one in
 * the calling task's network namespace and returns its id;
 * NUSE_CALL_VNIC_DESTROY(id) removes it, as do "ip link del" and the end
 * of its namespace.  Without NUSE_VNIC_OFFLOADS the device offers no
 * offloads: the kernel computes every checksum and segment itself, and
 * every frame is one piece of at most MTU bytes.
 */

/* A frame's offloads: the layout and the meaning of Linux's struct
 * virtio_net_hdr (little endian), which the kernel converts with its own
 * helpers.  NEEDS_CSUM: the L4 checksum is to be computed from
 * @csum_start (from the Ethernet header) and stored at @csum_offset past
 * it; the field holds the pseudo-header sum.  DATA_VALID: the checksums
 * were verified.  A @gso_type other than NONE: a super-frame of segments
 * of @gso_size payload bytes each, to cut on the way to a wire. */
struct nuse_offload {
	unsigned char flags;
	unsigned char gso_type;
	unsigned short hdr_len;
	unsigned short gso_size;
	unsigned short csum_start;
	unsigned short csum_offset;
};
#define NUSE_OFF_NEEDS_CSUM	1
#define NUSE_OFF_DATA_VALID	2
#define NUSE_GSO_NONE		0
#define NUSE_GSO_TCPV4		1
#define NUSE_GSO_TCPV6		4
#define NUSE_GSO_UDP_L4		5
#define NUSE_GSO_ECN		0x80

/* Data of a frame past its first piece. */
struct nuse_seg {
	void *data;
	unsigned int len;
};
#define NUSE_FRAME_SEGS_MAX	64

/* Where the host sends a transmitted frame (struct nuse_frame.peer). */
#define NUSE_PEER_WIRE		(-1)	/* the host took a copy */
#define NUSE_PEER_SOFTWARE	(-2)	/* the kernel completes its offloads
					 * (segments, checksums) and hands the
					 * result over again, offload-free */

/* Zero what you do not set (a designated initializer does): a frame with
 * pieces or offloads a vNIC without NUSE_VNIC_OFFLOADS does not take is
 * dropped, counted in rx_dropped. */
struct nuse_frame {
	void *data;
	unsigned int len;		/* of @data, the first piece */
	/* The flow's hash (the port's RSS), 0 for none: received frames
	 * carry it into the kernel as the skb's hash;
	 * transmitted ones carry the kernel's. */
	unsigned int hash;
	struct nuse_offload off;	/* zero: none */
	unsigned short nsegs;		/* the rest of the frame: @segs[0..nsegs) */
	const struct nuse_seg *segs;
	/* Transmit only: NUSE_PEER_WIRE when the callback is called; the
	 * callback may set it to the id of another vNIC, which then
	 * receives the frame as it is (the same buffers, offloads and all:
	 * no copy), or to NUSE_PEER_SOFTWARE. */
	int peer;
};

/* The frame's length, all pieces. */
static inline unsigned int nuse_frame_len(const struct nuse_frame *f)
{
	unsigned int len = f->len, i;

	for (i = 0; i < f->nsegs; i++)
		len += f->segs[i].len;
	return len;
}

/* Frames the kernel transmits on @vnic.  Runs on a kernel stack, on the
 * host thread of whichever CPU transmits: with several CPUs, on several
 * threads at once.  Keep it short and never call into the kernel.  The
 * frames are freed when it returns, so copy what you keep (or name a
 * peer).  With NUSE_VNIC_OFFLOADS a frame may have pieces (@segs) and
 * offloads (@off). */
typedef void (*nuse_vnic_tx_fn)(void *priv, int vnic,
				struct nuse_frame *frames, unsigned int n);
/* The same, with the transmit queue (CPU c sends on queue c modulo the
 * queues): several queues' callbacks run at once, one per queue. */
typedef void (*nuse_vnic_txq_fn)(void *priv, int vnic, unsigned int queue,
				 struct nuse_frame *frames, unsigned int n);

/* The vNIC offers scatter-gather, checksum offload, TSO (IPv4, IPv6) and
 * UDP GSO, and takes frames with pieces and offloads; frames between
 * vNICs can then cross whole (NUSE_PEER). */
#define NUSE_VNIC_OFFLOADS	0x1

struct nuse_vnic_config {
	char name[16];
	unsigned char mac[6];
	unsigned int mtu;		/* 0: 1500 */
	unsigned int rx_ring;		/* power of two; 0: 256 */
	nuse_vnic_tx_fn tx;		/* tx or tx_queue must be set; */
	void *priv;
	int ifindex;			/* set by the kernel */
	unsigned int queues;		/* 0: 1; at most NUSE_CPUS_MAX */
	nuse_vnic_txq_fn tx_queue;	/* if set, used instead of tx */
	unsigned int flags;		/* NUSE_VNIC_* */
};

struct nuse_vnic_stats {
	unsigned long long rx_packets, rx_bytes, rx_dropped;
	unsigned long long tx_packets, tx_bytes, tx_dropped;
	/* of those received: the ones another vNIC sent it as its peer */
	unsigned long long rx_peer_packets, rx_peer_dropped;
	/* of those dropped: the ones the host shed before they reached the
	 * kernel (nuse_vnic_rx_shed()) */
	unsigned long long rx_shed;
};

/* Owner thread, between runs: queue received Ethernet frames for @vnic
 * (on its receive queue 0).
 * They are copied into the kernel during the next nuse_run(); their
 * memory must stay valid until it returns.  Returns how many were queued
 * (the others, ring full or device down, count as rx_dropped), or
 * -ENODEV. */
int nuse_vnic_rx(int vnic, const struct nuse_frame *frames, unsigned int n);

/* The same for receive queue @queue, whose CPU is @queue modulo the
 * kernel's CPUs: call it from that CPU's host thread between its runs
 * (CPU 0: the owner's, as nuse_vnic_rx()); the frames are consumed by
 * that CPU's next run, and must stay valid until it returns.  -EINVAL for
 * a queue the vNIC does not have. */
int nuse_vnic_rx_queue(int vnic, unsigned int queue, const struct nuse_frame *frames,
		       unsigned int n);
/* The same thread: count @n frames for queue @queue of @vnic that the
 * host dropped before handing them over (the vNIC was over its share of
 * a saturated worker); they count in rx_dropped and rx_shed.  0, -ENODEV
 * or -EINVAL. */
int nuse_vnic_rx_shed(int vnic, unsigned int queue, unsigned int n);
/* How many queues @vnic has, or -ENODEV. */
int nuse_vnic_queues(int vnic);

/* Owner thread, between runs. */
int nuse_vnic_stats(int vnic, struct nuse_vnic_stats *stats);
int nuse_vnic_count(void);
/* Owner thread, between runs or from a tx callback (it only reads the
 * vNIC's filter): whether @vnic takes a frame for @mac (six bytes):
 * unicast and broadcast always; multicast only for the groups its stack
 * joined, or all while it is promiscuous or allmulti, as a NIC's multicast
 * filter.  0 for an unknown vNIC. */
int nuse_vnic_accepts(int vnic, const unsigned char *mac);

/* Owner thread, between runs or from a tx callback: the vNICs that take a
 * frame for multicast group @mac (six bytes, not broadcast), of every
 * VLAN: those that joined it and those that take all multicast, from an
 * index the stacks' joins keep.  Returns how many; their ids are in @ids
 * if that is at most @max (else ask each vNIC with nuse_vnic_accepts()).
 * A vNIC may be listed that is gone by the time a frame is queued to it. */
int nuse_vnic_mc_members(const unsigned char *mac, int *ids, int max);

/* Owner thread only, between runs: submit @call for task @pid and enter
 * the kernel at once (nuse_run()).  When the task is the one that last
 * answered the host, the call skips the doorbell.  Returns 0 or -errno;
 * done() has run if the call completed in this run. */
int nuse_syscall_run(int pid, struct nuse_syscall *call);

#ifdef __cplusplus
}
#endif

#endif /* NUSE_H */
