// SPDX-License-Identifier: GPL-2.0
/*
 * vNIC offloads (NUSE_VNIC_OFFLOADS): a TCP transfer between two
 * namespaces, IPv4 and IPv6, each byte checked by the receiver, over a
 * wire that carries the frames three ways:
 *  - peer: the tx callback names the other end, and the kernel hands the
 *    frames across itself: TSO super-frames arrive whole;
 *  - software: frames with offloads go back to the kernel to be cut and
 *    checksummed (as for a port without offloads), the rest are copied:
 *    nothing larger than the MTU crosses, and the receiver, told nothing
 *    of checksums, verifies every one;
 *  - pieces: frames are copied with their offloads, and handed to the
 *    other end in pieces (as a chain of mbufs would be): super-frames
 *    received through the rx ring.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "ktest.h"

#define NF	256		/* frames staged per direction and run */
#define BIG	(65536 + 64)
#define PIECE	3000
#define TOTAL	(6u << 20)

enum mode { PEER, SOFTWARE, PIECES };
static const char *const mode_name[] = { "peer", "software", "pieces" };

struct stage {
	unsigned char *buf;		/* NF * BIG */
	struct nuse_frame f[NF];
	struct nuse_seg segs[NF][NUSE_FRAME_SEGS_MAX];
	unsigned int n;
};

static struct {
	enum mode mode;
	int vnic[2];
	struct stage st[2][2];		/* [sender][staging / in flight] */
	int staging;
	unsigned long software;		/* frames sent back to the kernel */
	unsigned long big;		/* frames larger than an MTU on the wire */
} W;

static void stage_frame(int from, const struct nuse_frame *f)
{
	struct stage *s = &W.st[from][W.staging];
	unsigned int len = nuse_frame_len(f), off = 0, i, k;
	unsigned char *p;

	KT_CHECK(len <= BIG, "frame of %u bytes", len);
	if (s->n == NF)
		return;		/* lost, as on a wire: TCP sends again */
	p = s->buf + (size_t)s->n * BIG;
	memcpy(p, f->data, f->len);
	off = f->len;
	for (i = 0; i < f->nsegs; i++) {
		memcpy(p + off, f->segs[i].data, f->segs[i].len);
		off += f->segs[i].len;
	}
	if (len > 1514)
		W.big++;
	s->f[s->n] = (struct nuse_frame){ .data = p, .len = len };
	if (W.mode == PIECES) {
		/* a first piece of 100 bytes, then pieces of PIECE */
		s->f[s->n].off = f->off;
		s->f[s->n].len = len < 100 ? len : 100;
		for (k = 0, off = s->f[s->n].len; off < len; k++, off += PIECE) {
			s->segs[s->n][k].data = p + off;
			s->segs[s->n][k].len = len - off < PIECE ? len - off : PIECE;
		}
		s->f[s->n].nsegs = k;
		s->f[s->n].segs = s->segs[s->n];
	}
	s->n++;
}

static void wire_tx(void *priv, int vnic, struct nuse_frame *frames, unsigned int n)
{
	int from = vnic == W.vnic[1];
	unsigned int i;

	(void)priv;
	for (i = 0; i < n; i++) {
		struct nuse_frame *f = &frames[i];

		if (W.mode == PEER) {
			f->peer = W.vnic[!from];
		} else if (W.mode == SOFTWARE && (f->off.flags || f->off.gso_type)) {
			f->peer = NUSE_PEER_SOFTWARE;
			W.software++;
		} else {
			KT_CHECK(W.mode == PIECES || (!f->nsegs && !f->off.flags),
				 "a frame with offloads came back from software");
			stage_frame(from, f);
		}
	}
}

/* Between runs: last run's frames were consumed, this run's go over. */
static void pump(void)
{
	int s = W.staging, i;

	for (i = 0; i < 2; i++) {
		W.st[i][!s].n = 0;
		if (W.st[i][s].n)
			nuse_vnic_rx(W.vnic[!i], W.st[i][s].f, W.st[i][s].n);
	}
	W.staging = !s;
}

static unsigned char pattern(unsigned long i)
{
	return (unsigned char)(i * 7 + i / 251);
}

static void addr6(int pid, const char *dev, const char *ip)
{
	struct {
		struct in6_addr addr;
		unsigned int prefixlen;
		int ifindex;
	} r = { .prefixlen = 64 };
	struct ifreq ifr = { 0 };
	long fd = KT_OK(nuse_call3(pid, NUSE_SYS_socket, AF_INET6, SOCK_DGRAM, 0));

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCGIFINDEX, &ifr));
	r.ifindex = ifr.ifr_ifindex;
	inet_pton(AF_INET6, ip, &r.addr);
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCSIFADDR, &r));
	KT_OK(nuse_call1(pid, NUSE_SYS_close, fd));
}

/* One transfer of TOTAL bytes from @a to @b at @dst (port 5001). */
static void transfer(int a, int b, int family, const void *dst, socklen_t dlen)
{
	static unsigned char chunk[256 << 10];
	unsigned long sent = 0, got = 0, spins = 0;
	long l, c, s = -1, k, i;

	l = KT_OK(nuse_call3(b, NUSE_SYS_socket, family, SOCK_STREAM | SOCK_NONBLOCK, 0));
	KT_OK(nuse_call3(b, NUSE_SYS_bind, l, dst, dlen));
	KT_OK(nuse_call2(b, NUSE_SYS_listen, l, 1));
	c = KT_OK(nuse_call3(a, NUSE_SYS_socket, family, SOCK_STREAM | SOCK_NONBLOCK, 0));
	k = nuse_call3(a, NUSE_SYS_connect, c, dst, dlen);
	KT_CHECK(k == 0 || k == -EINPROGRESS, "connect: %ld", k);
	while (got < TOTAL) {
		KT_CHECK(++spins < 2000000, "stuck: %lu sent, %lu received", sent, got);
		if (W.mode != PEER) {
			KT_OK(nuse_run());
			pump();
		}
		if (s < 0) {
			s = nuse_call4(b, NUSE_SYS_accept4, l, NULL, NULL, SOCK_NONBLOCK);
			KT_CHECK(s >= 0 || s == -EAGAIN, "accept: %ld", s);
			if (s < 0)
				continue;
		}
		if (sent < TOTAL) {
			unsigned long n = TOTAL - sent < sizeof(chunk) ? TOTAL - sent : sizeof(chunk);

			for (i = 0; i < (long)n; i++)
				chunk[i] = pattern(sent + i);
			k = nuse_call6(a, NUSE_SYS_sendto, c, chunk, n, MSG_DONTWAIT, NULL, 0);
			KT_CHECK(k > 0 || k == -EAGAIN, "send: %ld", k);
			if (k > 0)
				sent += k;
		}
		k = nuse_call6(b, NUSE_SYS_recvfrom, s, chunk, sizeof(chunk), MSG_DONTWAIT,
			       NULL, NULL);
		KT_CHECK(k >= 0 || k == -EAGAIN, "recv: %ld", k);
		for (i = 0; i < k; i++)
			KT_CHECK(chunk[i] == pattern(got + i), "byte %lu wrong", got + i);
		if (k > 0)
			got += k;
	}
	nuse_call1(a, NUSE_SYS_close, c);
	nuse_call1(b, NUSE_SYS_close, s);
	nuse_call1(b, NUSE_SYS_close, l);
}

static void run(enum mode mode)
{
	static const unsigned char mac[2][6] = { { 2, 0, 0, 0, 0xa, 1 }, { 2, 0, 0, 0, 0xa, 2 } };
	struct sockaddr_in d4 = { .sin_family = AF_INET, .sin_port = htons(5001) };
	struct sockaddr_in6 d6 = { .sin6_family = AF_INET6, .sin6_port = htons(5001) };
	struct nuse_vnic_stats st;
	int pid[2], i;

	memset(W.st, 0, sizeof(W.st));
	W.mode = mode;
	W.software = W.big = 0;
	for (i = 0; i < 2; i++) {
		W.st[i][0].buf = calloc(NF, BIG);
		W.st[i][1].buf = calloc(NF, BIG);
		KT_CHECK(W.st[i][0].buf && W.st[i][1].buf, "out of memory");
		pid[i] = kt_spawn(1, 0);
		KT_OK(nuse_call1(pid[i], NUSE_SYS_unshare, CLONE_NEWNET));
		kt_lo_up(pid[i]);
		kt_write_file(pid[i], "/proc/sys/net/ipv6/conf/default/accept_dad", "0");
	}
	for (i = 0; i < 2; i++) {
		struct nuse_vnic_config c = { .tx = wire_tx, .flags = NUSE_VNIC_OFFLOADS };
		char ip[32];

		snprintf(c.name, sizeof(c.name), "eth0");
		memcpy(c.mac, mac[i], 6);
		W.vnic[i] = KT_OK(nuse_call1(pid[i], NUSE_CALL_VNIC_CREATE, &c));
		snprintf(ip, sizeof(ip), "10.9.0.%d", i + 1);
		kt_if_addr(pid[i], "eth0", ip, "255.255.255.0");
		snprintf(ip, sizeof(ip), "fd09::%d", i + 1);
		addr6(pid[i], "eth0", ip);
	}
	inet_pton(AF_INET, "10.9.0.2", &d4.sin_addr);
	inet_pton(AF_INET6, "fd09::2", &d6.sin6_addr);
	transfer(pid[0], pid[1], AF_INET, &d4, sizeof(d4));
	transfer(pid[0], pid[1], AF_INET6, &d6, sizeof(d6));
	KT_OK(nuse_vnic_stats(W.vnic[1], &st));
	printf("%s: %llu frames, %llu bytes in (%llu from the peer), %lu back to software, "
	       "%lu over an MTU on the wire\n", mode_name[mode], st.rx_packets, st.rx_bytes,
	       st.rx_peer_packets, W.software, W.big);
	switch (mode) {
	case PEER:
		KT_CHECK(st.rx_peer_packets == st.rx_packets, "frames not from the peer");
		KT_CHECK(st.rx_bytes / st.rx_packets > 3000,
			 "%llu bytes a frame: super-frames did not cross whole",
			 st.rx_bytes / st.rx_packets);
		break;
	case SOFTWARE:
		KT_CHECK(W.software > 0 && W.big == 0, "no software segmentation");
		break;
	case PIECES:
		KT_CHECK(W.big > 0, "no super-frame in pieces");
		KT_CHECK(st.rx_peer_packets == 0, "frames from the peer");
		break;
	}
	for (i = 0; i < 2; i++) {
		KT_OK(nuse_call1(pid[i], NUSE_CALL_VNIC_DESTROY, W.vnic[i]));
		KT_OK(nuse_call0(pid[i], NUSE_CALL_EXIT));
		free(W.st[i][0].buf);
		free(W.st[i][1].buf);
	}
	printf("ok: %s: %u bytes checked, IPv4 and IPv6\n", mode_name[mode], TOTAL);
}

int main(void)
{
	kt_boot(256UL << 20);
	run(PEER);
	run(SOFTWARE);
	run(PIECES);
	kt_halt();
	return 0;
}
