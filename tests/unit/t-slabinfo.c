// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/slabinfo summed into the bytes of live objects: the kernel's real
 * text, and text that is cut short, malformed or overflows, which must be
 * refused and leave the result untouched.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tenant/slabinfo.h"

#include "check.h"

#define HEAD "slabinfo - version: 2.1\n" \
	"# name            <active_objs> <num_objs> <objsize> <objperslab> " \
	"<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : " \
	"slabdata <active_slabs> <num_slabs> <sharedavail>\n"

static int sum(const char *text, unsigned long long *b)
{
	*b = 12345;
	return slabinfo_live_bytes(text, b);
}

int main(void)
{
	unsigned long long b;

	CHECK(sum(HEAD "skbuff_head_cache    256    288    256   16    1 : tunables    0    0    0 : slabdata     18     18      0\n"
		  "kmalloc-64          1000   1024     64   64    1 : tunables    0    0    0 : slabdata     16     16      0\n",
		  &b) == 0 && b == 256 * 256 + 1000 * 64, "two caches: %llu", b);
	CHECK(sum(HEAD "net_namespace          0      0   4416    7    8 : tunables    0    0    0 : slabdata      0      0      0\n",
		  &b) == 0 && b == 0, "an empty cache: %llu", b);
	CHECK(sum(HEAD, &b) == -EINVAL && b == 12345, "no cache");
	CHECK(sum("", &b) == -EINVAL && b == 12345, "empty");
	CHECK(sum("slabinfo - version: 1.1\nx 1 1 1 1 1\n", &b) == -EINVAL, "version 1");
	CHECK(sum(HEAD "kmalloc-64 1000 1024 64 64 1 : tunables 0 0 0 : slabdata 16 16 0\nkmalloc-32 10",
		  &b) == -EINVAL && b == 12345, "cut short in a line");
	CHECK(sum(HEAD "kmalloc-64 1000\nkmalloc-32 1 1 32 1 1\n", &b) == -EINVAL, "a short line");
	CHECK(sum(HEAD "kmalloc-64 x y z\n", &b) == -EINVAL, "not numbers");
	CHECK(sum(HEAD "kmalloc-64 2000 1024 64 64 1\n", &b) == -EINVAL, "more active than objects");
	CHECK(sum(HEAD "a 18446744073709551615 18446744073709551615 4294967295 1 1\n", &b) == -EINVAL &&
	      b == 12345, "overflow");
	CHECK(sum(HEAD "a 4294967296 4294967296 4294967295 1 1\n", &b) == 0 &&
	      b == 4294967296ULL * 4294967295ULL, "large, no overflow: %llu", b);
	CHECK(sum(HEAD "a 4294967296 4294967296 4294967295 1 1\nb 4294967296 4294967296 4294967295 1 1\n",
		  &b) == -EINVAL && b == 12345, "the sum overflows");
	CHECK(sum(HEAD "a\n1 2 3\n", &b) == -EINVAL, "numbers on the next line");
	CHECK(sum(NULL, &b) == -EINVAL, "NULL");
	return failed;
}
