/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_VMALLOC_H
#define _ASM_LIB_VMALLOC_H
#endif
