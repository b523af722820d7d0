/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's /proc/slabinfo, summed: pure, no kernel call. */
#ifndef TENANT_SLABINFO_H
#define TENANT_SLABINFO_H

/*
 * Bytes in the live objects of every slab cache (active objects times
 * object size) in @text, the whole of /proc/slabinfo (version 2.x), into
 * @bytes.  Unlike the slab pages /proc/meminfo counts, this does not move
 * with the empty and partly used slabs each cache keeps, so a leak shows
 * in it at the size of what leaks.  0, or -EINVAL if @text is not
 * slabinfo 2.x (nothing written to @bytes).
 */
int slabinfo_live_bytes(const char *text, unsigned long long *bytes);

#endif
