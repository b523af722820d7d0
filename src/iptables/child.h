/* SPDX-License-Identifier: GPL-2.0 */
/* Child processes on the control loop; see child.c. */
#ifndef API_CHILD_H
#define API_CHILD_H

#include <stddef.h>
#include <ev.h>

/* @status: the exit code, -SIGNAL if a signal ended it, -EFBIG if it
 * wrote more than the limit; @out and @err are NUL-terminated. */
typedef void (*child_done_fn)(void *priv, int status, const char *out, size_t out_len,
			      const char *err);

/* Have the launcher run @tool (launcher.h) for @tenant with @args
 * (NULL-terminated, or NULL); @input (kept by the caller until done)
 * goes to its standard input, and @pass_fd, a tool session, becomes its
 * descriptor 3.  After @timeout seconds it is killed.  0, or -errno if
 * the order could not be given (done() is then never called); a job
 * the launcher refuses ends with a negative status. */
int child_run(struct ev_loop *loop, int tool, const char *tenant, char *const args[],
	      int pass_fd, const char *input, size_t input_len, double timeout,
	      child_done_fn done, void *priv);

/* Stop listening to the launcher. */
void child_fini(struct ev_loop *loop);

#endif
