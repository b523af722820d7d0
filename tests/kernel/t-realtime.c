// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's wall clock is the host's from boot on: CLOCK_REALTIME read
 * in a kernel task, right after boot, in another network namespace and
 * after a sleep, is within a second of the host's.
 */
#include <time.h>

#include "ktest.h"

static double host_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check_realtime(int pid, const char *when)
{
	struct timespec ts;
	double before, kernel, after;

	before = host_realtime();
	KT_OK(nuse_call2(pid, NUSE_SYS_clock_gettime, CLOCK_REALTIME, &ts));
	after = host_realtime();
	kernel = ts.tv_sec + ts.tv_nsec / 1e9;
	KT_CHECK(kernel > before - 1.0 && kernel < after + 1.0,
		 "%s: kernel CLOCK_REALTIME %.3f, host %.3f", when, kernel, before);
	printf("%s: kernel - host = %+.6f s\n", when, kernel - before);
}

int main(void)
{
	struct timespec nap = { .tv_sec = 0, .tv_nsec = 200000000 };
	int t;

	kt_boot(64UL << 20);
	check_realtime(1, "after boot");
	t = kt_spawn(1, NUSE_SPAWN_NEWNET);
	check_realtime(t, "in a new namespace");
	KT_OK(nuse_call2(1, NUSE_SYS_nanosleep, &nap, NULL));
	check_realtime(1, "after 200 ms asleep");
	KT_OK(nuse_call0(t, NUSE_CALL_EXIT));
	kt_halt();
	return 0;
}
