// SPDX-License-Identifier: GPL-2.0
/*
 * What the launcher (launcher.c) accepts and what its jobs may do: the
 * check of a LAUNCHER_RUN message and the jobs' seccomp filter.  Pure,
 * so that tests/unit/t-launcher tries both without a launcher.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "launcher/launcher.h"
#include "launcher/launcher_int.h"

/* Checked words of a LAUNCHER_RUN into @words (NULL-terminated). */
int launcher_check_run(const struct launcher_run *r, size_t len, char *words[],
		       const char **why)
{
	const char *p = (const char *)(r + 1), *end = (const char *)r + len;
	size_t n;
	uint32_t i;

	*why = "too short, or not the length received";
	if (len < sizeof(*r) || r->m.len != len)
		return -EINVAL;
	*why = "no such tool";
	if (r->m.value < 0 || r->m.value >= LAUNCHER_TOOLS)
		return -EINVAL;
	*why = "a bad tenant name";
	n = strnlen(r->tenant, sizeof(r->tenant));
	if (!n || n == sizeof(r->tenant))
		return -EINVAL;
	*why = "too many words";
	if (r->argc > LAUNCHER_ARGS_MAX)
		return -EINVAL;
	for (i = 0; i < r->argc; i++) {
		*why = "a word runs past the message or is too long";
		n = strnlen(p, end - p);
		if (p + n == end || n > LAUNCHER_ARG_LEN)
			return -EINVAL;
		words[i] = (char *)p;
		p += n + 1;
	}
	*why = "bytes after the last word";
	if (p != end)
		return -EINVAL;
	words[i] = NULL;
	return 0;
}

#if defined(__x86_64__)
#define ARCH_NR		AUDIT_ARCH_X86_64
#define NR_FORK		__NR_fork
#define NR_VFORK	__NR_vfork
#define NR_X32		__X32_SYSCALL_BIT
#elif defined(__aarch64__)
#define ARCH_NR		AUDIT_ARCH_AARCH64
#define NR_FORK		0xffffffffu	/* no such calls: never matched */
#define NR_VFORK	0xffffffffu
#define NR_X32		0xffffffffu
#endif

int launcher_no_spawn(void)
{
#ifdef ARCH_NR
	/* clone3's flags are in memory a filter cannot read: ENOSYS makes
	 * glibc fall back to clone, whose flags it can.  A thread is
	 * CLONE_THREAD; anything else would be a new process. */
	struct sock_filter f[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_NR, 1, 0),
		/* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		/* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, NR_X32, 7, 0),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 7, 0),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_FORK, 5, 0),
		/* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_VFORK, 4, 0),
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 2),
		/* 9 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		/* 10 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1),
		/* 11 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 12 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		/* 13 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) ? -errno : 0;
#else
	return -ENOSYS;		/* fail closed: no job runs unconfined */
#endif
}
