// SPDX-License-Identifier: GPL-2.0
/*
 * libc's own functions behind ours, and the once-only start: they are
 * resolved with dlsym(RTLD_NEXT) at the first call of any entry point,
 * not in a constructor, since another library's constructor may call
 * read() or socket() before ours ran.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "preload.h"

struct pl_real pl_real;
int pl_booted;
int pl_on;

static pthread_once_t boot_once = PTHREAD_ONCE_INIT;

#define R(name) { #name, (void **)&pl_real.name, 0 }
/* Newer than some glibc we may run on: ENOSYS when missing. */
#define OPT(name) { #name, (void **)&pl_real.name, 1 }

static const struct {
	const char *name;
	void **slot;
	int optional;
} real_table[] = {
	R(socket), R(bind), R(listen), R(accept), R(accept4), R(connect),
	R(shutdown), R(getsockname), R(getpeername), R(send), R(recv),
	R(sendto), R(recvfrom), R(sendmsg), R(recvmsg), R(sendmmsg),
	R(recvmmsg), R(getsockopt), R(setsockopt), R(read), R(write),
	R(readv), R(writev), R(sendfile), R(splice), R(lseek), R(close), R(dup), R(dup2),
	R(dup3), R(fcntl), R(ioctl), R(poll), R(ppoll), R(select), R(pselect),
	R(epoll_ctl), R(epoll_pwait), OPT(epoll_pwait2), R(open), R(openat),
	R(fopen), R(if_nametoindex), R(if_indextoname), R(if_nameindex),
	R(if_freenameindex), R(getifaddrs), R(freeifaddrs), R(longjmp), R(_longjmp),
	R(siglongjmp), R(__longjmp_chk),
};

static void boot(void)
{
	const char *t = getenv("NUSE_TENANT");
	size_t i;

	for (i = 0; i < sizeof(real_table) / sizeof(real_table[0]); i++) {
		*real_table[i].slot = dlsym(RTLD_NEXT, real_table[i].name);
		if (!*real_table[i].slot && !real_table[i].optional) {
			/* No libc under us: nothing can work, not even the host. */
			fprintf(stderr, "nuse-preload: libc has no %s\n",
				real_table[i].name);
			abort();
		}
	}
	pl_on = t && *t;
	if (pl_on) {
		pl_conn_atfork();
		pl_conn_early();
	}
	__atomic_store_n(&pl_booted, 1, __ATOMIC_RELEASE);
}

void pl_boot_slow(void)
{
	pthread_once(&boot_once, boot);
}

long pl_ret(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* Resolve early when we can, so that the first call is not the slow one. */
__attribute__((constructor)) static void pl_start(void)
{
	pl_boot();
}
