// SPDX-License-Identifier: GPL-2.0
/*
 * The connection to the appliance, one per process: made at load,
 * HELLO at the first tenant call, then one call at a time under
 * pl_conn.lock (messages: wire.c).  Also what fork() and signal handlers
 * do to it: a child gets a session of its own, and a handler that
 * longjmp()s out of a call frees the lock for the next call, which
 * finishes the abandoned one first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"

/* Where the connection's descriptor goes, out of the program's way. */
#define CONN_FD_BASE	1000

#define conn pl_conn

struct pl_conn pl_conn = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.fd = -1,
	.forkpipe = { -1, -1 },
};

void pl_complain(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("nuse-preload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(" (tenant calls fail with ENETDOWN)\n", stderr);
	va_end(ap);
}

/* The connection is gone; so are the tenant descriptors it carried. */
int pl_fail(const char *why)
{
	if (conn.fd >= 0) {
		pl_complain("the appliance at %s: %s", conn.path, why);
		pl_real.close(conn.fd);
	}
	conn.fd = -1;
	conn.hello = 0;
	conn.dead = 1;
	pl_wire_reset();
	return -ENETDOWN;
}

/* HELLO on the connected socket; 0 or -errno (the socket closed then). */
static int conn_hello(uint64_t fork_of)
{
	struct nrpc_hello m = { .version = NRPC_VERSION, .fork_of = fork_of };
	struct iovec v = { &m, sizeof(m) };
	const char *tenant = conn.tenant;
	int64_t ret;
	uint32_t n;
	int err;

	if (!*tenant) {
		pl_complain("NUSE_TENANT must name a tenant (at most %d bytes)", NRPC_TENANT_MAX);
		pl_real.close(conn.fd);
		conn.fd = -1;
		return -EINVAL;
	}
	if (++conn.seq == 0)
		conn.seq = 1;
	m.h.len = sizeof(m);
	m.h.type = NRPC_HELLO;
	m.h.seq = conn.seq;
	strcpy(m.tenant, tenant);
	conn.out_max = sizeof(conn.session);
	if ((err = pl_wire_send(&v, 1, 0)) || (err = pl_reply(&ret, &n)))
		return err;
	if (ret < 0) {
		pl_complain("the appliance refused tenant '%s': %s", tenant,
			 ret == -ENOENT ? "no such tenant" : strerror((int)-ret));
		pl_real.close(conn.fd);
		conn.fd = -1;
		return (int)ret;
	}
	if (n != sizeof(conn.session))
		return pl_fail("HELLO reply without a session");
	if ((err = pl_take(&conn.session, sizeof(conn.session))) || (err = pl_done()))
		return err;
	conn.hello = 1;
	return 0;
}

static int conn_move_high(int fd)
{
	struct rlimit rl;
	int base = CONN_FD_BASE, nfd;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < 2 * CONN_FD_BASE)
		base = rl.rlim_cur >= CONN_FD_BASE + 24 ? CONN_FD_BASE : rl.rlim_cur / 2;
	nfd = pl_real.fcntl(fd, F_DUPFD_CLOEXEC, base);
	if (nfd < 0)
		return fd;
	pl_real.close(fd);
	return nfd;
}

/* Connect (no HELLO yet); 0 or -errno, said on stderr unless @quiet. */
static int conn_connect(int quiet)
{
	const char *path = conn.path;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (!*path) {
		if (!quiet)
			pl_complain("NUSE_SOCKET is too long");
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = pl_real.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || pl_real.connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = errno;
		if (!quiet)
			pl_complain("cannot reach the appliance at %s: %s", path, strerror(err));
		if (fd >= 0)
			pl_real.close(fd);
		return -err;
	}
	conn.fd = conn_move_high(fd);
	conn.hello = 0;
	pl_wire_reset();
	return 0;
}

/*
 * At load, before main() may drop what connect() needs (ping keeps only
 * CAP_NET_RAW, and the socket may be 0600 for another user): connect
 * now, say HELLO at the first tenant call, so that a program that never
 * makes one costs the appliance no session.  A failure here is tried
 * again, and told, at that call.
 */
/*
 * NUSE_SOCKET_FD: the appliance started us with one end of a socket pair
 * already its (its own iptables runs): that is the connection.  It is
 * taken once, out of the environment, and never inherited further.
 */
static int conn_inherited(void)
{
	const char *v = getenv("NUSE_SOCKET_FD");
	char *end;
	long fd;

	if (!v)
		return 0;
	fd = strtol(v, &end, 10);
	unsetenv("NUSE_SOCKET_FD");
	if (*end || fd < 0 || fd > 65535 || pl_real.fcntl(fd, F_GETFD) < 0)
		return 0;
	conn.fd = conn_move_high(fd);
	pl_real.fcntl(conn.fd, F_SETFD, FD_CLOEXEC);
	conn.hello = 0;
	conn.path[0] = '\0';		/* a fork's child cannot come back this way */
	pl_wire_reset();
	return 1;
}

void pl_conn_early(void)
{
	const char *t = getenv("NUSE_TENANT"), *p = getenv("NUSE_SOCKET");

	/* kept now: a program may clear its environment later */
	if (t && strlen(t) < sizeof(conn.tenant))
		strcpy(conn.tenant, t);
	if (!p || !*p)
		p = NRPC_SOCKET_DEFAULT;
	if (strlen(p) < sizeof(conn.path))
		strcpy(conn.path, p);
	pthread_mutex_lock(&conn.lock);
	if (conn.fd < 0 && !conn.dead && !conn_inherited())
		conn_connect(1);
	pthread_mutex_unlock(&conn.lock);
}

static int on_this_thread(void)
{
	return conn.owned && pthread_equal(conn.owner, pthread_self());
}

int pl_lock(void)
{
	if (on_this_thread())
		return -EINTR;	/* a signal handler, inside one of our calls */
	pthread_mutex_lock(&conn.lock);
	conn.owner = pthread_self();
	conn.owned = 1;
	if (conn.fd >= 0 && conn.wire != PL_IDLE)
		pl_resync();
	if (!conn.dead && !conn.hello &&
	    ((conn.fd < 0 && conn_connect(0) < 0) || conn_hello(0) < 0))
		conn.dead = 1;
	if (conn.fd >= 0 && conn.hello)
		return 0;
	pl_unlock();
	return -ENETDOWN;
}

void pl_unlock(void)
{
	conn.owned = 0;
	pthread_mutex_unlock(&conn.lock);
}

/*
 * A signal handler longjmp()s out of the program's wait, through our
 * call (iperf3 on ^C): the lock must not stay held, and what the call
 * left on the wire is the next call's to finish (pl_resync).
 */
static void abandon(void)
{
	pl_boot();
	if (on_this_thread())
		pl_unlock();
}

PL_EXPORT void longjmp(struct __jmp_buf_tag env[1], int val)
{
	abandon();
	pl_real.longjmp(env, val);
}

PL_EXPORT void _longjmp(struct __jmp_buf_tag env[1], int val)
{
	abandon();
	pl_real._longjmp(env, val);
}

PL_EXPORT void siglongjmp(struct __jmp_buf_tag env[1], int val)
{
	abandon();
	pl_real.siglongjmp(env, val);
}

PL_EXPORT void __longjmp_chk(struct __jmp_buf_tag env[1], int val)
{
	abandon();
	pl_real.__longjmp_chk(env, val);
}

/*
 * fork(): no call is in flight (we hold the lock across it).  A child of
 * a parent with tenant descriptors asks for a copy of the parent's
 * session; the parent waits until the appliance answered, so that the
 * copy is of the table as it was at fork().  Any other child drops the
 * inherited connection (one connection is one session) and connects
 * when it first needs to.
 */
static void fork_prepare(void)
{
	pthread_mutex_lock(&conn.lock);
	pl_epoll_lock(1);
	pl_fd_lock(1);
	if (conn.hello && pl_fd_count() > 0 && pipe2(conn.forkpipe, O_CLOEXEC) < 0)
		conn.forkpipe[0] = conn.forkpipe[1] = -1;
}

static void fork_parent(void)
{
	char c;

	if (conn.forkpipe[0] >= 0) {
		pl_real.close(conn.forkpipe[1]);
		while (pl_real.read(conn.forkpipe[0], &c, 1) < 0 && errno == EINTR)
			;
		pl_real.close(conn.forkpipe[0]);
		conn.forkpipe[0] = conn.forkpipe[1] = -1;
	}
	pl_fd_lock(0);
	pl_epoll_lock(0);
	pthread_mutex_unlock(&conn.lock);
}

static void fork_child(void)
{
	int copy = conn.hello && pl_fd_count() > 0;

	if (conn.fd >= 0)
		pl_real.close(conn.fd);
	conn.fd = -1;
	conn.hello = 0;
	pl_wire_reset();	/* a call the parent abandoned is the parent's */
	if (copy && (conn_connect(0) < 0 || conn_hello(conn.session) < 0))
		conn.dead = 1;
	if (conn.forkpipe[0] >= 0) {
		pl_real.close(conn.forkpipe[0]);
		while (pl_real.write(conn.forkpipe[1], "", 1) < 0 && errno == EINTR)
			;
		pl_real.close(conn.forkpipe[1]);
		conn.forkpipe[0] = conn.forkpipe[1] = -1;
	}
	pl_fd_lock(0);
	pl_epoll_lock(0);
	pthread_mutex_unlock(&conn.lock);
}

void pl_conn_atfork(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}
