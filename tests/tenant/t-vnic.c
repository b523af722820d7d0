// SPDX-License-Identifier: GPL-2.0
/*
 * vNICs of the library kernel: two namespaces wired back to back by this
 * test exchange UDP (ARP resolves on the way), counters count, bad frames
 * and bad configurations are refused, and a vNIC goes away with "ip link
 * del", with NUSE_CALL_VNIC_DESTROY and with the end of its namespace.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ktest.h"
#include "rtnl.h"

static const unsigned char mac_a[6] = { 0x02, 0, 0, 0, 0, 0xa };
static const unsigned char mac_b[6] = { 0x02, 0, 0, 0, 0, 0xb };

static void configure(int pid, int ifindex, const char *ip)
{
	int err;
	struct rtnl *r = rtnl_open(pid, &err);
	struct in_addr a;

	KT_CHECK(r, "rtnl_open: %s", strerror(-err));
	inet_pton(AF_INET, ip, &a);
	KT_OK(rtnl_link_set(r, ifindex, 1, 0));
	KT_OK(rtnl_addr(r, 1, ifindex, AF_INET, &a, 24));
	rtnl_close(r);
}

static void udp(struct kt_wire *w, int from, int to)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(5000) };
	struct kt_wire *wires[] = { w };
	struct kt_async rx;
	char buf[32];
	long s, c;

	inet_pton(AF_INET, "10.0.0.2", &dst.sin_addr);
	s = KT_OK(nuse_call3(to, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));
	KT_OK(nuse_call3(to, NUSE_SYS_bind, s, &dst, sizeof(dst)));
	kt_submit(&rx, to, NUSE_SYS_recvfrom, s, (long)buf, sizeof(buf), 0);
	c = KT_OK(nuse_call3(from, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));
	KT_CHECK(nuse_call6(from, NUSE_SYS_sendto, c, "hello", 5, 0, &dst,
			    sizeof(dst)) == 5, "sendto");
	KT_CHECK(kt_run_wires(wires, 1, &rx, 2000), "datagram never arrived");
	KT_CHECK(rx.call.ret == 5 && !memcmp(buf, "hello", 5), "got %ld", rx.call.ret);
	nuse_call1(to, NUSE_SYS_close, s);
	nuse_call1(from, NUSE_SYS_close, c);
}

static void bad_configs(int pid)
{
	struct nuse_vnic_config c = { .name = "ok0", .tx = kt_wire_tx };

	memcpy(c.mac, mac_a, 6);
	c.mac[0] = 0x01;	/* multicast */
	KT_ERR(nuse_call1(pid, NUSE_CALL_VNIC_CREATE, &c), EINVAL);
	memset(c.mac, 0, 6);
	KT_ERR(nuse_call1(pid, NUSE_CALL_VNIC_CREATE, &c), EINVAL);
	memcpy(c.mac, mac_b, 6);
	c.mtu = 20;
	KT_ERR(nuse_call1(pid, NUSE_CALL_VNIC_CREATE, &c), EINVAL);
	c.mtu = 0;
	c.rx_ring = 100;
	KT_ERR(nuse_call1(pid, NUSE_CALL_VNIC_CREATE, &c), EINVAL);
	c.rx_ring = 0;
	strcpy(c.name, "bad/name");
	KT_ERR(nuse_call1(pid, NUSE_CALL_VNIC_CREATE, &c), EINVAL);
	strcpy(c.name, "eth0");	/* taken in this namespace */
	KT_ERR(nuse_call1(pid, NUSE_CALL_VNIC_CREATE, &c), EEXIST);
	strcpy(c.name, "ok0");
	c.tx = NULL;
	KT_ERR(nuse_call1(pid, NUSE_CALL_VNIC_CREATE, &c), EINVAL);
	KT_ERR(nuse_call1(pid, NUSE_CALL_VNIC_DESTROY, 4242), ENODEV);
	KT_ERR(nuse_vnic_rx(4242, NULL, 0), ENODEV);
}

int main(void)
{
	struct kt_wire w, *wires[] = { &w };
	struct nuse_vnic_stats sa, sb, sb2;
	unsigned char runt[10] = { 0 }, *big = calloc(1, 9000);
	struct nuse_frame bad[3] = { { runt, sizeof(runt) }, { big, 9000 }, { NULL, 60 } };
	int a, b, va, vb, ia, ib, before, err;
	char arp[1024];
	struct rtnl *r;

	kt_boot(64UL << 20);
	kt_wire_init(&w);
	a = kt_spawn(1, NUSE_SPAWN_NEWNET);
	b = kt_spawn(1, NUSE_SPAWN_NEWNET);
	va = kt_vnic(a, "eth0", mac_a, &w, &ia);
	vb = kt_vnic(b, "eth0", mac_b, &w, &ib);
	KT_CHECK(nuse_vnic_count() == 2, "%d vNICs", nuse_vnic_count());
	configure(a, ia, "10.0.0.1");
	configure(b, ib, "10.0.0.2");

	udp(&w, a, b);
	KT_OK(kt_read_file(a, "/proc/net/arp", arp, sizeof(arp)));
	KT_CHECK(strstr(arp, "10.0.0.2") && strstr(arp, "02:00:00:00:00:0b"),
		 "ARP did not resolve: %s", arp);
	KT_OK(nuse_vnic_stats(va, &sa));
	KT_OK(nuse_vnic_stats(vb, &sb));
	KT_CHECK(sa.tx_packets >= 2 && sb.rx_packets >= 2 && sa.rx_packets >= 1,
		 "counters a tx %llu rx %llu, b rx %llu", sa.tx_packets,
		 sa.rx_packets, sb.rx_packets);
	printf("udp across vNICs: a tx %llu rx %llu, b tx %llu rx %llu\n",
	       sa.tx_packets, sa.rx_packets, sb.tx_packets, sb.rx_packets);

	/* Malformed frames are dropped and counted; the kernel goes on. */
	KT_CHECK(nuse_vnic_rx(vb, bad, 3) == 3, "ring refused frames");
	kt_run_wires(wires, 1, NULL, 20);
	KT_OK(nuse_vnic_stats(vb, &sb2));
	KT_CHECK(sb2.rx_dropped == sb.rx_dropped + 3, "rx_dropped %llu -> %llu",
		 sb.rx_dropped, sb2.rx_dropped);
	udp(&w, a, b);

	bad_configs(a);

	/* A device that is down takes nothing. */
	r = rtnl_open(b, &err);
	KT_OK(rtnl_link_set(r, ib, 0, 0));
	KT_CHECK(nuse_vnic_rx(vb, bad, 1) == 0, "down device took a frame");
	/* "ip link del" removes it, and the host's id with it. */
	KT_OK(rtnl_link_del(r, ib));
	rtnl_close(r);
	KT_ERR(nuse_vnic_rx(vb, bad, 1), ENODEV);
	KT_CHECK(nuse_vnic_count() == 1, "%d vNICs after link del", nuse_vnic_count());

	/* The end of its namespace takes a vNIC with it. */
	kt_vnic(b, "eth1", mac_b, NULL, NULL);
	before = nuse_vnic_count();
	KT_OK(nuse_call0(b, NUSE_CALL_EXIT));
	kt_run_wires(wires, 1, NULL, 200);
	KT_CHECK(nuse_vnic_count() == before - 1, "%d vNICs after namespace end",
		 nuse_vnic_count());
	KT_OK(nuse_call1(a, NUSE_CALL_VNIC_DESTROY, va));
	KT_CHECK(nuse_vnic_count() == 0, "%d vNICs left", nuse_vnic_count());
	kt_halt();
	kt_wire_free(&w);
	free(big);
	return 0;
}
