// SPDX-License-Identifier: GPL-2.0
/*
 * Library tasks have no user registers to trace or dump: the generic
 * ptrace and stack-dump code get empty answers.
 */
#include <linux/ptrace.h>
#include <linux/regset.h>
#include <linux/sched/debug.h>

static const struct user_regset_view lib_regset_view = {
	.name	= "lib",
};

const struct user_regset_view *task_user_regset_view(struct task_struct *t)
{
	return &lib_regset_view;
}

void ptrace_disable(struct task_struct *child)
{
}

long arch_ptrace(struct task_struct *child, long request,
		 unsigned long addr, unsigned long data)
{
	return ptrace_request(child, request, addr, data);
}

void show_stack(struct task_struct *task, unsigned long *sp,
		const char *loglvl)
{
	printk("%s(no stack trace in the library kernel)\n", loglvl);
}
