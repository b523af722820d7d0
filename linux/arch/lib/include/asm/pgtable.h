/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LIB_PGTABLE_H
#define _ASM_LIB_PGTABLE_H

#include <asm-generic/pgtable-nopud.h>
#include <asm/page.h>

/* No MMU: page tables exist only as types the generic code names. */
#define pgd_present(pgd)	(1)
#define pgd_none(pgd)		(0)
#define pgd_bad(pgd)		(0)
#define pgd_clear(pgdp)

#define PAGE_NONE		__pgprot(0)
#define PAGE_SHARED		__pgprot(0)
#define PAGE_COPY		__pgprot(0)
#define PAGE_READONLY		__pgprot(0)
#define PAGE_KERNEL		__pgprot(0)

#define swapper_pg_dir		((pgd_t *)0)

#define pgprot_noncached(prot)		(prot)
#define pgprot_writecombine(prot)	(prot)
#define pgprot_device(prot)		(prot)

#define VMALLOC_START		0UL
#define VMALLOC_END		(~0UL)
#define FIRST_USER_ADDRESS	0UL

extern void *empty_zero_page;
#define ZERO_PAGE(vaddr)	(virt_to_page(empty_zero_page))


#endif
