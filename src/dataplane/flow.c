// SPDX-License-Identifier: GPL-2.0
/* A frame's flow hash; see flow.h. */
#include <string.h>

#include <rte_jhash.h>

#include "flow.h"

#define ETH_HLEN	14
#define SEED		0x6e757365u

static int has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 136 || proto == 132;
}

static uint32_t nonzero(uint32_t h)
{
	return h ? h : 1;
}

static uint32_t l2_hash(const unsigned char *p, unsigned int len)
{
	uint32_t w[4] = { 0 };

	memcpy(w, p, len < ETH_HLEN ? len : ETH_HLEN);
	return nonzero(rte_jhash_32b(w, 4, SEED ^ len));
}

static uint32_t ports_at(const unsigned char *l4, const unsigned char *end)
{
	uint32_t ports;

	if (end - l4 < 4)
		return 0;
	memcpy(&ports, l4, 4);
	return ports;
}

static uint32_t ipv4_hash(const unsigned char *ip, const unsigned char *end,
			  const unsigned char *p, unsigned int len)
{
	unsigned int ihl;
	uint32_t a, b, ports = 0;
	uint16_t frag;

	if (end - ip < 20 || ip[0] >> 4 != 4)
		return l2_hash(p, len);
	ihl = (ip[0] & 0x0f) * 4;
	if (ihl < 20)
		return l2_hash(p, len);
	memcpy(&a, ip + 12, 4);
	memcpy(&b, ip + 16, 4);
	frag = (uint16_t)(ip[6] << 8 | ip[7]) & 0x3fff;	/* MF and the offset */
	if (!frag && has_ports(ip[9]) && end - ip >= ihl)
		ports = ports_at(ip + ihl, end);
	return nonzero(rte_jhash_3words(a, b, ports, SEED ^ ip[9]));
}

static uint32_t ipv6_hash(const unsigned char *ip, const unsigned char *end,
			  const unsigned char *p, unsigned int len)
{
	uint32_t w[9];

	if (end - ip < 40 || ip[0] >> 4 != 6)
		return l2_hash(p, len);
	memcpy(w, ip + 8, 32);
	/* ports only right after the fixed header: a frame with extension
	 * headers (fragments among them) hashes on its addresses alone */
	w[8] = has_ports(ip[6]) ? ports_at(ip + 40, end) : 0;
	return nonzero(rte_jhash_32b(w, 9, SEED ^ ip[6]));
}

uint32_t flow_hash(const unsigned char *p, unsigned int len)
{
	const unsigned char *end = p + len, *l3 = p + ETH_HLEN;
	unsigned int type;

	if (len < ETH_HLEN)
		return l2_hash(p, len);
	type = p[12] << 8 | p[13];
	if (type == 0x8100) {
		if (len < ETH_HLEN + 4)
			return l2_hash(p, len);
		type = p[16] << 8 | p[17];
		l3 += 4;
	}
	if (type == 0x0800)
		return ipv4_hash(l3, end, p, len);
	if (type == 0x86dd)
		return ipv6_hash(l3, end, p, len);
	return l2_hash(p, len);
}
