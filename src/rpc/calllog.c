// SPDX-License-Identifier: GPL-2.0
/*
 * Who did what when a tool's call went wrong: every call the appliance
 * refused (a layout, a descriptor, a path or an option it does not take)
 * or the tenant's kernel failed is logged with the tenant, the program
 * (its name and pid, as the socket's peer credentials name it) and the
 * reason, rate-limited so that a program failing in a loop costs a few
 * lines.  Answers that are a program's flow rather than a failure
 * (EAGAIN, EINPROGRESS, EINTR, EALREADY) are not failures.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"
#include "rpc_int.h"

#define WINDOW		10.0	/* seconds */
#define BURST		20	/* lines per window, in all */
#define SESS_BURST	5	/* ... for one session: a program failing in a
				 * loop leaves room for the others' lines */

static const char *const op_names[NRPC_OP_MAX] = {
	[NRPC_SOCKET] = "socket", [NRPC_CLOSE] = "close", [NRPC_BIND] = "bind",
	[NRPC_CONNECT] = "connect", [NRPC_LISTEN] = "listen", [NRPC_ACCEPT] = "accept",
	[NRPC_SHUTDOWN] = "shutdown", [NRPC_GETSOCKNAME] = "getsockname",
	[NRPC_GETPEERNAME] = "getpeername", [NRPC_SENDTO] = "sendto",
	[NRPC_RECVFROM] = "recvfrom", [NRPC_SENDMSG] = "sendmsg", [NRPC_RECVMSG] = "recvmsg",
	[NRPC_SETSOCKOPT] = "setsockopt", [NRPC_GETSOCKOPT] = "getsockopt",
	[NRPC_IOCTL] = "ioctl", [NRPC_FCNTL] = "fcntl", [NRPC_READ] = "read",
	[NRPC_WRITE] = "write", [NRPC_POLL] = "poll", [NRPC_OPEN] = "open",
	[NRPC_DUP] = "dup", [NRPC_NULL] = "null",
};

/* Counted on whichever thread takes the call; read by /metrics. */
unsigned long long rpc_op_calls[NRPC_OP_MAX], rpc_op_refused[NRPC_OP_MAX];

const char *rpc_op_name(uint32_t op)
{
	return op < NRPC_OP_MAX && op_names[op] ? op_names[op] : NULL;
}

void rpc_count_call(uint32_t op)
{
	__atomic_add_fetch(&rpc_op_calls[op < NRPC_OP_MAX ? op : 0], 1, __ATOMIC_RELAXED);
}

static struct {
	ev_tstamp window;
	int count, dropped;
} lim;

/* A program's name, /proc/PID/comm, printable; "?" if it cannot be read. */
void rpc_pid_comm(int pid, char comm[16])
{
	char path[64];
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	strcpy(comm, "?");
	fd = pid > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return;
	n = read(fd, comm, 15);
	close(fd);
	if (n <= 0) {
		strcpy(comm, "?");
		return;
	}
	comm[n] = '\0';
	for (i = 0; comm[i]; i++)	/* its own choice of bytes: printable only */
		if (comm[i] == '\n')
			comm[i] = '\0';
		else if (comm[i] < 0x20 || comm[i] > 0x7e)
			comm[i] = '?';
}

static int flow(long err)
{
	return err == -EAGAIN || err == -EINPROGRESS || err == -EINTR || err == -EALREADY;
}

/* The control thread and the kernel's CPU (chan.c) both log calls. */
static pthread_mutex_t lim_lock = PTHREAD_MUTEX_INITIALIZER;

static int allowed_locked(struct rpc_sess *s)
{
	ev_tstamp now = ev_time();

	if (now - lim.window >= WINDOW) {
		if (lim.dropped)
			log_warn("rpc: %d more failed tool calls were not logged", lim.dropped);
		lim.window = now;
		lim.count = lim.dropped = 0;
	}
	if (now - s->log_window >= WINDOW) {
		s->log_window = now;
		s->log_count = 0;
	}
	if (s->log_count >= SESS_BURST || lim.count >= BURST) {
		lim.dropped++;
		return 0;
	}
	s->log_count++;
	lim.count++;
	return 1;
}

static int allowed(struct rpc_sess *s)
{
	int ok;

	pthread_mutex_lock(&lim_lock);
	ok = allowed_locked(s);
	pthread_mutex_unlock(&lim_lock);
	return ok;
}

/* A path from the program, printable and bounded. */
static void clean(char *dst, size_t cap, const unsigned char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < cap && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] <= 0x7e ? src[i] : '?';
	dst[i] = '\0';
}

void rpc_log_call(struct rpc_sess *s, uint32_t op, const int64_t args[3],
		  const unsigned char *in, size_t n, long err, int refused)
{
	const char *name = op < NRPC_OP_MAX && op_names[op] ? op_names[op] : "unknown op";
	char what[160];

	if (err < 0 && refused)
		__atomic_add_fetch(&rpc_op_refused[op < NRPC_OP_MAX ? op : 0], 1, __ATOMIC_RELAXED);
	if (err >= 0 || flow(err) || !allowed(s))
		return;
	if (op == NRPC_OPEN && in && n)
		clean(what, sizeof(what), in, n);
	else
		snprintf(what, sizeof(what), "%lld, %lld, %lld", (long long)args[0],
			 (long long)args[1], (long long)args[2]);
	log_warn("rpc: tenant %s: program %s (pid %d uid %u): %s(%s) %s: %s",
		 s->tenant, s->comm, (int)s->peer.pid, s->peer.uid, name, what,
		 refused ? "refused" : "failed", strerror((int)-err));
}
