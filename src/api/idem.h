/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Idempotency-Key bookkeeping (idem.c): the keys, what each was first
 * asked with, and its answer; nothing of HTTP, so that tests/unit/t-idem.c
 * drives it with a clock of its own.  idem_http.c is the API's side.
 */
#ifndef API_IDEM_H
#define API_IDEM_H

#include <stddef.h>

#define IDEM_KEY_MAX	255
#define IDEM_MAX	4096		/* keys remembered */
#define IDEM_TTL	(24 * 3600.)	/* seconds an answered key is remembered */

struct idem {
	struct idem *next;
	char key[IDEM_KEY_MAX + 1];
	unsigned long long hash;	/* of the URL and the body */
	double at;			/* made, then answered */
	int done;
	unsigned int status;
	char *type, *body, *location;
};

enum idem_verdict {
	IDEM_NEW,		/* not known: *k is its new entry, running */
	IDEM_REPLAY,		/* answered: *k has the answer */
	IDEM_RUNNING,		/* the first request is still running: 409 */
	IDEM_MISMATCH,		/* known for another URL or body: 422 */
	IDEM_NOMEM,
};

/* 1 if @key is 1-255 visible ASCII characters, else 0. */
int idem_key_valid(const char *key);
/* What a key is bound to: the URL (NUL-terminated) and the body. */
unsigned long long idem_hash(const char *url, const char *body, size_t len);
/* Look @key up at @now (forgetting what expired, and the oldest answer
 * when full); a new key is remembered as running. */
enum idem_verdict idem_begin(const char *key, unsigned long long hash, double now,
			     struct idem **k);
/* @k's answer; a 5xx (or one that cannot be kept) forgets the key, so
 * that a retry runs again. */
void idem_done(struct idem *k, unsigned int status, const char *type, const char *body,
	       const char *location, double now);
void idem_forget(struct idem *k);
int idem_count(void);
void idem_fini(void);

#endif
