/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_PTRACE_H
#define _ASM_LIB_PTRACE_H

#include <uapi/asm/ptrace.h>

#ifndef __ASSEMBLY__
/*
 * The "user registers" of a library task are the system call it was asked
 * to run: number, arguments, and the value it returned.
 */
struct pt_regs {
	long nr;
	long args[6];
	long ret;
	/* Interrupt registers only: the CPU was in user mode (a task parked
	 * there after answering).  A tick then counts as user time, which
	 * RCU takes as a quiescent state. */
	long user;
};

#define user_mode(regs)			((regs)->user != 0)
#define instruction_pointer(regs)	(0UL)
#define user_stack_pointer(regs)	(0UL)
#define profile_pc(regs)		(0UL)
#define current_pt_regs()		task_pt_regs(current)
#define force_successful_syscall_return() do { } while (0)

static inline long regs_return_value(struct pt_regs *regs)
{
	return regs->ret;
}
#endif

#endif
