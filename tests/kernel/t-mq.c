// SPDX-License-Identifier: GPL-2.0
/*
 * A vNIC with two queues on two CPUs (at least; NUSE_TEST_CPUS): frames
 * the host puts on receive queue 1, from CPU 1's thread, are taken on CPU 1
 * (the receiving socket's SO_INCOMING_CPU says so), those on queue 0 on
 * CPU 0; the host's flow hash goes in with them; a task on CPU c sends on
 * transmit queue c; bad queues are refused.  Then both CPUs' threads fill
 * their queues at once, round after round: no doorbell is lost (a lost
 * one leaves a queue undrained until it overflows).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "ktest.h"

#define NFRAMES		8
#define FRAME_LEN	(14 + 20 + 8 + 16)

static const unsigned char vnic_mac[6] = { 0x02, 0, 0, 0, 0x4d, 0x01 };
static const unsigned char peer_mac[6] = { 0x02, 0, 0, 0, 0x4d, 0x02 };

static unsigned char frames_buf[2][NFRAMES][FRAME_LEN];
static struct nuse_frame frames[2][NFRAMES];
static int vnic_id;
static volatile int queue1_pending;	/* set by the test, taken by CPU 1's hook */
static volatile int queue1_queued;
static volatile unsigned long tx_on[2];
#define STORM_ROUNDS	3000
static volatile int storm1_left;	/* rounds CPU 1's hook still pushes */
static volatile long storm1_short;	/* frames its pushes did not queue */

static void record_tx(void *priv, int vnic, unsigned int queue,
		      struct nuse_frame *f, unsigned int n)
{
	if (queue < 2)
		__atomic_fetch_add(&tx_on[queue], n, __ATOMIC_RELAXED);
}

/* On CPU 1's thread, between its runs: the only producer of queue 1. */
static int cpu1_hook(unsigned int cpu, void *arg)
{
	if (storm1_left > 0) {
		int n = nuse_vnic_rx_queue(vnic_id, 1, frames[1], NFRAMES);

		storm1_short += NFRAMES - (n > 0 ? n : 0);
		storm1_left--;
		return 1;
	}
	if (!queue1_pending)
		return 0;
	queue1_pending = 0;
	queue1_queued = nuse_vnic_rx_queue(vnic_id, 1, frames[1], NFRAMES);
	return 1;
}

/* UDP from 10.9.0.2:5000 to 10.9.0.1:9000. */
static void make_frame(unsigned char *f)
{
	unsigned char *ip = f + 14, *udp = ip + 20;
	unsigned short sum;

	memset(f, 0, FRAME_LEN);
	memcpy(f, vnic_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = FRAME_LEN - 14;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10, ip[13] = 9, ip[14] = 0, ip[15] = 2;
	ip[16] = 10, ip[17] = 9, ip[18] = 0, ip[19] = 1;
	sum = kt_ip_csum(ip, 20);
	ip[10] = sum >> 8;
	ip[11] = sum & 0xff;
	udp[0] = 5000 >> 8;
	udp[1] = 5000 & 0xff;
	udp[2] = 9000 >> 8;
	udp[3] = 9000 & 0xff;
	udp[5] = 8 + 16;	/* no checksum: IPv4 allows it */
	memcpy(udp + 8, "multi-queue test", 16);
}

/* Read what arrived on @fd (up to @want datagrams, 5 s); how many. */
static int drain(int pid, long fd, int want)
{
	unsigned long long end = nuse_host_now() + 5000000000ULL;
	char buf[64];
	int got = 0;

	while (got < want && nuse_host_now() < end) {
		long n = nuse_call4(pid, NUSE_SYS_recvfrom, fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 16 && !memcmp(buf, "multi-queue test", 16))
			got++;
		else if (n == -EAGAIN)
			nuse_host_step(1000000ULL);
		else
			KT_FAIL("recvfrom: %ld", n);
	}
	return got;
}

static int incoming_cpu(int pid, long fd)
{
	int cpu = -1;
	unsigned int len = sizeof(cpu);

	KT_OK(nuse_call5(pid, NUSE_SYS_getsockopt, fd, SOL_SOCKET, 49 /* SO_INCOMING_CPU */,
			 &cpu, &len));
	return cpu;
}

int main(void)
{
	unsigned int n = kt_cpus() < 2 ? 2 : kt_cpus(), q, i;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9000),
				 .sin_addr.s_addr = htonl(0x0a090001) };
	struct nuse_vnic_config c = { .name = "mq0", .tx_queue = record_tx, .queues = 2 };
	struct nuse_vnic_stats st;
	unsigned long mask = 1UL << 1;
	int t, kick, err, cpu;
	long fd, u;

	for (q = 0; q < 2; q++)
		for (i = 0; i < NFRAMES; i++) {
			make_frame(frames_buf[q][i]);
			frames[q][i] = (struct nuse_frame){ .data = frames_buf[q][i],
				.len = FRAME_LEN, .hash = 0x9e3779b9u * (q * NFRAMES + i + 1) };
		}
	KT_OK(nuse_host_set_cpu_hook(1, cpu1_hook, NULL));
	KT_ERR(nuse_host_set_cpu_hook(0, cpu1_hook, NULL), EINVAL);
	err = nuse_host_boot_cpus(64UL << 20, "loglevel=4", NULL, n);
	KT_CHECK(err == 0, "boot with %u CPUs: %s", n, strerror(-err));

	t = KT_OK(nuse_call2(1, NUSE_CALL_SPAWN, NUSE_SPAWN_NEWNET | NUSE_SPAWN_CPU, 0));
	kick = KT_OK(nuse_call2(1, NUSE_CALL_SPAWN, NUSE_SPAWN_CPU, 1));
	/* no IPv6: nothing but what the test sends leaves the vNIC */
	KT_OK(kt_write_file(t, "/proc/sys/net/ipv6/conf/default/disable_ipv6", "1"));
	KT_OK(kt_write_file(t, "/proc/sys/net/ipv6/conf/all/disable_ipv6", "1"));
	memcpy(c.mac, vnic_mac, 6);
	c.queues = NUSE_CPUS_MAX + 1;
	KT_ERR(nuse_call1(t, NUSE_CALL_VNIC_CREATE, &c), EINVAL);
	c.queues = 2;
	vnic_id = KT_OK(nuse_call1(t, NUSE_CALL_VNIC_CREATE, &c));
	KT_CHECK(nuse_vnic_queues(vnic_id) == 2, "queues: %d", nuse_vnic_queues(vnic_id));
	KT_ERR(nuse_vnic_rx_queue(vnic_id, 2, frames[0], 1), EINVAL);
	KT_ERR(nuse_vnic_rx_queue(vnic_id + 1000, 0, frames[0], 1), ENODEV);
	kt_if_addr(t, "mq0", "10.9.0.1", "255.255.255.0");
	u = KT_OK(nuse_call3(t, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));
	KT_OK(nuse_call3(t, NUSE_SYS_bind, u, &a, sizeof(a)));
	/* connected: the socket then notes the CPU that receives for it */
	a.sin_port = htons(5000);
	inet_pton(AF_INET, "10.9.0.2", &a.sin_addr);
	KT_OK(nuse_call3(t, NUSE_SYS_connect, u, &a, sizeof(a)));

	/* Queue 1, from CPU 1's thread: a call for a task there wakes it. */
	queue1_pending = 1;
	KT_OK(nuse_call0(kick, NUSE_SYS_getpid));
	KT_CHECK(drain(t, u, NFRAMES) == NFRAMES, "queue 1: not every frame arrived");
	KT_CHECK(queue1_queued == NFRAMES, "queue 1 took %d frames", queue1_queued);
	cpu = incoming_cpu(t, u);
	KT_CHECK(cpu == 1, "frames of queue 1 were taken on CPU %d", cpu);
	printf("ok: %d frames on receive queue 1 taken on CPU 1\n", NFRAMES);

	KT_CHECK(nuse_vnic_rx_queue(vnic_id, 0, frames[0], NFRAMES) == NFRAMES, "queue 0");
	KT_CHECK(drain(t, u, NFRAMES) == NFRAMES, "queue 0: not every frame arrived");
	cpu = incoming_cpu(t, u);
	KT_CHECK(cpu == 0, "frames of queue 0 were taken on CPU %d", cpu);
	printf("ok: %d frames on receive queue 0 taken on CPU 0\n", NFRAMES);
	KT_OK(nuse_vnic_stats(vnic_id, &st));
	KT_CHECK(st.rx_packets == 2 * NFRAMES && st.rx_dropped == 0,
		 "stats: rx %llu dropped %llu", st.rx_packets, st.rx_dropped);

	/* Both queues at once: each CPU's run drains what its thread queued
	 * just before, so nothing may overflow. */
	storm1_left = STORM_ROUNDS;
	KT_OK(nuse_call0(kick, NUSE_SYS_getpid));
	for (i = 0; i < STORM_ROUNDS || storm1_left > 0; i++) {
		if (i < STORM_ROUNDS)
			KT_CHECK(nuse_vnic_rx_queue(vnic_id, 0, frames[0], NFRAMES) == NFRAMES,
				 "storm: queue 0 full at round %u", i);
		KT_OK(nuse_run());
		KT_CHECK(i < 100 * STORM_ROUNDS, "storm: CPU 1 is stuck");
	}
	for (i = 0; i < 1000; i++) {
		KT_OK(nuse_vnic_stats(vnic_id, &st));
		if (st.rx_packets + st.rx_dropped >= (2 + 2 * STORM_ROUNDS) * NFRAMES)
			break;
		nuse_host_step(1000000ULL);
	}
	KT_CHECK(storm1_short == 0 && st.rx_dropped == 0 &&
		 st.rx_packets == (2 + 2 * STORM_ROUNDS) * NFRAMES,
		 "storm: rx %llu, dropped %llu, not queued on 1: %ld", st.rx_packets,
		 st.rx_dropped, storm1_short);
	printf("ok: %d frames on both queues at once, none dropped\n",
	       2 * STORM_ROUNDS * NFRAMES);

	/* Transmit: from CPU 0, then from CPU 1 (an ARP request each). */
	a.sin_port = htons(7);
	inet_pton(AF_INET, "10.9.0.7", &a.sin_addr);
	fd = KT_OK(nuse_call3(t, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));
	KT_OK(nuse_call6(t, NUSE_SYS_sendto, fd, "x", 1, 0, &a, sizeof(a)));
	KT_CHECK(tx_on[0] > 0 && tx_on[1] == 0, "from CPU 0: %lu on queue 0, %lu on 1",
		 tx_on[0], tx_on[1]);
	KT_OK(nuse_call3(t, NUSE_SYS_sched_setaffinity, 0, sizeof(mask), &mask));
	inet_pton(AF_INET, "10.9.0.8", &a.sin_addr);
	KT_OK(nuse_call6(t, NUSE_SYS_sendto, fd, "x", 1, 0, &a, sizeof(a)));
	for (i = 0; i < 100 && !tx_on[1]; i++)
		nuse_host_step(1000000ULL);
	KT_CHECK(tx_on[1] > 0, "from CPU 1: nothing on queue 1 (%lu on 0)", tx_on[0]);
	printf("ok: sent on queue 0 from CPU 0 (%lu frames), on queue 1 from CPU 1 (%lu)\n",
	       tx_on[0], tx_on[1]);

	KT_OK(nuse_call1(t, NUSE_CALL_VNIC_DESTROY, vnic_id));
	KT_CHECK(nuse_vnic_queues(vnic_id) == -ENODEV, "the vNIC is still there");
	kt_halt();
	return 0;
}
