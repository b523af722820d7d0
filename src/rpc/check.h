/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checks every message from a tool's preload library passes before
 * anything of it is used: the header (framing, type, the session's
 * phase) and the fixed part of each message type.  Pure functions of the
 * message and the session's phase, so that the unit test and the fuzz
 * harness (tests/unit/t-rpcmsg.c, tests/fuzz/fuzz-rpc.c) run the very
 * checks the server makes.  Each op's own layout is checked by its
 * prep function (ops.c, opts.c, fileops.c).
 */
#ifndef RPC_CHECK_H
#define RPC_CHECK_H

#include <stddef.h>
#include "nrpc.h"

enum rpc_state {
	RPC_NEW,		/* waiting for HELLO */
	RPC_STARTING,		/* making its tasks */
	RPC_READY,
};

/* NULL if the stream may go on with @h, else why it must close: a bad
 * header means nothing after it can be trusted.  @pending: a call of
 * the session's is in flight.  @chan: the session has a shared channel,
 * so its socket carries only RINGs. */
const char *rpc_check_header(const struct nrpc_hdr *h, enum rpc_state state, int pending,
			     int chan);

/* The whole message @h (h->len bytes, its header checked) has the fixed
 * part its type needs: 0, or -EINVAL to answer. */
int rpc_check_body(const struct nrpc_hdr *h);

/* A HELLO's fields: 0, -EPROTONOSUPPORT (a version not between
 * NRPC_VERSION_MIN and NRPC_VERSION) or -EINVAL (a bad tenant name,
 * unknown flags, NRPC_HELLO_SHM in version 1, a thread that names no
 * session). */
int rpc_check_hello(const struct nrpc_hello *m);

#endif
