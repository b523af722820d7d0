// SPDX-License-Identifier: GPL-2.0
/*
 * Idempotency-Key bookkeeping (src/api/idem.c) on a clock of the test's
 * own: a key's form; a new key runs, a retry while it runs is 409, once
 * answered the answer is replayed; the same key with another body or URL
 * is 422; a 5xx is forgotten (the retry runs again), as is a request
 * never answered; answers expire after 24 hours (running ones never);
 * and past IDEM_MAX keys the oldest answer makes room for a new key,
 * and only for one (a replay at the limit forgot another key's answer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/idem.h"

#include "check.h"

static const char *const names[] = { "new", "replay", "running", "mismatch", "nomem" };

static double now = 1000;

static const char *shown(const char *body)
{
	return body ? body : "(no body)";
}

static enum idem_verdict begin(const char *key, const char *url, const char *body,
			       struct idem **k)
{
	return idem_begin(key, idem_hash(url, body, body ? strlen(body) : 0), now, k);
}

#define BEGIN(want, key, url, body) do {				\
	enum idem_verdict got_ = begin(key, url, body, &k);		\
	CHECK(got_ == (want), "%s %s %s: %s, want %s", key, url,	\
	      shown(body), names[got_], names[want]);			\
} while (0)

static void test_keys(void)
{
	char key[IDEM_KEY_MAX + 2];

	CHECK(idem_key_valid("k-1"), "k-1 refused");
	CHECK(idem_key_valid("!~"), "visible ASCII refused");
	CHECK(!idem_key_valid(""), "an empty key taken");
	CHECK(!idem_key_valid("a b"), "a space taken");
	CHECK(!idem_key_valid("a\tb"), "a tab taken");
	CHECK(!idem_key_valid("a\x7f"), "DEL taken");
	CHECK(!idem_key_valid("caf\xc3\xa9"), "non-ASCII taken");
	memset(key, 'k', IDEM_KEY_MAX);
	key[IDEM_KEY_MAX] = '\0';
	CHECK(idem_key_valid(key), "a 255-character key refused");
	key[IDEM_KEY_MAX] = 'k';
	key[IDEM_KEY_MAX + 1] = '\0';
	CHECK(!idem_key_valid(key), "a 256-character key taken");
}

static void test_one_key(void)
{
	struct idem *k, *first;

	BEGIN(IDEM_NEW, "a", "/tenants", "{\"name\": \"x\"}");
	first = k;
	CHECK(idem_count() == 1, "%d keys, want 1", idem_count());
	BEGIN(IDEM_RUNNING, "a", "/tenants", "{\"name\": \"x\"}");
	BEGIN(IDEM_MISMATCH, "a", "/tenants", "{\"name\": \"y\"}");
	idem_done(first, 201, "application/json", "{\"name\": \"x\"}", "/tenants/x", now);
	BEGIN(IDEM_REPLAY, "a", "/tenants", "{\"name\": \"x\"}");
	CHECK(k == first && k->status == 201 && !strcmp(k->body, "{\"name\": \"x\"}") &&
	      !strcmp(k->type, "application/json") && !strcmp(k->location, "/tenants/x"),
	      "the replay is not the first answer");
	BEGIN(IDEM_MISMATCH, "a", "/tenants", "{\"name\": \"y\"}");
	BEGIN(IDEM_MISMATCH, "a", "/tenants/x/vnics", "{\"name\": \"x\"}");
	BEGIN(IDEM_MISMATCH, "a", "/tenants", NULL);
	/* the URL and the body apart: "/a" + "b" is not "/ab" + "" */
	BEGIN(IDEM_NEW, "b", "/ab", "");
	idem_done(k, 204, NULL, NULL, NULL, now);
	BEGIN(IDEM_MISMATCH, "b", "/a", "b");
	BEGIN(IDEM_REPLAY, "b", "/ab", NULL);	/* no body is an empty one */
	CHECK(k->status == 204 && !k->body && !k->type && !k->location, "a 204 replayed otherwise");
	BEGIN(IDEM_NEW, "A", "/tenants", "{\"name\": \"x\"}");	/* keys are case-sensitive */
	idem_fini();
	CHECK(idem_count() == 0, "%d keys after idem_fini", idem_count());
}

static void test_forgotten(void)
{
	struct idem *k;

	BEGIN(IDEM_NEW, "c", "/tenants", "{}");
	idem_done(k, 503, "application/problem+json", "{}", NULL, now);
	CHECK(idem_count() == 0, "a 503 is remembered");
	BEGIN(IDEM_NEW, "c", "/tenants", "{}");	/* the retry runs again */
	idem_done(k, 500, NULL, NULL, NULL, now);
	BEGIN(IDEM_NEW, "c", "/tenants", "{\"other\": 1}");	/* and may differ */
	idem_done(k, 422, "application/problem+json", "{}", NULL, now);
	BEGIN(IDEM_REPLAY, "c", "/tenants", "{\"other\": 1}");	/* a 4xx is an answer */
	BEGIN(IDEM_NEW, "d", "/tenants", "{}");
	idem_forget(k);		/* never answered: the connection went */
	BEGIN(IDEM_NEW, "d", "/tenants", "{}");
	idem_fini();
}

static void test_expiry(void)
{
	struct idem *k, *running;

	BEGIN(IDEM_NEW, "old", "/tenants", "{}");
	idem_done(k, 201, NULL, "{}", NULL, now);
	BEGIN(IDEM_NEW, "slow", "/tenants", "{}");
	running = k;
	now += IDEM_TTL;
	BEGIN(IDEM_REPLAY, "old", "/tenants", "{}");	/* 24 hours: still there */
	now += 1;
	BEGIN(IDEM_NEW, "old", "/tenants", "{\"new\": 1}");	/* past them: gone */
	idem_done(k, 201, NULL, "{}", NULL, now);
	BEGIN(IDEM_RUNNING, "slow", "/tenants", "{}");	/* running: never expires */
	idem_done(running, 201, NULL, "{}", NULL, now);	/* its 24 hours start now */
	now += IDEM_TTL;
	BEGIN(IDEM_REPLAY, "slow", "/tenants", "{}");
	CHECK(idem_count() == 2, "%d keys, want 2", idem_count());
	idem_fini();
}

static void test_full(void)
{
	struct idem *k, *running;
	char key[32];
	int i;

	BEGIN(IDEM_NEW, "running", "/tenants", "{}");
	running = k;
	for (i = 0; i < IDEM_MAX - 1; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		BEGIN(IDEM_NEW, key, "/tenants", "{}");
		idem_done(k, 201, NULL, "{}", NULL, now);
		now += 0.001;
	}
	CHECK(idem_count() == IDEM_MAX, "%d keys, want %d", idem_count(), IDEM_MAX);
	BEGIN(IDEM_NEW, "one more", "/tenants", "{}");
	CHECK(idem_count() == IDEM_MAX, "%d keys when full, want %d", idem_count(), IDEM_MAX);
	BEGIN(IDEM_NEW, "k0", "/tenants", "{\"x\": 1}");	/* the oldest answer went */
	CHECK(idem_count() == IDEM_MAX, "%d keys when full, want %d", idem_count(), IDEM_MAX);
	/* what adds no key makes no room: a replay forgets no one else's */
	for (i = 0; i < 3; i++)
		BEGIN(IDEM_REPLAY, "k2", "/tenants", "{}");
	BEGIN(IDEM_MISMATCH, "k3", "/tenants", "{\"x\": 1}");
	BEGIN(IDEM_REPLAY, "k3", "/tenants", "{}");
	BEGIN(IDEM_REPLAY, "k4094", "/tenants", "{}");
	BEGIN(IDEM_NEW, "k1", "/tenants", "{}");		/* "k0" made room with it */
	BEGIN(IDEM_RUNNING, "running", "/tenants", "{}");	/* and running ones always */
	CHECK(running->done == 0, "the running key was answered");
	idem_fini();
}

int main(void)
{
	test_keys();
	test_one_key();
	test_forgotten();
	test_expiry();
	test_full();
	if (!failed)
		printf("Idempotency-Key bookkeeping: all as expected\n");
	return failed;
}
