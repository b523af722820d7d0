/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTTP JSON API: libmicrohttpd in epoll mode on the control thread's
 * libev loop.  Requests that need the kernel suspend their connection and
 * resume with the dataplane thread's answer (ctl.h).  Every change that
 * succeeded is written to the state file (state.h) before it is answered.
 */
#ifndef API_H
#define API_H

#include <ev.h>
#include "conf/conf.h"

enum api_phase {
	API_STARTING,		/* tenants being restored: 503 */
	API_RUNNING,
	API_STOPPING,		/* 503 to anything new */
	API_FAILED,		/* the kernel panicked: 503 until the process exits */
};

/* Listen, and read the bearer token if one is configured (the file must
 * belong to root and be readable by no one else).  0, or -1 with a
 * message logged. */
int api_init(struct ev_loop *loop, const struct config *c);
void api_set_phase(enum api_phase phase);
/* Create @specs one after the other through the dataplane, each into the
 * state, which is written once at the end; then done(0), or done(-1)
 * after the first failure (logged) or a failed write, or done(1) if the
 * appliance began stopping.  The first @nsaved come from the state file.
 * @specs must live until then. */
void api_restore(const struct tenant_spec *specs, int n, int nsaved,
		 void (*done)(int status));
/* Requests waiting for the dataplane. */
int api_inflight(void);
/* Called when the last request waiting for the dataplane is answered. */
void api_on_idle(void (*fn)(void));
void api_fini(void);

#endif
