/* SPDX-License-Identifier: GPL-2.0 */
/* What a session adopted for the appliance's own iptables jobs may do. */
#ifndef RPC_JOBPOLICY_H
#define RPC_JOBPOLICY_H

#include <stddef.h>
#include <stdint.h>
#include "nrpc.h"

/* The kinds of job, by the tools they run (a session's job). */
enum { RPC_JOB_NONE, RPC_JOB_XTABLES, RPC_JOB_NFT };

/* 1 if the call (@op, @args, its in data @in of @n bytes) is one a job
 * of @kind needs, else 0: it is refused with -EPERM.  An iptables job:
 * raw IP sockets for their table options, and the tables' /proc files.
 * An nft job: netfilter's netlink socket, and what talking on it takes;
 * it can make no other socket, so its sends and receives are nfnetlink's. */
int rpc_job_allows(int kind, uint32_t op, const int64_t args[6], const unsigned char *in,
		   size_t n);

#endif
