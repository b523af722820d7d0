// SPDX-License-Identifier: GPL-2.0
/*
 * bench-tenant: what a tenant costs.
 *   create	time to create a tenant with one vNIC, an address and a
 *		default route (median and p99 over 1000)
 *   memory	kernel memory per tenant with 1000 tenants
 *   fit	the most such tenants a 1 GiB kernel holds
 *   host	for reference, the same on the host kernel with ip(8): a
 *		namespace, a veth moved into it, an address, link up and a
 *		default route, measured in the same run
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nuse_host.h"
#include "tenant.h"

#define N	1000
#define HOST_N	50

/* --cpus N: the kernel's CPUs; the command line is the daemon's. */
static unsigned int ncpus = 1;
#define CMDLINE	"loglevel=4 rcupdate.rcu_expedited=1"

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
	return tenant_create(&s, &e);
}

static long mem_free_kib(void)
{
	char buf[2048], *p;
	long fd, n;

	fd = nuse_call4(1, NUSE_SYS_openat, -100, "/proc/meminfo", 0, 0);
	n = nuse_call3(1, NUSE_SYS_read, fd, buf, sizeof(buf) - 1);
	nuse_call1(1, NUSE_SYS_close, fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strstr(buf, "MemFree:");
	return p ? strtol(p + 8, NULL, 10) : -1;
}

static void boot(size_t mem)
{
	struct tenant_io io = { .tx = no_wire };

	if (nuse_host_boot_cpus(mem, CMDLINE, quiet, ncpus) || tenant_init(&io)) {
		fprintf(stderr, "bench-tenant: boot failed\n");
		exit(1);
	}
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

int main(int argc, char **argv)
{
	static unsigned long long t[N];
	long free0, free1;
	double med, p99, host;
	int i, fit;
	char name[16];

	if (argc == 3 && !strcmp(argv[1], "--cpus"))
		ncpus = atoi(argv[2]);
	if (ncpus < 1 || ncpus > NUSE_CPUS_MAX || (argc != 1 && argc != 3)) {
		fprintf(stderr, "usage: bench-tenant [--cpus N]\n");
		return 2;
	}
	printf("the kernel on %u CPU%s\n", ncpus, ncpus > 1 ? "s" : "");

	/* A kernel boots once per process: the 1 GiB one lives in a child. */
	fit = fit_1g();
	boot(512UL << 20);
	settle();
	free0 = mem_free_kib();
	for (i = 0; i < N; i++) {
		unsigned long long t0 = nuse_host_now();

		if (make_tenant(i)) {
			fprintf(stderr, "bench-tenant: tenant %d failed\n", i);
			return 1;
		}
		t[i] = nuse_host_now() - t0;
	}
	settle();
	free1 = mem_free_kib();
	qsort(t, N, sizeof(*t), cmp_ull);
	med = t[N / 2] / 1e6;
	p99 = t[N * 99 / 100] / 1e6;
	printf("tenant create (vNIC, address, default route): median %.3f ms, p99 %.3f ms over %d\n",
	       med, p99, N);
	printf("kernel memory per tenant (%d tenants): %.0f KiB\n", N,
	       (double)(free0 - free1) / N);
	for (i = 0; i < N; i++) {
		unsigned long long t0 = nuse_host_now();

		snprintf(name, sizeof(name), "t%d", i);
		if (tenant_destroy(name, NULL)) {
			fprintf(stderr, "bench-tenant: deleting tenant %d failed\n", i);
			return 1;
		}
		t[i] = nuse_host_now() - t0;
	}
	qsort(t, N, sizeof(*t), cmp_ull);
	printf("tenant delete: median %.3f ms, p99 %.3f ms over %d\n",
	       t[N / 2] / 1e6, t[N * 99 / 100] / 1e6, N);
	tenant_fini(0);
	nuse_host_halt();
	printf("tenants that fit in 1 GiB of kernel memory: %d\n", fit);

	host = geteuid() == 0 ? host_ms(t, HOST_N) : -1;
	if (host > 0)
		printf("host kernel with ip(8), same work: median %.3f ms over %d -> nuse is %.0fx faster\n",
		       host, HOST_N, host / med);
	else
		printf("host kernel with ip(8): not measured (needs root and ip)\n");
	return 0;
}
