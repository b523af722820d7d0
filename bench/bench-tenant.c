// SPDX-License-Identifier: GPL-2.0
/*
 * bench-tenant: what a tenant costs.
 *   create	time to create a tenant with one vNIC, an address and a
 *		default route (median and p99 over the first and the last
 *		1000 of N, --tenants N, default 1000)
 *   memory	kernel memory per tenant with N tenants, and where it goes:
 *		the kernel's meminfo and its slab caches, grown per tenant
 *   idle	the host CPU the idle kernel takes with none and with N
 *		tenants (their timers), over 3 s each
 *   fit	the most such tenants a 1 GiB kernel holds
 *   host	for reference, the same on the host kernel with ip(8): a
 *		namespace, a veth moved into it, an address, link up and a
 *		default route, measured in the same run
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nuse_host.h"
#include "admit.h"
#include "tenant.h"

#define HOST_N	50
#define SLABS_MAX	512

/* --cpus N: the kernel's CPUs; the command line is the daemon's. */
static unsigned int ncpus = 1;
#define CMDLINE	"loglevel=4 rcupdate.rcu_expedited=1"
/* --nomerge: every slab cache its own, so that the growth shows where
 * the memory goes (merged caches report under one name) */
static const char *cmdline = CMDLINE;

static void quiet(const char *m, unsigned long l)
{
}

static void no_wire(void *priv, int vnic, struct nuse_frame *f, unsigned int n)
{
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static int make_tenant(int i)
{
	struct tenant_prefix addr;
	struct tenant_vnic_spec v = { .name = "eth0", .vlan = -1, .naddrs = 1, .addrs = &addr };
	struct tenant_route_spec r = { .has_via = 1 };
	struct tenant_spec s = { .nvnics = 1, .vnics = &v, .nroutes = 1, .routes = &r };
	struct tenant_error e;
	char buf[64];

	snprintf(s.name, sizeof(s.name), "t%d", i);
	snprintf(buf, sizeof(buf), "02:%02x:%02x:%02x:00:01", (i >> 16) & 0xff,
		 (i >> 8) & 0xff, i & 0xff);
	tenant_parse_mac(buf, v.mac);
	snprintf(buf, sizeof(buf), "10.%d.%d.2/24", (i >> 8) & 0xff, i & 0xff);
	tenant_parse_prefix(buf, &addr);
	tenant_parse_prefix("0.0.0.0/0", &r.dst);
	snprintf(buf, sizeof(buf), "10.%d.%d.1", (i >> 8) & 0xff, i & 0xff);
	tenant_parse_addr(buf, &r.via);
	if (tenant_create(&s, &e)) {
		fprintf(stderr, "bench-tenant: tenant %d: %s%s%s\n", i, e.field, e.field[0] ? ": " : "",
			e.msg);
		return -1;
	}
	return 0;
}

/* The kernel's file @path, read whole into @buf (NUL-ended). */
static long kread(const char *path, char *buf, size_t size)
{
	long fd, n, got = 0;

	fd = nuse_call4(1, NUSE_SYS_openat, -100, path, 0, 0);
	if (fd < 0)
		return fd;
	while (got < (long)size - 1 &&
	       (n = nuse_call3(1, NUSE_SYS_read, fd, buf + got, size - 1 - got)) > 0)
		got += n;
	nuse_call1(1, NUSE_SYS_close, fd);
	buf[got] = '\0';
	return got;
}

static long meminfo_kib(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	return p ? strtol(p + strlen(key) + 1, NULL, 10) : -1;
}

static long mem_free_kib(void)
{
	static char buf[4096];

	kread("/proc/meminfo", buf, sizeof(buf));
	return meminfo_kib(buf, "MemFree:");
}

/* The slab caches' bytes (objects in use times their size). */
struct slab {
	char name[64];
	long long bytes;
};

static int slabs_read(struct slab *out)
{
	static char buf[1 << 17];
	char *line, *save;
	int n = 0;

	if (kread("/proc/slabinfo", buf, sizeof(buf)) <= 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line && n < SLABS_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		long long active, total, size;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %lld %lld %lld", out[n].name, &active, &total, &size) == 4) {
			out[n].bytes = active * size;
			n++;
		}
	}
	return n;
}

static int cmp_growth(const void *a, const void *b)
{
	long long x = ((const struct slab *)a)->bytes, y = ((const struct slab *)b)->bytes;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* What grew between @m0/@s0 and now, per tenant of @n. */
static void mem_report(const char *m0, const struct slab *s0, int ns0, int n)
{
	static const char *const keys[] = { "Slab:", "SUnreclaim:", "Percpu:", "VmallocUsed:",
					    "KernelStack:", "PageTables:", NULL };
	static char m1[4096];
	static struct slab s1[SLABS_MAX];
	int i, j, ns1;

	kread("/proc/meminfo", m1, sizeof(m1));
	printf("  meminfo per tenant:");
	for (i = 0; keys[i]; i++)
		printf(" %s %.1f KiB", keys[i],
		       (double)(meminfo_kib(m1, keys[i]) - meminfo_kib(m0, keys[i])) / n);
	printf("\n");
	if (kread("/proc/loadavg", m1, sizeof(m1)) > 0)
		printf("  the kernel's tasks (runnable/all, last pid): %s", m1);
	ns1 = slabs_read(s1);
	for (i = 0; i < ns1; i++)
		for (j = 0; j < ns0; j++)
			if (!strcmp(s1[i].name, s0[j].name)) {
				s1[i].bytes -= s0[j].bytes;
				break;
			}
	qsort(s1, ns1, sizeof(*s1), cmp_growth);
	printf("  slab caches grown most, bytes per tenant:");
	for (i = 0; i < ns1 && i < 12 && s1[i].bytes > 0; i++)
		printf("%s %s %lld", i ? "," : "", s1[i].name, s1[i].bytes / n);
	printf("\n");
}

/* The host CPU (percent of one core) the kernel takes over @secs with
 * nothing to do but its timers. */
static double idle_cpu(double secs)
{
	struct rusage r0, r1;
	unsigned long long t0 = nuse_host_now(), end = t0 + secs * 1e9;
	double cpu;

	getrusage(RUSAGE_SELF, &r0);
	while (nuse_host_now() < end)
		nuse_host_step(100000000ULL);
	getrusage(RUSAGE_SELF, &r1);
	cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
	      (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec -
	       r0.ru_stime.tv_usec) / 1e6;
	return 100 * cpu / ((nuse_host_now() - t0) / 1e9);
}

static void boot(size_t mem)
{
	struct tenant_io io = { .tx = no_wire };

	if (nuse_host_boot_cpus(mem, cmdline, quiet, ncpus) || tenant_init(&io)) {
		fprintf(stderr, "bench-tenant: boot failed\n");
		exit(1);
	}
	admit_init(0);		/* the daemon's count limits: pids, namespaces */
}

static void settle(void)
{
	unsigned long long end = nuse_host_now() + 200000000ULL;

	while (nuse_host_now() < end)
		nuse_host_step(1000000ULL);
}

/* In a child: how many tenants fit in a 1 GiB kernel. */
static int fit_1g(void)
{
	int fds[2], n = 0, status;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		boot(1UL << 30);
		while (make_tenant(n) == 0)
			n++;
		if (write(fds[1], &n, sizeof(n)) != sizeof(n))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &n, sizeof(n)) != sizeof(n))
		n = -1;
	close(fds[0]);
	waitpid(pid, &status, 0);
	return n;
}

static int sh(const char *cmd)
{
	return system(cmd);
}

/* The host-kernel equivalent, one tenant per iteration, with ip(8). */
static double host_ms(unsigned long long *t, int n)
{
	int i, ok = 1;

	char cmd[1024];

	for (i = 0; i < n && ok; i++) {
		unsigned long long t0 = nuse_host_now();

		snprintf(cmd, sizeof(cmd),
			 "ip netns add nbench%d && "
			 "ip link add nbv%d type veth peer name nbp%d && "
			 "ip link set nbp%d netns nbench%d && "
			 "ip -n nbench%d addr add 10.99.%d.2/24 dev nbp%d && "
			 "ip -n nbench%d link set nbp%d up && "
			 "ip -n nbench%d route add default via 10.99.%d.1",
			 i, i, i, i, i, i, i, i, i, i, i, i);
		ok = !sh(cmd);
		t[i] = nuse_host_now() - t0;
	}
	for (int j = 0; j < i; j++) {
		snprintf(cmd, sizeof(cmd), "ip netns del nbench%d 2>/dev/null; "
			 "ip link del nbv%d 2>/dev/null", j, j);
		sh(cmd);
	}
	if (!ok)
		return -1;
	qsort(t, n, sizeof(*t), cmp_ull);
	return t[n / 2] / 1e6;
}

static void times_report(const char *what, unsigned long long *t, int n)
{
	qsort(t, n, sizeof(*t), cmp_ull);
	printf("%s: median %.3f ms, p99 %.3f ms over %d\n", what, t[n / 2] / 1e6,
	       t[n * 99 / 100] / 1e6, n);
}

int main(int argc, char **argv)
{
	static char m0[4096];
	static struct slab s0[SLABS_MAX];
	unsigned long long *t, *u;
	long free0, free1;
	double med, host, idle0, idle1;
	int i, fit, n = 1000, k, ns0;
	size_t mem;
	char name[16], what[128];

	for (i = 1; i < argc && !strcmp(argv[i], "--nomerge"); i++)
		cmdline = CMDLINE " slab_nomerge";
	for (; i + 1 < argc; i += 2)
		if (!strcmp(argv[i], "--cpus"))
			ncpus = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--tenants"))
			n = atoi(argv[i + 1]);
		else
			break;
	if (ncpus < 1 || ncpus > NUSE_CPUS_MAX || i != argc || n < 100 || n > 100000) {
		fprintf(stderr, "usage: bench-tenant [--nomerge] [--cpus N] [--tenants N (100-100000)]\n");
		return 2;
	}
	k = n / 10 < 1000 ? n / 10 : 1000;	/* the first and last k timed */
	t = calloc(n, sizeof(*t));
	u = calloc(n, sizeof(*u));
	if (!t || !u)
		return 1;
	printf("the kernel on %u CPU%s, %d tenants\n", ncpus, ncpus > 1 ? "s" : "", n);

	/* A kernel boots once per process: the 1 GiB one lives in a child. */
	fit = fit_1g();
	mem = (512UL << 20) + (size_t)n * (512UL << 10);
	boot(mem);
	settle();
	{
		/* the host backs the kernel's memory first (idle-priority
		 * touches ahead of it): not the idle kernel's CPU */
		unsigned long long t0 = nuse_host_now();

		while (nuse_host_prefaulting() && nuse_host_now() - t0 < 300000000000ULL)
			nuse_host_step(10000000ULL);
		printf("waited %.1f s for the host to back the kernel's memory (%zu MiB, huge pages "
		       "touched ahead)\n", (nuse_host_now() - t0) / 1e9, mem >> 20);
	}
	idle0 = idle_cpu(3);
	free0 = mem_free_kib();
	kread("/proc/meminfo", m0, sizeof(m0));
	ns0 = slabs_read(s0);
	for (i = 0; i < n; i++) {
		unsigned long long t0 = nuse_host_now();

		if (make_tenant(i)) {
			fprintf(stderr, "bench-tenant: tenant %d failed\n", i);
			return 1;
		}
		t[i] = nuse_host_now() - t0;
	}
	settle();
	free1 = mem_free_kib();
	memcpy(u, t, n * sizeof(*t));
	qsort(u, n, sizeof(*u), cmp_ull);
	med = u[n / 2] / 1e6;
	printf("tenant create (vNIC, address, default route): median %.3f ms, p99 %.3f ms over %d\n",
	       med, u[n * 99 / 100] / 1e6, n);
	snprintf(what, sizeof(what), "  the first %d", k);
	memcpy(u, t, k * sizeof(*t));
	times_report(what, u, k);
	snprintf(what, sizeof(what), "  the last %d", k);
	memcpy(u, t + n - k, k * sizeof(*t));
	times_report(what, u, k);
	printf("kernel memory per tenant (%d tenants): %.0f KiB (%.0f tenants per GiB)\n", n,
	       (double)(free0 - free1) / n, (1 << 20) / ((double)(free0 - free1) / n));
	mem_report(m0, s0, ns0, n);
	idle1 = idle_cpu(3);
	printf("idle kernel, host CPU: %.2f%% of a core with no tenants, %.2f%% with %d\n",
	       idle0, idle1, n);
	for (i = 0; i < n; i++) {
		unsigned long long t0 = nuse_host_now();

		snprintf(name, sizeof(name), "t%d", i);
		if (tenant_destroy(name, NULL)) {
			fprintf(stderr, "bench-tenant: deleting tenant %d failed\n", i);
			return 1;
		}
		t[i] = nuse_host_now() - t0;
	}
	times_report("tenant delete", t, n);
	tenant_fini(0);
	nuse_host_halt();
	printf("tenants that fit in 1 GiB of kernel memory: %d\n", fit);

	host = geteuid() == 0 ? host_ms(u, HOST_N) : -1;
	if (host > 0)
		printf("host kernel with ip(8), same work: median %.3f ms over %d -> nuse is %.0fx faster\n",
		       host, HOST_N, host / med);
	else
		printf("host kernel with ip(8): not measured (needs root and ip)\n");
	return 0;
}
