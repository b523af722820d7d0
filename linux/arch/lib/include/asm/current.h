/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_CURRENT_H
#define _ASM_LIB_CURRENT_H

#ifndef __ASSEMBLY__
#include <asm/lib_cpu.h>

/* The running task is its CPU's, which __switch_to updates. */
#define get_current()	(lib_cpu_this()->curr)
#define current		get_current()
#endif

#endif
