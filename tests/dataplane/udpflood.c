// SPDX-License-Identifier: GPL-2.0
/*
 * udpflood IFACE DST_MAC SRC_IP DST_IP SECONDS: 64-byte UDP frames to
 * DST_MAC/DST_IP out of IFACE, as fast as one core sends them (batches
 * of sendmmsg on a packet socket past the qdisc), each from another
 * source port, for SECONDS (or FRAMES_PER_S of them, paced in bursts
 * of 50 us worth);
 * prints how many the interface took.  The
 * fairness test's flood: a script's per-frame send is ten times slower
 * than the dataplane and would never saturate it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAMES	256
#define LEN	64

static unsigned short csum(const unsigned char *p, int n)
{
	unsigned int s = 0;
	int i;

	for (i = 0; i + 1 < n; i += 2)
		s += p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	static unsigned char frame[FRAMES][LEN];
	struct mmsghdr msg[FRAMES];
	struct iovec iov[FRAMES];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned char dmac[6], smac[6];
	struct in_addr src, dst;
	struct ifreq ifr = { 0 };
	unsigned long long sent = 0;
	double secs, end, t0, rate = 0;
	int fd, i, one = 1, burst = FRAMES;

	if (argc == 7 && (rate = atof(argv[6])) <= 0)
		argc = 0;	/* a rate must be a positive frames/s */
	if ((argc != 6 && argc != 7) || sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1],
				&dmac[2], &dmac[3], &dmac[4], &dmac[5]) != 6 ||
	    !inet_aton(argv[3], &src) || !inet_aton(argv[4], &dst) ||
	    (secs = atof(argv[5])) <= 0) {
		fprintf(stderr, "usage: udpflood IFACE DST_MAC SRC_IP DST_IP SECONDS [FRAMES_PER_S]\n");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 ||
	    !(sll.sll_ifindex = if_nametoindex(argv[1]))) {
		fprintf(stderr, "udpflood: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_protocol = htons(ETH_P_IP);
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "udpflood: bind %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < FRAMES; i++) {
		unsigned char *f = frame[i], *ip = f + 14, *udp = ip + 20;
		unsigned short c, port = 1024 + i;

		memcpy(f, dmac, 6);
		memcpy(f + 6, smac, 6);
		f[12] = 0x08;
		ip[0] = 0x45;
		ip[3] = LEN - 14;
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, &dst, 4);
		c = csum(ip, 20);
		ip[10] = c >> 8;
		ip[11] = c & 0xff;
		udp[0] = port >> 8;
		udp[1] = port & 0xff;
		udp[3] = 9;
		udp[5] = LEN - 14 - 20;		/* no UDP checksum */
		iov[i] = (struct iovec){ f, LEN };
		msg[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	if (rate)
		burst = rate / 20000 < 1 ? 1 : rate / 20000 > FRAMES ? FRAMES : (int)(rate / 20000);
	sigaction(SIGTERM, &sa, NULL);	/* ends it early, the count printed */
	for (t0 = now(), end = t0 + secs; !stop && now() < end;) {
		int n;

		/* paced: a burst of 50 us worth once the schedule has room for it */
		if (rate) {
			double due = t0 + (sent + burst) / rate, t = now();

			if (due > t) {
				struct timespec ts = { 0, (long)((due - t) * 1e9) };

				if (ts.tv_nsec > 20000)
					nanosleep(&ts, NULL);
				continue;
			}
		}
		n = sendmmsg(fd, msg, burst, 0);

		if (n > 0)
			sent += n;
		else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "udpflood: send: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("%llu\n", sent);
	return 0;
}
