/* SPDX-License-Identifier: GPL-2.0 */
/* What plcheck.c and pltools.c share: a check that says ok or FAIL on a
 * line of its own (with errno), and the tenant they run in. */
#ifndef PLCHECK_H
#define PLCHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int failed;
static const char *tenant_addr, *ifname;

#define CHECK(cond, ...) do {						\
	if (cond) { printf("ok: "); printf(__VA_ARGS__); }		\
	else { failed = 1; printf("FAIL: "); printf(__VA_ARGS__);	\
	       printf(" (errno %s)", strerror(errno)); }		\
	printf("\n"); fflush(stdout);					\
} while (0)

#endif
