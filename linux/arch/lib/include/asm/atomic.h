/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_ATOMIC_H
#define _ASM_LIB_ATOMIC_H

/*
 * Atomics by the compiler's builtins, which on x86-64 are lock-prefixed
 * instructions.  Operations that return nothing are unordered in the
 * kernel's model (relaxed: the compiler may move other accesses around
 * them, the CPU never does); those that return a value are fully ordered.
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
LIB_ATOMIC_OP(pfx, type, ctype, add)					\
LIB_ATOMIC_OP(pfx, type, ctype, sub)					\
LIB_ATOMIC_OP(pfx, type, ctype, and)					\
LIB_ATOMIC_OP(pfx, type, ctype, or)					\
LIB_ATOMIC_OP(pfx, type, ctype, xor)					\
static __always_inline ctype arch_##pfx##_add_return(ctype i, type *v)	\
{									\
	return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static __always_inline ctype arch_##pfx##_sub_return(ctype i, type *v)	\
{									\
	return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static __always_inline ctype arch_##pfx##_xchg(type *v, ctype n)	\
{									\
	return __atomic_exchange_n(&v->counter, n, __ATOMIC_SEQ_CST);	\
}									\
static __always_inline ctype arch_##pfx##_cmpxchg(type *v, ctype o, ctype n) \
{									\
	__atomic_compare_exchange_n(&v->counter, &o, n, 0,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);	\
	return o;							\
}									\
static __always_inline bool arch_##pfx##_try_cmpxchg(type *v, ctype *o,	\
						     ctype n)		\
{									\
	return __atomic_compare_exchange_n(&v->counter, o, n, 0,	\
					   __ATOMIC_SEQ_CST,		\
					   __ATOMIC_SEQ_CST);		\
}

#define LIB_ATOMIC_OP(pfx, type, ctype, op)				\
static __always_inline void arch_##pfx##_##op(ctype i, type *v)	\
{									\
	__atomic_fetch_##op(&v->counter, i, __ATOMIC_RELAXED);		\
}									\
static __always_inline ctype arch_##pfx##_fetch_##op(ctype i, type *v)	\
{									\
	return __atomic_fetch_##op(&v->counter, i, __ATOMIC_SEQ_CST);	\
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
#define arch_atomic_try_cmpxchg		arch_atomic_try_cmpxchg
#define arch_atomic64_add_return	arch_atomic64_add_return
#define arch_atomic64_sub_return	arch_atomic64_sub_return
#define arch_atomic64_fetch_add		arch_atomic64_fetch_add
#define arch_atomic64_fetch_sub		arch_atomic64_fetch_sub
#define arch_atomic64_fetch_and		arch_atomic64_fetch_and
#define arch_atomic64_fetch_or		arch_atomic64_fetch_or
#define arch_atomic64_fetch_xor		arch_atomic64_fetch_xor
#define arch_atomic64_xchg		arch_atomic64_xchg
#define arch_atomic64_cmpxchg		arch_atomic64_cmpxchg
#define arch_atomic64_try_cmpxchg	arch_atomic64_try_cmpxchg

#endif
