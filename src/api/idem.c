// SPDX-License-Identifier: GPL-2.0
/*
 * Idempotency-Key: a POST retried with the key of one already answered
 * gets the first answer again, not a conflict.  The same key with another
 * request is 422; while the first is still running, 409.  Answers 5xx are
 * not remembered, so that a retry runs again.  Keys live 24 hours, at
 * most IDEM_MAX of them, and not across a restart.
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

#define IDEM_KEY_MAX	255
#define IDEM_MAX	4096		/* keys remembered */
#define IDEM_TTL	(24 * 3600.)	/* seconds a key is remembered */

struct idem {
	struct idem *next;
	char key[IDEM_KEY_MAX + 1];
	unsigned long long hash;	/* of the URL and the body */
	double at;
	int done;
	unsigned int status;
	char *type, *body, *location;
};

static struct idem *idems;
static int nidems;

static unsigned long long fnv(unsigned long long h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static void idem_free(struct idem *k)
{
	free(k->type);
	free(k->body);
	free(k->location);
	free(k);
}

void idem_forget(struct idem *k)
{
	struct idem **pp;

	for (pp = &idems; *pp; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			nidems--;
			idem_free(k);
			return;
		}
}

/* Forget keys past their time, and the oldest answered one when full.
 * New keys go to the front, so the oldest are at the end. */
static void idem_expire(void)
{
	double limit = api_now() - IDEM_TTL;
	struct idem **pp, *k, **oldest = NULL;

	for (pp = &idems; (k = *pp);) {
		if (k->done && k->at < limit) {
			*pp = k->next;
			nidems--;
			idem_free(k);
			continue;
		}
		if (k->done)
			oldest = pp;
		pp = &k->next;
	}
	if (nidems >= IDEM_MAX && oldest) {
		k = *oldest;
		*oldest = k->next;
		nidems--;
		idem_free(k);
	}
}

static struct idem *idem_find(const char *key)
{
	struct idem *k;

	for (k = idems; k; k = k->next)
		if (!strcmp(k->key, key))
			return k;
	return NULL;
}

void idem_record(struct idem *k, unsigned int status, const char *type,
			const char *body, const char *location)
{
	if (status >= 500) {
		idem_forget(k);
		return;
	}
	k->done = 1;
	k->at = api_now();
	k->status = status;
	k->type = type ? strdup(type) : NULL;
	k->body = body ? strdup(body) : NULL;
	k->location = location ? strdup(location) : NULL;
}


enum MHD_Result idem_check(struct pending *p, const char *url, int *answered)
{
	const char *key = MHD_lookup_connection_value(p->conn, MHD_HEADER_KIND,
						      "Idempotency-Key");
	unsigned long long h;
	struct idem *k;
	size_t i;

	*answered = 1;
	if (!key) {
		*answered = 0;
		return MHD_YES;
	}
	for (i = 0; key[i]; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			break;
	if (!*key || key[i] || i > IDEM_KEY_MAX)
		return api_problem(p, 400, "an Idempotency-Key is 1-255 visible ASCII characters",
			       "Idempotency-Key");
	h = fnv(fnv(0xcbf29ce484222325ULL, url, strlen(url) + 1), p->body ? p->body : "",
		p->body_len);
	idem_expire();
	k = idem_find(key);
	if (k && k->hash != h)
		return api_problem(p, 422, "this Idempotency-Key was used for another request",
			       "Idempotency-Key");
	if (k && !k->done)
		return api_problem(p, 409, "a request with this Idempotency-Key is still running",
			       "Idempotency-Key");
	if (k) {
		struct MHD_Response *r;
		enum MHD_Result ret;

		r = MHD_create_response_from_buffer(k->body ? strlen(k->body) : 0,
						    k->body ? k->body : "",
						    MHD_RESPMEM_MUST_COPY);
		if (k->type)
			MHD_add_response_header(r, "Content-Type", k->type);
		if (k->location)
			MHD_add_response_header(r, "Location", k->location);
		MHD_add_response_header(r, "Idempotent-Replayed", "true");
		p->status = k->status;
		ret = MHD_queue_response(p->conn, k->status, r);
		MHD_destroy_response(r);
		return ret;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return api_problem(p, 503, "out of memory", NULL);
	strcpy(k->key, key);
	k->hash = h;
	k->at = api_now();
	k->next = idems;
	idems = k;
	nidems++;
	p->idem = k;
	*answered = 0;
	return MHD_YES;
}

void idem_fini(void)
{
	struct idem *k;

	while ((k = idems)) {
		idems = k->next;
		idem_free(k);
	}
	nidems = 0;
}
