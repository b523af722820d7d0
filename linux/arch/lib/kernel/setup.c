// SPDX-License-Identifier: GPL-2.0
/*
 * Boot, run and halt: the host's calls into ARCH=lib, and the machine
 * set-up they need (memory, console, panic and halt paths).
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <net/netfilter/nf_log.h>
#include <linux/console.h>
#include <linux/panic_notifier.h>
#include <linux/notifier.h>
#include <linux/oom.h>
#include <linux/reboot.h>
#include <linux/string.h>
#include <linux/start_kernel.h>
#include <linux/utsname.h>
#include <linux/pm.h>
#include <linux/random.h>
#include <asm/sections.h>
#include <asm/setup.h>
#include <asm/unistd.h>
#include "lib.h"

const struct nuse_host_ops *lib_ops;
enum lib_state lib_state = LIB_OFF;
unsigned int lib_ncpus;
int lib_stopping;

unsigned long memory_start, memory_end;
void *empty_zero_page;

static char panic_message[256];
static unsigned char boot_seed[256];
static unsigned long boot_seed_len;

static void lib_console_write(struct console *con, const char *s,
			      unsigned int n)
{
	lib_ops->log(s, n);
}

static struct console lib_console = {
	.name	= "lib",
	.write	= lib_console_write,
	.flags	= CON_PRINTBUFFER | CON_ANYTIME,
	.index	= -1,
};

/* The machine stops for good: every CPU's thread is woken to see it. */
static void __noreturn lib_machine_stop(enum lib_state state)
{
	unsigned int id;

	__atomic_store_n(&lib_stopping, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&lib_state, state, __ATOMIC_SEQ_CST);
	for (id = 0; id < lib_ncpus; id++)
		if (id != lib_cpu_this()->id && lib_ops->cpu_kick)
			lib_ops->cpu_kick(id);
	lib_leave_for_good();
}

/* panic() has stopped the other CPUs already (smp_send_stop()). */
static int lib_panic_notify(struct notifier_block *nb, unsigned long event,
			    void *msg)
{
	strscpy(panic_message, msg ? (const char *)msg : "panic",
		sizeof(panic_message));
	lib_machine_stop(LIB_PANICKED);
	return NOTIFY_DONE;
}

static struct notifier_block lib_panic_nb = {
	.notifier_call	= lib_panic_notify,
	.priority	= INT_MIN,	/* last: let the others report first */
};

static void __init lib_memory_init(void)
{
	unsigned long max_zone_pfn[MAX_NR_ZONES] = { 0 };

	min_low_pfn = PFN_UP(__pa(memory_start));
	max_low_pfn = max_pfn = PFN_DOWN(__pa(memory_end));
	max_mapnr = max_pfn - min_low_pfn;
	high_memory = (void *)memory_end;
	memblock_add(__pa(memory_start), memory_end - memory_start);

	empty_zero_page = memblock_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!empty_zero_page)
		panic("lib: no memory for the zero page\n");

	max_zone_pfn[ZONE_NORMAL] = max_pfn;
	free_area_init(max_zone_pfn);
}

void __init setup_arch(char **cmdline_p)
{
	unsigned int id;

	for (id = 1; id < lib_ncpus; id++) {
		set_cpu_possible(id, true);
		set_cpu_present(id, true);
	}
	register_console(&lib_console);
	atomic_notifier_chain_register(&panic_notifier_list, &lib_panic_nb);
	*cmdline_p = boot_command_line;
	/*
	 * No fallback tunnel devices (tunl0, gre0, sit0, ip6tnl0, ...) in
	 * any namespace: each would cost every tenant a net_device it did
	 * not ask for.  "fb_tunnels=" on the command line still decides.
	 */
	sysctl_fb_tunnels_only_for_init_net = 2;
#if IS_ENABLED(CONFIG_NETFILTER)
	/* LOG rules log in every namespace, not only the first: the lines
	 * say which (patch 0013) and the host hands each to its tenant. */
	sysctl_nf_log_all_netns = 1;
#endif
	/* random.trust_bootloader, before the seed is credited */
	parse_early_param();
	if (boot_seed_len) {
		add_bootloader_randomness(boot_seed, boot_seed_len);
		memzero_explicit(boot_seed, sizeof(boot_seed));
	}
	lib_memory_init();
}

void __init mem_init(void)
{
	memblock_free_all();
}

void __init trap_init(void)
{
}

static int __init lib_late_init(void)
{
	lib_syscall_init();
	return 0;
}
core_initcall(lib_late_init);

/*
 * Every task of this machine is one of the host's: init, a tenant's task,
 * a tool's session.  There is no user space to sacrifice, and killing any
 * of them takes a tenant (or, for init, the machine) down.  With the OOM
 * killer off, an allocation that finds no memory fails and the call that
 * made it gets -ENOMEM; the host admits work before memory runs that low.
 */
static int __init lib_oom_killer_off(void)
{
	if (!oom_killer_disable(0))
		pr_warn("lib: cannot turn the OOM killer off\n");
	return 0;
}
late_initcall(lib_oom_killer_off);

void machine_halt(void)
{
	smp_send_stop();
	lib_machine_stop(LIB_HALTED);
}

void machine_power_off(void)
{
	machine_halt();
}

void machine_restart(char *cmd)
{
	machine_halt();
}

void (*pm_power_off)(void);

/* pid 1 reached its request loop: the machine is up. */
void lib_booted(void)
{
	if (lib_state == LIB_BOOTING)
		lib_state = LIB_UP;
}

static void lib_log(const char *msg)
{
	lib_ops->log(msg, strlen(msg));
}

static int lib_state_error(void)
{
	switch (__atomic_load_n(&lib_state, __ATOMIC_ACQUIRE)) {
	case LIB_PANICKED:
		return -EIO;
	case LIB_HALTED:
		return -ESHUTDOWN;
	case LIB_UP:
		return 0;
	default:
		return -ENODEV;
	}
}

static void lib_idle(unsigned int id, unsigned long long deadline)
{
	if (lib_ops->cpu_idle) {
		lib_ops->cpu_idle(id, deadline);
	} else if (deadline != ~0ULL) {
		if (lib_ops->sleep_until)
			lib_ops->sleep_until(deadline);
		else
			while (lib_ops->time_ns() < deadline)
				;
	}
}

/*
 * A CPU that was stopped (another CPU halts or panics) waits for the
 * machine's end to be told, which follows at once; a CPU that stopped
 * the machine finds it told.  -EIO or -ESHUTDOWN.
 */
static int lib_stopped_wait(unsigned int id)
{
	unsigned long long until = lib_ops->time_ns() + 2 * NSEC_PER_SEC;
	int err;

	while ((err = lib_state_error()) == 0 && lib_ops->time_ns() < until)
		lib_idle(id, lib_ops->time_ns() + NSEC_PER_MSEC);
	return err == -ESHUTDOWN ? err : -EIO;
}

/* One entry of CPU 0: take interrupts and timers, run until idle, then
 * the host runs the callbacks of what finished (on any CPU). */
static void lib_run_once(void)
{
	if (__atomic_load_n(&lib_cpus[0].stopped, __ATOMIC_ACQUIRE))
		return;
	lib_enter_kernel(&lib_cpus[0]);
	lib_syscall_run_done(0);
}

static void lib_wait_for_timer(void)
{
	lib_idle(0, nuse_next_deadline());
}

int nuse_cpu_run(unsigned int id)
{
	struct lib_cpu *cpu;
	int err;

	if (id == 0 || id >= NR_CPUS || (lib_ncpus && id >= lib_ncpus))
		return -EINVAL;
	cpu = &lib_cpus[id];
	err = lib_state_error();
	if (err == -EIO || err == -ESHUTDOWN)
		return err;
	if (!__atomic_load_n(&cpu->up, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	if (!__atomic_load_n(&cpu->stopped, __ATOMIC_ACQUIRE))
		lib_enter_kernel(cpu);
	if (__atomic_load_n(&cpu->stopped, __ATOMIC_ACQUIRE))
		return lib_stopped_wait(id);
	lib_syscall_run_done(id);	/* what nuse_syscall_submit_cpu() sent */
	return 0;
}

unsigned int nuse_cpu_count(void)
{
	return lib_ncpus;
}

static int lib_check_params(const struct nuse_boot_params *p)
{
	char msg[160];

	if (!p || !p->ops || !p->ops->time_ns || !p->ops->log)
		return -EINVAL;
	lib_ops = p->ops;
	if (!p->memory || p->memory_size < NUSE_MEMORY_MIN) {
		snprintf(msg, sizeof(msg),
			 "nuse: %lu bytes of memory is below the minimum of %lu\n",
			 p->memory ? p->memory_size : 0UL, NUSE_MEMORY_MIN);
		lib_log(msg);
		return -EINVAL;
	}
	if (p->ncpus > NR_CPUS || p->ncpus > NUSE_CPUS_MAX) {
		snprintf(msg, sizeof(msg), "nuse: %u CPUs is more than the %d this kernel has\n",
			 p->ncpus, NR_CPUS < NUSE_CPUS_MAX ? NR_CPUS : NUSE_CPUS_MAX);
		lib_log(msg);
		return -EINVAL;
	}
	if (p->ncpus > 1 && (!p->ops->cpu_kick || !p->ops->cpu_idle)) {
		lib_log("nuse: several CPUs need the host's cpu_kick and cpu_idle\n");
		return -EINVAL;
	}
	if (p->seed_len > sizeof(boot_seed) || (p->seed_len && !p->seed)) {
		snprintf(msg, sizeof(msg), "nuse: a random seed is at most %zu bytes\n",
			 sizeof(boot_seed));
		lib_log(msg);
		return -EINVAL;
	}
	if (p->cmdline && strlen(p->cmdline) >= COMMAND_LINE_SIZE - 32) {
		snprintf(msg, sizeof(msg),
			 "nuse: command line longer than %d bytes\n",
			 COMMAND_LINE_SIZE - 33);
		lib_log(msg);
		return -EINVAL;
	}
	return 0;
}

int nuse_boot(const struct nuse_boot_params *p)
{
	int err;

	if (lib_state != LIB_OFF)
		return -EALREADY;
	err = lib_check_params(p);
	if (err)
		return err;

	/* Stacks come from the page allocator in THREAD_SIZE blocks, aligned
	 * in "physical" addresses: the region's start must be as aligned
	 * for them to be so in virtual ones (current is found from sp). */
	memory_start = ALIGN((unsigned long)p->memory, THREAD_SIZE);
	memory_end = ((unsigned long)p->memory + p->memory_size) & PAGE_MASK;
	if (p->cmdline)
		strscpy(boot_command_line, p->cmdline, COMMAND_LINE_SIZE);
	/* The host's seed is trusted as a bootloader's would be. */
	if (p->seed_len) {
		memcpy(boot_seed, p->seed, p->seed_len);
		boot_seed_len = p->seed_len;
		strlcat(boot_command_line, " random.trust_bootloader=on", COMMAND_LINE_SIZE);
	}

	if (lib_idle_init()) {
		lib_log("nuse: the init task's stack is misaligned\n");
		return -EINVAL;
	}
	lib_ncpus = p->ncpus ? p->ncpus : 1;
	lib_state = LIB_BOOTING;
	lib_run_once();
	/* Boot may sleep on timers (deferred probes, RCU grace periods). */
	while (lib_state == LIB_BOOTING) {
		lib_wait_for_timer();
		lib_run_once();
	}
	return lib_state_error();
}

int nuse_run(void)
{
	int err = lib_state_error();

	if (err)
		return err;
	lib_run_once();
	if (__atomic_load_n(&lib_cpus[0].stopped, __ATOMIC_ACQUIRE))
		return lib_stopped_wait(0);
	return lib_state_error();
}

const char *nuse_panic_message(void)
{
	return lib_state == LIB_PANICKED ? panic_message : NULL;
}

const char *nuse_kernel_release(void)
{
	return init_utsname()->release;
}

static void lib_halt_done(struct nuse_syscall *call)
{
}

int nuse_halt(void)
{
	static struct nuse_syscall halt = {
		.nr	= __NR_reboot,
		.args	= { LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
			    LINUX_REBOOT_CMD_HALT },
		.done	= lib_halt_done,
	};
	int err = lib_state_error();

	if (err)
		return err == -ESHUTDOWN ? 0 : err;
	nuse_syscall_submit(1, &halt);
	while (lib_state == LIB_UP) {
		lib_run_once();
		if (lib_state == LIB_UP)
			lib_wait_for_timer();
	}
	return lib_state == LIB_HALTED ? 0 : lib_state_error();
}

/* The image's init sections belong to the host's executable, not to the
 * memory the kernel manages: there is nothing to give back. */
void free_initmem(void)
{
}
