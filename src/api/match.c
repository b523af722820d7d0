// SPDX-License-Identifier: GPL-2.0
/* Paths against the route patterns; see routes.h.  Pure: unit-tested. */
#include <errno.h>
#include <string.h>

#include "api/routes.h"

/* Split "/a/b/c" into at most @max parts, in place; empty parts are
 * kept (a//b has three), so that no two paths look the same.  -1 if
 * there are more than @max. */
int api_split(char *path, char *seg[], int max)
{
	int n = 0;

	if (*path == '/')
		path++;
	if (!*path)
		return 0;
	for (;;) {
		if (n == max)
			return -E2BIG;
		seg[n++] = path;
		path = strchr(path, '/');
		if (!path)
			return n;
		*path++ = '\0';
	}
}

/*
 * Whether the parts @seg match @pattern: literals the same, {x} any
 * non-empty part, {x*} one or more parts to the end (joined again with
 * their slashes, in place: the parts came from one buffer).  The
 * parameters go to @arg.
 */
int api_match(const char *pattern, char *seg[], int n, char *arg[], int maxarg)
{
	char pat[API_PATH_MAX], *ps[API_SEG_MAX];
	int np, i, k, nargs = 0;

	if (strlen(pattern) >= sizeof(pat))
		return 0;
	strcpy(pat, pattern);
	np = api_split(pat, ps, API_SEG_MAX);
	if (np < 0)
		return 0;
	for (i = 0; i < np; i++) {
		size_t len = strlen(ps[i]);
		int param = ps[i][0] == '{' && len > 2 && ps[i][len - 1] == '}';
		int rest = param && ps[i][len - 2] == '*';

		if (i >= n)
			return 0;
		if (!param) {
			if (strcmp(ps[i], seg[i]))
				return 0;
			continue;
		}
		if (!*seg[i] || nargs == maxarg)
			return 0;
		if (rest) {
			if (i != np - 1)
				return 0;
			for (k = i + 1; k < n; k++)
				if (!*seg[k])
					return 0;
			/* the parts follow each other in one buffer */
			for (k = i + 1; k < n; k++)
				/* cppcheck-suppress negativeIndex ; the slash before a part, in the path */
				seg[k][-1] = '/';
			arg[nargs++] = seg[i];
			return 1;
		}
		arg[nargs++] = seg[i];
	}
	return np == n;
}
