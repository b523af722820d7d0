// SPDX-License-Identifier: GPL-2.0
/*
 * sysctls of the library kernel, read and written through /proc/sys by a
 * kernel task, so that per-namespace ones are the task's namespace's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "nuse_host.h"
#include "sysctl.h"

#define SYSCTL_NAME_MAX	128
#define SYSCTL_ROOT	"/proc/sys/"

static int sysctl_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* Parts split by @sep: none empty, none starting with a dot (so no "."
 * or ".." either), and only the characters above. */
static int sysctl_parts_ok(const char *name, char sep)
{
	int start = 1;		/* at the first character of a part */

	for (; *name; name++) {
		if (*name == sep) {
			if (start)
				return 0;
			start = 1;
		} else if (!sysctl_char_ok(*name) || (start && *name == '.')) {
			return 0;
		} else {
			start = 0;
		}
	}
	return !start;
}

/* The /proc/sys path of @name, or -EINVAL. */
static int sysctl_path(const char *name, char *path, size_t size)
{
	char sep, *p;

	if (!name || strnlen(name, SYSCTL_NAME_MAX + 1) > SYSCTL_NAME_MAX)
		return -EINVAL;
	sep = strchr(name, '/') ? '/' : '.';
	if (!sysctl_parts_ok(name, sep) || strstr(name, ".."))
		return -EINVAL;
	if ((size_t)snprintf(path, size, SYSCTL_ROOT "%s", name) >= size)
		return -EINVAL;
	if (sep == '.')
		for (p = path + strlen(SYSCTL_ROOT); *p; p++)
			if (*p == '.')
				*p = '/';
	return 0;
}

int sysctl_set(int pid, const char *name, const char *value)
{
	char path[sizeof(SYSCTL_ROOT) + SYSCTL_NAME_MAX];
	int err = sysctl_path(name, path, sizeof(path));
	size_t len;
	long fd, n;

	if (err)
		return err;
	if (!value)
		return -EINVAL;
	len = strlen(value);
	fd = nuse_call4(pid, NUSE_SYS_openat, AT_FDCWD, path,
			O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	n = nuse_call3(pid, NUSE_SYS_write, fd, value, len);
	if (n >= 0 && (size_t)n != len)
		n = -EIO;
	nuse_call1(pid, NUSE_SYS_close, fd);
	return n < 0 ? n : 0;
}

/* Read the whole file into @buf: its length, or -EOVERFLOW if more than
 * @size bytes. */
static long sysctl_read_all(int pid, long fd, char *buf, size_t size)
{
	size_t len = 0;
	char extra;
	long n;

	while (len < size) {
		n = nuse_call3(pid, NUSE_SYS_read, fd, buf + len, size - len);
		if (n <= 0)
			return n < 0 ? n : (long)len;
		len += n;
	}
	n = nuse_call3(pid, NUSE_SYS_read, fd, &extra, 1);
	if (n < 0)
		return n;
	return n ? -EOVERFLOW : (long)len;
}

int sysctl_get(int pid, const char *name, char *buf, size_t size)
{
	char path[sizeof(SYSCTL_ROOT) + SYSCTL_NAME_MAX];
	int err = sysctl_path(name, path, sizeof(path));
	long fd, n;

	if (err)
		return err;
	if (!buf || !size)
		return -EINVAL;
	buf[0] = '\0';
	fd = nuse_call4(pid, NUSE_SYS_openat, AT_FDCWD, path,
			O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	n = sysctl_read_all(pid, fd, buf, size);
	nuse_call1(pid, NUSE_SYS_close, fd);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return n < 0 ? n : -EOVERFLOW;
	}
	buf[n] = '\0';
	return 0;
}

int proc_read(int pid, const char *path, char *buf, size_t size)
{
	long fd, n;

	if (!buf || size < 2 || strncmp(path, "/proc/", 6))
		return -EINVAL;
	fd = nuse_call4(pid, NUSE_SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	n = sysctl_read_all(pid, fd, buf, size - 1);
	nuse_call1(pid, NUSE_SYS_close, fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return n;
}
