// SPDX-License-Identifier: GPL-2.0
/* The API's connections; see conns.h. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "conns.h"
#include "log/log.h"

/* Descriptors beside the API's: tenants, the RPC, the state file, DPDK. */
#define FDS_OTHER	512

struct conn {
	struct conn *prev, *next;	/* on the idle list, oldest first */
	int fd;
	int idle;			/* on the list */
	int closing;			/* shut down here, MHD has yet to notice */
};

/* Descriptors that are API connections, and those that brought a NUL. */
#define FD_BITS		65536
static unsigned char api_fds[FD_BITS / 8], nul_fds[FD_BITS / 8];

static void fd_mark(unsigned char *map, int fd, int on)
{
	if (fd < 0 || fd >= FD_BITS)
		return;
	if (on)
		map[fd / 8] |= 1 << (fd % 8);
	else
		map[fd / 8] &= ~(1 << (fd % 8));
}

static int fd_marked(const unsigned char *map, int fd)
{
	return fd >= 0 && fd < FD_BITS && (map[fd / 8] & (1 << (fd % 8)));
}

typedef ssize_t recv_fn(int, void *, size_t, int);
static recv_fn *next_recv;		/* libc's */

/*
 * libmicrohttpd 0.9.75 hands header values on as C strings: a NUL cuts
 * one short and what follows it is never seen ("Bearer TOKEN\0junk"
 * reads as the token).  Nothing the API takes may hold a NUL (no header,
 * no JSON body, no ruleset), so the bytes it reads from its connections
 * are looked at on their way in: the library's recv() is this one, the
 * executable's symbol coming first.  Other descriptors pass untouched.
 */
ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	recv_fn *next = __atomic_load_n(&next_recv, __ATOMIC_RELAXED);
	ssize_t n;

	if (!next) {
		next = (recv_fn *)dlsym(RTLD_NEXT, "recv");
		if (!next) {
			errno = ENOSYS;
			return -1;
		}
		__atomic_store_n(&next_recv, next, __ATOMIC_RELAXED);
	}
	n = next(fd, buf, len, flags);
	if (n > 0 && fd_marked(api_fds, fd) && memchr(buf, '\0', n))
		fd_mark(nul_fds, fd, 1);
	return n;
}

static struct conn *idle_head, *idle_tail;
static unsigned int conns_max;
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
		fd_mark(nul_fds, k->fd, 0);
		fd_mark(api_fds, k->fd, 1);
		*socket_context = k;
		nopen++;
		/* Make room now, not after the run that accepted it: a
		 * flood can take every place in one run. */
		if (conns_max)
			conns_trim(conns_max);
		idle_append(k);
		return;
	}
	if (!k)
		return;
	idle_unlink(k);
	fd_mark(api_fds, k->fd, 0);
	fd_mark(nul_fds, k->fd, 0);
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

int conns_saw_nul(struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);

	return k && fd_marked(nul_fds, k->fd);
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

void conns_set_max(unsigned int max)
{
	conns_max = max;
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
