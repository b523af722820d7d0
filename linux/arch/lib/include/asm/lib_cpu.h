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

#ifndef __ASSEMBLY__
#include <asm/ptrace.h>
#include <nuse.h>

struct task_struct;
struct lib_vnic;

struct lib_cpu {
	struct task_struct	*curr;		/* "current" */
	unsigned long		irq_enabled;
	unsigned long		irq_pending_any;	/* set by any host thread */
	unsigned long		irq_pending[LIB_IRQ_WORDS];
	unsigned int		id;

	/* process.c: the host's context and the kernel's, and the task a
	 * switch came from (the "last" a new task hands schedule_tail). */
	unsigned long		host_sp;
	unsigned long		resume_sp;
	struct task_struct	*switch_prev;

	/* time.c: the one-shot clockevent's deadline (host ns). */
	unsigned long long	deadline;

	/* irq.c: interrupts always arrive in kernel mode. */
	struct pt_regs		irq_regs;

	/* syscall.c: answered calls, oldest first, handed back on this
	 * CPU's host thread; the task parked in user mode here and the call
	 * the host handed it directly. */
	struct nuse_syscall	*done_head;
	struct nuse_syscall	**done_tail;
	int			parked_pid;
	struct nuse_syscall	*direct_call;

	/* vnic.c: rings with new frames, and the batch being transmitted. */
	struct lib_vnic		*kick_list;
	struct nuse_frame	tx_frames[LIB_TX_BATCH];
} __attribute__((aligned(64)));

extern struct lib_cpu lib_cpus[CONFIG_NR_CPUS];

/* One CPU: its structure is at a fixed address. */
#define lib_cpu_this()		(&lib_cpus[0])
#endif

#endif
