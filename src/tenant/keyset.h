/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of non-zero 64-bit keys (the tenants' MACs): open addressing,
 * grown as it fills, backward-shift deletion.  No allocation on lookups.
 */
#ifndef KEYSET_H
#define KEYSET_H

#include <stdint.h>

struct keyset {
	uint64_t *slot;		/* 0: empty */
	unsigned int mask, used;
};

/* 0, -EEXIST, -EINVAL for key 0, or -ENOMEM (the set unchanged). */
int keyset_add(struct keyset *s, uint64_t key);
int keyset_has(const struct keyset *s, uint64_t key);
/* Nothing if @key is not in the set. */
void keyset_del(struct keyset *s, uint64_t key);
void keyset_free(struct keyset *s);

#endif
