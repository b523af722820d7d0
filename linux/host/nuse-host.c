// SPDX-License-Identifier: GPL-2.0
/*
 * Host services for the library kernel, compiled with host flags: memory,
 * clock, log and sleep from libc, and synchronous calls built on
 * nuse_syscall_submit().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/mman.h>

#include "nuse_host.h"
#include "nuse_tsan.h"

static void *host_memory;
static size_t host_memory_size;
static nuse_log_fn host_log_fn;

unsigned long long nuse_host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void host_sleep_until(unsigned long long deadline)
{
	struct timespec ts = {
		.tv_sec = deadline / 1000000000ULL,
		.tv_nsec = deadline % 1000000000ULL,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void host_log(const char *msg, unsigned long len)
{
	if (host_log_fn)
		host_log_fn(msg, len);
	else
		fwrite(msg, 1, len, stderr);
}

/*
 * The CPUs' host threads.  Each CPU has an eventfd that kicks it: the
 * kernel writes it (cpu_kick) when it raises an interrupt for a CPU whose
 * thread is outside the kernel, and the thread sleeps in poll() on it
 * until then or its next timer (cpu_idle).
 */
static unsigned int host_ncpus;
static int host_cpu_fds[NUSE_CPUS_MAX] = { [0 ... NUSE_CPUS_MAX - 1] = -1 };
static pthread_t host_cpu_threads[NUSE_CPUS_MAX];
static volatile int host_cpus_quit;
static struct {
	nuse_host_cpu_fn fn;
	void *arg;
} host_cpu_hooks[NUSE_CPUS_MAX];

int nuse_host_set_cpu_hook(unsigned int cpu, nuse_host_cpu_fn fn, void *arg)
{
	if (cpu == 0 || cpu >= NUSE_CPUS_MAX)
		return -EINVAL;
	host_cpu_hooks[cpu].fn = fn;
	host_cpu_hooks[cpu].arg = arg;
	return 0;
}

static void host_cpu_kick(unsigned int cpu)
{
	uint64_t one = 1;

	if (cpu < NUSE_CPUS_MAX && host_cpu_fds[cpu] >= 0)
		while (write(host_cpu_fds[cpu], &one, sizeof(one)) < 0 && errno == EINTR)
			;
}

void nuse_host_cpu_clear(unsigned int cpu)
{
	uint64_t n;

	if (cpu < NUSE_CPUS_MAX && host_cpu_fds[cpu] >= 0)
		while (read(host_cpu_fds[cpu], &n, sizeof(n)) < 0 && errno == EINTR)
			;
}

int nuse_host_cpu_fd(unsigned int cpu)
{
	return cpu < NUSE_CPUS_MAX ? host_cpu_fds[cpu] : -1;
}

static void host_cpu_idle(unsigned int cpu, unsigned long long deadline)
{
	struct pollfd pfd = { .fd = host_cpu_fds[cpu], .events = POLLIN };
	unsigned long long now = nuse_host_now(), wait;
	struct timespec ts, *tsp = NULL;

	if (pfd.fd < 0) {
		if (deadline != ~0ULL)
			host_sleep_until(deadline);
		return;
	}
	if (deadline != ~0ULL) {
		wait = deadline > now ? deadline - now : 0;
		ts.tv_sec = wait / 1000000000ULL;
		ts.tv_nsec = wait % 1000000000ULL;
		tsp = &ts;
	}
	if (ppoll(&pfd, 1, tsp, NULL) > 0)
		nuse_host_cpu_clear(cpu);
}

static const struct nuse_host_ops host_ops = {
	.time_ns	= nuse_host_now,
	.log		= host_log,
	.sleep_until	= host_sleep_until,
	.cpu_idle	= host_cpu_idle,
};

/* With several CPUs the kernel kicks sleeping threads; with one, the only
 * thread is the caller's, which looks at the kernel after every event. */
static const struct nuse_host_ops host_ops_smp = {
	.time_ns	= nuse_host_now,
	.log		= host_log,
	.sleep_until	= host_sleep_until,
	.cpu_kick	= host_cpu_kick,
	.cpu_idle	= host_cpu_idle,
};

static void *host_cpu_thread(void *arg)
{
	unsigned int cpu = (unsigned int)(uintptr_t)arg;
	int err;

	while (!host_cpus_quit) {
		err = nuse_cpu_run(cpu);
		if (err == -EIO || err == -ESHUTDOWN || err == -EINVAL)
			break;
		if (!err && host_cpu_hooks[cpu].fn &&
		    host_cpu_hooks[cpu].fn(cpu, host_cpu_hooks[cpu].arg))
			continue;
		host_cpu_idle(cpu, err == -EAGAIN ? ~0ULL : nuse_cpu_next_deadline(cpu));
	}
	return NULL;
}

static void host_cpus_stop(void)
{
	unsigned int cpu;

	host_cpus_quit = 1;
	for (cpu = 1; cpu < host_ncpus; cpu++) {
		host_cpu_kick(cpu);
		pthread_join(host_cpu_threads[cpu], NULL);
	}
	for (cpu = 0; cpu < host_ncpus; cpu++) {
		close(host_cpu_fds[cpu]);
		host_cpu_fds[cpu] = -1;
	}
	host_ncpus = 0;
}

/* CPU 0's eventfd, and a thread for each other CPU, every signal blocked
 * there (the process's handlers run on its own threads). */
static int host_cpus_start(unsigned int ncpus)
{
	sigset_t all, old;
	unsigned int cpu;
	char name[16];
	int err = 0;

	host_cpus_quit = 0;
	for (cpu = 0; cpu < ncpus; cpu++) {
		host_cpu_fds[cpu] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (host_cpu_fds[cpu] < 0) {
			err = -errno;
			host_ncpus = cpu;
			host_cpus_stop();
			return err;
		}
	}
	host_ncpus = 1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (cpu = 1; cpu < ncpus && !err; cpu++) {
		err = -pthread_create(&host_cpu_threads[cpu], NULL, host_cpu_thread,
				      (void *)(uintptr_t)cpu);
		if (!err) {
			snprintf(name, sizeof(name), "nuse-cpu%u", cpu);
			pthread_setname_np(host_cpu_threads[cpu], name);
			host_ncpus = cpu + 1;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		for (cpu = host_ncpus; cpu < ncpus; cpu++) {
			close(host_cpu_fds[cpu]);
			host_cpu_fds[cpu] = -1;
		}
		host_cpus_stop();
	}
	return err;
}

/* The kernel's wall clock starts at the epoch: set it from the host's.
 * It then advances with the monotonic clock, as all the kernel's time
 * does; later steps of the host's wall clock are not followed. */
static int host_set_realtime(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts))
		return -errno;
	return nuse_call2(1, NUSE_SYS_clock_settime, CLOCK_REALTIME, &ts);
}

/* The kernel's memory: anonymous, touched as the kernel uses it, on
 * 2 MiB boundaries and advised to be huge pages, which the host gives
 * where its transparent huge pages are "always" or "madvise".  A
 * tenant's allocations land on many pages: with 4 KiB ones, first
 * touches (a fault and a clear each) and TLB misses made creating a
 * tenant 1.6x slower (bench-tenant: 0.33 against 0.21 ms).  Where the
 * host has no THP the advice is refused and nothing else changes. */
#define HOST_HUGE	(2UL << 20)

static void *host_region(size_t memory)
{
	size_t used = (memory + 4095) & ~4095UL, len = used + HOST_HUGE, head;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	head = -(uintptr_t)p & (HOST_HUGE - 1);
	if (head)
		munmap(p, head);
	munmap(p + head + used, len - head - used);
	p += head;
	madvise(p, memory, MADV_HUGEPAGE);
	return p;
}

/* Then the pages are touched ahead of the kernel, from the bottom up (as
 * the kernel's page allocator hands them out after boot, mincore() shows),
 * by a thread of SCHED_IDLE: it runs only on a core nothing else wants.
 * On this project's VMs a huge page's first touch costs the host ~8 ms
 * (it backs the guest's memory as it is first written), which fell on
 * every ninth tenant created.  A locked OR of zero writes the byte back
 * as it was, atomically against the kernel's own stores. */
/*
 * The prefault thread runs at SCHED_IDLE, so on a busy host it may not
 * run for seconds: a halt never waits for it.  Whichever of the two is
 * last, the thread at its end or the halt, unmaps the memory (the other
 * has left a mark in @state), and each run of it has its own record,
 * so a boot after a halt never meets the last one's thread.
 */
enum { PREFAULT_RUNNING, PREFAULT_DONE, PREFAULT_UNMAP };

struct host_prefault_run {
	char *mem;
	size_t mem_size, size;		/* mapped, to touch */
	atomic_bool stop;
	atomic_int state;
};

static struct host_prefault_run *host_prefault_run;

static void host_touch(char *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("lock orb $0, %0" : "+m"(*p));
#else
	__atomic_fetch_or(p, 0, __ATOMIC_RELAXED);
#endif
}

static void *host_prefault(void *arg)
{
	struct host_prefault_run *r = arg;
	struct sched_param sp = { 0 };
	char *p = r->mem, *end = p + r->size;

	pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	for (; p < end && !atomic_load_explicit(&r->stop, memory_order_relaxed); p += HOST_HUGE)
		host_touch(p);
	if (atomic_exchange(&r->state, PREFAULT_DONE) == PREFAULT_UNMAP) {
		munmap(r->mem, r->mem_size);	/* halted meanwhile: ours to free */
		free(r);
	}
	return NULL;
}

int nuse_host_prefaulting(void)
{
	return host_prefault_run && atomic_load(&host_prefault_run->state) == PREFAULT_RUNNING;
}

static void host_prefault_start(void)
{
#ifndef NUSE_TSAN	/* its touches are races to TSan */
	const char *env = getenv("NUSE_PREFAULT");
	long free_pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	struct host_prefault_run *r;
	pthread_attr_t attr;
	pthread_t t;

	if (env && !strcmp(env, "0"))
		return;
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->mem = host_memory;
	r->mem_size = host_memory_size;
	/* never more than half of what the host has free: a kernel.memory
	 * larger than the host's memory stays touched only as it is used */
	r->size = host_memory_size;
	if (free_pages > 0 && page > 0 && r->size > (size_t)free_pages / 2 * page)
		r->size = (size_t)free_pages / 2 * page;
	r->size &= ~(HOST_HUGE - 1);
	atomic_init(&r->stop, false);
	atomic_init(&r->state, PREFAULT_RUNNING);
	/* detached: a daemon that exits without a halt (a panic) leaves
	 * no thread to join */
	if (pthread_attr_init(&attr)) {
		free(r);
		return;
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, host_prefault, r))
		free(r);
	else
		host_prefault_run = r;
	pthread_attr_destroy(&attr);
#endif
}

/* The memory is no longer the kernel's: unmapped now, or by the thread
 * when it next runs. */
static void host_memory_release(void)
{
	struct host_prefault_run *r = host_prefault_run;

	host_prefault_run = NULL;
	if (r) {
		atomic_store(&r->stop, true);
		if (atomic_exchange(&r->state, PREFAULT_UNMAP) == PREFAULT_RUNNING)
			return;		/* the thread unmaps, and frees @r */
		free(r);
	}
	munmap(host_memory, host_memory_size);
}

int nuse_host_boot(size_t memory, const char *cmdline, nuse_log_fn log)
{
	return nuse_host_boot_cpus(memory, cmdline, log, 1);
}

int nuse_host_boot_cpus(size_t memory, const char *cmdline, nuse_log_fn log,
			unsigned int ncpus)
{
	struct nuse_boot_params params;
	unsigned char seed[64];
	void *region = NULL;
	int err;

	host_log_fn = log;
	if (getrandom(seed, sizeof(seed), 0) != sizeof(seed))
		return errno ? -errno : -EIO;
	if (ncpus < 1 || ncpus > NUSE_CPUS_MAX)
		return -EINVAL;
	if (host_ncpus)
		return -EALREADY;
	if (memory >= NUSE_MEMORY_MIN) {
		region = host_region(memory);
		if (!region)
			return -errno;
	}
	err = host_cpus_start(ncpus);
	if (err) {
		if (region)
			munmap(region, memory);
		return err;
	}
	params = (struct nuse_boot_params){
		.memory		= region,
		.memory_size	= region ? memory : 0,
		.cmdline	= cmdline,
		.ops		= ncpus > 1 ? &host_ops_smp : &host_ops,
		.ncpus		= ncpus,
		.seed		= seed,
		.seed_len	= sizeof(seed),
	};
	if (!region)	/* let the kernel say why it refuses */
		params.memory_size = memory;
	err = nuse_boot(&params);
	explicit_bzero(seed, sizeof(seed));
	if (err == -EINVAL || err == -EALREADY) {
		host_cpus_stop();
		if (region)
			munmap(region, memory);
		return err;
	}
	host_memory = region;
	host_memory_size = memory;
	if (region)
		host_prefault_start();
	if (!err)
		err = host_set_realtime();
	return err;
}

int nuse_host_halt(void)
{
	int err = nuse_halt();

	if (err == 0)
		host_cpus_stop();
	if (err == 0 && host_memory) {
		host_memory_release();
		host_memory = NULL;
	}
	return err;
}

static void host_idle_sleep(unsigned long long max_ns)
{
	unsigned long long limit = nuse_host_now() + max_ns;
	unsigned long long deadline = nuse_next_deadline();

	host_cpu_idle(0, deadline < limit ? deadline : limit);
}

int nuse_host_step(unsigned long long max_ns)
{
	int err = nuse_run();

	if (!err)
		host_idle_sleep(max_ns);
	return err;
}

static void host_call_done(struct nuse_syscall *call)
{
	*(int *)call->priv = 1;
}

int nuse_host_wait(struct nuse_syscall *call)
{
	volatile int *done = call->priv;
	int err;

	while (!*done) {
		err = nuse_run();
		if (err)
			return err;
		if (*done)
			break;
		/* Nothing to do until the next timer, or until another host
		 * thread rings; look again at least every millisecond. */
		host_idle_sleep(1000000ULL);
	}
	return 0;
}

long nuse_call(int pid, long nr, long a0, long a1, long a2, long a3,
	       long a4, long a5)
{
	int done = 0;
	struct nuse_syscall call = {
		.nr	= nr,
		.args	= { a0, a1, a2, a3, a4, a5 },
		.done	= host_call_done,
		.priv	= &done,
	};
	int err;

	err = nuse_syscall_run(pid, &call);
	if (!err && !done)
		err = nuse_host_wait(&call);
	return err ? err : call.ret;
}

