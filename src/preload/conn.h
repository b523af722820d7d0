/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connections' state, shared by conn.c (connect, HELLO, the pool of
 * connections, fork, signal handlers that jump out) and wire.c (the
 * messages, on the calling thread's connection).
 */
#ifndef PL_CONN_H
#define PL_CONN_H

#include <pthread.h>
#include <sys/types.h>

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

/* One connection: one session of the appliance's, one call at a time. */
struct pl_conn {
	int busy;		/* a thread is in a call on it (pool's lock) */
	int broken;		/* a thread's that could not be made: unused */
	unsigned int gen;	/* the program's session it belongs to */
	int fd;			/* -1: not connected (yet, or any more) */
	int hello;		/* HELLO answered: a session */
	int dead;		/* failed: tenant calls get -ENETDOWN */
	int lost;		/* its descriptor was taken from under us */
	uint64_t session;	/* its id */
	dev_t dev;		/* the socket's, to know it is still ours */
	ino_t ino;
	enum pl_wire wire;
	int cancelled;		/* the pending POLL's CANCEL went */
	uint32_t seq;
	uint32_t out_max;	/* of the pending call */
	uint32_t left;		/* out data of the current reply not read yet */
	size_t rpos, rlen;
	/* the shared channel (nrpc.h): calls and replies in the region, the
	 * socket for RINGs only; NULL: every message on the socket */
	struct nrpc_shm *shm;
	size_t shm_size;
	uint32_t req_off, rep_off;	/* our copies, checked at HELLO */
	uint32_t rep_pos;	/* in the reply: what pl_take reads next */
	unsigned long spin_ns;	/* how long the next reply is spun for (wire.c) */
	int want_fd;		/* reading a HELLO reply: keep a memfd it carries */
	int got_fd, got_bell;	/* the memfd, the doorbell's eventfd */
	int bell;		/* the channel's doorbell (NRPC_SHM_BELL), or -1 */
	dev_t bell_dev;		/* its, to know it is still ours */
	ino_t bell_ino;
	char rbuf[4096];
};

/* The connection the calling thread is in a call on (pl_lock..pl_unlock). */
extern __thread struct pl_conn *pl_cur __attribute__((tls_model("initial-exec")));

void pl_complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* wire.c: @n iovecs as one message (HELLO's, a CALL's) */
int pl_wire_send(const struct iovec *iov, int n, int polling);
void pl_wire_reset(void);
/* Map the channel whose memfd (@fd, closed here) and @size the HELLO
 * reply brought: 0 or -errno with the reason said. */
int pl_shm_map(int fd, uint64_t size);
/* The channel's doorbell (an eventfd, @fd moved out of the program's
 * way): written instead of a RING on the socket, closed with the channel. */
void pl_bell_keep(int fd);
/* The channel is gone with the connection (unmapped unless @inherited:
 * a fork's child has no such mapping, MADV_DONTFORK). */
void pl_shm_drop(int inherited);
extern unsigned long pl_spin_ns;
/* The connection's descriptor is no longer ours: the session is lost. */
int pl_lost(const char *why);
/* Finish what a jumped-out-of call left on the wire. */
int pl_resync(void);

#endif
