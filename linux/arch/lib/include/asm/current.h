/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_CURRENT_H
#define _ASM_LIB_CURRENT_H

#ifndef __ASSEMBLY__
struct task_struct;

/* One CPU: the running task is a plain variable that __switch_to updates. */
extern struct task_struct *lib_current;

#define get_current()	(lib_current)
#define current		get_current()
#endif

#endif
