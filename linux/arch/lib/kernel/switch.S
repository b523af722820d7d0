/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The context switch of ARCH=lib on x86_64 hosts.  A switched-out context
 * is the callee-saved registers pushed on its own stack plus the stack
 * pointer saved in memory; everything else is caller-saved by the ABI.
 */
#include <linux/linkage.h>

	.text

/* void lib_switch_stack(unsigned long *save_sp, unsigned long load_sp) */
SYM_FUNC_START(lib_switch_stack)
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
SYM_FUNC_END(lib_switch_stack)

/*
 * First code of every new context: lib_context_init() left the C function
 * to run in %r12 and its argument in %r13.  It never returns.
 */
SYM_FUNC_START(lib_context_trampoline)
	movq	%r13, %rdi
	callq	*%r12
	ud2
SYM_FUNC_END(lib_context_trampoline)

	.section .note.GNU-stack,"",@progbits
