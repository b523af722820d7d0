// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input gets Linux's own errors and the kernel keeps running: too
 * little memory, bad descriptors, bad lengths, unknown call numbers and
 * tasks, malformed requests.
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include "ktest.h"

static char log_text[65536];
static size_t log_len;

static void capture_log(const char *msg, unsigned long len)
{
	if (log_len + len < sizeof(log_text)) {
		memcpy(log_text + log_len, msg, len);
		log_len += len;
	}
}

static unsigned long long now_ns(void)
{
	return nuse_host_now();
}

/* Boot parameters the kernel refuses with a message, before it starts. */
static void boot_params_refused(void)
{
	static char mem[32 << 20] __attribute__((aligned(4096)));
	static const struct nuse_host_ops one_cpu_ops = { .time_ns = now_ns,
							  .log = capture_log };
	struct nuse_boot_params p = { .memory = mem, .memory_size = sizeof(mem),
				      .ops = &one_cpu_ops };
	unsigned char seed[300] = { 0 };

	log_len = 0;
	p.ncpus = NUSE_CPUS_MAX + 1;
	KT_ERR(nuse_boot(&p), EINVAL);
	KT_CHECK(strstr(log_text, "CPUs is more than"), "no message for 65 CPUs: %s", log_text);
	p.ncpus = 2;		/* no cpu_kick, cpu_idle: nothing to wake CPU 1 */
	KT_ERR(nuse_boot(&p), EINVAL);
	KT_CHECK(strstr(log_text, "need the host's cpu_kick"), "no message for no kick: %s",
		 log_text);
	p.ncpus = 1;
	p.seed = seed;
	p.seed_len = sizeof(seed);
	KT_ERR(nuse_boot(&p), EINVAL);
	KT_CHECK(strstr(log_text, "random seed is at most"), "no message for the seed: %s",
		 log_text);
	p.seed = NULL;
	p.seed_len = 32;
	KT_ERR(nuse_boot(&p), EINVAL);
	KT_ERR(nuse_run(), ENODEV);
}

int main(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char buf[16];
	long fd;
	int err;

	/* Refused before anything starts, with a message, and a proper
	 * boot is still possible afterwards. */
	err = nuse_host_boot(NUSE_MEMORY_MIN / 2, NULL, capture_log);
	KT_CHECK(err == -EINVAL, "small memory: boot returned %d", err);
	KT_CHECK(strstr(log_text, "below the minimum"),
		 "no clear message for small memory, log: %s", log_text);
	KT_ERR(nuse_boot(NULL), EINVAL);
	KT_ERR(nuse_run(), ENODEV);
	boot_params_refused();
	KT_ERR(nuse_host_boot_cpus(64UL << 20, NULL, capture_log, 0), EINVAL);
	KT_ERR(nuse_host_boot_cpus(64UL << 20, NULL, capture_log, NUSE_CPUS_MAX + 1), EINVAL);
	KT_ERR(nuse_cpu_run(0), EINVAL);		/* CPU 0 is nuse_run()'s */
	KT_ERR(nuse_cpu_run(NUSE_CPUS_MAX), EINVAL);
	KT_ERR(nuse_cpu_run(1), EAGAIN);		/* not up: not booted */
	KT_CHECK(nuse_cpu_next_deadline(100000) == ~0ULL, "a deadline for no CPU");

	kt_boot(64UL << 20);
	KT_ERR(nuse_host_boot(64UL << 20, NULL, NULL), EALREADY);

	KT_ERR(nuse_call3(1, NUSE_SYS_read, 9999, buf, sizeof(buf)), EBADF);
	KT_ERR(nuse_call1(1, NUSE_SYS_close, 12345), EBADF);
	KT_ERR(nuse_call3(1, NUSE_SYS_write, -1, buf, 1), EBADF);

	fd = KT_OK(nuse_call3(1, NUSE_SYS_socket, AF_INET, SOCK_STREAM, 0));
	KT_ERR(nuse_call3(1, NUSE_SYS_bind, fd, &sin, 1), EINVAL);
	KT_ERR(nuse_call5(1, NUSE_SYS_setsockopt, fd, SOL_SOCKET, SO_RCVBUF,
			  buf, 1), EINVAL);
	KT_ERR(nuse_call3(1, NUSE_SYS_socket, 12345, SOCK_STREAM, 0),
	       EAFNOSUPPORT);
	KT_ERR(nuse_call3(1, NUSE_SYS_listen, fd + 100, 1, 0), EBADF);
	KT_OK(nuse_call1(1, NUSE_SYS_close, fd));

	KT_ERR(nuse_call0(1, 9999), ENOSYS);
	KT_ERR(nuse_call0(1, -1), ENOSYS);
	KT_ERR(nuse_call0(1, NUSE_NR_SYSCALLS), ENOSYS);
	KT_ERR(nuse_call0(1, NUSE_CALL_BASE + 99), ENOSYS);
	KT_ERR(nuse_call1(1, NUSE_CALL_SPAWN, 0x100), EINVAL);

	KT_ERR(nuse_call0(4242, NUSE_SYS_getpid), ESRCH);
	KT_ERR(nuse_call0(0, NUSE_SYS_getpid), EINVAL);
	KT_ERR(nuse_call0(-7, NUSE_SYS_getpid), EINVAL);
	KT_ERR(nuse_syscall_submit(1, NULL), EINVAL);
	/* pid 2 exists but is a kernel thread: it takes no requests. */
	KT_ERR(nuse_call0(2, NUSE_SYS_getpid), ESRCH);
	KT_ERR(nuse_irq_raise(100000), EINVAL);

	/* Still serving. */
	KT_CHECK(nuse_call0(1, NUSE_SYS_getpid) == 1, "kernel stopped serving");
	kt_halt();
	printf("bad input refused with Linux's errors\n");
	return 0;
}
