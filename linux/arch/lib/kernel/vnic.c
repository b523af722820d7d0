// SPDX-License-Identifier: GPL-2.0
/*
 * vNICs: Ethernet devices whose wire is the host.
 *
 * A vNIC has one or more queues.  Receive queue q belongs to CPU q modulo
 * the CPUs: that CPU's host thread writes frame descriptors into the
 * queue's ring between its runs and raises LIB_IRQ_VNIC on it; the
 * interrupt schedules the queue's NAPI, which copies each frame into an
 * skb on that CPU, with the host's flow hash if it gave one (the skb's
 * hash, as the host's RSS computed it).  A CPU is idle only once NAPI is done, so
 * the frames are consumed before its run returns.
 * Transmit: a CPU sends on queue (its id modulo the queues), so that CPU q
 * uses queue q; frames go to the host's callback in batches, one batch per
 * queue run (xmit_more), and are freed when it returns.
 *
 * Offloads (NUSE_VNIC_OFFLOADS): the device does scatter-gather, checksum
 * offload, TSO and UDP GSO, and describes each frame's state to the host
 * as a virtio_net_hdr would (the kernel's helpers convert both ways).  A
 * frame the host names another vNIC for crosses to it whole, as between
 * veth peers: the same skb, super-frame and partial checksum included, no
 * copy.  A frame whose offloads the host's wire cannot finish is finished
 * here, by the kernel's own GSO and checksum code, and handed over again.
 */
#include <linux/etherdevice.h>
#include <linux/hash.h>
#include <linux/ethtool.h>
#include <linux/idr.h>
#include <linux/if_vlan.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/virtio_net.h>
#include <net/rtnetlink.h>
#include <net/net_namespace.h>
#include "lib.h"

#define VNIC_TX_BATCH		LIB_TX_BATCH
#define VNIC_RING_DEFAULT	256
#define VNIC_RING_MAX		4096
#define VNIC_MC_MAX		32	/* past this, the vNIC takes all multicast */
#define VNIC_QUEUES_MAX		NUSE_CPUS_MAX
#define VNIC_COPY_LINEAR	2048	/* frames up to this size: one linear skb */
#define VNIC_HEAD		256	/* larger ones: this much linear, pages after */
#define VNIC_FEATURES		(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | \
				 NETIF_F_TSO | NETIF_F_TSO6 | NETIF_F_TSO_ECN | \
				 NETIF_F_GSO_UDP_L4 | NETIF_F_RXCSUM)

/* virtio_net_hdr is what struct nuse_offload mirrors: one layout for
 * whoever already speaks it (vhost, tap with IFF_VNET_HDR). */
static_assert(sizeof(struct nuse_offload) == sizeof(struct virtio_net_hdr));
static_assert(NUSE_OFF_NEEDS_CSUM == VIRTIO_NET_HDR_F_NEEDS_CSUM);
static_assert(NUSE_OFF_DATA_VALID == VIRTIO_NET_HDR_F_DATA_VALID);
static_assert(NUSE_GSO_TCPV4 == VIRTIO_NET_HDR_GSO_TCPV4);
static_assert(NUSE_GSO_TCPV6 == VIRTIO_NET_HDR_GSO_TCPV6);
/* (6.1's virtio_net.h has no UDP_L4, which later kernels give 5; nor do
 * its helpers, so the conversions below are the vNIC's own.) */
static_assert(NUSE_GSO_ECN == VIRTIO_NET_HDR_GSO_ECN);

struct lib_vnic;

/* A receive queue: its CPU's host thread produces, its NAPI consumes (on
 * that CPU: the same thread, never at once).  Queues sit side by side in
 * an array and each is written by its own CPU: a cache line each. */
struct lib_vnic_rxq {
	struct napi_struct	napi;
	struct lib_vnic		*v;
	unsigned int		index;
	unsigned int		cpu;
	struct nuse_frame	*ring;
	unsigned int		head;
	unsigned int		tail;
	struct lib_vnic_rxq	*next_kick;
	bool			kicked;
	unsigned long long	packets, bytes, dropped;
	unsigned long long	shed;	/* by the host, before the ring */
} ____cacheline_aligned_in_smp;

/* A transmit queue's batch: the queue's xmit lock keeps it to one CPU. */
struct lib_vnic_txq {
	unsigned int		ntx;
	struct sk_buff		*skb[VNIC_TX_BATCH];
	unsigned long long	packets, bytes, dropped;
} ____cacheline_aligned_in_smp;

/* What peers deliver to a vNIC, counted by the delivering CPU. */
struct lib_vnic_pcpu {
	u64			packets, bytes, dropped;
};

struct lib_vnic {
	struct net_device	*dev;
	int			id;
	nuse_vnic_tx_fn		tx;
	nuse_vnic_txq_fn	tx_queue;
	void			*priv;
	unsigned int		mask;		/* ring size - 1 */
	unsigned int		nq;
	struct lib_vnic_rxq	*rxq;
	struct lib_vnic_txq	*txq;
	struct lib_vnic_pcpu __percpu *peer;
	bool			offloads;

	/* The multicast filter, as the host reads it between runs. */
	bool			mc_all;
	unsigned int		nmc;
	u8			mc[VNIC_MC_MAX][ETH_ALEN];
};

/* Each CPU's receive queues with new frames: written by the CPU's host
 * thread between runs, taken by its vNIC interrupt. */
static struct {
	struct lib_vnic_rxq *head;
} ____cacheline_aligned_in_smp vnic_kicks[NR_CPUS];
#define vnic_kick_list(cpu)	(vnic_kicks[cpu].head)

/*
 * The table of vNICs by id.  The host reads it from any CPU's thread, or
 * from a tx callback on any CPU, while another CPU may add or remove a
 * vNIC: both sides hold vnic_table_lock, a bare arch lock that host code
 * can take too (no preemption count, no lockdep, nothing of current's).
 * The kernel holds it only to change the table, with interrupts off; the
 * host holds it while it uses the vNIC it found.
 */
static DEFINE_IDR(vnic_idr);
static arch_spinlock_t vnic_table_lock = __ARCH_SPIN_LOCK_UNLOCKED;
/* Each CPU's batch being transmitted (the queue's lock keeps a vNIC's
 * batch to one CPU at a time; the descriptors are the CPU's own), with
 * the pieces of its frames. */
static struct nuse_frame vnic_tx_frames[NR_CPUS][VNIC_TX_BATCH];
static struct nuse_seg (*vnic_tx_segs[NR_CPUS])[MAX_SKB_FRAGS];
static int vnic_count;

/*
 * The multicast groups the vNICs joined, by group address, so that the
 * host finds the vNICs a multicast frame is for without asking every vNIC
 * of its VLAN: with thousands of tenants on one segment, each one's router
 * solicitations, MLD reports and duplicate address probes went through
 * all the others' filters, O(tenants^2).  A vNIC that takes all multicast
 * (allmulti, promiscuous, more groups than its filter holds) is in
 * vnic_mc_all instead.  Changed by ndo_set_rx_mode and ndo_uninit with
 * vnic_table_lock held as the table is; read by the host as the table is.
 * Memory running out makes the vNIC take all multicast (a superset: the
 * stack drops what it did not join), and if even that fails the index
 * says so and the host asks every vNIC again.
 */
struct vnic_mc_ids {
	unsigned int		n, cap;
	int			*ids;
};

struct vnic_mc_group {
	struct hlist_node	node;
	u8			addr[ETH_ALEN];
	struct vnic_mc_ids	members;
};

#define VNIC_MC_HASH_BITS	10
static struct hlist_head vnic_mc_hash[1 << VNIC_MC_HASH_BITS];
static struct vnic_mc_ids vnic_mc_all;
static bool vnic_mc_broken;

static struct hlist_head *vnic_mc_bucket(const u8 *addr)
{
	u32 k = addr[2] << 24 | addr[3] << 16 | addr[4] << 8 | addr[5];

	return &vnic_mc_hash[hash_32(k ^ (addr[0] << 8 | addr[1]), VNIC_MC_HASH_BITS)];
}

static struct vnic_mc_group *vnic_mc_find(const u8 *addr)
{
	struct vnic_mc_group *g;

	hlist_for_each_entry(g, vnic_mc_bucket(addr), node)
		if (ether_addr_equal(g->addr, addr))
			return g;
	return NULL;
}

static int vnic_mc_ids_add(struct vnic_mc_ids *m, int id)
{
	if (m->n == m->cap) {
		unsigned int cap = m->cap ? m->cap * 2 : 4;
		int *ids = krealloc(m->ids, cap * sizeof(*ids), GFP_ATOMIC);

		if (!ids)
			return -ENOMEM;
		m->ids = ids;
		m->cap = cap;
	}
	m->ids[m->n++] = id;
	return 0;
}

static void vnic_mc_ids_del(struct vnic_mc_ids *m, int id)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->ids[i] == id) {
			m->ids[i] = m->ids[--m->n];
			return;
		}
}

/* @v out of the index (as its filter says it is in: mc_all, mc[]). */
static void vnic_mc_unindex(struct lib_vnic *v)
{
	struct vnic_mc_group *g;
	unsigned int i;

	if (v->mc_all) {
		vnic_mc_ids_del(&vnic_mc_all, v->id);
		return;
	}
	for (i = 0; i < v->nmc; i++) {
		g = vnic_mc_find(v->mc[i]);
		if (!g)
			continue;
		vnic_mc_ids_del(&g->members, v->id);
		if (!g->members.n) {
			hlist_del(&g->node);
			kfree(g->members.ids);
			kfree(g);
		}
	}
}

/* @v into the index as its filter says; -ENOMEM: partly. */
static int vnic_mc_index(struct lib_vnic *v)
{
	struct vnic_mc_group *g;
	unsigned int i;

	if (v->mc_all)
		return vnic_mc_ids_add(&vnic_mc_all, v->id);
	for (i = 0; i < v->nmc; i++) {
		g = vnic_mc_find(v->mc[i]);
		if (!g) {
			g = kzalloc(sizeof(*g), GFP_ATOMIC);
			if (!g)
				return -ENOMEM;
			ether_addr_copy(g->addr, v->mc[i]);
			hlist_add_head(&g->node, vnic_mc_bucket(g->addr));
		}
		if (vnic_mc_ids_add(&g->members, v->id)) {
			if (!g->members.n) {
				hlist_del(&g->node);
				kfree(g);
			}
			return -ENOMEM;
		}
	}
	return 0;
}

static struct lib_vnic *vnic_lookup(int id)
{
	return id < 0 ? NULL : idr_find(&vnic_idr, id);
}

/*
 * Host side: the vNIC @id with the table locked, or NULL (unlocked).  On
 * one CPU the kernel never runs while the host is here: no lock on the
 * path every received frame takes.
 */
static struct lib_vnic *vnic_host_get(int id)
{
	struct lib_vnic *v;

	/* Not arch_spin_lock(): its cpu_relax() looks at the CPU this
	 * stack belongs to, and a host thread's stack is no CPU's. */
	while (lib_ncpus > 1 && !arch_spin_trylock(&vnic_table_lock))
		asm volatile("pause" ::: "memory");
	v = vnic_lookup(id);
	if (!v && lib_ncpus > 1)
		arch_spin_unlock(&vnic_table_lock);
	return v;
}

static void vnic_host_put(void)
{
	if (lib_ncpus > 1)
		arch_spin_unlock(&vnic_table_lock);
}

int nuse_vnic_rx_queue(int id, unsigned int queue, const struct nuse_frame *frames,
		       unsigned int n)
{
	struct lib_vnic *v = vnic_host_get(id);
	struct lib_vnic_rxq *q;
	unsigned int room, i;

	if (!v)
		return -ENODEV;
	if (queue >= v->nq) {
		vnic_host_put();
		return -EINVAL;
	}
	q = &v->rxq[queue];
	room = netif_running(v->dev) ? v->mask + 1 - (q->head - q->tail) : 0;
	if (n > room) {
		q->dropped += n - room;
		n = room;
	}
	for (i = 0; i < n; i++)
		q->ring[(q->head + i) & v->mask] = frames[i];
	q->head += n;
	if (n && !q->kicked) {
		q->kicked = true;
		q->next_kick = vnic_kick_list(q->cpu);
		vnic_kick_list(q->cpu) = q;
		lib_irq_raise(&lib_cpus[q->cpu], LIB_IRQ_VNIC);
	}
	vnic_host_put();
	return n;
}

int nuse_vnic_rx_shed(int id, unsigned int queue, unsigned int n)
{
	struct lib_vnic *v = vnic_host_get(id);
	int err = -EINVAL;

	if (!v)
		return -ENODEV;
	if (queue < v->nq) {
		v->rxq[queue].shed += n;
		err = 0;
	}
	vnic_host_put();
	return err;
}

int nuse_vnic_rx(int id, const struct nuse_frame *frames, unsigned int n)
{
	return nuse_vnic_rx_queue(id, 0, frames, n);
}

/* Summed over the queues (each counted by the one CPU that uses it). */
static void vnic_sum(struct lib_vnic *v, struct nuse_vnic_stats *s)
{
	unsigned int q;

	memset(s, 0, sizeof(*s));
	for_each_possible_cpu(q) {
		struct lib_vnic_pcpu *p = per_cpu_ptr(v->peer, q);

		s->rx_peer_packets += READ_ONCE(p->packets);
		s->rx_bytes += READ_ONCE(p->bytes);
		s->rx_peer_dropped += READ_ONCE(p->dropped);
	}
	s->rx_packets = s->rx_peer_packets;
	s->rx_dropped = s->rx_peer_dropped;
	for (q = 0; q < v->nq; q++) {
		s->rx_packets += READ_ONCE(v->rxq[q].packets);
		s->rx_bytes += READ_ONCE(v->rxq[q].bytes);
		s->rx_dropped += READ_ONCE(v->rxq[q].dropped);
		s->rx_shed += READ_ONCE(v->rxq[q].shed);
		s->rx_dropped += READ_ONCE(v->rxq[q].shed);
		s->tx_packets += READ_ONCE(v->txq[q].packets);
		s->tx_bytes += READ_ONCE(v->txq[q].bytes);
		s->tx_dropped += READ_ONCE(v->txq[q].dropped);
	}
}

int nuse_vnic_stats(int id, struct nuse_vnic_stats *stats)
{
	struct lib_vnic *v = vnic_host_get(id);

	if (!v)
		return -ENODEV;
	vnic_sum(v, stats);
	vnic_host_put();
	return 0;
}

int nuse_vnic_queues(int id)
{
	struct lib_vnic *v = vnic_host_get(id);
	int n;

	if (!v)
		return -ENODEV;
	n = v->nq;
	vnic_host_put();
	return n;
}

int nuse_vnic_count(void)
{
	return READ_ONCE(vnic_count);
}

int nuse_vnic_accepts(int id, const unsigned char *mac)
{
	struct lib_vnic *v = vnic_host_get(id);
	unsigned int i;
	int ok = 0;

	if (!v)
		return 0;
	if (!is_multicast_ether_addr(mac) || is_broadcast_ether_addr(mac) || v->mc_all)
		ok = 1;
	for (i = 0; !ok && i < v->nmc; i++)
		if (ether_addr_equal(v->mc[i], mac))
			ok = 1;
	vnic_host_put();
	return ok;
}

int nuse_vnic_mc_members(const unsigned char *mac, int *ids, int max)
{
	struct vnic_mc_group *g;
	int n, k;

	while (lib_ncpus > 1 && !arch_spin_trylock(&vnic_table_lock))
		asm volatile("pause" ::: "memory");
	g = vnic_mc_find(mac);
	n = vnic_mc_all.n + (g ? g->members.n : 0);
	if (vnic_mc_broken) {
		n = INT_MAX;
	} else if (n <= max) {
		k = vnic_mc_all.n;
		memcpy(ids, vnic_mc_all.ids, k * sizeof(*ids));
		if (g)
			memcpy(ids + k, g->members.ids, g->members.n * sizeof(*ids));
	}
	vnic_host_put();
	return n;
}

static irqreturn_t vnic_interrupt(int irq, void *dev_id)
{
	unsigned int cpu = smp_processor_id();
	struct lib_vnic_rxq *q = vnic_kick_list(cpu);

	vnic_kick_list(cpu) = NULL;
	for (; q; q = q->next_kick) {
		q->kicked = false;
		napi_schedule(&q->napi);
	}
	return IRQ_HANDLED;
}

/* Copy @n bytes from offset @off of frame @f (all its pieces) to @to. */
static void vnic_frame_read(const struct nuse_frame *f, unsigned int off, void *to,
			    unsigned int n)
{
	const unsigned char *src = f->data;
	unsigned int len = f->len, i = 0;

	while (n) {
		unsigned int k;

		if (off >= len) {
			off -= len;
			src = f->segs[i].data;
			len = f->segs[i].len;
			i++;
			continue;
		}
		k = min(n, len - off);
		memcpy(to, src + off, k);
		to += k;
		off += k;
		n -= k;
	}
}

/* The frame's length, or 0 when it cannot be taken: too short or long,
 * or pieces a vNIC without offloads does not take. */
static unsigned int vnic_frame_ok(struct lib_vnic *v, const struct nuse_frame *f)
{
	unsigned int len = f->len, i, max = v->dev->mtu + VLAN_ETH_HLEN;

	if (!f->data || (!v->offloads && (f->nsegs || f->off.flags || f->off.gso_type)))
		return 0;
	if (f->nsegs > NUSE_FRAME_SEGS_MAX || (f->nsegs && !f->segs))
		return 0;
	for (i = 0; i < f->nsegs; i++) {
		if (!f->segs[i].data || f->segs[i].len > GSO_LEGACY_MAX_SIZE)
			return 0;
		len += f->segs[i].len;
	}
	if (f->off.gso_type != NUSE_GSO_NONE)
		max = GSO_LEGACY_MAX_SIZE + VLAN_ETH_HLEN;
	return len >= ETH_HLEN && len <= max ? len : 0;
}

/* Received offloads onto @skb (data at its Ethernet header), checked as
 * from an untrusted source: the GSO code revalidates a DODGY super-frame
 * before it cuts it. */
static int vnic_off_to_skb(struct sk_buff *skb, const struct nuse_offload *o)
{
	unsigned int gso = 0, thlen = 0, csum_off = 0;

	if (o->flags & ~(NUSE_OFF_NEEDS_CSUM | NUSE_OFF_DATA_VALID))
		return -EINVAL;
	switch (o->gso_type & ~NUSE_GSO_ECN) {
	case NUSE_GSO_NONE:
		if (o->gso_type)
			return -EINVAL;
		break;
	case NUSE_GSO_TCPV4:
	case NUSE_GSO_TCPV6:
		gso = (o->gso_type & ~NUSE_GSO_ECN) == NUSE_GSO_TCPV4 ? SKB_GSO_TCPV4 : SKB_GSO_TCPV6;
		if (o->gso_type & NUSE_GSO_ECN)
			gso |= SKB_GSO_TCP_ECN;
		thlen = sizeof(struct tcphdr);
		csum_off = offsetof(struct tcphdr, check);
		break;
	case NUSE_GSO_UDP_L4:
		if (o->gso_type & NUSE_GSO_ECN)
			return -EINVAL;
		gso = SKB_GSO_UDP_L4;
		thlen = sizeof(struct udphdr);
		csum_off = offsetof(struct udphdr, check);
		break;
	default:
		return -EINVAL;
	}
	skb_reset_mac_header(skb);
	if (o->flags & NUSE_OFF_NEEDS_CSUM) {
		u32 start = o->csum_start, off = o->csum_offset;

		if ((gso && off != csum_off) ||
		    !pskb_may_pull(skb, start + max_t(u32, thlen, off + sizeof(__sum16))) ||
		    !skb_partial_csum_set(skb, start, off))
			return -EINVAL;
	} else if (gso) {
		return -EINVAL;		/* a super-frame's checksum is partial */
	} else if (o->flags & NUSE_OFF_DATA_VALID) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	if (gso) {
		if (!o->gso_size)
			return -EINVAL;
		skb_shinfo(skb)->gso_size = o->gso_size;
		skb_shinfo(skb)->gso_type = gso | SKB_GSO_DODGY;
		skb_shinfo(skb)->gso_segs = 0;
	}
	return 0;
}

/* The offloads of an skb to transmit, or false for one the host is not
 * told of (a GSO type other than TCP and UDP L4): finished here. */
static bool vnic_off_from_skb(const struct sk_buff *skb, struct nuse_offload *o)
{
	const unsigned int known = SKB_GSO_TCPV4 | SKB_GSO_TCPV6 | SKB_GSO_UDP_L4 |
				   SKB_GSO_TCP_ECN | SKB_GSO_DODGY;

	memset(o, 0, sizeof(*o));
	if (skb_is_gso(skb)) {
		unsigned int t = skb_shinfo(skb)->gso_type;

		if ((t & ~known) || skb->ip_summed != CHECKSUM_PARTIAL)
			return false;
		if (t & SKB_GSO_TCPV4)
			o->gso_type = NUSE_GSO_TCPV4;
		else if (t & SKB_GSO_TCPV6)
			o->gso_type = NUSE_GSO_TCPV6;
		else if (t & SKB_GSO_UDP_L4)
			o->gso_type = NUSE_GSO_UDP_L4;
		else
			return false;
		if (t & SKB_GSO_TCP_ECN)
			o->gso_type |= NUSE_GSO_ECN;
		o->gso_size = skb_shinfo(skb)->gso_size;
		o->hdr_len = skb_headlen(skb);
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		o->flags = NUSE_OFF_NEEDS_CSUM;
		o->csum_start = skb_checksum_start_offset(skb);
		o->csum_offset = skb->csum_offset;
	}
	return true;
}

/* A frame in a fresh skb: linear up to VNIC_COPY_LINEAR bytes, beyond
 * that its head linear and the rest in pages (a 64 KB super-frame takes
 * no order-4 allocation), with its offloads. */
#define VNIC_SMALL_HEAD(len)	(SKB_DATA_ALIGN((len) + NET_SKB_PAD + NET_IP_ALIGN) + \
				 SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) <= 512)

static struct sk_buff *vnic_frame_skb(struct lib_vnic_rxq *q, const struct nuse_frame *f,
				      unsigned int len)
{
	unsigned int head = len <= VNIC_COPY_LINEAR ? len : VNIC_HEAD, off = head;
	struct sk_buff *skb;

	/* A small frame (a 64-byte datagram, an ACK) in a head of its own
	 * from kmalloc's 512-byte class: a napi fragment would be 1 KiB of
	 * truesize, and a flood of small datagrams would fill a socket's
	 * buffer twice as fast as on a host's veth. */
	if (VNIC_SMALL_HEAD(len))
		skb = netdev_alloc_skb_ip_align(q->v->dev, len);
	else
		skb = napi_alloc_skb(&q->napi, head);

	if (!skb)
		return NULL;
	vnic_frame_read(f, 0, skb_put(skb, head), head);
	while (off < len) {
		unsigned int k = min_t(unsigned int, len - off, PAGE_SIZE);
		struct page *page;

		if (skb_shinfo(skb)->nr_frags == MAX_SKB_FRAGS ||
		    !(page = alloc_page(GFP_ATOMIC | __GFP_NOWARN)))
			goto drop;
		vnic_frame_read(f, off, page_address(page), k);
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, k, PAGE_SIZE);
		off += k;
	}
	skb->dev = q->v->dev;
	if ((f->off.flags || f->off.gso_type) && vnic_off_to_skb(skb, &f->off))
		goto drop;
	return skb;
drop:
	kfree_skb(skb);
	return NULL;
}

static int vnic_poll(struct napi_struct *napi, int budget)
{
	struct lib_vnic_rxq *q = container_of(napi, struct lib_vnic_rxq, napi);
	struct lib_vnic *v = q->v;
	int done = 0;

	while (done < budget && q->tail != q->head) {
		const struct nuse_frame *f = &q->ring[q->tail++ & v->mask];
		unsigned int len = vnic_frame_ok(v, f);
		struct sk_buff *skb;

		done++;
		if (!len || !(skb = vnic_frame_skb(q, f, len))) {
			q->dropped++;
			continue;
		}
		skb->protocol = eth_type_trans(skb, v->dev);
		skb_record_rx_queue(skb, q->index);
		if (f->hash)
			skb_set_hash(skb, f->hash, PKT_HASH_TYPE_L4);
		q->packets++;
		q->bytes += len;
		napi_gro_receive(napi, skb);
	}
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

/*
 * @skb, which @from sent, to the vNIC @id, as to a veth peer: across
 * namespaces (scrubbed), into this CPU's backlog.  In the transmit path's
 * RCU section: a vNIC found here is not freed before it ends, and one
 * going away is down, so that nothing reaches it (as for veth).
 */
static void vnic_to_peer(struct lib_vnic *from, struct sk_buff *skb, int id)
{
	struct lib_vnic *to = vnic_lookup(id);
	struct lib_vnic_pcpu *p;
	unsigned int len = skb->len;

	if (!to || to == from) {
		from->txq[skb_get_queue_mapping(skb)].dropped++;
		kfree_skb(skb);
		return;
	}
	p = this_cpu_ptr(to->peer);
	skb_record_rx_queue(skb, smp_processor_id() % to->nq);
	if (dev_forward_skb(to->dev, skb) == NET_RX_SUCCESS) {
		p->packets++;
		p->bytes += len;
	} else {
		p->dropped++;
	}
}

/* The frame of @skb for the host: its pieces in @segs. */
static void vnic_describe(struct lib_vnic *v, struct sk_buff *skb, struct nuse_frame *f,
			  struct nuse_seg *segs)
{
	struct skb_shared_info *sh = skb_shinfo(skb);
	unsigned int i;

	f->data = skb->data;
	f->len = skb_headlen(skb);
	f->hash = skb->hash;
	f->nsegs = 0;
	f->segs = segs;
	f->peer = NUSE_PEER_WIRE;
	memset(&f->off, 0, sizeof(f->off));
	if (!v->offloads)
		return;
	vnic_off_from_skb(skb, &f->off);	/* vnic_xmit() kept the others */
	for (i = 0; i < sh->nr_frags; i++) {
		segs[i].data = skb_frag_address(&sh->frags[i]);
		segs[i].len = skb_frag_size(&sh->frags[i]);
	}
	f->nsegs = sh->nr_frags;
}

static void vnic_hand(struct lib_vnic *v, unsigned int queue, struct nuse_frame *frames,
		      unsigned int n)
{
	if (v->tx_queue)
		v->tx_queue(v->priv, v->id, queue, frames, n);
	else
		v->tx(v->priv, v->id, frames, n);
}

/* Frames the host's wire cannot take as they are: segmented and
 * checksummed here, then handed over (the pieces one batch at a time). */
static void vnic_software(struct lib_vnic *v, unsigned int queue, struct sk_buff *skb)
{
	unsigned int cpu = lib_cpu_this()->id, n = 0, i;
	struct nuse_frame *frames = vnic_tx_frames[cpu];
	struct sk_buff *segs[VNIC_TX_BATCH], *next;
	struct lib_vnic_txq *t = &v->txq[queue];

	if (skb_is_gso(skb)) {
		struct sk_buff *list = skb_gso_segment(skb, 0);

		consume_skb(skb);
		if (IS_ERR_OR_NULL(list)) {
			t->dropped++;
			return;
		}
		skb = list;
	} else {
		skb_mark_not_on_list(skb);
		if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
			t->dropped++;
			kfree_skb(skb);
			return;
		}
	}
	for (; skb; skb = next) {
		next = skb->next;
		skb_mark_not_on_list(skb);
		if (skb_linearize(skb)) {
			t->dropped++;
			kfree_skb(skb);
			continue;
		}
		segs[n++] = skb;
		if (n < VNIC_TX_BATCH && next)
			continue;
		for (i = 0; i < n; i++) {
			vnic_describe(v, segs[i], &frames[i], NULL);
			memset(&frames[i].off, 0, sizeof(frames[i].off));
		}
		vnic_hand(v, queue, frames, n);
		for (i = 0; i < n; i++) {
			if (frames[i].peer >= 0)
				vnic_to_peer(v, segs[i], frames[i].peer);
			else
				dev_consume_skb_any(segs[i]);
		}
		n = 0;
	}
}

static void vnic_flush(struct lib_vnic *v, unsigned int queue)
{
	unsigned int cpu = lib_cpu_this()->id, n, i;
	struct nuse_frame *tx_frames = vnic_tx_frames[cpu];
	struct lib_vnic_txq *t = &v->txq[queue];
	int peer[VNIC_TX_BATCH];

	for (i = 0; i < t->ntx; i++)
		vnic_describe(v, t->skb[i], &tx_frames[i], vnic_tx_segs[cpu][i]);
	n = t->ntx;
	t->ntx = 0;
	vnic_hand(v, queue, tx_frames, n);
	for (i = 0; i < n; i++)
		peer[i] = tx_frames[i].peer;
	/* tx_frames is free again: the software path reuses it */
	for (i = 0; i < n; i++) {
		if (peer[i] >= 0)
			vnic_to_peer(v, t->skb[i], peer[i]);
		else if (peer[i] == NUSE_PEER_SOFTWARE && v->offloads)
			vnic_software(v, queue, t->skb[i]);
		else
			dev_consume_skb_any(t->skb[i]);
	}
}

/* CPU q sends on queue q (modulo the queues): what XPS would choose. */
static u16 vnic_select_queue(struct net_device *dev, struct sk_buff *skb,
			     struct net_device *sb_dev)
{
	return smp_processor_id() % dev->real_num_tx_queues;
}

static netdev_tx_t vnic_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct lib_vnic *v = netdev_priv(dev);
	unsigned int queue = skb_get_queue_mapping(skb);
	struct lib_vnic_txq *t = &v->txq[queue];

	/* Without offloads the core gave it linear; with them, pages but
	 * never a list (no NETIF_F_FRAGLIST). */
	if (skb_has_frag_list(skb) && skb_linearize(skb)) {
		t->dropped++;
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	t->packets++;
	t->bytes += skb->len;
	if (v->offloads) {
		struct nuse_offload o;

		if (!vnic_off_from_skb(skb, &o)) {
			if (t->ntx)
				vnic_flush(v, queue);	/* in order */
			vnic_software(v, queue, skb);
			return NETDEV_TX_OK;
		}
	}
	t->skb[t->ntx++] = skb;
	if (!netdev_xmit_more() || t->ntx == VNIC_TX_BATCH)
		vnic_flush(v, queue);
	return NETDEV_TX_OK;
}

static int vnic_open(struct net_device *dev)
{
	struct lib_vnic *v = netdev_priv(dev);
	unsigned int q;

	for (q = 0; q < v->nq; q++)
		napi_enable(&v->rxq[q].napi);
	netif_carrier_on(dev);
	netif_tx_start_all_queues(dev);
	return 0;
}

static int vnic_stop(struct net_device *dev)
{
	struct lib_vnic *v = netdev_priv(dev);
	unsigned long flags;
	unsigned int q;

	netif_tx_stop_all_queues(dev);
	netif_carrier_off(dev);
	for (q = 0; q < v->nq; q++)
		napi_disable(&v->rxq[q].napi);
	/*
	 * Frames the host queued before the device went down are dropped.
	 * The host may be filling the ring right now, from a CPU's thread
	 * while this runs on another CPU: under the table's lock it has
	 * finished, and from then on it sees the device down (dev_close()
	 * cleared __LINK_STATE_START before calling here).
	 */
	local_irq_save(flags);
	arch_spin_lock(&vnic_table_lock);
	for (q = 0; q < v->nq; q++) {
		v->rxq[q].dropped += v->rxq[q].head - v->rxq[q].tail;
		v->rxq[q].tail = v->rxq[q].head;
	}
	arch_spin_unlock(&vnic_table_lock);
	local_irq_restore(flags);
	return 0;
}

/* Like a NIC's multicast filter: the groups the stack joined, so that the
 * host delivers a multicast frame only to the vNICs that listen to it. */
static void vnic_set_rx_mode(struct net_device *dev)
{
	struct lib_vnic *v = netdev_priv(dev);
	struct netdev_hw_addr *ha;
	unsigned long flags;
	unsigned int n = 0;
	bool all = (dev->flags & (IFF_ALLMULTI | IFF_PROMISC)) ||
		   netdev_mc_count(dev) > VNIC_MC_MAX;

	local_irq_save(flags);
	arch_spin_lock(&vnic_table_lock);
	vnic_mc_unindex(v);
	v->mc_all = all;
	if (!all)
		netdev_for_each_mc_addr(ha, dev)
			ether_addr_copy(v->mc[n++], ha->addr);
	v->nmc = n;
	if (vnic_mc_index(v)) {
		vnic_mc_unindex(v);
		v->mc_all = true;
		v->nmc = 0;
		if (vnic_mc_index(v))
			vnic_mc_broken = true;
	}
	arch_spin_unlock(&vnic_table_lock);
	local_irq_restore(flags);
}

static void vnic_get_stats64(struct net_device *dev,
			     struct rtnl_link_stats64 *s)
{
	struct lib_vnic *v = netdev_priv(dev);
	struct nuse_vnic_stats n;

	vnic_sum(v, &n);
	s->rx_packets = n.rx_packets;
	s->rx_bytes = n.rx_bytes;
	s->rx_dropped = n.rx_dropped;
	s->tx_packets = n.tx_packets;
	s->tx_bytes = n.tx_bytes;
	s->tx_dropped = n.tx_dropped;
}

/* A ring of more than a page takes whole pages, exactly: the default
 * ring (256 descriptors, 12 KiB) would take 16 KiB from kmalloc. */
static size_t vnic_ring_size(const struct lib_vnic *v)
{
	return (v->mask + 1) * sizeof(struct nuse_frame);
}

static struct nuse_frame *vnic_ring_alloc(const struct lib_vnic *v)
{
	size_t size = vnic_ring_size(v);

	if (size <= PAGE_SIZE)
		return kzalloc(size, GFP_KERNEL);
	return alloc_pages_exact(size, GFP_KERNEL | __GFP_ZERO);
}

static void vnic_ring_free(const struct lib_vnic *v, struct nuse_frame *ring)
{
	size_t size = vnic_ring_size(v);

	if (!ring)
		return;
	if (size <= PAGE_SIZE)
		kfree(ring);
	else
		free_pages_exact(ring, size);
}

/* Resources live from ndo_init to ndo_uninit: register_netdev() unwinds
 * both ways, whichever step fails. */
static void vnic_free_queues(struct lib_vnic *v)
{
	unsigned int q;

	for (q = 0; q < v->nq; q++) {
		netif_napi_del(&v->rxq[q].napi);
		vnic_ring_free(v, v->rxq[q].ring);
	}
	kfree(v->rxq);
	kfree(v->txq);
	free_percpu(v->peer);
}

static int vnic_init(struct net_device *dev)
{
	struct lib_vnic *v = netdev_priv(dev);
	unsigned int q, ncpus = num_online_cpus();
	unsigned long flags;

	v->rxq = kcalloc(v->nq, sizeof(*v->rxq), GFP_KERNEL);
	v->txq = kcalloc(v->nq, sizeof(*v->txq), GFP_KERNEL);
	v->peer = alloc_percpu(struct lib_vnic_pcpu);
	if (!v->rxq || !v->txq || !v->peer) {
		kfree(v->rxq);
		kfree(v->txq);
		free_percpu(v->peer);
		return -ENOMEM;
	}
	for (q = 0; q < v->nq; q++) {
		struct lib_vnic_rxq *r = &v->rxq[q];

		r->v = v;
		r->index = q;
		r->cpu = q % ncpus;
		r->ring = vnic_ring_alloc(v);
		netif_napi_add(dev, &r->napi, vnic_poll);
		if (!r->ring) {
			vnic_free_queues(v);
			return -ENOMEM;
		}
	}
	idr_preload(GFP_KERNEL);
	local_irq_save(flags);
	arch_spin_lock(&vnic_table_lock);
	v->id = idr_alloc(&vnic_idr, v, 0, 0, GFP_ATOMIC);
	if (v->id >= 0)
		WRITE_ONCE(vnic_count, vnic_count + 1);
	arch_spin_unlock(&vnic_table_lock);
	local_irq_restore(flags);
	idr_preload_end();
	if (v->id < 0) {
		vnic_free_queues(v);
		return v->id;
	}
	return 0;
}

/* On the queue's CPU, whose host thread fills its kick list between its
 * runs: the queue leaves the list. */
static void vnic_unkick(void *arg)
{
	struct lib_vnic_rxq *q = arg, **p = &vnic_kick_list(smp_processor_id());

	for (; *p; p = &(*p)->next_kick)
		if (*p == q) {
			*p = q->next_kick;
			break;
		}
	q->kicked = false;
}

static void vnic_uninit(struct net_device *dev)
{
	struct lib_vnic *v = netdev_priv(dev);
	unsigned long flags;
	unsigned int q;

	/* Out of the host's sight first: then no new kick can name it. */
	local_irq_save(flags);
	arch_spin_lock(&vnic_table_lock);
	idr_remove(&vnic_idr, v->id);
	WRITE_ONCE(vnic_count, vnic_count - 1);
	vnic_mc_unindex(v);
	v->mc_all = false;
	v->nmc = 0;
	arch_spin_unlock(&vnic_table_lock);
	local_irq_restore(flags);
	for (q = 0; q < v->nq; q++)
		smp_call_function_single(v->rxq[q].cpu, vnic_unkick, &v->rxq[q], 1);
	vnic_free_queues(v);
}

static const struct net_device_ops vnic_ops = {
	.ndo_init		= vnic_init,
	.ndo_open		= vnic_open,
	.ndo_stop		= vnic_stop,
	.ndo_start_xmit		= vnic_xmit,
	.ndo_select_queue	= vnic_select_queue,
	.ndo_uninit		= vnic_uninit,
	.ndo_get_stats64	= vnic_get_stats64,
	.ndo_set_rx_mode	= vnic_set_rx_mode,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

/*
 * ethtool: what a vNIC can truthfully say.  It has a link (carrier
 * follows up/down: the wire is the host's port), a driver name, and no
 * speed of its own (a share of the port); everything else (rings,
 * coalescing, offload tuning) is not a vNIC's, and the kernel answers
 * EOPNOTSUPP for it as for any device without the op.
 */
static void vnic_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info)
{
	struct lib_vnic *v = netdev_priv(dev);

	strscpy(info->driver, "nuse", sizeof(info->driver));
	snprintf(info->bus_info, sizeof(info->bus_info), "vnic-%d", v->id);
}

static int vnic_get_link_ksettings(struct net_device *dev,
				   struct ethtool_link_ksettings *ks)
{
	ethtool_link_ksettings_zero_link_mode(ks, supported);
	ethtool_link_ksettings_zero_link_mode(ks, advertising);
	ks->base.speed = SPEED_UNKNOWN;
	ks->base.duplex = DUPLEX_FULL;
	ks->base.port = PORT_OTHER;
	ks->base.autoneg = AUTONEG_DISABLE;
	return 0;
}

static const struct ethtool_ops vnic_ethtool_ops = {
	.get_drvinfo		= vnic_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= vnic_get_link_ksettings,
	.get_ts_info		= ethtool_op_get_ts_info,
};

static void vnic_dellink(struct net_device *dev, struct list_head *head)
{
	unregister_netdevice_queue(dev, head);
}

/* Created by the host only (it supplies the wire), deleted by anyone. */
static struct rtnl_link_ops vnic_link_ops = {
	.kind		= "nuse",
	.dellink	= vnic_dellink,
};

static int vnic_check(const struct nuse_vnic_config *c)
{
	if (!dev_valid_name(c->name) || !is_valid_ether_addr(c->mac) ||
	    (!c->tx && !c->tx_queue))
		return -EINVAL;
	if (c->mtu && (c->mtu < ETH_MIN_MTU || c->mtu > 65535 - VLAN_ETH_HLEN))
		return -EINVAL;
	if (c->rx_ring && (!is_power_of_2(c->rx_ring) || c->rx_ring < 16 ||
			   c->rx_ring > VNIC_RING_MAX))
		return -EINVAL;
	if (c->queues > VNIC_QUEUES_MAX || (c->flags & ~NUSE_VNIC_OFFLOADS))
		return -EINVAL;
	return 0;
}

static void vnic_setup(struct lib_vnic *v, const struct nuse_vnic_config *c)
{
	struct net_device *dev = v->dev;

	v->mask = (c->rx_ring ? c->rx_ring : VNIC_RING_DEFAULT) - 1;
	v->nq = c->queues ? c->queues : 1;
	v->tx = c->tx;
	v->tx_queue = c->tx_queue;
	v->priv = c->priv;
	dev->netdev_ops = &vnic_ops;
	dev->ethtool_ops = &vnic_ethtool_ops;
	dev->rtnl_link_ops = &vnic_link_ops;
	dev->needs_free_netdev = true;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = 65535 - VLAN_ETH_HLEN;
	dev->mtu = c->mtu ? c->mtu : ETH_DATA_LEN;
	v->offloads = c->flags & NUSE_VNIC_OFFLOADS;
	if (v->offloads) {
		dev->hw_features = VNIC_FEATURES;
		dev->features |= VNIC_FEATURES;
		dev->vlan_features = dev->features & ~NETIF_F_RXCSUM;
		dev->hw_enc_features = 0;
	}
	eth_hw_addr_set(dev, c->mac);
	dev_net_set(dev, current->nsproxy->net_ns);
}

long lib_vnic_create(struct nuse_vnic_config __user *ucfg)
{
	struct nuse_vnic_config c;
	struct net_device *dev;
	struct lib_vnic *v;
	int err;

	if (copy_from_user(&c, ucfg, sizeof(c)))
		return -EFAULT;
	c.name[IFNAMSIZ - 1] = '\0';
	err = vnic_check(&c);
	if (err)
		return err;
	dev = alloc_netdev_mqs(sizeof(*v), c.name, NET_NAME_USER, ether_setup,
			       c.queues ? c.queues : 1, c.queues ? c.queues : 1);
	if (!dev)
		return -ENOMEM;
	v = netdev_priv(dev);
	v->dev = dev;
	vnic_setup(v, &c);
	err = register_netdev(dev);
	if (err) {
		free_netdev(dev);
		return err;
	}
	if (put_user(dev->ifindex, &ucfg->ifindex)) {
		unregister_netdev(dev);
		return -EFAULT;
	}
	return v->id;
}

long lib_vnic_destroy(int id)
{
	struct lib_vnic *v;

	/* rtnl keeps the device from going meanwhile (its ndo_uninit runs
	 * under rtnl). */
	rtnl_lock();
	v = vnic_lookup(id);
	if (!v) {
		rtnl_unlock();
		return -ENODEV;
	}
	unregister_netdevice(v->dev);
	rtnl_unlock();
	return 0;
}

static int __init lib_vnic_init(void)
{
	unsigned int cpu;
	int err;

	for_each_possible_cpu(cpu) {
		vnic_tx_segs[cpu] = kcalloc(VNIC_TX_BATCH, sizeof(*vnic_tx_segs[cpu]),
					    GFP_KERNEL);
		if (!vnic_tx_segs[cpu])
			return -ENOMEM;
	}

	/*
	 * The doorbell rings on every CPU that has queues, at once: a
	 * per-CPU line, whose handler each CPU runs for its own kick list.
	 * (handle_simple_irq would drop a CPU's ring while another CPU is
	 * in the handler, and that CPU's queues would wait for a later
	 * doorbell, overflowing meanwhile.)
	 */
	irq_set_status_flags(LIB_IRQ_VNIC, IRQ_PER_CPU | IRQ_NOTHREAD | IRQ_NOPROBE);
	irq_set_handler(LIB_IRQ_VNIC, handle_percpu_irq);
	err = rtnl_link_register(&vnic_link_ops);
	if (!err)
		err = request_irq(LIB_IRQ_VNIC, vnic_interrupt, IRQF_NO_THREAD, "vnic", NULL);
	if (err)
		pr_err("vnic: cannot start: %d\n", err);
	return err;
}
device_initcall(lib_vnic_init);
