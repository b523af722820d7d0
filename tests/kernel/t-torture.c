// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own tortures on our arch, at 2 and at 4 CPUs (on a 2-core
 * machine the second is oversubscribed): locktorture, rcutorture and
 * scftorture, in the torture kernel (linux/arch/lib/configs/torture.config:
 * spinlock, atomic-sleep and CSD-lock debugging, a 5 s RCU stall timeout,
 * the soft-lockup detector), each for TORTURE_SECS, must end with "End of
 * test: SUCCESS" and leave no BUG, WARNING, stall, soft lockup or CSD-lock
 * report in the log.
 *
 * One torture per boot.  All three are built in and start at boot, but
 * kernel/torture.c runs one test at a time: the first to start, in link
 * (initcall) order locktorture, rcutorture, scftorture, holds it for the
 * whole boot and the later ones refuse to start.  So a boot that wants a
 * later one gives the earlier ones a torture_type they do not know: their
 * init then gives the test up again before it ran (and, with no
 * shutdown_secs of their own, does not power off).  The one wanted gets
 * shutdown_secs, which ends its test, prints its final statistics and
 * "End of test", and powers off: the boot's nuse_host_step() returns
 * -ESHUTDOWN.  Running all three together in one boot is not possible
 * (one at a time), and initcall_blacklist= needs KALLSYMS, which the
 * library kernel has not.
 *
 * A kernel boots once per process, so each boot is a child process; the
 * parent reads its log through a pipe, bounds it in time and judges it.
 *
 * The test boots its own CPU counts: under NUSE_TEST_CPUS > 1 (the suite's
 * second pass) it would only repeat itself, and skips; so it does in a
 * sanitizer build, whose kernel is the same object (sanitizers instrument
 * only the host side, here a loop).  A kernel with no torture in it (no
 * torture's "-torture:" in its log once booted) skips too.
 *
 * Before all that, the judge is shown a torture that must fail
 * (locktorture's lock_busted): a judge that passes it fails the test.
 * NUSE_TORTURE_SECS sets each boot's time (15 s); NUSE_TORTURE_DUMP=1
 * prints every boot's whole log.
 */
#define _GNU_SOURCE	/* memmem */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktest.h"

#define TORTURE_SECS	15
#define MEMORY		(256UL << 20)
/* The host's bound on a boot, beyond its shutdown_secs. */
#define SLACK_SECS	45
/* The check of the judge itself (busted() below). */
#define BUSTED_SECS	5

struct torture {
	const char *name;	/* module name, the parameters' prefix */
	const char *cmdline;	/* %d: shutdown_secs */
	const char *done;	/* its "End of test" line starts so */
	const char *stats[3];	/* its final statistics' lines contain these */
};

static const struct torture tortures[] = {
	{ "locktorture", "locktorture.shutdown_secs=%d",
	  "spin_lock-torture:--- End of test: SUCCESS",
	  { "Writes:", NULL } },
	{ "rcutorture", "locktorture.torture_type=none rcutorture.shutdown_secs=%d",
	  "rcu-torture:--- End of test: SUCCESS",
	  { "rtc:", "Reader Pipe:", "Free-Block Circulation:" } },
	{ "scftorture", "locktorture.torture_type=none rcutorture.torture_type=none "
	  "scftorture.holdoff=1 scftorture.shutdown_secs=%d",
	  "scftorture: --- End of test: SUCCESS",
	  { "scf_invoked_count", NULL } },
};

/* What the log must not say (the command line's own line is not read). */
static const char *const bad[] = {
	"FAILURE", "!!!", "BUG:", "WARNING:", "Oops", "Kernel panic",
	"detected stall", "stalls", "starved", "soft lockup",
	"non-responsive CSD", "INFO: ", "Call Trace", NULL
};

static int log_fd = -1;
/* A torture said something (the command line says "locktorture.", never
 * "-torture:"). */
static int torture_seen;

static void log_pipe(const char *msg, unsigned long len)
{
	if (memmem(msg, len, "-torture:", 9))
		torture_seen = 1;
	while (len) {
		ssize_t n = write(log_fd, msg, len);

		if (n <= 0)
			return;
		msg += n;
		len -= n;
	}
}

static void say(const char *s)
{
	log_pipe(s, strlen(s));
}

/* The child: boot, step until the torture powers the kernel off. */
static void __attribute__((noreturn)) child(const char *cmdline, unsigned int ncpus,
					    int secs)
{
	unsigned long long end;
	char msg[256];
	int err;

	err = nuse_host_boot_cpus(MEMORY, cmdline, log_pipe, ncpus);
	/* CPU 0 returns to the host only when it idles: with the torture's
	 * tasks always runnable there, the boot may last until its end. */
	if (err == -ESHUTDOWN)
		_exit(0);
	if (err) {
		fprintf(stderr, "t-torture: boot: %s\n", strerror(-err));
		snprintf(msg, sizeof(msg), "\nt-torture: boot: %s\n", strerror(-err));
		say(msg);
		_exit(2);
	}
	/* Every initcall has run: a torture built in has started by now. */
	if (!torture_seen) {
		say("\nt-torture: no torture test in this kernel\n");
		_exit(77);
	}
	end = nuse_host_now() + (secs + SLACK_SECS - 5) * 1000000000ULL;
	while ((err = nuse_host_step(100000000ULL)) == 0 && nuse_host_now() < end)
		;
	if (err == -ESHUTDOWN)
		_exit(0);
	if (err == -EIO) {
		snprintf(msg, sizeof(msg), "\nt-torture: panic: %s\n",
			 nuse_panic_message() ? nuse_panic_message() : "?");
		say(msg);
		_exit(3);
	}
	say(err ? "\nt-torture: the kernel stopped\n" : "\nt-torture: no power-off in time\n");
	_exit(4);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Boot in a child; its whole log in @log (NUL-terminated); its status. */
static int boot(const char *cmdline, unsigned int ncpus, int secs, char *log, size_t size)
{
	double end = now_s() + secs + SLACK_SECS;
	size_t len = 0;
	int fds[2], status;
	pid_t pid;

	KT_CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	KT_CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		log_fd = fds[1];
		child(cmdline, ncpus, secs);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		int left = (int)((end - now_s()) * 1000);
		char drop[4096];
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) == 0) {
			kill(pid, SIGKILL);
			fprintf(stderr, "t-torture: no end after %d s: killed\n", secs + SLACK_SECS);
			break;
		}
		if (len + 1 < size)
			n = read(fds[0], log + len, size - 1 - len);
		else
			n = read(fds[0], drop, sizeof(drop));	/* keep the start */
		if (n <= 0)
			break;
		if (len + 1 < size)
			len += n;
	}
	log[len] = '\0';
	close(fds[0]);
	KT_CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	return status;
}

/* The last line of @log that contains @what, or NULL; *n its length. */
static const char *last_line(const char *log, const char *what, int *n)
{
	const char *hit = NULL, *p = log, *e;

	while ((p = strstr(p, what))) {
		hit = p;
		p += strlen(what);
	}
	if (!hit)
		return NULL;
	while (hit > log && hit[-1] != '\n')
		hit--;
	e = strchr(hit, '\n');
	*n = e ? (int)(e - hit) : (int)strlen(hit);
	return hit;
}

/* The first bad word in a line of @log other than the command line's. */
static const char *bad_word(const char *log, const char **line, int *n)
{
	const char *p = log;

	while (*p) {
		const char *e = strchr(p, '\n');
		int len = e ? (int)(e - p) : (int)strlen(p);
		unsigned int i;

		if (!memmem(p, len, "Kernel command line:", 20))
			for (i = 0; bad[i]; i++)
				if (memmem(p, len, bad[i], strlen(bad[i]))) {
					*line = p;
					*n = len;
					return bad[i];
				}
		p += len + (e != NULL);
	}
	return NULL;
}

static void dump(const char *log)
{
	fputs("---- kernel log ----\n", stderr);
	fputs(log, stderr);
	fputs("---- end of kernel log ----\n", stderr);
}

/* Why @log (of a boot that ended with @status) is not a pass of @t, in
 * @why; 0 if it is one, 77 if this kernel has no torture at all. */
static int judge(const struct torture *t, int status, const char *log,
		 char *why, size_t size)
{
	const char *line, *word;
	int n;

	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		return 77;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, size, "the boot ended with status %#x", status);
		return 1;
	}
	word = bad_word(log, &line, &n);
	if (word) {
		snprintf(why, size, "\"%s\" in: %.*s", word, n, line);
		return 1;
	}
	if (!last_line(log, t->done, &n)) {
		snprintf(why, size, "no \"%s\"", t->done);
		return 1;
	}
	return 0;
}

/* Boot @t at @ncpus: 0 if it passed (its summary printed), 77 if this
 * kernel has no torture; fails the test otherwise. */
static int run(const struct torture *t, unsigned int ncpus, int secs, char *log, size_t size)
{
	char cmdline[256], why[512];
	const char *line;
	double t0 = now_s();
	int status, n, r;
	unsigned int i;

	snprintf(cmdline, sizeof(cmdline), t->cmdline, secs);
	status = boot(cmdline, ncpus, secs, log, size);
	r = judge(t, status, log, why, sizeof(why));
	if (r || getenv("NUSE_TORTURE_DUMP"))
		dump(log);
	if (r) {
		if (r == 77)
			return 77;
		KT_FAIL("%s at %u CPUs: %s", t->name, ncpus, why);
	}
	line = last_line(log, t->done, &n);
	printf("%s at %u CPUs, %.1f s: %.*s\n", t->name, ncpus, now_s() - t0, n, line);
	for (i = 0; i < 3 && t->stats[i]; i++) {
		line = last_line(log, t->stats[i], &n);
		KT_CHECK(line, "%s at %u CPUs: no \"%s\" statistics", t->name, ncpus,
			 t->stats[i]);
		printf("  %.*s\n", n, line);
	}
	fflush(stdout);
	return 0;
}

/* The judge must see a broken lock: locktorture's lock_busted (a lock
 * that excludes nothing), which the torture reports as a FAILURE when two
 * writers overlap.  Without the shuffler (which keeps a CPU free of the
 * test's tasks, at 2 CPUs all of them on one) and stutter, at 4 CPUs, the
 * writers run on several CPUs all the time. */
static int busted(char *log, size_t size)
{
	static const struct torture t = {
		"locktorture lock_busted",
		"locktorture.torture_type=lock_busted locktorture.shuffle_interval=0 "
		"locktorture.stutter=0 locktorture.shutdown_secs=%d",
		"lock_busted-torture:--- End of test: SUCCESS", { NULL }
	};
	char cmdline[256], why[512];
	int r;

	snprintf(cmdline, sizeof(cmdline), t.cmdline, BUSTED_SECS);
	r = judge(&t, boot(cmdline, 4, BUSTED_SECS, log, size), log, why, sizeof(why));
	if (!r || getenv("NUSE_TORTURE_DUMP"))
		dump(log);
	if (r == 77)
		return 77;
	if (!r) {
		KT_FAIL("%s passed", t.name);
	}
	printf("ok: %s at 4 CPUs fails as it must: %s\n", t.name, why);
	return 0;
}

int main(void)
{
	static const unsigned int cpus[] = { 2, 4 };
	static char log[4 << 20];
	const char *v = getenv("NUSE_TORTURE_SECS");
	int secs = v && *v ? atoi(v) : TORTURE_SECS;
	unsigned int c, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	printf("skip: a sanitizer build; its kernel is the normal build's, tortured there\n");
	return 77;
#endif
	if (kt_cpus() > 1) {
		printf("skip: t-torture boots 2 and 4 CPUs itself; the 1-CPU pass ran it\n");
		return 77;
	}
	KT_CHECK(secs >= 5 && secs <= 600, "NUSE_TORTURE_SECS=%s: 5 to 600", v);
	if (busted(log, sizeof(log)) == 77) {
		printf("skip: this kernel has no torture test built in\n");
		return 77;
	}
	for (c = 0; c < sizeof(cpus) / sizeof(cpus[0]); c++)
		for (i = 0; i < sizeof(tortures) / sizeof(tortures[0]); i++)
			if (run(&tortures[i], cpus[c], secs, log, sizeof(log)) == 77) {
				printf("skip: this kernel has no torture test built in\n");
				return 77;
			}
	printf("ok: locktorture, rcutorture, scftorture at 2 and 4 CPUs, %d s each\n", secs);
	return 0;
}
