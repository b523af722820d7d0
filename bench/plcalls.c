// SPDX-License-Identifier: GPL-2.0
/*
 * plcalls [N]: a program's tenant calls, timed from inside the program
 * (run it with `nuse-appliance exec TENANT --`, through the preload
 * library): N getsockname() calls on a UDP socket, then N datagrams
 * to itself (sendto + recv).  Prints the median and p99 of each in
 * microseconds.  Run twice, with NUSE_RPC_SHM=0 and without, for the
 * socket and the shared channel side by side.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n)
{
	qsort(t, n, sizeof(*t), cmp);
	printf("%-40s median %7.2f us   p99 %7.2f us   (%d)\n", what, t[n / 2], t[n * 99 / 100], n);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000, i, fd;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	double *t = calloc(n > 0 ? n : 1, sizeof(*t)), t0;
	char buf[64] = "x";

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (n <= 0 || !t || fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		perror("plcalls");
		return 1;
	}
	for (i = 0; i < n; i++) {
		t0 = now_us();
		len = sizeof(sa);
		if (getsockname(fd, (struct sockaddr *)&sa, &len))
			return 1;
		t[i] = now_us() - t0;
	}
	report("getsockname()", t, n);
	for (i = 0; i < n; i++) {
		t0 = now_us();
		if (sendto(fd, buf, 32, 0, (struct sockaddr *)&sa, sizeof(sa)) != 32 ||
		    recv(fd, buf, sizeof(buf), 0) != 32)
			return 1;
		t[i] = now_us() - t0;
	}
	report("sendto() + recv() of 32 bytes", t, n);
	close(fd);
	free(t);
	return 0;
}
