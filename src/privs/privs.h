/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege: the appliance starts as root, opens what needs root
 * (the DPDK port, the listening sockets, the state directory, the token
 * file), then becomes the configured user keeping only the capabilities
 * the running appliance still needs, on every thread (libcap-ng).  What
 * is kept, and why, is in doc/privileges.md.
 */
#ifndef PRIVS_H
#define PRIVS_H

#include <sys/types.h>

/*
 * The uid and primary gid of @user: a user name, or a numeric uid (one
 * without a passwd entry gets the gid of the same number).  0, or -errno
 * with a message logged: -ENOENT if there is no such user.
 *
 * Call it while the process has one thread.  When a root process is to
 * become another user, it also narrows, for this thread and so for every
 * thread started later, what Linux keeps per thread and no later call can
 * change in the others: the bounding set, the inheritable set and
 * no_new_privs.  The capabilities in use are untouched until privs_drop.
 */
int privs_lookup(const char *user, uid_t *uid, gid_t *gid);

/* The uid and primary gid of @user as privs_lookup() finds them, and
 * nothing else: 0, or -errno with a message logged. */
int privs_user_ids(const char *user, uid_t *uid, gid_t *gid);

/*
 * Become @uid/@gid, with no supplementary groups, on every thread, and
 * drop the capabilities; then check every thread's credentials and log
 * the result.  When not running as root, changes nothing and says so;
 * when @uid is 0, changes nothing and warns.  0, or -errno with a message
 * logged (-EPERM: a thread's credentials are not what they must be): a
 * failure may leave the process half dropped, so the caller must exit.
 */
int privs_drop(uid_t uid, gid_t gid);

#endif
