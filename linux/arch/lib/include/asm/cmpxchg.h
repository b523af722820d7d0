/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_CMPXCHG_H
#define _ASM_LIB_CMPXCHG_H

/*
 * xchg and cmpxchg on 1, 2, 4 and 8 bytes, by the compiler's atomic
 * builtins: on x86-64 an xchg (locked by nature) and a lock cmpxchg, both
 * full barriers, as the kernel's fully ordered forms must be.
 */
#define arch_xchg(ptr, x)						\
	__atomic_exchange_n((ptr), (__typeof__(*(ptr)))(x), __ATOMIC_SEQ_CST)

#define arch_cmpxchg(ptr, o, n)						\
({									\
	__unqual_scalar_typeof(*(ptr)) __lib_old = (o);			\
	__atomic_compare_exchange_n((ptr), &__lib_old,			\
				    (__typeof__(*(ptr)))(n), 0,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);	\
	__lib_old;							\
})

#define arch_cmpxchg_local(ptr, o, n)	arch_cmpxchg((ptr), (o), (n))
#define arch_cmpxchg64(ptr, o, n)	arch_cmpxchg((ptr), (o), (n))
#define arch_cmpxchg64_local(ptr, o, n)	arch_cmpxchg((ptr), (o), (n))

#endif
