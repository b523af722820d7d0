/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_CURRENT_H
#define _ASM_LIB_CURRENT_H

#ifndef __ASSEMBLY__
#include <asm/lib_cpu.h>

/* The running task, as its CPU's switch recorded it (asm/lib_cpu.h). */
#define get_current()	lib_current()
#define current		get_current()
#endif

#endif
