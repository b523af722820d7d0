// SPDX-License-Identifier: GPL-2.0
/*
 * Idempotency-Key: a POST retried with the key of one already answered
 * gets the first answer again, not a conflict.  The same key with another
 * request is 422; while the first is still running, 409.  Answers 5xx are
 * not remembered, so that a retry runs again.  Keys live 24 hours, at
 * most IDEM_MAX of them, and not across a restart.  This file is the
 * bookkeeping (idem.h); idem_http.c reads the header and answers.
 */
#include <stdlib.h>
#include <string.h>

#include "idem.h"

static struct idem *idems;
static int nidems;

static unsigned long long fnv(unsigned long long h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

int idem_key_valid(const char *key)
{
	size_t i;

	for (i = 0; key[i]; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return 0;
	return i > 0 && i <= IDEM_KEY_MAX;
}

unsigned long long idem_hash(const char *url, const char *body, size_t len)
{
	return fnv(fnv(0xcbf29ce484222325ULL, url, strlen(url) + 1), body ? body : "", len);
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

/* Forget keys past their time, and, when a new key is to be kept and
 * there are IDEM_MAX, the oldest answered one.  New keys go to the
 * front, so the oldest are at the end. */
static void idem_expire(double now, int room)
{
	double limit = now - IDEM_TTL;
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
	if (room && nidems >= IDEM_MAX && oldest) {
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

enum idem_verdict idem_begin(const char *key, unsigned long long hash, double now,
			     struct idem **kp)
{
	struct idem *k;

	idem_expire(now, 0);
	k = *kp = idem_find(key);
	if (k && k->hash != hash)
		return IDEM_MISMATCH;
	if (k)
		return k->done ? IDEM_REPLAY : IDEM_RUNNING;
	idem_expire(now, 1);	/* (a lookup alone must not forget another's) */
	k = *kp = calloc(1, sizeof(*k));
	if (!k)
		return IDEM_NOMEM;
	strcpy(k->key, key);
	k->hash = hash;
	k->at = now;
	k->next = idems;
	idems = k;
	nidems++;
	return IDEM_NEW;
}

void idem_done(struct idem *k, unsigned int status, const char *type, const char *body,
	       const char *location, double now)
{
	if (status >= 500) {
		idem_forget(k);
		return;
	}
	k->done = 1;
	k->at = now;
	k->status = status;
	k->type = type ? strdup(type) : NULL;
	k->body = body ? strdup(body) : NULL;
	k->location = location ? strdup(location) : NULL;
}

int idem_count(void)
{
	return nidems;
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
