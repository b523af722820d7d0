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
 * belong to root and be readable by no one else).  0, or -errno with a
 * message logged (what it did is undone). */
int api_init(struct ev_loop *loop, const struct config *c);
void api_set_phase(enum api_phase phase);
enum api_phase api_phase(void);
/* Requests waiting for the dataplane (the API's, and the start-up's,
 * which counts its own with api_inflight_add(+1 on submit, -1 after)). */
int api_inflight(void);
void api_inflight_add(int delta);
/* Called when the last request waiting for the dataplane is answered. */
void api_on_idle(void (*fn)(void));
void api_fini(void);

#endif
