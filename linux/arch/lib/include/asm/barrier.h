/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_BARRIER_H
#define _ASM_LIB_BARRIER_H

/*
 * The host CPU's own ordering (x86-64 hosts only, for now).  Its memory
 * model keeps loads in order with loads and stores with stores, and a
 * store ahead of a later load is the only reordering: only smp_mb() needs
 * an instruction.  A locked add of zero to the stack is a full fence and
 * cheaper than mfence; mb() keeps mfence for the device-memory flavour.
 */
#define __mb()		asm volatile("mfence" ::: "memory")
#define __rmb()		asm volatile("lfence" ::: "memory")
#define __wmb()		asm volatile("sfence" ::: "memory")

#define __smp_mb()	asm volatile("lock; addl $0,-4(%%rsp)" ::: "memory", "cc")
#define __smp_rmb()	barrier()
#define __smp_wmb()	barrier()

/* Locked instructions order everything around them. */
#define __smp_mb__before_atomic()	barrier()
#define __smp_mb__after_atomic()	barrier()

#define __smp_store_release(p, v)					\
do {									\
	compiletime_assert_atomic_type(*p);				\
	barrier();							\
	WRITE_ONCE(*p, v);						\
} while (0)

#define __smp_load_acquire(p)						\
({									\
	typeof(*p) ___lib_p = READ_ONCE(*p);				\
	compiletime_assert_atomic_type(*p);				\
	barrier();							\
	___lib_p;							\
})

#include <asm-generic/barrier.h>

#endif
