/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_IRQ_H
#define _ASM_LIB_IRQ_H

#define NR_IRQS		CONFIG_LIB_NR_IRQS

/*
 * Lines 0 to 2 are system vectors: the clockevent, the host's syscall
 * doorbell and the other CPUs' messages (IPIs).  From LIB_IRQ_FIRST_FREE
 * on, lines are genirq's; the first is the vNICs' receive doorbell.
 */
#define LIB_IRQ_TIMER	0
#define LIB_IRQ_SYSCALL	1
#define LIB_IRQ_IPI	2
#define LIB_IRQ_FIRST_FREE 3
#define LIB_IRQ_VNIC	3

#include <asm-generic/irq.h>

#endif
