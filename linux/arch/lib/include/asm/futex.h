/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_FUTEX_H
#define _ASM_LIB_FUTEX_H

/*
 * Futex words are host memory the kernel reaches directly (NOMMU, as in
 * uaccess): the operations are the compiler's atomic builtins on them,
 * safe against every other CPU, and never fault.
 */
#include <linux/futex.h>
#include <linux/uaccess.h>
#include <asm/errno.h>

static inline int arch_futex_atomic_op_inuser(int op, u32 oparg, int *oval,
					      u32 __user *uaddr)
{
	u32 *word = (u32 __force *)uaddr;
	u32 old;

	switch (op) {
	case FUTEX_OP_SET:
		old = __atomic_exchange_n(word, oparg, __ATOMIC_SEQ_CST);
		break;
	case FUTEX_OP_ADD:
		old = __atomic_fetch_add(word, oparg, __ATOMIC_SEQ_CST);
		break;
	case FUTEX_OP_OR:
		old = __atomic_fetch_or(word, oparg, __ATOMIC_SEQ_CST);
		break;
	case FUTEX_OP_ANDN:
		old = __atomic_fetch_and(word, ~oparg, __ATOMIC_SEQ_CST);
		break;
	case FUTEX_OP_XOR:
		old = __atomic_fetch_xor(word, oparg, __ATOMIC_SEQ_CST);
		break;
	default:
		return -ENOSYS;
	}
	*oval = old;
	return 0;
}

static inline int futex_atomic_cmpxchg_inatomic(u32 *uval, u32 __user *uaddr,
						u32 oldval, u32 newval)
{
	u32 old = oldval;

	__atomic_compare_exchange_n((u32 __force *)uaddr, &old, newval, 0,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	*uval = old;
	return 0;
}

#endif
