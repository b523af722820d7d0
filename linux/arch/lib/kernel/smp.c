// SPDX-License-Identifier: GPL-2.0
/*
 * SMP of ARCH=lib.  A CPU is a host thread that enters the kernel, with
 * its own struct lib_cpu.  CPU 0 is the thread that boots; CPU c > 0 is a
 * thread of the host's that loops on nuse_cpu_run(c) and sleeps in the
 * host's cpu_idle(c) between runs.
 *
 * An interprocessor interrupt is a bit in the target's IPI set and its
 * LIB_IRQ_IPI line.  A CPU in the kernel takes it when it enables
 * interrupts or spins in cpu_relax(); a CPU in the host is kicked.  The
 * two sides order their stores and loads so that no message is missed:
 * the sender raises, then reads in_host; the host thread sets in_host,
 * then looks for pending lines before it sleeps (process.c).
 */
#include <linux/init.h>
#include <linux/smp.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task_stack.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/percpu.h>
#include <linux/completion.h>
#include "lib.h"

void lib_cpu_kick(struct lib_cpu *cpu)
{
	if (!lib_ops->cpu_kick)		/* one CPU: nothing to wake */
		return;
	/* Pairs with the barrier after in_host is set (process.c). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&cpu->in_host, __ATOMIC_RELAXED))
		lib_ops->cpu_kick(cpu->id);
}

static void lib_ipi_send(int cpu, enum lib_ipi ipi)
{
	struct lib_cpu *target = &lib_cpus[cpu];

	__atomic_fetch_or(&target->ipi_pending, 1UL << ipi, __ATOMIC_SEQ_CST);
	lib_irq_raise(target, LIB_IRQ_IPI);
	lib_cpu_kick(target);
}

void smp_send_reschedule(int cpu)
{
	lib_ipi_send(cpu, LIB_IPI_RESCHEDULE);
}

void arch_send_call_function_single_ipi(int cpu)
{
	lib_ipi_send(cpu, LIB_IPI_CALL_FUNC);
}

void arch_send_call_function_ipi_mask(const struct cpumask *mask)
{
	int cpu;

	for_each_cpu(cpu, mask)
		lib_ipi_send(cpu, LIB_IPI_CALL_FUNC);
}

/* Another CPU halts or panics: this one leaves the kernel for good. */
static void __noreturn lib_cpu_stop(void)
{
	struct lib_cpu *cpu = lib_cpu_this();

	set_cpu_online(cpu->id, false);
	__atomic_store_n(&cpu->stopped, 1, __ATOMIC_RELEASE);
	lib_leave_for_good();
}

static void lib_ipi_interrupt(void)
{
	unsigned long ipis;

	ipis = __atomic_exchange_n(&lib_cpu_this()->ipi_pending, 0,
				   __ATOMIC_ACQUIRE);
	if (ipis & BIT(LIB_IPI_STOP))
		lib_cpu_stop();
	if (ipis & BIT(LIB_IPI_RESCHEDULE))
		scheduler_ipi();
	if (ipis & BIT(LIB_IPI_CALL_FUNC))
		generic_smp_call_function_interrupt();
}

/*
 * Halt and panic: every other CPU stops where it takes the message.  A
 * CPU that never answers (its host thread busy outside the kernel, or
 * gone) is waited for one second, then left behind: it cannot enter
 * again (nuse_cpu_run() sees the machine stopped).
 */
void smp_send_stop(void)
{
	unsigned int self = smp_processor_id(), id;
	unsigned long long until;
	bool waiting;

	__atomic_store_n(&lib_stopping, 1, __ATOMIC_SEQ_CST);
	for_each_online_cpu(id)
		if (id != self)
			lib_ipi_send(id, LIB_IPI_STOP);
	until = lib_time_ns() + NSEC_PER_SEC;
	do {
		waiting = false;
		for_each_present_cpu(id)
			if (id != self && READ_ONCE(lib_cpus[id].up) &&
			    !__atomic_load_n(&lib_cpus[id].stopped, __ATOMIC_ACQUIRE))
				waiting = true;
	} while (waiting && lib_time_ns() < until);
}

/* Right after setup_per_cpu_areas(): each CPU keeps its own offset. */
void __init smp_prepare_boot_cpu(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		lib_cpus[cpu].percpu_offset = __per_cpu_offset[cpu];
	lib_cpus[0].up = 1;
}

void __init smp_prepare_cpus(unsigned int max_cpus)
{
	lib_set_system_vector(LIB_IRQ_IPI, lib_ipi_interrupt);
}

static DECLARE_COMPLETION(lib_cpu_running);

/* The first thing a secondary CPU runs, on its idle task's stack. */
static void lib_secondary_start(unsigned long unused)
{
	struct lib_cpu *cpu = lib_cpu_this();

	mmgrab(&init_mm);
	current->active_mm = &init_mm;
	lib_clockevent_start(cpu->id);
	notify_cpu_starting(cpu->id);
	set_cpu_online(cpu->id, true);
	complete(&lib_cpu_running);
	local_irq_enable();
	cpu_startup_entry(CPUHP_AP_ONLINE_IDLE);
}

/*
 * Bring up CPU @id with its idle task: give the task a fresh context that
 * starts the CPU, and kick the CPU's host thread, which enters it.  The
 * thread must be waiting (nuse_boot_params.ncpus): ten seconds without it
 * fail the CPU.
 */
int __cpu_up(unsigned int id, struct task_struct *idle)
{
	struct lib_cpu *cpu = &lib_cpus[id];
	struct lib_stack_top *top;

	top = lib_stack_top_of((unsigned long)task_stack_page(idle));
	top->task = idle;
	top->cpu = cpu;
	cpu->curr = idle;
	cpu->resume_sp = lib_context_init(top, lib_secondary_start, 0);
	__atomic_store_n(&cpu->up, 1, __ATOMIC_SEQ_CST);
	lib_cpu_kick(cpu);
	if (!wait_for_completion_timeout(&lib_cpu_running, 10 * HZ) ||
	    !cpu_online(id)) {
		pr_crit("lib: CPU%u did not come up: no host thread entered it\n", id);
		return -EIO;
	}
	return 0;
}

void __init smp_cpus_done(unsigned int max_cpus)
{
	pr_info("lib: %u CPUs up\n", num_online_cpus());
}
