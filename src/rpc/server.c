// SPDX-License-Identifier: GPL-2.0
/* The tool RPC server; see rpc.h.  (Being written.) */
#include <stdio.h>

#include "rpc.h"

int rpc_init(struct ev_loop *loop, const struct config *c)
{
	return 0;
}

void rpc_fini(void)
{
}
