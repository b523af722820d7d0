// SPDX-License-Identifier: GPL-2.0
/* The API's connections; see conns.h. */
#include <stdlib.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "conns.h"
#include "log.h"

/* Descriptors beside the API's: tenants, the RPC, the state file, DPDK. */
#define FDS_OTHER	512

struct conn {
	struct conn *prev, *next;	/* on the idle list, oldest first */
	int fd;
	int idle;			/* on the list */
	int closing;			/* shut down here, MHD has yet to notice */
};

static struct conn *idle_head, *idle_tail;
static unsigned int nopen, nclosing;
static unsigned long nevicted;

static void idle_unlink(struct conn *k)
{
	if (!k->idle)
		return;
	*(k->prev ? &k->prev->next : &idle_head) = k->next;
	*(k->next ? &k->next->prev : &idle_tail) = k->prev;
	k->prev = k->next = NULL;
	k->idle = 0;
}

static void idle_append(struct conn *k)
{
	if (k->idle || k->closing)
		return;
	k->prev = idle_tail;
	k->next = NULL;
	*(idle_tail ? &idle_tail->next : &idle_head) = k;
	idle_tail = k;
	k->idle = 1;
}

void conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		  enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *info;
	struct conn *k = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		k = calloc(1, sizeof(*k));
		if (!k)		/* not counted: it can only be timed out */
			return;
		info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		k->fd = info ? info->connect_fd : -1;
		*socket_context = k;
		nopen++;
		idle_append(k);
		return;
	}
	if (!k)
		return;
	idle_unlink(k);
	nopen--;
	if (k->closing)
		nclosing--;
	free(k);
	*socket_context = NULL;
}

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

void conns_busy(struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);

	if (k)
		idle_unlink(k);
}

void conns_idle(struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);

	if (k)
		idle_append(k);
}

/* Once in 10 s at most: a flood must not flood the log too. */
static void log_evicted(void)
{
	static time_t last;
	static unsigned long logged;
	time_t now = time(NULL);

	if (now - last < 10)
		return;
	log_warn("api: %lu idle connection(s) closed to make room for new clients "
		 "(over api.max_connections)", nevicted - logged);
	logged = nevicted;
	last = now;
}

void conns_trim(unsigned int max)
{
	struct conn *k;
	int any = 0;

	while (nopen - nclosing > max && (k = idle_head)) {
		idle_unlink(k);
		k->closing = 1;
		nclosing++;
		nevicted++;
		any = 1;
		/* MHD reads the end of the stream and closes it itself. */
		if (k->fd >= 0)
			shutdown(k->fd, SHUT_RDWR);
	}
	if (any)
		log_evicted();
}

void conns_check_rlimit(unsigned int need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur >= need + FDS_OTHER)
		return;
	rl.rlim_cur = rl.rlim_max < need + FDS_OTHER ? rl.rlim_max : need + FDS_OTHER;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < need + FDS_OTHER)
		log_warn("api: the descriptor limit (%lu) is low for %u connections; "
			 "lower api.max_connections or raise RLIMIT_NOFILE",
			 (unsigned long)rl.rlim_cur, need);
}
