// SPDX-License-Identifier: GPL-2.0
/*
 * A panic on a CPU other than the host's own (CPU 1) stops every CPU and
 * reaches the host's thread with panic()'s message: init, moved to CPU 1,
 * is ended there ("Attempted to kill init!").
 */
#define _GNU_SOURCE
#include <sched.h>

#include "ktest.h"

int main(void)
{
	unsigned int n = kt_cpus() < 2 ? 2 : kt_cpus(), cpu = ~0U;
	unsigned long mask = 1UL << 1;
	const char *msg;
	long ret;
	int err;

	err = nuse_host_boot_cpus(64UL << 20, "loglevel=4", NULL, n);
	KT_CHECK(err == 0, "boot with %u CPUs: %s", n, strerror(-err));
	KT_OK(nuse_call3(1, NUSE_SYS_sched_setaffinity, 0, sizeof(mask), &mask));
	KT_OK(nuse_call3(1, NUSE_SYS_getcpu, &cpu, 0, 0));
	KT_CHECK(cpu == 1, "init runs on CPU %u, not 1", cpu);
	ret = nuse_call1(1, NUSE_CALL_EXIT, 0);
	/* The exit is answered before the task dies; the panic follows. */
	for (int i = 0; ret == 0 && i < 5000; i++)
		ret = nuse_host_step(1000000ULL);
	KT_CHECK(ret == -EIO, "after killing init on CPU 1: %ld, want -EIO", ret);
	msg = nuse_panic_message();
	KT_CHECK(msg && strstr(msg, "Attempted to kill init"),
		 "panic message: %s", msg ? msg : "(none)");
	KT_ERR(nuse_run(), EIO);
	KT_ERR(nuse_cpu_run(1), EIO);
	KT_ERR(nuse_call0(1, NUSE_SYS_getpid), EIO);
	printf("panic on CPU 1 reported: %s\n", msg);
	return 0;
}
