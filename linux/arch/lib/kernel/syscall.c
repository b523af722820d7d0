// SPDX-License-Identifier: GPL-2.0
/*
 * System calls from the host.
 *
 * Every task that is not a kernel thread runs, in "user mode", a loop that
 * takes requests from its queue and executes them: that loop is the only
 * user space a library task has.  The host queues requests from any thread
 * with nuse_syscall_submit() and rings LIB_IRQ_SYSCALL; the interrupt moves
 * them to their task's queue.  Finished requests wait on a list until the
 * owner thread is back on its own stack (nuse_run), where done() runs.
 */
#include <linux/syscalls.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/stat.h>
#include <linux/resume_user_mode.h>
#include <linux/interrupt.h>
#include <linux/slab.h>
#include <linux/pid.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <asm/unistd.h>
#include "lib.h"

typedef long (*lib_syscall_fn)(long, long, long, long, long, long);

/* Calls whose generic entry an architecture must supply: none here. */
#define sys_mmap		sys_ni_syscall
#define sys_rt_sigreturn	sys_ni_syscall

#undef __SYSCALL
#define __SYSCALL(nr, call)	[nr] = (void *)(call),

static void *const lib_sys_call_table[__NR_syscalls] = {
	[0 ... __NR_syscalls - 1] = (void *)sys_ni_syscall,
#include <asm/unistd.h>
};

struct lib_session {
	struct nuse_syscall	*head;
	struct nuse_syscall	**tail;
	bool			waiting;
};

/* Submitted by the host, newest first; moved by the doorbell interrupt. */
static struct nuse_syscall *submitted;
/* Finished, oldest first; handed back on the host's stack. */
static struct nuse_syscall *done_head, **done_tail = &done_head;

int nuse_syscall_submit(int pid, struct nuse_syscall *call)
{
	struct nuse_syscall *old;

	if (!call || pid <= 0)
		return -EINVAL;
	call->pid = pid;
	old = __atomic_load_n(&submitted, __ATOMIC_RELAXED);
	do {
		call->next = old;
	} while (!__atomic_compare_exchange_n(&submitted, &old, call, true,
					      __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
	return nuse_irq_raise(LIB_IRQ_SYSCALL);
}

static void lib_call_done(struct nuse_syscall *call, long ret)
{
	unsigned long flags;

	call->ret = ret;
	call->next = NULL;
	local_irq_save(flags);
	*done_tail = call;
	done_tail = &call->next;
	local_irq_restore(flags);
}

/* On the host's stack, after the kernel went idle. */
void lib_syscall_run_done(void)
{
	struct nuse_syscall *call, *next;

	call = done_head;
	done_head = NULL;
	done_tail = &done_head;
	for (; call; call = next) {
		next = call->next;
		call->next = NULL;
		if (call->done)
			call->done(call);
	}
}

/* A task parked in user mode, and the call the host handed it directly. */
static int parked_pid;
static struct nuse_syscall *direct_call;

int nuse_syscall_run(int pid, struct nuse_syscall *call)
{
	int err;

	if (!call || pid <= 0)
		return -EINVAL;
	if (pid != parked_pid)
		err = nuse_syscall_submit(pid, call);
	else {
		call->pid = pid;
		call->next = NULL;
		direct_call = call;
		err = 0;
	}
	return err ? err : nuse_run();
}

/* The task the host called last: most calls go to the same few tasks. */
static struct task_struct *last_task;
static int last_pid;

static struct task_struct *lib_session_task(int pid)
{
	struct task_struct *task;

	if (pid == last_pid && last_task)
		return last_task;
	task = find_task_by_pid_ns(pid, &init_pid_ns);
	if (task && task->thread.session) {
		last_pid = pid;
		last_task = task;
	}
	return task;
}

static void lib_session_queue(struct nuse_syscall *call)
{
	struct task_struct *task;
	struct lib_session *s = NULL;

	rcu_read_lock();
	task = lib_session_task(call->pid);
	if (task)
		s = task->thread.session;
	if (!s) {
		rcu_read_unlock();
		lib_call_done(call, -ESRCH);
		return;
	}
	call->next = NULL;
	*s->tail = call;
	s->tail = &call->next;
	if (s->waiting)
		wake_up_process(task);
	rcu_read_unlock();
}

static void lib_syscall_interrupt(void)
{
	struct nuse_syscall *list, *fifo = NULL, *next;

	list = __atomic_exchange_n(&submitted, NULL, __ATOMIC_ACQUIRE);
	for (; list; list = next) {	/* newest first: reverse */
		next = list->next;
		list->next = fifo;
		fifo = list;
	}
	for (; fifo; fifo = next) {
		next = fifo->next;
		lib_session_queue(fifo);
	}
}

void __init lib_syscall_init(void)
{
	lib_set_system_vector(LIB_IRQ_SYSCALL, lib_syscall_interrupt);
}

static int lib_spawn_start(void *unused)
{
	return 0;	/* straight to "user mode": the request loop */
}

static long lib_spawn(unsigned long flags)
{
	unsigned long clone_flags = SIGCHLD;

	if (flags & ~(NUSE_SPAWN_SHARE_FILES | NUSE_SPAWN_NEWNET))
		return -EINVAL;
	if (flags & NUSE_SPAWN_SHARE_FILES)
		clone_flags |= CLONE_FILES;
	if (flags & NUSE_SPAWN_NEWNET)
		clone_flags |= CLONE_NEWNET;
	return user_mode_thread(lib_spawn_start, NULL, clone_flags);
}

static long lib_netns_count(void)
{
	struct net *net;
	long n = 0;

	down_read(&net_rwsem);
	for_each_net(net)
		n++;
	up_read(&net_rwsem);
	return n;
}

static bool lib_call_is_exit(long nr)
{
	return nr == __NR_exit || nr == __NR_exit_group || nr == NUSE_CALL_EXIT;
}

static long lib_dispatch(struct nuse_syscall *call)
{
	struct pt_regs *regs = current_pt_regs();
	long *a = regs->args;

	regs->nr = call->nr;
	memcpy(regs->args, call->args, sizeof(regs->args));

	if (call->nr >= 0 && call->nr < __NR_syscalls)
		return ((lib_syscall_fn)lib_sys_call_table[call->nr])(a[0],
						a[1], a[2], a[3], a[4], a[5]);
	switch (call->nr) {
	case NUSE_CALL_SPAWN:
		return lib_spawn(a[0]);
	case NUSE_CALL_VNIC_CREATE:
		return lib_vnic_create((void __user *)a[0]);
	case NUSE_CALL_VNIC_DESTROY:
		return lib_vnic_destroy(a[0]);
	case NUSE_CALL_NETNS_COUNT:
		return lib_netns_count();
	}
	return -ENOSYS;
}

static bool lib_is_restart(long ret)
{
	return ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
	       ret == -ERESTARTNOHAND || ret == -ERESTART_RESTARTBLOCK;
}

/* What a real kernel does on every return to user space. */
static void lib_user_work(void)
{
	struct ksignal ksig;

	if (test_thread_flag(TIF_NOTIFY_RESUME))
		resume_user_mode_work(NULL);
	if (test_thread_flag(TIF_SIGPENDING) ||
	    test_thread_flag(TIF_NOTIFY_SIGNAL)) {
		/* No handlers ever run here: fatal signals end the task in
		 * get_signal(), the rest were ignored at start. */
		if (!get_signal(&ksig))
			restore_saved_sigmask();
	}
	cond_resched();
}

static long lib_execute(struct nuse_syscall *call)
{
	long ret = lib_dispatch(call);

	/* Interrupted calls restart: no signal handler ever ran. */
	while (lib_is_restart(ret) && !fatal_signal_pending(current)) {
		lib_user_work();
		if (ret == -ERESTART_RESTARTBLOCK)
			ret = current->restart_block.fn(&current->restart_block);
		else
			ret = lib_dispatch(call);
	}
	if (lib_is_restart(ret))
		ret = -EINTR;
	current_pt_regs()->ret = ret;
	return ret;
}

/*
 * Right after answering, a task that is the only runnable one may stay in
 * "user mode" and give the CPU straight back to the host: the host's next
 * call for it is then a trap from its own user space, with no wake-up and
 * no trip through the scheduler.  Anything else that arrives meanwhile
 * (a timer, a call for another task) sends it to sleep the normal way.
 */
static bool lib_may_park(void)
{
	return single_task_running() && !need_resched() &&
	       !local_softirq_pending() && !signal_pending(current) &&
	       !test_thread_flag(TIF_NOTIFY_RESUME);
}

static struct nuse_syscall *lib_session_next(struct lib_session *s,
					     bool answered)
{
	struct nuse_syscall *call;

	for (;;) {
		local_irq_disable();
		call = s->head;
		if (call) {
			s->head = call->next;
			if (!s->head)
				s->tail = &s->head;
			local_irq_enable();
			return call;
		}
		if (answered && lib_may_park()) {
			answered = false;
			parked_pid = current->pid;
			lib_cpu_halt();
			parked_pid = 0;
			call = direct_call;
			if (call) {
				direct_call = NULL;
				*s->tail = call;
				s->tail = &call->next;
			}
			local_irq_enable();
			continue;
		}
		set_current_state(TASK_INTERRUPTIBLE);
		s->waiting = true;
		local_irq_enable();
		if (signal_pending(current) || test_thread_flag(TIF_NOTIFY_RESUME)) {
			__set_current_state(TASK_RUNNING);
			s->waiting = false;
			return NULL;
		}
		schedule();
		s->waiting = false;
	}
}

static void lib_session_start(void)
{
	struct lib_session *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int sig;

	if (!s)
		do_exit(ENOMEM);
	s->tail = &s->head;
	/* Signals have no handlers to run here: ignore all but the two that
	 * cannot be (so that a peer's reset never kills a task by SIGPIPE). */
	for (sig = 1; sig <= _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			kernel_sigaction(sig, SIG_IGN);
	current->thread.session = s;
}

void lib_session_exit(struct task_struct *tsk)
{
	struct lib_session *s = tsk->thread.session;
	struct nuse_syscall *call, *next;
	unsigned long flags;

	if (!s)
		return;
	local_irq_save(flags);
	tsk->thread.session = NULL;
	if (last_task == tsk)
		last_task = NULL;
	call = s->head;
	local_irq_restore(flags);
	for (; call; call = next) {
		next = call->next;
		lib_call_done(call, -ESRCH);
	}
	kfree(s);
}

void __noreturn lib_user_loop(void)
{
	struct lib_session *s;
	struct nuse_syscall *call;
	bool answered = false;

	lib_session_start();
	s = current->thread.session;
	if (task_pid_nr(current) == 1)
		lib_booted();
	for (;;) {
		lib_user_work();
		call = lib_session_next(s, answered);
		answered = false;
		if (!call)
			continue;
		if (lib_call_is_exit(call->nr)) {
			long code = (call->args[0] & 0xff) << 8;
			bool group = call->nr == __NR_exit_group;

			lib_call_done(call, 0);
			if (group)
				do_group_exit(code);
			do_exit(code);
		}
		lib_call_done(call, lib_execute(call));
		answered = true;
	}
}
