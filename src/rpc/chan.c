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
 * In place: the payload of a WRITE or a SENDTO is not copied out; the
 * kernel reads it from the region, as it reads a program's buffer (into
 * an skb of its own before it looks at any of it), so whatever the
 * program writes there meanwhile changes only the bytes it sends.  The
 * data of a READ or a RECVFROM the kernel writes straight into the
 * reply's place, and only the reply's header (and RECVFROM's address) is
 * copied after it.  The region stays mapped while any call pointing
 * into it is in the kernel: each holds a reference on the mapping.
 *
 * Who serves it: a channel is homed on one of the kernel's CPUs that
 * serve (a dataplane worker each: CPU 0 is the dataplane thread), the one
 * with the fewest channels when it opens; its doorbell wakes that CPU.
 * Once the HELLO reply is on its way the channel is attached, and from
 * then on its home CPU takes its calls between the kernel's runs and
 * submits them; a reply is written by the CPU that completed the call,
 * which takes the program's next call at once: the control thread is not
 * in a call's path.  Sessions so spread over the CPUs, each CPU's on a
 * list of its own under a lock of its own (@lock of its struct srv_cpu,
 * held by whoever looks at those channels: the home CPU, another CPU
 * completing a call of one, the control thread attaching and detaching).
 * The control thread keeps the socket, the session's start and its end.
 * To end a session it first detaches the channel, taking over whatever
 * calls are still in the kernel; a kernel CPU never closes a session
 * itself, it asks (rpc_sess_fail).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log/log.h"
#include "nuse_syscalls.h"
#include "nuse_tsan.h"
#include "rpc.h"
#include "rpc_int.h"

#define CHAN_HEAD	4096	/* the layout and the doorbells */

/* the client's words and the appliance's on cache lines of their own */
_Static_assert(offsetof(struct nrpc_shm, req_seq) == 64 &&
	       offsetof(struct nrpc_shm, rep_seq) == 128 && sizeof(struct nrpc_shm) == 192,
	       "struct nrpc_shm's layout is the protocol's");
#define CHAN_SIZE	(CHAN_HEAD + 2 * (size_t)NRPC_MSG_MAX)
#define CHAN_BUF_MIN	4096	/* the copy's buffer when idle */

/* The region's mapping: the channel's reference, and one per call the
 * kernel reads or writes it for. */
struct rpc_map {
	void *base;
	int refs;
};

struct rpc_chan {
	struct rpc_sess *s;
	struct rpc_chan *lnext, **lprev;	/* on its CPU's @live while attached */
	unsigned int cpu;	/* its home: the CPU that looks at it */
	int attached;
	const char *doom;	/* why the kernel's CPU wants the session closed */
	struct rpc_call *flight;	/* its calls in the kernel, while attached */
	uint32_t spin;		/* what @srv_spin was last set to */
	struct nrpc_shm *shm;
	int memfd;		/* until the HELLO reply has carried it */
	int bell;		/* the doorbell's eventfd, or -1 */
	int watched;		/* the kernel's CPU sleeps on @bell */
	uint32_t taken;		/* seq of the last call copied out */
	uint32_t cancel_seen;	/* the last @cancel acted on */
	int poll;		/* the call taken is a POLL: its reply is rung */
	int placing;		/* an op runs for the call being taken */
	uint32_t body_copied;	/* ... and this much of its body was copied out */
	struct rpc_map *map;
	unsigned char *buf;	/* the call, copied out */
	size_t cap;
};

/*
 * A serving CPU and the channels attached there.  @lock is held to take
 * their calls, to complete them and to attach and detach; @nlive is read
 * without it, to skip the lock when nothing is attached.
 */
struct srv_cpu {
	pthread_mutex_t lock;
	struct rpc_chan *live;
	int nlive;
	uint32_t awake;		/* the CPU is not about to sleep */
	int took;		/* calls taken since the CPU last asked */
	unsigned int homed;	/* channels open with this home (control thread) */
	unsigned long long taken;	/* calls taken for them, ever (atomic) */
} __attribute__((aligned(64)));

static struct srv_cpu cpu_one = { .lock = PTHREAD_MUTEX_INITIALIZER, .awake = 1 };
static struct srv_cpu *cpus = &cpu_one;
static unsigned int ncpus = 1;
static __thread int on_kernel;	/* this thread is a kernel CPU, serving */
static int (*bell_hook)(unsigned int cpu, int fd, int on);
static void (*wake_hook)(unsigned int cpu);

int rpc_kernel_serve(unsigned int n, int (*bell)(unsigned int cpu, int fd, int on),
		     void (*wake)(unsigned int cpu))
{
	struct srv_cpu *c;
	unsigned int i;

	bell_hook = bell;
	wake_hook = wake;
	if (n <= 1 || n == ncpus)
		return 0;
	if (cpus != &cpu_one || cpu_one.homed)
		return -EBUSY;	/* once, before any channel */
	c = calloc(n, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		pthread_mutex_init(&c[i].lock, NULL);
		c[i].awake = 1;
	}
	cpus = c;
	ncpus = n;
	return 0;
}

void rpc_kernel_cpu_stats(unsigned int cpu, unsigned int *channels, unsigned long long *taken)
{
	*channels = cpu < ncpus ? cpus[cpu].homed : 0;
	*taken = cpu < ncpus ? __atomic_load_n(&cpus[cpu].taken, __ATOMIC_RELAXED) : 0;
}

unsigned int rpc_kernel_cpus(void)
{
	return ncpus;
}

static void wake_cpu(unsigned int cpu)
{
	if (wake_hook)
		wake_hook(cpu);
	else
		rpc_wake_kernel();
}

int rpc_on_kernel(void)
{
	return on_kernel;
}

static unsigned char *region(const struct rpc_chan *ch, uint32_t off)
{
	return (unsigned char *)ch->shm + off;
}

static struct rpc_map *map_get(struct rpc_map *m)
{
	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
	return m;
}

static void map_put(struct rpc_map *m)
{
	if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL))
		return;
	munmap(m->base, CHAN_SIZE);
	free(m);
}

void rpc_call_unplace(struct rpc_call *c)
{
	if (c->map) {
		map_put(c->map);
		c->map = NULL;
	}
}

/* The ops that may have their payload in place, and how much of their
 * body comes before it (SENDTO: the address; a bad length is the op's
 * to refuse, with nothing past it read). */
static int body_head(const struct nrpc_call *m, size_t body, size_t *head)
{
	if (m->op == NRPC_WRITE) {
		*head = 0;
		return 1;
	}
	if (m->op == NRPC_SENDTO) {
		*head = m->args[2] >= 0 && m->args[2] <= RPC_SOCKADDR_MAX &&
			(uint64_t)m->args[2] <= body ? (size_t)m->args[2] : 0;
		return 1;
	}
	return 0;
}

const unsigned char *rpc_in_place(struct rpc_sess *s, struct rpc_call *c, size_t off)
{
	struct rpc_chan *ch = s->chan;

	if (!ch || !ch->placing || off > ch->body_copied)
		return NULL;	/* (the op copies from @off: it has that much) */
	if (!c->map)
		c->map = map_get(ch->map);
	return region(ch, CHAN_HEAD + sizeof(struct nrpc_call) + off);
}

unsigned char *rpc_out_place(struct rpc_sess *s, struct rpc_call *c, size_t off, size_t len)
{
	struct rpc_chan *ch = s->chan;

	if (!ch || !ch->placing || off > NRPC_MSG_MAX - sizeof(struct nrpc_reply) ||
	    len > NRPC_MSG_MAX - sizeof(struct nrpc_reply) - off)
		return NULL;
	if (!c->map)
		c->map = map_get(ch->map);
	c->out_placed = 1;
	c->out_here = off;
	return region(ch, CHAN_HEAD + NRPC_MSG_MAX + sizeof(struct nrpc_reply) + off);
}

long rpc_chan_home(struct rpc_sess *s, long *cpu)
{
	static unsigned int turn;	/* control thread */
	unsigned int i, c;

	*cpu = 0;
	if (ncpus < 2)
		return 0;
	if (!s->homed) {
		/* the fewest; of those, the next in turn (one program after
		 * another goes round the CPUs, not always to CPU 0) */
		c = turn++ % ncpus;
		for (i = 1; i < ncpus; i++)
			if (cpus[(c + i) % ncpus].homed < cpus[c].homed)
				c = (c + i) % ncpus;
		s->home = c;
		s->homed = 1;
		cpus[c].homed++;
	}
	*cpu = s->home;
	return NUSE_SPAWN_CPU;
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
	ch->cpu = s->homed ? s->home : 0;
	/* without one (no descriptor left) the socket rings.  Watched from
	 * now: a ring before the channel is attached wakes the kernel's CPU
	 * for nothing, and the attach looks */
	ch->bell = bell_hook ? eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) : -1;
	if (ch->bell >= 0 && bell_hook(ch->cpu, ch->bell, 1)) {
		close(ch->bell);
		ch->bell = -1;
	}
	ch->watched = ch->bell >= 0;
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
	if (!(ch->map = malloc(sizeof(*ch->map)))) {
		errno = ENOMEM;
		goto fail;
	}
	*ch->map = (struct rpc_map){ ch->shm, 1 };
	*ch->shm = (struct nrpc_shm){
		.magic = NRPC_SHM_MAGIC, .version = NRPC_VERSION, .size = CHAN_SIZE,
		.req_off = CHAN_HEAD, .req_max = NRPC_MSG_MAX,
		.rep_off = CHAN_HEAD + NRPC_MSG_MAX, .rep_max = NRPC_MSG_MAX,
		.features = ch->bell >= 0 ? NRPC_SHM_BELL : 0,
	};
	s->chan = ch;
	return 0;
fail:
	err = -errno;
	if (ch->shm)
		munmap(ch->shm, CHAN_SIZE);
	if (ch->memfd >= 0)
		close(ch->memfd);
	if (ch->watched)
		bell_hook(ch->cpu, ch->bell, 0);
	if (ch->bell >= 0)
		close(ch->bell);
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

int rpc_chan_bell_fd(const struct rpc_sess *s)
{
	return s->chan ? s->chan->bell : -1;
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

	if (s->homed) {
		cpus[s->home].homed--;
		s->homed = 0;
	}
	if (!ch)
		return;
	rpc_chan_detach(s);
	s->chan = NULL;
	if (ch->memfd >= 0)
		close(ch->memfd);
	/* the program holds the eventfd too: closing ours would not take
	 * it out of the sleep set */
	if (ch->watched)
		bell_hook(ch->cpu, ch->bell, 0);
	if (ch->bell >= 0)
		close(ch->bell);
	if (ch->shm) {
		/* a client asleep on a reply learns now, not at its next look
		 * at the socket */
		__atomic_store_n(&ch->shm->closed, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &ch->shm->rep_seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
		map_put(ch->map);	/* unmapped when the last call is back */
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
		rpc_sess_fail(s, "a reply larger than the channel");
		return;
	}
	if (c->out_placed)	/* its data is there already */
		len = sizeof(c->reply) + (c->out_len < c->out_here ? c->out_len : c->out_here);
	memcpy(region(ch, CHAN_HEAD + NRPC_MSG_MAX), &c->reply, len);
	__atomic_store_n(&m->rep_seq, c->reply.h.seq, __ATOMIC_SEQ_CST);
	if (ch->poll) {
		struct nrpc_hdr h = { .len = sizeof(h), .type = NRPC_RING, .seq = c->reply.h.seq };

		/* one RING per POLL, each read before the next call: the
		 * socket's buffer is full only if the program does not read */
		ch->poll = 0;
		if (send(s->fd, &h, sizeof(h), MSG_NOSIGNAL | MSG_DONTWAIT) != sizeof(h))
			rpc_sess_fail(s, "the program does not read its RINGs");
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
	const struct nrpc_call *m;
	size_t take, body, head;
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
			rpc_sess_fail(s, "out of memory");
			return;
		}
		ch->buf = p;
		ch->cap = h.len;
	}
	/* the call's fixed part first: from our copy of it, whether its
	 * payload stays in place (then only what comes before it follows) */
	take = h.len < sizeof(*m) ? h.len : sizeof(*m);
	memcpy(ch->buf, region(ch, CHAN_HEAD), take);
	memcpy(ch->buf, &h, sizeof(h));		/* the header that was checked */
	m = (const struct nrpc_call *)ch->buf;
	body = h.len - take;
	if (take == sizeof(*m) && body_head(m, body, &head))
		ch->placing = 1;
	else
		head = body;
	memcpy(ch->buf + take, region(ch, CHAN_HEAD + take), head);
	ch->body_copied = head;
	ch->taken = seq;
	ch->poll = take == sizeof(*m) && m->op == NRPC_POLL;
	if (take == sizeof(*m) && (m->op == NRPC_READ || m->op == NRPC_RECVFROM))
		ch->placing = 1;
	err = rpc_check_body(&h) ? -EINVAL : rpc_call_start(s, m, h.len);
	ch->placing = 0;
	if (err)
		rpc_send_error(s, h.seq, err);
	if (s->chan && ch->cap > CHAN_BUF_MIN && (ch->buf = realloc(ch->buf, CHAN_BUF_MIN) ?: ch->buf))
		ch->cap = CHAN_BUF_MIN;
}

/* What the program wrote since the last look: a cancel for the call in
 * flight, or its next call.  1 if a call was taken. */
static int look(struct rpc_sess *s)
{
	struct rpc_chan *ch = s->chan;
	struct srv_cpu *home = &cpus[ch->cpu];
	struct nrpc_shm *m = ch->shm;
	uint32_t seq, cancel;

	if (s->fd < 0 || s->state != RPC_READY || ch->doom)
		return 0;
	if (ch->spin != home->awake) {
		ch->spin = home->awake;
		__atomic_store_n(&m->srv_spin, home->awake, __ATOMIC_SEQ_CST);
	}
	if (s->pending) {
		cancel = __atomic_load_n(&m->cancel, __ATOMIC_ACQUIRE);
		if (cancel != ch->cancel_seen) {
			ch->cancel_seen = cancel;
			if (cancel == s->pending->reply.h.seq)
				rpc_cancel(s);
		}
		return 0;	/* the next call is looked for when this one is back */
	}
	seq = __atomic_load_n(&m->req_seq, __ATOMIC_SEQ_CST);
	if (seq == ch->taken)
		return 0;
	take_call(s, seq);
	home->took++;
	__atomic_add_fetch(&home->taken, 1, __ATOMIC_RELAXED);
	return 1;
}

/* A RING came (the kernel's CPU was asleep), or a call came back to a
 * channel that is not attached. */
void rpc_chan_poll(struct rpc_sess *s)
{
	if (s->chan && s->chan->attached)
		wake_cpu(s->chan->cpu);
}

void rpc_chan_attach(struct rpc_sess *s)
{
	struct rpc_chan *ch = s->chan;
	struct srv_cpu *home = &cpus[ch->cpu];

	pthread_mutex_lock(&home->lock);
	ch->s = s;
	ch->lnext = home->live;
	if (home->live)
		home->live->lprev = &ch->lnext;
	ch->lprev = &home->live;
	home->live = ch;
	ch->attached = 1;
	__atomic_store_n(&home->nlive, home->nlive + 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&home->lock);
	wake_cpu(ch->cpu);	/* to set @srv_spin */
}

void rpc_chan_detach(struct rpc_sess *s)
{
	struct rpc_chan *ch = s->chan;
	struct rpc_call *c;

	if (!ch)
		return;
	pthread_mutex_lock(&cpus[ch->cpu].lock);
	if (ch->attached) {
		*ch->lprev = ch->lnext;
		if (ch->lnext)
			ch->lnext->lprev = ch->lprev;
		ch->attached = 0;
		__atomic_store_n(&cpus[ch->cpu].nlive, cpus[ch->cpu].nlive - 1, __ATOMIC_RELAXED);
		/* what is still in the kernel comes back the slow way, to
		 * this thread, and holds the session until it has */
		for (c = ch->flight; c; c = c->fnext) {
			c->fast = 0;
			s->refs++;
		}
		ch->flight = NULL;
	}
	pthread_mutex_unlock(&cpus[ch->cpu].lock);
}

const char *rpc_chan_doomed(struct rpc_sess *s)
{
	const char *why;

	if (!s->chan)
		return NULL;
	pthread_mutex_lock(&cpus[s->chan->cpu].lock);
	why = s->chan->doom;
	pthread_mutex_unlock(&cpus[s->chan->cpu].lock);
	return why;
}

void rpc_chan_doom(struct rpc_sess *s, const char *why)
{
	if (s->chan && !s->chan->doom)
		s->chan->doom = why;
}

static void unlink_call(struct rpc_call *c)
{
	*c->fprev = c->fnext;
	if (c->fnext)
		c->fnext->fprev = c->fprev;
	c->fast = 0;
}

/* The kernel's CPU, serving: a call of an attached channel goes in. */
void rpc_chan_submit(struct rpc_sess *s, int pid, struct rpc_call *c)
{
	struct rpc_chan *ch = s->chan;
	int err;

	c->fast = 1;
	c->home = ch->cpu;
	c->fnext = ch->flight;
	if (ch->flight)
		ch->flight->fprev = &c->fnext;
	c->fprev = &ch->flight;
	ch->flight = c;
	NUSE_TSAN_SUBMIT(&c->sc);
	/* rung on its home, where its task runs (done() comes back there) */
	err = nuse_syscall_submit_cpu(ch->cpu, pid, &c->sc);
	if (err) {
		unlink_call(c);
		c->sc.ret = err;
		c->complete(c);
	}
}

int rpc_chan_done(struct rpc_call *c)
{
	struct srv_cpu *home = &cpus[c->home];	/* (@c->s's channel may be gone) */
	struct rpc_sess *s = c->s;

	pthread_mutex_lock(&home->lock);
	if (!c->fast) {		/* detached meanwhile: the control thread's */
		pthread_mutex_unlock(&home->lock);
		return 0;
	}
	unlink_call(c);
	on_kernel = 1;
	c->complete(c);
	if (s->chan && s->chan->attached)
		look(s);	/* the program's next call, at once */
	on_kernel = 0;
	pthread_mutex_unlock(&home->lock);
	return 1;
}

int rpc_kernel_poll(unsigned int cpu)
{
	struct srv_cpu *me = &cpus[cpu];
	struct rpc_chan *ch, *next;
	int n;

	if (cpu >= ncpus || !__atomic_load_n(&me->nlive, __ATOMIC_RELAXED))
		return 0;
	pthread_mutex_lock(&me->lock);
	on_kernel = 1;
	for (ch = me->live; ch; ch = next) {
		next = ch->lnext;
		look(ch->s);
	}
	on_kernel = 0;
	n = me->took;	/* with those taken when a call came back */
	me->took = 0;
	pthread_mutex_unlock(&me->lock);
	return n;
}

int rpc_kernel_idle(unsigned int cpu, int sleeping)
{
	struct srv_cpu *me = &cpus[cpu];
	struct rpc_chan *ch;
	int found = 0;

	if (cpu >= ncpus || !__atomic_load_n(&me->nlive, __ATOMIC_RELAXED))
		return 0;
	pthread_mutex_lock(&me->lock);
	me->awake = !sleeping;
	for (ch = me->live; ch; ch = ch->lnext) {
		ch->spin = me->awake;
		__atomic_store_n(&ch->shm->srv_spin, me->awake, __ATOMIC_SEQ_CST);
	}
	/* the stores above, then the program's seq (both seq_cst): a call
	 * whose program saw @srv_spin set is seen here, or it rang */
	for (ch = me->live; sleeping && ch && !found; ch = ch->lnext)
		found = !ch->doom && !ch->s->pending && ch->s->state == RPC_READY &&
			__atomic_load_n(&ch->shm->req_seq, __ATOMIC_SEQ_CST) != ch->taken;
	if (found)
		me->awake = 1;	/* the next look sets @srv_spin again */
	pthread_mutex_unlock(&me->lock);
	return found;
}
