// SPDX-License-Identifier: GPL-2.0
/*
 * Tasks and the CPU of ARCH=lib.
 *
 * Every task runs on its own kernel-allocated stack; switching tasks is
 * switching stacks (switch.S).  The host thread that calls nuse_run() is
 * one more context: entering the kernel switches from the host's stack to
 * the idle task's, and the idle task switches back when there is nothing
 * left to run.
 */
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/sched/debug.h>
#include <linux/cpu.h>
#include <linux/irqflags.h>
#include <linux/start_kernel.h>
#include <asm/switch_to.h>
#include "lib.h"

struct lib_cpu lib_cpus[NR_CPUS] = {
	[0 ... NR_CPUS - 1] = { .deadline = LIB_NO_DEADLINE },
};

/*
 * current is found from the stack pointer, so init_task's stack must be
 * THREAD_SIZE-aligned like the ones fork allocates.  The linker script
 * aligns it within .data, but the object is linked again (relocatable):
 * this empty object makes .data itself that aligned.
 */
static char lib_init_stack_align[0] __used __aligned(THREAD_SIZE)
	__section(".data..init_task");

/* Likewise, the per-CPU template must start on a page of its own. */
static char lib_percpu_align[0] __used __aligned(PAGE_SIZE)
	__section(".data..percpu..page_aligned");

/*
 * A new context starts in lib_context_trampoline with fn in %r12 and arg in
 * %r13; below them the other callee-saved slots that lib_switch_stack pops.
 */
extern void lib_context_trampoline(void);

unsigned long lib_context_init(void *stack_top, void (*fn)(unsigned long),
			       unsigned long arg)
{
	unsigned long *sp = (unsigned long *)((unsigned long)stack_top & ~15UL);

	*--sp = (unsigned long)lib_context_trampoline;
	*--sp = 0;			/* rbp */
	*--sp = 0;			/* rbx */
	*--sp = (unsigned long)fn;	/* r12 */
	*--sp = arg;			/* r13 */
	*--sp = 0;			/* r14 */
	*--sp = 0;			/* r15 */
	return (unsigned long)sp;
}

struct task_struct *__switch_to(struct task_struct *prev,
				struct task_struct *next)
{
	struct lib_cpu *cpu = lib_cpu_this();

	cpu->switch_prev = prev;
	cpu->curr = next;
	lib_stack_top_of((unsigned long)task_stack_page(next))->cpu = cpu;
	lib_switch_stack(&prev->thread.sp, next->thread.sp);
	/* Back in prev, perhaps switched to by another CPU. */
	return lib_cpu_this()->switch_prev;
}

static void lib_task_start(unsigned long unused)
{
	struct task_struct *self = current;

	schedule_tail(lib_cpu_this()->switch_prev);
	if (self->thread.fn) {
		/* Kernel threads never come back; user tasks return from
		 * their set-up function to "user mode", our request loop. */
		self->thread.fn(self->thread.fn_arg);
	}
	lib_user_loop();
}

/* The owner of a new stack; its CPU is set when a CPU switches to it. */
static struct lib_stack_top *lib_stack_init(struct task_struct *p)
{
	struct lib_stack_top *top;

	top = lib_stack_top_of((unsigned long)task_stack_page(p));
	top->task = p;
	top->cpu = NULL;
	return top;
}

int copy_thread(struct task_struct *p, const struct kernel_clone_args *args)
{
	p->thread.fn = args->fn;
	p->thread.fn_arg = args->fn_arg;
	p->thread.session = NULL;
	memset(&p->thread.regs, 0, sizeof(p->thread.regs));
	p->thread.sp = lib_context_init(lib_stack_init(p), lib_task_start, 0);
	/* A user task takes the host's calls (syscall.c). */
	if (!args->kthread && !args->idle)
		return lib_session_alloc(p);
	return 0;
}

void exit_thread(struct task_struct *tsk)
{
	lib_session_exit(tsk);
}

void flush_thread(void)
{
}

unsigned long __get_wchan(struct task_struct *p)
{
	return 0;
}

void show_regs(struct pt_regs *regs)
{
	show_regs_print_info(KERN_DEFAULT);
}

/*
 * The host enters @cpu: run until the kernel gives it back idle, with no
 * interrupt pending.  in_host tells senders to kick this thread: set
 * before the last look at the pending lines, so that a line raised after
 * that look is kicked, and one raised before it is seen here (smp.c).
 */
void lib_enter_kernel(struct lib_cpu *cpu)
{
	for (;;) {
		__atomic_store_n(&cpu->in_host, 0, __ATOMIC_RELAXED);
		lib_switch_stack(&cpu->host_sp, cpu->resume_sp);
		__atomic_store_n(&cpu->in_host, 1, __ATOMIC_RELAXED);
		/* Without kicks (one CPU) the host looks again by itself. */
		if (!lib_ops->cpu_kick)
			return;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&cpu->stopped, __ATOMIC_ACQUIRE) ||
		    !__atomic_load_n(&cpu->irq_pending_any, __ATOMIC_RELAXED))
			return;
	}
}

/*
 * The CPU halts: back to the host until it enters again, then take the
 * expired timer and pending interrupts.  Called with interrupts disabled
 * by the idle task, or by a task parked in user mode (syscall.c).
 */
void lib_cpu_halt(void)
{
	struct lib_cpu *cpu = lib_cpu_this();

	lib_switch_stack(&cpu->resume_sp, cpu->host_sp);
	lib_timer_check();
	lib_irq_take_pending();
}

/* From any task, for good (halt, panic): this context is never resumed,
 * and the CPU never entered again. */
void __noreturn lib_leave_for_good(void)
{
	struct lib_cpu *cpu = lib_cpu_this();
	unsigned long dead_sp;

	__atomic_store_n(&cpu->stopped, 1, __ATOMIC_RELEASE);
	lib_switch_stack(&dead_sp, cpu->host_sp);
	unreachable();
}

/*
 * The idle loop calls this with interrupts off when nothing is runnable:
 * the CPU "halts" by returning to the host.  On the next entry, pending
 * interrupts and expired timers are taken before enabling interrupts.
 */
void arch_cpu_idle(void)
{
	lib_cpu_halt();
	raw_local_irq_enable();
}

static void lib_boot_entry(unsigned long unused)
{
	start_kernel();
}

static void lib_cpu_init(struct lib_cpu *cpu, unsigned int id)
{
	cpu->id = id;
	cpu->done_tail = &cpu->done_head;
	cpu->in_host = 1;
}

/* Prepares the CPUs, and the boot context: start_kernel() on init_task's
 * stack, entered by CPU 0.  Fails if that stack is misaligned. */
int lib_idle_init(void)
{
	struct lib_stack_top *top;
	unsigned int id;

	BUILD_BUG_ON(LIB_STACK_SIZE != THREAD_SIZE);
	if ((unsigned long)task_stack_page(&init_task) & (THREAD_SIZE - 1))
		return -EINVAL;
	for (id = 0; id < NR_CPUS; id++)
		lib_cpu_init(&lib_cpus[id], id);
	top = lib_stack_init(&init_task);
	top->cpu = &lib_cpus[0];
	lib_cpus[0].curr = &init_task;
	lib_cpus[0].resume_sp = lib_context_init(top, lib_boot_entry, 0);
	return 0;
}
