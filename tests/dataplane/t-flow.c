// SPDX-License-Identifier: GPL-2.0
/*
 * The software flow hash that spreads frames over workers: the same flow
 * hashes alike whatever its payload, TTL, VLAN priority or fragment's
 * ports; different flows spread over the workers; truncated and odd
 * frames hash without reading past their end (run under ASan in CI).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "unit/check.h"


/* An Ethernet + IPv4 + UDP frame (optionally 802.1Q-tagged) of @len. */
static unsigned int udp4(unsigned char *f, int vlan, unsigned int src, unsigned short sport,
			 unsigned short dport, unsigned char ttl, unsigned char fill)
{
	unsigned char *ip = f + 14;
	unsigned int n = 64;

	memset(f, fill, n + 4);
	memcpy(f, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
	if (vlan >= 0) {
		f[12] = 0x81;
		f[13] = 0;
		f[14] = (vlan >> 8) | (fill & 0xe0);	/* priority bits vary */
		f[15] = vlan & 0xff;
		ip += 4;
		n += 4;
	}
	ip[-2] = 0x08;
	ip[-1] = 0x00;
	ip[0] = 0x45;
	ip[6] = ip[7] = 0;
	ip[8] = ttl;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\0\0", 3);
	ip[15] = src;
	memcpy(ip + 16, "\x0a\0\x01\x01", 4);
	ip[20] = sport >> 8;
	ip[21] = sport & 0xff;
	ip[22] = dport >> 8;
	ip[23] = dport & 0xff;
	return n;
}

static void same_flow(void)
{
	unsigned char a[128], b[128];
	unsigned int na = udp4(a, -1, 7, 1000, 53, 64, 0x00);
	unsigned int nb = udp4(b, -1, 7, 1000, 53, 3, 0xff);

	CHECK(flow_hash(a, na) == flow_hash(b, nb), "payload and TTL changed the hash");
	na = udp4(a, 100, 7, 1000, 53, 64, 0x00);
	nb = udp4(b, 100, 7, 1000, 53, 64, 0xe0);
	CHECK(flow_hash(a, na) == flow_hash(b, nb), "the VLAN priority changed the hash");
	nb = udp4(b, 100, 7, 1001, 53, 64, 0x00);
	CHECK(flow_hash(a, na) != flow_hash(b, nb), "another source port, the same hash");
}

/* A fragment after the first has no ports: every fragment of a datagram
 * must hash as the first one does, on the addresses only. */
static void fragments(void)
{
	unsigned char a[128], b[128];
	unsigned int na = udp4(a, -1, 9, 1000, 53, 64, 0), nb = udp4(b, -1, 9, 4242, 99, 64, 0);

	a[14 + 6] = 0x20;		/* MF: the first fragment */
	b[14 + 6] = 0x00;		/* the last, at offset 185 * 8 */
	b[14 + 7] = 185;
	CHECK(flow_hash(a, na) == flow_hash(b, nb), "fragments of one datagram hash apart");
}

static void spread(void)
{
	unsigned int buckets[2] = { 0 }, i, n;
	unsigned char f[128];

	for (i = 0; i < 1024; i++) {
		n = udp4(f, -1, i & 0xff, 1024 + i, 9, 64, 0);
		buckets[flow_hash(f, n) % 2]++;
	}
	CHECK(buckets[0] > 400 && buckets[1] > 400, "1024 flows over 2 workers: %u and %u",
	      buckets[0], buckets[1]);
}

static void ipv6(void)
{
	unsigned char f[128] = { 0 }, g[128];

	memcpy(f + 12, "\x86\xdd", 2);
	f[14] = 0x60;
	f[14 + 6] = 6;			/* TCP */
	f[14 + 8 + 15] = 1;
	f[14 + 24 + 15] = 2;
	f[54] = 0x30;			/* ports */
	f[56] = 0x50;
	memcpy(g, f, sizeof(g));
	g[60] = 0x99;			/* beyond the ports */
	CHECK(flow_hash(f, 80) == flow_hash(g, 80), "IPv6: payload changed the hash");
	g[54] = 0x31;
	CHECK(flow_hash(f, 80) != flow_hash(g, 80), "IPv6: another port, the same hash");
	/* an extension header: addresses only, whatever follows */
	f[14 + 6] = 44;
	memcpy(g, f, sizeof(g));
	g[54] = 0x77;
	CHECK(flow_hash(f, 80) == flow_hash(g, 80), "IPv6 fragment header: bytes after it hashed");
}

/* Every length of every kind of frame, in a buffer of exactly that
 * length: nothing read past it, never 0. */
static void truncated(void)
{
	unsigned char full[128], v6[128] = { 0 };
	unsigned int len, n = udp4(full, 4094, 1, 2, 3, 4, 5);

	memcpy(v6 + 12, "\x81\x00\x00\x05\x86\xdd\x60", 7);
	v6[18 + 6] = 17;
	for (len = 0; len <= n; len++) {
		unsigned char *a = malloc(len ? len : 1), *b = malloc(len ? len : 1);

		memcpy(a, full, len);
		memcpy(b, v6, len);
		CHECK(flow_hash(a, len) != 0, "IPv4 frame of %u bytes hashed to 0", len);
		CHECK(flow_hash(b, len) != 0, "IPv6 frame of %u bytes hashed to 0", len);
		if (len > 18) {		/* a[18]: the IPv4 header's first byte */
			a[18] = 0x4f;	/* IHL past the frame's end */
			flow_hash(a, len);
			a[18] = 0x41;	/* IHL below 20 */
			flow_hash(a, len);
		}
		free(a);
		free(b);
	}
}

int main(void)
{
	same_flow();
	fragments();
	spread();
	ipv6();
	truncated();
	if (!failed)
		printf("ok\n");
	return failed;
}
