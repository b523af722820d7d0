/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's log: standard error, one line per record, with a level. */
#ifndef LOG_H
#define LOG_H

#include <time.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The library kernel's printk, line by line. */
void log_kernel(const char *msg, unsigned long len);
/* A kernel line @route takes (returns 1) is not logged here: a tenant's. */
void log_kernel_route(int (*route)(const char *msg, unsigned long len));

/*
 * A budget for lines a remote peer can cause: at most @burst a second.
 * log_allow() says whether this line may go out; the first allowed line
 * after some were held back says how many with log_held().
 */
struct log_rate {
	unsigned int burst;
	long long second;
	unsigned int n, held;
};

#define LOG_RATE(burst)	{ (burst), 0, 0, 0 }

/* Inline: code that does not log itself (src/tenant) counts with them. */
static inline int log_allow(struct log_rate *r)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec != r->second) {
		r->second = ts.tv_sec;
		r->n = 0;
	}
	if (r->n >= r->burst) {
		r->held++;
		return 0;
	}
	r->n++;
	return 1;
}

/* How many lines were held back since the last call (and forgets it). */
static inline unsigned int log_held(struct log_rate *r)
{
	unsigned int n = r->held;

	r->held = 0;
	return n;
}

#define log_err(...)	log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
