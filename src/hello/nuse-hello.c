// SPDX-License-Identifier: GPL-2.0
/*
 * nuse-hello: boot the library kernel, look around from inside it, halt.
 * What it prints comes from system calls run by the kernel's own tasks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "nuse_host.h"

static void print_file(int pid, const char *path, int max_lines)
{
	char buf[4096], *line, *save;
	long fd, n;
	int i = 0;

	fd = nuse_call4(pid, NUSE_SYS_openat, AT_FDCWD, path, O_RDONLY, 0);
	if (fd < 0) {
		printf("  %s: %s\n", path, strerror(-fd));
		return;
	}
	n = nuse_call3(pid, NUSE_SYS_read, fd, buf, sizeof(buf) - 1);
	nuse_call1(pid, NUSE_SYS_close, fd);
	if (n < 0) {
		printf("  %s: %s\n", path, strerror(-n));
		return;
	}
	buf[n] = '\0';
	printf("%s:\n", path);
	for (line = strtok_r(buf, "\n", &save); line && i < max_lines;
	     line = strtok_r(NULL, "\n", &save), i++)
		printf("  %s\n", line);
}

static void quiet_log(const char *msg, unsigned long len)
{
}

int main(int argc, char **argv)
{
	size_t memory = 64UL << 20;
	unsigned long long t0;
	struct utsname uts;
	int verbose = argc > 1 && !strcmp(argv[1], "-v");
	int err;

	t0 = nuse_host_now();
	err = nuse_host_boot(memory, "loglevel=4", verbose ? NULL : quiet_log);
	if (err) {
		fprintf(stderr, "nuse-hello: boot failed: %s%s%s\n", strerror(-err),
			nuse_panic_message() ? ": " : "",
			nuse_panic_message() ? nuse_panic_message() : "");
		return 1;
	}
	printf("booted Linux %s in %.1f ms with %zu MiB\n", nuse_kernel_release(),
	       (nuse_host_now() - t0) / 1e6, memory >> 20);

	if (nuse_call1(1, NUSE_SYS_uname, &uts) == 0)
		printf("uname: %s %s %s %s\n", uts.sysname, uts.nodename,
		       uts.release, uts.machine);
	printf("pid of the first task: %ld\n", nuse_call0(1, NUSE_SYS_getpid));
	print_file(1, "/proc/version", 1);
	print_file(1, "/proc/meminfo", 3);
	print_file(1, "/proc/net/dev", 8);
	print_file(1, "/proc/sys/net/ipv4/tcp_congestion_control", 1);
	print_file(1, "/proc/sys/net/ipv4/tcp_available_congestion_control", 1);

	err = nuse_host_halt();
	printf("halt: %s\n", err ? strerror(-err) : "clean");
	return err ? 1 : 0;
}
