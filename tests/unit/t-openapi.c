// SPDX-License-Identifier: GPL-2.0
/*
 * The OpenAPI document (src/api/openapi.json) against the route table
 * (src/api/routes.def), so that neither can change without the other:
 * every route is a documented operation and every documented operation a
 * route; each operation answers something, success included, and names
 * exactly the parameters of its path; every $ref of the document points
 * at something in it.
 *
 *   t-openapi [FILE]	(default: the source tree's document)
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct route {
	const char *method;
	const char *pattern;
};

static const struct route routes[] = {
#define API_ROUTE(method, pattern, handler) { #method, pattern },
#include "api/routes.def"
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* What a path item may hold besides its operations. */
static const char *const item_keys[] = { "parameters", "summary", "description",
					 "servers", NULL };
static const char *const methods[] = { "get", "put", "post", "delete", "options",
				       "head", "patch", "trace", NULL };

static int failed;

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failed++;
}

static int in(const char *const list[], const char *s)
{
	int i;

	for (i = 0; list[i]; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

/* routes.def's pattern as OpenAPI spells it: {x*} is {x}. */
static void oas_path(const char *pattern, char *out, size_t len)
{
	size_t n = 0;

	for (; *pattern && n + 1 < len; pattern++)
		if (!(*pattern == '*' && pattern[1] == '}'))
			out[n++] = *pattern;
	out[n] = '\0';
}

static void lower(const char *s, char *out, size_t len)
{
	size_t n;

	for (n = 0; s[n] && n + 1 < len; n++)
		out[n] = tolower((unsigned char)s[n]);
	out[n] = '\0';
}

/* A JSON pointer's target in @doc ("#/a/b~1c"), or NULL. */
static json_t *pointer(json_t *doc, const char *ref)
{
	char key[256];
	json_t *at = doc;
	size_t n;

	if (strncmp(ref, "#/", 2))
		return NULL;
	for (ref += 2; at; ref += *ref == '/') {
		for (n = 0; *ref && *ref != '/' && n + 1 < sizeof(key); ref++)
			if (*ref == '~' && (ref[1] == '0' || ref[1] == '1'))
				key[n++] = *++ref == '0' ? '~' : '/';
			else
				key[n++] = *ref;
		key[n] = '\0';
		at = json_is_array(at) ? json_array_get(at, strtoul(key, NULL, 10))
				       : json_object_get(at, key);
		if (!*ref)
			break;
	}
	return at;
}

static json_t *deref(json_t *doc, json_t *o)
{
	int hops;

	for (hops = 0; hops < 8 && json_is_string(json_object_get(o, "$ref")); hops++)
		o = pointer(doc, json_string_value(json_object_get(o, "$ref")));
	return o;
}

/* Every $ref under @j resolves within @doc; returns how many were seen. */
static int check_refs(json_t *doc, json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;
	int n = 0;

	if (json_is_array(j))
		json_array_foreach(j, i, v)
			n += check_refs(doc, v);
	if (!json_is_object(j))
		return n;
	json_object_foreach(j, key, v) {
		if (!strcmp(key, "$ref") && json_is_string(v)) {
			n++;
			if (!pointer(doc, json_string_value(v)))
				fail("$ref %s resolves to nothing", json_string_value(v));
		} else {
			n += check_refs(doc, v);
		}
	}
	return n;
}

/* Does @params (a parameters array) declare the path parameter @name? */
static int declares(json_t *doc, json_t *params, const char *name)
{
	json_t *p;
	size_t i;

	json_array_foreach(params, i, p) {
		p = deref(doc, p);
		if (json_is_string(json_object_get(p, "in")) &&
		    !strcmp(json_string_value(json_object_get(p, "in")), "path") &&
		    json_is_string(json_object_get(p, "name")) &&
		    !strcmp(json_string_value(json_object_get(p, "name")), name))
			return 1;
	}
	return 0;
}

/* The path's {parameters} are declared, and no other path parameter is. */
static void check_params(json_t *doc, const char *path, json_t *item, json_t *op)
{
	json_t *lists[2] = { json_object_get(item, "parameters"), json_object_get(op, "parameters") };
	char name[64];
	const char *s, *e;
	json_t *p;
	size_t i;
	int k;

	for (s = strchr(path, '{'); s && (e = strchr(s, '}')); s = strchr(e, '{')) {
		snprintf(name, sizeof(name), "%.*s", (int)(e - s - 1), s + 1);
		if (!declares(doc, lists[0], name) && !declares(doc, lists[1], name))
			fail("%s: the path parameter %s is not declared", path, name);
	}
	for (k = 0; k < 2; k++)
		json_array_foreach(lists[k], i, p) {
			const char *where = json_string_value(json_object_get(deref(doc, p), "in"));
			const char *n = json_string_value(json_object_get(deref(doc, p), "name"));

			if (!where || !n)
				fail("%s: a parameter without name or in", path);
			else if (!strcmp(where, "path")) {
				snprintf(name, sizeof(name), "{%s}", n);
				if (!strstr(path, name))
					fail("%s declares the path parameter %s that it has not", path, n);
			}
		}
}

/* An operation answers, a success among its answers, each one described. */
static void check_responses(json_t *doc, const char *what, json_t *op)
{
	json_t *rs = json_object_get(op, "responses"), *r;
	const char *status;
	int ok = 0;

	if (!json_object_size(rs)) {
		fail("%s has no responses", what);
		return;
	}
	json_object_foreach(rs, status, r) {
		if (status[0] == '2')
			ok = 1;
		if (!json_is_string(json_object_get(deref(doc, r), "description")))
			fail("%s: the answer %s has no description", what, status);
	}
	if (!ok)
		fail("%s has no 2xx answer", what);
}

static int routed(const char *path, const char *method)
{
	char p[256], m[16];
	size_t i;

	for (i = 0; i < NROUTES; i++) {
		oas_path(routes[i].pattern, p, sizeof(p));
		lower(routes[i].method, m, sizeof(m));
		if (!strcmp(p, path) && !strcmp(m, method))
			return 1;
	}
	return 0;
}

/* Every operation of the document is a route; what else a path holds. */
static int check_documented(json_t *doc, json_t *paths)
{
	const char *path, *key;
	json_t *item, *op;
	char what[300];
	int nops = 0;

	json_object_foreach(paths, path, item)
		json_object_foreach(item, key, op) {
			if (in(item_keys, key))
				continue;
			if (!in(methods, key)) {
				fail("%s: \"%s\" is neither an operation nor a path item's key", path, key);
				continue;
			}
			nops++;
			snprintf(what, sizeof(what), "%s %s", key, path);
			if (!routed(path, key))
				fail("%s is documented but not in routes.def", what);
			check_responses(doc, what, op);
			check_params(doc, path, item, op);
		}
	return nops;
}

/* Every route is an operation of the document. */
static void check_routes(json_t *paths)
{
	char p[256], m[16];
	size_t i;

	for (i = 0; i < NROUTES; i++) {
		oas_path(routes[i].pattern, p, sizeof(p));
		lower(routes[i].method, m, sizeof(m));
		if (!json_is_object(json_object_get(json_object_get(paths, p), m)))
			fail("%s %s is in routes.def but not documented", routes[i].method, p);
	}
}

int main(int argc, char **argv)
{
	const char *file = argc > 1 ? argv[1] : OPENAPI_JSON;
	const char *version;
	json_error_t err;
	json_t *doc, *paths;
	int nops, nrefs;

	doc = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		printf("FAIL: %s:%d:%d: %s\n", file, err.line, err.column, err.text);
		return 1;
	}
	version = json_string_value(json_object_get(doc, "openapi"));
	if (!version || strncmp(version, "3.1.", 4))
		fail("%s: openapi is %s, not 3.1.x", file, version ? version : "missing");
	paths = json_object_get(doc, "paths");
	if (!json_is_object(paths))
		fail("%s: no paths", file);
	check_routes(paths);
	nops = check_documented(doc, paths);
	nrefs = check_refs(doc, doc);
	if (!failed)
		printf("ok: %s: the %zu routes of routes.def are its %d operations; %d $refs resolve\n",
		       file, NROUTES, nops, nrefs);
	json_decref(doc);
	return failed != 0;
}
