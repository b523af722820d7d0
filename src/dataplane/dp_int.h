/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the dataplane: the port (port.c) and its queues, for dp.c. */
#ifndef DP_INT_H
#define DP_INT_H

#include <stdint.h>
#include <sched.h>
#include <rte_spinlock.h>

#include "conf/conf.h"

#define DP_RING_SIZE	1024

struct dp_port {
	uint16_t id;
	struct rte_mempool *pool;
	unsigned int nrxq, ntxq;	/* queues configured */
	int rss;			/* the port spreads flows over its rx queues */
	int rx_intr;			/* it has rx interrupts */
	int software;			/* one rx queue: worker 0 spreads by flow hash */
	rte_spinlock_t txq_lock[RTE_MAX_LCORE];	/* when workers share a tx queue */
	cpu_set_t cpus;			/* the process's CPUs before EAL pinned it */
};

extern struct dp_port dp_port;

/* EAL, then the port with @workers rx/tx queue pairs where it has them
 * (fewer tx queues are shared; with fewer rx queues, or when the config
 * says "software", one).  0 or -errno, logged, everything undone. */
int port_open(const struct config *c, const char *argv0, unsigned int workers);
void port_close(void);
/* The rx interrupt descriptor of queue @q, or -1. */
int port_rx_intr_fd(unsigned int q);

#endif
