// SPDX-License-Identifier: GPL-2.0
/*
 * The RPC's decoder, as the appliance runs it on what a tool's preload
 * library sends: a byte stream cut into messages, each header checked
 * (check.c), each message's fixed part checked, a HELLO's fields, and
 * every call through its op's checks and the buffers it makes (ops.c,
 * opts.c, fileops.c, jobpolicy.c, calllog.c), then completed with a
 * kernel result taken from the message.  The input's first byte picks
 * the session: bit 0 a job's (rpc_job_allows() applies; bit 2 says an
 * nft job's, else an iptables job's); bit 1, one message after HELLO, whose length field is the input's length:
 * an insertion or a cut then reaches an op's layout checks, which a
 * length field the fuzzer must keep right hides.
 *
 * Crashes are the finding; so is a reply that would overrun its buffer
 * or an op that allocates and then refuses (a leak).
 */
#define _GNU_SOURCE		/* struct ucred */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "rpc_double.h"
#include "rpc/jobpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void call(struct rpc_sess *s, const struct nrpc_call *m, size_t len)
{
	int err = rpc_call_start(s, m, len);

	if (err && rpc_double_ncalls) {
		fprintf(stderr, "fuzz-rpc: op %u refused (%d) after making a call\n", m->op, err);
		abort();
	}
	if (err)
		return;
	if (!rpc_double_submitted || s->pending != rpc_double_submitted)
		abort();
	/* the kernel's answer: whatever the program put in seq */
	if (rpc_double_complete(rpc_double_submitted, (int32_t)m->h.seq))
		abort();
	if (s->pending)
		abort();
}

static void message(struct rpc_sess *s, const struct nrpc_hdr *h)
{
	switch (h->type) {
	case NRPC_HELLO:
		if (!rpc_check_body(h) && !rpc_check_hello((const struct nrpc_hello *)h))
			s->state = RPC_READY;
		break;
	case NRPC_CALL:
		if (!rpc_check_body(h))
			call(s, (const struct nrpc_call *)h, h->len);
		break;
	}
	rpc_double_reset();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_sess s = { .fd = 3, .efd = 4, .state = RPC_NEW };
	struct nrpc_hdr h;
	void *msg;
	int whole;

	rpc_double_init();
	log_set_level(LOG_LEVEL_ERROR);
	if (!size)
		return 0;
	s.job = !(data[0] & 1) ? RPC_JOB_NONE : data[0] & 4 ? RPC_JOB_NFT : RPC_JOB_XTABLES;
	whole = data[0] & 2;
	strcpy(s.tenant, "t");
	strcpy(s.comm, "fuzz");
	data++, size--;
	if (whole && size >= sizeof(h) && size <= NRPC_MSG_MAX) {
		s.state = RPC_READY;
		h.len = size;
		msg = malloc(size);
		if (!msg)
			abort();
		memcpy(msg, data, size);
		memcpy(msg, &h.len, sizeof(h.len));
		if (!rpc_check_header(msg, s.state, 0, 0))
			message(&s, msg);
		free(msg);
		return 0;
	}
	while (size >= sizeof(h)) {
		memcpy(&h, data, sizeof(h));
		if (rpc_check_header(&h, s.state, s.pending != NULL, 0) || h.len > size)
			break;		/* closed, or waiting for the rest */
		/* a buffer of the message's own length: reading past it shows */
		msg = malloc(h.len);
		if (!msg)
			abort();
		memcpy(msg, data, h.len);
		message(&s, msg);
		free(msg);
		data += h.len;
		size -= h.len;
	}
	return 0;
}
