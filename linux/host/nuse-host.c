// SPDX-License-Identifier: GPL-2.0
/*
 * Host services for the library kernel, compiled with host flags: memory,
 * clock, log and sleep from libc, and synchronous calls built on
 * nuse_syscall_submit().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "nuse_host.h"

static void *host_memory;
static size_t host_memory_size;
static nuse_log_fn host_log_fn;

unsigned long long nuse_host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void host_sleep_until(unsigned long long deadline)
{
	struct timespec ts = {
		.tv_sec = deadline / 1000000000ULL,
		.tv_nsec = deadline % 1000000000ULL,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void host_log(const char *msg, unsigned long len)
{
	if (host_log_fn)
		host_log_fn(msg, len);
	else
		fwrite(msg, 1, len, stderr);
}

static const struct nuse_host_ops host_ops = {
	.time_ns	= nuse_host_now,
	.log		= host_log,
	.sleep_until	= host_sleep_until,
};

/* The kernel's wall clock starts at the epoch: set it from the host's.
 * It then advances with the monotonic clock, as all the kernel's time
 * does; later steps of the host's wall clock are not followed. */
static int host_set_realtime(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts))
		return -errno;
	return nuse_call2(1, NUSE_SYS_clock_settime, CLOCK_REALTIME, &ts);
}

int nuse_host_boot(size_t memory, const char *cmdline, nuse_log_fn log)
{
	struct nuse_boot_params params;
	void *region = NULL;
	int err;

	host_log_fn = log;
	if (memory >= NUSE_MEMORY_MIN) {
		region = mmap(NULL, memory, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (region == MAP_FAILED)
			return -errno;
	}
	params = (struct nuse_boot_params){
		.memory		= region,
		.memory_size	= region ? memory : 0,
		.cmdline	= cmdline,
		.ops		= &host_ops,
	};
	if (!region)	/* let the kernel say why it refuses */
		params.memory_size = memory;
	err = nuse_boot(&params);
	if (err == -EINVAL || err == -EALREADY) {
		if (region)
			munmap(region, memory);
		return err;
	}
	host_memory = region;
	host_memory_size = memory;
	if (!err)
		err = host_set_realtime();
	return err;
}

int nuse_host_halt(void)
{
	int err = nuse_halt();

	if (err == 0 && host_memory) {
		munmap(host_memory, host_memory_size);
		host_memory = NULL;
	}
	return err;
}

static void host_idle_sleep(unsigned long long max_ns)
{
	unsigned long long limit = nuse_host_now() + max_ns;
	unsigned long long deadline = nuse_next_deadline();

	host_sleep_until(deadline < limit ? deadline : limit);
}

int nuse_host_step(unsigned long long max_ns)
{
	int err = nuse_run();

	if (!err)
		host_idle_sleep(max_ns);
	return err;
}

static void host_call_done(struct nuse_syscall *call)
{
	*(int *)call->priv = 1;
}

int nuse_host_wait(struct nuse_syscall *call)
{
	volatile int *done = call->priv;
	int err;

	while (!*done) {
		err = nuse_run();
		if (err)
			return err;
		if (*done)
			break;
		/* Nothing to do until the next timer, or until another host
		 * thread rings; look again at least every millisecond. */
		host_idle_sleep(1000000ULL);
	}
	return 0;
}

long nuse_call(int pid, long nr, long a0, long a1, long a2, long a3,
	       long a4, long a5)
{
	int done = 0;
	struct nuse_syscall call = {
		.nr	= nr,
		.args	= { a0, a1, a2, a3, a4, a5 },
		.done	= host_call_done,
		.priv	= &done,
	};
	int err;

	err = nuse_syscall_run(pid, &call);
	if (!err && !done)
		err = nuse_host_wait(&call);
	return err ? err : call.ret;
}
