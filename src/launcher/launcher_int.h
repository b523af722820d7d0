/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the launcher (launcher.c): its credentials and its jobs' sandbox. */
#ifndef LAUNCHER_INT_H
#define LAUNCHER_INT_H

#include <stddef.h>

struct config;
struct launcher_run;

/* Become NUSE_TOOL_USER for good (when root): 0 or -errno, logged. */
int launcher_become(const struct config *c);

/* The words of a LAUNCHER_RUN of @len bytes into @words (NULL-terminated,
 * pointing into @r), if it is well formed: 0, or -EINVAL and @why. */
int launcher_check_run(const struct launcher_run *r, size_t len, char *words[],
		       const char **why);

/* In a job, before its execve: it may start threads but never another
 * process, so no option of iptables (-M) can make it run a program. */
int launcher_no_spawn(void);

#endif
