// SPDX-License-Identifier: GPL-2.0
/*
 * bench-kernel: the library kernel's basic costs, medians of repeated runs.
 *   boot	time from nuse_boot() to the first system call's answer
 *		(each run in a fresh process: a kernel boots once per process)
 *   getpid	host round trip of a null system call run by a kernel task
 *   tcp	loopback TCP throughput inside the kernel, 1 GiB per run
 * Prints numbers only; never pass/fail.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nuse_host.h"

#define MEMORY		(128UL << 20)
#define CHUNK		(4UL << 20)
#define TCP_BYTES	(1UL << 30)

static void quiet(const char *msg, unsigned long len)
{
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, long err)
{
	fprintf(stderr, "bench-kernel: %s: %s\n", what, strerror(-err));
	exit(1);
}

/* One boot in a child process; returns milliseconds to the first answer. */
static double boot_once(void)
{
	int fds[2], status;
	double ms = -1;
	pid_t pid;

	if (pipe(fds))
		die("pipe", -errno);
	pid = fork();
	if (pid == 0) {
		unsigned long long t0 = nuse_host_now();
		int err = nuse_host_boot(MEMORY, "loglevel=4", quiet);

		if (err || nuse_call0(1, NUSE_SYS_getpid) != 1)
			_exit(1);
		ms = (nuse_host_now() - t0) / 1e6;
		if (write(fds[1], &ms, sizeof(ms)) != sizeof(ms))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &ms, sizeof(ms)) != sizeof(ms))
		ms = -1;
	close(fds[0]);
	waitpid(pid, &status, 0);
	return ms;
}

static double getpid_ns(long n)
{
	unsigned long long t0 = nuse_host_now();
	long i;

	for (i = 0; i < n; i++)
		if (nuse_call0(1, NUSE_SYS_getpid) != 1)
			die("getpid", -EIO);
	return (double)(nuse_host_now() - t0) / n;
}

struct stream {
	struct nuse_syscall call;
	int pid;
	unsigned long left;
	int busy;
};

static void stream_done(struct nuse_syscall *call)
{
	struct stream *s = call->priv;

	s->busy = 0;
	if (call->ret <= 0)
		die(call->nr == NUSE_SYS_sendto ? "send" : "recv", call->ret ? call->ret : -EPIPE);
	s->left -= call->ret;
}

static void stream_kick(struct stream *s, long nr, long fd, void *buf)
{
	if (s->busy || !s->left)
		return;
	s->call = (struct nuse_syscall){
		.nr = nr,
		.args = { fd, (long)buf, s->left < CHUNK ? s->left : CHUNK },
		.done = stream_done,
		.priv = s,
	};
	s->busy = 1;
	nuse_syscall_submit(s->pid, &s->call);
}

static double tcp_gbps(int srv, int cli, long a, long c, void *tx, void *rx)
{
	struct stream out = { .pid = cli, .left = TCP_BYTES };
	struct stream in = { .pid = srv, .left = TCP_BYTES };
	unsigned long long t0 = nuse_host_now();
	double s;

	while (out.left || in.left || out.busy || in.busy) {
		stream_kick(&out, NUSE_SYS_sendto, c, tx);
		stream_kick(&in, NUSE_SYS_recvfrom, a, rx);
		if (nuse_run())
			die("run", -EIO);
	}
	s = (nuse_host_now() - t0) / 1e9;
	return TCP_BYTES * 8.0 / s / 1e9;
}

static void tcp_setup(int *srv, int *cli, long *a, long *c)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(5201),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	long l, fd, sock;

	sock = nuse_call3(1, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0);
	{
		char ifr[40] = "lo";
		short *flags = (short *)(ifr + 16);

		nuse_call3(1, NUSE_SYS_ioctl, sock, 0x8913 /* SIOCGIFFLAGS */, ifr);
		*flags |= 1;
		nuse_call3(1, NUSE_SYS_ioctl, sock, 0x8914 /* SIOCSIFFLAGS */, ifr);
	}
	*srv = nuse_call1(1, NUSE_CALL_SPAWN, 0);
	*cli = nuse_call1(1, NUSE_CALL_SPAWN, 0);
	l = nuse_call3(*srv, NUSE_SYS_socket, AF_INET, SOCK_STREAM, 0);
	if (l < 0 || nuse_call3(*srv, NUSE_SYS_bind, l, &addr, sizeof(addr)) ||
	    nuse_call2(*srv, NUSE_SYS_listen, l, 1))
		die("listen", l < 0 ? l : -EADDRINUSE);
	fd = nuse_call3(*cli, NUSE_SYS_socket, AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || nuse_call3(*cli, NUSE_SYS_connect, fd, &addr, sizeof(addr)))
		die("connect", fd < 0 ? fd : -ECONNREFUSED);
	*c = fd;
	*a = nuse_call1(*srv, NUSE_SYS_accept, l);
	if (*a < 0)
		die("accept", *a);
}

int main(int argc, char **argv)
{
	double boot[11], sys[5], tcp[3];
	int i, srv, cli;
	long a, c;
	void *tx, *rx;

	for (i = 0; i < 11; i++)
		boot[i] = boot_once();
	printf("boot to first syscall (128 MiB): %.1f ms median of 11 (LKL: 38 ms)\n",
	       median(boot, 11));

	if (nuse_host_boot(MEMORY, "loglevel=4", quiet))
		die("boot", -EIO);
	getpid_ns(10000);
	for (i = 0; i < 5; i++)
		sys[i] = getpid_ns(200000);
	printf("null syscall (getpid) round trip: %.0f ns median of 5x200k (LKL: 57 ns)\n",
	       median(sys, 5));

	tx = malloc(CHUNK);
	rx = malloc(CHUNK);
	memset(tx, 0x5a, CHUNK);
	tcp_setup(&srv, &cli, &a, &c);
	for (i = 0; i < 3; i++)
		tcp[i] = tcp_gbps(srv, cli, a, c, tx, rx);
	printf("loopback TCP throughput (1 GiB): %.1f Gbit/s median of 3 (LKL: 44 Gbit/s)\n",
	       median(tcp, 3));
	nuse_host_halt();
	return 0;
}
