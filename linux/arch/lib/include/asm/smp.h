/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_SMP_H
#define _ASM_LIB_SMP_H

#include <asm/lib_cpu.h>

struct cpumask;

/* The CPU the running task's stack says it is on (asm/lib_cpu.h). */
#define raw_smp_processor_id()	(lib_cpu_this()->id)

void arch_send_call_function_single_ipi(int cpu);
void arch_send_call_function_ipi_mask(const struct cpumask *mask);

#endif
