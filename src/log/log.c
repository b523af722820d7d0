// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log/log.h"

static enum log_level level = LOG_LEVEL_INFO;

void log_set_level(enum log_level l)
{
	level = l;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char line[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (l > level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(line + n, sizeof(line) - n, ".%03ldZ %s: ", ts.tv_nsec / 1000000,
		      names[l]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}

static int (*kernel_route)(const char *msg, unsigned long len);

void log_kernel_route(int (*route)(const char *msg, unsigned long len))
{
	kernel_route = route;
}

void log_kernel(const char *msg, unsigned long len)
{
	while (len && (msg[len - 1] == '\n'))
		len--;
	if (len && kernel_route && kernel_route(msg, len))
		return;
	if (len)
		log_msg(LOG_LEVEL_INFO, "kernel: %.*s", (int)len, msg);
}

