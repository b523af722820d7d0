/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The API's connections, counted so that idle ones cannot hold the API
 * hostage.  libmicrohttpd refuses a connection only when all its slots
 * are taken, whoever holds them; here, past api.max_connections, the
 * connection idle the longest (no request in progress) is closed to
 * make room, so a new client is served while a flood of idle
 * connections is held.  Requests in progress are never cut.  The bytes
 * read from them are looked at for NULs, which libmicrohttpd would hide.
 */
#ifndef API_CONNS_H
#define API_CONNS_H

#include <microhttpd.h>

/* libmicrohttpd's own limit for @max: room for the connections already
 * told to close (they count until libmicrohttpd has read their end) and
 * for a burst of new ones, so that a flood that reconnects as fast as it
 * is closed cannot fill it before the oldest idle are closed: each new
 * connection closes one at once (conns_notify()). */
#define API_CONN_LIMIT(max)	((max) + (max) / 2 + 64)

/* Raise the soft descriptor limit so that @need connections fit beside
 * everything else (a warning if the hard limit is too low). */
void conns_check_rlimit(unsigned int need);
/* The MHD_OPTION_NOTIFY_CONNECTION callback. */
void conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		  enum MHD_ConnectionNotificationCode code);
/* A request began on @c / was answered and done. */
void conns_busy(struct MHD_Connection *c);
void conns_idle(struct MHD_Connection *c);
/* Did @c bring a NUL byte (which no request may hold)? */
int conns_saw_nul(struct MHD_Connection *c);
/* After each MHD_run(): close the longest-idle connections beyond @max. */
void conns_trim(unsigned int max);
/* The limit conns_notify() keeps to as connections arrive. */
void conns_set_max(unsigned int max);

#endif
