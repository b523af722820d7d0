// SPDX-License-Identifier: GPL-2.0
/*
 * The state file: what is written reads back the same; a missing file is
 * no tenants; every kind of bad file (truncated, corrupt, another version,
 * a key too many, a tenant twice, a bad tenant, empty) is refused with
 * -EINVAL and a message naming the file and where, and is left as it was.
 * What cannot be opened, read or written is the real -errno; so is a
 * config file that cannot be opened, and a bad one is -EINVAL.
 * The journal: changes to a large file are appended, a restart after a
 * crash replays them in order (a moved tenant last, a deleted one gone),
 * an unfinished last record and a journal of an older generation are
 * ignored, a bad record is refused naming its line, and the file is
 * written whole again after a start, at a clean stop and when the journal
 * outgrows a quarter of it.
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

/* The whole of file @name, or NULL (malloc'ed, @len its size). */
static char *slurp(const char *name, size_t *len)
{
	char path[128], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	*len = fread(buf, 1, n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void spit(const char *name, const char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fwrite(buf, 1, len, f);
	fclose(f);
}

/* A tenant object named @name with a payload that makes the file large. */
static void set(const char *name, int n)
{
	char one[512];
	json_t *j;

	snprintf(one, sizeof(one), "{\"name\": \"%s\", \"vnics\": [], \"sysctls\": "
		 "{\"net.ipv4.ip_default_ttl\": \"%d\"}}", name, 1 + n % 250);
	j = json_loads(one, 0, NULL);
	state_update(name, j);
	json_decref(j);
}

/* Open again and load: the tenants' names in order, "a,b,c", or
 * "error: ..." (and the tenants back in memory, as a restore puts them). */
static const char *names(void)
{
	static char out[8192];
	struct tenant_spec *t;
	char err[1024];
	size_t o = 0;
	int n, i, ret;

	out[0] = '\0';
	ret = state_open(dir, getuid(), getgid());
	if (!ret)
		ret = state_load(&t, &n, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "state_open: %s", strerror(-ret));
	if (ret) {
		snprintf(out, sizeof(out), "error: %s", err);
		return out;
	}
	for (i = 0; i < n; i++) {
		o += snprintf(out + o, sizeof(out) - o, "%s%s", i ? "," : "", t[i].name);
		set(t[i].name, i);
		tenant_spec_free(&t[i]);
	}
	free(t);
	return out;
}

/* The crash: the files as they are now come back after a clean close
 * (which writes the file whole). */
static void crash(void)
{
	size_t flen, jlen;
	char *f = slurp("tenants.json", &flen), *j = slurp("tenants.journal", &jlen);

	state_close();
	spit("tenants.json", f, flen);
	if (j)
		spit("tenants.journal", j, jlen);
	free(f);
	free(j);
}

static void journal(void)
{
	char name[32], want[8192], *j, *f0, *f1;
	size_t o = 0, jlen, flen0, flen1;
	const char *got;
	int i, ret;

	state_close();
	put("{\"version\": 1, \"tenants\": [\n]}\n");
	CHECK(!strcmp(names(), ""), "an empty state to start from");
	state_journal_min(2048);
	for (i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "t%02d", i);
		set(name, i);
	}
	CHECK(state_save() == 0, "save 60 tenants");
	f0 = slurp("tenants.json", &flen0);
	CHECK(f0 && flen0 > 2048 && !slurp("tenants.journal", &jlen),
	      "the first save is whole: %zu bytes, no journal", flen0);

	/* changed, deleted, created, deleted and created again (last) */
	set("t05", 99);
	CHECK(state_save() == 0, "save t05");
	state_update("t07", NULL);
	set("new", 1);
	CHECK(state_save() == 0, "save t07, new");
	state_update("t03", NULL);
	set("t03", 3);
	CHECK(state_save() == 0, "save t03");
	f1 = slurp("tenants.json", &flen1);
	j = slurp("tenants.journal", &jlen);
	CHECK(f1 && flen1 == flen0 && !memcmp(f0, f1, flen0), "the file was not written again");
	CHECK(j && strstr(j, "{\"deleted\":\"t07\"}\n") && strstr(j, "\"name\":\"new\""),
	      "the journal holds the changes: %s", j ? j : "(none)");
	CHECK(j && strstr(j, "{\"deleted\":\"t03\"}\n{\"tenant\":{\"name\":\"t03\""),
	      "a tenant created again: deleted, then created");
	for (i = 0; i < 60; i++)
		if (i != 7 && i != 3)
			o += sprintf(want + o, "%st%02d", o ? "," : "", i);
	sprintf(want + o, ",new,t03");

	crash();
	got = names();
	CHECK(!strcmp(got, want), "replayed after a crash: %s, want %s", got, want);
	CHECK(state_save() == 0, "the save after a start");
	free(j);
	j = slurp("tenants.journal", &jlen);
	CHECK(!j, "the save after a start is whole: the journal is gone");
	free(f1);
	f1 = slurp("tenants.json", &flen1);
	CHECK(f1 && strstr(f1, "\"generation\": 1,"), "the file's generation moved: %.60s",
	      f1 ? f1 : "(none)");

	/* an unfinished last record is ignored; the ones before it count */
	set("t10", 7);
	CHECK(state_save() == 0, "save t10");
	state_update("t11", NULL);
	CHECK(state_save() == 0, "save t11");
	crash();
	free(j);
	j = slurp("tenants.journal", &jlen);
	CHECK(j && jlen > 10, "a journal");
	if (j) {
		char *cut = strstr(j, "{\"deleted\":\"t11\"}");

		CHECK(cut, "t11's record: %s", j);
		if (cut)
			spit("tenants.journal", j, cut - j + 8);
	}
	got = names();
	CHECK(strstr(got, "t11") && strstr(got, "t10"), "an unfinished record ignored: %s", got);

	/* a journal of an older generation is ignored */
	CHECK(state_save() == 0, "the save after a start");
	if (j)
		spit("tenants.journal", j, jlen);	/* generation 1, the file's is 2 */
	state_close();
	got = names();
	CHECK(strstr(got, "t11"), "a stale journal ignored: %s", got);

	/* a bad record: refused, naming the file and the line */
	state_close();
	free(f1);
	f1 = slurp("tenants.json", &flen1);
	{
		char bad[256];
		const char *g = strstr(f1, "\"generation\": ");
		long long gen = g ? atoll(g + 14) : -1;

		snprintf(bad, sizeof(bad), "{\"generation\": %lld}\n{\"deleted\":\"t01\"}\n"
			 "{\"tenant\":{\"name\":\"x\",\"colour\":1}}\n", gen);
		spit("tenants.journal", bad, strlen(bad));
		got = names();
		CHECK(strstr(got, "error:") && strstr(got, "tenants.journal: line 3") &&
		      strstr(got, "colour"), "a bad record: %s", got);
		snprintf(bad, sizeof(bad), "{\"generation\": %lld}\n{\"deleted\":1}\n", gen);
		spit("tenants.journal", bad, strlen(bad));
		state_close();
		got = names();
		CHECK(strstr(got, "error:") && strstr(got, "line 2: not a record"),
		      "not a record: %s", got);
		state_close();
		path_in(bad, sizeof(bad), "tenants.journal");
		unlink(bad);
	}

	/* a clean stop leaves the file whole */
	got = names();
	CHECK(!strncmp(got, "t00,", 4), "loaded again: %.40s", got);
	ret = state_save();
	set("t20", 1);
	CHECK(ret == 0 && state_save() == 0, "save t20");
	free(j);
	j = slurp("tenants.journal", &jlen);
	CHECK(j, "t20 is journaled");
	state_close();
	free(j);
	j = slurp("tenants.journal", &jlen);
	CHECK(!j, "a clean stop removed the journal");

	/* the journal outgrows a quarter of the file: written whole */
	got = names();
	CHECK(state_save() == 0, "the save after a start");
	for (i = 0; i < 40; i++) {
		set("t30", i);
		CHECK(state_save() == 0, "save %d", i);
	}
	free(j);
	j = slurp("tenants.journal", &jlen);
	CHECK(!j || jlen <= flen1 / 4 + 200, "the journal stays under a quarter of the file: %zu",
	      j ? jlen : 0);
	state_journal_min(64 * 1024);
	state_close();
	free(j);
	free(f0);
	free(f1);
	path_in(want, sizeof(want), "tenants.journal");
	unlink(want);
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
	journal();
	state_close();
	unlink(strcat(strcpy(err, dir), "/tenants.json"));
	rmdir(dir);
	if (!failed)
		printf("state: round trip, 14 kinds of bad file refused and left as they were, "
		       "-errno for what cannot be opened, read or written, and the journal\n");
	return failed;
}
