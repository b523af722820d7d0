/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the launcher (launcher.c): its credentials and its jobs' sandbox. */
#ifndef LAUNCHER_INT_H
#define LAUNCHER_INT_H

#include "conf.h"

/* Become NUSE_TOOL_USER for good (when root): 0 or -errno, logged. */
int launcher_become(const struct config *c);

/* In a job, before its execve: it may start threads but never another
 * process, so no option of iptables (-M) can make it run a program. */
int launcher_no_spawn(void);

#endif
