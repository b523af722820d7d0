/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The launcher: a small process forked at the very start, before the
 * appliance gives up root, that runs the API's iptables tools for it
 * under a user of their own (NUSE_TOOL_USER) that the appliance's user
 * cannot ptrace, signal or take descriptors from.  It is that user
 * itself, with no capabilities, runs nothing but the fixed
 * iptables-legacy programs, and takes orders over a private socket
 * pair, one checked message each.  See doc/privileges.md.
 */
#ifndef LAUNCHER_H
#define LAUNCHER_H

#include <stdint.h>

struct config;

#define NUSE_TOOL_USER		"nuse-tool"

/* The programs, by number: family * LAUNCHER_TOOLS_PER + which, the
 * families those of iptables.h (IPv4, IPv6, nftables: nft is all three). */
enum launcher_tool { TOOL_RULE, TOOL_SAVE, TOOL_RESTORE, LAUNCHER_TOOLS_PER };
#define LAUNCHER_TOOLS		(3 * LAUNCHER_TOOLS_PER)

#define LAUNCHER_ARGS_MAX	80	/* words after the program's name */
#define LAUNCHER_ARG_LEN	1024	/* bytes in one, without its NUL */
#define LAUNCHER_TENANT_MAX	63
#define LAUNCHER_JOBS		8	/* running at once */

enum launcher_type {
	LAUNCHER_READY = 1,	/* launcher to us, once: value 0 or -errno */
	LAUNCHER_RUN,		/* us to it: value the tool; 4 descriptors */
	LAUNCHER_KILL,		/* us to it: end job id */
	LAUNCHER_FAILED,	/* it to us: job id did not start: value -errno */
	LAUNCHER_EXITED,	/* it to us: job id ended: value its wait status */
};

/* Every message begins so; len counts the whole message. */
struct launcher_msg {
	uint32_t type, len, id;
	int32_t value;
};

/* LAUNCHER_RUN, followed by argc NUL-terminated words filling len; with
 * it the job's standard input, output, error and its tool session. */
struct launcher_run {
	struct launcher_msg m;
	uint32_t argc;
	char tenant[LAUNCHER_TENANT_MAX + 1];
};

#define LAUNCHER_MSG_MAX	(sizeof(struct launcher_run) + \
				 LAUNCHER_ARGS_MAX * (LAUNCHER_ARG_LEN + 1))

/*
 * Fork the launcher.  Call it right after privs_lookup(), while the
 * process has one thread and holds nothing secret yet; the launcher
 * closes every descriptor but the standard ones.  0 once it is ready,
 * or -errno with the reason logged (the launcher's own, or -ECHILD if it
 * said none); nothing is left running then.
 */
int launcher_start(const struct config *c);

/* Our end of the socket pair, or -1 if there is no launcher. */
int launcher_fd(void);

/* Let the launcher go (it ends its jobs and exits) and reap it. */
void launcher_stop(void);

#endif
