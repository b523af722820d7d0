// SPDX-License-Identifier: GPL-2.0
/*
 * SMP of ARCH=lib.  A CPU is a host thread that enters the kernel, with
 * its own struct lib_cpu.  For now the machine boots with CPU 0 only and
 * __cpu_up refuses the others, so nothing here ever targets another CPU
 * yet; the messages are real all the same: a bit in the target's IPI set
 * and its LIB_IRQ_IPI line, taken when that CPU next takes interrupts.
 */
#include <linux/init.h>
#include <linux/smp.h>
#include <linux/sched.h>
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/percpu.h>
#include "lib.h"

static void lib_ipi_send(int cpu, enum lib_ipi ipi)
{
	struct lib_cpu *target = &lib_cpus[cpu];

	__atomic_fetch_or(&target->ipi_pending, 1UL << ipi, __ATOMIC_SEQ_CST);
	lib_irq_raise(target, LIB_IRQ_IPI);
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

static void lib_ipi_interrupt(void)
{
	unsigned long ipis;

	ipis = __atomic_exchange_n(&lib_cpu_this()->ipi_pending, 0,
				   __ATOMIC_ACQUIRE);
	if (ipis & BIT(LIB_IPI_RESCHEDULE))
		scheduler_ipi();
	if (ipis & BIT(LIB_IPI_CALL_FUNC))
		generic_smp_call_function_interrupt();
}

/* Halt and panic: no other CPU ever runs yet, so none has to stop. */
void smp_send_stop(void)
{
}

/* Right after setup_per_cpu_areas(): each CPU keeps its own offset. */
void __init smp_prepare_boot_cpu(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		lib_cpus[cpu].percpu_offset = __per_cpu_offset[cpu];
}

void __init smp_prepare_cpus(unsigned int max_cpus)
{
	lib_set_system_vector(LIB_IRQ_IPI, lib_ipi_interrupt);
}

/* Secondary CPUs need host threads to enter them: not yet. */
int __cpu_up(unsigned int cpu, struct task_struct *idle)
{
	return -ENODEV;
}

void __init smp_cpus_done(unsigned int max_cpus)
{
}
