// SPDX-License-Identifier: GPL-2.0
/*
 * 1000 tenants, each with a vNIC, an address and a default route, created
 * and destroyed: afterwards the kernel's free memory is back within 2% of
 * where it started and no tenant, vNIC, task or namespace is left.
 */
#include "tnet.h"

static long meminfo(const char *key)
{
	char buf[2048], *p;

	KT_OK(kt_read_file(1, "/proc/meminfo", buf, sizeof(buf)));
	p = strstr(buf, key);
	KT_CHECK(p, "no %s in /proc/meminfo", key);
	return strtol(p + strlen(key) + 1, NULL, 10);
}

static void settle(void)
{
	kt_run_wires(NULL, 0, NULL, 300);
}

int main(void)
{
	long free0, free1;
	int i, netns0, n = 1000, *pids = calloc(n, sizeof(int));
	struct tn_spec s;
	char name[32], mac[32], addr[32];
	struct tenant_error e;

	kt_boot(512UL << 20);
	tn_init();
	settle();
	free0 = meminfo("MemFree:");
	netns0 = nuse_call0(1, NUSE_CALL_NETNS_COUNT);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x", i >> 8, i & 0xff);
		snprintf(addr, sizeof(addr), "10.%d.%d.2/24", i >> 8, i & 0xff);
		tn_spec(&s, name);
		tn_vnic(&s, "eth0", mac, addr, NULL);
		snprintf(addr, sizeof(addr), "10.%d.%d.1", i >> 8, i & 0xff);
		tn_route(&s, "0.0.0.0/0", addr, NULL);
		tn_create(&s);
		pids[i] = tenant_pid(tenant_find(name));
	}
	KT_CHECK(tenant_count() == n && nuse_vnic_count() == n &&
		 nuse_call0(1, NUSE_CALL_NETNS_COUNT) == netns0 + n,
		 "%d tenants, %d vNICs", tenant_count(), nuse_vnic_count());
	printf("%d tenants: %ld KiB of kernel memory in use\n", n,
	       free0 - meminfo("MemFree:"));
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		KT_OK(tenant_destroy(name, &e));
	}
	settle();
	free1 = meminfo("MemFree:");
	printf("free memory: %ld KiB before, %ld KiB after (%.2f%%)\n", free0, free1,
	       100.0 * (free0 - free1) / free0);
	KT_CHECK(tenant_count() == 0, "%d tenants left", tenant_count());
	KT_CHECK(nuse_vnic_count() == 0, "%d vNICs (and their rings) left",
		 nuse_vnic_count());
	for (i = 0; i < n; i++)
		KT_ERR(nuse_call0(pids[i], NUSE_SYS_getpid), ESRCH);
	KT_CHECK(nuse_call0(1, NUSE_CALL_NETNS_COUNT) == netns0,
		 "%ld namespaces, %d before", nuse_call0(1, NUSE_CALL_NETNS_COUNT), netns0);
	KT_CHECK(free0 - free1 <= free0 / 50, "free memory not back within 2%%");
	free(pids);
	kt_halt();
	return 0;
}
