// SPDX-License-Identifier: GPL-2.0
/* EAL and the DPDK port with a queue pair per worker; see dp_int.h. */
#define _GNU_SOURCE		/* sched_getaffinity */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dp_int.h"
#include "log/log.h"

struct dp_port dp_port;

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

/* The offloads of the port that the dataplane uses (c->offloads), for
 * frames of the configured MTU: it sends chains of mbufs and computes
 * TCP and UDP checksums and cuts TCP super-frames when it can; it takes
 * frames larger than an mbuf in chains (scatter), and reports checksums
 * it verified and coalesced TCP (LRO). */
static void port_offloads(const struct config *c, const struct rte_eth_dev_info *info,
			  struct rte_eth_conf *conf)
{
	const uint64_t csum = RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	const uint64_t rxcsum = RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	uint64_t tx = info->tx_offload_capa, rx = info->rx_offload_capa;
	/* net_tap's TSO is DPDK's GSO library, which cuts TCP over IPv4 only */
	int gso_lib = !strcmp(info->driver_name, "net_tap");

	conf->rxmode.mtu = c->port_mtu;
	if (c->port_mtu + RTE_ETHER_HDR_LEN + 8 > RTE_MBUF_DEFAULT_DATAROOM &&
	    (rx & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	dp_port.multiseg = !!(tx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	dp_port.max_segs = info->tx_desc_lim.nb_seg_max ? info->tx_desc_lim.nb_seg_max : 1;
	if (!dp_port.multiseg)
		dp_port.max_segs = 1;
	if (dp_port.max_segs > NUSE_FRAME_SEGS_MAX + 1)
		dp_port.max_segs = NUSE_FRAME_SEGS_MAX + 1;
	if (dp_port.multiseg)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (!c->offloads)
		return;
	if ((tx & csum) == csum) {
		dp_port.tx_csum = 1;
		conf->txmode.offloads |= csum;
	}
	if (dp_port.tx_csum && dp_port.multiseg && (tx & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	    (tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) && dp_port.max_segs >= 33) {
		dp_port.tso4 = 1;
		dp_port.tso6 = !gso_lib;
		/* it measures a segment's whole frame against its MTU */
		dp_port.tso_frame_max = gso_lib ? c->port_mtu : 0;
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	}
	if ((rx & rxcsum) == rxcsum)
		conf->rxmode.offloads |= rxcsum;
	if (rx & RTE_ETH_RX_OFFLOAD_TCP_LRO) {
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TCP_LRO;
		conf->rxmode.max_lro_pkt_size = info->max_lro_pkt_size ? info->max_lro_pkt_size
									: 65535;
	}
	dp_port.rx_offloads = !!(conf->rxmode.offloads & (rxcsum | RTE_ETH_RX_OFFLOAD_TCP_LRO));
}

/* Configure @nrxq/@ntxq queues, with rx interrupts where the PMD has
 * them and RSS where it has that; the queues set up. */
static int port_configure(const struct config *c, const struct rte_eth_dev_info *info,
			  unsigned int nrxq, unsigned int ntxq, int socket)
{
	struct rte_eth_conf conf = { .intr_conf.rxq = 1 };
	uint64_t hf = info->flow_type_rss_offloads &
		      (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	unsigned int q;
	int ret;

	dp_port.rss = nrxq > 1 && hf;
	if (dp_port.rss) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = hf;
		if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH)
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
	}
	port_offloads(c, info, &conf);
	ret = rte_eth_dev_configure(dp_port.id, nrxq, ntxq, &conf);
	if (ret < 0) {
		conf.intr_conf.rxq = 0;
		ret = rte_eth_dev_configure(dp_port.id, nrxq, ntxq, &conf);
	}
	for (q = 0; ret >= 0 && q < nrxq; q++) {
		struct rte_eth_rxconf rxc = info->default_rxconf;

		rxc.offloads = conf.rxmode.offloads;
		ret = rte_eth_rx_queue_setup(dp_port.id, q, DP_RING_SIZE, socket, &rxc,
					     dp_port.pool);
	}
	for (q = 0; ret >= 0 && q < ntxq; q++) {
		struct rte_eth_txconf txc = info->default_txconf;

		txc.offloads = conf.txmode.offloads;
		ret = rte_eth_tx_queue_setup(dp_port.id, q, DP_RING_SIZE, socket, &txc);
	}
	dp_port.rx_intr = conf.intr_conf.rxq;
	return ret;
}

static int port_setup(const struct config *c, unsigned int workers)
{
	struct rte_eth_dev_info info;
	unsigned int nrxq = 1, ntxq = 1, q, room, max;
	int socket, ret;

	ret = port_find(c->port, &dp_port.id);
	if (ret) {
		log_err("dpdk: no port \"%s\"", c->port);
		return ret;
	}
	socket = rte_eth_dev_socket_id(dp_port.id);
	ret = rte_eth_dev_info_get(dp_port.id, &info);
	if (ret) {
		log_err("dpdk: port %u tells nothing of itself: %s", dp_port.id,
			rte_strerror(-ret));
		goto out_close;
	}
	max = info.max_rx_pktlen - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN;
	if (info.max_mtu < max)
		max = info.max_mtu;
	if (c->port_mtu < info.min_mtu || c->port_mtu > max) {
		log_err("dpdk: port %u (%s) takes an MTU of %u to %u, not dpdk.mtu %u",
			dp_port.id, info.driver_name, info.min_mtu, max, c->port_mtu);
		ret = -EINVAL;
		goto out_close;
	}
	/* Mbufs of the default size, chained for larger frames; a port that
	 * takes no chains gets mbufs a whole frame fits in. */
	room = RTE_MBUF_DEFAULT_BUF_SIZE;
	if (c->port_mtu + RTE_ETHER_HDR_LEN + 8 > RTE_MBUF_DEFAULT_DATAROOM &&
	    !(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		room = RTE_PKTMBUF_HEADROOM + c->port_mtu + 256;	/* + headers, slack */
	dp_port.pool = rte_pktmbuf_pool_create("nuse_mbufs", c->mbufs, 256, 0, room,
					       socket < 0 ? 0 : socket);
	if (!dp_port.pool) {
		ret = -rte_errno;
		log_err("dpdk: no mbuf pool of %u: %s", c->mbufs, rte_strerror(rte_errno));
		goto out_close;
	}
	ntxq = workers < info.max_tx_queues ? workers : info.max_tx_queues;
	if (!c->dp_software && info.max_rx_queues >= workers)
		nrxq = workers;
	if (ntxq < 1)
		ntxq = 1;
	ret = port_configure(c, &info, nrxq, ntxq, socket);
	if (ret < 0 && nrxq > 1) {
		log_info("dpdk: port %u refused %u rx queues (%s): spreading flows in software",
			 dp_port.id, nrxq, rte_strerror(-ret));
		nrxq = 1;
		ret = port_configure(c, &info, nrxq, ntxq, socket);
	}
	/* Some PMDs (net_tap) want as many tx queues as rx queues. */
	if (ret < 0 && ntxq > nrxq) {
		ntxq = nrxq;
		ret = port_configure(c, &info, nrxq, ntxq, socket);
	}
	if (ret < 0) {
		log_err("dpdk: cannot configure port %u: %s", dp_port.id, rte_strerror(-ret));
		goto out_close;
	}
	dp_port.nrxq = nrxq;
	dp_port.ntxq = ntxq;
	/* Hardware rx rings are kept full of mbufs: with many queues a small
	 * pool is all in the rings, and nothing is left to copy frames into. */
	if (c->mbufs < nrxq * (DP_RING_SIZE + 512))
		log_warn("dpdk: %u mbufs for %u rx queues of %u: a port that keeps its rings "
			 "full leaves few for the rest; dpdk.mbufs %u or more is safer", c->mbufs,
			 nrxq, DP_RING_SIZE, nrxq * (DP_RING_SIZE + 512));
	dp_port.software = workers > 1 && nrxq == 1;
	for (q = 0; q < RTE_DIM(dp_port.txq_lock); q++)
		rte_spinlock_init(&dp_port.txq_lock[q]);
	ret = rte_eth_dev_start(dp_port.id);
	if (ret < 0) {
		log_err("dpdk: cannot start port %u: %s", dp_port.id, rte_strerror(-ret));
		goto out_close;
	}
	/* Every tenant's MAC arrives on this one port. */
	rte_eth_promiscuous_enable(dp_port.id);
	rte_eth_allmulticast_enable(dp_port.id);
	log_info("dpdk: port %u (%s) up, %s, %u rx and %u tx queue%s%s", dp_port.id, c->port,
		 dp_port.rx_intr ? "rx interrupts" : "no rx interrupts: adaptive polling",
		 nrxq, ntxq, ntxq > 1 ? "s" : "",
		 dp_port.software ? ", flows spread over the workers in software" :
		 dp_port.rss ? ", RSS" : "");
	log_info("dpdk: port %u MTU %u; offloads%s: %s%s%s%s%s", dp_port.id, c->port_mtu,
		 c->offloads ? "" : " off by config",
		 dp_port.tx_csum ? "tx checksum, " : "",
		 dp_port.tso4 ? (dp_port.tso6 ? "TSO, " : "TSO (IPv4), ") : "",
		 dp_port.multiseg ? "mbuf chains, " : "",
		 dp_port.rx_offloads ? "rx checksum/LRO, " : "",
		 "the kernel finishes the rest");
	return 0;

out_close:
	port_close();
	return ret < 0 ? ret : -EIO;
}

int port_rx_intr_fd(unsigned int q)
{
	return dp_port.rx_intr ? rte_eth_dev_rx_intr_ctl_q_get_fd(dp_port.id, q) : -1;
}

/* A virtual device (net_tap's interface) goes with the port. */
void port_close(void)
{
	rte_eth_dev_stop(dp_port.id);
	rte_eth_dev_close(dp_port.id);
	rte_mempool_free(dp_port.pool);
	dp_port.pool = NULL;
}

int port_open(const struct config *c, const char *argv0, unsigned int workers)
{
	int err;

	/* EAL pins the calling thread to its main lcore; the workers choose
	 * their CPUs among the ones the process was given. */
	if (sched_getaffinity(0, sizeof(dp_port.cpus), &dp_port.cpus))
		CPU_ZERO(&dp_port.cpus);
	err = eal_init(c, argv0);
	if (err)
		return err;
	if (CPU_COUNT(&dp_port.cpus))
		pthread_setaffinity_np(pthread_self(), sizeof(dp_port.cpus), &dp_port.cpus);
	err = port_setup(c, workers);
	if (err)
		rte_eal_cleanup();
	return err;
}
