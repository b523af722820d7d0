/* SPDX-License-Identifier: GPL-2.0 */
/* Each tenant's kernel log; see klog.c. */
#ifndef TENANT_KLOG_H
#define TENANT_KLOG_H

#include <stddef.h>

/* How a tenant's line reaches the daemon's log: @held lines of it were
 * held back before this one (more than KLOG_RATE a second). */
typedef void (*klog_say_fn)(const char *tenant, const char *text, unsigned long len,
			    unsigned int held);
void klog_say_to(klog_say_fn fn);
/* Tenant @name's namespace is inode @inum: its lines go to it.  0, -ENOMEM. */
int klog_add(const char *name, unsigned int inum);
void klog_del(const char *name);
/* A line of the kernel's: 1 if it was a tenant's (taken here), 0 if not. */
int klog_line(const char *msg, unsigned long len);
/* "[netns N] rest": N (0: not such a line), *rest after the tag. */
unsigned int klog_parse(const char *msg, unsigned long len, const char **rest);
/* Tenant @name's lines, oldest first, each "TIME TEXT\n", in *text
 * (malloc'd, *len bytes): 0, -ENOENT, -ENOMEM. */
int klog_read(const char *name, char **text, size_t *len);

#endif
