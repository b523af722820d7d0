/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysctl.h - the library kernel's sysctls, as seen by one task: through
 * /proc/sys in that task, so per-namespace settings are its namespace's.
 *
 * @name is dotted ("net.ipv4.ip_forward") or, when a part holds a dot of
 * its own (the interface "eth0.100"), written with slashes
 * ("net/ipv4/conf/eth0.100/forwarding").  Only letters, digits, '_', '-',
 * '.' (and '/' in the second form) are taken: -EINVAL otherwise.  An
 * unknown name is -ENOENT.  Both return 0 or -errno.
 */
#ifndef TENANT_SYSCTL_H
#define TENANT_SYSCTL_H

#include <stddef.h>

int sysctl_set(int pid, const char *name, const char *value);
/* The value, without its trailing newline; -EOVERFLOW if @size is short. */
int sysctl_get(int pid, const char *name, char *buf, size_t size);
/* A whole /proc file as task @pid sees it, NUL-terminated: its length,
 * or -EOVERFLOW when it does not fit in @size - 1 bytes. */
int proc_read(int pid, const char *path, char *buf, size_t size);

#endif
