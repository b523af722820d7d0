/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control requests: the control thread hands work that needs the kernel
 * to the dataplane thread, which owns it, and gets the answer back on its
 * libev loop.  Every request is checked by type and length on arrival.
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <ev.h>

enum ctl_type {
	CTL_TENANT_LIST = 1,
	CTL_TENANT_CREATE,
	CTL_TENANT_DESTROY,
	CTL_TENANT_GET,
	CTL_TYPE_MAX,
};

struct ctl_req {
	unsigned int type;		/* enum ctl_type */
	size_t len;			/* sizeof the request's own struct */
	int status;			/* 0 or -errno, set by the dataplane */
	void (*done)(struct ctl_req *);	/* on the control thread */
	struct ctl_req *next;
};

struct ctl_tenant_list {
	struct ctl_req req;
	char *json;			/* malloc'd by the dataplane */
};

#include "tenant/tenant.h"

/* Create (spec), get or destroy (name) one tenant. */
struct ctl_tenant {
	struct ctl_req req;
	struct tenant_spec spec;	/* create: owned by the requester */
	char name[TENANT_NAME_MAX + 1];	/* get, destroy */
	struct tenant_error error;
	char *json;			/* get: malloc'd by the dataplane */
};

/* Control thread. */
int ctl_init(struct ev_loop *loop, void (*wake_dataplane)(void));
void ctl_fini(void);
int ctl_submit(struct ctl_req *r);

/* Dataplane thread: run what is queued. */
void ctl_run_pending(void);

#endif
