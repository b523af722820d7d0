// SPDX-License-Identifier: GPL-2.0
/*
 * bench-kernel: the library kernel's basic costs, medians of repeated runs.
 *   boot	time from nuse_boot() to the first system call's answer
 *		(each run in a fresh process: a kernel boots once per process)
 *   getpid	host round trip of a null system call run by a kernel task
 *   tcp	loopback TCP throughput inside the kernel, 1 GiB per run
 * and, for the kernel on --cpus N CPUs (default 1; run it at 1 and at 2
 * to compare):
 *   getpid2	null calls from two host threads at once: the owner's to a
 *		task on CPU 0, another thread's to a task on CPU 1 (CPU 0 at
 *		one CPU), answered on the owner's thread as every call is
 *   tcp2	two loopback TCP streams at once, each pair of tasks on a
 *		CPU of its own (both on CPU 0 at one CPU), 512 MiB each
 *   rcu	synchronize_rcu() latency, from a task on CPU 0
 * Prints numbers only; never pass/fail.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
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

static unsigned int ncpus = 1;

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
		int err = nuse_host_boot_cpus(MEMORY, "loglevel=4", quiet, ncpus);

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

/* One TCP connection over loopback: its two tasks and descriptors. */
struct conn {
	int srv, cli;
	long a, c;
};

/* @n connections at once, @bytes each; Gbit/s of them all. */
static double tcp_gbps(struct conn *k, int n, unsigned long bytes, void *tx, void *rx)
{
	struct stream out[2], in[2];
	unsigned long long t0 = nuse_host_now();
	int i, busy;
	double s;

	for (i = 0; i < n; i++) {
		out[i] = (struct stream){ .pid = k[i].cli, .left = bytes };
		in[i] = (struct stream){ .pid = k[i].srv, .left = bytes };
	}
	do {
		for (busy = 0, i = 0; i < n; i++) {
			stream_kick(&out[i], NUSE_SYS_sendto, k[i].c, tx);
			stream_kick(&in[i], NUSE_SYS_recvfrom, k[i].a, (char *)rx + i * CHUNK);
			busy |= out[i].left || in[i].left || out[i].busy || in[i].busy;
		}
		if (nuse_run())
			die("run", -EIO);
	} while (busy);
	s = (nuse_host_now() - t0) / 1e9;
	return n * bytes * 8.0 / s / 1e9;
}

static int spawn_on(unsigned int cpu)
{
	long pid = nuse_call2(1, NUSE_CALL_SPAWN, NUSE_SPAWN_CPU, cpu);

	if (pid < 0)
		die("spawn", pid);
	return pid;
}

static void lo_up(void)
{
	char ifr[40] = "lo";
	short *flags = (short *)(ifr + 16);
	long sock = nuse_call3(1, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0);

	nuse_call3(1, NUSE_SYS_ioctl, sock, 0x8913 /* SIOCGIFFLAGS */, ifr);
	*flags |= 1;
	nuse_call3(1, NUSE_SYS_ioctl, sock, 0x8914 /* SIOCSIFFLAGS */, ifr);
	nuse_call1(1, NUSE_SYS_close, sock);
}

/* A connection on @port whose two tasks run on @cpu. */
static void tcp_setup(struct conn *k, int port, unsigned int cpu)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int *srv = &k->srv, *cli = &k->cli;
	long *a = &k->a, *c = &k->c;
	long l, fd;

	*srv = spawn_on(cpu);
	*cli = spawn_on(cpu);
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

/* The other host thread of getpid2: submits, waits for its done(). */
struct caller {
	int pid;
	volatile int stop;
	long calls;
	volatile int done;
};

static void caller_done(struct nuse_syscall *call)
{
	((struct caller *)call->priv)->done = 1;
}

static void *caller_main(void *arg)
{
	struct caller *c = arg;
	struct nuse_syscall call = { .nr = NUSE_SYS_getpid, .done = caller_done, .priv = c };

	while (!c->stop) {
		c->done = 0;
		if (nuse_syscall_submit(c->pid, &call))
			die("submit", -EIO);
		while (!c->done)
			__builtin_ia32_pause();
		c->calls++;
	}
	return NULL;
}

/* Calls per second (millions) from the owner and one more thread. */
static double getpid2_mcps(void)
{
	struct caller other = { .pid = spawn_on(ncpus > 1 ? 1 : 0) };
	int own = spawn_on(0);
	unsigned long long t0, t;
	long mine = 0;
	pthread_t th;

	if (pthread_create(&th, NULL, caller_main, &other))
		die("thread", -EAGAIN);
	t0 = nuse_host_now();
	do {
		if (nuse_call0(own, NUSE_SYS_getpid) != own)
			die("getpid", -EIO);
		mine++;
	} while ((t = nuse_host_now()) - t0 < 500000000ULL);
	other.stop = 1;
	/* its last call is answered here, on the owner's thread */
	while (pthread_tryjoin_np(th, NULL))
		if (nuse_run())
			die("run", -EIO);
	return (mine + other.calls) / ((t - t0) / 1e9) / 1e6;
}

static double rcu_us(int n)
{
	double v[64];
	int i, pid = spawn_on(0);

	for (i = 0; i < n && i < 64; i++) {
		unsigned long long t0 = nuse_host_now();

		if (nuse_call0(pid, NUSE_CALL_SYNCHRONIZE_RCU))
			die("synchronize_rcu", -EIO);
		v[i] = (nuse_host_now() - t0) / 1e3;
	}
	return median(v, i);
}

int main(int argc, char **argv)
{
	double boot[11], sys[5], tcp[3], mcps[3];
	struct conn one, two[2];
	int i;
	void *tx, *rx;

	if (argc == 3 && !strcmp(argv[1], "--cpus"))
		ncpus = atoi(argv[2]);
	if (ncpus < 1 || ncpus > NUSE_CPUS_MAX || (argc != 1 && argc != 3)) {
		fprintf(stderr, "usage: bench-kernel [--cpus N]\n");
		return 2;
	}
	printf("the kernel on %u CPU%s\n", ncpus, ncpus > 1 ? "s" : "");

	for (i = 0; i < 11; i++)
		boot[i] = boot_once();
	printf("boot to first syscall (128 MiB): %.1f ms median of 11 (LKL: 38 ms)\n",
	       median(boot, 11));

	if (nuse_host_boot_cpus(MEMORY, "loglevel=4", quiet, ncpus))
		die("boot", -EIO);
	getpid_ns(10000);
	for (i = 0; i < 5; i++)
		sys[i] = getpid_ns(200000);
	printf("null syscall (getpid) round trip: %.0f ns median of 5x200k (LKL: 57 ns)\n",
	       median(sys, 5));

	for (i = 0; i < 3; i++)
		mcps[i] = getpid2_mcps();
	printf("null syscalls from two host threads at once: %.2f M/s median of 3x0.5 s\n",
	       median(mcps, 3));

	tx = malloc(CHUNK);
	rx = malloc(2 * CHUNK);
	memset(tx, 0x5a, CHUNK);
	lo_up();
	tcp_setup(&one, 5201, 0);
	for (i = 0; i < 3; i++)
		tcp[i] = tcp_gbps(&one, 1, TCP_BYTES, tx, rx);
	printf("loopback TCP throughput (1 GiB): %.1f Gbit/s median of 3 (LKL: 44 Gbit/s)\n",
	       median(tcp, 3));
	tcp_setup(&two[0], 5202, 0);
	tcp_setup(&two[1], 5203, ncpus > 1 ? 1 : 0);
	for (i = 0; i < 3; i++)
		tcp[i] = tcp_gbps(two, 2, TCP_BYTES / 2, tx, rx);
	printf("loopback TCP, 2 streams at once (2x512 MiB): %.1f Gbit/s median of 3\n",
	       median(tcp, 3));
	printf("synchronize_rcu(): %.0f us median of 21\n", rcu_us(21));
	nuse_host_halt();
	return 0;
}
