/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's log: standard error, one line per record, with a level. */
#ifndef LOG_H
#define LOG_H

#include "conf.h"

void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The library kernel's printk, line by line. */
void log_kernel(const char *msg, unsigned long len);

#define log_err(...)	log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
