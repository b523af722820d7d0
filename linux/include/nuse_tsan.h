/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nuse_tsan.h - the library kernel's hand-off between host threads, told
 * to ThreadSanitizer (host side only).
 *
 * The kernel object is built without instrumentation, so TSan sees none
 * of its synchronisation.  nuse_syscall_submit() publishes a call with a
 * release on the kernel's submit list, and the owner thread takes the
 * list with an acquire before it runs the call's done(): whatever the
 * submitting thread wrote before submitting happens before done().  A
 * host that submits from a thread other than the owner says so at both
 * ends: NUSE_TSAN_SUBMIT(call) just before nuse_syscall_submit(), and
 * NUSE_TSAN_DONE(call) first thing in done().  Without -fsanitize=thread
 * both are nothing.
 *
 * Nothing else is needed for the kernel's own stacks: no instrumented
 * frame is live across a kernel context switch (the host's callbacks
 * that run on a kernel stack return before the kernel switches), so
 * TSan's per-thread shadow call stack stays balanced.
 */
#ifndef NUSE_TSAN_H
#define NUSE_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define NUSE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NUSE_TSAN 1
#endif
#endif

#ifdef NUSE_TSAN
#include <sanitizer/tsan_interface.h>
#define NUSE_TSAN_SUBMIT(call)	__tsan_release(call)
#define NUSE_TSAN_DONE(call)	__tsan_acquire(call)
#else
#define NUSE_TSAN_SUBMIT(call)	((void)(call))
#define NUSE_TSAN_DONE(call)	((void)(call))
#endif

#endif /* NUSE_TSAN_H */
