// SPDX-License-Identifier: GPL-2.0
/*
 * rpcnull SOCKET TENANT [N]: the tool RPC's round trip, side by side
 * with the floor under it in the same run.
 *  - NRPC_NULL to a running appliance: the whole door (unix socket, the
 *    control thread, the dataplane thread's kernel task, and back);
 *  - the same message bounced by a plain echo process over a unix
 *    stream socket pair: what any RPC on this machine costs at least.
 *  - NRPC_NULL through a shared channel (protocol version 2): the call
 *    written into the region, a RING on the socket, the reply read from
 *    the region after a short spin or a futex sleep.
 * Prints medians and p99 in microseconds, and the difference: what the
 * appliance adds per call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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
	printf("%-50s median %7.2f us   p99 %7.2f us   (%d calls)\n", what, t[n / 2],
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

/* HELLO asking for a shared channel: the region mapped, or NULL. */
static struct nrpc_shm *hello_shm(int fd, const char *tenant)
{
	struct nrpc_hello h = { .h = { sizeof(h), NRPC_HELLO, 0, 1 }, .version = NRPC_VERSION,
				.flags = NRPC_HELLO_SHM };
	struct {
		struct nrpc_reply r;
		uint64_t id, size;
	} rep;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { &rep, sizeof(rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	void *p;
	int mfd = -1;

	snprintf(h.tenant, sizeof(h.tenant), "%s", tenant);
	if (full(fd, &h, sizeof(h), 1) || recvmsg(fd, &mh, MSG_WAITALL) != sizeof(rep) ||
	    rep.r.ret || rep.r.out_len != 16)
		return NULL;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&mfd, CMSG_DATA(cm), sizeof(mfd));
	if (mfd < 0)
		return NULL;
	p = mmap(NULL, rep.size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	close(mfd);
	return p == MAP_FAILED ? NULL : p;
}

static int spin = 200;		/* RPCNULL_SPIN: pauses before the futex */

static int shm_call(int fd, struct nrpc_shm *m, struct nrpc_call *c)
{
	struct nrpc_hdr ring = { sizeof(ring), NRPC_RING, 0, c->h.seq };
	const struct nrpc_reply *r = (const void *)((char *)m + m->rep_off);
	int i;

	memcpy((char *)m + m->req_off, c, c->h.len);
	__atomic_store_n(&m->req_seq, c->h.seq, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&m->srv_spin, __ATOMIC_SEQ_CST) && full(fd, &ring, sizeof(ring), 1))
		return -1;
	for (;;) {
		for (i = 0; i <= spin; i++) {
			if (__atomic_load_n(&m->rep_seq, __ATOMIC_ACQUIRE) == c->h.seq)
				return r->ret ? -1 : 0;
			__builtin_ia32_pause();
		}
		__atomic_store_n(&m->cli_wait, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&m->rep_seq, __ATOMIC_SEQ_CST) != c->h.seq)
			syscall(SYS_futex, &m->rep_seq, FUTEX_WAIT, m->rep_seq, NULL, NULL, 0);
		__atomic_store_n(&m->cli_wait, 0, __ATOMIC_RELAXED);
		if (m->closed)
			return -1;
	}
}

int main(int argc, char **argv)
{
	struct nrpc_call c = { .h = { sizeof(c), NRPC_CALL, 0, 0 }, .op = NRPC_NULL };
	struct nrpc_reply r;
	int n = argc > 3 ? atoi(argv[3]) : 20000, i, fd, sp[2], err;
	double *t = calloc(n, sizeof(*t)), t0, med_null, med_shm, med_echo;
	struct nrpc_shm *shm;
	pid_t pid;

	if (getenv("RPCNULL_SPIN"))
		spin = atoi(getenv("RPCNULL_SPIN"));
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
	report("NRPC_NULL through the appliance (socket)", t, n);
	med_null = t[n / 2];
	close(fd);

	fd = connect_to(argv[1]);
	shm = hello_shm(fd, argv[2]);
	if (!shm) {
		fprintf(stderr, "rpcnull: no shared channel\n");
		return 1;
	}
	for (i = 0; i < n / 10; i++) {
		c.h.seq = i + 1;
		shm_call(fd, shm, &c);
	}
	for (i = 0; i < n; i++) {
		c.h.seq = n + i + 1;
		t0 = now_us();
		if (shm_call(fd, shm, &c)) {
			fprintf(stderr, "rpcnull: NULL through the channel failed\n");
			return 1;
		}
		t[i] = now_us() - t0;
	}
	report("NRPC_NULL through the appliance (shared channel)", t, n);
	med_shm = t[n / 2];
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
	printf("the appliance adds %.2f us per call on the socket (median); %.1fx the floor\n",
	       med_null - med_echo, med_null / med_echo);
	printf("shared channel: %.2f us per call (median; aim <= 5 us), %.2fx the socket's\n",
	       med_shm, med_shm / med_null);
	free(t);
	return 0;
}
