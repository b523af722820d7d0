// SPDX-License-Identifier: GPL-2.0
/*
 * Memory running out is an error, never a killing: fill a small kernel
 * with network namespaces until it refuses, and every task made before
 * must still answer; nothing may have been chosen by the OOM killer.
 */
#include "ktest.h"

#define MAX_TASKS	16384

static char logbuf[1 << 20];
static size_t loglen;

static void capture(const char *msg, unsigned long len)
{
	if (loglen + len < sizeof(logbuf)) {
		memcpy(logbuf + loglen, msg, len);
		loglen += len;
	}
}

int main(void)
{
	static int pids[MAX_TASKS];
	int n = 0, nns, i, err;
	long ret = 0;

	err = nuse_host_boot(32UL << 20, "loglevel=4", capture);
	KT_CHECK(err == 0, "boot: %s", strerror(-err));
	/* Memory, not the count of namespaces, is what is to run out. */
	KT_OK(kt_write_file(1, "/proc/sys/user/max_net_namespaces", "100000"));
	KT_OK(kt_write_file(1, "/proc/sys/kernel/threads-max", "100000"));
	while (n < MAX_TASKS) {
		ret = nuse_call1(1, NUSE_CALL_SPAWN, NUSE_SPAWN_NEWNET);
		if (ret < 0)
			break;
		pids[n++] = ret;
	}
	KT_CHECK(n < MAX_TASKS, "%d namespaces fit in 32 MiB: nothing ran out", n);
	/* Which allocation fails first varies (with SMP, per-CPU chunks
	 * are contiguous pages); the network stack says ENOBUFS for some. */
	KT_CHECK(ret == -ENOMEM || ret == -ENOBUFS,
		 "the namespace past %d: %ld, want -ENOMEM", n, ret);
	printf("%d namespaces, then -ENOMEM\n", n);
	/* Then plain tasks: each is a task and a kernel stack, small
	 * allocations the kernel would retry forever and kill for. */
	nns = n;
	while (n < MAX_TASKS) {
		ret = nuse_call1(1, NUSE_CALL_SPAWN, 0);
		if (ret < 0)
			break;
		pids[n++] = ret;
	}
	KT_CHECK(n < MAX_TASKS, "%d tasks fit in 32 MiB: nothing ran out", n);
	KT_CHECK(ret == -ENOMEM || ret == -EAGAIN, "the task past %d: %ld, want -ENOMEM", n, ret);
	printf("%d tasks more, then %s\n", n - nns, strerror(-ret));
	for (i = 0; i < n; i++)
		KT_CHECK(nuse_call0(pids[i], NUSE_SYS_getpid) == pids[i],
			 "task %d of %d no longer answers", i, n);
	KT_OK(nuse_call0(1, NUSE_SYS_getpid));
	/* Give back the tasks and a quarter of the namespaces: the kernel
	 * goes on (what it can make again depends on how fragmented its
	 * memory is: a namespace needs contiguous pages). */
	for (i = nns - nns / 4; i < n; i++)
		KT_OK(nuse_call0(pids[i], NUSE_CALL_EXIT));
	for (i = 0; i < 200; i++)
		nuse_host_step(1000000ULL);
	ret = nuse_call1(1, NUSE_CALL_SPAWN, NUSE_SPAWN_NEWNET);
	KT_CHECK(ret > 0 || ret == -ENOMEM, "after freeing %d tasks: %ld", n - (nns - nns / 4), ret);
	for (i = 0; i < nns - nns / 4; i++)
		KT_CHECK(nuse_call0(pids[i], NUSE_SYS_getpid) == pids[i],
			 "after freeing, task %d no longer answers", i);
	logbuf[loglen] = '\0';
	KT_CHECK(!strstr(logbuf, "Killed process") && !strstr(logbuf, "invoked oom-killer"),
		 "the OOM killer ran:\n%s", logbuf);
	kt_halt();
	return 0;
}
