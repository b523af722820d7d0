// SPDX-License-Identifier: GPL-2.0
/* The message checks; see check.h. */
#include <errno.h>
#include <string.h>

#include "check.h"

const char *rpc_check_header(const struct nrpc_hdr *h, enum rpc_state state, int pending,
			     int chan)
{
	if (h->len < sizeof(*h) || h->len > NRPC_MSG_MAX)
		return "message length out of bounds";
	if (h->flags)
		return "unknown flags";
	switch (h->type) {
	case NRPC_HELLO:
		return state == RPC_NEW ? NULL : "HELLO twice";
	case NRPC_CALL:
		if (state != RPC_READY)
			return "a call before HELLO";
		if (chan)
			return "a call on the socket of a shared channel";
		return pending ? "a call while another is in flight" : NULL;
	case NRPC_CANCEL:
		if (chan)
			return "CANCEL on the socket of a shared channel";
		return h->len == sizeof(*h) ? NULL : "CANCEL with a body";
	case NRPC_RING:
		if (!chan)
			return "RING without a shared channel";
		return h->len == sizeof(*h) ? NULL : "RING with a body";
	default:
		return "unknown message type";
	}
}

int rpc_check_body(const struct nrpc_hdr *h)
{
	switch (h->type) {
	case NRPC_HELLO:
		return h->len == sizeof(struct nrpc_hello) ? 0 : -EINVAL;
	case NRPC_CALL:
		return h->len >= sizeof(struct nrpc_call) ? 0 : -EINVAL;
	default:
		return 0;
	}
}

int rpc_check_hello(const struct nrpc_hello *m)
{
	size_t n = strnlen(m->tenant, sizeof(m->tenant));

	uint32_t known = NRPC_HELLO_THREAD | (m->version >= 2 ? NRPC_HELLO_SHM : 0);

	if (m->version < NRPC_VERSION_MIN || m->version > NRPC_VERSION)
		return -EPROTONOSUPPORT;
	if (n == 0 || n == sizeof(m->tenant) || (m->flags & ~known) ||
	    ((m->flags & NRPC_HELLO_THREAD) && !m->fork_of))
		return -EINVAL;
	return 0;
}
