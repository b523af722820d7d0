/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_IRQ_H
#define _ASM_LIB_IRQ_H

#define NR_IRQS		CONFIG_LIB_NR_IRQS

/* Line 0 is the clockevent, line 1 the host's syscall doorbell. */
#define LIB_IRQ_TIMER	0
#define LIB_IRQ_SYSCALL	1
#define LIB_IRQ_FIRST_FREE 2

#include <asm-generic/irq.h>

#endif
