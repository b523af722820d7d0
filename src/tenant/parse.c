// SPDX-License-Identifier: GPL-2.0
/* Parsing and checking of tenant descriptions, before anything changes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tenant.h"
#include "tenant_int.h"

int tenant_fail(struct tenant_error *e, int err, const char *field,
		const char *fmt, ...)
{
	va_list ap;

	if (e) {
		snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}

int tenant_parse_addr(const char *s, struct tenant_prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, p->addr) == 1) {
		p->family = AF_INET;
		p->len = 32;
	} else if (inet_pton(AF_INET6, s, p->addr) == 1) {
		p->family = AF_INET6;
		p->len = 128;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* A prefix length as people write it: decimal digits only, no sign, no
 * leading zero, no spaces ("/+24", "/024" and "/ 24" are typos, not 24). */
static int parse_prefix_len(const char *s, int max)
{
	int len = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		len = len * 10 + (*s - '0');
		if (len > max)
			return -EINVAL;
	}
	return len;
}

int tenant_parse_prefix(const char *s, struct tenant_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	int err, len;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	err = tenant_parse_addr(buf, p);
	if (err || !slash)
		return err;
	len = parse_prefix_len(slash + 1, p->len);
	if (len < 0)
		return len;
	p->len = len;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly six pairs of hex digits between colons: sscanf would also take
 * " 1", "+1" or "0x" for a pair. */
int tenant_parse_mac(const char *s, unsigned char mac[6])
{
	unsigned char b[6];
	int i, hi, lo;

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		hi = hexval(s[3 * i]);
		lo = hexval(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		b[i] = hi << 4 | lo;
	}
	memcpy(mac, b, 6);
	return 0;
}

void tenant_format_mac(const unsigned char mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* A unicast MAC that is not all zeros: what a vNIC may use. */
static int mac_usable(const unsigned char mac[6])
{
	static const unsigned char zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6);
}

int tenant_prefix_contains(const struct tenant_prefix *net,
			   const struct tenant_prefix *a)
{
	int bytes = net->len / 8, bits = net->len % 8;

	if (net->family != a->family)
		return 0;
	if (memcmp(net->addr, a->addr, bytes))
		return 0;
	return !bits || !((net->addr[bytes] ^ a->addr[bytes]) & (0xff << (8 - bits)));
}

static int prefix_is_link_local6(const struct tenant_prefix *a)
{
	return a->family == AF_INET6 && a->addr[0] == 0xfe &&
	       (a->addr[1] & 0xc0) == 0x80;
}

/* What an address is, as far as what a vNIC, a gateway or a neighbour
 * may be goes. */
enum addr_kind { ADDR_UNICAST, ADDR_UNSPEC, ADDR_LOOPBACK, ADDR_MULTICAST,
		 ADDR_BROADCAST, ADDR_MAPPED };

static const char *const addr_kind_name[] = {
	[ADDR_UNSPEC] = "the unspecified address",
	[ADDR_LOOPBACK] = "a loopback address",
	[ADDR_MULTICAST] = "a multicast address",
	[ADDR_BROADCAST] = "the broadcast address",
	[ADDR_MAPPED] = "an IPv4-mapped address",
};

static enum addr_kind addr_kind(const struct tenant_prefix *a)
{
	static const unsigned char zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const unsigned char ones[4] = { 0xff, 0xff, 0xff, 0xff };

	if (a->family == AF_INET) {
		if (!memcmp(a->addr, zero, 4))
			return ADDR_UNSPEC;
		if (a->addr[0] == 127)
			return ADDR_LOOPBACK;
		if ((a->addr[0] & 0xf0) == 0xe0)
			return ADDR_MULTICAST;
		return memcmp(a->addr, ones, 4) ? ADDR_UNICAST : ADDR_BROADCAST;
	}
	if (!memcmp(a->addr, zero, 16))
		return ADDR_UNSPEC;
	if (!memcmp(a->addr, zero, 15) && a->addr[15] == 1)
		return ADDR_LOOPBACK;
	if (a->addr[0] == 0xff)
		return ADDR_MULTICAST;
	return memcmp(a->addr, mapped, 12) ? ADDR_UNICAST : ADDR_MAPPED;
}

static const char *addr_str(const struct tenant_prefix *a, char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(a->family, a->addr, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

/* The link-local address the kernel gives a vNIC itself (EUI-64). */
static int is_mac_linklocal(const struct tenant_prefix *a, const unsigned char mac[6])
{
	unsigned char ll[16] = { 0xfe, 0x80, [8] = mac[0] ^ 2, mac[1], mac[2], 0xff,
				 0xfe, mac[3], mac[4], mac[5] };

	return a->family == AF_INET6 && a->len == 64 && !memcmp(a->addr, ll, 16);
}

/*
 * An address for vNIC @v: one that the kernel keeps as given, so that it
 * reads back, can be deleted and survives a restart.  The kernel drops
 * 0.0.0.0 silently, hides the link-local address it made itself, and
 * takes IPv6 off a link under 1280 bytes.
 */
int tenant_check_addr(const struct tenant_vnic_spec *v, const struct tenant_prefix *p,
		      const char *field, struct tenant_error *e)
{
	enum addr_kind k;
	char buf[INET6_ADDRSTRLEN];

	if (p->family != AF_INET && p->family != AF_INET6)
		return tenant_fail(e, -EINVAL, field, "not an address/prefix");
	k = addr_kind(p);
	if (k != ADDR_UNICAST)
		return tenant_fail(e, -EINVAL, field, "%s is %s, not a vNIC's address",
				   addr_str(p, buf), addr_kind_name[k]);
	if (p->len == 0)
		return tenant_fail(e, -EINVAL, field, "a /0 prefix would put every address "
				   "on this link");
	if (p->family == AF_INET6 && v->mtu && v->mtu < 1280)
		return tenant_fail(e, -EINVAL, field, "IPv6 needs an MTU of at least 1280, "
				   "not %u", v->mtu);
	if (is_mac_linklocal(p, v->mac))
		return tenant_fail(e, -EINVAL, field, "the kernel makes %s/64 itself from "
				   "the MAC", addr_str(p, buf));
	return 0;
}

/* Does @p have bits set past its length? */
static int host_bits_set(const struct tenant_prefix *p)
{
	int n = p->family == AF_INET ? 4 : 16, i;

	for (i = p->len / 8; i < n; i++) {
		unsigned char mask = i == p->len / 8 ? 0xff >> (p->len % 8) : 0xff;

		if (p->addr[i] & mask)
			return 1;
	}
	return 0;
}

static int name_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (!n || n > max)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return 0;
	return 1;
}

int tenant_check_name(const char *name, struct tenant_error *e)
{
	if (!name_ok(name, TENANT_NAME_MAX) || name[0] == '.')
		return tenant_fail(e, -EINVAL, "name",
				   "tenant names are 1-%d of A-Z a-z 0-9 - _ .",
				   TENANT_NAME_MAX);
	return 0;
}

int tenant_check_vnic(const struct tenant_vnic_spec *v, const char *field,
		      struct tenant_error *e)
{
	char f[96];
	int i;

	snprintf(f, sizeof(f), "%s.name", field);
	if (!name_ok(v->name, IFNAMSIZ - 1) || !strcmp(v->name, "lo") ||
	    v->name[0] == '.')
		return tenant_fail(e, -EINVAL, f, "bad vNIC name \"%s\"", v->name);
	/* The kernel refuses them: they name every link's sysctls. */
	if (!strcmp(v->name, "all") || !strcmp(v->name, "default"))
		return tenant_fail(e, -EINVAL, f, "\"%s\" is the kernel's (net.*.conf.%s)",
				   v->name, v->name);
	snprintf(f, sizeof(f), "%s.mac", field);
	if (!mac_usable(v->mac))
		return tenant_fail(e, -EINVAL, f, "not a unicast MAC address");
	snprintf(f, sizeof(f), "%s.mtu", field);
	if (v->mtu && (v->mtu < 68 || v->mtu > 9000))
		return tenant_fail(e, -EINVAL, f, "MTU %u is not in 68-9000", v->mtu);
	snprintf(f, sizeof(f), "%s.vlan", field);
	if (v->vlan < -1 || v->vlan > 4094)
		return tenant_fail(e, -EINVAL, f, "VLAN %d is not in 0-4094", v->vlan);
	for (i = 0; i < v->naddrs; i++) {
		int err;

		snprintf(f, sizeof(f), "%s.addresses[%d]", field, i);
		err = tenant_check_addr(v, &v->addrs[i], f, e);
		if (err)
			return err;
	}
	return 0;
}

/* Is @gw on one of the links of @vnics (the one named @dev, if set)? */
static int gateway_on_link(const struct tenant_spec *s,
			   const struct tenant_route_spec *r)
{
	int i, j;

	if (prefix_is_link_local6(&r->via))
		return r->dev[0] != '\0';
	for (i = 0; i < s->nvnics; i++) {
		if (r->dev[0] && strcmp(r->dev, s->vnics[i].name))
			continue;
		for (j = 0; j < s->vnics[i].naddrs; j++)
			if (tenant_prefix_contains(&s->vnics[i].addrs[j], &r->via))
				return 1;
	}
	return 0;
}

int tenant_check_route(const struct tenant_spec *s,
		       const struct tenant_route_spec *r, const char *field,
		       struct tenant_error *e)
{
	char f[96];
	int i, found = !r->dev[0];

	char buf[INET6_ADDRSTRLEN];
	enum addr_kind k;

	snprintf(f, sizeof(f), "%s.dst", field);
	if (r->dst.family != AF_INET && r->dst.family != AF_INET6)
		return tenant_fail(e, -EINVAL, f, "not a destination prefix");
	/* IPv6 would clear them silently: the route read back would not be
	 * the one asked for. */
	if (host_bits_set(&r->dst))
		return tenant_fail(e, -EINVAL, f, "%s/%d has bits set past its length",
				   addr_str(&r->dst, buf), r->dst.len);
	/* The local table's routes for them come first: such a route would
	 * never be used. */
	if (addr_kind(&r->dst) == ADDR_LOOPBACK && r->dst.len >= (r->dst.family == AF_INET ? 8 : 128))
		return tenant_fail(e, -EINVAL, f, "loopback destinations are the kernel's own");
	snprintf(f, sizeof(f), "%s.table", field);
	if (r->table == 255 || r->table > 0x7fffffff)
		return tenant_fail(e, -EINVAL, f, "table %u is not main, 1-254 or "
				   "256-2147483647 (255 is the kernel's local table)", r->table);
	snprintf(f, sizeof(f), "%s.dev", field);
	for (i = 0; i < s->nvnics && !found; i++)
		found = !strcmp(r->dev, s->vnics[i].name);
	if (!found)
		return tenant_fail(e, -EINVAL, f, "no vNIC \"%s\"", r->dev);
	if (r->blackhole && (r->has_via || r->dev[0]))
		return tenant_fail(e, -EINVAL, field,
				   "a blackhole route has no gateway or device");
	if (!r->blackhole && !r->has_via && !r->dev[0])
		return tenant_fail(e, -EINVAL, field, "a route needs via or dev");
	snprintf(f, sizeof(f), "%s.via", field);
	if (r->has_via && r->via.family != r->dst.family)
		return tenant_fail(e, -EINVAL, f, "gateway and destination differ in family");
	if (r->has_via && (k = addr_kind(&r->via)) != ADDR_UNICAST)
		return tenant_fail(e, -EINVAL, f, "%s is %s, not a gateway",
				   addr_str(&r->via, buf), addr_kind_name[k]);
	if (r->has_via && !gateway_on_link(s, r))
		return tenant_fail(e, -ENETUNREACH, f,
				   "gateway is on none of the tenant's links");
	return 0;
}

int tenant_check_sysctl(const struct tenant_sysctl *c, const char *field,
			struct tenant_error *e)
{
	const char *p;

	if (!c->name[0] || strstr(c->name, "..") || c->name[0] == '.' ||
	    c->name[0] == '/')
		return tenant_fail(e, -EINVAL, field, "bad sysctl name \"%s\"", c->name);
	for (p = c->name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_-./", *p))
			return tenant_fail(e, -EINVAL, field, "bad sysctl name \"%s\"",
					   c->name);
	/* Only the net tree is a namespace's own: kernel.*, vm.* and the
	 * rest are the whole appliance's, every tenant's at once. */
	if (strncmp(c->name, "net.", 4) && strncmp(c->name, "net/", 4))
		return tenant_fail(e, -EINVAL, field, "\"%s\" is not a tenant's sysctl "
				   "(only net.* are)", c->name);
	if (!c->value[0])	/* the kernel would take it and change nothing */
		return tenant_fail(e, -EINVAL, field, "an empty value");
	for (p = c->value; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return tenant_fail(e, -EINVAL, field, "control characters in the value");
	return 0;
}

static int neigh_check(const struct tenant_spec *s,
		       const struct tenant_neigh_spec *n, const char *field,
		       struct tenant_error *e)
{
	char f[96], buf[INET6_ADDRSTRLEN];
	int i;

	snprintf(f, sizeof(f), "%s.dev", field);
	for (i = 0; i < s->nvnics && strcmp(n->dev, s->vnics[i].name); i++)
		;
	if (i == s->nvnics)
		return tenant_fail(e, -EINVAL, f, "no vNIC \"%s\"", n->dev);
	snprintf(f, sizeof(f), "%s.ip", field);
	if (n->ip.family != AF_INET && n->ip.family != AF_INET6)
		return tenant_fail(e, -EINVAL, f, "not an address");
	if (addr_kind(&n->ip) != ADDR_UNICAST)
		return tenant_fail(e, -EINVAL, f, "%s is %s, not a neighbour's",
				   addr_str(&n->ip, buf), addr_kind_name[addr_kind(&n->ip)]);
	snprintf(f, sizeof(f), "%s.mac", field);
	if (!mac_usable(n->mac))
		return tenant_fail(e, -EINVAL, f, "not a unicast MAC address");
	return 0;
}

/* Everything that can be checked without the kernel, in spec order. */
int tenant_check_spec(const struct tenant_spec *s, struct tenant_error *e)
{
	char f[64];
	int i, j, err;

	err = tenant_check_name(s->name, e);
	for (i = 0; !err && i < s->nvnics; i++) {
		snprintf(f, sizeof(f), "vnics[%d]", i);
		err = tenant_check_vnic(&s->vnics[i], f, e);
		for (j = 0; !err && j < i; j++) {
			if (!strcmp(s->vnics[i].name, s->vnics[j].name))
				err = tenant_fail(e, -EEXIST, strcat(f, ".name"),
						  "vNIC name \"%s\" repeated",
						  s->vnics[i].name);
			else if (!memcmp(s->vnics[i].mac, s->vnics[j].mac, 6))
				err = tenant_fail(e, -EEXIST, strcat(f, ".mac"),
						  "MAC repeated");
		}
	}
	for (i = 0; !err && i < s->nroutes; i++) {
		snprintf(f, sizeof(f), "routes[%d]", i);
		err = tenant_check_route(s, &s->routes[i], f, e);
	}
	for (i = 0; !err && i < s->nsysctls; i++) {
		snprintf(f, sizeof(f), "sysctls[%d]", i);
		err = tenant_check_sysctl(&s->sysctls[i], f, e);
	}
	for (i = 0; !err && i < s->nneighs; i++) {
		snprintf(f, sizeof(f), "neighbours[%d]", i);
		err = neigh_check(s, &s->neighs[i], f, e);
	}
	return err;
}

int tenant_validate(const struct tenant_spec *s, struct tenant_error *e)
{
	return tenant_check_spec(s, e);
}
