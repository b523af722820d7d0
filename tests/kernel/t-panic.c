// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel panic reaches the host as an error carrying panic()'s message:
 * ending pid 1 makes the real kernel panic ("Attempted to kill init!").
 */
#include "ktest.h"

int main(void)
{
	const char *msg;
	long ret;

	kt_boot(64UL << 20);
	ret = nuse_call1(1, NUSE_CALL_EXIT, 0);
	/* The exit request is answered before the task dies; the panic
	 * follows within the same run or the next one. */
	if (ret == 0)
		ret = nuse_run();
	KT_CHECK(ret == -EIO, "after killing init: %ld, want -EIO", ret);
	msg = nuse_panic_message();
	KT_CHECK(msg && strstr(msg, "Attempted to kill init"),
		 "panic message: %s", msg ? msg : "(none)");
	KT_ERR(nuse_run(), EIO);
	KT_ERR(nuse_call0(1, NUSE_SYS_getpid), EIO);
	printf("panic reported: %s\n", msg);
	return 0;
}
