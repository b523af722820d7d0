/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for tests that boot the library kernel in their own process.
 * A failed check prints where and why, and exits non-zero.
 */
#ifndef KTEST_H
#define KTEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nuse_host.h"

#define KT_FAIL(...) do {						\
	fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);		\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)

#define KT_CHECK(cond, ...) do {					\
	if (!(cond))							\
		KT_FAIL(__VA_ARGS__);					\
} while (0)

/* A call that must succeed; returns its (non-negative) result. */
#define KT_OK(expr) ({							\
	long __r = (expr);						\
	if (__r < 0)							\
		KT_FAIL("%s = %ld (%s)", #expr, __r, strerror(-__r));	\
	__r;								\
})

/* A call that must fail with @err. */
#define KT_ERR(expr, err) do {						\
	long __r = (expr);						\
	if (__r != -(err))						\
		KT_FAIL("%s = %ld, want -%s", #expr, __r, #err);	\
} while (0)

void kt_boot(size_t memory);
void kt_halt(void);

/* A request submitted now and waited for later. */
struct kt_async {
	struct nuse_syscall call;
	int done;
};

void kt_submit(struct kt_async *a, int pid, long nr, long a0, long a1,
	       long a2, long a3);
/* Drive the kernel until @a is done or @timeout_ms passed; 1 if done. */
int kt_wait(struct kt_async *a, int timeout_ms);

/* Spawn a task under @parent (NUSE_SPAWN_* flags); returns its pid. */
int kt_spawn(int parent, unsigned long flags);
/* Bring the loopback device of @pid's network namespace up. */
void kt_lo_up(int pid);
/* Read a kernel file into @buf (NUL-terminated); returns its length. */
long kt_read_file(int pid, const char *path, char *buf, size_t size);
/* Write @text to a kernel file. */
long kt_write_file(int pid, const char *path, const char *text);

#endif
