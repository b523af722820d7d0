/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_IRQ_H
#define _ASM_LIB_IRQ_H

#define NR_IRQS		CONFIG_LIB_NR_IRQS

/*
 * Lines 0 and 1 are system vectors: the clockevent and the host's syscall
 * doorbell.  From LIB_IRQ_FIRST_FREE on, lines are genirq's; the first is
 * the vNICs' receive doorbell.
 */
#define LIB_IRQ_TIMER	0
#define LIB_IRQ_SYSCALL	1
#define LIB_IRQ_FIRST_FREE 2
#define LIB_IRQ_VNIC	2

#include <asm-generic/irq.h>

#endif
