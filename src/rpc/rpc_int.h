/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the tool RPC server (src/rpc): the connection and its session
 * (server.c), the session's kernel tasks and the calls in flight
 * (session.c), and what each op sends to the kernel (ops.c, opts.c).
 *
 * Everything here runs on the control thread, except (1) the done()
 * callback of a call, which runs on the dataplane thread and only queues
 * the call back (session.c), and (2) the calls of an attached shared
 * channel, which the dataplane thread (the kernel's CPU 0) takes, submits
 * and completes itself, under chan.c's lock: see chan.c for who owns
 * what.  Code on that path never closes a session: rpc_sess_fail().
 */
#ifndef RPC_INT_H
#define RPC_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <ev.h>

#include "check.h"
#include "conf/conf.h"
#include "ctl/ctl.h"
#include "ops/ops.h"
#include "nrpc.h"
#include "nuse.h"

#define RPC_SESSIONS_MAX	256
#define RPC_SOCKADDR_MAX	128
#define RPC_CALL_MAGIC		0x6e727063u

struct rpc_sess;

/*
 * One request to the kernel: a client's call, a step of a session's
 * start, or the appliance's own (a kill, a cancel, a drain).  One
 * allocation holds it, the reply (header, then @out_cap bytes of data)
 * and @scratch, the op's buffers the kernel reads from.  Every pointer
 * a call hands the kernel points into this allocation, which is freed
 * only after done() came back.
 */
struct rpc_call {
	struct nuse_syscall sc;		/* the kernel's until done() */
	uint32_t magic;			/* RPC_CALL_MAGIC: checked when it comes back */
	struct rpc_call *qnext;		/* completion or output queue */
	struct rpc_sess *s;
	void (*complete)(struct rpc_call *c);	/* back on the control thread */
	/* a client's call */
	uint32_t op, out_max;
	void (*finish)(struct rpc_call *c);	/* the op's: sc.ret into the reply */
	long aux[4];			/* the op's own */
	int64_t margs[3];		/* the message's first args, for the log */
	unsigned int cancelled:1;	/* POLL: NRPC_CANCEL came */
	unsigned int cancelling:1;	/* POLL: the eventfd write is in flight */
	unsigned int back:1;		/* POLL: ppoll is done */
	unsigned int passes_fd:1;	/* HELLO: the channel's memfd rides on it */
	int fast;			/* in the kernel for an attached channel */
	unsigned int home;		/* ... whose home is this CPU */
	struct rpc_call *fnext, **fprev;	/* ... on its list (chan.c) */
	size_t out_cap, out_len, sent;
	unsigned char *scratch;
	/* a call of a channel's whose data the kernel reads or writes in the
	 * region (chan.c, "In place"): it holds the mapping until it is back */
	struct rpc_map *map;
	unsigned int out_placed:1;	/* out data past @out_here is in the region */
	size_t out_here;
	struct nrpc_reply reply;	/* last: its data follows */
};

static inline unsigned char *rpc_out(struct rpc_call *c)
{
	return (unsigned char *)(&c->reply + 1);
}

enum rpc_kind {
	RPC_KIND_NEW,		/* a program: a file table of its own */
	RPC_KIND_FORK,		/* a fork's child: a copy of its parent's */
	RPC_KIND_THREAD,	/* one more thread: its process's table, shared */
};

/* A connected program and its session. */
struct rpc_sess {
	struct rpc_sess *next, **pprev;
	int fd;				/* -1 once the program has gone */
	ev_io rio, wio;
	struct ucred peer;
	uint64_t id;
	enum rpc_state state;
	enum rpc_kind kind;
	int job;			/* adopted for a job: RPC_JOB_*, jobpolicy.c */
	char job_tenant[NRPC_TENANT_MAX + 1];	/* the one tenant it may name */
	int ending;			/* a thread's: its eventfd is being closed */
	char tenant[NRPC_TENANT_MAX + 1];
	char comm[16];			/* the program's name, for the log */
	ev_tstamp log_window;		/* its failed calls' log budget */
	int log_count;
	int pid, cpid;			/* the session's task and its canceller */
	int efd;			/* the eventfd in their file table */
	/* start-up */
	int step, tmp_fd;
	uint32_t hello_seq;
	int want_chan;			/* the HELLO asked for a shared channel */
	int homed;			/* ... and has a home CPU: @home */
	unsigned int home;
	int chan_live;			/* calls come through @chan, not the socket */
	struct rpc_chan *chan;		/* chan.c */
	struct tenant_pid_req lookup;
	int refs;			/* kernel and ctl requests in flight */
	struct rpc_call *pending;	/* the client's call in flight */
	/* the stream */
	unsigned char *in;
	size_t in_len, in_cap;
	struct rpc_call *out_head, **out_tail;
};

/* listen.c: the socket file */
struct rpc_sockfile {
	char path[108];			/* sizeof(sun_path) */
	dev_t dev;
	ino_t ino;
	int has_group;
	gid_t group;
};

/* The listening socket, or -errno with a message logged. */
int rpc_listen_open(const struct config *c, struct rpc_sockfile *f);
void rpc_listen_close(int fd, const struct rpc_sockfile *f);

/* server.c */
extern struct ev_loop *rpc_loop;
/* Wakes the kernel's CPU after calls were submitted (server.c). */
extern void (*rpc_wake_kernel)(void);
void rpc_log_peer(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Queue @c's reply (header filled here from @seq and @ret). */
void rpc_send(struct rpc_sess *s, struct rpc_call *c, uint32_t seq, long ret);
/* An answer without a call: -errno or a HELLO's. */
void rpc_send_error(struct rpc_sess *s, uint32_t seq, long ret);
void rpc_sess_close(struct rpc_sess *s, const char *why);
/* Close @s now on the control thread; from the kernel's CPU, ask it to. */
void rpc_sess_fail(struct rpc_sess *s, const char *why);
/* A header the stream (or channel) cannot go on past: logged, closed. */
void rpc_sess_bad_header(struct rpc_sess *s, const struct nrpc_hdr *h, const char *bad);
struct rpc_sess *rpc_sess_first(void);
void rpc_sess_resume(struct rpc_sess *s);

/* session.c */
int rpc_sessions_init(void);
void rpc_sessions_fini(void);
struct rpc_call *rpc_call_new(struct rpc_sess *s, size_t out_cap, size_t scratch);
/* Queue @c for task @pid; its complete() runs later.  Never fails: a
 * call the kernel refuses completes with the error. */
void rpc_submit(struct rpc_sess *s, int pid, struct rpc_call *c);
void rpc_hello(struct rpc_sess *s, const struct nrpc_hello *m);
void rpc_cancel(struct rpc_sess *s);
/* The program has gone: end its tasks. */
void rpc_sess_end(struct rpc_sess *s);
/* Free @s if it is closed and nothing is in flight. */
void rpc_sess_put(struct rpc_sess *s);
/* complete() of a client's call: the reply goes out. */
void rpc_call_back(struct rpc_call *c);
/* After a POLL: empty the eventfd before the session's next call. */
void rpc_drain(struct rpc_sess *s);

/* chan.c: the shared channel (nrpc.h) */
/* Make the region of @s (s->chan), or -errno: the session keeps the socket. */
/* A session that will have a channel: its home CPU, the one with the
 * fewest such sessions (its tasks run there); returned as the SPAWN flags
 * and CPU that pin a task there (0 with one serving CPU).  Given back by
 * rpc_chan_close(). */
long rpc_chan_home(struct rpc_sess *s, long *cpu);
int rpc_chan_open(struct rpc_sess *s);
size_t rpc_chan_size(void);
/* The memfd to pass with the HELLO reply, -1 once it went. */
int rpc_chan_fd(const struct rpc_sess *s);
/* the doorbell's eventfd that goes with it in the HELLO reply, or -1 */
int rpc_chan_bell_fd(const struct rpc_sess *s);
void rpc_chan_sent(struct rpc_sess *s);
void rpc_chan_close(struct rpc_sess *s);
/* Write @c's reply into the region and wake the program if it sleeps. */
void rpc_chan_reply(struct rpc_sess *s, const struct rpc_call *c);
/* In place, for an op of a call being taken from a channel (else NULL,
 * and the op copies as on the socket): where the call's body has its
 * bytes from @off on, for the kernel to read (WRITE, SENDTO: the body
 * past @off was not copied out); where the reply's out data from @off
 * is, room for @len, for the kernel to write (READ, RECVFROM).  Either
 * makes @c hold the region until rpc_call_unplace(). */
const unsigned char *rpc_in_place(struct rpc_sess *s, struct rpc_call *c, size_t off);
unsigned char *rpc_out_place(struct rpc_sess *s, struct rpc_call *c, size_t off, size_t len);
void rpc_call_unplace(struct rpc_call *c);
/* A RING came: wake the kernel's CPU, which serves the channel. */
void rpc_chan_poll(struct rpc_sess *s);
/* The kernel's CPU serves the channel from now on (control thread). */
void rpc_chan_attach(struct rpc_sess *s);
/* ... no longer: the calls still in the kernel are the control thread's. */
void rpc_chan_detach(struct rpc_sess *s);
/* Nonzero on the kernel's CPU while it serves channels. */
int rpc_on_kernel(void);
/* The kernel's CPU: submit @c for an attached channel. */
void rpc_chan_submit(struct rpc_sess *s, int pid, struct rpc_call *c);
/* done() of a call rpc_chan_submit() sent: 1 if completed here, 0 if
 * the channel was detached meanwhile (the call goes the slow way). */
int rpc_chan_done(struct rpc_call *c);
/* The kernel's CPU wants @s closed (rpc_sess_fail), and why (control). */
void rpc_chan_doom(struct rpc_sess *s, const char *why);
const char *rpc_chan_doomed(struct rpc_sess *s);

/* calllog.c */
void rpc_pid_comm(int pid, char comm[16]);
/* A call refused here (@refused) or failed in the kernel: one line,
 * rate-limited, unless @err is success or flow (EAGAIN, ...). */
/* Calls taken and refused by op ([0]: an op we do not know), any thread. */
extern unsigned long long rpc_op_calls[NRPC_OP_MAX], rpc_op_refused[NRPC_OP_MAX];
void rpc_count_call(uint32_t op);
const char *rpc_op_name(uint32_t op);	/* NULL: not an op */
void rpc_log_call(struct rpc_sess *s, uint32_t op, const int64_t args[3],
		  const unsigned char *in, size_t n, long err, int refused);

/* ops.c: start the client's call; 0 (in flight), or -errno to answer. */
int rpc_call_start(struct rpc_sess *s, const struct nrpc_call *m, size_t len);

/*
 * An op: check the call @m and its @n bytes of in data, and make the
 * request (*@cp) that carries it to the kernel.  0, or -errno to answer
 * (-EINVAL for a bad layout, -EBADF for a descriptor the program may not
 * name).
 */
typedef int (*prep_fn)(struct rpc_sess *s, const struct nrpc_call *m,
		       const unsigned char *in, size_t n, struct rpc_call **cp);

/* fileops.c */
int rpc_op_read(struct rpc_sess *s, const struct nrpc_call *m,
		const unsigned char *in, size_t n, struct rpc_call **cp);
int rpc_op_write(struct rpc_sess *s, const struct nrpc_call *m,
		 const unsigned char *in, size_t n, struct rpc_call **cp);
int rpc_op_poll(struct rpc_sess *s, const struct nrpc_call *m,
		const unsigned char *in, size_t n, struct rpc_call **cp);
int rpc_op_open(struct rpc_sess *s, const struct nrpc_call *m,
		const unsigned char *in, size_t n, struct rpc_call **cp);

/* opts.c: arguments, and the options and ioctls (known layouts only). */
int rpc_fd_arg(const struct rpc_sess *s, int64_t v, long *fd);
int rpc_int_arg(int64_t v, long *out);
size_t rpc_out_room(const struct nrpc_call *m);
int rpc_setsockopt(struct rpc_sess *s, const struct nrpc_call *m,
		   const unsigned char *in, size_t n, struct rpc_call **cp);
int rpc_getsockopt(struct rpc_sess *s, const struct nrpc_call *m,
		   const unsigned char *in, size_t n, struct rpc_call **cp);
int rpc_ioctl(struct rpc_sess *s, const struct nrpc_call *m,
	      const unsigned char *in, size_t n, struct rpc_call **cp);

#endif
