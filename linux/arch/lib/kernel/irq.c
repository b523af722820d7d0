// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts of ARCH=lib.  The host marks lines pending (any host thread,
 * atomically); the kernel takes them when it is entered, or whenever it
 * enables interrupts while some are pending, like a real CPU would.
 */
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/hardirq.h>
#include <linux/irqchip.h>
#include <asm/irq_regs.h>
#include "lib.h"

/* Each CPU has its own pending set and enabled flag (struct lib_cpu). */

/*
 * Lines below LIB_IRQ_FIRST_FREE are system vectors (the timer, the
 * syscall doorbell): like a CPU's local timer vector they bypass genirq
 * and its per-interrupt bookkeeping.  Device lines go through genirq.
 */
static void (*system_vector[LIB_IRQ_FIRST_FREE])(void);

void __init lib_set_system_vector(unsigned int irq, void (*fn)(void))
{
	system_vector[irq] = fn;
}

/* From any thread, host or kernel. */
void lib_irq_raise(struct lib_cpu *cpu, unsigned int irq)
{
	__atomic_fetch_or(&cpu->irq_pending[irq / BITS_PER_LONG],
			  1UL << (irq % BITS_PER_LONG), __ATOMIC_RELEASE);
	__atomic_store_n(&cpu->irq_pending_any, 1, __ATOMIC_RELEASE);
}

/* The host's lines all go to CPU 0, whose thread is woken if it sleeps
 * and the line was raised by another thread (or CPU). */
int nuse_irq_raise(unsigned int irq)
{
	if (irq >= NR_IRQS)
		return -EINVAL;
	lib_irq_raise(&lib_cpus[0], irq);
	lib_cpu_kick(&lib_cpus[0]);
	return 0;
}

static void lib_irq_handle(struct lib_cpu *cpu, unsigned int irq)
{
	struct pt_regs *old = set_irq_regs(&cpu->irq_regs);

	irq_enter();
	if (irq < LIB_IRQ_FIRST_FREE) {
		if (system_vector[irq])
			system_vector[irq]();
	} else {
		generic_handle_irq(irq);
	}
	irq_exit();
	set_irq_regs(old);
}

/* Called with interrupts disabled. */
void lib_irq_take_pending(void)
{
	struct lib_cpu *cpu = lib_cpu_this();
	unsigned int w, bit;

	while (READ_ONCE(cpu->irq_pending_any) &&
	       __atomic_exchange_n(&cpu->irq_pending_any, 0, __ATOMIC_ACQUIRE)) {
		for (w = 0; w < LIB_IRQ_WORDS; w++) {
			unsigned long bits = READ_ONCE(cpu->irq_pending[w]);

			if (!bits)
				continue;
			bits = __atomic_exchange_n(&cpu->irq_pending[w], 0,
						   __ATOMIC_ACQUIRE);

			while (bits) {
				bit = __ffs(bits);
				bits &= bits - 1;
				lib_irq_handle(cpu, w * BITS_PER_LONG + bit);
			}
		}
	}
}

void lib_irq_deliver(void)
{
	struct lib_cpu *cpu = lib_cpu_this();

	cpu->irq_enabled = ARCH_IRQ_DISABLED;
	lib_irq_take_pending();
	cpu->irq_enabled = ARCH_IRQ_ENABLED;
}

static void lib_irq_noop(struct irq_data *data)
{
}

static struct irq_chip lib_irq_chip = {
	.name		= "lib",
	.irq_mask	= lib_irq_noop,
	.irq_unmask	= lib_irq_noop,
};

void __init init_IRQ(void)
{
	unsigned int irq;

	for (irq = LIB_IRQ_FIRST_FREE; irq < NR_IRQS; irq++)
		irq_set_chip_and_handler(irq, &lib_irq_chip, handle_simple_irq);
}
