// SPDX-License-Identifier: GPL-2.0
/*
 * rpcnull SOCKET TENANT [N]: the tool RPC's round trip, side by side
 * with the floor under it in the same run.
 *  - NRPC_NULL to a running appliance: the whole door (unix socket, the
 *    control thread, the dataplane thread's kernel task, and back);
 *  - the same message bounced by a plain echo process over a unix
 *    stream socket pair: what any RPC on this machine costs at least.
 * Prints medians and p99 in microseconds, and the difference: what the
 * appliance adds per call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "rpc/nrpc.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int full(int fd, void *buf, size_t len, int wr)
{
	char *p = buf;

	while (len) {
		ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* One request, one reply (header and fixed part only). */
static int call(int fd, struct nrpc_call *c, struct nrpc_reply *r)
{
	if (full(fd, c, c->h.len, 1) || full(fd, r, sizeof(*r), 0))
		return -1;
	if (r->h.len > sizeof(*r)) {		/* data we do not need */
		char skip[4096];
		size_t left = r->h.len - sizeof(*r);

		while (left) {
			size_t n = left < sizeof(skip) ? left : sizeof(skip);

			if (full(fd, skip, n, 0))
				return -1;
			left -= n;
		}
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n)
{
	qsort(t, n, sizeof(*t), cmp);
	printf("%-44s median %7.2f us   p99 %7.2f us   (%d calls)\n", what, t[n / 2],
	       t[n * 99 / 100], n);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		perror(path);
		exit(1);
	}
	return fd;
}

static int hello(int fd, const char *tenant)
{
	struct nrpc_hello h = { .h = { sizeof(h), NRPC_HELLO, 0, 1 }, .version = NRPC_VERSION };
	struct nrpc_reply r;

	snprintf(h.tenant, sizeof(h.tenant), "%s", tenant);
	if (full(fd, &h, sizeof(h), 1) || full(fd, &r, sizeof(r), 0))
		return -1;
	if (r.h.len > sizeof(r)) {
		char skip[64];

		full(fd, skip, r.h.len - sizeof(r), 0);
	}
	return r.ret;
}

int main(int argc, char **argv)
{
	struct nrpc_call c = { .h = { sizeof(c), NRPC_CALL, 0, 0 }, .op = NRPC_NULL };
	struct nrpc_reply r;
	int n = argc > 3 ? atoi(argv[3]) : 20000, i, fd, sp[2], err;
	double *t = calloc(n, sizeof(*t)), t0, med_null, med_echo;
	pid_t pid;

	if (argc < 3 || !t) {
		fprintf(stderr, "usage: rpcnull SOCKET TENANT [N]\n");
		return 2;
	}
	fd = connect_to(argv[1]);
	err = hello(fd, argv[2]);
	if (err) {
		fprintf(stderr, "rpcnull: HELLO %s: %s\n", argv[2], strerror(-err));
		return 1;
	}
	for (i = 0; i < n / 10; i++)		/* warm up */
		call(fd, &c, &r);
	for (i = 0; i < n; i++) {
		c.h.seq = i;
		t0 = now_us();
		if (call(fd, &c, &r) || r.ret) {
			fprintf(stderr, "rpcnull: NULL failed: %lld\n", (long long)r.ret);
			return 1;
		}
		t[i] = now_us() - t0;
	}
	report("NRPC_NULL through the appliance", t, n);
	med_null = t[n / 2];
	close(fd);

	/* The floor: an echo process on a unix stream socket pair. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		return 1;
	pid = fork();
	if (pid == 0) {
		char buf[sizeof(c)];
		struct nrpc_reply rep = { .h = { sizeof(rep), NRPC_REPLY, 0, 0 } };

		close(sp[0]);
		while (!full(sp[1], buf, sizeof(buf), 0))
			if (full(sp[1], &rep, sizeof(rep), 1))
				break;
		_exit(0);
	}
	close(sp[1]);
	for (i = 0; i < n / 10; i++)
		call(sp[0], &c, &r);
	for (i = 0; i < n; i++) {
		t0 = now_us();
		call(sp[0], &c, &r);
		t[i] = now_us() - t0;
	}
	close(sp[0]);
	waitpid(pid, NULL, 0);
	report("the same bytes bounced by an echo process", t, n);
	med_echo = t[n / 2];
	printf("the appliance adds %.2f us per call (median; aim < 10 us); %.1fx the floor\n",
	       med_null - med_echo, med_null / med_echo);
	free(t);
	return 0;
}
