/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_STRING_H
#define _ASM_LIB_STRING_H

/* The host CPU's fast string instructions (arch/lib/kernel/string.c). */
#define __HAVE_ARCH_MEMCPY
extern void *memcpy(void *dest, const void *src, __kernel_size_t n);
#define __HAVE_ARCH_MEMSET
extern void *memset(void *s, int c, __kernel_size_t n);
#define __HAVE_ARCH_MEMMOVE
extern void *memmove(void *dest, const void *src, __kernel_size_t n);

#endif
