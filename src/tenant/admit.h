/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Admission of kernel memory: work that makes per-tenant kernel objects
 * (a tenant, a vNIC, a ruleset) is refused while what the kernel has left,
 * less what the work needs, would eat into a reserve.  The reserve is what
 * the kernel keeps for traffic, timers and the tools' calls of the tenants
 * already admitted: it is never promised to a new one.  Dataplane thread.
 */
#ifndef TENANT_ADMIT_H
#define TENANT_ADMIT_H

#include <stddef.h>

struct tenant_error;
struct tenant_spec;

/* What a tenant costs the kernel, measured on this kernel (bench-tenant):
 * about 260 KiB with one vNIC, address and route, 40 KiB a further vNIC;
 * rounded up, since the first tenants also grow the kernel's caches. */
#define ADMIT_TENANT_BYTES	(384UL << 10)
#define ADMIT_VNIC_BYTES	(64UL << 10)
/* A ruleset is copied a few times over (text, blob, the table's copy). */
#define ADMIT_RULES_FACTOR	4

struct admit_mem {
	unsigned long long total;	/* the kernel's memory */
	unsigned long long free;	/* pages on the free lists */
	unsigned long long available;	/* free, plus what it can reclaim */
	unsigned long long slab_reclaimable;	/* slab pages it can reclaim (dentries, inodes) */
	unsigned long long slab_unreclaimable;
	unsigned long long percpu;	/* the per-CPU allocator's chunks */
	unsigned long long reserve;
};

void admit_init(size_t reserve);
int admit_read(struct admit_mem *m);
/* Bytes in the kernel's live slab objects (see slabinfo.h): 0 or -errno. */
int admit_read_slab_live(unsigned long long *bytes);
/* Bytes the work of @s costs: a whole tenant, or only its vNICs. */
size_t admit_spec_bytes(const struct tenant_spec *s, int whole);
/* 0, or -EDQUOT with the reason in @e (@what names the work). */
int admit(size_t need, const char *what, struct tenant_error *e);

#endif
