// SPDX-License-Identifier: GPL-2.0
/*
 * bench-tenants-tcp: TCP through a router tenant between two other
 * tenants, all in one library kernel and no host kernel in the path:
 * tenants a (10.70.1.2) and b (10.70.2.2) behind router r, made by the
 * appliance's own tenant code; kernel-side senders in a and receivers in
 * b through the host API, 1 and 8 streams, each for a few seconds.
 * The frames between vNICs go as the appliance's dataplane sends them
 * (unicast to a known MAC: handed across by the kernel; broadcast and
 * multicast: copied through the host between runs), in two ways:
 *   offloads	vNICs with offloads (dpdk.offloads true): super-frames
 *		cross whole as peers
 *   copy	vNICs without, every frame copied through a host buffer and
 *		the receiver's ring (what the appliance did before)
 * Prints Gbit/s; bench-tenants-tcp.sh puts the host kernel's veth router
 * beside it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nuse_host.h"
#include "tenant.h"

#define MAXV	8
#define NF	4096
#define FRAME	1600
#define CHUNK	(256 << 10)

static int copy_mode;
static unsigned int secs = 3;
static struct {
	int id;
	unsigned char mac[6];
} vn[MAXV];
static int nvn;

/* Frames copied for the receivers' rings: staging, and in flight. */
static struct stage {
	unsigned char buf[NF][FRAME];
	struct nuse_frame f[NF];
	int to[NF];
	unsigned int n;
} st[2];
static int staging;
static unsigned long lost;

static void quiet(const char *m, unsigned long l)
{
}

static void attach(void *priv, int vnic, const unsigned char mac[6], int vlan)
{
	if (nvn < MAXV) {
		vn[nvn].id = vnic;
		memcpy(vn[nvn++].mac, mac, 6);
	}
}

static void detach(void *priv, int vnic)
{
}

static void stage(int to, const struct nuse_frame *f)
{
	struct stage *s = &st[staging];

	if (s->n == NF || nuse_frame_len(f) > FRAME || f->nsegs) {
		lost++;
		return;
	}
	memcpy(s->buf[s->n], f->data, f->len);
	s->f[s->n] = (struct nuse_frame){ .data = s->buf[s->n], .len = f->len };
	s->to[s->n++] = to;
}

static void tx(void *priv, int vnic, struct nuse_frame *frames, unsigned int n)
{
	unsigned int i;
	int k;

	for (i = 0; i < n; i++) {
		const unsigned char *dst = frames[i].data;

		for (k = 0; k < nvn; k++) {
			if (vn[k].id == vnic)
				continue;
			if (dst[0] & 1) {
				stage(vn[k].id, &frames[i]);
			} else if (!memcmp(dst, vn[k].mac, 6)) {
				if (copy_mode)
					stage(vn[k].id, &frames[i]);
				else
					frames[i].peer = vn[k].id;
				break;
			}
		}
	}
}

static void pump(void)
{
	struct stage *s = &st[staging];
	unsigned int i;

	st[!staging].n = 0;
	for (i = 0; i < s->n; i++)
		nuse_vnic_rx(s->to[i], &s->f[i], 1);
	staging = !staging;
}

static void step(void)
{
	nuse_run();
	pump();
}

static void vnic(struct tenant_vnic_spec *v, const char *name, const char *mac,
		 struct tenant_prefix *a, const char *addr)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->vlan = -1;
	tenant_parse_mac(mac, v->mac);
	tenant_parse_prefix(addr, a);
	v->naddrs = 1;
	v->addrs = a;
}

static void make(const char *name, int nv, struct tenant_vnic_spec *v, const char *via,
		 int forward)
{
	struct tenant_route_spec r = { .has_via = 1 };
	struct tenant_sysctl fw = { "net.ipv4.ip_forward", "1" };
	struct tenant_spec s = { .nvnics = nv, .vnics = v };
	struct tenant_error e;

	snprintf(s.name, sizeof(s.name), "%s", name);
	if (via) {
		tenant_parse_prefix("0.0.0.0/0", &r.dst);
		tenant_parse_addr(via, &r.via);
		s.nroutes = 1;
		s.routes = &r;
	}
	if (forward) {
		s.nsysctls = 1;
		s.sysctls = &fw;
	}
	if (tenant_create(&s, &e)) {
		fprintf(stderr, "bench-tenants-tcp: tenant %s: %s\n", name, e.msg);
		exit(1);
	}
}

/* @n streams from a to b for secs seconds; Gbit/s received. */
static double streams(int a, int b, int n)
{
	static unsigned char chunk[CHUNK];
	struct sockaddr_in d = { .sin_family = AF_INET };
	unsigned long long got = 0, t0, end;
	long l, c[8], s[8];
	int i, nacc = 0;

	d.sin_port = htons(5201 + n);
	inet_pton(AF_INET, "10.70.2.2", &d.sin_addr);
	l = nuse_call3(b, NUSE_SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (l < 0 || nuse_call3(b, NUSE_SYS_bind, l, &d, sizeof(d)) ||
	    nuse_call2(b, NUSE_SYS_listen, l, 16)) {
		fprintf(stderr, "bench-tenants-tcp: listen failed\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		c[i] = nuse_call3(a, NUSE_SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		nuse_call3(a, NUSE_SYS_connect, c[i], &d, sizeof(d));
		s[i] = -1;
	}
	end = nuse_host_now() + 5000000000ULL;
	while (nacc < n && nuse_host_now() < end) {
		long k = nuse_call4(b, NUSE_SYS_accept4, l, NULL, NULL, SOCK_NONBLOCK);

		if (k >= 0)
			s[nacc++] = k;
		step();
	}
	if (nacc < n) {
		fprintf(stderr, "bench-tenants-tcp: %d of %d connections\n", nacc, n);
		exit(1);
	}
	t0 = nuse_host_now();
	end = t0 + secs * 1000000000ULL;
	while (nuse_host_now() < end) {
		for (i = 0; i < n; i++) {
			long k;

			nuse_call6(a, NUSE_SYS_sendto, c[i], chunk, CHUNK, MSG_DONTWAIT, NULL, 0);
			while ((k = nuse_call6(b, NUSE_SYS_recvfrom, s[i], chunk, CHUNK,
					       MSG_DONTWAIT, NULL, NULL)) > 0)
				got += k;
		}
		step();
	}
	for (i = 0; i < n; i++) {
		nuse_call1(a, NUSE_SYS_close, c[i]);
		nuse_call1(b, NUSE_SYS_close, s[i]);
	}
	nuse_call1(b, NUSE_SYS_close, l);
	return got * 8.0 / ((nuse_host_now() - t0) / 1e9) / 1e9;
}

int main(int argc, char **argv)
{
	struct tenant_io io = { .tx = tx, .attach = attach, .detach = detach };
	struct tenant_vnic_spec va, vr[2], vb;
	struct tenant_prefix aa, ar[2], ab;
	unsigned long long end;
	double g1, g8;

	if (argc > 1 && !strcmp(argv[1], "copy"))
		copy_mode = 1;
	if (argc > 2)
		secs = atoi(argv[2]) > 0 ? atoi(argv[2]) : 3;
	io.vnic_flags = copy_mode ? 0 : NUSE_VNIC_OFFLOADS;
	if (nuse_host_boot_cpus(256UL << 20, "loglevel=4 rcupdate.rcu_expedited=1", quiet, 1) ||
	    tenant_init(&io)) {
		fprintf(stderr, "bench-tenants-tcp: boot failed\n");
		return 1;
	}
	vnic(&va, "eth0", "02:00:00:70:01:02", &aa, "10.70.1.2/24");
	vnic(&vr[0], "eth0", "02:00:00:70:01:01", &ar[0], "10.70.1.1/24");
	vnic(&vr[1], "eth1", "02:00:00:70:02:01", &ar[1], "10.70.2.1/24");
	vnic(&vb, "eth0", "02:00:00:70:02:02", &ab, "10.70.2.2/24");
	make("a", 1, &va, "10.70.1.1", 0);
	make("r", 2, vr, NULL, 1);
	make("b", 1, &vb, "10.70.2.1", 0);
	end = nuse_host_now() + 300000000ULL;
	while (nuse_host_now() < end)
		step();
	g1 = streams(tenant_pid(tenant_find("a")), tenant_pid(tenant_find("b")), 1);
	g8 = streams(tenant_pid(tenant_find("a")), tenant_pid(tenant_find("b")), 8);
	printf("%s: 1 stream %.2f Gbit/s, 8 streams %.2f Gbit/s (%lu copies lost)\n",
	       copy_mode ? "copy" : "offloads", g1, g8, lost);
	tenant_fini(1);
	nuse_halt();
	return 0;
}
