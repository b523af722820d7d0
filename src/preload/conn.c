// SPDX-License-Identifier: GPL-2.0
/*
 * The connections to the appliance.  The first is made at load, HELLO
 * at the first tenant call: that session owns the program's file table
 * in the tenant.  A thread that makes a tenant call while every
 * connection is busy (another thread blocked in a recv, an accept, a
 * poll) gets a connection of its own, whose session shares that table
 * (HELLO with NRPC_HELLO_THREAD), so a call never waits for another
 * thread's.  Connections are pooled, not tied to threads: a call takes
 * any idle one.  If one more cannot be made (the program dropped what
 * connect() needs, or the pool is full), calls wait for an idle one.
 *
 * Also: a session whose descriptor was taken from under us (a raw
 * close_range) is made again; fork() children get a session of their
 * own (fork.c).
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "conn.h"
#include "pool.h"

/* Where the connections' descriptors go, out of the program's way. */
#define CONN_FD_BASE	1000

#define conn (*pl_cur)

__thread struct pl_conn *pl_cur __attribute__((tls_model("initial-exec")));
static __thread int lost_here __attribute__((tls_model("initial-exec")));
static struct pl_conn first = { .fd = -1, .bell = -1 };
struct pl_pool pl_pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
	.c = { &first },
	.n = 1,
	.forkpipe = { -1, -1 },
};
#define pool pl_pool

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
		pl_complain("the appliance at %s: %s", pool.path, why);
		pl_real.close(conn.fd);
	}
	conn.fd = -1;
	conn.hello = 0;
	conn.dead = 1;
	pl_wire_reset();
	return -ENETDOWN;
}

/*
 * The descriptor is no longer ours (closed by a raw syscall that stepped
 * around close_range/closefrom/dup2): never write to it again.  Every
 * connection of this session is of the old file table: the next call
 * makes a new session, and the tenant descriptors of the old one are
 * gone with it (pl_fd_lost).
 */
int pl_lost(const char *why)
{
	int bump;

	conn.fd = -1;
	conn.hello = 0;
	conn.lost = 1;
	lost_here = 1;
	pl_wire_reset();
	pthread_mutex_lock(&pool.lock);
	bump = conn.gen == pool.gen;
	if (bump) {
		pool.gen++;
		pool.files = 0;
	}
	pthread_mutex_unlock(&pool.lock);
	if (bump) {
		fprintf(stderr, "nuse-preload: the connection to the appliance was closed "
			"under the program (%s): starting a new session; the tenant "
			"descriptors of the old one are gone\n", why);
		pl_fd_lost();
	}
	return -ENETDOWN;
}

/* NULL while the descriptor holds the socket we connected; else how it
 * went (a raw close took it, or the program has a file of its own there). */
static const char *conn_gone(void)
{
	struct stat st;

	if (fstat(conn.fd, &st))
		return "its descriptor was closed";
	if (st.st_dev != conn.dev || st.st_ino != conn.ino)
		return "its descriptor holds another file now";
	return NULL;
}

static void conn_remember(void)
{
	struct stat st;

	if (!fstat(conn.fd, &st)) {
		conn.dev = st.st_dev;
		conn.ino = st.st_ino;
	}
}

int pl_lost_take(void)
{
	int l = lost_here;

	lost_here = 0;
	return l;
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

/* One HELLO and its reply: the reply's @ret, with the session (and a
 * channel, if one came) set up; or -errno if the connection failed. */
static int hello_once(uint64_t fork_of, uint32_t flags, uint32_t version, int64_t *ret)
{
	struct nrpc_hello m = { .version = version, .flags = flags, .fork_of = fork_of };
	struct iovec v = { &m, sizeof(m) };
	uint64_t size = 0;
	uint32_t n;
	int err, fd, bell;

	if (++conn.seq == 0)
		conn.seq = 1;
	m.h.len = sizeof(m);
	m.h.type = NRPC_HELLO;
	m.h.seq = conn.seq;
	strcpy(m.tenant, pool.tenant);
	conn.out_max = sizeof(conn.session) + sizeof(size);
	conn.want_fd = !!(flags & NRPC_HELLO_SHM);
	conn.got_fd = conn.got_bell = -1;
	err = pl_wire_send(&v, 1, 0);
	if (!err)
		err = pl_reply(ret, &n);
	conn.want_fd = 0;
	fd = conn.got_fd;
	bell = conn.got_bell;
	conn.got_fd = conn.got_bell = -1;
	if (!err && *ret >= 0) {
		if (n != sizeof(conn.session) && (n != sizeof(conn.session) + sizeof(size) || fd < 0))
			err = pl_fail("HELLO reply without a session");
		else if (!(err = pl_take(&conn.session, sizeof(conn.session))) &&
			 n > sizeof(conn.session))
			err = pl_take(&size, sizeof(size));
		if (!err)
			err = pl_done();
		if (!err && n > sizeof(conn.session)) {
			err = pl_shm_map(fd, size);
			fd = -1;
		}
		if (!err && conn.shm && bell >= 0 &&
		    (__atomic_load_n(&conn.shm->features, __ATOMIC_RELAXED) & NRPC_SHM_BELL)) {
			pl_bell_keep(conn_move_high(bell));
			bell = -1;
		}
	} else if (!err) {
		err = pl_done();	/* a refusal: another HELLO may follow */
	}
	if (fd >= 0)
		pl_real.close(fd);
	if (bell >= 0)
		pl_real.close(bell);
	return err;
}

/* HELLO on the connected socket; 0 or -errno (the socket closed then).
 * A shared channel is asked for unless NUSE_RPC_SHM=0; an appliance of
 * protocol version 1 is spoken to in its own. */
int pl_conn_hello(uint64_t fork_of, uint32_t flags)
{
	const char *tenant = pool.tenant;
	int64_t ret;
	int err;

	if (!*tenant) {
		pl_complain("NUSE_TENANT must name a tenant (at most %d bytes)", NRPC_TENANT_MAX);
		pl_real.close(conn.fd);
		conn.fd = -1;
		return -EINVAL;
	}
	if (pool.no_shm)
		err = hello_once(fork_of, flags, 1, &ret);
	else {
		err = hello_once(fork_of, flags | NRPC_HELLO_SHM, NRPC_VERSION, &ret);
		if (!err && ret == -EPROTONOSUPPORT)
			err = hello_once(fork_of, flags, 1, &ret);
	}
	if (err)
		return err;
	if (ret < 0) {
		if (!(flags & NRPC_HELLO_THREAD))
			pl_complain("the appliance refused tenant '%s': %s", tenant,
				    ret == -ENOENT ? "no such tenant" : strerror((int)-ret));
		pl_real.close(conn.fd);
		conn.fd = -1;
		return (int)ret;
	}
	conn.hello = 1;
	return 0;
}


/* Connect (no HELLO yet); 0 or -errno, said on stderr unless @quiet. */
int pl_conn_connect(int quiet)
{
	const char *path = pool.path;
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
	conn_remember();
	pl_wire_reset();
	return 0;
}

/*
 * NUSE_SOCKET_FD: the appliance started us with one end of a socket pair
 * already its (its own iptables runs): that is the connection.  It is
 * taken once, out of the environment, and never inherited further; such
 * a program cannot connect again, so its threads share that one.
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
	/* exec made us dumpable again: no other process of our user may
	 * take the session from us (ptrace, pidfd_getfd) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	conn.fd = conn_move_high(fd);
	pl_real.fcntl(conn.fd, F_SETFD, FD_CLOEXEC);
	conn.hello = 0;
	conn_remember();
	pool.path[0] = '\0';		/* a fork's child cannot come back this way */
	pool.nogrow = 1;
	pl_wire_reset();
	return 1;
}

/*
 * At load, before main() may drop what connect() needs (ping keeps only
 * CAP_NET_RAW, and the socket may be 0600 for another user): connect
 * now, say HELLO at the first tenant call, so that a program that never
 * makes one costs the appliance no session.  A failure here is tried
 * again, and told, at that call.
 */
void pl_conn_early(void)
{
	const char *t = getenv("NUSE_TENANT"), *p = getenv("NUSE_SOCKET");
	const char *shm = getenv("NUSE_RPC_SHM");

	/* kept now: a program may clear its environment later */
	if (t && strlen(t) < sizeof(pool.tenant))
		strcpy(pool.tenant, t);
	if (!p || !*p)
		p = NUSE_RPC_SOCKET_DEFAULT;
	if (strlen(p) < sizeof(pool.path))
		strcpy(pool.path, p);
	pool.no_shm = shm && !strcmp(shm, "0");
	if ((shm = getenv("NUSE_RPC_SPIN_NS")) && *shm)
		pl_spin_ns = strtoul(shm, NULL, 10);
	pl_cur = &first;
	if (conn.fd < 0 && !conn.dead && !conn_inherited())
		pl_conn_connect(1);
	pl_cur = NULL;
}

static unsigned int pool_gen(void)
{
	return __atomic_load_n(&pool.gen, __ATOMIC_RELAXED);
}

/* An idle connection, marked busy: one there is, or a new one for a
 * thread's session once the program has a session to share. */
static struct pl_conn *conn_take(void)
{
	struct pl_conn *c;
	int i;

	pthread_mutex_lock(&pool.lock);
	for (;;) {
		for (i = 0; i < pool.n; i++) {
			c = pool.c[i];
			if (!c->busy && !c->broken)
				goto got;
		}
		if (!pool.nogrow && pool.n < PL_CONNS_MAX && pool.files &&
		    (c = calloc(1, sizeof(*c)))) {
			c->fd = -1;
			c->bell = -1;
			c->gen = pool.gen;
			__atomic_store_n(&pool.c[pool.n], c, __ATOMIC_RELEASE);
			__atomic_store_n(&pool.n, pool.n + 1, __ATOMIC_RELEASE);
			goto got;
		}
		pthread_cond_wait(&pool.idle, &pool.lock);
	}
got:
	c->busy = 1;
	pthread_mutex_unlock(&pool.lock);
	return c;
}

/*
 * Make the calling thread's connection a session on the program's file
 * table: 0, -ENETDOWN, or -EAGAIN (a thread's could not be made; it is
 * set aside and the caller takes another).  Exactly one connection at a
 * time makes a new table; the others join it.
 */
static int conn_ready(void)
{
	uint64_t files;
	int err, mine = 0;

	pthread_mutex_lock(&pool.lock);
	if (conn.gen != pool.gen) {
		/* of a lost session: whatever it holds is of the old table */
		if (conn.fd >= 0 && !conn.lost && !conn_gone())
			pl_real.close(conn.fd);
		conn.fd = -1;
		conn.hello = conn.lost = 0;
		conn.gen = pool.gen;
		pl_wire_reset();
	}
	if (conn.hello) {
		pthread_mutex_unlock(&pool.lock);
		return 0;
	}
	while (!pool.files && pool.making)
		pthread_cond_wait(&pool.idle, &pool.lock);
	files = pool.files;
	if (!files && !conn.dead)
		mine = pool.making = 1;
	pthread_mutex_unlock(&pool.lock);
	if (conn.dead)
		return -ENETDOWN;
	if (mine) {
		err = conn.fd < 0 ? pl_conn_connect(0) : 0;
		if (!err)
			err = pl_conn_hello(0, 0);
		pthread_mutex_lock(&pool.lock);
		pool.making = 0;
		if (!err)
			pool.files = conn.session;
		pthread_cond_broadcast(&pool.idle);
		pthread_mutex_unlock(&pool.lock);
		if (err)
			conn.dead = 1;
		return err ? -ENETDOWN : 0;
	}
	err = conn.fd < 0 ? pl_conn_connect(1) : 0;
	if (!err)
		err = pl_conn_hello(files, NRPC_HELLO_THREAD);
	if (!err)
		return 0;
	/* No more connections for this program: its threads share these. */
	if (conn.fd >= 0)
		pl_real.close(conn.fd);
	conn.fd = -1;
	pthread_mutex_lock(&pool.lock);
	conn.broken = pool.nogrow = 1;
	pthread_mutex_unlock(&pool.lock);
	return -EAGAIN;
}

int pl_lock(void)
{
	const char *gone;
	int err;

	if (pl_cur)
		return -EINTR;	/* a signal handler, inside one of our calls */
	do {
		pl_cur = conn_take();
		/* One fstat per call: never a message into the program's file.
		 * The call was for the lost session: it fails (pl_begin sends
		 * one naming no descriptor again). */
		if (conn.fd >= 0 && conn.gen == pool_gen() && (gone = conn_gone())) {
			pl_lost(gone);
			pl_unlock();
			return -ENETDOWN;
		}
		if (conn.fd >= 0 && conn.wire != PL_IDLE)
			pl_resync();
		err = conn_ready();
		if (err == -EAGAIN) {
			pl_unlock();
			continue;
		}
	} while (err == -EAGAIN);
	if (!err && conn.fd >= 0 && conn.hello)
		return 0;
	pl_unlock();
	return -ENETDOWN;
}

void pl_unlock(void)
{
	struct pl_conn *c = pl_cur;

	pl_cur = NULL;
	pthread_mutex_lock(&pool.lock);
	c->busy = 0;
	pthread_cond_broadcast(&pool.idle);
	pthread_mutex_unlock(&pool.lock);
}


/* Is @fd one of our connections' (or the fork pipe's)? */
int pl_is_conn_fd(int fd)
{
	int i, n = __atomic_load_n(&pool.n, __ATOMIC_ACQUIRE);

	if (fd < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (__atomic_load_n(&pool.c[i]->fd, __ATOMIC_RELAXED) == fd ||
		    __atomic_load_n(&pool.c[i]->bell, __ATOMIC_RELAXED) == fd)
			return 1;
	return fd == pool.forkpipe[0] || fd == pool.forkpipe[1];
}

int pl_conn_fd(void)
{
	return conn.fd;
}
