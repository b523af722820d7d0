// SPDX-License-Identifier: GPL-2.0
/*
 * The set of keys the tenant layer keeps its MACs in: against a plain
 * array as the model, through adds, duplicates, deletions of present
 * and absent keys, growth and many deletions that shift probe chains.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "keyset.h"

#define N	5000

static uint64_t model[N];
static int in[N];

static uint64_t key(unsigned int i)
{
	/* MAC-like keys, clustered: the low bytes vary, as MACs do */
	return (1ULL << 48) | (0x020000000000ULL + (i & 0xff) * 0x100 + (i >> 8));
}

int main(void)
{
	struct keyset s = { 0 };
	unsigned int i, r = 12345;

	CHECK(!keyset_has(&s, 1), "an empty set holds nothing");
	keyset_del(&s, 1);	/* nothing to delete: no crash */
	CHECK(keyset_add(&s, 0) == -EINVAL, "key 0 refused");
	for (i = 0; i < N; i++) {
		model[i] = key(i);
		CHECK(keyset_add(&s, model[i]) == 0, "add %u", i);
		in[i] = 1;
	}
	CHECK(s.used == N, "%u keys counted, %d added", s.used, N);
	CHECK(keyset_add(&s, model[7]) == -EEXIST, "a duplicate refused");
	CHECK(s.used == N, "a refused add changes nothing");
	for (i = 0; i < 4 * N; i++) {
		unsigned int k;

		r = r * 1103515245 + 12345;
		k = (r >> 8) % N;
		if (in[k]) {
			keyset_del(&s, model[k]);
			in[k] = 0;
		} else {
			CHECK(keyset_add(&s, model[k]) == 0, "re-add %u", k);
			in[k] = 1;
		}
	}
	for (i = 0; i < N; i++)
		CHECK(keyset_has(&s, model[i]) == in[i], "key %u: %d, want %d", i,
		      keyset_has(&s, model[i]), in[i]);
	CHECK(!keyset_has(&s, key(N + 1)), "a key never added is absent");
	for (i = 0; i < N; i++)
		keyset_del(&s, model[i]);
	CHECK(s.used == 0, "%u left after deleting all", s.used);
	for (i = 0; i < N; i++)
		CHECK(!keyset_has(&s, model[i]), "key %u gone", i);
	keyset_free(&s);
	return failed;
}
