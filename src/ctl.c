// SPDX-License-Identifier: GPL-2.0
/* Control requests between the control and dataplane threads; see ctl.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "log.h"
#include "tenant/tenant.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct ctl_req *requests, **requests_tail = &requests;
static struct ctl_req *replies, **replies_tail = &replies;
static struct ev_loop *loop;
static ev_async replied;
static void (*wake)(void);

static void push(struct ctl_req ***tail, struct ctl_req *r)
{
	r->next = NULL;
	**tail = r;
	*tail = &r->next;
}

static struct ctl_req *take(struct ctl_req **head, struct ctl_req ***tail)
{
	struct ctl_req *list;

	pthread_mutex_lock(&lock);
	list = *head;
	*head = NULL;
	*tail = head;
	pthread_mutex_unlock(&lock);
	return list;
}

static void on_replied(struct ev_loop *l, ev_async *w, int revents)
{
	struct ctl_req *r = take(&replies, &replies_tail), *next;

	for (; r; r = next) {
		next = r->next;
		r->done(r);
	}
}

int ctl_init(struct ev_loop *l, void (*wake_dataplane)(void))
{
	loop = l;
	wake = wake_dataplane;
	ev_async_init(&replied, on_replied);
	ev_async_start(loop, &replied);
	return 0;
}

void ctl_fini(void)
{
	if (loop)
		ev_async_stop(loop, &replied);
}

int ctl_submit(struct ctl_req *r)
{
	if (!r || !r->done)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	push(&requests_tail, r);
	pthread_mutex_unlock(&lock);
	wake();
	return 0;
}

/* --- on the dataplane thread --- */

static int tenant_list(struct ctl_req *req)
{
	struct ctl_tenant_list *r = (struct ctl_tenant_list *)req;
	json_t *list = json_array();
	struct tenant *t = NULL;
	int i;

	while ((t = tenant_next(t))) {
		json_t *o = json_object(), *vnics = json_array();

		for (i = 0; i < tenant_nvnics(t); i++)
			json_array_append_new(vnics, json_string(tenant_vnic_spec(t, i)->name));
		json_object_set_new(o, "name", json_string(tenant_name(t)));
		json_object_set_new(o, "vnics", vnics);
		json_array_append_new(list, o);
	}
	r->json = json_dumps(list, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(list);
	return r->json ? 0 : -ENOMEM;
}

static int tenant_get_req(struct ctl_req *req);

/* Answered with the tenant as it now is. */
static int tenant_create_req(struct ctl_req *req)
{
	struct ctl_tenant *r = (struct ctl_tenant *)req;
	int err = tenant_create(&r->spec, &r->error);

	if (err)
		return err;
	snprintf(r->name, sizeof(r->name), "%s", r->spec.name);
	return tenant_get_req(req);
}

static int tenant_destroy_req(struct ctl_req *req)
{
	struct ctl_tenant *r = (struct ctl_tenant *)req;

	r->name[TENANT_NAME_MAX] = '\0';
	return tenant_destroy(r->name, &r->error);
}

static int tenant_get_req(struct ctl_req *req)
{
	struct ctl_tenant *r = (struct ctl_tenant *)req;
	struct tenant *t;
	json_t *o, *vnics;
	int i;

	r->name[TENANT_NAME_MAX] = '\0';
	t = tenant_find(r->name);
	if (!t)
		return -ENOENT;
	o = json_object();
	vnics = json_array();
	for (i = 0; i < tenant_nvnics(t); i++) {
		const struct tenant_vnic_spec *v = tenant_vnic_spec(t, i);
		char mac[18];

		tenant_format_mac(v->mac, mac);
		json_array_append_new(vnics, json_pack("{s:s,s:s,s:i,s:o}", "name", v->name,
			"mac", mac, "mtu", v->mtu ? v->mtu : 1500,
			"vlan", v->vlan < 0 ? json_null() : json_integer(v->vlan)));
	}
	json_object_set_new(o, "name", json_string(tenant_name(t)));
	json_object_set_new(o, "vnics", vnics);
	r->json = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	return r->json ? 0 : -ENOMEM;
}

static const struct {
	size_t len;
	int (*run)(struct ctl_req *);
} handlers[CTL_TYPE_MAX] = {
	[CTL_TENANT_LIST] = { sizeof(struct ctl_tenant_list), tenant_list },
	[CTL_TENANT_CREATE] = { sizeof(struct ctl_tenant), tenant_create_req },
	[CTL_TENANT_DESTROY] = { sizeof(struct ctl_tenant), tenant_destroy_req },
	[CTL_TENANT_GET] = { sizeof(struct ctl_tenant), tenant_get_req },
};

void ctl_run_pending(void)
{
	struct ctl_req *r, *next;
	int any = 0;

	if (!requests)		/* a racy peek: the lock is taken below */
		return;
	for (r = take(&requests, &requests_tail); r; r = next) {
		next = r->next;
		if (r->type == 0 || r->type >= CTL_TYPE_MAX || r->len != handlers[r->type].len) {
			log_warn("control: dropped a request of type %u, length %zu", r->type, r->len);
			r->status = -EINVAL;
		} else {
			r->status = handlers[r->type].run(r);
		}
		pthread_mutex_lock(&lock);
		push(&replies_tail, r);
		pthread_mutex_unlock(&lock);
		any = 1;
	}
	if (any)
		ev_async_send(loop, &replied);
}
