// SPDX-License-Identifier: GPL-2.0
/*
 * An ARP flood from random senders in one namespace's subnet must not
 * take the neighbour table from the others.  The shared limit
 * (gc_thresh3) is raised as the appliance raises it; the flood is
 * larger.  Namespace B must still resolve a new neighbour, and the
 * flooded namespace A must keep its gateway's entry, answer a new
 * client and stay within its own budget (net.core.neigh_max_entries),
 * which is its own: setting it in B leaves A's alone.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "ktest.h"

#define GLOBAL_THRESH	"4096"
#define FLOOD		6000
#define BUDGET		1024		/* the documented default */
#define B_BUDGET	64
#define BATCH		128

/* What a vNIC transmitted: the ARP frames, decoded. */
struct arp_seen {
	unsigned short op;
	unsigned char sha[6];
	unsigned int sip, tip;		/* network order */
};

struct cap {
	struct arp_seen arp[256];
	unsigned int n;
};

static struct cap cap_a, cap_b;

static void cap_tx(void *priv, int vnic, const struct nuse_frame *frames,
		   unsigned int n)
{
	struct cap *c = priv;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const unsigned char *f = frames[i].data;
		struct arp_seen *s;

		if (frames[i].len < 42 || f[12] != 0x08 || f[13] != 0x06)
			continue;
		s = &c->arp[c->n++ % 256];
		s->op = f[20] << 8 | f[21];
		memcpy(s->sha, f + 22, 6);
		memcpy(&s->sip, f + 28, 4);
		memcpy(&s->tip, f + 38, 4);
	}
}

/* 1 if an ARP frame of @op from @sip for @tip went out since @from. */
static int cap_has(const struct cap *c, unsigned int from, int op,
		   const char *sip, const char *tip)
{
	unsigned int i, s = inet_addr(sip), t = inet_addr(tip);

	for (i = from; i < c->n; i++) {
		const struct arp_seen *a = &c->arp[i % 256];

		if (a->op == op && a->sip == s && a->tip == t)
			return 1;
	}
	return 0;
}

static void run_ms(int ms)
{
	kt_run_wires(NULL, 0, NULL, ms);
}

static int mk_vnic(int pid, const unsigned char mac[6], struct cap *c)
{
	struct nuse_vnic_config cfg = { .name = "eth0", .tx = cap_tx, .priv = c,
					.rx_ring = 1024 };

	memcpy(cfg.mac, mac, 6);
	return KT_OK(nuse_call1(pid, NUSE_CALL_VNIC_CREATE, &cfg));
}

static void set_addr(int pid, const char *ip, const char *mask)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	long fd = KT_OK(nuse_call3(pid, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));

	strcpy(ifr.ifr_name, "eth0");
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = inet_addr(ip);
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCSIFADDR, &ifr));
	sin->sin_addr.s_addr = inet_addr(mask);
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCSIFNETMASK, &ifr));
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags |= IFF_UP;
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCSIFFLAGS, &ifr));
	KT_OK(nuse_call1(pid, NUSE_SYS_close, fd));
}

/* A datagram that needs @ip's link address; the result is not checked:
 * a full table makes it fail, which the ARP capture shows. */
static void udp_to(int pid, const char *ip)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = inet_addr(ip) };
	long fd = KT_OK(nuse_call3(pid, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));

	nuse_call6(pid, NUSE_SYS_sendto, fd, "x", 1, 0, &to, sizeof(to));
	KT_OK(nuse_call1(pid, NUSE_SYS_close, fd));
}

/* An ARP frame of @op from (@sha, @sip) to (@dmac, @tip). */
static void arp_frame(unsigned char *f, int op, const unsigned char sha[6],
		      unsigned int sip, const unsigned char dmac[6], unsigned int tip)
{
	static const unsigned char hdr[] = { 0x08, 0x06, 0, 1, 0x08, 0, 6, 4 };

	memset(f, 0, 60);
	memcpy(f, dmac, 6);
	memcpy(f + 6, sha, 6);
	memcpy(f + 12, hdr, sizeof(hdr));
	f[21] = op;
	memcpy(f + 22, sha, 6);
	memcpy(f + 28, &sip, 4);
	if (op == 2)
		memcpy(f + 32, dmac, 6);
	memcpy(f + 38, &tip, 4);
}

static void inject(int vnic, unsigned char (*buf)[60], unsigned int n)
{
	struct nuse_frame fr[BATCH];
	unsigned int i;

	for (i = 0; i < n; i++) {
		fr[i].data = buf[i];
		fr[i].len = 60;
	}
	KT_CHECK(nuse_vnic_rx(vnic, fr, n) == (int)n, "rx ring full");
	run_ms(1);	/* the frames are copied in during this run */
}

static void inject_one(int vnic, int op, const unsigned char sha[6],
		       const char *sip, const unsigned char dmac[6], const char *tip)
{
	unsigned char f[1][60];

	arp_frame(f[0], op, sha, inet_addr(sip), dmac, inet_addr(tip));
	inject(vnic, f, 1);
}

/* @n ARP requests for @tip from random senders in 10.S.0.0/16. */
static void flood(int vnic, const unsigned char dmac[6], int subnet,
		  const char *tip, int n)
{
	static unsigned char buf[BATCH][60];
	static unsigned int seed = 12345;
	unsigned int k = 0;
	int i;

	for (i = 0; i < n; i++) {
		unsigned char sha[6] = { 0x02, 0xee };
		unsigned int r;

		seed = seed * 1103515245 + 12345;
		r = seed >> 4;
		memcpy(sha + 2, &r, 4);
		/* hosts 10.S.1.0 - 10.S.254.255: never the gateway or us */
		arp_frame(buf[k], 1, sha,
			  htonl(10U << 24 | subnet << 16 | (1 + r % 254) << 8 | (r >> 8 & 0xff)),
			  dmac, inet_addr(tip));
		if (++k == BATCH || i == n - 1) {
			inject(vnic, buf, k);
			k = 0;
		}
	}
	run_ms(20);
}

static char arp[1 << 20];

static int arp_entries(int pid)
{
	int n = 0;
	char *p;

	KT_OK(kt_read_file(pid, "/proc/net/arp", arp, sizeof(arp)));
	for (p = arp; (p = strchr(p, '\n')); p++)
		n++;
	return n - 1;	/* the header */
}

/* The line of @ip in /proc/net/arp, which must be complete (0x2). */
static int arp_complete(int pid, const char *ip, const char *mac)
{
	char needle[80];

	KT_OK(kt_read_file(pid, "/proc/net/arp", arp, sizeof(arp)));
	snprintf(needle, sizeof(needle), "%-16s 0x1         0x2         %s", ip, mac);
	return strstr(arp, needle) != NULL;
}

int main(void)
{
	static const unsigned char bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const unsigned char mac_a[6] = { 0x02, 0, 0, 0, 0x0a, 0x01 };
	static const unsigned char mac_b[6] = { 0x02, 0, 0, 0, 0x0b, 0x01 };
	static const unsigned char gw_a[6] = { 0x02, 0, 0, 0, 0x0a, 0xfe };
	static const unsigned char new_b[6] = { 0x02, 0, 0, 0, 0x0b, 0x09 };
	static const unsigned char cli_a[6] = { 0x02, 0, 0, 0, 0x0a, 0x77 };
	char val[32];
	unsigned int mark;
	int a, b, va, vb, n;

	kt_boot(128UL << 20);
	/* As the appliance does at boot: the shared limits out of the way. */
	KT_OK(kt_write_file(1, "/proc/sys/net/ipv4/neigh/default/gc_thresh3", GLOBAL_THRESH));
	KT_OK(kt_write_file(1, "/proc/sys/net/ipv4/neigh/default/gc_thresh2", GLOBAL_THRESH));

	a = kt_spawn(1, NUSE_SPAWN_NEWNET);
	b = kt_spawn(1, NUSE_SPAWN_NEWNET);
	va = mk_vnic(a, mac_a, &cap_a);
	vb = mk_vnic(b, mac_b, &cap_b);
	set_addr(a, "10.1.0.2", "255.255.0.0");
	set_addr(b, "10.2.0.2", "255.255.0.0");

	/* A resolves its gateway before the flood. */
	mark = cap_a.n;
	udp_to(a, "10.1.0.1");
	run_ms(10);
	KT_CHECK(cap_has(&cap_a, mark, 1, "10.1.0.2", "10.1.0.1"), "A sent no ARP request");
	inject_one(va, 2, gw_a, "10.1.0.1", mac_a, "10.1.0.2");
	run_ms(10);
	KT_CHECK(arp_complete(a, "10.1.0.1", "02:00:00:00:0a:fe"), "A's gateway unresolved");

	flood(va, bcast, 1, "10.1.0.2", FLOOD);
	n = arp_entries(a);
	printf("A holds %d neighbour entries after %d ARP requests from random senders\n",
	       n, FLOOD);

	/* B resolves a new neighbour. */
	mark = cap_b.n;
	udp_to(b, "10.2.0.9");
	run_ms(10);
	KT_CHECK(cap_has(&cap_b, mark, 1, "10.2.0.2", "10.2.0.9"),
		 "B cannot resolve a new neighbour while A is flooded");
	inject_one(vb, 2, new_b, "10.2.0.9", mac_b, "10.2.0.2");
	run_ms(10);
	KT_CHECK(arp_complete(b, "10.2.0.9", "02:00:00:00:0b:09"), "B's neighbour unresolved");

	/* A keeps its gateway, stays within its budget, answers a new client. */
	KT_CHECK(arp_complete(a, "10.1.0.1", "02:00:00:00:0a:fe"), "A lost its gateway");
	KT_CHECK(n <= BUDGET, "A holds %d entries, budget %d", n, BUDGET);
	mark = cap_a.n;
	inject_one(va, 1, cli_a, "10.1.0.200", bcast, "10.1.0.2");
	run_ms(10);
	KT_CHECK(cap_has(&cap_a, mark, 2, "10.1.0.2", "10.1.0.200"),
		 "A does not answer a new client after the flood");

	/* The budget is per namespace, readable and writable there: B's
	 * own, smaller one binds B and leaves A's alone. */
	KT_OK(kt_read_file(a, "/proc/sys/net/core/neigh_max_entries", val, sizeof(val)));
	KT_CHECK(atoi(val) == BUDGET, "default budget %s, want %d", val, BUDGET);
	KT_OK(kt_write_file(b, "/proc/sys/net/core/neigh_max_entries", "64"));
	KT_ERR(kt_write_file(b, "/proc/sys/net/core/neigh_max_entries", "0"), EINVAL);
	KT_OK(kt_read_file(a, "/proc/sys/net/core/neigh_max_entries", val, sizeof(val)));
	KT_CHECK(atoi(val) == BUDGET, "B's write changed A's budget to %s", val);
	flood(vb, bcast, 2, "10.2.0.2", 500);
	n = arp_entries(b);
	KT_CHECK(n <= B_BUDGET, "B holds %d entries, budget %d", n, B_BUDGET);
	KT_CHECK(arp_complete(b, "10.2.0.9", "02:00:00:00:0b:09"), "B lost its neighbour");
	printf("B holds %d entries under a budget of %d\n", n, B_BUDGET);

	kt_halt();
	return 0;
}
