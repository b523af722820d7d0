// SPDX-License-Identifier: GPL-2.0
/*
 * Packets from the wire to addresses nobody answers for wait on their
 * neighbour entries while those resolve.  A forwarding namespace flooded
 * with them must hold no more than its budget of queued bytes
 * (net.core.neigh_unres_max_bytes, 1 MiB by default), not the entries'
 * own limit times the entries (208 KiB each): kernel memory is every
 * namespace's.  Resolution goes on meanwhile, and the budget is the
 * namespace's own.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "ktest.h"

#define DESTS		1000
#define PER_DEST	100
#define BUDGET		(1024 * 1024)
#define HELD_MAX_KB	(8 * 1024)	/* the budget, the entries and slack */
#define BATCH		256

static unsigned int arp_requests;	/* seen on the far side */
static unsigned int last_tip;

static void far_tx(void *priv, int vnic, struct nuse_frame *frames,
		   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const unsigned char *f = frames[i].data;

		if (frames[i].len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 1) {
			arp_requests++;
			memcpy(&last_tip, f + 38, 4);
		}
	}
}

static void near_tx(void *priv, int vnic, struct nuse_frame *frames,
		    unsigned int n)
{
}

static int mk_vnic(int pid, const char *name, unsigned char last,
		   nuse_vnic_tx_fn tx)
{
	struct nuse_vnic_config c = { .tx = tx, .rx_ring = 4096,
				      .mac = { 0x02, 0, 0, 0, 0x0c, last } };

	snprintf(c.name, sizeof(c.name), "%s", name);
	return KT_OK(nuse_call1(pid, NUSE_CALL_VNIC_CREATE, &c));
}

/* A UDP datagram from 10.1.0.5 to @dst, through the namespace's MAC. */
static void udp_frame(unsigned char *f, const unsigned char mac[6], unsigned int dst)
{
	unsigned char *ip = f + 14, *udp = f + 34;
	unsigned int src = inet_addr("10.1.0.5");
	unsigned short c;

	memset(f, 0, 98);
	memcpy(f, mac, 6);
	f[6] = 0x02;
	f[7] = 0xee;
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 84;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	c = kt_ip_csum(ip, 20);
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	udp[1] = 9;
	udp[3] = 9;
	udp[5] = 64;		/* no UDP checksum */
}

static long mem_free_kb(void)
{
	static char buf[4096];
	char *p;

	KT_OK(kt_read_file(1, "/proc/meminfo", buf, sizeof(buf)));
	p = strstr(buf, "MemFree:");
	KT_CHECK(p, "no MemFree in /proc/meminfo");
	return atol(p + 8);
}

int main(void)
{
	static const unsigned char mac[6] = { 0x02, 0, 0, 0, 0x0c, 1 };
	static unsigned char buf[BATCH][98];
	struct nuse_frame fr[BATCH] = { { 0 } };
	unsigned int k = 0, mark;
	long before, held;
	char val[32];
	int a, b, near, i, j;

	kt_boot(256UL << 20);
	a = kt_spawn(1, NUSE_SPAWN_NEWNET);
	b = kt_spawn(1, NUSE_SPAWN_NEWNET);
	near = mk_vnic(a, "eth0", 1, near_tx);
	mk_vnic(a, "eth1", 2, far_tx);
	kt_if_addr(a, "eth0", "10.1.0.2", "255.255.0.0");
	kt_if_addr(a, "eth1", "10.2.0.2", "255.255.0.0");
	KT_OK(kt_write_file(a, "/proc/sys/net/ipv4/ip_forward", "1"));
	kt_run_wires(NULL, 0, NULL, 50);

	before = mem_free_kb();
	for (j = 0; j < PER_DEST; j++)
		for (i = 0; i < DESTS; i++) {
			udp_frame(buf[k], mac, htonl(0x0a020000 | (1 + i / 250) << 8 |
						     (i % 250 + 3)));
			fr[k].data = buf[k];
			fr[k].len = 98;
			if (++k == BATCH) {
				KT_CHECK(nuse_vnic_rx(near, fr, k) == (int)k, "rx ring full");
				kt_run_wires(NULL, 0, NULL, 1);
				k = 0;
			}
		}
	kt_run_wires(NULL, 0, NULL, 20);
	held = before - mem_free_kb();
	printf("%d destinations x %d packets: %ld KiB held, %u ARP requests\n",
	       DESTS, PER_DEST, held, arp_requests);
	KT_CHECK(held < HELD_MAX_KB, "%ld KiB held for unresolved neighbours, want < %d",
		 held, HELD_MAX_KB);
	KT_CHECK(arp_requests >= DESTS, "only %u destinations resolved", arp_requests);

	/* A new destination is still resolved while the queue is full. */
	mark = arp_requests;
	udp_frame(buf[0], mac, inet_addr("10.2.250.9"));
	fr[0].data = buf[0];
	KT_CHECK(nuse_vnic_rx(near, fr, 1) == 1, "rx ring full");
	kt_run_wires(NULL, 0, NULL, 10);
	KT_CHECK(arp_requests > mark && last_tip == inet_addr("10.2.250.9"),
		 "no ARP request for a new destination");

	/* The budget is per namespace: B's is B's. */
	KT_OK(kt_read_file(a, "/proc/sys/net/core/neigh_unres_max_bytes", val, sizeof(val)));
	KT_CHECK(atoi(val) == BUDGET, "default budget %s, want %d", val, BUDGET);
	KT_OK(kt_write_file(b, "/proc/sys/net/core/neigh_unres_max_bytes", "0"));
	KT_ERR(kt_write_file(b, "/proc/sys/net/core/neigh_unres_max_bytes", "-1"), EINVAL);
	KT_OK(kt_read_file(a, "/proc/sys/net/core/neigh_unres_max_bytes", val, sizeof(val)));
	KT_CHECK(atoi(val) == BUDGET, "B's write changed A's budget to %s", val);

	kt_halt();
	return 0;
}
