/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection's state, shared by conn.c (connect, HELLO, the lock,
 * fork, signal handlers that jump out) and wire.c (the messages).
 */
#ifndef PL_CONN_H
#define PL_CONN_H

#include <pthread.h>

#include "preload.h"

/* Where the stream stands: what a call a signal handler jumped out of
 * (longjmp) left behind, for the next call to finish first. */
enum pl_wire {
	PL_IDLE,		/* between calls */
	PL_SENDING,		/* a message partly written */
	PL_AWAIT,		/* a message sent, its reply not read */
	PL_POLLING,		/* an NRPC_POLL sent: CANCEL may end it */
	PL_READING,		/* a reply's header read, @left bytes to go */
};

struct pl_conn {
	pthread_mutex_t lock;
	pthread_t owner;	/* the thread in a call, when @owned */
	int owned;
	int fd;			/* -1: not connected (yet, or any more) */
	int hello;		/* HELLO answered: a session */
	int dead;		/* failed: tenant calls get -ENETDOWN */
	uint64_t session;	/* ours, for a child's HELLO fork_of */
	enum pl_wire wire;
	int cancelled;		/* the pending POLL's CANCEL went */
	uint32_t seq;
	uint32_t out_max;	/* of the pending call */
	uint32_t left;		/* out data of the current reply not read yet */
	size_t rpos, rlen;
	char rbuf[4096];
	int forkpipe[2];	/* the child says "HELLO answered" on it */
	char tenant[NRPC_TENANT_MAX + 1];	/* NUSE_TENANT; "" if too long */
	char path[108];		/* NUSE_SOCKET (sun_path); "" if too long */
};
extern struct pl_conn pl_conn;

void pl_complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* wire.c: @n iovecs as one message (HELLO's, a CALL's) */
int pl_wire_send(const struct iovec *iov, int n, int polling);
void pl_wire_reset(void);
/* Finish what a jumped-out-of call left on the wire. */
int pl_resync(void);

#endif
