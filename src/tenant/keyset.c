// SPDX-License-Identifier: GPL-2.0
/* A set of non-zero 64-bit keys; see keyset.h. */
#include <errno.h>
#include <stdlib.h>

#include "keyset.h"

static unsigned int home(uint64_t k, unsigned int mask)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (unsigned int)k & mask;
}

static void put(uint64_t *t, unsigned int mask, uint64_t key)
{
	unsigned int i = home(key, mask);

	while (t[i])
		i = (i + 1) & mask;
	t[i] = key;
}

static int grow(struct keyset *s)
{
	unsigned int n = s->slot ? (s->mask + 1) * 2 : 64, i;
	uint64_t *t = calloc(n, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; s->slot && i <= s->mask; i++)
		if (s->slot[i])
			put(t, n - 1, s->slot[i]);
	free(s->slot);
	s->slot = t;
	s->mask = n - 1;
	return 0;
}

int keyset_has(const struct keyset *s, uint64_t key)
{
	unsigned int i;

	if (!s->slot || !key)
		return 0;
	for (i = home(key, s->mask); s->slot[i]; i = (i + 1) & s->mask)
		if (s->slot[i] == key)
			return 1;
	return 0;
}

int keyset_add(struct keyset *s, uint64_t key)
{
	if (!key)
		return -EINVAL;
	if (keyset_has(s, key))
		return -EEXIST;
	if ((!s->slot || (s->used + 1) * 2 > s->mask + 1) && grow(s))
		return -ENOMEM;
	put(s->slot, s->mask, key);
	s->used++;
	return 0;
}

/* Backward-shift deletion keeps every probe sequence unbroken. */
void keyset_del(struct keyset *s, uint64_t key)
{
	unsigned int i, j, h;

	if (!keyset_has(s, key))
		return;
	for (i = home(key, s->mask); s->slot[i] != key; i = (i + 1) & s->mask)
		;
	s->used--;
	for (j = (i + 1) & s->mask; s->slot[j]; j = (j + 1) & s->mask) {
		h = home(s->slot[j], s->mask);
		if (((j - h) & s->mask) >= ((j - i) & s->mask)) {
			s->slot[i] = s->slot[j];
			i = j;
		}
	}
	s->slot[i] = 0;
}

void keyset_free(struct keyset *s)
{
	free(s->slot);
	s->slot = NULL;
	s->mask = s->used = 0;
}
