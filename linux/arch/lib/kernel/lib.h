/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces of the ARCH=lib port, shared by its files only. */
#ifndef _ARCH_LIB_KERNEL_LIB_H
#define _ARCH_LIB_KERNEL_LIB_H

#include <nuse.h>
#include <asm/lib_cpu.h>

extern const struct nuse_host_ops *lib_ops;

/* switch.S */
void lib_switch_stack(unsigned long *save_sp, unsigned long load_sp);
unsigned long lib_context_init(void *stack_top, void (*fn)(unsigned long),
			       unsigned long arg);

/* process.c: the host's side of the CPU. */
enum lib_state { LIB_OFF, LIB_BOOTING, LIB_UP, LIB_HALTED, LIB_PANICKED };
extern enum lib_state lib_state;
void lib_enter_kernel(struct lib_cpu *cpu);
void lib_cpu_halt(void);
void __noreturn lib_leave_for_good(void);
int lib_idle_init(void);

/* irq.c */
void lib_set_system_vector(unsigned int irq, void (*fn)(void));
void lib_irq_raise(struct lib_cpu *cpu, unsigned int irq);
void lib_irq_take_pending(void);

/* time.c */
#define LIB_NO_DEADLINE	(~0ULL)
void lib_timer_check(void);
void lib_clockevent_start(unsigned int cpu);
unsigned long long lib_time_ns(void);

/* smp.c */
enum lib_ipi { LIB_IPI_RESCHEDULE, LIB_IPI_CALL_FUNC, LIB_IPI_STOP };
extern int lib_stopping;		/* halt or panic under way: no entry */
extern unsigned int lib_ncpus;		/* booted with */
void lib_cpu_kick(struct lib_cpu *cpu);

/* syscall.c */
void lib_syscall_init(void);
void lib_syscall_run_done(unsigned int cpu);
void __noreturn lib_user_loop(void);
void lib_session_exit(struct task_struct *tsk);
int lib_session_alloc(struct task_struct *p);

/* vnic.c */
long lib_vnic_create(struct nuse_vnic_config __user *cfg);
long lib_vnic_destroy(int id);

/* setup.c */
void lib_booted(void);

#endif
