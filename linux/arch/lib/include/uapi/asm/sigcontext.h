/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_ASM_LIB_SIGCONTEXT_H
#define _UAPI_ASM_LIB_SIGCONTEXT_H

/* Signal handlers never run in the library: the context is empty. */
struct sigcontext {
	unsigned long sc_unused;
};

#endif
