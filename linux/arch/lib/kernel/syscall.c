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

/*
 * A task's queue of requests.  Any CPU's doorbell interrupt appends to it,
 * the task takes from it: both under its lock.  A dead session stays
 * readable until a grace period has passed (the doorbell finds it under
 * RCU), and refuses new calls.
 */
struct lib_session {
	spinlock_t		lock;
	struct nuse_syscall	*head;
	struct nuse_syscall	**tail;
	bool			waiting;
	bool			dead;
	struct rcu_head		rcu;
};

/* Submitted by the host, newest first; moved by the doorbell interrupt. */
static struct nuse_syscall *submitted;

/* The task the host called last (most calls go to the same few tasks),
 * and every task's session pointer: set and cleared under this lock. */
static DEFINE_SPINLOCK(session_lock);
static struct task_struct *last_task;
static int last_pid;

static void lib_submit(int pid, struct nuse_syscall *call)
{
	struct nuse_syscall *old;

	call->pid = pid;
	old = __atomic_load_n(&submitted, __ATOMIC_RELAXED);
	do {
		call->next = old;
	} while (!__atomic_compare_exchange_n(&submitted, &old, call, true,
					      __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

int nuse_syscall_submit(int pid, struct nuse_syscall *call)
{
	if (!call || pid <= 0)
		return -EINVAL;
	call->here = 0;
	lib_submit(pid, call);
	return nuse_irq_raise(LIB_IRQ_SYSCALL);
}

/* Whichever CPU's interrupt comes first takes every call submitted: the
 * list is one; @cpu's is rung so that a call need not wait for CPU 0. */
int nuse_syscall_submit_cpu(unsigned int cpu, int pid, struct nuse_syscall *call)
{
	if (!call || pid <= 0 || cpu >= NR_CPUS || cpu >= max(lib_ncpus, 1U))
		return -EINVAL;
	call->here = 1;
	lib_submit(pid, call);
	lib_irq_raise(&lib_cpus[cpu], LIB_IRQ_SYSCALL);
	lib_cpu_kick(&lib_cpus[cpu]);
	return 0;
}

/*
 * Finished calls go back to the host on CPU 0's thread, the owner's,
 * whichever CPU finished them: the host's done() callbacks never run on
 * two threads at once.  CPU 0 keeps its own list; the other CPUs push on
 * one shared list (newest first) and kick CPU 0.  The owner takes the
 * shared list first: a call finished elsewhere before one finished on
 * CPU 0 is handed back first.  A call of nuse_syscall_submit_cpu() goes
 * on the list of the CPU that finished it, and back on that CPU's thread.
 */
static struct nuse_syscall *remote_done;

static void lib_call_done(struct nuse_syscall *call, long ret)
{
	struct nuse_syscall *old;
	struct lib_cpu *cpu;
	unsigned long flags;

	call->ret = ret;
	call->next = NULL;
	local_irq_save(flags);
	cpu = lib_cpu_this();
	if (cpu->id == 0 || call->here) {
		*cpu->done_tail = call;
		cpu->done_tail = &call->next;
		local_irq_restore(flags);
		return;
	}
	local_irq_restore(flags);
	old = __atomic_load_n(&remote_done, __ATOMIC_RELAXED);
	do {
		call->next = old;
	} while (!__atomic_compare_exchange_n(&remote_done, &old, call, true,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	lib_cpu_kick(&lib_cpus[0]);
}

static void lib_run_done_list(struct nuse_syscall *call)
{
	struct nuse_syscall *next;

	for (; call; call = next) {
		next = call->next;
		call->next = NULL;
		if (call->done)
			call->done(call);
	}
}

/* On CPU @id's host thread and stack, after that CPU went idle; CPU 0's
 * takes the other CPUs' calls too. */
void lib_syscall_run_done(unsigned int id)
{
	struct lib_cpu *cpu = &lib_cpus[id];
	struct nuse_syscall *call, *fifo = NULL, *next;

	if (!id && __atomic_load_n(&remote_done, __ATOMIC_RELAXED)) {
		call = __atomic_exchange_n(&remote_done, NULL, __ATOMIC_ACQUIRE);
		for (; call; call = next) {	/* newest first: reverse */
			next = call->next;
			call->next = fifo;
			fifo = call;
		}
		lib_run_done_list(fifo);
	}
	call = cpu->done_head;
	cpu->done_head = NULL;
	cpu->done_tail = &cpu->done_head;
	lib_run_done_list(call);
}

/* A task parked in user mode on CPU 0 takes the host's call directly. */
int nuse_syscall_run(int pid, struct nuse_syscall *call)
{
	struct lib_cpu *cpu = &lib_cpus[0];
	int err;

	if (!call || pid <= 0)
		return -EINVAL;
	if (pid != cpu->parked_pid)
		err = nuse_syscall_submit(pid, call);
	else {
		call->pid = pid;
		call->here = 0;
		call->next = NULL;
		cpu->direct_call = call;
		err = 0;
	}
	return err ? err : nuse_run();
}

/* Called under rcu_read_lock(): the task and its session stay readable. */
static struct lib_session *lib_session_find(int pid, struct task_struct **taskp)
{
	struct task_struct *task;
	struct lib_session *s = NULL;

	spin_lock(&session_lock);
	if (pid == last_pid && last_task)
		task = last_task;
	else
		task = find_task_by_pid_ns(pid, &init_pid_ns);
	if (task)
		s = task->thread.session;
	if (s) {
		last_pid = pid;
		last_task = task;
	}
	spin_unlock(&session_lock);
	*taskp = task;
	return s;
}

/* Appends to a live session; false if it has ended. */
static bool lib_session_append(struct lib_session *s, struct nuse_syscall *call)
{
	bool ok;

	spin_lock(&s->lock);
	ok = !s->dead;
	if (ok) {
		call->next = NULL;
		*s->tail = call;
		s->tail = &call->next;
	}
	spin_unlock(&s->lock);
	return ok;
}

/* In the doorbell interrupt. */
static void lib_session_queue(struct nuse_syscall *call)
{
	struct task_struct *task;
	struct lib_session *s;
	bool ok = false;

	rcu_read_lock();
	s = lib_session_find(call->pid, &task);
	if (s)
		ok = lib_session_append(s, call);
	if (ok && READ_ONCE(s->waiting))
		wake_up_process(task);
	rcu_read_unlock();
	if (!ok)
		lib_call_done(call, -ESRCH);
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

static long lib_spawn(unsigned long flags, unsigned long cpu)
{
	unsigned long clone_flags = SIGCHLD;
	long pid, err;

	if (flags & ~(NUSE_SPAWN_SHARE_FILES | NUSE_SPAWN_NEWNET | NUSE_SPAWN_CPU))
		return -EINVAL;
	if ((flags & NUSE_SPAWN_CPU) && (cpu >= nr_cpu_ids || !cpu_online(cpu)))
		return -EINVAL;
	if (flags & NUSE_SPAWN_SHARE_FILES)
		clone_flags |= CLONE_FILES;
	if (flags & NUSE_SPAWN_NEWNET)
		clone_flags |= CLONE_NEWNET;
	pid = user_mode_thread(lib_spawn_start, NULL, clone_flags);
	if (pid < 0)
		return pid;
	/* Before its first call: the host has not seen the pid yet.  A task
	 * kept on one CPU does not hand that to its children. */
	if (flags & NUSE_SPAWN_CPU)
		err = sched_setaffinity(pid, cpumask_of(cpu));
	else if (current->nr_cpus_allowed < num_possible_cpus())
		err = sched_setaffinity(pid, cpu_possible_mask);
	else
		return pid;
	if (err) {
		kill_pid(find_vpid(pid), SIGKILL, 1);
		return err;
	}
	return pid;
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

/* Tasks that take the host's calls: init, tenants', tools' sessions. */
static long lib_host_task_count(void)
{
	struct task_struct *p, *t;
	long n = 0;

	rcu_read_lock();
	for_each_process_thread(p, t)
		if (READ_ONCE(t->thread.session) && !(t->flags & PF_EXITING))
			n++;
	rcu_read_unlock();
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
		return lib_spawn(a[0], a[1]);
	case NUSE_CALL_VNIC_CREATE:
		return lib_vnic_create((void __user *)a[0]);
	case NUSE_CALL_VNIC_DESTROY:
		return lib_vnic_destroy(a[0]);
	case NUSE_CALL_NETNS_COUNT:
		return lib_netns_count();
	case NUSE_CALL_TASK_COUNT:
		return lib_host_task_count();
	case NUSE_CALL_SYNCHRONIZE_RCU:
		synchronize_rcu();
		return 0;
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
 * no trip through the scheduler (on CPU 0, whose thread the host calls
 * from).  Anything else that arrives meanwhile
 * (a timer, a call for another task) sends it to sleep the normal way.
 */
static bool lib_may_park(void)
{
	/* Only CPU 0's host thread hands calls over directly. */
	return lib_cpu_this()->id == 0 && single_task_running() && !need_resched() &&
	       !local_softirq_pending() && !signal_pending(current) &&
	       !test_thread_flag(TIF_NOTIFY_RESUME);
}

/*
 * Parks the calling task in user mode: the CPU goes back to the host with
 * interrupts off.  The doorbell taken on the way back in may append to
 * the session, so its lock is not held here.  Returns the call the host
 * handed over directly if nothing was queued ahead of it (the fast path
 * takes no lock); otherwise it goes to the back of the queue.
 */
static struct nuse_syscall *lib_session_park(struct lib_session *s)
{
	struct lib_cpu *cpu = lib_cpu_this();
	struct nuse_syscall *call;

	cpu->parked_pid = current->pid;
	cpu->irq_regs.user = 1;		/* what interrupts the CPU now finds */
	lib_cpu_halt();
	cpu->irq_regs.user = 0;
	cpu->parked_pid = 0;
	call = cpu->direct_call;
	if (!call)
		return NULL;
	cpu->direct_call = NULL;
	if (!READ_ONCE(s->head))
		return call;
	lib_session_append(s, call);
	return NULL;
}

static struct nuse_syscall *lib_session_next(struct lib_session *s,
					     bool answered)
{
	struct nuse_syscall *call;

	for (;;) {
		local_irq_disable();
		if (answered && !READ_ONCE(s->head) && lib_may_park()) {
			answered = false;
			call = lib_session_park(s);
			local_irq_enable();
			if (call)
				return call;
			continue;
		}
		spin_lock(&s->lock);
		call = s->head;
		if (call) {
			s->head = call->next;
			if (!s->head)
				s->tail = &s->head;
			spin_unlock_irq(&s->lock);
			return call;
		}
		set_current_state(TASK_INTERRUPTIBLE);
		WRITE_ONCE(s->waiting, true);
		spin_unlock_irq(&s->lock);
		if (signal_pending(current) || test_thread_flag(TIF_NOTIFY_RESUME)) {
			__set_current_state(TASK_RUNNING);
			WRITE_ONCE(s->waiting, false);
			return NULL;
		}
		schedule();
		WRITE_ONCE(s->waiting, false);
	}
}

/*
 * A user task's queue exists from its creation (copy_thread): the host may
 * call a task it has just spawned before any CPU has run it.  0 or
 * -ENOMEM.
 */
int lib_session_alloc(struct task_struct *p)
{
	struct lib_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	spin_lock_init(&s->lock);
	s->tail = &s->head;
	p->thread.session = s;
	return 0;
}

static void lib_session_start(void)
{
	int sig;

	/* Signals have no handlers to run here: ignore all but the two that
	 * cannot be (so that a peer's reset never kills a task by SIGPIPE). */
	for (sig = 1; sig <= _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			kernel_sigaction(sig, SIG_IGN);
}

void lib_session_exit(struct task_struct *tsk)
{
	struct lib_session *s = tsk->thread.session;
	struct nuse_syscall *call, *next;
	unsigned long flags;

	if (!s)
		return;
	spin_lock_irqsave(&session_lock, flags);
	tsk->thread.session = NULL;
	if (last_task == tsk)
		last_task = NULL;
	spin_unlock_irqrestore(&session_lock, flags);

	spin_lock_irqsave(&s->lock, flags);
	s->dead = true;
	call = s->head;
	s->head = NULL;
	spin_unlock_irqrestore(&s->lock, flags);
	for (; call; call = next) {
		next = call->next;
		lib_call_done(call, -ESRCH);
	}
	kfree_rcu(s, rcu);
}

void __noreturn lib_user_loop(void)
{
	struct lib_session *s;
	struct nuse_syscall *call;
	bool answered = false;
	long ret;

	lib_session_start();
	s = current->thread.session;
	if (!s)		/* a kernel thread that returned to user mode */
		do_exit(ENOMEM);
	if (task_pid_nr(current) == 1) {
		/* init serves the owner thread's calls, CPU 0's (NUSE_SPAWN_CPU) */
		set_cpus_allowed_ptr(current, cpumask_of(0));
		lib_booted();
	}
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
		ret = lib_execute(call);
		/* A return to user space runs the task's work first (the last
		 * fput of a closed socket, which frees its port): the caller
		 * hears the answer after it, as a real process would. */
		if (test_thread_flag(TIF_NOTIFY_RESUME))
			resume_user_mode_work(NULL);
		lib_call_done(call, ret);
		answered = true;
	}
}
