// SPDX-License-Identifier: GPL-2.0
/* /proc/slabinfo, summed; see slabinfo.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "slabinfo.h"

int slabinfo_live_bytes(const char *text, unsigned long long *bytes)
{
	unsigned long long sum = 0, active, num, size;
	const char *line = text, *end;
	int n, caches = 0;

	if (!text || strncmp(text, "slabinfo - version: 2.", 22))
		return -EINVAL;
	for (; (end = strchr(line, '\n')); line = end + 1) {
		if (line == text || *line == '#')
			continue;
		/* name active_objs num_objs objsize ... */
		if (sscanf(line, "%*s %llu %llu %llu%n", &active, &num, &size, &n) != 3 ||
		    n > end - line || active > num || size > UINT_MAX)
			return -EINVAL;
		if (active && size > (~0ULL - sum) / active)
			return -EINVAL;
		sum += active * size;
		caches++;
	}
	if (!caches || *line)	/* no cache, or cut short in a line */
		return -EINVAL;
	*bytes = sum;
	return 0;
}
