// SPDX-License-Identifier: GPL-2.0
/*
 * An ARP flood from random senders in one namespace's subnet must not
 * take the neighbour table from the others.  The shared limit
 * (gc_thresh3) is raised as the appliance raises it; the flood is
 * larger.  Namespace B must still resolve a new neighbour, and the
 * flooded namespace A must keep its gateway's entry, answer a new
 * client and stay within its own budget (net.core.neigh_max_entries),
 * which is its own: setting it in B leaves A's alone.  The same for
 * IPv6: a flood of neighbour solicitations from random senders on A
 * leaves B resolving a new IPv6 neighbour.
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
	unsigned char ns_target[256][16];	/* neighbour solicitations */
	unsigned int nns;
};

static struct cap cap_a, cap_b;

static void cap_tx(void *priv, int vnic, struct nuse_frame *frames,
		   unsigned int n)
{
	struct cap *c = priv;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const unsigned char *f = frames[i].data;
		struct arp_seen *s;

		if (frames[i].len >= 78 && f[12] == 0x86 && f[13] == 0xdd &&
		    f[20] == 58 && f[54] == 135) {
			memcpy(c->ns_target[c->nns++ % 256], f + 62, 16);
			continue;
		}
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

/* 1 if a neighbour solicitation for @ip went out since @from. */
static int cap_has_ns(const struct cap *c, unsigned int from, const char *ip)
{
	unsigned char t[16];
	unsigned int i;

	inet_pton(AF_INET6, ip, t);
	for (i = from; i < c->nns; i++)
		if (!memcmp(c->ns_target[i % 256], t, 16))
			return 1;
	return 0;
}

static void run_ms(int ms)
{
	kt_run_wires(NULL, 0, NULL, ms);
}

/* Drive the kernel for @ms, sleeping while it is idle. */
static void sleep_ms(int ms)
{
	unsigned long long end = nuse_host_now() + ms * 1000000ULL;

	while (nuse_host_now() < end)
		KT_OK(nuse_host_step(10000000ULL));
}

static int mk_vnic(int pid, const unsigned char mac[6], struct cap *c,
		   int *ifindex)
{
	struct nuse_vnic_config cfg = { .name = "eth0", .tx = cap_tx, .priv = c,
					.rx_ring = 1024 };
	int id;

	memcpy(cfg.mac, mac, 6);
	id = KT_OK(nuse_call1(pid, NUSE_CALL_VNIC_CREATE, &cfg));
	*ifindex = cfg.ifindex;
	return id;
}

/* The kernel's struct in6_ifreq. */
struct kt_in6_ifreq {
	struct in6_addr addr;
	unsigned int prefixlen;
	int ifindex;
};

/* @ip/64 on eth0, usable at once (no DAD). */
static void set_addr6(int pid, int ifindex, const char *ip)
{
	struct kt_in6_ifreq r = { .prefixlen = 64, .ifindex = ifindex };
	long fd;

	KT_OK(kt_write_file(pid, "/proc/sys/net/ipv6/conf/eth0/accept_dad", "0"));
	inet_pton(AF_INET6, ip, &r.addr);
	fd = KT_OK(nuse_call3(pid, NUSE_SYS_socket, AF_INET6, SOCK_DGRAM, 0));
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCSIFADDR, &r));
	KT_OK(nuse_call1(pid, NUSE_SYS_close, fd));
}

static void udp6_to(int pid, const char *ip)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	long fd = KT_OK(nuse_call3(pid, NUSE_SYS_socket, AF_INET6, SOCK_DGRAM, 0));

	inet_pton(AF_INET6, ip, &to.sin6_addr);
	nuse_call6(pid, NUSE_SYS_sendto, fd, "x", 1, 0, &to, sizeof(to));
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
	struct nuse_frame fr[BATCH] = { { 0 } };
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

/* A neighbour solicitation for @tip from (@sha, @sip) with its source
 * link-layer address, as a host resolving @tip sends it: 86 bytes. */
static void ns_frame(unsigned char *f, const unsigned char sha[6],
		     const unsigned char sip[16], const unsigned char dmac[6],
		     const unsigned char tip[16])
{
	unsigned char *ip = f + 14, *icmp = f + 54;
	unsigned long sum = 32 + 58;
	int i;

	memset(f, 0, 86);
	memcpy(f, dmac, 6);
	memcpy(f + 6, sha, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	ip[0] = 0x60;
	ip[5] = 32;			/* payload length */
	ip[6] = 58;			/* ICMPv6 */
	ip[7] = 255;			/* hop limit */
	memcpy(ip + 8, sip, 16);
	memcpy(ip + 24, tip, 16);
	icmp[0] = 135;
	memcpy(icmp + 8, tip, 16);
	icmp[24] = 1;			/* source link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, sha, 6);
	for (i = 0; i < 32; i += 2)	/* pseudo-header addresses */
		sum += ip[8 + i] << 8 | ip[9 + i];
	for (i = 0; i < 32; i += 2)
		sum += icmp[i] << 8 | icmp[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	icmp[2] = ~sum >> 8;
	icmp[3] = ~sum & 0xff;
}

/* @n solicitations for @tip from random senders in @tip's /64. */
static void flood6(int vnic, const unsigned char dmac[6], const char *tip, int n)
{
	static unsigned char buf[BATCH][86];
	static unsigned int seed = 54321;
	struct nuse_frame fr[BATCH] = { { 0 } };
	unsigned char t[16], sip[16];
	unsigned int k = 0;
	int i;

	inet_pton(AF_INET6, tip, t);
	for (i = 0; i < n; i++) {
		unsigned char sha[6] = { 0x02, 0xed };
		unsigned int r;

		seed = seed * 1103515245 + 12345;
		r = seed;
		memcpy(sha + 2, &r, 4);
		memcpy(sip, t, 8);
		memset(sip + 8, 0, 4);
		memcpy(sip + 12, &r, 4);
		sip[12] |= 0x80;	/* never the low addresses the test uses */
		ns_frame(buf[k], sha, sip, dmac, t);
		fr[k].data = buf[k];
		fr[k].len = 86;
		if (++k == BATCH || i == n - 1) {
			KT_CHECK(nuse_vnic_rx(vnic, fr, k) == (int)k, "rx ring full");
			run_ms(1);
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
	int a, b, va, vb, ia, ib, n;

	kt_boot(128UL << 20);
	/* As the appliance does at boot: the shared limits out of the way. */
	KT_OK(kt_write_file(1, "/proc/sys/net/ipv4/neigh/default/gc_thresh3", GLOBAL_THRESH));
	KT_OK(kt_write_file(1, "/proc/sys/net/ipv4/neigh/default/gc_thresh2", GLOBAL_THRESH));
	KT_OK(kt_write_file(1, "/proc/sys/net/ipv6/neigh/default/gc_thresh3", GLOBAL_THRESH));
	KT_OK(kt_write_file(1, "/proc/sys/net/ipv6/neigh/default/gc_thresh2", GLOBAL_THRESH));

	a = kt_spawn(1, NUSE_SPAWN_NEWNET);
	b = kt_spawn(1, NUSE_SPAWN_NEWNET);
	va = mk_vnic(a, mac_a, &cap_a, &ia);
	vb = mk_vnic(b, mac_b, &cap_b, &ib);
	kt_if_addr(a, "eth0", "10.1.0.2", "255.255.0.0");
	kt_if_addr(b, "eth0", "10.2.0.2", "255.255.0.0");
	set_addr6(a, ia, "fd01::2");
	set_addr6(b, ib, "fd02::2");

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

	/* IPv6: a flood of solicitations on A; B resolves a new neighbour.
	 * That the flood took effect shows in A, which cannot for now
	 * (see below). */
	flood6(va, mac_a, "fd01::2", FLOOD);
	mark = cap_a.nns;
	udp6_to(a, "fd01::8");
	run_ms(10);
	KT_CHECK(!cap_has_ns(&cap_a, mark, "fd01::8"), "the IPv6 flood made no entries");
	mark = cap_b.nns;
	udp6_to(b, "fd02::9");
	run_ms(10);
	KT_CHECK(cap_has_ns(&cap_b, mark, "fd02::9"),
		 "B cannot resolve a new IPv6 neighbour while A is flooded");
	/* A's ARP budget is not its NDISC budget. */
	mark = cap_a.n;
	inject_one(va, 1, cli_a, "10.1.0.201", bcast, "10.1.0.2");
	run_ms(10);
	KT_CHECK(cap_has(&cap_a, mark, 2, "10.1.0.2", "10.1.0.201"),
		 "A does not answer a new ARP client after an IPv6 flood");
	/* Answering a solicitation puts its sender in DELAY, with a timer:
	 * A makes no new IPv6 entry until the flood's entries have failed
	 * (5 s delay, 3 probes 1 s apart), then makes room among them. */
	sleep_ms(9500);
	mark = cap_a.nns;
	udp6_to(a, "fd01::9");
	run_ms(10);
	KT_CHECK(cap_has_ns(&cap_a, mark, "fd01::9"),
		 "A cannot resolve a new IPv6 neighbour after its flood");

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
