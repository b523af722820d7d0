/* SPDX-License-Identifier: GPL-2.0 */
/* What a session adopted for the appliance's own iptables jobs may do. */
#ifndef RPC_JOBPOLICY_H
#define RPC_JOBPOLICY_H

#include <stddef.h>
#include <stdint.h>
#include "nrpc.h"

/* 1 if the call (@op, @args, its in data @in of @n bytes) is one an
 * iptables job needs, else 0: it is refused with -EPERM. */
int rpc_job_allows(uint32_t op, const int64_t args[6], const unsigned char *in, size_t n);

#endif
