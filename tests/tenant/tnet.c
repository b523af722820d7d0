// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "tnet.h"

struct kt_wire *tn_wire_of[TN_MAX_VNICS];

static void tn_tx(void *priv, int vnic, struct nuse_frame *frames,
		  unsigned int n)
{
	if (vnic >= 0 && vnic < TN_MAX_VNICS)
		kt_wire_tx(tn_wire_of[vnic], vnic, frames, n);
}

void tn_init(void)
{
	struct tenant_io io = { .tx = tn_tx };

	KT_OK(tenant_init(&io));
}

void tn_connect(struct kt_wire *w, const char *ta, const char *va,
		const char *tb, const char *vb)
{
	int a = tenant_vnic_id(tenant_find(ta), va);
	int b = tenant_vnic_id(tenant_find(tb), vb);

	KT_CHECK(a >= 0 && b >= 0, "no vNIC %s/%s or %s/%s", ta, va, tb, vb);
	w->vnic[0] = a;
	w->vnic[1] = b;
	tn_wire_of[a] = tn_wire_of[b] = w;
}

void tn_spec(struct tn_spec *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->spec.name, sizeof(s->spec.name), "%s", name);
	s->spec.vnics = s->vnics;
	s->spec.routes = s->routes;
	s->spec.sysctls = s->sysctls;
}

int tn_vnic(struct tn_spec *s, const char *name, const char *mac, ...)
{
	int i = s->spec.nvnics++;
	struct tenant_vnic_spec *v = &s->vnics[i];
	const char *a;
	va_list ap;

	snprintf(v->name, sizeof(v->name), "%s", name);
	KT_OK(tenant_parse_mac(mac, v->mac));
	v->vlan = -1;
	v->addrs = s->addrs[i];
	va_start(ap, mac);
	while ((a = va_arg(ap, const char *)))
		KT_OK(tenant_parse_prefix(a, &v->addrs[v->naddrs++]));
	va_end(ap);
	return i;
}

void tn_route(struct tn_spec *s, const char *dst, const char *via, const char *dev)
{
	struct tenant_route_spec *r = &s->routes[s->spec.nroutes++];

	KT_OK(tenant_parse_prefix(dst, &r->dst));
	if (via) {
		KT_OK(tenant_parse_addr(via, &r->via));
		r->has_via = 1;
	}
	if (dev)
		snprintf(r->dev, sizeof(r->dev), "%s", dev);
}

void tn_sysctl(struct tn_spec *s, const char *name, const char *value)
{
	struct tenant_sysctl *c = &s->sysctls[s->spec.nsysctls++];

	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->value, sizeof(c->value), "%s", value);
}

void tn_create(struct tn_spec *s)
{
	struct tenant_error e = { 0 };
	int err = tenant_create(&s->spec, &e);

	KT_CHECK(!err, "create %s: %s (%s: %s)", s->spec.name, strerror(-err),
		 e.field, e.msg);
}

static socklen_t tn_sockaddr(const char *ip, int port, struct sockaddr_in6 *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	KT_CHECK(inet_pton(AF_INET6, ip, &ss->sin6_addr) == 1, "bad address %s", ip);
	ss->sin6_family = AF_INET6;
	ss->sin6_port = htons(port);
	return sizeof(*ss);
}

int tn_ping(const char *tenant, const char *dst, struct kt_wire **w, int nw)
{
	int pid = tenant_pid(tenant_find(tenant));
	struct timeval tv = { .tv_sec = 0, .tv_usec = 300000 };
	unsigned char req[16] = { 0 }, rep[64];
	struct sockaddr_in6 to;
	socklen_t tolen = tn_sockaddr(dst, 0, &to);
	int v6 = to.sin6_family == AF_INET6, ok;
	struct kt_async rx;
	long s;

	s = KT_OK(nuse_call3(pid, NUSE_SYS_socket, to.sin6_family, SOCK_DGRAM,
			     v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP));
	KT_OK(nuse_call5(pid, NUSE_SYS_setsockopt, s, SOL_SOCKET, SO_RCVTIMEO,
			 &tv, sizeof(tv)));
	req[0] = v6 ? 128 : 8;
	if (nuse_call6(pid, NUSE_SYS_sendto, s, req, sizeof(req), 0, &to,
		       tolen) != sizeof(req)) {
		nuse_call1(pid, NUSE_SYS_close, s);
		return 0;
	}
	kt_submit(&rx, pid, NUSE_SYS_recvfrom, s, (long)rep, sizeof(rep), 0);
	KT_CHECK(kt_run_wires(w, nw, &rx, 3000), "recvfrom never returned");
	ok = rx.call.ret >= 8 && rep[0] == (v6 ? 129 : 0);
	nuse_call1(pid, NUSE_SYS_close, s);
	return ok;
}

static long tn_wait(struct kt_async *a, struct kt_wire **w, int nw)
{
	KT_CHECK(kt_run_wires(w, nw, a, 10000), "call %ld timed out", a->call.nr);
	return a->call.ret;
}

int tn_tcp(const char *from, const char *to, const char *to_ip, int port,
	   size_t len, struct kt_wire **w, int nw)
{
	int cp = tenant_pid(tenant_find(from)), sp = tenant_pid(tenant_find(to));
	unsigned char *out = malloc(len), *in = malloc(len);
	struct sockaddr_in6 addr;
	socklen_t alen = tn_sockaddr(to_ip, port, &addr);
	struct kt_async acc, con, tx, rx;
	long l, c, a, n;
	size_t got = 0, i;
	int ok;

	for (i = 0; i < len; i++)
		out[i] = (i * 2654435761u) >> 13;
	l = KT_OK(nuse_call3(sp, NUSE_SYS_socket, addr.sin6_family, SOCK_STREAM, 0));
	KT_OK(nuse_call3(sp, NUSE_SYS_bind, l, &addr, alen));
	KT_OK(nuse_call2(sp, NUSE_SYS_listen, l, 1));
	kt_submit(&acc, sp, NUSE_SYS_accept, l, 0, 0, 0);
	c = KT_OK(nuse_call3(cp, NUSE_SYS_socket, addr.sin6_family, SOCK_STREAM, 0));
	kt_submit(&con, cp, NUSE_SYS_connect, c, (long)&addr, alen, 0);
	KT_OK(tn_wait(&con, w, nw));
	a = KT_OK(tn_wait(&acc, w, nw));
	kt_submit(&tx, cp, NUSE_SYS_sendto, c, (long)out, len, 0);
	while (got < len) {
		kt_submit(&rx, sp, NUSE_SYS_recvfrom, a, (long)(in + got), len - got, 0);
		n = tn_wait(&rx, w, nw);
		if (n <= 0)
			break;
		got += n;
	}
	ok = tn_wait(&tx, w, nw) == (long)len && got == len && !memcmp(in, out, len);
	nuse_call1(cp, NUSE_SYS_close, c);
	nuse_call1(sp, NUSE_SYS_close, a);
	nuse_call1(sp, NUSE_SYS_close, l);
	free(in);
	free(out);
	return ok ? 0 : -1;
}
