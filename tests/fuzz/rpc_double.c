// SPDX-License-Identifier: GPL-2.0
/* The server's part of a call, for tests of the ops; see rpc_double.h. */
#define _GNU_SOURCE		/* struct ucred */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc_double.h"

#define CALLS_MAX	8
#define GARBAGE		0xbe	/* what malloc may leave: never zeros */

struct ev_loop *rpc_loop;
struct rpc_call *rpc_double_submitted;
int rpc_double_ncalls;

static struct {
	struct rpc_call *c;
	unsigned char *scratch;
} made[CALLS_MAX];

/* Without chan.c (fuzz-rpc, t-rpcmsg): no channel, nothing in place. */
__attribute__((weak)) const unsigned char *rpc_in_place(struct rpc_sess *s, struct rpc_call *c,
							size_t off)
{
	return NULL;
}

__attribute__((weak)) unsigned char *rpc_out_place(struct rpc_sess *s, struct rpc_call *c,
						   size_t off, size_t len)
{
	return NULL;
}

__attribute__((weak)) void rpc_call_unplace(struct rpc_call *c)
{
}

void rpc_double_init(void)
{
	if (!rpc_loop)
		rpc_loop = ev_default_loop(0);
}

struct rpc_call *rpc_call_new(struct rpc_sess *s, size_t out_cap, size_t scratch)
{
	size_t head = offsetof(struct rpc_call, reply) + sizeof(struct nrpc_reply);
	struct rpc_call *c;

	if (rpc_double_ncalls == CALLS_MAX) {
		fprintf(stderr, "rpc_double: more than %d calls for one message\n", CALLS_MAX);
		abort();
	}
	c = malloc(head + out_cap);
	made[rpc_double_ncalls].scratch = malloc(scratch ? scratch : 1);
	if (!c || !made[rpc_double_ncalls].scratch)
		abort();
	memset(c, GARBAGE, head + out_cap);
	memset(made[rpc_double_ncalls].scratch, GARBAGE, scratch ? scratch : 1);
	memset(c, 0, head);
	c->magic = RPC_CALL_MAGIC;
	c->s = s;
	c->out_cap = out_cap;
	c->scratch = made[rpc_double_ncalls].scratch;
	made[rpc_double_ncalls++].c = c;
	return c;
}

void rpc_double_reset(void)
{
	int i;

	for (i = 0; i < rpc_double_ncalls; i++) {
		rpc_call_unplace(made[i].c);	/* as when it comes back */
		free(made[i].c);
		free(made[i].scratch);
	}
	rpc_double_ncalls = 0;
	rpc_double_submitted = NULL;
}

void rpc_submit(struct rpc_sess *s, int pid, struct rpc_call *c)
{
	rpc_double_submitted = c;
}

void rpc_drain(struct rpc_sess *s)
{
}

/* As session.c's, for the parts a reply's size depends on. */
void rpc_call_back(struct rpc_call *c)
{
	rpc_call_unplace(c);
	c->s->pending = NULL;
	c->out_len = 0;
	if (c->finish)
		c->finish(c);
	if (c->out_len > c->out_max)
		c->out_len = c->out_max;
}

int rpc_double_complete(struct rpc_call *c, long ret)
{
	c->sc.ret = ret;
	c->complete(c);
	if (c->out_len > c->out_cap) {
		fprintf(stderr, "rpc_double: op %u: a reply of %zu bytes from a buffer of %zu\n",
			c->op, c->out_len, c->out_cap);
		return -1;
	}
	return 0;
}
