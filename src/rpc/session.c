// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions and their kernel tasks; see doc/tools.md.
 *
 * A session is two tasks: the session task S, which runs the program's
 * calls one at a time, and its canceller C, which shares S's file table
 * and only ever writes to the session's eventfd: every POLL waits on that
 * eventfd too, so NRPC_CANCEL can end a poll that S is blocked in.
 *
 * A program's other host threads each come on a connection of their own
 * (HELLO with NRPC_HELLO_THREAD): their S is spawned by the first
 * session's C, sharing the one file table, so one thread may block in
 * a recv while another makes calls on the same descriptors.  Each has
 * its own eventfd (cancels never cross) and canceller; when a thread's
 * session ends its eventfd is closed first, since the table outlives it.
 *
 * Calls go to the kernel with nuse_syscall_submit() from this (the
 * control) thread.  Their done() runs on the dataplane thread and only
 * queues them back here, through an ev_async.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "log/log.h"
#include "nuse_syscalls.h"
#include "nuse_tsan.h"
#include "rpc_int.h"

#define FINI_WAIT	2.0	/* seconds rpc_fini waits for the tasks to end */
#define PATH_LOG_MAX	256	/* bytes of an OPEN's path logged (NUL-ended) */

enum step {
	STEP_SPAWN,		/* S, from the tenant's task or the parent's C */
	STEP_CLOSE_RANGE,	/* S lets go of what the tenant's task had open */
	STEP_EVENTFD,
	STEP_DUP3,		/* a fork: the new eventfd where the parent has its */
	STEP_CLOSE,
	STEP_CANCELLER,		/* C, sharing S's files */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct rpc_call *done_head, **done_tail = &done_head;
static ev_async done_async;
static uint64_t next_id = 1;

/* Dataplane thread. */
static void call_done(struct nuse_syscall *sc)
{
	struct rpc_call *c;
	int first;

	NUSE_TSAN_DONE(sc);	/* the call was filled on the control thread */
	c = sc->priv;
	pthread_mutex_lock(&lock);
	first = !done_head;
	c->qnext = NULL;
	*done_tail = c;
	done_tail = &c->qnext;
	pthread_mutex_unlock(&lock);
	if (first)
		ev_async_send(rpc_loop, &done_async);
}

static void run_completions(void)
{
	struct rpc_call *c, *next;
	struct rpc_sess *s;

	pthread_mutex_lock(&lock);
	c = done_head;
	done_head = NULL;
	done_tail = &done_head;
	pthread_mutex_unlock(&lock);
	for (; c; c = next) {
		next = c->qnext;
		if (c->magic != RPC_CALL_MAGIC) {
			log_err("rpc: a call came back damaged: dropped");
			continue;
		}
		s = c->s;
		s->refs--;
		c->complete(c);
		rpc_sess_resume(s);
		rpc_sess_put(s);
	}
}

static void on_done(struct ev_loop *l, ev_async *w, int revents)
{
	run_completions();
}

/* Calls were submitted: the dataplane thread enters the kernel. */
static void rpc_kick(void)
{
	rpc_wake_kernel();
}

struct rpc_call *rpc_call_new(struct rpc_sess *s, size_t out_cap, size_t scratch)
{
	size_t head = offsetof(struct rpc_call, reply) + sizeof(struct nrpc_reply);
	size_t out = (out_cap + 7) & ~(size_t)7;
	struct rpc_call *c = malloc(head + out + scratch);

	if (!c)
		return NULL;
	memset(c, 0, head);
	c->magic = RPC_CALL_MAGIC;
	c->s = s;
	c->out_cap = out_cap;
	c->scratch = (unsigned char *)c + head + out;
	c->sc.done = call_done;
	c->sc.priv = c;
	return c;
}

/* Dataplane thread: a call of an attached channel is done. */
static void fast_done(struct nuse_syscall *sc)
{
	struct rpc_call *c = sc->priv;

	if (c->magic != RPC_CALL_MAGIC) {
		log_err("rpc: a call came back damaged: dropped");
		return;
	}
	if (!rpc_chan_done(c))
		call_done(sc);
}

void rpc_submit(struct rpc_sess *s, int pid, struct rpc_call *c)
{
	int err;

	if (rpc_on_kernel()) {	/* an attached channel's, on the kernel's CPU */
		c->sc.done = fast_done;
		rpc_chan_submit(s, pid, c);
		return;
	}
	s->refs++;
	NUSE_TSAN_SUBMIT(&c->sc);
	err = nuse_syscall_submit(pid, &c->sc);
	if (err) {
		c->sc.ret = err;
		call_done(&c->sc);
		return;
	}
	rpc_kick();
}

static void call_free(struct rpc_call *c)
{
	if (c->sc.ret < 0)
		log_debug("rpc: call %ld(%ld, %ld) on task %d: %s", c->sc.nr, c->sc.args[0],
			  c->sc.args[1], c->sc.pid, strerror(-c->sc.ret));
	free(c);
}

/* A call of the appliance's own whose answer does not matter. */
static void submit_own(struct rpc_sess *s, int pid, long nr, long a0, long a1,
		       long a2, const void *data, size_t len)
{
	struct rpc_call *c = rpc_call_new(s, 0, len);

	if (!c) {
		log_err("rpc: out of memory for call %ld on task %d", nr, pid);
		return;
	}
	if (data)	/* never memcpy(NULL): the compiler would take data for set */
		memcpy(c->scratch, data, len);
	c->complete = call_free;
	c->sc.nr = nr;
	c->sc.args[0] = a0;
	c->sc.args[1] = data ? (long)c->scratch : a1;
	c->sc.args[2] = a2;
	rpc_submit(s, pid, c);
}

/* SIGKILL, from pid 1: a task cannot refuse it, and its files close. */
static void kill_task(struct rpc_sess *s, int *pid)
{
	if (*pid > 0)
		submit_own(s, 1, NUSE_SYS_kill, *pid, SIGKILL, 0, NULL, 0);
	*pid = 0;
}

static void kill_tasks(struct rpc_sess *s)
{
	kill_task(s, &s->cpid);
	kill_task(s, &s->pid);
}

static void thread_efd_closed(struct rpc_call *c)
{
	struct rpc_sess *s = c->s;

	call_free(c);
	kill_tasks(s);
}

/* A thread's eventfd is in a table other sessions keep: close it there
 * (by C, never blocked; S while starting), then end the tasks. */
void rpc_sess_end(struct rpc_sess *s)
{
	int by = s->cpid > 0 ? s->cpid : s->pid;
	struct rpc_call *c;

	if (s->ending)
		return;		/* the close is on its way; the kills follow it */
	if (s->kind == RPC_KIND_THREAD && s->efd >= 0 && by > 0 &&
	    (c = rpc_call_new(s, 0, 0))) {
		s->ending = 1;
		c->complete = thread_efd_closed;
		c->sc.nr = NUSE_SYS_close;
		c->sc.args[0] = s->efd;
		rpc_submit(s, by, c);
		return;
	}
	kill_tasks(s);
}

void rpc_drain(struct rpc_sess *s)
{
	uint64_t v = 0;

	submit_own(s, s->pid, NUSE_SYS_read, s->efd, 0, sizeof(v), &v, sizeof(v));
}

/* --- the client's calls --- */

void rpc_call_back(struct rpc_call *c)
{
	struct rpc_sess *s = c->s;

	rpc_call_unplace(c);	/* the kernel is done with the region */
	if (s->fd < 0) {
		if (s->pending == c)
			s->pending = NULL;
		free(c);
		return;
	}
	c->back = 1;
	if (c->cancelling)
		return;		/* answered when the cancel is */
	s->pending = NULL;
	c->out_len = 0;
	if (c->finish)
		c->finish(c);
	if (c->out_len > c->out_max)
		c->out_len = c->out_max;
	if (c->sc.ret < 0)	/* OPEN: the path is in scratch */
		rpc_log_call(s, c->op, c->margs, c->op == NRPC_OPEN ? c->scratch : NULL,
			     c->op == NRPC_OPEN ? PATH_LOG_MAX : 0, c->sc.ret, 0);
	rpc_send(s, c, c->reply.h.seq, c->sc.ret);
}

static void cancel_done(struct rpc_call *w)
{
	struct rpc_sess *s = w->s;
	struct rpc_call *c = s->pending;

	free(w);
	if (!c || c->op != NRPC_POLL || !c->cancelling)
		return;
	c->cancelling = 0;
	if (c->back)
		rpc_call_back(c);
}

void rpc_cancel(struct rpc_sess *s)
{
	struct rpc_call *c = s->pending, *w;
	uint64_t one = 1;

	if (!c || c->op != NRPC_POLL || c->cancelled || c->back)
		return;		/* too late, or nothing to cancel: no answer */
	w = rpc_call_new(s, 0, sizeof(one));
	if (!w)
		return;
	memcpy(w->scratch, &one, sizeof(one));
	w->complete = cancel_done;
	w->sc.nr = NUSE_SYS_write;
	w->sc.args[0] = s->efd;
	w->sc.args[1] = (long)w->scratch;
	w->sc.args[2] = sizeof(one);
	c->cancelled = c->cancelling = 1;
	rpc_submit(s, s->cpid, w);
}

/* --- HELLO: the session's tasks --- */

static void start_call(struct rpc_sess *s, enum step step, int pid, long nr,
		       long a0, long a1, long a2);

/* (A thread's eventfd, if it got one, stays in the table: another HELLO
 * may follow at once, so nothing may still be on its way to the tasks.) */
static void start_fail(struct rpc_sess *s, long err)
{
	rpc_log_peer("tenant %s: program %s (pid %d uid %u): no session: %s", s->tenant,
		     s->comm, (int)s->peer.pid, s->peer.uid,
		     err == -ENOENT ? "no such tenant" : strerror((int)-err));
	kill_tasks(s);
	s->state = RPC_NEW;
	s->efd = -1;
	rpc_send_error(s, s->hello_seq, err);
}

/* The HELLO reply: the session id, and with a channel its size (the
 * memfd rides on the reply).  A channel that cannot be made leaves the
 * session on the socket, as version 1. */
static void start_ready(struct rpc_sess *s)
{
	struct rpc_call *c = rpc_call_new(s, 2 * sizeof(int64_t), 0);
	int64_t id;
	uint64_t size;
	int err;

	if (!c) {
		start_fail(s, -ENOMEM);
		return;
	}
	s->state = RPC_READY;
	s->id = next_id++;
	id = s->id;
	memcpy(rpc_out(c), &id, sizeof(id));
	c->out_len = sizeof(id);
	if (s->want_chan) {
		err = rpc_chan_open(s);
		if (err) {
			log_warn("rpc: session %llu: no shared channel (%s): the socket carries its calls",
				 (unsigned long long)s->id, strerror(-err));
		} else {
			size = rpc_chan_size();
			memcpy(rpc_out(c) + sizeof(id), &size, sizeof(size));
			c->out_len += sizeof(size);
			c->passes_fd = 1;
		}
	}
	rpc_send(s, c, s->hello_seq, 0);
	if (s->chan) {
		s->chan_live = 1;	/* after the reply went into the socket's queue */
		rpc_chan_attach(s);
	}
	log_info("rpc: session %llu: pid %d uid %u in tenant %s (tasks %d and %d)%s%s",
		 (unsigned long long)s->id, s->peer.pid, s->peer.uid, s->tenant,
		 s->pid, s->cpid, s->kind == RPC_KIND_THREAD ? ", a thread's" : "",
		 s->chan ? ", shared channel" : "");
}

static void start_eventfd(struct rpc_sess *s)
{
	start_call(s, STEP_EVENTFD, s->pid, NUSE_SYS_eventfd2, 0, EFD_NONBLOCK | EFD_CLOEXEC, 0);
}

static void start_canceller(struct rpc_sess *s)
{
	start_call(s, STEP_CANCELLER, s->pid, NUSE_CALL_SPAWN, NUSE_SPAWN_SHARE_FILES, 0, 0);
}

static void start_step(struct rpc_call *c)
{
	struct rpc_sess *s = c->s;
	long ret = c->sc.ret;
	int step = s->step;

	free(c);
	if (step == STEP_SPAWN && ret > 0)
		s->pid = ret;
	if (step == STEP_CANCELLER && ret > 0)
		s->cpid = ret;
	if (s->fd < 0) {
		rpc_sess_end(s);	/* it went while we were starting */
		return;
	}
	if (ret < 0) {
		/* the tenant's task, or the parent's canceller, has gone */
		if (step == STEP_SPAWN && ret == -ESRCH)
			ret = s->kind == RPC_KIND_NEW ? -ENOENT : -ESRCH;
		start_fail(s, ret);
		return;
	}
	switch (step) {
	case STEP_SPAWN:
		if (s->kind == RPC_KIND_NEW)	/* nothing of the tenant task's */
			start_call(s, STEP_CLOSE_RANGE, s->pid, NUSE_SYS_close_range, 0, ~0U, 0);
		else
			start_eventfd(s);
		break;
	case STEP_CLOSE_RANGE:
		start_eventfd(s);
		break;
	case STEP_EVENTFD:
		if (s->kind != RPC_KIND_FORK) {
			s->efd = ret;
			start_canceller(s);
		} else {		/* a fork: where the parent has its eventfd */
			s->tmp_fd = ret;
			start_call(s, STEP_DUP3, s->pid, NUSE_SYS_dup3, ret, s->efd, O_CLOEXEC);
		}
		break;
	case STEP_DUP3:
		start_call(s, STEP_CLOSE, s->pid, NUSE_SYS_close, s->tmp_fd, 0, 0);
		break;
	case STEP_CLOSE:
		start_canceller(s);
		break;
	case STEP_CANCELLER:
		start_ready(s);
		break;
	}
}

static void start_call(struct rpc_sess *s, enum step step, int pid, long nr,
		       long a0, long a1, long a2)
{
	struct rpc_call *c = rpc_call_new(s, 0, 0);

	if (!c) {
		start_fail(s, -ENOMEM);
		return;
	}
	s->step = step;
	c->complete = start_step;
	c->sc.nr = nr;
	c->sc.args[0] = a0;
	c->sc.args[1] = a1;
	c->sc.args[2] = a2;
	rpc_submit(s, pid, c);
}

/* S, the task that takes the session's calls: with a channel, on the
 * channel's home CPU only, which serves it. */
static void start_spawn(struct rpc_sess *s, int from, long flags)
{
	long cpu = 0;

	if (s->want_chan)
		flags |= rpc_chan_home(s, &cpu);
	start_call(s, STEP_SPAWN, from, NUSE_CALL_SPAWN, flags, cpu, 0);
}

static void lookup_done(struct ctl_req *r)
{
	struct rpc_sess *s = (struct rpc_sess *)((char *)r - offsetof(struct rpc_sess, lookup));

	s->refs--;
	if (s->fd >= 0) {
		if (r->status)
			start_fail(s, r->status == -ENOENT ? -ENOENT : -EIO);
		else
			start_spawn(s, s->lookup.pid, 0);
	}
	rpc_sess_put(s);
}

/* fork(): S from the parent's canceller, which is never blocked and
 * shares the parent's files, so S starts with a copy of them.  A thread:
 * the same canceller, S sharing its files.  A thread's connection must
 * come from the same process: the session's powers are the process's. */
static long start_fork(struct rpc_sess *s, uint64_t parent, int thread)
{
	struct rpc_sess *p;

	for (p = rpc_sess_first(); p; p = p->next)
		if (p->id == parent && p->state == RPC_READY && p->fd >= 0)
			break;
	if (!p)
		return -ESRCH;
	/* (pid 0: a peer in a pid namespace we cannot see; not one process) */
	if (thread ? p->peer.pid != s->peer.pid || s->peer.pid <= 0
		   : p->peer.uid != s->peer.uid)
		return -EACCES;
	if (strcmp(p->tenant, s->tenant))
		return -EINVAL;
	s->kind = thread ? RPC_KIND_THREAD : RPC_KIND_FORK;
	if (!thread)
		s->efd = p->efd;
	start_spawn(s, p->cpid, thread ? NUSE_SPAWN_SHARE_FILES : 0);
	return 0;
}

void rpc_hello(struct rpc_sess *s, const struct nrpc_hello *m)
{
	size_t n = strnlen(m->tenant, sizeof(m->tenant));
	long err = rpc_check_hello(m);

	if (!err && s->job && (m->fork_of || strcmp(m->tenant, s->job_tenant)))
		err = -EACCES;	/* an iptables job: its own tenant, fresh */
	if (err) {
		rpc_log_peer("program %s (pid %d uid %u): HELLO refused: %s", s->comm,
			     (int)s->peer.pid, s->peer.uid, strerror((int)-err));
		rpc_send_error(s, m->h.seq, err);
		return;
	}
	memcpy(s->tenant, m->tenant, n + 1);
	s->hello_seq = m->h.seq;
	s->want_chan = !!(m->flags & NRPC_HELLO_SHM);
	s->state = RPC_STARTING;
	s->kind = RPC_KIND_NEW;
	s->efd = -1;
	if (m->fork_of) {
		err = start_fork(s, m->fork_of, !!(m->flags & NRPC_HELLO_THREAD));
		if (err)
			start_fail(s, err);
		return;
	}
	memset(&s->lookup, 0, sizeof(s->lookup));
	memcpy(s->lookup.name, s->tenant, n + 1);
	s->refs++;
	if (CTL_SUBMIT(&s->lookup, &tenant_op_pid, lookup_done)) {
		s->refs--;
		start_fail(s, -EIO);
	}
}

/* --- start and stop --- */

int rpc_sessions_init(void)
{
	ev_async_init(&done_async, on_done);
	ev_async_start(rpc_loop, &done_async);
	return 0;
}

static void on_tick(struct ev_loop *l, ev_timer *w, int revents)
{
}

/* The sessions are closed and their tasks being killed: run the loop
 * until every call came back, for a while at most. */
void rpc_sessions_fini(void)
{
	ev_tstamp until = ev_time() + FINI_WAIT;
	ev_timer tick;

	ev_timer_init(&tick, on_tick, 0.05, 0.05);
	ev_timer_start(rpc_loop, &tick);
	while (rpc_sess_first() && ev_time() < until)
		ev_run(rpc_loop, EVRUN_ONCE);
	ev_timer_stop(rpc_loop, &tick);
	ev_async_stop(rpc_loop, &done_async);
	if (rpc_sess_first())
		log_warn("rpc: some sessions' tasks did not answer in %.0f s", FINI_WAIT);
}
