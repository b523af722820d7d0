/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_PROCESSOR_H
#define _ASM_LIB_PROCESSOR_H

#include <asm/ptrace.h>

#ifndef __ASSEMBLY__
struct task_struct;
struct lib_session;

struct thread_struct {
	unsigned long		sp;	/* saved while switched out */
	int			(*fn)(void *);
	void			*fn_arg;
	struct pt_regs		regs;
	struct lib_session	*session;
};

#define INIT_THREAD	{ }

#define task_pt_regs(tsk)	(&(tsk)->thread.regs)

/* Library tasks see the whole host address space. */
#define TASK_SIZE		(~0UL)
#define TASK_UNMAPPED_BASE	0UL
#define STACK_TOP		TASK_SIZE
#define STACK_TOP_MAX		TASK_SIZE

#define KSTK_EIP(tsk)		(0UL)
#define KSTK_ESP(tsk)		(0UL)

void lib_cpu_relax(void);
#define cpu_relax()		lib_cpu_relax()

static inline void start_thread(struct pt_regs *regs, unsigned long pc,
				unsigned long sp)
{
}

unsigned long __get_wchan(struct task_struct *p);
#endif

#endif
