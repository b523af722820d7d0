// SPDX-License-Identifier: GPL-2.0
/*
 * udprecv PORT SECONDS: a UDP server that reads datagrams on PORT one
 * recv() at a time, as a plain server does, for SECONDS after the first
 * one came (or 10 s of nothing); prints how many it read and the rate.
 * Its receive buffer is 4 MiB where it may force that (root), else what
 * net.core.rmem_max allows.
 * bench-tools.sh runs it in a tenant (through the preload library) and
 * on the host, under the same flood.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 10 };
	double secs, t0, end;
	unsigned long long n = 0;
	int fd, rcv = 4 << 20;
	socklen_t len = sizeof(rcv);
	char buf[2048];

	if (argc != 3 || (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: udprecv PORT SECONDS\n");
		return 2;
	}
	sa.sin_port = htons(atoi(argv[1]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	/* as a root server asks for its buffer (past net.core.rmem_max) */
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, &len) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("udprecv");
		return 1;
	}
	printf("listening, a %d-byte buffer\n", rcv);
	fflush(stdout);
	if (recv(fd, buf, sizeof(buf), 0) < 0) {
		printf("0 datagrams: none came\n");
		return 1;
	}
	t0 = now();
	end = t0 + secs;
	tv.tv_sec = 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (now() < end && recv(fd, buf, sizeof(buf), 0) >= 0)
		n++;
	printf("%llu datagrams in %.2f s: %.0f/s\n", n, now() - t0, n / (now() - t0));
	close(fd);
	return 0;
}
