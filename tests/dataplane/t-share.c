// SPDX-License-Identifier: GPL-2.0
/*
 * Fair sharing's decisions (src/dataplane/share.h): the quota of each
 * vNIC in a run, a flooding vNIC's eighth, who may wait, how deep a run
 * reads.  Then runs of a worker made of those decisions, in the order a
 * run takes them (the waiting line first, then what it read): a vNIC
 * flooded far past the budget next to a light one: the light one's frames
 * all reach the kernel in the run they were read, none wait or are shed;
 * the flood is shed, and gets its eighth while the other has frames and
 * the whole budget when alone; what waits stays in order; two light
 * vNICs share with nothing shed.
 */
#include <stdio.h>
#include <string.h>

#include "share.h"
#include "unit/check.h"

#define NV	2
#define RUNS	200

struct frame {
	int vnic;
	unsigned int seq;	/* per vNIC, in arrival order */
	unsigned int run;	/* the run that read it */
};

struct vnic {
	unsigned int taken, limit, waiting, shed, delivered;
	int flooding, shed_last;
	unsigned int next_seq, last_seq;	/* the next frame made; the last delivered + 1 */
	unsigned int max_delay;			/* runs from read to delivered */
};

static struct frame line[RX_READ + DEFER_MAX];
static unsigned int nwait;

/* One run: @arrive[v] new frames of each vNIC, read in turns (a flood's
 * frames and the other's mixed, as on a wire); returns what the kernel
 * got. */
static unsigned int run(struct vnic *v, const unsigned int *arrive, unsigned int r,
			unsigned int wait_max)
{
	struct frame items[RX_READ + DEFER_MAX];
	unsigned int n = nwait, i, k, ntouched = 0, nflooding = 0, got = 0, left[NV];
	int touched[NV] = { 0 };

	memcpy(items, line, nwait * sizeof(items[0]));
	memcpy(left, arrive, sizeof(left));
	for (k = 0; k < RX_READ; ) {
		int any = 0;

		for (i = 0; i < NV && k < RX_READ; i++)
			if (left[i]) {
				left[i]--;
				items[n++] = (struct frame){ (int)i, v[i].next_seq++, r };
				k++;
				any = 1;
			}
		if (!any)
			break;
	}
	for (i = 0; i < NV; i++)
		v[i].next_seq += left[i];	/* not read: lost in the port's ring */
	for (i = 0; i < n; i++)
		touched[items[i].vnic] = 1;
	for (i = 0; i < NV; i++) {
		v[i].flooding = v[i].shed_last;
		v[i].shed_last = 0;
		v[i].taken = v[i].waiting = 0;
		ntouched += touched[i];
		nflooding += touched[i] && v[i].flooding;
	}
	for (i = 0; i < NV; i++)
		v[i].limit = share_limit(share_quota(ntouched), v[i].flooding, nflooding, ntouched);
	nwait = 0;
	for (i = 0; i < n; i++) {
		struct vnic *x = &v[items[i].vnic];

		if (x->taken < x->limit) {
			x->taken++;
			x->delivered++;
			got++;
			CHECK(items[i].seq >= x->last_seq, "run %u: vNIC %d's frame %u after %u: "
			      "out of order", r, items[i].vnic, items[i].seq, x->last_seq);
			x->last_seq = items[i].seq + 1;
			if (r - items[i].run > x->max_delay)
				x->max_delay = r - items[i].run;
			continue;
		}
		x->taken = x->limit;
		if (share_may_wait(nwait, wait_max, x->waiting, x->flooding)) {
			x->waiting++;
			line[nwait++] = items[i];
		} else {
			x->shed++;
			x->shed_last = 1;
		}
	}
	return got;
}

static void simulate(const char *what, unsigned int a, unsigned int b, unsigned int wait_max,
		     struct vnic *v)
{
	unsigned int r, arrive[NV] = { a, b };

	memset(v, 0, NV * sizeof(*v));
	nwait = 0;
	for (r = 0; r < RUNS; r++) {
		unsigned int got = run(v, arrive, r, wait_max);

		CHECK(got <= RUN_BUDGET + QUOTA_MIN, "%s, run %u: the kernel got %u", what, r, got);
	}
}

/* A spread ring of @size (usable size - 1, as rte_ring's): each step two
 * floods offer @flood frames each and a light vNIC one, worker 0 admits by
 * share_may_spread(), then the other worker takes @take in the order they
 * came.  The light vNIC must never be refused; each flood holds a third
 * at most. */
static void simulate_ring(unsigned int size, unsigned int flood, unsigned int take)
{
	unsigned int ring[4096] = { 0 }, head = 0, tail = 0, held[3] = { 0 }, refused[3] = { 0 };
	unsigned int step, i, k, maxheld = 0;

	for (step = 0; step < 1000; step++) {
		unsigned int offer[3] = { flood, flood, 1 }, room = size - 1 - (head - tail);

		for (k = 0; k < flood; k++)
			for (i = 0; i < 3; i++) {
				if (!offer[i])
					continue;
				offer[i]--;
				if (!share_may_spread(held[i], room)) {
					refused[i]++;
					continue;
				}
				held[i]++;
				room--;
				ring[head++ % size] = i;
			}
		for (i = 0; i < 2; i++)
			maxheld = held[i] > maxheld ? held[i] : maxheld;
		for (k = 0; k < take && tail != head; k++)
			held[ring[tail++ % size]]--;
	}
	CHECK(refused[2] == 0, "ring %u: the light vNIC refused %u times", size, refused[2]);
	CHECK(refused[0] > 0 && refused[1] > 0, "ring %u: the floods were never refused", size);
	CHECK(maxheld <= size / 3 + 1, "ring %u: a flood held %u", size, maxheld);
}

int main(void)
{
	struct vnic v[NV];

	/* the quota */
	CHECK(share_quota(0) == RUN_BUDGET && share_quota(1) == RUN_BUDGET, "one vNIC: the budget");
	CHECK(share_quota(2) == RUN_BUDGET / 2, "two: half each");
	CHECK(share_quota(3) == QUOTA_MIN && share_quota(1000) == QUOTA_MIN, "many: QUOTA_MIN each");
	/* a flood's eighth: only while someone else has frames */
	CHECK(share_limit(16, 1, 1, 2) == 2, "flooding next to another: an eighth");
	CHECK(share_limit(32, 1, 1, 1) == 32, "flooding alone: the whole quota");
	CHECK(share_limit(16, 1, 2, 2) == 16, "all flooding: the quota each");
	CHECK(share_limit(16, 0, 1, 2) == 16, "not flooding: the quota");
	/* who waits */
	CHECK(share_may_wait(0, DEFER_MAX, 0, 0), "an empty line takes a frame");
	CHECK(!share_may_wait(DEFER_MAX, DEFER_MAX, 0, 0), "a full line takes none");
	CHECK(share_may_wait(10, DEFER_MAX, DEFER_MAX / 2 - 1, 0) &&
	      !share_may_wait(10, DEFER_MAX, DEFER_MAX / 2, 0), "one vNIC: half the line");
	CHECK(share_may_wait(10, DEFER_MAX, BURST - 1, 1) && !share_may_wait(10, DEFER_MAX, BURST, 1),
	      "a flooding vNIC: a burst");
	/* a spread ring */
	CHECK(share_may_spread(0, 1) && !share_may_spread(0, 0), "an empty vNIC: any room");
	CHECK(share_may_spread(9, 10) && !share_may_spread(10, 10), "no more held than is free");
	simulate_ring(1024, 200, 64);
	simulate_ring(64, 50, 3);
	/* how deep a run reads */
	CHECK(share_depth(5, 10) == RX_READ && share_depth(10, 10) == RUN_BUDGET &&
	      share_depth(11, 10) == RUN_BUDGET, "deep only until the time given");

	/* a flood of 250 a run next to 4 a run */
	simulate("flood", 250, 4, DEFER_MAX, v);
	CHECK(v[1].shed == 0 && v[1].delivered == 4 * RUNS && v[1].max_delay == 0,
	      "the light vNIC: %u shed, %u of %u delivered, %u runs late at most", v[1].shed,
	      v[1].delivered, 4 * RUNS, v[1].max_delay);
	CHECK(v[0].shed > 100 * RUNS, "the flood: only %u shed", v[0].shed);
	CHECK(v[0].delivered >= 2 * RUNS && v[0].delivered <= 3 * RUNS,
	      "the flood next to another: %u delivered, want its eighth (2 a run)", v[0].delivered);
	/* alone, the flood gets the budget */
	simulate("flood alone", 250, 0, DEFER_MAX, v);
	CHECK(v[0].delivered >= RUN_BUDGET * (RUNS - 1), "a flood alone: %u delivered in %u runs",
	      v[0].delivered, RUNS);
	/* a small pool's line (wait_max 64): still nothing of the light one lost */
	simulate("small pool", 250, 4, 64, v);
	CHECK(v[1].shed == 0 && v[1].max_delay == 0, "small pool: the light vNIC shed %u, %u late",
	      v[1].shed, v[1].max_delay);
	/* two light vNICs: nothing shed, nothing late beyond a run */
	simulate("light", 12, 10, DEFER_MAX, v);
	CHECK(!v[0].shed && !v[1].shed && v[0].max_delay == 0 && v[1].max_delay == 0,
	      "two light vNICs: shed %u and %u, late %u and %u", v[0].shed, v[1].shed,
	      v[0].max_delay, v[1].max_delay);
	/* two over their half: they wait, in order, and nothing is shed
	 * while the line holds (20 a run each against 16) */
	simulate("both over", 20, 20, DEFER_MAX, v);
	CHECK(v[0].delivered + v[1].delivered >= 2 * 16 * (RUNS - 1),
	      "both over their half: %u and %u delivered", v[0].delivered, v[1].delivered);
	if (!failed)
		printf("share: quotas, a flood's eighth, the waiting line, the read depth; "
		       "%d runs of a flood next to a light vNIC (none of its frames late or shed)\n",
		       RUNS);
	return failed;
}
