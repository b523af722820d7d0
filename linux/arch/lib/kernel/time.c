// SPDX-License-Identifier: GPL-2.0
/*
 * Time of ARCH=lib: the clocksource and sched_clock read the host's
 * monotonic clock in nanoseconds; each CPU's clockevent is one-shot and
 * only records its deadline, which the host reads to know how long it may
 * sleep.  An expired deadline becomes LIB_IRQ_TIMER when the kernel is
 * entered or spins in cpu_relax().
 */
#include <linux/clockchips.h>
#include <linux/clocksource.h>
#include <linux/interrupt.h>
#include <linux/sched/clock.h>
#include <linux/delay.h>
#include "lib.h"

unsigned long long lib_time_ns(void)
{
	return lib_ops->time_ns();
}

unsigned long long sched_clock(void)
{
	return lib_ops->time_ns();
}

/* The host's view: CPU 0's deadline. */
unsigned long long nuse_next_deadline(void)
{
	return READ_ONCE(lib_cpus[0].deadline);
}

unsigned long long nuse_cpu_next_deadline(unsigned int cpu)
{
	return cpu < NR_CPUS ? READ_ONCE(lib_cpus[cpu].deadline) : LIB_NO_DEADLINE;
}

/* Called with interrupts disabled. */
void lib_timer_check(void)
{
	struct lib_cpu *cpu = lib_cpu_this();

	if (cpu->deadline != LIB_NO_DEADLINE && lib_time_ns() >= cpu->deadline) {
		cpu->deadline = LIB_NO_DEADLINE;
		lib_irq_raise(cpu, LIB_IRQ_TIMER);
	}
}

/*
 * A spinning CPU takes its expired timer, and, if interrupts are on, what
 * is pending: a CPU waiting for another's answer to a cross-call may be
 * the one that must answer one first.
 */
void lib_cpu_relax(void)
{
	struct lib_cpu *cpu = lib_cpu_this();
	unsigned long flags;

	asm volatile("pause" ::: "memory");	/* a spin-wait hint to the host CPU */
	if (cpu->deadline == LIB_NO_DEADLINE &&
	    !__atomic_load_n(&cpu->irq_pending_any, __ATOMIC_RELAXED))
		return;
	local_irq_save(flags);
	lib_timer_check();
	local_irq_restore(flags);
}

void lib_ndelay(unsigned long nsecs)
{
	unsigned long long end = lib_time_ns() + nsecs;

	while (lib_time_ns() < end)
		;
}

static u64 lib_clocksource_read(struct clocksource *cs)
{
	return lib_ops->time_ns();
}

static struct clocksource lib_clocksource = {
	.name	= "host",
	.rating	= 400,
	.read	= lib_clocksource_read,
	.mask	= CLOCKSOURCE_MASK(64),
	.flags	= CLOCK_SOURCE_IS_CONTINUOUS,
};

static int lib_clockevent_next(unsigned long delta,
			       struct clock_event_device *evt)
{
	WRITE_ONCE(lib_cpu_this()->deadline, lib_time_ns() + delta);
	return 0;
}

static int lib_clockevent_shutdown(struct clock_event_device *evt)
{
	WRITE_ONCE(lib_cpu_this()->deadline, LIB_NO_DEADLINE);
	return 0;
}

/* One per CPU: each CPU's deadline is its own (struct lib_cpu). */
static DEFINE_PER_CPU(struct clock_event_device, lib_clockevent);

static void lib_timer_interrupt(void)
{
	struct clock_event_device *evt = this_cpu_ptr(&lib_clockevent);

	evt->event_handler(evt);
}

/* On @cpu, as it comes up. */
void lib_clockevent_start(unsigned int cpu)
{
	struct clock_event_device *evt = per_cpu_ptr(&lib_clockevent, cpu);

	evt->name = "host";
	evt->rating = 400;
	evt->features = CLOCK_EVT_FEAT_ONESHOT;
	evt->set_next_event = lib_clockevent_next;
	evt->set_state_shutdown = lib_clockevent_shutdown;
	evt->set_state_oneshot_stopped = lib_clockevent_shutdown;
	evt->cpumask = cpumask_of(cpu);
	/* Deltas are nanoseconds: the device counts at 1 GHz. */
	clockevents_config_and_register(evt, NSEC_PER_SEC, 1, ULONG_MAX);
}

void __init time_init(void)
{
	lib_set_system_vector(LIB_IRQ_TIMER, lib_timer_interrupt);
	clocksource_register_hz(&lib_clocksource, NSEC_PER_SEC);
	lib_clockevent_start(smp_processor_id());
}

/* Delays are timed on the host clock, so a "loop" is one nanosecond. */
void __init calibrate_delay(void)
{
	loops_per_jiffy = NSEC_PER_SEC / HZ;
}
