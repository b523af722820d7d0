// SPDX-License-Identifier: GPL-2.0
/* nuse-appliance exec; see rpc.h.  (Being written.) */
#include <stdio.h>

#include "rpc.h"

int rpc_exec_main(int argc, char **argv)
{
	fprintf(stderr, "nuse-appliance exec: not built yet\n");
	return 127;
}
