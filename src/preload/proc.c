// SPDX-License-Identifier: GPL-2.0
/*
 * The tenant's /proc/net and /proc/sys: open/openat (and glibc's
 * fortified and 64-bit names for them), fopen (glibc's fopen opens with
 * internal calls we never see, so ours is a fopencookie stream on our
 * own descriptor) and lseek, emulated: NRPC has no seek, and /proc files
 * are read front to back anyway.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

/* After "/proc/": "self/", "thread-self/" or our own pid's "PID/". */
static const char *skip_self(const char *p)
{
	char pid[24];
	size_t n;

	if (!strncmp(p, "self/", 5))
		return p + 5;
	if (!strncmp(p, "thread-self/", 12))
		return p + 12;
	n = snprintf(pid, sizeof(pid), "%d/", (int)getpid());
	return strncmp(p, pid, n) ? NULL : p + n;
}

/* 1 with the tenant's path in @out when @path is a /proc file of the
 * tenant's (something below /proc/sys/ or a /proc/.../net/), else 0. */
int pl_proc_path(const char *path, char *out, size_t len)
{
	const char *p;

	pl_boot();
	if (!pl_on || !path || strncmp(path, "/proc/", 6))
		return 0;
	p = path + 6;
	if (!strncmp(p, "sys/", 4) && p[4])
		return snprintf(out, len, "%s", path) < (int)len;
	if (strncmp(p, "net/", 4))
		p = skip_self(p);
	if (!p || strncmp(p, "net/", 4) || !p[4])
		return 0;
	return snprintf(out, len, "/proc/net/%s", p + 4) < (int)len;
}

/* NRPC_OPEN (flags, mode) in: path -> the appliance's descriptor */
static long ropen(const char *tpath, int flags, mode_t mode)
{
	int64_t a[6] = { flags & ~O_CLOEXEC, mode };
	struct iovec in = { (void *)tpath, strlen(tpath) + 1 };

	return pl_call(NRPC_OPEN, a, &in, 1, NULL, 0, NULL);
}

static long proc_open(const char *tpath, int flags, mode_t mode)
{
	struct pl_fd e = { .kind = PL_FILE, .cloexec = !!(flags & O_CLOEXEC),
			   .type = flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC) };
	long fd;

	e.remote = ropen(tpath, flags, mode);
	if (e.remote < 0)
		return e.remote;
	if (!(e.path = strdup(tpath))) {
		pl_rclose(e.remote);
		return -ENOMEM;
	}
	fd = pl_fd_new(&e, 0);
	if (fd < 0) {
		pl_rclose(e.remote);
		pl_fd_drop(&e);
	}
	return fd;
}

static int open_mode(int flags, va_list ap)
{
	return flags & (O_CREAT | __O_TMPFILE) ? va_arg(ap, int) : 0;
}

PL_EXPORT int open(const char *path, int flags, ...)
{
	char tp[PATH_MAX];
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (!pl_proc_path(path, tp, sizeof(tp)) || (flags & O_DIRECTORY))
		return pl_real.open(path, flags, mode);
	return pl_ret(proc_open(tp, flags, mode));
}

PL_EXPORT int open64(const char *path, int flags, ...) __attribute__((alias("open")));

PL_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	char tp[PATH_MAX];
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	if (!pl_proc_path(path, tp, sizeof(tp)) || (flags & O_DIRECTORY))
		return pl_real.openat(dirfd, path, flags, mode);
	return pl_ret(proc_open(tp, flags, mode));
}

PL_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

/* _FORTIFY_SOURCE's: no mode (O_CREAT without one does not get here). */
PL_EXPORT int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

PL_EXPORT int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));

PL_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

PL_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
	__attribute__((alias("__openat_2")));

/*
 * lseek on a /proc file: forward by reading, backward by reopening and
 * reading forward.  SEEK_END: EINVAL (a /proc file's size is unknown
 * until read).
 */
static long skip(int fd, int remote, off_t n)
{
	char buf[4096];
	struct iovec v = { buf, sizeof(buf) };
	long r;

	while (n > 0) {
		v.iov_len = n < (off_t)sizeof(buf) ? (size_t)n : sizeof(buf);
		if ((r = pl_rread(remote, &v, 1)) <= 0)
			return r;
		pl_fd_seek(fd, -1, r);
		n -= r;
	}
	return 0;
}

static long proc_seek(int fd, const struct pl_fd *e, off_t off, int whence)
{
	long remote, err;

	if (e->kind != PL_FILE)
		return -ESPIPE;
	if (whence == SEEK_CUR)
		off += e->off;
	else if (whence != SEEK_SET)
		return -EINVAL;
	if (off < 0)
		return -EINVAL;
	if (off == e->off)
		return off;
	if (off < e->off) {
		if ((remote = ropen(e->path, e->type, 0)) < 0)
			return remote;
		pl_fd_seek(fd, remote, 0);
		pl_rclose(e->remote);
		err = skip(fd, remote, off);
	} else {
		err = skip(fd, e->remote, off - e->off);
	}
	return err < 0 ? err : off;
}

PL_EXPORT off_t lseek(int fd, off_t off, int whence)
{
	struct pl_fd e;

	if (pl_fd_get(fd, &e))
		return pl_real.lseek(fd, off, whence);
	return pl_ret(proc_seek(fd, &e, off, whence));
}

PL_EXPORT off_t lseek64(int fd, off_t off, int whence) __attribute__((alias("lseek")));

/* fopen() of a tenant file: a stream on our descriptor. */
static ssize_t ck_read(void *c, char *buf, size_t len)
{
	return read((int)(intptr_t)c, buf, len);
}

static ssize_t ck_write(void *c, const char *buf, size_t len)
{
	ssize_t r = write((int)(intptr_t)c, buf, len);

	return r < 0 ? 0 : r;	/* stdio's convention for a write error */
}

static int ck_seek(void *c, off64_t *pos, int whence)
{
	off_t r = lseek((int)(intptr_t)c, *pos, whence);

	if (r < 0)
		return -1;
	*pos = r;
	return 0;
}

static int ck_close(void *c)
{
	return close((int)(intptr_t)c);
}

static int fopen_flags(const char *m)
{
	int f;

	switch (*m) {
	case 'r': f = O_RDONLY; break;
	case 'w': f = O_WRONLY | O_CREAT | O_TRUNC; break;
	case 'a': f = O_WRONLY | O_CREAT | O_APPEND; break;
	default: return -1;
	}
	for (m++; *m; m++) {
		if (*m == '+')
			f = (f & ~O_ACCMODE) | O_RDWR;
		else if (*m == 'e')
			f |= O_CLOEXEC;
		else if (*m == 'x')
			f |= O_EXCL;
	}
	return f;
}

PL_EXPORT FILE *fopen(const char *path, const char *mode)
{
	static const cookie_io_functions_t io = { ck_read, ck_write, ck_seek, ck_close };
	char tp[PATH_MAX];
	int flags;
	long fd;
	FILE *f;

	if (!pl_proc_path(path, tp, sizeof(tp)))
		return pl_real.fopen(path, mode);
	if ((flags = fopen_flags(mode)) < 0) {
		errno = EINVAL;
		return NULL;
	}
	if ((fd = proc_open(tp, flags, 0666)) < 0) {
		errno = -fd;
		return NULL;
	}
	if (!(f = fopencookie((void *)(intptr_t)fd, mode, io)))
		pl_close(fd);
	return f;
}

PL_EXPORT FILE *fopen64(const char *path, const char *mode) __attribute__((alias("fopen")));
