// SPDX-License-Identifier: GPL-2.0
/*
 * The state file: what is written reads back the same; a missing file is
 * no tenants; every kind of bad file (truncated, corrupt, another version,
 * a key too many, a tenant twice, a bad tenant, empty) is refused with a
 * message naming the file and where, and is left as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "conf/state.h"

static int failed;
static char dir[] = "/tmp/nuse-t-state.XXXXXX";

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		failed = 1;						\
	}								\
} while (0)

static void put(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tenants.json", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static char *get(void)
{
	static char buf[65536];
	char path[128];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tenants.json", dir);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Load what is there: the count, or -1 with the message in @err. */
static int load(char *err, size_t len)
{
	struct tenant_spec *t;
	int n, i;

	state_close();
	if (state_open(dir, getuid(), getgid()))
		return -2;
	if (state_load(&t, &n, err, len))
		return -1;
	for (i = 0; i < n; i++)
		tenant_spec_free(&t[i]);
	free(t);
	return n;
}

#define T1 "{\"name\": \"a\", \"vnics\": [{\"name\": \"eth0\", \"mac\": \"02:00:00:00:00:01\", " \
	   "\"addresses\": [\"10.0.0.1/24\"]}]}"
#define T2 "{\"name\": \"b\", \"vnics\": [{\"name\": \"eth0\", \"mac\": \"02:00:00:00:00:02\"}]}"

static void bad(const char *text, const char *want)
{
	char err[1024] = "";
	const char *now;
	int n;

	put(text);
	n = load(err, sizeof(err));
	CHECK(n == -1, "%.40s...: loaded %d tenant(s), want an error", text, n);
	CHECK(strstr(err, want) && strstr(err, "tenants.json"),
	      "%.40s...: error \"%s\", want \"%s\" and the file's name", text, err, want);
	now = get();
	CHECK(now && !strcmp(now, text), "%.40s...: the file changed", text);
}

int main(void)
{
	char err[1024];
	json_t *a, *b;
	int n;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	CHECK(load(err, sizeof(err)) == 0, "no file: not 0 tenants");

	/* Written, then read back the same, in order. */
	a = json_loads(T1, 0, NULL);
	b = json_loads(T2, 0, NULL);
	state_update("a", a);
	state_update("b", b);
	CHECK(state_save() == 0, "save");
	n = load(err, sizeof(err));
	CHECK(n == 2, "read back: %d tenant(s): %s", n, n < 0 ? err : "");
	CHECK(state_count() == 0, "a fresh open holds nothing until updated");
	CHECK(strstr(get(), "\"name\":\"a\"") < strstr(get(), "\"name\":\"b\""),
	      "not in creation order: %s", get());
	json_decref(a);
	json_decref(b);

	bad("", "line 1");
	bad("{\"version\": 1, \"tenants\": [" T1, "line 1");	/* truncated */
	bad("{\"version\": 1, \"tenants\": [" T1 ",\n" T2 "\n]}\n}", "line 4, column 1");
	bad("{\"version\": 0, \"tenants\": []}\n", "not a version 1 state file");
	bad("{\"version\": 2, \"tenants\": []}\n", "not a version 1 state file");
	bad("{\"version\": \"1\", \"tenants\": []}\n", "not a version 1 state file");
	bad("{\"version\": 1, \"tenants\": {}}\n", "not a version 1 state file");
	bad("{\"version\": 1, \"tenants\": [], \"more\": 1}\n", "not a version 1 state file");
	bad("[]\n", "not a version 1 state file");
	bad("{\"version\": 1, \"version\": 1, \"tenants\": []}\n", "duplicate");
	bad("{\"version\": 1, \"tenants\": [" T1 ",\n" T1 "\n]}\n", "\"a\" appears twice");
	bad("{\"version\": 1, \"tenants\": [{\"name\": \"x\", \"vnics\": [{\"name\": \"eth0\", "
	    "\"mac\": \"02:00\"}]}]}\n", "tenants[0].vnics[0].mac");
	bad("{\"version\": 1, \"tenants\": [{\"name\": \"x\", \"color\": 1}]}\n",
	    "tenants[0].color: unknown key");
	bad("\x01\x02\x03\xff\xfe garbage", "line 1");

	put("{\"version\": 1, \"tenants\": [\n]}\n");
	CHECK(load(err, sizeof(err)) == 0, "an empty list: %s", err);

	state_close();
	unlink(strcat(strcpy(err, dir), "/tenants.json"));
	rmdir(dir);
	if (!failed)
		printf("state: round trip, and 14 kinds of bad file refused and left as they were\n");
	return failed;
}
