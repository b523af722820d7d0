// SPDX-License-Identifier: GPL-2.0
/* /proc/cpuinfo: the library's one CPU. */
#include <linux/seq_file.h>
#include <linux/init.h>

static int lib_cpuinfo_show(struct seq_file *m, void *v)
{
	seq_puts(m, "processor\t: 0\nmodel name\t: nuse library CPU\n\n");
	return 0;
}

static void *lib_cpuinfo_start(struct seq_file *m, loff_t *pos)
{
	return *pos == 0 ? (void *)1 : NULL;
}

static void *lib_cpuinfo_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return NULL;
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
