/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control requests: the control thread hands work that needs the kernel
 * to the dataplane thread, which owns it, and gets the answer back on its
 * libev loop.  This is only the queue.  What a request does is its
 * operation's, a struct ctl_op that the module owning the work defines
 * next to the work itself (tenant/ops.c, metrics/metrics.c); a request
 * is checked against its operation (the length of its struct) on
 * arrival.
 *
 * A request's life: submitted on the control thread; run() on the
 * dataplane thread; render() back on the control thread (JSON and other
 * allocations of the control side are made there, never on the
 * dataplane thread); then the submitter's done().  Whoever owns the
 * request calls ctl_release() when it is finished with it.
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <ev.h>

struct ctl_req;

struct ctl_op {
	const char *name;		/* for the log */
	size_t len;			/* sizeof the request's own struct */
	/* Dataplane thread: the work; 0 or -errno. */
	int (*run)(struct ctl_req *r);
	/* Control thread, after a run that returned 0 and before done():
	 * the answer, from what run() gathered; 0 or -errno.  May be NULL. */
	int (*render)(struct ctl_req *r);
	/* Control thread: frees what run() and render() left in @r (not
	 * what the submitter put in).  May be NULL. */
	void (*release)(struct ctl_req *r);
	/* Control thread, after a success: the state file follows the
	 * change (1), or it changed nothing kept there (0).  NULL for an
	 * operation that changes nothing. */
	int (*follow)(struct ctl_req *r);
};

struct ctl_req {
	const struct ctl_op *op;
	size_t len;			/* sizeof the submitter's struct */
	int status;			/* 0 or -errno */
	void (*done)(struct ctl_req *);	/* on the control thread */
	struct ctl_req *next;
};

/* Control thread. */
int ctl_init(struct ev_loop *loop, void (*wake_dataplane)(void));
void ctl_fini(void);
/* Queue @r (its op, len and done set); 0, or -EINVAL for a request
 * without them.  done() is always called, also when the dataplane is
 * gone (status -EHOSTDOWN). */
int ctl_submit(struct ctl_req *r);
/* Submit @r as a request of @op: sets op and len (sizeof *@r). */
#define CTL_SUBMIT(r, o, fn) \
	((r)->req.op = (o), (r)->req.len = sizeof(*(r)), (r)->req.done = (fn), \
	 ctl_submit(&(r)->req))
/* What run() and render() left; the request may be submitted again. */
void ctl_release(struct ctl_req *r);
/* Called after each batch of done() calls. */
void ctl_on_replies(void (*fn)(void));

/* Dataplane thread: run what is queued. */
void ctl_run_pending(void);
/* Dataplane thread, when it can run nothing more: every request queued
 * and every one submitted from now on is answered with @err (-errno). */
void ctl_fail_all(int err);

#endif
