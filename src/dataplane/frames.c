// SPDX-License-Identifier: GPL-2.0
/*
 * A worker's frames: what the kernel transmits (staged in the worker of
 * the vNIC queue it went out on, then sent in bursts or hairpinned to
 * local vNICs), and what the port received (demuxed to vNIC queues).
 */
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
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

/* Append @n bytes at @src to the chain @head, whose last segment is
 * *@tail, with new segments as needed; 0 or -1 (out of mbufs, or a port
 * that takes one segment only). */
static int mbuf_put(struct rte_mbuf *head, struct rte_mbuf **tail, const void *src,
		    unsigned int n)
{
	while (n) {
		struct rte_mbuf *t = *tail;
		unsigned int room = rte_pktmbuf_tailroom(t), k = n < room ? n : room;

		if (!room) {
			if (!dp_port.multiseg || head->nb_segs >= dp_port.max_segs ||
			    !(t = rte_pktmbuf_alloc(dp_port.pool)))
				return -1;
			(*tail)->next = t;
			*tail = t;
			head->nb_segs++;
			continue;
		}
		memcpy(rte_pktmbuf_mtod_offset(t, char *, t->data_len), src, k);
		t->data_len += k;
		head->pkt_len += k;
		src = (const char *)src + k;
		n -= k;
	}
	return 0;
}

/* A copy of @f (all its pieces) in fresh mbufs, tagged with @vlan when it
 * has one. */
static struct rte_mbuf *frame_copy(const struct nuse_frame *f, int vlan)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp_port.pool), *tail = m;
	const unsigned char *p = f->data;
	unsigned int v = vlan >= 0 ? (unsigned int)vlan : 0;
	unsigned char tag[4] = { 0x81, 0x00, (v >> 8) & 0x0f, v & 0xff };
	unsigned int i;
	int err;

	if (!m)
		return NULL;
	if (vlan >= 0)
		err = mbuf_put(m, &tail, p, 12) || mbuf_put(m, &tail, tag, 4) ||
		      mbuf_put(m, &tail, p + 12, f->len - 12);
	else
		err = mbuf_put(m, &tail, p, f->len);
	for (i = 0; !err && i < f->nsegs; i++)
		err = mbuf_put(m, &tail, f->segs[i].data, f->segs[i].len);
	if (err) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* Whether the port finishes what @f leaves to offloads (a checksum, TSO),
 * its headers in the frame's first piece: if not, the kernel does it
 * first (NUSE_PEER_SOFTWARE). */
static int port_takes(const struct nuse_frame *f)
{
	const struct nuse_offload *o = &f->off;
	const unsigned char *p = f->data;

	if (!o->flags && !o->gso_type)
		return 1;
	if (!(o->flags & NUSE_OFF_NEEDS_CSUM) || o->csum_start < 14 + 20 ||
	    o->csum_start + o->csum_offset + 2u > f->len)
		return 0;
	/* IP right after the Ethernet header (a tenant's own 802.1Q tag in
	 * the frame: the kernel finishes it) */
	if (!(p[12] == 0x08 && p[13] == 0x00 && (p[14] >> 4) == 4) &&
	    !(p[12] == 0x86 && p[13] == 0xdd && (p[14] >> 4) == 6))
		return 0;
	switch (o->gso_type) {
	case NUSE_GSO_NONE:
		return dp_port.tx_csum && (o->csum_offset == 16 || o->csum_offset == 6);
	case NUSE_GSO_TCPV4:
	case NUSE_GSO_TCPV6:
		if (o->csum_offset != 16 || o->csum_start + 20u > f->len ||
		    o->csum_start + (p[o->csum_start + 12] >> 4) * 4u > f->len)
			return 0;
		return o->gso_type == NUSE_GSO_TCPV4 ? dp_port.tso4 : dp_port.tso6;
	default:
		return 0;	/* ECN's CWR on the first segment only; UDP GSO */
	}
}

/* The port's offload flags for @m, the copy of @f with @l2 bytes of
 * Ethernet header(s) (port_takes(f)): the port computes the L4 checksum
 * (its field holds the pseudo-header's sum, as DPDK wants it) and cuts a
 * super-frame into segments. */
static void tx_offload(struct worker *w, struct rte_mbuf *m, const struct nuse_frame *f,
		       unsigned int l2)
{
	const struct nuse_offload *o = &f->off;
	unsigned char *p = rte_pktmbuf_mtod(m, unsigned char *);
	unsigned int l3 = o->csum_start - 14;
	void *ip = p + l2;
	uint16_t *check = (uint16_t *)(p + l2 + l3 + o->csum_offset);
	int v4 = (p[l2] >> 4) == 4;
	uint64_t fl = v4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6;

	m->l2_len = l2;
	m->l3_len = l3;
	if (o->gso_type != NUSE_GSO_NONE) {
		fl |= RTE_MBUF_F_TX_TCP_SEG;
		if (v4) {
			fl |= RTE_MBUF_F_TX_IP_CKSUM;
			((struct rte_ipv4_hdr *)ip)->hdr_checksum = 0;
		}
		m->l4_len = (p[l2 + l3 + 12] >> 4) * 4;
		m->tso_segsz = o->gso_size;
		/* net_tap wants whole segments within its MTU: smaller ones
		 * then (TCP takes any segment size up to the MSS) */
		if (dp_port.tso_frame_max &&
		    m->tso_segsz + l2 + l3 + m->l4_len > dp_port.tso_frame_max)
			m->tso_segsz = dp_port.tso_frame_max - l2 - l3 - m->l4_len;
		w->stats.tx_tso++;
	} else {
		fl |= o->csum_offset == 16 ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM;
		w->stats.tx_csum++;
	}
	m->ol_flags |= fl;
	*check = v4 ? rte_ipv4_phdr_cksum(ip, fl) : rte_ipv6_phdr_cksum(ip, fl);
}

/* A vNIC's filter asked, for a group of more members than the index
 * answers at once. */
struct flood_ask {
	const unsigned char *dst;
	int (*fn)(void *arg, int vnic);
	void *arg;
	unsigned long long *filtered;
};

static int flood_ask(void *arg, int vnic)
{
	struct flood_ask *a = arg;

	if (!nuse_vnic_accepts(vnic, a->dst)) {
		(*a->filtered)++;
		return 0;
	}
	return a->fn(a->arg, vnic);
}

/* fn(arg, vnic) for each vNIC of @vlan but @except that takes a frame for
 * @dst, until one returns non-zero: all of them for broadcast; for
 * multicast those that joined its group, from the kernel's index (O(its
 * members), not O(the VLAN)); for a group of more than MC_IDS members
 * each vNIC's filter is asked.  The vNICs that did not take it are
 * counted in @w's flood_filtered. */
static void flood_each(struct worker *w, int vlan, int except, const unsigned char *dst,
		       int (*fn)(void *arg, int vnic), void *arg)
{
	struct flood_ask a = { dst, fn, arg, &w->stats.flood_filtered };
	int i, n, took = 0;

	if (rte_is_broadcast_ether_addr((const struct rte_ether_addr *)dst)) {
		demux_flood(vlan, except, fn, arg);
		return;
	}
	n = nuse_vnic_mc_members(dst, w->mc_ids, MC_IDS);
	if (n > MC_IDS) {
		demux_flood(vlan, except, flood_ask, &a);
		return;
	}
	for (i = 0; i < n; i++) {
		int v = w->mc_ids[i];

		if (v == except || demux_vlan(v) != vlan)
			continue;
		took++;
		if (fn(arg, v))
			return;
	}
	n = demux_vlan_count(vlan) - (except >= 0 && demux_vlan(except) == vlan) - took;
	if (n > 0)
		w->stats.flood_filtered += n;
}

static int flood_any(void *arg, int vnic)
{
	(void)vnic;
	*(int *)arg = 1;
	return 1;		/* one is enough */
}

/* Whether a local vNIC other than @from takes a frame for @dst: the
 * multicast nobody here joined (most of it: DAD, MLD reports, router
 * solicitations) goes to the wire only, and takes no place in the queue. */
static int flood_wanted(struct worker *w, int vlan, int from, const unsigned char *dst)
{
	unsigned long long filtered = w->stats.flood_filtered;
	int any = 0;

	if (rte_is_broadcast_ether_addr((const struct rte_ether_addr *)dst))
		return demux_vlan_count(vlan) > 1;
	flood_each(w, vlan, from, dst, flood_any, &any);
	/* one frame nobody took: counted once */
	w->stats.flood_filtered = filtered + !any;
	return any;
}

/* A broadcast or multicast frame from @vnic, for the other vNICs of its
 * VLAN: one copy, with its offloads, shared by all of them when it is
 * delivered. */
static void flood_stage(struct worker *w, int vnic, int vlan, struct rte_mbuf *m,
			const struct nuse_offload *off)
{
	if (w->flood_head - w->flood_tail == FLOOD_QUEUE) {
		rte_pktmbuf_free(m);
		w->stats.flood_dropped++;
		return;
	}
	w->floods[w->flood_head++ % FLOOD_QUEUE] = (struct hairpin){ vnic, vlan, m, *off };
}

/*
 * The frames vNIC @vnic sent.  To a local vNIC the kernel hands the frame
 * itself across (as its peer: no copy, a super-frame whole); to the wire
 * goes a copy with the offloads the port finishes, or, when it cannot
 * finish them, the frame goes back to the kernel first and comes again.
 */
static void tx_locked(struct worker *w, int vnic, struct nuse_frame *frames,
		      unsigned int n)
{
	int vlan = demux_vlan(vnic), local;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct nuse_frame *f = &frames[i];
		const unsigned char *dst = f->data;
		struct rte_mbuf *m;

		if (f->len < 14)
			continue;
		local = dst[0] & 1 ? -1 : demux_lookup(vlan, dst);
		if (local >= 0) {
			f->peer = local;
			w->stats.tx_frames++;
			w->stats.hairpin++;
			continue;	/* never on the wire */
		}
		if (!port_takes(f)) {
			f->peer = NUSE_PEER_SOFTWARE;
			w->stats.tx_software++;
			continue;
		}
		w->stats.tx_frames++;
		w->stats.tx_bytes += nuse_frame_len(f);
		if (dst[0] & 1 && flood_wanted(w, vlan, vnic, dst)) {
			struct rte_mbuf *copy = frame_copy(f, -1);

			if (!copy) {
				w->stats.tx_dropped++;
				continue;
			}
			flood_stage(w, vnic, vlan, copy, &f->off);
		}
		m = frame_copy(f, vlan);
		if (!m) {
			w->stats.tx_dropped++;
			continue;
		}
		if (f->off.flags)
			tx_offload(w, m, f, vlan >= 0 ? 18 : 14);
		w->tx[w->ntx++] = m;
		if (w->ntx == TX_MAX)
			tx_flush(w);
	}
}

/* The vNICs' tx queue @queue is worker @queue's: a frame a flow's CPU
 * sends leaves through that CPU's worker and port queue. */
void dp_tx(void *priv, int vnic, unsigned int queue, struct nuse_frame *frames,
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

	nuse_vnic_rx_queue(vnic, fd->w->id, &fd->f, 1);
	(*fd->copies)++;
	return 0;
}

/* What the port says of a received frame's checksum, and an LRO
 * super-frame as the kernel takes one: NEEDS_CSUM with the pseudo-header's
 * sum in the TCP checksum (as GRO leaves it), the segment size the port
 * saw.  @p is the frame (untagged), @len its first piece. */
static void rx_offload(struct worker *w, struct rte_mbuf *m, unsigned char *p,
		       unsigned int len, struct nuse_offload *o)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	unsigned int l3, proto;
	int v4;

	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		o->flags = NUSE_OFF_DATA_VALID;
		w->stats.rx_csum_good++;
	}
	if (!(m->ol_flags & RTE_MBUF_F_RX_LRO) || !m->tso_segsz || !o->flags || len < 14 + 40)
		return;
	v4 = p[12] == 0x08 && p[13] == 0x00;
	if (v4) {
		l3 = (p[14] & 0x0f) * 4;
		proto = p[14 + 9];
	} else if (p[12] == 0x86 && p[13] == 0xdd) {
		l3 = 40;
		proto = p[14 + 6];
	} else {
		return;
	}
	if (proto != 6 || l3 < 20 || 14 + l3 + 20 > len)
		return;
	*o = (struct nuse_offload){
		.flags = NUSE_OFF_NEEDS_CSUM,
		.gso_type = v4 ? NUSE_GSO_TCPV4 : NUSE_GSO_TCPV6,
		.gso_size = m->tso_segsz,
		.csum_start = 14 + l3,
		.csum_offset = 16,
	};
	*(uint16_t *)(p + 14 + l3 + 16) =
		v4 ? rte_ipv4_phdr_cksum((struct rte_ipv4_hdr *)(p + 14), 0)
		   : rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)(p + 14), 0);
	w->stats.rx_lro++;
}

/* Parse frame @m from the port into @it: its tag stripped, its offloads.
 * 0 if it is to be dropped (counted). */
static int rx_parse(struct worker *w, struct rte_mbuf *m, struct rx_item *it)
{
	unsigned char *p = rte_pktmbuf_mtod(m, unsigned char *);
	unsigned int len = m->data_len;
	int vlan = DEMUX_UNTAGGED;

	w->stats.rx_frames++;
	w->stats.rx_bytes += m->pkt_len;
	if (len < 14 || m->nb_segs > NUSE_FRAME_SEGS_MAX + 1) {
		w->stats.rx_malformed++;
		return 0;
	}
	if (p[12] == 0x81 && p[13] == 0x00) {
		if (len < 18) {
			w->stats.rx_malformed++;
			return 0;
		}
		vlan = ((p[14] & 0x0f) << 8) | p[15];
		if (vlan == 0)
			vlan = DEMUX_UNTAGGED;	/* priority tag only */
		else if (vlan == 4095) {
			w->stats.rx_malformed++;
			return 0;
		}
		memmove(p + 4, p, 12);
		p += 4;
		len -= 4;
	}
	*it = (struct rx_item){ .m = m, .p = p, .len = len, .vlan = vlan };
	if (dp_port.rx_offloads)
		rx_offload(w, m, p, len, &it->off);
	if (m->nb_segs > 1)
		w->stats.rx_multiseg++;
	return 1;
}

/* @it as the kernel takes it, its pieces from this run's table; 0 if
 * the table is full (the frame waits). */
static int rx_frame(struct worker *w, const struct rx_item *it, struct nuse_frame *f)
{
	struct rte_mbuf *m = it->m, *s;
	unsigned int k = m->nb_segs - 1;

	*f = (struct nuse_frame){ .data = it->p, .len = it->len, .off = it->off };
	/* the port's flow hash (or ours): the skb's hash in the kernel */
	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
		f->hash = m->hash.rss;
	if (!k)
		return 1;
	if (w->nrx_segs + k > RX_SEGS)
		return 0;
	f->segs = &w->rx_segs[w->nrx_segs];
	f->nsegs = k;
	for (s = m->next, k = 0; s; s = s->next, k++)
		w->rx_segs[w->nrx_segs + k] = (struct nuse_seg){ rte_pktmbuf_mtod(s, void *),
								 s->data_len };
	w->nrx_segs += k;
	return 1;
}

/* This run's entry of @vnic in the share table (it was reserved when
 * the vNIC was attached). */
static struct rx_share *rx_share(struct worker *w, int vnic)
{
	struct rx_share *sh = &w->share[vnic];

	if (sh->run != w->run) {
		sh->flooding = sh->run + 1 == w->run && sh->shed;
		sh->run = w->run;
		sh->taken = sh->waiting = 0;
		sh->shed = 0;
		w->touched[w->ntouched++] = vnic;
	}
	return sh;
}

/* Up to @max frames from the worker's queue into @out: bursts until one
 * comes short. */
static unsigned int rx_read(struct worker *w, struct rte_mbuf **out, unsigned int max)
{
	unsigned int n = 0, k;

	do {
		k = rte_eth_rx_burst(dp_port.id, w->rxq, out + n, RTE_MIN(max - n, (unsigned int)BURST));
		n += k;
	} while (k == BURST && n < max);
	return n;
}

#define SPREAD_TAG(m)	RTE_MBUF_DYNFIELD((m), dpw.tag_off, uint32_t *)

/* The vNIC frame @m is for, as rx_parse() and the demux will see it; -1
 * for one no single vNIC takes (a broadcast, a multicast, an unknown
 * address, a malformed frame).  Under worker 0's lock. */
static int spread_vnic(const struct rte_mbuf *m)
{
	const unsigned char *p = rte_pktmbuf_mtod(m, const unsigned char *);
	int vlan = DEMUX_UNTAGGED;

	if (m->data_len < 14 || p[0] & 1)
		return -1;
	if (p[12] == 0x81 && p[13] == 0x00) {
		if (m->data_len < 18)
			return -1;
		vlan = ((p[14] & 0x0f) << 8) | p[15];
		if (vlan == 4095)
			return -1;
		if (!vlan)
			vlan = DEMUX_UNTAGGED;
	}
	return demux_lookup(vlan, p);
}

/* Worker 0 on a port with one rx queue: each frame to the worker its
 * flow hashes to; its own share comes back in @out.  A vNIC's frames
 * take no more of another worker's ring than is left free
 * (share_may_spread()): past that worker 0 sheds them, against it. */
static unsigned int spread(struct worker *w, struct rte_mbuf **out, unsigned int max)
{
	struct rte_mbuf *in[BURST];
	unsigned int mine = 0, t, k, n;

	do {
		unsigned int cnt[NUSE_CPUS_MAX] = { 0 }, room[NUSE_CPUS_MAX], i, nshed = 0;
		int shed_vnic = -1;

		n = rte_eth_rx_burst(dp_port.id, 0, in, RTE_MIN(max - mine, (unsigned int)BURST));
		if (!n)
			break;
		for (t = 1; t < dpw.n; t++)
			room[t] = rte_ring_free_count(dpw.w[t].ring);
		rte_spinlock_lock(&w->lock);	/* the demux, the others' spread_held */
		for (i = 0; i < n; i++) {
			struct rte_mbuf *m = in[i];
			struct worker *to;
			int v;

			m->hash.rss = flow_hash(rte_pktmbuf_mtod(m, unsigned char *), m->data_len);
			m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
			t = m->hash.rss % dpw.n;
			if (!t) {
				out[mine++] = m;
				continue;
			}
			to = &dpw.w[t];
			v = spread_vnic(m);
			*SPREAD_TAG(m) = 0;
			if (v >= 0 && (unsigned int)v < to->nshare) {
				if (!share_may_spread(atomic_load_explicit(&to->spread_held[v],
									   memory_order_relaxed),
						      room[t] - cnt[t])) {
					w->stats.rx_frames++;
					w->stats.rx_bytes += m->pkt_len;
					w->stats.rx_shed++;
					if (v != shed_vnic && nshed)
						nuse_vnic_rx_shed(shed_vnic, w->id, nshed);
					nshed = v != shed_vnic ? 1 : nshed + 1;
					shed_vnic = v;
					rte_pktmbuf_free(m);
					continue;
				}
				atomic_fetch_add_explicit(&to->spread_held[v], 1, memory_order_relaxed);
				*SPREAD_TAG(m) = v + 1;
			}
			dpw.spread[t][cnt[t]++] = m;
		}
		rte_spinlock_unlock(&w->lock);
		if (nshed)
			nuse_vnic_rx_shed(shed_vnic, w->id, nshed);
		for (t = 1; t < dpw.n; t++) {
			if (!cnt[t])
				continue;
			/* room was counted: only the other worker frees more */
			k = rte_ring_sp_enqueue_burst(dpw.w[t].ring, (void **)dpw.spread[t], cnt[t],
						      NULL);
			w->stats.spread_frames += k;
			w->stats.spread_dropped += cnt[t] - k;
			for (; k < cnt[t]; k++)
				rte_pktmbuf_free(dpw.spread[t][k]);
			worker_kick(&dpw.w[t]);
		}
	} while (n == BURST && mine + BURST <= max);
	return mine;
}

/* A spread frame taken out of @w's ring no longer counts for its vNIC. */
static void spread_taken(struct worker *w, struct rte_mbuf *const *m, unsigned int n)
{
	unsigned int i, v;

	for (i = 0; i < n; i++) {
		v = *SPREAD_TAG(m[i]);
		if (v && v - 1 < w->nshare)
			atomic_fetch_sub_explicit(&w->spread_held[v - 1], 1, memory_order_relaxed);
	}
}

/* Hand this run's items to the vNICs' queue @w->id, in order, each vNIC
 * up to its quota; the rest wait or are shed. */
static void rx_deliver(struct worker *w, unsigned int n)
{
	unsigned int i, quota, flooding = 0;
	struct nuse_frame f;

	/* who has frames this run */
	for (i = 0; i < n; i++) {
		struct rx_item *it = &w->items[i];

		if (it->p[0] & 1) {
			it->vnic = RX_FLOOD;
			flooding = 1;
			continue;
		}
		it->vnic = demux_lookup(it->vlan, it->p);
		if (it->vnic >= 0 && (unsigned int)it->vnic < w->nshare)
			rx_share(w, it->vnic);
		else
			it->vnic = -1;
	}
	/* frames for more than one: share (and read deep) for a while */
	if (w->ntouched > 1 || flooding)
		w->shared_until = rte_rdtsc() + rte_get_tsc_hz() / 1000 * SHARED_HOLD_MS;
	flooding = 0;
	quota = share_quota(w->ntouched);
	/* A vNIC that overflowed its line in the last run (a flood: more
	 * than its share and all its room to wait) takes an eighth of a quota
	 * while some vNIC that did not has frames: reading and shedding its
	 * excess is already paid out of everyone's runs.  Its line is cut to
	 * a burst: a flood's backlog would only be read again run after run,
	 * and age. */
	for (i = 0; i < w->ntouched; i++)
		flooding += w->share[w->touched[i]].flooding;
	for (i = 0; i < w->ntouched; i++) {
		struct rx_share *sh = &w->share[w->touched[i]];

		sh->limit = share_limit(quota, sh->flooding, flooding, w->ntouched);
	}
	for (i = 0; i < n; i++) {
		struct rx_item *it = &w->items[i];
		struct rx_share *sh;

		if (it->vnic == RX_FLOOD) {
			struct flood_deliver rf = { .w = w, .copies = &w->stats.rx_flood_copies };

			w->rx[w->nrx++] = it->m;
			if (!rx_frame(w, it, &rf.f)) {
				w->stats.rx_shed++;
				continue;
			}
			rx_flush(w);	/* in order with what came before */
			flood_each(w, it->vlan, -1, it->p, flood_push, &rf);
			continue;
		}
		if (it->vnic < 0) {
			w->stats.rx_unknown++;
			memcpy(w->stats.unknown_mac, it->p, 6);
			w->stats.unknown_vlan = it->vlan;
			w->rx[w->nrx++] = it->m;
			continue;
		}
		sh = &w->share[it->vnic];
		if (sh->taken < sh->limit && rx_frame(w, it, &f)) {
			sh->taken++;
			w->rx[w->nrx++] = it->m;
			rx_to(w, it->vnic, &f);
			continue;
		}
		sh->taken = sh->limit;	/* nothing of it passes this one */
		if (share_may_wait(w->nwait, w->wait_max, sh->waiting, sh->flooding)) {
			sh->waiting++;
			w->items[w->nwait++] = *it;	/* nwait <= i */
			w->stats.rx_waited++;
		} else {
			sh->shed++;
			w->stats.rx_shed++;
			w->rx[w->nrx++] = it->m;
		}
	}
	rx_flush(w);
	for (i = 0; i < w->ntouched; i++)
		if (w->share[w->touched[i]].shed)
			nuse_vnic_rx_shed(w->touched[i], w->id, w->share[w->touched[i]].shed);
}

/* The next run's frames for @w: those that waited, then new ones, handed
 * to the vNICs' queue @w->id.  How many it took from its queue or its
 * waiting line. */
unsigned int worker_rx(struct worker *w)
{
	unsigned int n, i, k, nwait = w->nwait;
	unsigned int depth = share_depth(rte_rdtsc(), w->shared_until);

	if (!dp_port.software)
		n = rx_read(w, w->fresh, depth);
	else if (w->id)
		n = rte_ring_sc_dequeue_burst(w->ring, (void **)w->fresh, RX_READ, NULL);
	else
		n = spread(w, w->fresh, depth);
	if (!n && !nwait)
		return 0;
	rte_spinlock_lock(&w->lock);
	if (w->id && dp_port.software)
		spread_taken(w, w->fresh, n);
	w->nwait = 0;	/* rx_deliver() puts back what still waits */
	for (i = 0, k = nwait; i < n; i++)
		if (rx_parse(w, w->fresh[i], &w->items[k]))
			k++;
		else
			w->rx[w->nrx++] = w->fresh[i];
	w->run++;
	w->ntouched = 0;
	w->nrx_segs = 0;
	rx_deliver(w, k);
	rte_spinlock_unlock(&w->lock);
	return n + nwait;
}

/* Frames kept for the next run: flooded ones go to their vNICs now,
 * and the ones the last run consumed are freed. */
static void flood_deliver(struct worker *w)
{
	unsigned int i;

	for (i = 0; i < w->ninflight; i++)
		rte_pktmbuf_free(w->inflight[i]);
	w->ninflight = 0;
	for (i = 0; i < FLOOD_BUDGET && w->flood_tail != w->flood_head; i++) {
		struct hairpin *h = &w->floods[w->flood_tail++ % FLOOD_QUEUE];
		struct rte_mbuf *m = h->m, *s;
		struct flood_deliver fd = {
			w, { .data = rte_pktmbuf_mtod(m, void *), .len = m->data_len,
			     .off = h->off },
			&w->stats.hairpin,
		};
		unsigned int k = 0;

		for (s = m->next; s && k < NUSE_FRAME_SEGS_MAX; s = s->next, k++)
			w->flood_segs[i][k] = (struct nuse_seg){ rte_pktmbuf_mtod(s, void *),
								 s->data_len };
		fd.f.segs = w->flood_segs[i];
		fd.f.nsegs = k;
		flood_each(w, h->vlan, h->vnic, fd.f.data, flood_push, &fd);
		w->inflight[w->ninflight++] = m;
	}
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
	flood_deliver(w);
	if (w->ntx)
		tx_flush(w);
	rte_spinlock_unlock(&w->lock);
}

/* Whether anything was handed to @w that its next turn would take. */
