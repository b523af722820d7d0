// SPDX-License-Identifier: GPL-2.0
/*
 * A worker's frames: what the kernel transmits (staged in the worker of
 * the vNIC queue it went out on, then sent in bursts or hairpinned to
 * local vNICs), and what the port received (demuxed to vNIC queues).
 */
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "demux.h"
#include "dp_int.h"
#include "flow.h"
#include "nuse_host.h"

/* Tell @w it has work, if it sleeps: after the work is visible. */
void worker_kick(struct worker *w)
{
	uint64_t one = 1;

	if (w == dp_self)
		return;
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load(&w->sleeping) && w->kick_fd >= 0)
		(void)!write(w->kick_fd, &one, sizeof(one));
}

/* --- transmit: the kernel's frames, on its stack --- */

static void tx_flush(struct worker *w)
{
	int shared = dp_port.ntxq < dpw.n;
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
void dp_tx(void *priv, int vnic, unsigned int queue, const struct nuse_frame *frames,
		  unsigned int n)
{
	struct worker *w = &dpw.w[queue % dpw.n];

	rte_spinlock_lock(&w->lock);
	tx_locked(w, vnic, frames, n);
	rte_spinlock_unlock(&w->lock);
	worker_kick(w);
}

/* --- receive --- */

/* Frames for one vNIC in a row go to its queue in one call: one take of
 * the kernel's vNIC table lock for the run of them, not one per frame. */
static void rx_flush(struct worker *w)
{
	if (w->nbatch)
		nuse_vnic_rx_queue(w->batch_vnic, w->id, w->batch, w->nbatch);
	w->nbatch = 0;
}

static void rx_to(struct worker *w, int vnic, const struct nuse_frame *f)
{
	if (w->nbatch && (w->batch_vnic != vnic || w->nbatch == BURST))
		rx_flush(w);
	w->batch_vnic = vnic;
	w->batch[w->nbatch++] = *f;
}

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
		rx_flush(w);	/* in order with what came before */
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
	rx_to(w, vnic, &rf.f);
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
		t = m->hash.rss % dpw.n;
		if (!t)
			w->rx[mine++] = m;
		else
			dpw.spread[t][cnt[t]++] = m;
	}
	for (t = 1; n && t < dpw.n; t++) {
		if (!cnt[t])
			continue;
		k = rte_ring_sp_enqueue_burst(dpw.w[t].ring, (void **)dpw.spread[t], cnt[t], NULL);
		w->stats.spread_frames += k;
		w->stats.spread_dropped += cnt[t] - k;
		for (; k < cnt[t]; k++)
			rte_pktmbuf_free(dpw.spread[t][k]);
		worker_kick(&dpw.w[t]);
	}
	return mine;
}

/* The next burst for @w, handed to the vNICs' queue @w->id. */
unsigned int worker_rx(struct worker *w)
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
	rte_spinlock_lock(&w->lock);
	for (i = 0; i < n; i++)
		rx_one(w, w->rx[i]);
	rx_flush(w);
	rte_spinlock_unlock(&w->lock);
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

		rx_to(w, w->staged[i].vnic, &f);
		w->inflight[w->ninflight++] = w->staged[i].m;
	}
	rx_flush(w);
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

/* Under @w->lock: hairpinned frames staged for @vnic are dropped. */
void worker_forget(struct worker *w, int vnic)
{
	unsigned int i, k = 0;

	for (i = 0; i < w->nstaged; i++) {
		if (w->staged[i].vnic == vnic) {
			rte_pktmbuf_free(w->staged[i].m);
			w->stats.hairpin_dropped++;
		} else {
			w->staged[k++] = w->staged[i];
		}
	}
	w->nstaged = k;
}

/* After a kernel run: the burst it read is freed, local frames go to
 * their vNICs for the next run, the rest to the port. */
void worker_after_run(struct worker *w)
{
	unsigned int i;

	for (i = 0; i < w->nrx; i++)
		rte_pktmbuf_free(w->rx[i]);
	w->nrx = 0;
	rte_spinlock_lock(&w->lock);
	hairpin_deliver(w);
	if (w->ntx)
		tx_flush(w);
	rte_spinlock_unlock(&w->lock);
}

/* Whether anything was handed to @w that its next turn would take. */
