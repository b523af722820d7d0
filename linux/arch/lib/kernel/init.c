// SPDX-License-Identifier: GPL-2.0
/*
 * The first process.  kernel_init() finishes boot by executing /init; in
 * the library that file is a marker our binary format recognises, and
 * "starting" it means returning to user mode, which for a library task is
 * the request loop (syscall.c).  /proc is mounted for every task to see.
 */
#include <linux/binfmts.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/init.h>
#include <linux/init_syscalls.h>
#include <linux/module.h>
#include <linux/task_work.h>
#include "lib.h"

static const char lib_init_magic[] = "#nuse-task\n";

static int lib_load_task(struct linux_binprm *bprm)
{
	int err;

	if (memcmp(bprm->buf, lib_init_magic, sizeof(lib_init_magic) - 1))
		return -ENOEXEC;
	err = begin_new_exec(bprm);
	if (err)
		return err;
	setup_new_exec(bprm);
	finalize_exec(bprm);
	return 0;
}

static struct linux_binfmt lib_task_format = {
	.module		= THIS_MODULE,
	.load_binary	= lib_load_task,
};

static int __init lib_binfmt_init(void)
{
	register_binfmt(&lib_task_format);
	return 0;
}
core_initcall(lib_binfmt_init);

static int __init lib_write_init(void)
{
	struct file *file;
	loff_t pos = 0;
	ssize_t n;

	file = filp_open("/init", O_CREAT | O_WRONLY | O_TRUNC, 0700);
	if (IS_ERR(file))
		return PTR_ERR(file);
	n = kernel_write(file, lib_init_magic, sizeof(lib_init_magic) - 1, &pos);
	fput(file);
	/* pid 1 is not a kernel thread: its fput waits for task work, and
	 * exec refuses a file still open for writing. */
	task_work_run();
	return n < 0 ? n : 0;
}

static int __init lib_rootfs_init(void)
{
	int err;

	err = init_mkdir("/proc", 0555);
	if (!err)
		err = init_mount("proc", "/proc", "proc", 0, NULL);
	if (err)
		pr_err("lib: cannot mount /proc: %d\n", err);
	err = lib_write_init();
	if (err)
		pr_err("lib: cannot write /init: %d\n", err);
	return 0;
}
late_initcall(lib_rootfs_init);
