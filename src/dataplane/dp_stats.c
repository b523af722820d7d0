// SPDX-License-Identifier: GPL-2.0
/* The dataplane's counters, summed over its workers, and /metrics. */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dp.h"
#include "dp_int.h"
#include "metrics/metrics.h"
#include "nuse.h"

void dp_get_stats(struct dp_stats *s)
{
	struct rte_eth_stats ps;
	struct dp_stats w;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; dp_worker_stats(i, &w) == 0; i++) {
		s->rx_frames += w.rx_frames;
		s->rx_bytes += w.rx_bytes;
		s->rx_unknown += w.rx_unknown;
		s->rx_malformed += w.rx_malformed;
		s->rx_flood_copies += w.rx_flood_copies;
		s->tx_frames += w.tx_frames;
		s->tx_bytes += w.tx_bytes;
		s->tx_dropped += w.tx_dropped;
		s->hairpin += w.hairpin;
		s->tx_software += w.tx_software;
		s->tx_tso += w.tx_tso;
		s->tx_csum += w.tx_csum;
		s->rx_csum_good += w.rx_csum_good;
		s->rx_lro += w.rx_lro;
		s->rx_multiseg += w.rx_multiseg;
		s->rx_waited += w.rx_waited;
		s->rx_shed += w.rx_shed;
		s->flood_dropped += w.flood_dropped;
		s->flood_filtered += w.flood_filtered;
		s->spread_frames += w.spread_frames;
		s->spread_dropped += w.spread_dropped;
		s->busy_ns += w.busy_ns;
		s->idle_ns += w.idle_ns;
		s->bell_wakes += w.bell_wakes;
		if (w.rx_unknown) {
			memcpy(s->unknown_mac, w.unknown_mac, 6);
			s->unknown_vlan = w.unknown_vlan;
		}
	}
	if (rte_eth_stats_get(dp_port.id, &ps) == 0) {
		s->port_ipackets = ps.ipackets;
		s->port_opackets = ps.opackets;
		s->port_imissed = ps.imissed;
		s->port_ierrors = ps.ierrors;
		s->port_oerrors = ps.oerrors;
		s->port_rx_nombuf = ps.rx_nombuf;
	}
}

/* /metrics: the port's and the dataplane's counters, and each worker's. */
struct dp_snap {
	struct dp_stats all;
	unsigned int n;
	struct {
		unsigned long long rx, tx, busy_ns, idle_ns;
	} w[NUSE_CPUS_MAX];
};

static int dp_snapshot(void *snap)
{
	struct dp_snap *s = snap;
	struct dp_stats w;

	dp_get_stats(&s->all);
	for (s->n = 0; s->n < NUSE_CPUS_MAX && dp_worker_stats(s->n, &w) == 0; s->n++) {
		s->w[s->n].rx = w.rx_frames;
		s->w[s->n].tx = w.tx_frames;
		s->w[s->n].busy_ns = w.busy_ns;
		s->w[s->n].idle_ns = w.idle_ns;
	}
	return 0;
}

static void render_workers(struct metrics_out *o, const struct dp_snap *s)
{
	unsigned int i;

	metrics_head(o, "nuse_dataplane_worker_rx_frames_total", "counter",
		     "Frames each worker took from the port (or from worker 0, spread by "
		     "flow hash).");
	for (i = 0; i < s->n; i++)
		metrics_put(o, "nuse_dataplane_worker_rx_frames_total{worker=\"%u\"} %llu\n", i,
			    s->w[i].rx);
	metrics_head(o, "nuse_dataplane_worker_tx_frames_total", "counter",
		     "Frames the vNICs sent through each worker.");
	for (i = 0; i < s->n; i++)
		metrics_put(o, "nuse_dataplane_worker_tx_frames_total{worker=\"%u\"} %llu\n", i,
			    s->w[i].tx);
	metrics_head(o, "nuse_dataplane_worker_seconds_total", "counter",
		     "Time each worker spent working (busy) and sleeping (idle).");
	for (i = 0; i < s->n; i++) {
		metrics_put(o, "nuse_dataplane_worker_seconds_total{worker=\"%u\",state=\"busy\"} "
			    "%.9f\n", i, s->w[i].busy_ns / 1e9);
		metrics_put(o, "nuse_dataplane_worker_seconds_total{worker=\"%u\",state=\"idle\"} "
			    "%.9f\n", i, s->w[i].idle_ns / 1e9);
	}
}

static void dp_render(struct metrics_out *o, const void *snap)
{
	const struct dp_snap *sn = snap;
	const struct dp_stats *s = &sn->all;

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
			"Unicast frames from one vNIC to another on the same VLAN, handed "
			"across by the kernel (no copy, off the wire).", s->hairpin);
	metrics_counter(o, "nuse_dataplane_tx_software_total",
			"Frames sent back to the kernel to segment or checksum: offloads the "
			"port does not have.", s->tx_software);
	metrics_counter(o, "nuse_dataplane_tx_tso_total",
			"Super-frames the port segments (TSO).", s->tx_tso);
	metrics_counter(o, "nuse_dataplane_tx_csum_total",
			"Frames whose checksum the port computes.", s->tx_csum);
	metrics_counter(o, "nuse_dataplane_rx_csum_good_total",
			"Received frames the port verified the checksum of.", s->rx_csum_good);
	metrics_counter(o, "nuse_dataplane_rx_lro_total",
			"Received super-frames the port coalesced (LRO).", s->rx_lro);
	metrics_counter(o, "nuse_dataplane_rx_multiseg_total",
			"Received frames in more than one mbuf (jumbo, scatter).",
			s->rx_multiseg);
	metrics_counter(o, "nuse_dataplane_rx_waited_total",
			"Received frames over their vNIC's share of a kernel run, kept for "
			"its next one (a saturated worker shares its runs fairly).",
			s->rx_waited);
	metrics_counter(o, "nuse_dataplane_rx_shed_total",
			"Received frames dropped before the kernel: their vNIC was over its "
			"share and had no room left to wait (per vNIC: nuse_vnic_rx_shed_total).",
			s->rx_shed);
	metrics_counter(o, "nuse_dataplane_flood_dropped_total",
			"Broadcast and multicast frames from vNICs dropped: more in one kernel "
			"run than the flood budget.", s->flood_dropped);
	metrics_counter(o, "nuse_dataplane_flood_filtered_total",
			"Multicast not delivered to local vNICs: none had joined its group "
			"(from a vNIC) or this one had not (from the wire).", s->flood_filtered);
	metrics_counter(o, "nuse_dataplane_spread_frames_total",
			"Frames worker 0 handed to another worker by flow hash (a port with "
			"one receive queue).", s->spread_frames);
	metrics_counter(o, "nuse_dataplane_bell_wakeups_total",
			"Times the kernel's CPU 0 was woken from its sleep by a program's "
			"doorbell (the shared channel's eventfd), with no other thread in between.",
			s->bell_wakes);
	metrics_counter(o, "nuse_dataplane_spread_dropped_total",
			"Frames dropped in that hand-over: the worker's ring was full.",
			s->spread_dropped);
	metrics_head(o, "nuse_dataplane_seconds_total", "counter",
		     "Time the dataplane's workers spent working (busy) and sleeping (idle), "
		     "summed.");
	metrics_put(o, "nuse_dataplane_seconds_total{state=\"busy\"} %.9f\n", s->busy_ns / 1e9);
	metrics_put(o, "nuse_dataplane_seconds_total{state=\"idle\"} %.9f\n", s->idle_ns / 1e9);
	render_workers(o, sn);
}

static struct metrics_collector dp_collector = {
	.name = "dataplane",
	.size = sizeof(struct dp_snap),
	.snapshot = dp_snapshot,
	.render = dp_render,
};
METRICS_COLLECTOR(dp_collector);
