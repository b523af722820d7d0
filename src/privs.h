/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege: the appliance starts as root, opens what needs root
 * (the DPDK port, the listening sockets, the state directory, the token
 * file), then becomes the configured user keeping only the capabilities
 * the running appliance still needs, on every thread (libcap-ng).
 */
#ifndef PRIVS_H
#define PRIVS_H

#include <sys/types.h>

/* The uid and primary gid of @user (a name or a number); 0 or -1 with a
 * message logged. */
int privs_lookup(const char *user, uid_t *uid, gid_t *gid);

/* Become @uid/@gid with only the documented capabilities left; logs the
 * result.  When not running as root, changes nothing and says so.  0 or
 * -1 with a message logged. */
int privs_drop(uid_t uid, gid_t gid);

#endif
