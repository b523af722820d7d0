// SPDX-License-Identifier: GPL-2.0
/*
 * The state file: what is written reads back the same; a missing file is
 * no tenants; every kind of bad file (truncated, corrupt, another version,
 * a key too many, a tenant twice, a bad tenant, empty) is refused with
 * -EINVAL and a message naming the file and where, and is left as it was.
 * What cannot be opened, read or written is the real -errno; so is a
 * config file that cannot be opened, and a bad one is -EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "conf/state.h"

#include "check.h"

static char dir[] = "/tmp/nuse-t-state.XXXXXX";

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

/* Load what is there: the count, or -errno with the message in @err. */
static int load(char *err, size_t len)
{
	struct tenant_spec *t;
	int n, i, ret;

	state_close();
	ret = state_open(dir, getuid(), getgid());
	if (ret) {
		snprintf(err, len, "state_open: %s", strerror(-ret));
		return ret;
	}
	ret = state_load(&t, &n, err, len);
	if (ret)
		return ret;
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
	CHECK(n == -EINVAL, "%.40s...: loaded %d, want -EINVAL", text, n);
	CHECK(strstr(err, want) && strstr(err, "tenants.json"),
	      "%.40s...: error \"%s\", want \"%s\" and the file's name", text, err, want);
	now = get();
	CHECK(now && !strcmp(now, text), "%.40s...: the file changed", text);
}

static void path_in(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* The real errno of what failed, and -EINVAL for what does not check. */
static void errors(void)
{
	char path[512], file[256], err[1024];
	struct tenant_spec *t;
	struct config c;
	FILE *f;
	int n, ret;

	/* state_open: a directory under a file, or under nothing. */
	path_in(file, sizeof(file), "plain");
	f = fopen(file, "w");
	fclose(f);
	state_close();
	snprintf(path, sizeof(path), "%s/sub", file);
	ret = state_open(path, getuid(), getgid());
	CHECK(ret == -ENOTDIR, "state_open under a file: %d, want -ENOTDIR", ret);
	path_in(path, sizeof(path), "none/sub");
	ret = state_open(path, getuid(), getgid());
	CHECK(ret == -ENOENT, "state_open under nothing: %d, want -ENOENT", ret);

	/* state_load: a state file that is a directory cannot be read. */
	path_in(path, sizeof(path), "tenants.json");
	unlink(path);
	mkdir(path, 0700);
	CHECK(state_open(dir, getuid(), getgid()) == 0, "state_open");
	ret = state_load(&t, &n, err, sizeof(err));
	CHECK(ret == -EISDIR && strstr(err, "tenants.json"),
	      "a directory for a state file: %d (%s), want -EISDIR", ret, err);
	rmdir(path);

	/* state_save: the temporary file cannot be made; the old file stays. */
	put("{\"version\": 1, \"tenants\": [\n]}\n");
	path_in(path, sizeof(path), "tenants.json.tmp");
	mkdir(path, 0700);
	ret = state_save();
	CHECK(ret == -EISDIR, "state_save over a directory: %d, want -EISDIR", ret);
	CHECK(get() && !strcmp(get(), "{\"version\": 1, \"tenants\": [\n]}\n"),
	      "a failed save changed the file");
	rmdir(path);
	state_close();

	/* config_load: a file that is not there, one that is not JSON, a bad
	 * key; and a good one. */
	path_in(path, sizeof(path), "missing.json");
	ret = config_load(path, &c, err, sizeof(err));
	CHECK(ret == -ENOENT && strstr(err, "missing.json"),
	      "a missing config: %d (%s), want -ENOENT", ret, err);
	f = fopen(file, "w");
	fputs("{\"dpdk\": ", f);
	fclose(f);
	ret = config_load(file, &c, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "plain:1:"), "not JSON: %d (%s), want -EINVAL",
	      ret, err);
	f = fopen(file, "w");
	fputs("{\"dpdk\": {\"port\": \"net_null0\"}, \"colour\": 1}", f);
	fclose(f);
	ret = config_load(file, &c, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "colour: unknown key"),
	      "a bad key: %d (%s), want -EINVAL", ret, err);
	f = fopen(file, "w");
	fputs("{\"dpdk\": {\"port\": \"net_null0\", \"args\": [\"-l\", \"0\"]}}", f);
	fclose(f);
	ret = config_load(file, &c, err, sizeof(err));
	CHECK(ret == 0 && c.neal_args == 2 && !strcmp(c.port, "net_null0"),
	      "a good config: %d (%s)", ret, ret ? err : "");
	if (!ret)
		config_free(&c);
	unlink(file);
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

	errors();
	state_close();
	unlink(strcat(strcpy(err, dir), "/tenants.json"));
	rmdir(dir);
	if (!failed)
		printf("state: round trip, 14 kinds of bad file refused and left as they were, "
		       "and -errno for what cannot be opened, read or written\n");
	return failed;
}
