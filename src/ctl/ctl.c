// SPDX-License-Identifier: GPL-2.0
/* Control requests between the control and dataplane threads; see ctl.h. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "log/log.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct ctl_req *requests, **requests_tail = &requests;
static struct ctl_req *replies, **replies_tail = &replies;
static struct ev_loop *loop;
static ev_async replied;
static void (*wake)(void);
static void (*after_replies)(void);
static int failed;			/* -errno: the dataplane is gone */
/* Whether @requests may hold something: set under the lock by a submit,
 * cleared under it by the take, read without it on every dataplane turn. */
static atomic_bool queued;

static void push(struct ctl_req ***tail, struct ctl_req *r)
{
	r->next = NULL;
	**tail = r;
	*tail = &r->next;
}

static struct ctl_req *take(struct ctl_req **head, struct ctl_req ***tail)
{
	struct ctl_req *list;

	pthread_mutex_lock(&lock);
	list = *head;
	*head = NULL;
	*tail = head;
	if (head == &requests)
		atomic_store_explicit(&queued, false, memory_order_relaxed);
	pthread_mutex_unlock(&lock);
	return list;
}

static void on_replied(struct ev_loop *l, ev_async *w, int revents)
{
	struct ctl_req *r = take(&replies, &replies_tail), *next;

	for (; r; r = next) {
		next = r->next;
		if (!r->status && r->op->render)
			r->status = r->op->render(r);
		r->done(r);
	}
	if (after_replies)
		after_replies();
}

void ctl_release(struct ctl_req *r)
{
	if (r->op && r->op->release)
		r->op->release(r);
}

void ctl_on_replies(void (*fn)(void))
{
	after_replies = fn;
}

int ctl_init(struct ev_loop *l, void (*wake_dataplane)(void))
{
	loop = l;
	wake = wake_dataplane;
	ev_async_init(&replied, on_replied);
	ev_async_start(loop, &replied);
	return 0;
}

void ctl_fini(void)
{
	if (loop)
		ev_async_stop(loop, &replied);
}

int ctl_submit(struct ctl_req *r)
{
	int dead;

	if (!r || !r->done || !r->op || !r->op->run)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	dead = failed;
	if (dead) {
		r->status = dead;
		push(&replies_tail, r);
	} else {
		push(&requests_tail, r);
		atomic_store_explicit(&queued, true, memory_order_release);
	}
	pthread_mutex_unlock(&lock);
	if (dead)
		ev_async_send(loop, &replied);
	else
		wake();
	return 0;
}

void ctl_fail_all(int err)
{
	struct ctl_req *r, *next;

	pthread_mutex_lock(&lock);
	failed = err;
	r = requests;
	requests = NULL;
	requests_tail = &requests;
	atomic_store_explicit(&queued, false, memory_order_relaxed);
	for (; r; r = next) {
		next = r->next;
		r->status = err;
		push(&replies_tail, r);
	}
	pthread_mutex_unlock(&lock);
	ev_async_send(loop, &replied);
}

/* --- on the dataplane thread --- */

void ctl_run_pending(void)
{
	struct ctl_req *r, *next;
	int any = 0;

	if (!atomic_load_explicit(&queued, memory_order_acquire))
		return;		/* nothing submitted since the last take */
	for (r = take(&requests, &requests_tail); r; r = next) {
		next = r->next;
		if (r->len != r->op->len) {
			log_warn("control: dropped a request for %s: %zu bytes, not %zu",
				 r->op->name, r->len, r->op->len);
			r->status = -EINVAL;
		} else {
			r->status = r->op->run(r);
		}
		pthread_mutex_lock(&lock);
		push(&replies_tail, r);
		pthread_mutex_unlock(&lock);
		any = 1;
	}
	if (any)
		ev_async_send(loop, &replied);
}
