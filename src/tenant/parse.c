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

int tenant_parse_prefix(const char *s, struct tenant_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long len;
	int err;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	err = tenant_parse_addr(buf, p);
	if (err || !slash)
		return err;
	if (!slash[1])
		return -EINVAL;
	len = strtol(slash + 1, &end, 10);
	if (*end || len < 0 || len > p->len)
		return -EINVAL;
	p->len = len;
	return 0;
}

int tenant_parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
			 &b[3], &b[4], &b[5], &tail) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
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
		snprintf(f, sizeof(f), "%s.addresses[%d]", field, i);
		if (v->addrs[i].family != AF_INET && v->addrs[i].family != AF_INET6)
			return tenant_fail(e, -EINVAL, f, "not an address/prefix");
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

	snprintf(f, sizeof(f), "%s.dst", field);
	if (r->dst.family != AF_INET && r->dst.family != AF_INET6)
		return tenant_fail(e, -EINVAL, f, "not a destination prefix");
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
	return 0;
}

static int neigh_check(const struct tenant_spec *s,
		       const struct tenant_neigh_spec *n, const char *field,
		       struct tenant_error *e)
{
	char f[96];
	int i;

	snprintf(f, sizeof(f), "%s.dev", field);
	for (i = 0; i < s->nvnics && strcmp(n->dev, s->vnics[i].name); i++)
		;
	if (i == s->nvnics)
		return tenant_fail(e, -EINVAL, f, "no vNIC \"%s\"", n->dev);
	snprintf(f, sizeof(f), "%s.ip", field);
	if (n->ip.family != AF_INET && n->ip.family != AF_INET6)
		return tenant_fail(e, -EINVAL, f, "not an address");
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
