/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's log: standard error, one line per record, with a level. */
#ifndef LOG_H
#define LOG_H

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

int log_allow(struct log_rate *r);
/* How many lines were held back since the last call (and forgets it). */
unsigned int log_held(struct log_rate *r);

#define log_err(...)	log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
