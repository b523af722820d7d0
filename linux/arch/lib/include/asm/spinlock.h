/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_SPINLOCK_H
#define _ASM_LIB_SPINLOCK_H

/* The generic ticket lock; its spin waits call cpu_relax(). */
#include <asm/processor.h>
#include <asm-generic/spinlock.h>

#endif
