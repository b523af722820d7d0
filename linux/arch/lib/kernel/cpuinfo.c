// SPDX-License-Identifier: GPL-2.0
/* /proc/cpuinfo: the library's online CPUs. */
#include <linux/seq_file.h>
#include <linux/cpumask.h>
#include <linux/init.h>

static int lib_cpuinfo_show(struct seq_file *m, void *v)
{
	seq_printf(m, "processor\t: %lu\nmodel name\t: nuse library CPU\n\n",
		   (unsigned long)v - 1);
	return 0;
}

/* The iterator's value is the CPU number plus one (NULL ends it). */
static void *lib_cpuinfo_start(struct seq_file *m, loff_t *pos)
{
	*pos = cpumask_next(*pos - 1, cpu_online_mask);
	return *pos < nr_cpu_ids ? (void *)(unsigned long)(*pos + 1) : NULL;
}

static void *lib_cpuinfo_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return lib_cpuinfo_start(m, pos);
}

static void lib_cpuinfo_stop(struct seq_file *m, void *v)
{
}

const struct seq_operations cpuinfo_op = {
	.start	= lib_cpuinfo_start,
	.next	= lib_cpuinfo_next,
	.stop	= lib_cpuinfo_stop,
	.show	= lib_cpuinfo_show,
};
