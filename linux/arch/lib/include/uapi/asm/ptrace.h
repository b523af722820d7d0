/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_ASM_LIB_PTRACE_H
#define _UAPI_ASM_LIB_PTRACE_H

/* Nothing is traced: library tasks have no user register file. */

#endif
