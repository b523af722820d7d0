// SPDX-License-Identifier: GPL-2.0
/*
 * epoll over tenant descriptors: a placeholder cannot join a host epoll
 * set (/dev/null does not poll), so each epoll descriptor has a shadow
 * set of the tenant descriptors added to it, kept here.  epoll_wait with
 * a non-empty shadow set waits like a mixed poll: NRPC_POLL for the
 * shadow set, the epoll descriptor itself (readable when its host part
 * has events) on the host side.  Level-triggered only; EPOLLONESHOT
 * disarms an entry after one report (see preload.h).
 *
 * Lock order: a connection (busy), then ep.lock, then the fd table's;
 * none is held across taking a connection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "preload.h"

#define EP_POLL_EVENTS (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM | EPOLLRDBAND | \
			EPOLLWRNORM | EPOLLWRBAND | EPOLLMSG | EPOLLRDHUP)

struct ep_item {
	int fd;			/* the program's (a placeholder) */
	int armed;		/* 0: EPOLLONESHOT fired, until EPOLL_CTL_MOD */
	struct epoll_event ev;
};

struct ep_set {
	struct ep_set *next;
	int epfd;
	int n, cap;
	struct ep_item *items;
};

static struct {
	pthread_mutex_t lock;
	struct ep_set *sets;
	int nsets;
} ep = { .lock = PTHREAD_MUTEX_INITIALIZER };

void pl_epoll_lock(int on)
{
	if (on)
		pthread_mutex_lock(&ep.lock);
	else
		pthread_mutex_unlock(&ep.lock);
}

static struct ep_set *set_find(int epfd)
{
	struct ep_set *s;

	for (s = ep.sets; s && s->epfd != epfd; s = s->next)
		;
	return s;
}

static struct ep_item *item_find(struct ep_set *s, int fd)
{
	int i;

	for (i = 0; s && i < s->n; i++)
		if (s->items[i].fd == fd)
			return &s->items[i];
	return NULL;
}

static void item_del(struct ep_set *s, struct ep_item *it)
{
	*it = s->items[--s->n];
}

static int item_add(int epfd, int fd, const struct epoll_event *ev)
{
	struct ep_set *s = set_find(epfd);
	struct ep_item *t;

	if (!s) {
		if (!(s = calloc(1, sizeof(*s))))
			return -ENOMEM;
		s->epfd = epfd;
		s->next = ep.sets;
		ep.sets = s;
		__atomic_add_fetch(&ep.nsets, 1, __ATOMIC_RELEASE);
	}
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 8;

		if (!(t = realloc(s->items, cap * sizeof(*t))))
			return -ENOMEM;
		s->items = t;
		s->cap = cap;
	}
	s->items[s->n++] = (struct ep_item){ .fd = fd, .armed = 1, .ev = *ev };
	return 0;
}

static long shadow_ctl(int epfd, int op, int fd, const struct epoll_event *ev)
{
	struct ep_item *it;
	long err = 0;

	if (pl_real.fcntl(epfd, F_GETFD) < 0)
		return -EBADF;
	if (op != EPOLL_CTL_DEL && !ev)
		return -EFAULT;
	pthread_mutex_lock(&ep.lock);
	it = item_find(set_find(epfd), fd);
	if (op == EPOLL_CTL_ADD)
		err = it ? -EEXIST : item_add(epfd, fd, ev);
	else if (op == EPOLL_CTL_MOD && it)
		*it = (struct ep_item){ .fd = fd, .armed = 1, .ev = *ev };
	else if (op == EPOLL_CTL_DEL && it)
		item_del(set_find(epfd), it);
	else
		err = op == EPOLL_CTL_MOD || op == EPOLL_CTL_DEL ? -ENOENT : -EINVAL;
	pthread_mutex_unlock(&ep.lock);
	return err;
}

/* @fd closed: as an epoll descriptor, or as a member of shadow sets. */
void pl_epoll_forget(int fd)
{
	struct ep_set **sp, *s;
	struct ep_item *it;

	if (!__atomic_load_n(&ep.nsets, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&ep.lock);
	for (sp = &ep.sets; (s = *sp);) {
		if (s->epfd == fd) {
			*sp = s->next;
			free(s->items);
			free(s);
			__atomic_sub_fetch(&ep.nsets, 1, __ATOMIC_RELEASE);
			continue;
		}
		if ((it = item_find(s, fd)))
			item_del(s, it);
		sp = &s->next;
	}
	pthread_mutex_unlock(&ep.lock);
}

/* close_range() closed every epoll descriptor in [lo, hi]: their shadow
 * sets go (the tenant entries went with their placeholders). */
void pl_epoll_forget_range(unsigned int lo, unsigned int hi)
{
	struct ep_set **sp, *s;

	if (!__atomic_load_n(&ep.nsets, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&ep.lock);
	for (sp = &ep.sets; (s = *sp);) {
		if ((unsigned int)s->epfd >= lo && (unsigned int)s->epfd <= hi) {
			*sp = s->next;
			free(s->items);
			free(s);
			__atomic_sub_fetch(&ep.nsets, 1, __ATOMIC_RELEASE);
			continue;
		}
		sp = &s->next;
	}
	pthread_mutex_unlock(&ep.lock);
}

/* The armed tenant entries of @epfd's shadow set, as pollfds on the
 * appliance's descriptors (@items: theirs); their count, 0 if none. */
static int snapshot(int epfd, struct pollfd **tp, struct ep_item **ip)
{
	struct ep_item *items = NULL;
	struct pollfd *t = NULL;
	struct ep_set *s;
	struct pl_fd e;
	int i, n = 0;

	pthread_mutex_lock(&ep.lock);
	s = set_find(epfd);
	if (s && s->n) {
		items = malloc(s->n * sizeof(*items));
		t = malloc(s->n * sizeof(*t));
	}
	for (i = 0; items && t && i < s->n; i++) {
		if (!s->items[i].armed || pl_fd_get(s->items[i].fd, &e))
			continue;
		items[n] = s->items[i];
		t[n++] = (struct pollfd){ e.remote, s->items[i].ev.events & EP_POLL_EVENTS, 0 };
	}
	pthread_mutex_unlock(&ep.lock);
	*tp = t;
	*ip = items;
	return n;
}

static void disarm(int epfd, int fd)
{
	struct ep_item *it;

	pthread_mutex_lock(&ep.lock);
	if ((it = item_find(set_find(epfd), fd)))
		it->armed = 0;
	pthread_mutex_unlock(&ep.lock);
}

/* Host events first (from the epoll descriptor), then the tenant ones. */
static int ep_collect(int epfd, struct epoll_event *evs, int max, const struct pollfd *h,
		      const struct pollfd *t, const struct ep_item *items, int nt)
{
	int k = 0, i;

	if (h[0].revents & POLLIN)
		k = pl_real.epoll_pwait(epfd, evs, max, 0, NULL);
	k = k < 0 ? 0 : k;
	for (i = 0; i < nt && k < max; i++) {
		uint32_t want = items[i].ev.events | EPOLLERR | EPOLLHUP;

		if (!(t[i].revents & want))
			continue;
		evs[k].events = t[i].revents & want;
		evs[k++].data = items[i].ev.data;
		if (items[i].ev.events & EPOLLONESHOT)
			disarm(epfd, items[i].fd);
	}
	return k;
}

/* -ENOENT: no tenant entry armed, libc's epoll_wait does it all. */
static long ep_wait(int epfd, struct epoll_event *evs, int max, int tmo,
		    const sigset_t *mask)
{
	struct pollfd h[2] = { { .fd = epfd, .events = POLLIN } }, *t;
	struct ep_item *items;
	long r;
	int nt;

	if (max <= 0)
		return -EINVAL;
	nt = snapshot(epfd, &t, &items);
	r = nt ? pl_poll_wait(t, nt, tmo, h, 1, mask) : -ENOENT;
	if (!r)
		r = ep_collect(epfd, evs, max, h, t, items, nt);
	free(t);
	free(items);
	return r;
}

PL_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.epoll_ctl(epfd, op, fd, ev);
	return pl_ret(shadow_ctl(epfd, op, fd, ev));
}

PL_EXPORT int epoll_pwait(int epfd, struct epoll_event *evs, int max, int tmo,
			  const sigset_t *mask)
{
	long r;

	pl_boot();
	if (!__atomic_load_n(&ep.nsets, __ATOMIC_ACQUIRE) ||
	    (r = ep_wait(epfd, evs, max, tmo < 0 ? -1 : tmo, mask)) == -ENOENT)
		return pl_real.epoll_pwait(epfd, evs, max, tmo, mask);
	return pl_ret(r);
}

PL_EXPORT int epoll_wait(int epfd, struct epoll_event *evs, int max, int tmo)
{
	return epoll_pwait(epfd, evs, max, tmo, NULL);
}

PL_EXPORT int epoll_pwait2(int epfd, struct epoll_event *evs, int max,
			   const struct timespec *ts, const sigset_t *mask)
{
	long r;

	pl_boot();
	if (!pl_real.epoll_pwait2)
		return pl_ret(-ENOSYS);
	if (!__atomic_load_n(&ep.nsets, __ATOMIC_ACQUIRE) || pl_ts_ms(ts) == -2 ||
	    (r = ep_wait(epfd, evs, max, pl_ts_ms(ts), mask)) == -ENOENT)
		return pl_real.epoll_pwait2(epfd, evs, max, ts, mask);
	return pl_ret(r);
}
