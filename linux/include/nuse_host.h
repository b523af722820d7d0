/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nuse_host.h - host-side conveniences over <nuse.h> for programs that
 * give the kernel a thread of their own: memory from mmap, the monotonic
 * clock, a log sink, and synchronous calls.
 */
#ifndef NUSE_HOST_H
#define NUSE_HOST_H

#include <stddef.h>
#include <nuse.h>
#include <nuse_syscalls.h>

/* Where the kernel log goes; NULL means standard error. */
typedef void (*nuse_log_fn)(const char *msg, unsigned long len);

/* Map @memory bytes, boot, and set the kernel's wall clock from the
 * host's.  Returns 0 or -errno (see nuse_boot()). */
int nuse_host_boot(size_t memory, const char *cmdline, nuse_log_fn log);

/* The same with @ncpus CPUs (1..NUSE_CPUS_MAX): a thread of this
 * library runs each of CPUs 1..ncpus-1 until halt or panic; the calling
 * thread is CPU 0. */
int nuse_host_boot_cpus(size_t memory, const char *cmdline, nuse_log_fn log,
			unsigned int ncpus);

/* An eventfd that becomes readable when CPU @cpu is kicked (another CPU
 * or host thread has work for it): CPU 0's thread may poll it with its
 * own descriptors, then call nuse_host_cpu_clear(0) before running the
 * kernel.  -1 before boot. */
int nuse_host_cpu_fd(unsigned int cpu);
void nuse_host_cpu_clear(unsigned int cpu);

/* Work of the host's on CPU @cpu's thread (1..ncpus-1), run after each of
 * that CPU's runs: e.g. nuse_vnic_rx_queue() for the CPU's queues.  It
 * returns nonzero to have the CPU run again before it sleeps.  A hook
 * that waits for events of its own (a port's receive interrupt) sleeps
 * itself, until nuse_cpu_next_deadline(cpu) at the latest and watching
 * nuse_host_cpu_fd(cpu) too (then nuse_host_cpu_clear(cpu)), and returns
 * nonzero.  Set it before boot; 0, or -EINVAL for CPU 0 (the caller's own
 * loop) or none. */
typedef int (*nuse_host_cpu_fn)(unsigned int cpu, void *arg);
int nuse_host_set_cpu_hook(unsigned int cpu, nuse_host_cpu_fn fn, void *arg);

/* Halt and give the memory back; the CPU threads are joined. */
int nuse_host_halt(void);
/* 1 while a thread of idle priority still touches the kernel's memory
 * ahead of it (started by the boot; NUSE_PREFAULT=0 in the environment
 * leaves the pages to be touched as the kernel uses them), else 0. */
int nuse_host_prefaulting(void);

/*
 * Run one call to completion on task @pid and return its result.  The
 * calling thread drives the kernel meanwhile, sleeping until its next
 * timer when it is idle; calls that wait for another host thread's
 * events belong to nuse_syscall_submit() instead.  Returns -EIO if the
 * kernel panics, -ESHUTDOWN once it is halted.
 */
long nuse_call(int pid, long nr, long a0, long a1, long a2, long a3,
	       long a4, long a5);

#define nuse_call0(pid, nr)		nuse_call(pid, nr, 0, 0, 0, 0, 0, 0)
#define nuse_call1(pid, nr, a)		nuse_call(pid, nr, (long)(a), 0, 0, 0, 0, 0)
#define nuse_call2(pid, nr, a, b)	nuse_call(pid, nr, (long)(a), (long)(b), 0, 0, 0, 0)
#define nuse_call3(pid, nr, a, b, c)	\
	nuse_call(pid, nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define nuse_call4(pid, nr, a, b, c, d)	\
	nuse_call(pid, nr, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define nuse_call5(pid, nr, a, b, c, d, e)	\
	nuse_call(pid, nr, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define nuse_call6(pid, nr, a, b, c, d, e, f)	\
	nuse_call(pid, nr, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* Drive the kernel until @call is done or the kernel stops. */
int nuse_host_wait(struct nuse_syscall *call);

/* Run the kernel once, then sleep until its next timer but at most
 * @max_ns nanoseconds. */
int nuse_host_step(unsigned long long max_ns);

/* The host's monotonic clock in nanoseconds. */
unsigned long long nuse_host_now(void);

#endif /* NUSE_HOST_H */
