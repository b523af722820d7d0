// SPDX-License-Identifier: GPL-2.0
/*
 * Placeholder descriptor -> the appliance's descriptor.  The table is
 * indexed by the placeholder's number and guarded by one mutex; a
 * process with no tenant descriptor never takes it (the count is read
 * first), so host-only programs pay one atomic load per call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "preload.h"

static struct {
	pthread_mutex_t lock;
	struct pl_fd *tab;	/* kind 0: not ours */
	int size;
	long count;
} map = { .lock = PTHREAD_MUTEX_INITIALIZER };

long pl_fd_count(void)
{
	return __atomic_load_n(&map.count, __ATOMIC_ACQUIRE);
}

void pl_fd_lock(int on)
{
	if (on)
		pthread_mutex_lock(&map.lock);
	else
		pthread_mutex_unlock(&map.lock);
}

int pl_fd_get(int fd, struct pl_fd *e)
{
	int err = -EBADF;

	pl_boot();
	if (fd < 0 || !pl_fd_count())
		return err;
	pthread_mutex_lock(&map.lock);
	if (fd < map.size && map.tab[fd].kind) {
		*e = map.tab[fd];
		err = 0;
	}
	pthread_mutex_unlock(&map.lock);
	return err;
}

static int map_grow(int fd)
{
	int size = map.size ? map.size : 64;
	struct pl_fd *t;

	while (size <= fd)
		size *= 2;
	t = realloc(map.tab, size * sizeof(*t));
	if (!t)
		return -ENOMEM;
	memset(t + map.size, 0, (size - map.size) * sizeof(*t));
	map.tab = t;
	map.size = size;
	return 0;
}

/* Records @e (and takes its path) for @fd. */
int pl_fd_put(int fd, const struct pl_fd *e)
{
	int err = 0;

	pthread_mutex_lock(&map.lock);
	if (fd >= map.size)
		err = map_grow(fd);
	if (!err) {
		if (map.tab[fd].kind)
			free((char *)map.tab[fd].path);
		else
			__atomic_add_fetch(&map.count, 1, __ATOMIC_RELEASE);
		map.tab[fd] = *e;
	}
	pthread_mutex_unlock(&map.lock);
	return err;
}

/* Removes @fd's entry; the caller closes its remote and pl_fd_drop()s it. */
int pl_fd_take(int fd, struct pl_fd *e)
{
	int err = -EBADF;

	pl_boot();
	if (fd < 0 || !pl_fd_count())
		return err;
	pthread_mutex_lock(&map.lock);
	if (fd < map.size && map.tab[fd].kind) {
		*e = map.tab[fd];
		memset(&map.tab[fd], 0, sizeof(map.tab[fd]));
		__atomic_sub_fetch(&map.count, 1, __ATOMIC_RELEASE);
		err = 0;
	}
	pthread_mutex_unlock(&map.lock);
	return err;
}

void pl_fd_drop(struct pl_fd *e)
{
	free((char *)e->path);
	e->path = NULL;
}

void pl_fd_set_cloexec(int fd, int on)
{
	pthread_mutex_lock(&map.lock);
	if (fd >= 0 && fd < map.size && map.tab[fd].kind)
		map.tab[fd].cloexec = !!on;
	pthread_mutex_unlock(&map.lock);
}

/* A /proc file moved: by @delta bytes, or (remote >= 0) reopened at @delta. */
void pl_fd_seek(int fd, int remote, off_t delta)
{
	pthread_mutex_lock(&map.lock);
	if (fd >= 0 && fd < map.size && map.tab[fd].kind == PL_FILE) {
		if (remote >= 0) {
			map.tab[fd].remote = remote;
			map.tab[fd].off = delta;
		} else {
			map.tab[fd].off += delta;
		}
	}
	pthread_mutex_unlock(&map.lock);
}

/* The first tenant descriptor >= @from, or -1. */
int pl_fd_next(int from)
{
	int fd = -1, i;

	if (from < 0 || !pl_fd_count())
		return -1;
	pthread_mutex_lock(&map.lock);
	for (i = from; i < map.size && fd < 0; i++)
		if (map.tab[i].kind)
			fd = i;
	pthread_mutex_unlock(&map.lock);
	return fd;
}

/*
 * The session is lost: no remote descriptor of ours means anything now.
 * A placeholder still open keeps its number with no remote (calls on it
 * fail with EBADF until the program closes it); one already closed
 * (what closed our connection closed it too) is forgotten, so that the
 * number is the host's again.
 */
void pl_fd_lost(void)
{
	int i;

	pthread_mutex_lock(&map.lock);
	for (i = 0; i < map.size; i++) {
		if (!map.tab[i].kind)
			continue;
		if (pl_real.fcntl(i, F_GETFD) >= 0) {
			map.tab[i].remote = -1;
			continue;
		}
		free((char *)map.tab[i].path);
		memset(&map.tab[i], 0, sizeof(map.tab[i]));
		__atomic_sub_fetch(&map.count, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&map.lock);
}

/* A host descriptor that holds the number: /dev/null, or an eventfd where
 * there is no /dev (a chroot); always close-on-exec. */
static int placeholder(int minfd)
{
	int fd = pl_real.open("/dev/null", O_RDWR | O_CLOEXEC), nfd;

	if (fd < 0 && errno != EMFILE && errno != ENFILE)
		fd = eventfd(0, EFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fd >= minfd)
		return fd;
	nfd = pl_real.fcntl(fd, F_DUPFD_CLOEXEC, minfd);
	pl_real.close(fd);
	return nfd < 0 ? -errno : nfd;
}

/* A new placeholder (>= minfd) for @e; the caller still owns e->remote
 * if this fails. */
int pl_fd_new(const struct pl_fd *e, int minfd)
{
	int fd = placeholder(minfd), err;

	if (fd < 0)
		return fd;
	if ((err = pl_fd_put(fd, e))) {
		pl_real.close(fd);
		return err;
	}
	return fd;
}
