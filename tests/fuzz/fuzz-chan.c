// SPDX-License-Identifier: GPL-2.0
/*
 * The shared channel (src/rpc/chan.c) against a client that writes what
 * it likes into its region: the input is a script of what the client
 * does between two looks of the appliance's.  Each step, 4 bytes of
 * the input say what: write bytes at an offset of the region (most into
 * the call area, some over the layout and the appliance's own words),
 * store a req_seq or a cancel, write a whole call; then the kernel's CPU
 * looks (rpc_kernel_poll, now and then after rpc_kernel_idle: the
 * channel is attached as a session's is).  A call it takes goes through the ops' checks
 * (ops.c and the rest, as fuzz-rpc), is answered with a result taken
 * from the input and its reply written back into the region.
 *
 * Crashes are the finding, and so is an access outside the region or
 * the appliance's buffers (ASan), a call taken while another is
 * pending, or a reply the region cannot hold.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log/log.h"
#include "rpc.h"
#include "rpc_double.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- what chan.c needs of the server, here --- */

static int closed, cancels;

void rpc_log_peer(const char *fmt, ...)
{
}

void rpc_sess_close(struct rpc_sess *s, const char *why)
{
	closed = 1;
	s->fd = -1;
}

/* what the kernel's CPU does: the session is not looked at again */
void rpc_sess_fail(struct rpc_sess *s, const char *why)
{
	closed = 1;
	rpc_chan_doom(s, why);
}

void rpc_sess_bad_header(struct rpc_sess *s, const struct nrpc_hdr *h, const char *bad)
{
	rpc_sess_fail(s, bad);
}

static void no_wake(void)
{
}

void (*rpc_wake_kernel)(void) = no_wake;

/* the doorbell's sleep set: what is watched must be unwatched, once */
static int bell_watched = -1;

static int fake_bell(unsigned int cpu, int fd, int on)
{
	if (cpu || (on ? bell_watched >= 0 : bell_watched != fd))
		abort();
	bell_watched = on ? fd : -1;
	return 0;
}

/* rpc_double's rpc_submit() takes the calls: nothing reaches a kernel */
int nuse_syscall_submit(int pid, struct nuse_syscall *call)
{
	abort();
}

int nuse_syscall_submit_cpu(unsigned int cpu, int pid, struct nuse_syscall *call)
{
	abort();
}

void rpc_cancel(struct rpc_sess *s)
{
	cancels++;
}

void rpc_send(struct rpc_sess *s, struct rpc_call *c, uint32_t seq, long ret)
{
	c->reply.h = (struct nrpc_hdr){
		.len = sizeof(c->reply) + c->out_len, .type = NRPC_REPLY, .seq = seq,
	};
	c->reply.ret = ret;
	c->reply.out_len = c->out_len;
	if (s->fd >= 0)
		rpc_chan_reply(s, c);
}

void rpc_send_error(struct rpc_sess *s, uint32_t seq, long ret)
{
	struct rpc_call *c = rpc_call_new(s, 0, 0);

	rpc_send(s, c, seq, ret);
}

/* --- the client --- */

static uint32_t take32(const uint8_t **p, size_t *n)
{
	uint32_t v = 0;
	size_t k = *n < 4 ? *n : 4;

	memcpy(&v, *p, k);
	*p += k;
	*n -= k;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int sp[2] = { -1, -1 };	/* the session's socket: a POLL's RING goes there */
	struct rpc_sess s = { .efd = 4, .state = RPC_READY, .chan_live = 1 };
	char junk[256];
	const size_t head = 4096;	/* chan.c's CHAN_HEAD: calls start there */
	unsigned char *base;
	size_t map;
	int steps = 0;

	rpc_double_init();
	log_set_level(LOG_LEVEL_ERROR);
	if (sp[0] < 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp))
		abort();
	while (recv(sp[1], junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
	s.fd = sp[0];
	strcpy(s.tenant, "t");
	strcpy(s.comm, "fuzz");
	closed = cancels = 0;
	rpc_kernel_serve(1, fake_bell, NULL);
	if (rpc_chan_open(&s))
		return 0;	/* no memfd here: nothing to try */
	/* the client's own mapping of it, as the preload library makes */
	map = rpc_chan_size();
	base = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_SHARED, rpc_chan_fd(&s), 0);
	rpc_chan_sent(&s);
	if (base == MAP_FAILED) {
		rpc_chan_close(&s);
		return 0;
	}
	rpc_chan_attach(&s);
	while (size && !closed && steps++ < 64) {
		uint32_t what = take32(&data, &size);
		uint32_t arg = take32(&data, &size);
		size_t len = what >> 8 & 0xffff, off;
		struct nrpc_shm *m = (struct nrpc_shm *)base;

		if (len > size)
			len = size;
		switch (what & 7) {
		case 0:	/* bytes into the call area */
		case 1:
			off = head + arg % NRPC_MSG_MAX;
			if (off + len > head + NRPC_MSG_MAX)
				len = head + NRPC_MSG_MAX - off;
			memcpy(base + off, data, len);
			break;
		case 2:	/* bytes anywhere in the first page: layout and words */
			off = arg % head;
			if (off + len > head)
				len = head - off;
			memcpy(base + off, data, len);
			break;
		case 3:
			__atomic_store_n(&m->req_seq, arg, __ATOMIC_RELEASE);
			len = 0;
			break;
		case 4:
			__atomic_store_n(&m->cancel, arg, __ATOMIC_RELEASE);
			len = 0;
			break;
		default: {	/* a whole message at the call area, rung with its seq */
			struct nrpc_hdr h;

			if (len < sizeof(h))
				len = size < sizeof(h) ? size : sizeof(h);
			memcpy(base + head, data, len);
			memcpy(&h, base + head, sizeof(h) < len ? sizeof(h) : len);
			if (what & 8)	/* its length field made right */
				memcpy(base + head, &len, sizeof(uint32_t));
			__atomic_store_n(&m->req_seq, h.seq, __ATOMIC_RELEASE);
			break;
		}
		}
		data += len;
		size -= len;
		if (what & 32) {	/* about to sleep: it must see a call written */
			int found = rpc_kernel_idle(0, 1);

			if (found != (rpc_kernel_poll(0) > 0))
				abort();
			rpc_kernel_idle(0, 0);
		} else {
			rpc_kernel_poll(0);
		}
		if (closed)
			break;
		if (rpc_double_submitted) {
			struct rpc_call *c = rpc_double_submitted;

			if (s.pending != c)
				abort();
			if (what & 16)
				rpc_kernel_poll(0);	/* looked at again while pending */
			if (rpc_double_complete(c, (int32_t)arg))
				abort();
			if (s.pending)
				abort();
			rpc_send(&s, c, c->reply.h.seq, c->sc.ret);
		}
		rpc_double_reset();
	}
	rpc_double_reset();
	rpc_chan_close(&s);
	if (bell_watched >= 0)
		abort();	/* closed, yet still in the sleep set */
	munmap(base, map);
	return 0;
}
