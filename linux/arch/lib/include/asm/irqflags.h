/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_IRQFLAGS_H
#define _ASM_LIB_IRQFLAGS_H

#define ARCH_IRQ_DISABLED	0UL
#define ARCH_IRQ_ENABLED	1UL

#ifndef __ASSEMBLY__
#include <asm/lib_cpu.h>

void lib_irq_deliver(void);

static inline unsigned long arch_local_save_flags(void)
{
	return lib_cpu_this()->irq_enabled;
}

/*
 * Like a real CPU, enabling interrupts takes the ones that are pending.
 * Host threads set a CPU's irq_pending_any at any time.
 */
static inline void arch_local_irq_restore(unsigned long flags)
{
	struct lib_cpu *cpu = lib_cpu_this();

	cpu->irq_enabled = flags;
	if (flags == ARCH_IRQ_ENABLED &&
	    __builtin_expect(__atomic_load_n(&cpu->irq_pending_any,
					     __ATOMIC_RELAXED), 0))
		lib_irq_deliver();
}

#include <asm-generic/irqflags.h>
#endif

#endif
