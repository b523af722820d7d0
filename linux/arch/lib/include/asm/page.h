/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_PAGE_H
#define _ASM_LIB_PAGE_H

/*
 * NOMMU with virtual == physical: the memory region the host hands over at
 * boot sits wherever the host mapped it, so the first page frame number
 * is a variable, not a constant.
 */
#ifndef __ASSEMBLY__
extern unsigned long memory_start;
#define ARCH_PFN_OFFSET		(memory_start >> PAGE_SHIFT)
#endif

#include <asm-generic/page.h>

#endif
