// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel on several CPUs (NUSE_TEST_CPUS, at least 2): every CPU runs
 * tasks; TCP streams between tasks on different CPUs carry every byte
 * intact while network namespaces are created and destroyed meanwhile
 * (grace periods, expedited ones under rtnl); the kernel reports no RCU
 * stall, lockup, BUG or WARNING; and halt returns while every CPU is busy.
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include "ktest.h"

#define STREAMS		2
#define STREAM_BYTES	(16UL << 20)
#define CHUNK		(64UL << 10)

static char klog[1 << 20];
static size_t klog_len;

static void log_keep(const char *msg, unsigned long len)
{
	fwrite(msg, 1, len, stderr);
	if (klog_len + len < sizeof(klog)) {
		memcpy(klog + klog_len, msg, len);
		klog_len += len;
	}
}

static unsigned char pattern(unsigned int s, unsigned long off)
{
	return (off * 131 + s * 7 + (off >> 16)) & 0xff;
}

static int spawn_on(int cpu)
{
	return KT_OK(nuse_call2(1, NUSE_CALL_SPAWN, NUSE_SPAWN_CPU, cpu));
}

static void every_cpu_runs(unsigned int n)
{
	char stat[8192], name[16];
	unsigned int c, got;

	KT_CHECK(nuse_cpu_count() == n, "booted %u CPUs, want %u", nuse_cpu_count(), n);
	KT_OK(kt_read_file(1, "/proc/stat", stat, sizeof(stat)));
	for (c = 0; c < n; c++) {
		int pid = spawn_on(c);

		snprintf(name, sizeof(name), "\ncpu%u ", c);
		KT_CHECK(strstr(stat, name), "no cpu%u in /proc/stat", c);
		got = ~0U;
		KT_OK(nuse_call3(pid, NUSE_SYS_getcpu, &got, 0, 0));
		KT_CHECK(got == c, "a task kept on CPU %u runs on CPU %u", c, got);
		KT_OK(nuse_call1(pid, NUSE_CALL_EXIT, 0));
	}
	KT_ERR(nuse_call2(1, NUSE_CALL_SPAWN, NUSE_SPAWN_CPU, n), EINVAL);
	KT_ERR(nuse_call2(1, NUSE_CALL_SPAWN, NUSE_SPAWN_CPU, 4096), EINVAL);
	printf("ok: %u CPUs, each runs the task kept on it\n", n);
}

struct stream {
	int tx_pid, rx_pid, tx_fd, rx_fd;
	unsigned long sent, received;
	unsigned char *out, *in;
	struct kt_async w, r;
};

static void stream_open(struct stream *st, unsigned int s, unsigned int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5100 + s),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct kt_async conn;
	long lfd;

	st->tx_pid = spawn_on(s % n);
	st->rx_pid = spawn_on((s + 1) % n);
	lfd = KT_OK(nuse_call3(st->rx_pid, NUSE_SYS_socket, AF_INET, SOCK_STREAM, 0));
	KT_OK(nuse_call3(st->rx_pid, NUSE_SYS_bind, lfd, &a, sizeof(a)));
	KT_OK(nuse_call2(st->rx_pid, NUSE_SYS_listen, lfd, 1));
	st->tx_fd = KT_OK(nuse_call3(st->tx_pid, NUSE_SYS_socket, AF_INET, SOCK_STREAM, 0));
	kt_submit(&conn, st->tx_pid, NUSE_SYS_connect, st->tx_fd, (long)&a, sizeof(a), 0);
	st->rx_fd = KT_OK(nuse_call3(st->rx_pid, NUSE_SYS_accept, lfd, 0, 0));
	KT_CHECK(kt_wait(&conn, 5000) && conn.call.ret == 0, "connect: %ld", conn.call.ret);
	KT_OK(nuse_call1(st->rx_pid, NUSE_SYS_close, lfd));
	st->out = malloc(CHUNK);
	st->in = malloc(CHUNK);
	KT_CHECK(st->out && st->in, "out of memory");
}

static void stream_write(struct stream *st, unsigned int s)
{
	unsigned long len = STREAM_BYTES - st->sent < CHUNK ? STREAM_BYTES - st->sent : CHUNK, i;

	for (i = 0; i < len; i++)
		st->out[i] = pattern(s, st->sent + i);
	kt_submit(&st->w, st->tx_pid, NUSE_SYS_write, st->tx_fd, (long)st->out, len, 0);
}

static void stream_read(struct stream *st)
{
	kt_submit(&st->r, st->rx_pid, NUSE_SYS_read, st->rx_fd, (long)st->in, CHUNK, 0);
}

/* One step of stream @s: 1 while it has bytes to move. */
static int stream_step(struct stream *st, unsigned int s)
{
	unsigned long i;

	if (st->w.done && st->sent < STREAM_BYTES) {
		KT_CHECK(st->w.call.ret > 0, "stream %u: write: %ld", s, st->w.call.ret);
		st->sent += st->w.call.ret;
		/* a short write leaves the rest of the chunk: send it again */
		if (st->sent < STREAM_BYTES)
			stream_write(st, s);
	}
	if (st->r.done && st->received < STREAM_BYTES) {
		KT_CHECK(st->r.call.ret > 0, "stream %u: read: %ld after %lu bytes", s,
			 st->r.call.ret, st->received);
		for (i = 0; i < (unsigned long)st->r.call.ret; i++)
			KT_CHECK(st->in[i] == pattern(s, st->received + i),
				 "stream %u: byte %lu is %u, want %u", s, st->received + i,
				 st->in[i], pattern(s, st->received + i));
		st->received += st->r.call.ret;
		if (st->received < STREAM_BYTES)
			stream_read(st);
	}
	return st->received < STREAM_BYTES;
}

/* Namespaces come and go under the streams: a spawn in a new one, then
 * its task's end (the namespace's cleanup follows, asynchronously). */
struct churn {
	int parent, child;
	unsigned int made;
	struct kt_async a;
};

static void churn_step(struct churn *c)
{
	if (!c->a.done)
		return;
	if (c->child) {
		c->child = 0;
		kt_submit(&c->a, c->parent, NUSE_CALL_SPAWN, NUSE_SPAWN_NEWNET, 0, 0, 0);
		return;
	}
	KT_CHECK(c->a.call.ret > 0, "spawn in a new namespace: %ld", c->a.call.ret);
	c->child = c->a.call.ret;
	c->made++;
	kt_submit(&c->a, c->child, NUSE_CALL_EXIT, 0, 0, 0, 0);
}

static void parallel_tcp(unsigned int n)
{
	static struct stream st[STREAMS];
	struct churn churn = { .parent = kt_spawn(1, 0) };
	unsigned long long t0, end;
	unsigned int s, busy;
	long netns0;

	netns0 = KT_OK(nuse_call0(1, NUSE_CALL_NETNS_COUNT));
	kt_lo_up(1);
	for (s = 0; s < STREAMS; s++) {
		stream_open(&st[s], s, n);
		stream_write(&st[s], s);
		stream_read(&st[s]);
	}
	churn.a.done = 1;
	churn.child = 1;	/* start with a spawn */
	t0 = nuse_host_now();
	end = t0 + 120 * 1000000000ULL;
	do {
		KT_CHECK(nuse_host_step(1000000ULL) == 0, "the kernel stopped");
		for (busy = 0, s = 0; s < STREAMS; s++)
			busy += stream_step(&st[s], s);
		churn_step(&churn);
	} while (busy && nuse_host_now() < end);
	KT_CHECK(!busy, "streams not done after 120 s");
	printf("ok: %u streams of %lu MiB across CPUs intact in %.2f s, %u namespaces "
	       "made and ended meanwhile\n", STREAMS, STREAM_BYTES >> 20,
	       (nuse_host_now() - t0) / 1e9, churn.made);
	KT_CHECK(churn.made >= 5, "only %u namespaces made", churn.made);
	/* the call in flight: a spawn (its task then ends) or an end */
	KT_CHECK(kt_wait(&churn.a, 5000), "the namespace churn hangs");
	if (!churn.child) {
		KT_CHECK(churn.a.call.ret > 0, "spawn: %ld", churn.a.call.ret);
		kt_submit(&churn.a, churn.a.call.ret, NUSE_CALL_EXIT, 0, 0, 0, 0);
		KT_CHECK(kt_wait(&churn.a, 5000), "the namespace churn hangs");
	}
	end = nuse_host_now() + 10 * 1000000000ULL;
	while (KT_OK(nuse_call0(1, NUSE_CALL_NETNS_COUNT)) > netns0 && nuse_host_now() < end)
		nuse_host_step(10000000ULL);
	KT_CHECK(nuse_call0(1, NUSE_CALL_NETNS_COUNT) == netns0,
		 "%ld namespaces left, %ld before", nuse_call0(1, NUSE_CALL_NETNS_COUNT), netns0);
	printf("ok: every namespace made was cleaned up\n");
}

/* Every CPU busy in a long call when the host halts the kernel. */
static void halt_busy(unsigned int n)
{
	static struct kt_async busy[64];
	unsigned long long t0;
	unsigned int c;
	void *buf = malloc(64UL << 20);
	int err;

	KT_CHECK(buf, "out of memory");
	for (c = 0; c < n && c < 64; c++)
		kt_submit(&busy[c], spawn_on(c), NUSE_SYS_getrandom, (long)buf, 64L << 20,
			  0x4 /* GRND_INSECURE: never waits for entropy */, 0);
	nuse_host_step(0);
	t0 = nuse_host_now();
	err = nuse_host_halt();
	KT_CHECK(err == 0, "halt with every CPU busy: %s", strerror(-err));
	printf("ok: halted with %u CPUs busy in %.1f ms\n", n, (nuse_host_now() - t0) / 1e6);
	free(buf);
}

static void no_complaints(void)
{
	static const char *const bad[] = { "detected stall", "rcu_sched kthread",
		"soft lockup", "BUG:", "WARNING:", "Oops", "did not come up", NULL };
	int i;

	klog[klog_len] = '\0';
	for (i = 0; bad[i]; i++)
		KT_CHECK(!strstr(klog, bad[i]), "the kernel log says \"%s\"", bad[i]);
	printf("ok: no stall, lockup, BUG or WARNING in the kernel log\n");
}

int main(void)
{
	unsigned int n = kt_cpus() < 2 ? 2 : kt_cpus();
	int err;

	/* a short stall timeout: a CPU that stops answering shows at once */
	err = nuse_host_boot_cpus(256UL << 20, "loglevel=4 rcupdate.rcu_cpu_stall_timeout=5",
				  log_keep, n);
	KT_CHECK(err == 0, "boot with %u CPUs: %s", n, strerror(-err));
	every_cpu_runs(n);
	parallel_tcp(n);
	halt_busy(n);
	no_complaints();
	return 0;
}
