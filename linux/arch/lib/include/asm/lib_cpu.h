/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_LIB_CPU_H
#define _ASM_LIB_LIB_CPU_H

/*
 * One CPU of the machine ARCH=lib emulates: a host thread that enters the
 * kernel.  Everything the port keeps for "the" CPU lives here, one
 * structure per CPU, so that two of them never share a flag, a stack
 * pointer or a list by accident.  The fields read on every switch and
 * every interrupt save/restore come first, in one cache line.
 */
#define LIB_IRQ_WORDS	((CONFIG_LIB_NR_IRQS + 63) / 64)
#define LIB_TX_BATCH	32
/* THREAD_SIZE, without the headers that define it (asm/thread_info.h). */
#define LIB_STACK_SIZE	(4096UL << CONFIG_LIB_STACK_ORDER)

#ifndef __ASSEMBLY__
#include <asm/ptrace.h>

/* Not <nuse.h>: the host API's header changes without every kernel file
 * that reads interrupt flags being rebuilt. */
struct task_struct;
struct lib_vnic;
struct nuse_syscall;
struct nuse_frame;

struct lib_cpu {
	struct task_struct	*curr;		/* "current" */
	unsigned long		irq_enabled;
	unsigned long		irq_pending_any;	/* set by any host thread */
	unsigned long		irq_pending[LIB_IRQ_WORDS];
	unsigned long		ipi_pending;		/* enum lib_ipi bits */
	unsigned int		id;
	unsigned long		percpu_offset;		/* __per_cpu_offset[id] */
	/* smp.c, process.c: the host thread is outside the kernel (it may
	 * sleep: raise an interrupt, then kick it); the CPU is up; it has
	 * stopped for good (halt, panic). */
	int			in_host;
	int			up;
	int			stopped;

	/* process.c: the host's context and the kernel's, and the task a
	 * switch came from (the "last" a new task hands schedule_tail). */
	unsigned long		host_sp;
	unsigned long		resume_sp;
	struct task_struct	*switch_prev;

	/* time.c: the one-shot clockevent's deadline (host ns). */
	unsigned long long	deadline;

	/* irq.c: interrupts arrive in kernel mode, or in user mode while a
	 * task is parked there (syscall.c): irq_regs.user. */
	struct pt_regs		irq_regs;

	/* syscall.c: answered calls, oldest first, handed back on this
	 * CPU's host thread; the task parked in user mode here and the call
	 * the host handed it directly. */
	struct nuse_syscall	*done_head;
	struct nuse_syscall	**done_tail;
	int			parked_pid;
	struct nuse_syscall	*direct_call;

	/* vnic.c: rings with new frames. */
	struct lib_vnic		*kick_list;
} __attribute__((aligned(64)));

extern struct lib_cpu lib_cpus[CONFIG_NR_CPUS];

/*
 * The top of every kernel stack names the task that owns it and the CPU
 * it runs on (the CPU that switched to it last).  Stacks are
 * LIB_STACK_SIZE-aligned, so both are found from the stack pointer: no
 * thread-local storage, which compilers cache across a stack switch, and
 * right wherever a task migrates.  Host code never runs on these stacks
 * and never asks.
 */
struct lib_stack_top {
	struct task_struct	*task;
	struct lib_cpu		*cpu;
};

static __always_inline struct lib_stack_top *lib_stack_top_of(unsigned long sp)
{
	return (struct lib_stack_top *)((sp | (LIB_STACK_SIZE - 1)) + 1) - 1;
}

#ifdef CONFIG_SMP
static __always_inline struct lib_stack_top *lib_stack_top(void)
{
	unsigned long sp;

	asm("movq %%rsp, %0" : "=r" (sp));
	return lib_stack_top_of(sp);
}

#define lib_cpu_this()		(lib_stack_top()->cpu)
#define lib_current()		(lib_stack_top()->task)
#else
/* One CPU: its structure is at a fixed address. */
#define lib_cpu_this()		(&lib_cpus[0])
#define lib_current()		(lib_cpus[0].curr)
#endif
#endif

#endif
