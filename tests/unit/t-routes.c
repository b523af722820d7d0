// SPDX-License-Identifier: GPL-2.0
/*
 * The API's route table and its matcher: every route of routes.def is
 * reached by a path of its own shape and by no other route; parameters
 * come out as the path had them; a {x*} takes the rest of the path,
 * slashes too; empty parts, extra parts and near misses match nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"

#include "check.h"

static const struct { const char *method, *pattern; } table[] = {
#define API_ROUTE(method, pattern, fn) { #method, pattern },
#include "api/routes.def"
};
#define NTABLE (sizeof(table) / sizeof(*table))

/* Whether @path matches @pattern; its parameters joined by '|' in @out. */
static int match(const char *pattern, const char *path, char *out, size_t size)
{
	char buf[API_PATH_MAX], *seg[API_SEG_MAX], *arg[API_SEG_MAX] = { 0 };
	int n, i, ok;

	snprintf(buf, sizeof(buf), "%s", path);
	n = api_split(buf, seg, API_SEG_MAX);
	ok = n >= 0 && api_match(pattern, seg, n, arg, API_SEG_MAX);
	*out = '\0';
	for (i = 0; ok && arg[i]; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? "|" : "", arg[i]);
	return ok;
}

static void test_split(void)
{
	char a[] = "/tenants/t1/vnics", b[] = "/", c[] = "//x", d[] = "/a/b/c/d";
	char *seg[8];

	CHECK(api_split(a, seg, 8) == 3 && !strcmp(seg[0], "tenants") &&
	      !strcmp(seg[1], "t1") && !strcmp(seg[2], "vnics"), "three parts");
	CHECK(api_split(b, seg, 8) == 0, "the root has no parts");
	CHECK(api_split(c, seg, 8) == 2 && !*seg[0], "an empty part is kept");
	CHECK(api_split(d, seg, 3) == -E2BIG, "over the limit");
}

static void test_match(void)
{
	char out[256];

	CHECK(match("/tenants/{name}", "/tenants/t1", out, sizeof(out)) && !strcmp(out, "t1"),
	      "one parameter: %s", out);
	CHECK(!match("/tenants/{name}", "/tenants/", out, sizeof(out)), "empty parameter");
	CHECK(!match("/tenants/{name}", "/tenants", out, sizeof(out)), "missing parameter");
	CHECK(!match("/tenants/{name}", "/tenants/t1/x", out, sizeof(out)), "extra part");
	CHECK(!match("/tenants/{name}", "/tenant/t1", out, sizeof(out)), "near miss");
	CHECK(!match("/tenants", "/tenants/", out, sizeof(out)), "trailing slash");
	CHECK(match("/tenants/{name}/routes/{dst*}", "/tenants/a/routes/192.0.2.0/24", out,
		    sizeof(out)) && !strcmp(out, "a|192.0.2.0/24"), "rest: %s", out);
	CHECK(match("/tenants/{name}/routes/{dst*}", "/tenants/a/routes/default", out,
		    sizeof(out)) && !strcmp(out, "a|default"), "rest of one part: %s", out);
	CHECK(!match("/tenants/{name}/routes/{dst*}", "/tenants/a/routes", out, sizeof(out)),
	      "rest of nothing");
	CHECK(!match("/tenants/{name}/routes/{dst*}", "/tenants/a/routes/10.0.0.0//8", out,
		     sizeof(out)), "rest with an empty part");
	CHECK(!match("/tenants/{name}/vnics/{vnic}/addresses/{address*}",
		     "/tenants/a/vnics/eth0/addresses", out, sizeof(out)), "rest missing");
	CHECK(match("/tenants/{name}/vnics/{vnic}/addresses/{address*}",
		    "/tenants/a/vnics/eth0/addresses/2001:db8::1/64", out, sizeof(out)) &&
	      !strcmp(out, "a|eth0|2001:db8::1/64"), "IPv6 rest: %s", out);
}

/* A path of the pattern's shape: each {x} becomes "x1", each {x*} "1.2/3". */
static void sample(const char *pattern, char *out, size_t size)
{
	const char *s;
	size_t n = 0;

	for (s = pattern; *s && n + 8 < size; s++) {
		if (*s == '{') {
			const char *e = strchr(s, '}');

			if (e[-1] == '*')
				n += snprintf(out + n, size - n, "1.2/3");
			else
				n += snprintf(out + n, size - n, "%.*sx", (int)(e - s - 1), s + 1);
			s = e;
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
}

static void test_table(void)
{
	char path[256], out[256];
	unsigned int i, j, hits;

	CHECK(NTABLE == api_nroutes, "routes.def and the compiled table differ");
	for (i = 0; i < NTABLE; i++) {
		CHECK(table[i].pattern[0] == '/', "%s: not absolute", table[i].pattern);
		CHECK(!strcmp(table[i].method, "GET") || !strcmp(table[i].method, "POST") ||
		      !strcmp(table[i].method, "PUT") || !strcmp(table[i].method, "PATCH") ||
		      !strcmp(table[i].method, "DELETE"), "%s: method %s", table[i].pattern,
		      table[i].method);
		CHECK(!strchr(api_route_label(&api_routes[i]), '*'), "label with a star");
		for (j = 0; j < i; j++)
			CHECK(strcmp(table[i].method, table[j].method) ||
			      strcmp(table[i].pattern, table[j].pattern),
			      "%s %s twice", table[i].method, table[i].pattern);
		/* Its own sample path reaches it, and no other route of its method. */
		sample(table[i].pattern, path, sizeof(path));
		for (j = 0, hits = 0; j < NTABLE; j++)
			if (!strcmp(table[i].method, table[j].method) &&
			    match(table[j].pattern, path, out, sizeof(out))) {
				hits++;
				CHECK(i == j, "%s %s is also %s", table[i].method, path,
				      table[j].pattern);
			}
		CHECK(hits == 1, "%s %s: %u routes", table[i].method, path, hits);
	}
}

/* routes.c's handlers are not linked: the table only needs their names. */
#define API_ROUTE(method, pattern, fn) \
	enum MHD_Result fn(struct pending *p, char **arg) { abort(); }
#include "api/routes.def"

int main(void)
{
	test_split();
	test_match();
	test_table();
	return failed;
}
