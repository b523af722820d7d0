// SPDX-License-Identifier: GPL-2.0
/*
 * The block copies the rest of the kernel leans on, with the host CPU's
 * fast string instructions (x86_64 hosts).
 */
#include <linux/types.h>
#include <linux/string.h>

void *memcpy(void *dest, const void *src, size_t n)
{
	void *ret = dest;

	asm volatile("rep movsb"
		     : "+D" (dest), "+S" (src), "+c" (n)
		     : : "memory");
	return ret;
}

void *memset(void *s, int c, size_t n)
{
	void *ret = s;

	asm volatile("rep stosb"
		     : "+D" (s), "+c" (n)
		     : "a" (c) : "memory");
	return ret;
}

void *memmove(void *dest, const void *src, size_t n)
{
	char *d;
	const char *s;

	if (dest <= src || dest >= src + n)
		return memcpy(dest, src, n);
	/* Overlapping with dest above src: copy backwards. */
	d = (char *)dest + n - 1;
	s = (const char *)src + n - 1;
	asm volatile("std\n\trep movsb\n\tcld"
		     : "+D" (d), "+S" (s), "+c" (n)
		     : : "memory");
	return dest;
}
