/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fair sharing of a saturated worker: the sizes and the decisions a run
 * makes for each vNIC (frames.c), apart so that they are tested alone
 * (tests/dataplane/t-share.c).
 *
 * Each run reads up to RX_READ frames from its queue, eight times what it
 * hands the kernel: RUN_BUDGET, shared by the vNICs that have frames in
 * the run, at least QUOTA_MIN each.  A vNIC's frames over its quota wait
 * for its next run, in order, at most DEFER_MAX of them in all and half of
 * that for one vNIC; the rest are shed and counted against it.  A vNIC
 * that shed in its last run is flooding: while a vNIC that is not has
 * frames, it takes an eighth of a quota and at most a burst waits.
 * Reading ahead of what the kernel takes keeps the port's queue short, so
 * a flooded tenant's backlog waits in its own line, not in front of
 * everyone's frames.  It costs reading (on memif, copying) and shedding
 * the excess, which protects nobody while one vNIC alone has frames: then
 * a run reads RUN_BUDGET only, until SHARED_HOLD_MS after frames of a
 * second vNIC (or a broadcast or multicast one) were last read.
 *
 * On a port with one rx queue, worker 0 spreads frames to the others over
 * rings, which are a line everyone's frames wait in too: a vNIC may hold
 * no more of a ring than the ring has free, the rest of its frames shed
 * by worker 0 and counted against it.  One flood holds half a ring at
 * most, k floods 1/(k+1) each, and a vNIC with few frames in it always
 * finds room while any is left.
 */
#ifndef DP_SHARE_H
#define DP_SHARE_H

#include <stdint.h>

#define BURST		32
#define RUN_BUDGET	BURST
#define QUOTA_MIN	(BURST / 2)
#define RX_READ		(8 * RUN_BUDGET)
#define DEFER_MAX	1024
#define SHARED_HOLD_MS	2000

/* What each of @ntouched vNICs with frames in a run may hand the kernel. */
static inline unsigned int share_quota(unsigned int ntouched)
{
	unsigned int q = ntouched ? RUN_BUDGET / ntouched : RUN_BUDGET;

	return q < QUOTA_MIN ? QUOTA_MIN : q;
}

/* A vNIC's limit in a run of @quota each, @nflooding of @ntouched vNICs
 * flooding (@flooding: this one). */
static inline unsigned int share_limit(unsigned int quota, int flooding, unsigned int nflooding,
				       unsigned int ntouched)
{
	return flooding && nflooding < ntouched ? quota / 8 : quota;
}

/* Whether a frame over its vNIC's limit may wait for the next run: the
 * worker has @nwait of @wait_max waiting, its vNIC @waiting. */
static inline int share_may_wait(unsigned int nwait, unsigned int wait_max, unsigned int waiting,
				 int flooding)
{
	return nwait < wait_max && waiting < (flooding ? (unsigned int)BURST : wait_max / 2);
}

/* How many frames a run reads, at time @now (any clock), shared reading
 * having been asked for until @shared_until. */
static inline unsigned int share_depth(uint64_t now, uint64_t shared_until)
{
	return now < shared_until ? RX_READ : RUN_BUDGET;
}

/* Whether worker 0 may put a frame of a vNIC that has @held frames in a
 * worker's ring, which has @room free. */
static inline int share_may_spread(unsigned int held, unsigned int room)
{
	return held < room;
}

#endif
