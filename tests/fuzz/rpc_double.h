/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the RPC's op code (ops.c, opts.c, fileops.c, calllog.c) needs of
 * the server and the kernel, for a test that runs the ops with neither:
 * each call's reply buffer and scratch are allocations of exactly the
 * size asked, so that AddressSanitizer sees a byte past either; the call
 * "submitted" is kept for the test, not sent.
 */
#ifndef RPC_DOUBLE_H
#define RPC_DOUBLE_H

#include "rpc_int.h"

/* The call rpc_submit() was given for the last message, or NULL. */
extern struct rpc_call *rpc_double_submitted;
/* Calls made since rpc_double_reset(). */
extern int rpc_double_ncalls;

/* Set up the loop the call log reads its clock from; once. */
void rpc_double_init(void);
/* Free every call made; forget the submitted one. */
void rpc_double_reset(void);
/* The kernel's answer @ret to the submitted call, then its finish():
 * 0, or -1 if the reply it made would overrun its buffer. */
int rpc_double_complete(struct rpc_call *c, long ret);

#endif
