/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_IRQFLAGS_H
#define _ASM_LIB_IRQFLAGS_H

#define ARCH_IRQ_DISABLED	0UL
#define ARCH_IRQ_ENABLED	1UL

#ifndef __ASSEMBLY__
extern unsigned long lib_irq_enabled;
extern unsigned long lib_irq_pending_any;
void lib_irq_deliver(void);

static inline unsigned long arch_local_save_flags(void)
{
	return lib_irq_enabled;
}

/*
 * Like a real CPU, enabling interrupts takes the ones that are pending.
 * The host only sets lib_irq_pending_any between runs, or on entry.
 */
static inline void arch_local_irq_restore(unsigned long flags)
{
	lib_irq_enabled = flags;
	if (flags == ARCH_IRQ_ENABLED && __builtin_expect(lib_irq_pending_any, 0))
		lib_irq_deliver();
}

#include <asm-generic/irqflags.h>
#endif

#endif
