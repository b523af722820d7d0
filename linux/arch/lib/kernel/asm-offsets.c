// SPDX-License-Identifier: GPL-2.0
/* Nothing in ARCH=lib's assembly needs structure offsets yet. */
#include <linux/kbuild.h>

void foo(void)
{
}
