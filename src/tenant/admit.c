// SPDX-License-Identifier: GPL-2.0
/* Admission of kernel memory; see admit.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admit.h"
#include "slabinfo.h"
#include "sysctl.h"
#include "tenant.h"

static size_t reserve;

/* The kernel's own count limits are sized from its memory for a machine
 * of processes; here memory admission decides, so they step aside. */
void admit_init(size_t bytes)
{
	reserve = bytes;
	sysctl_set(1, "user.max_net_namespaces", "1048576");
	sysctl_set(1, "kernel.threads-max", "1048576");
	/* Every tenant is a task, and so is every tool: the kernel's small
	 * build allows 4096 pids by default, and 32768 at most (larger
	 * builds take more; try their limit first). */
	if (sysctl_set(1, "kernel.pid_max", "4194304"))
		sysctl_set(1, "kernel.pid_max", "32768");
}

static unsigned long long meminfo_field(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p ? strtoull(p + strlen(name), NULL, 10) << 10 : 0;
}

int admit_read(struct admit_mem *m)
{
	char buf[4096];

	memset(m, 0, sizeof(*m));
	m->reserve = reserve;
	if (proc_read(1, "/proc/meminfo", buf, sizeof(buf)) <= 0)
		return -EIO;
	m->total = meminfo_field(buf, "MemTotal:");
	m->free = meminfo_field(buf, "MemFree:");
	m->available = meminfo_field(buf, "MemAvailable:");
	if (!m->available)
		m->available = m->free;
	m->slab_reclaimable = meminfo_field(buf, "SReclaimable:");
	m->slab_unreclaimable = meminfo_field(buf, "SUnreclaim:");
	m->percpu = meminfo_field(buf, "Percpu:");
	return 0;
}

/* /proc/slabinfo has a line of ~110 bytes a cache: ~20 KB here. */
#define SLABINFO_MAX (256 * 1024)

int admit_read_slab_live(unsigned long long *bytes)
{
	char *buf = malloc(SLABINFO_MAX);
	int n;

	if (!buf)
		return -ENOMEM;
	n = proc_read(1, "/proc/slabinfo", buf, SLABINFO_MAX);
	n = n < 0 ? n : slabinfo_live_bytes(buf, bytes);
	free(buf);
	return n;
}

size_t admit_spec_bytes(const struct tenant_spec *s, int whole)
{
	size_t n = whole ? ADMIT_TENANT_BYTES : 0;
	int extra = whole ? s->nvnics - 1 : s->nvnics;
	int i;

	if (extra > 0)
		n += (size_t)extra * ADMIT_VNIC_BYTES;
	for (i = 0; i < 3; i++)
		if (s->iptables[i])
			n += ADMIT_RULES_FACTOR * strlen(s->iptables[i]);
	return n;
}

static double mib(unsigned long long b)
{
	return b / 1048576.0;
}

int admit(size_t need, const char *what, struct tenant_error *e)
{
	struct admit_mem m;

	if (admit_read(&m)) {
		snprintf(e->msg, sizeof(e->msg), "kernel memory: cannot read what is free");
		return -EIO;
	}
	if (m.available >= m.reserve && m.available - m.reserve >= need)
		return 0;
	e->field[0] = '\0';
	snprintf(e->msg, sizeof(e->msg),
		 "kernel memory: %.1f MiB available, %s needs about %.1f MiB, and "
		 "%.1f MiB is kept in reserve (kernel.reserve)", mib(m.available), what,
		 mib(need), mib(m.reserve));
	return -EDQUOT;
}
