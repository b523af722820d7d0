// SPDX-License-Identifier: GPL-2.0
/*
 * The shared channel of a session (nrpc.h, "The shared channel"): a
 * region the appliance makes, seals and maps, and hands to the program
 * with its HELLO reply.  Calls come in through it and replies go out
 * through it; the socket carries only the program's RINGs.
 *
 * The program can write into the region at any moment, so nothing is
 * read from it twice: the doorbell words are loaded once, the call's
 * header is copied out and checked, then the whole message is copied
 * into the appliance's own buffer (its checked header put back over
 * the copy) before any op looks at it.  What the appliance writes there
 * (the layout, the replies) it never reads back.  The region is a memfd
 * sealed against shrinking, so no access of ours can fault.
 *
 * Control thread only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log/log.h"
#include "rpc_int.h"

#define CHAN_HEAD	4096	/* the layout and the doorbells */

/* the client's words and the appliance's on cache lines of their own */
_Static_assert(offsetof(struct nrpc_shm, req_seq) == 64 &&
	       offsetof(struct nrpc_shm, rep_seq) == 128 && sizeof(struct nrpc_shm) == 192,
	       "struct nrpc_shm's layout is the protocol's");
#define CHAN_SIZE	(CHAN_HEAD + 2 * (size_t)NRPC_MSG_MAX)
#define CHAN_BUF_MIN	4096	/* the copy's buffer when idle */

struct rpc_chan {
	struct nrpc_shm *shm;
	int memfd;		/* until the HELLO reply has carried it */
	uint32_t taken;		/* seq of the last call copied out */
	uint32_t cancel_seen;	/* the last @cancel acted on */
	int poll;		/* the call taken is a POLL: its reply is rung */
	unsigned char *buf;	/* the call, copied out */
	size_t cap;
};

static unsigned char *region(const struct rpc_chan *ch, uint32_t off)
{
	return (unsigned char *)ch->shm + off;
}

int rpc_chan_open(struct rpc_sess *s)
{
	struct rpc_chan *ch = calloc(1, sizeof(*ch));
	int err;

	if (!ch || !(ch->buf = malloc(CHAN_BUF_MIN))) {
		free(ch);
		return -ENOMEM;
	}
	ch->cap = CHAN_BUF_MIN;
	ch->memfd = memfd_create("nuse-rpc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (ch->memfd < 0)
		goto fail;
	if (ftruncate(ch->memfd, CHAN_SIZE) ||
	    fcntl(ch->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		goto fail;
	ch->shm = mmap(NULL, CHAN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ch->memfd, 0);
	if (ch->shm == MAP_FAILED) {
		ch->shm = NULL;
		goto fail;
	}
	*ch->shm = (struct nrpc_shm){
		.magic = NRPC_SHM_MAGIC, .version = NRPC_VERSION, .size = CHAN_SIZE,
		.req_off = CHAN_HEAD, .req_max = NRPC_MSG_MAX,
		.rep_off = CHAN_HEAD + NRPC_MSG_MAX, .rep_max = NRPC_MSG_MAX,
	};
	s->chan = ch;
	return 0;
fail:
	err = -errno;
	if (ch->memfd >= 0)
		close(ch->memfd);
	free(ch->buf);
	free(ch);
	return err;
}

size_t rpc_chan_size(void)
{
	return CHAN_SIZE;
}

int rpc_chan_fd(const struct rpc_sess *s)
{
	return s->chan ? s->chan->memfd : -1;
}

void rpc_chan_sent(struct rpc_sess *s)
{
	if (s->chan && s->chan->memfd >= 0) {
		close(s->chan->memfd);
		s->chan->memfd = -1;
	}
}

void rpc_chan_close(struct rpc_sess *s)
{
	struct rpc_chan *ch = s->chan;

	if (!ch)
		return;
	s->chan = NULL;
	if (ch->memfd >= 0)
		close(ch->memfd);
	if (ch->shm) {
		/* a client asleep on a reply learns now, not at its next look
		 * at the socket */
		__atomic_store_n(&ch->shm->closed, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &ch->shm->rep_seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
		munmap(ch->shm, CHAN_SIZE);
	}
	free(ch->buf);
	free(ch);
}

void rpc_chan_reply(struct rpc_sess *s, const struct rpc_call *c)
{
	struct rpc_chan *ch = s->chan;
	struct nrpc_shm *m = ch->shm;
	size_t len = c->reply.h.len;

	if (len > NRPC_MSG_MAX) {	/* out_len is capped by out_max */
		rpc_sess_close(s, "a reply larger than the channel");
		return;
	}
	memcpy(region(ch, CHAN_HEAD + NRPC_MSG_MAX), &c->reply, len);
	__atomic_store_n(&m->rep_seq, c->reply.h.seq, __ATOMIC_SEQ_CST);
	if (ch->poll) {
		struct nrpc_hdr h = { .len = sizeof(h), .type = NRPC_RING, .seq = c->reply.h.seq };

		/* one RING per POLL, each read before the next call: the
		 * socket's buffer is full only if the program does not read */
		ch->poll = 0;
		if (send(s->fd, &h, sizeof(h), MSG_NOSIGNAL | MSG_DONTWAIT) != sizeof(h))
			rpc_sess_close(s, "the program does not read its RINGs");
		return;
	}
	/* the store above, then the client's flag (both seq_cst, so never
	 * the other way round): it sets the flag, then looks at @rep_seq
	 * once more before it sleeps */
	if (__atomic_load_n(&m->cli_wait, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &m->rep_seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* A call the program wrote: copied out, its header checked, dispatched. */
static void take_call(struct rpc_sess *s, uint32_t seq)
{
	struct rpc_chan *ch = s->chan;
	struct nrpc_hdr h;
	const char *bad;
	int err;

	memcpy(&h, region(ch, CHAN_HEAD), sizeof(h));
	bad = rpc_check_header(&h, s->state, 0, 0);
	if (!bad && h.type != NRPC_CALL)
		bad = "a message in the channel that is not a call";
	if (!bad && h.seq != seq)
		bad = "a call in the channel whose seq is not the one rung";
	if (bad) {
		rpc_sess_bad_header(s, &h, bad);
		return;
	}
	if (h.len > ch->cap) {
		unsigned char *p = realloc(ch->buf, h.len);

		if (!p) {
			rpc_sess_close(s, "out of memory");
			return;
		}
		ch->buf = p;
		ch->cap = h.len;
	}
	memcpy(ch->buf, region(ch, CHAN_HEAD), h.len);
	memcpy(ch->buf, &h, sizeof(h));		/* the header that was checked */
	ch->taken = seq;
	ch->poll = h.len >= sizeof(struct nrpc_call) &&
		   ((const struct nrpc_call *)ch->buf)->op == NRPC_POLL;
	err = rpc_check_body(&h) ? -EINVAL
	    : rpc_call_start(s, (const struct nrpc_call *)ch->buf, h.len);
	if (err)
		rpc_send_error(s, h.seq, err);
	if (s->chan && ch->cap > CHAN_BUF_MIN && (ch->buf = realloc(ch->buf, CHAN_BUF_MIN) ?: ch->buf))
		ch->cap = CHAN_BUF_MIN;
}

void rpc_chan_poll(struct rpc_sess *s)
{
	struct rpc_chan *ch = s->chan;
	struct nrpc_shm *m;
	uint32_t seq, cancel;

	if (!ch || s->fd < 0 || s->state != RPC_READY)
		return;
	m = ch->shm;
	if (s->pending) {
		cancel = __atomic_load_n(&m->cancel, __ATOMIC_ACQUIRE);
		if (cancel != ch->cancel_seen) {
			ch->cancel_seen = cancel;
			if (cancel == s->pending->reply.h.seq)
				rpc_cancel(s);
		}
		return;		/* the next call is looked for when this one is back */
	}
	seq = __atomic_load_n(&m->req_seq, __ATOMIC_ACQUIRE);
	if (seq != ch->taken)
		take_call(s, seq);
}
