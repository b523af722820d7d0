// SPDX-License-Identifier: GPL-2.0
/*
 * Each tenant's kernel log: the lines its namespace logged (netfilter's
 * LOG target, nft's log statement, ebtables/arptables logs), which the
 * kernel begins with "[netns N] " (linux/patches/0013), N the namespace's
 * inode number.  A line so tagged goes to its tenant's ring (the last
 * KLOG_LINES of them, for GET /tenants/NAME/log) and to the daemon's log
 * as "tenant NAME: kernel: ...", at most KLOG_RATE lines a second a
 * tenant, with a count of those held back.
 *
 * What reaches the daemon's log goes through the function given to
 * klog_say_to() (this folder does not log).
 *
 * Threads: klog_line() runs on any kernel CPU's thread (the console);
 * klog_add/del on the dataplane thread (tenants are made there);
 * klog_read on the control thread.  One mutex over all of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log/log.h"	/* struct log_rate (this folder does not log) */
#include "klog.h"
#include "tenant.h"

#define KLOG_LINES	256
#define KLOG_LINE_MAX	512
#define KLOG_RATE	20

struct klog {
	struct klog *next;
	char name[TENANT_NAME_MAX + 1];
	unsigned int inum;
	unsigned int head, count;	/* the ring: count lines, the oldest at head */
	unsigned long long total;
	struct log_rate rate;		/* the daemon's log: KLOG_RATE a second */
	char *lines[KLOG_LINES];
};

static struct klog *logs;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static klog_say_fn say;

void klog_say_to(klog_say_fn fn)
{
	say = fn;
}

static struct klog *by_name(const char *name)
{
	struct klog *k;

	for (k = logs; k; k = k->next)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

int klog_add(const char *name, unsigned int inum)
{
	struct klog *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->inum = inum;
	k->rate.burst = KLOG_RATE;
	pthread_mutex_lock(&lock);
	k->next = logs;
	logs = k;
	pthread_mutex_unlock(&lock);
	return 0;
}

void klog_del(const char *name)
{
	struct klog **pp, *k = NULL;
	unsigned int i;

	pthread_mutex_lock(&lock);
	for (pp = &logs; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->name, name)) {
			k = *pp;
			*pp = k->next;
			break;
		}
	pthread_mutex_unlock(&lock);
	if (!k)
		return;
	for (i = 0; i < KLOG_LINES; i++)
		free(k->lines[i]);
	free(k);
}

/* "[netns N] rest": N, and *rest; 0 if the line is not so tagged. */
unsigned int klog_parse(const char *msg, unsigned long len, const char **rest)
{
	static const char tag[] = "[netns ";
	unsigned long i = sizeof(tag) - 1;
	unsigned long long n = 0;

	if (len <= i || memcmp(msg, tag, i))
		return 0;
	for (; i < len && msg[i] >= '0' && msg[i] <= '9' && n <= 0xffffffffULL; i++)
		n = n * 10 + (msg[i] - '0');
	if (i == sizeof(tag) - 1 || i + 1 >= len || msg[i] != ']' || msg[i + 1] != ' ' ||
	    !n || n > 0xffffffffULL)
		return 0;
	*rest = msg + i + 2;
	return (unsigned int)n;
}

int klog_line(const char *msg, unsigned long len)
{
	char stamp[32], *line;
	const char *rest;
	struct timespec ts;
	struct tm tm;
	struct klog *k;
	unsigned int inum = klog_parse(msg, len, &rest), held;
	int n, shown;

	if (!inum)
		return 0;
	len -= rest - msg;
	while (len && rest[len - 1] == '\n')
		len--;
	if (len > KLOG_LINE_MAX)
		len = KLOG_LINE_MAX;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&lock);
	for (k = logs; k && k->inum != inum; k = k->next)
		;
	if (!k) {		/* a namespace of no tenant (one going away) */
		pthread_mutex_unlock(&lock);
		return 1;
	}
	n = asprintf(&line, "%s.%03ldZ %.*s", stamp, ts.tv_nsec / 1000000, (int)len, rest);
	if (n >= 0) {
		unsigned int at = (k->head + k->count) % KLOG_LINES;

		if (k->count == KLOG_LINES) {
			free(k->lines[k->head]);
			k->head = (k->head + 1) % KLOG_LINES;
			at = (k->head + k->count - 1) % KLOG_LINES;
		} else {
			k->count++;
		}
		k->lines[at] = line;
		k->total++;
	}
	shown = log_allow(&k->rate);
	held = shown ? log_held(&k->rate) : 0;
	if (shown && say)
		say(k->name, rest, len, held);
	pthread_mutex_unlock(&lock);
	return 1;
}

int klog_read(const char *name, char **text, size_t *len)
{
	struct klog *k;
	size_t n = 0, l;
	unsigned int i;
	char *out;

	pthread_mutex_lock(&lock);
	k = by_name(name);
	if (!k) {
		pthread_mutex_unlock(&lock);
		return -ENOENT;
	}
	for (i = 0; i < k->count; i++)
		n += strlen(k->lines[(k->head + i) % KLOG_LINES]) + 1;
	out = malloc(n + 1);
	if (!out) {
		pthread_mutex_unlock(&lock);
		return -ENOMEM;
	}
	for (i = 0, n = 0; i < k->count; i++) {
		l = strlen(k->lines[(k->head + i) % KLOG_LINES]);
		memcpy(out + n, k->lines[(k->head + i) % KLOG_LINES], l);
		out[n + l] = '\n';
		n += l + 1;
	}
	out[n] = '\0';
	pthread_mutex_unlock(&lock);
	*text = out;
	*len = n;
	return 0;
}
