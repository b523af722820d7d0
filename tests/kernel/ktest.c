// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "ktest.h"

void kt_boot(size_t memory)
{
	int err = nuse_host_boot(memory, "loglevel=4", NULL);

	if (err)
		KT_FAIL("boot: %s%s%s", strerror(-err),
			nuse_panic_message() ? ": " : "",
			nuse_panic_message() ? nuse_panic_message() : "");
}

void kt_halt(void)
{
	int err = nuse_host_halt();

	KT_CHECK(err == 0, "halt: %s", strerror(-err));
}

static void kt_done(struct nuse_syscall *call)
{
	struct kt_async *a = call->priv;

	a->done = 1;
}

void kt_submit(struct kt_async *a, int pid, long nr, long a0, long a1,
	       long a2, long a3)
{
	memset(a, 0, sizeof(*a));
	a->call.nr = nr;
	a->call.args[0] = a0;
	a->call.args[1] = a1;
	a->call.args[2] = a2;
	a->call.args[3] = a3;
	a->call.done = kt_done;
	a->call.priv = a;
	KT_OK(nuse_syscall_submit(pid, &a->call));
}

int kt_wait(struct kt_async *a, int timeout_ms)
{
	unsigned long long end = nuse_host_now() + timeout_ms * 1000000ULL;

	while (!a->done && nuse_host_now() < end) {
		int err = nuse_host_step(1000000ULL);

		KT_CHECK(err == 0, "kernel stopped: %s", strerror(-err));
	}
	return a->done;
}

int kt_spawn(int parent, unsigned long flags)
{
	return KT_OK(nuse_call1(parent, NUSE_CALL_SPAWN, flags));
}

void kt_lo_up(int pid)
{
	struct ifreq ifr = { 0 };
	long fd = KT_OK(nuse_call3(pid, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));

	strcpy(ifr.ifr_name, "lo");
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags |= IFF_UP;
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCSIFFLAGS, &ifr));
	KT_OK(nuse_call1(pid, NUSE_SYS_close, fd));
}

long kt_read_file(int pid, const char *path, char *buf, size_t size)
{
	long fd, n, total = 0;

	fd = nuse_call4(pid, NUSE_SYS_openat, AT_FDCWD, path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	while ((size_t)total < size - 1) {
		n = nuse_call3(pid, NUSE_SYS_read, fd, buf + total,
			       size - 1 - total);
		if (n <= 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	nuse_call1(pid, NUSE_SYS_close, fd);
	return total;
}

long kt_write_file(int pid, const char *path, const char *text)
{
	long fd, n;

	fd = nuse_call4(pid, NUSE_SYS_openat, AT_FDCWD, path, O_WRONLY, 0);
	if (fd < 0)
		return fd;
	n = nuse_call3(pid, NUSE_SYS_write, fd, text, strlen(text));
	nuse_call1(pid, NUSE_SYS_close, fd);
	return n;
}
