// SPDX-License-Identifier: GPL-2.0
/*
 * vNICs: Ethernet devices whose wire is the host.
 *
 * Receive: the host writes frame descriptors into the device's ring
 * between runs and rings LIB_IRQ_VNIC; the interrupt schedules NAPI,
 * which copies each frame into an skb.  The kernel is idle only once NAPI
 * is done, so the host's frames are consumed before nuse_run() returns.
 * Transmit: frames go to the host's callback in batches, one batch per
 * queue run (xmit_more), and are freed when it returns.
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/idr.h>
#include <linux/if_vlan.h>
#include <linux/interrupt.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/rtnetlink.h>
#include <net/net_namespace.h>
#include "lib.h"

#define VNIC_TX_BATCH		LIB_TX_BATCH
#define VNIC_RING_DEFAULT	256
#define VNIC_RING_MAX		4096
#define VNIC_MC_MAX		32	/* past this, the vNIC takes all multicast */

struct lib_vnic {
	struct net_device	*dev;
	struct napi_struct	napi;
	int			id;
	nuse_vnic_tx_fn		tx;
	void			*priv;

	struct nuse_frame	*ring;		/* host produces, NAPI consumes */
	unsigned int		mask;
	unsigned int		head;
	unsigned int		tail;
	struct lib_vnic		*next_kick;
	bool			kicked;

	unsigned int		ntx;
	struct sk_buff		*txq[VNIC_TX_BATCH];

	/* The multicast filter, as the host reads it between runs. */
	bool			mc_all;
	unsigned int		nmc;
	u8			mc[VNIC_MC_MAX][ETH_ALEN];

	struct nuse_vnic_stats	stats;
};

/*
 * The table of vNICs by id.  The host reads it from CPU 0's thread, or
 * from a tx callback on any CPU, while another CPU may add or remove a
 * vNIC: both sides hold vnic_table_lock, a bare arch lock that host code
 * can take too (no preemption count, no lockdep, nothing of current's).
 * The kernel holds it only to change the table, with interrupts off; the
 * host holds it while it uses the vNIC it found.
 */
static DEFINE_IDR(vnic_idr);
static arch_spinlock_t vnic_table_lock = __ARCH_SPIN_LOCK_UNLOCKED;
/* Each CPU's batch being transmitted (the queue's lock keeps a vNIC's
 * batch to one CPU at a time; the descriptors are the CPU's own). */
static struct nuse_frame vnic_tx_frames[NR_CPUS][VNIC_TX_BATCH];
static int vnic_count;

static struct lib_vnic *vnic_lookup(int id)
{
	return id < 0 ? NULL : idr_find(&vnic_idr, id);
}

/* Host side: the vNIC @id with the table locked, or NULL (unlocked). */
static struct lib_vnic *vnic_host_get(int id)
{
	struct lib_vnic *v;

	arch_spin_lock(&vnic_table_lock);
	v = vnic_lookup(id);
	if (!v)
		arch_spin_unlock(&vnic_table_lock);
	return v;
}

static void vnic_host_put(void)
{
	arch_spin_unlock(&vnic_table_lock);
}

int nuse_vnic_rx(int id, const struct nuse_frame *frames, unsigned int n)
{
	struct lib_vnic *v = vnic_host_get(id);
	unsigned int room, i;

	if (!v)
		return -ENODEV;
	room = netif_running(v->dev) ? v->mask + 1 - (v->head - v->tail) : 0;
	if (n > room) {
		v->stats.rx_dropped += n - room;
		n = room;
	}
	for (i = 0; i < n; i++)
		v->ring[(v->head + i) & v->mask] = frames[i];
	v->head += n;
	if (n && !v->kicked) {
		struct lib_cpu *cpu = &lib_cpus[0];	/* the host's one CPU */

		v->kicked = true;
		v->next_kick = cpu->kick_list;
		cpu->kick_list = v;
		lib_irq_raise(cpu, LIB_IRQ_VNIC);
	}
	vnic_host_put();
	return n;
}

int nuse_vnic_stats(int id, struct nuse_vnic_stats *stats)
{
	struct lib_vnic *v = vnic_host_get(id);

	if (!v)
		return -ENODEV;
	*stats = v->stats;
	vnic_host_put();
	return 0;
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

static irqreturn_t vnic_interrupt(int irq, void *dev_id)
{
	struct lib_cpu *cpu = lib_cpu_this();
	struct lib_vnic *v = cpu->kick_list;

	cpu->kick_list = NULL;
	for (; v; v = v->next_kick) {
		v->kicked = false;
		napi_schedule(&v->napi);
	}
	return IRQ_HANDLED;
}

static bool vnic_frame_ok(struct lib_vnic *v, const struct nuse_frame *f)
{
	return f->data && f->len >= ETH_HLEN &&
	       f->len <= v->dev->mtu + VLAN_ETH_HLEN;
}

static int vnic_poll(struct napi_struct *napi, int budget)
{
	struct lib_vnic *v = container_of(napi, struct lib_vnic, napi);
	int done = 0;

	while (done < budget && v->tail != v->head) {
		const struct nuse_frame *f = &v->ring[v->tail++ & v->mask];
		struct sk_buff *skb;

		done++;
		if (!vnic_frame_ok(v, f) ||
		    !(skb = napi_alloc_skb(napi, f->len))) {
			v->stats.rx_dropped++;
			continue;
		}
		skb_put_data(skb, f->data, f->len);
		skb->protocol = eth_type_trans(skb, v->dev);
		v->stats.rx_packets++;
		v->stats.rx_bytes += f->len;
		napi_gro_receive(napi, skb);
	}
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

static void vnic_flush(struct lib_vnic *v)
{
	struct nuse_frame *tx_frames = vnic_tx_frames[lib_cpu_this()->id];
	unsigned int i;

	for (i = 0; i < v->ntx; i++) {
		tx_frames[i].data = v->txq[i]->data;
		tx_frames[i].len = v->txq[i]->len;
	}
	v->tx(v->priv, v->id, tx_frames, v->ntx);
	for (i = 0; i < v->ntx; i++)
		dev_consume_skb_any(v->txq[i]);
	v->ntx = 0;
}

static netdev_tx_t vnic_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct lib_vnic *v = netdev_priv(dev);

	if (skb_linearize(skb)) {
		v->stats.tx_dropped++;
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	v->stats.tx_packets++;
	v->stats.tx_bytes += skb->len;
	v->txq[v->ntx++] = skb;
	if (!netdev_xmit_more() || v->ntx == VNIC_TX_BATCH)
		vnic_flush(v);
	return NETDEV_TX_OK;
}

static int vnic_open(struct net_device *dev)
{
	struct lib_vnic *v = netdev_priv(dev);

	napi_enable(&v->napi);
	netif_carrier_on(dev);
	netif_start_queue(dev);
	return 0;
}

static int vnic_stop(struct net_device *dev)
{
	struct lib_vnic *v = netdev_priv(dev);
	unsigned long flags;

	netif_stop_queue(dev);
	netif_carrier_off(dev);
	napi_disable(&v->napi);
	/*
	 * Frames the host queued before the device went down are dropped.
	 * The host may be filling the ring right now, from CPU 0's thread
	 * while this runs on another CPU: under the table's lock it has
	 * finished, and from then on it sees the device down (dev_close()
	 * cleared __LINK_STATE_START before calling here).
	 */
	local_irq_save(flags);
	arch_spin_lock(&vnic_table_lock);
	v->stats.rx_dropped += v->head - v->tail;
	v->tail = v->head;
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
	unsigned int n = 0;

	v->mc_all = (dev->flags & (IFF_ALLMULTI | IFF_PROMISC)) ||
		    netdev_mc_count(dev) > VNIC_MC_MAX;
	netdev_for_each_mc_addr(ha, dev) {
		if (n == VNIC_MC_MAX)
			break;
		ether_addr_copy(v->mc[n++], ha->addr);
	}
	v->nmc = n;
}

static void vnic_get_stats64(struct net_device *dev,
			     struct rtnl_link_stats64 *s)
{
	struct lib_vnic *v = netdev_priv(dev);

	s->rx_packets = v->stats.rx_packets;
	s->rx_bytes = v->stats.rx_bytes;
	s->rx_dropped = v->stats.rx_dropped;
	s->tx_packets = v->stats.tx_packets;
	s->tx_bytes = v->stats.tx_bytes;
	s->tx_dropped = v->stats.tx_dropped;
}

/* Resources live from ndo_init to ndo_uninit: register_netdev() unwinds
 * both ways, whichever step fails. */
static int vnic_init(struct net_device *dev)
{
	struct lib_vnic *v = netdev_priv(dev);
	unsigned long flags;

	v->ring = kcalloc(v->mask + 1, sizeof(*v->ring), GFP_KERNEL);
	if (!v->ring)
		return -ENOMEM;
	netif_napi_add(dev, &v->napi, vnic_poll);
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
		netif_napi_del(&v->napi);
		kfree(v->ring);
		return v->id;
	}
	return 0;
}

/* On CPU 0, whose host thread fills the kick list between its runs. */
static void vnic_unkick(void *arg)
{
	struct lib_vnic *v = arg, **p = &lib_cpus[0].kick_list;

	for (; *p; p = &(*p)->next_kick)
		if (*p == v) {
			*p = v->next_kick;
			break;
		}
	v->kicked = false;
}

static void vnic_uninit(struct net_device *dev)
{
	struct lib_vnic *v = netdev_priv(dev);
	unsigned long flags;

	/* Out of the host's sight first: then no new kick can name it. */
	local_irq_save(flags);
	arch_spin_lock(&vnic_table_lock);
	idr_remove(&vnic_idr, v->id);
	WRITE_ONCE(vnic_count, vnic_count - 1);
	arch_spin_unlock(&vnic_table_lock);
	local_irq_restore(flags);
	smp_call_function_single(0, vnic_unkick, v, 1);
	netif_napi_del(&v->napi);
	kfree(v->ring);
}

static const struct net_device_ops vnic_ops = {
	.ndo_init		= vnic_init,
	.ndo_open		= vnic_open,
	.ndo_stop		= vnic_stop,
	.ndo_start_xmit		= vnic_xmit,
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
	if (!dev_valid_name(c->name) || !is_valid_ether_addr(c->mac) || !c->tx)
		return -EINVAL;
	if (c->mtu && (c->mtu < ETH_MIN_MTU || c->mtu > 65535 - VLAN_ETH_HLEN))
		return -EINVAL;
	if (c->rx_ring && (!is_power_of_2(c->rx_ring) || c->rx_ring < 16 ||
			   c->rx_ring > VNIC_RING_MAX))
		return -EINVAL;
	return 0;
}

static void vnic_setup(struct lib_vnic *v, const struct nuse_vnic_config *c)
{
	struct net_device *dev = v->dev;

	v->mask = (c->rx_ring ? c->rx_ring : VNIC_RING_DEFAULT) - 1;
	v->tx = c->tx;
	v->priv = c->priv;
	dev->netdev_ops = &vnic_ops;
	dev->ethtool_ops = &vnic_ethtool_ops;
	dev->rtnl_link_ops = &vnic_link_ops;
	dev->needs_free_netdev = true;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = 65535 - VLAN_ETH_HLEN;
	dev->mtu = c->mtu ? c->mtu : ETH_DATA_LEN;
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
	dev = alloc_netdev(sizeof(*v), c.name, NET_NAME_USER, ether_setup);
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
	int err;

	err = rtnl_link_register(&vnic_link_ops);
	if (!err)
		err = request_irq(LIB_IRQ_VNIC, vnic_interrupt, 0, "vnic", NULL);
	if (err)
		pr_err("vnic: cannot start: %d\n", err);
	return err;
}
device_initcall(lib_vnic_init);
