/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTTP JSON API: libmicrohttpd in epoll mode on the control thread's
 * libev loop.  Requests that need the kernel suspend their connection and
 * resume with the dataplane thread's answer (ctl.h).
 */
#ifndef API_H
#define API_H

#include <ev.h>
#include "conf.h"

int api_init(struct ev_loop *loop, const struct config *c);
void api_fini(void);

#endif
