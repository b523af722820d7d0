/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_ATOMIC_H
#define _ASM_LIB_ATOMIC_H

/*
 * One CPU, no preemption, and interrupts that arrive only where the kernel
 * enables them: a plain read-modify-write cannot be torn by anything, so
 * atomics are ordinary arithmetic behind a compiler barrier.
 */
#include <linux/types.h>
#include <linux/compiler.h>
#include <asm/cmpxchg.h>
#include <asm/barrier.h>

#define ATOMIC64_INIT(i)	{ (i) }

#define LIB_ATOMIC_OPS(pfx, type, ctype)					\
static __always_inline ctype arch_##pfx##_read(const type *v)		\
{									\
	return READ_ONCE(v->counter);					\
}									\
static __always_inline void arch_##pfx##_set(type *v, ctype i)		\
{									\
	WRITE_ONCE(v->counter, i);					\
}									\
LIB_ATOMIC_OP(pfx, type, ctype, add, +)					\
LIB_ATOMIC_OP(pfx, type, ctype, sub, -)					\
LIB_ATOMIC_OP(pfx, type, ctype, and, &)					\
LIB_ATOMIC_OP(pfx, type, ctype, or, |)					\
LIB_ATOMIC_OP(pfx, type, ctype, xor, ^)					\
static __always_inline ctype arch_##pfx##_add_return(ctype i, type *v)	\
{									\
	ctype r;							\
	barrier();							\
	r = v->counter += i;						\
	barrier();							\
	return r;							\
}									\
static __always_inline ctype arch_##pfx##_sub_return(ctype i, type *v)	\
{									\
	return arch_##pfx##_add_return(-i, v);				\
}									\
static __always_inline ctype arch_##pfx##_xchg(type *v, ctype n)	\
{									\
	ctype old;							\
	barrier();							\
	old = v->counter;						\
	v->counter = n;							\
	barrier();							\
	return old;							\
}									\
static __always_inline ctype arch_##pfx##_cmpxchg(type *v, ctype o, ctype n) \
{									\
	ctype old;							\
	barrier();							\
	old = v->counter;						\
	if (old == o)							\
		v->counter = n;						\
	barrier();							\
	return old;							\
}

#define LIB_ATOMIC_OP(pfx, type, ctype, op, c_op)				\
static __always_inline void arch_##pfx##_##op(ctype i, type *v)	\
{									\
	barrier();							\
	v->counter = v->counter c_op i;					\
	barrier();							\
}									\
static __always_inline ctype arch_##pfx##_fetch_##op(ctype i, type *v)	\
{									\
	ctype old;							\
	barrier();							\
	old = v->counter;						\
	v->counter = old c_op i;					\
	barrier();							\
	return old;							\
}

LIB_ATOMIC_OPS(atomic, atomic_t, int)
LIB_ATOMIC_OPS(atomic64, atomic64_t, s64)

#undef LIB_ATOMIC_OPS
#undef LIB_ATOMIC_OP

#define arch_atomic_add_return		arch_atomic_add_return
#define arch_atomic_sub_return		arch_atomic_sub_return
#define arch_atomic_fetch_add		arch_atomic_fetch_add
#define arch_atomic_fetch_sub		arch_atomic_fetch_sub
#define arch_atomic_fetch_and		arch_atomic_fetch_and
#define arch_atomic_fetch_or		arch_atomic_fetch_or
#define arch_atomic_fetch_xor		arch_atomic_fetch_xor
#define arch_atomic_xchg		arch_atomic_xchg
#define arch_atomic_cmpxchg		arch_atomic_cmpxchg
#define arch_atomic64_add_return	arch_atomic64_add_return
#define arch_atomic64_sub_return	arch_atomic64_sub_return
#define arch_atomic64_fetch_add		arch_atomic64_fetch_add
#define arch_atomic64_fetch_sub		arch_atomic64_fetch_sub
#define arch_atomic64_fetch_and		arch_atomic64_fetch_and
#define arch_atomic64_fetch_or		arch_atomic64_fetch_or
#define arch_atomic64_fetch_xor		arch_atomic64_fetch_xor
#define arch_atomic64_xchg		arch_atomic64_xchg
#define arch_atomic64_cmpxchg		arch_atomic64_cmpxchg

#endif
