// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel timers run on host time: nanosleep(50 ms) in a kernel task ends
 * after at least 50 ms and well before 150 ms, and the kernel announces
 * its deadline to the host meanwhile.
 */
#include <time.h>

#include "ktest.h"

int main(void)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 50000000 };
	unsigned long long t0, t1, deadline;
	struct kt_async sleep;
	double ms;
	int i;

	kt_boot(64UL << 20);
	for (i = 0; i < 5; i++) {
		t0 = nuse_host_now();
		kt_submit(&sleep, 1, NUSE_SYS_nanosleep, (long)&ts, 0, 0, 0);
		KT_OK(nuse_run());
		KT_CHECK(!sleep.done, "nanosleep finished at once");
		deadline = nuse_next_deadline();
		KT_CHECK(deadline != ~0ULL && deadline <= t0 + 51000000ULL,
			 "next deadline %.3f ms ahead, want at most 50",
			 deadline == ~0ULL ? -1.0 : (deadline - t0) / 1e6);
		KT_CHECK(kt_wait(&sleep, 1000), "nanosleep never finished");
		t1 = nuse_host_now();
		KT_CHECK(sleep.call.ret == 0, "nanosleep: %ld", sleep.call.ret);
		ms = (t1 - t0) / 1e6;
		KT_CHECK(ms >= 50.0 && ms < 150.0, "nanosleep(50 ms) took %.3f ms", ms);
		printf("nanosleep(50 ms) took %.3f ms\n", ms);
	}
	kt_halt();
	return 0;
}
