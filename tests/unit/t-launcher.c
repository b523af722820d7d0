// SPDX-License-Identifier: GPL-2.0
/*
 * The launcher's rules without a launcher: which LAUNCHER_RUN messages it
 * takes, and that its jobs' seccomp filter lets a process start threads
 * but no other process (fork, posix_spawn, system: what iptables' -M
 * would need), while execve itself still works.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "launcher/launcher.h"
#include "launcher/launcher_int.h"
/* The code under test, built into the test: it has no other dependency. */
#include "launcher/launcher_rules.c"

static int failed;

#define CHECK(cond, ...) do { \
	if (cond) { printf("ok: "); printf(__VA_ARGS__); printf("\n"); } \
	else { printf("FAIL: "); printf(__VA_ARGS__); printf("\n"); failed = 1; } \
} while (0)

static char buf[LAUNCHER_MSG_MAX + 64];

/* A message with @argc words from @words, @tool, @tenant: its length. */
static size_t make(int tool, const char *tenant, int argc, const char *const words[])
{
	struct launcher_run *r = (struct launcher_run *)buf;
	size_t len = sizeof(*r);
	int i;

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < argc; i++) {
		memcpy(buf + len, words[i], strlen(words[i]) + 1);
		len += strlen(words[i]) + 1;
	}
	r->m.type = LAUNCHER_RUN;
	r->m.len = len;
	r->m.id = 7;
	r->m.value = tool;
	r->argc = argc;
	snprintf(r->tenant, sizeof(r->tenant), "%s", tenant);
	return len;
}

static int check(size_t len, const char **why)
{
	char *w[LAUNCHER_ARGS_MAX + 1];

	return launcher_check_run((struct launcher_run *)buf, len, w, why);
}

static void messages(void)
{
	static const char *const two[] = { "-w", "-L" };
	struct launcher_run *r = (struct launcher_run *)buf;
	char *w[LAUNCHER_ARGS_MAX + 1], big[LAUNCHER_ARG_LEN + 2];
	const char *many[LAUNCHER_ARGS_MAX + 1], *why = "";
	size_t len;
	int i;

	len = make(TOOL_RULE, "t", 2, two);
	CHECK(!launcher_check_run(r, len, w, &why) && !strcmp(w[0], "-w") && !strcmp(w[1], "-L") &&
	      !w[2], "a good message: its two words");
	len = make(TOOL_SAVE, "t", 0, NULL);
	CHECK(!check(len, &why), "no words at all");
	len = make(TOOL_RULE, "t", 2, two);
	CHECK(check(len - 1, &why) == -EINVAL, "a length that is not the message's: %s", why);
	CHECK(check(sizeof(*r) - 1, &why) == -EINVAL, "shorter than the header: %s", why);
	for (i = -1; i <= LAUNCHER_TOOLS; i += LAUNCHER_TOOLS + 1) {
		len = make(i, "t", 0, NULL);
		CHECK(check(len, &why) == -EINVAL, "tool %d: %s", i, why);
	}
	len = make(TOOL_RULE, "", 0, NULL);
	CHECK(check(len, &why) == -EINVAL, "no tenant: %s", why);
	len = make(TOOL_RULE, "t", 0, NULL);
	memset(r->tenant, 'x', sizeof(r->tenant));
	CHECK(check(len, &why) == -EINVAL, "a tenant without its NUL: %s", why);
	len = make(TOOL_RULE, "t", 2, two);
	r->argc = 3;
	CHECK(check(len, &why) == -EINVAL, "more words than there are: %s", why);
	r->argc = 1;
	CHECK(check(len, &why) == -EINVAL, "fewer words than there are: %s", why);
	len = make(TOOL_RULE, "t", 2, two);
	buf[len - 1] = 'x';
	CHECK(check(len, &why) == -EINVAL, "a last word without its NUL: %s", why);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	many[0] = big;
	len = make(TOOL_RULE, "t", 1, many);
	CHECK(check(len, &why) == -EINVAL, "a word of %zu bytes: %s", strlen(big), why);
	big[LAUNCHER_ARG_LEN] = '\0';
	len = make(TOOL_RULE, "t", 1, many);
	CHECK(!check(len, &why), "a word of %d bytes is fine", LAUNCHER_ARG_LEN);
	for (i = 0; i <= LAUNCHER_ARGS_MAX; i++)
		many[i] = "-v";
	len = make(TOOL_RULE, "t", LAUNCHER_ARGS_MAX + 1, many);
	CHECK(check(len, &why) == -EINVAL, "%d words: %s", LAUNCHER_ARGS_MAX + 1, why);
	len = make(TOOL_RULE, "t", LAUNCHER_ARGS_MAX, many);
	CHECK(!check(len, &why), "%d words are fine", LAUNCHER_ARGS_MAX);
}

static void *thread(void *arg)
{
	return arg;
}

/* In a child: 0 if the filter allows what it must and nothing else. */
static int confined(void)
{
	char *const argv[] = { "true", NULL };
	pthread_t t;
	pid_t p;
	int bad = 0, rc;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || launcher_no_spawn()) {
		printf("FAIL: cannot install the filter: %s\n", strerror(errno));
		return 1;
	}
	p = fork();
	if (p == 0)
		_exit(0);
	if (p >= 0 || errno != EPERM) {
		printf("FAIL: fork: %d (%s)\n", p, strerror(errno));
		bad = 1;
	}
	rc = posix_spawn(&p, "/bin/true", NULL, NULL, argv, NULL);
	if (!rc) {
		printf("FAIL: posix_spawn started pid %d\n", p);
		bad = 1;
	}
	rc = system("exit 0");
	if (rc == 0) {
		printf("FAIL: system() ran a shell\n");
		bad = 1;
	}
	if (pthread_create(&t, NULL, thread, NULL) || pthread_join(t, NULL)) {
		printf("FAIL: no thread\n");
		bad = 1;
	}
	if (!bad) {
		fflush(stdout);
		execv("/bin/true", argv);	/* the job's own execve works */
		printf("FAIL: execve: %s\n", strerror(errno));
	}
	return 1;
}

static void filter(void)
{
	int status;
	pid_t p;

	fflush(stdout);
	p = fork();
	if (p == 0)
		_exit(confined());
	waitpid(p, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "under the jobs' filter: no fork, posix_spawn or system; threads and execve work");
}

int main(void)
{
	messages();
	filter();
	return failed;
}
